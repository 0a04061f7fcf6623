-- Helpers of the CNI specs (spec/80): run a plugin the way a runtime does (CNI_* environment,
-- configuration on stdin, result or error on stdout), inside a sandbox namespace standing for
-- the host; compare what two plugins made. Not part of the installed module.
local plumb = require "plumb"
local cni = require "plumb.cni"

local C = {}

local root = os.getenv("PLUMB_ROOT") or "."
local build = os.getenv("PLUMB_BUILD") or "build"

--- The directory of the plumb plugins in this tree, and the reference plugins' directory.
C.plumb_dir = root .. "/" .. build .. "/cni"
C.ref_dir = "/usr/lib/cni"
C.path = C.ref_dir .. ":" .. C.plumb_dir

local function shq(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

--- Run plugin `plugin` (a type: "plumb-bridge" from this tree, "bridge" from /usr/lib/cni)
-- in namespace `host` (the runtime's host), with `env` (`command`, `containerid`, `netns`,
-- `ifname`, `args`, `path`; a false value leaves that variable out) and `conf` (a table,
-- encoded, or a string as is) on stdin. Returns the decoded stdout (or the raw text when it
-- is not JSON), whether it exited 0, and the raw text.
function C.run(host, plugin, env, conf)
  local dir = plugin:match("^plumb%-") and C.plumb_dir or C.ref_dir
  local tmp = os.tmpname()
  local f = assert(io.open(tmp, "w"))
  f:write(type(conf) == "string" and conf or cni.encode(conf))
  f:close()
  local vars = {}
  local function set(k, v) if v then vars[#vars + 1] = k .. "=" .. shq(v) end end
  set("CNI_COMMAND", env.command)
  set("CNI_CONTAINERID", env.containerid)
  set("CNI_NETNS", env.netns)
  set("CNI_IFNAME", env.ifname == nil and "eth0" or env.ifname)
  set("CNI_ARGS", env.args)
  set("CNI_PATH", env.path == nil and C.path or env.path)
  local cmd = ("ip netns exec %s env -u CNI_COMMAND -u CNI_NETNS %s %s < %s 2>/dev/null"):format(host,
    table.concat(vars, " "), shq(dir .. "/" .. plugin), shq(tmp))
  local p = assert(io.popen(cmd))
  local out = p:read("a")
  local ok = p:close()
  os.remove(tmp)
  local v = cni.decode(out)
  return v == nil and out or v, ok == true, out
end

--- A CNI configuration: `base` with the fields of `extra` (a shallow copy).
function C.conf(base, extra)
  local c = {}
  for k, v in pairs(base) do c[k] = v end
  for k, v in pairs(extra or {}) do c[k] = v end
  return c
end

local function has(list, x)
  for _, v in ipairs(list or {}) do if v == x then return true end end
  return false
end

--- What a plugin made, field by field, as comparable lines: in namespace `host`, links
-- `names` (a table name -> label, so that a veth named differently compares equal), and in
-- namespace `ns` everything; addresses (no IPv6 link-local ones), routes, sysctls.
-- @tparam string host
-- @tparam table names host link name -> label
-- @tparam string ns the container's namespace (a name)
-- @tparam string ifname
function C.state(host, names, ns, ifname)
  local out = {}
  local function links(h, tag, only)
    local label = {}
    for _, l in ipairs(assert(h:links())) do
      if not only or only[l.ifname] then
        local lab = only and only[l.ifname] or l.ifname
        label[l.ifname] = lab
        local li = l.linkinfo or {}
        local sd = li.info_slave_data or {}
        local d = li.info_data or {}
        out[#out + 1] = ("%s link %s kind=%s master=%s up=%s promisc=%s mtu=%d hairpin=%s mode=%s addrlen=%d"):format(tag, lab,
          tostring(li.info_kind), tostring(only and l.master and only[l.master] or l.master),
          tostring(has(l.flags, "UP")), tostring(has(l.flags, "PROMISC")), l.mtu, tostring(sd.hairpin), tostring(d.mode),
          #(l.address or ""))
      end
    end
    for _, a in ipairs(assert(h:addrs{})) do
      if label[a.ifname] and not (a.family == "inet6" and a.scope == "link") then
        out[#out + 1] = ("%s addr %s %s/%d scope=%s"):format(tag, label[a.ifname], a["local"],
          a.prefixlen, tostring(a.scope))
      end
    end
    for _, fam in ipairs{ "inet", "inet6" } do
      for _, r in ipairs(assert(h:routes{ family = fam })) do
        if label[r.dev] and not (r.dst == "fe80::/64" or (r.dst or ""):match("^ff")) then
          out[#out + 1] = ("%s route %s via %s dev %s scope %s proto %s src %s onlink %s"):format(tag,
            tostring(r.dst), tostring(r.gateway), label[r.dev], tostring(r.scope), tostring(r.protocol),
            tostring(r.prefsrc), tostring(has(r.flags, "onlink")))
        end
      end
    end
  end
  local H <close> = assert(plumb.open{ netns = host })
  links(H, "host", names)
  local N <close> = assert(plumb.open{ netns = ns })
  links(N, "container")
  local function sysctl(where, key)
    local v = plumb.netns.run(where, function()
      local f = io.open("/proc/sys/" .. key)
      if not f then return "absent" end
      local x = f:read("l")
      f:close()
      return x
    end)
    return v
  end
  out[#out + 1] = "host ip_forward=" .. sysctl(host, "net/ipv4/ip_forward")
  out[#out + 1] = "host forwarding6=" .. sysctl(host, "net/ipv6/conf/all/forwarding")
  for h, lab in pairs(names) do
    out[#out + 1] = ("host %s accept_ra=%s"):format(lab, sysctl(host, "net/ipv6/conf/" .. h .. "/accept_ra"))
  end
  out[#out + 1] = "container accept_dad=" .. sysctl(ns, "net/ipv6/conf/" .. ifname .. "/accept_dad")
  out[#out + 1] = "container arp_notify=" .. sysctl(ns, "net/ipv4/conf/" .. ifname .. "/arp_notify")
  table.sort(out)
  return out
end

--- A result with its host-side veth name and the MACs (random with both plugins) blanked,
-- for comparing two plugins' results.
function C.shape(r)
  local c = cni.decode(cni.encode(r))
  for _, i in ipairs(c.interfaces or {}) do
    i.mac = i.mac and (i.mac:match("^%x%x:%x%x:%x%x:%x%x:%x%x:%x%x$") and "MAC" or "BAD " .. i.mac)
    if i.name and i.name:match("^veth%x%x%x%x%x%x%x%x$") then i.name = "vethXXXXXXXX" end
    if i.sandbox then i.sandbox = "SANDBOX" end
  end
  return c
end

return C
