local plumb = require "plumb"
local core = require "plumb.core"
local testing = require "plumb.testing"

describe("dumps", function()
  testing.leakcheck()

  -- A dump that spans many receive buffers while another process adds and deletes links:
  -- the kernel flags it NLM_F_DUMP_INTR, plumb starts it again, and what comes back is
  -- always complete (or, after too many restarts, an EINTR error), never partial. The
  -- handle counts the restarts (plumb.core._stats, for tests): the spec sees that some ran.
  it("are complete while links change under them, and restart when interrupted", function()
    local sb <close> = testing.sandbox()
    for i = 1, 150 do
      assert(sb.h:link_add{ name = "v" .. i, kind = "veth", peer = { name = "p" .. i } })
    end
    assert.equal(0, core._stats(sb.h).dump_restarts)
    local stop, done = os.tmpname(), os.tmpname()
    os.remove(stop)
    os.remove(done)
    finally(function()
      local f = io.open(stop, "w")
      if f then f:close() end
      os.remove(stop)
      os.remove(done)
    end)
    -- the churn: at most 3000 rounds, and it stops as soon as the test says so
    os.execute(("(i=0; while [ $i -lt 3000 ] && [ ! -e %s ]; do ip -n %s link add churn type " ..
                "bridge; ip -n %s link del churn; i=$((i+1)); done; touch %s) >/dev/null 2>&1 &")
               :format(stop, sb.ns, sb.ns, done))
    local dumps, intr = 0, 0
    local deadline = core.monotonic() + 30
    for _ = 1, 5000 do
      if core.monotonic() > deadline then break end
      if dumps >= 20 and core._stats(sb.h).dump_restarts >= 3 then break end
      local links, err, code = sb.h:links()
      if links then
        dumps = dumps + 1
        local seen = {}
        for _, l in ipairs(links) do seen[l.ifname] = true end
        for i = 1, 150 do
          assert(seen["v" .. i] and seen["p" .. i], "partial dump: v" .. i .. " missing")
        end
        assert.is_true(#links == 301 or #links == 302)
      else
        assert.equal(4, code, err) -- EINTR: interrupted too many times in a row
        assert.matches("^links: dump interrupted by concurrent changes %d+ times$", err)
        intr = intr + 1
      end
    end
    local f = assert(io.open(stop, "w"))
    f:close()
    -- wait (bounded) for the churn to finish
    local wait_until, finished = core.monotonic() + 10, false
    repeat
      local d = io.open(done)
      if d then d:close() finished = true break end
      os.execute("sleep 0.05")
    until core.monotonic() > wait_until
    assert.is_true(finished, "the churn did not stop")
    local restarts = core._stats(sb.h).dump_restarts
    assert.is_true(dumps > 0)
    assert.is_true(restarts > 0, ("no dump was restarted (%d dumps, %d EINTR)"):format(dumps, intr))
    -- the churn is over: the namespace holds what the test made, and a quiet dump runs once
    assert.equal(301, #assert(sb.h:links()))
    assert.equal(restarts, core._stats(sb.h).dump_restarts)
  end)

  it("_stats is a test-only view of one handle", function()
    local h <close> = assert(plumb.open())
    assert.same({ dump_restarts = 0 }, core._stats(h))
    h:close()
    assert.has_error(function() core._stats(h) end, "attempt to use a closed plumb handle")
    assert.has_error(function() core._stats({}) end)
  end)
end)
