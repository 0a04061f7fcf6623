-- plumb.monitor in a cqueues loop: a coroutine waits on { pollfd = m:fd(), events = "r" }
-- (cqueues' pollable interface) and takes what came with m:step().
--   plumb run examples/monitor-cqueues.lua [NETNS [COUNT]]  (Debian: lua-cqueues)
-- Prints one line per event; stops after COUNT events or 5 s without any.
local plumb = require "plumb"
local cqueues = require "cqueues"
local ns, count = arg[1], tonumber(arg[2]) or math.huge
local m <close> = assert(plumb.monitor{ "link", "addr", netns = ns })
io.stdout:setvbuf("line")
local cq = cqueues.new()
cq:wrap(function()
  local pollable = { pollfd = m:fd(), events = "r" }
  local seen = 0
  while seen < count do
    if cqueues.poll(pollable, 5) ~= pollable then break end
    for _, ev in ipairs(assert(m:step())) do
      print(ev.event, ev.object, ev.ifname or "", ev["local"] or "")
      seen = seen + 1
    end
  end
end)
print("ready")
assert(cq:loop())
