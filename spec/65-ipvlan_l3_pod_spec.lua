local plumb = require "plumb"
local testing = require "plumb.testing"
local ipam = require "plumb.ipam"
local R = require "recipes_support"
local pod = require "plumb.recipes.ipvlan_l3_pod"

describe("plumb.recipes.ipvlan_l3_pod #kernel-ipvlan", function()
  testing.leakcheck()

  local function setup()
    local sb = testing.sandbox("ivh")
    assert(sb.h:link_add{ name = "m0", kind = "veth", up = true, peer = { name = "m0p", up = true } })
    local names = { testing.name("ip"), testing.name("ip") }
    local dir = R.tmpdir()
    finally(function()
      R.cleanup(names)
      sb:close()
      R.rmtree(dir)
    end)
    return sb, names, dir
  end

  it("puts two pods on one master in L3 mode: /32 and /128, default route through the device; they reach each other", function()
    if not testing.need_kind("ipvlan", pending) then return end
    local sb, c, dir = setup()
    local o = {}
    for i = 1, 2 do
      o[i] = { netns = c[i], master = "m0", subnet = "10.3.0.0/24", subnet6 = "fd03::/64", host_netns = sb.ns,
        state_dir = dir }
    end
    local r1 = assert(pod.up(o[1]))
    local r2 = assert(pod.up(o[2]))
    assert.same({ { address = "10.3.0.1/32", interface = 0 }, { address = "fd03::1/128", interface = 0 } }, r1.ips)
    assert.same({ { dst = "0.0.0.0/0" }, { dst = "::/0" } }, r1.routes)
    assert.equal("10.3.0.2/32", r2.ips[1].address)
    local h <close> = assert(plumb.open{ netns = c[1] })
    local l = assert(h:link_get("eth0"))
    assert.equal("ipvlan", l.linkinfo.info_kind)
    assert.equal("l3", l.linkinfo.info_data.mode)
    local def
    for _, r in ipairs(h:routes{ family = "inet" }) do if r.dst == "default" then def = r end end
    assert.equal("eth0", def.dev)
    assert.is_nil(def.gateway)
    assert.is_true(R.ping(c[1], "10.3.0.2"))
    assert.is_true(R.ping(c[2], "10.3.0.1"))
    assert.is_true(R.ping(c[1], "fd03::2"))
    assert.is_true(pod.check(o[1]))
    local s1 = R.snapshot(sb.ns, dir)
    assert.same(r1, assert(pod.up(o[1])))
    assert.same({}, R.diff(s1, R.snapshot(sb.ns, dir)))
    assert(h:addr_del("eth0", "fd03::1/128"))
    local ok, d = pod.check(o[1])
    assert.is_nil(ok)
    assert.same({ ("missing address fd03::1/128 on eth0 in %s"):format(c[1]) }, d)
    assert.is_true(pod.down(o[1]))
    assert.is_true(pod.down(o[2]))
    assert.is_true(pod.down(o[1]))
    assert.is_false(plumb.netns.exists(c[1]))
    assert.same({}, ipam.allocations{ subnet = "10.3.0.0/24", state_dir = dir })
  end)

  it("takes a given address, made a /32", function()
    if not testing.need_kind("ipvlan", pending) then return end
    local sb, c = setup()
    local o = { netns = c[1], master = "m0", address = "10.3.0.9/24", ifname = "ipv0", mtu = 1400, host_netns = sb.ns }
    local r = assert(pod.up(o))
    assert.equal("10.3.0.9/32", r.ips[1].address)
    assert.equal("ipv0", r.interfaces[1].name)
    assert.is_true(pod.check(o))
    assert.is_true(pod.down(o))
  end)

  it("checks its options before anything", function()
    local function err(o)
      local ok, e = pcall(function() local r = pod.up(o) return r end)
      assert.is_false(ok)
      return e
    end
    local before = R.snapshot()
    assert.matches('ipvlan_l3_pod%.up: option "mode": expected l3 or l3s, got "l2"$',
      err{ netns = "ivx", master = "m0", address = "10.3.0.9/32", mode = "l2" })
    assert.matches('ipvlan_l3_pod%.up: unknown option "gateway"$',
      err{ netns = "ivx", master = "m0", address = "10.3.0.9/32", gateway = "10.3.0.1" })
    assert.matches('ipvlan_l3_pod%.up: missing option "netns"$', err{ master = "m0", address = "10.3.0.9/32" })
    assert.same({}, R.diff(before, R.snapshot()))
  end)
end)
