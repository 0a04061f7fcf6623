--- plumb.help: one line of help for every verb, for the REPL's `help()`.
-- Each entry: the call as it is written, and what it does. docs/design.md and the reference (make doc) have the rest.
-- @module plumb.help
local help = {}

--- The verbs: name -> { call, description }. Handle methods are also module functions
-- (`plumb.links()` is `plumb.default():links()`).
help.verbs = {
  open = { "plumb.open{ netns = \"c1\" }", "a netlink handle in a namespace (a name, a path or { pid = N }); h:close()" },
  default = { "plumb.default()", "the handle the module functions use (the calling thread's namespace)" },
  reset = { "plumb.reset()", "close the default handle (reopened on demand)" },
  kinds = { "plumb.kinds()", "the link kinds this build knows" },
  monitor = { "plumb.monitor{ \"link\", \"addr\", netns =, rcvbuf = }",
    "follow changes as events: for ev in m:events(), m:read(ms), m:step(), m:fd(), m:snapshot()" },
  link_add = { "link_add{ name =, kind =, mtu =, up =, master =, netns =, peer = {...}, <kind> = {...} }",
    "create a link (veth, bridge, macvlan, ipvlan, vlan, vxlan, dummy, ...)" },
  link_set = { "link_set(dev, { up =, mtu =, master =, nomaster =, name =, netns =, address =, ... })",
    "change a link" },
  link_del = { "link_del(dev)", "delete a link" },
  link_get = { "link_get(dev)", "one link's record (ip -j -d link show dev)" },
  links = { "links{ kind =, master = }", "link records, filtered by kind or master" },
  link_ensure = { "link_ensure{ name =, kind =, ... }",
    "make a link match: \"created\", \"changed\" or \"unchanged\" (and what changed)" },
  ifindex = { "ifindex(name)", "a link's index" },
  ifname = { "ifname(index)", "a link's name" },
  addr_add = { "addr_add(dev, \"10.0.0.2/24\", { broadcast =, label =, nodad =, ... })", "add an address" },
  addr_replace = { "addr_replace(dev, prefix, opts)", "add an address or change the existing one" },
  addr_del = { "addr_del(dev, prefix)", "delete an address" },
  addrs = { "addrs{ dev =, family = }", "address records (ip -j addr)" },
  addr_ensure = { "addr_ensure(dev, prefix, opts)", "make sure an address is there: \"created\" or \"unchanged\"" },
  route_add = { "route_add{ dst =, gateway =, dev =, table =, metric =, nexthops = {...}, type = }", "add a route" },
  route_replace = { "route_replace{...}", "add a route or replace the one with the same key" },
  route_append = { "route_append{...}", "add a route beside existing ones with the same key" },
  route_del = { "route_del{ dst =, table =, ... }", "delete a route" },
  routes = { "routes{ table =, family =, dev =, ... }", "route records (ip -j route; table main by default)" },
  each_route = { "for r in each_route{ table = \"all\" } do ... end", "iterate over routes in constant memory" },
  route_get = { "route_get(dst, opts)", "the route the kernel picks for dst (ip route get)" },
  route_ensure = { "route_ensure{...}", "make a route match: \"created\", \"changed\" or \"unchanged\"" },
  neigh_add = { "neigh_add{ dev =, dst =, lladdr =, state = }", "add a neighbour entry" },
  neigh_replace = { "neigh_replace{...}", "add or replace a neighbour entry" },
  neigh_del = { "neigh_del{ dev =, dst = }", "delete a neighbour entry" },
  neighs = { "neighs{ dev =, family =, proxy = }", "neighbour records (ip -j neigh)" },
  fdb_add = { "fdb_add{ dev =, lladdr =, dst =, vlan =, self =, master = }", "add a bridge FDB entry" },
  fdb_append = { "fdb_append{...}", "append an FDB entry (several remotes for one MAC)" },
  fdb_replace = { "fdb_replace{...}", "add or replace an FDB entry" },
  fdb_del = { "fdb_del{...}", "delete an FDB entry" },
  fdbs = { "fdbs{ dev =, br =, vlan = }", "FDB records (bridge -j fdb)" },
  vlan_add = { "vlan_add{ dev =, vid =, pvid =, untagged = }", "add a VLAN to a bridge port" },
  vlan_del = { "vlan_del{ dev =, vid = }", "remove a VLAN from a bridge port" },
  vlans = { "vlans{ dev =, compress = }", "port VLAN records (bridge -j vlan)" },
  rule_add = { "rule_add{ priority =, from =, to =, table =, fwmark =, iif =, oif = }", "add a policy routing rule" },
  rule_del = { "rule_del{...}", "delete a rule" },
  rules = { "rules{ family = }", "rule records (ip -j rule)" },
  ["netns.add"] = { "plumb.netns.add(name)", "create a namespace (like ip netns add)" },
  ["netns.del"] = { "plumb.netns.del(name)", "delete a namespace (like ip netns del)" },
  ["netns.list"] = { "plumb.netns.list()", "the namespaces under /run/netns" },
  ["netns.exists"] = { "plumb.netns.exists(name)", "whether a namespace exists" },
  ["netns.exec"] = { "plumb.netns.exec(name, { \"ping\", \"-c1\", ... })",
    "run a command in a namespace (os.execute's results)" },
  ["netns.run"] = { "plumb.netns.run(name, fn, ...)", "call fn with this thread in a namespace, switched back after" },
  ["netns.id"] = { "plumb.netns.id()", "the identity of the current namespace" },
}

