-- `plumb monitor`: one line per event like `ip monitor`, JSON lines with --json, overruns and
-- resyncs visible, help and mistakes.
local plumb = require "plumb"
local testing = require "plumb.testing"
local cli = require "cli_support"

local function slurp(path)
  local f = io.open(path)
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end

-- Start `plumb monitor ARGS` in the background (at most 20 s), writing to a file; wait until
-- it reports links (changing `probe`'s MTU until a line shows up); returns a stop function
-- that ends it and gives its output.
local function start(args, sb, probe)
  local out, pidf = os.tmpname(), os.tmpname()
  os.execute(("sh -c 'PLUMB_BUILD=%s timeout 20 %s %s >%s 2>&1 & echo $! >%s'"):format(cli.build, cli.script, args,
    out, pidf))
  local pid = assert(math.tointeger(tonumber(slurp(pidf))))
  os.remove(pidf)
  local mtu = 1300
  for _ = 1, 50 do
    mtu = mtu + 1
    assert(sb.h:link_set(probe, { mtu = mtu }))
    os.execute("sleep 0.1")
    if slurp(out):find(probe, 1, true) then break end
  end
  local stop = {}
  -- the command itself: the child of the `timeout` we started
  function stop.child()
    -- (without the sanitizer preload of `make check SAN=1`: procps hangs under it)
    local p = io.popen("env -u LD_PRELOAD pgrep -P " .. pid)
    local c = math.tointeger(tonumber(p:read("l") or ""))
    p:close()
    return c
  end
  return setmetatable(stop, { __call = function(_, want)
    -- wait (at most 5 s) for `want` in the output, then stop the command (its pid: ours)
    for _ = 1, 50 do
      if slurp(out):find(want, 1, true) then break end
      os.execute("sleep 0.1")
    end
    os.execute("kill " .. pid .. " 2>/dev/null; sleep 0.1")
    local s = slurp(out)
    os.remove(out)
    return s
  end })
end

local function lines(s)
  local t = {}
  for l in s:gmatch("[^\n]+") do t[#t + 1] = l end
  return t
end

local function find(list, pat)
  for _, l in ipairs(list) do if l:match(pat) then return l end end
  return nil
end

describe("plumb monitor", function()
  testing.leakcheck()

  it("prints one line per event, like ip monitor", function()
    local sb <close> = testing.sandbox("cmon")
    assert(sb.h:link_add{ name = "pb0", kind = "bridge" })
    local stop = start("monitor --netns " .. sb.ns, sb, "pb0")
    assert(sb.h:addr_add("pb0", "10.66.0.1/24"))
    assert(sb.h:rule_add{ priority = 66, from = "10.67.0.0/16", table = 66 })
    assert(sb.h:route_add{ dst = "192.0.2.0/24", type = "blackhole", table = 66 })
    assert(sb.h:addr_del("pb0", "10.66.0.1/24"))
    local idx = assert(sb.h:link_get("pb0")).ifindex
    assert(sb.h:link_del("pb0"))
    local l = lines(stop("[LINK] Deleted"))
    assert.truthy(find(l, "^%[LINK%] " .. idx .. ": pb0: <[%u_,]*> mtu %d+ state %u+$"), table.concat(l, "\n"))
    assert.truthy(find(l, "^%[ADDR%] pb0 inet 10%.66%.0%.1/24$"))
    assert.truthy(find(l, "^%[RULE%] 66:\tfrom 10%.67%.0%.0/16 lookup 66$"))
    assert.truthy(find(l, "^%[ROUTE%] blackhole 192%.0%.2%.0/24 table 66"))
    assert.truthy(find(l, "^%[ADDR%] Deleted pb0 inet 10%.66%.0%.1/24$"))
    assert.truthy(find(l, "^%[LINK%] Deleted " .. idx .. ": pb0: "))
  end)

  it("prints JSON lines with --json, only the objects named", function()
    local sb <close> = testing.sandbox("cmon")
    assert(sb.h:link_add{ name = "pj0", kind = "bridge" })
    local stop = start("monitor link addr --json --netns " .. sb.ns, sb, "pj0")
    assert(sb.h:addr_add("pj0", "10.68.0.1/24"))
    assert(sb.h:route_add{ dst = "192.0.2.0/24", type = "blackhole", table = 68 })
    assert(sb.h:link_set("pj0", { mtu = 1234 }))
    local out = lines(stop('"mtu":1234'))
    local seen = {}
    for _, l in ipairs(out) do
      local ev = assert(testing.json_decode(l), l)
      assert.truthy(ev.object == "link" or ev.object == "addr", l)
      seen[#seen + 1] = ev
      if ev.object == "addr" then
        assert.same({ "new", "pj0", "10.68.0.1", 24, "inet" }, { ev.event, ev.ifname, ev["local"], ev.prefixlen, ev.family })
        assert.matches("^%d+ 10%.68%.0%.1/24$", ev.key)
      end
    end
    assert.truthy(#seen >= 2)
  end)

  it("shows overruns and the resync that follows", function()
    local sb <close> = testing.sandbox("cmon")
    assert(sb.h:link_add{ name = "po0", kind = "bridge" })
    -- a stopped reader: the command reads nothing while the storm fills its queue
    local stop = start("monitor --netns " .. sb.ns, sb, "po0")
    local child = assert(stop.child(), "the command is not running")
    assert(os.execute("kill -STOP " .. child))
    for i = 1, 3000 do
      assert(sb.h:route_add{ dst = ("10.%d.%d.0/24"):format(i // 256, i % 256), type = "blackhole", table = 70 })
    end
    assert(os.execute("kill -CONT " .. child))
    local l = lines(stop("(resync)"))
    assert.truthy(find(l, "^%[OVERRUN%] events were lost"), table.concat(l, "\n", 1, math.min(#l, 20)))
    assert.truthy(find(l, "^%[ROUTE%] blackhole 10%.%d+%.%d+%.0/24 table 70 %(resync%)$"))
  end)

  it("has help and names its mistakes", function()
    local code, out, err = cli.run("monitor --help")
    assert.same({ 0, "" }, { code, err })
    assert.matches("^usage: plumb monitor ", out)
    assert.same({ 2, "", 'plumb: monitor: unknown object "bogus" (expected link, addr, route, neigh, fdb, rule, nsid)\n' },
      { cli.run("monitor bogus") })
    assert.same({ 2, "", 'plumb: monitor: unknown option "--frob"\n' }, { cli.run("monitor --frob") })
    assert.same({ 2, "", 'plumb: monitor: option "--netns" needs a value\n' }, { cli.run("monitor --netns") })
    assert.same({ 1, "", 'plumb: Cannot open network namespace "nope": No such file or directory\n' },
      { cli.run("monitor --netns nope") })
    assert.is_nil(plumb.netns.exists("nope") or nil)
  end)
end)
