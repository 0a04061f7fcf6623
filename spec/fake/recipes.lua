-- A stand-in for plumb.recipes, following the recipe contract (docs/design.md "Recipes"), so the
-- `plumb` command's recipe subcommands are tested whatever the real recipes do. Loaded by
-- spec/52-cli_recipes_spec.lua through package.preload. It does real work: a veth pair in a
-- namespace.
local plumb = require "plumb"

local pair = {}
pair.options = {
  { name = "netns", type = "string", required = true, doc = "the namespace" },
  { name = "host_ifname", type = "string", required = true, doc = "the first end's name" },
  { name = "mtu", type = "integer", doc = "the MTU" },
  { name = "up", type = "boolean", doc = "set both ends up" },
  { name = "aliases", type = "list", doc = "aliases of the two ends" },
}

local function open(o)
  return plumb.open{ netns = o.netns }
end

function pair.up(o)
  if o.host_ifname == "boom" then error("fake_pair: host_ifname: \"boom\" is not allowed", 2) end
  local h, err, code = open(o)
  if not h then return nil, err, code end
  local ok
  ok, err, code = h:link_add{ name = o.host_ifname, kind = "veth", mtu = o.mtu, up = o.up or nil,
    peer = { name = o.host_ifname .. "p", up = o.up or nil } }
  if ok and o.aliases then h:link_set(o.host_ifname, { alias = o.aliases[1] }) end
  local l = ok and h:link_get(o.host_ifname)
  h:close()
  if not ok then return nil, err, code end
  return { interfaces = { { name = l.ifname, mac = l.address, sandbox = "/run/netns/" .. o.netns } },
           ips = { { address = "10.0.0.2/24", gateway = "10.0.0.1", interface = 0 } },
           routes = { { dst = "0.0.0.0/0", gw = "10.0.0.1" } } }
end

function pair.down(o)
  local h, err, code = open(o)
  if not h then return nil, err, code end
  if h:link_get(o.host_ifname) then
    local ok
    ok, err, code = h:link_del(o.host_ifname)
    if not ok then h:close() return nil, err, code end
  end
  h:close()
  return true
end

function pair.check(o)
  local h, err, code = open(o)
  if not h then return nil, err, code end
  local l = h:link_get(o.host_ifname)
  h:close()
  local diffs = {}
  if not l then diffs[#diffs + 1] = "missing device " .. o.host_ifname
  elseif o.mtu and l.mtu ~= o.mtu then diffs[#diffs + 1] = ("%s: mtu %d, want %d"):format(o.host_ifname, l.mtu, o.mtu) end
  if #diffs > 0 then return nil, diffs end
  return true
end

package.preload["plumb.recipes.fake_pair"] = function() return pair end

return { list = { "fake_pair" }, doc = { fake_pair = "a veth pair in a namespace (a test stand-in)" } }
