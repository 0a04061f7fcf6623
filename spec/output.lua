-- busted output: the usual terminal report, each test's name, pending reasons, and a plain
-- closing line that CI tools read:
--
--     N pending: ...            (only when some are: what "skipped" below means)
--     N passed, N failed, N skipped
--
-- The last line keeps the form CI parses ("N passed, N failed" and an optional
-- ", N skipped"); its "skipped" count is the number of pending specs: specs this kernel
-- cannot run, each listed above under "Pending" with its file, line and the kernel's reason.
-- A pending entry names the spec that is pending, not the helper that called `pending`.
return function(options)
  local busted = require "busted"
  local handler = require "busted.outputHandlers.utfTerminal"(options)
  local counts = { passed = 0, failed = 0, pending = 0 }

  local function name(element)
    return handler.getFullName(element)
  end

  -- The outermost frame of a spec file in a traceback: the `it` body that went pending.
  local function spec_frame(traceback)
    local file, line
    for f, l in (traceback or ""):gmatch("([^%s:]*_spec%.lua):(%d+):") do
      file, line = f, tonumber(l)
    end
    return file, line
  end

  -- Point a pending entry at the spec rather than at the helper that raised it (the
  -- trace table is the one the terminal handler keeps and prints).
  busted.subscribe({ "pending" }, function(_, _, _, trace)
    if type(trace) == "table" and not (trace.short_src or ""):match("_spec%.lua$") then
      local file, line = spec_frame(trace.traceback)
      if file then trace.short_src, trace.currentline = file, line end
    end
    return nil, true
  end, { priority = 1 })

  busted.subscribe({ "test", "end" }, function(element, _, status)
    if status == "success" then
      counts.passed = counts.passed + 1
    elseif status == "pending" then
      counts.pending = counts.pending + 1
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
    io.stdout:write("\n")
    if counts.pending > 0 then
      io.stdout:write(("%d pending: specs this kernel cannot run, listed above under " ..
        "\"Pending\" with the kernel's reason (counted as \"skipped\" below)\n")
        :format(counts.pending))
    end
    io.stdout:write(("%d passed, %d failed, %d skipped\n"):format(counts.passed,
      failed, counts.pending))
    io.stdout:flush()
    return nil, true
  end)

  return handler
end
