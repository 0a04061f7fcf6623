local plumb = require "plumb"
local testing = require "plumb.testing"

local function contains(list, x)
  for _, v in ipairs(list) do if v == x then return true end end
  return false
end

describe("plumb.netns", function()
  testing.leakcheck()

  it("adds, lists, finds and deletes a namespace", function()
    local name = testing.name("ns")
    assert.is_false(plumb.netns.exists(name))
    assert.is_true(plumb.netns.add(name))
    finally(function() if plumb.netns.exists(name) then plumb.netns.del(name) end end)
    assert.is_true(plumb.netns.exists(name))
    assert.is_true(contains(assert(plumb.netns.list()), name))
    -- a fresh namespace holds only a loopback device, down
    local h <close> = assert(plumb.open{ netns = name })
    local links = assert(h:links())
    assert.equal(1, #links)
    assert.equal("lo", links[1].ifname)
    h:close()
    assert.is_true(plumb.netns.del(name))
    assert.is_false(plumb.netns.exists(name))
    assert.is_false(contains(assert(plumb.netns.list()), name))
  end)

  it("interoperates with ip netns both ways", function()
    local a, b = testing.name("ipmade"), testing.name("plumbmade")
    testing.sh("ip netns add " .. a)
    finally(function()
      if plumb.netns.exists(a) then plumb.netns.del(a) end
      if plumb.netns.exists(b) then plumb.netns.del(b) end
    end)
    assert.is_true(plumb.netns.exists(a))
    local h <close> = assert(plumb.open{ netns = a })
    assert(h:link_add{ name = "made-by-plumb", kind = "bridge" })
    assert.matches("made%-by%-plumb", testing.sh("ip -n " .. a .. " link show"))
    h:close()
    assert(plumb.netns.add(b))
    assert.truthy(testing.sh("ip netns list"):find(b, 1, true))
    testing.sh("ip -n " .. b .. " link add made-by-ip type bridge")
    local hb <close> = assert(plumb.open{ netns = b })
    assert.is_table(hb:link_get("made-by-ip"))
    hb:close()
    testing.sh("ip netns del " .. b)
    assert.is_false(plumb.netns.exists(b))
    assert(plumb.netns.del(a))
    assert.falsy(testing.sh("ip netns list"):find(a, 1, true))
  end)

  it("reports errors as nil, message, errno", function()
    local name = testing.name("dup")
    assert(plumb.netns.add(name))
    finally(function() plumb.netns.del(name) end)
    local ok, err, code = plumb.netns.add(name)
    assert.is_nil(ok)
    assert.equal("netns.add " .. name .. ": File exists", err)
    assert.equal(17, code)
    ok, err, code = plumb.netns.del("absent-ns")
    assert.is_nil(ok)
    assert.matches("absent%-ns: No such file or directory", err)
    assert.equal(2, code)
  end)

  it("rejects bad names", function()
    for _, bad in ipairs{ "", "a/b", ".", "..", ("x"):rep(300) } do
      assert.has_error(function() plumb.netns.add(bad) end,
        ('netns.add: name: invalid namespace name "%s"'):format(bad))
      assert.has_error(function() plumb.netns.del(bad) end,
        ('netns.del: name: invalid namespace name "%s"'):format(bad))
    end
    assert.has_error(function() plumb.netns.add(nil) end, "netns.add: name: expected a string, got nil")
    assert.is_false(plumb.netns.exists("a/b"))
  end)

  describe("exec()", function()
    it("runs a command inside, with os.execute's results", function()
      local sb <close> = testing.sandbox()
      assert(sb.h:link_add{ name = "only-inside", kind = "bridge" })
      local ok, how, code = plumb.netns.exec(sb.ns, { "sh", "-c", "ip link show only-inside >/dev/null" })
      assert.is_true(ok)
      assert.equal("exit", how)
      assert.equal(0, code)
      ok, how, code = plumb.netns.exec(sb.ns, { "sh", "-c", "exit 3" })
      assert.is_nil(ok)
      assert.equal("exit", how)
      assert.equal(3, code)
      -- /sys shows the namespace's own devices, as with ip netns exec
      ok = plumb.netns.exec(sb.ns, { "test", "-e", "/sys/class/net/only-inside" })
      assert.is_true(ok)
      ok, how, code = plumb.netns.exec(sb.ns, { "/nonexistent/program" })
      assert.is_nil(ok)
      assert.equal("exit", how)
      assert.equal(127, code)
    end)

    it("rejects bad arguments", function()
      assert.has_error(function() plumb.netns.exec("x", {}) end,
        'netns.exec: argv: expected a command { "prog", "arg", ... }, got an empty list')
      assert.has_error(function() plumb.netns.exec("x", "ls") end,
        'netns.exec: argv: expected a command { "prog", "arg", ... }, got string')
      assert.has_error(function() plumb.netns.exec("x", { {} }) end,
        "netns.exec: argv[1]: expected a string, got table")
      local ok, err, code = plumb.netns.exec("absent-ns", { "true" })
      assert.is_nil(ok)
      assert.matches("No such file or directory", err)
      assert.equal(2, code)
    end)
  end)

  describe("run()", function()
    it("runs a function inside and switches back, also on error", function()
      local sb <close> = testing.sandbox()
      local outside = plumb.netns.id()
      local inside, n = plumb.netns.run(sb.ns, function(x)
        return plumb.netns.id(), x + 1
      end, 41)
      assert.not_equal(outside, inside)
      assert.equal(42, n)
      assert.equal(outside, plumb.netns.id())
      assert.has_error(function()
        plumb.netns.run(sb.ns, function() error("boom", 0) end)
      end, "boom")
      assert.equal(outside, plumb.netns.id())
    end)

    it("accepts a path", function()
      local sb <close> = testing.sandbox()
      local id = plumb.netns.run("/run/netns/" .. sb.ns, plumb.netns.id)
      assert.not_equal(plumb.netns.id(), id)
    end)
  end)
end)
