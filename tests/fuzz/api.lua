-- A fuzzer of plumb's Lua API: random calls of every public function of `plumb`, of
-- `plumb.netns` and of every handle method (listed from the module at run time, so new ones
-- are covered), with random arguments and option tables: wrong types, unknown keys, huge and
-- empty strings, NUL bytes, NaN, inf, math.mininteger, floats, nested and cyclic tables,
-- metatables whose __index allocates, raises or re-enters plumb; and, more often, addresses,
-- prefixes, MACs and names that look valid, so that calls reach the kernel.
--
-- It must run inside throwaway namespaces (tests/fuzz/api-run makes them): it refuses to
-- start unless it is pid 1 of its own pid namespace with nothing but "lo" in its network
-- namespace. Pass = no sanitizer report and, for every call:
--   * a misuse raises a string naming the function called ("link_add", "netns.add");
--   * a failure returns nil, a message (a string) and an errno (a positive integer);
--   * a success returns values of the documented types;
-- and, at the end, no file descriptor and no namespace left behind.
--   lua5.4 tests/fuzz/api.lua [CALLS [SEED]]
-- Environment: FUZZ_SEED, FUZZ_CALLS, FUZZ_MAX_SECONDS (stop early), FUZZ_NO_METATABLES=1,
-- FUZZ_VERBOSE=1 (print every call), FUZZ_SHOW=N (examples shown per kind of finding),
-- FUZZ_LAST=FILE (each call is written there before it is made: the one a crash stopped).
local calls = tonumber(arg[1] or os.getenv("FUZZ_CALLS") or "") or 50000
local seed = tonumber(os.getenv("FUZZ_SEED") or arg[2] or "") or 9
local max_seconds = tonumber(os.getenv("FUZZ_MAX_SECONDS") or "") or math.huge
local no_mt = os.getenv("FUZZ_NO_METATABLES") == "1"
local verbose = os.getenv("FUZZ_VERBOSE") == "1"
local show = tonumber(os.getenv("FUZZ_SHOW") or "") or 3
local last = os.getenv("FUZZ_LAST") and assert(io.open(os.getenv("FUZZ_LAST"), "w"))
local last_len = 0
if last then last:setvbuf("no") end

local function die(msg)
  io.stderr:write("fuzz-api: ", msg, "\n")
  os.exit(2)
end

-- ---------------------------------------------------------------------------------------
-- never the host

local function readfile(path)
  local f = io.open(path)
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

do
  local stat = readfile("/proc/self/stat") or ""
  if stat:match("^(%d+)") ~= "1" then
    die("not pid 1 of a pid namespace of its own: run it through tests/fuzz/api-run")
  end
  local dev = readfile("/proc/net/dev") or ""
  for name in dev:gmatch("\n%s*([^:%s]+):") do
    if name ~= "lo" then die("the network namespace has " .. name .. ": not a throwaway one") end
  end
end

local plumb = require "plumb"
math.randomseed(seed)
local R = math.random

-- ---------------------------------------------------------------------------------------
-- what is there to call

