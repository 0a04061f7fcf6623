local plumb = require "plumb"
local testing = require "plumb.testing"
local ipam = require "plumb.ipam"
local R = require "recipes_support"
local ov = require "plumb.recipes.vxlan_overlay"
local tx = require "plumb.recipes._tx"

describe("plumb.recipes.vxlan_overlay", function()
  testing.leakcheck()

  local function setup(n)
    local names = {}
    for i = 1, n do names[i] = testing.name(i <= 2 and "vh" or "vc") end
    local dir = R.tmpdir()
    finally(function()
      R.cleanup(names)
      R.rmtree(dir)
    end)
    return names, dir
  end

  it("joins containers on two hosts through VXLAN: they ping each other across the overlay", function()
    if not testing.need_kind("vxlan", pending) then return end
    local n, dir = setup(5)
    local o = { hosts = { n[1], n[2] }, containers = { n[3], n[4], n[5] }, subnet = "10.200.0.0/24",
      vni = 4242, state_dir = dir }
    local r = assert(ov.up(o))
    -- per container: its host end and its eth0; the addresses in order
    assert.equal(6, #r.interfaces)
    assert.same({ { address = "10.200.0.1/24", interface = 1 }, { address = "10.200.0.2/24", interface = 3 },
      { address = "10.200.0.3/24", interface = 5 } }, r.ips)
    assert.equal("/run/netns/" .. n[4], r.interfaces[4].sandbox)
    -- the hosts: underlay, VTEP with the remote's FDB entry, bridge
    local h1 <close> = assert(plumb.open{ netns = n[1] })
    local h2 <close> = assert(plumb.open{ netns = n[2] })
    local vx = assert(h1:link_get("vx4242"))
    assert.equal("vxlan", vx.linkinfo.info_kind)
    assert.equal(4242, vx.linkinfo.info_data.id)
    assert.equal("br-vx", vx.master)
    assert.equal(1450, vx.mtu)
    local fdb = {}
    for _, e in ipairs(h1:fdbs{ dev = "vx4242" }) do if e.dst then fdb[e.mac] = e.dst end end
    assert.equal("192.168.100.2", fdb["00:00:00:00:00:00"])
    assert.equal("br-vx", assert(h2:link_get(tx.host_ifname(n[4], "eth0"))).master)
    -- containers 1 and 3 on the first host, 2 on the second: across the overlay and beside
    assert.is_true(R.ping(n[3], "10.200.0.2"))
    assert.is_true(R.ping(n[4], "10.200.0.3"))
    assert.is_true(R.ping(n[3], "10.200.0.3"))
    assert.is_true(ov.check(o))
    -- idempotent
    local s1 = R.snapshot(nil, dir)
    assert.same(r, assert(ov.up(o)))
    assert.same({}, R.diff(s1, R.snapshot(nil, dir)))
    -- differences
    assert(h2:fdb_del{ dev = "vx4242", lladdr = "00:00:00:00:00:00", dst = "192.168.100.1", self = true })
    assert(h1:link_set("vx4242", { nomaster = true }))
    local ok, d = ov.check(o)
    assert.is_nil(ok)
    assert.same({ ("wrong master of vx4242 in %s: none (want br-vx)"):format(n[1]),
      ("missing fdb entry to 192.168.100.1 on vx4242 in %s"):format(n[2]) }, d)
    assert(ov.up(o))
    assert.is_true(ov.check(o))
    assert.is_true(R.ping(n[4], "10.200.0.1"))
    -- down: every namespace it made goes
    assert.is_true(ov.down(o))
    assert.is_true(ov.down(o))
    for i = 1, 5 do assert.is_false(plumb.netns.exists(n[i])) end
    assert.same({}, ipam.allocations{ subnet = "10.200.0.0/24", state_dir = dir })
    ok, d = ov.check(o)
    assert.is_nil(ok)
    assert.equal("missing netns " .. n[1], d[1])
  end)

  it("takes given addresses, port and MTU", function()
    if not testing.need_kind("vxlan", pending) then return end
    local n = setup(4)
    local o = { hosts = { n[1], n[2] }, containers = { n[3], n[4] }, subnet = "fd20::/64",
      addresses = { "fd20::a/64", "fd20::b/64" }, dstport = 8472, mtu = 9000, underlay = "172.31.0.0/30" }
    local r = assert(ov.up(o))
    assert.equal("fd20::a/64", r.ips[1].address)
    local h <close> = assert(plumb.open{ netns = n[1] })
    assert.equal(8472, assert(h:link_get("vx42")).linkinfo.info_data.port)
    assert.equal(8950, assert(h:link_get("br-vx")).mtu)
    assert.is_true(R.ping(n[3], "fd20::b"))
    assert.is_true(ov.check(o))
    assert.is_true(ov.down(o))
  end)

  it("checks its options before anything", function()
    local function err(o)
      local ok, e = pcall(function() local r = ov.up(o) return r end)
      assert.is_false(ok)
      return e
    end
    local before = R.snapshot()
    assert.matches('vxlan_overlay%.up: hosts: expected two host namespaces, got 3$',
      err{ hosts = { "a", "b", "c" }, containers = { "x" }, subnet = "10.0.0.0/24" })
    assert.matches('vxlan_overlay%.up: option "hosts": expected a list of strings, got string$',
      err{ hosts = "a,b", containers = { "x" }, subnet = "10.0.0.0/24" })
    assert.matches('vxlan_overlay%.up: vni: expected 0 to 16777215, got 16777216$',
      err{ hosts = { "a", "b" }, containers = { "x" }, subnet = "10.0.0.0/24", vni = 1 << 24 })
    assert.matches('vxlan_overlay%.up: addresses: expected one per container %(1%), got 2$',
      err{ hosts = { "a", "b" }, containers = { "x" }, subnet = "10.0.0.0/24", addresses = { "10.0.0.2/24", "10.0.0.3/24" } })
    assert.same({}, R.diff(before, R.snapshot()))
  end)
end)
