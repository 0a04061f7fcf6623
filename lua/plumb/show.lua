--- plumb.show: records as people read them, shared by the `plumb` command and the REPL.
-- Brief columns the way iproute2 prints them (`ip -br link`, `ip -br addr`, `ip route`,
-- `ip neigh`, `ip rule`, `bridge fdb`, `bridge vlan`, `bridge link`, `brctl show`), one
-- record as an indented Lua table, and JSON through a kept library (dkjson or lua-cjson).
-- @module plumb.show
local show = {}

local concat, fmt = table.concat, string.format

-- Field order for tables and JSON: ip's own order for the fields it prints first.
local order = {
  "ifindex", "ifname", "link", "link_index", "flags", "mtu", "qdisc", "master", "operstate",
  "linkmode", "group", "txqlen", "link_type", "address", "broadcast", "link_netnsid",
  "promiscuity", "min_mtu", "max_mtu", "linkinfo", "info_kind", "info_data", "info_slave_kind",
  "info_slave_data", "family", "local", "prefixlen", "scope", "label", "valid_life_time",
  "preferred_life_time", "type", "dst", "gateway", "dev", "table", "protocol", "prefsrc",
  "metric", "nexthops", "priority", "src", "srclen", "dstlen", "lladdr", "state", "mac", "vlan",
  -- CNI results
  "cniVersion", "interfaces", "ips", "routes", "name", "sandbox", "interface", "gw",
}
local rank = {}
for i, k in ipairs(order) do rank[k] = i end

local function keycmp(a, b)
  local ra, rb = rank[a], rank[b]
  if ra and rb then return ra < rb end
  if ra or rb then return ra ~= nil end
  return tostring(a) < tostring(b)
end

