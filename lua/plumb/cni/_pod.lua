--- plumb.cni._pod: what plumb-macvlan and plumb-ipvlan share (internal): a device on a
-- master, made by the pod recipes' machinery (plumb.recipes._pod) directly in the
-- container's netns, with the IPAM plugin's addresses (their own prefix length) and routes.
-- @module plumb.cni._pod
local cni = require "plumb.cni"
local ipam = require "plumb.cni.ipam"

local P = {}

-- The host's default route's device: the master when the configuration names none (as the
-- reference plugins pick it).
local function default_master(name)
  local plumb = require "plumb"
  local h <close> = assert(plumb.open())
  for _, r in ipairs(h:routes{ family = "inet" } or {}) do
    if r.dst == "default" and r.dev then return r.dev end
  end
  cni.fail(7, name .. ": no \"master\" given and the host has no default route to take it from")
end

--- Make a plugin module: `d.name` ("plumb-macvlan"), `d.recipe` (a recipe module made by
-- plumb.recipes._pod), `d.keys` (the plugin's own keys), `d.plan(ctx, p)` (checks the
-- kind's keys, fills `p.mode`), `d.mode_default`.
function P.make(d)
  local M = { keys = d.keys }
  local NAME = d.name

  local function plan(ctx)
    local c = ctx.conf
    cni.check_keys(c, d.keys, NAME)
    cni.unsupported(c, "linkInContainer", c.linkInContainer == true,
      "not supported yet (the master is looked up in the host namespace)", NAME)
    if not ipam.type_of(ctx) then
      cni.fail(2, NAME .. ": a network without \"ipam\" (layer 2 only) is not supported yet")
    end
    local p = { mtu = math.tointeger(c.mtu), mac = cni.mac_of(ctx), mode = c.mode or d.mode_default }
    if p.mtu == 0 then p.mtu = nil end
    d.plan(ctx, p)
    return p
  end

  local function opts_of(ctx, p, ips, routes, master)
    local v4, v6 = cni.split_ips({ ips = ips }, NAME)
    local o = { netns = ctx.netns, ifname = ctx.ifname, master = master, mtu = p.mtu, mac = p.mac,
      mode = p.mode, host_prefix = false }
    local gws = {}
    if v4 then o.address = v4.address gws.inet = v4.gateway end
    if v6 then o.address6 = v6.address gws.inet6 = v6.gateway end
    o.routes = cni.recipe_routes(routes, gws)
    return o
  end

  --- ADD: the device in the container's netns, the IPAM plugin's addresses and routes.
  function M.add(ctx)
    local p = plan(ctx)
    cni.need_netns(ctx)
    local master = ctx.conf.master or default_master(NAME)
    return ipam.add_then(ctx, function(r)
      local made = cni.check_recipe(NAME, d.recipe.up(opts_of(ctx, p, r.ips, r.routes, master)))
      cni.sysctl(ctx.netns, ("net/ipv4/conf/%s/arp_notify"):format(ctx.ifname), "1")
      return cni.add_result(ctx, made, r, r.routes, 0)
    end)
  end

  --- DEL: the device (gone already, or with its netns: fine), then the IPAM release.
  function M.del(ctx)
    plan(ctx)
    if cni.netns_there(ctx) then
      cni.check_recipe(NAME, d.recipe.down{ netns = ctx.netns, ifname = ctx.ifname })
    end
    ipam.del(ctx)
  end

  --- CHECK: what `prevResult` says is there (the recipe's check), and the IPAM plugin's.
  function M.check(ctx)
    local p = plan(ctx)
    cni.need_netns(ctx)
    ipam.check_with(ctx)
    local prev = cni.prev(ctx)
    local o = opts_of(ctx, p, prev.ips, prev.routes, ctx.conf.master or default_master(NAME))
    cni.check_recipe(NAME, d.recipe.check(o))
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
end

return P
