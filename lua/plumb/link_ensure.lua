--- link_ensure: make a live link match a description (DESIGN.md "Idempotent verbs").
--
--     h:link_ensure{ name = "br0", kind = "bridge", up = true, bridge = { stp = false } }
--       --> "created" | "changed", { "bridge.stp", "up" } | "unchanged"
--
-- One `link_get` tells what exists. An absent link is created (`link_add`); an existing one
-- of the same kind gets the named fields that differ (`link_set`), and nothing else; a link
-- that cannot be made to match (another kind, another veth peer, another parent, or a
-- kind option the kernel fixes at creation) is refused before anything is touched.
-- Option names and record names come from the core's descriptor tables
-- (`plumb.core.link_fields`), so the two cannot drift apart.
-- @module plumb.link_ensure
local core = require "plumb.core"
local M = core.handle_methods   -- called as M.link_get(h, ...): a bad self is named as such

local EEXIST, ENODEV = 17, 19

-- Descriptor tables are constant: read each once.
local cache = {}
local function fields(what)
  local f = cache[what]
  if not f then
    f = core.link_fields(what)
    cache[what] = f
  end
  return f
end

local port_keys = core.port_keys()   -- { bridge_port = "bridge", ... }
local known_kinds = {}
for _, k in ipairs(core.kinds()) do known_kinds[k] = true end

-- Misuse: raised from validate() with no position, then again at the caller's.
local function fail(fmt, ...)
  error("link_ensure: " .. fmt:format(...), 0)
end

local function checkkeys(t, allowed, where)
  for k in pairs(t) do
    if type(k) ~= "string" or not allowed[k] then
      fail("%sunknown option %q", where, tostring(k))
    end
  end
end

local function a(kind)
  return (kind:match("^[aeiou]") and "an " or "a ") .. kind
end

