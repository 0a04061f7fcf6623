--- plumb.cni.macvlan: the `plumb-macvlan` CNI plugin, a drop-in for the reference `macvlan`
-- plugin, built on `plumb.recipes.macvlan_pod`.
--
-- Keys (the reference's): `master` (default: the device of the host's default route),
-- `mode` (bridge (default), private, vepa, passthru), `mtu`, `linkInContainer` (refused:
-- code 2), and the MAC from `runtimeConfig.mac`.
-- @module plumb.cni.macvlan
local cni = require "plumb.cni"

local MODES = { bridge = true, private = true, vepa = true, passthru = true }

--- ADD: the device in the container's netns, the IPAM plugin's addresses and routes.
-- @function add
-- @tparam table ctx the command's context (`plumb.cni.main` makes it)
-- @treturn table the result

--- DEL: the device (gone already, or with its netns: fine), then the IPAM release.
-- @function del
-- @tparam table ctx

--- CHECK: the state `prevResult` describes is there, and the IPAM plugin's.
-- @function check
-- @tparam table ctx

--- STATUS: the IPAM plugin is there (and ready, when it speaks 1.1.0).
-- @function status
-- @tparam table ctx

--- GC: handed to the IPAM plugin when it speaks 1.1.0.
-- @function gc
-- @tparam table ctx

return require("plumb.cni._pod").make{
  name = "plumb-macvlan",
  recipe = require "plumb.recipes.macvlan_pod",
  keys = { master = "string", mode = "string", mtu = "integer", linkInContainer = "boolean", mac = "string" },
  mode_default = "bridge",
  plan = function(ctx, p)
    if not MODES[p.mode] then cni.fail(7, ("plumb-macvlan: unknown macvlan mode %q"):format(p.mode)) end
    -- the key `mac`, unless runtimeConfig or CNI_ARGS ask for one (they win, as with the reference)
    if ctx.conf.mac ~= nil and not p.mac then
      p.mac = cni.mac_of{ conf = { runtimeConfig = { mac = ctx.conf.mac } }, args = {} }
    end
  end,
}
