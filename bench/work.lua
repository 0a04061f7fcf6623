-- One measurement of `make bench`, run by bench/bench.lua inside a throwaway network namespace:
--   lua5.4 bench/work.lua TOOL WORKLOAD N [DELETE]
-- TOOL: plumb | plumbidx (W3: the device by ifindex) | plumbbatch (h:batch) |
-- ip (one command per object) | ipbatch (ip -batch) | floor_lua (W3, W4) | ipj (W4 only:
-- the Lua-table floor of bench/floor_lua.c; `ip -j -d link show`, `ip -j route show` processes)
-- Prints key=value lines (milliseconds); setup that is not measured happens before the clock.
local plumb = require "plumb"
local now = plumb.core.monotonic
local tool, work, N, del = arg[1], arg[2], tonumber(arg[3]), arg[4] == "1"
local out = {}
local function put(k, v) out[#out + 1] = ("%s=%.3f"):format(k, v) end
local tmp = os.getenv("BENCH_TMP") or "/tmp"

local function sh(cmd)
  local ok = os.execute(cmd)
  if not ok then error("bench: failed: " .. cmd) end
end

-- run `ip` over the lines produced by gen(i), once as a batch or as one process each
local function ip_lines(batch, gen)
  local f = tmp .. "/ip." .. tool .. "." .. work
  local fh = assert(io.open(f, "w"))
  for i = 1, N do fh:write(batch and "" or "ip ", gen(i), "\n") end
  fh:close()
  local t0 = now()
  sh(batch and ("ip -batch " .. f) or ("sh -e " .. f))
  local t = now() - t0
  os.remove(f)
  return t * 1e3
end

local function a4(base, i) return ("10.%d.%d.%d"):format(base, i // 256, i % 256) end

if work == "w1" then
  if tool == "plumb" then
    local h = assert(plumb.open())
    local t0 = now()
    for i = 1, N do assert(h:link_add{ name = "v" .. i, kind = "veth", peer = { name = "p" .. i } }) end
    put("create_ms", (now() - t0) * 1e3)
    if del then
      t0 = now()
      for i = 1, N do assert(h:link_del("v" .. i)) end
      put("delete_ms", (now() - t0) * 1e3)
    end
  elseif tool == "plumbbatch" then
    local h = assert(plumb.open())
    local t0 = now()
    assert(h:batch(function(b)
      for i = 1, N do b:link_add{ name = "v" .. i, kind = "veth", peer = { name = "p" .. i } } end
    end))
    put("create_ms", (now() - t0) * 1e3)
    if del then
      t0 = now()
      assert(h:batch(function(b) for i = 1, N do b:link_del("v" .. i) end end))
      put("delete_ms", (now() - t0) * 1e3)
    end
    local n = io.popen("ip -o link show type veth | grep -v ' bsent' | wc -l"):read("n")
    if n ~= (del and 0 or 2 * N) then error(("bench: w1 plumbbatch: %d veths left"):format(n)) end
  else
    local b = tool == "ipbatch"
    put("create_ms", ip_lines(b, function(i) return ("link add v%d type veth peer name p%d"):format(i, i) end))
    if del then put("delete_ms", ip_lines(b, function(i) return "link del v" .. i end)) end
  end
elseif work == "w2" then
  sh("ip link add br0 type bridge && ip link set br0 up")
  if tool == "plumb" then
    local h = assert(plumb.open())
    local t0 = now()
    for i = 1, N do
      assert(h:link_add{ name = "v" .. i, kind = "veth", master = "br0", up = true, peer = { name = "p" .. i } })
    end
    put("setup_ms", (now() - t0) * 1e3)
  elseif tool == "plumbbatch" then
    local h = assert(plumb.open())
    local t0 = now()
    assert(h:batch(function(b)
      for i = 1, N do
        b:link_add{ name = "v" .. i, kind = "veth", master = "br0", up = true, peer = { name = "p" .. i } }
      end
    end))
    put("setup_ms", (now() - t0) * 1e3)
  else
    put("setup_ms", ip_lines(tool == "ipbatch", function(i)
      return ("link add v%d master br0 up type veth peer name p%d"):format(i, i) end))
  end
  local up = io.popen("ip -o link show master br0 up | wc -l"):read("n")
  if up ~= N then error(("bench: w2 %s: %d ports up, expected %d"):format(tool, up, N)) end
elseif work == "w3" then
  sh("ip link add a0 type veth peer name a0p && ip link set a0 up && ip link set a0p up")
  -- the prefixes are written before the clock, as ip's batch files are (and the floor computes
  -- its addresses as integers): what is timed is plumb taking them
  local A, R = {}, {}
  for i = 1, N do A[i], R[i] = a4(100, i) .. "/32", a4(200, i) .. "/32" end
  if tool == "floor_lua" then
    -- the least a Lua binding can do per call (bench/floor_lua.c), the device by name
    local f = assert(package.loadlib(os.getenv("BENCH_FLOOR_LUA"), "luaopen_floor_lua"))()
    local t0 = now()
    for i = 1, N do assert(f.addr_add("a0", A[i])) end
    put("addr_ms", (now() - t0) * 1e3)
    t0 = now()
    for i = 1, N do assert(f.route_add{ dst = R[i], dev = "a0" }) end
    put("route_ms", (now() - t0) * 1e3)
  elseif tool == "plumb" or tool == "plumbidx" then
    local h = assert(plumb.open())
    -- plumbidx: the device given by ifindex, looked up once before the clock (as the libmnl
    -- floor does); plumb: by name, resolved again for every call
    local dev = tool == "plumbidx" and assert(h:link_get("a0")).ifindex or "a0"
    local t0 = now()
    for i = 1, N do assert(h:addr_add(dev, A[i])) end
    put("addr_ms", (now() - t0) * 1e3)
    t0 = now()
    for i = 1, N do assert(h:route_add{ dst = R[i], dev = dev }) end
    put("route_ms", (now() - t0) * 1e3)
  elseif tool == "plumbbatch" then
    local h = assert(plumb.open())
    local t0 = now()
    assert(h:batch(function(b) for i = 1, N do b:addr_add("a0", A[i]) end end))
    put("addr_ms", (now() - t0) * 1e3)
    t0 = now()
    assert(h:batch(function(b)
      for i = 1, N do b:route_add{ dst = R[i], dev = "a0" } end
    end))
    put("route_ms", (now() - t0) * 1e3)
    local n = io.popen("ip -4 route show dev a0 | grep -c '^10.200'"):read("n")
    if n ~= N then error(("bench: w3 plumbbatch: %d routes, expected %d"):format(n, N)) end
  else
    local b = tool == "ipbatch"
    put("addr_ms", ip_lines(b, function(i) return ("addr add %s/32 dev a0"):format(a4(100, i)) end))
    put("route_ms", ip_lines(b, function(i) return ("route add %s/32 dev a0"):format(a4(200, i)) end))
  end
elseif work == "w4" or work == "rss" then
  -- the namespace was filled by bench.lua; K dumps: the first is cold, the median of the rest warm
  local list
  if tool == "ipj" then
    local function run(cmd) return function() local p = io.popen(cmd) local r = p:read("a") p:close() return { r } end end
    list = { links = run("ip -j -d link show"),
             routes = run("ip -j route show table main; ip -j -6 route show table main") }
  elseif tool == "plumb" then
    local h = assert(plumb.open())
    list = { links = function() return assert(h:links()) end, routes = function() return assert(h:routes()) end }
  else
    local f = assert(package.loadlib(os.getenv("BENCH_FLOOR_LUA"), "luaopen_floor_lua"))()
    list = { links = function() return assert(f.links()) end, routes = function() return assert(f.routes()) end }
  end
  if work == "rss" then
    local l = list.links()
    put("links_n", #l)
  else
    for _, what in ipairs{ "links", "routes" } do
      local ts, n = {}, 0
      for k = 1, 6 do
        -- each dump starts from a collected heap: the garbage of the dump before (its records,
        -- dropped) is not billed to this one by Lua's incremental collector
        collectgarbage()
        local t0 = now()
        local r = list[what]()
        ts[k] = (now() - t0) * 1e3
        n = #r
        r = nil -- luacheck: ignore 311
      end
      put(what .. "_cold_ms", ts[1])
      table.remove(ts, 1)
      table.sort(ts)
      put(what .. "_warm_ms", ts[3])
      if tool ~= "ipj" then put(what .. "_n", n) end
    end
    if tool == "plumb" and os.getenv("BENCH_FLOOR_LUA") then
      -- the floor must build what plumb builds: compare every record, key by key
      local f = assert(package.loadlib(os.getenv("BENCH_FLOOR_LUA"), "luaopen_floor_lua"))()
      local bad = {}
      local function same(a, b, path)
        if type(a) ~= type(b) then bad[#bad + 1] = path .. ": " .. type(a) .. " vs " .. type(b) return end
        if type(a) ~= "table" then
          if a ~= b then bad[#bad + 1] = ("%s: %s vs %s"):format(path, tostring(a), tostring(b)) end
          return
        end
        for k, v in pairs(a) do same(v, b[k], path .. "." .. tostring(k)) end
        for k, v in pairs(b) do if a[k] == nil then same(nil, v, path .. "." .. tostring(k)) end end
      end
      for _, what in ipairs{ "links", "routes" } do
        local a, b = list[what](), assert(f[what]())
        if #a ~= #b then bad[#bad + 1] = ("%s: %d vs %d records"):format(what, #a, #b) end
        for i = 1, math.min(#a, #b) do same(a[i], b[i], what .. "[" .. i .. "]") end
      end
      print("keycheck=" .. (#bad == 0 and "same records" or (#bad .. " differences, first: " .. bad[1])))
    end
  end
else
  error("bench/work.lua: unknown workload " .. tostring(work))
end
print(table.concat(out, "\n"))
