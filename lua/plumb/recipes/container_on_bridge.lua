--- plumb.recipes.container_on_bridge: a container on a bridge, as Docker's default network
-- and the CNI `bridge` plugin make it.
--
--     local cob = require "plumb.recipes.container_on_bridge"
--     local res = assert(cob.up{ netns = "c1", bridge = "br0", subnet = "10.88.0.0/16" })
--     print(res.ips[1].address)            --> 10.88.0.2/16 (the gateway is 10.88.0.1)
--     assert(cob.check{ netns = "c1", bridge = "br0", subnet = "10.88.0.0/16" })
--     assert(cob.down{ netns = "c1", bridge = "br0", subnet = "10.88.0.0/16" })
--
-- `up` makes the namespace (when absent), the bridge (or reuses it: refused when the name
-- is taken by something that is not a bridge), the gateway address on the bridge, a veth pair
-- whose host end ("veth" and 8 hex digits, from the namespace and interface names) is a port
-- of the bridge and whose container end is created inside the namespace under its final
-- name, the container's address (given, or allocated from `subnet` by plumb.ipam), loopback
-- up, the default route through the gateway, and IPv4 forwarding when asked. IPv6 alike with
-- `address6`/`subnet6`/`gateway6` (added with nodad: usable at once).
--
-- `down` deletes the namespace when nothing but loopback and this interface is in it (its
-- devices go with it in one step), else the interface alone; it releases allocated
-- addresses and keeps the bridge, which others may share. Like `ip netns del`, it returns
-- before the kernel's asynchronous namespace cleanup has removed the veth pair (tens of
-- milliseconds later): no caller waits a grace period per container. An `up` at once
-- waits for that old host end to go before making the new pair.
-- @module plumb.recipes.container_on_bridge
local plumb = require "plumb"
local tx = require "plumb.recipes._tx"
local ipam = require "plumb.ipam"

local NAME = "container_on_bridge"
local M = {}

--- The option table, in order (the `plumb container-on-bridge` flags mirror it).
M.options = {
  { name = "netns", type = "string", required = true, identity = true,
    doc = "network namespace of the container (a name: created if absent; a path: must exist)" },
  { name = "bridge", type = "string", required = true, identity = true,
    doc = "bridge to attach to (created if absent)" },
  { name = "address", type = "string", required = true, alt = { "subnet", "address6", "subnet6" },
    doc = "container address with prefix length, e.g. 10.88.0.2/16 (or --subnet)" },
  { name = "gateway", type = "string",
    doc = "gateway address, put on the bridge and used as default route (default with --subnet: its first address)" },
  { name = "subnet", type = "string", doc = "allocate the address from this subnet (plumb.ipam)" },
  { name = "range_start", type = "string", doc = "first address --subnet may hand out" },
  { name = "range_end", type = "string", doc = "last address --subnet may hand out" },
  { name = "address6", type = "string", doc = "IPv6 container address with prefix length, e.g. fd00::2/64" },
  { name = "gateway6", type = "string", doc = "IPv6 gateway, on the bridge (default with --subnet6: its first address)" },
  { name = "subnet6", type = "string", doc = "allocate the IPv6 address from this subnet" },
  { name = "ifname", type = "string", doc = "interface name in the container (default eth0)" },
  { name = "mtu", type = "integer", doc = "MTU of the veth pair (and of a new bridge)" },
  { name = "hairpin", type = "boolean", doc = "hairpin mode on the bridge port" },
  { name = "ip_forward", type = "boolean", doc = "turn IPv4 forwarding on in the host namespace" },
  { name = "host_netns", type = "string", doc = "namespace of the host side (default: the current one)" },
  { name = "host_ifname", type = "string",
    doc = "host end name (default: veth + 8 hex digits from netns and ifname)" },
  { name = "mac", type = "string", doc = "MAC address of the container's interface" },
  { name = "default_route", type = "boolean",
    doc = "default route via the gateway in the container (default true)" },
  { name = "routes", type = "list",
    doc = "more routes in the container: \"DST\" (through the device) or \"DST via GW\"" },
  { name = "vlan", type = "integer",
    doc = "VLAN of the bridge port (PVID, untagged); a new bridge is made with VLAN filtering" },
  { name = "keep_default_vlan", type = "boolean",
    doc = "with vlan: keep VLAN 1 on the port too (default true)" },
  { name = "l2", type = "boolean",
    doc = "layer 2 only: no address, gateway or route in the container (as CNI bridge without ipam)" },
  { name = "force_address", type = "boolean",
    doc = "replace another address of the gateway's subnet on the bridge (default: refuse)" },
  { name = "state_dir", type = "string", doc = "IPAM state directory (default $PLUMB_STATE_DIR or /var/lib/plumb)" },
}

