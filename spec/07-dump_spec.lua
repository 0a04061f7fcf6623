local testing = require "plumb.testing"

describe("dumps", function()
  testing.leakcheck()

  -- A dump that spans many receive buffers while another process adds and deletes links:
  -- the kernel flags it NLM_F_DUMP_INTR, plumb starts it again, and what comes back is
  -- always complete (or, after too many restarts, an EINTR error), never partial.
  it("are complete while links change under them", function()
    local sb <close> = testing.sandbox()
    for i = 1, 150 do
      assert(sb.h:link_add{ name = "v" .. i, kind = "veth", peer = { name = "p" .. i } })
    end
    local done = os.tmpname()
    os.remove(done)
    finally(function() os.remove(done) end)
    os.execute(("(i=0; while [ $i -lt 60 ]; do ip -n %s link add churn type bridge; " ..
                "ip -n %s link del churn; i=$((i+1)); done; touch %s) >/dev/null 2>&1 &")
               :format(sb.ns, sb.ns, done))
    local dumps, intr = 0, 0
    for _ = 1, 5000 do
      local f = io.open(done)
      if f then f:close() break end
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
        intr = intr + 1
      end
    end
    assert.is_true(dumps > 0)
    -- the churn is over: the namespace holds what the test made
    assert.equal(301, #assert(sb.h:links()))
  end)
end)
