-- Bridge forwarding database: fdb_add, fdb_append, fdb_replace, fdb_del, fdbs, checked
-- against `bridge -j fdb show` field by field.
local plumb = require "plumb"
local testing = require "plumb.testing"
local support = require "support"

local ENOENT, ENODEV, EEXIST, EOPNOTSUPP = 2, 19, 17, 95

local function bridge_json(ns, args)
  return testing.json_decode(testing.sh("bridge -n " .. ns .. " -j " .. args))
end

-- An entry's identity: what tells two entries of a dump apart.
local function key(r)
  return table.concat({ r.mac or "", r.ifname or "", r.dst or "", tostring(r.vlan),
                        tostring(r.vni), tostring(r.port), table.concat(r.flags or {}, ",") }, "|")
end

-- The entry of list `l` with `mac` (and `dst`) on `ifname` for `vlan` (nil: none), or nil.
-- (A kernel with bridge VLAN support also adds an entry given no VLAN to each VLAN of the
-- port: VLAN 1 of a port of a bridge that does not filter.)
local function find(l, mac, ifname, dst, vlan)
  for _, r in ipairs(l) do
    if r.mac == mac and r.ifname == ifname and (dst == nil or r.dst == dst) and
      r.vlan == vlan then
      return r
    end
  end
end

