local testing = require "plumb.testing"
local support = require "support"

-- The record plumb gives for `name` must match `ip -j -d link show` field by field.
local function assert_same_as_ip(sb)
  assert.same({}, support.same_as_ip(sb.h, sb.ns))
end

local function info(h, name)
  local l = assert(h:link_get(name))
  return l.linkinfo and l.linkinfo.info_data or {}, l
end

describe("links", function()
  testing.leakcheck()

  describe("link_add()", function()
    it("creates a veth pair with peer options", function()
      local sb <close> = testing.sandbox()
      assert.is_true(sb.h:link_add{ name = "v0", kind = "veth", mtu = 1400, txqueuelen = 500,
                                    address = "02:00:00:00:00:01", alias = "outer",
                                    peer = { name = "v1", mtu = 1300, address = "02:00:00:00:00:02" } })
      local _, v0 = info(sb.h, "v0")
      local _, v1 = info(sb.h, "v1")
      assert.equal("veth", v0.linkinfo.info_kind)
      assert.equal(1400, v0.mtu)
      assert.equal(500, v0.txqlen)
      assert.equal("02:00:00:00:00:01", v0.address)
      assert.equal("outer", v0.ifalias)
      assert.equal("v1", v0.link)
      assert.equal(1300, v1.mtu)
      assert.equal("02:00:00:00:00:02", v1.address)
      assert.equal("v0", v1.link)
      assert_same_as_ip(sb)
    end)

    it("creates a veth whose peer is in another namespace, both up", function()
      local sb <close> = testing.sandbox()
      local c1, hc = sb:netns("c")
      assert(sb.h:link_add{ name = "veth-c1", kind = "veth", up = true,
                            peer = { name = "eth0", netns = c1, up = true } })
      local _, host = info(sb.h, "veth-c1")
      local _, inside = info(hc, "eth0")
      assert.is_number(host.link_netnsid)
      assert.equal(inside.ifindex, host.link_index)
      assert.is_nil(host.link)
      -- carrier is set at once; operstate follows asynchronously (linkwatch)
      for _, l in ipairs{ inside, host } do
        local set = {}
        for _, f in ipairs(l.flags) do set[f] = true end
        assert.is_true(set.UP and set.LOWER_UP, l.ifname)
      end
      assert.is_nil((sb.h:link_get("eth0")))
      assert_same_as_ip(sb)
      assert.same({}, support.same_as_ip(hc, c1))
    end)

    it("creates a link directly in another namespace", function()
      local sb <close> = testing.sandbox()
      local c1, hc = sb:netns("c")
      assert(sb.h:link_add{ name = "br9", kind = "bridge", netns = c1 })
      assert.is_nil((sb.h:link_get("br9")))
      assert.equal("bridge", select(2, info(hc, "br9")).linkinfo.info_kind)
      assert(sb.h:link_add{ name = "v0", kind = "veth", netns = "/run/netns/" .. c1,
                            peer = { name = "v1" } })
      assert.is_table(hc:link_get("v0"))
      assert.is_table(sb.h:link_get("v1"))
    end)

    it("sets the promiscuous flag at creation and later, like ip link set promisc on|off", function()
      local sb <close> = testing.sandbox()
      assert.is_true(sb.h:link_add{ name = "pb0", kind = "bridge", promisc = true })
      local ip = testing.ip_json("-d link show pb0", sb.ns)[1]
      assert.equal(1, ip.promiscuity)
      assert.truthy(table.concat(assert(sb.h:link_get("pb0")).flags, ","):find("PROMISC", 1, true))
      assert.is_true(sb.h:link_set("pb0", { promisc = false }))
      assert.equal(0, testing.ip_json("-d link show pb0", sb.ns)[1].promiscuity)
      assert.falsy(table.concat(assert(sb.h:link_get("pb0")).flags, ","):find("PROMISC", 1, true))
      assert.has_error(function() sb.h:link_set("pb0", { promisc = "on" }) end,
        "link_set: promisc: expected a boolean")
      assert_same_as_ip(sb)
    end)

    it("creates a bridge with options", function()
      local sb <close> = testing.sandbox()
      assert(sb.h:link_add{ name = "br0", kind = "bridge", up = true,
                            bridge = { stp = true, forward_delay = 400, ageing_time = 6000,
                                       mcast_snooping = false, hello_time = 300, priority = 100 } })
      local d, l = info(sb.h, "br0")
      assert.equal(1, d.stp_state)
      assert.equal(400, d.forward_delay)
      assert.equal(6000, d.ageing_time)
      assert.equal(0, d.mcast_snooping)
      assert.equal(300, d.hello_time)
      assert.equal(100, d.priority)
      assert.equal(0, d.vlan_filtering)
      assert.truthy(l.flags[1])
      assert_same_as_ip(sb)
    end)

    it("creates a VLAN-filtering bridge", function()
      if not testing.need_kind("bridge_vlan_filtering", pending) then return end
      local sb <close> = testing.sandbox()
      assert(sb.h:link_add{ name = "br0", kind = "bridge",
                            bridge = { vlan_filtering = true, vlan_protocol = "802.1ad",
                                       vlan_default_pvid = 7 } })
      local d = info(sb.h, "br0")
      assert.equal(1, d.vlan_filtering)
      assert.equal("802.1ad", d.vlan_protocol)
      assert.equal(7, d.vlan_default_pvid)
      assert_same_as_ip(sb)
    end)

    it("creates macvlans in every mode", function()
      local sb <close> = testing.sandbox()
      assert(sb.h:link_add{ name = "p0", kind = "veth", peer = { name = "p1" } })
      assert(sb.h:link_add{ name = "q0", kind = "veth", peer = { name = "q1" } })
      for i, mode in ipairs{ "private", "vepa", "bridge", "source" } do
        assert(sb.h:link_add{ name = "mv" .. i, kind = "macvlan", link = "p0",
                              macvlan = { mode = mode } })
        local d, l = info(sb.h, "mv" .. i)
        assert.equal(mode, d.mode)
        assert.equal("p0", l.link)
      end
      assert(sb.h:link_add{ name = "mvp", kind = "macvlan", link = "q0", macvlan = { mode = "passthru" } })
      assert.equal("passthru", (info(sb.h, "mvp")).mode)
      assert_same_as_ip(sb)
    end)

    it("creates ipvlans in every mode and flag", function()
      if not testing.need_kind("ipvlan", pending) then return end
      local sb <close> = testing.sandbox()
      assert(sb.h:link_add{ name = "p0", kind = "veth", peer = { name = "p1" } })
      local n = 0
      for _, mode in ipairs{ "l2", "l3", "l3s" } do
        for _, flag in ipairs{ "bridge", "private", "vepa" } do
          n = n + 1
          assert(sb.h:link_add{ name = "ipv" .. n, kind = "ipvlan", link = "p0",
                                ipvlan = { mode = mode, flags = flag } })
          local d, l = info(sb.h, "ipv" .. n)
          assert.equal(mode, d.mode)
          assert.is_true(d[flag])
          assert.equal("p0", l.link)
        end
      end
      assert_same_as_ip(sb)
    end)

    it("creates 802.1Q and 802.1ad vlans", function()
      if not testing.need_kind("vlan", pending) then return end
      local sb <close> = testing.sandbox()
      assert(sb.h:link_add{ name = "p0", kind = "veth", peer = { name = "p1" } })
      assert(sb.h:link_add{ name = "p0.10", kind = "vlan", link = "p0", vlan = { id = 10 } })
      assert(sb.h:link_add{ name = "p0.20", kind = "vlan", link = "p0",
                            vlan = { id = 20, protocol = "802.1ad" } })
      local d, l = info(sb.h, "p0.10")
      assert.equal(10, d.id)
      assert.equal("802.1Q", d.protocol)
      assert.equal("p0", l.link)
      assert.equal("802.1ad", (info(sb.h, "p0.20")).protocol)
      assert_same_as_ip(sb)
    end)

    it("creates vxlans: unicast remote, multicast group, local, dev, port, ttl, learning", function()
      local sb <close> = testing.sandbox()
      assert(sb.h:link_add{ name = "p0", kind = "veth", peer = { name = "p1" } })
      assert(sb.h:link_add{ name = "vx42", kind = "vxlan",
                            vxlan = { id = 42, remote = "192.0.2.2", ["local"] = "192.0.2.1",
                                      dstport = 4789, dev = "p0", ttl = 16, learning = false } })
      assert(sb.h:link_add{ name = "vx43", kind = "vxlan",
                            vxlan = { id = 43, group = "239.1.1.1", dev = "p0", dstport = 8472 } })
      assert(sb.h:link_add{ name = "vx6", kind = "vxlan",
                            vxlan = { id = 6, remote = "2001:db8::2", ["local"] = "2001:db8::1",
                                      dstport = 4789 } })
      local d = info(sb.h, "vx42")
      assert.equal(42, d.id)
      assert.equal("192.0.2.2", d.remote)
      assert.equal("192.0.2.1", d["local"])
      assert.equal(4789, d.port)
      assert.equal("p0", d.link)
      assert.equal(16, d.ttl)
      assert.is_false(d.learning)
      d = info(sb.h, "vx43")
      assert.equal("239.1.1.1", d.group)
      assert.is_nil(d.remote)
      assert.equal(8472, d.port)
      assert.is_true(d.learning)
      assert.equal("2001:db8::2", (info(sb.h, "vx6")).remote6)
      assert_same_as_ip(sb)
    end)

    for _, kind in ipairs{ "dummy", "vrf", "bond", "geneve", "wireguard" } do
      it("creates a " .. kind .. " link", function()
        if not testing.need_kind(kind, pending) then return end
        local sb <close> = testing.sandbox()
        local opts = {
          dummy = {}, wireguard = {},
          vrf = { vrf = { table = 10 } },
          bond = { bond = { mode = "active-backup", miimon = 100 } },
          geneve = { geneve = { id = 5, remote = "192.0.2.9", dstport = 6081 } },
        }
        local o = opts[kind]
        o.name, o.kind = "x0", kind
        assert(sb.h:link_add(o))
        local d, l = info(sb.h, "x0")
        assert.equal(kind, l.linkinfo.info_kind)
        if kind == "vrf" then assert.equal(10, d.table) end
        if kind == "bond" then
          assert.equal("active-backup", d.mode)
          assert.equal(100, d.miimon)
          assert(sb.h:link_add{ name = "s0", kind = "dummy", master = "x0" })
          assert.equal("x0", select(2, info(sb.h, "s0")).master)
          assert.equal("bond", select(2, info(sb.h, "s0")).linkinfo.info_slave_kind)
        end
        if kind == "geneve" then
          assert.equal(5, d.id)
          assert.equal("192.0.2.9", d.remote)
          assert.equal(6081, d.port)
        end
        assert_same_as_ip(sb)
      end)
    end

    it("reports the kernel's error for an existing name", function()
      local sb <close> = testing.sandbox()
      assert(sb.h:link_add{ name = "b0", kind = "bridge" })
      local ok, err, code = sb.h:link_add{ name = "b0", kind = "bridge" }
      assert.is_nil(ok)
      assert.equal("link_add b0: File exists", err)
      assert.equal(17, code)
    end)

    it("names the Lua field the kernel's extended ACK points at", function()
      local sb <close> = testing.sandbox()
      local ok, err, code = sb.h:link_add{ name = "vx", kind = "vxlan", vxlan = { id = 1 << 24 } }
      assert.is_nil(ok)
      assert.matches("^link_add vx: .*VNI.*%(vxlan%.id%)$", err:gsub("VXLAN ID", "VNI"))
      assert.equal(34, code)
      ok, err = sb.h:link_add{ name = "b", kind = "bridge", mtu = 10 }
      assert.is_nil(ok)
      assert.matches("^link_add b: ", err)
    end)
  end)

  describe("link_set()", function()
    it("sets up/down, mtu, address, txqueuelen, alias and name", function()
      local sb <close> = testing.sandbox()
      assert(sb.h:link_add{ name = "v0", kind = "veth", peer = { name = "v1" } })
      assert.is_true(sb.h:link_set("v0", { up = true, mtu = 9000, address = "02:aa:00:00:00:01",
                                           txqueuelen = 42, alias = "x" }))
      local _, l = info(sb.h, "v0")
      assert.equal(9000, l.mtu)
      assert.equal("02:aa:00:00:00:01", l.address)
      assert.equal(42, l.txqlen)
      assert.equal("x", l.ifalias)
      local up = false
      for _, f in ipairs(l.flags) do up = up or f == "UP" end
      assert.is_true(up)
      assert(sb.h:link_set(l.ifindex, { up = false }))
      assert(sb.h:link_set(l.ifindex, { name = "renamed" })) -- kernels before 6.x refuse to rename an up link
      _, l = info(sb.h, "renamed")
      for _, f in ipairs(l.flags) do assert.not_equal("UP", f) end
      assert.is_nil((sb.h:link_get("v0")))
      assert_same_as_ip(sb)
    end)

    it("sets and clears the master", function()
      local sb <close> = testing.sandbox()
      assert(sb.h:link_add{ name = "br0", kind = "bridge" })
      assert(sb.h:link_add{ name = "v0", kind = "veth", peer = { name = "v1" } })
      assert(sb.h:link_set("v0", { master = "br0" }))
      local _, l = info(sb.h, "v0")
      assert.equal("br0", l.master)
      assert.equal("bridge", l.linkinfo.info_slave_kind)
      assert.equal(1, #assert(sb.h:links{ master = "br0" }))
      assert(sb.h:link_set("v0", { nomaster = true }))
      _, l = info(sb.h, "v0")
      assert.is_nil(l.master)
      assert.equal(0, #assert(sb.h:links{ master = "br0" }))
    end)

    it("moves a link to another namespace", function()
      local sb <close> = testing.sandbox()
      local c1, hc = sb:netns("c")
      assert(sb.h:link_add{ name = "v0", kind = "veth", peer = { name = "v1" } })
      assert(sb.h:link_set("v1", { netns = c1, name = "eth0" }))
      assert.is_nil((sb.h:link_get("v1")))
      local _, l = info(hc, "eth0")
      assert.equal("veth", l.linkinfo.info_kind)
      assert.is_number(l.link_netnsid)
    end)

    it("changes kind options", function()
      local sb <close> = testing.sandbox()
      assert(sb.h:link_add{ name = "br0", kind = "bridge" })
      assert(sb.h:link_set("br0", { bridge = { stp = true, ageing_time = 1000 } }))
      local d = info(sb.h, "br0")
      assert.equal(1, d.stp_state)
      assert.equal(1000, d.ageing_time)
    end)

    it("reports an absent device", function()
      local sb <close> = testing.sandbox()
      local ok, err, code = sb.h:link_set("nope", { mtu = 1400 })
      assert.is_nil(ok)
      assert.equal("link_set nope: No such device", err)
      assert.equal(19, code)
      ok, err, code = sb.h:link_set("lo", { master = "nope" })
      assert.is_nil(ok)
      assert.equal("link_set lo: master nope: No such device", err)
      assert.equal(19, code)
    end)
  end)

  describe("link_del()", function()
    it("deletes by name and by ifindex", function()
      local sb <close> = testing.sandbox()
      assert(sb.h:link_add{ name = "b0", kind = "bridge" })
      assert(sb.h:link_add{ name = "b1", kind = "bridge" })
      assert.is_true(sb.h:link_del("b0"))
      assert.is_true(sb.h:link_del(assert(sb.h:ifindex("b1"))))
      assert.is_nil((sb.h:link_get("b0")))
      assert.is_nil((sb.h:link_get("b1")))
    end)

    it("reports an absent device", function()
      local sb <close> = testing.sandbox()
      local ok, err, code = sb.h:link_del("nope")
      assert.is_nil(ok)
      assert.equal("link_del nope: No such device", err)
      assert.equal(19, code)
      ok, err, code = sb.h:link_del(999999)
      assert.is_nil(ok)
      assert.equal("link_del 999999: No such device", err)
      assert.equal(19, code)
    end)
  end)

  describe("link_get() and links()", function()
    it("gets by name and ifindex, and maps names both ways", function()
      local sb <close> = testing.sandbox()
      assert(sb.h:link_add{ name = "b0", kind = "bridge" })
      local a = assert(sb.h:link_get("b0"))
      local b = assert(sb.h:link_get(a.ifindex))
      assert.same(a, b)
      assert.equal(a.ifindex, sb.h:ifindex("b0"))
      assert.equal("b0", sb.h:ifname(a.ifindex))
      local ok, err, code = sb.h:link_get("nope")
      assert.is_nil(ok)
      assert.equal("link_get nope: No such device", err)
      assert.equal(19, code)
      ok, err, code = sb.h:ifname(999999)
      assert.is_nil(ok)
      assert.matches("No such device", err)
      assert.equal(19, code)
    end)

    it("lists with kernel-side filters on kind and master", function()
      local sb <close> = testing.sandbox()
      assert(sb.h:link_add{ name = "br0", kind = "bridge" })
      for i = 1, 3 do
        assert(sb.h:link_add{ name = "v" .. i, kind = "veth", peer = { name = "p" .. i },
                              master = i < 3 and "br0" or nil })
      end
      local all = assert(sb.h:links())
      assert.equal(8, #all) -- lo, br0, 3 pairs
      assert.equal(6, #assert(sb.h:links{ kind = "veth" }))
      assert.equal(1, #assert(sb.h:links{ kind = "bridge" }))
      local ports = assert(sb.h:links{ master = "br0" })
      assert.equal(2, #ports)
      for _, p in ipairs(ports) do assert.equal("br0", p.master) end
      assert.equal(0, #assert(sb.h:links{ kind = "macvlan" }))
    end)

    it("rejects bad filters", function()
      local sb <close> = testing.sandbox()
      assert.has_error(function() sb.h:links{ knd = "veth" } end, 'links: unknown option "knd"')
      assert.has_error(function() sb.h:links{ kind = "nope" } end, 'links: kind: unknown link kind "nope"')
      assert.has_error(function() sb.h:links("veth") end, "links: expected an option table, got string")
      local ok, err, code = sb.h:links{ master = "nope" }
      assert.is_nil(ok)
      assert.matches("nope: No such device", err)
      assert.equal(19, code)
    end)
  end)
end)
