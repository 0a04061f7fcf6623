-- The CNI plugins driven through libcni itself (tests/cni/libcni-driver: Debian's libcni 1.1.2,
-- the library containerd, CRI-O and podman use), as those runtimes drive them: a network
-- configuration list with the plumb plugin followed by the reference `tuning` plugin (chained:
-- tuning gets the plumb plugin's result as prevResult from libcni), ADD, CHECK, GC, STATUS, DEL,
-- DEL again, real traffic, and the same list with Debian's reference plugin in its place in a
-- parallel sandbox namespace, the links, addresses, routes and sysctls compared field by field.
--
-- Normalised before comparing, and only these (they differ between any two runs of the same
-- plugin): MAC addresses (random), the host-side veth's name (random with the reference,
-- derived from the container id with plumb: both look like vethXXXXXXXX and are compared by
-- role, "hostveth"), ifindexes (never compared) and the container's netns path (each side has
-- its own namespace). STATUS and GC exist from CNI 1.1.0, which Debian's reference plugins
-- (1.1.1) do not speak and libcni 1.1.2 has no call for: the driver runs them as libcni 1.2
-- does, for the plumb plugin alone, and the reference plugin's answer (an unknown command) is
-- asserted as such.
local plumb = require "plumb"
local testing = require "plumb.testing"
local R = require "recipes_support"
local C = require "cni_support"
local L = require "libcni_support"

