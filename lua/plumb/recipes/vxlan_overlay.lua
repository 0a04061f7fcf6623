--- plumb.recipes.vxlan_overlay: containers on two "hosts" joined by a VXLAN overlay, as
-- Docker's overlay network and flannel's vxlan backend make it, with the hosts themselves
-- played by network namespaces.
--
--     local ov = require "plumb.recipes.vxlan_overlay"
--     assert(ov.up{ hosts = { "h1", "h2" }, containers = { "c1", "c2" }, subnet = "10.200.0.0/24" })
--     -- c1 (on h1) and c2 (on h2) ping each other through VXLAN 42 over 192.168.100.0/24
--
-- `up` makes each host namespace (when absent), an underlay veth between the two
-- (`ul0` in each, addresses from `underlay`), on each host a VXLAN device (`vni`, UDP
-- `dstport`, local address on the underlay) with an all-zeros FDB entry sending flooded
-- traffic to the other host's VTEP, a bridge holding it, and for each container (placed on
-- the hosts in turn: the first on the first host, the second on the second, ...) a veth
-- pair whose container end is made in place as `eth0`, with the container's address
-- (`addresses`, in order, or allocated from `subnet`) and an MTU leaving room for the VXLAN
-- header (50 bytes less than the underlay's).
--
-- `down` deletes the containers' namespaces and the hosts' namespaces when nothing else is
-- in them (their devices go with them), else just the devices this recipe made.
-- @module plumb.recipes.vxlan_overlay
local plumb = require "plumb"
local tx = require "plumb.recipes._tx"
local ipam = require "plumb.ipam"

local NAME = "vxlan_overlay"
local M = {}

--- The option table, in order.
M.options = {
  { name = "hosts", type = "list", required = true, identity = true,
    doc = "the two host namespaces (created if absent)" },
  { name = "containers", type = "list", required = true, identity = true,
    doc = "container namespaces, placed on the hosts in turn (created if absent)" },
  { name = "subnet", type = "string", required = true, identity = true,
    doc = "overlay subnet the containers' addresses are in (allocated from it unless --addresses)" },
  { name = "addresses", type = "list", doc = "the containers' overlay addresses, in order, with prefix length" },
  { name = "underlay", type = "string", doc = "underlay subnet between the hosts (default 192.168.100.0/24)" },
  { name = "vni", type = "integer", doc = "VXLAN network identifier (default 42)" },
  { name = "dstport", type = "integer", doc = "VXLAN UDP port (default 4789)" },
  { name = "bridge", type = "string", doc = "bridge on each host (default br-vx)" },
  { name = "mtu", type = "integer", doc = "underlay MTU (default 1500); the overlay gets 50 bytes less" },
  { name = "host_netns", type = "string", doc = "namespace the host namespaces are made from (default: the current one)" },
  { name = "state_dir", type = "string", doc = "IPAM state directory (default $PLUMB_STATE_DIR or /var/lib/plumb)" },
}

local function plan(verb, opts)
  tx.checkopts(NAME, verb, M.options, opts)
  local who = NAME .. "." .. verb
  local p = { hosts = opts.hosts, containers = opts.containers, vni = opts.vni or 42,
    dstport = opts.dstport or 4789, bridge = opts.bridge or "br-vx", mtu = opts.mtu or 1500 }
  if #p.hosts ~= 2 then error(("%s: hosts: expected two host namespaces, got %d"):format(who, #p.hosts), 3) end
  if p.hosts[1] == p.hosts[2] then error(("%s: hosts: the two hosts must differ"):format(who), 3) end
  if #p.containers < 1 then error(("%s: containers: expected at least one"):format(who), 3) end
  if p.vni < 0 or p.vni >= 1 << 24 then error(("%s: vni: expected 0 to 16777215, got %d"):format(who, p.vni), 3) end
  if p.mtu < 1280 then error(("%s: mtu: expected at least 1280, got %d"):format(who, p.mtu), 3) end
  local _, ulen, ufam = tx.cidr(who, opts.underlay or "192.168.100.0/24", "underlay")
  local _, _, sfam = tx.cidr(who, opts.subnet, "subnet")
  if ufam ~= "inet" then error(("%s: underlay: expected an IPv4 subnet"):format(who), 3) end
  local first = ipam.first(opts.underlay or "192.168.100.0/24")
  local fam, hi, lo = ipam.parse(first)
  p.vtep = { ipam.format(fam, hi, lo), ipam.format(fam, hi, lo + 1) }
  p.ulen = ulen
  p.vx = "vx" .. p.vni
  if opts.addresses and #opts.addresses ~= #p.containers then
    error(("%s: addresses: expected one per container (%d), got %d"):format(who, #p.containers, #opts.addresses), 3)
  end
  for i, a in ipairs(opts.addresses or {}) do
    local _, _, f = tx.cidr(who, a, ("addresses[%d]"):format(i))
    if f ~= sfam then error(("%s: addresses[%d]: not of the subnet's family"):format(who, i), 3) end
  end
  p.cs = {}
  for i, c in ipairs(p.containers) do
    p.cs[i] = { ns = c, host = (i - 1) % 2 + 1, hostif = tx.host_ifname(c, "eth0"),
      address = opts.addresses and opts.addresses[i],
      ipam = { subnet = opts.subnet, key = c .. "/eth0", state_dir = opts.state_dir } }
  end
  return p
end

--- Build it. Idempotent and transactional (see plumb.recipes).
-- @tparam table opts see `options`
-- @treturn table a CNI-shaped result: every container's two interfaces and address
-- @return[2] nil, message naming the failed step
function M.up(opts)
  local p = plan("up", opts)
  return tx.run(NAME, "up", opts, function(t)
    local H = assert(t:h())
    for _, h in ipairs(p.hosts) do tx.netns(t, h) end
    local hh = { assert(t:h(p.hosts[1])), assert(t:h(p.hosts[2])) }
    -- the underlay: one veth, an end in each host, made in place
    t:step(("link_add ul0 in %s and %s"):format(p.hosts[1], p.hosts[2]), function()
      if hh[1]:link_get("ul0") then return true end
      local ok, err = H:link_add{ name = "ul0", kind = "veth", netns = p.hosts[1], mtu = p.mtu,
        peer = { name = "ul0", netns = p.hosts[2], mtu = p.mtu } }
      if not ok then return nil, err end
      return function() return tx.link_gone(hh[1], "ul0", "link_del ul0") end
    end)
    for i, h in ipairs(p.hosts) do
      local where = " in " .. h
      tx.link_up(t, hh[i], "lo", where)
      tx.link_up(t, hh[i], "ul0", where)
      tx.addr(t, hh[i], "ul0", p.vtep[i] .. "/" .. p.ulen, where)
      t:step(("link_add %s%s"):format(p.vx, where), function()
        if hh[i]:link_get(p.vx) then return true end
        local ok, err = hh[i]:link_add{ name = p.vx, kind = "vxlan", mtu = p.mtu - 50,
          vxlan = { id = p.vni, dstport = p.dstport, ["local"] = p.vtep[i], dev = "ul0" } }
        if not ok then return nil, err end
        return function() return tx.link_gone(hh[i], p.vx, "link_del " .. p.vx) end
      end)
      local remote = p.vtep[3 - i]
      t:step(("fdb_append 00:00:00:00:00:00 dev %s dst %s%s"):format(p.vx, remote, where), function()
        for _, e in ipairs(hh[i]:fdbs{ dev = p.vx } or {}) do
          if e.mac == "00:00:00:00:00:00" and e.dst == remote then return true end
        end
        local ok, err = hh[i]:fdb_append{ dev = p.vx, lladdr = "00:00:00:00:00:00", dst = remote, self = true }
        if not ok then return nil, err end
        return function()
          return hh[i]:fdb_del{ dev = p.vx, lladdr = "00:00:00:00:00:00", dst = remote, self = true }
        end
      end)
      t:step(("bridge %s%s"):format(p.bridge, where), function()
        local l = hh[i]:link_get(p.bridge)
        if l then
          if (l.linkinfo and l.linkinfo.info_kind) ~= "bridge" then
            return nil, ("%s exists and is not a bridge"):format(p.bridge)
          end
          return true
        end
        local ok, err = hh[i]:link_add{ name = p.bridge, kind = "bridge", mtu = p.mtu - 50 }
        if not ok then return nil, err end
        return function() return tx.link_gone(hh[i], p.bridge, "link_del " .. p.bridge) end
      end)
      tx.link_up(t, hh[i], p.bridge, where)
      t:step(("link_set %s master %s%s"):format(p.vx, p.bridge, where), function()
        local l, err = hh[i]:link_get(p.vx)
        if not l then return nil, err end
        if l.master == p.bridge then return true end
        local ok, e2 = hh[i]:link_set(p.vx, { master = p.bridge })
        if not ok then return nil, e2 end
        return function() return hh[i]:link_set(p.vx, { nomaster = true }) end
      end)
      tx.link_up(t, hh[i], p.vx, where)
    end
    local res = tx.result()
    for _, c in ipairs(p.cs) do
      local hp = hh[c.host]
      local where = " in " .. c.ns
      tx.netns(t, c.ns)
      c.cidr = c.address or tx.allocate(t, c.ipam)
      t:step(("link_add %s in %s"):format(c.hostif, p.hosts[c.host]), function()
        if hp:link_get(c.hostif) then return true end
        local ok, err = hp:link_add{ name = c.hostif, kind = "veth", mtu = p.mtu - 50, master = p.bridge,
          up = true, peer = { name = "eth0", netns = c.ns, mtu = p.mtu - 50 } }
        if not ok then return nil, err end
        return function() return tx.link_gone(hp, c.hostif, "link_del " .. c.hostif) end
      end)
      local C = assert(t:h(c.ns))
      tx.link_up(t, C, "lo", where)
      tx.link_up(t, C, "eth0", where)
      tx.addr(t, C, "eth0", c.cidr, where)
      tx.result_if(res, hp, c.hostif)
      local ci = tx.result_if(res, C, "eth0", c.ns)
      res.ips[#res.ips + 1] = { address = c.cidr, interface = ci }
    end
    return res
  end)
end

--- Take it down: the containers (their namespaces, when nothing else is in them), their
-- addresses, and the hosts' devices (with the hosts' namespaces when nothing else is in
-- them). Absent things are fine.
-- @tparam table opts the options given to `up`
-- @treturn true
-- @return[2] nil, message
function M.down(opts)
  local p = plan("down", opts)
  local who = NAME .. ".down"
  for _, c in ipairs(p.cs) do
    local ok, err = tx.release_netns(c.ns, { "eth0" }, who)
    if not ok then return nil, err end
    if not c.address then
      ok, err = ipam.release(c.ipam)
      if not ok then return nil, who .. ": " .. err end
    end
  end
  for i, h in ipairs(p.hosts) do
    local ours = { "ul0", p.vx, p.bridge }
    for _, c in ipairs(p.cs) do if c.host == i then ours[#ours + 1] = c.hostif end end
    local ok, err = tx.release_netns(h, ours, who)
    if not ok then return nil, err end
  end
  return true
end

--- Compare what exists with what `up` makes.
-- @tparam table opts the options given to `up`
-- @treturn true
-- @return[2] nil, list of differences
function M.check(opts)
  local p = plan("check", opts)
  local d = tx.diffs()
  local hh = {}
  for i, h in ipairs(p.hosts) do
    if not plumb.netns.exists(h) then
      d:add("missing netns %s", h)
    else
      local where = " in " .. h
      hh[i] = assert(plumb.open{ netns = h })
      tx.check_link(d, hh[i], "ul0", where, { kind = "veth", mtu = p.mtu })
      tx.check_addr(d, hh[i], "ul0", p.vtep[i] .. "/" .. p.ulen, where)
      local vl = tx.check_link(d, hh[i], p.vx, where, { kind = "vxlan", master = p.bridge })
      if vl then
        local id = vl.linkinfo.info_data and vl.linkinfo.info_data.id
        if id ~= p.vni then d:add("wrong VNI of %s%s: %s (want %d)", p.vx, where, tostring(id), p.vni) end
        local found = false
        for _, e in ipairs(hh[i]:fdbs{ dev = p.vx } or {}) do
          if e.mac == "00:00:00:00:00:00" and e.dst == p.vtep[3 - i] then found = true end
        end
        if not found then d:add("missing fdb entry to %s on %s%s", p.vtep[3 - i], p.vx, where) end
      end
      tx.check_link(d, hh[i], p.bridge, where, { kind = "bridge" })
    end
  end
  for _, c in ipairs(p.cs) do
    if hh[c.host] then
      tx.check_link(d, hh[c.host], c.hostif, " in " .. p.hosts[c.host], { kind = "veth", master = p.bridge })
    end
    if not plumb.netns.exists(c.ns) then
      d:add("missing netns %s", c.ns)
    else
      local C <close> = assert(plumb.open{ netns = c.ns })
      local where = " in " .. c.ns
      tx.check_link(d, C, "lo", where)
      tx.check_link(d, C, "eth0", where, { kind = "veth" })
      local a = c.address or ipam.lookup(c.ipam)
      if a then tx.check_addr(d, C, "eth0", a, where) else d:add("no address allocated for %s", c.ipam.key) end
    end
  end
  for _, h in pairs(hh) do h:close() end
  return d:result()
end

return M
