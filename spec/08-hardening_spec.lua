-- Hostile input (issue 9, defects 1-8): every bad input gets a clear error and nothing else.
local plumb = require "plumb"
local testing = require "plumb.testing"

local EPERM, ENODEV = 1, 19

-- Open file descriptors of this process.
local function nfds()
  local n = 0
  local p <close> = assert(io.popen("ls /proc/" .. testing.pid() .. "/fd"))
  for _ in p:lines() do n = n + 1 end
  return n
end

-- An option table whose __index allocates and collects (issue 9 defect 1). Values are given
-- reversed and reversed on the way out: the string returned exists nowhere else (no constant
-- of this file holds it), so a collection frees it unless the binding keeps it alive.
local function hostile(reversed)
  return setmetatable({}, { __index = function(_, k)
    for _ = 1, 3000 do local _ = {} end
    collectgarbage()
    local v = reversed[k]
    if type(v) == "string" then return v:reverse() end
    return v
  end })
end

-- Lua's own assert (busted's raises a table): what a script writes in `for ... in assert(...)`.
local function lua_assert(ok, ...)
  if not ok then error((...), 2) end
  return ok, ...
end

-- The message of a raised error, without its position.
local function raised(f, ...)
  local ok, err = pcall(f, ...)
  assert.is_false(ok, "expected an error")
  assert.is_string(err)
  return (err:gsub("^[^\n]-:%d+: ", "", 1))
end

-- Run `script` (Lua) in namespace `ns` as uid 65534 with no capability; its output.
local function unprivileged(ns, script)
  script = ("package.path=%q package.cpath=%q "):format(package.path, package.cpath) .. script
  return testing.sh(("ip netns exec %s setpriv --reuid=65534 --regid=65534 --clear-groups " ..
    "--inh-caps=-all --bounding-set=-all lua5.4 -e %q"):format(ns, script))
end

