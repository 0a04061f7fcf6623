-- plumb.monitor in a plain poll loop: wait on the monitor's fd (beside any others a program
-- has) with plumb.core.poll, then take what came with m:step().
--   plumb run examples/monitor-poll.lua [NETNS [COUNT]]
-- Prints one line per event; stops after COUNT events or 5 s without any.
local plumb = require "plumb"
local ns, count = arg[1], tonumber(arg[2]) or math.huge
local m <close> = assert(plumb.monitor{ "link", "addr", netns = ns })
io.stdout:setvbuf("line")
print("ready")
local seen = 0
while seen < count do
  local ready = assert(plumb.core.poll({ m:fd() }, 5000))
  if #ready == 0 then break end
  for _, ev in ipairs(assert(m:step())) do
    print(ev.event, ev.object, ev.ifname or "", ev["local"] or "")
    seen = seen + 1
  end
end
