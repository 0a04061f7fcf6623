--- plumb.route: the idempotent route verb, composed from the C route methods.
-- Loaded by `plumb` (init.lua), which registers what this module returns as handle methods.
-- @module plumb.route

local M = {}

-- The C methods, called as functions so that a `self` that is not a handle is named as such.
local core_methods = require("plumb.core").handle_methods

--- Add a route (like `ip route add`).
-- Keys: `dst` ("default", a prefix, or an address: a host route), `gateway` (or `via`),
-- `dev` (name or ifindex), `prefsrc` (or `src`), `table` (name from rt_tables or number),
-- `metric`, `scope`, `protocol` (or `proto`), `type` ("unicast", "local", "broadcast",
-- "blackhole", "unreachable", "prohibit", "throw", "multicast", ...), `tos`, `onlink`,
-- `pref` (IPv6), `family` ("inet"/"inet6", for "default" without a gateway), the metrics
-- `mtu`, `advmss`, `hoplimit`, `initcwnd`, `initrwnd`, `window`, `cwnd`, `ssthresh`,
-- `reordering`, `rto_min`, `quickack`, and `nexthops = { { gateway =, dev =, weight =,
-- onlink = }, ... }` for a multipath route. Defaults are ip's: table main, protocol boot,
-- scope link for a unicast route without a gateway.
-- @function route_add
-- @tparam table opts
-- @treturn true
-- @return[2] nil, message, errno ("route_add 192.0.2.0/24: Nexthop has invalid gateway", 101)

--- Replace the route with the same key (dst, table, metric, tos), or add it (`ip route replace`).
-- @function route_replace
-- @tparam table opts as for `route_add`
-- @treturn true
-- @return[2] nil, message, errno

--- Add a route beside those with the same key (`ip route append`); for IPv6 this adds
-- nexthops to the existing route.
-- @function route_append
-- @tparam table opts as for `route_add`
-- @treturn true
-- @return[2] nil, message, errno

--- Delete the first route matching the keys given (`ip route del`); type, protocol and
-- scope match anything unless given.
-- @function route_del
-- @tparam table opts as for `route_add`
-- @treturn true
-- @return[2] nil, message, errno (ESRCH when there is no such route)

--- List routes as records shaped like `ip -j route show table all` prints them: `type`
-- (unless unicast), `dst`, `gateway`, `dev`, `table` (unless main), `protocol` (unless boot),
-- `scope` (unless global), `prefsrc`, `metric`, `flags`, `metrics`, `nexthops`, `pref`, ...
-- Options: `table` ("main" by default, "all", a name or a number), `family` ("inet",
-- "inet6"; both by default), `dev`, `protocol` (or `proto`), `type` (the kernel filters by
-- these), and `scope`, `tos`, `metric`, `dst` (an exact prefix, like `ip route show exact`).
-- @function routes
-- @tparam[opt] table opts
-- @treturn {table,...}
-- @return[2] nil, message, errno

--- Iterate over routes without holding them all:
-- `for r in assert(h:each_route{ table = "all" }) do ... end`.
-- Takes the options of `routes` and fails as `routes` does: misuse raises, and a failure the
-- kernel reports at once (no such device, no permission) returns nil, message, errno (the
-- first receive buffer is read before it returns), so a `for` loop wants `assert(...)`.
-- The dump runs on a socket of its own, one receive buffer at a time; a `break` closes it
-- (the fourth value is a to-be-closed object), and the loop body may use the handle.
-- Errors later in the loop (a dump interrupted by a change) are raised.
-- @function each_route
-- @tparam[opt] table opts
-- @return iterator function, nil, nil, closing object
-- @return[2] nil, message, errno ("each_route: No such device", 19)

--- The route the kernel would use for `dst` (`ip route get`), as a record.
-- Options: `from`, `iif`, `oif`, `mark`, `uid`, `tos`, `fibmatch` (the FIB entry itself).
-- @function route_get
-- @tparam string dst an address
-- @tparam[opt] table opts
-- @treturn table
-- @return[2] nil, message, errno ("route_get 203.0.113.9: Network is unreachable", 101)

-- Options that are other names for one field.
local aliases = { via = "gateway", src = "prefsrc", proto = "protocol" }

-- Options that identify the route (its key) rather than describe it.
local keyfields = { dst = true, table = true, metric = true, tos = true, family = true }

-- Options reported under "metrics" = { { mtu = ..., ... } }, as ip prints them.
local metricfields = {
  mtu = true, window = true, ssthresh = true, cwnd = true, advmss = true, reordering = true,
  hoplimit = true, initcwnd = true, rto_min = true, initrwnd = true, quickack = true,
}

local function has_flag(flags, name)
  for _, f in ipairs(flags or {}) do
    if f == name then return true end
  end
  return false
end

