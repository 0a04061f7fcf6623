--- plumb.testing: throwaway namespaces, fixtures and leak checks for busted specs.
-- The project's own specs use it; so can yours:
--
--     local testing = require "plumb.testing"
--     describe("my recipe", function()
--       testing.leakcheck()                       -- fail a test that leaves things behind
--       it("works", function()
--         local sb <close> = testing.sandbox()    -- a fresh netns and a handle in it
--         assert(sb.h:link_add{ name = "br0", kind = "bridge" })
--       end)
--     end)
--
-- Run the whole suite in a network and mount namespace of its own (spec/run does
-- `unshare --net --mount` with a private /run), so that nothing touches the host.
-- @module plumb.testing
local plumb = require "plumb"

local testing = {}

local counter = 0

--- A namespace name not in use yet, starting with `prefix`.
-- @tparam[opt="plumbt"] string prefix
-- @treturn string
function testing.name(prefix)
  prefix = prefix or "plumbt"
  repeat
    counter = counter + 1
    local n = ("%s%d-%d"):format(prefix, counter, math.random(1, 99999))
    if not plumb.netns.exists(n) then return n end
  until counter > 1e6
  error("testing.name: no free name")
end

local Sandbox = {}
Sandbox.__index = Sandbox

--- Close a sandbox: its handles, then its namespaces (which removes every link in them).
function Sandbox:close()
  if self.closed then return end
  self.closed = true
  for _, h in ipairs(self.handles) do h:close() end
  for i = #self.names, 1, -1 do
    if plumb.netns.exists(self.names[i]) then assert(plumb.netns.del(self.names[i])) end
  end
end
Sandbox.__close = Sandbox.close
Sandbox.__gc = Sandbox.close

