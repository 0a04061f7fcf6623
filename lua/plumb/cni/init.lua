--- plumb.cni: the CNI protocol, for the plugin executables `plumb-bridge`, `plumb-ipvlan`,
-- `plumb-macvlan`, `plumb-ptp` and `plumb-ipam` (scripts/plumb-cni runs `main`).
--
-- A runtime (containerd, CRI-O, podman, libcni) runs a plugin with the `CNI_*` environment
-- (`CNI_COMMAND`, `CNI_CONTAINERID`, `CNI_NETNS`, `CNI_IFNAME`, `CNI_ARGS`, `CNI_PATH`) and the
-- network configuration as JSON on stdin; the plugin prints a result (ADD), nothing (DEL,
-- CHECK, STATUS, GC) or its versions (VERSION) on stdout and exits 0, or prints an error
-- `{ cniVersion, code, msg, details }` and exits 1. Specification versions 1.1.0, 1.0.0, 0.4.0
-- and 0.3.x are accepted (STATUS and GC from 1.1.0 on). Each plugin type is a module
-- `plumb.cni.TYPE` (bridge, ipvlan, macvlan, ptp, ipam) whose verbs build on the recipes.
--
-- Well-known error codes: 1 incompatible version, 2 unsupported field, 3 unknown container,
-- 4 invalid environment, 5 I/O, 6 decoding, 7 invalid configuration, 11 try again later,
-- 50 plugin not available, 51 not available and existing containers limited; 999 anything
-- else (the reference plugins' "internal" code), 100 and up plugin-specific.
-- @module plumb.cni
local M = {}

--- The versions of the specification the plugins speak.
M.versions = { "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0" }

--- The newest of them.
M.latest = "1.1.0"

-- ---------------------------------------------------------------------------------------
-- JSON (dkjson: pure Lua, always there; integers stay integers)

local json
local function J()
  json = json or require "dkjson"
  return json
end

--- Encode `v` as JSON (tables with `n = 0` or empty arrays as `[]`, `json_object` ones as `{}`).
-- @param v
-- @treturn string
function M.encode(v) return J().encode(v) end

--- Decode JSON text `s`: the value, or nil and a message.
-- @tparam string s
function M.decode(s)
  local ok, v, _, err = pcall(J().decode, s, 1, J().null)
  if not ok then return nil, tostring(v) end
  if err then return nil, err end
  return v
end

--- An empty JSON object (dkjson encodes empty tables as arrays otherwise).
function M.object(t) return setmetatable(t or {}, { __jsontype = "object" }) end

--- A JSON array.
function M.array(t) return setmetatable(t or {}, { __jsontype = "array" }) end

-- ---------------------------------------------------------------------------------------
-- errors

local Err = {}
Err.__index = Err
Err.__tostring = function(e) return ("CNI error %d: %s%s"):format(e.code, e.msg,
  e.details and e.details ~= "" and (": " .. e.details) or "") end

--- Raise a CNI error: the plugin prints `{ cniVersion, code, msg, details }` and exits 1.
-- @tparam int code a well-known code (1-7, 11, 50, 51), 999 or a plugin's own (100 and up)
-- @tparam string msg
-- @tparam[opt] string details
function M.fail(code, msg, details)
  error(setmetatable({ code = code, msg = msg, details = details }, Err), 0)
end

--- Whether `e` is an error raised by `fail`.
function M.is_error(e) return getmetatable(e) == Err end

-- ---------------------------------------------------------------------------------------
-- versions

local function vnum(v)
  local a, b, c = tostring(v):match("^(%d+)%.(%d+)%.(%d+)$")
  if not a then return nil end
  return tonumber(a) * 10000 + tonumber(b) * 100 + tonumber(c)
end

--- Whether version `v` is at least `w` ("1.0.0" >= "0.4.0").
-- @tparam string v
-- @tparam string w
-- @treturn boolean
function M.at_least(v, w) return (vnum(v) or 0) >= vnum(w) end

local function supported(v)
  for _, s in ipairs(M.versions) do if s == v then return true end end
  return false
end

local function version_list()
  local q = {}
  for _, s in ipairs(M.versions) do q[#q + 1] = ("%q"):format(s) end
  return "[" .. table.concat(q, " ") .. "]"
end

-- ---------------------------------------------------------------------------------------
-- results

local function copy(t)
  if type(t) ~= "table" then return t end
  local c = {}
  for k, v in pairs(t) do c[k] = copy(v) end
  return setmetatable(c, getmetatable(t))
end

--- Convert a result (any accepted version's shape) to version `v`'s: from 1.0.0 on an IP has
-- no `version`; before, it has one ("4" or "6").
-- @tparam table r
-- @tparam string v
-- @treturn table a copy
function M.convert(r, v)
  local out = copy(r)
  out.cniVersion = v
  -- empty lists are left out, as the reference plugins' results leave them (omitempty)
  for _, k in ipairs{ "interfaces", "ips", "routes" } do
    if type(out[k]) == "table" and next(out[k]) == nil then out[k] = nil end
  end
  for _, ip in ipairs(out.ips or {}) do
    if M.at_least(v, "1.0.0") then
      ip.version = nil
    else
      ip.version = tostring(ip.address):find(":", 1, true) and "6" or "4"
    end
  end
  return out
end

-- A result printed in the order the reference plugins print it.
local ORDER = { "cniVersion", "code", "msg", "details", "supportedVersions", "interfaces", "ips",
  "routes", "dns", "name", "mac", "mtu", "sandbox", "socketPath", "pciID", "version", "address",
  "gateway", "interface", "dst", "gw", "priority", "table", "scope", "nameservers", "domain",
  "search", "options" }

local function print_json(v)
  io.stdout:write(J().encode(v, { keyorder = ORDER, indent = false }), "\n")
  io.stdout:flush()
end

-- ---------------------------------------------------------------------------------------
-- the environment

--- Parse `CNI_ARGS` ("K1=V1;K2=V2") into a table.
-- @tparam[opt] string s
-- @treturn table
function M.parse_args(s)
  local t = {}
  for pair in tostring(s or ""):gmatch("[^;]+") do
    local k, v = pair:match("^([^=]+)=(.*)$")
    if not k then M.fail(4, "CNI_ARGS: invalid argument " .. ("%q"):format(pair), "expected KEY=VALUE pairs separated by ;") end
    t[k] = v
  end
  return t
end

local NEEDS = {
  ADD = { "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH" },
  CHECK = { "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH" },
  DEL = { "CNI_CONTAINERID", "CNI_IFNAME" },
  GC = { "CNI_PATH" },
  STATUS = { "CNI_PATH" },
  VERSION = {},
}

--- Read and check the `CNI_*` environment (`getenv`: os.getenv or a table lookup, for tests).
-- Raises code 4 naming what is missing or wrong.
-- @tparam[opt] function getenv
-- @treturn table `{ command, containerid, netns, ifname, args, path }` (path: a list)
function M.env(getenv)
  getenv = getenv or os.getenv
  local cmd = getenv("CNI_COMMAND")
  if not cmd or cmd == "" then M.fail(4, "required env variables [CNI_COMMAND] missing") end
  local need = NEEDS[cmd]
  if not need then M.fail(4, "unknown CNI_COMMAND: " .. cmd) end
  local missing = {}
  for _, k in ipairs(need) do
    if (getenv(k) or "") == "" then missing[#missing + 1] = k end
  end
  if #missing > 0 then
    M.fail(4, ("required env variables [%s] missing"):format(table.concat(missing, " ")))
  end
  -- Set and empty is the same as unset (runtimes pass CNI_CONTAINERID, CNI_IFNAME and
  -- CNI_NETNS empty for VERSION, STATUS and GC, as libcni and podman do)
  local function var(k)
    local v = getenv(k)
    if v == "" then return nil end
    return v
  end
  local e = { command = cmd, containerid = var("CNI_CONTAINERID"), netns = var("CNI_NETNS"),
    ifname = var("CNI_IFNAME"), path = {} }
  if e.ifname and #e.ifname > 15 then
    M.fail(4, ("CNI_IFNAME: interface name %q is too long (%d bytes, at most 15)"):format(e.ifname, #e.ifname))
  end
  if e.ifname and (e.ifname == "." or e.ifname == ".." or e.ifname:find("[/%s:]")) then
    M.fail(4, ("CNI_IFNAME: invalid interface name %q"):format(e.ifname))
  end
  if e.containerid and not e.containerid:match("^[%w][%w_.%-]*$") then
    M.fail(4, ("CNI_CONTAINERID: invalid characters in container ID %q"):format(e.containerid))
  end
  for d in (getenv("CNI_PATH") or ""):gmatch("[^:]+") do e.path[#e.path + 1] = d end
  e.args = M.parse_args(getenv("CNI_ARGS"))
  return e
end

-- ---------------------------------------------------------------------------------------
-- the configuration

-- Keys every plugin's configuration may carry (the spec's and those runtimes add).
local COMMON = { cniVersion = true, name = true, type = true, ipam = true, dns = true,
  args = true, runtimeConfig = true, capabilities = true, prevResult = true,
  cniVersions = true, disableCheck = true, disableGC = true, ["cni.dev/valid-attachments"] = true }

--- Check the plugin's own keys of `conf` against `keys` (name -> "string" | "boolean" |
-- "integer" | "table" | a function(value) returning an error text or nil). An unknown key is
-- code 7 naming it; a value of the wrong type is code 7 naming key and type.
-- @tparam table conf
-- @tparam table keys
-- @tparam string plugin its type, for messages
function M.check_keys(conf, keys, plugin)
  local names = {}
  for k in pairs(conf) do names[#names + 1] = tostring(k) end
  table.sort(names)
  for _, k in ipairs(names) do
    local v = conf[k]
    local want = keys[k]
    if not COMMON[k] and want == nil then
      M.fail(7, ("%s: unknown key %q in the network configuration"):format(plugin, k))
    end
    if want then
      local bad
      if type(want) == "function" then
        bad = want(v)
      elseif want == "integer" then
        if math.type(v) ~= "integer" and not (math.type(v) == "float" and math.tointeger(v)) then
          bad = "expected an integer"
        end
      elseif type(v) ~= want then
        bad = "expected a" .. (want == "integer" and "n " or " ") .. want
      end
      if bad then
        M.fail(7, ("%s: key %q: %s, got %s"):format(plugin, k, bad, J().encode(v)))
      end
    end
  end
end

--- Raise code 2 for key `k` of `conf` when `cond` holds: a key the plugin cannot honour yet.
-- @tparam table conf
-- @tparam string k
-- @tparam boolean cond
-- @tparam string why
-- @tparam string plugin
function M.unsupported(conf, k, cond, why, plugin)
  if cond then
    M.fail(2, ("%s: %q is %s: %s"):format(plugin, k, J().encode(conf[k]), why))
  end
end

-- ---------------------------------------------------------------------------------------
-- what the interface plugins share

--- The netns of `ctx` must exist (ADD and CHECK): else code 3, nothing changed.
-- @tparam table ctx
function M.need_netns(ctx)
  local f, err = io.open(ctx.netns, "r")
  if not f then M.fail(3, ("failed to open netns %q"):format(ctx.netns), err) end
  f:close()
  if ctx.command == "ADD" then
    local plumb = require "plumb"
    local h <close> = plumb.open{ netns = ctx.netns }
    if not h then M.fail(3, ("failed to open netns %q"):format(ctx.netns)) end
    if h:link_get(ctx.ifname) then
      M.fail(999, ("container interface %s already exists in %s"):format(ctx.ifname, ctx.netns))
    end
  end
end

--- Whether the netns of `ctx` is given and still exists (DEL).
function M.netns_there(ctx)
  if not ctx.netns then return false end
  local f = io.open(ctx.netns, "r")
  if f then f:close() return true end
  return false
end

--- The host end of a container's veth: "veth" and 8 hex digits, as the reference plugins
-- name it (theirs are random; these come from the container ID and interface name, so DEL
-- finds the same device again).
function M.host_ifname(ctx, prefix)
  if not ctx.containerid or not ctx.ifname then return nil end
  local tx = require "plumb.recipes._tx"
  return tx.host_ifname(ctx.containerid, ctx.ifname, prefix)
end

--- The family of an address or prefix: "inet6" when it has a colon, else "inet".
-- @tparam string a
-- @treturn string
function M.family(a) return tostring(a):find(":", 1, true) and "inet6" or "inet" end
local fam_of = M.family

--- The IPv4 and IPv6 configurations of an IPAM result (at most one of each: more is code 2).
-- @tparam table r
-- @tparam string plugin
-- @treturn table|nil the IPv4 `{ address, gateway }`
-- @treturn table|nil the IPv6 one
function M.split_ips(r, plugin)
  local v4, v6
  for _, ip in ipairs(r.ips or {}) do
    if type(ip) ~= "table" or type(ip.address) ~= "string" or not ip.address:match("/%d+$") then
      M.fail(999, plugin .. ": IPAM result: invalid ip " .. M.encode(ip))
    end
    if fam_of(ip.address) == "inet" then
      if v4 then M.fail(2, plugin .. ": more than one IPv4 address per interface is not supported") end
      v4 = ip
    else
      if v6 then M.fail(2, plugin .. ": more than one IPv6 address per interface is not supported") end
      v6 = ip
    end
  end
  return v4, v6
end

--- The network address of "10.88.0.5/16" plus one ("10.88.0.1"): the gateway the reference
-- plugins pick when IPAM names none.
function M.first_of(cidr)
  local ipam = require "plumb.ipam"
  local fam, hi, lo = ipam.parse(cidr:match("^(.-)/"))
  local len = tonumber(cidr:match("/(%d+)$"))
  local bits = fam == "inet" and 32 or 128
  local host = bits - len
  if fam == "inet" then
    lo = (lo >> host << host) + 1
  elseif host >= 64 then
    hi = host == 128 and 0 or (hi >> (host - 64) << (host - 64))
    lo = 1
  else
    lo = (lo >> host << host) + 1
  end
  return ipam.format(fam, hi, lo)
end

--- Result routes as the recipes' `routes` option ("DST" or "DST via GW"); a route without
-- `gw` goes via the gateway of its family when there is one (as ipam.ConfigureIface does).
-- @tparam {table,...} routes `{ dst, gw }` each
-- @tparam table gws family -> gateway
-- @treturn {string,...}
function M.recipe_routes(routes, gws)
  local out = {}
  for i, r in ipairs(routes or {}) do
    if type(r) ~= "table" or type(r.dst) ~= "string" then
      M.fail(7, ("routes[%d]: expected { \"dst\": PREFIX, \"gw\": ADDRESS }"):format(i - 1))
    end
    local dst = r.dst
    local fam = fam_of(dst)
    if dst == "0.0.0.0/0" or dst == "::/0" then dst = "default" end
    local gw = r.gw or gws[fam]
    out[#out + 1] = gw and (dst .. " via " .. gw) or dst
  end
  return out
end

--- The MAC asked for the container's interface: `runtimeConfig.mac`, `args.cni.mac` or
-- `MAC` in CNI_ARGS (the reference bridge's order of precedence).
function M.mac_of(ctx)
  local c = ctx.conf
  local rc = type(c.runtimeConfig) == "table" and c.runtimeConfig.mac
  local ac = type(c.args) == "table" and type(c.args.cni) == "table" and c.args.cni.mac
  local m = (rc ~= "" and rc) or (ac ~= "" and ac) or ctx.args.MAC
  if m ~= nil and (type(m) ~= "string" or not m:match("^%x%x:%x%x:%x%x:%x%x:%x%x:%x%x$")) then
    M.fail(7, "invalid MAC address " .. M.encode(m))
  end
  return m and m:lower() or nil
end

--- An ADD's result: the recipe's `interfaces`, the IPAM result's `ips` (each naming
-- interface `iface`, 0-based) and `routes`, its DNS unless the configuration has its own,
-- behind the previous plugin's result when chained.
-- @tparam table ctx
-- @tparam table made what the recipe's `up` returned
-- @tparam table r the IPAM plugin's result
-- @tparam table routes the routes to report
-- @tparam integer iface
-- @treturn table
function M.add_result(ctx, made, r, routes, iface)
  for _, ip in ipairs(r.ips) do ip.interface = iface end
  local dns = r.dns
  local cd = ctx.conf.dns
  if type(cd) == "table" and next(cd) ~= nil then dns = cd end
  return M.merge_prev(ctx, { interfaces = made.interfaces, ips = r.ips, routes = routes,
    dns = M.object(dns or {}) })
end

--- Put the previous plugin's result (`prevResult`, when chained) in front of `r`: its
-- interfaces first (the indexes of `r`'s IPs moved along), its IPs, routes and DNS too.
-- @tparam table ctx
-- @tparam table r
-- @treturn table r
function M.merge_prev(ctx, r)
  local prev = ctx.conf.prevResult
  if type(prev) ~= "table" then return r end
  local ifs, ips, routes = {}, {}, {}
  for _, x in ipairs(prev.interfaces or {}) do ifs[#ifs + 1] = x end
  local off = #ifs
  for _, x in ipairs(r.interfaces) do ifs[#ifs + 1] = x end
  for _, x in ipairs(prev.ips or {}) do ips[#ips + 1] = x end
  for _, x in ipairs(r.ips) do
    if x.interface then x.interface = x.interface + off end
    ips[#ips + 1] = x
  end
  for _, x in ipairs(prev.routes or {}) do routes[#routes + 1] = x end
  for _, x in ipairs(r.routes) do routes[#routes + 1] = x end
  r.interfaces, r.ips, r.routes = ifs, ips, routes
  if type(prev.dns) == "table" and next(r.dns or {}) == nil then r.dns = prev.dns end
  return r
end

--- The IPs and routes of `prevResult` that belong to the container's interface (CHECK).
-- @tparam table ctx
-- @treturn table `{ ips, routes, interfaces }`
function M.prev(ctx)
  local prev = ctx.conf.prevResult
  if type(prev) ~= "table" then M.fail(7, "Required prevResult missing") end
  local mine
  for i, x in ipairs(prev.interfaces or {}) do
    if type(x) == "table" and x.name == ctx.ifname and x.sandbox == ctx.netns then mine = i - 1 end
  end
  local ips = {}
  for _, x in ipairs(prev.ips or {}) do
    if type(x) == "table" and (x.interface == nil or x.interface == mine) then ips[#ips + 1] = x end
  end
  return { ips = ips, routes = prev.routes or {}, interfaces = prev.interfaces or {}, index = mine }
end

--- Write sysctl `key` ("net/ipv6/conf/eth0/accept_dad") = `value` in namespace `ns` (nil:
-- the current one), ignoring failures as the reference plugins do.
function M.sysctl(ns, key, value)
  local function go()
    local f = io.open("/proc/sys/" .. key, "w")
    if f then f:write(value) f:close() end
    return true
  end
  if ns then
    local plumb = require "plumb"
    pcall(plumb.netns.run, ns, go)
  else
    go()
  end
end

--- Raise the failure of a recipe verb (nil, message) as a CNI error 999 naming the plugin.
function M.check_recipe(plugin, ok, err)
  if ok then return ok end
  if type(err) == "table" then err = table.concat(err, "; ") end
  M.fail(999, ("%s: %s"):format(plugin, tostring(err)))
end

-- ---------------------------------------------------------------------------------------
-- main

local function read_stdin()
  local s = io.stdin:read("a")
  if not s then M.fail(5, "cannot read the network configuration from stdin") end
  return s
end

local function load_conf(raw, cmd)
  local conf, err = M.decode(raw)
  if conf == nil then M.fail(6, "failed to decode the network configuration", err) end
  if type(conf) ~= "table" then M.fail(6, "failed to decode the network configuration", "not a JSON object") end
  local v = conf.cniVersion
  if v == nil or v == "" then v = "0.1.0" end
  if type(v) ~= "string" then M.fail(7, "cniVersion: expected a string") end
  if cmd ~= "VERSION" and not supported(v) then
    M.fail(1, "incompatible CNI versions", ("config is %q, plugin supports %s"):format(v, version_list()))
  end
  if (cmd == "STATUS" or cmd == "GC") and not M.at_least(v, "1.1.0") then
    M.fail(1, ("config version does not allow %s"):format(cmd))
  end
  if cmd ~= "VERSION" and cmd ~= "STATUS" and cmd ~= "GC" and (type(conf.name) ~= "string" or conf.name == "") then
    M.fail(7, "missing network name")
  end
  return conf, v
end

--- Run plugin `plugin` (a type: "bridge", "ipvlan", "macvlan", "ptp", "ipam") as a runtime
-- calls it: read the environment and stdin, do the command, print the result or the error.
-- The module `plumb.cni.<plugin>` has `add(ctx)`, `del(ctx)`, `check(ctx)`, and optionally
-- `status(ctx)` and `gc(ctx)`, each given `ctx = { env..., conf, raw, version, name }`.
-- @tparam string plugin
-- @treturn int the exit status (0 or 1)
function M.main(plugin)
  local version = M.latest
  local ok, err = xpcall(function()
    local env = M.env()
    local raw = read_stdin()
    if env.command == "VERSION" then
      local conf = M.decode(raw)
      if type(conf) == "table" and type(conf.cniVersion) == "string" then version = conf.cniVersion end
      print_json{ cniVersion = version, supportedVersions = M.versions }
      return
    end
    local conf, v = load_conf(raw, env.command)
    version = supported(v) and v or M.latest
    local mod = require("plumb.cni." .. plugin)
    if plugin == "ipam" then mod = mod.plugin end
    local ctx = env
    ctx.conf, ctx.raw, ctx.version, ctx.name = conf, raw, v, "plumb-" .. plugin
    ctx.conf_version = v
    local fn = mod[env.command:lower()]
    if env.command == "STATUS" or env.command == "GC" then
      if fn then fn(ctx) end
      return
    end
    local r = fn(ctx)
    if env.command == "ADD" then print_json(M.convert(r, v)) end
  end, function(e)
    if M.is_error(e) then return e end
    return { code = 999, msg = tostring(e), trace = debug.traceback("", 2) }
  end)
  if ok then return 0 end
  local out = { cniVersion = version, code = err.code, msg = err.msg }
  if err.details and err.details ~= "" then out.details = err.details end
  print_json(out)
  if err.trace and os.getenv("PLUMB_CNI_DEBUG") then io.stderr:write(err.msg, err.trace, "\n") end
  return 1
end

return M
