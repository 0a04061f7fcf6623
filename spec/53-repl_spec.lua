-- plumb repl driven through a pseudo-terminal (python3's pty module): line editing, history,
-- completion, multi-line chunks, persistent locals, help, Ctrl-C.
local testing = require "plumb.testing"
local cli = require "cli_support"

local drive = cli.root .. "/spec/fake/pty_drive.py"
local have_rl = pcall(require, "readline")

-- Run the REPL on a pty with `steps` ({ "send", text } / { "expect", lua-free regex }).
local function session(steps, env)
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. dir))
  local json = {}
  for _, s in ipairs(steps) do
    json[#json + 1] = ('["%s", %s]'):format(s[1], (require "plumb.show").json(s[2]))
  end
  local f = assert(io.open(dir .. "/steps.json", "w"))
  f:write("[", table.concat(json, ","), "]")
  f:close()
  local p = assert(io.popen(("cd %s && HOME=%s PLUMB_HISTORY=%s/hist PLUMB_BUILD=%s %s python3 %s steps.json %s repl 2>&1")
    :format(dir, dir, dir, cli.build, env or "", drive, cli.script)))
  local out = p:read("a")
  local ok = p:close()
  local hf = io.open(dir .. "/hist")
  local hist = hf and hf:read("a")
  if hf then hf:close() end
  os.execute("rm -rf " .. dir)
  return ok, out:gsub("\27%[%?2004[hl]", ""), hist
end

describe("plumb repl", function()
  testing.leakcheck()

  it("edits lines: cursor moves and backspace", function()
    if not have_rl then pending("lua-readline is not installed") return end
    local ok, out = session{ { "expect", "> " }, { "send", "=1+2\27[D\27[D\127" .. "4\r" }, { "expect", "6" },
      { "send", "\4" } }
    assert(ok, out)
    assert.matches("\n\r?6\r?\n", out)
  end)

  it("continues a chunk over lines and keeps locals from line to line", function()
    local ok, out = session{ { "expect", "> " }, { "send", "for i = 1, 2 do\r" }, { "expect", ">> " },
      { "send", "print(i * 10) end\r" }, { "expect", "20" },
      { "send", "local n = 41\r" }, { "expect", "> " }, { "send", "=n + 1\r" }, { "expect", "42" },
      { "send", "local h = plumb.open()\r" }, { "expect", "> " },
      { "send", "h:link_get('lo').ifname\r" }, { "expect", "\\slo\\s" },
      { "send", "plumb.links()\r" }, { "expect", "lo +UNKNOWN +00:00:00:00:00:00 <LOOPBACK" },
      { "send", "\4" } }
    assert(ok, out)
    assert.matches("10\r?\n\r?20\r?\n", out)
  end)

  it("has help() and help(verb)", function()
    local ok, out = session{ { "expect", "> " }, { "send", "help()\r" }, { "expect", "link_add +create a link" },
      { "send", "help(plumb.links)\r" }, { "expect", "links: link records, filtered by kind or master" },
      { "send", "\4" } }
    assert(ok, out)
  end)

  it("abandons the line on Ctrl-C, interrupts running code, and goes on", function()
    if not have_rl then pending("lua-readline is not installed") return end
    local ok, out = session{ { "expect", "> " }, { "send", "x = 'abandoned'" }, { "send", "\3" }, { "expect", "\\^C" },
      { "send", "=x\r" }, { "expect", "nil" },
      { "send", "while true do end\r" }, { "send", "\3" }, { "expect", "interrupted!" },
      { "send", "=6*7\r" }, { "expect", "42" }, { "send", "\4" } }
    assert(ok, out)
  end)

  it("recalls history with the up arrow and saves it", function()
    if not have_rl then pending("lua-readline is not installed") return end
    local ok, out, hist = session{ { "expect", "> " }, { "send", "=40+2\r" }, { "expect", "42" },
      { "send", "=1\r" }, { "expect", "1" },
      { "send", "\27[A\27[A\r" }, { "expect", "42" }, { "send", "\4" } }
    assert(ok, out)
    assert.matches("=40%+2\n", hist)
  end)

  it("completes plumb names and handle methods with Tab", function()
    if not have_rl then pending("lua-readline is not installed") return end
    local ok, out = session{ { "expect", "> " }, { "send", "=plumb.link_g\t" }, { "send", "('lo').mtu\r" },
      { "expect", "65536" }, { "send", "h = plumb.open()\r" }, { "expect", "> " }, { "send", "=#h:li\t" },
      { "send", "\t" }, { "send", "\t" }, { "expect", "h:links" }, { "send", "s()\r" }, { "expect", "\\s\\d+\\s" },
      { "send", "\4" } }
    assert(ok, out)
  end)

  it("prints one record as an indented table and a list of records in columns", function()
    local ok, out = session{ { "expect", "> " }, { "send", "=plumb.link_get('lo')\r" },
      { "expect", "\\{\\s+ifindex = 1,\\s+ifname = \"lo\",\\s+flags = \\{ \"LOOPBACK\"" },
      { "send", "=plumb.addrs{ dev = 'lo' }\r" }, { "expect", "lo +127.0.0.1/8 ::1/128" },
      { "send", "=plumb.link_add{ name = 'lo' , kind = 'dummy' }\r" }, { "expect", "nil\tlink_add lo: File exists\t17" },
      { "send", "plumb.link_add{ name = 'x', kind = 'dummy', mut = 1 }\r" },
      { "expect", "\\slink_add: unknown option \"mut\"" }, { "send", "\4" } }
    assert(ok, out)
  end)

  it("recalls a multi-line chunk as one history entry", function()
    if not have_rl then pending("lua-readline is not installed") return end
    local ok, out, hist = session{ { "expect", "> " }, { "send", "for i = 1, 2 do\r" }, { "expect", ">> " },
      { "send", "print(i + 100) end\r" }, { "expect", "102" }, { "send", "\27[A\r" }, { "expect", "101\\s+102" },
      { "send", "\4" } }
    assert(ok, out)
    assert.equal("for i = 1, 2 do print(i + 100) end\n", hist)
  end)

  it("reads piped input plainly, without prompts' echo", function()
    local out = cli.sh(("printf 'local a = 20\\nfor i = 1, 2 do\\na = a + i end\\n=a\\n' | PLUMB_BUILD=%s %s repl")
      :format(cli.build, cli.script))
    assert.matches("\n> > >> > 23\n> \n$", out)
  end)

  it("works plainly without readline", function()
    local ok, out = session({ { "expect", "> " }, { "send", "local t = { 1,\r" }, { "expect", ">> " },
      { "send", "2 }\r" }, { "expect", "> " }, { "send", "=#t\r" }, { "expect", "2" },
      { "send", "\27[A\r" }, { "expect", "no line editing" }, { "send", "\4" } }, "PLUMB_READLINE=0")
    assert(ok, out)
  end)
end)
