local testing = require "plumb.testing"
local cli = require "plumb.cli"

local root = assert(os.getenv("PLUMB_ROOT"))
local build = os.getenv("PLUMB_BUILD") or "build"
local cmd = ("PLUMB_BUILD=%s %s/scripts/plumb"):format(build, root)

describe("the plumb command", function()
  testing.leakcheck()

  it("works from the source tree", function()
    assert.matches("^plumb %d+%.%d+%.%d+\n$", testing.sh(cmd .. " version"))
  end)

  it("shows links, also as JSON, also in another namespace", function()
    local sb <close> = testing.sandbox()
    assert(sb.h:link_add{ name = "br-cli", kind = "bridge" })
    assert.matches("br%-cli", testing.sh(cmd .. " show links --netns " .. sb.ns))
    local list = testing.json_decode(testing.sh(cmd .. " show links --json --netns " .. sb.ns))
    assert.equal(2, #list)
    assert.equal("br-cli", list[2].ifname)
  end)

  it("runs scripts and manages namespaces", function()
    local f = assert(io.open("/tmp/plumb-cli-spec.lua", "w"))
    f:write("print(plumb._VERSION, ...)\n")
    f:close()
    finally(function() os.remove("/tmp/plumb-cli-spec.lua") end)
    assert.matches("^plumb %S+\ta\tb\n$", testing.sh(cmd .. " run /tmp/plumb-cli-spec.lua a b"))
    local name = testing.name("cli")
    testing.sh(cmd .. " netns add " .. name)
    assert.truthy(testing.sh(cmd .. " netns list"):find(name, 1, true))
    assert.matches("lo", testing.sh(cmd .. " netns exec " .. name .. " ip -o link"))
    testing.sh(cmd .. " netns del " .. name)
    assert.falsy(testing.sh(cmd .. " netns list"):find(name, 1, true))
  end)

  it("encodes JSON", function()
    assert.equal('{"a":[1,2],"b":"x\\"y","c":true}', cli.json{ a = { 1, 2 }, b = 'x"y', c = true })
    assert.same({ a = { 1, 2 }, b = 'x"y' }, testing.json_decode(cli.json{ a = { 1, 2 }, b = 'x"y' }))
  end)
end)