describe("CNI plugins through libcni", function()
  testing.leakcheck()

  it("the libcni driver is built (make libcni-driver, from golang-go and golang-github-appc-cni-dev)", function()
    assert(L.available())
  end)

  local function link(ns, name)
    local h <close> = assert(plumb.open{ netns = ns })
    return h:link_get(name)
  end

  -- the plugin's own section, per type; `n` numbers the subnets apart
  local function plugin_conf(kind, ipam_type, n)
    local ipam = { type = ipam_type, ranges = { { { subnet = ("10.%d.0.0/24"):format(100 + n) } },
      { { subnet = ("fd%02x::/64"):format(n) } } } }
    if kind == "bridge" then
      return { bridge = "lcbr" .. n, isGateway = true, isDefaultGateway = true, mtu = 1400, ipam = ipam }
    elseif kind == "ptp" then
      ipam.routes = { { dst = "0.0.0.0/0" }, { dst = "::/0" } }
      return { mtu = 1400, ipam = ipam }
    elseif kind == "macvlan" then
      return { master = "up0", mode = "bridge", mtu = 1400, ipam = ipam }
    else
      return { master = "up0", mode = "l2", ipam = ipam }
    end
  end

  -- host-side links by role, for comparing
  local function host_names(kind, r)
    if kind == "bridge" then return { [r.interfaces[1].name] = "bridge", [r.interfaces[2].name] = "hostveth" } end
    if kind == "ptp" then return { [r.interfaces[1].name] = "hostveth" } end
    return { up0 = "master" }
  end

  -- one side: a sandbox host with two containers, the list with plugin type `t` then tuning,
  -- its own libcni cache and IPAM state; ADD for both containers
  local function side(kind, t, ipam_type, num, dir, i)
    local sb = testing.sandbox("lch")
    local s = { sb = sb, c = { sb:netns("lcc"), sb:netns("lcc") }, cachedir = dir .. "/cache" .. i, res = {} }
    if kind == "macvlan" or kind == "ipvlan" then
      assert(sb.h:link_add{ name = "up0", kind = "veth", peer = { name = "up0p" }, up = true })
      assert(sb.h:link_set("up0p", { up = true }))
    end
    local pc = C.conf(plugin_conf(kind, ipam_type, num), { type = t })
    pc.ipam = C.conf(pc.ipam, { dataDir = dir .. "/ipam" .. i })
    s.pc = pc
    s.file = L.write(dir, { cniVersion = "1.0.0", name = "lcnet" .. num, plugins = { pc,
      { type = "tuning", sysctl = { ["net.ipv4.conf.eth0.arp_notify"] = "1" } } } }, "net" .. i)
    for j = 1, 2 do
      local r, ok, raw = L.run(sb.ns, "add", s.file, { cachedir = s.cachedir, netns = s.c[j], id = "id-" .. s.c[j] })
      assert(ok, raw)
      s.res[j] = r
    end
    return s
  end

  -- whether a file under the IPAM directory `dir` names `id`
  local function ipam_holds(d, id)
    return testing.sh(("grep -rlF -- %s %s || true"):format(L.shq(id), L.shq(d))) ~= ""
  end

  local function opts(s, c) return { cachedir = s.cachedir, netns = c, id = "id-" .. c } end

  -- the host-side veth of a result (bridge: after the bridge; ptp: first), none for the others
  local function host_veth(kind, r)
    if kind == "bridge" then return r.interfaces[2].name end
    if kind == "ptp" then return r.interfaces[1].name end
  end

  local n = 0
  for _, kind in ipairs{ "bridge", "ptp", "macvlan", "ipvlan" } do
    for _, ipam_type in ipairs{ "host-local", "plumb-ipam" } do
      n = n + 1
      local num = n
      it(("plumb-%s with %s, IPv4 and IPv6, tuning chained after it: ADD, CHECK, DEL, DEL again, ping, "
          .. "the same results and state as the reference %s"):format(kind, ipam_type, kind), function()
        if (kind == "macvlan" or kind == "ipvlan") and not testing.need_kind(kind, pending) then return end
        assert(L.available())
        local dir = R.tmpdir()
        local sides = {}
        finally(function()
          for _, s in ipairs(sides) do s.sb:close() end
          R.rmtree(dir)
        end)
        -- 1: the reference plugin, 2: plumb's
        for i, t in ipairs{ kind, "plumb-" .. kind } do sides[i] = side(kind, t, ipam_type, num, dir, i) end
        -- the same results and the same state, container by container
        for j = 1, 2 do
          local shapes, states = {}, {}
          for i = 1, 2 do
            shapes[i] = C.shape(sides[i].res[j])
            states[i] = C.state(sides[i].sb.ns, host_names(kind, sides[i].res[1]), sides[i].c[j], "eth0")
          end
          assert.same(shapes[1], shapes[2])
          assert.same(states[1], states[2])
        end
        local p = sides[2]
        local r1 = p.res[1]
        assert.equal("1.0.0", r1.cniVersion)
        assert.equal(2, #r1.ips)
        -- tuning ran after the plumb plugin, on its result
        assert.equal("1\n", testing.sh(("ip netns exec %s cat /proc/sys/net/ipv4/conf/eth0/arp_notify"):format(p.c[1])))
        -- real traffic both sides: container to container, container to gateway, both families
        for i = 1, 2 do
          local s = sides[i]
          for _, ip in ipairs(s.res[2].ips) do
            local a = ip.address:match("^[^/]+")
            assert.is_true(R.ping(s.c[1], a), a)
          end
          if kind == "bridge" or kind == "ptp" then
            for _, ip in ipairs(s.res[1].ips) do assert.is_true(R.ping(s.c[1], ip.gateway), ip.gateway) end
          end
        end
        -- CHECK (libcni hands each plugin its cached result as prevResult)
        for i = 1, 2 do
          local out, ok, raw = L.run(sides[i].sb.ns, "check", sides[i].file, opts(sides[i], sides[i].c[1]))
          assert(ok, raw)
          assert.equal("", out)
        end
        -- CHECK finds what went missing, and says what, through libcni
        local a1 = r1.ips[1].address
        do
          local h <close> = assert(plumb.open{ netns = p.c[1] })
          assert(h:addr_del("eth0", a1))
          local e, ok = L.run(p.sb.ns, "check", p.file, opts(p, p.c[1]))
          assert.is_false(ok)
          assert.equal(999, e.code)
          assert.matches("missing address " .. a1 .. " on eth0", e.msg, 1, true)
          assert(h:addr_add("eth0", a1))
        end
        -- DEL, DEL again: success both times on both sides; c1's links gone, c2 untouched
        for i = 1, 2 do
          local s = sides[i]
          for _ = 1, 2 do
            local out, ok, raw = L.run(s.sb.ns, "del", s.file, opts(s, s.c[1]))
            assert(ok, raw)
            assert.equal("", out)
          end
          assert.is_nil(link(s.c[1], "eth0"))
          local hv = host_veth(kind, s.res[1])
          if hv then assert.is_nil(s.sb.h:link_get(hv)) end
          assert.is_not_nil(link(s.c[2], "eth0"))
        end
        -- what remains is the same on both sides (the bridge, the master, c2's attachment)
        local states = {}
        for i = 1, 2 do
          local names = host_names(kind, sides[i].res[2])
          if kind == "bridge" then names[sides[i].res[1].interfaces[1].name] = "bridge" end
          states[i] = C.state(sides[i].sb.ns, names, sides[i].c[2], "eth0")
        end
        assert.same(states[1], states[2])
        -- DEL of a container whose netns is gone succeeds too (a runtime cleaning up after a crash;
        -- the sandbox still holds the namespace open, so its links stay: only the answer is checked)
        for i = 1, 2 do
          local s = sides[i]
          assert(plumb.netns.del(s.c[2]))
          local out, ok, raw = L.run(s.sb.ns, "del", s.file, { cachedir = s.cachedir, id = "id-" .. s.c[2] })
          assert(ok, raw)
          assert.equal("", out)
        end
      end)

      -- libcni 1.2 (GCNetworkList, GetStatusNetworkList) runs GC and STATUS with CNI_IFNAME,
      -- CNI_CONTAINERID and CNI_NETNS set and empty; the driver does the same
      it(("plumb-%s with %s through libcni: STATUS, GC (a stale attachment DELeted, its addresses "
          .. "released), DEL, DEL again"):format(kind, ipam_type), function()
        if (kind == "macvlan" or kind == "ipvlan") and not testing.need_kind(kind, pending) then return end
        assert(L.available())
        local dir = R.tmpdir()
        local p
        finally(function()
          if p then p.sb:close() end
          R.rmtree(dir)
        end)
        p = side(kind, "plumb-" .. kind, ipam_type, num, dir, 2)
        -- STATUS and GC are CNI 1.1.0, which tuning 1.1.1 does not speak: a list of the same name
        -- with the plumb plugin alone
        local gcfile = L.write(dir, { cniVersion = "1.0.0", name = "lcnet" .. num, plugins = { p.pc } }, "gc")
        assert.is_true(ipam_holds(dir .. "/ipam2", "id-" .. p.c[2]))
        local out, ok, raw = L.run(p.sb.ns, "status", gcfile, { cachedir = p.cachedir, version = "1.1.0" })
        assert(ok, raw)
        assert.equal("", out)
        -- the reference plugins (1.1.1) predate STATUS: their skel takes it for a command that
        -- needs a container and says so
        local rfile = L.write(dir, { cniVersion = "1.0.0", name = "lcref", plugins = { C.conf(p.pc, { type = kind }) } }, "ref")
        local e
        e, ok = L.run(p.sb.ns, "status", rfile, { cachedir = p.cachedir, version = "1.1.0" })
        assert.is_false(ok)
        assert.same({ code = 3, msg = "missing containerID" }, e)
        -- GC with only c1 valid: libcni DELs c2's cached attachment, then GC goes to the plugin
        out, ok, raw = L.run(p.sb.ns, "gc", gcfile, { cachedir = p.cachedir, version = "1.1.0",
          valid = { "id-" .. p.c[1] .. "/eth0" } })
        assert(ok, raw)
        assert.equal("", out)
        assert.is_nil(link(p.c[2], "eth0"))
        local hv2 = host_veth(kind, p.res[2])
        if hv2 then assert.is_nil(p.sb.h:link_get(hv2)) end
        assert.is_not_nil(link(p.c[1], "eth0"))
        local r1 = p.res[1]
        if kind == "bridge" or kind == "ptp" then assert.is_true(R.ping(p.c[1], r1.ips[1].gateway)) end
        -- c2's addresses went back to the IPAM plugin (host-local and plumb-ipam both keep the
        -- owner's container id in their files under dataDir)
        assert.is_false(ipam_holds(dir .. "/ipam2", "id-" .. p.c[2]))
        assert.is_true(ipam_holds(dir .. "/ipam2", "id-" .. p.c[1]))
        -- DEL, DEL again
        for _ = 1, 2 do
          out, ok, raw = L.run(p.sb.ns, "del", p.file, opts(p, p.c[1]))
          assert(ok, raw)
          assert.equal("", out)
        end
        assert.is_nil(link(p.c[1], "eth0"))
        assert.is_false(ipam_holds(dir .. "/ipam2", "id-" .. p.c[1]))
      end)
    end
  end
end)
