-- core.describe(): the descriptor tables as data, read by the reference generator
-- (scripts/gendoc.lua) and by make doc-check. It must say what the code takes and reports.
local plumb = require "plumb"
local core = require "plumb.core"

describe("core.describe()", function()
  local d = core.describe()

  local function settable(entries)
    local s = {}
    for _, e in ipairs(entries) do
      if e.name and not e.ro then s[e.name] = e end
    end
    return s
  end

  -- link_fields is what link_ensure and the option checks use: the same entries, both ways.
  local function same_as_link_fields(what, entries)
    local f = core.link_fields(what)
    local s = settable(entries)
    for name, info in pairs(f) do
      assert.is_table(s[name], what .. "." .. name .. " missing from describe()")
      assert.equal(info.out, s[name].out, what .. "." .. name)
      assert.equal(info.type, s[name].type, what .. "." .. name)
      assert.equal(info.fixed or nil, s[name].fixed, what .. "." .. name)
    end
    for name in pairs(s) do
      assert.is_table(f[name], what .. "." .. name .. " not in link_fields")
    end
  end

  it("lists the kinds plumb.kinds() lists, in the same order", function()
    local names = {}
    for i, k in ipairs(d.kinds) do names[i] = k.name end
    assert.same(plumb.kinds(), names)
  end)

  it("gives each table's settable entries as link_fields does", function()
    same_as_link_fields("link", d.link)
    for _, k in ipairs(d.kinds) do
      same_as_link_fields(k.name, k.options)
      if k.port_key then same_as_link_fields(k.port_key, k.port_options) end
    end
  end)

  it("names the port keys port_keys() names", function()
    local keys = {}
    for _, k in ipairs(d.kinds) do
      if k.port_key then keys[k.port_key] = k.name end
    end
    assert.same(core.port_keys(), keys)
  end)

  it("carries the flags and enums of known options", function()
    local bridge
    for _, k in ipairs(d.kinds) do
      if k.name == "bridge" then bridge = k end
    end
    local s = settable(bridge.options)
    assert.same({ name = "stp", out = "stp_state", type = "u32", boolin = true }, s.stp)
    assert.same({ "802.1Q", "802.1ad" }, s.vlan_protocol.enum)
    local ro = {}
    for _, e in ipairs(bridge.options) do
      if e.ro then ro[e.out] = true end
    end
    assert.is_true(ro.root_id)
    assert.is_true(settable(bridge.port_options).hairpin.boolout)
    local link = settable(d.link)
    assert.is_true(link.link.fixed and link.link.wo)
    assert.equal("ifname", link.name.out)
  end)

  it("marks the kinds whose own code reads or reports more", function()
    for _, k in ipairs(d.kinds) do
      if k.name == "veth" then assert.is_true(k.put_hook) end
      if k.name == "bridge" then assert.is_true(k.parse_hook) end
      if k.name == "dummy" then
        assert.is_nil(k.put_hook)
        assert.same({}, k.options)
      end
    end
  end)
end)
