local plumb = require "plumb"
local testing = require "plumb.testing"
local ipam = require "plumb.ipam"
local R = require "recipes_support"
local cob = require "plumb.recipes.container_on_bridge"
local tx = require "plumb.recipes._tx"

describe("plumb.recipes.container_on_bridge", function()
  testing.leakcheck()

  -- a host namespace (the sandbox), container names, a state dir; all removed after
  local function setup()
    local sb = testing.sandbox("cobh")
    local names = { testing.name("c"), testing.name("c") }
    local dir = R.tmpdir()
    finally(function()
      R.cleanup(names)
      sb:close()
      R.rmtree(dir)
    end)
    return sb, names, dir
  end

  describe("up()", function()
    it("puts two containers on one bridge: they ping each other and the gateway, v4 and v6", function()
      local sb, c, dir = setup()
      local o = {}
      for i = 1, 2 do
        o[i] = { netns = c[i], bridge = "br0", subnet = "10.88.0.0/16", subnet6 = "fd00:88::/64",
          host_netns = sb.ns, state_dir = dir }
      end
      local r1 = assert(cob.up(o[1]))
      local r2 = assert(cob.up(o[2]))
      -- the CNI-shaped result
      assert.same({ "br0", tx.host_ifname(c[1], "eth0"), "eth0" },
        { r1.interfaces[1].name, r1.interfaces[2].name, r1.interfaces[3].name })
      assert.equal("/run/netns/" .. c[1], r1.interfaces[3].sandbox)
      assert.is_nil(r1.interfaces[2].sandbox)
      assert.matches("^%x%x:%x%x:%x%x:%x%x:%x%x:%x%x$", r1.interfaces[3].mac)
      assert.same({ { address = "10.88.0.2/16", gateway = "10.88.0.1", interface = 2 },
        { address = "fd00:88::2/64", gateway = "fd00:88::1", interface = 2 } }, r1.ips)
      assert.same({ { dst = "0.0.0.0/0", gw = "10.88.0.1" }, { dst = "::/0", gw = "fd00:88::1" } },
        r1.routes)
      assert.equal("10.88.0.3/16", r2.ips[1].address)
      assert.equal("fd00:88::3/64", r2.ips[2].address)
      -- the host end: 12 bytes, a port of br0, up
      local hl = assert(sb.h:link_get(r1.interfaces[2].name))
      assert.equal(12, #hl.ifname)
      assert.equal("br0", hl.master)
      assert.truthy(tx.has(hl.flags, "UP"))
      -- real traffic
      assert.is_true(R.ping(c[1], "10.88.0.3"))
      assert.is_true(R.ping(c[2], "10.88.0.2"))
      assert.is_true(R.ping(c[1], "10.88.0.1"))
      assert.is_true(R.ping(c[2], "fd00:88::2"))
      assert.is_true(R.ping(c[1], "fd00:88::1"))
      assert.is_true(cob.check(o[1]))
      assert.is_true(cob.check(o[2]))
      -- down: the namespaces go (they held nothing else), the addresses are released, the
      -- bridge and its gateway address stay
      assert.is_true(R.down(cob, o[1]))
      assert.is_true(R.down(cob, o[2]))
      assert.is_false(plumb.netns.exists(c[1]))
      assert.is_false(plumb.netns.exists(c[2]))
      assert.is_nil(sb.h:link_get(r1.interfaces[2].name))
      assert.same({}, ipam.allocations{ subnet = "10.88.0.0/16", state_dir = dir })
      assert.same({}, ipam.allocations{ subnet = "fd00:88::/64", state_dir = dir })
      assert.truthy(sb.h:link_get("br0"))
      assert.truthy(tx.find_addr(sb.h, "br0", "10.88.0.1", 16))
    end)

    it("takes a given address, gateway, mtu, hairpin and ip_forward", function()
      local sb, c = setup()
      plumb.netns.run(sb.ns, function()
        local f = assert(io.open("/proc/sys/net/ipv4/ip_forward", "w")) f:write("0") f:close()
      end)
      local o = { netns = c[1], bridge = "cni0", address = "10.22.0.5/24", gateway = "10.22.0.1",
        mtu = 1400, hairpin = true, ip_forward = true, ifname = "net1", host_netns = sb.ns }
      local r = assert(cob.up(o))
      assert.same({ { address = "10.22.0.5/24", gateway = "10.22.0.1", interface = 2 } }, r.ips)
      local hl = assert(sb.h:link_get(tx.host_ifname(c[1], "net1")))
      assert.equal(1400, hl.mtu)
      assert.is_true(hl.linkinfo.info_slave_data.hairpin)
      assert.equal(1400, assert(sb.h:link_get("cni0")).mtu)
      local h <close> = assert(plumb.open{ netns = c[1] })
      local l = assert(h:link_get("net1"))
      assert.equal(1400, l.mtu)
      assert.equal("veth", l.linkinfo.info_kind)
      assert.truthy(tx.has(assert(h:link_get("lo")).flags, "UP"))
      assert.equal("1", plumb.netns.run(sb.ns, function()
        local f = assert(io.open("/proc/sys/net/ipv4/ip_forward")) local v = f:read("l") f:close() return v
      end))
      assert.is_true(R.ping(c[1], "10.22.0.1"))
      assert.is_true(cob.check(o))
      assert.is_true(R.down(cob, o))
    end)

    it("is idempotent: up twice is the same as once", function()
      local sb, c, dir = setup()
      local o = { netns = c[1], bridge = "br0", subnet = "10.88.0.0/16", host_netns = sb.ns, state_dir = dir }
      local r1 = assert(cob.up(o))
      local s1 = R.snapshot(sb.ns, dir)
      local r2 = assert(cob.up(o))
      assert.same(r1, r2)
      assert.same({}, R.diff(s1, R.snapshot(sb.ns, dir)))
      assert.is_true(R.down(cob, o))
    end)

    it("reuses an existing bridge and keeps it, with its gateway address, on down", function()
      local sb, c = setup()
      assert(sb.h:link_add{ name = "br0", kind = "bridge", up = true })
      assert(sb.h:addr_add("br0", "10.5.0.1/24"))
      local before = R.snapshot(sb.ns)
      local o = { netns = c[1], bridge = "br0", address = "10.5.0.2/24", gateway = "10.5.0.1", host_netns = sb.ns }
      assert(cob.up(o))
      assert.is_true(R.ping(c[1], "10.5.0.1"))
      assert.is_true(R.down(cob, o))
      assert.same({}, R.diff(before, R.snapshot(sb.ns)))
    end)

    it("refuses a bridge name taken by something that is not a bridge, touching nothing", function()
      local sb, c = setup()
      assert(sb.h:link_add{ name = "br0", kind = "veth", peer = { name = "br0p" } })
      local before = R.snapshot(sb.ns)
      local ok, err = cob.up{ netns = c[1], bridge = "br0", address = "10.5.0.2/24", host_netns = sb.ns }
      assert.is_nil(ok)
      assert.equal('container_on_bridge.up: step "bridge br0": br0 exists and is a veth, not a bridge', err)
      assert.same({}, R.diff(before, R.snapshot(sb.ns)))
    end)

    it("names the failed step with the kernel's message, and undoes what it made", function()
      local sb, c = setup()
      local before = R.snapshot(sb.ns)
      -- 1400 for the veth is fine; the bridge gets it too; 70000 is past a veth's max MTU
      local ok, err = cob.up{ netns = c[1], bridge = "br0", address = "10.5.0.2/24", mtu = 70000,
        host_netns = sb.ns }
      assert.is_nil(ok)
      assert.matches('^container_on_bridge%.up: step "bridge br0": link_add br0: ', err)
      assert.same({}, R.diff(before, R.snapshot(sb.ns)))
      -- the route, late (in the batch that configures the container's end, in the namespace
      -- this call made): the kernel refuses a gateway outside the container's subnet
      local c1 = c[1]:gsub("%-", "%%-")
      ok, err = cob.up{ netns = c[1], bridge = "br0", address = "10.5.0.2/24", gateway = "10.99.0.1",
        host_netns = sb.ns }
      assert.is_nil(ok)
      assert.matches('^container_on_bridge%.up: step "configure eth0 in ' .. c1
        .. '": route_add default: Nexthop has invalid gateway$', err)
      assert.same({}, R.diff(before, R.snapshot(sb.ns)))
    end)

    it("completes the work after a crash half-way", function()
      local sb, c, dir = setup()
      local o = { netns = c[1], bridge = "br0", subnet = "10.88.0.0/16", host_netns = sb.ns, state_dir = dir }
      assert(cob.up(o))
      local steps = #tx.last_steps
      assert.is_true(R.down(cob, o))
      for _, k in ipairs{ 3, math.floor(steps / 2), steps - 1 } do
        local script = ([[
          local tx = require "plumb.recipes._tx"
          tx.crash(%d)
          require("plumb.recipes.container_on_bridge").up{ netns = %q, bridge = "br0",
            subnet = "10.88.0.0/16", host_netns = %q, state_dir = %q }
          os.exit(0)]]):format(k, c[1], sb.ns, dir)
        local p = assert(io.popen(R.lua() .. " -e '" .. script:gsub("'", "'\\''") .. "' 2>&1; echo \"exit $?\""))
        local out = p:read("a")
        p:close()
        assert.matches("exit 99", out)
        local ok, diffs = cob.check(o)
        assert.is_nil(ok)
        assert.is_true(#diffs > 0)
        local r = assert(cob.up(o))
        assert.equal(ipam.lookup{ subnet = "10.88.0.0/16", key = c[1] .. "/eth0", state_dir = dir },
          r.ips[1].address)
        assert.is_true(cob.check(o))
        assert.is_true(R.ping(c[1], "10.88.0.1"))
        assert.is_true(R.down(cob, o))
        assert.same({}, ipam.allocations{ subnet = "10.88.0.0/16", state_dir = dir })
      end
    end)
  end)

  describe("check()", function()
    it("lists the differences", function()
      local sb, c = setup()
      assert(sb.h:link_add{ name = "br1", kind = "bridge" })
      local o = { netns = c[1], bridge = "br0", address = "10.88.0.2/16", gateway = "10.88.0.1", host_netns = sb.ns }
      assert(cob.up(o))
      local vname = tx.host_ifname(c[1], "eth0")
      local h <close> = assert(plumb.open{ netns = c[1] })
      assert(h:route_del{ dst = "default", gateway = "10.88.0.1" })
      assert(h:addr_del("eth0", "10.88.0.2/16"))
      assert(sb.h:link_set(vname, { master = "br1" }))
      local ok, d = cob.check(o)
      assert.is_nil(ok)
      assert.same({
        ("wrong master of %s: br1 (want br0)"):format(vname),
        ("missing address 10.88.0.2/16 on eth0 in %s"):format(c[1]),
        ("missing default route via 10.88.0.1 in %s"):format(c[1]),
      }, d)
      -- (kernels before 6.x refuse to rename a device that is up)
      assert(h:link_set("eth0", { up = false }))
      assert(h:link_set("eth0", { name = "eth9" }))
      ok, d = cob.check(o)
      assert.is_nil(ok)
      assert.same({ ("wrong master of %s: br1 (want br0)"):format(vname),
        ("missing device eth0 in %s"):format(c[1]),
        ("missing default route via 10.88.0.1 in %s"):format(c[1]) }, d)
      assert(h:link_set("eth9", { name = "eth0" }))
      assert.is_true(R.down(cob, o))
      ok, d = cob.check(o)
      assert.is_nil(ok)
      assert.same({ "missing netns " .. c[1] }, d)
    end)
  end)

  describe("down()", function()
    it("succeeds when nothing is there", function()
      local sb, c = setup()
      assert.is_true(cob.down{ netns = c[1], bridge = "br0", host_netns = sb.ns })
      assert.is_false(plumb.netns.exists(c[1]))
    end)

    it("takes many down at once with down_all, host ends included", function()
      local sb, c, dir = setup()
      c[3] = testing.name("c")
      finally(function() R.cleanup{ c[3] } end)
      local list = {}
      for i = 1, 3 do
        list[i] = { netns = c[i], bridge = "br0", subnet = "10.88.0.0/16", host_netns = sb.ns, state_dir = dir }
        assert(cob.up(list[i]))
      end
      assert.is_true(cob.down_all(list))
      for i = 1, 3 do
        assert.is_false(plumb.netns.exists(c[i]))
        assert.is_nil(sb.h:link_get(tx.host_ifname(c[i], "eth0")))
      end
      assert.same({}, ipam.allocations{ subnet = "10.88.0.0/16", state_dir = dir })
      -- and up again at once works (nothing lingers)
      assert(cob.up(list[1]))
      assert.is_true(cob.check(list[1]))
      assert.is_true(cob.down(list[1]))
    end)

    it("returns before the kernel's namespace cleanup; an up at once waits for the old host end", function()
      local sb, c = setup()
      local o = { netns = c[1], bridge = "br0", address = "10.88.0.2/16", gateway = "10.88.0.1", host_netns = sb.ns }
      local host = tx.host_ifname(c[1], "eth0")
      for _ = 1, 5 do
        assert(cob.up(o))
        local first = assert(sb.h:link_get(host)).ifindex
        assert.is_true(cob.down(o))
        assert.is_false(plumb.netns.exists(c[1]))
        -- up again at once: a new pair (a new host end, never the lingering one), working
        assert(cob.up(o))
        assert.is_not.equal(first, assert(sb.h:link_get(host)).ifindex)
        assert.is_true(cob.check(o))
        assert.is_true(R.ping(c[1], "10.88.0.1"))
        assert.is_true(R.down(cob, o))
        assert.is_nil(sb.h:link_get(host))
      end
    end)

    it("keeps a namespace that holds other devices, removing only its own", function()
      local sb, c = setup()
      local o = { netns = c[1], bridge = "br0", address = "10.88.0.2/16", host_netns = sb.ns }
      assert(cob.up(o))
      assert(sb.h:link_add{ name = "x0", kind = "veth", peer = { name = "x1", netns = c[1] } })
      assert.is_true(R.down(cob, o))
      assert.is_true(plumb.netns.exists(c[1]))
      local h <close> = assert(plumb.open{ netns = c[1] })
      assert.is_nil(h:link_get("eth0"))
      assert.truthy(h:link_get("x1"))
      assert.is_nil(sb.h:link_get(tx.host_ifname(c[1], "eth0")))
    end)
  end)

  describe("options", function()
    it("are checked before anything happens", function()
      local before = R.snapshot()
      local function err(o)
        local ok, e = pcall(function() local r = cob.up(o) return r end) -- not a tail call
        assert.is_false(ok)
        return e
      end
      assert.matches('container_on_bridge%.up: unknown option "mut"$',
        err{ netns = "x", bridge = "b", address = "10.0.0.2/24", mut = 1500 })
      assert.matches('container_on_bridge%.up: option "mtu": expected an integer, got string$',
        err{ netns = "x", bridge = "b", address = "10.0.0.2/24", mtu = "1500" })
      assert.matches('container_on_bridge%.up: option "hairpin": expected a boolean, got number$',
        err{ netns = "x", bridge = "b", address = "10.0.0.2/24", hairpin = 1 })
      assert.matches('container_on_bridge%.up: missing option "netns"$',
        err{ bridge = "b", address = "10.0.0.2/24" })
      assert.matches('container_on_bridge%.up: missing option "address" %(or "subnet" or "address6" or "subnet6"%)$',
        err{ netns = "x", bridge = "b" })
      assert.matches('container_on_bridge%.up: address: expected an address with a prefix length such as '
        .. '10.88.0.2/16, got "10.0.0.2"$',
        err{ netns = "x", bridge = "b", address = "10.0.0.2" })
      assert.matches('container_on_bridge%.up: address: expected an IPv4 address, got "fd00::2/64"$',
        err{ netns = "x", bridge = "b", address = "fd00::2/64" })
      assert.matches('container_on_bridge%.up: expected an option table, got string$', err("x"))
      -- raised at the caller
      assert.matches("62%-container_on_bridge_spec%.lua", err{ netns = "x", bridge = "b" })
      local ok, e = pcall(cob.down, { bridge = "b" })
      assert.is_false(ok)
      assert.matches('container_on_bridge%.down: missing option "netns"$', e)
      assert.same({}, R.diff(before, R.snapshot()))
    end)
  end)
end)