local function functions(plumb)
  local out = {}
  for k, v in pairs(plumb) do
    if type(v) == "function" and k:sub(1, 1) ~= "_" then out[#out + 1] = k end
  end
  for k, v in pairs(plumb.netns or {}) do
    if type(v) == "function" then out[#out + 1] = "netns." .. k end
  end
  table.sort(out)
  return out
end

--- The name under which `fn` is a plumb function or handle method (nil if none).
-- @tparam table plumb the module
-- @param fn a function, or a name ("link_add", "plumb.link_add", "h:link_add")
-- @treturn string|nil
function help.name_of(plumb, fn)
  if type(fn) == "string" then
    local n = fn:gsub("^plumb%.", ""):gsub("^[%w_]+:", "")
    if help.verbs[n] or plumb[n] or (n:match("^netns%.") and plumb.netns[n:sub(7)]) then return n end
    return nil
  end
  for k, v in pairs(plumb) do if v == fn and type(k) == "string" then return k end end
  for k, v in pairs(plumb.netns or {}) do if v == fn then return "netns." .. k end end
  local methods = plumb.core and plumb.core.handle_methods or {}
  for k, v in pairs(methods) do if v == fn then return k end end
  return nil
end

--- The help text: every verb with one line, or one verb in full.
-- @tparam table plumb the module
-- @param[opt] what a function, or its name
-- @treturn string
function help.text(plumb, what)
  if what == nil then
    local out = { plumb._VERSION .. ": every verb is a module function (plumb.links()) and a handle",
                  "method (h = plumb.open{ netns = \"c1\" }; h:links()). help(plumb.link_add) tells more.", "" }
    for _, n in ipairs(functions(plumb)) do
      local v = help.verbs[n]
      out[#out + 1] = ("  %-15s %s"):format(n, v and v[2] or "(see docs/)")
    end
    out[#out + 1] = ""
    out[#out + 1] = "In the REPL, show(v) prints a value the way results are printed (records in columns)."
    out[#out + 1] = "Failures return nil, message, errno; misuse raises. Ctrl-C abandons a line, Ctrl-D leaves."
    return table.concat(out, "\n")
  end
  local n = help.name_of(plumb, what)
  if not n then return ("help: %s is not a plumb verb (help() lists them)"):format(tostring(what)) end
  local v = help.verbs[n]
  if not v then return n .. ": no help yet (see docs/)" end
  local call = v[1]
  if not call:match("^plumb%.") and not call:match("^for ") then call = "plumb." .. call .. "\n  h:" .. call end
  return n .. ": " .. v[2] .. "\n  " .. call
end

return help
