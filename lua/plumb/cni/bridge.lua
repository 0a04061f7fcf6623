--- plumb.cni.bridge: the `plumb-bridge` CNI plugin, a drop-in for the reference `bridge`
-- plugin, built on `plumb.recipes.container_on_bridge`.
--
-- Keys (the reference's): `bridge` (default "cni0"), `isGateway` (the gateway address on the
-- bridge, forwarding on), `isDefaultGateway` (also a default route via it; implies isGateway),
-- `forceAddress`, `mtu`, `hairpinMode`, `ipMasq`, `promiscMode`, `vlan`, `vlanTrunk`,
-- `preserveDefaultVlan`, `macspoofchk`, `enabledad`, `disableContainerInterface`,
-- `portIsolation`, and the MAC from `runtimeConfig.mac`, `args.cni.mac` or CNI_ARGS `MAC`.
-- Without `ipam` the container's interface is layer 2 only (no address), as the reference's.
-- Those plumb cannot honour yet are refused with code 2 when set (docs/cni.md lists them).
-- @module plumb.cni.bridge
local cni = require "plumb.cni"
local ipam = require "plumb.cni.ipam"

local M = {}
local NAME = "plumb-bridge"

local function vid(v)
  if math.type(v) ~= "integer" and not (math.type(v) == "float" and math.tointeger(v)) then return "expected an integer" end
  if v < 0 or v > 4094 then return "invalid VLAN ID (must be between 0 and 4094)" end
end

--- The plugin's own keys and their types.
M.keys = { bridge = "string", isGateway = "boolean", isDefaultGateway = "boolean",
  forceAddress = "boolean", ipMasq = "boolean", ipMasqBackend = "string", mtu = "integer",
  hairpinMode = "boolean", promiscMode = "boolean", vlan = vid, vlanTrunk = "table",
  preserveDefaultVlan = "boolean", macspoofchk = "boolean", enabledad = "boolean",
  disableContainerInterface = "boolean", portIsolation = "boolean" }

-- The configuration, checked (nothing happens before this).
local function plan(ctx)
  local c = ctx.conf
  cni.check_keys(c, M.keys, NAME)
  local u = function(k, cond, why) cni.unsupported(c, k, cond, why, NAME) end
  u("ipMasq", c.ipMasq == true, "not supported until plumb has NAT")
  u("vlan", (c.vlan or 0) ~= 0 and (c.isGateway == true or c.isDefaultGateway == true),
    "not supported with isGateway yet (the reference's gateway veth BRIDGE.VLAN)")
  u("vlanTrunk", c.vlanTrunk ~= nil and next(c.vlanTrunk) ~= nil, "not supported yet by plumb-bridge")
  u("macspoofchk", c.macspoofchk == true, "not supported until plumb has nftables")
  u("enabledad", c.enabledad == true, "not supported: plumb adds IPv6 addresses without DAD")
  u("disableContainerInterface", c.disableContainerInterface == true, "not supported yet by plumb-bridge")
  u("portIsolation", c.portIsolation == true, "not supported yet by plumb-bridge")
  local p = { br = c.bridge or "cni0", isgw = c.isGateway == true or c.isDefaultGateway == true,
    defgw = c.isDefaultGateway == true, mtu = math.tointeger(c.mtu), hairpin = c.hairpinMode == true,
    mac = cni.mac_of(ctx), hostif = cni.host_ifname(ctx), vlan = math.tointeger(c.vlan) }
  if p.vlan == 0 then p.vlan = nil end
  if p.mtu == 0 then p.mtu = nil end
  if #p.br > 15 then cni.fail(7, ("%s: bridge name %q is longer than 15 bytes"):format(NAME, p.br)) end
  return p
end

