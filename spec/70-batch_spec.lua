local plumb = require "plumb"
local testing = require "plumb.testing"
local core = plumb.core

local EEXIST, ENODEV, EADDRNOTAVAIL = 17, 19, 99

-- The names of the links in the handle's namespace, as a set.
local function link_names(h)
  local set = {}
  for _, l in ipairs(assert(h:links())) do set[l.ifname] = l end
  return set
end

-- A veth pair d0/d1, both up.
local function veth(h, a, b)
  assert(h:link_add{ name = a or "d0", kind = "veth", up = true,
                     peer = { name = b or "d1", up = true } })
end

describe("h:batch()", function()
  testing.leakcheck()

  it("reports each failed call with its index, method, object, message and errno", function()
    local sb <close> = testing.sandbox()
    local h = sb.h
    local ok, errs = h:batch(function(b)
      b:link_add{ name = "v1", kind = "veth", peer = { name = "p1" } }
      b:link_add{ name = "v1", kind = "veth", peer = { name = "p2" } }
      b:addr_add("nope0", "10.0.0.2/24")
      b:route_add{ dst = "192.0.2.0/24", dev = "nosuch0" }
      b:link_set("v1", { up = true })
      b:addr_add("v1", "10.0.0.2/24")
      b:addr_add("v1", "10.0.0.2/24")
      b:addr_del("v1", "10.9.9.9/24")
      b:link_del("nope1")
    end)
    assert.is_nil(ok)
    -- the kernel's extended ACK text where it gives one (6.x), else strerror (6.1)
    local alt = {
      [7] = { "addr_add v1 10.0.0.2/24: ipv4: Address already assigned",
              "addr_add v1 10.0.0.2/24: File exists" },
      [8] = { "addr_del v1 10.9.9.9/24: ipv4: Address not found",
              "addr_del v1 10.9.9.9/24: Cannot assign requested address" },
    }
    for _, e in ipairs(errs) do
      if alt[e.index] then
        assert.is_true(e.message == alt[e.index][1] or e.message == alt[e.index][2], e.message)
        e.message = alt[e.index][1]
      end
    end
    -- the same messages as the calls alone would return, in the order of the calls
    assert.same({
      { index = 2, op = "link_add", object = "v1", message = "link_add v1: File exists",
        errno = EEXIST },
      { index = 3, op = "addr_add", object = "nope0 10.0.0.2/24",
        message = "addr_add nope0 10.0.0.2/24: dev nope0: No such device", errno = ENODEV },
      { index = 4, op = "route_add", object = "192.0.2.0/24",
        message = "route_add 192.0.2.0/24: dev nosuch0: No such device", errno = ENODEV },
      { index = 7, op = "addr_add", object = "v1 10.0.0.2/24",
        message = "addr_add v1 10.0.0.2/24: ipv4: Address already assigned", errno = EEXIST },
      { index = 8, op = "addr_del", object = "v1 10.9.9.9/24",
        message = "addr_del v1 10.9.9.9/24: ipv4: Address not found", errno = EADDRNOTAVAIL },
      { index = 9, op = "link_del", object = "nope1", message = "link_del nope1: No such device",
        errno = ENODEV },
    }, errs)
    -- what did not fail happened
    local links = link_names(h)
    assert.is_table(links.v1)
    assert.is_table(links.p1)
    assert.is_nil(links.p2)
    assert.is_true(links.v1.flags[1] ~= nil)
    local addrs = assert(h:addrs{ dev = "v1", family = "inet" })
    assert.equal(1, #addrs)
    assert.equal("10.0.0.2", addrs[1]["local"])
  end)

  it("returns true alone when every call succeeded", function()
    local sb <close> = testing.sandbox()
    assert.same({ true }, { sb.h:batch(function(b)
      b:link_add{ name = "v1", kind = "veth", peer = { name = "p1" } }
    end) })
    assert.same({ true }, { sb.h:batch(function() end) })
  end)

  it("uses names made earlier in the same batch, flushing first where an ifindex is needed", function()
    local sb <close> = testing.sandbox()
    local h = sb.h
    local before = core._stats(h)
    assert.is_true(h:batch(function(b)
      b:link_add{ name = "br0", kind = "bridge" }
      b:link_add{ name = "v1", kind = "veth", peer = { name = "p1" } }
      b:link_set("v1", { master = "br0", up = true })      -- IFLA_MASTER: an ifindex
      b:link_set("br0", { up = true, mtu = 1400 })         -- by name: IFLA_IFNAME
      b:addr_add("br0", "10.1.0.1/24")
      b:route_add{ dst = "10.2.0.0/24", via = "10.1.0.254", dev = "br0" }
      b:neigh_add{ dev = "br0", dst = "10.1.0.9", lladdr = "02:00:00:00:00:09" }
    end))
    local st = core._stats(h)
    -- one flush before master = "br0" was resolved, one at the end
    assert.equal(2, st.batch_sends - before.batch_sends)
    assert.equal(7, st.batch_requests - before.batch_requests)
    assert.equal(0, st.sends_in_build)
    local links = link_names(h)
    assert.equal("br0", links.v1.master)
    assert.equal(1400, links.br0.mtu)
    assert.equal("10.1.0.1", assert(h:addrs{ dev = "br0", family = "inet" })[1]["local"])
    local r = assert(h:routes{ dst = "10.2.0.0/24" })
    assert.equal(1, #r)
    assert.same({ "10.1.0.254", "br0" }, { r[1].gateway, r[1].dev })
    -- (the kernel may hold multicast entries of its own on br0, as 6.1 does for 224.0.0.22)
    local mine
    for _, e in ipairs(assert(h:neighs{ dev = "br0" })) do
      if e.dst == "10.1.0.9" then mine = e end
    end
    assert.equal("02:00:00:00:00:09", assert(mine, "no neighbour 10.1.0.9 on br0").lladdr)
  end)

  it("sends 10,000 requests in one batch, many per sendmsg, every ACK accounted for", function()
    local sb <close> = testing.sandbox()
    local h = sb.h
    veth(h)
    local before = core._stats(h)
    local ok, errs = h:batch(function(b)
      for i = 0, 9999 do
        b:route_add{ dst = ("10.%d.%d.0/24"):format(i // 256, i % 256), dev = "d0" }
      end
      -- the last one fails: its error is found among 10,000 ACKs
      b:route_add{ dst = "10.0.0.0/24", dev = "d0" }
    end)
    assert.is_nil(ok)
    assert.same({ { index = 10001, op = "route_add", object = "10.0.0.0/24",
                    message = "route_add 10.0.0.0/24: File exists", errno = EEXIST } }, errs)
    local st = core._stats(h)
    assert.equal(10001, st.batch_requests - before.batch_requests)
    assert.is_true(st.batch_sends - before.batch_sends <= 20, "sendmsg calls: "
      .. (st.batch_sends - before.batch_sends))
    assert.equal(10000, #assert(h:routes{ dev = "d0", protocol = "boot" }))
  end)

  it("reports the ACKs the kernel dropped (ENOBUFS) against their calls, and goes on", function()
    local sb <close> = testing.sandbox()
    local h = sb.h
    veth(h)
    -- test-only: a receive buffer of 4 KiB and all 3,000 requests in one sendmsg, so that
    -- their ACKs overrun the socket's queue (plumb sizes both so that this does not happen)
    core._batch_limits(h, 4096, 3000)
    local before = core._stats(h)
    local ok, errs = h:batch(function(b)
      for i = 1, 3000 do
        b:route_add{ dst = ("10.%d.%d.0/24"):format(i // 256, i % 256), dev = "d0" }
      end
    end)
    core._batch_limits(h, 0, 0)
    assert.is_nil(ok)
    assert.equal(1, core._stats(h).batch_sends - before.batch_sends)
    assert.is_true(#errs > 0 and #errs < 3000, #errs .. " requests without an ACK")
    local last = 0
    for _, e in ipairs(errs) do
      assert.is_true(e.index > last and e.index <= 3000)
      last = e.index
      assert.same({ index = e.index, op = "route_add",
                    object = ("10.%d.%d.0/24"):format(e.index // 256, e.index % 256),
                    message = "route_add " .. ("10.%d.%d.0/24"):format(e.index // 256, e.index % 256)
                      .. ": no ACK: the receive buffer overran (ENOBUFS), outcome unknown",
                    errno = 105 }, e)
    end
    -- the kernel did each one ("outcome unknown" was honest), and the handle goes on
    assert.equal(3000, #assert(h:routes{ dev = "d0", protocol = "boot" }))
    assert.is_true(h:batch(function(b) b:route_add{ dst = "10.200.0.0/24", dev = "d0" } end))
    assert.equal(3001, #assert(h:routes{ dev = "d0", protocol = "boot" }))
  end)

  it("works on a handle of another namespace and as a module function", function()
    local sb <close> = testing.sandbox()
    local other = sb:netns()
    local h <close> = assert(plumb.open{ netns = other })
    assert.is_true(h:batch(function(b)
      b:link_add{ name = "x1", kind = "veth", peer = { name = "x2" } }
      b:link_set("x1", { up = true })
      b:addr_add("x1", "10.3.0.1/24")
    end))
    assert.is_table(link_names(h).x1)
    assert.is_nil(link_names(sb.h).x1)
    assert.equal(1, #assert(h:addrs{ dev = "x1", family = "inet" }))
    -- plumb.batch: on the default handle of the calling thread's namespace
    assert.is_true(sb:run(function()
      return plumb.batch(function(b) b:link_add{ name = "y1", kind = "veth", peer = { name = "y2" } } end)
    end))
    plumb.reset()
    assert.is_table(link_names(sb.h).y1)
    assert.is_nil(link_names(h).y1)
    assert.has_error(function() plumb.batch(3) end, "batch: fn: expected a function, got number")
  end)

  it("raises misuse at the call on b, before anything of the batch is sent", function()
    local sb <close> = testing.sandbox()
    local h = sb.h
    local before = core._stats(h)
    local ok, err = pcall(h.batch, h, function(b)
      b:link_add{ name = "m1", kind = "veth", peer = { name = "m2" } }
      b:addr_add("lo", "10.4.0.1/8")
      b:link_add{ name = "m3", kind = "veth", mut = 1 }
    end)
    assert.is_false(ok)
    assert.matches('link_add: unknown option "mut"$', err)
    ok, err = pcall(h.batch, h, function(b)
      b:link_add{ name = "m1", kind = "veth", peer = { name = "m2" } }
      b:route_add{ dst = "10.5.0.0/33", dev = "lo" }
    end)
    assert.is_false(ok)
    assert.matches("route_add: dst: ", err)
    -- an error of the function itself: the same, nothing sent
    ok, err = pcall(h.batch, h, function(b)
      b:link_add{ name = "m1", kind = "veth", peer = { name = "m2" } }
      error("boom")
    end)
    assert.is_false(ok)
    assert.matches("boom$", err)
    assert.equal(before.sends, core._stats(h).sends - 0)
    assert.is_nil(link_names(h).m1)
    assert.equal(0, #assert(h:addrs{ dev = "lo", family = "inet", scope = nil }) - 1)
    assert.has_error(function() h:batch("x") end, "batch: fn: expected a function, got string")
  end)

  it("keeps the handle busy while the function runs, and the batch object to it", function()
    local sb <close> = testing.sandbox()
    local h = sb.h
    local saved
    local ok, err = pcall(h.batch, h, function(b)
      saved = b
      return h:links()
    end)
    assert.is_false(ok)
    assert.matches("links: handle busy in a batch %(inside h:batch%(fn%), call the batch "
      .. "object's methods%)$", err)
    ok, err = pcall(h.batch, h, function() h:link_add{ name = "z1", kind = "veth" } end)
    assert.is_false(ok)
    assert.matches("link_add: handle busy in a batch", err)
    ok, err = pcall(h.batch, h, function() h:batch(function() end) end)
    assert.is_false(ok)
    assert.matches("batch: handle busy in a batch", err)
    assert.has_error(function() saved:link_add{ name = "z2", kind = "veth" } end,
      "link_add: the batch is over (a batch object is used inside its function only)")
    assert.is_nil(saved.links)      -- queries are not methods of a batch object
    -- the handle works again afterwards
    assert.is_table(assert(h:links()))
  end)

  it("mixes link, address, route, neighbour and rule changes in order", function()
    local sb <close> = testing.sandbox()
    local h = sb.h
    veth(h, "a0", "a1")
    assert.is_true(h:batch(function(b)
      b:link_set("a0", { mtu = 1300 })
      b:addr_add("a0", "10.6.0.1/24")
      b:addr_add("a0", "2001:db8:6::1/64", { nodad = true })
      b:route_add{ dst = "10.7.0.0/16", via = "10.6.0.2" }
      b:route_replace{ dst = "10.7.0.0/16", via = "10.6.0.3" }
      b:route_add{ dst = "10.8.0.0/16", dev = "a0", metric = 5 }
      b:route_del{ dst = "10.8.0.0/16", dev = "a0", metric = 5 }
      b:neigh_add{ dev = "a0", dst = "10.6.0.2", lladdr = "02:00:00:00:00:02" }
      b:neigh_replace{ dev = "a0", dst = "10.6.0.2", lladdr = "02:00:00:00:00:03" }
      b:rule_add{ priority = 100, to = "10.9.0.0/16", table = 100 }
      b:link_add{ name = "gone", kind = "veth", peer = { name = "gone1" } }
      b:link_del("gone")
    end))
    local links = link_names(h)
    assert.equal(1300, links.a0.mtu)
    assert.is_nil(links.gone)
    local r = assert(h:routes{ dst = "10.7.0.0/16" })
    assert.equal("10.6.0.3", r[1].gateway)
    assert.equal(0, #assert(h:routes{ dst = "10.8.0.0/16" }))
    local n = assert(h:neighs{ dev = "a0", family = "inet" })
    assert.equal("02:00:00:00:00:03", n[1].lladdr)
    local found
    for _, rule in ipairs(assert(h:rules())) do
      if rule.priority == 100 then found = rule end
    end
    assert.same({ "10.9.0.0", 16, "100" }, { found.dst, found.dstlen, tostring(found.table) })
  end)
end)

describe("building", function()
  testing.leakcheck()

  -- Every kind of change, by device name (so every builder resolves names), one call at a
  -- time and then in a batch: no request is ever sent while another is being built.
  local function every_change(h, b, i)
    local v, p = "e" .. i, "f" .. i
    local results = {}
    local function r(...) results[#results + 1] = { ... } end
    local c = b or h
    r(c:link_add{ name = "br" .. i, kind = "bridge", up = true })
    r(c:link_add{ name = v, kind = "veth", peer = { name = p } })
    r(c:link_set(v, { master = "br" .. i, up = true, mtu = 1400 }))
    r(c:link_set(p, { up = true }))
    r(c:link_ensure{ name = v, kind = "veth", mtu = 1450 })
    r(c:addr_add(v, "10.20." .. i .. ".1/24"))
    r(c:addr_replace(v, "10.20." .. i .. ".1/24", { metric = 3 }))
    r(c:addr_ensure(v, "10.20." .. i .. ".2/24"))
    r(c:addr_del(v, "10.20." .. i .. ".2/24"))
    r(c:route_add{ dst = "10.21." .. i .. ".0/24", dev = v })
    r(c:route_replace{ dst = "10.21." .. i .. ".0/24", dev = v, metric = 0 })
    r(c:route_append{ dst = "10.22." .. i .. ".0/24", dev = v })
    r(c:route_ensure{ dst = "10.23." .. i .. ".0/24", dev = v })
    r(c:route_del{ dst = "10.22." .. i .. ".0/24", dev = v })
    r(c:neigh_add{ dev = v, dst = "10.20." .. i .. ".9", lladdr = "02:00:00:00:00:09" })
    r(c:neigh_replace{ dev = v, dst = "10.20." .. i .. ".9", lladdr = "02:00:00:00:00:0a" })
    r(c:neigh_del{ dev = v, dst = "10.20." .. i .. ".9" })
    r(c:rule_add{ priority = 200 + i, iif = v, table = 10 })
    r(c:rule_del{ priority = 200 + i })
    r(c:fdb_add{ dev = v, lladdr = "02:00:00:00:01:0" .. i, master = true })
    r(c:fdb_replace{ dev = v, lladdr = "02:00:00:00:01:0" .. i, master = true })
    r(c:fdb_del{ dev = v, lladdr = "02:00:00:00:01:0" .. i, master = true })
    r(c:vlan_add{ dev = v, vid = 10 })      -- needs VLAN filtering: may fail, still built
    r(c:vlan_del{ dev = v, vid = 10 })
    r(c:link_set(v, { nomaster = true }))
    r(c:link_del(v))
    return results
  end

  it("never sends a request while another is being built, for every kind of change", function()
    local sb <close> = testing.sandbox()
    local h = sb.h
    local results = every_change(h, nil, 1)
    for n, res in ipairs(results) do
      if n < 23 then assert.is_truthy(res[1], "change " .. n .. ": " .. tostring(res[2])) end
    end
    local st = core._stats(h)
    assert.equal(0, st.sends_in_build)
    assert.is_true(st.builds >= 25, "builds: " .. st.builds)
    assert.is_true(st.resolves >= 10, "resolves: " .. st.resolves)
    local ok, errs = h:batch(function(b) every_change(h, b, 2) end)
    for _, e in ipairs(errs or {}) do
      assert.is_true(e.index >= 23, e.message)      -- only the VLAN calls may fail
    end
    assert.is_true(ok or #errs <= 2)
    st = core._stats(h)
    assert.is_true(st.batch_requests >= 20, "batch requests: " .. st.batch_requests)
    assert.equal(0, st.sends_in_build)
  end)

  it("resolves names without netlink round trips", function()
    local sb <close> = testing.sandbox()
    local h = sb.h
    veth(h)
    local before = core._stats(h)
    for i = 1, 20 do
      assert(h:route_add{ dst = "10.30." .. i .. ".0/24", dev = "d0" })
      assert(h:addr_add("d0", "10.31." .. i .. ".1/32"))
    end
    local st = core._stats(h)
    -- one sendmsg per change: the name d0 costs an ioctl, not a request
    assert.equal(40, st.sends - before.sends)
    assert.equal(40, st.resolves - before.resolves)
    local ok, err, code = h:route_add{ dst = "10.32.0.0/24", dev = "a9" }
    assert.same({ "route_add 10.32.0.0/24: dev a9: No such device", 19 }, { err, code })
    assert.is_nil(ok)
    assert.equal(40, core._stats(h).sends - before.sends)
  end)
end)
