-- Link records exactly as `ip -j -d link show` prints them, for links in every state this
-- kernel can make: both ways (nothing ip prints is missing or different in plumb's record,
-- nothing is in plumb's record that ip does not print), flags included ("M-DOWN": the
-- parent is down). The differences kept on purpose are listed in docs/records.md.
local testing = require "plumb.testing"
local support = require "support"

-- Fields plumb's records carry that iproute2 6.1 does not print, on purpose (docs/records.md):
-- a value ip prints only when it is set (plumb gives false or 0 too), or an attribute newer
-- than that iproute2. Any other field plumb has and ip lacks is a difference.
local extra_ok = {
  [".linkinfo.info_data.mst_enabled"] = true,        -- bridge, IFLA_BR_MST_ENABLED
  [".linkinfo.info_data.macaddr_count"] = true,      -- macvlan, printed by ip in source mode only
  [".linkinfo.info_data.external"] = false,          -- vxlan booleans ip prints only when true
  [".linkinfo.info_data.l2miss"] = false,
  [".linkinfo.info_data.l3miss"] = false,
  [".linkinfo.info_data.proxy"] = false,
  [".linkinfo.info_data.rsc"] = false,
  [".linkinfo.info_data.maxaddress"] = 0,            -- vxlan, printed only when nonzero
  [".linkinfo.info_data.tos"] = 0,                   -- vxlan, "inherit"/nonzero only
}

