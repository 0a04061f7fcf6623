--- plumb.cni.ipvlan: the `plumb-ipvlan` CNI plugin, a drop-in for the reference `ipvlan`
-- plugin, on the pod recipes' machinery (the one `plumb.recipes.ipvlan_l3_pod` is made by,
-- here with every ipvlan mode and the IPAM plugin's prefix lengths and routes).
--
-- Keys (the reference's): `master` (default: the device of the host's default route),
-- `mode` (l2 (default), l3, l3s), `mtu`, `linkInContainer` (refused: code 2).
-- @module plumb.cni.ipvlan
local cni = require "plumb.cni"
local pod = require "plumb.recipes._pod"

local MODES = { l2 = true, l3 = true, l3s = true }

local recipe = pod.make{
  name = "cni_ipvlan", kind = "ipvlan", host_prefix = false,
  options = pod.common{
    { name = "netns", type = "string", required = true, identity = true, doc = "netns path" },
    { name = "master", type = "string", required = true, doc = "parent device" },
    { name = "address", type = "string", required = true, alt = { "address6" }, doc = "address" },
    { name = "address6", type = "string", doc = "IPv6 address" },
    { name = "mode", type = "string", doc = "l2, l3 or l3s" },
  },
  kind_opts = function(opts) return { mode = opts.mode } end,
  mode_of = function(opts) return opts.mode end,
}

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
  name = "plumb-ipvlan",
  recipe = recipe,
  keys = { master = "string", mode = "string", mtu = "integer", linkInContainer = "boolean" },
  mode_default = "l2",
  plan = function(_, p)
    if not MODES[p.mode] then cni.fail(7, ("plumb-ipvlan: unknown ipvlan mode %q"):format(p.mode)) end
    p.mac = nil
  end,
}
