-- plumb.monitor in event loops: the examples (examples/monitor-*.lua, the ones the README
-- shows) run as written, with a plain poll loop, luv and cqueues, while a namespace changes;
-- and plumb.core.poll itself.
local plumb = require "plumb"
local testing = require "plumb.testing"
local cli = require "cli_support"

-- Run example `name` on namespace `ns` until it printed `count` events; `change()` runs once
-- the example said it is ready. Returns its lines (without "ready").
local function run_example(name, ns, count, change)
  local cmd = ("%s run %s/examples/%s %s %d"):format(cli.cmd, cli.root, name, ns, count)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local first = p:read("l")
  if first ~= "ready" then
    local rest = p:read("a") or ""
    p:close()
    error(("%s did not start: %s\n%s"):format(name, tostring(first), rest))
  end
  change()
  local lines = {}
  for l in p:lines() do lines[#lines + 1] = l end
  local ok, _, code = p:close()
  assert.is_true(ok, ("%s exited %s:\n%s"):format(name, tostring(code), table.concat(lines, "\n")))
  return lines
end

describe("plumb.monitor in event loops", function()
  testing.leakcheck()

  for _, ex in ipairs{
    { "monitor-poll.lua", "a plain poll loop (plumb.core.poll)" },
    { "monitor-luv.lua", "luv", mod = "luv" },
    { "monitor-cqueues.lua", "cqueues", mod = "cqueues" },
  } do
    it("runs in " .. ex[2], function()
      if ex.mod then
        -- the test dependencies install it (scripts/install-deps): missing is a failure (asked
        -- in another process: loading cqueues here would keep its descriptors open)
        assert(os.execute(("%s -e 'require \"%s\"' 2>/dev/null"):format(os.getenv("LUA") or "lua5.4", ex.mod)),
          ex.mod .. " is not installed (scripts/install-deps installs it)")
      end
      local sb <close> = testing.sandbox("loop")
      assert(sb.h:link_add{ name = "lp0", kind = "bridge" })
      local lines = run_example(ex[1], sb.ns, 2, function()
        assert(sb.h:addr_add("lp0", "10.77.0.1/24"))
        assert(sb.h:link_set("lp0", { mtu = 1400 }))
      end)
      assert.same({ "new\taddr\tlp0\t10.77.0.1", "new\tlink\tlp0\t" }, lines)
    end)
  end

  it("plumb.core.poll waits for readable descriptors, and checks its arguments", function()
    local sb <close> = testing.sandbox("loop")
    local m <close> = assert(plumb.monitor{ "link", netns = sb.ns })
    local t0 = plumb.core.monotonic()
    assert.same({}, plumb.core.poll({ m:fd() }, 50))
    assert.truthy(plumb.core.monotonic() - t0 >= 0.04)
    assert(sb.h:link_add{ name = "pq0", kind = "bridge" })
    assert.same({ m:fd() }, plumb.core.poll({ m:fd() }, 2000))
    assert.truthy(#assert(m:step()) >= 1)
    local ok, err = pcall(plumb.core.poll, { "x" }, 0)
    assert.is_false(ok)
    assert.matches("poll: fds%[1%]: expected a file descriptor, got string$", err)
    ok, err = pcall(plumb.core.poll, {}, nil)
    assert.is_false(ok)
    assert.matches("poll: timeout_ms: expected an integer, got nil$", err)
  end)
end)
