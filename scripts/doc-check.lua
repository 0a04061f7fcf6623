-- Fail when a public name has no entry in the reference (`make doc-check`).
--   lua5.4 scripts/doc-check.lua [--records]
-- Run from the project's root with the tree's build on package.cpath (the Makefile does).
-- The public names are enumerated at run time, never listed here: the `plumb` module's
-- functions, `plumb.netns.*`, `plumb.core.*`, every handle method (core.handle_methods,
-- C-written and Lua-written), every module under lua/plumb/ (plumb.testing, plumb.recipes.*,
-- ...), every link kind with its options and its ports' options (core.describe()).
-- The documented names are read from the files LDoc reads (config.ld's `file` list): doc
-- comments (`---`) followed by a function definition, and `@function`, `@table`, `@field`
-- tags.
-- --records also creates one object of each type in the current network namespace (run it
-- in a throwaway one: the Makefile uses `unshare --net --mount`) and fails for each record
-- field not listed on the `records` page.
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path

local missing = {}
local function miss(fmt, ...) missing[#missing + 1] = fmt:format(...) end

-- ---------------------------------------------------------------------------------------
-- What is documented: doc[module][name] = true

local function sh_lines(cmd)
  local p = assert(io.popen(cmd))
  local out = {}
  for l in p:lines() do out[#out + 1] = l end
  p:close()
  return out
end

-- The source files of config.ld's `file` list (directories searched recursively).
local function doc_sources()
  local env = {}
  local chunk = assert(loadfile("config.ld", "t", env))
  chunk()
  local files = {}
  for _, f in ipairs(env.file) do
    local ok = io.open(f)
    if ok then
      ok:close()
      for _, l in ipairs(sh_lines("find " .. f .. " -type f \\( -name '*.lua' -o -name '*.luadoc' \\) | sort")) do
        files[#files + 1] = l
      end
    end
  end
  return files
end

local doc = {}
local function documented(mod, name)
  doc[mod] = doc[mod] or {}
  doc[mod][name] = true
end

local function module_of_path(path)
  local m = path:match("^lua/(.*)%.lua$")
  if not m then return nil end
  m = m:gsub("/init$", ""):gsub("/", ".")
  return m
end

local function read_doc(path)
  local lines = {}
  for l in io.lines(path) do lines[#lines + 1] = l end
  local mod = module_of_path(path)
  for _, l in ipairs(lines) do
    local m = l:match("^%-%-.-@module%s+([%w_.]+)")
    if m then mod = m break end
  end
  if not mod then
    miss("%s: no @module and not under lua/", path)
    return
  end
  local i = 1
  while i <= #lines do
    if lines[i]:match("^%s*%-%-%-") and not lines[i]:match("^%s*%-%-%-%-") then
      local tags, j = {}, i
      while j <= #lines and lines[j]:match("^%s*%-%-") do
        for tag, name in lines[j]:gmatch("@(%w+)%s+([%w_.:%[%]]+)") do
          tags[#tags + 1] = { tag, name }
        end
        j = j + 1
      end
      local tbl, named
      for _, t in ipairs(tags) do
        if t[1] == "function" or t[1] == "table" then
          documented(mod, t[2])
          named = true
          if t[1] == "table" then tbl = t[2] end
        end
      end
      for _, t in ipairs(tags) do
        if t[1] == "field" then
          documented(mod, tbl and (tbl .. "." .. t[2]) or t[2])
          named = true
        end
      end
      local def = lines[j] or ""
      local fname = def:match("^%s*local%s+function%s+([%w_.:]+)%s*%(")
        or def:match("^%s*function%s+([%w_.:]+)%s*%(")
        or def:match("^%s*([%w_.]+)%s*=%s*function%s*%(")
      if fname and not named then
        documented(mod, fname)
        documented(mod, fname:match("[.:]([%w_]+)$") or fname)
        -- `function netns.add` in module plumb: also "netns.add" without the module table
        local owner, rest = fname:match("^([%w_]+)%.(.+)$")
        if owner then documented(mod, rest) end
      end
      i = j
    else
      i = i + 1
    end
  end
end

for _, f in ipairs(doc_sources()) do read_doc(f) end

local function has(mod, name) return doc[mod] and doc[mod][name] end

-- ---------------------------------------------------------------------------------------
-- The public names

local plumb = require "plumb"
local core = require "plumb.core"

-- Handle methods: documented on the `handle` page or in a plumb module that writes methods.
local method_pages = {}
for mod in pairs(doc) do
  if mod == "handle" or (mod:match("^plumb") and not mod:match("^plumb%.testing")
      and not mod:match("^plumb%.recipes") and mod ~= "plumb.cli" and mod ~= "plumb.core") then
    method_pages[#method_pages + 1] = mod
  end
end
local function method_documented(name)
  for _, mod in ipairs(method_pages) do
    if has(mod, name) then return true end
  end
  return false
end

local nmethods, nfuncs, nkinds, nopts = 0, 0, 0, 0
for name in pairs(core.handle_methods) do
  if not name:match("^_") then
    nmethods = nmethods + 1
    if not method_documented(name) then miss("handle method h:%s", name) end
  end
end

for name, v in pairs(plumb) do
  if type(v) == "function" and not name:match("^_") and not core.handle_methods[name] then
    nfuncs = nfuncs + 1
    if not has("plumb", name) then miss("module function plumb.%s", name) end
  end
end
for name, v in pairs(plumb.netns) do
  if type(v) == "function" then
    nfuncs = nfuncs + 1
    if not has("plumb", "netns." .. name) then miss("module function plumb.netns.%s", name) end
  end
end
for name, v in pairs(core) do
  if (type(v) == "function" or name == "_VERSION" or name == "handle_methods")
      and (not name:match("^_") or name == "_VERSION") then
    nfuncs = nfuncs + 1
    if not has("plumb.core", name) then miss("plumb.core.%s", name) end
  end
end

-- Every module under lua/plumb/ but plumb itself.
for _, path in ipairs(sh_lines("find lua/plumb -name '*.lua' | sort")) do
  local mod = module_of_path(path)
  if mod ~= "plumb" then
    local ok, m = pcall(require, mod)
    if not ok then
      miss("%s: cannot be loaded to list its names: %s", mod, tostring(m))
    elseif type(m) == "table" then
      for name, v in pairs(m) do
        if type(v) == "function" and not name:match("^_") then
          nfuncs = nfuncs + 1
          if not has(mod, name) then miss("%s.%s", mod, name) end
        end
      end
    elseif type(m) == "function" then
      nfuncs = nfuncs + 1
      local last = mod:match("([%w_]+)$")
      if not has(mod, last) then miss("%s (a function): no entry named %s", mod, last) end
    end
  end
end

-- The methods of a monitor (plumb.monitor's objects), documented in plumb.monitor.
do
  local mon = require "plumb.monitor"
  for name, v in pairs(mon.methods) do
    if type(v) == "function" and not name:match("^_") then
      nmethods = nmethods + 1
      if not has("plumb.monitor", name) then miss("monitor method m:%s", name) end
    end
  end
end

-- Link kinds and their options, from the tables the code walks.
local d = core.describe()
local function check_opts(tbl, entries)
  if not has("kinds", tbl) then miss("kinds: no entry for %s", tbl) end
  for _, e in ipairs(entries) do
    if e.name and not e.ro then
      nopts = nopts + 1
      if not has("kinds", tbl .. "." .. e.name) then miss("option %s.%s", tbl, e.name) end
    end
  end
end
check_opts("link", d.link)
for _, k in ipairs(d.kinds) do
  nkinds = nkinds + 1
  check_opts(k.name, k.options)
  if k.port_key then check_opts(k.port_key, k.port_options) end
end
for _, e in ipairs(d.link) do
  if e.out and not e.wo and not has("records", "link." .. e.out) then
    miss("link record field %s (core/link.c) not on the records page", e.out)
  end
end

-- The command's subcommands, as its own help lists them, each in the man page (docs/plumb.1)
-- in a bold macro line.
local ncmds = 0
do
  local man = {}
  for l in io.lines("docs/plumb.1") do
    if l:match("^%.[BI][RI]? ") or l:match("^%.B$") then man[#man + 1] = l:gsub("\\f[BIRP]", "") end
  end
  local man_text = " " .. table.concat(man, " ") .. " "
  local seen = {}
  local p = assert(io.popen("PLUMB_BUILD=${PLUMB_BUILD:-build} " .. (os.getenv("LUA") or "lua5.4")
    .. " scripts/plumb --help 2>&1"))
  local help = p:read("a")
  p:close()
  for line in help:gmatch("[^\n]+") do
    -- "  run SCRIPT.lua ..." (two spaces, the command); continuation lines are indented more
    local word = line:match("^  ([a-z][%w-]*)") or line:match("^%s*plumb%s+([a-z][%w-]*)")
    if word and not seen[word] then
      seen[word] = true
      ncmds = ncmds + 1
      if not man_text:find("[%s\"|]" .. word:gsub("%-", "%%-") .. "[%s\"|]") then
        miss("command `plumb %s` (in `plumb --help`) not in docs/plumb.1", word)
      end
    end
  end
  if ncmds == 0 then miss("`plumb --help` lists no command:\n%s", help) end
end

-- ---------------------------------------------------------------------------------------
-- Record fields seen on live objects

local nfields = 0
local function check_records(what, list)
  local seen = {}
  for _, r in ipairs(list) do
    for k in pairs(r) do
      if not seen[k] then
        seen[k] = true
        nfields = nfields + 1
        if not has("records", what .. "." .. k) then miss("%s record field %q", what, k) end
      end
    end
  end
end

if arg[1] == "--records" then
  local h = assert(plumb.open())
  assert(h:link_set("lo", { up = true }))
  assert(h:link_add{ name = "dc-br0", kind = "bridge", up = true })
  assert(h:link_add{ name = "dc-v0", kind = "veth", master = "dc-br0", up = true,
                     peer = { name = "dc-v0p", up = true } })
  assert(h:addr_add("dc-br0", "10.88.0.1/16", { label = "dc-br0:1" }))
  assert(h:addr_add("dc-br0", "fd00::1/64", { nodad = true }))
  assert(h:route_add{ dst = "10.9.0.0/16", gateway = "10.88.0.2", metric = 5, mtu = 1400 })
  assert(h:route_add{ dst = "10.10.0.0/16",
                      nexthops = { { gateway = "10.88.0.2" }, { gateway = "10.88.0.3" } } })
  assert(h:route_add{ dst = "192.0.2.0/24", type = "blackhole", table = 100 })
  assert(h:neigh_add{ dev = "dc-br0", dst = "10.88.0.9", lladdr = "02:00:00:00:00:09",
                      state = "permanent" })
  assert(h:fdb_add{ dev = "dc-v0", lladdr = "02:00:00:00:00:0a", master = true, state = "static" })
  assert(h:rule_add{ priority = 100, from = "10.0.0.0/24", table = 100 })
  assert(h:rule_add{ priority = 101, to = "10.1.0.0/24", fwmark = 7, action = "blackhole" })
  check_records("link", assert(h:links()))
  check_records("addr", assert(h:addrs()))
  check_records("route", assert(h:routes{ table = "all" }))
  check_records("route", { assert(h:route_get("10.9.1.1")) })
  check_records("neigh", assert(h:neighs()))
  check_records("fdb", assert(h:fdbs()))
  check_records("rule", assert(h:rules()))
  check_records("vlan", assert(h:vlans()))
  assert(h:link_del("dc-v0"))
  assert(h:link_del("dc-br0"))
  h:close()
end

if #missing > 0 then
  table.sort(missing)
  io.stderr:write("doc-check: no documentation entry for:\n")
  for _, m in ipairs(missing) do io.stderr:write("  ", m, "\n") end
  io.stderr:write(("doc-check: %d missing (add them to docs/api/*.luadoc or the module's LDoc)\n")
    :format(#missing))
  os.exit(1)
end
print(("doc-check: %d handle methods, %d module functions, %d kinds with %d options, %d commands%s: all documented")
  :format(nmethods, nfuncs, nkinds, nopts, ncmds,
    arg[1] == "--records" and (", %d record fields seen"):format(nfields) or ""))