-- "2:0:0:0:0:A" -> "02:00:00:00:00:0a", as records print MACs
local function mac_norm(s)
  local out = {}
  for byte in s:gmatch("[^:]+") do
    local n = tonumber(byte, 16)
    if not n then return s end
    out[#out + 1] = ("%02x"):format(n)
  end
  return table.concat(out, ":")
end

-- Whether option value `want` (input form) is what the record holds (`got`, ip -j form).
local function same(info, want, got)
  if info.enum then
    for n, v in pairs(info.enum) do
      if want == v then want = n end
      if got == v then got = n end
    end
  end
  if type(want) == "boolean" then
    if type(got) == "number" then return (got ~= 0) == want end
    if got == nil then return want == false and info.type == "flag" end
    return got == want
  end
  if math.type(want) == "integer" then
    if type(got) == "boolean" then return (want ~= 0) == got end
    if type(got) == "string" and info.strnum then return tonumber(got) == want end
    return got == want
  end
  if type(want) == "string" then
    if got == nil then return want == "" end
    if type(got) ~= "string" then return false end
    if info.type == "mac" then return mac_norm(want) == mac_norm(got) end
    if info.type == "ip" or info.type == "ipv4" then return want:lower() == got:lower() end
    return want == got
  end
  return false
end

-- A device given by name or ifindex, as the name a record shows.
local function devname(h, v)
  if math.type(v) == "integer" then return M.ifname(h, v) end
  return v
end

-- What an ENUMKEY option reads as in a record: the name whose key is true.
local function enumkey_value(info, data)
  for n in pairs(info.enum or {}) do
    if data[n] == true then return n end
  end
end

local function show(v)
  return type(v) == "string" and ("%q"):format(v) or tostring(v)
end

-- Compare the options of `want` (a table of `what`'s options) with record table `data`;
-- puts the differing ones in `change`, names in `changed`; returns a refusal message when
-- one that differs is fixed at creation.
local function compare(h, what, prefix, want, data, change, changed)
  local f = fields(what)
  for k, v in pairs(want) do
    local info = f[k]
    local got
    if info.enumkey then
      got = enumkey_value(info, data)
    else
      got = data[info.out]
    end
    if info.type == "ifindex" then v = devname(h, v) end
    if not same(info, v, got) then
      if info.fixed then
        return ("%s%s is %s, not %s (set at creation only)"):format(prefix, k, show(got), show(v))
      end
      change[k] = want[k]
      changed[#changed + 1] = prefix .. k
    end
  end
end

local function has_flag(rec, flag)
  for _, f in ipairs(rec.flags or {}) do
    if f == flag then return true end
  end
  return false
end

-- The veth peer: the same one as `peer` names, or a refusal message.
local function check_peer(rec, peer)
  if peer.name == nil and peer.netns == nil then return nil end
  if peer.netns == nil then
    if rec.link_netnsid ~= nil then return "peer is in another namespace" end
    if peer.name ~= nil and rec.link ~= peer.name then
      return ("peer is %s, not %s"):format(show(rec.link), show(peer.name))
    end
    return nil
  end
  if rec.link_netnsid == nil then
    return ("peer %s is in this namespace, not in %s"):format(show(rec.link), show(peer.netns))
  end
  local ns = peer.netns
  if type(ns) == "table" then ns = ns.pid end
  local ph, err = core.open(ns)
  if not ph then return ("peer namespace %s: %s"):format(show(peer.netns), err) end
  local prec = peer.name and ph:link_get(peer.name)
  ph:close()
  if not peer.name then return nil end
  if not prec or prec.link_index ~= rec.ifindex or rec.link_index ~= prec.ifindex then
    return ("peer is not %s in %s"):format(show(peer.name), show(peer.netns))
  end
end

local special = { kind = true, up = true, nomaster = true }

local function validate(opts)
  if type(opts) ~= "table" then fail("expected an option table, got %s", type(opts)) end
  local name, kind = opts.name, opts.kind
  if type(name) ~= "string" then fail("name: expected an interface name, got %s", type(name)) end
  if type(kind) ~= "string" then fail("kind: expected a link kind name, got %s", type(kind)) end
  if not known_kinds[kind] then fail("kind: unknown link kind %q", kind) end
  if opts.netns ~= nil then
    fail("netns: not supported (open a handle in that namespace and ensure the link there)")
  end
  local allowed = {}
  for k in pairs(fields("link")) do allowed[k] = true end
  for k in pairs(special) do allowed[k] = true end
  for k in pairs(port_keys) do allowed[k] = true end
  allowed[kind] = true
  if kind == "veth" then allowed.peer = true end
  checkkeys(opts, allowed, "")
  if opts[kind] ~= nil then
    if type(opts[kind]) ~= "table" then fail("%s: expected a table of %s options", kind, kind) end
    checkkeys(opts[kind], fields(kind), kind .. ": ")
  end
  local ports = 0
  for pk in pairs(port_keys) do
    if opts[pk] ~= nil then
      if type(opts[pk]) ~= "table" then fail("%s: expected a table", pk) end
      checkkeys(opts[pk], fields(pk), pk .. ": ")
      ports = ports + 1
    end
  end
  if ports > 1 then fail("give the options of one kind of port (a port has one master)") end
  if opts.peer ~= nil then
    if type(opts.peer) ~= "table" then fail("peer: expected a table") end
    local pa = { up = true, netns = true }
    for k in pairs(fields("link")) do pa[k] = true end
    checkkeys(opts.peer, pa, "peer: ")
  end
end

local function create(h, opts)
  local add, port = {}, nil
  for k, v in pairs(opts) do
    if port_keys[k] then
      port = { [k] = v }
    elseif k ~= "nomaster" then   -- a new link has no master unless given one
      add[k] = v
    end
  end
  local ok, err, code = M.link_add(h, add)
  if not ok then return nil, err, code end
  if port then
    ok, err, code = M.link_set(h, opts.name, port)
    if not ok then
      M.link_del(h, opts.name)   -- as it was: absent
      return nil, err, code
    end
  end
  return "created"
end

--- Make link `opts.name` match `opts`: create it, change the fields named that differ, or
-- leave it.
-- Takes what `link_add` takes (but `netns`), plus `nomaster` and port options such as
-- `bridge_port = { hairpin = true }`. A veth's `peer` is checked (its name and namespace),
-- not changed.
-- @tparam table opts `{ name =, kind =, up =, mtu =, master =, [kind] = {...}, ... }`
-- @treturn string "created", "changed" or "unchanged"
-- @treturn[opt] {string,...} with "changed": the fields changed, sorted ("bridge.stp", "mtu")
-- @return[2] nil, message, errno (EEXIST when the link exists and cannot be made to match)
local function ensure(h, opts)
  validate(opts)
  local name, kind = opts.name, opts.kind
  local rec, err, code = M.link_get(h, name)
  if not rec then
    if code ~= ENODEV then return nil, err, code end
    return create(h, opts)
  end

  local function refuse(why)
    return nil, ("link_ensure %s: %s"):format(name, why), EEXIST
  end
  local info = rec.linkinfo or {}
  if info.info_kind ~= kind then
    if info.info_kind == nil then
      return refuse(("exists and is not %s (a device of no kind: physical or loopback)")
        :format(a(kind)))
    end
    return refuse(("exists as %s, not %s"):format(a(info.info_kind), a(kind)))
  end
  if opts.peer ~= nil then
    local why = check_peer(rec, opts.peer)
    if why then return refuse(why) end
  end
  if opts.link ~= nil then
    local want = devname(h, opts.link)
    if want == nil or rec.link ~= want then
      return refuse(("link is %s, not %s (set at creation only)")
        :format(show(rec.link or rec.link_index), show(opts.link)))
    end
  end

  local change, changed = {}, {}
  local common = {}
  for k, v in pairs(opts) do
    if k ~= "name" and k ~= "link" and fields("link")[k] then common[k] = v end
  end
  local why = compare(h, "link", "", common, rec, change, changed)
  if why then return refuse(why) end
  if opts.up ~= nil and has_flag(rec, "UP") ~= opts.up then
    change.up = opts.up
    changed[#changed + 1] = "up"
  end
  if opts.nomaster == true and rec.master ~= nil then
    change.nomaster = true
    changed[#changed + 1] = "nomaster"
  end
  if opts[kind] ~= nil then
    local sub = {}
    why = compare(h, kind, kind .. ".", opts[kind], info.info_data or {}, sub, changed)
    if why then return refuse(why) end
    if next(sub) then change[kind] = sub end
  end
  for pk, master_kind in pairs(port_keys) do
    if opts[pk] ~= nil then
      local sub = {}
      -- a port moving to another master starts from that master's defaults
      local data = info.info_slave_kind == master_kind and change.master == nil and
        info.info_slave_data or {}
      why = compare(h, pk, pk .. ".", opts[pk], data, sub, changed)
      if why then return refuse(why) end
      if next(sub) then change[pk] = sub end
    end
  end

  if next(change) == nil then return "unchanged" end
  local ok
  ok, err, code = M.link_set(h, name, change)
  if not ok then return nil, err, code end
  table.sort(changed)
  return "changed", changed
end

-- Messages of the methods link_ensure calls, renamed: "link_add br0: ..." -> "link_ensure
-- br0: ...", "link_set: mtu: ..." -> "link_ensure: mtu: ...".
local function rename(msg)
  if type(msg) ~= "string" then return msg end
  -- a method raising when called from this file carries this file's position: dropped
  msg = msg:gsub("^[^\n]-link_ensure%.lua:%d+: (link_%a+)", "%1", 1)
  return (msg:gsub("^link_%a+", "link_ensure", 1))
end

-- (tail-called by link_ensure: level 2 is link_ensure's caller)
local function result(ok, ...)
  if not ok then error(rename((...)), 2) end
  local r, err, code = ...
  if r == nil and type(err) == "string" then return nil, rename(err), code end
  return ...
end

local function link_ensure(h, opts)
  return result(pcall(ensure, h, opts))
end

return link_ensure