-- Every entry bridge prints is in plumb's list with the same fields, and no more; the two
-- lists have the same length.
local function same_as_bridge(want, got)
  local byk, diffs = {}, {}
  for _, r in ipairs(got) do byk[key(r)] = r end
  for _, r in ipairs(want) do
    local g = byk[key(r)]
    if not g then
      diffs[#diffs + 1] = key(r) .. ": missing from plumb"
    else
      for _, d in ipairs(support.diff(r, g)) do diffs[#diffs + 1] = key(r) .. d end
      for _, d in ipairs(support.diff(g, r)) do diffs[#diffs + 1] = key(r) .. " (plumb)" .. d end
    end
  end
  if #want ~= #got then
    diffs[#diffs + 1] = ("bridge lists %d entries, plumb %d"):format(#want, #got)
  end
  return diffs
end

-- br0 (up) with port v0 (up, its peer v0p up): the port forwards, so dynamic entries may be
-- added; it does not learn, so that no entry comes or goes between two listings.
local function bridge_with_port(h)
  assert(h:link_add{ name = "br0", kind = "bridge", up = true })
  assert(h:link_add{ name = "v0", kind = "veth", master = "br0", up = true,
                     peer = { name = "v0p", up = true } })
  assert(h:link_set("v0", { bridge_port = { learning = false } }))
end

-- same_as_bridge for `bridge fdb show ARGS` and plumb's list(), taken again (a bounded
-- number of times) while a device's own multicast list may still be settling.
local function settled(ns, args, list)
  local diffs
  for _ = 1, 3 do
    diffs = same_as_bridge(bridge_json(ns, args), assert(list()))
    if #diffs == 0 then break end
  end
  return diffs
end

describe("bridge fdb", function()
  testing.leakcheck()

  describe("fdb_add()", function()
    it("adds entries on a bridge port (master) in every state, listed as bridge lists them",
      function()
      local sb <close> = testing.sandbox()
      local h = sb.h
      bridge_with_port(h)
      assert.is_true(h:fdb_add{ dev = "v0", lladdr = "02:00:00:00:00:01", master = true,
                                static = true })
      assert.is_true(h:fdb_add{ dev = "v0", lladdr = "02:00:00:00:00:02", master = true,
                                permanent = true })
      assert.is_true(h:fdb_add{ dev = "v0", lladdr = "02:00:00:00:00:03", master = true,
                                dynamic = true })
      assert.is_true(h:fdb_add{ dev = "v0", lladdr = "02:00:00:00:00:04", master = true,
                                state = "static", sticky = true })
      assert.is_true(h:fdb_add{ dev = "v0", lladdr = "02:00:00:00:00:05", master = true,
                                static = true, extern_learn = true })
      assert.same({}, settled(sb.ns, "fdb show", function() return h:fdbs() end))
      local got = assert(h:fdbs())
      local e = find(got, "02:00:00:00:00:01", "v0")
      assert.same({ mac = "02:00:00:00:00:01", ifname = "v0", master = "br0", flags = {},
                    state = "static" }, e)
      assert.equal("permanent", find(got, "02:00:00:00:00:02", "v0").state)
      assert.equal("", find(got, "02:00:00:00:00:03", "v0").state)
      assert.same({ "sticky" }, find(got, "02:00:00:00:00:04", "v0").flags)
      assert.same({ "extern_learn" }, find(got, "02:00:00:00:00:05", "v0").flags)
    end)

    it("adds self entries, self and permanent by default as bridge does", function()
      local sb <close> = testing.sandbox()
      bridge_with_port(sb.h)
      assert.is_true(sb.h:fdb_add{ dev = "v0", lladdr = "02:00:00:00:00:11" })
      assert.is_true(sb.h:fdb_add{ dev = "v0", lladdr = "33:33:00:00:00:12", self = true })
      -- a device's own list holds local (permanent) addresses only
      local ok, err, code = sb.h:fdb_add{ dev = "v0", lladdr = "02:00:00:00:00:12", self = true,
                                          static = true }
      assert.is_nil(ok)
      assert.equal("fdb_add 02:00:00:00:00:12 dev v0: Invalid argument", err)
      assert.equal(22, code)
      local got = assert(sb.h:fdbs{ dev = "v0" })
      assert.same({ mac = "02:00:00:00:00:11", ifname = "v0", flags = { "self" },
                    state = "permanent" }, find(got, "02:00:00:00:00:11", "v0"))
      assert.same({ "self" }, find(got, "33:33:00:00:00:12", "v0").flags)
      assert.same({}, settled(sb.ns, "fdb show", function() return sb.h:fdbs() end))
    end)

    it("adds vxlan remotes: several for the all-zeros MAC with fdb_append, one per MAC",
      function()
      if not testing.need_kind("vxlan", pending) then return end
      local sb <close> = testing.sandbox()
      local h = sb.h
      assert(h:link_add{ name = "vx0", kind = "vxlan", vxlan = { id = 42, dstport = 4789 } })
      local zero = "00:00:00:00:00:00"
      assert.is_true(h:fdb_append{ dev = "vx0", lladdr = zero, dst = "192.0.2.3" })
      assert.is_true(h:fdb_append{ dev = "vx0", lladdr = zero, dst = "192.0.2.4", vni = 100,
                                   port = 4790 })
      assert.is_true(h:fdb_add{ dev = "vx0", lladdr = "02:00:00:00:00:21", dst = "192.0.2.5",
                                self = true, permanent = true })
      local got = assert(h:fdbs{ dev = "vx0" })
      assert.equal(3, #got)
      assert.same({ mac = zero, ifname = "vx0", dst = "192.0.2.4", vni = 100, port = 4790,
                    flags = { "self" }, state = "permanent" }, find(got, zero, "vx0", "192.0.2.4"))
      assert.same({}, settled(sb.ns, "fdb show", function() return h:fdbs() end))
      -- add (not append) of a second remote for the same MAC: the entry exists
      local ok, err, code = h:fdb_add{ dev = "vx0", lladdr = zero, dst = "192.0.2.6" }
      assert.is_nil(ok)
      assert.equal("fdb_add 00:00:00:00:00:00 dev vx0: File exists", err)
      assert.equal(EEXIST, code)
    end)

    it("returns nil, message, EEXIST for an entry that exists; fdb_replace changes it",
      function()
      local sb <close> = testing.sandbox()
      bridge_with_port(sb.h)
      local e = { dev = "v0", lladdr = "02:00:00:00:00:31", master = true, static = true }
      assert.is_true(sb.h:fdb_add(e))
      local ok, err, code = sb.h:fdb_add(e)
      assert.is_nil(ok)
      assert.equal("fdb_add 02:00:00:00:00:31 dev v0: File exists", err)
      assert.equal(EEXIST, code)
      assert.is_true(sb.h:fdb_replace{ dev = "v0", lladdr = "02:00:00:00:00:31", master = true,
                                       permanent = true })
      local got = assert(sb.h:fdbs{ dev = "v0" })
      assert.equal("permanent", find(got, "02:00:00:00:00:31", "v0").state)
      assert.same({}, settled(sb.ns, "fdb show", function() return sb.h:fdbs() end))
    end)

    it("adds an entry for one VLAN of a VLAN-filtering bridge", function()
      local ok, why = testing.kernel_has("bridge_vlan_filtering")
      if not ok then
        pending("kernel lacks bridge VLAN filtering: " ..
          why:gsub("^kernel lacks bridge_vlan_filtering: ", ""))
      end
      local sb <close> = testing.sandbox()
      local h = sb.h
      assert(h:link_add{ name = "br0", kind = "bridge", bridge = { vlan_filtering = true } })
      assert(h:link_add{ name = "v0", kind = "veth", master = "br0", peer = { name = "v0p" } })
      assert(h:vlan_add{ dev = "v0", vid = 10 })
      assert.is_true(h:fdb_add{ dev = "v0", lladdr = "02:00:00:00:00:41", master = true,
                                static = true, vlan = 10 })
      local got = assert(h:fdbs{ vlan = 10 })
      assert.same({ mac = "02:00:00:00:00:41", ifname = "v0", vlan = 10, master = "br0",
                    flags = {}, state = "static" }, find(got, "02:00:00:00:00:41", "v0", nil, 10))
      for _, r in ipairs(got) do assert.equal(10, r.vlan) end
      assert.same({}, same_as_bridge(bridge_json(sb.ns, "fdb show vlan 10"), got))
      assert.is_true(h:fdb_del{ dev = "v0", lladdr = "02:00:00:00:00:41", master = true,
                                vlan = 10 })
      assert.is_nil(find(assert(h:fdbs{ vlan = 10 }), "02:00:00:00:00:41", "v0", nil, 10))
    end)

    it("reports the kernel's refusals", function()
      local sb <close> = testing.sandbox()
      bridge_with_port(sb.h)
      -- master on a device that is no bridge port
      local ok, err, code = sb.h:fdb_add{ dev = "v0p", lladdr = "02:00:00:00:00:51",
                                          master = true }
      assert.is_nil(ok)
      assert.matches("^fdb_add 02:00:00:00:00:51 dev v0p: ", err)
      assert.equal(EOPNOTSUPP, code)
      ok, err, code = sb.h:fdb_add{ dev = "nope", lladdr = "02:00:00:00:00:51" }
      assert.is_nil(ok)
      assert.equal('fdb_add: dev nope: No such device', err)
      assert.equal(ENODEV, code)
    end)
  end)

  describe("fdb_del()", function()
    it("deletes bridge port entries, self entries and one vxlan remote", function()
      local sb <close> = testing.sandbox()
      local h = sb.h
      bridge_with_port(h)
      assert(h:fdb_add{ dev = "v0", lladdr = "02:00:00:00:00:61", master = true, static = true })
      assert(h:fdb_add{ dev = "v0", lladdr = "02:00:00:00:00:62" })
      assert.is_true(h:fdb_del{ dev = "v0", lladdr = "02:00:00:00:00:61", master = true })
      assert.is_true(h:fdb_del{ dev = "v0", lladdr = "02:00:00:00:00:62", self = true })
      local got = assert(h:fdbs{ dev = "v0" })
      assert.is_nil(find(got, "02:00:00:00:00:61", "v0"))
      assert.is_nil(find(got, "02:00:00:00:00:62", "v0"))
      if testing.kernel_has("vxlan") then
        local zero = "00:00:00:00:00:00"
        assert(h:link_add{ name = "vx0", kind = "vxlan", vxlan = { id = 42, dstport = 4789 } })
        assert(h:fdb_append{ dev = "vx0", lladdr = zero, dst = "192.0.2.3" })
        assert(h:fdb_append{ dev = "vx0", lladdr = zero, dst = "192.0.2.4" })
        assert.is_true(h:fdb_del{ dev = "vx0", lladdr = zero, dst = "192.0.2.3" })
        got = assert(h:fdbs{ dev = "vx0" })
        assert.equal(1, #got)
        assert.equal("192.0.2.4", got[1].dst)
      end
      assert.same({}, settled(sb.ns, "fdb show", function() return h:fdbs() end))
    end)

    it("returns nil, message, ENOENT for an absent entry", function()
      local sb <close> = testing.sandbox()
      bridge_with_port(sb.h)
      local ok, err, code = sb.h:fdb_del{ dev = "v0", lladdr = "02:00:00:00:00:69",
                                          master = true }
      assert.is_nil(ok)
      assert.equal("fdb_del 02:00:00:00:00:69 dev v0: No such file or directory", err)
      assert.equal(ENOENT, code)
    end)
  end)

  describe("fdbs()", function()
    it("filters by port and by bridge in the kernel, as bridge fdb show does", function()
      local sb <close> = testing.sandbox()
      local h = sb.h
      bridge_with_port(h)
      assert(h:link_add{ name = "br1", kind = "bridge" })
      assert(h:link_add{ name = "v1", kind = "veth", master = "br1", peer = { name = "v1p" } })
      assert(h:fdb_add{ dev = "v0", lladdr = "02:00:00:00:00:71", master = true, static = true })
      assert(h:fdb_add{ dev = "v1", lladdr = "02:00:00:00:00:72", master = true, static = true })
      assert.same({}, settled(sb.ns, "fdb show br br0", function() return h:fdbs{ br = "br0" } end))
      local br0 = assert(h:fdbs{ br = "br0" })
      assert.truthy(find(br0, "02:00:00:00:00:71", "v0"))
      assert.is_nil(find(br0, "02:00:00:00:00:72", "v1"))
      -- `bridge fdb show brport DEV` leaves the device's name out of its records
      local v1 = assert(h:fdbs{ dev = "v1" })
      local want = bridge_json(sb.ns, "fdb show brport v1")
      for _, r in ipairs(want) do r.ifname = "v1" end
      assert.same({}, same_as_bridge(want, v1))
      for _, r in ipairs(v1) do assert.equal("v1", r.ifname) end
      assert.same(v1, assert(h:fdbs{ dev = h:ifindex("v1") }))
      local by_index = assert(h:fdbs{ br = h:ifindex("br0") })
      assert.truthy(find(by_index, "02:00:00:00:00:71", "v0"))
      assert.is_nil(find(by_index, "02:00:00:00:00:72", "v1"))
    end)

    it("returns nil, message, errno for an absent filter device", function()
      local sb <close> = testing.sandbox()
      local ok, err, code = sb.h:fdbs{ br = "nope" }
      assert.is_nil(ok)
      assert.equal('fdbs: br nope: No such device', err)
      assert.equal(ENODEV, code)
    end)

    it("is a module function too", function()
      local sb <close> = testing.sandbox()
      -- all down: no multicast list settles between the two listings
      assert(sb.h:link_add{ name = "br0", kind = "bridge" })
      assert(sb.h:link_add{ name = "v0", kind = "veth", master = "br0", peer = { name = "v0p" } })
      assert(sb.h:fdb_add{ dev = "v0", lladdr = "02:00:00:00:00:91", master = true, static = true })
      local got = plumb.netns.run(sb.ns, function() return plumb.fdbs{ br = "br0" } end)
      assert.same(assert(sb.h:fdbs{ br = "br0" }), got)
      assert.truthy(find(got, "02:00:00:00:00:91", "v0"))
    end)
  end)

  describe("misuse", function()
    local sb
    lazy_setup(function()
      sb = testing.sandbox()
      bridge_with_port(sb.h)
    end)
    lazy_teardown(function() sb:close() end)

    local function raises(msg, t, fn)
      assert.has_error(function() sb.h[fn or "fdb_add"](sb.h, t) end, msg)
    end

    it("raises on a missing or malformed MAC address", function()
      raises("fdb_add: lladdr: expected a MAC address, got nil", { dev = "v0" })
      raises('fdb_add: lladdr: malformed MAC address "zz:00:00:00:00:01"',
        { dev = "v0", lladdr = "zz:00:00:00:00:01" })
      raises('fdb_add: lladdr: malformed MAC address "02:00:00:00:00"',
        { dev = "v0", lladdr = "02:00:00:00:00" })
      raises('fdb_del: lladdr: malformed MAC address "02:00:00:00:00:00:01"',
        { dev = "v0", lladdr = "02:00:00:00:00:00:01" }, "fdb_del")
      raises("fdb_add: lladdr: expected a MAC address, got a non-string",
        { dev = "v0", lladdr = 2 })
    end)

    it("raises on unknown keys and wrong types", function()
      local mac = "02:00:00:00:00:81"
      raises('fdb_add: unknown option "mastr"', { dev = "v0", lladdr = mac, mastr = true })
      raises('fdb_append: unknown option "dest"', { dev = "v0", lladdr = mac, dest = "1.2.3.4" },
        "fdb_append")
      raises("fdb_add: master: expected a boolean", { dev = "v0", lladdr = mac, master = 1 })
      raises('fdb_add: dst: malformed IP address "192.0.2"',
        { dev = "v0", lladdr = mac, dst = "192.0.2" })
      raises("fdb_add: dev: required (a name or an ifindex)", { lladdr = mac })
      raises("fdb_add: vni: 16777216 out of range 0..16777215",
        { dev = "v0", lladdr = mac, vni = 1 << 24 })
      raises("fdb_add: vlan: 4095 out of range 1..4094", { dev = "v0", lladdr = mac, vlan = 4095 })
      raises("fdb_add: port: 65536 out of range 0..65535",
        { dev = "v0", lladdr = mac, port = 65536 })
      assert.has_error(function() sb.h:fdb_add("v0") end, "fdb_add: expected an option table, got string")
    end)

    it("raises on conflicting or unknown states", function()
      local mac = "02:00:00:00:00:82"
      raises("fdb_add: static: conflicts with permanent (give one state)",
        { dev = "v0", lladdr = mac, permanent = true, static = true })
      raises('fdb_add: state: "dynamic" conflicts with static = true',
        { dev = "v0", lladdr = mac, static = true, state = "dynamic" })
      raises('fdb_add: state: unknown state "reachable" (expected "permanent", "static" or '
        .. '"dynamic")', { dev = "v0", lladdr = mac, state = "reachable" })
    end)

    it("raises on bad filters", function()
      assert.has_error(function() sb.h:fdbs{ bridge = "br0" } end, 'fdbs: unknown option "bridge"')
      assert.has_error(function() sb.h:fdbs{ vlan = 0 } end, "fdbs: vlan: 0 out of range 1..4094")
      assert.has_error(function() sb.h:fdbs{ dev = true } end, "fdbs: dev: expected a name or an ifindex")
    end)
  end)
end)
