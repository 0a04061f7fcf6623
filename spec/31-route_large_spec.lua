local testing = require "plumb.testing"

-- 100,000 routes. Tagged #large: the VM lane (QEMU, slow kernel emulation) leaves it out
-- with `busted --exclude-tags=large`; here it takes a few seconds.

local N = 100000

--- Routes under 2001:db8::/32 (the ones this spec made) in list or iterator `src`.
local function ours(r)
  return r.dst:find("^2001:db8:") ~= nil
end

describe("routes #large", function()
  testing.leakcheck()
  local sb

  lazy_setup(function()
    sb = testing.sandbox()
    assert(sb.h:link_add{ name = "v0", kind = "veth", up = true, peer = { name = "v1" } })
    -- fastest: one `ip -batch` file of N route adds (2001:db8:X:Y::/64)
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    for i = 0, N - 1 do
      f:write(("route add 2001:db8:%x:%x::/64 dev v0\n"):format(i // 256, i % 256))
    end
    f:close()
    local ok, err = pcall(testing.sh, ("ip -n %s -batch %s"):format(sb.ns, path))
    os.remove(path)
    assert(ok, err)
  end)

  lazy_teardown(function()
    sb:close()
  end)

  it("lists them as an array, and streams them with each_route in bounded memory", function()
    collectgarbage()
    collectgarbage()
    local base = collectgarbage("count")
    local list = assert(sb.h:routes{ family = "inet6" })
    local array_kb = collectgarbage("count") - base
    local n = 0
    for _, r in ipairs(list) do
      if ours(r) then n = n + 1 end
    end
    assert.equal(N, n)
    assert.equal("2001:db8::/64", list[1].dst)
    assert.equal("v0", list[1].dev)
    -- memory grows with the result only: well under 1 KB a record
    assert.is_true(array_kb < N, ("%.0f KB for %d records"):format(array_kb, #list))

    list = nil -- luacheck: ignore 311
    collectgarbage()
    collectgarbage()
    base = collectgarbage("count")
    local peak = 0
    n = 0
    for r in sb.h:each_route{ family = "inet6" } do
      if ours(r) then n = n + 1 end
      -- live memory, not garbage the collector has not reached yet (that depends on what
      -- ran before in the suite): collect, then count
      if n % 1024 == 0 then
        collectgarbage()
        peak = math.max(peak, collectgarbage("count") - base)
      end
    end
    assert.equal(N, n)
    -- one receive buffer's records at a time: a small fraction of the array's memory
    assert.is_true(peak < array_kb / 20, ("iterator peak %.0f KB, array %.0f KB"):format(peak, array_kb))
    assert.is_true(peak < 4096, ("iterator peak %.0f KB"):format(peak))
  end)

  it("leaves the handle working after a break out of the loop", function()
    local n = 0
    for r in sb.h:each_route{ family = "inet6" } do
      n = n + 1
      assert.is_string(r.dst)
      if n == 10 then break end
    end
    assert.equal(10, n)
    -- the handle's next requests: a full listing and another full stream
    local list = assert(sb.h:routes{ family = "inet6", dev = "v0" })
    local count = 0
    for _, r in ipairs(list) do
      if ours(r) then count = count + 1 end
    end
    assert.equal(N, count)
    n = 0
    for r in sb.h:each_route{ family = "inet6" } do
      if ours(r) then n = n + 1 end
    end
    assert.equal(N, n)
    assert(sb.h:route_add{ dst = "192.0.2.0/24", dev = "v0" })
    assert.equal(1, #assert(sb.h:routes{ dst = "192.0.2.0/24" }))
  end)
end)
