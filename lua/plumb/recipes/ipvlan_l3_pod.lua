--- plumb.recipes.ipvlan_l3_pod: a pod on an ipvlan in L3 mode, as the CNI `ipvlan` plugin
-- makes it (mode l3).
--
--     local pod = require "plumb.recipes.ipvlan_l3_pod"
--     assert(pod.up{ netns = "p1", master = "eth0", address = "10.1.0.5/32" })
--
-- `up` makes the namespace (when absent), an ipvlan in L3 mode on `master`, created
-- directly inside the namespace under its final name, its address as a /32 (or /128),
-- loopback up, and a default route through the device: L3 mode has no gateway, the master
-- routes. Pods on one master reach each other. IPv6 alike with `address6`/`subnet6`.
-- `down` deletes the namespace when nothing else is in it, else the device.
-- @module plumb.recipes.ipvlan_l3_pod
local pod = require "plumb.recipes._pod"

local options = pod.common{
  { name = "netns", type = "string", required = true, identity = true,
    doc = "network namespace of the pod (created if absent)" },
  { name = "master", type = "string", required = true, doc = "parent device, in the host namespace" },
  { name = "address", type = "string", required = true, alt = { "subnet", "address6", "subnet6" },
    doc = "pod address (made a /32), e.g. 10.1.0.5/32 (or --subnet)" },
  { name = "subnet", type = "string", doc = "allocate the address from this subnet (plumb.ipam)" },
  { name = "address6", type = "string", doc = "IPv6 pod address (made a /128)" },
  { name = "subnet6", type = "string", doc = "allocate the IPv6 address from this subnet" },
  { name = "mode", type = "string", doc = "l3 (default) or l3s" },
}

local M = pod.make{
  name = "ipvlan_l3_pod", kind = "ipvlan", options = options, host_prefix = true,
  kind_opts = function(opts)
    local mode = opts.mode or "l3"
    if mode ~= "l3" and mode ~= "l3s" then
      error(("ipvlan_l3_pod.up: option \"mode\": expected l3 or l3s, got %q"):format(mode), 4)
    end
    return { mode = mode }
  end,
  mode_of = function(opts) return opts.mode or "l3" end,
}


--- Make the pod on an ipvlan (L3) as the options say: see the module's description and `options`.
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
