--- plumb.recipes.macvlan_pod: a pod on a macvlan of a master device, as the CNI `macvlan`
-- plugin makes it.
--
--     local mv = require "plumb.recipes.macvlan_pod"
--     assert(mv.up{ netns = "p1", master = "eth0", address = "10.2.0.5/24", gateway = "10.2.0.1" })
--
-- `up` makes the namespace (when absent), a macvlan (bridge mode unless `mode` says
-- otherwise) on `master`, created directly inside the namespace under its final name, its
-- address (given, or from `subnet`), loopback up and the default route via `gateway`.
-- Pods on one master in bridge mode reach each other; as with any macvlan, not the master's
-- own addresses. IPv6 alike with `address6`/`subnet6`/`gateway6` (nodad).
-- `down` deletes the namespace when nothing else is in it, else the macvlan.
-- @module plumb.recipes.macvlan_pod
local pod = require "plumb.recipes._pod"

local modes = { bridge = true, vepa = true, private = true, passthru = true, source = true }

local options = pod.common{
  { name = "netns", type = "string", required = true, identity = true,
    doc = "network namespace of the pod (created if absent)" },
  { name = "master", type = "string", required = true, doc = "parent device, in the host namespace" },
  { name = "address", type = "string", required = true, alt = { "subnet", "address6", "subnet6" },
    doc = "pod address with prefix length, e.g. 10.2.0.5/24 (or --subnet)" },
  { name = "gateway", type = "string", doc = "default route via this address (default with --subnet: its first address)" },
  { name = "subnet", type = "string", doc = "allocate the address from this subnet (plumb.ipam)" },
  { name = "address6", type = "string", doc = "IPv6 pod address with prefix length" },
  { name = "gateway6", type = "string", doc = "IPv6 default route via this address" },
  { name = "subnet6", type = "string", doc = "allocate the IPv6 address from this subnet" },
  { name = "mode", type = "string", doc = "macvlan mode: bridge (default), vepa, private, passthru, source" },
}

local M = pod.make{
  name = "macvlan_pod", kind = "macvlan", options = options, host_prefix = false,
  kind_opts = function(opts)
    local mode = opts.mode or "bridge"
    if not modes[mode] then
      error(("macvlan_pod.up: option \"mode\": expected bridge, vepa, private, passthru or source, got %q")
        :format(mode), 4)
    end
    return { mode = mode }
  end,
  mode_of = function(opts) return opts.mode or "bridge" end,
}


--- Make the pod on a macvlan as the options say: see the module's description and `options`.
-- Transactional: on failure everything this call made is removed and the error names the step.
-- @function up
-- @tparam table opts the options (`options` lists them: required ones first)
-- @treturn table a CNI-shaped result: `interfaces`, `ips`, `routes`
-- @return[2] nil, message naming the failed step, errno

--- Remove what `up` made (the namespace when nothing else is in it); absent is success.
-- @function down
-- @tparam table opts the identity options (`netns`, `ifname`)
-- @treturn true
-- @return[2] nil, message, errno

--- Compare the live state with what `up` would make.
-- @function check
-- @tparam table opts the same options as `up`
-- @treturn true when everything matches
-- @return[2] nil, a list of differences (strings such as "missing address 10.1.0.5/32 on eth0")

--- The option table's description, in order: `{ name =, type =, required =, doc = }` each.
-- @table options

return M
