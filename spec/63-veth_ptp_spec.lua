local plumb = require "plumb"
local testing = require "plumb.testing"
local ipam = require "plumb.ipam"
local R = require "recipes_support"
local ptp = require "plumb.recipes.veth_ptp"
local tx = require "plumb.recipes._tx"

describe("plumb.recipes.veth_ptp", function()
  testing.leakcheck()

  local function setup()
    local sb = testing.sandbox("ptph")
    local names = { testing.name("p"), testing.name("p") }
    local dir = R.tmpdir()
    finally(function()
      R.cleanup(names)
      sb:close()
      R.rmtree(dir)
    end)
    return sb, names, dir
  end

  it("routes two containers through the host: /32 inside, host routes, default via the host end onlink", function()
    local sb, c, dir = setup()
    local o = {}
    for i = 1, 2 do
      o[i] = { netns = c[i], subnet = "10.1.0.0/24", subnet6 = "fd01::/64", host_netns = sb.ns, state_dir = dir }
    end
    local r1 = assert(ptp.up(o[1]))
    assert(ptp.up(o[2]))
    local hostif = tx.host_ifname(c[1], "eth0")
    assert.same({ hostif, "eth0" }, { r1.interfaces[1].name, r1.interfaces[2].name })
    assert.same({ { address = "10.1.0.2/32", gateway = "10.1.0.1", interface = 1 },
      { address = "fd01::2/128", gateway = "fd01::1", interface = 1 } }, r1.ips)
    assert.same({ { dst = "0.0.0.0/0", gw = "10.1.0.1" }, { dst = "::/0", gw = "fd01::1" } }, r1.routes)
    -- the gateway address is on the host end, as a /32
    assert.truthy(tx.find_addr(sb.h, hostif, "10.1.0.1", 32))
    assert.truthy(tx.find_addr(sb.h, hostif, "fd01::1", 128))
    -- the host routes to the container through the host end
    assert.truthy(tx.find_route(sb.h, { dst = "10.1.0.2/32", dev = hostif }))
    assert.truthy(tx.find_route(sb.h, { dst = "fd01::2/128", dev = hostif }))
    local h <close> = assert(plumb.open{ netns = c[1] })
    assert.truthy(tx.find_addr(h, "eth0", "10.1.0.2", 32))
    local def
    for _, r in ipairs(h:routes{ family = "inet" }) do if r.dst == "default" then def = r end end
    assert.equal("10.1.0.1", def.gateway)
    assert.truthy(tx.has(def.flags, "onlink"))
    -- routed traffic, both families
    assert.is_true(R.ping(c[1], "10.1.0.1"))
    assert.is_true(R.ping(c[1], "10.1.0.3"))
    assert.is_true(R.ping(c[2], "10.1.0.2"))
    assert.is_true(R.ping(c[1], "fd01::3"))
    assert.is_true(ptp.check(o[1]))
    -- idempotent
    local s1 = R.snapshot(sb.ns, dir)
    assert.same(r1, assert(ptp.up(o[1])))
    assert.same({}, R.diff(s1, R.snapshot(sb.ns, dir)))
    -- check's differences
    assert(sb.h:route_del{ dst = "10.1.0.2/32", dev = hostif })
    assert(h:addr_del("eth0", "10.1.0.2/32"))
    local ok, d = ptp.check(o[1])
    assert.is_nil(ok)
    -- (the kernel flushed the default route with the device's last IPv4 address)
    assert.same({ ("missing address 10.1.0.2/32 on eth0 in %s"):format(c[1]),
      ("missing route to 10.1.0.2/32 via %s"):format(hostif),
      ("missing default route via 10.1.0.1 in %s"):format(c[1]) }, d)
    assert(ptp.up(o[1]))
    assert.is_true(ptp.check(o[1]))
    -- down (both at once): the namespaces and host ends go, the host routes with them, the
    -- addresses are released
    assert.is_true(ptp.down_all(o))
    assert.is_true(R.down(ptp, o[2]))
    assert.is_false(plumb.netns.exists(c[1]))
    assert.is_nil(sb.h:link_get(hostif))
    assert.is_nil(tx.find_route(sb.h, { dst = "10.1.0.2/32", dev = hostif }))
    assert.same({}, ipam.allocations{ subnet = "10.1.0.0/24", state_dir = dir })
  end)

  it("takes a given address, gateway, host end name and mtu", function()
    local sb, c = setup()
    local o = { netns = c[1], address = "192.168.9.7/24", gateway = "169.254.1.1", host_ifname = "cali0",
      mtu = 1450, host_netns = sb.ns, ip_forward = false }
    local r = assert(ptp.up(o))
    assert.equal("192.168.9.7/32", r.ips[1].address)
    assert.equal(1450, assert(sb.h:link_get("cali0")).mtu)
    assert.is_true(R.ping(c[1], "169.254.1.1"))
    assert.is_true(ptp.check(o))
    assert.is_true(R.down(ptp, o))
    assert.is_nil(sb.h:link_get("cali0"))
  end)

  it("checks its options", function()
    local function err(o)
      local ok, e = pcall(function() local r = ptp.up(o) return r end)
      assert.is_false(ok)
      return e
    end
    assert.matches('veth_ptp%.up: missing option "gateway" %(or "subnet"%)$', err{ netns = "x", address = "10.0.0.2/24" })
    assert.matches('veth_ptp%.up: unknown option "bridge"$', err{ netns = "x", address = "10.0.0.2/24", bridge = "b" })
    assert.matches('veth_ptp%.up: address6: expected an IPv6 prefix, got "10.0.0.2/24"$',
      err{ netns = "x", address6 = "10.0.0.2/24", gateway6 = "fd00::1" })
  end)
end)