--- The value of option `key` as the record `rec` reports it.
local function reported(rec, key)
  if key == "onlink" then return has_flag(rec.flags, "onlink") end
  if metricfields[key] then return rec.metrics and rec.metrics[1] and rec.metrics[1][key] end
  return rec[key]
end

--- Whether the nexthops of `want` (a request as a record; `named` the caller's list) are
-- those of `have`: same count, and each wanted one matches a distinct existing one on the
-- fields that were named.
local function same_nexthops(want, have, named)
  if type(have) ~= "table" or #want ~= #have then return false end
  local used = {}
  for i, w in ipairs(want) do
    local opts, found = named[i], false
    for j, h in ipairs(have) do
      if not used[j] and w.gateway == h.gateway and w.weight == h.weight
        and has_flag(w.flags, "onlink") == has_flag(h.flags, "onlink")
        and (opts.dev == nil or w.dev == h.dev) then
        used[j], found = true, true
        break
      end
    end
    if not found then return false end
  end
  return true
end

--- The option table that recreates record `rec` (key fields from `key`).
local function options_of(rec, key)
  local o = {
    dst = rec.dst, family = key.family, table = key.table, metric = rec.metric,
    tos = key.tos ~= 0 and key.tos or nil, type = rec.type, protocol = rec.protocol,
    scope = rec.scope, prefsrc = rec.prefsrc,
    onlink = has_flag(rec.flags, "onlink") or nil,
  }
  if key.family == "inet6" then o.pref = rec.pref end
  for k, v in pairs(rec.metrics and rec.metrics[1] or {}) do
    if metricfields[k] then o[k] = v end
  end
  if rec.nexthops then
    o.nexthops = {}
    for i, nh in ipairs(rec.nexthops) do
      o.nexthops[i] = { gateway = nh.gateway, dev = nh.dev, weight = nh.weight,
                        onlink = has_flag(nh.flags, "onlink") or nil }
    end
  else
    o.gateway, o.dev = rec.gateway, rec.dev
  end
  return o
end

--- Make a route exist as described: create it when no route has its key (dst, table,
-- metric, tos), leave it when one has every field named, else replace it with the fields
-- named changed and the others kept.
-- Takes the options of `route_add`.
-- @function route_ensure
-- @tparam handle h
-- @tparam table opts as for `route_add`: `{ dst = "default", gateway = "10.88.0.1" }`
-- @treturn string "created" | "changed" | "unchanged"
-- @return[2] nil, message, errno: also when several routes share the key (routes added with
-- `route_append`): which one to change cannot be told, so nothing is changed.
function M.route_ensure(h, opts)
  if type(opts) ~= "table" then
    error("route_ensure: expected an option table, got " .. type(opts), 2)
  end
  -- The request as the kernel would get it, reported as a record: names, addresses and
  -- devices come out in the same form as in the records they are compared with.
  local valid, want, key, code = pcall(core_methods._route_spec, h, opts)
  if not valid then error(want, 2) end   -- raised by C under pcall: no position of its own
  if want == false then error(key, 2) end
  if not want then return nil, key, code end
  local metric = key.metric
  if key.family == "inet6" and (metric == nil or metric == 0) then metric = 1024 end
  local found, err, errno = h:routes{ table = key.table, family = key.family, dst = want.dst,
                                     metric = metric or 0, tos = key.tos }
  if not found then return nil, "route_ensure " .. want.dst .. ": " .. err, errno end
  if #found == 0 then
    local ok, e2, c2 = h:route_add(opts)
    if not ok then return nil, (e2:gsub("^route_add", "route_ensure")), c2 end
    return "created"
  end
  if #found > 1 then
    return nil, ("route_ensure %s: %d routes share its dst, table, metric and tos "
                 .. "(added with route_append): cannot tell which to change"):format(
                   want.dst, #found), 17 -- EEXIST
  end
  local have = found[1]
  local named, differs = {}, false
  for k, v in pairs(opts) do
    k = aliases[k] or k
    named[k] = v
    if not keyfields[k] then
      if k == "nexthops" then
        if not same_nexthops(want.nexthops or {}, have.nexthops, v) then differs = true end
      elseif reported(want, k) ~= reported(have, k) then
        differs = true
      end
    end
  end
  if not differs then return "unchanged" end

  -- Replace: what was not named stays as it is, except what follows from a new path (the
  -- device and scope are the kernel's choice for a new gateway).
  local new = options_of(have, key)
  if named.gateway or named.nexthops or named.type then new.scope = nil end
  if named.gateway or named.nexthops then new.dev = nil end
  if named.gateway or named.dev then new.nexthops = nil end
  if named.nexthops then new.gateway, new.dev = nil, nil end
  for k, v in pairs(named) do new[k] = v end
  local ok, e2, c2 = h:route_replace(new)
  if not ok then return nil, (e2:gsub("^route_replace", "route_ensure")), c2 end
  return "changed"
end

return M
