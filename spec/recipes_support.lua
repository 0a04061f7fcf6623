-- Helpers of the recipe specs (spec/6x): snapshots of everything a recipe may touch, pings,
-- cleanup. Not part of the installed module.
local plumb = require "plumb"
local core = require "plumb.core"
local testing = require "plumb.testing"

local R = {}

local function lines_of(ns, out)
  local h = assert(plumb.open(ns and { netns = ns } or nil))
  local tag = ns or "(host)"
  for _, l in ipairs(assert(h:links())) do
    local up = false
    for _, f in ipairs(l.flags) do if f == "UP" then up = true end end
    local sd = l.linkinfo and l.linkinfo.info_slave_data or {}
    out[#out + 1] = ("%s link %s kind=%s master=%s up=%s mtu=%d hairpin=%s alias=%s"):format(tag,
      l.ifname, tostring(l.linkinfo and l.linkinfo.info_kind), tostring(l.master), tostring(up),
      l.mtu, tostring(sd.hairpin), tostring(l.ifalias))
  end
  for _, a in ipairs(assert(h:addrs{})) do
    if not (a.family == "inet6" and a.scope == "link") then
      out[#out + 1] = ("%s addr %s %s/%d"):format(tag, a.ifname, a["local"], a.prefixlen)
    end
  end
  for _, fam in ipairs{ "inet", "inet6" } do
    for _, r in ipairs(assert(h:routes{ family = fam })) do
      if not (r.dst == "fe80::/64" or (r.dst or ""):match("^ff")) then
        out[#out + 1] = ("%s route %s via %s dev %s"):format(tag, tostring(r.dst),
          tostring(r.gateway), tostring(r.dev))
      end
    end
  end
  for _, f in ipairs{ h:fdbs{} or {} } do
    for _, e in ipairs(f) do
      -- (remote VTEPs put there, not ones learned from traffic)
      if e.dst and e.state == "permanent" then out[#out + 1] = ("%s fdb %s %s dst %s"):format(tag, e.ifname, e.mac, e.dst) end
    end
  end
  h:close()
end

local function files_of(dir, out)
  local names = core.fs_list(dir)
  if not names then return end
  for _, n in ipairs(names) do
    local p = dir .. "/" .. n
    if n ~= "." and n ~= ".." then
      local sub = core.fs_list(p)
      if sub then
        files_of(p, out)
      elseif n ~= "lock" and n ~= "last_reserved" then
        -- (the lock file, and the round-robin cursor, which moves on like host-local's: an
        -- address handed out and given back is not the next one handed out)
        local f = io.open(p)
        out[#out + 1] = ("file %s = %s"):format(p, f and f:read("a") or "?")
        if f then f:close() end
      end
    end
  end
end

local function sysctl(ns, path)
  return plumb.netns.run(ns, function()
    local f = io.open(path)
    if not f then return "absent" end
    local v = f:read("l")
    f:close()
    return v
  end)
end

--- Everything observable a recipe may change, as a sorted list of lines: the namespaces,
-- and in each (and in `host` too) links, addresses, routes, FDB entries; the files under
-- `state_dir`; the host's forwarding sysctls.
function R.snapshot(host, state_dir)
  local out = {}
  local seen = {}
  for _, n in ipairs(assert(plumb.netns.list())) do
    out[#out + 1] = "netns " .. n
    lines_of(n, out)
    seen[n] = true
  end
  if host and not seen[host] then lines_of(host, out) end
  if state_dir then files_of(state_dir, out) end
  if host then
    out[#out + 1] = "ip_forward " .. sysctl(host, "/proc/sys/net/ipv4/ip_forward")
    out[#out + 1] = "forwarding6 " .. sysctl(host, "/proc/sys/net/ipv6/conf/all/forwarding")
  end
  table.sort(out)
  return out
end

--- The lines of two snapshots that differ ("- " only before, "+ " only after).
function R.diff(before, after)
  local a, b, out = {}, {}, {}
  for _, l in ipairs(before) do a[l] = (a[l] or 0) + 1 end
  for _, l in ipairs(after) do b[l] = (b[l] or 0) + 1 end
  for l, n in pairs(a) do if (b[l] or 0) < n then out[#out + 1] = "- " .. l end end
  for l, n in pairs(b) do if (a[l] or 0) < n then out[#out + 1] = "+ " .. l end end
  table.sort(out)
  return out
end

--- Whether `ns` reaches `addr` (IPv6 when `addr` has a colon): one reply out of up to three
-- pings within 4 s (the first may go while IPv6 link-local addresses are still tentative).
function R.ping(ns, addr)
  local argv = { "ping", "-q", "-c3", "-i0.2", "-w4", addr }
  if addr:find(":", 1, true) then table.insert(argv, 2, "-6") end
  local p = assert(io.popen(("ip netns exec %s %s >/dev/null 2>&1; echo $?"):format(ns,
    table.concat(argv, " "))))
  local code = p:read("l")
  p:close()
  return code == "0"
end

--- `mod.down(opts)`, then wait (2 s at most) until the host end of a veth recipe is gone:
-- `down` deletes a container's namespace and returns, the kernel removing its veth pair
-- in the namespace cleanup it runs asynchronously (tens of milliseconds), so a spec that
-- looks at the host at once waits for that. Returns what `down` returned.
function R.down(mod, opts)
  local r = table.pack(mod.down(opts))
  if r[1] and opts.netns then
    local tx = require "plumb.recipes._tx"
    local host = opts.host_ifname or tx.host_ifname(opts.netns, opts.ifname or "eth0")
    local h <close> = assert(plumb.open(opts.host_netns and { netns = opts.host_netns } or nil))
    local deadline = core.monotonic() + 2
    while h:link_get(host) and core.monotonic() < deadline do core.sleep(0.002) end
  end
  return table.unpack(r, 1, r.n)
end

--- Delete the namespaces in `names` that exist.
function R.cleanup(names)
  for _, n in ipairs(names) do
    if plumb.netns.exists(n) then assert(plumb.netns.del(n)) end
  end
end

--- A fresh temporary directory (for IPAM state).
function R.tmpdir()
  local p = os.tmpname()
  os.remove(p)
  assert(core.fs_mkdir(p))
  return p
end

--- Remove directory `dir` and what is in it.
function R.rmtree(dir)
  if dir and dir:match("^/tmp/") then testing.sh("rm -rf '" .. dir .. "'") end
end

--- The lua interpreter running the specs, for child processes.
function R.lua()
  return os.getenv("LUA") or "lua5.4"
end

return R
