--- plumb.recipes.veth_ptp: a routed veth, as the CNI `ptp` plugin (and Calico) make it.
--
--     local ptp = require "plumb.recipes.veth_ptp"
--     assert(ptp.up{ netns = "c1", address = "10.1.0.5/24", gateway = "10.1.0.1" })
--
-- No bridge: the container's traffic is routed by the host. `up` makes the namespace (when
-- absent), a veth pair whose container end is created inside it under its final name, the
-- container's address as a /32 (or /128), the gateway address on the host end (a /32, as
-- CNI ptp does), a route on the host to the container's address through the host end (scope
-- host, as CNI ptp makes it), and
-- in the container a default route via the gateway with `onlink` (the gateway is in no
-- subnet of the container). Forwarding is turned on in the host namespace, as ptp does.
-- IPv6 alike with `address6`/`subnet6`/`gateway6`.
-- @module plumb.recipes.veth_ptp
local plumb = require "plumb"
local tx = require "plumb.recipes._tx"
local ipam = require "plumb.ipam"

local NAME = "veth_ptp"
local M = {}

--- The option table, in order.
M.options = {
  { name = "netns", type = "string", required = true, identity = true,
    doc = "network namespace of the container (created if absent)" },
  { name = "address", type = "string", required = true, alt = { "subnet", "address6", "subnet6" },
    doc = "container address (made a /32), e.g. 10.1.0.5/24 (or --subnet)" },
  { name = "gateway", type = "string",
    doc = "address of the host end, the container's next hop (default with --subnet: its first address)" },
  { name = "subnet", type = "string", doc = "allocate the address from this subnet (plumb.ipam)" },
  { name = "address6", type = "string", doc = "IPv6 container address (made a /128)" },
  { name = "gateway6", type = "string", doc = "IPv6 address of the host end (default with --subnet6: its first address)" },
  { name = "subnet6", type = "string", doc = "allocate the IPv6 address from this subnet" },
  { name = "ifname", type = "string", doc = "interface name in the container (default eth0)" },
  { name = "host_ifname", type = "string", doc = "host end name (default: veth + 8 hex digits from netns and ifname)" },
  { name = "mtu", type = "integer", doc = "MTU of the veth pair" },
  { name = "ip_forward", type = "boolean", doc = "turn forwarding on in the host namespace (default true)" },
  { name = "default_route", type = "boolean",
    doc = "default route via the gateway (onlink) in the container (default true)" },
  { name = "routes", type = "list",
    doc = "more routes in the container: \"DST via GW\" (onlink) or \"DST\" (through the device)" },
  { name = "keep_prefix", type = "boolean",
    doc = "keep the address's prefix length, with routes to the gateway and to the subnet via it, as CNI ptp does" },
  { name = "host_netns", type = "string", doc = "namespace of the host side (default: the current one)" },
  { name = "state_dir", type = "string", doc = "IPAM state directory (default $PLUMB_STATE_DIR or /var/lib/plumb)" },
}

