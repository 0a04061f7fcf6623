-- The plumb command, run from the source tree: version, help, run, netns, show links.
local testing = require "plumb.testing"
local cli = require "cli_support"

describe("the plumb command", function()
  testing.leakcheck()

  it("works from the source tree and says its version", function()
    local code, out, err = cli.run("--version")
    assert.same({ 0, "" }, { code, err })
    assert.matches("^plumb %d+%.%d+%.%d+\n$", out)
    assert.equal(out, select(2, cli.run("version")))
  end)

  it("prints help on stdout with status 0, for itself and every subcommand", function()
    for _, args in ipairs{ "--help", "-h", "help", "run --help", "repl --help", "show --help", "show links --help",
                           "netns --help", "netns exec --help", "show ports -h" } do
      local code, out, err = cli.run(args)
      assert.same({ 0, "" }, { code, err }, args)
      assert.matches("^usage: plumb", out, 1, false, args)
    end
    local _, out = cli.run("--help")
    for _, w in ipairs{ "run", "repl", "show", "monitor", "netns" } do assert.matches("\n  " .. w .. " ", out) end
  end)

  it("runs scripts with the arguments in arg and ...", function()
    local path = os.tmpname()
    finally(function() os.remove(path) end)
    local f = assert(io.open(path, "w"))
    f:write("print(plumb._VERSION, arg[0] == ..., select('#', ...), ...)\nprint(arg[1], arg[2])\n")
    f:close()
    local code, out = cli.run("run " .. path .. " a b")
    assert.equal(0, code)
    assert.matches("^plumb %S+\tfalse\t2\ta\tb\na\tb\n$", out)
    f = assert(io.open(path, "w"))
    f:write("error('boom')\n")
    f:close()
    local ecode, eout, err = cli.run("run " .. path)
    assert.same({ 1, "" }, { ecode, eout })
    assert.equal("plumb: " .. path .. ":1: boom\n", err)
    local ncode, _, nerr = cli.run("run /nonexistent/x.lua")
    assert.equal(1, ncode)
    assert.equal("plumb: cannot open script /nonexistent/x.lua: No such file or directory\n", nerr)
  end)

  it("manages namespaces: add, list, exec (the command's own status), del", function()
    local name = testing.name("cli")
    assert.same({ 0, "", "" }, { cli.run("netns add " .. name) })
    finally(function() if require("plumb").netns.exists(name) then require("plumb").netns.del(name) end end)
    local _, list = cli.run("netns list")
    assert.truthy(("\n" .. list):find("\n" .. name .. "\n", 1, true))
    local code, out = cli.run("netns exec " .. name .. " ip -o link")
    assert.equal(0, code)
    assert.matches("^1: lo: ", out)
    assert.equal(7, (cli.run("netns exec " .. name .. " sh -c 'exit 7'")))
    assert.equal(0, (cli.run("netns exec " .. name .. " true")))
    assert.equal(1, (cli.run("netns exec " .. name .. " false")))
    -- a signal: 128 + its number, as shells report it
    assert.equal(128 + 15, (cli.run("netns exec " .. name .. " sh -c 'kill -TERM $$'")))
    local ncode, _, nerr = cli.run("netns exec " .. name .. " no-such-program-xyz")
    assert.same({ 127, 'exec of "no-such-program-xyz" failed: No such file or directory\n' }, { ncode, nerr })
    assert.same({ 0, "", "" }, { cli.run("netns del " .. name) })
    local _, after = cli.run("netns list")
    assert.falsy(("\n" .. after):find("\n" .. name .. "\n", 1, true))
  end)

  it("says a namespace is missing as ip netns exec does, status 1", function()
    assert.same({ 1, "", 'plumb: Cannot open network namespace "nope": No such file or directory\n' },
      { cli.run("netns exec nope ip a") })
    assert.same({ 1, "", 'plumb: Cannot open network namespace "nope": No such file or directory\n' },
      { cli.run("show links --netns nope") })
    local code, _, err = cli.run("netns del nope")
    assert.equal(1, code)
    assert.matches("^plumb: netns.del.*nope.*No such file or directory\n$", err)
  end)
end)
