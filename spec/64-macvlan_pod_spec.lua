local plumb = require "plumb"
local testing = require "plumb.testing"
local ipam = require "plumb.ipam"
local R = require "recipes_support"
local mv = require "plumb.recipes.macvlan_pod"

describe("plumb.recipes.macvlan_pod", function()
  testing.leakcheck()

  -- a host namespace whose master m0 is a veth to a "router" namespace holding the gateways
  local function setup()
    local sb = testing.sandbox("mvh")
    local router, rh = sb:netns("mvr")
    assert(sb.h:link_add{ name = "m0", kind = "veth", up = true, peer = { name = "m0p", netns = router, up = true } })
    assert(rh:addr_add("m0p", "10.2.0.1/24"))
    assert(rh:addr_add("m0p", "fd02::1/64", { nodad = true }))
    local names = { testing.name("mp"), testing.name("mp") }
    local dir = R.tmpdir()
    finally(function()
      R.cleanup(names)
      sb:close()
      R.rmtree(dir)
    end)
    return sb, names, dir, router
  end

  it("puts two pods on one master (bridge mode): they reach each other and the gateway, v4 and v6", function()
    if not testing.need_kind("macvlan", pending) then return end
    local sb, c, dir = setup()
    local o = {}
    for i = 1, 2 do
      o[i] = { netns = c[i], master = "m0", subnet = "10.2.0.0/24", subnet6 = "fd02::/64", gateway6 = "fd02::1",
        host_netns = sb.ns, state_dir = dir }
    end
    local r1 = assert(mv.up(o[1]))
    assert(mv.up(o[2]))
    assert.equal("eth0", r1.interfaces[1].name)
    assert.equal("/run/netns/" .. c[1], r1.interfaces[1].sandbox)
    assert.same({ { address = "10.2.0.2/24", gateway = "10.2.0.1", interface = 0 },
      { address = "fd02::2/64", gateway = "fd02::1", interface = 0 } }, r1.ips)
    assert.same({ { dst = "0.0.0.0/0", gw = "10.2.0.1" }, { dst = "::/0", gw = "fd02::1" } }, r1.routes)
    local h <close> = assert(plumb.open{ netns = c[1] })
    local l = assert(h:link_get("eth0"))
    assert.equal("macvlan", l.linkinfo.info_kind)
    assert.equal("bridge", l.linkinfo.info_data.mode)
    assert.is_true(R.ping(c[1], "10.2.0.3"))
    assert.is_true(R.ping(c[2], "10.2.0.1"))
    assert.is_true(R.ping(c[1], "fd02::3"))
    assert.is_true(R.ping(c[2], "fd02::1"))
    assert.is_true(mv.check(o[1]))
    -- idempotent
    local s1 = R.snapshot(sb.ns, dir)
    assert.same(r1, assert(mv.up(o[1])))
    assert.same({}, R.diff(s1, R.snapshot(sb.ns, dir)))
    -- differences
    assert(h:route_del{ dst = "default", gateway = "10.2.0.1" })
    local ok, d = mv.check(o[1])
    assert.is_nil(ok)
    assert.same({ ("missing default route via 10.2.0.1 in %s"):format(c[1]) }, d)
    ok, d = mv.check{ netns = c[1], master = "m0", address = "10.2.0.2/24", mode = "vepa", host_netns = sb.ns }
    assert.is_nil(ok)
    assert.same({ ("wrong mode of eth0 in %s: bridge (want vepa)"):format(c[1]) }, d)
    assert.is_true(mv.down(o[1]))
    assert.is_true(mv.down(o[2]))
    assert.is_true(mv.down(o[2]))
    assert.is_false(plumb.netns.exists(c[1]))
    assert.same({}, ipam.allocations{ subnet = "10.2.0.0/24", state_dir = dir })
  end)

  it("names the failed step: a master that is not there", function()
    if not testing.need_kind("macvlan", pending) then return end
    local sb, c = setup()
    local before = R.snapshot(sb.ns)
    local ok, err = mv.up{ netns = c[1], master = "nope", address = "10.2.0.9/24", host_netns = sb.ns }
    assert.is_nil(ok)
    assert.equal(('macvlan_pod.up: step "link_add eth0 in %s": link_add eth0: link nope: No such device'):format(c[1]), err)
    assert.same({}, R.diff(before, R.snapshot(sb.ns)))
  end)

  it("checks its options before anything", function()
    local function err(o)
      local ok, e = pcall(function() local r = mv.up(o) return r end)
      assert.is_false(ok)
      return e
    end
    local before = R.snapshot()
    assert.matches('macvlan_pod%.up: option "mode": expected bridge, vepa, private, passthru or source, got "x"$',
      err{ netns = "mvx", master = "m0", address = "10.2.0.9/24", mode = "x" })
    assert.matches('macvlan_pod%.up: missing option "master"$', err{ netns = "mvx", address = "10.2.0.9/24" })
    assert.matches('macvlan_pod%.up: gateway: expected an IPv4 address, got "fd00::1"$',
      err{ netns = "mvx", master = "m0", address = "10.2.0.9/24", gateway = "fd00::1" })
    assert.same({}, R.diff(before, R.snapshot()))
  end)
end)
