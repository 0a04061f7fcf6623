--- plumb: Linux container networking from Lua.
-- The C core (`plumb.core`) speaks rtnetlink; this module adds the default handle used by
-- the module-level functions, the `netns` table, and argument checking for the Lua-side API.
-- @module plumb
local core = require "plumb.core"

local plumb = {
  _VERSION = core._VERSION,
  core = core,
}

local methods = core.handle_methods

--- Reject keys of option table `t` that are not in `allowed` (a set), naming `what`.
-- Raw keys only (`next`): a metatable's `__pairs` is not run.
local function checkkeys(t, allowed, what, level)
  for k in next, t do
    if type(k) ~= "string" or not allowed[k] then
      error(("%s: unknown option %q"):format(what, tostring(k)), (level or 2) + 1)
    end
  end
end
plumb._checkkeys = checkkeys

local open_keys = { netns = true }

-- The results of pcall(f, ...) passed on; an error is raised again at the level of whoever
-- called the function that tail-called this one, so that it points at the caller's line (a
-- C function called by pcall adds no position of its own).
local function rethrow(ok, ...)
  if ok then return ... end
  error((...), 2)
end

--- Open a netlink handle.
-- Option tables are read raw, here and in every method: only the table's own fields count,
-- and a metatable (`__index`, `__pairs`) is never consulted.
-- @tparam[opt] table opts `{ netns = "c1" | "/run/netns/c1" | { pid = 1234 } }` (a pid is
-- 1..2^31-1)
-- @treturn handle a handle, closed by `h:close()`, garbage collection or `<close>`
-- @return[2] nil, message, errno
function plumb.open(opts)
  if opts == nil then return core.open() end
  if type(opts) ~= "table" then
    error("open: expected an option table, got " .. type(opts), 2)
  end
  checkkeys(opts, open_keys, "open")
  local ns = rawget(opts, "netns")
  if type(ns) == "table" then
    checkkeys(ns, { pid = true }, "open: netns")
    ns = rawget(ns, "pid")
    if math.type(ns) ~= "integer" then error("open: netns: expected { pid = N }", 2) end
  elseif ns ~= nil and type(ns) ~= "string" then
    error("open: netns: expected a name, a path or { pid = N }", 2)
  end
  return rethrow(pcall(core.open, ns))
end

-- One default handle, for the calling thread's current network namespace: module functions
-- follow the thread into plumb.netns.run(...). Only one is kept, so that a handle never holds
-- a namespace alive after the thread left it.
local default_id, default_h

--- The default handle for the calling thread's current netns.
-- @treturn handle
function plumb.default()
  local id = assert(core.netns_id())
  if id ~= default_id or not default_h then
    if default_h then default_h:close() end
    default_h, default_id = nil, nil
    default_h = assert(core.open())
    default_id = id
  end
  return default_h
end

--- Close the default handle (it is reopened on demand).
function plumb.reset()
  if default_h then default_h:close() end
  default_h, default_id = nil, nil
end

