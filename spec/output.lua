-- busted output: the usual terminal report, each test's name, pending reasons, and a plain
-- closing line "N passed, N failed, N skipped" that CI tools read.
return function(options)
  local busted = require "busted"
  local handler = require "busted.outputHandlers.utfTerminal"(options)
  local counts = { passed = 0, failed = 0, skipped = 0 }

  local function name(element)
    return handler.getFullName(element)
  end

  busted.subscribe({ "test", "end" }, function(element, _, status)
    if status == "success" then
      counts.passed = counts.passed + 1
    elseif status == "pending" then
      counts.skipped = counts.skipped + 1
    else
      counts.failed = counts.failed + 1
    end
    if os.getenv("PLUMB_SPEC_VERBOSE") ~= "0" then
      io.stdout:write(("  [%s] %s\n"):format(status, name(element)))
      io.stdout:flush()
    end
    return nil, true
  end)

  busted.subscribe({ "error", "describe" }, function()
    counts.failed = counts.failed + 1
    return nil, true
  end)

  busted.subscribe({ "suite", "end" }, function()
    -- errors outside a test (a hook, a file that does not load) count as failures too
    local failed = math.max(counts.failed, handler.failuresCount + handler.errorsCount)
    io.stdout:write(("\n%d passed, %d failed, %d skipped\n"):format(counts.passed,
      failed, counts.skipped))
    io.stdout:flush()
    return nil, true
  end)

  return handler
end
