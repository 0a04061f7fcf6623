-- plumb: N veth pairs created one request each, listed with details, deleted.
local plumb = require "plumb"
local N = tonumber(os.getenv("N")) or 500
local now = plumb.core.monotonic
local clock = os.clock
local h = assert(plumb.open())
local t0, c0 = now(), clock()
for i = 1, N do assert(h:link_add{ name = "v" .. i, kind = "veth", peer = { name = "p" .. i } }) end
local t1, c1 = now(), clock()
local l = assert(h:links())
assert(#l == 2 * N + 1)
local t2, c2 = now(), clock()
for i = 1, N do assert(h:link_del("v" .. i)) end
local t3, c3 = now(), clock()
io.write(("  %-9s add %7.1f ms   list %6.1f ms   del %7.1f ms   (user+sys cpu in plumb's process: %.1f / %.1f / %.1f ms)\n")
  :format("plumb", (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3, (c1 - c0) * 1e3, (c2 - c1) * 1e3, (c3 - c2) * 1e3))
