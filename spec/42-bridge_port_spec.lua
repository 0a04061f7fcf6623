-- Bridge port options through link_set("veth0", { bridge_port = {...} }): IFLA_LINKINFO
-- { INFO_SLAVE_KIND "bridge", INFO_SLAVE_DATA }, reported in linkinfo.info_slave_data and
-- checked against `ip -j -d link show`.
local testing = require "plumb.testing"
local support = require "support"

local ENETDOWN, EOPNOTSUPP = 100, 95

-- plumb's record of `name` against ip's, field by field (but the port's running timers,
-- which move between the two readings).
local function same_as_ip(h, ns, name)
  local want = support.without_timers(testing.ip_json("-d link show dev " .. name, ns)[1])
  return support.diff(want, assert(h:link_get(name)))
end

local function port_data(h, name)
  return assert(h:link_get(name)).linkinfo.info_slave_data
end

describe("bridge port options", function()
  testing.leakcheck()

  it("sets hairpin, isolated, learning, flood, neigh_suppress as ip -d reports them", function()
    local sb <close> = testing.sandbox()
    local h = sb.h
    assert(h:link_add{ name = "br0", kind = "bridge" })
    assert(h:link_add{ name = "v0", kind = "veth", master = "br0", peer = { name = "v0p" } })
    local before = port_data(h, "v0")
    assert.same({ false, false, true, true, false },
      { before.hairpin, before.isolated, before.learning, before.flood, before.neigh_suppress })
    assert.is_true(h:link_set("v0", { bridge_port = { hairpin = true, isolated = true,
      learning = false, flood = false, neigh_suppress = true } }))
    local d = port_data(h, "v0")
    assert.same({ true, true, false, false, true },
      { d.hairpin, d.isolated, d.learning, d.flood, d.neigh_suppress })
    assert.equal("bridge", h:link_get("v0").linkinfo.info_slave_kind)
    assert.same({}, same_as_ip(h, sb.ns, "v0"))
    local ip = testing.ip_json("-d link show dev v0", sb.ns)[1].linkinfo.info_slave_data
    assert.same({ true, true, false, false, true },
      { ip.hairpin, ip.isolated, ip.learning, ip.flood, ip.neigh_suppress })
  end)

  it("sets numbers, names and the other flags", function()
    local sb <close> = testing.sandbox()
    local h = sb.h
    assert(h:link_add{ name = "br0", kind = "bridge" })
    assert(h:link_add{ name = "v0", kind = "veth", master = "br0", peer = { name = "v0p" } })
    assert.is_true(h:link_set("v0", { bridge_port = { cost = 7, priority = 9,
      mcast_flood = false, bcast_flood = false, proxy_arp = true, mcast_to_unicast = true,
      fastleave = true, root_block = true, guard = true, group_fwd_mask = 8,
      multicast_router = 2 } }))
    local d = port_data(h, "v0")
    assert.equal(7, d.cost)
    assert.equal(9, d.priority)
    assert.same({ false, false, true, true }, { d.mcast_flood, d.bcast_flood, d.proxy_arp,
                                                 d.mcast_to_unicast })
    assert.equal("0x8", d.group_fwd_mask)
    assert.equal("0x8", d.group_fwd_mask_str)
    assert.equal(2, d.multicast_router)
    assert.same({}, same_as_ip(h, sb.ns, "v0"))
  end)

  it("sets the STP state of a running port, and reports the kernel's refusal of a down one",
    function()
    local sb <close> = testing.sandbox()
    local h = sb.h
    assert(h:link_add{ name = "br0", kind = "bridge", up = true })
    assert(h:link_add{ name = "v0", kind = "veth", master = "br0", peer = { name = "v0p" } })
    local ok, err, code = h:link_set("v0", { bridge_port = { state = "blocking" } })
    assert.is_nil(ok)
    assert.equal("link_set v0: Network is down", err)
    assert.equal(ENETDOWN, code)
    assert(h:link_set("v0p", { up = true }))
    assert(h:link_set("v0", { up = true }))
    -- the kernel takes a port state only once the port is operationally up, which linkwatch
    -- makes it a little later (slow on an emulated machine): wait, at most 5 s
    for _ = 1, 50 do
      if assert(h:link_get("v0")).operstate == "UP" then break end
      os.execute("sleep 0.1")
    end
    -- (without STP, "blocking" and "disabled" turn into "forwarding" at once)
    assert.is_true(h:link_set("v0", { bridge_port = { state = "learning" } }))
    assert.equal("learning", port_data(h, "v0").state)
    assert.is_true(h:link_set("v0", { bridge_port = { state = 3 } }))
    assert.equal("forwarding", port_data(h, "v0").state)
    assert.same({}, same_as_ip(h, sb.ns, "v0"))
  end)

  it("joins a bridge and sets port options in one call", function()
    local sb <close> = testing.sandbox()
    local h = sb.h
    assert(h:link_add{ name = "br0", kind = "bridge" })
    assert(h:link_add{ name = "v0", kind = "veth", peer = { name = "v0p" } })
    assert.is_true(h:link_set("v0", { master = "br0", mtu = 1400,
                                      bridge_port = { hairpin = true, cost = 5 } }))
    local l = assert(h:link_get("v0"))
    assert.equal("br0", l.master)
    assert.equal(1400, l.mtu)
    assert.is_true(l.linkinfo.info_slave_data.hairpin)
    assert.equal(5, l.linkinfo.info_slave_data.cost)
    assert.same({}, same_as_ip(h, sb.ns, "v0"))
  end)

  it("refuses port options for a link that is not a bridge port", function()
    local sb <close> = testing.sandbox()
    local h = sb.h
    assert(h:link_add{ name = "v0", kind = "veth", peer = { name = "v0p" }, mtu = 1400 })
    local ok, err, code = h:link_set("v0", { bridge_port = { hairpin = true } })
    assert.is_nil(ok)
    assert.equal("link_set v0: bridge_port: not a port of a bridge", err)
    assert.equal(EOPNOTSUPP, code)
    -- the rest of the request is applied first, the port options are not
    ok, err, code = h:link_set("v0", { mtu = 1300, bridge_port = { hairpin = true } })
    assert.is_nil(ok)
    assert.equal("link_set v0: bridge_port: not a port of a bridge", err)
    assert.equal(EOPNOTSUPP, code)
    assert.equal(1300, h:link_get("v0").mtu)
    assert.is_nil(h:link_get("v0").linkinfo.info_slave_kind)
  end)

  it("refuses bridge port options for a port of a bond", function()
    if not testing.need_kind("bond", pending) then return end
    local sb <close> = testing.sandbox()
    local h = sb.h
    assert(h:link_add{ name = "bond0", kind = "bond" })
    assert(h:link_add{ name = "v0", kind = "veth", peer = { name = "v0p" } })
    assert(h:link_set("v0", { master = "bond0" }))
    -- the kernel would read these as bond port attributes
    local ok, err, code = h:link_set("v0", { bridge_port = { guard = true } })
    assert.is_nil(ok)
    assert.equal("link_set v0: bridge_port: a port of a bond, not of a bridge", err)
    assert.equal(EOPNOTSUPP, code)
    assert.equal(0, port_data(h, "v0").queue_id)
  end)

  it("raises on unknown options and bad values, before changing anything", function()
    local sb <close> = testing.sandbox()
    local h = sb.h
    assert(h:link_add{ name = "br0", kind = "bridge" })
    assert(h:link_add{ name = "v0", kind = "veth", master = "br0", peer = { name = "v0p" } })
    assert.has_error(function() h:link_set("v0", { bridge_port = { hairpn = true } }) end,
      'link_set: bridge_port: unknown option "hairpn"')
    assert.has_error(function() h:link_set("v0", { mtu = 1300, bridge_port = { cost = -1 } }) end,
      "link_set: bridge_port.cost: -1 out of range 0..4294967295")
    assert.has_error(function() h:link_set("v0", { bridge_port = { state = "sleeping" } }) end,
      'link_set: bridge_port.state: unknown value "sleeping" (expected "disabled", '
      .. '"listening", "learning", "forwarding", "blocking")')
    assert.has_error(function() h:link_set("v0", { bridge_port = { hairpin = "yes" } }) end,
      "link_set: bridge_port.hairpin: expected a boolean, got string")
    assert.has_error(function() h:link_set("v0", { bridge_port = true }) end,
      "link_set: bridge_port: expected a table")
    assert.has_error(function() h:link_set("v0", { bridge_port = {}, bond_port = {} }) end,
      "link_set: bond_port: conflicts with bridge_port (a port has one master)")
    assert.equal(1500, h:link_get("v0").mtu)
    assert.is_false(port_data(h, "v0").hairpin)
  end)
end)
