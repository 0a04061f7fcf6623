local plumb = require "plumb"
local core = require "plumb.core"
local testing = require "plumb.testing"
local support = require "support"

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

  -- One link message larger than the receive buffer (64 KiB: a link with 490 altnames):
  -- the first read is truncated, the buffer grows and the dump starts again; what is left
  -- of the first attempt in the socket carries the old sequence number and is dropped.
  it("start again in a larger buffer, dropping the first attempt's leftovers", function()
    local sb <close> = testing.sandbox()
    for i = 1, 40 do
      assert(sb.h:link_add{ name = "v" .. i, kind = "veth", peer = { name = "p" .. i } })
    end
    local batch = os.tmpname()
    finally(function() os.remove(batch) end)
    local f = assert(io.open(batch, "w"))
    for i = 1, 490 do
      f:write(("link property add dev v1 altname a%s%d\n"):format(("0"):rep(126 - #tostring(i)), i))
    end
    f:close()
    testing.sh(("ip -n %s -batch %s"):format(sb.ns, batch))
    local big = testing.sh(("ip -n %s -d link show v1"):format(sb.ns))
    assert.is_true(#big > 65536, "v1's record is only " .. #big .. " bytes")
    -- fresh handles: 64 KiB buffers. A get: the reply is truncated, asked again, and the
    -- first reply's ACK (the old sequence number) is dropped.
    local g <close> = assert(plumb.open{ netns = sb.ns })
    local v1 = assert(g:link_get("v1"))
    assert.equal("v1", v1.ifname)
    assert.same({}, support.diff(testing.ip_json("-d link show v1", sb.ns)[1], v1))
    assert.equal(490, #v1.altnames)
    -- a dump: it starts again once the first attempt is read to its end
    local h <close> = assert(plumb.open{ netns = sb.ns })
    local links = assert(h:links())
    local seen = {}
    for _, l in ipairs(links) do
      assert.is_nil(seen[l.ifname], "listed twice: " .. l.ifname)
      seen[l.ifname] = true
    end
    assert.equal(81, #links)
    assert.equal("v1", assert(h:link_get("v1")).ifname)
    assert.equal(81, #assert(h:links()))
  end)

  it("_stats is a test-only view of one handle", function()
    local h <close> = assert(plumb.open())
    assert.same({ dump_restarts = 0, sends = 0, builds = 0, sends_in_build = 0, resolves = 0,
                  batch_requests = 0, batch_sends = 0 }, core._stats(h))
    h:close()
    assert.has_error(function() core._stats(h) end, "_stats: attempt to use a closed plumb handle")
    assert.has_error(function() core._stats({}) end, "_stats: bad self (expected a plumb handle, got table)")
  end)
end)
