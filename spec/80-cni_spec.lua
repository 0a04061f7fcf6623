-- The CNI plugins driven the way runtimes drive them (CNI_* environment, configuration on
-- stdin, result or error on stdout), each run inside a sandbox namespace standing for the host,
-- with containers as namespaces given by path; what they make is compared field by field with
-- what Debian's reference plugin of the same name makes for the same configuration.
local plumb = require "plumb"
local testing = require "plumb.testing"
local R = require "recipes_support"
local C = require "cni_support"

local function sorted_keys(t)
  local k = {}
  for x in pairs(t) do k[#k + 1] = x end
  table.sort(k)
  return k
end

describe("CNI plugins", function()
  testing.leakcheck()

  -- a sandbox (the host), containers in it by path, a directory for IPAM state
  local function setup(n)
    local sb = testing.sandbox("cnih")
    local cs = {}
    for i = 1, n or 2 do cs[i] = sb:netns("cnic") end
    local dir = R.tmpdir()
    finally(function()
      sb:close()
      R.rmtree(dir)
    end)
    return sb, cs, dir
  end

  local function env(cmd, c, extra)
    local e = { command = cmd, containerid = "id-" .. c, netns = "/run/netns/" .. c }
    for k, v in pairs(extra or {}) do e[k] = v end
    return e
  end

  local function with_prev(conf, prev)
    return C.conf(conf, { prevResult = prev })
  end

  local function link(ns, name)
    local h <close> = assert(plumb.open{ netns = ns })
    return h:link_get(name)
  end

  it("answer VERSION with the versions they speak", function()
    local sb = setup(0)
    for _, p in ipairs{ "plumb-bridge", "plumb-ipvlan", "plumb-macvlan", "plumb-ptp", "plumb-ipam" } do
      local r, ok = C.run(sb.ns, p, { command = "VERSION", containerid = false, ifname = false,
        path = false }, { cniVersion = "1.0.0" })
      assert.is_true(ok)
      assert.same({ cniVersion = "1.0.0", supportedVersions = { "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0" } }, r)
    end
  end)

  for _, ipam_type in ipairs{ "host-local", "plumb-ipam" } do
    it("plumb-bridge with " .. ipam_type .. ", IPv4 and IPv6: ADD, CHECK, STATUS, GC, ping, DEL, DEL again", function()
      local sb, c, dir = setup(2)
      -- (host-local 1.1.1 speaks up to 1.0.0; STATUS and GC need 1.1.0, which plumb-bridge does
      -- not hand to an IPAM plugin that does not speak it)
      local v = ipam_type == "host-local" and "1.0.0" or "1.1.0"
      local conf = { cniVersion = v, name = "net1", type = "plumb-bridge", bridge = "cni-br0",
        isDefaultGateway = true, mtu = 1400, hairpinMode = true,
        ipam = { type = ipam_type, dataDir = dir, ranges = { { { subnet = "10.88.0.0/16" } },
          { { subnet = "fd88::/64" } } } } }
      local res = {}
      for i = 1, 2 do
        local r, ok, raw = C.run(sb.ns, "plumb-bridge", env("ADD", c[i]), conf)
        assert(ok, raw)
        res[i] = r
      end
      local r = res[1]
      assert.same({ "cniVersion", "dns", "interfaces", "ips", "routes" }, sorted_keys(r))
      assert.equal(v, r.cniVersion)
      assert.equal("cni-br0", r.interfaces[1].name)
      assert.matches("^veth%x%x%x%x%x%x%x%x$", r.interfaces[2].name)
      assert.same({ "eth0", "/run/netns/" .. c[1] }, { r.interfaces[3].name, r.interfaces[3].sandbox })
      assert.equal(link(c[1], "eth0").address, r.interfaces[3].mac)
      assert.equal(sb.h:link_get("cni-br0").address, r.interfaces[1].mac)
      assert.same({ { address = "10.88.0.2/16", gateway = "10.88.0.1", interface = 2 },
        { address = "fd88::2/64", gateway = "fd88::1", interface = 2 } }, r.ips)
      assert.same({ { dst = "0.0.0.0/0", gw = "10.88.0.1" }, { dst = "::/0", gw = "fd88::1" } }, r.routes)
      -- the state: gateway on the bridge, port with hairpin, mtu
      local hv = assert(sb.h:link_get(r.interfaces[2].name))
      assert.same({ "cni-br0", 1400, true }, { hv.master, hv.mtu, hv.linkinfo.info_slave_data.hairpin })
      assert.equal(1400, link(c[1], "eth0").mtu)
      -- real traffic: container to container, container to the gateway, both families
      assert.is_true(R.ping(c[1], "10.88.0.3"))
      assert.is_true(R.ping(c[1], "10.88.0.1"))
      assert.is_true(R.ping(c[2], "fd88::2"))
      assert.is_true(R.ping(c[2], "fd88::1"))
      -- CHECK against the result
      local out, ok = C.run(sb.ns, "plumb-bridge", env("CHECK", c[1]), with_prev(conf, r))
      assert(ok, out)
      assert.equal("", out)
      -- CHECK finds what went missing
      local h <close> = assert(plumb.open{ netns = c[1] })
      assert(h:addr_del("eth0", "10.88.0.2/16"))
      local e
      e, ok = C.run(sb.ns, "plumb-bridge", env("CHECK", c[1]), with_prev(conf, r))
      assert.is_false(ok)
      assert.equal(999, e.code)
      assert.matches("missing address 10.88.0.2/16 on eth0", e.msg, 1, true)
      -- STATUS and GC (1.1)
      local conf11 = C.conf(conf, { cniVersion = "1.1.0" })
      out, ok = C.run(sb.ns, "plumb-bridge", { command = "STATUS", containerid = false, ifname = false }, conf11)
      assert.same({ "", true }, { out, ok })
      out, ok = C.run(sb.ns, "plumb-bridge", { command = "GC", containerid = false, ifname = false },
        C.conf(conf11, { ["cni.dev/valid-attachments"] = { { containerID = "id-" .. c[1], ifname = "eth0" },
          { containerID = "id-" .. c[2], ifname = "eth0" } } }))
      assert.same({ "", true }, { out, ok })
      -- DEL, and DEL again: success, everything of c1 gone, c2 untouched
      for _ = 1, 2 do
        out, ok = C.run(sb.ns, "plumb-bridge", env("DEL", c[1]), conf)
        assert.same({ "", true }, { out, ok })
      end
      assert.is_nil(link(c[1], "eth0"))
      assert.is_nil(sb.h:link_get(r.interfaces[2].name))
      assert.is_true(R.ping(c[2], "10.88.0.1"))
      -- the address is free again: the next ADD of c1 may take it
      local r3 = assert(C.run(sb.ns, "plumb-bridge", env("ADD", c[1]), conf))
      assert.equal(2, #r3.ips)
      -- DEL after the netns is gone succeeds and releases the address
      assert(plumb.netns.del(c[1]))
      out, ok = C.run(sb.ns, "plumb-bridge", env("DEL", c[1]), conf)
      assert.same({ "", true }, { out, ok })
      out, ok = C.run(sb.ns, "plumb-bridge", env("DEL", c[2]), conf)
      assert.same({ "", true }, { out, ok })
      -- no address held any more (only the IPAM plugins' cursors and locks are left)
      local held = {}
      for _, l in ipairs(R.snapshot(nil, dir)) do
        if l:match("^file") and not l:match("last_reserved") then held[#held + 1] = l end
      end
      assert.same({}, held)
    end)
  end

  -- the same configuration through the reference plugin and through plumb's, each in a host
  -- namespace of its own: the same links, addresses, routes and sysctls
  local function compare(conf, plumb_type, ref_type, host_names, prepare)
    local sbs, cs, results = {}, {}, {}
    local dir = R.tmpdir()
    finally(function()
      for _, sb in ipairs(sbs) do sb:close() end
      R.rmtree(dir)
    end)
    for i, t in ipairs{ ref_type, plumb_type } do
      local sb = testing.sandbox("cnicmp")
      sbs[i] = sb
      cs[i] = sb:netns("cnicc")
      if prepare then prepare(sb) end
      local cf = C.conf(conf, { type = t, ipam = conf.ipam and C.conf(conf.ipam, { dataDir = dir .. "/" .. i }) })
      local r, ok, raw = C.run(sb.ns, t, env("ADD", cs[i]), cf)
      assert(ok, raw)
      results[i] = r
    end
    local states = {}
    for i = 1, 2 do
      states[i] = C.state(sbs[i].ns, host_names(results[i]), cs[i], "eth0")
    end
    return results, states, sbs, cs
  end

  for _, case in ipairs{ { "vlan 100", { vlan = 100 } },
      { "vlan 100 without the default VLAN", { vlan = 100, preserveDefaultVlan = false } } } do
    it("plumb-bridge makes what the reference bridge makes: " .. case[1], function()
      if not testing.need_kind("bridge_vlan_filtering", pending) then return end
      local conf = C.conf({ cniVersion = "1.0.0", name = "cmpvlan", bridge = "cni0",
        ipam = { type = "host-local", subnet = "10.86.0.0/24", routes = { { dst = "0.0.0.0/0" } } } }, case[2])
      local results, states, sbs = compare(conf, "plumb-bridge", "bridge", function(r)
        return { [r.interfaces[1].name] = "bridge", [r.interfaces[2].name] = "hostveth" }
      end)
      assert.same(C.shape(results[1]), C.shape(results[2]))
      assert.same(states[1], states[2])
      local vl = {}
      for i = 1, 2 do
        local got = assert(sbs[i].h:vlans{ dev = results[i].interfaces[2].name })
        vl[i] = got[1].vlans
        assert.equal(1, sbs[i].h:link_get("cni0").linkinfo.info_data.vlan_filtering)
      end
      if conf.preserveDefaultVlan == false then
        -- docs/cni.md: Debian's reference (1.1.1) predates preserveDefaultVlan and ignores
        -- it (VLAN 1 stays on the port); plumb-bridge honours it, as the current upstream does
        assert.same({ { vlan = 1, flags = { "Egress Untagged" } }, { vlan = 100, flags = { "PVID", "Egress Untagged" } } }, vl[1])
        assert.same({ { vlan = 100, flags = { "PVID", "Egress Untagged" } } }, vl[2])
      else
        assert.same(vl[1], vl[2])
      end
    end)
  end

  it("plumb-bridge's deliberate differences from the reference (docs/cni.md): host veth name, nodad, lo", function()
    local tx = require "plumb.recipes._tx"
    local dir = R.tmpdir()
    local sbs, ns = {}, {}
    finally(function()
      for _, n in ipairs(ns) do if plumb.netns.exists(n) then plumb.netns.del(n) end end
      for _, sb in ipairs(sbs) do sb:close() end
      R.rmtree(dir)
    end)
    local got = {}
    for i, t in ipairs{ "bridge", "plumb-bridge" } do
      sbs[i] = testing.sandbox("cnidiff")
      ns[i] = testing.name("cnidc")
      assert(plumb.netns.add(ns[i])) -- loopback left down, as a runtime's fresh netns
      local conf = { cniVersion = "1.0.0", name = "diff", type = t, isGateway = true,
        ipam = { type = "host-local", dataDir = dir .. "/" .. i, subnet = "fd86::/64" } }
      local r, ok, raw = C.run(sbs[i].ns, t, env("ADD", ns[i]), conf)
      assert(ok, raw)
      local h <close> = assert(plumb.open{ netns = ns[i] })
      local a = assert(tx.find_addr(h, "eth0", "fd86::2", 64))
      got[i] = { host = r.interfaces[2].name, nodad = a.nodad == true,
        lo = tx.has(h:link_get("lo").flags, "UP") }
    end
    assert.matches("^veth%x%x%x%x%x%x%x%x$", got[1].host)
    assert.same({ nodad = false, lo = false }, { nodad = got[1].nodad, lo = got[1].lo })
    assert.same({ host = tx.host_ifname("id-" .. ns[2], "eth0"), nodad = true, lo = true }, got[2])
  end)

  local function bridge_names(r)
    return { [r.interfaces[1].name] = "bridge", [r.interfaces[2].name] = "hostveth" }
  end

  for _, case in ipairs{
    { "isDefaultGateway, IPv4 and IPv6, host-local", { isDefaultGateway = true, mtu = 1450,
      ipam = { type = "host-local", ranges = { { { subnet = "10.90.0.0/24" } }, { { subnet = "fd90::/64" } } } } } },
    { "isGateway only, routes from IPAM", { isGateway = true,
      ipam = { type = "host-local", subnet = "10.91.0.0/24", routes = { { dst = "192.0.2.0/24" } } } } },
    { "no routes at all (the result leaves the empty list out)", { isGateway = true,
      ipam = { type = "host-local", subnet = "10.89.0.0/24" } } },
    { "layer 2 only (no ipam)", { mtu = 1480 } },
    { "no gateway on the bridge, hairpin", { hairpinMode = true,
      ipam = { type = "host-local", subnet = "10.92.0.0/24", gateway = "10.92.0.254",
        routes = { { dst = "0.0.0.0/0" } } } } },
  } do
    it("plumb-bridge makes what the reference bridge makes: " .. case[1], function()
      local conf = C.conf({ cniVersion = "1.0.0", name = "cmp", bridge = "cni0" }, case[2])
      local results, states = compare(conf, "plumb-bridge", "bridge", bridge_names)
      assert.same(C.shape(results[1]), C.shape(results[2]))
      assert.same(states[1], states[2])
    end)
  end

  for _, case in ipairs{
    { "IPv4, a default route from IPAM", { ipam = { type = "host-local", subnet = "10.93.0.0/24",
      routes = { { dst = "0.0.0.0/0" } } } } },
    { "IPv4 and IPv6, routes from IPAM", { ipam = { type = "host-local",
      ranges = { { { subnet = "10.93.1.0/24" } }, { { subnet = "fd93::/64" } } },
      routes = { { dst = "0.0.0.0/0" }, { dst = "198.51.100.0/24" }, { dst = "::/0" } } } } },
  } do
    it("plumb-ptp makes what the reference ptp makes: " .. case[1], function()
      local conf = C.conf({ cniVersion = "1.0.0", name = "cmpptp", mtu = 1400 }, case[2])
      local results, states, sbs, cs = compare(conf, "plumb-ptp", "ptp", function(r)
        return { [r.interfaces[1].name] = "hostveth" }
      end)
      assert.same(C.shape(results[1]), C.shape(results[2]))
      assert.same(states[1], states[2])
      for i = 1, 2 do assert.is_true(R.ping(cs[i], results[i].ips[1].gateway), sbs[i].ns) end
    end)
  end

  it("plumb-macvlan makes what the reference macvlan makes", function()
    if not testing.need_kind("macvlan", pending) then return end
    local conf = { cniVersion = "1.0.0", name = "cmpmv", master = "up0", mode = "bridge", mtu = 1400,
      ipam = { type = "host-local", ranges = { { { subnet = "10.94.0.0/24" } }, { { subnet = "fd94::/64" } } },
        routes = { { dst = "0.0.0.0/0" } } } }
    local results, states = compare(conf, "plumb-macvlan", "macvlan", function() return {} end, function(sb)
      assert(sb.h:link_add{ name = "up0", kind = "veth", peer = { name = "up0p" }, up = true })
      assert(sb.h:link_set("up0p", { up = true }))
    end)
    assert.same(C.shape(results[1]), C.shape(results[2]))
    assert.same(states[1], states[2])
  end)

  it("plumb-ipvlan makes what the reference ipvlan makes", function()
    if not testing.need_kind("ipvlan", pending) then return end
    local conf = { cniVersion = "1.0.0", name = "cmpipv", master = "up0", mode = "l2",
      ipam = { type = "host-local", subnet = "10.95.0.0/24", routes = { { dst = "0.0.0.0/0" } } } }
    local results, states = compare(conf, "plumb-ipvlan", "ipvlan", function() return {} end, function(sb)
      assert(sb.h:link_add{ name = "up0", kind = "veth", peer = { name = "up0p" }, up = true })
    end)
    assert.same(C.shape(results[1]), C.shape(results[2]))
    assert.same(states[1], states[2])
  end)

  for _, t in ipairs{ "plumb-macvlan", "plumb-ipvlan" } do
    it(t .. ": ADD, CHECK, STATUS, GC, DEL, DEL again, with plumb-ipam", function()
      local kind = t:match("plumb%-(.*)")
      if testing.need_kind(kind, pending) then
        local sb, c, dir = setup(2)
        assert(sb.h:link_add{ name = "up0", kind = "veth", peer = { name = "up0p" }, up = true })
        assert(sb.h:link_set("up0p", { up = true }))
        local conf = { cniVersion = "1.1.0", name = "pods", type = t, master = "up0",
          ipam = { type = "plumb-ipam", dataDir = dir, subnet = "10.96.0.0/24", routes = { { dst = "0.0.0.0/0" } } } }
        -- (macvlan: the MAC from the key `mac`)
        local mac = kind == "macvlan" and "02:00:00:00:00:aa" or nil
        local r1, ok, raw = C.run(sb.ns, t, env("ADD", c[1]), C.conf(conf, { mac = mac }))
        assert(ok, raw)
        if mac then assert.same({ mac, mac }, { r1.interfaces[1].mac, link(c[1], "eth0").address }) end
        assert(C.run(sb.ns, t, env("ADD", c[2]), conf))
        assert.same({ { address = "10.96.0.2/24", gateway = "10.96.0.1", interface = 0 } }, r1.ips)
        assert.same({ "eth0", "/run/netns/" .. c[1] }, { r1.interfaces[1].name, r1.interfaces[1].sandbox })
        assert.equal(kind, link(c[1], "eth0").linkinfo.info_kind)
        assert.is_true(R.ping(c[1], "10.96.0.3"))
        local out
        out, ok = C.run(sb.ns, t, env("CHECK", c[1]), with_prev(conf, r1))
        assert.same({ "", true }, { out, ok })
        out, ok = C.run(sb.ns, t, { command = "STATUS", containerid = false, ifname = false }, conf)
        assert.same({ "", true }, { out, ok })
        -- GC: c2 is not a valid attachment any more, its address goes back
        out, ok = C.run(sb.ns, t, { command = "GC", containerid = false, ifname = false },
          C.conf(conf, { ["cni.dev/valid-attachments"] = { { containerID = "id-" .. c[1], ifname = "eth0" } } }))
        assert.same({ "", true }, { out, ok })
        assert.same({ ["10.96.0.2"] = "id-" .. c[1] .. "/eth0" },
          require("plumb.ipam").allocations{ subnet = "10.96.0.0/24", state_dir = dir .. "/pods" })
        for _ = 1, 2 do
          out, ok = C.run(sb.ns, t, env("DEL", c[1]), conf)
          assert.same({ "", true }, { out, ok })
        end
        assert.is_nil(link(c[1], "eth0"))
        assert(C.run(sb.ns, t, env("DEL", c[2]), conf))
      end
    end)
  end

  it("plumb-ptp with plumb-ipam, IPv4 and IPv6: ADD, CHECK, STATUS, ping, GC, DEL, DEL again", function()
    local sb, c, dir = setup(2)
    local conf = { cniVersion = "1.1.0", name = "ptpnet", type = "plumb-ptp",
      ipam = { type = "plumb-ipam", dataDir = dir, ranges = { { { subnet = "10.97.0.0/24" } }, { { subnet = "fd97::/64" } } },
        routes = { { dst = "0.0.0.0/0" }, { dst = "::/0" } } } }
    local r = {}
    for i = 1, 2 do
      local x, ok, raw = C.run(sb.ns, "plumb-ptp", env("ADD", c[i]), conf)
      assert(ok, raw)
      r[i] = x
    end
    assert.same({ { address = "10.97.0.2/24", gateway = "10.97.0.1", interface = 1 },
      { address = "fd97::2/64", gateway = "fd97::1", interface = 1 } }, r[1].ips)
    assert.is_true(R.ping(c[1], "10.97.0.3"))
    assert.is_true(R.ping(c[1], "fd97::3"))
    local out, ok = C.run(sb.ns, "plumb-ptp", env("CHECK", c[1]), with_prev(conf, r[1]))
    assert.same({ "", true }, { out, ok })
    out, ok = C.run(sb.ns, "plumb-ptp", { command = "STATUS", containerid = false, ifname = false }, conf)
    assert.same({ "", true }, { out, ok })
    -- GC: only c1 is valid, c2's addresses are released
    out, ok = C.run(sb.ns, "plumb-ptp", { command = "GC", containerid = false, ifname = false },
      C.conf(conf, { ["cni.dev/valid-attachments"] = { { containerID = "id-" .. c[1], ifname = "eth0" } } }))
    assert.same({ "", true }, { out, ok })
    local ipam = require "plumb.ipam"
    assert.same({ ["10.97.0.2"] = "id-" .. c[1] .. "/eth0" },
      ipam.allocations{ subnet = "10.97.0.0/24", state_dir = dir .. "/ptpnet" })
    for _ = 1, 2 do
      out, ok = C.run(sb.ns, "plumb-ptp", env("DEL", c[1]), conf)
      assert.same({ "", true }, { out, ok })
    end
    assert.is_nil(sb.h:link_get(r[1].interfaces[1].name))
    assert.same({}, ipam.allocations{ subnet = "10.97.0.0/24", state_dir = dir .. "/ptpnet" })
    assert(C.run(sb.ns, "plumb-ptp", env("DEL", c[2]), conf))
  end)

  it("chains: plumb-bridge after another plugin gets its prevResult and adds to it", function()
    local sb, c, dir = setup(1)
    local ptp = { cniVersion = "1.0.0", name = "chain", type = "plumb-ptp",
      ipam = { type = "host-local", dataDir = dir .. "/a", subnet = "10.98.0.0/24" } }
    local first, ok, raw = C.run(sb.ns, "plumb-ptp", env("ADD", c[1], { ifname = "eth1" }), ptp)
    assert(ok, raw)
    local br = { cniVersion = "1.0.0", name = "chain", type = "plumb-bridge", bridge = "chbr", isGateway = true,
      ipam = { type = "host-local", dataDir = dir .. "/b", subnet = "10.99.0.0/24" }, prevResult = first }
    local r
    r, ok, raw = C.run(sb.ns, "plumb-bridge", env("ADD", c[1]), br)
    assert(ok, raw)
    assert.same({ first.interfaces[1].name, "eth1", "chbr", "eth0" },
      { r.interfaces[1].name, r.interfaces[2].name, r.interfaces[3].name, r.interfaces[5].name })
    assert.same({ { address = "10.98.0.2/24", gateway = "10.98.0.1", interface = 1 },
      { address = "10.99.0.2/24", gateway = "10.99.0.1", interface = 4 } }, r.ips)
    -- CHECK of each with the chain's final result
    local out
    out, ok = C.run(sb.ns, "plumb-bridge", env("CHECK", c[1]), C.conf(br, { prevResult = r }))
    assert.same({ "", true }, { out, ok })
    out, ok = C.run(sb.ns, "plumb-ptp", env("CHECK", c[1], { ifname = "eth1" }), C.conf(ptp, { prevResult = r }))
    assert.same({ "", true }, { out, ok })
    assert(C.run(sb.ns, "plumb-bridge", env("DEL", c[1]), br))
    assert(C.run(sb.ns, "plumb-ptp", env("DEL", c[1], { ifname = "eth1" }), ptp))
  end)

  it("plumb-bridge: forceAddress, MAC from CNI_ARGS and runtimeConfig, netns as /proc/PID/ns/net, a 0.4.0 config", function()
    local sb, c, dir = setup(2)
    assert(sb.h:link_add{ name = "fbr", kind = "bridge", up = true })
    assert(sb.h:addr_add("fbr", "10.50.0.1/24"))
    local conf = { cniVersion = "1.0.0", name = "force", type = "plumb-bridge", bridge = "fbr", isGateway = true,
      ipam = { type = "plumb-ipam", dataDir = dir, subnet = "10.60.0.0/24" } }
    -- another address on the bridge: refused, nothing changed
    local before = R.snapshot(sb.ns, dir)
    local e, ok = C.run(sb.ns, "plumb-bridge", env("ADD", c[1]), conf)
    assert.is_false(ok)
    assert.same({ cniVersion = "1.0.0", code = 999, msg = 'plumb-bridge: container_on_bridge.up: step "addr_add fbr ' ..
      '10.60.0.1/24": fbr already has an address different from 10.60.0.1/24: 10.50.0.1/24' }, e)
    assert.same({}, R.diff(before, R.snapshot(sb.ns, dir)))
    -- forceAddress replaces it; the MAC asked in CNI_ARGS is the container's
    local r, raw
    r, ok, raw = C.run(sb.ns, "plumb-bridge", env("ADD", c[1], { args = "IgnoreUnknown=1;MAC=02:00:00:aa:bb:01" }),
      C.conf(conf, { forceAddress = true }))
    assert(ok, raw)
    assert.equal("02:00:00:aa:bb:01", r.interfaces[3].mac)
    -- (round-robin, as host-local: the address the refused ADD had taken and gave back is
    -- not the next one handed out)
    assert.equal("10.60.0.3/24", r.ips[1].address)
    assert.equal("02:00:00:aa:bb:01", link(c[1], "eth0").address)
    local addrs = {}
    for _, a in ipairs(sb.h:addrs{ dev = "fbr", family = "inet" }) do addrs[#addrs + 1] = a["local"] .. "/" .. a.prefixlen end
    assert.same({ "10.60.0.1/24" }, addrs)
    -- a netns as /proc/PID/ns/net (a process in c2), runtimeConfig's MAC, a 0.4.0 result
    local p = assert(io.popen(("ip netns exec %s sh -c 'echo $$; exec sleep 30'"):format(c[2])))
    local pid = p:read("l")
    finally(function()
      os.execute("kill " .. pid)
      p:close()
    end)
    local nspath = "/proc/" .. pid .. "/ns/net"
    local c04 = C.conf(conf, { cniVersion = "0.4.0", runtimeConfig = { mac = "02:00:00:aa:bb:02" } })
    r, ok, raw = C.run(sb.ns, "plumb-bridge", { command = "ADD", containerid = "pid" .. pid, netns = nspath }, c04)
    assert(ok, raw)
    assert.same({ "eth0", "02:00:00:aa:bb:02", nspath }, { r.interfaces[3].name, r.interfaces[3].mac, r.interfaces[3].sandbox })
    assert.same({ { version = "4", address = "10.60.0.4/24", gateway = "10.60.0.1", interface = 2 } }, r.ips)
    assert.equal("02:00:00:aa:bb:02", link(c[2], "eth0").address)
    assert.is_true(R.ping(c[2], "10.60.0.3"))
    local out
    out, ok = C.run(sb.ns, "plumb-bridge", { command = "CHECK", containerid = "pid" .. pid, netns = nspath },
      C.conf(c04, { prevResult = r }))
    assert.same({ "", true }, { out, ok })
    out, ok = C.run(sb.ns, "plumb-bridge", { command = "DEL", containerid = "pid" .. pid, netns = nspath }, c04)
    assert.same({ "", true }, { out, ok })
    assert.is_nil(link(c[2], "eth0"))
    assert.is_true(plumb.netns.exists(c[2]))
    assert(C.run(sb.ns, "plumb-bridge", env("DEL", c[1]), conf))
  end)

  describe("bad input gets a CNI error and changes nothing", function()
    local base = { cniVersion = "1.0.0", name = "bad", type = "plumb-bridge", bridge = "badbr", isGateway = true }

    local function case(title, mk, code, msg, details)
      it(title, function()
        local sb, c, dir = setup(2)
        local conf = C.conf(base, { ipam = { type = "plumb-ipam", dataDir = dir, subnet = "10.77.0.0/30" } })
        -- c2 holds the range's other address already (for the exhausted cases)
        assert(C.run(sb.ns, "plumb-bridge", env("ADD", c[2]), conf))
        local hl = C.conf(conf, { ipam = { type = "host-local", dataDir = dir .. "/hl", subnet = "10.77.0.0/30" } })
        assert(C.run(sb.ns, "plumb-bridge", env("ADD", c[2], { ifname = "eth1" }), hl))
        local before = R.snapshot(sb.ns, dir)
        local plugin, e, cf = mk(conf, c[1], hl, c[2])
        local r, ok, raw = C.run(sb.ns, plugin, e, cf)
        assert.is_false(ok)
        assert.is_table(r, raw)
        if type(msg) == "function" then msg = msg(c[2]) end
        assert.same({ code = code, msg = msg, details = details, cniVersion = r.cniVersion }, r)
        assert.same({}, R.diff(before, R.snapshot(sb.ns, dir)))
        assert(C.run(sb.ns, "plumb-bridge", env("DEL", c[2]), conf))
        assert(C.run(sb.ns, "plumb-bridge", env("DEL", c[2], { ifname = "eth1" }), hl))
      end)
    end

    case("malformed JSON", function(_, c) return "plumb-bridge", env("ADD", c), '{"cniVersion": "1.0.0", "name": ' end,
      6, "failed to decode the network configuration", "unterminated object at line 1, column 1")
    case("an unknown key in the plugin's section", function(conf, c)
      return "plumb-bridge", env("ADD", c), C.conf(conf, { hairpin = true })
    end, 7, 'plumb-bridge: unknown key "hairpin" in the network configuration')
    case("a key of the wrong type", function(conf, c)
      return "plumb-bridge", env("ADD", c), C.conf(conf, { mtu = "1500" })
    end, 7, 'plumb-bridge: key "mtu": expected an integer, got "1500"')
    case("vlan with isGateway", function(conf, c)
      return "plumb-bridge", env("ADD", c), C.conf(conf, { vlan = 5 })
    end, 2, 'plumb-bridge: "vlan" is 5: not supported with isGateway yet (the reference\'s gateway veth BRIDGE.VLAN)')
    case("ipMasq, which needs NAT", function(conf, c)
      return "plumb-bridge", env("ADD", c), C.conf(conf, { ipMasq = true })
    end, 2, 'plumb-bridge: "ipMasq" is true: not supported until plumb has NAT')
    case("ipMasq on ptp", function(conf, c)
      return "plumb-ptp", env("ADD", c), { cniVersion = "1.0.0", name = "bad", type = "plumb-ptp", ipMasq = true,
        ipam = conf.ipam }
    end, 2, 'plumb-ptp: "ipMasq" is true: not supported until plumb has NAT')
    case("a missing netns", function(conf)
      return "plumb-bridge", env("ADD", "nope"), conf
    end, 3, 'failed to open netns "/run/netns/nope"', "/run/netns/nope: No such file or directory")
    case("an interface name over 15 bytes", function(conf, c)
      return "plumb-bridge", env("ADD", c, { ifname = "eth0123456789012" }), conf
    end, 4, 'CNI_IFNAME: interface name "eth0123456789012" is too long (16 bytes, at most 15)')
    case("no CNI_NETNS for ADD", function(conf, c)
      return "plumb-bridge", env("ADD", c, { netns = false }), conf
    end, 4, "required env variables [CNI_NETNS] missing")
    case("an exhausted range (plumb-ipam)", function(conf, c)
      return "plumb-bridge", env("ADD", c), conf
    end, 100, "plumb-ipam: no free address in range set 0 (10.77.0.0/30)",
      "ipam.allocate: no free address in 10.77.0.0/30")
    case("an exhausted range (host-local)", function(_, c, hl)
      return "plumb-bridge", env("ADD", c), hl
    end, 999, "failed to allocate for range 0: no IP addresses available in range set: 10.77.0.1-10.77.0.2")
    case("an incompatible version", function(conf, c)
      return "plumb-bridge", env("ADD", c), C.conf(conf, { cniVersion = "0.2.0" })
    end, 1, "incompatible CNI versions", 'config is "0.2.0", plugin supports ["0.3.0" "0.3.1" "0.4.0" "1.0.0" "1.1.0"]')
    case("STATUS with a 1.0.0 configuration", function(conf)
      return "plumb-bridge", { command = "STATUS", containerid = false, ifname = false }, conf
    end, 1, "config version does not allow STATUS")
    case("an IPAM plugin not in CNI_PATH", function(conf, c)
      return "plumb-bridge", env("ADD", c), C.conf(conf, { ipam = { type = "nosuch" } })
    end, 5, 'failed to find plugin "nosuch" in path [' .. C.ref_dir .. " " .. C.plumb_dir .. "]")
    case("an interface name already taken in the netns", function(conf, _, _, c2)
      return "plumb-bridge", env("ADD", c2, { containerid = "other" }), conf
    end, 999, function(c2) return "container interface eth0 already exists in /run/netns/" .. c2 end)
  end)
end)