local function plan(verb, opts)
  tx.checkopts(NAME, verb, M.options, opts)
  local who = NAME .. "." .. verb
  local p = { ns = opts.netns, ifname = opts.ifname or "eth0" }
  p.hostif = opts.host_ifname or tx.host_ifname(p.ns, p.ifname)
  p.where = " in " .. p.ns
  p.key = p.ns .. "/" .. p.ifname
  p.fams = {}
  for _, f in ipairs{ { "address", "gateway", "subnet", "inet", 32 }, { "address6", "gateway6", "subnet6", "inet6", 128 } } do
    local a, g, s = opts[f[1]], opts[f[2]], opts[f[3]]
    if a or s or g then
      local x = { fam = f[4], host = f[5], address = a, subnet = s, gateway = g }
      for _, k in ipairs{ 1, 3 } do
        if opts[f[k]] then
          local _, _, fam = tx.cidr(who, opts[f[k]], f[k])
          if fam ~= x.fam then
            error(("%s: %s: expected an %s prefix, got %q"):format(who, f[k],
              x.fam == "inet" and "IPv4" or "IPv6", opts[f[k]]), 3)
          end
        end
      end
      if s then x.gateway = x.gateway or ipam.first(s) end
      if not x.gateway then error(("%s: missing option %q (or %q)"):format(who, f[2], f[3]), 3) end
      if tx.family(who, x.gateway, f[2]) ~= x.fam then
        error(("%s: %s: expected an %s address, got %q"):format(who, f[2],
          x.fam == "inet" and "IPv4" or "IPv6", x.gateway), 3)
      end
      if not a and not s then error(("%s: %s needs %s or %s"):format(who, f[2], f[1], f[3]), 3) end
      x.ipam = s and { subnet = s, key = p.key, state_dir = opts.state_dir, gateway = x.gateway } or nil
      p.fams[#p.fams + 1] = x
    end
  end
  p.keep = opts.keep_prefix == true
  p.routes = tx.routes(who, opts.routes, p.ifname, not p.keep)
  return p
end

-- "10.1.0.5/24" -> "10.1.0.0/24" (the subnet of an address)
local function subnet_of(cidr)
  local ip, len = cidr:match("^(.-)/(%d+)$")
  len = tonumber(len)
  local fam, hi, lo = ipam.parse(ip)
  local bits = fam == "inet" and 32 or 128
  local host = bits - len
  if fam == "inet" or host < 64 then
    lo = host == 0 and lo or (lo >> host << host)
  else
    hi = host == 128 and 0 or (hi >> (host - 64) << (host - 64))
    lo = 0
  end
  return ipam.format(fam, hi, lo) .. "/" .. len
end

-- The container's own routes with keep_prefix: to the gateway through the device (scope
-- link) and to the subnet via the gateway, both from the container's address.
local function prefix_routes(x, p)
  local ip = x.cidr:match("^(.-)/")
  return { { dst = x.gateway .. "/" .. x.host, dev = p.ifname, scope = "link", prefsrc = ip },
    { dst = subnet_of(x.cidr), gateway = x.gateway, dev = p.ifname, prefsrc = ip } }
end

-- "10.1.0.5/24" -> "10.1.0.5/32"
local function host_route(x, cidr) return cidr:match("^(.-)/") .. "/" .. x.host end

