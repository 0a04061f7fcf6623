-- W5 of `make bench`: C containers on one bridge, set up then torn down, in a throwaway network
-- namespace with a private /run (bench.lua runs it so):  lua5.4 bench/w5.lua METHOD C
-- METHOD: recipe (plumb.recipes.container_on_bridge), cni (/usr/lib/cni/bridge + host-local,
-- invoked as a runtime does), naive (plumb calls in the straightforward order: veth made here,
-- moved, renamed, one delete at a time), naive_ip (the same as `ip` commands).
-- Prints setup_ms and teardown_ms (per container) and state= (what container 1 looks like).
local plumb = require "plumb"
local now = plumb.core.monotonic
local method, C = arg[1], tonumber(arg[2])
local tmp = os.getenv("BENCH_TMP") or "/tmp"
local GW = "10.88.0.1"
local function addr(i) return ("10.88.%d.%d/16"):format(1 + i // 250, 1 + i % 250) end

local function sh(cmd)
  local ok = os.execute(cmd)
  if not ok then error("bench w5: failed: " .. cmd) end
end

local h = assert(plumb.open())
assert(h:link_add{ name = "br0", kind = "bridge", up = true })
assert(h:addr_add("br0", GW .. "/16"))

local up, down
if method == "recipe" then
  local ok, cob = pcall(require, "plumb.recipes.container_on_bridge")
  if not ok then print("na=recipes not merged") return end
  local function o(i) return { netns = "c" .. i, bridge = "br0", address = addr(i), gateway = GW } end
  up = function(i) assert(cob.up(o(i))) end
  down = function(i) assert(cob.down(o(i))) end
elseif method == "cni" then
  local conf = tmp .. "/cni.json"
  local f = assert(io.open(conf, "w"))
  f:write(([=[{"cniVersion": "1.0.0", "name": "bench", "type": "bridge", "bridge": "br0",
 "isGateway": true, "ipMasq": false,
 "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.88.0.0/16", "gateway": "%s"}]],
          "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "%s/cni-ipam"}}]=]):format(GW, tmp))
  f:close()
  local lo = tmp .. "/cni-lo.json"
  f = assert(io.open(lo, "w"))
  f:write('{"cniVersion": "1.0.0", "name": "lo", "type": "loopback"}')
  f:close()
  local function cni(cmd, i)
    -- a runtime's calls: the namespace made by the runtime, the loopback plugin, then the
    -- network's plugin with its config on stdin (the address asked for in CNI_ARGS, so that
    -- the state can be compared with the other methods')
    local env = ("CNI_COMMAND=%s CNI_CONTAINERID=bench%d CNI_NETNS=/run/netns/c%d CNI_PATH=/usr/lib/cni")
      :format(cmd, i, i)
    sh(("%s CNI_IFNAME=lo /usr/lib/cni/loopback < %s > /dev/null"):format(env, lo))
    sh(("%s CNI_IFNAME=eth0 CNI_ARGS='IgnoreUnknown=1;IP=%s' /usr/lib/cni/bridge < %s > /dev/null")
      :format(env, addr(i):match("^[^/]+"), conf))
  end
  up = function(i) assert(plumb.netns.add("c" .. i)); cni("ADD", i) end
  down = function(i) cni("DEL", i); assert(plumb.netns.del("c" .. i)) end
elseif method == "naive" then
  up = function(i)
    local ns, t = "c" .. i, "tmp" .. i
    assert(plumb.netns.add(ns))
    assert(h:link_add{ name = t, kind = "veth", peer = { name = "vh" .. i } })
    assert(h:link_set(t, { netns = ns }))
    local c <close> = assert(plumb.open{ netns = ns })
    assert(c:link_set(t, { name = "eth0" }))
    assert(c:link_set("eth0", { up = true }))
    assert(c:link_set("lo", { up = true }))
    assert(c:addr_add("eth0", addr(i)))
    assert(c:route_add{ dst = "default", gateway = GW })
    assert(h:link_set("vh" .. i, { master = "br0", up = true }))
  end
  down = function(i)
    local c <close> = assert(plumb.open{ netns = "c" .. i })
    assert(c:link_del("eth0"))
    c:close()
    assert(plumb.netns.del("c" .. i))
  end
elseif method == "naive_ip" then
  -- one shell script for all containers: ip's cost, not a shell's per container
  local function script(name, gen)
    local p = tmp .. "/w5." .. name
    local f = assert(io.open(p, "w"))
    f:write("set -e\n")
    for i = 1, C do f:write(gen(i)) end
    f:close()
    return p
  end
  local su = script("up", function(i)
    return ([[ip netns add c%d
ip link add tmp%d type veth peer name vh%d
ip link set tmp%d netns c%d
ip -n c%d link set tmp%d name eth0
ip -n c%d link set eth0 up
ip -n c%d link set lo up
ip -n c%d addr add %s dev eth0
ip -n c%d route add default via %s
ip link set vh%d master br0 up
]]):format(i, i, i, i, i, i, i, i, i, i, addr(i), i, GW, i) end)
  local sd = script("down", function(i) return ("ip -n c%d link del eth0\nip netns del c%d\n"):format(i, i) end)
  up = function(i) if i == 1 then sh("sh " .. su) end end
  down = function(i) if i == 1 then sh("sh " .. sd) end end
else
  error("bench/w5.lua: unknown method " .. tostring(method))
end

-- What container 1 looks like, without names and addresses that differ by design (MACs,
-- the host end's name).
local function state()
  local c <close> = assert(plumb.open{ netns = "c1" })
  local parts = {}
  local links = assert(c:links())
  table.sort(links, function(a, b) return a.ifname < b.ifname end)
  for _, l in ipairs(links) do
    parts[#parts + 1] = ("%s:%s:mtu%d"):format(l.ifname, table.concat(l.flags, ","), l.mtu)
  end
  for _, a in ipairs(assert(c:addrs{ family = "inet" })) do
    parts[#parts + 1] = ("%s %s/%s"):format(a.ifname or a.dev or "?", a["local"] or a.address, a.prefixlen)
  end
  local rs = assert(c:routes())
  local rl = {}
  for _, r in ipairs(rs) do
    if not r.dst:find(":") then
      rl[#rl + 1] = ("%s via %s dev %s %s %s"):format(r.dst, r.gateway or "-", r.dev or "-", r.protocol or "boot", r.scope or "global")
    end
  end
  table.sort(rl)
  for _, r in ipairs(rl) do parts[#parts + 1] = r end
  local ports = assert(h:links{ master = "br0" })
  parts[#parts + 1] = ("%d bridge ports, %d up"):format(#ports, #(function()
    local u = {} for _, p in ipairs(ports) do if p.operstate == "UP" then u[#u + 1] = p end end return u end)())
  return table.concat(parts, "; ")
end

local t0 = now()
for i = 1, C do up(i) end
local t1 = now()
local st = state()
local t2 = now()
for i = 1, C do down(i) end
local t3 = now()
local left = #assert(plumb.netns.list())
if left ~= 0 then error(("bench w5 %s: %d namespaces left after teardown"):format(method, left)) end
print(("setup_ms=%.3f\nteardown_ms=%.3f\nstate=%s"):format((t1 - t0) * 1e3 / C, (t3 - t2) * 1e3 / C, st))
