--- plumb.cli: the `plumb` command (run, repl, show, netns, one subcommand per recipe).
-- Exit statuses: 0 success (and help), 1 failure (the library's message), 2 a user mistake
-- (one line naming it). A Lua traceback is shown only for an internal error, and only with
-- PLUMB_DEBUG=1.
-- @module plumb.cli
local plumb = require "plumb"
local show = require "plumb.show"

local cli = {}

-- Errors carried to main(): a user mistake (exit 2) or a failure (exit 1).
local Mistake, Failure = {}, {}
Mistake.__index, Failure.__index = Mistake, Failure
Mistake.__tostring = function(e) return e.msg end
Failure.__tostring = Mistake.__tostring

local function mistake(fmt, ...) error(setmetatable({ msg = fmt:format(...) }, Mistake), 0) end
local function failure(msg) error(setmetatable({ msg = tostring(msg) }, Failure), 0) end

--- A library error message without its position or the "bad argument" wrapping.
local function clean(msg)
  msg = tostring(msg):gsub("^[^:\n]*%.lua:%d+: ", "")
  local inner = msg:match("^bad argument #%d+ to '[^']*' %((.*)%)$")
  return inner or msg
end

--- Call a library function: raised misuse becomes a user mistake for `who`.
local function lib(who, fn, ...)
  local r = table.pack(pcall(fn, ...))
  if not r[1] then mistake("%s: %s", who, clean(r[2])) end
  return table.unpack(r, 2, r.n)
end

local out = io.stdout
local function say(...) out:write(...) out:write("\n") end

-- ---------------------------------------------------------------------------------------
-- Recipes (looked up lazily: the command works without them)

local function recipes()
  local ok, r = pcall(require, "plumb.recipes")
  if ok and type(r) == "table" and type(r.list) == "table" then return r end
  if not ok and not tostring(r):find("module 'plumb.recipes' not found", 1, true) then
    return nil, tostring(r)
  end
  return nil
end

local function recipe_command(name) return (name:gsub("_", "-")) end
local function flag_name(opt) return "--" .. opt:gsub("_", "-") end

-- ---------------------------------------------------------------------------------------
-- Help

local usage = [[
usage: plumb COMMAND [ARGS...]

  run SCRIPT.lua [ARGS...]    run a Lua script (`plumb` is loaded; ARGS in `arg` and `...`)
  repl                        an interactive Lua prompt with `plumb` loaded
  show OBJECTS [--netns NS] [--json] [--details]
                              list links, addrs, routes, neighs, rules, fdb, vlans (brief
                              columns like `ip -br`; --json: the `ip -j` records)
  show bridges [NAME]         bridges and their ports, like `brctl show`
  show ports [--master BR]    bridge ports, like `bridge link show`
  monitor [OBJECTS...] [--netns NS] [--json]
                              print changes as they happen, like `ip monitor`
  netns add NAME | del NAME | list | exec NAME CMD [ARGS...]
                              network namespaces, like `ip netns`
%s
  --help, -h                  this help (`plumb COMMAND --help` for one command)
  --version                   the version

Exit status: 0 success, 1 failure, 2 a mistake in the command line.]]

local helps = {
  run = [[
usage: plumb run SCRIPT.lua [ARGS...]
Run a Lua script with `plumb` loaded as a global. The script gets ARGS as `...` and in
the table `arg` (arg[0] is the script), as lua does. SCRIPT "-" reads standard input.]],
  repl = [[
usage: plumb repl
An interactive Lua prompt with `plumb` loaded: line editing, history ($PLUMB_HISTORY, default
~/.plumb_history) and Tab completion when lua-readline is installed; multi-line chunks; `local`
variables that stay defined; `=expr` or a bare expression prints its value; help() lists
the verbs. Ctrl-C abandons the line (or interrupts running code), Ctrl-D leaves.]],
  show = [[
usage: plumb show links|addrs|routes|neighs|rules|fdb|vlans [--netns NS] [--json] [--details]
       plumb show routes [--table main|local|all|N] ...
       plumb show bridges [NAME] [--netns NS] [--json]
       plumb show ports [--master BR] [--netns NS] [--json] [--details]
Brief columns by default: links as `ip -br link`, addrs as `ip -br addr`, routes as
`ip route` (table main, IPv4 and IPv6), neighs as `ip neigh`, rules as `ip rule`, fdb as
`bridge fdb`, vlans as `bridge vlan`, bridges as `brctl show`, ports as `bridge link show`.
  --netns NS   in namespace NS (a name under /run/netns, or a path)
  --json       the records as JSON (the `ip -j -d` field names)
  --details    every field of every record, as indented Lua tables]],
  monitor = [[
usage: plumb monitor [link|addr|route|neigh|fdb|rule|nsid ...] [--netns NS] [--json]
Print every change of the objects named (all of them when none is) as it happens, one
line per event like `ip monitor`: "[LINK] ...", "[ADDR] Deleted ...". When the kernel drops
events (the receive queue overflowed) a line "[OVERRUN] ..." says so, and the objects are
read again: what changed meanwhile follows as lines ending in "(resync)". Ctrl-C ends it.
  --netns NS   in namespace NS (a name under /run/netns, or a path)
  --json       one JSON object per line: the `ip -j` record with "event" ("new", "del",
               "overrun"), "object", "key" and, for re-read ones, "resync": true]],
  netns = [[
usage: plumb netns add NAME       create a network namespace (/run/netns/NAME)
       plumb netns del NAME       delete it
       plumb netns list           list them
       plumb netns exec NAME CMD [ARGS...]
                                  run CMD in it; the exit status is CMD's]],
}

local function recipe_help(r, name)
  local mod = require("plumb.recipes." .. name)
  local lines = { ("usage: plumb %s up|down|check [OPTIONS] [--json]"):format(recipe_command(name)) }
  if r.doc and r.doc[name] then lines[#lines + 1] = r.doc[name] end
  lines[#lines + 1] = "  up: build it (prints what it made; --json: the CNI-shaped result)"
  lines[#lines + 1] = "  down: remove it;  check: print the differences (exit status 1 when there are some)"
  for _, o in ipairs(mod.options or {}) do
    local f = flag_name(o.name)
    if o.type == "boolean" then f = f .. ", --no-" .. o.name:gsub("_", "-")
    elseif o.type == "integer" then f = f .. " N"
    elseif o.type == "list" then f = f .. " A,B,..."
    else f = f .. " " .. o.name:upper() end
    local req = ""
    if o.required then
      local alts = {}
      for _, a in ipairs(type(o.alt) == "table" and o.alt or {}) do alts[#alts + 1] = flag_name(a) end
      req = #alts > 0 and (" (required, or " .. table.concat(alts, " or ") .. ")") or " (required)"
    end
    lines[#lines + 1] = ("  %-28s %s%s"):format(f, o.doc or "", req)
  end
  return table.concat(lines, "\n")
end

local function main_help()
  local r = recipes()
  local lines = {}
  if r then
    for _, name in ipairs(r.list) do
      lines[#lines + 1] = ("  %-27s %s"):format(recipe_command(name) .. " up|down|check",
        r.doc and r.doc[name] or "")
    end
    lines[#lines + 1] = "                              (a recipe: `plumb RECIPE --help` lists its options)"
  end
  return usage:format(table.concat(lines, "\n"))
end

-- ---------------------------------------------------------------------------------------
-- Argument parsing

--- Parse `args[from..]` against `spec`: { who =, flags = { name = "string"|"boolean"|... },
-- min =, max =, help = } -> options, positionals. Help prints and exits 0 (returns nil).
local function parse(args, from, spec)
  local o, pos = {}, {}
  local i = from
  local only_pos = false
  while i <= #args do
    local a = args[i]
    if only_pos or a == "-" or a:sub(1, 1) ~= "-" then
      pos[#pos + 1] = a
      if spec.rest and #pos >= spec.rest then
        for j = i + 1, #args do pos[#pos + 1] = args[j] end
        break
      end
    elseif a == "--" then
      only_pos = true
    elseif a == "-h" or a == "--help" then
      say(spec.help)
      return nil
    else
      local name, value = a:match("^%-%-([%w][%w%-]*)=(.*)$")
      name = name or a:match("^%-%-([%w][%w%-]*)$")
      local key = name and name:gsub("%-", "_")
      local ty = key and spec.flags[key]
      local neg = false
      if key and not ty and key:match("^no_") and spec.flags[key:sub(4)] == "boolean" then
        key, ty, neg = key:sub(4), "boolean", true
      end
      if not ty then mistake("%s: unknown option %q", spec.who, a) end
      if ty == "boolean" then
        if value == nil then o[key] = not neg
        elseif neg then mistake("%s: option \"--no-%s\" takes no value", spec.who, name:sub(4))
        elseif value == "true" or value == "yes" or value == "1" then o[key] = true
        elseif value == "false" or value == "no" or value == "0" then o[key] = false
        else mistake("%s: option \"--%s\" expects true or false, got %q", spec.who, name, value) end
      else
        if value == nil then
          i = i + 1
          value = args[i]
          if value == nil then mistake("%s: option %q needs a value", spec.who, a) end
        end
        if ty == "integer" then
          local n = math.tointeger(tonumber(value))
          if not n then mistake("%s: option \"--%s\" expects an integer, got %q", spec.who, name, value) end
          value = n
        elseif ty == "list" then
          local l = {}
          for w in value:gmatch("[^,]+") do l[#l + 1] = w end
          value = l
        end
        o[key] = value
      end
    end
    i = i + 1
  end
  if spec.max and #pos > spec.max then
    mistake("%s: unexpected argument %q", spec.who, pos[spec.max + 1])
  end
  if spec.min and #pos < spec.min then mistake("%s: missing %s", spec.who, spec.missing[#pos + 1]) end
  return o, pos
end

-- ---------------------------------------------------------------------------------------
-- run

local function cmd_run(args)
  if args[2] == "-h" or args[2] == "--help" then say(helps.run) return 0 end
  local script = args[2]
  if not script then mistake("run: missing script name") end
  local chunk, err = loadfile(script ~= "-" and script or nil)
  if not chunk then
    if err:find("No such file or directory", 1, true) or err:find("cannot open", 1, true) then
      failure(err:gsub("^cannot open ", "cannot open script "))
    end
    failure(err)
  end
  _G.plumb = plumb
  _G.arg = table.move(args, 2, #args, 0, {})
  local ok, e = xpcall(chunk, function(m)
    if os.getenv("PLUMB_DEBUG") then return debug.traceback(tostring(m), 2) end
    return tostring(m)
  end, table.unpack(args, 3))
  if not ok then failure(e) end
  return 0
end

-- ---------------------------------------------------------------------------------------
-- show

local function open_ns(who, ns)
  if ns and not ns:find("/", 1, true) then
    if not lib(who, plumb.netns.exists, ns) then
      failure(('Cannot open network namespace "%s": No such file or directory'):format(ns))
    end
  end
  local h, err = lib(who, plumb.open, { netns = ns })
  if not h then failure(err) end
  return h
end

local function get(h, what, ...)
  local r, err = h[what](h, ...)
  if not r then failure(err) end
  return r
end

local function print_records(list, o, brief)
  if o.json then
    local s, err = show.json(list)
    if not s then failure(err) end
    say(s)
  elseif o.details then
    for i, r in ipairs(list) do
      if i > 1 then say("") end
      say(show.pretty(r))
    end
  else
    for _, line in ipairs(brief(list)) do say(line) end
  end
end

local function map(list, fn)
  local r = {}
  for i, v in ipairs(list) do r[i] = fn(v) end
  return r
end

local shows = {}

function shows.links(h, o) print_records(get(h, "links"), o, function(l) return map(l, show.link_line) end) end

function shows.addrs(h, o)
  local addrs = get(h, "addrs")
  print_records(addrs, o, function(a) return show.addr_lines(get(h, "links"), a) end)
end

function shows.routes(h, o)
  local t = o.table and (math.tointeger(tonumber(o.table)) or o.table)
  local list, err = lib("show routes", h.routes, h, { family = "inet", table = t })
  if not list then failure(err) end
  for _, r in ipairs(get(h, "routes", { family = "inet6", table = t })) do list[#list + 1] = r end
  local one = t ~= nil and t ~= "all"
  print_records(list, o, function(l) return map(l, function(r) return show.route_line(r, one) end) end)
end

local function is_noarp(n)
  local s = type(n.state) == "table" and n.state or { n.state }
  return #s == 1 and (s[1] == "NOARP" or s[1] == "NONE")
end

function shows.neighs(h, o)
  local list = get(h, "neighs")
  print_records(list, o, function(l)
    local lines = {}
    for _, n in ipairs(l) do
      -- ip neigh leaves out NOARP entries (multicast, loopback) unless asked for them
      if not is_noarp(n) then lines[#lines + 1] = show.neigh_line(n) end
    end
    return lines
  end)
end

function shows.rules(h, o)
  local list = get(h, "rules", { family = "inet" })
  for _, r in ipairs(get(h, "rules", { family = "inet6" })) do list[#list + 1] = r end
  print_records(list, o, function(l) return map(l, show.rule_line) end)
end

function shows.fdb(h, o) print_records(get(h, "fdbs"), o, function(l) return map(l, show.fdb_line) end) end

function shows.vlans(h, o) print_records(get(h, "vlans"), o, show.vlan_lines) end

local function port_names(h, br)
  local names = map(get(h, "links", { master = br }), function(l) return l.ifname end)
  table.sort(names)
  return names
end

function shows.bridges(h, o, pos)
  local list = get(h, "links", { kind = "bridge" })
  if pos[1] then
    local keep = {}
    for _, b in ipairs(list) do if b.ifname == pos[1] then keep[1] = b end end
    if not keep[1] then failure(("bridge %s does not exist"):format(pos[1])) end
    list = keep
  end
  table.sort(list, function(a, b) return a.ifname < b.ifname end)
  print_records(list, o, function(l) return show.bridge_lines(l, function(br) return port_names(h, br) end) end)
end

function shows.ports(h, o)
  local list
  if o.master then
    list = get(h, "links", { master = o.master })
  else
    list = {}
    for _, l in ipairs(get(h, "links")) do
      if l.linkinfo and l.linkinfo.info_slave_kind == "bridge" then list[#list + 1] = l end
    end
  end
  print_records(list, o, function(l) return map(l, show.port_line) end)
end

local show_names = { "links", "addrs", "routes", "neighs", "rules", "fdb", "vlans", "bridges", "ports" }

local function cmd_show(args)
  local what = args[2]
  if what == "-h" or what == "--help" then say(helps.show) return 0 end
  if not what then mistake("show: missing what to show (%s)", table.concat(show_names, ", ")) end
  if what:sub(1, 1) == "-" then mistake("show: missing what to show before %q", what) end
  if not shows[what] then
    mistake("show: unknown object %q (expected %s)", what, table.concat(show_names, ", "))
  end
  local flags = { netns = "string", json = "boolean", details = "boolean" }
  if what == "ports" then flags.master = "string" end
  if what == "routes" then flags.table = "string" end
  local o, pos = parse(args, 3, { who = "show " .. what, flags = flags, max = what == "bridges" and 1 or 0,
    help = helps.show })
  if not o then return 0 end
  local h = open_ns("show " .. what, o.netns)
  shows[what](h, o, pos)
  h:close()
  return 0
end

-- ---------------------------------------------------------------------------------------
-- monitor

local monitor_objects = { "link", "addr", "route", "neigh", "fdb", "rule", "nsid" }

local function event_line(ev)
  if ev.event == "overrun" then
    return "[OVERRUN] events were lost (the receive queue overflowed): reading the objects again"
  end
  local body
  local o = ev.object
  if o == "link" then
    body = ("%d: %s%s: <%s> mtu %s state %s%s"):format(ev.ifindex or 0, ev.ifname or "?",
      ev.link and ("@" .. ev.link) or "", table.concat(ev.flags or {}, ","), tostring(ev.mtu),
      ev.operstate or "UNKNOWN", ev.master and (" master " .. ev.master) or "")
  elseif o == "addr" then
    body = ("%s %s %s/%s"):format(ev.ifname or "?", ev.family or "?", ev["local"] or "?", tostring(ev.prefixlen))
  elseif o == "route" then
    body = show.route_line(ev)
  elseif o == "neigh" then
    body = show.neigh_line(ev)
  elseif o == "fdb" then
    body = show.fdb_line(ev)
  elseif o == "rule" then
    body = show.rule_line(ev)
  else
    body = ("nsid %s%s"):format(tostring(ev.nsid), ev["current-nsid"] and (" current-nsid " .. ev["current-nsid"]) or "")
  end
  return ("[%s] %s%s%s"):format(o:upper(), ev.event == "del" and "Deleted " or "", body,
    ev.resync and " (resync)" or "")
end

local function cmd_monitor(args)
  local o, pos = parse(args, 2, { who = "monitor", flags = { netns = "string", json = "boolean" },
    help = helps.monitor })
  if not o then return 0 end
  local known = {}
  for _, n in ipairs(monitor_objects) do known[n] = true end
  for _, w in ipairs(pos) do
    if not known[w] then
      mistake("monitor: unknown object %q (expected %s)", w, table.concat(monitor_objects, ", "))
    end
  end
  if o.netns and not o.netns:find("/", 1, true) and not lib("monitor", plumb.netns.exists, o.netns) then
    failure(('Cannot open network namespace "%s": No such file or directory'):format(o.netns))
  end
  local opts = table.move(pos, 1, #pos, 1, {})
  opts.netns = o.netns
  local m, err = lib("monitor", plumb.monitor, opts)
  if not m then failure(err) end
  out:setvbuf("line")
  while true do
    local evs, rerr = m:read(-1)
    if not evs then failure(rerr) end
    for _, ev in ipairs(evs) do
      if o.json then
        local j, jerr = show.json(ev)
        if not j then failure(jerr) end
        say(j)
      else
        say(event_line(ev))
      end
    end
  end
end

-- ---------------------------------------------------------------------------------------
-- netns

local function find_program(name)
  if name:find("/", 1, true) then return true end
  for dir in (os.getenv("PATH") or "/usr/bin:/bin"):gmatch("[^:]+") do
    local f = io.open(dir .. "/" .. name)
    if f then f:close() return true end
  end
  return false
end

local function cmd_netns(args)
  local verb = args[2]
  if verb == "-h" or verb == "--help" then say(helps.netns) return 0 end
  if not verb then mistake("netns: missing add, del, list or exec") end
  local who = "netns " .. verb
  if verb == "list" then
    local o = parse(args, 3, { who = who, flags = {}, max = 0, help = helps.netns })
    if not o then return 0 end
    local l, err = plumb.netns.list()
    if not l then failure(err) end
    for _, n in ipairs(l) do say(n) end
    return 0
  elseif verb == "add" or verb == "del" then
    local o, pos = parse(args, 3, { who = who, flags = {}, min = 1, max = 1, missing = { "namespace name" },
      help = helps.netns })
    if not o then return 0 end
    local okc, ok, err = pcall(plumb.netns[verb], pos[1])
    -- the library names itself and the argument ("netns.add: name: ..."): the command says
    -- "netns add" already
    if not okc then mistake("%s: %s", who, (clean(ok):gsub("^netns%.%a+: name: ", ""))) end
    if not ok then failure(err) end
    return 0
  elseif verb == "exec" then
    local o, pos = parse(args, 3, { who = who, flags = {}, rest = 1, min = 2,
      missing = { "namespace name", "command" }, help = helps.netns })
    if not o then return 0 end
    local name = pos[1]
    local argv = table.move(pos, 2, #pos, 1, {})
    if not name:find("/", 1, true) and not lib(who, plumb.netns.exists, name) then
      failure(('Cannot open network namespace "%s": No such file or directory'):format(name))
    end
    if not find_program(argv[1]) then
      io.stderr:write(('exec of "%s" failed: No such file or directory\n'):format(argv[1]))
      return 127
    end
    io.stdout:flush()
    local ok, how, code = lib(who, plumb.netns.exec, name, argv)
    if ok then return 0 end
    if how == "exit" then return code end
    if how == "signal" then return 128 + code end
    failure(how)
  end
  mistake("netns: unknown command %q (expected add, del, list or exec)", verb)
end

-- ---------------------------------------------------------------------------------------
-- recipes

local function summary(res)
  local lines = {}
  for _, i in ipairs(res.interfaces or {}) do
    lines[#lines + 1] = ("interface %-16s %s%s"):format(i.name or "?", i.mac or "",
      i.sandbox and ("  in " .. i.sandbox) or "")
  end
  for _, ip in ipairs(res.ips or {}) do
    local itf = ip.interface and res.interfaces and res.interfaces[ip.interface + 1]
    lines[#lines + 1] = ("address   %s%s%s"):format(ip.address or "?",
      ip.gateway and ("  gateway " .. ip.gateway) or "", itf and ("  on " .. itf.name) or "")
  end
  for _, r in ipairs(res.routes or {}) do
    lines[#lines + 1] = ("route     %s%s"):format(r.dst or "?", r.gw and (" via " .. r.gw) or "")
  end
  if #lines == 0 then lines[1] = show.pretty(res) end
  return lines
end

local function difference(d)
  if type(d) ~= "table" then return tostring(d) end
  if d.message then return d.message end
  local w = {}
  for _, k in ipairs(show.keys(d)) do
    w[#w + 1] = ("%s=%s"):format(k, type(d[k]) == "table" and show.pretty(d[k]) or tostring(d[k]))
  end
  return table.concat(w, " ")
end

local function cmd_recipe(r, name, args)
  local sub = recipe_command(name)
  local verb = args[2]
  if verb == "-h" or verb == "--help" then say(recipe_help(r, name)) return 0 end
  if not verb then mistake("%s: missing up, down or check", sub) end
  if verb ~= "up" and verb ~= "down" and verb ~= "check" then
    mistake("%s: unknown action %q (expected up, down or check)", sub, verb)
  end
  local mod = require("plumb.recipes." .. name)
  local who = sub .. " " .. verb
  local flags, cli_only = {}, {}
  for _, opt in ipairs(mod.options or {}) do flags[opt.name] = opt.type or "string" end
  if not flags.json then flags.json, cli_only.json = "boolean", true end
  local o = parse(args, 3, { who = who, flags = flags, max = 0, help = recipe_help(r, name) })
  if not o then return 0 end
  local json = cli_only.json and o.json
  if cli_only.json then o.json = nil end
  for _, opt in ipairs(mod.options or {}) do
    -- `up` needs every required option; `down` and `check` those naming the object
    -- (`identity`). An option may be replaced by one of its alternatives (`alt`), and an
    -- address by a subnet everywhere (docs/design.md "Recipes").
    local given = o[opt.name] ~= nil or (opt.name == "address" and o.subnet ~= nil)
    for _, a in ipairs(type(opt.alt) == "table" and opt.alt or {}) do given = given or o[a] ~= nil end
    if opt.required and not given and (verb == "up" or opt.identity) then
      mistake("%s: missing %s", who, flag_name(opt.name))
    end
  end
  local res, err = lib(who, mod[verb], o)
  if verb == "check" then
    if res then return 0 end
    if type(err) ~= "table" then failure(err) end
    if json then say(show.json(err)) else for _, d in ipairs(err) do say(difference(d)) end end
    return 1
  end
  if not res then failure(err) end
  if verb == "up" and type(res) == "table" then
    if json then say((show.json(res))) else for _, l in ipairs(summary(res)) do say(l) end end
  end
  return 0
end

-- ---------------------------------------------------------------------------------------

local function dispatch(args)
  local cmd = args[1]
  if cmd == nil then mistake("missing command (see plumb --help)") end
  if cmd == "-h" or cmd == "--help" or cmd == "help" then
    say(main_help())
    return 0
  elseif cmd == "--version" or cmd == "version" then
    if args[2] then mistake("%s: unexpected argument %q", cmd, args[2]) end
    say(plumb._VERSION)
    return 0
  elseif cmd == "run" then return cmd_run(args)
  elseif cmd == "repl" then
    local o = parse(args, 2, { who = "repl", flags = {}, max = 0, help = helps.repl })
    if not o then return 0 end
    return require("plumb.repl").run()
  elseif cmd == "show" then return cmd_show(args)
  elseif cmd == "netns" then return cmd_netns(args)
  elseif cmd == "monitor" then return cmd_monitor(args)
  end
  if cmd:sub(1, 1) == "-" then mistake("unknown option %q (see plumb --help)", cmd) end
  local r, rerr = recipes()
  if r then
    for _, name in ipairs(r.list) do
      if recipe_command(name) == cmd then return cmd_recipe(r, name, args) end
    end
  elseif rerr and cmd:find("-", 1, true) then
    failure("cannot load the recipes: " .. rerr)
  end
  mistake("unknown command %q (see plumb --help)", cmd)
end

--- Run the command with arguments `args` (a list); returns the exit status.
-- User mistakes print one line ("plumb: ...") to stderr and give 2; failures give 1.
-- @tparam {string,...} args
-- @treturn int
function cli.main(args)
  local debug_on = os.getenv("PLUMB_DEBUG")
  local ok, r = xpcall(dispatch, function(e)
    if getmetatable(e) == Mistake or getmetatable(e) == Failure then return e end
    if debug_on and debug_on ~= "" and debug_on ~= "0" then return debug.traceback(tostring(e), 2) end
    return tostring(e)
  end, args)
  io.stdout:flush()
  if ok then return r end
  if getmetatable(r) == Mistake then
    io.stderr:write("plumb: ", r.msg, "\n")
    return 2
  elseif getmetatable(r) == Failure then
    io.stderr:write("plumb: ", r.msg, "\n")
    return 1
  end
  io.stderr:write("plumb: internal error: ", r, "\n")
  if not (debug_on and debug_on ~= "" and debug_on ~= "0") then
    io.stderr:write("plumb: (PLUMB_DEBUG=1 shows where)\n")
  end
  return 1
end

return cli
