--- plumb.monitor: events that never lose the picture.
-- `plumb.monitor{ "link", "addr", ..., netns =, rcvbuf = }` subscribes to rtnetlink's
-- multicast groups and turns every notification into a record in the same `ip -j` schema as
-- the dumps, plus `event = "new" | "del"` and `object = "link" | "addr" | "route" | "neigh" |
-- "fdb" | "rule" | "nsid"` and `key` (the object's key in the picture, below: a consumer keeps
-- its state as `state[ev.object][ev.key]`).
--
-- The monitor keeps a picture of every subscribed object, per object and key (see
-- `snapshot`), read by a dump when it starts and kept up to date by the events. When the
-- socket's receive queue overflows (the kernel drops notifications: ENOBUFS), it delivers
-- `{ event = "overrun" }`, drops what is left in the queue, dumps the subscribed objects again
-- on a socket of its own (the subscription keeps running) and delivers the difference against
-- its picture as synthetic events marked `resync = true`: deletions first (routes, neighbours
-- and addresses before links), then new and changed objects (links first). A consumer that
-- applies the events in order ends with the kernel's state.
--
-- Devices are named from an ifindex -> name map fed by the dumps and by link events (never a
-- lookup per event), so a "del" event names its link although the link is gone.
--
-- A link renamed: the records naming it (addresses, routes, neighbours, FDB entries, other
-- links' master and link) are delivered again with the new name (`resync = true`).
--
-- The kernel removes IPv4 routes without telling anyone when their device goes down or away,
-- and marks routes `linkdown` silently when a carrier goes: after a link event that deletes a
-- link or changes its UP/LOWER_UP flags or operstate, the monitor reads the routes again and
-- delivers the difference the same way (`resync = true`).
--
-- Keys (strings): link "IFINDEX"; addr "IFINDEX LOCAL/LEN" (" peer ADDRESS" for a
-- point-to-point address); route "TABLE DST/LEN tos TOS metric METRIC" (" from SRC/LEN" for an
-- IPv6 source route); neigh "IFINDEX DST"; fdb "IFINDEX MAC vlan VID" (" dst IP", " vni N",
-- " self", " master"); rule "FAMILY pref PRIORITY #HASH" (a rule is the whole of it); nsid
-- "NSID". IPv4 routes added with `append` under one key (same table, prefix, tos, metric)
-- are one entry of the picture (the last one reported).
--
-- Records are shared by the events and the picture: treat them as read-only (`snapshot`
-- returns copies).
-- @module plumb.monitor
local core = require "plumb.core"

local M = {}

--- Every object a monitor can follow, in dependency order (links first).
-- @table objects
M.objects = { "link", "addr", "route", "neigh", "fdb", "rule", "nsid" }
local known = {}
for _, o in ipairs(M.objects) do known[o] = true end

local FOREVER = 4294967295

local Monitor = {}
Monitor.__index = Monitor
--- The methods of a monitor (for tools that list them).
-- @table methods
M.methods = Monitor

local function fail(msg, level) error("monitor: " .. msg, level + 1) end

-- ---------------------------------------------------------------------------------------
-- the picture

-- Whether two records say the same (the event's own fields and running timers aside).
local skip = { event = true, object = true, key = true, resync = true, expires = true }
local lifetimes = { valid_life_time = true, preferred_life_time = true }

local function same(a, b, top)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" then return false end
  for k, v in next, a do
    if not (top and skip[k]) then
      local w = b[k]
      if top and lifetimes[k] then
        -- a finite lifetime counts down between two reads: only forever vs not matters
        if (v == FOREVER) ~= (w == FOREVER) then return false end
      elseif not same(v, w) then
        return false
      end
    end
  end
  for k in next, b do
    if not (top and skip[k]) and a[k] == nil then return false end
  end
  return true
end

local function copy(t, strip)
  local c = {}
  for k, v in next, t do
    if not (strip and skip[k] and k ~= "expires") then
      c[k] = type(v) == "table" and copy(v) or v
    end
  end
  return c
end

-- The link state whose change makes the kernel drop or flag routes silently.
local function linkstate(l)
  local up, lower = false, false
  for _, f in ipairs(l.flags or {}) do
    if f == "UP" then up = true elseif f == "LOWER_UP" then lower = true end
  end
  return tostring(up) .. tostring(lower) .. tostring(l.operstate)
end

-- Device fields of records, where an ifindex unknown when the record was made reads "ifN".
local devfields = { ifname = true, dev = true, master = true, link = true, viaIf = true }

local function rename(t, names)
  for k, v in next, t do
    if type(v) == "table" then
      rename(v, names)
    elseif devfields[k] and type(v) == "string" then
      local idx = tonumber(v:match("^if(%d+)$"))
      if idx and names[idx] then t[k] = names[idx] end
    end
  end
end

-- Name what the map did not know when records were made (a link announced later in the
-- same batch: the kernel tells a bridge's own FDB entry before the bridge).
local function resolve(recs, unres, names)
  for _, i in ipairs(unres or {}) do rename(recs[i], names) end
end

-- Whether record `t` names device `name` in a device field (nexthops included).
local function names_dev(t, name)
  for k, v in next, t do
    if type(v) == "table" then
      if names_dev(v, name) then return true end
    elseif devfields[k] and v == name then
      return true
    end
  end
  return false
end

local function rename_dev(t, old, new)
  for k, v in next, t do
    if type(v) == "table" then
      rename_dev(v, old, new)
    elseif devfields[k] and v == old then
      t[k] = new
    end
  end
end

local deliver

-- Link `idx` was renamed from `old` to `new`: the kernel says nothing about the addresses,
-- routes, neighbours, FDB entries and links that name it. Their records in the picture are
-- given the new name and delivered again (`resync = true`). Rules keep names as they were
-- given (the kernel matches rule devices by name).
local function renamed(self, idx, old, new)
  local n = 0
  for _, obj in ipairs{ "link", "addr", "route", "neigh", "fdb" } do
    local p = self.pic[obj]
    if p then
      for key, rec in next, p do
        if names_dev(rec, old) and not (obj == "addr" and rec.ifindex ~= idx)
            and not (obj == "link" and rec.ifindex == idx) then
          local c = copy(rec)
          rename_dev(c, old, new)
          c.event, c.object, c.key, c.resync = "new", obj, key, true
          p[key] = c
          deliver(self, c)
          n = n + 1
        end
      end
    end
  end
  self.counts.resync_events = self.counts.resync_events + n
end

function deliver(self, ev)
  if self.sub[ev.object] or ev.event == "overrun" then
    local q = self.queue
    q[#q + 1] = ev
  end
end

local function apply(self, ev, key)
  local obj = ev.object
  ev.key = key
  local p = self.pic[obj]
  local old = p[key]
  if ev.event == "del" then p[key] = nil else p[key] = ev end
  if obj == "link" and self.pic.route and old and (ev.event == "del" or linkstate(old) ~= linkstate(ev)) then
    self.routes_dirty = true
  end
  self.counts.events = self.counts.events + 1
  deliver(self, ev)
  if obj == "link" and old and ev.event == "new" and old.ifname and ev.ifname and old.ifname ~= ev.ifname then
    renamed(self, ev.ifindex, old.ifname, ev.ifname)
  end
end

-- Read `objs` (a set) again and deliver the difference from the picture.
local function resync(self, objs)
  local fresh = {}
  for _, obj in ipairs(M.objects) do
    if objs[obj] and self.pic[obj] then
      local recs, keys, code = self.core:_dump(obj, self.names)
      if not recs then return nil, keys, code end
      resolve(recs, code, self.names)
      local t = {}
      for i, r in ipairs(recs) do t[keys[i]] = r end
      fresh[obj] = t
    end
  end
  local n = 0
  for i = #M.objects, 1, -1 do
    local obj = M.objects[i]
    local f = fresh[obj]
    if f then
      local p = self.pic[obj]
      for key, old in next, p do
        if f[key] == nil then
          local ev = copy(old)
          ev.event, ev.object, ev.key, ev.resync = "del", obj, key, true
          p[key] = nil
          deliver(self, ev)
          n = n + 1
        end
      end
    end
  end
  for _, obj in ipairs(M.objects) do
    local f = fresh[obj]
    if f then
      local p = self.pic[obj]
      for key, rec in next, f do
        local old = p[key]
        if old == nil or not same(old, rec, true) then
          rec.event, rec.object, rec.key, rec.resync = "new", obj, key, true
          p[key] = rec
          deliver(self, rec)
          n = n + 1
        end
      end
    end
  end
  if fresh.link then
    -- names of links gone (kept until now for the events naming them)
    for idx in next, self.names do
      if not fresh.link[tostring(idx)] then self.names[idx] = nil end
    end
  end
  self.counts.resyncs = self.counts.resyncs + 1
  self.counts.resync_events = self.counts.resync_events + n
  return true
end

local function all_objects(self)
  local s = {}
  for obj in next, self.pic do s[obj] = true end
  return s
end

-- Read what is queued (waiting up to `timeout` ms for the first datagram) into self.queue.
local function fill(self, timeout)
  if self.closed then fail("attempt to use a closed plumb monitor", 3) end
  if self.pending_resync then
    local ok, err, code = resync(self, self.pending_resync)
    if not ok then return nil, err, code end
    self.pending_resync = nil
  end
  local evs, keys, status, unres = self.core:_recv(timeout, self.names, self.bits)
  if not evs then return nil, keys, status end
  resolve(evs, unres, self.names)
  for i = 1, #evs do apply(self, evs[i], keys[i]) end
  if status == "overrun" then
    self.counts.overruns = self.counts.overruns + 1
    deliver(self, { event = "overrun" })
    -- what is still queued may be older than the notifications lost: drop it, the dump
    -- that follows reflects it
    self.counts.dropped = self.counts.dropped + self.core:_drain()
    self.routes_dirty = false
    local ok, err, code = resync(self, all_objects(self))
    if not ok then
      self.pending_resync = all_objects(self)
      return nil, err, code
    end
  elseif self.routes_dirty then
    self.routes_dirty = false
    local ok, err, code = resync(self, { route = true })
    if not ok then
      self.pending_resync = { route = true }
      return nil, err, code
    end
  end
  return true
end

local function take(self)
  local q = self.queue
  if #q == 0 then return nil end
  self.queue = {}
  return q
end

-- ---------------------------------------------------------------------------------------
-- options

local function check_opts(opts, level)
  level = level + 1
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then fail("expected an option table, got " .. type(opts), level) end
  local n = rawlen(opts)
  local objs, seen = {}, {}
  for k, v in next, opts do
    if math.type(k) == "integer" and k >= 1 and k <= n then
      if type(v) ~= "string" then
        fail(("objects[%d]: expected an object name, got %s"):format(k, type(v)), level)
      end
      if not known[v] then
        fail(("unknown object %q (expected %s)"):format(v, table.concat(M.objects, ", ")), level)
      end
    elseif k ~= "netns" and k ~= "rcvbuf" then
      fail(("unknown option %q"):format(tostring(k)), level)
    end
  end
  for i = 1, n do
    local v = rawget(opts, i)
    if not seen[v] then seen[v] = true objs[#objs + 1] = v end
  end
  if #objs == 0 then objs = table.move(M.objects, 1, #M.objects, 1, {}) end
  local ns = rawget(opts, "netns")
  if type(ns) == "table" then
    for k in next, ns do
      if k ~= "pid" then fail(("netns: unknown option %q"):format(tostring(k)), level) end
    end
    ns = rawget(ns, "pid")
    if math.type(ns) ~= "integer" then fail("netns: expected { pid = N }", level) end
  elseif ns ~= nil and type(ns) ~= "string" then
    fail("netns: expected a name, a path or { pid = N }", level)
  end
  local rcvbuf = rawget(opts, "rcvbuf")
  if rcvbuf ~= nil then
    if math.type(rcvbuf) ~= "integer" then
      fail("rcvbuf: expected an integer (bytes), got " .. (math.type(rcvbuf) or type(rcvbuf)), level)
    end
    if rcvbuf < 1024 or rcvbuf > 1 << 30 then
      fail(("rcvbuf: %d out of range 1024..%d"):format(rcvbuf, 1 << 30), level)
    end
  end
  return objs, ns, rcvbuf
end

--- Open a monitor (also `plumb.monitor`).
-- Options are checked in full before anything is opened: an unknown object or key raises
-- naming it.
-- @tparam[opt] table opts the objects to follow, as list items (`"link"`, `"addr"`,
-- `"route"`, `"neigh"`, `"fdb"`, `"rule"`, `"nsid"`; none: all of them), and `netns` (a
-- name, a path or `{ pid = N }`), `rcvbuf` (the socket's receive buffer in bytes,
-- 1024..2^30; forced beyond `net.core.rmem_max` when the caller may)
-- @treturn monitor a monitor; close it with `m:close()`, `<close>` or garbage collection
-- @return[2] nil, message, errno
function M.open(opts)
  local objs, ns, rcvbuf = check_opts(opts, 2)
  local want = table.move(objs, 1, #objs, 1, {})
  local sub = {}
  for _, o in ipairs(objs) do sub[o] = true end
  if not sub.link then want[#want + 1] = "link" end    -- always read: names, route refresh
  local mc, err, code = core.monitor_open(want, ns, rcvbuf)
  if not mc then return nil, err, code end
  local self = setmetatable({
    core = mc, sub = sub, list = objs, bits = core.monitor_bits(want), names = {}, pic = {},
    queue = {},
    counts = { events = 0, overruns = 0, resyncs = 0, resync_events = 0, dropped = 0 },
  }, Monitor)
  for _, o in ipairs(want) do self.pic[o] = {} end
  -- the first picture, after subscribing (what changes meanwhile is queued)
  for _, obj in ipairs(M.objects) do
    if self.pic[obj] then
      local recs, keys, c2 = mc:_dump(obj, self.names)
      if not recs then
        mc:close()
        return nil, keys, c2
      end
      resolve(recs, c2, self.names)
      local p = self.pic[obj]
      for i, r in ipairs(recs) do p[keys[i]] = r end
    end
  end
  return self
end

-- ---------------------------------------------------------------------------------------
-- methods

--- A monitor (`plumb.monitor{...}`).
-- @type monitor

--- Iterate over events, blocking until each comes: `for ev in m:events() do ... end`.
-- A failure to read (the monitor closed meanwhile, a system error) raises.
-- @treturn function an iterator giving one event record at a time
function Monitor:events()
  local i, batch = 0, {}
  return function()
    while true do
      i = i + 1
      if batch[i] then return batch[i] end
      batch, i = take(self) or {}, 0
      if #batch == 0 then
        local ok, err = fill(self, -1)
        if not ok then error(err, 2) end
      end
    end
  end
end

--- Wait up to `timeout_ms` milliseconds for events and return what came.
-- @tparam[opt=-1] int timeout_ms 0: do not wait; negative: wait as long as it takes
-- @treturn {table,...} the events, in order
-- @return[2] nil, "timeout" when none came in time
-- @return[3] nil, message, errno on failure
function Monitor:read(timeout_ms)
  if timeout_ms == nil then timeout_ms = -1 end
  if math.type(timeout_ms) ~= "integer" then
    fail("read: timeout_ms: expected an integer (milliseconds), got " ..
      (math.type(timeout_ms) or type(timeout_ms)), 2)
  end
  local q = take(self)
  if q then return q end
  local deadline = timeout_ms > 0 and core.monotonic() + timeout_ms / 1000
  local wait = timeout_ms
  while true do
    local ok, err, code = fill(self, wait)
    if not ok then return nil, err, code end
    q = take(self)
    if q then return q end
    if timeout_ms == 0 then return nil, "timeout" end
    if deadline then
      wait = math.floor((deadline - core.monotonic()) * 1000 + 0.5)
      if wait <= 0 then return nil, "timeout" end
    end
  end
end

--- One non-blocking step for an event loop: read what is queued (after `fd()` polled
-- readable) and return the events, an empty list when there were none.
-- @treturn {table,...}
-- @return[2] nil, message, errno on failure
function Monitor:step()
  local q = take(self)
  if q then return q end
  local ok, err, code = fill(self, 0)
  if not ok then return nil, err, code end
  return take(self) or {}
end

--- The socket's file descriptor, to poll for readability (poll, luv, cqueues).
-- @treturn int
function Monitor:fd()
  if self.closed then fail("fd: attempt to use a closed plumb monitor", 2) end
  return self.core:fd()
end

--- The monitor's current picture: for each subscribed object, a table key -> record (copies,
-- without the event fields), as of the events delivered so far (and those waiting to be).
-- @treturn table `{ link = { ["7"] = {...} }, addr = {...}, ... }`
function Monitor:snapshot()
  if self.closed then fail("snapshot: attempt to use a closed plumb monitor", 2) end
  local s = {}
  for obj, p in next, self.pic do
    if self.sub[obj] then
      local t = {}
      for key, rec in next, p do t[key] = copy(rec, true) end
      s[obj] = t
    end
  end
  return s
end

--- Counters: `events` (notifications read), `overruns`, `resyncs` (re-reads of objects,
-- after an overrun or for routes after a link change), `resync_events` (synthetic events
-- delivered), `dropped` (datagrams dropped after overruns).
-- @treturn table
function Monitor:stats()
  return copy(self.counts)
end

--- The objects this monitor follows.
-- @treturn {string,...}
function Monitor:objects()
  return table.move(self.list, 1, #self.list, 1, {})
end

--- Close the monitor (also `<close>` and garbage collection); closing twice is harmless.
function Monitor:close()
  if not self.closed then
    self.closed = true
    self.core:close()
  end
end

Monitor.__close = Monitor.close
Monitor.__gc = Monitor.close
Monitor.__tostring = function(self)
  if self.closed then return "plumb monitor (closed)" end
  return ("plumb monitor (%s; fd %d)"):format(table.concat(self.list, " "), self.core:fd())
end

return M