-- The recipe's options for IPs `ips` and routes `routes` (a result's), and the routes the
-- result reports (isDefaultGateway adds a default one per family).
local function recipe_opts(ctx, p, ips, routes)
  local v4, v6 = cni.split_ips({ ips = ips }, NAME)
  local o = { netns = ctx.netns, bridge = p.br, ifname = ctx.ifname, host_ifname = p.hostif,
    mtu = p.mtu, hairpin = p.hairpin, mac = p.mac, default_route = false,
    force_address = ctx.conf.forceAddress == true, ip_forward = p.isgw or nil, vlan = p.vlan }
  if p.vlan then o.keep_default_vlan = ctx.conf.preserveDefaultVlan ~= false end
  local gws = {}
  local out = {}
  for _, r in ipairs(routes) do out[#out + 1] = r end
  for _, x in ipairs{ { v4, "address", "gateway", "0.0.0.0/0" }, { v6, "address6", "gateway6", "::/0" } } do
    local ip = x[1]
    if ip then
      o[x[2]] = ip.address
      if ip.gateway == nil and p.isgw then ip.gateway = cni.first_of(ip.address) end
      gws[cni.family(ip.address)] = ip.gateway
      if p.isgw then o[x[3]] = ip.gateway end
      if p.defgw then
        local found = false
        for _, r in ipairs(routes) do if r.dst == x[4] and r.gw then found = true end end
        if not found then out[#out + 1] = { dst = x[4], gw = ip.gateway } end
      end
    end
  end
  o.routes = cni.recipe_routes(out, gws)
  return o, out
end

--- ADD: the bridge (made or reused), the veth pair, the IPAM plugin's addresses and routes,
-- the gateway on the bridge with isGateway. A failure after IPAM releases the address again.
-- @tparam table ctx
-- @treturn table the result
function M.add(ctx)
  local p = plan(ctx)
  cni.need_netns(ctx)
  local l2 = not ipam.type_of(ctx)
  local r = l2 and { ips = {}, routes = {} } or ipam.add(ctx)
  local ok, res = pcall(function()
    local o, routes = recipe_opts(ctx, p, r.ips, r.routes or {})
    if l2 then o.l2, o.routes, o.ip_forward = true, nil, nil end
    local cob = require "plumb.recipes.container_on_bridge"
    local made = cni.check_recipe(NAME, cob.up(o))
    local plumb = require "plumb"
    local h <close> = assert(plumb.open())
    if ctx.conf.promiscMode == true then
      -- the bridge in promiscuous mode, as the reference sets it on every ADD
      local ok, err = h:link_set(p.br, { promisc = true })
      if not ok then cni.fail(999, ("%s: %s"):format(NAME, err)) end
    end
    if p.isgw then
      -- the bridge keeps its MAC from now on (else it takes its lowest port's, changing as
      -- containers come and go), as the reference sets it
      local l = h:link_get(p.br)
      if l and l.address then h:link_set(p.br, { address = l.address }) end
      made.interfaces[1].mac = l and l.address or made.interfaces[1].mac
    end
    cni.sysctl(nil, ("net/ipv6/conf/%s/accept_ra"):format(p.br), "0")
    cni.sysctl(nil, ("net/ipv6/conf/%s/accept_ra"):format(p.hostif), "0")
    if not l2 then
      cni.sysctl(ctx.netns, ("net/ipv6/conf/%s/accept_dad"):format(ctx.ifname), "0")
      cni.sysctl(ctx.netns, ("net/ipv4/conf/%s/arp_notify"):format(ctx.ifname), "1")
    end
    return cni.add_result(ctx, made, r, routes, 2)
  end)
  if not ok then
    pcall(ipam.del, ctx)
    error(res, 0)
  end
  return res
end

--- DEL: the container's interface (its veth pair with it), then the IPAM plugin's release.
-- Whatever is already gone is fine, the netns too.
function M.del(ctx)
  local p = plan(ctx)
  if cni.netns_there(ctx) then
    local cob = require "plumb.recipes.container_on_bridge"
    cni.check_recipe(NAME, cob.down{ netns = ctx.netns, bridge = p.br, ifname = ctx.ifname,
      host_ifname = p.hostif })
  end
  ipam.del(ctx)
end

--- CHECK: the state of `prevResult` is there (the recipe's check), and the IPAM plugin's.
function M.check(ctx)
  local p = plan(ctx)
  cni.need_netns(ctx)
  ipam.check_with(ctx)
  local prev = cni.prev(ctx)
  local o = recipe_opts(ctx, p, prev.ips, prev.routes)
  o.ip_forward = nil
  if #prev.ips == 0 and #o.routes == 0 then o.routes, o.l2 = nil, true end
  local cob = require "plumb.recipes.container_on_bridge"
  cni.check_recipe(NAME, cob.check(o))
end

--- STATUS: the IPAM plugin is there (and ready, when it speaks 1.1.0).
function M.status(ctx)
  plan(ctx)
  ipam.delegate_11(ctx, "STATUS")
end

--- GC: handed to the IPAM plugin when it speaks 1.1.0 (interfaces go with their netns).
function M.gc(ctx)
  plan(ctx)
  ipam.delegate_11(ctx, "GC")
end

return M
