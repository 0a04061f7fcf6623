--- plumb.ipam: addresses from a subnet, kept in files so that no two callers (threads,
-- processes, machines sharing the directory) ever get the same one.
--
-- State lives in `state_dir` (option), else `$PLUMB_STATE_DIR`, else /var/lib/plumb: one
-- directory per subnet ("10.88.0.0-16"), holding
--
-- * one file per allocated address, named by it ("10.88.0.2"), holding its owner's key;
-- * one file per owner ("id-c1%2feth0"), holding its address, so the owner finds it again
--   (`up` twice gets the same address);
-- * `last_reserved`, where the next search starts (addresses are handed out round-robin,
--   as CNI's host-local does, so a released one is not reused at once);
-- * `lock`, flocked around every change.
--
-- Every file is replaced atomically (written beside, fsynced, renamed). The owner file is
-- written before the address file and removed after it, so a crash at any point leaves
-- either nothing, or an owner file whose address the next `allocate` by the same key takes
-- again: nothing is lost, and the lock dies with the process.
-- @module plumb.ipam
local core = require "plumb.core"

local M = {}

-- ---------------------------------------------------------------------------------------
-- addresses as { fam, hi, lo } (two unsigned 64-bit halves; IPv4 in lo)

local function parse4(s)
  local a, b, c, d = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  if not a then return nil end
  a, b, c, d = tonumber(a), tonumber(b), tonumber(c), tonumber(d)
  if a > 255 or b > 255 or c > 255 or d > 255 then return nil end
  return ((a * 256 + b) * 256 + c) * 256 + d
end

local function parse6(s)
  if not s:match("^[%x:]+$") or select(2, s:gsub("::", "")) > 1 then return nil end
  local head, tail = s:match("^(.-)::(.*)$")
  local groups = {}
  local function split(part, out)
    if part == "" then return true end
    for g in (part .. ":"):gmatch("([^:]*):") do
      if not g:match("^%x%x?%x?%x?$") then return false end
      out[#out + 1] = tonumber(g, 16)
    end
    return true
  end
  if head then
    local h, t = {}, {}
    if not split(head, h) or not split(tail, t) or #h + #t > 7 then return nil end
    for _, g in ipairs(h) do groups[#groups + 1] = g end
    for _ = 1, 8 - #h - #t do groups[#groups + 1] = 0 end
    for _, g in ipairs(t) do groups[#groups + 1] = g end
  elseif not split(s, groups) or #groups ~= 8 then
    return nil
  end
  local hi, lo = 0, 0
  for i = 1, 4 do hi = (hi << 16) | groups[i] end
  for i = 5, 8 do lo = (lo << 16) | groups[i] end
  return hi, lo
end

--- Parse address `s`: "inet"|"inet6", hi, lo; nil when malformed.
function M.parse(s)
  if type(s) ~= "string" then return nil end
  local v4 = parse4(s)
  if v4 then return "inet", 0, v4 end
  local hi, lo = parse6(s)
  if hi then return "inet6", hi, lo end
end

--- Format an address (IPv6 in RFC 5952 form: lower case, the longest run of zeros as ::).
function M.format(fam, hi, lo)
  if fam == "inet" then
    return ("%d.%d.%d.%d"):format(lo >> 24 & 255, lo >> 16 & 255, lo >> 8 & 255, lo & 255)
  end
  local g = {}
  for i = 3, 0, -1 do g[#g + 1] = hi >> (16 * i) & 0xffff end
  for i = 3, 0, -1 do g[#g + 1] = lo >> (16 * i) & 0xffff end
  local best, bestlen, i = nil, 1, 1
  while i <= 8 do
    if g[i] == 0 then
      local j = i
      while j <= 8 and g[j] == 0 do j = j + 1 end
      if j - i > bestlen then best, bestlen = i, j - i end
      i = j
    else
      i = i + 1
    end
  end
  local parts = {}
  for k = 1, 8 do parts[k] = ("%x"):format(g[k]) end
  if not best then return table.concat(parts, ":") end
  local left = table.concat(parts, ":", 1, best - 1)
  local right = table.concat(parts, ":", best + bestlen, 8)
  return left .. "::" .. right
end

local function lt(ah, al, bh, bl)
  if ah ~= bh then return math.ult(ah, bh) end
  return math.ult(al, bl)
end

local function inc(hi, lo)
  if lo == -1 then return hi + 1, 0 end
  return hi, lo + 1
end

local function dec(hi, lo)
  if lo == 0 then return hi - 1, -1 end
  return hi, lo - 1
end

-- mask of the first `len` bits of a `bits`-bit address, as hi, lo
local function mask(len, bits)
  local function m64(n)
    if n <= 0 then return 0 end
    if n >= 64 then return -1 end
    return ~((1 << (64 - n)) - 1)
  end
  if bits == 32 then return 0, m64(len + 32) & 0xffffffff end
  return m64(len), m64(len - 64)
end

--- Parse "net/len": fam, len, network (hi, lo), last address (hi, lo). Raises naming `who`.
local function subnet_of(who, s)
  local ip, len = tostring(s):match("^([^/]+)/(%d+)$")
  local fam, hi, lo = M.parse(ip)
  len = tonumber(len)
  if not fam or len > (fam == "inet" and 32 or 128) then
    error(("%s: subnet: expected a prefix such as 10.88.0.0/16 or fd00::/64, got %q")
      :format(who, tostring(s)), 4)
  end
  local mh, ml = mask(len, fam == "inet" and 32 or 128)
  local nh, nl = hi & mh, lo & ml
  local lh, ll = nh | ~mh, nl | ~ml
  if fam == "inet" then lh, ll = 0, ll & 0xffffffff end
  return fam, len, nh, nl, lh, ll
end

-- ---------------------------------------------------------------------------------------
-- options

local keys = { subnet = true, key = true, state_dir = true, range_start = true,
  range_end = true, gateway = true }

local function pool(who, opts)
  if type(opts) ~= "table" then error(who .. ": expected an option table", 3) end
  for k, v in pairs(opts) do
    if not keys[k] then error(("%s: unknown option %q"):format(who, tostring(k)), 3) end
    if type(v) ~= "string" then error(("%s: %s: expected a string"):format(who, k), 3) end
  end
  if not opts.subnet then error(who .. ": missing option \"subnet\"", 3) end
  local p = { who = who }
  p.fam, p.len, p.nh, p.nl, p.lh, p.ll = subnet_of(who, opts.subnet)
  -- first and last usable: not the network address, not IPv4's broadcast
  p.sh, p.sl = inc(p.nh, p.nl)
  p.eh, p.el = p.lh, p.ll
  if p.fam == "inet" and p.len < 31 then p.eh, p.el = dec(p.lh, p.ll) end
  if p.fam == "inet" and p.len >= 31 then p.sh, p.sl = p.nh, p.nl end
  local function inside(name)
    local v = opts[name]
    if not v then return nil end
    local f, h, l = M.parse(v)
    if f ~= p.fam or lt(h, l, p.nh, p.nl) or lt(p.lh, p.ll, h, l) then
      error(("%s: %s: %q is not an address in %s"):format(who, name, v, opts.subnet), 4)
    end
    return h, l
  end
  local h, l = inside("range_start")
  if h then p.sh, p.sl = h, l end
  h, l = inside("range_end")
  if h then p.eh, p.el = h, l end
  p.gh, p.gl = inside("gateway")
  local base = opts.state_dir or os.getenv("PLUMB_STATE_DIR") or "/var/lib/plumb"
  p.dir = base .. "/" .. M.format(p.fam, p.nh, p.nl) .. "-" .. p.len
  if opts.key then
    p.key = opts.key
    p.idfile = p.dir .. "/id-" .. opts.key:gsub("[^%w._-]", function(c)
      return ("%%%02x"):format(c:byte())
    end)
  end
  return p
end

local function read(path)
  local f = io.open(path, "r")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function locked(p, fn)
  local ok, err = core.fs_mkdir(p.dir, 448)
  if not ok then return nil, ("%s: %s"):format(p.who, err) end
  local lk <close>, e2 = core.fs_lock(p.dir .. "/lock")
  if not lk then return nil, ("%s: %s"):format(p.who, e2) end
  return fn()
end

local function cidr(p, h, l) return M.format(p.fam, h, l) .. "/" .. p.len end

local function usable(p, h, l)
  return not lt(h, l, p.sh, p.sl) and not lt(p.eh, p.el, h, l) and
      not (p.gh and h == p.gh and l == p.gl)
end

-- ---------------------------------------------------------------------------------------
-- the API

--- Allocate an address for `opts.key` from `opts.subnet`: the one that key already holds,
-- else the next free one (round-robin). Never the network address, IPv4's broadcast or the
-- gateway; only inside `range_start`..`range_end` when given.
-- @tparam table opts `{ subnet =, key =, state_dir =, range_start =, range_end =, gateway = }`
-- @treturn string the address with the subnet's prefix length ("10.88.0.2/16")
-- @treturn boolean true when this call allocated it (false: the key already held it)
-- @return[2] nil, message
function M.allocate(opts)
  local p = pool("ipam.allocate", opts)
  if not p.key then error("ipam.allocate: missing option \"key\"", 2) end
  return locked(p, function()
    local held = read(p.idfile)
    if held then
      local f, h, l = M.parse(held)
      if f == p.fam and usable(p, h, l) then
        local owner = read(p.dir .. "/" .. held)
        if owner == p.key then return cidr(p, h, l), false end
        if owner == nil then -- a crash between the two files: finish the reservation
          local ok, err = core.fs_write(p.dir .. "/" .. held, p.key)
          if not ok then return nil, ("%s: %s"):format(p.who, err) end
          return cidr(p, h, l), false
        end
      end
    end
    -- round-robin from after the last one handed out
    local h, l = p.sh, p.sl
    local last = read(p.dir .. "/last_reserved")
    local lf, lh, ll = M.parse(last)
    if lf == p.fam and usable(p, lh, ll) and lt(lh, ll, p.eh, p.el) then h, l = inc(lh, ll) end
    local sh, sl = h, l
    local probes = 0
    repeat
      probes = probes + 1
      if probes > 1 << 20 then break end -- a huge IPv6 range: give up in bounded time
      local name = M.format(p.fam, h, l)
      if usable(p, h, l) and not io.open(p.dir .. "/" .. name, "r") then
        local ok, err = core.fs_write(p.idfile, name)
        if ok then ok, err = core.fs_write(p.dir .. "/" .. name, p.key) end
        if ok then ok, err = core.fs_write(p.dir .. "/last_reserved", name) end
        if not ok then return nil, ("%s: %s"):format(p.who, err) end
        return cidr(p, h, l), true
      end
      if h == p.eh and l == p.el then h, l = p.sh, p.sl else h, l = inc(h, l) end
    until h == sh and l == sl
    return nil, ("%s: no free address in %s"):format(p.who, opts.subnet)
  end)
end

--- Release what `opts.key` holds in `opts.subnet` (nothing held: true as well).
-- @tparam table opts `{ subnet =, key =, state_dir = }`
-- @treturn true
-- @return[2] nil, message
function M.release(opts)
  local p = pool("ipam.release", opts)
  if not p.key then error("ipam.release: missing option \"key\"", 2) end
  return locked(p, function()
    local held = read(p.idfile)
    if held and M.parse(held) and read(p.dir .. "/" .. held) == p.key then
      local ok, err = os.remove(p.dir .. "/" .. held)
      if not ok then return nil, ("%s: %s"):format(p.who, err) end
    end
    if held then
      local ok, err = os.remove(p.idfile)
      if not ok then return nil, ("%s: %s"):format(p.who, err) end
    end
    return true
  end)
end

--- The address `opts.key` holds in `opts.subnet` ("10.88.0.2/16"), or nil.
-- @tparam table opts `{ subnet =, key =, state_dir = }`
function M.lookup(opts)
  local p = pool("ipam.lookup", opts)
  if not p.key then error("ipam.lookup: missing option \"key\"", 2) end
  local held = read(p.idfile)
  if not held then return nil end
  local f, h, l = M.parse(held)
  if f ~= p.fam or read(p.dir .. "/" .. held) ~= p.key then return nil end
  return cidr(p, h, l)
end

--- Every allocation in `opts.subnet`: a table address -> key.
-- @tparam table opts `{ subnet =, state_dir = }`
function M.allocations(opts)
  local p = pool("ipam.allocations", opts)
  local out = {}
  for _, name in ipairs(core.fs_list(p.dir) or {}) do
    if M.parse(name) then out[name] = read(p.dir .. "/" .. name) end
  end
  return out
end

--- The first usable address of `subnet` ("10.88.0.1"): the gateway CNI picks by default.
function M.first(subnet)
  local fam, _, nh, nl = subnet_of("ipam.first", subnet)
  return M.format(fam, inc(nh, nl))
end

return M
