-- One entry per recipe set-up the transaction specs (spec/61) run at every step: `env()`
-- makes a host namespace (and anything that must exist before), `opts(env)` the options.
local plumb = require "plumb"
local testing = require "plumb.testing"
local R = require "recipes_support"

local Env = {}
Env.__index = Env

local function env(setup)
  return function()
    local e = setmetatable({ sb = testing.sandbox("txh"), names = {}, setup = setup }, Env)
    e.host, e.h = e.sb.ns, e.sb.h
    e.dir = R.tmpdir()
    for i = 1, 3 do e.names[i] = testing.name("txc") end
    if setup then setup(e) end
    return e
  end
end

-- make again what `down` took and the case wants to exist before `up`
function Env:reset()
  if self.setup then self.setup(self) end
end

function Env:close()
  R.cleanup(self.names)
  R.cleanup{ self.names[3] .. "b", self.names[3] .. "c" }
  self.sb:close()
  R.rmtree(self.dir)
end

return {
  { title = "container_on_bridge, everything new (v4 and v6 from subnets, hairpin, ip_forward)",
    recipe = "container_on_bridge", env = env(),
    opts = function(e)
      return { netns = e.names[1], bridge = "br0", subnet = "10.88.0.0/16", subnet6 = "fd00:88::/64",
        hairpin = true, ip_forward = true, mtu = 1400, host_netns = e.host, state_dir = e.dir }
    end },
  { title = "container_on_bridge, bridge (down) and namespace (lo down) there before",
    recipe = "container_on_bridge",
    env = env(function(e)
      if not e.h:link_get("br0") then
        assert(e.h:link_add{ name = "br0", kind = "bridge" })
        assert(e.h:addr_add("br0", "10.77.0.1/24"))
      end
      if not plumb.netns.exists(e.names[1]) then assert(plumb.netns.add(e.names[1])) end
    end),
    opts = function(e)
      return { netns = e.names[1], bridge = "br0", address = "10.77.0.2/24", gateway = "10.77.0.1",
        host_netns = e.host }
    end },
  { title = "veth_ptp (v4 and v6 from subnets, forwarding)", recipe = "veth_ptp", env = env(),
    opts = function(e)
      return { netns = e.names[1], subnet = "10.1.0.0/24", subnet6 = "fd01::/64", mtu = 1450,
        host_netns = e.host, state_dir = e.dir }
    end },
  { title = "macvlan_pod (v4 and v6 from subnets, gateways)", recipe = "macvlan_pod", kind = "macvlan",
    env = env(function(e)
      if not e.h:link_get("m0") then assert(e.h:link_add{ name = "m0", kind = "veth", up = true, peer = { name = "m0p" } }) end
    end),
    opts = function(e)
      return { netns = e.names[1], master = "m0", subnet = "10.2.0.0/24", subnet6 = "fd02::/64",
        gateway6 = "fd02::1", host_netns = e.host, state_dir = e.dir }
    end },
  { title = "ipvlan_l3_pod (v4 and v6 from subnets), namespace there before", recipe = "ipvlan_l3_pod", kind = "ipvlan",
    env = env(function(e)
      if not e.h:link_get("m0") then assert(e.h:link_add{ name = "m0", kind = "veth", up = true, peer = { name = "m0p" } }) end
      if not plumb.netns.exists(e.names[1]) then assert(plumb.netns.add(e.names[1])) end
    end),
    opts = function(e)
      return { netns = e.names[1], master = "m0", subnet = "10.3.0.0/24", subnet6 = "fd03::/64",
        host_netns = e.host, state_dir = e.dir }
    end },
  { title = "vxlan_overlay (two hosts, three containers, allocated addresses)", recipe = "vxlan_overlay",
    kind = "vxlan", env = env(),
    opts = function(e)
      return { hosts = { e.names[1], e.names[2] }, containers = { e.names[3], e.names[3] .. "b", e.names[3] .. "c" },
        subnet = "10.200.0.0/24", host_netns = e.host, state_dir = e.dir }
    end },
}
