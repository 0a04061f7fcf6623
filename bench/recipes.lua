-- Benchmark (not a test): N containers on a bridge set up and torn down two ways.
--
--   recipe: plumb.recipes.container_on_bridge, which creates each container's veth end
--           directly in its namespace under its final name, and whose `down` deletes the
--           namespace (its devices go with it, without a grace period per device);
--   naive:  the sequence many tools use: both veth ends made in the host namespace, the
--           container end moved into the namespace, renamed to eth0 there, then addressed;
--           torn down one device deletion at a time, then the namespace.
--
-- Moving a device between namespaces and deleting one each wait for an RCU grace period in
-- the kernel; the recipe avoids both. Run it sandboxed (it makes namespaces under /run/netns):
--   unshare --net --mount sh -c 'mount -t tmpfs none /run; ip link set lo up; \
--     LUA_PATH="lua/?.lua;lua/?/init.lua;;" LUA_CPATH="build/lib/?.so;;" lua5.4 bench/recipes.lua'
-- N (default 20) containers; ROUNDS (default 3) rounds, the median reported.
if os.getenv("PLUMB_BENCH_SANDBOXED") ~= "1" then
  -- re-run inside throwaway network and mount namespaces with a private /run
  local self = arg[0]
  local ok = os.execute(("unshare --net --mount --propagation private sh -c " ..
    "'mount -t tmpfs none /run && ip link set lo up && PLUMB_BENCH_SANDBOXED=1 exec %s %s'")
    :format(arg[-1] or "lua5.4", self))
  os.exit(ok and 0 or 1)
end

local plumb = require "plumb"
local cob = require "plumb.recipes.container_on_bridge"
local now = plumb.core.monotonic

local N = tonumber(os.getenv("N")) or 20
local ROUNDS = tonumber(os.getenv("ROUNDS")) or 3
local dir = os.tmpname()
os.remove(dir)

local h = assert(plumb.open())
assert(h:link_add{ name = "br0", kind = "bridge", up = true })
assert(h:addr_add("br0", "10.88.0.1/16"))

local function addr(i) return ("10.88.%d.%d/16"):format(i // 250, i % 250 + 2) end

local function recipe_up()
  for i = 1, N do
    assert(cob.up{ netns = "c" .. i, bridge = "br0", address = addr(i), gateway = "10.88.0.1" })
  end
end

local function recipe_down()
  for i = 1, N do assert(cob.down{ netns = "c" .. i, bridge = "br0" }) end
end

local function recipe_down_all()
  local list = {}
  for i = 1, N do list[i] = { netns = "c" .. i, bridge = "br0" } end
  assert(cob.down_all(list))
end

local function naive_up()
  for i = 1, N do
    local ns = "c" .. i
    assert(plumb.netns.add(ns))
    local host, tmp = "vn" .. i, "vp" .. i
    assert(h:link_add{ name = host, kind = "veth", peer = { name = tmp } })
    assert(h:link_set(host, { master = "br0", up = true }))
    assert(h:link_set(tmp, { netns = ns }))                 -- the move
    local c <close> = assert(plumb.open{ netns = ns })
    assert(c:link_set(tmp, { name = "eth0" }))              -- the rename
    assert(c:link_set("eth0", { up = true }))
    assert(c:link_set("lo", { up = true }))
    assert(c:addr_add("eth0", addr(i)))
    assert(c:route_add{ dst = "default", gateway = "10.88.0.1" })
  end
end

local function naive_down()
  for i = 1, N do assert(h:link_del("vn" .. i)) end     -- one deletion (one grace period) each
  for i = 1, N do assert(plumb.netns.del("c" .. i)) end
end

local function timed(fn)
  local t0 = now()
  fn()
  return now() - t0
end

local function median(t)
  table.sort(t)
  return t[(#t + 1) // 2]
end

-- every container reaches the gateway: both ways build the same thing
local function verify()
  for _, i in ipairs{ 1, N } do
    local ok = os.execute("ip netns exec c" .. i .. " ping -q -c1 -W2 10.88.0.1 >/dev/null 2>&1")
    assert(ok, "c" .. i .. " cannot ping the gateway")
  end
end

local function gone()
  assert(#plumb.netns.list() == 0)
  for _, l in ipairs(assert(h:links())) do assert(l.ifname == "lo" or l.ifname == "br0", l.ifname .. " left") end
end

local res = { recipe_up = {}, recipe_down = {}, recipe_down_all = {}, naive_up = {}, naive_down = {} }
for _ = 1, ROUNDS do
  res.naive_up[#res.naive_up + 1] = timed(naive_up)
  verify()
  res.naive_down[#res.naive_down + 1] = timed(naive_down)
  gone()
  res.recipe_up[#res.recipe_up + 1] = timed(recipe_up)
  verify()
  res.recipe_down[#res.recipe_down + 1] = timed(recipe_down)
  gone()
  timed(recipe_up)
  res.recipe_down_all[#res.recipe_down_all + 1] = timed(recipe_down_all)
  gone()
end

local ru, rd, ra = median(res.recipe_up), median(res.recipe_down), median(res.recipe_down_all)
local nu, nd = median(res.naive_up), median(res.naive_down)
print(("bench: %d containers on a bridge, median of %d rounds (wall time, lower is better)"):format(N, ROUNDS))
print(("  %-52s up %8.1f ms   down %8.1f ms"):format("naive (move, rename; delete one at a time)", nu * 1e3, nd * 1e3))
print(("  %-52s up %8.1f ms   down %8.1f ms"):format("recipe (in place; down one by one)", ru * 1e3, rd * 1e3))
print(("  %-52s           down %8.1f ms"):format("recipe down_all (namespaces together, one cleanup)", ra * 1e3))
print(("  ratio naive/recipe: up %.1fx, down %.1fx one by one, %.1fx with down_all"):format(nu / ru, nd / rd, nd / ra))
