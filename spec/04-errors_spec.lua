local plumb = require "plumb"
local testing = require "plumb.testing"

local root = os.getenv("PLUMB_ROOT")

describe("errors", function()
  testing.leakcheck()

  it("raise for misuse, naming the argument", function()
    local sb <close> = testing.sandbox()
    local h = sb.h
    local cases = {
      { { name = "v0", kind = "veth", mut = 1500 }, 'unknown option "mut"' },
      { { name = "v0", kind = "veth", peer = { name = "p", mtuu = 1 } }, 'peer: unknown option "mtuu"' },
      { { name = "v0", kind = "vxlan", vxlan = { idd = 1 } }, 'vxlan: unknown option "idd"' },
      { { name = "sixteen-bytes-xx", kind = "bridge" }, "must be 1 to 15 bytes" },
      { { name = "", kind = "bridge" }, "must be 1 to 15 bytes" },
      { { name = "a/b", kind = "bridge" }, "invalid interface name" },
      { { name = "v0", kind = "veth", peer = { name = "sixteen-bytes-xx" } }, "peer.name: interface name" },
      { { name = "v0", kind = "veth", address = "02:00:00:00:00:zz" }, "address: malformed MAC address" },
      { { name = "v0", kind = "veth", address = "02:00:00:00:00:001" }, "address: malformed MAC address" },
      { { name = "v0", kind = "veth", address = 12 }, "address: malformed MAC address" },
      { { name = "v0", kind = "nope" }, 'unknown link kind "nope"' },
      { { name = "v0" }, "kind: expected a link kind name" },
      { { kind = "bridge" }, "name: a new link needs a name" },
      { { name = "v0", kind = "bridge", mtu = "1500" }, "mtu: expected an integer, got string" },
      { { name = "v0", kind = "bridge", mtu = 1.5 }, "mtu: expected an integer, got a non%-integer number" },
      { { name = "v0", kind = "bridge", mtu = -1 }, "mtu: %-1 out of range" },
      { { name = "v0", kind = "bridge", up = "yes" }, "up: expected a boolean" },
      { { name = "v0", kind = "macvlan", macvlan = { mode = "brige" } }, 'macvlan.mode: unknown value "brige"' },
      { { name = "v0", kind = "vxlan", vxlan = { id = 1, remote = "300.1.1.1" } }, "vxlan.remote: malformed IP address" },
      { { name = "v0", kind = "vxlan", vxlan = { id = 1, dstport = 70000 } }, "vxlan.dstport: 70000 out of range" },
      { { name = "v0", kind = "bridge", bridge = 1 }, "bridge: expected a table" },
      { { name = "v0", kind = "bridge", netns = "a/../b/" .. ("x"):rep(5000) }, "netns" },
      { { name = "v0", kind = "bridge", netns = 1.5 }, "netns: expected a namespace name" },
      { { name = "v0", kind = "veth", peer = "p0" }, "peer: expected a table" },
      { { name = "v0", kind = "veth", peer = { name = "p0", up = 1 } }, "peer.up: expected a boolean" },
    }
    for _, c in ipairs(cases) do
      local ok, err = pcall(h.link_add, h, c[1])
      assert.is_false(ok, c[2])
      assert.matches(c[2], err)
      assert.matches("^link_add: ", err)
    end
    assert.has_error(function() h:link_add("v0") end, "link_add: expected an option table, got string")
    assert.has_error(function() h:link_set("lo", { mut = 1 }) end, 'link_set: unknown option "mut"')
    assert.has_error(function() h:link_set("lo", { kind = "veth" }) end, 'link_set: unknown option "kind"')
    assert.has_error(function() h:link_set({}, {}) end,
      "link_set: dev: expected a name or an ifindex, got table")
    assert.has_error(function() h:link_set("lo") end, "link_set: expected an option table, got no value")
    assert.has_error(function() h:link_del() end, "link_del: dev: expected a name or an ifindex, got no value")
    assert.has_error(function() h:link_del(1.5) end,
      "link_del: dev: expected a name or an ifindex, got a non-integer number")
    assert.has_error(function() h:link_get(true) end,
      "link_get: dev: expected a name or an ifindex, got boolean")
    assert.has_error(function() h:ifname("lo") end, "ifname: ifindex: expected an integer, got string")
    assert.has_error(function() h:link_get("sixteen-bytes-xx") end,
      'link_get: dev: interface name "sixteen-bytes-xx" must be 1 to 15 bytes')
    -- nothing was created by any of these
    assert.equal(1, #assert(h:links()))
  end)

  it("say plainly when CAP_NET_ADMIN is missing", function()
    local sb <close> = testing.sandbox()
    local script = ([[package.path=%q package.cpath=%q
      local h = assert(require("plumb").open())
      print(select(2, h:link_add{ name = "x0", kind = "bridge" }))
      print(select(3, h:link_set("lo", { mtu = 1280 })))]]):format(package.path, package.cpath)
    -- enter the sandbox as root, then drop every privilege
    local out = testing.sh(("ip netns exec %s setpriv --reuid=65534 --regid=65534 --clear-groups " ..
      "--inh-caps=-all --bounding-set=-all lua5.4 -e %q"):format(sb.ns, script))
    assert.matches("link_add x0: Operation not permitted %(needs CAP_NET_ADMIN", out)
    assert.matches("\n1\n$", out)
    assert.is_nil((sb.h:link_get("x0")))
  end)

  it("never overrun a request buffer, whatever the caller passes", function()
    local sb <close> = testing.sandbox()
    local ok, err, code = sb.h:link_add{ name = "b0", kind = "bridge", alias = ("x"):rep(100000) }
    assert.is_nil(ok)
    assert.equal("link_add b0: request too large", err)
    assert.equal(90, code) -- EMSGSIZE
    ok, err, code = sb.h:link_add{ name = "b0", kind = "bridge", alias = ("x"):rep(300) }
    assert.is_nil(ok)
    assert.matches("^link_add b0: .* %(alias%)$", err)
    assert.equal(34, code)
    assert.equal(1, #assert(sb.h:links()))
  end)

  it("leave the handle usable after a failure", function()
    local sb <close> = testing.sandbox()
    assert.is_nil((sb.h:link_del("nope")))
    assert.is_nil((sb.h:link_add{ name = "lo", kind = "bridge" }))
    assert.is_true(sb.h:link_add{ name = "b0", kind = "bridge" })
    assert.equal(2, #assert(sb.h:links()))
  end)
end)

describe("plumb.testing", function()
  it("finds what a test leaves behind", function()
    local before = testing.snapshot()
    local name = testing.name("leak")
    assert(plumb.netns.add(name))
    local h = assert(plumb.open())
    assert(h:link_add{ name = "leaky0", kind = "bridge" })
    local leaks = testing.leaks(before)
    assert.same({ "links: leaky0", "netns: " .. name }, leaks)
    assert(h:link_del("leaky0"))
    h:close()
    assert(plumb.netns.del(name))
    assert.same({}, testing.leaks(before))
  end)

  it("builds a bridge with containers", function()
    local sb <close> = testing.sandbox()
    local names = testing.bridge_with_containers(sb, 3)
    assert.equal(3, #names)
    assert.equal(3, #assert(sb.h:links{ master = "br0" }))
    for _, ns in ipairs(names) do
      local h <close> = assert(plumb.open{ netns = ns })
      assert.equal("UP", assert(h:link_get("eth0")).operstate)
    end
  end)

  it("builds a bridge with addressed containers that reach each other", function()
    local sb <close> = testing.sandbox()
    local names, addrs = testing.bridge_with_containers(sb, 2, { subnet = "10.77.0.0/24" })
    assert.same({ "10.77.0.2", "10.77.0.3" }, addrs)
    -- traffic only between the namespaces this test made
    assert.is_true((plumb.netns.exec(names[1], { "ping", "-c", "1", "-W", "2", "-q", "10.77.0.3" })))
    assert.is_true((plumb.netns.exec(names[2], { "ping", "-c", "1", "-W", "2", "-q", "10.77.0.1" })))
  end)

  it("knows the project root", function()
    assert.is_string(root)
  end)
end)