describe("hardening", function()
  testing.leakcheck()

  describe("option tables with metatables", function()
    it("are read raw: __index never runs, nothing is freed under the core", function()
      local sb <close> = testing.sandbox()
      local h = sb.h
      assert(h:link_add{ name = "br0", kind = "bridge" })
      local calls = {
        { "link_add", function() return h:link_add(hostile{ name = "1kq", kind = "egdirb" }) end,
          "link_add: kind: expected a link kind name, got nil" },
        { "addrs", function() return h:addrs(hostile{ dev = "0rb", family = "teni" }) end, nil },
        { "route_add", function()
            return h:route_add(hostile{ dst = "42/0.2.0.291", dev = "0rb" })
          end, "route_add: dst: a route needs a destination (a prefix or \"default\")" },
        { "route_ensure", function()
            return h:route_ensure(hostile{ dst = "42/0.2.0.291", dev = "0rb" })
          end, "route_ensure: dst: a route needs a destination (a prefix or \"default\")" },
        { "routes", function() return h:routes(hostile{ table = "lla", dst = "42/0.2.0.291" }) end, nil },
        { "each_route", function()
            local l = {}
            for r in h:each_route(hostile{ table = "lla", dst = "42/0.2.0.291" }) do l[#l + 1] = r end
            return l
          end, nil },
        { "neighs", function() return h:neighs(hostile{ dev = "0rb" }) end, nil },
        { "fdb_add", function()
            return h:fdb_add(hostile{ dev = "0rb", lladdr = "10:00:00:00:00:20" })
          end, "fdb_add: dev: required (a name or an ifindex)" },
      }
      for _, c in ipairs(calls) do
        for _ = 1, 200 do
          collectgarbage("step")
          if c[3] then
            assert.equal(c[3], raised(c[2]))
          else
            -- an empty raw table: the same as no options at all
            assert.is_table((c[2]()), c[1])
          end
        end
      end
      -- raw fields count, whatever the metatable says
      assert.is_true(h:link_add(setmetatable({ name = "b1", kind = "bridge" },
        { __index = function() error("never called") end,
          __pairs = function() error("never called") end })))
      assert.equal("b1", assert(h:link_get("b1")).ifname)
      assert.equal(3, #assert(h:links()))
    end)

    it("are read where they are by change calls: no finalizer runs while one is built", function()
      -- A change call (route_add, link_add, addr_add, ...) reads its option table in place,
      -- without a private copy: that is safe only because nothing in it allocates, so no
      -- garbage collection step, hence no finalizer, can run and rewrite the table (and free
      -- a string the core points at) until the call is over. Finalizers here rewrite the
      -- table and report whether they ran inside a call (the handle is busy then).
      local sb <close> = testing.sandbox()
      local h = sb.h
      local opts = { dst = "10.9.0.1/32", dev = "lo" }
      local inside, ran = 0, 0
      local function bomb(i)
        setmetatable({}, { __gc = function()
          ran = ran + 1
          opts.dev = "lo"
          opts[1] = { i }     -- a new entry, unreferenced at the next rewrite
          opts[1] = nil
          if not pcall(h.link_get, h, "lo") then inside = inside + 1 end
        end })
      end
      collectgarbage("incremental", 1, 100, 1)   -- a GC step at (almost) every allocation
      for i = 1, 600 do
        for k = 1, 5 do bomb(k) end
        opts.dst = ("10.9.%d.%d/32"):format(i // 256, i % 256)
        assert(h:route_add(opts))
        assert(h:addr_add("lo", opts.dst))
      end
      collectgarbage("incremental", 200, 100)
      collectgarbage()
      assert.is_true(ran > 0, "no finalizer ran at all")
      assert.equal(0, inside, "a finalizer ran inside a change call")
      assert.equal(600, #assert(h:routes{ dev = "lo", table = "main" }))
    end)

    it("keep a handle in use from being used again (a finalizer calling it)", function()
      local sb <close> = testing.sandbox()
      local h = sb.h
      for i = 1, 40 do assert(h:link_add{ name = "b" .. i, kind = "bridge" }) end
      local seen = {}
      local function bomb()
        setmetatable({}, { __gc = function()
          local ok, err = pcall(h.link_get, h, "lo")
          if not ok then
            seen[#seen + 1] = err
            -- inside a call: closing the handle under it is refused too
            local okc, errc = pcall(h.close, h)
            assert(not okc, "closed under a running call")
            seen[#seen + 1] = errc
          end
        end })
      end
      for _ = 1, 200 do
        for _ = 1, 20 do bomb() end
        local l = assert(h:links())
        assert.equal(41, #l)
        for _, r in ipairs(l) do assert.is_string(r.ifname) end
      end
      collectgarbage()
      assert.is_true(#seen > 0, "no finalizer ran during a call")
      for _, err in ipairs(seen) do
        assert.matches("^[%w_]+: handle busy", (err:gsub("^[^\n]-:%d+: ", "", 1)))
      end
      assert.equal(41, #assert(h:links()))
    end)
  end)

  it("leaks no descriptor when an option raises after a namespace was opened", function()
    local sb <close> = testing.sandbox()
    local ns = sb:netns("fz")
    local before = nfds()
    local errs = {}
    for i = 1, 100 do
      local ok, err = pcall(sb.h.link_add, sb.h, { name = "q1", kind = "veth", netns = ns,
        peer = setmetatable({ mtuu = 1 }, { __index = function(_, k) error("boom " .. k) end }) })
      assert.is_false(ok)
      errs[i] = err
    end
    assert.equal(before, nfds())
    for _, err in ipairs(errs) do assert.matches('link_add: peer: unknown option "mtuu"$', err) end
  end)

  it("refuses NUL bytes in every string, naming the argument", function()
    local sb <close> = testing.sandbox()
    local h = sb.h
    assert(h:link_add{ name = "br0", kind = "bridge" })
    local cases = {
      { function() return h:link_add{ name = "ab\0cd", kind = "bridge" } end,
        "link_add: name: contains a NUL byte" },
      { function() return h:link_add{ name = "v0", kind = "veth\0x" } end,
        "link_add: kind: contains a NUL byte" },
      { function() return h:link_add{ name = "v0", kind = "veth", peer = { name = "p\0" } } end,
        "link_add: peer.name: contains a NUL byte" },
      { function() return h:link_add{ name = "v0", kind = "bridge", ["na\0me"] = 1 } end,
        'link_add: option key "na" contains a NUL byte' },
      { function() return h:link_get("ab\0zz") end, "link_get: dev: contains a NUL byte" },
      { function() return h:link_set("br0", { alias = "a\0b" }) end,
        "link_set: alias: contains a NUL byte" },
      { function() return h:link_set("br0", { address = "02:00:00:00:00:01\0" }) end,
        "link_set: address: contains a NUL byte" },
      { function() return h:addr_add("br0", "10.0.0.1/24\0junk") end,
        "addr_add: prefix: contains a NUL byte" },
      { function() return h:addr_add("br0", "10.0.0.1/24", { label = "br0\0x" }) end,
        "addr_add: label: contains a NUL byte" },
      { function() return h:route_add{ dst = "192.0.2.0/24", dev = "br0", table = "main\0" } end,
        "route_add: table: contains a NUL byte" },
      { function() return h:route_add{ dst = "192.0.2.0/24", nexthops = { { dev = "br\0" } } } end,
        "route_add: nexthops[1].dev: contains a NUL byte" },
      { function() return h:route_get("10.0.0.1\0") end, "route_get: dst: contains a NUL byte" },
      { function() return h:links{ kind = "veth\0" } end, "links: kind: contains a NUL byte" },
      { function() return plumb.netns.add("x\0y") end, "netns.add: name: contains a NUL byte" },
      { function() return plumb.netns.del("x\0y") end, "netns.del: name: contains a NUL byte" },
      { function() return plumb.netns.exec("x\0y", { "true" }) end,
        "netns.exec: netns: contains a NUL byte" },
      { function() return plumb.netns.exec(sb.ns, { "true", "a\0b" }) end,
        "netns.exec: argv[2]: contains a NUL byte" },
      { function() return plumb.open{ netns = "/run/netns/x\0y" } end,
        "open: netns: contains a NUL byte" },
    }
    for _, c in ipairs(cases) do assert.equal(c[2], raised(c[1])) end
    assert.is_false(plumb.netns.exists("x"))
    assert.equal(2, #assert(h:links()))
    assert.same({}, assert(h:addrs{ dev = "br0", family = "inet" }))
  end)

  it("shows a device that is gone as ip does (\"if<N>\"), never as a bare number", function()
    local sb <close> = testing.sandbox()
    local recs = assert(sb.h:_ifnames{ 1, 99999 })
    assert.same({ { dev = "lo" }, { dev = "if99999" } }, recs)
  end)

  it("range-checks pids and every integer the kernel takes narrower", function()
    local sb <close> = testing.sandbox()
    local h = sb.h
    assert(h:link_add{ name = "br0", kind = "bridge" })
    local big = (1 << 32) + 1
    local cases = {
      { function() return plumb.open{ netns = { pid = big } } end,
        "open: netns: pid 4294967297 out of range 1..2147483647" },
      { function() return plumb.netns.run(big, function() end) end,
        "netns.run: netns: pid 4294967297 out of range 1..2147483647" },
      { function() return plumb.netns.exec(big, { "true" }) end,
        "netns.exec: netns: pid 4294967297 out of range 1..2147483647" },
      { function() return plumb.netns.exec(0, { "true" }) end,
        "netns.exec: netns: pid 0 out of range 1..2147483647" },
      { function() return h:link_add{ name = "v0", kind = "veth", netns = big } end,
        "link_add: netns: invalid pid 4294967297" },
      { function() return h:link_set("br0", { mtu = 1 << 32 }) end,
        "link_set: mtu: 4294967296 out of range 0..4294967295" },
      { function() return h:link_set("br0", { txqueuelen = -1 }) end,
        "link_set: txqueuelen: -1 out of range 0..4294967295" },
      { function() return h:link_set("br0", { group = 1 << 33 }) end,
        "link_set: group: 8589934592 out of range 0..4294967295" },
      { function() return h:link_set("br0", { bridge = { priority = 65536 } }) end,
        "link_set: bridge.priority: 65536 out of range 0..65535" },
      { function() return h:link_add{ name = "vx0", kind = "vxlan", vxlan = { id = 1, ttl = 256 } } end,
        "link_add: vxlan.ttl: 256 out of range 0..255" },
      { function() return h:link_add{ name = "vx0", kind = "vxlan", vxlan = { id = 1, ttl = -1 } } end,
        "link_add: vxlan.ttl: -1 out of range 0..255" },
      { function() return h:link_get(1 << 32) end,
        "link_get: dev: invalid ifindex 4294967296" },
      { function() return h:ifname(1 << 32) end,
        "ifname: ifindex: 4294967296 out of range 1..2147483647" },
      { function() return h:route_add{ dst = "10.9.0.0/24", dev = "br0", metric = 1 << 32 } end,
        "route_add: metric: 4294967296 out of range 0..4294967295" },
      { function() return h:route_add{ dst = "10.9.0.0/24", dev = "br0", table = 1 << 32 } end,
        "route_add: table: 4294967296 out of range 0..4294967295" },
      { function() return h:rule_add{ priority = 1 << 32, table = 5 } end,
        "rule_add: priority: 4294967296 out of range 0..4294967295" },
      { function() return h:vlan_add{ dev = "br0", vid = 4095 } end,
        "vlan_add: vid: 4095 out of range 1..4094" },
      { function() return h:fdbs{ vlan = 1 << 32 } end,
        "fdbs: vlan: 4294967296 out of range 1..4094" },
    }
    for _, c in ipairs(cases) do assert.equal(c[2], raised(c[1])) end
    assert.equal(1500, assert(h:link_get("br0")).mtu)
  end)

  describe("each_route", function()
    it("fails as routes() does: nil, message, errno", function()
      local sb <close> = testing.sandbox()
      local ok, err, code = sb.h:routes{ dev = 999 }
      local ok2, err2, code2 = sb.h:each_route{ dev = 999 }
      assert.is_nil(ok)
      assert.is_nil(ok2)
      assert.equal("routes: No such device", err)
      assert.equal("each_route: No such device", err2)
      assert.equal(ENODEV, code)
      assert.equal(ENODEV, code2)
      -- a for loop takes assert(): the failure is the message, not "attempt to call a nil value"
      assert.equal("each_route: No such device", raised(function()
        for _ in lua_assert(sb.h:each_route{ dev = 999 }) do end
      end))
      -- misuse raises from both
      assert.equal('routes: unknown option "dve"', raised(sb.h.routes, sb.h, { dve = 1 }))
      assert.equal('each_route: unknown option "dve"', raised(sb.h.each_route, sb.h, { dve = 1 }))
    end)

    it("works without privileges where routes() does", function()
      local sb <close> = testing.sandbox()
      assert(sb.h:link_add{ name = "d0", kind = "bridge", up = true })
      assert(sb.h:addr_add("d0", "10.0.0.1/24"))
      local out = unprivileged(sb.ns, [[
        local h = assert(require("plumb").open())
        local n = 0
        for r in assert(h:each_route()) do n = n + 1; assert(r.dev == "d0") end
        print(#assert(h:routes()), n)]])
      local n1, n2 = out:match("^(%d+)\t(%d+)\n$")
      assert.equal(n1, n2)
      assert.is_true(tonumber(n1) > 0)
    end)
  end)

  describe("netns.exec", function()
    it("says why when the namespace cannot be entered", function()
      local sb <close> = testing.sandbox()
      local out = unprivileged(sb.ns, [[
        print(require("plumb").netns.exec("/proc/self/ns/net", { "true" }))]])
      assert.equal("nil\tnetns.exec /proc/self/ns/net: setns: Operation not permitted " ..
        "(needs CAP_SYS_ADMIN)\t" .. EPERM .. "\n", out)
      local ok, err, code = plumb.netns.exec("/etc/passwd", { "true" })
      assert.is_nil(ok)
      assert.equal("netns.exec: netns /etc/passwd: not a network namespace", err)
      assert.equal(22, code)
    end)

    it("names the limit of 4095 words", function()
      local argv = {}
      for i = 1, 5000 do argv[i] = "x" end
      assert.equal("netns.exec: argv: 5000 words, more than the limit of 4095",
        raised(plumb.netns.exec, "/proc/self/ns/net", argv))
      assert.equal('netns.exec: argv: expected a command { "prog", "arg", ... }, got an empty list',
        raised(plumb.netns.exec, "/proc/self/ns/net", {}))
    end)
  end)

  describe("messages name the caller's function, argument and object once", function()
    it("for each misuse", function()
      local sb <close> = testing.sandbox()
      local h = sb.h
      assert(h:link_add{ name = "q5", kind = "bridge" })
      local methods = plumb.core.handle_methods
      local cases = {
        { function() return h:links{ kindd = "veth" } end, 'links: unknown option "kindd"' },
        { function() return h:links{ knd = "veth" } end, 'links: unknown option "knd"' },
        { function() return h:fdbs{ bridge = "q5" } end, 'fdbs: unknown option "bridge"' },
        { function() return h:vlans{ device = "q5" } end, 'vlans: unknown option "device"' },
        { function() return plumb.links{ kindd = "veth" } end, 'links: unknown option "kindd"' },
        { function() return plumb.link_get(true) end,
          "link_get: dev: expected a name or an ifindex, got boolean" },
        { function() return plumb.netns.add(nil) end, "netns.add: name: expected a string, got nil" },
        { function() return methods.links(42) end,
          "links: bad self (expected a plumb handle, got number)" },
        { function() return h.links({}) end, "links: bad self (expected a plumb handle, got table)" },
        { function() return methods.link_ensure(42, { name = "x", kind = "bridge" }) end,
          "link_ensure: bad self (expected a plumb handle, got number)" },
        { function() return methods.route_ensure(42, { dst = "default" }) end,
          "route_ensure: bad self (expected a plumb handle, got number)" },
        { function() return h:route_get("127.0.0.1", { mark = "x" }) end,
          'route_get: mark: expected an integer, got "x"' },
        { function() return h:link_set("a/b", { mtu = 1000 }) end,
          'link_set: dev: invalid interface name "a/b"' },
        { function() return h:link_ensure{ name = "q7", kind = "bridge", mtu = "big" } end,
          "link_ensure: mtu: expected an integer, got string" },
        { function() return h:link_add("v0") end, "link_add: expected an option table, got string" },
        { function() return h:link_add({}, {}) end,
          "link_add: expected one option table, got one more argument" },
        { function() return plumb.netns.run("x", 1) end,
          "netns.run: fn: expected a function, got number" },
      }
      for _, c in ipairs(cases) do assert.equal(c[2], raised(c[1])) end
      -- failures: the operation and the object, once
      local ok, err, code = h:neigh_add{ dev = "q6", dst = "10.8.0.9", lladdr = "02:00:00:00:00:01" }
      assert.is_nil(ok)
      assert.equal("neigh_add 10.8.0.9 dev q6: No such device", err)
      assert.equal(ENODEV, code)
      ok, err, code = plumb.open{ netns = "/etc/passwd" }
      assert.is_nil(ok)
      assert.equal("open: netns /etc/passwd: not a network namespace", err)
      assert.equal(22, code)
      ok, err = h:link_ensure{ name = "q8", kind = "veth", master = "nope" }
      assert.is_nil(ok)
      assert.equal("link_ensure q8: master nope: No such device", err)
    end)

    it("point at the caller's line, for module functions too", function()
      local _, err = pcall(function() local _ = plumb.links{ kindd = "veth" } end)
      assert.matches("^[^\n]*08%-hardening_spec%.lua:%d+: links: unknown option \"kindd\"$", err)
      _, err = pcall(function() local _ = plumb.netns.add(nil) end)
      assert.matches("^[^\n]*08%-hardening_spec%.lua:%d+: netns%.add: ", err)
      _, err = pcall(function() local _ = plumb.link_ensure{ name = "x" } end)
      assert.matches("^[^\n]*08%-hardening_spec%.lua:%d+: link_ensure: kind: ", err)
      _, err = pcall(function() local _ = plumb.open{ netns = { pid = 0 } } end)
      assert.matches("^[^\n]*08%-hardening_spec%.lua:%d+: open: netns: pid 0 out of range", err)
    end)
  end)
end)
