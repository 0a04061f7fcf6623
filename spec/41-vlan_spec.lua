-- Bridge port VLANs: vlan_add, vlan_del, vlans, checked against `bridge -j vlan show`.
-- They need a kernel with bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING); without
-- it they are pending with the kernel's reason, and run in the VM lane (make check-vm).
local plumb = require "plumb"
local testing = require "plumb.testing"
local support = require "support"

local ENODEV, EOPNOTSUPP = 19, 95

local function bridge_json(ns, args)
  return testing.json_decode(testing.sh("bridge -n " .. ns .. " -j " .. args))
end

-- Make the running test pending unless the kernel filters VLANs on bridges.
local function need_filtering()
  local ok, why = testing.kernel_has("bridge_vlan_filtering")
  if not ok then
    pending("kernel lacks bridge VLAN filtering: " ..
      why:gsub("^kernel lacks bridge_vlan_filtering: ", ""))
  end
end

-- plumb's records are bridge's, in the same order, with nothing more.
local function same_as_bridge(want, got)
  local diffs = support.diff(want, got)
  for _, d in ipairs(support.diff(got, want)) do diffs[#diffs + 1] = "(plumb)" .. d end
  return diffs
end

-- A VLAN-filtering br0 with ports v0 and v1.
local function filtering_bridge(h)
  assert(h:link_add{ name = "br0", kind = "bridge", bridge = { vlan_filtering = true } })
  assert(h:link_add{ name = "v0", kind = "veth", master = "br0", peer = { name = "v0p" } })
  assert(h:link_add{ name = "v1", kind = "veth", master = "br0", peer = { name = "v1p" } })
end

local function port(list, name)
  for _, r in ipairs(list) do
    if r.ifname == name then return r end
  end
end

describe("bridge vlans", function()
  testing.leakcheck()

  describe("vlan_add()", function()
    it("adds a pvid untagged VLAN and a range to a port, listed as bridge lists them",
      function()
      need_filtering()
      local sb <close> = testing.sandbox()
      local h = sb.h
      filtering_bridge(h)
      assert.is_true(h:vlan_add{ dev = "v0", vid = 10, pvid = true, untagged = true })
      assert.is_true(h:vlan_add{ dev = "v0", vid = "20-23", master = true })
      assert.is_true(h:vlan_add{ dev = "v1", vid = "30" })
      local got = assert(h:vlans())
      assert.same({}, same_as_bridge(bridge_json(sb.ns, "vlan show"), got))
      assert.same({ ifname = "v0", vlans = {
        { vlan = 1, flags = { "Egress Untagged" } },
        { vlan = 10, flags = { "PVID", "Egress Untagged" } },
        { vlan = 20 }, { vlan = 21 }, { vlan = 22 }, { vlan = 23 },
      } }, port(got, "v0"))
      assert.same({ { vlan = 1, flags = { "PVID", "Egress Untagged" } }, { vlan = 30 } },
        port(got, "v1").vlans)
    end)

    it("adds a VLAN to the bridge device itself (self)", function()
      need_filtering()
      local sb <close> = testing.sandbox()
      filtering_bridge(sb.h)
      assert.is_true(sb.h:vlan_add{ dev = "br0", vid = 7, self = true })
      local got = assert(sb.h:vlans{ dev = "br0" })
      assert.same({ { ifname = "br0", vlans = {
        { vlan = 1, flags = { "PVID", "Egress Untagged" } }, { vlan = 7 } } } }, got)
      assert.same({}, same_as_bridge(bridge_json(sb.ns, "vlan show dev br0"), got))
    end)

    it("reports the kernel's refusals", function()
      need_filtering()
      local sb <close> = testing.sandbox()
      filtering_bridge(sb.h)
      -- v0p is no bridge port
      local ok, err, code = sb.h:vlan_add{ dev = "v0p", vid = 10 }
      assert.is_nil(ok)
      assert.matches("^vlan_add v0p vid 10: ", err)
      assert.equal(EOPNOTSUPP, code)
      ok, err, code = sb.h:vlan_add{ dev = "nope", vid = 10 }
      assert.is_nil(ok)
      assert.equal('vlan_add: dev nope: No such device', err)
      assert.equal(ENODEV, code)
    end)

    it("is refused, or kept unenforced, where the bridge does not filter", function()
      local sb <close> = testing.sandbox()
      local h = sb.h
      assert(h:link_add{ name = "br0", kind = "bridge" })
      assert(h:link_add{ name = "v0", kind = "veth", master = "br0", peer = { name = "v0p" } })
      local ok, err, code = h:vlan_add{ dev = "v0", vid = 10 }
      if testing.kernel_has("bridge_vlan_filtering") then
        assert.is_true(ok)   -- configured, enforced once vlan_filtering is on
      else
        assert.is_nil(ok)
        assert.equal("vlan_add v0 vid 10: Operation not supported", err)
        assert.equal(EOPNOTSUPP, code)
      end
      assert.same({}, same_as_bridge(bridge_json(sb.ns, "vlan show"), assert(h:vlans())))
    end)
  end)

  describe("vlan_del()", function()
    it("deletes one VLAN and a range", function()
      need_filtering()
      local sb <close> = testing.sandbox()
      local h = sb.h
      filtering_bridge(h)
      assert(h:vlan_add{ dev = "v0", vid = "10-15" })
      assert(h:vlan_add{ dev = "v0", vid = 40 })
      assert.is_true(h:vlan_del{ dev = "v0", vid = "11-14" })
      assert.is_true(h:vlan_del{ dev = "v0", vid = 40 })
      local got = assert(h:vlans{ dev = "v0" })
      assert.same({ { vlan = 1, flags = { "PVID", "Egress Untagged" } }, { vlan = 10 },
                    { vlan = 15 } }, got[1].vlans)
      assert.same({}, same_as_bridge(bridge_json(sb.ns, "vlan show dev v0"), got))
    end)
  end)

  describe("vlans()", function()
    it("compresses ranges as bridge -compressvlans does", function()
      need_filtering()
      local sb <close> = testing.sandbox()
      local h = sb.h
      filtering_bridge(h)
      assert(h:vlan_add{ dev = "v0", vid = "100-200", untagged = true })
      assert(h:vlan_add{ dev = "v1", vid = "300-302" })
      local got = assert(h:vlans{ compress = true })
      assert.same({}, same_as_bridge(bridge_json(sb.ns, "-compressvlans vlan show"), got))
      assert.same({ vlan = 100, vlanEnd = 200, flags = { "Egress Untagged" } },
        port(got, "v0").vlans[2])
      assert.same({ vlan = 300, vlanEnd = 302, flags = {} }, port(got, "v1").vlans[2])
      assert.equal(102, #port(assert(h:vlans()), "v0").vlans)
    end)

    it("lists one port, by name or ifindex", function()
      need_filtering()
      local sb <close> = testing.sandbox()
      filtering_bridge(sb.h)
      local got = assert(sb.h:vlans{ dev = "v1" })
      assert.equal(1, #got)
      assert.equal("v1", got[1].ifname)
      assert.same(got, assert(sb.h:vlans{ dev = sb.h:ifindex("v1") }))
    end)

    it("lists nothing where no port has VLANs, as bridge does", function()
      local sb <close> = testing.sandbox()
      assert(sb.h:link_add{ name = "br0", kind = "bridge" })
      assert.same(bridge_json(sb.ns, "vlan show"), assert(sb.h:vlans()))
      local ok, err, code = sb.h:vlans{ dev = "nope" }
      assert.is_nil(ok)
      assert.equal('vlans: dev nope: No such device', err)
      assert.equal(ENODEV, code)
    end)

    it("is a module function too", function()
      local sb <close> = testing.sandbox()
      assert.same(assert(sb.h:vlans()),
        plumb.netns.run(sb.ns, function() return plumb.vlans() end))
    end)
  end)

  describe("misuse", function()
    local function raises(msg, t, fn)
      local sb <close> = testing.sandbox()
      assert.has_error(function() sb.h[fn or "vlan_add"](sb.h, t) end, msg)
    end

    it("raises on malformed VLAN ids and ranges", function()
      raises("vlan_add: vid: 0 out of range 1..4094", { dev = "v0", vid = 0 })
      raises("vlan_add: vid: 4095 out of range 1..4094", { dev = "v0", vid = 4095 })
      raises('vlan_add: vid: "10-5000" out of range 1..4094', { dev = "v0", vid = "10-5000" })
      raises('vlan_add: vid: range "20-10" ends before it begins', { dev = "v0", vid = "20-10" })
      raises('vlan_add: vid: malformed VLAN range "10-"', { dev = "v0", vid = "10-" })
      raises('vlan_del: vid: malformed VLAN range "ten"', { dev = "v0", vid = "ten" }, "vlan_del")
      raises("vlan_add: vid: expected a VLAN id or a range \"10-20\", got nil", { dev = "v0" })
      raises("vlan_add: pvid: cannot be set on a VLAN range",
        { dev = "v0", vid = "10-20", pvid = true })
    end)

    it("raises on unknown keys and wrong types", function()
      raises('vlan_add: unknown option "pvdi"', { dev = "v0", vid = 10, pvdi = true })
      raises("vlan_add: untagged: expected a boolean", { dev = "v0", vid = 10, untagged = 1 })
      raises("vlan_add: dev: required (a name or an ifindex)", { vid = 10 })
      local sb <close> = testing.sandbox()
      assert.has_error(function() sb.h:vlans{ device = "v0" } end, 'vlans: unknown option "device"')
      assert.has_error(function() sb.h:vlans{ compress = 1 } end, "vlans: compress: expected a boolean")
    end)
  end)
end)
