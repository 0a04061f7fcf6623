-- `make bench`: plumb side by side with iproute2, pyroute2, the CNI bridge plugin and minimal
-- libmnl programs (the floors), every measurement in a network namespace of its own (bench/run
-- starts this inside a throwaway network + mount + pid namespace with a private /run, and each
-- measurement adds `unshare --net`). Prints medians over BENCH_RUNS runs and each tool's ratio to
-- plumb. Environment:
--   BENCH_N="1000 5000"  BENCH_RUNS=5  BENCH_QUICK=1 (N=200, 3 runs, 30 containers)
--   BENCH_IP_MAX=1000    `ip` one process per object only up to this N
--   BENCH_DEL_MAX=1000   W1 deletes timed only up to this N (see below)
--   BENCH_W5=100 BENCH_W5_RUNS=3 BENCH_RSS_N=5000 BENCH_ONLY="w1 w2 w3 w4 rss w5"
--   BENCH_SETTLE=2       seconds W4 waits after filling a namespace, before any dump
local env = os.getenv
local quick = env("BENCH_QUICK") == "1"
local function nums(s) local t = {} for x in s:gmatch("%d+") do t[#t + 1] = tonumber(x) end return t end
local Ns = nums(env("BENCH_N") or (quick and "200" or "1000 5000"))
local RUNS = tonumber(env("BENCH_RUNS")) or (quick and 3 or 5)
local IP_MAX = tonumber(env("BENCH_IP_MAX")) or 1000
local DEL_MAX = tonumber(env("BENCH_DEL_MAX")) or 1000
local W5_C = tonumber(env("BENCH_W5")) or (quick and 30 or 100)
local W5_RUNS = tonumber(env("BENCH_W5_RUNS")) or 3
local RSS_N = tonumber(env("BENCH_RSS_N")) or 5000
local SETTLE = tonumber(env("BENCH_SETTLE")) or 2
local ONLY = env("BENCH_ONLY") or "w1 w2 w3 w4 rss w5"
local build = env("PLUMB_BUILD") or "build"
local tmp = assert(env("BENCH_TMP"), "bench.lua: run it through bench/run")
local PY = "/usr/bin/python3"
local FL = build .. "/bench/floor_links"
local now = require("plumb").core.monotonic
local T0 = now()

local function q(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

-- Run @cmd in a fresh network namespace; key=value lines, "@tool" lines switch the tool.
-- Each measurement runs in a network namespace of its own, which dies when it ends: the
-- kernel then removes its devices asynchronously (cleanup_net, holding the RTNL: 0.15 s for
-- 1000 veth pairs here, 0.8 s for 5000), which would slow whatever runs next. A sentinel veth
-- with one end in the measured namespace and the other here (pid 1 is this namespace's
-- shell) goes when that cleanup is done: the next measurement starts after it.
local plumb_mod = require "plumb"
local sentinels = 0
local function measure(cmd)
  local err = tmp .. "/err"
  sentinels = sentinels + 1
  local sent = "bsent" .. sentinels
  local p = io.popen("unshare --net sh -ec " .. q("ip link set lo up; ip link add " .. sent
    .. " type veth peer name " .. sent .. "p netns 1; " .. cmd) .. " 2>" .. err)
  local out, tool = { [""] = {} }, ""
  for line in p:lines() do
    local t = line:match("^@(%S+)$")
    if t then tool = t; out[t] = out[t] or {} end
    local k, v = line:match("^([%w_]+)=(.*)$")
    if k then out[tool][k] = tonumber(v) or v end
  end
  local ok = p:close()
  local deadline = now() + 60
  while plumb_mod.link_get(sent .. "p") and now() < deadline do plumb_mod.core.sleep(0.01) end
  if not ok then
    local f = io.open(err)
    local msg = f and f:read("a") or ""
    if f then f:close() end
    io.stderr:write("bench: failed: ", cmd, "\n", msg)
    return nil, (msg:match("[^\n]*[Ee]rror[^\n]*") or msg:match("^[^\n]*") or "failed")
  end
  return out
end

local function median(t)
  if not t or #t == 0 then return nil end
  local s = {}
  for i, v in ipairs(t) do s[i] = v end
  table.sort(s)
  local n = #s
  return n % 2 == 1 and s[(n + 1) // 2] or (s[n // 2] + s[n // 2 + 1]) / 2
end

-- results[row][tool] = { values }, rows in order
local rows, results = {}, {}
local function row(id, label, n, per)
  if not results[id] then
    results[id] = { label = label, n = n, per = per, tools = {}, order = {} }
    rows[#rows + 1] = id
  end
  return results[id]
end
local function add(id, tool, v)
  local r = results[id]
  if not r.tools[tool] then r.tools[tool] = {}; r.order[#r.order + 1] = tool end
  if type(v) == "string" then r.tools[tool].na = v else table.insert(r.tools[tool], v) end
end
local function na(id, tool, why) add(id, tool, why) end
local function want(w) return (" " .. ONLY .. " "):find(" " .. w .. " ", 1, true) end

local LUA = "lua5.4 bench/work.lua "
local PYW = PY .. " bench/work.py "

-- The tools of one workload, rotated from run to run so that none always goes first.
local function rotate(list, k)
  local r = {}
  for i = 1, #list do r[i] = list[(i + k - 2) % #list + 1] end
  return r
end

local function progress(...)
  io.stderr:write(("[bench %5.0fs] "):format(now() - T0), ...)
  io.stderr:write("\n")
end

local function floor_lua_env()
  return "env BENCH_FLOOR_LUA=" .. build .. "/bench/floor_lua.so "
end

-- W1, W2, W3 -----------------------------------------------------------------------------------
for _, N in ipairs(Ns) do
  local del = N <= DEL_MAX and "1" or "0"
  if want("w1") then
    row("w1c" .. N, "W1 create veth pairs", N, "pair")
    local d = row("w1d" .. N, "W1 delete veth pairs", N, "pair")
    local tools = {
      { "plumb", LUA .. "plumb w1 " .. N .. " " .. del },
      { "plumb batch", LUA .. "plumbbatch w1 " .. N .. " " .. del },
      { "ip -batch", LUA .. "ipbatch w1 " .. N .. " " .. del },
      { "pyroute2", PYW .. "w1 " .. N .. " " .. del },
      { "libmnl floor", FL .. " veth " .. N .. " " .. del },
    }
    if N <= IP_MAX then table.insert(tools, 2, { "ip", LUA .. "ip w1 " .. N .. " " .. del }) end
    for run = 1, RUNS do
      for _, t in ipairs(rotate(tools, run)) do
        progress("W1 N=", N, " run ", run, "/", RUNS, ": ", t[1])
        local o, e = measure(t[2])
        if o then
          add("w1c" .. N, t[1], o[""].create_ms)
          if del == "1" then add("w1d" .. N, t[1], o[""].delete_ms) end
        else
          na("w1c" .. N, t[1], "failed: " .. e)
        end
      end
    end
    if N > IP_MAX then na("w1c" .. N, "ip", ("skipped above N=%d (one process per link)"):format(IP_MAX)) end
    if del == "0" then
      for _, t in ipairs(tools) do na("w1d" .. N, t[1], ("not timed above N=%d"):format(DEL_MAX)) end
      d.note = true
    end
  end
  if want("w2") and N > 1023 then
    -- BR_MAX_PORTS: the kernel refuses the 1025th port of a bridge with EXFULL
    row("w2" .. N, "W2 veths on a bridge, up", N, "port")
    na("w2" .. N, "all", "skipped: a bridge takes at most 1024 ports (the kernel's BR_MAX_PORTS)")
  elseif want("w2") then
    row("w2" .. N, "W2 veths on a bridge, up", N, "port")
    local tools = {
      { "plumb", LUA .. "plumb w2 " .. N },
      { "plumb batch", LUA .. "plumbbatch w2 " .. N },
      { "ip -batch", LUA .. "ipbatch w2 " .. N },
      { "pyroute2", PYW .. "w2 " .. N },
    }
    for run = 1, RUNS do
      for _, t in ipairs(rotate(tools, run)) do
        progress("W2 N=", N, " run ", run, "/", RUNS, ": ", t[1])
        local o, e = measure(t[2])
        if o then add("w2" .. N, t[1], o[""].setup_ms) else na("w2" .. N, t[1], "failed: " .. e) end
      end
    end
  end
  if want("w3") then
    row("w3a" .. N, "W3 addresses on one device", N, "addr")
    row("w3r" .. N, "W3 routes on one device", N, "route")
    local a0 = "ip link add a0 type veth peer name a0p; ip link set a0 up; ip link set a0p up; "
    local tools = {
      { "plumb", LUA .. "plumb w3 " .. N },
      { "plumb (dev ifindex)", LUA .. "plumbidx w3 " .. N },
      { "plumb batch", LUA .. "plumbbatch w3 " .. N },
      { "ip -batch", LUA .. "ipbatch w3 " .. N },
      { "pyroute2", PYW .. "w3 " .. N },
      { "libmnl floor", a0 .. FL .. " addr a0 " .. N .. "; " .. FL .. " route a0 " .. N },
      { "libmnl floor (dev by name)",
        a0 .. FL .. " addr-byname a0 " .. N .. "; " .. FL .. " route-byname a0 " .. N },
      { "Lua C floor (dev by name)", floor_lua_env() .. LUA .. "floor_lua w3 " .. N },
    }
    for run = 1, RUNS do
      for _, t in ipairs(rotate(tools, run)) do
        progress("W3 N=", N, " run ", run, "/", RUNS, ": ", t[1])
        local o, e = measure(t[2])
        if o then
          add("w3a" .. N, t[1], o[""].addr_ms)
          add("w3r" .. N, t[1], o[""].route_ms)
        else
          na("w3a" .. N, t[1], "failed: " .. e)
        end
      end
    end
  end
end

-- W4: dumps into native structures -----------------------------------------------------------
-- One namespace per run holding N links (N/2 veth pairs, plus lo and a0/a0p) and N routes on
-- a0; every tool dumps the same state, one process after the other.
local function fill(N, routes)
  local f = tmp .. "/fill." .. N
  local fh = assert(io.open(f, "w"))
  fh:write("link add a0 type veth peer name a0p\nlink set a0 up\nlink set a0p up\n")
  for i = 1, N // 2 do fh:write(("link add v%d type veth peer name p%d\n"):format(i, i)) end
  if routes then
    for i = 1, N do fh:write(("route add 10.200.%d.%d/32 dev a0\n"):format(i // 256, i % 256)) end
  end
  fh:close()
  -- then let the kernel's deferred work on new devices (linkwatch, addrconf) settle: it holds
  -- the RTNL lock that dumps need, and would be measured as the first tools' dump time
  return "ip -batch " .. f .. "; sleep " .. SETTLE
end

local keycheck = {}
if want("w4") then
  for _, N in ipairs(Ns) do
    for _, w in ipairs{ "links", "routes" } do
      for _, cw in ipairs{ "cold", "warm" } do
        row(("w4%s%s%d"):format(w, cw, N), ("W4 dump %s, %s"):format(w, cw), N, w:sub(1, -2))
      end
    end
    local tools = {
      { "plumb", floor_lua_env() .. LUA .. "plumb w4 " .. N },
      { "Lua C floor", floor_lua_env() .. LUA .. "floor_lua w4 " .. N },
      { "libmnl parse-only", FL .. " dump 6" },
      { "ip -j", LUA .. "ipj w4 " .. N },
      { "pyroute2", PYW .. "w4 " .. N },
    }
    for run = 1, RUNS do
      progress("W4 N=", N, " run ", run, "/", RUNS)
      local cmd = { fill(N, true) }
      for _, t in ipairs(rotate(tools, run)) do cmd[#cmd + 1] = "echo @" .. t[1]:gsub(" ", "_") .. "; " .. t[2] end
      local o, e = measure(table.concat(cmd, "; "))
      for _, t in ipairs(tools) do
        local r = o and o[t[1]:gsub(" ", "_")]
        for _, w in ipairs{ "links", "routes" } do
          for _, cw in ipairs{ "cold", "warm" } do
            local id = ("w4%s%s%d"):format(w, cw, N)
            if r and r[w .. "_" .. cw .. "_ms"] then add(id, t[1], r[w .. "_" .. cw .. "_ms"])
            else na(id, t[1], "failed: " .. tostring(e)) end
          end
        end
        if r and r.keycheck then keycheck[#keycheck + 1] = ("N=%d: %s"):format(N, r.keycheck) end
      end
    end
  end
end

-- Peak RSS of a process that dumps RSS_N links into its native structures (once).
local rss = {}
if want("rss") then
  progress("RSS: ", RSS_N, " links")
  local tools = {
    { "plumb", LUA .. "plumb rss " .. RSS_N },
    { "Lua C floor", floor_lua_env() .. LUA .. "floor_lua rss " .. RSS_N },
    { "libmnl parse-only", FL .. " dump 2 >/dev/null" },
    { "ip -j", "ip -j -d link show >/dev/null" },
    { "pyroute2", PYW .. "rss " .. RSS_N },
    { "lua5.4 (empty)", "lua5.4 -e ''" },
  }
  local cmd = { fill(RSS_N - 3, false) }
  for _, t in ipairs(tools) do
    cmd[#cmd + 1] = ("echo @%s; /usr/bin/time -f rss_kb=%%M -o %s/rss %s >/dev/null; cat %s/rss")
      :format(t[1]:gsub("[ ()%.]", "_"), tmp, t[2], tmp)
  end
  local o = measure(table.concat(cmd, "; "))
  for _, t in ipairs(tools) do
    local r = o and o[t[1]:gsub("[ ()%.]", "_")]
    rss[#rss + 1] = { t[1], r and r.rss_kb }
  end
end

-- W5: containers -------------------------------------------------------------------------------
local w5 = {}
if want("w5") then
  local methods = { "recipe", "naive", "naive_ip", "cni" }
  local label = { recipe = "recipe (container_on_bridge)", naive = "naive (plumb: move, rename)",
                  naive_ip = "naive (ip commands)", cni = "CNI bridge + host-local" }
  row("w5s", "W5 container setup", W5_C, "container")
  row("w5t", "W5 container teardown", W5_C, "container")
  for run = 1, W5_RUNS do
    for _, m in ipairs(rotate(methods, run)) do
      progress("W5 ", W5_C, " containers, run ", run, "/", W5_RUNS, ": ", m)
      local o, e = measure(("mkdir -p %s/w5 && BENCH_TMP=%s/w5 lua5.4 bench/w5.lua %s %d; rm -rf %s/w5")
        :format(tmp, tmp, m, W5_C, tmp))
      local l = label[m]
      if not o then na("w5s", l, "failed: " .. e)
      elseif o[""].na then na("w5s", l, "n/a (" .. o[""].na .. ")"); na("w5t", l, "n/a (" .. o[""].na .. ")")
      else
        -- per container already: scale to the whole run so the table's per-op column is right
        add("w5s", l, o[""].setup_ms * W5_C)
        add("w5t", l, o[""].teardown_ms * W5_C)
        w5[l] = o[""].state
      end
    end
  end
  -- plumb's column for W5 is the recipe
  for _, id in ipairs{ "w5s", "w5t" } do results[id].base = label.recipe end
end

-- the table --------------------------------------------------------------------------------------
local function fmt(ms) return ms >= 100 and ("%.0f"):format(ms) or ms >= 1 and ("%.1f"):format(ms) or ("%.3f"):format(ms) end
print(("\nplumb bench: medians of %d runs (W5: %d runs of %d containers), wall time in ms; "
  .. "'x plumb' is the tool's time over plumb's (above 1: slower than plumb)"):format(RUNS, W5_RUNS, W5_C))
print(("%-30s %6s  %-30s %10s %10s %8s"):format("workload", "N", "tool", "median ms", "us/op", "x plumb"))
local med = {}
for _, id in ipairs(rows) do
  local r = results[id]
  local base = median(r.tools[r.base or "plumb"])
  med[id] = {}
  for _, tool in ipairs(r.order) do
    local v = r.tools[tool]
    local m = median(v)
    med[id][tool] = m
    if m then
      print(("%-30s %6d  %-30s %10s %10.1f %8s"):format(r.label, r.n, tool, fmt(m), m * 1e3 / r.n,
        base and ("%.2f"):format(m / base) or "-"))
    else
      print(("%-30s %6d  %-30s %s"):format(r.label, r.n, tool, v.na or "no result"))
    end
  end
end

if #Ns > 1 and (results["w1c" .. Ns[1]] or results["w3a" .. Ns[1]] or results["w4linkscold" .. Ns[1]]) then
  print(("\ntime per operation, N=%d -> N=%d (us/op, and the ratio: 1.00 = constant per op)"):format(Ns[1], Ns[#Ns]))
  for _, id in ipairs(rows) do
    local r = results[id]
    if r.n == Ns[1] then
      local id2 = id:gsub(tostring(Ns[1]) .. "$", tostring(Ns[#Ns]))
      local r2 = results[id2]
      if r2 and id2 ~= id then
        for _, tool in ipairs(r.order) do
          local a, b = med[id][tool], med[id2] and med[id2][tool]
          if a and b then
            print(("%-30s %-30s %10.1f -> %10.1f  %5.2f"):format(r.label, tool, a * 1e3 / Ns[1], b * 1e3 / Ns[#Ns],
              (b / Ns[#Ns]) / (a / Ns[1])))
          end
        end
      end
    end
  end
end

if #keycheck > 0 then
  local seen, l = {}, {}
  for _, k in ipairs(keycheck) do if not seen[k] then seen[k] = true; l[#l + 1] = k end end
  print("\nW4: the Lua C floor's records against plumb's (every record, key and value): " .. table.concat(l, "; "))
end

if #rss > 0 then
  print(("\npeak RSS of one process dumping %d links into its own structures (GNU time %%M)"):format(RSS_N))
  for _, r in ipairs(rss) do print(("  %-30s %s"):format(r[1], r[2] and ("%.1f MiB"):format(r[2] / 1024) or "failed")) end
end

if next(w5) then
  print("\nW5 state of container 1 after setup (links, addresses, IPv4 routes, bridge ports):")
  local ref = w5["recipe (container_on_bridge)"] or w5["naive (plumb: move, rename)"]
  for l, s in pairs(w5) do
    print(("  %-30s %s"):format(l, s == ref and "same" or s))
  end
  print("  reference: " .. tostring(ref))
end

-- targets of issue 10, measured today
print("\ntargets (issue 10)")
local function ratio(id, a, b)
  local x, y = med[id] and med[id][a], med[id] and med[id][b]
  return x and y and x / y
end
local function check(what, r, op, target)
  if not r then print(("  %-62s %s"):format(what, "no measurement")) return end
  local met = op == "<=" and r <= target or op == ">=" and r >= target
  print(("  %-62s %6.2f  (target %s %.2f)  %s"):format(what, r, op, target, met and "met" or "NOT met"))
end
for _, N in ipairs(Ns) do
  check(("W1 create, plumb / libmnl floor, N=%d"):format(N), ratio("w1c" .. N, "plumb", "libmnl floor"), "<=", 1.15)
  check(("W1 delete, plumb / libmnl floor, N=%d"):format(N), ratio("w1d" .. N, "plumb", "libmnl floor"), "<=", 1.15)
  -- like for like: the device by name in both (one SIOCGIFINDEX per request), or by ifindex
  -- in both (looked up once); plumb by name against the floor by ifindex is printed as well
  for _, w in ipairs{ { "a", "addresses" }, { "r", "routes" } } do
    local id = "w3" .. w[1] .. N
    check(("W3 %s, plumb / libmnl floor, dev by name, N=%d"):format(w[2], N),
      ratio(id, "plumb", "libmnl floor (dev by name)"), "<=", 1.15)
    check(("W3 %s, plumb / libmnl floor, dev by ifindex, N=%d"):format(w[2], N),
      ratio(id, "plumb (dev ifindex)", "libmnl floor"), "<=", 1.15)
    local lr = ratio(id, "plumb", "Lua C floor (dev by name)")
    print(("  %-62s %6s  (against the least a Lua binding does per call: Lua's own share)")
      :format(("W3 %s, plumb / Lua C floor, dev by name, N=%d"):format(w[2], N), lr and ("%.2f"):format(lr) or "-"))
    local r = ratio(id, "plumb", "libmnl floor")
    print(("  %-62s %6s  (plumb by name, the floor by ifindex: one syscall more per call)")
      :format(("W3 %s, plumb / libmnl floor, N=%d"):format(w[2], N), r and ("%.2f"):format(r) or "-"))
  end
  for _, w in ipairs{ "links", "routes" } do
    for _, cw in ipairs{ "cold", "warm" } do
      local id = ("w4%s%s%d"):format(w, cw, N)
      check(("W4 %s %s, plumb / Lua C floor, N=%d"):format(w, cw, N), ratio(id, "plumb", "Lua C floor"), "<=", 1.2)
      check(("W4 %s %s, pyroute2 / plumb, N=%d"):format(w, cw, N), ratio(id, "pyroute2", "plumb"), ">=", 20)
      check(("W4 %s %s, ip -j / plumb, N=%d"):format(w, cw, N), ratio(id, "ip -j", "plumb"), ">=", 1)
    end
  end
  check(("W3 routes, ip -batch / plumb batch, N=%d"):format(N), ratio("w3r" .. N, "ip -batch", "plumb batch"), ">=", 2.5)
  check(("W3 addresses, ip -batch / plumb batch, N=%d"):format(N), ratio("w3a" .. N, "ip -batch", "plumb batch"), ">=", 1.5)
end
if #rss > 0 and rss[1][2] and rss[4][2] then
  check(("RSS %d links, plumb / ip -j"):format(RSS_N), rss[1][2] / rss[4][2], "<=", 1)
end
local REC, NAIVE, CNI = "recipe (container_on_bridge)", "naive (plumb: move, rename)", "CNI bridge + host-local"
check("W5 setup, naive (plumb) / recipe", ratio("w5s", NAIVE, REC), ">=", 10)
check("W5 setup, CNI / recipe", ratio("w5s", CNI, REC), ">=", 10)
check("W5 teardown, naive (plumb) / recipe", ratio("w5t", NAIVE, REC), ">=", 10)
check("W5 teardown, CNI / recipe", ratio("w5t", CNI, REC), ">=", 10)
for _, id in ipairs(rows) do
  if results[id].note then
    print(("\nW1 deletes are not timed above N=%d: each veth delete waits for RCU grace periods "
      .. "in the kernel (about 20 ms on this machine, the same for every tool), so N=5000 would take "
      .. "over 100 s per tool per run. BENCH_DEL_MAX raises the limit."):format(DEL_MAX))
    break
  end
end
print(("\nbench: %.0f s in all"):format(now() - T0))
