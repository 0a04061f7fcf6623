--- plumb.repl: the interactive prompt of `plumb repl`.
-- Line editing, history and Tab completion come from Debian's lua-readline (module
-- "readline") when it is installed and the input is a terminal; otherwise lines are read
-- plainly. Chunks continue over several lines until complete, top-level `local` variables
-- stay defined from one line to the next (they become fields of the REPL's environment),
-- `=expr` and bare expressions print their values (lists of records in `ip -br` columns,
-- one record as an indented table), `help()` lists the verbs, and Ctrl-C abandons the line
-- being typed or interrupts the code running, never the session.
-- @module plumb.repl
local plumb = require "plumb"
local show = require "plumb.show"
local help = require "plumb.help"

local repl = {}

-- ---------------------------------------------------------------------------------------
-- Top-level `local` statements become assignments to the environment

local symbols = { "...", "..", "==", "~=", "<=", ">=", "<<", ">>", "//", "::" }

--- The tokens of Lua source `src`: { t = "name"|"string"|"number"|"symbol", v =, s =, e = }.
-- Comments are skipped. An unfinished string or comment ends the list.
-- @tparam string src
-- @treturn {table,...}
function repl.tokens(src)
  local toks, i, n = {}, 1, #src
  while i <= n do
    local s = src:find("[^ \t\r\n\f\v]", i)
    if not s then break end
    i = s
    local c = src:sub(i, i)
    local e, t
    if src:find("^%-%-", i) then
      local eq = src:match("^%-%-%[(=*)%[", i)
      if eq then
        local _, ce = src:find("]" .. eq .. "]", i, true)
        i = (ce or n) + 1
      else
        i = (src:find("\n", i, true) or n) + 1
      end
      goto continue
    elseif c == '"' or c == "'" then
      local j = i + 1
      while j <= n do
        local d = src:sub(j, j)
        if d == "\\" then j = j + 2
        elseif d == c or d == "\n" then break
        else j = j + 1 end
      end
      e, t = math.min(j, n), "string"
    elseif src:find("^%[=*%[", i) then
      local eq = src:match("^%[(=*)%[", i)
      local _, ce = src:find("]" .. eq .. "]", i, true)
      e, t = ce or n, "string"
    elseif src:find("^[%a_]", i) then
      e, t = select(2, src:find("^[%w_]+", i)), "name"
    elseif src:find("^%.?%d", i) then
      e = i
      while e < n do
        local d, d2 = src:sub(e + 1, e + 1), src:sub(e, e)
        if d:match("[%w_%.]") or (d:match("[%+%-]") and d2:match("[eEpP]")) then e = e + 1 else break end
      end
      t = "number"
    else
      e, t = i, "symbol"
      for _, sym in ipairs(symbols) do
        if src:sub(i, i + #sym - 1) == sym then e = i + #sym - 1 break end
      end
    end
    toks[#toks + 1] = { t = t, v = src:sub(i, e), s = i, e = e }
    i = e + 1
    ::continue::
  end
  return toks
end

local openers = { ["function"] = true, ["do"] = true, ["if"] = true, ["repeat"] = true }

--- Rewrite the top-level `local` statements of a chunk into assignments, so that the
-- variables they declare persist in the REPL's environment: `local h = plumb.open()` becomes
-- `h = plumb.open()`, `local x` becomes `x = nil`, `local function f` becomes `function f`.
-- Attributes (`<const>`, `<close>`) are dropped. Locals inside blocks are left alone.
-- @tparam string src
-- @treturn string
function repl.rewrite(src)
  local toks = repl.tokens(src)
  local edits = {}	-- { from, to, replacement }, in order
  local depth = 0
  local k = 1
  while k <= #toks do
    local tok = toks[k]
    if tok.t == "name" then
      if openers[tok.v] then depth = depth + 1
      elseif tok.v == "end" or tok.v == "until" then depth = depth - 1 end
      if tok.v == "local" and depth == 0 then
        edits[#edits + 1] = { tok.s, toks[k + 1] and toks[k + 1].s - 1 or tok.e, "" }
        if not (toks[k + 1] and toks[k + 1].v == "function") then
          local j, last = k + 1, nil
          while toks[j] and toks[j].t == "name" do
            last = toks[j]
            j = j + 1
            if toks[j] and toks[j].v == "<" and toks[j + 2] and toks[j + 2].v == ">" then
              edits[#edits + 1] = { last.e + 1, toks[j + 2].e, "" }
              last = toks[j + 2]
              j = j + 3
            end
            if toks[j] and toks[j].v == "," then j = j + 1 else break end
          end
          if last and not (toks[j] and toks[j].v == "=") then
            edits[#edits + 1] = { last.e + 1, last.e, " = nil" }
          end
          k = j - 1
        end
      end
    end
    k = k + 1
  end
  if #edits == 0 then return src end
  local out, pos = {}, 1
  for _, ed in ipairs(edits) do
    out[#out + 1] = src:sub(pos, ed[1] - 1)
    out[#out + 1] = ed[3]
    pos = ed[2] + 1
  end
  out[#out + 1] = src:sub(pos)
  return table.concat(out)
end

--- Compile one chunk of REPL input in `env`: `=expr`, a bare expression (its values are
-- printed), or statements.
-- @tparam string src
-- @tparam table env
-- @return the function, or nil, message, incomplete (true when more input could complete it)
function repl.compile(src, env)
  if src:sub(1, 1) == "=" then src = "return " .. src:sub(2) end
  local f = load("return " .. src, "=stdin", "t", env)
  if f then return f end
  local err
  f, err = load(repl.rewrite(src), "=stdin", "t", env)
  if f then return f end
  return nil, err, err:sub(-5) == "<eof>"
end

-- ---------------------------------------------------------------------------------------
-- Completion

local lua_keywords = {}
for w in ([[and break do else elseif end false for function goto if in local nil not or
  repeat return then true until while]]):gmatch("%a+") do lua_keywords[#lua_keywords + 1] = w end

local function fields(v, methods_only, into)
  local seen = {}
  local function add(t)
    if type(t) ~= "table" or seen[t] then return end
    seen[t] = true
    for k, x in pairs(t) do
      if type(k) == "string" and k:match("^[%a_][%w_]*$") and (not methods_only or type(x) == "function") then
        into[k] = true
      end
    end
    local mt = getmetatable(t)
    if type(mt) == "table" and type(rawget(mt, "__index")) == "table" then add(mt.__index) end
  end
  if type(v) == "table" then add(v) end
  local mt = type(v) ~= "table" and getmetatable(v)
  if type(mt) == "table" and type(rawget(mt, "__index")) == "table" then add(mt.__index) end
  if type(v) == "string" then add(string) end
end

--- Tab completion: the completions of the word `line:sub(from, to)`, each the whole word
-- (`plumb.li` -> `plumb.link_add`, `plumb.links`, ...; `h:li` -> the handle's methods).
-- @tparam table env the REPL's environment
-- @tparam string line
-- @tparam int from
-- @tparam int to
-- @treturn {string,...}
function repl.complete(env, line, from, to)
  local word = line:sub(from, to)
  local keep, chain = word:match("^(.-)([%a_][%w_%.:]*)$")
  if not chain then return {} end
  local base, sep, partial = chain:match("^(.*)([%.:])([%w_]*)$")
  local names = {}
  if not base then
    partial, base, sep = chain, "", ""
    for _, w in ipairs(lua_keywords) do names[w] = true end
    fields(env, false, names)
  else
    local v = env
    for part in base:gmatch("[^%.:]+") do
      local ok, x = pcall(function() return v[part] end)
      if not ok or x == nil then return {} end
      v = x
    end
    fields(v, sep == ":", names)
  end
  local out = {}
  for name in pairs(names) do
    if name:sub(1, #partial) == partial then out[#out + 1] = keep .. base .. sep .. name end
  end
  table.sort(out)
  return out
end

-- ---------------------------------------------------------------------------------------
-- Input

local function history_file()
  local h = os.getenv("PLUMB_HISTORY")
  if h then return h end
  local home = os.getenv("HOME")
  return home and (home .. "/.plumb_history") or ""
end

-- A reader: read(prompt) -> line | nil (end of input) | false (Ctrl-C); add(chunk); close().
local function plain_reader(term)
  local buf = ""
  local r = { editing = false }
  function r.read(prompt)
    io.stdout:write(prompt)
    io.stdout:flush()
    while true do
      local nl = buf:find("\n", 1, true)
      if nl then
        local line = buf:sub(1, nl - 1)
        buf = buf:sub(nl + 1)
        return line
      end
      local data, err
      if term then data, err = term.read(0) else data = io.read("L") or "" end
      if not data then
        if err == "interrupted" then buf = "" io.stdout:write("\n") return false end
        return nil
      end
      if data == "" then
        if buf == "" then io.stdout:write("\n") return nil end
        local line = buf
        buf = ""
        return line
      end
      buf = buf .. data
    end
  end
  function r.add() end
  function r.close() end
  return r
end

local function readline_reader(RL, term, env)
  local r = { editing = true }
  local histfile = history_file()
  RL.set_options{ histfile = histfile, auto_add = false, keeplines = 1000, completion = true }
  -- Ctrl-C goes to term.c's handler only, never through readline's own signal handling
  r.quiet = term.readline_quiet()
  if RL.set_readline_name then RL.set_readline_name("plumb") end
  RL.set_complete_function(function(line, from, to)
    RL.set_completion_append_character("")
    local ok, list = pcall(repl.complete, env, line, from, to)
    return ok and list or {}
  end)
  function r.read(prompt)
    local got, line = false, nil
    RL.handler_install(prompt, function(l)
      got, line = true, l
      RL.handler_remove()
    end)
    while not got do
      if not term.wait(0) then
        -- readline's own cleanup first (it still writes to the terminal), then lua-readline's
        -- (which closes its stream)
        if not term.readline_abandon() and RL.sigcleanup then RL.sigcleanup() end
        RL.handler_remove()
        io.stdout:write("^C\n")
        io.stdout:flush()
        return false
      end
      RL.read_char()
    end
    if line == nil then io.stdout:write("\n") end
    return line
  end
  local last
  function r.add(chunk)
    if not chunk:match("%S") then return end
    -- the history file holds one entry a line: a multi-line chunk is kept on one line
    -- where that does not change its meaning (no comment, no long string)
    if not chunk:find("--", 1, true) and not chunk:find("%[=*%[") then chunk = chunk:gsub("\n", " ") end
    if chunk ~= last then RL.add_history(chunk) end
    last = chunk
  end
  function r.close()
    if histfile ~= "" then RL.save_history() end
  end
  return r
end

-- ---------------------------------------------------------------------------------------

local function print_values(r)
  if r.n == 0 then return end
  local scalars = true
  for i = 1, r.n do if type(r[i]) == "table" then scalars = false end end
  if scalars then
    local parts = {}
    for i = 1, r.n do parts[i] = tostring(r[i]) end
    print(table.concat(parts, "\t"))
  else
    for i = 1, r.n do
      print(type(r[i]) == "table" and show.value(r[i]) or tostring(r[i]))
    end
  end
end

--- A fresh environment for REPL chunks: `plumb`, `help`, `show` and the globals.
-- @treturn table
function repl.env()
  local env = setmetatable({}, { __index = _G })
  env.plumb = plumb
  env.help = function(what) print(help.text(plumb, what)) end
  env.show = function(v) print(show.value(v)) end
  return env
end

--- Run the REPL on standard input and output until end of input; returns the exit status.
-- @treturn int
function repl.run()
  local core = plumb.core
  local term = core.term and core.term()
  local env = repl.env()
  local reader
  local use_rl = os.getenv("PLUMB_READLINE") ~= "0" and term and term.isatty(0)
  if use_rl then
    local ok, RL = pcall(require, "readline")
    if ok then reader = readline_reader(RL, term, env) end
  end
  reader = reader or plain_reader(term)
  if term then term.sigint(true) end
  io.stdout:write(plumb._VERSION, " on ", _VERSION, ": `plumb` is loaded; help() lists the verbs; Ctrl-D leaves",
    reader.editing and "" or (use_rl and "\n(no line editing: install lua-readline)" or ""), "\n")
  while true do
    local chunk = reader.read("> ")
    if chunk == nil then break end
    if chunk and chunk:find("\27", 1, true) and not reader.editing then
      print("(no line editing here: arrow keys need lua-readline and a terminal)")
      chunk = false
    end
    local f, err, incomplete
    if chunk then f, err, incomplete = repl.compile(chunk, env) end
    while chunk and not f and incomplete do
      local more = reader.read(">> ")
      if more == nil then break end
      if more == false then chunk = false break end
      chunk = chunk .. "\n" .. more
      f, err, incomplete = repl.compile(chunk, env)
    end
    if chunk then
      reader.add(chunk)
      if not f then
        print(err)
      else
        if term then term.caught() term.arm(true) end
        local r = table.pack(xpcall(f, function(m)
          if os.getenv("PLUMB_DEBUG") then return debug.traceback(tostring(m), 2) end
          return tostring(m)
        end))
        if term then term.arm(false) term.caught() end
        if r[1] then
          print_values(table.pack(table.unpack(r, 2, r.n)))
        else
          -- misuse raised inside plumb's own Lua files: the message, not where in plumb
          print((tostring(r[2]):gsub("^[^:\n]*plumb/[%w_/]+%.lua:%d+: ", "")))
        end
      end
    end
    io.stdout:flush()
  end
  reader.close()
  if term then term.sigint(false) end
  return 0
end

return repl
