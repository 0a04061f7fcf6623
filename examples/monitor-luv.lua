-- plumb.monitor in a luv (libuv) loop: a poll handle on the monitor's fd calls m:step().
--   plumb run examples/monitor-luv.lua [NETNS [COUNT]]      (Debian: lua-luv)
-- Prints one line per event; stops after COUNT events or 5 s.
local plumb = require "plumb"
local uv = require "luv"
local ns, count = arg[1], tonumber(arg[2]) or math.huge
local m <close> = assert(plumb.monitor{ "link", "addr", netns = ns })
io.stdout:setvbuf("line")
local seen = 0
local poll, timer = uv.new_poll(m:fd()), uv.new_timer()
local function stop()
  poll:stop()
  timer:stop()
end
poll:start("r", function(err)
  assert(not err, err)
  for _, ev in ipairs(assert(m:step())) do
    print(ev.event, ev.object, ev.ifname or "", ev["local"] or "")
    seen = seen + 1
  end
  if seen >= count then stop() end
end)
timer:start(5000, 0, stop)
print("ready")
uv.run()
poll:close()
timer:close()
uv.run()
