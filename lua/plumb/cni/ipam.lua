--- plumb.cni.ipam: IPAM for the plumb CNI plugins.
--
-- Delegation (`exec`, `add`, `del`, `check`): the plugin named in `ipam.type` is found in
-- `CNI_PATH` and run with the same environment (the command set to what is asked) and the
-- same configuration on stdin, as the reference plugins' pkg/ipam ExecAdd/ExecDel do; so
-- host-local, static and dhcp work unchanged.
--
-- `plumb-ipam` itself (the `add`/`del`/`check`/`gc`/`status` verbs run by `plumb.cni.main`
-- for type "ipam"): host-local's keys, `ranges` (a list of range sets, each a list of
-- `{ subnet, rangeStart, rangeEnd, gateway }`; or `subnet`, `rangeStart`, `rangeEnd`, `gateway`
-- at the top for one range), `routes` (`{ dst, gw }`), `dataDir` (default
-- /var/lib/cni/plumb-ipam) and `resolvConf` (not supported: an error); one address per range
-- set, from plumb.ipam (state under dataDir/NETWORK-NAME, owner key "CONTAINERID/IFNAME").
-- @module plumb.cni.ipam
local cni = require "plumb.cni"

local M = {}

local function shq(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

--- Find plugin `name` in the directories of `path` (a list): its path, or nil.
-- @tparam string name
-- @tparam {string,...} path
function M.find(name, path)
  if type(name) ~= "string" or name == "" or name:find("/", 1, true) then return nil end
  for _, d in ipairs(path) do
    local p = d .. "/" .. name
    local f = io.open(p, "r")
    if f then f:close() return p end
  end
end

--- Run plugin `name` (found in `ctx.path`) for `command` with the configuration `stdin`
-- (default: `ctx.raw`): the decoded result (ADD), true (other commands), or raises the CNI
-- error the plugin printed (its code, msg and details), code 5 when it cannot be run.
-- @tparam table ctx
-- @tparam string name
-- @tparam string command ADD, DEL, CHECK, GC, STATUS or VERSION
-- @tparam[opt] string stdin
function M.exec(ctx, name, command, stdin)
  local exe = M.find(name, ctx.path)
  if not exe then
    cni.fail(5, ("failed to find plugin %q in path %s"):format(tostring(name), "[" .. table.concat(ctx.path, " ") .. "]"))
  end
  if name == "plumb-ipam" and stdin == nil and M.plugin[command:lower()] then
    -- plumb's own IPAM plugin, found in CNI_PATH: the same code that executable would run,
    -- with the same environment and configuration, run here (two process starts fewer)
    local sub = {}
    for k, v in pairs(ctx) do sub[k] = v end
    sub.command, sub.name = command, "plumb-ipam"
    local r = M.plugin[command:lower()](sub)
    if command == "ADD" then return cni.decode(cni.encode(cni.convert(r, ctx.version))) end
    return true
  end
  local tmp = os.tmpname()
  local f = assert(io.open(tmp, "w"))
  f:write(stdin or ctx.raw)
  f:close()
  local env = { "CNI_COMMAND=" .. command }
  for _, k in ipairs{ "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS", "CNI_PATH" } do
    local v = os.getenv(k)
    if v then env[#env + 1] = k .. "=" .. shq(v) end
  end
  local p = io.popen(("%s exec %s < %s"):format(table.concat(env, " "), shq(exe), shq(tmp)), "r")
  local out = p:read("a")
  local ok = p:close()
  os.remove(tmp)
  local r = out:match("%S") and cni.decode(out) or nil
  if not ok then
    if type(r) == "table" and r.code then
      cni.fail(math.tointeger(r.code) or 999, tostring(r.msg or ""), r.details and tostring(r.details) or nil)
    end
    cni.fail(999, ("plugin %s failed for %s"):format(name, command), out)
  end
  if command == "ADD" or command == "VERSION" then
    if type(r) ~= "table" then cni.fail(999, ("plugin %s printed no result for %s"):format(name, command), out) end
    return r
  end
  return true
end

--- The IPAM type of `ctx.conf` (nil when the configuration has no `ipam.type`).
function M.type_of(ctx)
  local i = ctx.conf.ipam
  if type(i) == "table" and type(i.type) == "string" and i.type ~= "" then return i.type end
end

--- ADD through the IPAM plugin: its result with `ips` (at least one, else an error) and
-- `routes`, `dns`.
function M.add(ctx)
  local r = M.exec(ctx, M.type_of(ctx), "ADD")
  if type(r.ips) ~= "table" or #r.ips == 0 then cni.fail(999, "IPAM plugin returned missing IP config") end
  r.routes = r.routes or {}
  return r
end

--- `fn(r)` with the IPAM plugin's ADD result `r`; when `fn` raises, the addresses are
-- released again (DEL through the plugin) before the error goes on.
-- @tparam table ctx
-- @tparam function fn
-- @return what `fn` returns
function M.add_then(ctx, fn)
  local r = M.add(ctx)
  local ok, res = pcall(fn, r)
  if not ok then
    pcall(M.del, ctx)
    error(res, 0)
  end
  return res
end

--- DEL through the IPAM plugin (nothing when there is none).
function M.del(ctx)
  local t = M.type_of(ctx)
  if t then return M.exec(ctx, t, "DEL") end
  return true
end

--- CHECK through the IPAM plugin (nothing when there is none).
function M.check_with(ctx)
  local t = M.type_of(ctx)
  if t then return M.exec(ctx, t, "CHECK") end
  return true
end

--- Whether IPAM plugin `name` speaks CNI 1.1.0 (GC and STATUS), asked with VERSION.
function M.speaks_11(ctx, name)
  local ok, r = pcall(M.exec, ctx, name, "VERSION", '{"cniVersion":"1.1.0"}')
  if not ok or type(r) ~= "table" then return false end
  for _, v in ipairs(r.supportedVersions or {}) do if v == "1.1.0" then return true end end
  return false
end

--- STATUS and GC of a main plugin: the IPAM plugin must be in `CNI_PATH` (else code 50);
-- one that speaks 1.1.0 is asked too.
function M.delegate_11(ctx, command)
  local t = M.type_of(ctx)
  if not t then return true end
  if not M.find(t, ctx.path) then
    cni.fail(50, ("IPAM plugin %q not found in CNI_PATH"):format(t))
  end
  if M.speaks_11(ctx, t) then return M.exec(ctx, t, command) end
  return true
end

-- ---------------------------------------------------------------------------------------
-- plumb-ipam

local pipam -- plumb.ipam, loaded when used

local RANGE_KEYS = { subnet = true, rangeStart = true, rangeEnd = true, gateway = true }

-- The range sets of an ipam section (checked: code 7 naming the key).
local function range_sets(i)
  local sets = {}
  local function one(r, where)
    if type(r) ~= "table" then cni.fail(7, ("plumb-ipam: %s: expected an object"):format(where)) end
    for k in pairs(r) do
      if not RANGE_KEYS[k] then cni.fail(7, ("plumb-ipam: unknown key %q in %s"):format(tostring(k), where)) end
    end
    if type(r.subnet) ~= "string" then cni.fail(7, ("plumb-ipam: %s: missing \"subnet\""):format(where)) end
    local ok, fam = pcall(function() return (pipam.parse(r.subnet:match("^(.-)/") or "")) end)
    if not ok or not fam or not r.subnet:match("/%d+$") then
      cni.fail(7, ("plumb-ipam: %s: invalid subnet %q"):format(where, r.subnet))
    end
    for _, k in ipairs{ "rangeStart", "rangeEnd", "gateway" } do
      if r[k] ~= nil and (type(r[k]) ~= "string" or pipam.parse(r[k]) ~= fam) then
        cni.fail(7, ("plumb-ipam: %s: %s: expected an %s address, got %s"):format(where, k,
          fam == "inet" and "IPv4" or "IPv6", cni.encode(r[k])))
      end
    end
    return { subnet = r.subnet, range_start = r.rangeStart, range_end = r.rangeEnd,
      gateway = r.gateway or pipam.first(r.subnet), fam = fam }
  end
  if i.subnet ~= nil then
    sets[1] = { one({ subnet = i.subnet, rangeStart = i.rangeStart, rangeEnd = i.rangeEnd,
      gateway = i.gateway }, "ipam") }
  end
  if i.ranges ~= nil then
    if type(i.ranges) ~= "table" then cni.fail(7, "plumb-ipam: \"ranges\": expected a list of range sets") end
    for n, set in ipairs(i.ranges) do
      if type(set) ~= "table" or #set == 0 then
        cni.fail(7, ("plumb-ipam: ranges[%d]: expected a non-empty list of ranges"):format(n - 1))
      end
      local s = {}
      for m, r in ipairs(set) do s[m] = one(r, ("ranges[%d][%d]"):format(n - 1, m - 1)) end
      sets[#sets + 1] = s
    end
  end
  if #sets == 0 then cni.fail(7, "plumb-ipam: no IP ranges specified (\"ranges\" or \"subnet\")") end
  return sets
end

local IPAM_KEYS = { type = true, ranges = true, routes = true, dataDir = true, subnet = true,
  rangeStart = true, rangeEnd = true, gateway = true, resolvConf = true }

-- Everything plumb-ipam reads from ctx, checked.
local function plan(ctx)
  pipam = pipam or require "plumb.ipam"
  local i = ctx.conf.ipam
  if type(i) ~= "table" then cni.fail(7, "plumb-ipam: missing \"ipam\" section") end
  for k in pairs(i) do
    if not IPAM_KEYS[k] then cni.fail(7, ("plumb-ipam: unknown key %q in the ipam section"):format(tostring(k))) end
  end
  if i.resolvConf ~= nil then
    cni.fail(2, "plumb-ipam: \"resolvConf\" is not supported: put \"dns\" in the network configuration")
  end
  if i.dataDir ~= nil and type(i.dataDir) ~= "string" then cni.fail(7, "plumb-ipam: \"dataDir\": expected a string") end
  local routes = {}
  if i.routes ~= nil then
    if type(i.routes) ~= "table" then cni.fail(7, "plumb-ipam: \"routes\": expected a list") end
    for n, r in ipairs(i.routes) do
      if type(r) ~= "table" or type(r.dst) ~= "string" or not r.dst:match("/%d+$") or not pipam.parse(r.dst:match("^(.-)/")) then
        cni.fail(7, ("plumb-ipam: routes[%d]: expected { \"dst\": PREFIX, \"gw\": ADDRESS }"):format(n - 1))
      end
      for k in pairs(r) do
        if k ~= "dst" and k ~= "gw" then cni.fail(7, ("plumb-ipam: routes[%d]: unknown key %q"):format(n - 1, tostring(k))) end
      end
      if r.gw ~= nil and (type(r.gw) ~= "string" or not pipam.parse(r.gw)) then
        cni.fail(7, ("plumb-ipam: routes[%d]: gw: expected an address"):format(n - 1))
      end
      routes[#routes + 1] = { dst = r.dst, gw = r.gw }
    end
  end
  local dir = (i.dataDir or "/var/lib/cni/plumb-ipam") .. "/" .. tostring(ctx.conf.name)
  return { sets = range_sets(i), routes = routes, dir = dir,
    key = (ctx.containerid or "") .. "/" .. (ctx.ifname or "") }
end

local function popts(p, r, key)
  return { subnet = r.subnet, key = key or p.key, state_dir = p.dir, range_start = r.range_start,
    range_end = r.range_end, gateway = r.gateway }
end

--- plumb-ipam's ADD: one address per range set (the container's own when it holds one),
-- from the first range of the set with a free address; all or nothing.
-- @tparam table ctx
-- @treturn table the result: `ips` (address, gateway), `routes`, `dns`
function M.plumb_add(ctx)
  local p = plan(ctx)
  local res = { ips = {}, routes = p.routes, dns = cni.object() }
  local got = {}
  for n, set in ipairs(p.sets) do
    local addr, fresh, last
    for _, r in ipairs(set) do
      addr, fresh = pipam.allocate(popts(p, r))
      if addr then
        res.ips[#res.ips + 1] = { address = addr, gateway = r.gateway }
        if fresh then got[#got + 1] = r end
        break
      end
      last = fresh
    end
    if not addr then
      for _, r in ipairs(got) do pipam.release(popts(p, r)) end
      local subnets = {}
      for _, r in ipairs(set) do subnets[#subnets + 1] = r.subnet end
      cni.fail(100, ("plumb-ipam: no free address in range set %d (%s)"):format(n - 1,
        table.concat(subnets, ", ")), last and tostring(last) or nil)
    end
  end
  return res
end

--- plumb-ipam's DEL: what the container holds is released (nothing held: fine).
function M.plumb_del(ctx)
  local p = plan(ctx)
  for _, set in ipairs(p.sets) do
    for _, r in ipairs(set) do
      local ok, err = pipam.release(popts(p, r))
      if not ok then cni.fail(5, "plumb-ipam: " .. tostring(err)) end
    end
  end
  return true
end

--- plumb-ipam's CHECK: the container holds an address in every range set.
function M.plumb_check(ctx)
  local p = plan(ctx)
  for n, set in ipairs(p.sets) do
    local held
    for _, r in ipairs(set) do held = held or pipam.lookup(popts(p, r)) end
    if not held then
      cni.fail(999, ("plumb-ipam: %s holds no address in range set %d"):format(p.key, n - 1))
    end
  end
  return true
end

--- plumb-ipam's GC: every allocation whose owner is not in `cni.dev/valid-attachments`
-- (`{ containerID, ifname }` each) is released.
function M.plumb_gc(ctx)
  local p = plan(ctx)
  local valid = {}
  local list = ctx.conf["cni.dev/valid-attachments"]
  for _, a in ipairs(type(list) == "table" and list or {}) do
    if type(a) == "table" then valid[tostring(a.containerID) .. "/" .. tostring(a.ifname)] = true end
  end
  for _, set in ipairs(p.sets) do
    for _, r in ipairs(set) do
      for _, key in pairs(pipam.allocations(popts(p, r))) do
        if not valid[key] then
          local ok, err = pipam.release(popts(p, r, key))
          if not ok then cni.fail(5, "plumb-ipam: " .. tostring(err)) end
        end
      end
    end
  end
  return true
end

--- plumb-ipam's STATUS: the configuration is valid and its data directory usable (else 50).
function M.plumb_status(ctx)
  local p = plan(ctx)
  local core = require "plumb.core"
  local ok, err = core.fs_mkdir(p.dir, 448)
  if not ok then cni.fail(50, ("plumb-ipam: data directory %s unusable"):format(p.dir), tostring(err)) end
  return true
end

--- The verbs of the plumb-ipam plugin (what `plumb.cni.main("ipam")` runs).
M.plugin = { add = M.plumb_add, del = M.plumb_del, check = M.plumb_check, gc = M.plumb_gc,
  status = M.plumb_status }

return M
