-- `plumb show`: the brief columns checked line by line against iproute2's own output for the
-- same objects, and --json against `ip -j`.
local testing = require "plumb.testing"
local cli = require "cli_support"
local show = require "plumb.show"

local function lines(s)
  local out = {}
  for l in s:gmatch("[^\n]*") do
    -- iproute2 ends its lines with a space; M-DOWN is ip's own reading of the master's
    -- flags from a cache it may not have filled, not a kernel flag
    l = l:gsub("%s+$", ""):gsub(",M%-DOWN", "")
    if l ~= "" then out[#out + 1] = l end
  end
  return out
end

local function setup(ns)
  for _, c in ipairs{
    "link add br0 type bridge", "link add v0 type veth peer name v1", "link set v0 master br0",
    "link set br0 up", "link set v0 up", "link set v1 up",
    "addr add 10.0.0.1/24 dev br0", "-6 addr add 2001:db8::1/64 dev br0 nodad",
    "neigh add 10.0.0.9 dev br0 lladdr 02:00:00:00:00:09", "route add 10.9.0.0/16 via 10.0.0.2",
    "route add 192.0.2.0/24 dev br0 metric 50", "route add blackhole 198.51.100.0/24",
    "rule add from 10.1.0.0/16 table 100 prio 100", "rule add to 10.2.0.0/16 lookup 200 prio 200",
  } do cli.sh(("ip -n %s %s"):format(ns, c)) end
  -- operstate follows "up" asynchronously (linkwatch; slow on an emulated kernel): wait, at
  -- most 5 s, until the three links read UP, so that ip and plumb see the same state
  local h <close> = assert(require("plumb").open{ netns = ns })
  for _ = 1, 50 do
    local up = 0
    for _, n in ipairs{ "br0", "v0", "v1" } do
      if assert(h:link_get(n)).operstate == "UP" then up = up + 1 end
    end
    if up == 3 then break end
    os.execute("sleep 0.1")
  end
end

describe("plumb show", function()
  testing.leakcheck()
  local sb
  -- a fresh namespace for every test, closed inside the test (before the leak check)
  local function fresh()
    sb = testing.sandbox("show")
    setup(sb.ns)
    return sb
  end

  local function plumb_show(what)
    local code, out, err = cli.run(("show %s --netns %s"):format(what, sb.ns))
    assert.same({ 0, "" }, { code, err })
    return lines(out)
  end
  local function ip(args) return lines(cli.sh(args:gsub("NS", sb.ns))) end
  -- ip's lines (from `want`, a function) and plumb's agree: read both again, at most 5 s, while
  -- the kernel is still adding what fresh devices get on their own (IPv6 link-local addresses
  -- and their routes, after DAD: slow on an emulated kernel)
  local function agree(want, what)
    local w, g
    for _ = 1, 50 do
      w, g = want(), plumb_show(what)
      if #w == #g and table.concat(w, "\n") == table.concat(g, "\n") then break end
      os.execute("sleep 0.1")
    end
    assert.same(w, g)
  end

  it("links as ip -br link", function()
    local _ <close> = fresh()
    agree(function() return ip("ip -n NS -br link") end, "links")
  end)

  it("addrs as ip -br addr", function()
    local _ <close> = fresh()
    agree(function() return ip("ip -n NS -br addr") end, "addrs")
  end)

  it("routes as ip route (IPv4, then IPv6)", function()
    local _ <close> = fresh()
    agree(function()
      local want = ip("ip -n NS route")
      for _, l in ipairs(ip("ip -n NS -6 route")) do want[#want + 1] = l end
      return want
    end, "routes")
  end)

  it("routes of another table, or all of them, as ip route show table", function()
    local _ <close> = fresh()
    cli.sh(("ip -n %s route add 10.5.0.0/16 dev br0 table 100"):format(sb.ns))
    agree(function() return ip("ip -n NS route show table 100") end, "routes --table 100")
    -- `table all` is the one listing for which ip itself shows both families
    agree(function() return ip("ip -n NS route show table all") end, "routes --table all")
  end)

  it("neighs as ip neigh", function()
    local _ <close> = fresh()
    agree(function() return ip("ip -n NS neigh") end, "neighs")
  end)

  it("rules as ip rule (IPv4, then IPv6)", function()
    local _ <close> = fresh()
    local want = ip("ip -n NS rule")
    for _, l in ipairs(ip("ip -n NS -6 rule")) do want[#want + 1] = l end
    assert.same(want, plumb_show("rules"))
  end)

  it("fdb as bridge fdb", function()
    local _ <close> = fresh()
    agree(function() return ip("bridge -n NS fdb") end, "fdb")
  end)

  it("ports as bridge link show, also for one master", function()
    local _ <close> = fresh()
    agree(function() return ip("bridge -n NS link show") end, "ports")
    agree(function() return ip("bridge -n NS link show") end, "ports --master br0")
    assert.same({}, plumb_show("ports --master v1"))
  end)

  it("bridges as brctl show", function()
    local _ <close> = fresh()
    local br = testing.json_decode(cli.sh(("ip -n %s -j -d link show br0"):format(sb.ns)))[1]
    -- brctl's id: the priority (8000 by default), a dot, the bridge's MAC without colons
    local id = "8000." .. br.address:gsub(":", "")
    local want = { "bridge name\tbridge id\t\tSTP enabled\tinterfaces", ("br0\t\t%s\tno\t\tv0"):format(id) }
    assert.same(want, plumb_show("bridges"))
    assert.same(want, plumb_show("bridges br0"))
    local code, out, err = cli.run(("show bridges br9 --netns %s"):format(sb.ns))
    assert.same({ 1, "", "plumb: bridge br9 does not exist\n" }, { code, out, err })
  end)

  it("vlans as bridge vlan", function()
    local _ <close> = fresh()
    local got = plumb_show("vlans")
    assert.equal("port              vlan-id", got[1])
    if not testing.need_kind("bridge_vlan_filtering", pending) then return end
    cli.sh(("ip -n %s link set br0 type bridge vlan_filtering 1"):format(sb.ns))
    cli.sh(("bridge -n %s vlan add dev v0 vid 10"):format(sb.ns))
    agree(function() return ip("bridge -n NS vlan") end, "vlans")
  end)

  it("links --json: the ip -j -d link records, field for field", function()
    local _ <close> = fresh()
    local code, out = cli.run("show links --json --netns " .. sb.ns)
    assert.equal(0, code)
    local got = assert(show.json_decode(out))
    local want = testing.json_decode(cli.sh(("ip -n %s -j -d link"):format(sb.ns)))
    assert.equal(#want, #got)
    for i, w in ipairs(want) do
      local g = got[i]
      for _, k in ipairs{ "ifindex", "ifname", "mtu", "operstate", "link_type", "address", "broadcast",
                          "txqlen", "master", "link", "group", "qdisc", "promiscuity" } do
        assert.equal(w[k], g[k], w.ifname .. "." .. k)
      end
      local wf = {}
      for _, f in ipairs(w.flags) do if f ~= "M-DOWN" then wf[#wf + 1] = f end end
      assert.same(wf, g.flags)
      assert.equal(w.linkinfo and w.linkinfo.info_kind, g.linkinfo and g.linkinfo.info_kind)
    end
  end)

  it("routes and addrs --json round-trip exactly through the JSON library", function()
    local _ <close> = fresh()
    local h = sb.h
    for _, what in ipairs{ { "addrs", h:addrs() }, { "fdb", h:fdbs() }, { "rules", h:rules{ family = "inet" } } } do
      local code, out = cli.run(("show %s --json --netns %s"):format(what[1], sb.ns))
      assert.equal(0, code)
      local got = assert(show.json_decode(out))
      if what[1] == "rules" then got = { table.unpack(got, 1, #what[2]) } end
      -- link-local IPv6 addresses stop being tentative when DAD ends, between the two reads
      for _, list in ipairs{ got, what[2] } do for _, a in ipairs(list) do a.tentative = nil end end
      assert.same(what[2], got, what[1])
    end
    local code, out = cli.run(("show routes --json --netns %s"):format(sb.ns))
    assert.equal(0, code)
    local got = assert(show.json_decode(out))
    local want = assert(h:routes{ family = "inet" })
    for _, r in ipairs(assert(h:routes{ family = "inet6" })) do want[#want + 1] = r end
    assert.same(want, got)
    assert.matches('"flags":%[%]', out)	-- an empty list stays a list
  end)

  it("--details prints every field as an indented table", function()
    local _ <close> = fresh()
    local code, out = cli.run(("show links --details --netns %s"):format(sb.ns))
    assert.equal(0, code)
    assert.matches('\n  ifname = "br0",\n', out)
    assert.matches('\n  linkinfo = {\n    info_kind = "bridge",\n', out)
    local n = 0
    for _ in out:gmatch("\n}") do n = n + 1 end
    assert.equal(#sb.h:links(), n)
  end)
end)
