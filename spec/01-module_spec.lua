local plumb = require "plumb"
local testing = require "plumb.testing"

describe("plumb", function()
  testing.leakcheck()

  it("has a version", function()
    assert.matches("^plumb %d+%.%d+%.%d+$", plumb._VERSION)
    assert.equal(plumb._VERSION, require("plumb.core")._VERSION)
  end)

  it("leaves the global table alone", function()
    local before = {}
    for k in pairs(_G) do before[k] = true end
    package.loaded["plumb"] = nil
    package.loaded["plumb.core"] = nil
    require "plumb"
    for k in pairs(_G) do assert.is_true(before[k], "new global " .. tostring(k)) end
  end)

  it("lists the link kinds it knows", function()
    local kinds = {}
    for _, k in ipairs(plumb.kinds()) do kinds[k] = true end
    for _, k in ipairs{ "veth", "bridge", "macvlan", "ipvlan", "vlan", "vxlan", "dummy",
                         "vrf", "bond", "geneve", "wireguard" } do
      assert.is_true(kinds[k], k)
    end
  end)

  describe("open()", function()
    it("opens and closes a handle, idempotently", function()
      local h = assert(plumb.open())
      assert.matches("plumb handle %(fd %d+%)", tostring(h))
      assert.is_number(h:fd())
      h:close()
      h:close()
      assert.matches("closed", tostring(h))
      assert.has_error(function() h:links() end, "links: attempt to use a closed plumb handle")
    end)

    it("closes with <close>", function()
      local fd
      do
        local h <close> = assert(plumb.open())
        fd = h:fd()
        assert.is_true(fd >= 0)
      end
      -- the socket's descriptor is gone once the block is left
      local f = io.open("/proc/self/fd/" .. fd)
      if f then f:close() end
      assert.is_nil(f)
    end)

    it("opens in another namespace by name, path and pid", function()
      local sb <close> = testing.sandbox()
      assert(sb.h:link_add{ name = "only-here", kind = "bridge" })
      for _, ns in ipairs{ sb.ns, "/run/netns/" .. sb.ns } do
        local h <close> = assert(plumb.open{ netns = ns })
        assert.is_table(h:link_get("only-here"))
      end
      local me <close> = assert(plumb.open{ netns = { pid = testing.pid() } })
      assert.is_nil((me:link_get("only-here")))
    end)

    it("returns nil, message, errno for an absent namespace", function()
      local h, err, code = plumb.open{ netns = "no-such-ns" }
      assert.is_nil(h)
      assert.matches("no%-such%-ns: No such file or directory", err)
      assert.equal(2, code)
    end)

    it("rejects bad arguments", function()
      assert.has_error(function() plumb.open{ nets = "x" } end, 'open: unknown option "nets"')
      assert.has_error(function() plumb.open("x") end, "open: expected an option table, got string")
      assert.has_error(function() plumb.open{ netns = 12 } end,
        "open: netns: expected a name, a path or { pid = N }")
      assert.has_error(function() plumb.open{ netns = { pid = "x" } } end, "open: netns: expected { pid = N }")
      assert.has_error(function() plumb.open{ netns = { pdi = 1 } } end, 'open: netns: unknown option "pdi"')
    end)
  end)

  describe("module functions", function()
    it("use a default handle in the current namespace", function()
      local names = {}
      for _, l in ipairs(assert(plumb.links())) do names[l.ifname] = true end
      assert.is_true(names.lo)
    end)

    it("follow the thread into netns.run", function()
      local sb <close> = testing.sandbox()
      assert(sb.h:link_add{ name = "inside", kind = "bridge" })
      local found = plumb.netns.run(sb.ns, function() return plumb.link_get("inside") end)
      assert.equal("inside", found.ifname)
      assert.is_nil((plumb.link_get("inside")))
    end)
  end)
end)