--- Conventions of every handle method (and its module function):
--
-- - Option tables are read raw (only the table's own fields; a metatable is ignored) and
--   checked whole before anything is sent; no Lua code runs while a request is built (a
--   change call creates no Lua value until it is done, so no finalizer can run; listings
--   read a private copy), so nothing the caller's code does can change or free what is
--   being sent. Strings holding a NUL byte are refused.
-- - Misuse raises "function: argument: what is wrong", at the caller's line.
-- - A handle is busy while one of its calls runs: calling it again from a finalizer (`__gc`)
--   in that time raises "handle busy".
-- - In records, a device field (`dev`, `ifname`, `master`, `link`, ...) holds the device's
--   name; for an ifindex that no device has any more (deleted between the dump and the name
--   lookup) it holds "if<N>" ("if7"), as iproute2's `ll_index_to_name` prints it, never a
--   bare number.
-- @section conventions

--- Create a link. See docs/design.md "Links": `{ name =, kind =, mtu =, peer = {...}, ... }`.
-- @function link_add
-- @tparam table opts
-- @treturn true
-- @return[2] nil, message, errno

--- All the handle methods, also as module functions on the default handle:
-- `plumb.links()` is `plumb.default():links()`; errors read the same and point at the
-- caller's line.
local function export(name)
  plumb[name] = function(...)
    local h = plumb.default()
    return rethrow(pcall(methods[name], h, ...))
  end
end

--- Register a Lua-written handle method (and its module-level twin).
-- @tparam string name
-- @tparam function fn called as fn(handle, ...)
function plumb._method(name, fn)
  methods[name] = fn
  export(name)
end

for name in pairs(methods) do
  -- "_name": helpers of the Lua-written methods, not part of the API
  if name ~= "close" and name ~= "fd" and name ~= "batch" and name:sub(1, 1) ~= "_" then
    export(name)
  end
end

--- Batches.
-- @section batch

--- The handle methods that change state, which a batch object has too.
local batch_ops = {
  "link_add", "link_set", "link_del", "link_ensure",
  "addr_add", "addr_replace", "addr_del", "addr_ensure",
  "route_add", "route_replace", "route_append", "route_del", "route_ensure",
  "neigh_add", "neigh_replace", "neigh_del",
  "rule_add", "rule_del",
  "fdb_add", "fdb_append", "fdb_replace", "fdb_del",
  "vlan_add", "vlan_del",
}
plumb._batch_ops = batch_ops

local batch_meta = core._batch_meta
local batch_methods = {}
batch_meta.__index = batch_methods
batch_meta.handle_methods = methods
for _, name in ipairs(batch_ops) do
  -- the call is checked and built now (misuse raises here, at the caller's line), sent later
  batch_methods[name] = function(b, ...)
    return rethrow(pcall(core._batch_call, b, name, ...))
  end
end

--- Run `fn(b)` as one batch on the default handle: see the handle method `batch`.
-- @tparam function fn called with the batch object
-- @return true when every call succeeded
-- @return[2] nil, errors `{ { index =, op =, object =, message =, errno = }, ... }`
function plumb.batch(fn)
  if type(fn) ~= "function" then
    error("batch: fn: expected a function, got " .. type(fn), 2)
  end
  return methods.batch(plumb.default(), fn)
end

--- Network namespaces, as `ip netns` sees them (bind mounts under /run/netns).
-- @section netns
local netns = {}
plumb.netns = netns

--- Create namespace `name` (like `ip netns add`).
-- @tparam string name
-- @treturn true
-- @return[2] nil, message, errno
function netns.add(name) return rethrow(pcall(core.netns_add, name)) end

--- Delete namespace `name` (like `ip netns del`).
-- @tparam string name
-- @treturn true
-- @return[2] nil, message, errno
function netns.del(name) return rethrow(pcall(core.netns_del, name)) end

--- Names of the namespaces under /run/netns, sorted.
-- @treturn {string,...}
function netns.list()
  local l, err, code = core.netns_list()
  if not l then return nil, err, code end
  table.sort(l)
  return l
end

--- Whether namespace `name` exists.
-- @treturn boolean
function netns.exists(name) return rethrow(pcall(core.netns_exists, name)) end

--- Run a command in namespace `ns` (a name, a path or a pid, 1..2^31-1).
-- @tparam string|int ns
-- @tparam {string,...} argv at most 4095 words
-- @return like `os.execute`: true|nil, "exit"|"signal", code
-- @return[2] nil, message, errno when the namespace cannot be opened or entered
-- ("netns.exec c1: setns: Operation not permitted (needs CAP_SYS_ADMIN)", 1)
function netns.exec(ns, argv) return rethrow(pcall(core.netns_exec, ns, argv)) end

--- Call `fn(...)` with the calling thread in namespace `ns`, always switched back.
-- Errors raised by `fn` are raised again once switched back (as they are: not moved to
-- this call's caller).
-- @return what `fn` returns
-- @return[2] nil, message, errno when the namespace cannot be opened or entered
function netns.run(ns, fn, ...)
  -- arguments are checked here so that misuse points at the caller; fn's errors pass as is
  local ok, err = pcall(core.netns_run, ns, nil)
  if not ok and not err:find("^netns%.run: fn: ") then error(err, 2) end
  if type(fn) ~= "function" then
    error("netns.run: fn: expected a function, got " .. type(fn), 2)
  end
  return core.netns_run(ns, fn, ...)
end

--- The identity ("dev:inode") of the calling thread's netns.
function netns.id() return core.netns_id() end

--- Follow changes as events: links, addresses, routes, neighbours, FDB entries, rules and
-- namespace ids, in the `ip -j` schema with `event = "new" | "del"` and `object`, with
-- overrun recovery (see `plumb.monitor` for the methods, keys and guarantees).
--
--     local m <close> = assert(plumb.monitor{ "link", "addr", netns = "c1" })
--     for ev in m:events() do print(ev.event, ev.object, ev.ifname) end
-- @tparam[opt] table opts objects as list items (none: all), `netns`, `rcvbuf` (bytes)
-- @treturn monitor
-- @return[2] nil, message, errno
function plumb.monitor(opts)
  return rethrow(pcall(require("plumb.monitor").open, opts))
end

--- Link kinds this build knows.
function plumb.kinds() return core.kinds() end

-- Lua-written handle methods of each object area.
for name, fn in pairs(require "plumb.route") do plumb._method(name, fn) end
--- Make a link match a description: "created", "changed" or "unchanged".
-- See plumb.link_ensure.
-- @function link_ensure
plumb._method("link_ensure", require "plumb.link_ensure")

return plumb
