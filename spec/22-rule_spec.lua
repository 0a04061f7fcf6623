local plumb = require "plumb"
local testing = require "plumb.testing"
local support = require "support"

-- plumb's rules of `family` are ip's, in the same order, field by field.
local function same_as_ip(sb, family)
  local want = support.ip_json((family == "inet6" and "-6 " or "") .. "-d rule", sb.ns)
  local got = assert(sb.h:rules{ family = family })
  assert.equal(#want, #got)
  for i, w in ipairs(want) do
    assert.same({}, support.diff(w, got[i]))
    assert.equal(family, got[i].family)
  end
  return got
end

local function find(h, priority, family)
  for _, r in ipairs(assert(h:rules{ family = family or "inet" })) do
    if r.priority == priority then return r end
  end
end

describe("rules", function()
  testing.leakcheck()

  describe("rule_add()", function()
    it("adds IPv4 rules of every kind, as ip -j -d rule shows them", function()
      local sb <close> = testing.sandbox()
      local h = sb.h
      assert(h:link_add{ name = "v0", kind = "veth", peer = { name = "v1" } })
      assert.is_true(h:rule_add{ priority = 100, from = "10.0.0.0/24", to = "10.1.0.0/16",
                                 iif = "v0", oif = "v1", fwmark = "0x10/0xff", table = 100 })
      assert.is_true(h:rule_add{ priority = 101, ["not"] = true, from = "10.0.0.1",
                                 fwmark = 0x10, table = "main" })
      assert.is_true(h:rule_add{ priority = 102, action = "blackhole" })
      assert.is_true(h:rule_add{ priority = 103, action = "unreachable", to = "192.0.2.0/24" })
      assert.is_true(h:rule_add{ priority = 104, action = "prohibit", tos = 0x08 })
      assert.is_true(h:rule_add{ priority = 105, ["goto"] = 200 })
      assert.is_true(find(h, 105).unresolved)	-- no rule 200 yet
      assert.is_true(h:rule_add{ priority = 106, action = "nop" })
      assert.is_true(h:rule_add{ priority = 107, iif = "lo", table = 5000, tos = 0x10 })
      assert.is_true(h:rule_add{ priority = 108, to = "1.2.3.4", table = 200,
                                 protocol = "static" })
      assert.is_true(h:rule_add{ priority = 109, table = "main", suppress_prefixlength = 0 })
      assert.is_true(h:rule_add{ priority = 110, ipproto = "tcp", dport = 80,
                                 sport = "1000-2000", uidrange = "100-200", table = 7 })
      assert.is_true(h:rule_add{ priority = 111, ipproto = 17, dport = "53-54", table = 7,
                                 fwmark = "5" })
      assert.is_true(h:rule_add{ priority = 200, action = "to_tbl", table = 300 })
      assert.is_true(h:rule_add{ priority = 201 })
      same_as_ip(sb, "inet")

      local r = find(h, 100)
      assert.same({ "10.0.0.0", 24, "10.1.0.0", 16, "v0", "v1", "0x10", "0xff", "100" },
        { r.src, r.srclen, r.dst, r.dstlen, r.iif, r.oif, r.fwmark, r.fwmask, r.table })
      r = find(h, 101)
      assert.same({ true, "10.0.0.1", "main" }, { r["not"], r.src, r.table })
      assert.is_nil(r.srclen)
      assert.is_nil(r.fwmask)
      assert.equal("blackhole", find(h, 102).action)
      assert.equal("unreachable", find(h, 103).action)
      assert.same({ "prohibit", "0x08" }, { find(h, 104).action, find(h, 104).tos })
      assert.equal(200, find(h, 105)["goto"])
      assert.is_nil(find(h, 105).unresolved)
      assert.is_true(find(h, 106).nop)
      assert.equal("static", find(h, 108).protocol)
      assert.equal(0, find(h, 109).suppress_prefixlen)
      r = find(h, 110)
      assert.same({ "tcp", 80, 1000, 2000, 100, 200 },
        { r.ipproto, r.dport, r.sport_start, r.sport_end, r.uid_start, r.uid_end })
      assert.equal("main", find(h, 201).table)	-- a lookup rule looks up main by default
    end)

    it("adds IPv6 rules, from the family of their prefixes or named", function()
      local sb <close> = testing.sandbox()
      local h = sb.h
      assert.is_true(h:rule_add{ priority = 100, from = "2001:db8::/64", table = 100 })
      assert.is_true(h:rule_add{ priority = 101, to = "2001:db8:1::1", action = "prohibit" })
      assert.is_true(h:rule_add{ priority = 102, family = "inet6", fwmark = 1, table = "local" })
      assert.is_true(h:rule_add{ priority = 103, family = "inet6", tos = "AF11", table = 5 })
      same_as_ip(sb, "inet6")
      local r = find(h, 100, "inet6")
      assert.same({ "inet6", "2001:db8::", 64, "100" }, { r.family, r.src, r.srclen, r.table })
      assert.is_nil(find(h, 100, "inet"))
      assert.equal("2001:db8:1::1", find(h, 101, "inet6").dst)
      assert.is_nil(find(h, 101, "inet6").dstlen)
      assert.equal("AF11", find(h, 103, "inet6").tos)	-- a name from rt_dsfield
    end)

    it("names tables from the rt_tables files, as ip does", function()
      local sb <close> = testing.sandbox()
      local dir = testing.sh("mktemp -d"):gsub("%s+$", "")
      finally(function()
        testing.sh("umount /etc/iproute2/rt_tables.d 2>/dev/null || true; rm -rf " .. dir)
      end)
      local f = assert(io.open(dir .. "/plumb.conf", "w"))
      f:write("# plumb's spec\n1234 plumbtest\n0x99\tplumbhex # a comment\n")
      f:close()
      -- a private mount namespace (spec/run): only this suite sees the file
      testing.sh("mkdir -p /etc/iproute2/rt_tables.d && mount --bind " .. dir ..
                 " /etc/iproute2/rt_tables.d")
      assert.is_true(sb.h:rule_add{ priority = 100, table = "plumbtest" })
      assert.is_true(sb.h:rule_add{ priority = 101, table = "plumbhex" })
      assert.is_true(sb.h:rule_add{ priority = 102, table = 1234 })
      same_as_ip(sb, "inet")
      assert.equal("plumbtest", find(sb.h, 100).table)
      assert.equal("plumbhex", find(sb.h, 101).table)
      assert.equal("plumbtest", find(sb.h, 102).table)
      assert.is_true(sb.h:rule_del{ table = "plumbtest", priority = 102 })
    end)

    it("is a module function too", function()
      local sb <close> = testing.sandbox()
      assert.is_true(sb:run(function() return plumb.rule_add{ priority = 5, table = 5 } end))
      assert.equal("5", find(sb.h, 5).table)
    end)

    it("returns nil, message, errno for a rule that exists", function()
      local sb <close> = testing.sandbox()
      assert.is_true(sb.h:rule_add{ priority = 100, from = "10.0.0.0/24", table = 100 })
      local ok, err, code = sb.h:rule_add{ priority = 100, from = "10.0.0.0/24", table = 100 }
      assert.is_nil(ok)
      assert.equal("rule_add priority 100: File exists", err)
      assert.equal(17, code)
    end)

    it("rejects bad arguments, naming them", function()
      local sb <close> = testing.sandbox()
      local h = sb.h
      local function raises(pat, t)
        local ok, err = pcall(h.rule_add, h, t)
        assert.is_false(ok)
        assert.matches(pat, err, 1, true)
      end
      raises('rule_add: from: bad prefix length in "10.0.0.0/33" (0..32)', { from = "10.0.0.0/33" })
      raises('to: malformed IP prefix "10.0.0"', { to = "10.0.0" })
      raises('to: "2001:db8::/32" is not of the rule\'s family (inet)',
             { from = "10.0.0.0/8", to = "2001:db8::/32" })
      raises('from: "10.0.0.0/8" is not of the rule\'s family (inet6)',
             { family = "inet6", from = "10.0.0.0/8" })
      raises('family: expected "inet" or "inet6", got "ipv4"', { family = "ipv4" })
      raises('table: unknown routing table "nosuchtable"', { table = "nosuchtable" })
      raises('action: unknown action "drop"', { action = "drop" })
      raises('fwmark: malformed mark "0x10/"', { fwmark = "0x10/" })
      raises('fwmark: malformed mark "ten"', { fwmark = "ten" })
      raises('sport: expected a number or "LOW-HIGH" (0..65535)', { sport = "2000-1000" })
      raises('dport: expected a number or "LOW-HIGH" (0..65535)', { dport = 70000 })
      raises('ipproto: unknown protocol "tcpp"', { ipproto = "tcpp" })
      raises("priority: 4294967296 out of range", { priority = 1 << 32 })
      raises('iif: interface name "an-interface-name-too-long" must be 1 to 15 bytes',
             { iif = "an-interface-name-too-long" })
      raises("not: expected a boolean", { ["not"] = 1 })
      raises('rule_add: unknown option "prio"', { prio = 5 })
      assert.has_error(function() h:rule_add() end, "rule_add: expected an option table, got no value")
      assert.equal(3, #assert(h:rules{ family = "inet" }))
    end)
  end)

  describe("rule_del()", function()
    it("deletes the rule matching the selectors given", function()
      local sb <close> = testing.sandbox()
      local h = sb.h
      assert.is_true(h:rule_add{ priority = 100, from = "10.0.0.0/24", table = 100 })
      assert.is_true(h:rule_add{ priority = 101, fwmark = "0x1/0x1", table = 101 })
      assert.is_true(h:rule_add{ priority = 102, from = "2001:db8::/64", table = 100 })
      assert.is_true(h:rule_add{ priority = 103, action = "blackhole" })
      assert.is_true(h:rule_del{ priority = 100 })
      assert.is_true(h:rule_del{ fwmark = "0x1/0x1", table = 101 })
      assert.is_true(h:rule_del{ from = "2001:db8::/64" })
      assert.is_true(h:rule_del{ action = "blackhole" })
      assert.is_nil(find(h, 100))
      assert.is_nil(find(h, 101))
      assert.is_nil(find(h, 102, "inet6"))
      assert.is_nil(find(h, 103))
      same_as_ip(sb, "inet")
    end)

    it("returns ENOENT for an absent rule, and wants a selector", function()
      local sb <close> = testing.sandbox()
      local ok, err, code = sb.h:rule_del{ priority = 999 }
      assert.is_nil(ok)
      assert.equal("rule_del priority 999: No such file or directory", err)
      assert.equal(2, code)
      assert.has_error(function() sb.h:rule_del{} end,
        "rule_del: needs at least one selector (priority, from, to, table, ...)")
      assert.has_error(function() sb.h:rule_del{ family = "inet6" } end,
        "rule_del: needs at least one selector (priority, from, to, table, ...)")
      assert.has_error(function() sb.h:rule_del{ pref = 1 } end, 'rule_del: unknown option "pref"')
      assert.equal(3, #assert(sb.h:rules{ family = "inet" }))
    end)
  end)

  describe("rules()", function()
    it("lists IPv4 and IPv6 rules, or one family", function()
      local sb <close> = testing.sandbox()
      assert.is_true(sb.h:rule_add{ priority = 100, from = "2001:db8::/64", table = 100 })
      local v4 = same_as_ip(sb, "inet")
      local v6 = same_as_ip(sb, "inet6")
      local all = assert(sb.h:rules())
      assert.equal(#v4 + #v6, #all)
      local fams = {}
      for _, r in ipairs(all) do fams[r.family] = (fams[r.family] or 0) + 1 end
      assert.same({ inet = #v4, inet6 = #v6 }, fams)
      assert.same({ 0, "local", "kernel" }, { v4[1].priority, v4[1].table, v4[1].protocol })
    end)

    it("rejects unknown filters", function()
      local sb <close> = testing.sandbox()
      assert.has_error(function() sb.h:rules{ fam = "inet" } end, 'rules: unknown option "fam"')
      assert.has_error(function() sb.h:rules{ family = 4 } end,
        'rules: family: expected "inet" or "inet6"')
    end)
  end)
end)