-- Everything `up`, `down` and `check` derive from the options, checked before anything.
-- the schema with `l2 = true`: no address needed
local function l2_options()
  local o = {}
  for i, x in ipairs(M.options) do
    o[i] = x
    if x.name == "address" then o[i] = { name = x.name, type = x.type, doc = x.doc } end
  end
  return o
end

local function plan(verb, opts)
  tx.checkopts(NAME, verb, type(opts) == "table" and opts.l2 == true and l2_options() or M.options, opts)
  local who = NAME .. "." .. verb
  local p = { ns = opts.netns, br = opts.bridge, ifname = opts.ifname or "eth0", who = who }
  p.hostif = opts.host_ifname or tx.host_ifname(p.ns, p.ifname)
  p.where = " in " .. p.ns
  p.key = p.ns .. "/" .. p.ifname
  p.fams = {}
  for _, f in ipairs{ { "address", "gateway", "subnet", "inet" }, { "address6", "gateway6", "subnet6", "inet6" } } do
    local a, g, s, fam = opts[f[1]], opts[f[2]], opts[f[3]], f[4]
    if a or s or g then
      local x = { fam = fam, address = a, subnet = s, gateway = g }
      if a then
        local _, len, af = tx.cidr(who, a, f[1])
        if af ~= fam then error(("%s: %s: expected an %s address, got %q"):format(who, f[1],
          fam == "inet" and "IPv4" or "IPv6", a), 3) end
        x.len = len
      end
      if s then
        local _, len, sf = tx.cidr(who, s, f[3])
        if sf ~= fam then error(("%s: %s: expected an %s subnet, got %q"):format(who, f[3],
          fam == "inet" and "IPv4" or "IPv6", s), 3) end
        x.len = x.len or len
        x.gateway = x.gateway or ipam.first(s)
      end
      if x.gateway and tx.family(who, x.gateway, f[2]) ~= fam then
        error(("%s: %s: expected an %s address, got %q"):format(who, f[2],
          fam == "inet" and "IPv4" or "IPv6", x.gateway), 3)
      end
      if x.gateway and not x.len then
        error(("%s: %s needs %s or %s"):format(who, f[2], f[1], f[3]), 3)
      end
      x.ipam = s and { subnet = s, key = p.key, state_dir = opts.state_dir,
        range_start = fam == "inet" and opts.range_start or nil,
        range_end = fam == "inet" and opts.range_end or nil, gateway = x.gateway } or nil
      p.fams[#p.fams + 1] = x
    end
  end
  p.routes = tx.routes(who, opts.routes, p.ifname)
  if opts.vlan and (opts.vlan < 1 or opts.vlan > 4094) then
    error(("%s: option \"vlan\": expected 1..4094, got %d"):format(who, opts.vlan), 3)
  end
  if opts.l2 ~= nil and (opts.l2 ~= true or #p.fams > 0 or #p.routes > 0) and verb == "up" then
    error(("%s: option \"l2\": true alone (no address, subnet, gateway or routes), or absent"):format(who), 3)
  end
  return p
end

-- ipam.parse's form of `ip` masked to `len` bits: fam, hi, lo
local function masked(ip, len)
  local fam, hi, lo = ipam.parse(ip)
  if fam == "inet" then
    lo = len == 0 and 0 or lo & ~((1 << (32 - len)) - 1) & 0xffffffff
  elseif fam == "inet6" then
    if len <= 64 then
      hi = len == 0 and 0 or (len == 64 and hi or hi & ~((1 << (64 - len)) - 1))
      lo = 0
    else
      lo = len == 128 and lo or lo & ~((1 << (128 - len)) - 1)
    end
  end
  return fam, hi, lo
end

-- whether prefix a/alen contains address b
local function contains(a, alen, b)
  local f1, h1, l1 = masked(a, alen)
  local f2, h2, l2 = masked(b, alen)
  return f1 == f2 and h1 == h2 and l1 == l2
end

-- Step: the gateway address `cidr` on the bridge. Another address there that would clash
-- (any other IPv4 one; an IPv6 one of an overlapping prefix) is refused, or replaced when
-- `force` (as CNI bridge's forceAddress); link-local IPv6 addresses never clash.
local function gateway_step(t, H, br, cidr, force)
  return t:step(("addr_add %s %s"):format(br, cidr), function()
    local ip, len = cidr:match("^(.-)/(%d+)$")
    len = tonumber(len)
    local fam = ip:find(":", 1, true) and "inet6" or "inet"
    local removed = {}
    for _, a in ipairs(H:addrs{ dev = br, family = fam } or {}) do
      if a["local"] == ip and a.prefixlen == len then return true end
      if a.scope ~= "link" and (fam == "inet" or contains(a["local"], a.prefixlen, ip)
          or contains(ip, len, a["local"])) then
        local other = a["local"] .. "/" .. a.prefixlen
        if not force then return nil, ("%s already has an address different from %s: %s"):format(br, cidr, other) end
        local ok, err = H:addr_del(br, other)
        if not ok then return nil, err end
        removed[#removed + 1] = other
      end
    end
    local ok, err = H:addr_add(br, cidr, fam == "inet6" and { nodad = true } or nil)
    if not ok then return nil, err end
    return function()
      local ok2, e2, code = H:addr_del(br, cidr)
      if not ok2 and code ~= 19 and code ~= 99 then return nil, e2 end
      for _, o in ipairs(removed) do H:addr_add(br, o) end
      return true
    end
  end)
end

local function bridge_step(t, H, p, mtu, vlan)
  return t:step("bridge " .. p.br, function()
    local l = H:link_get(p.br)
    if l then
      local kind = l.linkinfo and l.linkinfo.info_kind
      if kind ~= "bridge" then
        return nil, ("%s exists and is %s, not a bridge"):format(p.br,
          kind and ("a " .. kind) or "a device of no kind")
      end
      return true
    end
    local ok, err = H:link_add{ name = p.br, kind = "bridge", mtu = mtu,
      bridge = vlan and { vlan_filtering = true } or nil }
    if not ok then return nil, err end
    return function() return tx.link_gone(H, p.br, "link_del " .. p.br) end
  end)
end

--- Build it (see the module's description). Idempotent: what exists is kept, what is missing
-- is made; a failed step undoes what this call made.
-- @tparam table opts see `options`
-- @treturn table a CNI-shaped result: `interfaces`, `ips`, `routes`
-- @return[2] nil, message naming the step (`container_on_bridge.up: step "...": ...`)
function M.up(opts)
  local p = plan("up", opts)
  return tx.run(NAME, "up", opts, function(t)
    local H = assert(t:h())
    tx.netns(t, p.ns)
    bridge_step(t, H, p, opts.mtu, opts.vlan)
    for _, x in ipairs(p.fams) do
      if x.gateway then gateway_step(t, H, p.br, x.gateway .. "/" .. x.len, opts.force_address) end
    end
    tx.link_up(t, H, p.br)
    for _, x in ipairs(p.fams) do
      x.cidr = x.address or tx.allocate(t, x.ipam)
    end
    local fresh = t.fresh[p.ns]
    local made = false
    t:step("link_add " .. p.hostif, function()
      local ours, e1 = tx.veth_host_end(t, H, p.ns, p.hostif, p.ifname, "link_add " .. p.hostif)
      if ours ~= false then return ours, e1 end
      local ok, err = H:link_add{ name = p.hostif, kind = "veth", mtu = opts.mtu, master = p.br,
        up = true, peer = { name = p.ifname, netns = p.ns, mtu = opts.mtu, address = opts.mac } }
      if not ok then return nil, err end
      made = true
      return function() return tx.link_gone(H, p.hostif, "link_del " .. p.hostif) end
    end)
    if not made then t:step(("link_set %s master %s"):format(p.hostif, p.br), function()
      local l, err = H:link_get(p.hostif)
      if not l then return nil, err end
      if l.master == p.br then return true end
      local ok, e2 = H:link_set(p.hostif, { master = p.br })
      if not ok then return nil, e2 end
      return function()
        if l.master then return H:link_set(p.hostif, { master = l.master }) end
        return H:link_set(p.hostif, { nomaster = true })
      end
    end) end
    if not made then tx.link_up(t, H, p.hostif) end
    if opts.vlan then
      t:step(("vlan_add %s vid %d pvid untagged"):format(p.hostif, opts.vlan), function()
        local ok, err = H:vlan_add{ dev = p.hostif, vid = opts.vlan, pvid = true, untagged = true }
        if not ok then return nil, err end
        return function() return H:vlan_del{ dev = p.hostif, vid = opts.vlan } end
      end)
      if opts.keep_default_vlan == false and opts.vlan ~= 1 then
        t:step(("vlan_del %s vid 1"):format(p.hostif), function()
          local ok, err, code = H:vlan_del{ dev = p.hostif, vid = 1 }
          if not ok and code ~= 2 and code ~= 22 then return nil, err end
          return true
        end)
      end
    end
    if opts.hairpin ~= nil then
      t:step(("link_set %s hairpin %s"):format(p.hostif, opts.hairpin and "on" or "off"), function()
        local l, err = H:link_get(p.hostif)
        if not l then return nil, err end
        local sd = l.linkinfo and l.linkinfo.info_slave_data or {}
        if (sd.hairpin == true) == opts.hairpin then return true end
        local ok, e2 = H:link_set(p.hostif, { bridge_port = { hairpin = opts.hairpin } })
        if not ok then return nil, e2 end
        return function() return H:link_set(p.hostif, { bridge_port = { hairpin = not opts.hairpin } }) end
      end)
    end
    if opts.ip_forward then
      tx.sysctl(t, "/proc/sys/net/ipv4/ip_forward", "1")
      for _, x in ipairs(p.fams) do
        if x.fam == "inet6" then tx.sysctl(t, "/proc/sys/net/ipv6/conf/all/forwarding", "1") end
      end
    end
    local C = assert(t:h(p.ns))
    if fresh and made then
      -- all in a namespace this call made: known state, nothing to look up or undo (the
      -- namespace's deletion undoes it), so one batch: lo and the interface up, the
      -- addresses, the default routes, in one sendmsg
      tx.batch(t, ("configure %s%s"):format(p.ifname, p.where), C, function(b)
        b:link_set("lo", { up = true })
        b:link_set(p.ifname, { up = true })
        for _, x in ipairs(p.fams) do
          b:addr_add(p.ifname, x.cidr, x.fam == "inet6" and { nodad = true } or nil)
        end
        for _, x in ipairs(p.fams) do
          if x.gateway and opts.default_route ~= false then
            b:route_add{ dst = "default", gateway = x.gateway }
          end
        end
      end)
    else
      tx.link_up(t, C, "lo", p.where)
      tx.link_up(t, C, p.ifname, p.where)
      for _, x in ipairs(p.fams) do tx.addr(t, C, p.ifname, x.cidr, p.where) end
      for _, x in ipairs(p.fams) do
        if x.gateway and opts.default_route ~= false then
          tx.route(t, C, { dst = "default", gateway = x.gateway },
            ("route_add default via %s%s"):format(x.gateway, p.where))
        end
      end
    end
    tx.add_routes(t, C, p.routes, p.where)
    local res = tx.result()
    tx.result_if(res, H, p.br)
    tx.result_if(res, H, p.hostif)
    local ci = tx.result_if(res, C, p.ifname, p.ns)
    for _, x in ipairs(p.fams) do
      res.ips[#res.ips + 1] = { address = x.cidr, gateway = x.gateway, interface = ci }
      if x.gateway and opts.default_route ~= false then
        res.routes[#res.routes + 1] = { dst = x.fam == "inet" and "0.0.0.0/0" or "::/0", gw = x.gateway }
      end
    end
    tx.result_routes(res, p.routes)
    return res
  end)
end

--- Take it down: the container's interface (with its namespace when nothing else is in
-- it) and the addresses allocated for it. The bridge and its gateway address stay. Absent
-- things are fine.
-- @tparam table opts the options given to `up` (at least `netns` and `bridge`)
-- @treturn true
-- @return[2] nil, message
function M.down(opts)
  plan("down", opts)
  return M.down_all{ opts }
end

--- Take many containers down at once (the fast path): their namespaces are deleted first,
-- all of them, and the kernel's namespace cleanup removes their veth pairs in one batch,
-- where deleting each device costs a grace period of its own.
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
-- @treturn true when everything is there
-- @return[2] nil, a list of differences ("missing device eth0 in c1", ...)
function M.check(opts)
  local p = plan("check", opts)
  local d = tx.diffs()
  if not tx.ns_exists(p.ns) then
    d:add("missing netns %s", p.ns)
    return d:result()
  end
  local H <close> = assert(plumb.open(opts.host_netns and { netns = opts.host_netns } or nil))
  local C <close> = assert(plumb.open{ netns = p.ns })
  tx.check_link(d, H, p.br, "", { kind = "bridge" })
  for _, x in ipairs(p.fams) do
    if x.gateway then tx.check_addr(d, H, p.br, x.gateway .. "/" .. x.len, "") end
  end
  local hl = tx.check_link(d, H, p.hostif, "", { kind = "veth", master = p.br, mtu = opts.mtu })
  if hl and opts.hairpin ~= nil then
    local sd = hl.linkinfo and hl.linkinfo.info_slave_data or {}
    if (sd.hairpin == true) ~= opts.hairpin then
      d:add("wrong hairpin of %s: %s (want %s)", p.hostif, sd.hairpin and "on" or "off",
        opts.hairpin and "on" or "off")
    end
  end
  if hl and opts.vlan then
    local got = {}
    for _, port in ipairs(H:vlans{ dev = p.hostif } or {}) do
      for _, v in ipairs(port.vlans or {}) do got[v.vlan] = v.flags or {} end
    end
    local f = got[opts.vlan]
    if not f or not tx.has(f, "PVID") or not tx.has(f, "Egress Untagged") then
      d:add("missing vlan %d (pvid, untagged) on %s", opts.vlan, p.hostif)
    end
  end
  tx.check_link(d, C, "lo", p.where)
  tx.check_link(d, C, p.ifname, p.where, { kind = "veth", mtu = opts.mtu })
  for _, x in ipairs(p.fams) do
    local a = x.address or ipam.lookup(x.ipam)
    if a then
      tx.check_addr(d, C, p.ifname, a, p.where)
    else
      d:add("no address allocated for %s in %s", p.key, x.subnet)
    end
    if x.gateway and opts.default_route ~= false then
      tx.check_route(d, C, { dst = "default", gateway = x.gateway },
        "default route via " .. x.gateway, p.where)
    end
  end
  tx.check_routes(d, C, p.routes, p.where)
  if opts.ip_forward then
    local v = tx.read_sysctl(opts.host_netns, "/proc/sys/net/ipv4/ip_forward")
    if v ~= "1" then d:add("ip_forward is %s (want 1)", tostring(v)) end
  end
  H:close()
  C:close()
  return d:result()
end

return M
