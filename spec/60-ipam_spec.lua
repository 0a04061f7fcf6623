local core = require "plumb.core"
local ipam = require "plumb.ipam"
local R = require "recipes_support"

describe("plumb.ipam", function()
  local dir
  before_each(function() dir = R.tmpdir() end)
  after_each(function() R.rmtree(dir) end)

  describe("parse() and format()", function()
    it("round-trip IPv4 and IPv6 in their canonical forms", function()
      for s, want in pairs{ ["10.0.0.1"] = "10.0.0.1", ["fd00::1"] = "fd00::1", ["::"] = "::",
        ["2001:db8:0:0:1:0:0:1"] = "2001:db8::1:0:0:1", ["1:2:3:4:5:6:7:8"] = "1:2:3:4:5:6:7:8",
        ["FD00:0:0:0:0:0:0:A"] = "fd00::a", ["1::"] = "1::" } do
        assert.equal(want, ipam.format(ipam.parse(s)))
      end
      assert.is_nil(ipam.parse("10.0.0.256"))
      assert.is_nil(ipam.parse("1::2::3"))
      assert.is_nil(ipam.parse("1:2:3:4:5:6:7:8:9"))
      assert.is_nil(ipam.parse("x"))
    end)
  end)

  describe("allocate()", function()
    it("skips the network address, the gateway and the broadcast address, then runs out", function()
      local got = {}
      for i = 1, 5 do
        got[i] = assert(ipam.allocate{ subnet = "10.9.0.0/29", key = "k" .. i, state_dir = dir,
          gateway = "10.9.0.1" })
      end
      assert.same({ "10.9.0.2/29", "10.9.0.3/29", "10.9.0.4/29", "10.9.0.5/29", "10.9.0.6/29" }, got)
      assert.same({ nil, "ipam.allocate: no free address in 10.9.0.0/29" },
        { ipam.allocate{ subnet = "10.9.0.0/29", key = "k6", state_dir = dir, gateway = "10.9.0.1" } })
    end)

    it("gives a key the address it holds (up twice), and a released one round-robin", function()
      local o = { subnet = "10.9.0.0/24", key = "c1/eth0", state_dir = dir }
      assert.same({ "10.9.0.1/24", true }, { ipam.allocate(o) })
      assert.same({ "10.9.0.1/24", false }, { ipam.allocate(o) })
      assert.equal("10.9.0.1/24", ipam.lookup(o))
      assert.same({ ["10.9.0.1"] = "c1/eth0" }, ipam.allocations{ subnet = "10.9.0.0/24", state_dir = dir })
      assert.is_true(ipam.release(o))
      assert.is_true(ipam.release(o))      -- nothing held: fine
      assert.is_nil(ipam.lookup(o))
      assert.same({}, ipam.allocations{ subnet = "10.9.0.0/24", state_dir = dir })
      assert.equal("10.9.0.2/24", ipam.allocate(o))
    end)

    it("honours a range and IPv6", function()
      assert.equal("10.9.0.200/24", ipam.allocate{ subnet = "10.9.0.0/24", key = "a", state_dir = dir,
        range_start = "10.9.0.200", range_end = "10.9.0.201" })
      assert.equal("10.9.0.201/24", ipam.allocate{ subnet = "10.9.0.0/24", key = "b", state_dir = dir,
        range_start = "10.9.0.200", range_end = "10.9.0.201" })
      assert.is_nil(ipam.allocate{ subnet = "10.9.0.0/24", key = "c", state_dir = dir,
        range_start = "10.9.0.200", range_end = "10.9.0.201" })
      assert.equal("fd00::1/64", ipam.allocate{ subnet = "fd00::/64", key = "a", state_dir = dir })
      assert.equal("fd00::2/64", ipam.allocate{ subnet = "fd00::/64", key = "b", state_dir = dir,
        gateway = "fd00::1" })
      assert.equal("fd00::1:0/120", ipam.allocate{ subnet = "fd00::1:0/120", key = "a", state_dir = dir,
        range_start = "fd00::1:0" })
    end)

    it("uses $PLUMB_STATE_DIR when no state_dir is given", function()
      local code = [[print(require("plumb.ipam").allocate{ subnet = "10.7.0.0/24", key = "x" })]]
      local p = assert(io.popen(("PLUMB_STATE_DIR=%s %s -e '%s'"):format(dir, R.lua(), code)))
      assert.equal("10.7.0.1/24\ttrue", p:read("l"))
      p:close()
      assert.same({ ["10.7.0.1"] = "x" }, ipam.allocations{ subnet = "10.7.0.0/24", state_dir = dir })
    end)

    it("recovers a half-written allocation (a crash between its two files)", function()
      local o = { subnet = "10.9.0.0/24", key = "c1/eth0", state_dir = dir }
      assert.equal("10.9.0.1/24", ipam.allocate(o))
      -- the owner file written, the address file not yet: what a crash there leaves
      assert(os.remove(dir .. "/10.9.0.0-24/10.9.0.1"))
      assert.equal("10.9.0.1/24", ipam.allocate(o))
      assert.same({ ["10.9.0.1"] = "c1/eth0" }, ipam.allocations{ subnet = "10.9.0.0/24", state_dir = dir })
      -- a leftover temporary file is not an allocation
      local f = assert(io.open(dir .. "/10.9.0.0-24/10.9.0.2.tmp123", "w")) f:write("x") f:close()
      assert.equal("10.9.0.2/24", ipam.allocate{ subnet = "10.9.0.0/24", key = "c2/eth0", state_dir = dir })
    end)

    it("never gives one address twice across concurrent processes", function()
      local script = [[
        local ipam = require "plumb.ipam"
        local id, dir = ...
        for i = 1, 20 do
          local a = assert(ipam.allocate{ subnet = "10.50.0.0/16", key = id .. "/" .. i, state_dir = dir })
          io.write(a, "\n")
        end]]
      local sf = dir .. "/alloc.lua"
      local f = assert(io.open(sf, "w")) f:write(script) f:close()
      local t0 = core.monotonic()
      local cmd = {}
      for p = 1, 8 do cmd[#cmd + 1] = ("%s %s p%d %s > %s/out%d 2>&1 &"):format(R.lua(), sf, p, dir, dir, p) end
      cmd[#cmd + 1] = "wait"
      assert(os.execute(table.concat(cmd, "\n")))
      local elapsed = core.monotonic() - t0
      local seen, n = {}, 0
      for p = 1, 8 do
        for line in io.lines(("%s/out%d"):format(dir, p)) do
          assert.matches("^10%.50%.%d+%.%d+/16$", line)
          assert.is_nil(seen[line], "given twice: " .. line)
          seen[line] = true
          n = n + 1
        end
      end
      assert.equal(160, n)
      local all, m = ipam.allocations{ subnet = "10.50.0.0/16", state_dir = dir }, 0
      for _ in pairs(all) do m = m + 1 end
      assert.equal(160, m)
      assert.is_true(elapsed < 30, ("took %.1f s"):format(elapsed))
    end)
  end)

  describe("options", function()
    it("are checked", function()
      local function err(fn, o)
        local ok, e = pcall(fn, o)
        assert.is_false(ok)
        return e
      end
      assert.matches('ipam%.allocate: unknown option "subent"',
        err(ipam.allocate, { subent = "10.0.0.0/24", key = "x", state_dir = dir }))
      assert.matches('ipam%.allocate: missing option "key"',
        err(ipam.allocate, { subnet = "10.0.0.0/24", state_dir = dir }))
      assert.matches('ipam%.allocate: subnet: expected a prefix such as 10%.88%.0%.0/16 or fd00::/64, got "10%.0%.0%.0"',
        err(ipam.allocate, { subnet = "10.0.0.0", key = "x", state_dir = dir }))
      assert.matches('ipam%.allocate: range_start: "10%.1%.0%.1" is not an address in 10%.0%.0%.0/24',
        err(ipam.allocate, { subnet = "10.0.0.0/24", key = "x", state_dir = dir, range_start = "10.1.0.1" }))
      assert.matches('ipam%.release: missing option "key"', err(ipam.release, { subnet = "10.0.0.0/24" }))
    end)
  end)
end)
