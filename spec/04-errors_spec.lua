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
    -- The unprivileged run (uid 65534) may not be able to read the tree (a clone under a
    -- 0700 home): it gets its own readable copy of the Lua files and core.so.
    local dir = testing.sh("mktemp -d /tmp/plumb-nobody.XXXXXX"):gsub("\n$", "")
    finally(function() testing.sh("rm -rf " .. dir) end)
    local lua_dir = assert(package.searchpath("plumb", package.path)):match("^(.*)/plumb/init%.lua$")
    local so = assert(package.searchpath("plumb.core", package.cpath))
    testing.sh(("mkdir -p %s/lua %s/lib/plumb && cp -R %s/plumb %s/lua/ && cp %s %s/lib/plumb/ " ..
      "&& chmod -R a+rX %s"):format(dir, dir, lua_dir, dir, so, dir, dir))
    local script = ([[package.path=%q package.cpath=%q
      local h = assert(require("plumb").open())
      print(select(2, h:link_add{ name = "x0", kind = "bridge" }))
      print(select(3, h:link_set("lo", { mtu = 1280 })))]]):format(
      dir .. "/lua/?.lua;" .. dir .. "/lua/?/init.lua", dir .. "/lib/?.so")
    -- enter the sandbox as root, then drop every privilege
    local out = testing.sh(("cd / && ip netns exec %s setpriv --reuid=65534 --regid=65534 " ..
      "--clear-groups --inh-caps=-all --bounding-set=-all %s -e %q"):format(sb.ns,
      os.getenv("LUA") or "lua5.4", script))
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

  -- spec/run sandboxes the suite in its own network and PID namespaces: pid 1 is the
  -- sandbox's shell, in the suite's network namespace, and no host process is visible.
  it("runs in a PID namespace of its own", function()
    local function link(p)
      local r = io.popen("readlink " .. p .. " 2>/dev/null")
      local out = r:read("l")
      r:close()
      return out or ("unreadable " .. p)
    end
    assert.equal(link("/proc/self/ns/net"), link("/proc/1/ns/net"))
    assert.equal(link("/proc/self/ns/pid"), link("/proc/1/ns/pid"))
    local f = assert(io.open("/proc/1/cmdline"))
    local cmd = f:read("a"):gsub("%z.*", "")
    f:close()
    assert.equal("sh", cmd)
    for line in io.popen("ls /proc"):lines() do
      local pid = tonumber(line)
      if pid then
        -- every process is the suite's: it can read them all (but those gone or zombies)
        local ns = link("/proc/" .. pid .. "/ns/net")
        local st = io.open("/proc/" .. pid .. "/stat")
        local state = st and st:read("a"):match("^%d+ %b() (%a)")
        if st then st:close() end
        assert.is_true(ns:match("^net:%[%d+%]$") ~= nil or not state or state == "Z",
          ("pid %d (state %s): %s"):format(pid, tostring(state), ns))
      end
    end
  end)

  -- spec/run hands the suite PLUMB_ROOT: the specs load plumb from that tree (its Lua files
  -- and its build's core.so), not from anything installed on the machine.
  it("runs against the tree under test", function()
    assert.is_string(root)
    local f = assert(io.open(root .. "/spec/run"))
    f:close()
    for _, m in ipairs{ "plumb", "plumb.testing", "plumb.cli" } do
      local file = assert(package.searchpath(m, package.path))
      assert.equal(root .. "/lua/", file:sub(1, #root + 5), m .. " from " .. file)
    end
    local so = assert(package.searchpath("plumb.core", package.cpath))
    assert.equal(("%s/%s/lib/plumb/core.so"):format(root, os.getenv("PLUMB_BUILD") or "build"), so)
    assert.equal(plumb._VERSION, package.loadlib(so, "luaopen_plumb_core")()._VERSION)
  end)
end)
