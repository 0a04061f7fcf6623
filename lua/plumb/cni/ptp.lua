--- plumb.cni.ptp: the `plumb-ptp` CNI plugin, a drop-in for the reference `ptp` plugin,
-- built on `plumb.recipes.veth_ptp`.
--
-- Keys (the reference's): `mtu`, `ipMasq` (refused until plumb has NAT: code 2). The host
-- end of the veth gets the gateway as a /32 (/128) and a route to the container; the
-- container gets the IPAM plugin's address (its prefix length kept), a route to the gateway
-- and one to the subnet via it (the kernel's own subnet route removed), the IPAM routes via
-- the gateway; forwarding is turned on (veth_ptp with `keep_prefix`).
-- @module plumb.cni.ptp
local cni = require "plumb.cni"
local ipam = require "plumb.cni.ipam"

local M = {}
local NAME = "plumb-ptp"

--- The plugin's own keys.
M.keys = { ipMasq = "boolean", ipMasqBackend = "string", mtu = "integer" }

local function plan(ctx)
  local c = ctx.conf
  cni.check_keys(c, M.keys, NAME)
  cni.unsupported(c, "ipMasq", c.ipMasq == true, "not supported until plumb has NAT", NAME)
  if not ipam.type_of(ctx) then cni.fail(7, NAME .. ": \"ipam\" is required") end
  local p = { mtu = math.tointeger(c.mtu), hostif = cni.host_ifname(ctx) }
  if p.mtu == 0 then p.mtu = nil end
  return p
end

local function opts_of(ctx, p, ips, routes)
  local v4, v6 = cni.split_ips({ ips = ips }, NAME)
  local o = { netns = ctx.netns, ifname = ctx.ifname, host_ifname = p.hostif, mtu = p.mtu,
    default_route = false, keep_prefix = true }
  local gws = {}
  for _, x in ipairs{ { v4, "address", "gateway" }, { v6, "address6", "gateway6" } } do
    local ip = x[1]
    if ip then
      if ip.gateway == nil then ip.gateway = cni.first_of(ip.address) end
      o[x[2]], o[x[3]] = ip.address, ip.gateway
      gws[cni.family(ip.address)] = ip.gateway
    end
  end
  o.routes = cni.recipe_routes(routes, gws)
  return o
end

--- ADD: the veth pair, addresses, host and container routes, forwarding.
function M.add(ctx)
  local p = plan(ctx)
  cni.need_netns(ctx)
  return ipam.add_then(ctx, function(r)
    local ptp = require "plumb.recipes.veth_ptp"
    local made = cni.check_recipe(NAME, ptp.up(opts_of(ctx, p, r.ips, r.routes)))
    cni.sysctl(nil, ("net/ipv6/conf/%s/accept_ra"):format(p.hostif), "0")
    return cni.add_result(ctx, made, r, r.routes, 1)
  end)
end

--- DEL: the veth pair (its host route with it), then the IPAM release; gone is fine.
function M.del(ctx)
  local p = plan(ctx)
  if cni.netns_there(ctx) then
    local ptp = require "plumb.recipes.veth_ptp"
    cni.check_recipe(NAME, ptp.down{ netns = ctx.netns, ifname = ctx.ifname, host_ifname = p.hostif })
  else
    -- the netns is gone: its veth end went with it, and the host end with that
    local plumb = require "plumb"
    local h <close> = assert(plumb.open())
    h:link_del(p.hostif)
  end
  ipam.del(ctx)
end

--- CHECK: what `prevResult` says is there (the recipe's check), and the IPAM plugin's.
function M.check(ctx)
  local p = plan(ctx)
  cni.need_netns(ctx)
  ipam.check_with(ctx)
  local prev = cni.prev(ctx)
  local ptp = require "plumb.recipes.veth_ptp"
  cni.check_recipe(NAME, ptp.check(opts_of(ctx, p, prev.ips, prev.routes)))
end

--- STATUS: the IPAM plugin is there (and ready, when it speaks 1.1.0).
function M.status(ctx)
  plan(ctx)
  ipam.delegate_11(ctx, "STATUS")
end

--- GC: handed to the IPAM plugin when it speaks 1.1.0.
function M.gc(ctx)
  plan(ctx)
  ipam.delegate_11(ctx, "GC")
end

return M
