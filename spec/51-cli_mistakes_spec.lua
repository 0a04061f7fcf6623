-- Every kind of user mistake: status 2 and one line on stderr naming it, nothing on stdout,
-- never a traceback.
local testing = require "plumb.testing"
local cli = require "cli_support"

describe("plumb command mistakes", function()
  testing.leakcheck()

  local cases = {
    { "", "missing command (see plumb --help)" },
    { "frob", 'unknown command "frob" (see plumb --help)' },
    { "show routes --table nosuchtable", 'show routes: routes: table: unknown table "nosuchtable" (not in rt_tables)' },
    { "--frob", 'unknown option "--frob" (see plumb --help)' },
    { "--version x", 'unexpected argument "x"', prefix = "--version: " },
    { "show", "show: missing what to show (links, addrs, routes, neighs, rules, fdb, vlans, bridges, ports)" },
    { "show --json", 'show: missing what to show before "--json"' },
    { "show foo", 'show: unknown object "foo" (expected links, addrs, routes, neighs, rules, fdb, vlans, bridges, ports)' },
    { "show links --bogus", 'show links: unknown option "--bogus"' },
    { "show links --netns", 'show links: option "--netns" needs a value' },
    { "show links extra", 'show links: unexpected argument "extra"' },
    { "show addrs --master br0", 'show addrs: unknown option "--master"' },
    { "show bridges a b", 'show bridges: unexpected argument "b"' },
    { "show links --json=maybe", 'show links: option "--json" expects true or false, got "maybe"' },
    { "netns", "netns: missing add, del, list or exec" },
    { "netns frob", 'netns: unknown command "frob" (expected add, del, list or exec)' },
    { "netns add", "netns add: missing namespace name" },
    { "netns del", "netns del: missing namespace name" },
    { "netns add a b", 'netns add: unexpected argument "b"' },
    { "netns add a/b", 'netns add: invalid namespace name "a/b"' },
    { "netns list x", 'netns list: unexpected argument "x"' },
    { "netns exec", "netns exec: missing namespace name" },
    { "netns exec c1", "netns exec: missing command" },
    { "run", "run: missing script name" },
    { "repl extra", 'repl: unexpected argument "extra"' },
  }

  for _, c in ipairs(cases) do
    it(("plumb %s"):format(c[1]), function()
      local code, out, err = cli.run(c[1])
      assert.same({ 2, "", "plumb: " .. (c.prefix or "") .. c[2] .. "\n" }, { code, out, err })
    end)
  end

  it("shows an internal error's traceback only with PLUMB_DEBUG=1", function()
    -- an internal bug, simulated: plumb.show broken under the command
    local lua = [[lua5.4 -e "package.preload['plumb.show'] = function() return setmetatable({}, ]] ..
      [[{ __index = function() error('bug here') end }) end"]]
    local code, out, err = cli.run("show links", nil, lua)
    assert.same({ 1, "" }, { code, out })
    assert.falsy(err:find("stack traceback", 1, true))
    assert.matches("^plumb: internal error: ", err)
    code, out, err = cli.run("show links", "PLUMB_DEBUG=1", lua)
    assert.same({ 1, "" }, { code, out })
    assert.truthy(err:find("stack traceback", 1, true))
  end)
end)
