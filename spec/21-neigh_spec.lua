local plumb = require "plumb"
local testing = require "plumb.testing"
local support = require "support"

-- A veth pair v0/v1, both up, v0 with an IPv4 and an IPv6 address.
local function setup(sb)
  local h = sb.h
  assert(h:link_add{ name = "v0", kind = "veth", up = true, peer = { name = "v1", up = true } })
  assert(h:addr_add("v0", "10.0.0.1/24"))
  assert(h:addr_add("v0", "2001:db8::1/64", { nodad = true }))
end

-- plumb's and ip's records, by "dst dev", of the entries whose dst is in `dsts`. The
-- kernel adds and drops entries of its own (multicast, DAD) at any time: only those
-- the test made are compared.
local function pick(list, dsts)
  local out = {}
  for _, n in ipairs(list) do
    if dsts[n.dst] then out[n.dst .. " " .. n.dev] = n end
  end
  return out
end

-- A reachable entry may go stale on its own: that is the only difference allowed.
local function same_state(w, g)
  if w.state and g.state and (w.state[1] == "REACHABLE" or w.state[1] == "STALE") then
    assert.is_truthy(g.state[1] == "REACHABLE" or g.state[1] == "STALE")
    local c = {}
    for k, v in pairs(w) do c[k] = v end
    c.state = g.state
    return c
  end
  return w
end

-- Every entry of `dsts` is the same in plumb's list and in `ip -j neigh show ARGS`.
local function same_as_ip(sb, dsts, args, filter)
  local want = pick(support.ip_json("neigh show " .. args, sb.ns), dsts)
  local got = pick(assert(sb.h:neighs(filter)), dsts)
  local n = 0
  for key, w in pairs(want) do
    n = n + 1
    assert.is_table(got[key], "plumb does not list " .. key)
    assert.same({}, support.diff(same_state(w, got[key]), got[key]))
  end
  for key in pairs(got) do assert.is_table(want[key], "ip does not list " .. key) end
  return n
end

local function find(h, dst, filter)
  for _, n in ipairs(assert(h:neighs(filter))) do
    if n.dst == dst then return n end
  end
end

