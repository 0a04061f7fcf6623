--- plumb.cni.macvlan: the `plumb-macvlan` CNI plugin, a drop-in for the reference `macvlan`
-- plugin, built on `plumb.recipes.macvlan_pod`.
--
-- Keys (the reference's): `master` (default: the device of the host's default route),
-- `mode` (bridge (default), private, vepa, passthru), `mtu`, `linkInContainer` (refused:
-- code 2), and the MAC from `runtimeConfig.mac`.
-- @module plumb.cni.macvlan
local cni = require "plumb.cni"

local MODES = { bridge = true, private = true, vepa = true, passthru = true }

return require("plumb.cni._pod").make{
  name = "plumb-macvlan",
  recipe = require "plumb.recipes.macvlan_pod",
  keys = { master = "string", mode = "string", mtu = "integer", linkInContainer = "boolean", mac = "string" },
  mode_default = "bridge",
  plan = function(ctx, p)
    if not MODES[p.mode] then cni.fail(7, ("plumb-macvlan: unknown macvlan mode %q"):format(p.mode)) end
    if ctx.conf.mac ~= nil then p.mac = cni.mac_of{ conf = { runtimeConfig = { mac = ctx.conf.mac } }, args = {} } end
  end,
}