--- Add one more namespace to the sandbox; returns its name and a handle in it.
-- @tparam[opt] string prefix
-- @treturn string name
-- @treturn handle
function Sandbox:netns(prefix)
  local name = testing.name(prefix or self.prefix)
  assert(plumb.netns.add(name))
  self.names[#self.names + 1] = name
  local h = assert(plumb.open{ netns = name })
  self.handles[#self.handles + 1] = h
  h:link_set("lo", { up = true })
  return name, h
end

--- Run `fn(...)` inside the sandbox's main namespace.
function Sandbox:run(fn, ...)
  return plumb.netns.run(self.ns, fn, ...)
end

--- A throwaway network namespace with a handle in it: `sb.ns` (its name) and `sb.h`.
-- Close it with `sb:close()`, or declare it `local sb <close> = testing.sandbox()`.
-- @tparam[opt] string prefix
-- @treturn table the sandbox
function testing.sandbox(prefix)
  local sb = setmetatable({ names = {}, handles = {}, prefix = prefix }, Sandbox)
  sb.ns, sb.h = sb:netns(prefix)
  return sb
end

local kind_cache = {}
local kind_probe = {
  ipvlan = function(h) return h:link_add{ name = "p1", kind = "ipvlan", link = "p0" } end,
  macvlan = function(h) return h:link_add{ name = "p1", kind = "macvlan", link = "p0" } end,
  vlan = function(h) return h:link_add{ name = "p1", kind = "vlan", link = "p0", vlan = { id = 2 } } end,
  vxlan = function(h) return h:link_add{ name = "p1", kind = "vxlan", vxlan = { id = 2, dstport = 4789 } } end,
  geneve = function(h) return h:link_add{ name = "p1", kind = "geneve", geneve = { id = 2, remote = "192.0.2.1" } } end,
  vrf = function(h) return h:link_add{ name = "p1", kind = "vrf", vrf = { table = 10 } } end,
}
local EOPNOTSUPP = 95

local function probe(kind)
  local sb <close> = testing.sandbox("probe")
  if kind == "bridge_vlan_filtering" then
    local ok, err, code = sb.h:link_add{ name = "p0", kind = "bridge" }
    if not ok then return "error", ("a plain bridge: %s (errno %s)"):format(err, code) end
    ok, err, code = sb.h:link_add{ name = "p1", kind = "bridge", bridge = { vlan_filtering = true } }
    if not ok then
      if code == EOPNOTSUPP then return "lacks", err .. ' (kernel lacks "bridge_vlan_filtering")' end
      return "error", ("%s (errno %s)"):format(err, code)
    end
    local l = assert(sb.h:link_get("p1"))
    local data = l.linkinfo and l.linkinfo.info_data
    if not data or data.vlan_filtering == nil then
      return "error", "a bridge record without linkinfo.info_data.vlan_filtering"
    end
    if data.vlan_filtering ~= 1 then
      return "lacks", "bridge VLAN filtering not built into the kernel (vlan_filtering stays 0)"
    end
    return "has"
  end
  assert(sb.h:link_add{ name = "p0", kind = "veth", peer = { name = "p0p" } })
  local fn = kind_probe[kind] or function(h) return h:link_add{ name = "p1", kind = kind } end
  local ok, err, code = fn(sb.h)
  if ok then return "has" end
  if code == EOPNOTSUPP and err:find("Unknown device type", 1, true) then return "lacks", err end
  return "error", ("%s (errno %s)"):format(err, code)
end

-- Where the running spec is: the outermost frame on the stack that belongs to a spec file
-- (the `it` body, even when a helper in that file called us), as "file:line".
local function spec_position()
  local where
  for level = 2, 200 do
    local info = debug.getinfo(level, "Sl")
    if not info then break end
    if info.short_src:match("_spec%.lua$") then
      where = ("%s:%d"):format(info.short_src, info.currentline)
    end
  end
  return where
end

--- Whether the running kernel can make links of `kind`, tried in a scratch namespace.
-- Only the kernel's own "I do not have that" makes the answer false: for a link kind,
-- EOPNOTSUPP with "Unknown device type" (no module for the kind); for
-- `"bridge_vlan_filtering"`, EOPNOTSUPP for a bridge with `vlan_filtering` while a plain
-- bridge works (a kernel built without CONFIG_BRIDGE_VLAN_FILTERING). Any other failure of
-- the probe is plumb's (a request the kernel rejects, a broken descriptor) and raises, so
-- that a spec using it fails instead of going pending. Cached per kind, errors included.
-- @tparam string kind
-- @treturn boolean
-- @treturn string the kernel's reason when it cannot
-- @raise when the probe fails for any other reason
function testing.kernel_has(kind)
  local c = kind_cache[kind]
  if not c then
    c = table.pack(probe(kind))
    kind_cache[kind] = c
  end
  if c[1] == "error" then
    local where = spec_position()
    error(("%skernel_has: the probe for %q failed for a reason other than a missing kernel " ..
      "feature: %s"):format(where and where .. ": " or "", kind, c[2]), where and 0 or 2)
  end
  return c[1] == "has", c[2]
end

--- Inside a busted `it`: make the test pending, with the kernel's reason, unless the kernel
-- supports `kind`. Returns true when the test may go on. A probe that fails for any other
-- reason raises (see `kernel_has`), failing the test. The pending message starts with the
-- spec's file and line.
-- @tparam string kind
-- @tparam function pending busted's `pending`
function testing.need_kind(kind, pending)
  local ok, why = testing.kernel_has(kind)
  if not ok then
    local where = spec_position()
    pending(where and (where .. ": " .. why) or why)
  end
  return ok
end

--- What exists now: link names of the current netns, namespaces under /run/netns, and the
-- process's open file descriptors.
-- @treturn table
function testing.snapshot()
  local s = { links = {}, netns = {}, fds = {} }
  local h = assert(plumb.open())
  for _, l in ipairs(assert(h:links())) do s.links[l.ifname] = true end
  h:close()
  for _, n in ipairs(assert(plumb.netns.list())) do s.netns[n] = true end
  local p = io.popen("ls -l /proc/" .. (testing.pid()) .. "/fd")
  for line in p:lines() do
    local fd, target = line:match("(%d+) %-> (.*)$")
    -- pipes are left out: `ls` may see both ends of the very pipe popen reads it through
    if fd and not target:match("^pipe:") then s.fds[fd] = target end
  end
  p:close()
  return s
end

--- The process id of this Lua process.
function testing.pid()
  local f = assert(io.open("/proc/self/stat"))
  local pid = f:read("*l"):match("^(%d+)")
  f:close()
  return tonumber(pid)
end

--- What `after` has that `before` has not, as a list of strings (empty: no leak).
-- @treturn {string,...}
function testing.leaks(before, after)
  after = after or testing.snapshot()
  local out = {}
  for _, what in ipairs{ "links", "netns" } do
    for k in pairs(after[what]) do
      if not before[what][k] then out[#out + 1] = what .. ": " .. k end
    end
  end
  local nb, na = 0, 0
  for _ in pairs(before.fds) do nb = nb + 1 end
  for _ in pairs(after.fds) do na = na + 1 end
  -- The snapshot itself opens an fd for `ls`; the default handles are opened on demand.
  if na > nb + 1 then
    local new = {}
    for fd, target in pairs(after.fds) do
      if before.fds[fd] ~= target then new[#new + 1] = fd .. " " .. tostring(target) end
    end
    table.sort(new)
    out[#out + 1] = ("fds: %d open, %d before (new: %s)"):format(na, nb, table.concat(new, ", "))
  end
  table.sort(out)
  return out
end

--- In a busted `describe`: fail every test that leaves links, namespaces or file
-- descriptors behind.
function testing.leakcheck()
  local before
  local busted = require "busted"
  busted.before_each(function()
    collectgarbage()
    before = testing.snapshot()
  end)
  busted.after_each(function()
    collectgarbage()
    collectgarbage()
    local l = testing.leaks(before)
    if #l > 0 then error("left behind: " .. table.concat(l, ", "), 0) end
  end)
end

--- Run a command and return its standard output (raises if it fails).
-- @tparam string cmd a shell command line
-- @treturn string
function testing.sh(cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("*a")
  local ok, _, code = p:close()
  if not ok then error(("command failed (%s): %s\n%s"):format(tostring(code), cmd, out), 2) end
  return out
end

--- `ip -j -d link show` in namespace `ns` (nil: the current one), decoded.
-- Uses a tiny JSON decoder so that the tests need nothing beyond Lua.
function testing.ip_json(args, ns)
  -- ip runs without the sanitizer preload of `make check SAN=1`: it is the reference, and
  -- iproute2 6.1 has ASAN findings of its own (print_route's strncpy).
  local ip = os.getenv("LD_PRELOAD") and "env -u LD_PRELOAD ip" or "ip"
  local cmd = ns and (ip .. " -n " .. ns .. " -j " .. args) or (ip .. " -j " .. args)
  return testing.json_decode(testing.sh(cmd))
end

--- Decode JSON text (the subset `ip -j` prints) into Lua tables.
-- @tparam string s
function testing.json_decode(s)
  local pos = 1
  local function ws() pos = s:find("[^ \t\r\n]", pos) or #s + 1 end
  local value
  local function str()
    local out, i = {}, pos + 1
    while true do
      local c = s:sub(i, i)
      if c == '"' then break end
      if c == "\\" then
        local n = s:sub(i + 1, i + 1)
        local map = { n = "\n", t = "\t", r = "\r", b = "\b", f = "\f" }
        if n == "u" then
          out[#out + 1] = utf8.char(tonumber(s:sub(i + 2, i + 5), 16))
          i = i + 6
        else
          out[#out + 1] = map[n] or n
          i = i + 2
        end
      else
        out[#out + 1] = c
        i = i + 1
      end
    end
    pos = i + 1
    return table.concat(out)
  end
  function value()
    ws()
    local c = s:sub(pos, pos)
    if c == "{" then
      local t = {}
      pos = pos + 1
      ws()
      if s:sub(pos, pos) == "}" then pos = pos + 1 return t end
      while true do
        ws()
        local k = str()
        ws()
        pos = pos + 1 -- :
        t[k] = value()
        ws()
        local d = s:sub(pos, pos)
        pos = pos + 1
        if d == "}" then return t end
      end
    elseif c == "[" then
      local t = {}
      pos = pos + 1
      ws()
      if s:sub(pos, pos) == "]" then pos = pos + 1 return t end
      while true do
        t[#t + 1] = value()
        ws()
        local d = s:sub(pos, pos)
        pos = pos + 1
        if d == "]" then return t end
      end
    elseif c == '"' then
      return str()
    elseif s:sub(pos, pos + 3) == "true" then
      pos = pos + 4 return true
    elseif s:sub(pos, pos + 4) == "false" then
      pos = pos + 5 return false
    elseif s:sub(pos, pos + 3) == "null" then
      pos = pos + 4 return nil
    else
      local num = s:match("^-?[%d.eE+-]+", pos)
      pos = pos + #num
      return math.tointeger(tonumber(num)) or tonumber(num)
    end
  end
  return value()
end

local function ipv4_add(addr, n)
  local a, b, c, d = addr:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  assert(a, "subnet: expected an IPv4 prefix such as 10.88.0.0/24")
  local v = ((tonumber(a) * 256 + tonumber(b)) * 256 + tonumber(c)) * 256 + tonumber(d) + n
  return ("%d.%d.%d.%d"):format(v >> 24 & 255, v >> 16 & 255, v >> 8 & 255, v & 255)
end

--- Fixture: a bridge in the sandbox's namespace and `n` container namespaces, each joined
-- to it by a veth pair whose container end is `eth0` (up). With `opts.subnet` (an IPv4
-- prefix), the bridge gets the subnet's first address and each container the next ones,
-- with a default route through the bridge. Returns the container namespace names (they
-- belong to the sandbox, and go with it) and their addresses.
-- @tparam table sb a sandbox
-- @tparam int n
-- @tparam[opt] table|string opts `{ bridge = "br0", subnet = "10.88.0.0/24" }` or a bridge name
-- @treturn {string,...} namespace names
-- @treturn {string,...} container addresses (with `subnet`)
function testing.bridge_with_containers(sb, n, opts)
  if type(opts) ~= "table" then opts = { bridge = opts } end
  local bridge = opts.bridge or "br0"
  local h = sb.h
  assert(h:link_add{ name = bridge, kind = "bridge", up = true })
  local net, len, gw
  if opts.subnet then
    net, len = opts.subnet:match("^([%d.]+)/(%d+)$")
    gw = ipv4_add(net, 1)
    assert(h:addr_add(bridge, gw .. "/" .. len))
  end
  local names, addrs = {}, {}
  for i = 1, n do
    local ns, hc = sb:netns("c")
    names[i] = ns
    assert(h:link_add{ name = "veth" .. i, kind = "veth", master = bridge, up = true,
                       peer = { name = "eth0", netns = ns, up = true } })
    if net then
      addrs[i] = ipv4_add(net, 1 + i)
      assert(hc:addr_add("eth0", addrs[i] .. "/" .. len))
      assert(hc:route_add{ dst = "default", gateway = gw })
    end
  end
  return names, addrs
end

return testing
