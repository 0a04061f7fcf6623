-- link_ensure: "created" | "changed" | "unchanged", or a refusal that touches nothing.
local plumb = require "plumb"
local core = require "plumb.core"
local testing = require "plumb.testing"
local support = require "support"

local EEXIST, ENODEV, EOPNOTSUPP = 17, 19, 95

-- `ip -j -d link show dev NAME` in `ns`, for before/after comparisons.
local function ip_link(ns, name)
  return testing.ip_json("-d link show dev " .. name, ns)[1]
end

-- ip's record of `name` against plumb's, field by field (but running timers).
local function same_as_ip(h, ns, name)
  return support.diff(support.without_timers(ip_link(ns, name)), assert(h:link_get(name)))
end

local function has_flag(rec, flag)
  for _, f in ipairs(rec.flags) do
    if f == flag then return true end
  end
  return false
end

describe("link_ensure()", function()
  testing.leakcheck()

  describe("names", function()
    it("come from the core's descriptor tables", function()
      local link = core.link_fields("link")
      assert.equal("txqlen", link.txqueuelen.out)
      assert.equal("ifalias", link.alias.out)
      assert.equal("ifname", link.name.out)
      assert.equal("ifindex", link.master.type)
      assert.is_true(link.link.fixed)
      local br = core.link_fields("bridge")
      assert.same({ out = "stp_state", type = "u32", boolin = true }, br.stp)
      assert.equal(0x8100, br.vlan_protocol.enum["802.1Q"])
      assert.is_nil(br.bridge_id)   -- read only: not an option
      assert.is_true(core.link_fields("vxlan").id.fixed)
      assert.equal("port", core.link_fields("vxlan").dstport.out)
      assert.same({ out = "hairpin", type = "u8", boolin = true, boolout = true },
        core.link_fields("bridge_port").hairpin)
      assert.same({}, core.link_fields("veth"))
      assert.equal("bridge", core.port_keys().bridge_port)
      assert.has_error(function() core.link_fields("nosuch") end,
        'link_fields: unknown link kind or port key "nosuch"')
    end)
  end)

  describe("an absent link", function()
    it("is created, then left unchanged", function()
      local sb <close> = testing.sandbox()
      local h = sb.h
      local want = { name = "br0", kind = "bridge", up = true, mtu = 1400,
                     bridge = { stp = false, forward_delay = 400 } }
      assert.equal("created", h:link_ensure(want))
      assert.equal("unchanged", h:link_ensure(want))
      assert.equal("unchanged", h:link_ensure{ name = "br0", kind = "bridge" })
      local l = assert(h:link_get("br0"))
      assert.equal(1400, l.mtu)
      assert.is_true(has_flag(l, "UP"))
      assert.equal(400, l.linkinfo.info_data.forward_delay)
      assert.same({}, same_as_ip(h, sb.ns, "br0"))
    end)

    it("is created with its port options, and removed again when they fail", function()
      local sb <close> = testing.sandbox()
      local h = sb.h
      assert(h:link_add{ name = "br0", kind = "bridge" })
      assert.equal("created", h:link_ensure{ name = "v0", kind = "veth", master = "br0",
        peer = { name = "v0p" }, bridge_port = { hairpin = true } })
      assert.is_true(h:link_get("v0").linkinfo.info_slave_data.hairpin)
      local ok, err, code = h:link_ensure{ name = "v1", kind = "veth", peer = { name = "v1p" },
                                           bridge_port = { hairpin = true } }
      assert.is_nil(ok)
      assert.equal("link_ensure v1: bridge_port: not a port of a bridge", err)
      assert.equal(EOPNOTSUPP, code)
      assert.is_nil((h:link_get("v1")))
      assert.is_nil((h:link_get("v1p")))
    end)

    it("passes the kernel's and the lookups' failures through", function()
      local sb <close> = testing.sandbox()
      local ok, err, code = sb.h:link_ensure{ name = "v0", kind = "veth", master = "nope" }
      assert.is_nil(ok)
      assert.equal('link_ensure v0: master nope: No such device', err)
      assert.equal(ENODEV, code)
      assert.is_nil((sb.h:link_get("v0")))
    end)
  end)

  describe("an existing link", function()
    it("gets the named fields that differ, and no others", function()
      local sb <close> = testing.sandbox()
      local h = sb.h
      assert(h:link_add{ name = "v0", kind = "veth", peer = { name = "v0p" }, alias = "keep" })
      local status, changed = h:link_ensure{ name = "v0", kind = "veth", up = true, mtu = 1300,
        txqueuelen = 50, address = "2:0:0:0:0:A1" }
      assert.equal("changed", status)
      assert.same({ "address", "mtu", "txqueuelen", "up" }, changed)
      local l = assert(h:link_get("v0"))
      assert.same({ 1300, 50, "02:00:00:00:00:a1", "keep" },
        { l.mtu, l.txqlen, l.address, l.ifalias })
      assert.is_true(has_flag(l, "UP"))
      assert.equal("unchanged", h:link_ensure{ name = "v0", kind = "veth", up = true, mtu = 1300,
        txqueuelen = 50, address = "02:00:00:00:00:A1", alias = "keep" })
      status, changed = h:link_ensure{ name = "v0", kind = "veth", alias = "new", up = true }
      assert.equal("changed", status)
      assert.same({ "alias" }, changed)
      assert.equal("new", h:link_get("v0").ifalias)
      assert.same({}, same_as_ip(h, sb.ns, "v0"))
    end)

    it("gets kind options that differ, in whatever form they are given", function()
      local sb <close> = testing.sandbox()
      local h = sb.h
      assert(h:link_add{ name = "br0", kind = "bridge", bridge = { stp = false } })
      local status, changed = h:link_ensure{ name = "br0", kind = "bridge",
        bridge = { stp = true, group_fwd_mask = 0, ageing_time = 20000, mcast_snooping = true } }
      assert.equal("changed", status)
      assert.same({ "bridge.ageing_time", "bridge.stp" }, changed)
      local d = ip_link(sb.ns, "br0").linkinfo.info_data
      assert.same({ 1, 20000 }, { d.stp_state, d.ageing_time })
      assert.equal("unchanged", h:link_ensure{ name = "br0", kind = "bridge",
        bridge = { stp = 1, group_fwd_mask = 0, ageing_time = 20000, mcast_snooping = 1 } })
      assert.equal("changed", (h:link_ensure{ name = "br0", kind = "bridge",
        bridge = { group_fwd_mask = 8 } }))
      assert.equal("0x8", ip_link(sb.ns, "br0").linkinfo.info_data.group_fwd_mask)
      assert.same({}, same_as_ip(h, sb.ns, "br0"))
    end)

    it("joins, leaves and configures a bridge as a port", function()
      local sb <close> = testing.sandbox()
      local h = sb.h
      assert(h:link_add{ name = "br0", kind = "bridge" })
      assert(h:link_add{ name = "v0", kind = "veth", peer = { name = "v0p" } })
      local status, changed = h:link_ensure{ name = "v0", kind = "veth", master = "br0",
        bridge_port = { hairpin = true, learning = true } }
      assert.equal("changed", status)
      assert.same({ "bridge_port.hairpin", "bridge_port.learning", "master" }, changed)
      assert.equal("unchanged", h:link_ensure{ name = "v0", kind = "veth", master = "br0",
        bridge_port = { hairpin = true, learning = true } })
      status, changed = h:link_ensure{ name = "v0", kind = "veth",
        bridge_port = { isolated = true, hairpin = true } }
      assert.same({ "changed", { "bridge_port.isolated" } }, { status, changed })
      assert.same({}, same_as_ip(h, sb.ns, "v0"))
      assert.same({ "changed", { "nomaster" } },
        { h:link_ensure{ name = "v0", kind = "veth", nomaster = true } })
      assert.is_nil(h:link_get("v0").master)
      assert.equal("unchanged", h:link_ensure{ name = "v0", kind = "veth", nomaster = true })
      assert.equal("created", h:link_ensure{ name = "v5", kind = "veth", nomaster = true })
    end)

    it("checks a veth's peer, here and in another namespace", function()
      local sb <close> = testing.sandbox()
      local h = sb.h
      local c1 = sb:netns("c")
      local c2 = sb:netns("c")
      local want = { name = "v0", kind = "veth", peer = { name = "eth0", netns = c1 } }
      assert.equal("created", h:link_ensure(want))
      assert.equal("unchanged", h:link_ensure(want))
      local ok, err, code = h:link_ensure{ name = "v0", kind = "veth",
                                           peer = { name = "eth0", netns = c2 } }
      assert.is_nil(ok)
      assert.equal(('link_ensure v0: peer is not "eth0" in "%s"'):format(c2), err)
      assert.equal(EEXIST, code)
      ok, err = h:link_ensure{ name = "v0", kind = "veth", peer = { name = "eth0" } }
      assert.is_nil(ok)
      assert.equal("link_ensure v0: peer is in another namespace", err)
      assert(h:link_add{ name = "v1", kind = "veth", peer = { name = "v1p" } })
      assert.equal("unchanged",
        h:link_ensure{ name = "v1", kind = "veth", peer = { name = "v1p" } })
      ok, err, code = h:link_ensure{ name = "v1", kind = "veth", peer = { name = "v9" },
                                     mtu = 1000 }
      assert.is_nil(ok)
      assert.equal('link_ensure v1: peer is "v1p", not "v9"', err)
      assert.equal(EEXIST, code)
      assert.equal(1500, h:link_get("v1").mtu)
    end)
  end)

  describe("a link that cannot be made to match", function()
    it("is refused when it is of another kind, and left as it was", function()
      local sb <close> = testing.sandbox()
      local h = sb.h
      assert(h:link_add{ name = "br0", kind = "veth", peer = { name = "p0" } })
      local before = ip_link(sb.ns, "br0")
      local ok, err, code = h:link_ensure{ name = "br0", kind = "bridge", up = true, mtu = 1000 }
      assert.is_nil(ok)
      assert.equal("link_ensure br0: exists as a veth, not a bridge", err)
      assert.equal(EEXIST, code)
      assert.same(before, ip_link(sb.ns, "br0"))
      ok, err, code = h:link_ensure{ name = "lo", kind = "bridge" }
      assert.is_nil(ok)
      assert.equal("link_ensure lo: exists and is not a bridge (a device of no kind: physical"
        .. " or loopback)", err)
      assert.equal(EEXIST, code)
      ok, err = h:link_ensure{ name = "br0", kind = "ipvlan" }
      assert.is_nil(ok)
      assert.equal("link_ensure br0: exists as a veth, not an ipvlan", err)
    end)

    it("is refused when an option fixed at creation differs", function()
      if not testing.need_kind("vxlan", pending) then return end
      local sb <close> = testing.sandbox()
      local h = sb.h
      assert(h:link_add{ name = "vx0", kind = "vxlan", vxlan = { id = 42, dstport = 4789 } })
      local before = ip_link(sb.ns, "vx0")
      local ok, err, code = h:link_ensure{ name = "vx0", kind = "vxlan", mtu = 1400,
                                           vxlan = { id = 43, ttl = 9 } }
      assert.is_nil(ok)
      assert.equal("link_ensure vx0: vxlan.id is 42, not 43 (set at creation only)", err)
      assert.equal(EEXIST, code)
      assert.same(before, ip_link(sb.ns, "vx0"))
      assert.same({ "changed", { "vxlan.ttl" } },
        { h:link_ensure{ name = "vx0", kind = "vxlan", vxlan = { id = 42, ttl = 9 } } })
    end)

    it("is refused when its parent differs", function()
      if not testing.need_kind("macvlan", pending) then return end
      local sb <close> = testing.sandbox()
      local h = sb.h
      assert(h:link_add{ name = "v0", kind = "veth", peer = { name = "v0p" } })
      assert(h:link_add{ name = "v1", kind = "veth", peer = { name = "v1p" } })
      assert(h:link_add{ name = "mv0", kind = "macvlan", link = "v0" })
      assert.equal("unchanged", h:link_ensure{ name = "mv0", kind = "macvlan", link = "v0" })
      assert.equal("unchanged", h:link_ensure{ name = "mv0", kind = "macvlan",
                                               link = h:ifindex("v0") })
      local ok, err, code = h:link_ensure{ name = "mv0", kind = "macvlan", link = "v1" }
      assert.is_nil(ok)
      assert.equal('link_ensure mv0: link is "v0", not "v1" (set at creation only)', err)
      assert.equal(EEXIST, code)
      assert.same({ "changed", { "macvlan.mode" } },
        { h:link_ensure{ name = "mv0", kind = "macvlan", link = "v0",
                         macvlan = { mode = "private" } } })
      assert.equal("private", h:link_get("mv0").linkinfo.info_data.mode)
      assert.equal("unchanged", h:link_ensure{ name = "mv0", kind = "macvlan",
                                               macvlan = { mode = 1 } })   -- MACVLAN_MODE_PRIVATE
    end)

    it("is refused when a VLAN's id differs (the kernel would ignore the change)", function()
      if not testing.need_kind("vlan", pending) then return end
      local sb <close> = testing.sandbox()
      local h = sb.h
      assert(h:link_add{ name = "v0", kind = "veth", peer = { name = "v0p" } })
      assert.equal("created", h:link_ensure{ name = "v0.10", kind = "vlan", link = "v0",
                                             vlan = { id = 10 } })
      local ok, err, code = h:link_ensure{ name = "v0.10", kind = "vlan", link = "v0",
                                           vlan = { id = 20 } }
      assert.is_nil(ok)
      assert.equal("link_ensure v0.10: vlan.id is 10, not 20 (set at creation only)", err)
      assert.equal(EEXIST, code)
      assert.equal("unchanged", h:link_ensure{ name = "v0.10", kind = "vlan",
                                               vlan = { id = 10, protocol = "802.1Q" } })
    end)
  end)

  describe("misuse", function()
    it("raises on unknown keys anywhere, even when nothing would change", function()
      local sb <close> = testing.sandbox()
      local h = sb.h
      assert(h:link_add{ name = "br0", kind = "bridge" })
      assert.has_error(function() h:link_ensure{ name = "br0", kind = "bridge", mut = 1 } end,
        'link_ensure: unknown option "mut"')
      assert.has_error(function()
        h:link_ensure{ name = "br0", kind = "bridge", bridge = { sttp = true } }
      end, 'link_ensure: bridge: unknown option "sttp"')
      assert.has_error(function()
        h:link_ensure{ name = "br0", kind = "bridge", bridge_port = { harpin = true } }
      end, 'link_ensure: bridge_port: unknown option "harpin"')
      assert.has_error(function()
        h:link_ensure{ name = "br0", kind = "bridge", vxlan = { id = 1 } }
      end, 'link_ensure: unknown option "vxlan"')
      assert.has_error(function()
        h:link_ensure{ name = "v0", kind = "veth", peer = { nmae = "x" } }
      end, 'link_ensure: peer: unknown option "nmae"')
      assert.has_error(function() h:link_ensure{ name = "br0", kind = "bridge", peer = {} } end,
        'link_ensure: unknown option "peer"')
    end)

    it("raises on missing or bad names, kinds and tables", function()
      local sb <close> = testing.sandbox()
      local h = sb.h
      assert.has_error(function() h:link_ensure("br0") end,
        "link_ensure: expected an option table, got string")
      assert.has_error(function() h:link_ensure{ kind = "bridge" } end,
        "link_ensure: name: expected an interface name, got nil")
      assert.has_error(function() h:link_ensure{ name = "br0" } end,
        "link_ensure: kind: expected a link kind name, got nil")
      assert.has_error(function() h:link_ensure{ name = "br0", kind = "brigde" } end,
        'link_ensure: kind: unknown link kind "brigde"')
      assert.has_error(function() h:link_ensure{ name = "br0", kind = "bridge", bridge = 1 } end,
        "link_ensure: bridge: expected a table of bridge options")
      assert.has_error(function() h:link_ensure{ name = "v0", kind = "veth", netns = "x" } end,
        "link_ensure: netns: not supported (open a handle in that namespace and ensure the "
        .. "link there)")
      assert.has_error(function() h:link_ensure{ name = "br0", kind = "bridge", mtu = "big" } end,
        "link_ensure: mtu: expected an integer, got string")
    end)
  end)

  it("is a module function too", function()
    local sb <close> = testing.sandbox()
    local function ensure()
      return plumb.link_ensure{ name = "br0", kind = "bridge" }
    end
    assert.equal("created", plumb.netns.run(sb.ns, ensure))
    assert.equal("unchanged", plumb.netns.run(sb.ns, ensure))
    assert.is_table(sb.h:link_get("br0"))
  end)
end)