--- The keys of table `t` that are not list indices, in display order.
-- @tparam table t
-- @treturn {string,...}
function show.keys(t)
  local n, ks = #t, {}
  for k in pairs(t) do
    if not (math.type(k) == "integer" and k >= 1 and k <= n) then ks[#ks + 1] = k end
  end
  table.sort(ks, function(a, b)
    if type(a) ~= type(b) then return type(a) < type(b) end
    return keycmp(a, b)
  end)
  return ks
end

-- ---------------------------------------------------------------------------------------
-- JSON

local json_lib, json_name
do
  -- dkjson first: it writes Lua integers exactly and empty lists as [] (the lua-cjson 2.1.0
  -- Debian ships writes {} for every empty table and integers past 14 digits as 9.007e+15).
  local ok, m = pcall(require, "dkjson")
  if ok then json_lib, json_name = m, "dkjson" else
    ok, m = pcall(require, "cjson")
    if ok then json_lib, json_name = m, "cjson" end
  end
end

--- Encode `v` as JSON (records in ip's key order).
-- @param v
-- @treturn string
-- @return[2] nil, message when no JSON library is installed
function show.json(v)
  if not json_lib then return nil, "no JSON library: install lua-dkjson or lua-cjson" end
  if json_name == "dkjson" then return json_lib.encode(v, { keyorder = order }) end
  return json_lib.encode(v)
end

--- Decode JSON text.
-- @tparam string s
-- @return the value, or nil, message
function show.json_decode(s)
  if not json_lib then return nil, "no JSON library: install lua-dkjson or lua-cjson" end
  if json_name == "dkjson" then
    local v, _, err = json_lib.decode(s, 1, nil)
    if err then return nil, err end
    return v
  end
  local ok, v = pcall(json_lib.decode, s)
  if not ok then return nil, v end
  return v
end

--- Which JSON library is used ("dkjson", "cjson" or nil).
function show.json_library() return json_name end

-- ---------------------------------------------------------------------------------------
-- One value as an indented Lua table

local ident = "^[%a_][%w_]*$"
local keywords = {}
for w in ([[and break do else elseif end false for function goto if in local nil not or
  repeat return then true until while]]):gmatch("%a+") do keywords[w] = true end

local function scalar(v)
  if type(v) == "string" then return fmt("%q", v):gsub("\\\n", "\\n") end
  if math.type(v) == "float" and v == math.floor(v) and v == v and v ~= math.huge and v ~= -math.huge then
    return fmt("%.1f", v)
  end
  return tostring(v)
end

local function keystr(k)
  if type(k) == "string" and k:match(ident) and not keywords[k] then return k end
  return "[" .. scalar(k) .. "]"
end

local function flat(t)
  if next(t) == nil then return true end
  if #t == 0 then return false end
  for k, v in pairs(t) do
    if type(v) == "table" or math.type(k) ~= "integer" then return false end
  end
  return true
end

local function pretty(v, indent, out, seen)
  if type(v) ~= "table" then out[#out + 1] = scalar(v) return end
  if seen[v] then out[#out + 1] = "{...}" return end
  if flat(v) then
    local parts = {}
    for i = 1, #v do parts[i] = scalar(v[i]) end
    local s = #parts == 0 and "{}" or "{ " .. concat(parts, ", ") .. " }"
    if #s + #indent < 100 then out[#out + 1] = s return end
  end
  seen[v] = true
  local inner = indent .. "  "
  out[#out + 1] = "{\n"
  for i = 1, #v do
    out[#out + 1] = inner
    pretty(v[i], inner, out, seen)
    out[#out + 1] = ",\n"
  end
  for _, k in ipairs(show.keys(v)) do
    out[#out + 1] = inner .. keystr(k) .. " = "
    pretty(v[k], inner, out, seen)
    out[#out + 1] = ",\n"
  end
  out[#out + 1] = indent .. "}"
  seen[v] = nil
end

--- A value as Lua source, tables indented (records' fields in ip's order).
-- @param v
-- @treturn string
function show.pretty(v)
  local out = {}
  pretty(v, "", out, {})
  return concat(out)
end

-- ---------------------------------------------------------------------------------------
-- Brief lines

local function name_at(l)
  if l.link then return l.ifname .. "@" .. l.link end
  if l.link_index then return l.ifname .. "@if" .. l.link_index end
  if l.link_netnsid and l.linkinfo and l.linkinfo.info_kind == "veth" then return l.ifname .. "@NONE" end
  return l.ifname
end

local function rtrim(s) return (s:gsub("%s+$", "")) end

--- A link as `ip -br link` prints it: NAME STATE ADDRESS <FLAGS>.
-- @tparam table l a link record
-- @treturn string
function show.link_line(l)
  return rtrim(fmt("%-16s %-14s %s <%s>", name_at(l), l.operstate or "UNKNOWN", l.address or "",
    concat(l.flags or {}, ",")):gsub("  +<", " <"))
end

--- Links and their addresses as `ip -br addr` prints them: NAME STATE ADDRESSES.
-- @tparam {table,...} links link records
-- @tparam {table,...} addrs address records
-- @treturn {string,...} lines
function show.addr_lines(links, addrs)
  local by = {}
  for _, a in ipairs(addrs) do
    local k = a.ifindex or a.ifname
    by[k] = by[k] or {}
    by[k][#by[k] + 1] = a["local"] .. "/" .. a.prefixlen
  end
  local out = {}
  if links then
    for _, l in ipairs(links) do
      local list = by[l.ifindex] or by[l.ifname] or {}
      out[#out + 1] = rtrim(fmt("%-16s %-14s %s", name_at(l), l.operstate or "UNKNOWN", concat(list, " ")))
    end
  else
    local seen = {}
    for _, a in ipairs(addrs) do
      local k = a.ifindex or a.ifname
      if not seen[k] then
        seen[k] = true
        out[#out + 1] = rtrim(fmt("%-16s %s", a.ifname or tostring(a.ifindex), concat(by[k], " ")))
      end
    end
  end
  return out
end

local function nexthop_words(w, r)
  if r.gateway then w[#w + 1] = "via " .. r.gateway end
  if r.dev then w[#w + 1] = "dev " .. r.dev end
end

--- A route as `ip route` prints it.
-- @tparam table r a route record
-- @tparam[opt] boolean one_table leave out "table T" (ip does for `show table T`)
-- @treturn string
function show.route_line(r, one_table)
  local w = {}
  if r.type and r.type ~= "unicast" then w[#w + 1] = r.type end
  w[#w + 1] = r.dst or "default"
  if r.src and r.srclen then w[#w + 1] = "from " .. r.src .. "/" .. r.srclen end
  if r.tos and r.tos ~= 0 then w[#w + 1] = "tos " .. tostring(r.tos) end
  nexthop_words(w, r)
  if r.table and r.table ~= "main" and not one_table then w[#w + 1] = "table " .. r.table end
  if r.protocol and r.protocol ~= "boot" then w[#w + 1] = "proto " .. r.protocol end
  if r.scope and r.scope ~= "global" and r.scope ~= "universe" then w[#w + 1] = "scope " .. r.scope end
  if r.prefsrc then w[#w + 1] = "src " .. r.prefsrc end
  if r.metric then w[#w + 1] = "metric " .. r.metric end
  for _, f in ipairs(r.flags or {}) do w[#w + 1] = f end
  if r.mtu then w[#w + 1] = "mtu " .. r.mtu end
  if r.pref then w[#w + 1] = "pref " .. r.pref end
  local line = concat(w, " ")
  for _, nh in ipairs(r.nexthops or {}) do
    local n = { "nexthop" }
    nexthop_words(n, nh)
    n[#n + 1] = "weight " .. (nh.weight or 1)
    for _, f in ipairs(nh.flags or {}) do n[#n + 1] = f end
    line = line .. "\n\t" .. concat(n, " ")
  end
  return line
end

--- A neighbour as `ip neigh` prints it.
-- @tparam table n a neighbour record
-- @treturn string
function show.neigh_line(n)
  local w = { n.dst }
  if n.dev then w[#w + 1] = "dev " .. n.dev end
  if n.lladdr then w[#w + 1] = "lladdr " .. n.lladdr end
  if n.router then w[#w + 1] = "router" end
  if n.proxy then w[#w + 1] = "proxy" end
  for _, s in ipairs(type(n.state) == "table" and n.state or { n.state }) do w[#w + 1] = s end
  return concat(w, " ")
end

local function prefix(a, len)
  if not a then return "all" end
  if a == "all" then return a end
  if len and not ((len == 32 and not a:find(":")) or len == 128) then return a .. "/" .. len end
  return a
end

--- A rule as `ip rule` prints it: `PRIO:\tfrom SRC [to DST] ... lookup TABLE`.
-- @tparam table r a rule record
-- @treturn string
function show.rule_line(r)
  local w = {}
  if r["not"] then w[#w + 1] = "not" end
  w[#w + 1] = "from " .. prefix(r.src, r.srclen)
  if r.dst then w[#w + 1] = "to " .. prefix(r.dst, r.dstlen) end
  if r.tos then w[#w + 1] = "tos " .. tostring(r.tos) end
  if r.fwmark then w[#w + 1] = "fwmark " .. r.fwmark .. (r.fwmask and ("/" .. r.fwmask) or "") end
  if r.iif then w[#w + 1] = "iif " .. r.iif end
  if r.oif then w[#w + 1] = "oif " .. r.oif end
  if r.l3mdev then w[#w + 1] = "lookup [l3mdev-table]"
  elseif r.table then w[#w + 1] = "lookup " .. r.table end
  if r.action and r.action ~= "to_tbl" then w[#w + 1] = r.action end
  if r.protocol and r.protocol ~= "unspec" and r.protocol ~= "kernel" then w[#w + 1] = "proto " .. r.protocol end
  return fmt("%s:\t%s", tostring(r.priority or 0), concat(w, " "))
end

--- An FDB entry as `bridge fdb` prints it.
-- @tparam table f an fdb record
-- @treturn string
function show.fdb_line(f)
  local w = { f.mac }
  if f.ifname then w[#w + 1] = "dev " .. f.ifname end
  if f.vlan then w[#w + 1] = "vlan " .. f.vlan end
  if f.dst then w[#w + 1] = "dst " .. f.dst end
  if f.port then w[#w + 1] = "port " .. f.port end
  if f.vni then w[#w + 1] = "vni " .. f.vni end
  if f.via then w[#w + 1] = "via " .. f.via end
  for _, fl in ipairs(f.flags or {}) do w[#w + 1] = fl end
  if f.master then w[#w + 1] = "master " .. f.master end
  if f.state and f.state ~= "" then w[#w + 1] = f.state end
  return concat(w, " ")
end

--- Port VLANs as `bridge vlan` prints them (a header, then one line per VLAN).
-- @tparam {table,...} ports vlan records `{ ifname =, vlans = { { vlan =, flags = } } }`
-- @treturn {string,...} lines
function show.vlan_lines(ports)
  local out = { "port              vlan-id" }
  for _, p in ipairs(ports) do
    for i, v in ipairs(p.vlans or {}) do
      local id = tostring(v.vlan) .. (v.vlanEnd and ("-" .. v.vlanEnd) or "")
      local s = fmt("%-16s  %s", i == 1 and p.ifname or "", id)
      if v.flags and #v.flags > 0 then s = s .. " " .. concat(v.flags, " ") end
      out[#out + 1] = s
    end
  end
  return out
end

--- A bridge port as `bridge link show` prints it.
-- @tparam table l a link record (a bridge port)
-- @treturn string
function show.port_line(l)
  local sd = l.linkinfo and l.linkinfo.info_slave_data or {}
  local w = { fmt("%d: %s: <%s> mtu %d", l.ifindex, name_at(l), concat(l.flags or {}, ","), l.mtu or 0) }
  if l.master then w[#w + 1] = "master " .. l.master end
  if sd.state then w[#w + 1] = "state " .. sd.state end
  if sd.priority then w[#w + 1] = "priority " .. sd.priority end
  if sd.cost then w[#w + 1] = "cost " .. sd.cost end
  return concat(w, " ")
end

--- Bridges and their ports as `brctl show` prints them.
-- @tparam {table,...} bridges link records of kind bridge
-- @tparam function ports_of called with a bridge name, returns its port names (sorted)
-- @treturn {string,...} lines
function show.bridge_lines(bridges, ports_of)
  local out = { "bridge name\tbridge id\t\tSTP enabled\tinterfaces" }
  for _, b in ipairs(bridges) do
    local d = b.linkinfo and b.linkinfo.info_data or {}
    -- ip prints the id's bytes without leading zeros ("8000.9a:9:98:..."); brctl pads them
    local prio, mac = (d.bridge_id or ""):match("^(%x+)%.(.*)$")
    local id = ""
    if prio then
      id = prio .. "." .. mac:gsub("%x+", function(x) return ("%02x"):format(tonumber(x, 16)) end):gsub(":", "")
    end
    local stp = (d.stp_state and d.stp_state ~= 0) and "yes" or "no"
    local ports = ports_of(b.ifname)
    local line = fmt("%s\t\t%s\t%s\t\t%s", b.ifname, id, stp, ports[1] or "")
    out[#out + 1] = rtrim(line)
    for i = 2, #ports do out[#out + 1] = "\t\t\t\t\t\t\t" .. ports[i] end
  end
  return out
end

-- ---------------------------------------------------------------------------------------
-- Lists of records, whatever they are

local function is_record(t) return type(t) == "table" and next(t) ~= nil and #t == 0 end

--- What kind of record `r` is: "link", "addr", "route", "neigh", "rule", "fdb", "vlan" or nil.
-- @tparam table r
-- @treturn string|nil
function show.kind(r)
  if not is_record(r) then return nil end
  if r.ifname and r.link_type and r.flags then return "link" end
  if r.family and r["local"] and r.prefixlen then return "addr" end
  if r.mac and (r.ifname or r.flags) then return "fdb" end
  if r.vlans and r.ifname then return "vlan" end
  if r.dst and (r.lladdr or r.state) and r.dev and not r.gateway then return "neigh" end
  if r.priority and (r.src or r.table or r.action) and not r.dev then return "rule" end
  if r.dst and (r.dev or r.nexthops or r.type or r.gateway) then return "route" end
  return nil
end

local line_of = {
  link = show.link_line, route = show.route_line, neigh = show.neigh_line,
  rule = show.rule_line, fdb = show.fdb_line,
}

--- Lines for a list of records all of one kind (nil when they are not).
-- @tparam {table,...} list
-- @treturn {string,...}|nil
function show.brief(list)
  if type(list) ~= "table" or #list == 0 then return nil end
  local kind = show.kind(list[1])
  if not kind then return nil end
  for i = 2, #list do if show.kind(list[i]) ~= kind then return nil end end
  if kind == "addr" then return show.addr_lines(nil, list) end
  if kind == "vlan" then return show.vlan_lines(list) end
  local out = {}
  for i, r in ipairs(list) do out[i] = (line_of[kind](r)) end
  return out
end

--- Any value as the REPL prints it: a list of records in brief columns, else an indented table.
-- @param v
-- @treturn string
function show.value(v)
  local lines = show.brief(v)
  if lines then return concat(lines, "\n") end
  return show.pretty(v)
end

return show
