local plumb = require "plumb"
local testing = require "plumb.testing"
local support = require "support"

local FOREVER = 4294967295

-- A veth pair v0/v1, both up, in the sandbox's namespace.
local function veth(sb)
  assert(sb.h:link_add{ name = "v0", kind = "veth", up = true, peer = { name = "v1", up = true } })
end

-- ip's addr_info entries of device `dev`, by "family local", and the link itself. IPv6
-- link-local addresses are left out: their DAD may finish between ip's dump and plumb's.
local function ip_addrs(ns, dev)
  local links = support.ip_json("addr show dev " .. dev, ns)
  local map, n = {}, 0
  for _, a in ipairs(links[1].addr_info) do
    if not (a.family == "inet6" and a["local"]:match("^fe80:")) then
      map[a.family .. " " .. a["local"]] = a
      n = n + 1
    end
  end
  return map, n, links[1]
end

-- Every address plumb reports on `dev` is the one ip reports, field by field.
local function same_as_ip(sb, dev)
  local want, n, link = ip_addrs(sb.ns, dev)
  local got = assert(sb.h:addrs{ dev = dev })
  local m = 0
  for _, a in ipairs(got) do
    assert.equal(link.ifindex, a.ifindex)
    assert.equal(link.ifname, a.ifname)
    if not (a.family == "inet6" and a["local"]:match("^fe80:")) then
      m = m + 1
      local w = want[a.family .. " " .. a["local"]]
      assert.is_table(w, "ip does not show " .. a["local"])
      local copy = {}
      for k, v in pairs(w) do copy[k] = v end
      -- Finite lifetimes count down: both sides only need to be within what was set.
      for _, k in ipairs{ "valid_life_time", "preferred_life_time" } do
        if w[k] ~= FOREVER then
          assert.is_true(a[k] <= w[k] + 1 and a[k] >= w[k] - 1, k)
          copy[k] = nil
        end
      end
      assert.same({}, support.diff(copy, a))
    end
  end
  assert.equal(n, m)
  return got
end

-- plumb's record of address `addr` ("10.0.0.2") on `dev`.
local function find(h, dev, addr)
  for _, a in ipairs(assert(h:addrs{ dev = dev })) do
    if a["local"] == addr then return a end
  end
end