-- What plumb's record `got` has that ip's `want` has not (beyond extra_ok).
local function extras(got, want, path, out)
  for k, v in pairs(got) do
    local p = path .. "." .. tostring(k)
    if type(v) == "table" and type(want[k]) == "table" then
      if p ~= ".flags" then extras(v, want[k], p, out) end
    elseif want[k] == nil and not tostring(k):match("_timer$") then
      local ok = extra_ok[p]
      if ok == nil or (ok ~= true and ok ~= v) then
        out[#out + 1] = ("%s: plumb %s, not printed by ip"):format(p, tostring(v))
      end
    end
  end
  return out
end

-- Every difference between ip's records and plumb's for namespace `ns`, both ways.
local function differences_once(h, ns)
  local ip = testing.ip_json("-d link show", ns)
  local byname = {}
  for _, l in ipairs(assert(h:links())) do byname[l.ifname] = l end
  local out = {}
  for _, want in ipairs(ip) do
    local got = byname[want.ifname]
    byname[want.ifname] = nil
    if not got then
      out[#out + 1] = want.ifname .. ": missing from plumb"
    else
      for _, d in ipairs(support.diff(want, got)) do out[#out + 1] = want.ifname .. d end
      for _, d in ipairs(extras(got, want, "", {})) do out[#out + 1] = want.ifname .. d end
      -- link_get gives the same record as links()
      local one = assert(h:link_get(want.ifname))
      for _, d in ipairs(support.diff(got, one)) do
        out[#out + 1] = want.ifname .. " (links and link_get)" .. d
      end
    end
  end
  for name in pairs(byname) do out[#out + 1] = name .. ": not listed by ip" end
  table.sort(out)
  return out
end

-- The same, once carrier and operstate changes the kernel makes after a change have
-- settled (linkwatch runs them a little later): at most 20 tries in 2 seconds.
local function differences(h, ns)
  return support.settle(function() return differences_once(h, ns) end)
end

-- The link's flags once they read `want` (operstate, and so IFF_RUNNING and NO-CARRIER,
-- follow a change asynchronously): at most 5 s, then whatever they are.
local function flags(h, name, want)
  local got
  support.settle(function()
    got = table.concat(assert(h:link_get(name)).flags, ",")
    return (want == nil or got == want) and {} or { got }
  end)
  return got
end

local function assert_flags(h, name, want)
  assert.equal(want, flags(h, name, want), name)
end

describe("link records", function()
  testing.leakcheck()

  it("match ip for veth pairs whose ends are up or down, M-DOWN included", function()
    local sb <close> = testing.sandbox()
    local h = sb.h
    assert(h:link_add{ name = "dd0", kind = "veth", peer = { name = "dd1" } })
    assert(h:link_add{ name = "ud0", kind = "veth", up = true, peer = { name = "ud1" } })
    assert(h:link_add{ name = "uu0", kind = "veth", up = true, peer = { name = "uu1", up = true } })
    testing.sh(("ip -n %s link property add dev uu0 altname uu0-first altname uu0-second")
      :format(sb.ns))
    assert.same({}, differences(h, sb.ns))
    assert.same({ "uu0-first", "uu0-second" }, assert(h:link_get("uu0")).altnames)
    -- a veth end whose peer is down: ip marks it M-DOWN, up or not
    assert_flags(h, "dd0", "BROADCAST,MULTICAST,M-DOWN")
    assert_flags(h, "ud0", "NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN")
    assert_flags(h, "ud1", "BROADCAST,MULTICAST")
    assert_flags(h, "uu0", "BROADCAST,MULTICAST,UP,LOWER_UP")
    -- and it follows the peer
    assert(h:link_set("ud1", { up = true }))
    assert(h:link_set("uu1", { up = false }))
    assert.same({}, differences(h, sb.ns))
    assert_flags(h, "ud0", "BROADCAST,MULTICAST,UP,LOWER_UP")
    assert_flags(h, "uu0", "NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN")
  end)

  it("match ip for a veth whose peer is in another namespace (no M-DOWN there)", function()
    local sb <close> = testing.sandbox()
    local other, ho = sb:netns()
    assert(sb.h:link_add{ name = "out0", kind = "veth", up = true, peer = { name = "in0", netns = other } })
    assert(sb.h:link_add{ name = "out1", kind = "veth", up = true,
                          peer = { name = "in1", netns = other, up = true } })
    assert.same({}, differences(sb.h, sb.ns))
    assert.same({}, differences(ho, other))
    -- ip computes M-DOWN only for a parent in the same namespace
    assert_flags(sb.h, "out0", "NO-CARRIER,BROADCAST,MULTICAST,UP")
    assert.is_number(assert(sb.h:link_get("out0")).link_index)
  end)

  it("match ip for macvlans on down and up parents, and a bridge with ports", function()
    if not testing.need_kind("macvlan", pending) then return end
    local sb <close> = testing.sandbox()
    local h = sb.h
    assert(h:link_add{ name = "p0", kind = "veth", peer = { name = "p0p" } })
    assert(h:link_add{ name = "mv0", kind = "macvlan", link = "p0", up = true })
    assert(h:link_add{ name = "mv1", kind = "macvlan", link = "p0" })
    assert(h:link_add{ name = "p1", kind = "veth", up = true, peer = { name = "p1p", up = true } })
    assert(h:link_add{ name = "mv2", kind = "macvlan", link = "p1", up = true,
                       macvlan = { mode = "bridge" } })
    assert(h:link_add{ name = "br0", kind = "bridge", up = true })
    assert(h:link_add{ name = "bp0", kind = "veth", master = "br0", up = true, peer = { name = "bq0" } })
    assert(h:link_add{ name = "bp1", kind = "veth", master = "br0", up = true,
                       peer = { name = "bq1", up = true } })
    assert.same({}, differences(h, sb.ns))
    assert_flags(h, "mv0", "NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN")
    assert_flags(h, "mv1", "BROADCAST,MULTICAST,M-DOWN")
    assert_flags(h, "mv2", "BROADCAST,MULTICAST,UP,LOWER_UP")
    -- a dump filtered by kind holds no parent: plumb asks for it
    local got = {}
    for _, l in ipairs(assert(h:links{ kind = "macvlan" })) do got[l.ifname] = table.concat(l.flags, ",") end
    assert.same({ mv0 = "NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN", mv1 = "BROADCAST,MULTICAST,M-DOWN",
                  mv2 = "BROADCAST,MULTICAST,UP,LOWER_UP" }, got)
    -- the parent comes up: M-DOWN goes
    assert(h:link_set("p0", { up = true }))
    assert.same({}, differences(h, sb.ns))
    assert.is_nil(flags(h, "mv1"):find("M-DOWN", 1, true))
  end)

  it("match ip for vxlan links with and without a parent device", function()
    if not testing.need_kind("vxlan", pending) then return end
    local sb <close> = testing.sandbox()
    local h = sb.h
    assert(h:link_add{ name = "u0", kind = "veth", peer = { name = "u0p" } })
    assert(h:addr_add("u0", "192.0.2.1/24"))
    assert(h:link_add{ name = "vx0", kind = "vxlan", up = true,
                       vxlan = { id = 10, dstport = 4789, dev = "u0", remote = "192.0.2.2" } })
    assert(h:link_add{ name = "vx1", kind = "vxlan", vxlan = { id = 11, dstport = 4789 } })
    assert.same({}, differences(h, sb.ns))
  end)

  it("match ip for vlans on a down parent", function()
    if not testing.need_kind("vlan", pending) then return end
    local sb <close> = testing.sandbox()
    local h = sb.h
    assert(h:link_add{ name = "t0", kind = "veth", peer = { name = "t0p" } })
    -- a vlan cannot be up on a down parent (ENETDOWN) and goes down with it
    assert(h:link_add{ name = "t0.5", kind = "vlan", link = "t0", vlan = { id = 5 } })
    assert.same({}, differences(h, sb.ns))
    assert_flags(h, "t0.5", "BROADCAST,MULTICAST,M-DOWN")
    assert(h:link_set("t0", { up = true }))
    assert(h:link_set("t0.5", { up = true }))
    assert.same({}, differences(h, sb.ns))
    assert_flags(h, "t0.5", "NO-CARRIER,BROADCAST,MULTICAST,UP")
    assert(h:link_set("t0", { up = false }))
    assert.same({}, differences(h, sb.ns))
    assert_flags(h, "t0.5", "BROADCAST,MULTICAST,M-DOWN")
  end)
end)
