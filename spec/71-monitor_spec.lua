-- plumb.monitor: options, the events of every object for changes made by plumb and by ip, in
-- the current namespace and in another, names of deleted links, snapshots, several monitors,
-- closing, and the overrun storm: thousands of changes against a tiny receive buffer, after
-- which a consumer that applied the events in order holds what a fresh dump holds.
local plumb = require "plumb"
local testing = require "plumb.testing"
local cli = require "cli_support"

-- Read events from `m` until `pred(ev)` is true for one of them (at most `secs` seconds);
-- returns that event and every event read.
local function wait_for(m, pred, secs)
  local all = {}
  local deadline = plumb.core.monotonic() + (secs or 5)
  while plumb.core.monotonic() < deadline do
    local evs = m:read(100)
    for _, ev in ipairs(evs or {}) do
      all[#all + 1] = ev
      if pred(ev) then return ev, all end
    end
  end
  return nil, all
end

local function ev_is(event, object, fields)
  return function(ev)
    if ev.event ~= event or ev.object ~= object then return false end
    for k, v in pairs(fields or {}) do if ev[k] ~= v then return false end end
    return true
  end
end

local function ip(ns, args) return cli.sh(("ip -n %s %s"):format(ns, args)) end

describe("plumb.monitor", function()
  testing.leakcheck()

  describe("options", function()
    local cases = {
      { { "link", "bogus" }, 'monitor: unknown object "bogus" (expected link, addr, route, neigh, fdb, rule, nsid)' },
      { { "link", mut = 1 }, 'monitor: unknown option "mut"' },
      { { "link", 7 }, "monitor: objects[2]: expected an object name, got number" },
      { { rcvbuf = "big" }, "monitor: rcvbuf: expected an integer (bytes), got string" },
      { { rcvbuf = 10 }, "monitor: rcvbuf: 10 out of range 1024..1073741824" },
      { { netns = true }, "monitor: netns: expected a name, a path or { pid = N }" },
      { { netns = { pod = 1 } }, 'monitor: netns: unknown option "pod"' },
    }
    for _, c in ipairs(cases) do
      it("refuses " .. c[2]:gsub("^monitor: ", ""), function()
        local ok, err = pcall(function() local m = plumb.monitor(c[1]) return m end)
        assert.is_false(ok)
        -- raised at the caller's line
        assert.matches("^spec/71%-monitor_spec%.lua:%d+: ", err)
        assert.equal(c[2], (err:gsub("^[^:]+:%d+: ", "")))
      end)
    end

    it("refuses a non-table, and reports a missing namespace as a failure", function()
      local ok, err = pcall(plumb.monitor, "link")
      assert.is_false(ok)
      assert.matches("monitor: expected an option table, got string$", err)
      local m, msg, code = plumb.monitor{ "link", netns = "no-such-ns" }
      assert.is_nil(m)
      assert.matches("no%-such%-ns", msg)
      assert.equal(2, code)
    end)

    it("checks read's timeout and a closed monitor", function()
      local sb <close> = testing.sandbox("mon")
      local m = assert(plumb.monitor{ "link", netns = sb.ns })
      local ok, err = pcall(m.read, m, 1.5)
      assert.is_false(ok)
      assert.matches("monitor: read: timeout_ms: expected an integer %(milliseconds%), got float$", err)
      m:close()
      m:close()
      assert.equal("plumb monitor (closed)", tostring(m))
      ok, err = pcall(m.read, m, 0)
      assert.is_false(ok)
      assert.matches("attempt to use a closed plumb monitor", err)
    end)
  end)

  -- Every object, changed by plumb and by ip, seen by a monitor in namespace `ns` (opened
  -- there by name, or from inside it).
  local function every_object(sb, m, h, ns)
    local function expect(pred, what)
      local ev, all = wait_for(m, pred)
      if not ev then
        local seen = {}
        for _, e in ipairs(all) do seen[#seen + 1] = ("%s %s %s"):format(e.event, e.object, e.key) end
        error(("no %s event; saw: %s"):format(what, table.concat(seen, "; ")), 2)
      end
      return ev
    end
    -- link, by plumb and by ip
    assert(h:link_add{ name = "mb0", kind = "bridge" })
    local l = expect(ev_is("new", "link", { ifname = "mb0" }), "link mb0")
    assert.equal(l.ifindex, math.tointeger(l.key))
    assert.equal("bridge", l.linkinfo.info_kind)
    ip(ns, "link add mv0 type veth peer name mv1")
    expect(ev_is("new", "link", { ifname = "mv1" }), "link mv1")
    ip(ns, "link set mv0 master mb0")
    expect(ev_is("new", "link", { ifname = "mv0", master = "mb0" }), "link mv0 master")
    -- addr
    assert(h:addr_add("mb0", "10.7.0.1/24"))
    local a = expect(ev_is("new", "addr", { ["local"] = "10.7.0.1" }), "addr by plumb")
    assert.same({ "mb0", "inet", 24 }, { a.ifname, a.family, a.prefixlen })
    ip(ns, "-6 addr add 2001:db8:7::1/64 dev mb0 nodad")
    expect(ev_is("new", "addr", { ["local"] = "2001:db8:7::1", family = "inet6" }), "addr by ip")
    -- route (v4 and v6) and rule (v4 and v6)
    assert(h:route_add{ dst = "192.0.2.0/24", type = "blackhole", table = 100 })
    local r = expect(ev_is("new", "route", { dst = "192.0.2.0/24" }), "route by plumb")
    assert.same({ "blackhole", "100" }, { r.type, r.table })
    ip(ns, "-6 route add blackhole 2001:db8:99::/64 table 100")
    expect(ev_is("new", "route", { dst = "2001:db8:99::/64" }), "route by ip")
    assert(h:rule_add{ priority = 1000, from = "10.8.0.0/16", table = 100 })
    local ru = expect(ev_is("new", "rule", { priority = 1000 }), "rule by plumb")
    assert.equal("10.8.0.0", ru.src)
    ip(ns, "-6 rule add from 2001:db8:8::/48 table 100 prio 1001")
    expect(ev_is("new", "rule", { priority = 1001 }), "rule by ip")
    -- neigh, fdb
    assert(h:neigh_add{ dev = "mb0", dst = "10.7.0.9", lladdr = "02:00:00:00:00:09", state = "permanent" })
    local n = expect(ev_is("new", "neigh", { dst = "10.7.0.9" }), "neigh by plumb")
    assert.same({ "mb0", "02:00:00:00:00:09" }, { n.dev, n.lladdr })
    ip(ns, "neigh add 10.7.0.10 lladdr 02:00:00:00:00:0a dev mb0 nud permanent")
    expect(ev_is("new", "neigh", { dst = "10.7.0.10" }), "neigh by ip")
    assert(h:fdb_add{ dev = "mv0", lladdr = "02:00:00:00:00:0b", master = true, state = "static" })
    local f = expect(ev_is("new", "fdb", { mac = "02:00:00:00:00:0b" }), "fdb by plumb")
    assert.equal("mv0", f.ifname)
    cli.sh(("bridge -n %s fdb add 02:00:00:00:00:0c dev mv0 master static"):format(ns))
    local f2 = expect(ev_is("new", "fdb", { mac = "02:00:00:00:00:0c" }), "fdb by bridge")
    assert.same({ "mv0", "mb0" }, { f2.ifname, f2.master })
    -- nsid: moving a veth end to another namespace makes the kernel give it an id
    local other = sb:netns("monid")
    ip(ns, "link set mv1 netns " .. other)
    local nid = expect(ev_is("new", "nsid"), "nsid")
    assert.equal("number", math.type(nid.nsid) and "number")
    -- deletions, by plumb and by ip
    assert(h:rule_del{ priority = 1000 })
    expect(ev_is("del", "rule", { priority = 1000 }), "rule del")
    ip(ns, "route del blackhole 192.0.2.0/24 table 100")
    expect(ev_is("del", "route", { dst = "192.0.2.0/24" }), "route del")
    assert(h:neigh_del{ dev = "mb0", dst = "10.7.0.9" })
    expect(ev_is("del", "neigh", { dst = "10.7.0.9" }), "neigh del")
    ip(ns, "addr del 10.7.0.1/24 dev mb0")
    expect(ev_is("del", "addr", { ["local"] = "10.7.0.1" }), "addr del")
    -- a deleted link's events still name it
    local idx = assert(h:link_get("mb0")).ifindex
    assert(h:link_del("mb0"))
    local _, all = wait_for(m, function() return false end, 0.5)
    local d, a6
    for _, e in ipairs(all) do
      if ev_is("del", "link", { ifindex = idx })(e) then d = e end
      if ev_is("del", "addr", { ["local"] = "2001:db8:7::1" })(e) then a6 = e end
    end
    assert.equal("mb0", assert(d, "no link del").ifname)
    assert.equal("mb0", assert(a6, "no addr del of the deleted link").ifname)
    -- the picture follows
    local snap = m:snapshot()
    assert.is_nil(snap.link[tostring(idx)])
    assert.truthy(snap.link[tostring(assert(h:link_get("mv0")).ifindex)])
    assert.is_nil(snap.link[tostring(idx)])
    assert.is_nil(snap.link[tostring(idx)] and snap.link[tostring(idx)].event)
    for _, rec in pairs(snap.route) do assert.is_nil(rec.event) assert.is_nil(rec.key) end
  end

  it("reports every object changed by plumb and by ip, in another namespace", function()
    local sb <close> = testing.sandbox("mon")
    local m <close> = assert(plumb.monitor{ netns = sb.ns })
    every_object(sb, m, sb.h, sb.ns)
  end)

  it("reports every object changed by plumb and by ip, in the namespace it was opened in", function()
    local sb <close> = testing.sandbox("mon")
    local m <close> = assert(sb:run(function() return plumb.monitor{} end))
    local h <close> = assert(sb:run(function() return plumb.open() end))
    every_object(sb, m, h, sb.ns)
  end)

  it("delivers only the objects asked for, and its first picture is a dump", function()
    local sb <close> = testing.sandbox("mon")
    assert(sb.h:link_add{ name = "pre0", kind = "bridge" })
    assert(sb.h:addr_add("pre0", "10.6.0.1/24"))
    local m <close> = assert(plumb.monitor{ "addr", netns = sb.ns, rcvbuf = 1 << 20 })
    assert.same({ "addr" }, m:objects())
    local snap = m:snapshot()
    assert.same({ "addr" }, (function() local k = {} for o in pairs(snap) do k[#k + 1] = o end return k end)())
    local idx = assert(sb.h:link_get("pre0")).ifindex
    local a = snap.addr[idx .. " 10.6.0.1/24"]
    assert.truthy(a)
    assert.same({ "pre0", "inet", 24 }, { a.ifname, a.family, a.prefixlen })
    assert(sb.h:link_add{ name = "pre1", kind = "bridge" })
    assert(sb.h:addr_add("pre1", "10.6.1.1/24"))
    local ev, all = wait_for(m, ev_is("new", "addr", { ["local"] = "10.6.1.1" }))
    assert.truthy(ev)
    -- the link got its name in the record although links are not delivered
    assert.equal("pre1", ev.ifname)
    for _, e in ipairs(all) do assert.equal("addr", e.object) end
    assert.is_nil(m:read(0))
    assert.same({ nil, "timeout" }, { m:read(50) })
    assert.same({}, m:step())
  end)

  it("runs several monitors at once, in several namespaces, and closes them every way", function()
    local sb <close> = testing.sandbox("mon")
    local ns2 = sb:netns("mon")
    local h2 = sb.handles[#sb.handles]
    local m1 <close> = assert(plumb.monitor{ "link", netns = sb.ns })
    local m2 = assert(plumb.monitor{ "link", netns = sb.ns })
    local m3 = assert(plumb.monitor{ "link", netns = ns2 })
    assert(sb.h:link_add{ name = "x0", kind = "bridge" })
    assert(h2:link_add{ name = "y0", kind = "bridge" })
    assert.truthy(wait_for(m1, ev_is("new", "link", { ifname = "x0" })))
    assert.truthy(wait_for(m2, ev_is("new", "link", { ifname = "x0" })))
    local _, all = wait_for(m3, ev_is("new", "link", { ifname = "y0" }))
    for _, e in ipairs(all) do assert.not_equal("x0", e.ifname) end
    m2:close()
    m3 = nil  -- luacheck: ignore
    collectgarbage()
    collectgarbage()
    do local m4 <close> = assert(plumb.monitor{ "route", netns = ns2 }) assert.truthy(m4:fd() > 2) end
  end)

  it("tells the IPv4 routes the kernel drops silently when their link goes down or away", function()
    local sb <close> = testing.sandbox("mon")
    local h = sb.h
    assert(h:link_add{ name = "d0", kind = "veth", up = true, peer = { name = "d1", up = true } })
    assert(h:addr_add("d0", "10.5.0.1/24"))
    assert(h:route_add{ dst = "10.55.0.0/16", gateway = "10.5.0.2" })
    local m <close> = assert(plumb.monitor{ "link", "route", netns = sb.ns })
    assert(h:link_set("d0", { up = false }))
    local ev = wait_for(m, ev_is("del", "route", { dst = "10.55.0.0/16" }))
    assert.truthy(ev, "no del event for the route the kernel dropped")
    assert.is_true(ev.resync)
    assert.equal("d0", ev.dev)
    wait_for(m, function() return false end, 0.3)
    local fresh <close> = assert(plumb.monitor{ "route", netns = sb.ns })
    local keys, want = {}, {}
    for k in pairs(m:snapshot().route) do keys[#keys + 1] = k end
    for k in pairs(fresh:snapshot().route) do want[#want + 1] = k end
    table.sort(keys)
    table.sort(want)
    assert.same(want, keys)
  end)

  it("keeps names right when a link is renamed (the kernel tells only the link)", function()
    local sb <close> = testing.sandbox("mon")
    local h = sb.h
    -- down links (a link is renamed down): addresses, a port, an FDB entry
    assert(h:link_add{ name = "rb0", kind = "bridge" })
    assert(h:link_add{ name = "rv0", kind = "veth", master = "rb0", peer = { name = "rv1" } })
    assert(h:addr_add("rb0", "10.4.0.1/24"))
    assert(h:addr_add("rb0", "2001:db8:4::1/64", { nodad = true }))
    assert(h:fdb_add{ dev = "rv0", lladdr = "02:00:00:00:00:0d", master = true, state = "static" })
    local m <close> = assert(plumb.monitor{ netns = sb.ns })
    assert(h:link_set("rb0", { name = "rb1" }))
    assert(h:link_set("rv0", { name = "rv2" }))
    local _, all = wait_for(m, function() return false end, 0.5)
    local function seen(pred)
      for _, e in ipairs(all) do if pred(e) then return e end end
    end
    local ev = seen(ev_is("new", "fdb", { mac = "02:00:00:00:00:0d", ifname = "rv2", master = "rb1" }))
    assert.truthy(ev, "the FDB entry was not delivered again with the new names")
    assert.is_true(ev.resync)
    ev = seen(ev_is("new", "addr", { ["local"] = "2001:db8:4::1", ifname = "rb1" }))
    assert.truthy(ev, "the IPv6 address was not delivered again with the new name")
    assert.truthy(seen(ev_is("new", "link", { ifname = "rv2", master = "rb1" })))
    local fresh <close> = assert(plumb.monitor{ netns = sb.ns })
    local got, want = m:snapshot(), fresh:snapshot()
    -- (a device's multicast FDB entries, such as 33:33:ff:00:00:01 for the IPv6 address's
    -- solicited-node group, are added by the kernel's MLD work without any notification,
    -- possibly after the first monitor's dump: only a resync would bring them; left out)
    local function silent(obj, rec)
      return obj == "fdb" and rec.mac and tonumber(rec.mac:sub(1, 2), 16) % 2 == 1
    end
    for _, obj in ipairs{ "link", "addr", "route", "neigh", "fdb" } do
      for key, rec in pairs(want[obj]) do
        local g = got[obj][key]
        if silent(obj, rec) then g = g or rec end
        assert.truthy(g, obj .. " " .. key .. " missing")
        assert.same({ rec.ifname, rec.dev, rec.master, rec.label }, { g.ifname, g.dev, g.master, g.label },
          obj .. " " .. key)
      end
    end
  end)

  -- ---------------------------------------------------------------------------------------
  -- the storm

  local FOREVER = 4294967295
  local skip = { event = true, object = true, key = true, resync = true, expires = true }
  local function same(a, b, top)
    if a == b then return true end
    if type(a) ~= "table" or type(b) ~= "table" then return false end
    for k, v in pairs(a) do
      if not (top and skip[k]) then
        if top and (k == "valid_life_time" or k == "preferred_life_time") then
          if (v == FOREVER) ~= (b[k] == FOREVER) then return false end
        elseif not same(v, b[k]) then return false end
      end
    end
    for k in pairs(b) do if not (top and skip[k]) and a[k] == nil then return false end end
    return true
  end

  local function diff(state, fresh)
    local out = {}
    for obj, t in pairs(fresh) do
      for key, rec in pairs(t) do
        if not state[obj][key] then out[#out + 1] = ("missing %s %s"):format(obj, key)
        elseif not same(state[obj][key], rec, true) then out[#out + 1] = ("stale %s %s"):format(obj, key) end
      end
      for key in pairs(state[obj]) do
        if not t[key] then out[#out + 1] = ("extra %s %s"):format(obj, key) end
      end
    end
    table.sort(out)
    return out
  end

  -- The kernel's count of what it dropped for socket `fd` of this process (/proc/net/netlink
  -- "Drops", matched by the socket's inode).
  local function drops(ns, fd)
    local p = io.popen("readlink /proc/" .. testing.pid() .. "/fd/" .. fd)
    local link = p:read("l")
    p:close()
    local ino = link and link:match("socket:%[(%d+)%]")
    -- the table of the socket's namespace: read from inside it
    return plumb.netns.run(ns, function()
      for line in io.lines("/proc/thread-self/net/netlink") do
        local w = {}
        for x in line:gmatch("%S+") do w[#w + 1] = x end
        if w[10] == ino then return tonumber(w[9]) end
      end
      return nil
    end)
  end

  local ROUNDS, CHANGES = 20, 2000

  it("recovers from overruns: after a storm the consumer's state is a fresh dump (" .. ROUNDS .. " rounds) #storm", function()
    local t0 = plumb.core.monotonic()
    local total = { changes = 0, overruns = 0, resyncs = 0, resync_events = 0, events = 0, drops = 0 }
    for round = 1, ROUNDS do
      local sb <close> = testing.sandbox("storm")
      local h = sb.h
      for i = 1, 4 do
        assert(h:link_add{ name = "s" .. i, kind = "veth", peer = { name = "t" .. i } })
      end
      local m <close> = assert(plumb.monitor{ "link", "addr", "route", "neigh", "rule", netns = sb.ns,
                                             rcvbuf = 32768 })
      local state = m:snapshot()
      local overruns = 0
      local function consume(evs)
        for _, ev in ipairs(evs) do
          if ev.event == "overrun" then
            overruns = overruns + 1
          else
            assert.truthy(ev.key, "an event without a key")
            state[ev.object][ev.key] = ev.event == "new" and ev or nil
          end
        end
      end
      -- thousands of changes of every object, read only now and then: the queue overflows
      local n, next_read = 0, 50
      math.randomseed(round)
      while n < CHANGES do
        local i = math.random(1, 4)
        local k = math.random(1, 40)
        local what = math.random(1, 6)
        if what == 1 then
          h:addr_add("s" .. i, ("10.%d.%d.1/24"):format(i, k))
        elseif what == 2 then
          h:addr_del("s" .. i, ("10.%d.%d.1/24"):format(i, k))
        elseif what == 3 then
          if not h:route_add{ dst = ("198.%d.%d.0/24"):format(i, k), type = "blackhole", table = 10 + i } then
            h:route_del{ dst = ("198.%d.%d.0/24"):format(i, k), type = "blackhole", table = 10 + i }
          end
        elseif what == 4 then
          if not h:rule_add{ priority = 100 + k, from = ("10.%d.%d.0/24"):format(i, k), table = 10 + i } then
            h:rule_del{ priority = 100 + k, from = ("10.%d.%d.0/24"):format(i, k), table = 10 + i }
          end
        elseif what == 5 then
          if not h:neigh_add{ dev = "s" .. i, dst = ("10.%d.%d.9"):format(i, k), lladdr = "02:00:00:00:00:09",
                              state = "permanent" } then
            h:neigh_del{ dev = "s" .. i, dst = ("10.%d.%d.9"):format(i, k) }
          end
        else
          h:link_set("s" .. i, { mtu = 1280 + k })
        end
        n = n + 1
        -- read now and then: sometimes in time, mostly too late
        if n >= next_read then
          consume(assert(m:step()))
          next_read = n + math.random(5, 400)
        end
      end
      -- a link going away takes its addresses, neighbours and (silently) its routes
      assert(h:route_add{ dst = "10.200.0.0/16", dev = "lo" })
      assert(h:link_del("s4"))
      n = n + 2
      -- read until the monitor has been quiet for a while (at most 10 s)
      local deadline = plumb.core.monotonic() + 10
      while plumb.core.monotonic() < deadline do
        local evs, err = m:read(200)
        if not evs then assert.equal("timeout", err) break end
        consume(evs)
      end
      local st = m:stats()
      local dropped = assert(drops(sb.ns, m:fd()), "the monitor's socket is not in /proc/net/netlink")
      -- the kernel dropped messages, and every drop was reported and recovered from
      assert.truthy(dropped > 0, "the kernel dropped nothing: the storm did not overflow the queue")
      assert.truthy(st.overruns >= 1, "messages were dropped, no overrun was reported")
      assert.equal(st.overruns, overruns)
      assert.truthy(st.events > 0, "no event was read before an overrun")
      -- the consumer's state is what a fresh dump gives
      local fresh_m <close> = assert(plumb.monitor{ "link", "addr", "route", "neigh", "rule", netns = sb.ns })
      local d = diff(state, fresh_m:snapshot())
      assert.same({}, d, ("round %d: %d differences"):format(round, #d))
      -- and the picture itself is too
      assert.same({}, diff(m:snapshot(), fresh_m:snapshot()))
      total.changes = total.changes + n
      total.overruns = total.overruns + st.overruns
      total.resyncs = total.resyncs + st.resyncs
      total.resync_events = total.resync_events + st.resync_events
      total.events = total.events + st.events
      total.drops = total.drops + (dropped or 0)
    end
    local secs = plumb.core.monotonic() - t0
    io.stderr:write(("\n  storm: %d rounds, %d changes, %d events read, %d overruns, %d resyncs, " ..
      "%d resync events, %d messages dropped by the kernel, %.1f s\n"):format(ROUNDS, total.changes,
      total.events, total.overruns, total.resyncs, total.resync_events, total.drops, secs))
  end)
end)
