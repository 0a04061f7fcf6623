--- plumb.recipes: whole container topologies in one call, each a module with `up`, `down`,
-- `check` and `options` (its option table, in order: what the `plumb RECIPE` flags mirror).
--
--     local recipes = require "plumb.recipes"
--     for _, name in ipairs(recipes.list) do print(name, recipes.doc[name]) end
--     local cob = recipes.load("container_on_bridge")
--
-- Every recipe is transactional (a failed `up` removes what that call made and names the
-- step), idempotent (`up` twice is `up` once; `down` of something absent succeeds),
-- checkable (`check` returns true or nil and a list of differences) and reported (`up`
-- returns a CNI-shaped result). See docs/design.md "Recipes".
-- @module plumb.recipes
local M = {}

--- The recipe module names, in order.
M.list = {
  "container_on_bridge",
  "ipvlan_l3_pod",
  "macvlan_pod",
  "veth_ptp",
  "vxlan_overlay",
}

--- One line about each recipe, by name.
M.doc = {
  container_on_bridge = "a container on a bridge: veth pair, address, default route (Docker's bridge, CNI bridge)",
  ipvlan_l3_pod = "a pod on an ipvlan in L3 mode: /32, default route through the device (CNI ipvlan)",
  macvlan_pod = "a pod on a macvlan of a master: address, gateway route (CNI macvlan)",
  veth_ptp = "a routed veth: /32 in the container, host route, default via the host end (CNI ptp)",
  vxlan_overlay = "containers on two host namespaces joined by a VXLAN overlay (Docker overlay, flannel vxlan)",
}

--- The module of recipe `name` (raises for an unknown one).
-- @tparam string name
-- @treturn table the recipe: up, down, check, options
function M.load(name)
  if type(name) ~= "string" or not M.doc[name] then
    error(("plumb.recipes: unknown recipe %q"):format(tostring(name)), 2)
  end
  return require("plumb.recipes." .. name)
end

return M