describe("addresses", function()
  testing.leakcheck()

  describe("addr_add()", function()
    it("adds IPv4 addresses with options, as ip -j addr shows them", function()
      local sb <close> = testing.sandbox()
      veth(sb)
      local h = sb.h
      assert.is_true(h:addr_add("v0", "10.0.0.2/24", { broadcast = "+", label = "v0:1" }))
      assert.is_true(h:addr_add("v0", "10.0.0.3/24"))
      assert.is_true(h:addr_add("v0", "10.0.1.2/24", { scope = "link", noprefixroute = true,
                                                       metric = 50 }))
      assert.is_true(h:addr_add("v0", "10.0.2.2", { peer = "10.0.2.1/32" }))
      assert.is_true(h:addr_add("v0", "10.0.3.2/24", { broadcast = "10.0.3.7", scope = 200,
                                                       valid_lft = 300, preferred_lft = 200 }))
      assert.is_true(h:addr_add("v0", "10.0.4.2/24", { valid_lft = 300, preferred_lft = 0 }))
      same_as_ip(sb, "v0")

      local a = find(h, "v0", "10.0.0.2")
      assert.same({ "inet", 24, "10.0.0.255", "global", "v0:1", FOREVER, FOREVER },
        { a.family, a.prefixlen, a.broadcast, a.scope, a.label, a.valid_life_time,
          a.preferred_life_time })
      assert.is_nil(a.dynamic)
      assert.is_true(find(h, "v0", "10.0.0.3").secondary)
      a = find(h, "v0", "10.0.1.2")
      assert.same({ "link", true, 50 }, { a.scope, a.noprefixroute, a.metric })
      a = find(h, "v0", "10.0.2.2")
      assert.same({ "10.0.2.1", 32 }, { a.address, a.prefixlen })
      a = find(h, "v0", "10.0.3.2")
      assert.same({ "10.0.3.7", "site", true }, { a.broadcast, a.scope, a.dynamic })
      assert.is_true(a.valid_life_time <= 300 and a.preferred_life_time <= 200)
      assert.is_true(find(h, "v0", "10.0.4.2").deprecated)
    end)

    it("adds IPv6 addresses, not tentative with nodad on a device that is up", function()
      local sb <close> = testing.sandbox()
      veth(sb)
      local h = sb.h
      assert.is_true(h:addr_add("v0", "2001:db8::2/64", { nodad = true }))
      assert.is_true(h:addr_add("v0", "2001:db8:1::2/64", { nodad = true, home = true,
                                                            mngtmpaddr = true,
                                                            noprefixroute = true }))
      assert.is_true(h:addr_add("v0", "2001:db8:2::2/64", { nodad = true,
                                                            valid_lft = "forever",
                                                            preferred_lft = 600 }))
      assert.is_true(h:addr_add("v0", "2001:db8:3::2/128", { nodad = true,
                                                             peer = "2001:db8:3::1" }))
      same_as_ip(sb, "v0")
      local a = find(h, "v0", "2001:db8::2")
      assert.same({ "inet6", 64, "global", true }, { a.family, a.prefixlen, a.scope, a.nodad })
      assert.is_nil(a.tentative)
      assert.is_nil(a.label)
      a = find(h, "v0", "2001:db8:1::2")
      assert.same({ true, true, true }, { a.home, a.mngtmpaddr, a.noprefixroute })
      a = find(h, "v0", "2001:db8:2::2")
      assert.equal(FOREVER, a.valid_life_time)
      assert.is_true(a.preferred_life_time <= 600)
      assert.equal("2001:db8:3::1", find(h, "v0", "2001:db8:3::2").address)
    end)

    it("takes the device as an ifindex, and is a module function too", function()
      local sb <close> = testing.sandbox()
      veth(sb)
      local idx = assert(sb.h:ifindex("v0"))
      assert.is_true(sb.h:addr_add(idx, "10.0.0.2/24"))
      assert.equal(idx, find(sb.h, "v0", "10.0.0.2").ifindex)
      assert.is_true(sb:run(function() return plumb.addr_add("v1", "10.0.0.3/24") end))
      assert.equal("v1", find(sb.h, "v1", "10.0.0.3").ifname)
    end)

    it("returns nil, message, errno for an address that exists or an absent device", function()
      local sb <close> = testing.sandbox()
      veth(sb)
      assert.is_true(sb.h:addr_add("v0", "10.0.0.2/24"))
      local ok, err, code = sb.h:addr_add("v0", "10.0.0.2/24")
      assert.is_nil(ok)
      -- the kernel's extended ACK text where it gives one (6.x), else strerror (6.1)
      assert.is_true(err == "addr_add v0 10.0.0.2/24: ipv4: Address already assigned"
                     or err == "addr_add v0 10.0.0.2/24: File exists", err)
      assert.equal(17, code)	-- EEXIST
      assert.is_true(sb.h:addr_add("v0", "2001:db8::2/64", { nodad = true }))
      ok, err, code = sb.h:addr_add("v0", "2001:db8::2/64", { nodad = true })
      assert.is_nil(ok)
      assert.is_true(err:match("^addr_add v0 2001:db8::2/64: .*already assigned") ~= nil
                     or err == "addr_add v0 2001:db8::2/64: File exists", err)
      assert.equal(17, code)
      ok, err, code = sb.h:addr_add("nope0", "10.0.0.2/24")
      assert.is_nil(ok)
      assert.equal('addr_add nope0 10.0.0.2/24: dev nope0: No such device', err)
      assert.equal(19, code)	-- ENODEV
    end)

    it("rejects bad arguments, naming them", function()
      local sb <close> = testing.sandbox()
      veth(sb)
      local h = sb.h
      local function raises(pat, ...)
        local args = table.pack(...)
        local ok, err = pcall(h.addr_add, h, table.unpack(args, 1, args.n))
        assert.is_false(ok)
        assert.matches(pat, err, 1, true)
      end
      raises('addr_add: prefix: bad prefix length in "10.0.0.2/33" (0..32)', "v0", "10.0.0.2/33")
      raises('prefix: bad prefix length in "2001:db8::1/129" (0..128)', "v0", "2001:db8::1/129")
      raises('prefix: bad prefix length in "10.0.0.2/"', "v0", "10.0.0.2/")
      raises('prefix: bad prefix length in "10.0.0.2/x"', "v0", "10.0.0.2/x")
      raises('prefix: malformed IP prefix "10.0.0/24"', "v0", "10.0.0/24")
      raises('prefix: expected an IP prefix string, got nil', "v0")
      raises('addr_add: unknown option "mut"', "v0", "10.0.0.2/24", { mut = 1500 })
      raises('label: "eth0:1" must start with the device name "v0"', "v0", "10.0.0.2/24",
             { label = "eth0:1" })
      raises("label: expected a string of 1 to 15 bytes", "v0", "10.0.0.2/24",
             { label = "v0:0123456789abc" })
      raises("label: only IPv4 addresses have one", "v0", "2001:db8::1/64", { label = "v0" })
      raises("broadcast: only IPv4 addresses have one", "v0", "2001:db8::1/64",
             { broadcast = "+" })
      raises('broadcast: malformed IP address "10.0.0.300"', "v0", "10.0.0.2/24",
             { broadcast = "10.0.0.300" })
      raises("nodad: only for IPv6 addresses", "v0", "10.0.0.2/24", { nodad = true })
      raises("nodad: expected a boolean", "v0", "2001:db8::1/64", { nodad = 1 })
      raises('scope: unknown scope "galactic"', "v0", "10.0.0.2/24", { scope = "galactic" })
      raises("scope: 256 out of range 0..255", "v0", "10.0.0.2/24", { scope = 256 })
      raises("scope: IPv6 scopes follow from the address", "v0", "2001:db8::1/64",
             { scope = "link" })
      raises("preferred_lft: greater than valid_lft", "v0", "10.0.0.2/24",
             { valid_lft = 10, preferred_lft = 20 })
      raises('valid_lft: expected seconds (0..4294967295) or "forever"', "v0", "10.0.0.2/24",
             { valid_lft = "never" })
      raises("valid_lft: must not be 0", "v0", "10.0.0.2/24", { valid_lft = 0 })
      raises('peer: "2001:db8::1" is not of the address\'s family', "v0", "10.0.0.2",
             { peer = "2001:db8::1" })
      raises("metric: expected an integer", "v0", "10.0.0.2/24", { metric = "low" })
      raises("dev: expected a name or an ifindex", {}, "10.0.0.2/24")
      raises("dev: interface name", "an-interface-name-too-long", "10.0.0.2/24")
      -- Nothing was added by any of these.
      assert.equal(0, #assert(h:addrs{ dev = "v0", family = "inet" }))
    end)
  end)

  describe("addr_replace()", function()
    it("changes an existing address and adds an absent one", function()
      local sb <close> = testing.sandbox()
      veth(sb)
      local h = sb.h
      assert.is_true(h:addr_add("v0", "10.0.0.2/24", { metric = 10 }))
      assert.is_true(h:addr_replace("v0", "10.0.0.2/24", { metric = 20, valid_lft = 500 }))
      local a = find(h, "v0", "10.0.0.2")
      assert.same({ 20, true }, { a.metric, a.dynamic })
      assert.is_true(h:addr_replace("v0", "10.0.0.3/24"))
      assert.is_true(find(h, "v0", "10.0.0.3").secondary)
      assert.is_true(h:addr_add("v0", "2001:db8::2/64", { nodad = true }))
      assert.is_true(h:addr_replace("v0", "2001:db8::2/64", { nodad = true,
                                                              noprefixroute = true }))
      assert.is_true(find(h, "v0", "2001:db8::2").noprefixroute)
      same_as_ip(sb, "v0")
    end)
  end)

  describe("addr_del()", function()
    it("deletes IPv4 and IPv6 addresses, with or without their prefix length", function()
      local sb <close> = testing.sandbox()
      veth(sb)
      local h = sb.h
      assert.is_true(h:addr_add("v0", "10.0.0.2/24"))
      assert.is_true(h:addr_add("v0", "10.0.1.2/24"))
      assert.is_true(h:addr_add("v0", "2001:db8::2/64", { nodad = true }))
      assert.is_true(h:addr_add("v0", "2001:db8::3/64", { nodad = true }))
      assert.is_true(h:addr_del("v0", "10.0.0.2/24"))
      assert.is_true(h:addr_del("v0", "10.0.1.2"))
      assert.is_true(h:addr_del("v0", "2001:db8::2/64"))
      assert.is_true(h:addr_del("v0", "2001:db8::3"))
      assert.same({}, assert(h:addrs{ dev = "v0", family = "inet" }))
      for _, a in ipairs(assert(h:addrs{ dev = "v0", family = "inet6" })) do
        assert.matches("^fe80:", a["local"])
      end
    end)

    it("returns EADDRNOTAVAIL for an absent address", function()
      local sb <close> = testing.sandbox()
      veth(sb)
      assert.is_true(sb.h:addr_add("v0", "10.0.0.2/24"))
      local ok, err, code = sb.h:addr_del("v0", "10.9.9.9/24")
      assert.is_nil(ok)
      assert.is_true(err == "addr_del v0 10.9.9.9/24: ipv4: Address not found"
                     or err == "addr_del v0 10.9.9.9/24: Cannot assign requested address", err)
      assert.equal(99, code)
      -- the same address with another prefix length is another address
      ok, err, code = sb.h:addr_del("v0", "10.0.0.2/16")
      assert.is_nil(ok)
      assert.is_true(err == "addr_del v0 10.0.0.2/16: ipv4: Address not found"
                     or err == "addr_del v0 10.0.0.2/16: Cannot assign requested address", err)
      assert.equal(99, code)
      ok, err, code = sb.h:addr_del("v0", "2001:db8::9/64")
      assert.is_nil(ok)
      assert.is_true(err:match("^addr_del v0 2001:db8::9/64: .*not found") ~= nil
                     or err == "addr_del v0 2001:db8::9/64: Cannot assign requested address", err)
      assert.equal(99, code)
      assert.is_table(find(sb.h, "v0", "10.0.0.2"))
    end)

    it("rejects bad arguments", function()
      local sb <close> = testing.sandbox()
      veth(sb)
      assert.has_error(function() sb.h:addr_del("v0", "10.0.0.2/40") end,
        'addr_del: prefix: bad prefix length in "10.0.0.2/40" (0..32)')
      assert.has_error(function() sb.h:addr_del("v0", "10.0.0.2/24", {}) end,
        "addr_del: takes a device and a prefix")
    end)
  end)

  describe("addrs()", function()
    it("lists every address with its device, or those of one device and family", function()
      local sb <close> = testing.sandbox()
      veth(sb)
      local h = sb.h
      assert.is_true(h:addr_add("v0", "10.0.0.2/24"))
      assert.is_true(h:addr_add("v1", "10.0.0.3/24"))
      assert.is_true(h:addr_add("v1", "2001:db8::3/64", { nodad = true }))
      local all = assert(h:addrs())
      local seen = {}
      for _, a in ipairs(all) do seen[a.ifname .. " " .. a["local"]] = a.family end
      assert.same({ "inet", "inet", "inet", "inet6", "inet6" },
        { seen["lo 127.0.0.1"], seen["v0 10.0.0.2"], seen["v1 10.0.0.3"], seen["lo ::1"],
          seen["v1 2001:db8::3"] })
      local v1 = assert(h:addrs{ dev = "v1" })
      for _, a in ipairs(v1) do assert.equal("v1", a.ifname) end
      local v4 = assert(h:addrs{ dev = "v1", family = "inet" })
      assert.equal(1, #v4)
      assert.equal("10.0.0.3", v4[1]["local"])
      -- the same numbers as ip's own filters (read again, 5 s at most, while the veths'
      -- IPv6 link-local addresses are still arriving between the two reads)
      local n, v6
      for _ = 1, 50 do
        v6 = assert(h:addrs{ family = "inet6" })
        n = 0
        for _, l in ipairs(testing.ip_json("-6 addr show", sb.ns)) do n = n + #l.addr_info end
        if n == #v6 then break end
        plumb.core.sleep(0.1)
      end
      for _, a in ipairs(v6) do assert.equal("inet6", a.family) end
      assert.equal(n, #v6)
      same_as_ip(sb, "v1")
      same_as_ip(sb, "lo")
    end)

    it("rejects unknown filters and reports an absent device", function()
      local sb <close> = testing.sandbox()
      assert.has_error(function() sb.h:addrs{ device = "lo" } end,
        'addrs: unknown option "device"')
      assert.has_error(function() sb.h:addrs{ family = "ipx" } end,
        'addrs: family: expected "inet" or "inet6", got "ipx"')
      local ok, err, code = sb.h:addrs{ dev = "nope0" }
      assert.is_nil(ok)
      assert.equal('addrs: dev nope0: No such device', err)
      assert.equal(19, code)
    end)
  end)

  describe("addr_ensure()", function()
    it("creates, then finds unchanged, then changes what is named", function()
      local sb <close> = testing.sandbox()
      veth(sb)
      local h = sb.h
      assert.equal("created", h:addr_ensure("v0", "10.0.0.2/24"))
      assert.equal("unchanged", h:addr_ensure("v0", "10.0.0.2/24"))
      assert.equal("changed", h:addr_ensure("v0", "10.0.0.2/24", { metric = 7 }))
      assert.equal("unchanged", h:addr_ensure("v0", "10.0.0.2/24", { metric = 7 }))
      assert.equal(7, find(h, "v0", "10.0.0.2").metric)
      -- scope, label and broadcast take re-adding an IPv4 address: options not named stay
      assert.equal("changed", h:addr_ensure("v0", "10.0.0.2/24", { label = "v0:a",
                                                                   broadcast = "+" }))
      local a = find(h, "v0", "10.0.0.2")
      assert.same({ "v0:a", "10.0.0.255", 7 }, { a.label, a.broadcast, a.metric })
      assert.equal("unchanged", h:addr_ensure("v0", "10.0.0.2/24", { label = "v0:a",
                                                                     broadcast = "+",
                                                                     scope = "global" }))
      assert.equal("changed", h:addr_ensure("v0", "10.0.0.2/24", { noprefixroute = true }))
      assert.same({ true, "v0:a" }, { find(h, "v0", "10.0.0.2").noprefixroute,
                                      find(h, "v0", "10.0.0.2").label })
      assert.equal("unchanged", h:addr_ensure("v0", "10.0.0.2/24", { valid_lft = "forever" }))
      assert.equal("changed", h:addr_ensure("v0", "10.0.0.2/24", { valid_lft = 900 }))
      assert.is_true(find(h, "v0", "10.0.0.2").dynamic)
      same_as_ip(sb, "v0")
    end)

    it("works for IPv6, keeping the flags it is not told about", function()
      local sb <close> = testing.sandbox()
      veth(sb)
      local h = sb.h
      assert.equal("created", h:addr_ensure("v0", "2001:db8::2/64", { nodad = true }))
      assert.equal("unchanged", h:addr_ensure("v0", "2001:db8::2/64", { nodad = true }))
      assert.equal("unchanged", h:addr_ensure("v0", "2001:0db8:0::0002/64"))
      assert.equal("changed", h:addr_ensure("v0", "2001:db8::2/64", { noprefixroute = true }))
      local a = find(h, "v0", "2001:db8::2")
      assert.same({ true, true }, { a.nodad, a.noprefixroute })
      assert.is_nil(a.tentative)
      assert.equal("changed", h:addr_ensure("v0", "2001:db8::2/64", { noprefixroute = false }))
      assert.is_nil(find(h, "v0", "2001:db8::2").noprefixroute)
      same_as_ip(sb, "v0")
    end)

    it("fails, touching nothing, where the live address cannot be made to match", function()
      local sb <close> = testing.sandbox()
      veth(sb)
      local h = sb.h
      assert.is_true(h:addr_add("v0", "10.0.0.2/24"))
      assert.is_true(h:addr_add("v0", "10.0.0.3/24"))
      local ok, err, code = h:addr_ensure("v0", "10.0.0.2/16")
      assert.is_nil(ok)
      assert.equal("addr_ensure v0 10.0.0.2/16: the device has 10.0.0.2/24, with another "
                   .. "prefix length", err)
      assert.equal(17, code)
      -- re-adding a primary address would take its secondaries with it
      ok, err, code = h:addr_ensure("v0", "10.0.0.2/24", { label = "v0:x" })
      assert.is_nil(ok)
      assert.matches("secondary addresses %(10%.0%.0%.3/24%)", err)
      assert.equal(16, code)	-- EBUSY
      assert.equal("v0", find(h, "v0", "10.0.0.2").label)
      -- a secondary itself can be re-added
      assert.equal("changed", h:addr_ensure("v0", "10.0.0.3/24", { label = "v0:y" }))
      assert.equal("v0:y", find(h, "v0", "10.0.0.3").label)
      assert.equal(2, #assert(h:addrs{ dev = "v0", family = "inet" }))
    end)

    it("rejects bad arguments and reports an absent device", function()
      local sb <close> = testing.sandbox()
      assert.has_error(function() sb.h:addr_ensure("lo", "10.0.0.2/24", { metirc = 1 }) end,
        'addr_ensure: unknown option "metirc"')
      assert.has_error(function() sb.h:addr_ensure("lo", "::1/200") end,
        'addr_ensure: prefix: bad prefix length in "::1/200" (0..128)')
      local ok, err, code = sb.h:addr_ensure("nope0", "10.0.0.2/24")
      assert.is_nil(ok)
      assert.equal('addr_ensure nope0 10.0.0.2/24: dev nope0: No such device', err)
      assert.equal(19, code)
    end)
  end)
end)
