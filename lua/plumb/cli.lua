--- plumb.cli: the `plumb` command (run, repl, show, netns).
-- @module plumb.cli
local plumb = require "plumb"

local cli = {}

local usage = [[
usage: plumb run SCRIPT.lua [ARGS...]     run a Lua script (plumb is preloaded as `plumb`)
       plumb repl                         an interactive Lua prompt with `plumb` loaded
       plumb show links [--netns NS] [--json]
       plumb netns add|del NAME | list | exec NAME CMD [ARGS...]
       plumb version]]

--- Encode a record as JSON (strings, numbers, booleans, arrays, objects).
-- @param v
-- @treturn string
function cli.json(v)
  local t = type(v)
  if t == "table" then
    if #v > 0 or next(v) == nil then
      local out = {}
      for i = 1, #v do out[i] = cli.json(v[i]) end
      return "[" .. table.concat(out, ",") .. "]"
    end
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = tostring(k) end
    table.sort(keys)
    local out = {}
    for _, k in ipairs(keys) do out[#out + 1] = cli.json(k) .. ":" .. cli.json(v[k]) end
    return "{" .. table.concat(out, ",") .. "}"
  elseif t == "string" then
    return '"' .. v:gsub('[%c"\\]', function(c)
      return ({ ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\t"] = "\\t" })[c]
        or ("\\u%04x"):format(c:byte())
    end) .. '"'
  elseif t == "number" or t == "boolean" then
    return tostring(v)
  end
  return "null"
end

local function opts(args, from)
  local o, rest = {}, {}
  local i = from
  while i <= #args do
    local a = args[i]
    if a == "--netns" then o.netns = args[i + 1]; i = i + 1
    elseif a == "--json" then o.json = true
    else rest[#rest + 1] = a end
    i = i + 1
  end
  return o, rest
end

local function fail(msg)
  io.stderr:write("plumb: ", msg, "\n")
  return 1
end

local function show(args)
  local o, rest = opts(args, 2)
  local what = rest[1]
  local h, err = plumb.open{ netns = o.netns }
  if not h then return fail(err) end
  if what ~= "links" then return fail("show: expected links") end
  local list, lerr = h:links()
  h:close()
  if not list then return fail(lerr) end
  if o.json then
    print(cli.json(list))
  else
    for _, l in ipairs(list) do
      print(("%d: %s: <%s> mtu %d state %s%s"):format(l.ifindex, l.ifname, table.concat(l.flags, ","),
        l.mtu or 0, l.operstate or "?", l.master and (" master " .. l.master) or ""))
    end
  end
  return 0
end

local function netns(args)
  local verb, name = args[2], args[3]
  if verb == "list" then
    for _, n in ipairs(assert(plumb.netns.list())) do print(n) end
    return 0
  elseif verb == "add" or verb == "del" then
    local ok, err = plumb.netns[verb](name)
    return ok and 0 or fail(err)
  elseif verb == "exec" then
    local argv = table.move(args, 4, #args, 1, {})
    local ok, how, code = plumb.netns.exec(name, argv)
    if ok then return 0 end
    if how == "exit" then return code end
    return code and 128 + code or fail(how)
  end
  return fail("netns: expected add, del, list or exec")
end

--- Run the command with arguments `args` (a list); returns the exit status.
-- @tparam {string,...} args
-- @treturn int
function cli.main(args)
  local cmd = args[1]
  if cmd == "run" then
    local script = args[2]
    if not script then return fail("run: expected a script") end
    local chunk, err = loadfile(script)
    if not chunk then return fail(err) end
    _G.plumb = plumb
    _G.arg = table.move(args, 2, #args, 0, {})
    local ok, e = pcall(chunk, table.unpack(args, 3))
    if not ok then return fail(tostring(e)) end
    return 0
  elseif cmd == "repl" then
    _G.plumb = plumb
    io.write(plumb._VERSION, " -- `plumb` is loaded; Ctrl-D leaves\n")
    while true do
      io.write("> ")
      local line = io.read("l")
      if not line then io.write("\n") return 0 end
      local f = load("return " .. line, "=repl") or load(line, "=repl")
      if not f then
        local _, err = load(line, "=repl")
        print(err)
      else
        local r = table.pack(pcall(f))
        if not r[1] then print(r[2])
        elseif r.n > 1 then
          for i = 2, r.n do
            io.write(type(r[i]) == "table" and cli.json(r[i]) or tostring(r[i]), i < r.n and "\t" or "\n")
          end
        end
      end
    end
  elseif cmd == "show" then
    return show(args)
  elseif cmd == "netns" then
    return netns(args)
  elseif cmd == "version" then
    print(plumb._VERSION)
    return 0
  end
  io.stderr:write(usage, "\n")
  return cmd and 2 or 0
end

return cli
