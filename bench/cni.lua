-- Benchmark (not a test): the CNI bridge plugin, Debian's reference (/usr/lib/cni/bridge)
-- against plumb-bridge (build/cni/plumb-bridge), driven as a runtime drives them: one process
-- per ADD and per DEL, CNI_* environment, the configuration on stdin, host-local as IPAM
-- (also plumb-bridge with plumb-ipam: one process fewer per call). N containers (default 20)
-- are added one after the other, then deleted; ROUNDS (default 3) rounds, the median of the
-- per-container times reported. `make bench-cni` runs it; it re-runs itself inside
-- throwaway network and mount namespaces with a private /run: the host is never touched.
--   LUA_PATH="lua/?.lua;lua/?/init.lua;;" LUA_CPATH="build/lib/?.so;;" lua5.4 bench/cni.lua
if os.getenv("PLUMB_BENCH_SANDBOXED") ~= "1" then
  local ok = os.execute(("unshare --net --mount --propagation private sh -c " ..
    "'mount -t tmpfs none /run && ip link set lo up && PLUMB_BENCH_SANDBOXED=1 exec %s %s'")
    :format(arg[-1] or "lua5.4", arg[0]))
  os.exit(ok and 0 or 1)
end

local plumb = require "plumb"
local now = plumb.core.monotonic
local N = tonumber(os.getenv("N")) or 20
local ROUNDS = tonumber(os.getenv("ROUNDS")) or 3
local build = os.getenv("PLUMB_BUILD") or "build"
local root = arg[0]:match("^(.*)/bench/[^/]*$") or "."
local plumb_dir = root .. "/" .. build .. "/cni"
local path = "/usr/lib/cni:" .. plumb_dir

local function conf_file(kind, ipam)
  local p = "/run/bench-cni-" .. kind .. "-" .. ipam .. ".json"
  local f = assert(io.open(p, "w"))
  f:write(([=[{"cniVersion": "1.0.0", "name": "bench", "type": "%s", "bridge": "br0",
 "isGateway": true, "isDefaultGateway": true,
 "ipam": {"type": "%s", "ranges": [[{"subnet": "10.88.0.0/16"}]], "dataDir": "/run/bench-ipam"}}]=])
    :format(kind, ipam))
  f:close()
  return p
end

local function run(exe, cmd, i, conf)
  local line = ("CNI_COMMAND=%s CNI_CONTAINERID=bench%d CNI_NETNS=/run/netns/c%d CNI_IFNAME=eth0 " ..
    "CNI_PATH=%s %s < %s > /run/bench-out"):format(cmd, i, i, path, exe, conf)
  if not os.execute(line) then
    local f = io.open("/run/bench-out")
    error(("bench/cni: %s %s failed: %s"):format(exe, cmd, f and f:read("a") or "?"))
  end
end

local function median(t)
  table.sort(t)
  return t[(#t + 1) // 2]
end

local function one_round(exe, conf)
  local add, del = {}, {}
  for i = 1, N do
    assert(plumb.netns.add("c" .. i))
    local t0 = now()
    run(exe, "ADD", i, conf)
    add[i] = now() - t0
  end
  for i = 1, N do
    local t0 = now()
    run(exe, "DEL", i, conf)
    del[i] = now() - t0
    assert(plumb.netns.del("c" .. i))
  end
  local h <close> = assert(plumb.open())
  h:link_del("br0")
  os.execute("rm -rf /run/bench-ipam")
  return median(add), median(del)
end

local cases = {
  { "reference bridge + host-local", "/usr/lib/cni/bridge", conf_file("bridge", "host-local") },
  { "plumb-bridge + host-local", plumb_dir .. "/plumb-bridge", conf_file("plumb-bridge", "host-local") },
  { "plumb-bridge + plumb-ipam", plumb_dir .. "/plumb-bridge", conf_file("plumb-bridge", "plumb-ipam") },
}
local res = {}
for r = 1, ROUNDS do
  for k = 0, #cases - 1 do
    local c = cases[(k + r - 1) % #cases + 1] -- rotate the order between rounds
    local a, d = one_round(c[2], c[3])
    res[c[1]] = res[c[1]] or { add = {}, del = {} }
    table.insert(res[c[1]].add, a)
    table.insert(res[c[1]].del, d)
  end
end
print(("bench/cni: %d containers, median of %d rounds, ms per container (one process per call)"):format(N, ROUNDS))
print(("%-32s %8s %8s %10s %10s"):format("plugin", "ADD", "DEL", "ADD+DEL", "x faster"))
local ref
for _, c in ipairs(cases) do
  local a, d = median(res[c[1]].add) * 1e3, median(res[c[1]].del) * 1e3
  ref = ref or (a + d)
  print(("%-32s %8.2f %8.2f %10.2f %10.2f"):format(c[1], a, d, a + d, ref / (a + d)))
end
