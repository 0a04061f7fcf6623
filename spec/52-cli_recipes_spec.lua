-- Recipe subcommands: flags from the recipe's option table, up/down/check, the CNI result,
-- the differences, mistakes. Run against a stand-in recipe module (spec/fake/recipes.lua,
-- through package.preload) so that the command is tested whatever recipes exist.
local testing = require "plumb.testing"
local cli = require "cli_support"
local show = require "plumb.show"

local lua = ([[lua5.4 -e "package.preload['plumb.recipes'] = assert(loadfile('%s/spec/fake/recipes.lua'))"]])
  :format(cli.root)
local function run(args, env) return cli.run(args, env, lua) end

describe("plumb RECIPE up|down|check", function()
  testing.leakcheck()

  it("lists the recipes in --help and each recipe's options in its own --help", function()
    local code, out = run("--help")
    assert.equal(0, code)
    assert.matches("\n  fake%-pair up|down|check%s+a veth pair in a namespace", out)
    code, out = run("fake-pair --help")
    assert.equal(0, code)
    assert.matches("^usage: plumb fake%-pair up|down|check", out)
    assert.matches("\n  %-%-host%-ifname HOST_IFNAME%s+the first end's name %(required%)", out)
    assert.matches("\n  %-%-up, %-%-no%-up%s+set both ends up", out)
    assert.matches("\n  %-%-mtu N%s+the MTU", out)
    assert.matches("\n  %-%-aliases A,B,...", out)
    assert.equal(0, (run("fake-pair up --help")))
  end)

  it("brings it up (summary or --json), checks it, takes it down", function()
    local sb <close> = testing.sandbox("rcp")
    local base = ("fake-pair %%s --netns %s --host-ifname vv0"):format(sb.ns)
    local code, out, err = run(base:format("up") .. " --mtu 1400 --up --aliases first,second")
    assert.same({ 0, "" }, { code, err })
    local l = assert(sb.h:link_get("vv0"))
    assert.equal(1400, l.mtu)
    assert.equal("first", l.ifalias)
    assert.truthy(("," .. table.concat(l.flags, ",") .. ","):find(",UP,"))
    local function lit(x) return (x:gsub("%p", "%%%0")) end
    assert.matches("^interface vv0%s+" .. lit(l.address) .. "  in /run/netns/" .. lit(sb.ns) .. "\n", out)
    assert.matches("\naddress   10%.0%.0%.2/24  gateway 10%.0%.0%.1  on vv0\n", out)
    assert.matches("\nroute     0%.0%.0%.0/0 via 10%.0%.0%.1\n$", out)
    assert.same({ 0, "", "" }, { run(base:format("check") .. " --mtu 1400") })
    code, out, err = run(base:format("check") .. " --mtu 1500")
    assert.same({ 1, "vv0: mtu 1400, want 1500\n", "" }, { code, out, err })
    assert.same({ 0, "", "" }, { run(base:format("down")) })
    assert.is_nil(sb.h:link_get("vv0"))
    code, out = run(base:format("check"))
    assert.same({ 1, "missing device vv0\n" }, { code, out })
    code, out = run(base:format("up") .. " --no-up --json")
    assert.equal(0, code)
    local res = assert(show.json_decode(out))
    assert.equal("vv0", res.interfaces[1].name)
    assert.same({ { dst = "0.0.0.0/0", gw = "10.0.0.1" } }, res.routes)
    assert.falsy(("," .. table.concat(sb.h:link_get("vv0").flags, ",") .. ","):find(",UP,"))
    -- a failure: the library's message, status 1
    code, out, err = run(base:format("up"))
    assert.same({ 1, "", "plumb: link_add vv0: File exists\n" }, { code, out, err })
    assert.same({ 0, "", "" }, { run(base:format("down")) })
    assert.same({ 0, "", "" }, { run(base:format("down")) })	-- down of something absent
  end)

  it("refuses mistakes with one line and status 2", function()
    for _, c in ipairs{
      { "fake-pair", "fake-pair: missing up, down or check" },
      { "fake-pair sideways", 'fake-pair: unknown action "sideways" (expected up, down or check)' },
      { "fake-pair up --netns x", "fake-pair up: missing --host-ifname" },
      { "fake-pair up --netns x --host-ifname a --mtu big", 'fake-pair up: option "--mtu" expects an integer, got "big"' },
      { "fake-pair up --netns x --host-ifname a --mtu", 'fake-pair up: option "--mtu" needs a value' },
      { "fake-pair up --netns x --host-ifname a --colour red", 'fake-pair up: unknown option "--colour"' },
      { "fake-pair up --netns x --host-ifname a extra", 'fake-pair up: unexpected argument "extra"' },
      { "fake-pair up --netns x --host-ifname a --no-up=1", 'fake-pair up: option "--no-up" takes no value' },
      { "fake-pair up --netns x --host-ifname boom", 'fake-pair up: fake_pair: host_ifname: "boom" is not allowed' },
      { "no-such-recipe up", 'unknown command "no-such-recipe" (see plumb --help)' },
    } do
      local code, out, err = run(c[1])
      assert.same({ 2, "", "plumb: " .. c[2] .. "\n" }, { code, out, err }, c[1])
    end
  end)

  it("works with the project's own recipes, when they are there", function()
    local ok, recipes = pcall(require, "plumb.recipes")
    if not ok then pending("plumb.recipes is not in this tree yet") return end
    for _, name in ipairs(recipes.list) do
      local sub = name:gsub("_", "-")
      local code, out = cli.run(sub .. " --help")
      assert.equal(0, code, sub)
      assert.matches("^usage: plumb " .. sub:gsub("%-", "%%-") .. " up|down|check", out)
      for _, o in ipairs(require("plumb.recipes." .. name).options) do
        assert.truthy(out:find("--" .. o.name:gsub("_", "-"), 1, true), sub .. " --" .. o.name)
      end
    end
  end)
end)