local function sorted_keys(t)
  local l = {}
  for k in pairs(t) do l[#l + 1] = k end
  table.sort(l)
  return l
end

-- { name = "link_add" (as a message names it), kind = "method" | "module" | "netns", fn = }
local api = {}
for _, name in ipairs(sorted_keys(plumb)) do
  if type(plumb[name]) == "function" and name:sub(1, 1) ~= "_" then
    api[#api + 1] = { name = name, kind = "module", fn = plumb[name] }
  end
end
for _, name in ipairs(sorted_keys(plumb.netns)) do
  if type(plumb.netns[name]) == "function" then
    api[#api + 1] = { name = "netns." .. name, kind = "netns", fn = plumb.netns[name] }
  end
end
local methods = plumb.core.handle_methods
for _, name in ipairs(sorted_keys(methods)) do
  if type(methods[name]) == "function" and name:sub(1, 1) ~= "_" then
    api[#api + 1] = { name = name, kind = "method", fn = methods[name] }
  end
end

-- ---------------------------------------------------------------------------------------
-- random values

local function pick(t) return t[R(#t)] end

local NS_NAMES = { "fzns0", "fzns1", "fzns2" }
local LINK_NAMES = { "fz0", "fz1", "fz2", "fz3", "fzp0", "fzp1", "lo" }
local KINDS = plumb.kinds()

local function huge() return ("x"):rep(pick { 16, 255, 4096, 70000 }) end
local nul_strings = { "ab\0cd", "\0", "fz0\0junk", "10.0.0.1/24\0junk", "02:00:00:00:00:01\0" }

local function ipv4() return ("10.%d.%d.%d"):format(R(0, 3), R(0, 3), R(1, 254)) end
local function ipv6() return ("2001:db8:%x::%x"):format(R(0, 3), R(1, 300)) end
local function addr()
  local a = R(2) == 1 and ipv4() or ipv6()
  if R(10) == 1 then a = a .. "/" .. R(0, 129) end
  return a
end
local function prefix()
  if R(2) == 1 then return ipv4() .. "/" .. pick { 8, 16, 24, 32, 33, 0 } end
  return ipv6() .. "/" .. pick { 48, 64, 128, 129 }
end
local function mac()
  return ("%02x:00:00:00:00:%02x"):format(pick { 2, 0, 1, 255 }, R(0, 255))
end
local function linkname() return pick(LINK_NAMES) end
local function nsname() return pick(NS_NAMES) end

local scalar_gens = {
  function() return nil end,
  function() return R(2) == 1 end,
  function() return pick { 0, 1, -1, 2, 7, 100, 4094, 4095, 65535, 65536, 1 << 31, (1 << 32) + 1 } end,
  function() return pick { math.mininteger, math.maxinteger, -(1 << 31) } end,
  function() return pick { 0.5, 1.0, -2.5, 0 / 0, math.huge, -math.huge, -0.0, 1e300 } end,
  function() return "" end,
  huge,
  function() return pick(nul_strings) end,
  function() return pick { "fz0", "lo", "x", ".", "..", "a/b", "a b", "ä", "%s%n", "-1", "0x10" } end,
  ipv4, ipv6, prefix, mac,
  function() return print end,
  function() return io.stdout end,
  function() return coroutine.create(function() end) end,
}
local function scalar() return pick(scalar_gens)() end

local value -- forward
local opts  -- forward

-- A metatable whose __index allocates, raises or calls plumb again.
local function hostile_mt(base)
  local how = R(3)
  local mt = {}
  if how == 1 then
    -- Strings are kept reversed and handed out as new strings nothing else holds: the
    -- collector may free them while a call still reads them.
    local stored = {}
    for k, v in pairs(base) do stored[k] = type(v) == "string" and v:reverse() or v end
    mt.__index = function(_, k)
      for _ = 1, 3000 do local _ = {} end
      local v = stored[k]
      if type(v) == "string" then return v:reverse() end
      return v
    end
  elseif how == 2 then
    mt.__index = function(_, k) error("fuzz-boom " .. tostring(k), 0) end
  else
    mt.__index = function(_, k)
      pcall(plumb.links)
      pcall(plumb.link_add, { name = "fz3", kind = "bridge" })
      return base[k]
    end
  end
  return setmetatable({}, mt), how
end

local KEYS = {
  "name", "kind", "mtu", "up", "master", "netns", "peer", "address", "alias", "txqueuelen",
  "link", "nomaster", "dev", "dst", "gateway", "via", "table", "metric", "family", "type",
  "scope", "protocol", "tos", "nexthops", "weight", "onlink", "lladdr", "state", "proxy",
  "router", "vid", "pvid", "untagged", "self", "vlan", "vni", "port", "br", "compress",
  "priority", "from", "to", "iif", "oif", "fwmark", "action", "goto", "not", "pid", "label",
  "broadcast", "peer", "nodad", "noprefixroute", "valid_lft", "preferred_lft", "mark", "uid",
  "fibmatch", "bridge_port", "id", "mode", "stp", "cost", "kindd", "mut", "",
}
for _, k in ipairs(KINDS) do KEYS[#KEYS + 1] = k end

-- A value that suits key @k more often than not (now and then with a NUL byte and junk
-- after it: it must be refused, not cut).
local value_for_
local function value_for(k, depth)
  local v = value_for_(k, depth)
  if type(v) == "string" and R(12) == 1 then v = v .. "\0junk" end
  return v
end
local BOOL_KEYS, INT_KEYS = {}, {}
for _, k in ipairs { "up", "nomaster", "onlink", "proxy", "router", "pvid", "untagged", "self",
                     "compress", "not", "nodad", "noprefixroute", "fibmatch", "stp" } do
  BOOL_KEYS[k] = true
end
for _, k in ipairs { "mtu", "txqueuelen", "metric", "weight", "vni", "port", "priority", "tos",
                     "fwmark", "vlan", "id", "cost", "valid_lft", "preferred_lft", "mark", "uid" } do
  INT_KEYS[k] = true
end

function value_for_(k, depth)
  if R(4) == 1 then return value(depth + 1) end
  if BOOL_KEYS[k] then return R(2) == 1 end
  if INT_KEYS[k] then return pick { R(0, 100), R(1000, 1500), R(0, 70000), 1 << 31, -1 } end
  if k == "name" or k == "dev" or k == "master" or k == "link" or k == "iif" or k == "oif" or k == "br" then
    return R(4) == 1 and R(1, 5) or linkname()
  elseif k == "kind" then return R(3) == 1 and pick(KINDS) or pick { "veth", "bridge", "macvlan", "vxlan" }
  elseif k == "netns" then return pick { nsname(), "/proc/1/ns/net", { pid = 1 }, 1, "/etc/passwd" }
  elseif k == "peer" then
    local peer = { name = pick { "fzp0", "fzp1" }, netns = R(3) == 1 and nsname() or nil }
    if not no_mt and R(2) == 1 then return (hostile_mt(peer)) end
    return peer
  elseif k == "dst" or k == "gateway" or k == "via" or k == "from" or k == "to" then
    return R(8) == 1 and "default" or (R(2) == 1 and prefix() or addr())
  elseif k == "address" or k == "lladdr" then return mac()
  elseif k == "family" then return pick { "inet", "inet6", "bridge", 2 }
  elseif k == "table" then return pick { "main", "local", "all", 100, 0, "nosuch" }
  elseif k == "nexthops" then return { { gateway = ipv4(), dev = linkname() }, { gateway = ipv4(), weight = R(0, 300) } }
  elseif k == "vid" then return pick { R(0, 4096), "10-20", "20-10", "x" }
  elseif k == "pid" then return pick { 1, 0, -1, (1 << 32) + 1, 99999 }
  elseif KINDS[1] and k == KINDS[1] or k == "vxlan" or k == "bridge" or k == "veth" or k == "bridge_port" then
    return opts(depth + 1)
  end
  return scalar()
end

-- An option table: usually the keys @want, then a few at random.
function opts(depth, want)
  depth = depth or 0
  local t = {}
  if want and R(5) ~= 1 then
    for _, k in ipairs(want) do
      if R(6) ~= 1 then t[k] = value_for(k, depth) end
    end
  end
  for _ = 1, R(0, want and 3 or 6) do
    local k = R(12) == 1 and scalar() or pick(KEYS)
    if k ~= nil and k == k then t[k] = value_for(k, depth) end
  end
  if depth < 3 and R(20) == 1 then t[pick(KEYS)] = t end -- a cycle
  if not no_mt and R(12) == 1 then
    local m = hostile_mt(t)
    return m
  end
  return t
end

function value(depth)
  depth = depth or 0
  if depth < 3 and R(6) == 1 then return opts(depth + 1) end
  return scalar()
end

-- ---------------------------------------------------------------------------------------
-- arguments by the shape of each function (anything at all, now and then)

local handles = {}
local function handle()
  if #handles < 3 or R(10) == 1 then
    local h = R(4) == 1 and plumb.open { netns = nsname() } or plumb.open()
    if h then
      if #handles >= 3 then
        local old = table.remove(handles, 1)
        old:close()
      end
      handles[#handles + 1] = h
    end
  end
  return handles[R(#handles)] or plumb.default()
end

local LINK_KEYS = { "name", "kind", "netns", "peer", "up", "mtu" }
local shapes = {
  link_add = function() return opts(0, LINK_KEYS) end,
  link_ensure = function() return opts(0, LINK_KEYS) end,
  link_set = function() return linkname(), opts(0, { "up", "mtu", "master", "netns" }) end,
  link_del = function() return linkname() end,
  link_get = function() return R(3) == 1 and R(1, 9) or linkname() end,
  ifindex = function() return linkname() end,
  ifname = function() return R(1, 9) end,
  addr_add = function() return linkname(), prefix(), R(2) == 1 and opts() or nil end,
  addr_replace = function() return linkname(), prefix(), R(2) == 1 and opts() or nil end,
  addr_ensure = function() return linkname(), prefix(), R(2) == 1 and opts() or nil end,
  addr_del = function() return linkname(), R(2) == 1 and prefix() or addr() end,
  route_get = function() return addr(), R(3) == 1 and opts() or nil end,
  ["netns.add"] = function() return nsname() end,
  ["netns.del"] = function() return nsname() end,
  ["netns.exists"] = function() return nsname() end,
  ["netns.exec"] = function()
    local cmd = pick { { "true" }, { "false" }, { "/bin/true", "x" }, { "sh", "-c", "exit 3" },
                       { "/nonexistent/plumb-fuzz" }, {}, { 1, 2 }, { "true\0x" }, "true" }
    if R(20) == 1 then
      cmd = {}
      for i = 1, pick { 4095, 4096, 5000 } do cmd[i] = "true" end
    end
    return pick { nsname(), 1, (1 << 32) + 1, 0, -1, "/proc/1/ns/net" }, cmd
  end,
  ["netns.run"] = function()
    local fn = pick {
      function() return plumb.links() end,
      function() error("fuzz-boom in run", 0) end,
      function() return 1, 2, 3 end,
    }
    return pick { nsname(), 1, (1 << 32) + 1, 0, "/proc/1/ns/net" }, fn
  end,
  open = function()
    if R(2) == 1 then return nil end
    return { netns = pick { nsname(), { pid = pick { 1, (1 << 32) + 1, 0 } }, 1, "/etc/passwd" } }
  end,
}
for _, n in ipairs { "links", "addrs", "routes", "each_route", "neighs", "fdbs", "vlans", "rules" } do
  shapes[n] = function() return R(3) ~= 1 and opts() or nil end
end
local WANT = {
  route = { "dst", "gateway", "dev", "table", "metric" },
  neigh = { "dev", "dst", "lladdr", "state" },
  fdb = { "dev", "lladdr", "dst", "vni", "self", "master" },
  vlan = { "dev", "vid", "pvid", "untagged" },
  rule = { "priority", "from", "table" },
}
for _, n in ipairs { "route_add", "route_replace", "route_append", "route_del", "route_ensure",
                     "neigh_add", "neigh_replace", "neigh_del", "fdb_add", "fdb_append",
                     "fdb_replace", "fdb_del", "vlan_add", "vlan_del", "rule_add", "rule_del" } do
  local want = WANT[n:match("^(%a+)_")]
  shapes[n] = function() return opts(0, want) end
end

-- The arguments, and whether they are all of the kind the function takes (so that each one
-- is read: a NUL byte in one of them must be refused, not ignored).
local function args_for(name)
  if R(6) == 1 or not shapes[name] then
    local a = {}
    for i = 1, R(0, 3) do a[i] = value() end
    a.n = #a
    return a, false
  end
  local a = table.pack(shapes[name]())
  for i = 1, a.n do
    if type(a[i]) == "string" and R(12) == 1 then a[i] = a[i] .. "\0junk" end
  end
  return a, true
end

-- Namespaces are slow to make and delete (mounts, RCU grace periods) and exec forks: these
-- are called a fifth as often as the rest.
local SLOW = { ["netns.add"] = true, ["netns.del"] = true, ["netns.exec"] = true, ["netns.run"] = true, open = true }
local function pick_api()
  local e = pick(api)
  while SLOW[e.name] and R(5) ~= 1 do e = pick(api) end
  return e
end

-- ---------------------------------------------------------------------------------------
-- what a success returns

local ENSURED = { created = true, changed = true, unchanged = true }
local function is_list_of(t, ty)
  if type(t) ~= "table" then return false end
  for _, v in ipairs(t) do if type(v) ~= ty then return false end end
  return true
end

-- Records name devices by name: a number there is a device whose name was not found.
local NAME_FIELDS = { "ifname", "dev", "master", "link", "viaIf" }
local function records(r)
  if not is_list_of(r[1], "table") then return false end
  for _, rec in ipairs(r[1]) do
    for _, f in ipairs(NAME_FIELDS) do
      if rec[f] ~= nil and type(rec[f]) ~= "string" then return false end
    end
  end
  return true
end

local success = {
  links = records,
  addrs = records,
  routes = records,
  neighs = records,
  fdbs = records,
  vlans = function(r) return is_list_of(r[1], "table") end,
  rules = function(r) return is_list_of(r[1], "table") end,
  kinds = function(r) return is_list_of(r[1], "string") end,
  ["netns.list"] = function(r) return is_list_of(r[1], "string") end,
  link_get = function(r) return type(r[1]) == "table" end,
  route_get = function(r) return type(r[1]) == "table" end,
  link_ensure = function(r) return ENSURED[r[1]] ~= nil and (r[2] == nil or is_list_of(r[2], "string")) end,
  addr_ensure = function(r) return ENSURED[r[1]] ~= nil end,
  route_ensure = function(r) return ENSURED[r[1]] ~= nil end,
  ifindex = function(r) return math.type(r[1]) == "integer" and r[1] > 0 end,
  ifname = function(r) return type(r[1]) == "string" end,
  fd = function(r) return math.type(r[1]) == "integer" end,
  ["netns.exists"] = function(r) return type(r[1]) == "boolean" end,
  ["netns.id"] = function(r) return type(r[1]) == "string" end,
  ["netns.exec"] = function(r)
    return (r[1] == true or r[1] == nil) and (r[2] == "exit" or r[2] == "signal") and math.type(r[3]) == "integer"
  end,
  each_route = function(r) return type(r[1]) == "function" end,
  open = function(r) return type(r[1]) == "userdata" end,
  default = function(r) return type(r[1]) == "userdata" end,
}
for _, n in ipairs { "link_add", "link_set", "link_del", "addr_add", "addr_replace", "addr_del",
                     "route_add", "route_replace", "route_append", "route_del", "neigh_add",
                     "neigh_replace", "neigh_del", "fdb_add", "fdb_append", "fdb_replace",
                     "fdb_del", "vlan_add", "vlan_del", "rule_add", "rule_del", "netns.add",
                     "netns.del" } do
  success[n] = function(r) return r[1] == true end
end

-- ---------------------------------------------------------------------------------------
-- findings

local findings, order = {}, {}
local function finding(kind, what)
  local f = findings[kind]
  if not f then
    f = { n = 0, ex = {} }
    findings[kind] = f
    order[#order + 1] = kind
  end
  f.n = f.n + 1
  if #f.ex < show then f.ex[#f.ex + 1] = what end
end

local function describe(v, depth, seen)
  depth, seen = depth or 0, seen or {}
  local t = type(v)
  if t == "string" then
    if #v > 40 then return ("(%d bytes)"):format(#v) end
    return ("%q"):format(v):gsub("\\\n", "\\n")
  elseif t == "table" then
    if seen[v] then return "<cycle>" end
    if getmetatable(v) then return "setmetatable({}, <hostile __index>)" end
    if depth > 2 then return "{...}" end
    seen[v] = true
    local parts = {}
    for k, x in pairs(v) do
      parts[#parts + 1] = ("[%s] = %s"):format(describe(k, 3, seen), describe(x, depth + 1, seen))
      if #parts > 8 then parts[#parts + 1] = "..." break end
    end
    seen[v] = nil
    return "{ " .. table.concat(parts, ", ") .. " }"
  elseif t == "number" then
    if v ~= v then return "0/0" end
    if v == math.huge then return "math.huge" end
    if v == -math.huge then return "-math.huge" end
    if v == math.mininteger then return "math.mininteger" end
    return tostring(v)
  end
  return tostring(v)
end

local function call_text(e, self_desc, a)
  local parts = {}
  for i = 1, a.n or #a do parts[#parts + 1] = describe(a[i]) end
  local head = e.kind == "method" and (self_desc .. ":") or "plumb."
  return head .. e.name .. "(" .. table.concat(parts, ", ") .. ")"
end

-- Whether the arguments hold a hostile metatable (whose raises pass through as they are).
local function has_mt(a)
  local seen = {}
  local function walk(v, d)
    if type(v) ~= "table" or seen[v] or d > 4 then return false end
    seen[v] = true
    if getmetatable(v) then return true end
    for _, x in pairs(v) do if walk(x, d + 1) then return true end end
    return false
  end
  for i = 1, a.n or #a do if walk(a[i], 0) then return true end end
  return false
end

-- Whether the arguments hold a string with a NUL byte (a key or a value, at any depth).
local function has_nul(a)
  local seen = {}
  local function walk(v, d)
    if type(v) == "string" then return v:find("\0", 1, true) ~= nil end
    if type(v) ~= "table" or seen[v] or d > 4 or getmetatable(v) then return false end
    seen[v] = true
    for k, x in pairs(v) do if walk(k, d + 1) or walk(x, d + 1) then return true end end
    return false
  end
  for i = 1, a.n or #a do if walk(a[i], 0) then return true end end
  return false
end

local function names_function(msg, e)
  local short = e.name:gsub("^netns%.", "")
  if e.kind == "netns" then
    return msg:find(e.name, 1, true) ~= nil
  end
  return msg:find(short, 1, true) ~= nil
end

-- ---------------------------------------------------------------------------------------
-- the run

local function fds()
  local l = {}
  local p = io.popen("ls /proc/" .. "self/fd 2>/dev/null")
  -- (the ls's own fds: compare the Lua process through /proc/1/fd instead)
  if p then p:close() end
  p = io.popen("ls /proc/1/fd")
  for line in p:lines() do l[#l + 1] = line end
  p:close()
  table.sort(l, function(a, b) return tonumber(a) < tonumber(b) end)
  return l
end

plumb.reset()
collectgarbage()
collectgarbage()
local fds_before = fds()
local ns_before = assert(plumb.netns.list())
local t0 = os.clock()
local wall0 = os.time()
local ran, raised, failed, succeeded = 0, 0, 0, 0
local made_ns = {} -- names netns.add said it made: deleted at the end, as a caller would
local spent = {}   -- seconds of wall time per function
if plumb.netns.add(NS_NAMES[1]) then made_ns[NS_NAMES[1]] = true end -- one to go into
local monotonic = plumb.core.monotonic or os.clock

for i = 1, calls do
  if os.time() - wall0 >= max_seconds then break end
  local e = pick_api()
  local a, shaped = args_for(e.name)
  local self, self_desc
  if e.kind == "method" then
    local r = R(25)
    if r == 1 then self, self_desc = pick { {}, "h", 1, io.stdout }, "<not a handle>"
    elseif r == 2 then
      self = plumb.open()
      if self then self:close() end
      self_desc = "<closed handle>"
    else self, self_desc = handle(), "h" end
  end
  local text = call_text(e, self_desc, a)
  if verbose then io.stderr:write(i, " ", text, "\n") end
  if last then -- the call a sanitizer report interrupts: one write, no buffering
    local line = ("call %d, seed %d: %s"):format(i, seed, text)
    last:seek("set", 0)
    last:write(line, (" "):rep(last_len - #line), "\n")
    last_len = math.max(last_len, #line)
  end
  local res
  local c0 = monotonic()
  if e.kind == "method" then
    res = table.pack(pcall(e.fn, self, table.unpack(a, 1, a.n or #a)))
  else
    res = table.pack(pcall(e.fn, table.unpack(a, 1, a.n or #a)))
  end
  ran = ran + 1
  spent[e.name] = (spent[e.name] or 0) + (monotonic() - c0)
  local ok = table.remove(res, 1)
  res.n = res.n - 1
  if e.name == "netns.add" and ok and res[1] == true and (type(a[1]) == "string" or type(a[1]) == "number") then
    made_ns[tostring(a[1])] = true
  end
  if not ok then
    raised = raised + 1
    local msg = res[1]
    -- (the caller's own error, from a metamethod or from netns.run's function, passes through)
    local own = type(msg) == "string" and msg:find("fuzz-boom", 1, true) and (has_mt(a) or e.name == "netns.run")
    if type(msg) ~= "string" then
      finding("misuse raises a non-string", text .. " -> " .. describe(msg))
    elseif not own and not names_function(msg, e) then
      finding("misuse message does not name the function", text .. " -> " .. msg)
    end
  elseif res[1] == nil and res.n >= 2 then
    failed = failed + 1
    if type(res[2]) ~= "string" or math.type(res[3]) ~= "integer" or res[3] <= 0 then
      finding("failure is not nil, string, errno", text .. " -> nil, " .. describe(res[2]) .. ", " .. describe(res[3]))
    end
  else
    succeeded = succeeded + 1
    if shaped and e.name ~= "netns.run" and has_nul(a) then
      finding("a string with a NUL byte accepted", text)
    end
    local check = success[e.name]
    if check and not check(res) then
      local parts = {}
      for j = 1, res.n do parts[#parts + 1] = describe(res[j]) end
      finding("success of the wrong type", text .. " -> " .. table.concat(parts, ", "))
    end
    if e.name == "each_route" and type(res[1]) == "function" then
      local okit, err = pcall(function()
        local n = 0
        for rec in res[1], res[2], res[3] do
          if type(rec) ~= "table" then error("each_route yielded " .. describe(rec)) end
          n = n + 1
          if n > 20 then break end
        end
      end)
      if not okit then finding("each_route iteration raised", text .. " -> " .. tostring(err)) end
    end
  end
end
local cpu = os.clock() - t0
local wall = os.time() - wall0

-- ---------------------------------------------------------------------------------------
-- leaks

for _, h in ipairs(handles) do h:close() end
handles = {}
plumb.reset()
for _, n in ipairs(NS_NAMES) do made_ns[n] = true end
for _, n in ipairs(sorted_keys(made_ns)) do
  if plumb.netns.exists(n) then
    local ok, err = plumb.netns.del(n)
    if not ok then finding("cleanup: netns.del failed", n .. ": " .. tostring(err)) end
  end
end
do -- what is left was made under a name nobody asked for
  local was = {}
  for _, n in ipairs(ns_before) do was[n] = true end
  for _, n in ipairs(assert(plumb.netns.list())) do
    if not was[n] then
      finding("namespace made under a name no call gave", ("%q"):format(n))
      plumb.netns.del(n)
    end
  end
end
collectgarbage()
collectgarbage()
local fds_after = fds()
local ns_after = assert(plumb.netns.list())
if #fds_after ~= #fds_before then
  finding("file descriptors left behind", ("before: %d (%s), after: %d (%s)"):format(
    #fds_before, table.concat(fds_before, " "), #fds_after, table.concat(fds_after, " ")))
end
if table.concat(ns_after, " ") ~= table.concat(ns_before, " ") then
  finding("namespaces left behind", table.concat(ns_after, " "))
end

print(("fuzz-api: %d calls (%d functions) in %d s wall, %.1f s CPU, seed %d%s: %d raised, %d failed, %d succeeded")
  :format(ran, #api, wall, cpu, seed, no_mt and ", no metatables" or "", raised, failed, succeeded))
if verbose or os.getenv("FUZZ_TIMES") == "1" then
  local l = sorted_keys(spent)
  table.sort(l, function(x, y) return spent[x] > spent[y] end)
  for j = 1, math.min(8, #l) do print(("fuzz-api: %-14s %.1f s"):format(l[j], spent[l[j]])) end
end
if #order == 0 then
  print("fuzz-api: clean")
  os.exit(0)
end
for _, kind in ipairs(order) do
  local f = findings[kind]
  print(("fuzz-api: FINDING %s: %d time(s), e.g.:"):format(kind, f.n))
  for _, ex in ipairs(f.ex) do print("    " .. ex) end
end
os.exit(1)