--- Build it. Idempotent and transactional (see plumb.recipes).
-- @tparam table opts see `options`
-- @treturn table a CNI-shaped result
-- @return[2] nil, message naming the failed step
function M.up(opts)
  local p = plan("up", opts)
  return tx.run(NAME, "up", opts, function(t)
    local H = assert(t:h())
    tx.netns(t, p.ns)
    for _, x in ipairs(p.fams) do x.cidr = x.address or tx.allocate(t, x.ipam) end
    t:step("link_add " .. p.hostif, function()
      local ours, e1 = tx.veth_host_end(t, H, p.ns, p.hostif, p.ifname, "link_add " .. p.hostif)
      if ours ~= false then return ours, e1 end
      local ok, err = H:link_add{ name = p.hostif, kind = "veth", mtu = opts.mtu, up = true,
        peer = { name = p.ifname, netns = p.ns, mtu = opts.mtu } }
      if not ok then return nil, err end
      return function() return tx.link_gone(H, p.hostif, "link_del " .. p.hostif) end
    end)
    tx.link_up(t, H, p.hostif)
    for _, x in ipairs(p.fams) do tx.addr(t, H, p.hostif, x.gateway .. "/" .. x.host) end
    for _, x in ipairs(p.fams) do
      local dst = host_route(x, x.cidr)
      tx.route(t, H, { dst = dst, dev = p.hostif, scope = "host" },
        ("route_add %s dev %s"):format(dst, p.hostif))
    end
    if opts.ip_forward ~= false then
      for _, x in ipairs(p.fams) do
        tx.sysctl(t, x.fam == "inet" and "/proc/sys/net/ipv4/ip_forward" or "/proc/sys/net/ipv6/conf/all/forwarding", "1")
      end
    end
    local C = assert(t:h(p.ns))
    tx.link_up(t, C, "lo", p.where)
    tx.link_up(t, C, p.ifname, p.where)
    for _, x in ipairs(p.fams) do
      tx.addr(t, C, p.ifname, p.keep and x.cidr or host_route(x, x.cidr), p.where)
    end
    for _, x in ipairs(p.fams) do
      if p.keep then
        -- the kernel's route to the subnet through the device makes way for the two of CNI ptp
        local sub = subnet_of(x.cidr)
        t:step(("route_del %s dev %s%s"):format(sub, p.ifname, p.where), function()
          local r = tx.find_route(C, { dst = sub, dev = p.ifname, family = x.fam })
          if r and r.protocol == "kernel" then
            local ok, err = C:route_del{ dst = sub, dev = p.ifname, family = x.fam, protocol = "kernel" }
            if not ok then return nil, err end
          end
          return true
        end)
        for _, r in ipairs(prefix_routes(x, p)) do
          tx.route(t, C, r, ("route_add %s%s dev %s%s"):format(r.dst,
            r.gateway and (" via " .. r.gateway) or "", p.ifname, p.where))
        end
      end
      if opts.default_route ~= false then
        tx.route(t, C, { dst = "default", gateway = x.gateway, dev = p.ifname, onlink = true },
          ("route_add default via %s onlink%s"):format(x.gateway, p.where))
      end
    end
    tx.add_routes(t, C, p.routes, p.where)
    local res = tx.result()
    tx.result_if(res, H, p.hostif)
    local ci = tx.result_if(res, C, p.ifname, p.ns)
    for _, x in ipairs(p.fams) do
      res.ips[#res.ips + 1] = { address = p.keep and x.cidr or host_route(x, x.cidr), gateway = x.gateway,
        interface = ci }
      if opts.default_route ~= false then
        res.routes[#res.routes + 1] = { dst = x.fam == "inet" and "0.0.0.0/0" or "::/0", gw = x.gateway }
      end
    end
    tx.result_routes(res, p.routes)
    return res
  end)
end

--- Take it down: the veth pair (with the namespace when nothing else is in it; the host
-- route goes with the host end) and the allocated addresses.
-- @tparam table opts the options given to `up`
-- @treturn true
-- @return[2] nil, message
function M.down(opts)
  plan("down", opts)
  return M.down_all{ opts }
end

--- Take many containers down at once (the fast path): their namespaces deleted together,
-- the kernel removing their veth pairs in one batch.
-- @tparam {table,...} list option tables as given to `up`
-- @treturn true
-- @return[2] nil, message
function M.down_all(list)
  local plans = {}
  for i, opts in ipairs(list) do plans[i] = plan("down", opts) end
  return tx.veth_down(NAME, list, plans)
end

--- Compare what exists with what `up` makes.
-- @tparam table opts the options given to `up`
-- @treturn true
-- @return[2] nil, list of differences
function M.check(opts)
  local p = plan("check", opts)
  local d = tx.diffs()
  if not tx.ns_exists(p.ns) then
    d:add("missing netns %s", p.ns)
    return d:result()
  end
  local H <close> = assert(plumb.open(opts.host_netns and { netns = opts.host_netns } or nil))
  local C <close> = assert(plumb.open{ netns = p.ns })
  tx.check_link(d, H, p.hostif, "", { kind = "veth", mtu = opts.mtu })
  tx.check_link(d, C, "lo", p.where)
  tx.check_link(d, C, p.ifname, p.where, { kind = "veth", mtu = opts.mtu })
  for _, x in ipairs(p.fams) do
    tx.check_addr(d, H, p.hostif, x.gateway .. "/" .. x.host, "")
    local a = x.address or ipam.lookup(x.ipam)
    if a then
      tx.check_addr(d, C, p.ifname, p.keep and a or host_route(x, a), p.where)
      if p.keep then
        for _, r in ipairs(prefix_routes({ cidr = a, gateway = x.gateway, host = x.host }, p)) do
          tx.check_route(d, C, r, ("route to %s%s"):format(r.dst, r.gateway and (" via " .. r.gateway) or ""), p.where)
        end
      end
      tx.check_route(d, H, { dst = host_route(x, a), dev = p.hostif },
        ("route to %s via %s"):format(host_route(x, a), p.hostif), "")
    else
      d:add("no address allocated for %s in %s", p.key, x.subnet)
    end
    if opts.default_route ~= false then
      tx.check_route(d, C, { dst = "default", gateway = x.gateway }, "default route via " .. x.gateway, p.where)
    end
  end
  tx.check_routes(d, C, p.routes, p.where)
  return d:result()
end

return M
