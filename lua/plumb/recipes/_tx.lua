--- plumb.recipes._tx: what every recipe shares (internal; the recipes are the API).
-- Option checking from a recipe's `options` schema, transactions made of named steps that
-- undo themselves in reverse order when a later step fails, failure injection for tests,
-- small "ensure" steps (a namespace, a link up, an address, a route), the checks `check`
-- reports with, and the CNI-shaped result.
-- @module plumb.recipes._tx
local plumb = require "plumb"

local M = {}

-- ---------------------------------------------------------------------------------------
-- options

local checkers = {
  string = function(v) return type(v) == "string" end,
  integer = function(v) return math.type(v) == "integer" end,
  boolean = function(v) return type(v) == "boolean" end,
  list = function(v)
    if type(v) ~= "table" then return false end
    for k, x in pairs(v) do
      if math.type(k) ~= "integer" or type(x) ~= "string" then return false end
    end
    return true
  end,
}

--- Check option table `opts` of recipe `recipe` against its schema `options` before anything
-- happens: a table, no unknown key, every value of its declared type, and (for `up`) every
-- required option present (an option with `alt`, a name or a list of names, is satisfied by
-- any of its alternatives). For `down`
-- and `check` only the options marked `identity` are required. Raises naming the recipe and
-- the key (at the recipe's caller: checkopts is called by the recipe's plan, called by the
-- verb). Keys starting with "_" that the transaction knows (`_fail_step`) are allowed.
-- @tparam string recipe
-- @tparam string verb "up", "down" or "check"
-- @tparam table options the schema
-- @param opts what the caller gave
-- @treturn table opts
function M.checkopts(recipe, verb, options, opts)
  local who = recipe .. "." .. verb
  if type(opts) ~= "table" then
    error(("%s: expected an option table, got %s"):format(who, type(opts)), 4)
  end
  local by = {}
  for _, o in ipairs(options) do by[o.name] = o end
  for k, v in pairs(opts) do
    if k == "_fail_step" then
      if math.type(v) ~= "integer" then
        error(("%s: option \"_fail_step\": expected an integer, got %s"):format(who, type(v)), 4)
      end
    else
      local o = type(k) == "string" and by[k]
      if not o then error(("%s: unknown option %q"):format(who, tostring(k)), 4) end
      if not checkers[o.type](v) then
        local want = o.type == "list" and "a list of strings" or ("a" .. (o.type == "integer" and "n " or " ") .. o.type)
        error(("%s: option %q: expected %s, got %s"):format(who, k, want,
          math.type(v) == "float" and "a float" or type(v)), 4)
      end
    end
  end
  for _, o in ipairs(options) do
    local need = (verb == "up" and o.required) or o.identity
    if need and opts[o.name] == nil then
      local alts = type(o.alt) == "table" and o.alt or { o.alt }
      local found = false
      for _, a in ipairs(alts) do if opts[a] ~= nil then found = true end end
      if not found then
        local q = {}
        for _, a in ipairs(alts) do q[#q + 1] = ("%q"):format(a) end
        error(("%s: missing option %q%s"):format(who, o.name,
          #q > 0 and (" (or " .. table.concat(q, " or ") .. ")") or ""), 4)
      end
    end
  end
  return opts
end

-- ---------------------------------------------------------------------------------------
-- names and addresses

--- FNV-1a (32 bits) of `s`, as 8 hex digits.
function M.hash8(s)
  local h = 0x811c9dc5
  for i = 1, #s do
    h = ((h ~ s:byte(i)) * 0x01000193) & 0xffffffff
  end
  return ("%08x"):format(h)
end

--- The host end of a container's veth, named from its namespace and interface the way CNI
-- does ("veth" and 8 hex digits: 12 bytes), so `down` and `check` find it again.
-- @tparam string netns
-- @tparam string ifname
-- @tparam[opt="veth"] string prefix
function M.host_ifname(netns, ifname, prefix)
  return (prefix or "veth") .. M.hash8(netns .. "/" .. ifname)
end

--- "10.0.0.2/24" -> "10.0.0.2", 24, "inet"; raises (naming `who`) when malformed.
function M.cidr(who, s, what)
  local ip, len = tostring(s):match("^([^/]+)/(%d+)$")
  local fam = ip and (ip:find(":", 1, true) and "inet6" or "inet")
  if not ip or (fam == "inet" and not ip:match("^%d+%.%d+%.%d+%.%d+$")) or
      tonumber(len) > (fam == "inet" and 32 or 128) then
    error(("%s: %s: expected an address with a prefix length such as 10.88.0.2/16, got %q")
      :format(who, what, tostring(s)), 4)
  end
  return ip, tonumber(len), fam
end

--- "10.0.0.1" -> "inet" | "inet6"; raises when it is not an address.
function M.family(who, s, what)
  if type(s) == "string" and s:match("^%d+%.%d+%.%d+%.%d+$") then return "inet" end
  if type(s) == "string" and s:find(":", 1, true) and s:match("^[%x:.]+$") then return "inet6" end
  error(("%s: %s: expected an address, got %q"):format(who, what, tostring(s)), 4)
end

--- Parse a recipe's `routes` option: a list of "DST" (through device `dev`) or "DST via GW"
-- (DST a prefix or "default"); raises naming `who` and the entry. With `onlink`, routes via
-- a gateway are onlink (the gateway is in no subnet of the device, as in veth_ptp).
-- @treturn {table,...} `{ dst, gateway, dev, family, onlink, text }` each
function M.routes(who, list, dev, onlink)
  local out = {}
  for i, r in ipairs(list or {}) do
    local what = "routes[" .. i .. "]"
    local dst, gw = r:match("^(%S+)%s+via%s+(%S+)$")
    dst = dst or r:match("^(%S+)$")
    local fam
    if dst == "default" then
      fam = gw and M.family(who, gw, what)
    elseif dst then
      fam = select(3, M.cidr(who, dst, what))
    end
    if not fam or (gw and M.family(who, gw, what) ~= fam) then
      error(("%s: %s: expected \"DST\" or \"DST via GW\", got %q"):format(who, what, r), 4)
    end
    out[i] = { dst = dst, gateway = gw, dev = (onlink or not gw) and dev or nil, family = fam,
      onlink = (onlink and gw) and true or nil, text = r }
  end
  return out
end

--- The `routes` entries of a result for routes parsed by `routes`.
function M.result_routes(res, routes)
  for _, r in ipairs(routes) do
    res.routes[#res.routes + 1] = { dst = r.dst == "default" and (r.family == "inet" and "0.0.0.0/0"
      or "::/0") or r.dst, gw = r.gateway }
  end
end

--- Steps: the routes parsed by `routes`, in handle `h`.
function M.add_routes(t, h, routes, where)
  for _, r in ipairs(routes) do
    M.route(t, h, { dst = r.dst, gateway = r.gateway, dev = r.dev, family = r.family, onlink = r.onlink },
      ("route_add %s%s%s"):format(r.text, r.onlink and " onlink" or "", where))
  end
end

--- Record the missing routes of those parsed by `routes`.
function M.check_routes(d, h, routes, where)
  for _, r in ipairs(routes) do
    M.check_route(d, h, { dst = r.dst, gateway = r.gateway, dev = r.dev, family = r.family },
      "route " .. r.text, where)
  end
end

-- ---------------------------------------------------------------------------------------
-- transactions

local Tx = {}
Tx.__index = Tx

local injected   -- a step number to fail, from M.inject (for tests)
local crash_at   -- a step number after which the process dies, from M.crash (for tests)

--- Make the process exit (status 99, nothing undone) right after step `k` of the next
-- transaction: what a crash or a kill half-way leaves, for tests of `up` completing it.
-- @tparam int|nil k
function M.crash(k) crash_at = k end

--- Make step `k` of the next transaction fail (after it ran, so its own undo runs too).
-- `opts._fail_step = k` does the same for one call.
-- @tparam int|nil k
function M.inject(k) injected = k end

--- The names of the steps the last transaction ran, in order (for tests and reports).
M.last_steps = {}

--- Begin a transaction of `recipe`'s `verb` with options `opts`.
-- `opts.host_netns`, when given, is where the host side lives (default: the calling
-- thread's namespace).
function M.begin(recipe, verb, opts)
  local t = setmetatable({ recipe = recipe, verb = verb, opts = opts, undo = {}, n = 0,
    steps = {}, handles = {}, fail = opts._fail_step or injected }, Tx)
  injected = nil
  M.last_steps = t.steps
  return t
end

--- A handle in namespace `ns` (nil: the host side), kept for the transaction.
function Tx:h(ns)
  local key = ns or self.opts.host_netns or ""
  local h = self.handles[key]
  if h then return h end
  local err
  if key == "" then h, err = plumb.open() else h, err = plumb.open{ netns = key } end
  if not h then return nil, err end
  self.handles[key] = h
  return h
end

--- Close the transaction's handles.
function Tx:close()
  for k, h in pairs(self.handles) do h:close() self.handles[k] = nil end
end
Tx.__close = Tx.close

--- Run step `name`: `fn()` returns an undo function (it created or changed something),
-- true (nothing to undo), or nil and a message. A failure undoes every earlier step of this
-- transaction, in reverse order, and raises a `Failed` value that `Tx:run` turns into
-- nil, "recipe.up: step "name": message".
function Tx:step(name, fn)
  self.n = self.n + 1
  self.steps[#self.steps + 1] = name
  local ok, r, err = pcall(fn)
  if not ok then
    self:rollback()
    error(r, 0)
  end
  if type(r) == "function" then self.undo[#self.undo + 1] = { name = name, fn = r } end
  if r and crash_at == self.n then os.exit(99, false) end
  if r and self.fail == self.n then r, err = nil, "injected failure" end
  if not r then
    local msg = ("%s.%s: step %q: %s"):format(self.recipe, self.verb, name, tostring(err))
    local left = self:rollback()
    if #left > 0 then msg = msg .. " (and undoing: " .. table.concat(left, "; ") .. ")" end
    error(setmetatable({ msg = msg }, M.Failed), 0)
  end
  return r
end

M.Failed = {}

--- Undo what the transaction did, newest first; returns the undo steps that failed.
function Tx:rollback()
  local left = {}
  for i = #self.undo, 1, -1 do
    local u = self.undo[i]
    local ok, r, err = pcall(u.fn)
    if not ok or not r then left[#left + 1] = ("%s: %s"):format(u.name, tostring(ok and err or r)) end
  end
  self.undo = {}
  return left
end

--- Run `body(t)` as a transaction; returns what it returns, or nil and the failed step's
-- message. Handles are closed either way.
function M.run(recipe, verb, opts, body)
  local t = M.begin(recipe, verb, opts)
  local ok, r, e2 = pcall(body, t)
  t:close()
  if ok then return r, e2 end
  if getmetatable(r) == M.Failed then return nil, r.msg end
  error(r, 0)
end

-- ---------------------------------------------------------------------------------------
-- steps shared by the recipes (each returns what Tx:step wants)

--- Whether `ns` names a namespace by path ("/run/netns/x", "/proc/PID/ns/net"): such a
-- namespace belongs to whoever made it (a container runtime): a recipe never creates or
-- deletes it, only the devices it made in it.
-- @tparam string ns
-- @treturn boolean
function M.is_path(ns) return ns:find("/", 1, true) ~= nil end

--- Whether namespace `ns` (a name under /run/netns or a path) exists.
-- @tparam string ns
-- @treturn boolean
function M.ns_exists(ns)
  if not M.is_path(ns) then return plumb.netns.exists(ns) end
  local f = io.open(ns, "r")
  if f then f:close() return true end
  return false
end

--- Step: namespace `ns` exists (created, and deleted on undo, when absent; a path is
-- never created: it must exist). A namespace this call created is marked in `t.fresh[ns]`:
-- what is in it is known (loopback, down), so the steps inside it need no lookups and no
-- undo of their own (deleting it undoes them all).
function M.netns(t, ns)
  t.fresh = t.fresh or {}
  return t:step("netns_add " .. ns, function()
    if M.ns_exists(ns) then return true end
    if M.is_path(ns) then return nil, ("netns %s: No such file or directory"):format(ns) end
    local ok, err = plumb.netns.add(ns)
    if not ok then return nil, err end
    t.fresh[ns] = true
    return function()
      if t.handles[ns] then t.handles[ns]:close() t.handles[ns] = nil end
      return plumb.netns.del(ns)
    end
  end)
end

--- Step: the requests `fill(b)` queues on batch object `b` of handle `h`, sent together
-- (`h:batch`), with nothing to undo of their own (inside a namespace this call made). Fails
-- with the first failed request's message.
function M.batch(t, name, h, fill)
  return t:step(name, function()
    local ok, errs = h:batch(fill)
    if ok then return true end
    return nil, errs[1].message
  end)
end

--- Whether array `list` (may be nil) holds `x`.
-- @function has
-- @tparam[opt] table list
-- @param x
-- @treturn boolean
local function has(list, x)
  for _, v in ipairs(list or {}) do if v == x then return true end end
  return false
end
M.has = has

--- Step: link `dev` is up in handle `h` (set down again on undo when it was down).
function M.link_up(t, h, dev, where)
  return t:step(("link_set %s up%s"):format(dev, where or ""), function()
    local l, err = h:link_get(dev)
    if not l then return nil, err end
    if has(l.flags, "UP") then return true end
    -- bringing loopback up gives it 127.0.0.1/8; undo takes away what up added
    local had = {}
    for _, a in ipairs(h:addrs{ dev = dev, family = "inet" } or {}) do had[a["local"] .. "/" .. a.prefixlen] = true end
    local ok, e2 = h:link_set(dev, { up = true })
    if not ok then return nil, e2 end
    return function()
      local ok2, e3 = h:link_set(dev, { up = false })
      if not ok2 then return nil, e3 end
      for _, a in ipairs(h:addrs{ dev = dev, family = "inet" } or {}) do
        local c = a["local"] .. "/" .. a.prefixlen
        if not had[c] then h:addr_del(dev, c) end
      end
      return true
    end
  end)
end

--- The address records of `dev` in `h` with `ip`/`len`, or nil.
local function find_addr(h, dev, ip, len)
  local list = h:addrs{ dev = dev }
  for _, a in ipairs(list or {}) do
    if a["local"] == ip and (len == nil or a.prefixlen == len) then return a end
  end
end
M.find_addr = find_addr

--- Step: `cidr` is on `dev` (IPv6 ones with nodad, so they are usable at once).
function M.addr(t, h, dev, cidr, where)
  return t:step(("addr_add %s %s%s"):format(dev, cidr, where or ""), function()
    local ip, len = cidr:match("^(.-)/(%d+)$")
    if find_addr(h, dev, ip, tonumber(len)) then return true end
    local ok, err = h:addr_add(dev, cidr, ip:find(":", 1, true) and { nodad = true } or nil)
    if not ok then return nil, err end
    return function()
      local ok2, e2, code = h:addr_del(dev, cidr)
      if not ok2 and code ~= 19 and code ~= 99 then return nil, e2 end
      return true
    end
  end)
end

-- a route's dst as ip prints it: host routes without their /32 or /128
local function dst_norm(d) return (d:gsub("/32$", ""):gsub("^([%x:]+)/128$", "%1")) end

--- Whether a route like `r` ({ dst =, gateway =, dev = }) is in `h`'s main table.
local function find_route(h, r)
  local fam = r.family or ((r.gateway or r.dst):find(":", 1, true) and "inet6" or "inet")
  local dst = dst_norm(r.dst)
  for _, x in ipairs(h:routes{ family = fam } or {}) do
    if dst_norm(x.dst) == dst and x.gateway == r.gateway and (r.dev == nil or x.dev == r.dev) then
      return x
    end
  end
end
M.find_route = find_route

--- Step: route `r` exists in `h` (added, and deleted on undo, when absent).
function M.route(t, h, r, name)
  return t:step(name, function()
    if find_route(h, r) then return true end
    local ok, err = h:route_add(r)
    if not ok then return nil, err end
    return function()
      local ok2, e2, code = h:route_del(r)
      if not ok2 and code ~= 3 and code ~= 19 then return nil, e2 end
      return true
    end
  end)
end

--- The first line of /proc/sys file `path` as seen from namespace `ns` (nil: the current
-- one; /proc/sys/net shows the namespace of whoever opens it).
function M.read_sysctl(ns, path)
  local function go()
    local f = io.open(path)
    if not f then return nil end
    local v = f:read("l")
    f:close()
    return v
  end
  if ns then return plumb.netns.run(ns, go) end
  return go()
end

--- Step: write `value` to /proc/sys file `path` in the host side's namespace, when
-- different (the old value comes back on undo).
function M.sysctl(t, path, value)
  local function rw(v)
    local function go()
      local f, err = io.open(path, v and "w" or "r")
      if not f then return nil, err end
      local r, e2
      if v then r, e2 = f:write(v) else r = f:read("l") end
      local ok, e3 = f:close()
      if not ok and v then return nil, e3 end
      return r, e2
    end
    if t.opts.host_netns then return plumb.netns.run(t.opts.host_netns, go) end
    return go()
  end
  return t:step(("sysctl %s=%s"):format(path:gsub("^/proc/sys/", ""):gsub("/", "."), value), function()
    local old, err = rw(nil)
    if not old then return nil, err end
    if old == value then return true end
    local ok, e2 = rw(value)
    if not ok then return nil, e2 end
    return function() return rw(old) end
  end)
end

--- Step: an address from plumb.ipam for `key` in `subnet` (released on undo when this
-- call allocated it). Returns the address with its prefix length.
function M.allocate(t, ipam_opts)
  local ipam = require "plumb.ipam"
  local got
  t:step("ipam_alloc " .. ipam_opts.subnet, function()
    local a, fresh_or_err = ipam.allocate(ipam_opts)
    if not a then return nil, fresh_or_err end
    got = a
    if not fresh_or_err then return true end
    return function() return ipam.release(ipam_opts) end
  end)
  return got
end

-- ---------------------------------------------------------------------------------------
-- down

--- Remove namespace `ns` when nothing but loopback and the devices in `ours` is in it
-- (deleting a namespace takes its devices along in one go, without a grace period per
-- device); otherwise delete just the devices in `ours` in one batch of requests.
-- Absent things are fine. Returns true (and true when the namespace was deleted) or nil,
-- message.
function M.release_netns(ns, ours, who)
  if not M.ns_exists(ns) then return true, false end
  local h, err = plumb.open{ netns = ns }
  if not h then return nil, ("%s: %s"):format(who, err) end
  local other = M.is_path(ns) -- a namespace given by path is never deleted
  if not other then
    local mine = {}
    for _, n in ipairs(ours) do mine[n] = true end
    for _, l in ipairs(h:links() or {}) do
      if l.ifname ~= "lo" and not mine[l.ifname] then other = true end
    end
  end
  if not other then
    h:close()
    local ok, e2 = plumb.netns.del(ns)
    if not ok then return nil, ("%s: %s"):format(who, e2) end
    return true, true
  end
  for _, n in ipairs(ours) do
    local ok, e2, code = h:link_del(n)
    if not ok and code ~= 19 then h:close() return nil, ("%s: %s"):format(who, e2) end
  end
  h:close()
  return true, false
end

--- Make sure the links in `names` are gone from `h`: a device whose namespace was just
-- deleted (a veth's host end, say) lingers until the kernel's namespace cleanup, which runs
-- asynchronously and removes the devices of many namespaces in one batch. With `wait`
-- (seconds), poll for that first (2 ms apart); delete what is left (one grace period each).
-- Returns true or nil, message.
function M.links_gone(h, names, wait, who)
  local left = {}
  for _, n in ipairs(names) do if h:link_get(n) then left[#left + 1] = n end end
  if wait and #left > 0 then
    local now = plumb.core.monotonic
    local deadline = now() + wait
    while #left > 0 and now() < deadline do
      plumb.core.sleep(0.002)
      local still = {}
      for _, n in ipairs(left) do if h:link_get(n) then still[#still + 1] = n end end
      left = still
    end
  end
  for _, n in ipairs(left) do
    local ok, err = M.link_gone(h, n, who)
    if not ok then return nil, err end
  end
  return true
end

--- Whether veth `hostif` in `H` is the host end of `ifname` in namespace `ns` (true: there
-- is nothing to make). When `hostif` exists but its peer is not there, it is the lingering
-- end of a namespace just deleted (a `down` a moment ago: the kernel cleans a deleted
-- namespace up asynchronously): wait for it to go (2 s at most) and answer false (make it).
-- A device of that name that stays is someone else's: nil, message.
function M.veth_host_end(t, H, ns, hostif, ifname, who)
  local l = H:link_get(hostif)
  if not l then return false end
  if not (t.fresh or {})[ns] then
    local C = t:h(ns)
    local c = C and C:link_get(ifname)
    if c and c.link_index == l.ifindex then return true end
  end
  local now = plumb.core.monotonic
  local deadline = now() + 2
  repeat
    plumb.core.sleep(0.002)
    if not H:link_get(hostif) then return false end
  until now() > deadline
  return nil, ("%s: %s exists and is not the host end of %s in %s"):format(who, hostif, ifname, ns)
end

--- `down` of veth recipes, for one container or many (`plans[i]` made from `list[i]`:
-- `ns`, `ifname`, `hostif`, `fams` with their `ipam`). The namespaces first: one that holds
-- nothing else is deleted and its veth pair goes with it in the kernel's namespace cleanup,
-- asynchronously, as after `ip netns del` (one grace period for many namespaces, none spent
-- by the caller); in one that holds more, the container's interface is deleted (its pair
-- goes at once, one grace period). One container: `down` returns then (its host end, if
-- any lingers, is gone within tens of milliseconds; an `up` at once waits for it). Many
-- (`down_all`): the host ends are waited for (2 s at most), and deleted if still there.
function M.veth_down(name, list, plans)
  local who = name .. ".down"
  local byhost = {}
  for i, p in ipairs(plans) do
    local hk = list[i].host_netns or ""
    byhost[hk] = byhost[hk] or {}
    table.insert(byhost[hk], p.hostif)
  end
  local function hosts(wait)
    for hk, names in pairs(byhost) do
      local H, e2 = plumb.open(hk ~= "" and { netns = hk } or nil)
      if not H then return nil, who .. ": " .. e2 end
      local ok, err = M.links_gone(H, names, wait, who)
      H:close()
      if not ok then return nil, err end
    end
    return true
  end
  local ok, err
  local all_whole = true
  for _, p in ipairs(plans) do
    ok, err = M.release_netns(p.ns, { p.ifname }, who)
    if not ok then return nil, err end
    all_whole = all_whole and err   -- true when the namespace was deleted
  end
  if #plans > 1 or not all_whole then
    ok, err = hosts(#plans > 1 and 2 or nil)
    if not ok then return nil, err end
  end
  local ipam = require "plumb.ipam"
  for _, p in ipairs(plans) do
    for _, x in ipairs(p.fams) do
      if x.ipam then
        ok, err = ipam.release(x.ipam)
        if not ok then return nil, who .. ": " .. err end
      end
    end
  end
  return true
end

--- Delete link `dev` in `h` if present. Returns true or nil, message.
function M.link_gone(h, dev, who)
  local ok, err, code = h:link_del(dev)
  if not ok and code ~= 19 then return nil, ("%s: %s"):format(who, err) end
  return true
end

-- ---------------------------------------------------------------------------------------
-- check

local Diff = {}
Diff.__index = Diff

--- A list of differences for `check` (strings such as "missing device eth0 in c1").
function M.diffs() return setmetatable({}, Diff) end

--- Add a difference, formatted like string.format.
function Diff:add(fmt, ...) self[#self + 1] = fmt:format(...) end

--- true, or nil and the differences.
function Diff:result()
  if #self == 0 then return true end
  return nil, setmetatable({ table.unpack(self) }, nil)
end

--- Record differences of link `name` in `h` (`where`: " in c1"): present, up, and the
-- fields of `want` (kind, master, mtu). Returns the record (nil when missing).
function M.check_link(d, h, name, where, want)
  local l = h and h:link_get(name)
  if not l then
    d:add("missing device %s%s", name, where)
    return nil
  end
  want = want or {}
  local kind = l.linkinfo and l.linkinfo.info_kind
  if want.kind and kind ~= want.kind then
    d:add("wrong kind of %s%s: %s (want %s)", name, where, tostring(kind), want.kind)
  end
  if want.master ~= nil and l.master ~= want.master then
    d:add("wrong master of %s%s: %s (want %s)", name, where, tostring(l.master or "none"), want.master)
  end
  if want.mtu and l.mtu ~= want.mtu then
    d:add("wrong mtu of %s%s: %d (want %d)", name, where, l.mtu, want.mtu)
  end
  if want.up ~= false and not has(l.flags, "UP") then d:add("device %s%s is down", name, where) end
  return l
end

--- Record a difference when `cidr` is not on `dev`.
function M.check_addr(d, h, dev, cidr, where)
  local ip, len = cidr:match("^(.-)/(%d+)$")
  if h and h:link_get(dev) and not find_addr(h, dev, ip, tonumber(len)) then
    d:add("missing address %s on %s%s", cidr, dev, where)
  end
end

--- Record a difference when route `r` is missing.
function M.check_route(d, h, r, what, where)
  if h and not find_route(h, r) then d:add("missing %s%s", what, where) end
end

-- ---------------------------------------------------------------------------------------
-- result

--- The MAC of `dev` in `h` (nil when unknown).
function M.mac(h, dev)
  local l = h and h:link_get(dev)
  return l and l.address
end

--- A CNI result: `interfaces` ({ name =, mac =, sandbox = }), `ips` and `routes`.
function M.result()
  return { interfaces = {}, ips = {}, routes = {} }
end

--- Add interface `name` (in netns `ns`, nil: host side) to result `res`; returns its index
-- (0-based, as CNI's `interface` field counts).
function M.result_if(res, h, name, ns)
  res.interfaces[#res.interfaces + 1] = { name = name, mac = M.mac(h, name),
    sandbox = ns and (ns:find("/", 1, true) and ns or "/run/netns/" .. ns) or nil }
  return #res.interfaces - 1
end

return M