describe("neighbours", function()
  testing.leakcheck()

  describe("neigh_add()", function()
    it("adds IPv4 and IPv6 entries in every state, as ip -j neigh shows them", function()
      local sb <close> = testing.sandbox()
      setup(sb)
      local h = sb.h
      assert.is_true(h:neigh_add{ dev = "v0", dst = "10.0.0.9", lladdr = "02:00:00:00:00:09",
                                  state = "permanent" })
      assert.is_true(h:neigh_add{ dev = "v0", dst = "10.0.0.10", lladdr = "02:00:00:00:00:0a",
                                  state = "reachable", router = true })
      assert.is_true(h:neigh_add{ dev = "v0", dst = "10.0.0.11", lladdr = "02:00:00:00:00:0B",
                                  state = "stale" })
      assert.is_true(h:neigh_add{ dev = "v0", dst = "10.0.0.12", lladdr = "02:00:00:00:00:0c",
                                  state = "noarp" })
      assert.is_true(h:neigh_add{ dev = "v0", dst = "10.0.0.13", lladdr = "02:00:00:00:00:0d" })
      assert.is_true(h:neigh_add{ dev = "v0", dst = "2001:db8::9", lladdr = "02:00:00:00:00:19",
                                  router = true, protocol = "static" })
      local dsts = { ["10.0.0.9"] = 1, ["10.0.0.10"] = 1, ["10.0.0.11"] = 1,
                     ["10.0.0.12"] = 1, ["10.0.0.13"] = 1, ["2001:db8::9"] = 1 }
      assert.equal(6, same_as_ip(sb, dsts, "nud all"))

      local n = find(h, "10.0.0.9")
      assert.same({ "v0", "02:00:00:00:00:09", { "PERMANENT" } }, { n.dev, n.lladdr, n.state })
      assert.is_nil(n.router)
      n = find(h, "10.0.0.10")
      assert.is_true(n.router)
      assert.same({ "STALE" }, find(h, "10.0.0.11").state)
      assert.equal("02:00:00:00:00:0b", find(h, "10.0.0.11").lladdr)
      assert.same({ "NOARP" }, find(h, "10.0.0.12").state)
      assert.same({ "PERMANENT" }, find(h, "10.0.0.13").state)	-- ip's default too
      n = find(h, "2001:db8::9")
      assert.same({ true, "static", { "PERMANENT" } }, { n.router, n.protocol, n.state })
    end)

    it("adds proxy entries, listed with proxy = true", function()
      local sb <close> = testing.sandbox()
      setup(sb)
      local h = sb.h
      assert.is_true(h:neigh_add{ dev = "v0", dst = "10.0.0.50", proxy = true })
      assert.is_true(h:neigh_add{ dev = "v0", dst = "2001:db8::50", proxy = true,
                                  router = true })
      local dsts = { ["10.0.0.50"] = 1, ["2001:db8::50"] = 1 }
      assert.equal(2, same_as_ip(sb, dsts, "proxy", { proxy = true }))
      local n = find(h, "2001:db8::50", { proxy = true })
      assert.same({ true, true, "v0" }, { n.proxy, n.router, n.dev })
      assert.is_nil(n.state)
      assert.is_nil(find(h, "10.0.0.50"))	-- not among the neighbours
    end)

    it("takes the device as an ifindex, and is a module function too", function()
      local sb <close> = testing.sandbox()
      setup(sb)
      assert.is_true(sb.h:neigh_add{ dev = assert(sb.h:ifindex("v0")), dst = "10.0.0.9",
                                     lladdr = "02:00:00:00:00:09" })
      assert.is_true(sb:run(function()
        return plumb.neigh_add{ dev = "v0", dst = "10.0.0.10", lladdr = "02:00:00:00:00:0a" }
      end))
      assert.equal("v0", find(sb.h, "10.0.0.9").dev)
      assert.equal("v0", find(sb.h, "10.0.0.10").dev)
    end)

    it("returns nil, message, errno for an entry that exists and for kernel refusals", function()
      local sb <close> = testing.sandbox()
      setup(sb)
      local h = sb.h
      assert.is_true(h:neigh_add{ dev = "v0", dst = "10.0.0.9", lladdr = "02:00:00:00:00:09" })
      local ok, err, code = h:neigh_add{ dev = "v0", dst = "10.0.0.9",
                                         lladdr = "02:00:00:00:00:09" }
      assert.is_nil(ok)
      assert.equal("neigh_add 10.0.0.9 dev v0: File exists", err)
      assert.equal(17, code)
      -- a link-layer address of the wrong length for the device
      ok, err, code = h:neigh_add{ dev = "v0", dst = "10.0.0.20", lladdr = "02:00" }
      assert.is_nil(ok)
      assert.matches("^neigh_add 10%.0%.0%.20 dev v0: Invalid link address", err)
      assert.equal(22, code)
      ok, err, code = h:neigh_add{ dev = "nope0", dst = "10.0.0.9" }
      assert.is_nil(ok)
      assert.equal('neigh_add 10.0.0.9 dev nope0: No such device', err)
      assert.equal(19, code)
    end)

    it("rejects bad arguments, naming them", function()
      local sb <close> = testing.sandbox()
      setup(sb)
      local h = sb.h
      local function raises(pat, t)
        local ok, err = pcall(h.neigh_add, h, t)
        assert.is_false(ok)
        assert.matches(pat, err, 1, true)
      end
      raises('neigh_add: lladdr: malformed MAC address "02:00:00:00:00:0g"',
             { dev = "v0", dst = "10.0.0.9", lladdr = "02:00:00:00:00:0g" })
      raises('lladdr: malformed MAC address "zz"', { dev = "v0", dst = "10.0.0.9", lladdr = "zz" })
      raises("lladdr: malformed MAC address (integer)", { dev = "v0", dst = "10.0.0.9", lladdr = 1 })
      raises('dst: malformed IP address "10.0.0.0/24"', { dev = "v0", dst = "10.0.0.0/24" })
      raises('dst: malformed IP address "10.0.0.256"', { dev = "v0", dst = "10.0.0.256" })
      raises("dst: a neighbour needs an address", { dev = "v0" })
      raises("dev: a neighbour needs a device", { dst = "10.0.0.9" })
      raises('state: unknown state "perm"', { dev = "v0", dst = "10.0.0.9", state = "perm" })
      raises("router: expected a boolean", { dev = "v0", dst = "10.0.0.9", router = "yes" })
      raises('neigh_add: unknown option "lladr"',
             { dev = "v0", dst = "10.0.0.9", lladr = "02:00:00:00:00:09" })
      raises('protocol: unknown protocol "nosuch"', { dev = "v0", dst = "10.0.0.9",
                                                      protocol = "nosuch" })
      assert.has_error(function() h:neigh_add("v0") end, "neigh_add: expected an option table, got string")
      assert.is_nil(find(h, "10.0.0.9"))
    end)
  end)

  describe("neigh_replace()", function()
    it("changes an entry and creates an absent one", function()
      local sb <close> = testing.sandbox()
      setup(sb)
      local h = sb.h
      assert.is_true(h:neigh_add{ dev = "v0", dst = "10.0.0.9", lladdr = "02:00:00:00:00:09" })
      assert.is_true(h:neigh_replace{ dev = "v0", dst = "10.0.0.9", lladdr = "02:00:00:00:00:99",
                                      state = "stale" })
      local n = find(h, "10.0.0.9")
      assert.same({ "02:00:00:00:00:99", { "STALE" } }, { n.lladdr, n.state })
      assert.is_true(h:neigh_replace{ dev = "v0", dst = "2001:db8::7",
                                      lladdr = "02:00:00:00:00:07" })
      assert.same({ "PERMANENT" }, find(h, "2001:db8::7").state)
      assert.equal(2, same_as_ip(sb, { ["10.0.0.9"] = 1, ["2001:db8::7"] = 1 }, "nud all"))
    end)
  end)

  describe("neigh_del()", function()
    it("deletes neighbours and proxy entries", function()
      local sb <close> = testing.sandbox()
      setup(sb)
      local h = sb.h
      assert.is_true(h:neigh_add{ dev = "v0", dst = "10.0.0.9", lladdr = "02:00:00:00:00:09" })
      assert.is_true(h:neigh_add{ dev = "v0", dst = "2001:db8::9", lladdr = "02:00:00:00:00:09" })
      assert.is_true(h:neigh_add{ dev = "v0", dst = "10.0.0.50", proxy = true })
      assert.is_true(h:neigh_del{ dev = "v0", dst = "10.0.0.9" })
      assert.is_true(h:neigh_del{ dev = "v0", dst = "2001:db8::9" })
      assert.is_true(h:neigh_del{ dev = "v0", dst = "10.0.0.50", proxy = true })
      assert.is_nil(find(h, "10.0.0.9"))
      assert.is_nil(find(h, "2001:db8::9"))
      assert.is_nil(find(h, "10.0.0.50", { proxy = true }))
    end)

    it("returns ENOENT for an absent entry and rejects bad arguments", function()
      local sb <close> = testing.sandbox()
      setup(sb)
      local ok, err, code = sb.h:neigh_del{ dev = "v0", dst = "10.0.0.99" }
      assert.is_nil(ok)
      assert.equal("neigh_del 10.0.0.99 dev v0: No such file or directory", err)
      assert.equal(2, code)
      assert.has_error(function() sb.h:neigh_del{ dev = "v0", dst = "10.0.0.9",
                                                  lladdr = "02:00:00:00:00:09" } end,
        'neigh_del: unknown option "lladdr"')
      assert.has_error(function() sb.h:neigh_del{ dev = "v0" } end,
        "neigh_del: dst: a neighbour needs an address")
    end)
  end)

  describe("neighs()", function()
    it("filters by device, family and proxy in the kernel", function()
      local sb <close> = testing.sandbox()
      setup(sb)
      local h = sb.h
      assert(h:addr_add("v1", "10.0.1.1/24"))
      assert.is_true(h:neigh_add{ dev = "v0", dst = "10.0.0.9", lladdr = "02:00:00:00:00:09" })
      assert.is_true(h:neigh_add{ dev = "v0", dst = "2001:db8::9", lladdr = "02:00:00:00:00:09" })
      assert.is_true(h:neigh_add{ dev = "v1", dst = "10.0.1.9", lladdr = "02:00:00:00:00:19" })
      for _, n in ipairs(assert(h:neighs{ dev = "v1" })) do assert.equal("v1", n.dev) end
      assert.is_table(find(h, "10.0.1.9", { dev = "v1" }))
      assert.is_nil(find(h, "10.0.0.9", { dev = "v1" }))
      for _, n in ipairs(assert(h:neighs{ family = "inet6" })) do
        assert.matches(":", n.dst)
      end
      assert.is_table(find(h, "2001:db8::9", { family = "inet6", dev = "v0" }))
      assert.is_nil(find(h, "10.0.0.9", { family = "inet6" }))
      assert.equal(0, #assert(h:neighs{ proxy = true }))
      assert.equal(1, same_as_ip(sb, { ["10.0.1.9"] = 1 }, "nud all", { dev = "v1" }))
    end)

    it("rejects unknown filters and reports an absent device", function()
      local sb <close> = testing.sandbox()
      assert.has_error(function() sb.h:neighs{ dve = "lo" } end, 'neighs: unknown option "dve"')
      assert.has_error(function() sb.h:neighs{ proxy = 1 } end, "neighs: proxy: expected a boolean")
      local ok, err, code = sb.h:neighs{ dev = "nope0" }
      assert.is_nil(ok)
      assert.equal('neighs: dev nope0: No such device', err)
      assert.equal(19, code)
    end)
  end)
end)
