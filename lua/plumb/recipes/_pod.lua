--- plumb.recipes._pod: what macvlan_pod and ipvlan_l3_pod share (internal): a device made
-- on a master in the host namespace, created directly in the pod's namespace under its
-- final name (no move, no rename), its addresses and default routes.
-- @module plumb.recipes._pod
local plumb = require "plumb"
local tx = require "plumb.recipes._tx"
local ipam = require "plumb.ipam"

local P = {}

--- Make a recipe module from a description:
-- `name`, `kind`, `options` (the schema), `kind_opts(opts)` (the kind's option subtable,
-- checked before anything: it raises at level 4, the recipe's caller),
-- `host_prefix` (true: /32 and /128 addresses, default routes through the device, as
-- ipvlan L3 wants; false: the address's prefix and default routes via a gateway).
function P.make(d)
  local NAME = d.name
  local M = { options = d.options }

  local function plan(verb, opts)
    tx.checkopts(NAME, verb, M.options, opts)
    local who = NAME .. "." .. verb
    local p = { ns = opts.netns, ifname = opts.ifname or "eth0" }
    p.where = " in " .. p.ns
    p.key = p.ns .. "/" .. p.ifname
    if verb == "up" then p.kind_opts = d.kind_opts(opts) end
    p.fams = {}
    for _, f in ipairs{ { "address", "gateway", "subnet", "inet", 32 }, { "address6", "gateway6", "subnet6", "inet6", 128 } } do
      local a, g, s = opts[f[1]], opts[f[2]], opts[f[3]]
      if a or s or g then
        local x = { fam = f[4], hostlen = f[5], address = a, subnet = s, gateway = g }
        for _, k in ipairs{ 1, 3 } do
          if opts[f[k]] then
            local _, _, fam = tx.cidr(who, opts[f[k]], f[k])
            if fam ~= x.fam then
              error(("%s: %s: expected an %s prefix, got %q"):format(who, f[k],
                x.fam == "inet" and "IPv4" or "IPv6", opts[f[k]]), 3)
            end
          end
        end
        if not a and not s then error(("%s: %s needs %s or %s"):format(who, f[2], f[1], f[3]), 3) end
        if not d.host_prefix and s and not g then x.gateway = ipam.first(s) end
        if x.gateway and tx.family(who, x.gateway, f[2]) ~= x.fam then
          error(("%s: %s: expected an %s address, got %q"):format(who, f[2],
            x.fam == "inet" and "IPv4" or "IPv6", x.gateway), 3)
        end
        x.ipam = s and { subnet = s, key = p.key, state_dir = opts.state_dir, gateway = x.gateway } or nil
        p.fams[#p.fams + 1] = x
      end
    end
    p.host_prefix = d.host_prefix
    if opts.host_prefix ~= nil then p.host_prefix = opts.host_prefix end
    p.routes = tx.routes(who, opts.routes, p.ifname)
    p.default = opts.routes == nil
    return p
  end

  local function cidr_of(x, a, p)
    if p.host_prefix then return a:match("^(.-)/") .. "/" .. x.hostlen end
    return a
  end

  local function default_of(x, p)
    if not p.default then return nil end
    if p.host_prefix then return { dst = "default", dev = p.ifname, family = x.fam } end
    return x.gateway and { dst = "default", gateway = x.gateway } or nil
  end

  local function route_name(x, p)
    if p.host_prefix then return ("route_add default dev %s%s"):format(p.ifname, p.where) end
    return ("route_add default via %s%s"):format(x.gateway, p.where)
  end

  --- Build it. Idempotent and transactional (see plumb.recipes).
  -- @tparam table opts see `options`
  -- @treturn table a CNI-shaped result
  -- @return[2] nil, message naming the failed step
  function M.up(opts)
    local p = plan("up", opts)
    return tx.run(NAME, "up", opts, function(t)
      local H = assert(t:h())
      tx.netns(t, p.ns)
      for _, x in ipairs(p.fams) do x.cidr = cidr_of(x, x.address or tx.allocate(t, x.ipam), p) end
      local C = assert(t:h(p.ns))
      t:step(("link_add %s%s"):format(p.ifname, p.where), function()
        if C:link_get(p.ifname) then return true end
        local o = { name = p.ifname, kind = d.kind, link = opts.master, netns = p.ns, mtu = opts.mtu,
          address = opts.mac }
        o[d.kind] = p.kind_opts
        local ok, err = H:link_add(o)
        if not ok then return nil, err end
        return function() return tx.link_gone(C, p.ifname, "link_del " .. p.ifname) end
      end)
      tx.link_up(t, C, "lo", p.where)
      tx.link_up(t, C, p.ifname, p.where)
      for _, x in ipairs(p.fams) do tx.addr(t, C, p.ifname, x.cidr, p.where) end
      for _, x in ipairs(p.fams) do
        local r = default_of(x, p)
        if r then tx.route(t, C, r, route_name(x, p)) end
      end
      tx.add_routes(t, C, p.routes, p.where)
      local res = tx.result()
      local ci = tx.result_if(res, C, p.ifname, p.ns)
      for _, x in ipairs(p.fams) do
        res.ips[#res.ips + 1] = { address = x.cidr, gateway = x.gateway, interface = ci }
        if default_of(x, p) then
          res.routes[#res.routes + 1] = { dst = x.fam == "inet" and "0.0.0.0/0" or "::/0", gw = x.gateway }
        end
      end
      tx.result_routes(res, p.routes)
      return res
    end)
  end

  --- Take it down: the device (with the namespace when nothing else is in it) and the
  -- allocated addresses. Absent things are fine.
  -- @tparam table opts the options given to `up`
  -- @treturn true
  -- @return[2] nil, message
  function M.down(opts)
    local p = plan("down", opts)
    local ok, err = tx.release_netns(p.ns, { p.ifname }, NAME .. ".down")
    if not ok then return nil, err end
    for _, x in ipairs(p.fams) do
      if x.ipam then
        ok, err = ipam.release(x.ipam)
        if not ok then return nil, NAME .. ".down: " .. err end
      end
    end
    return true
  end

  --- Compare what exists with what `up` makes.
  -- @tparam table opts the options given to `up`
  -- @treturn true
  -- @return[2] nil, list of differences
  function M.check(opts)
    local p = plan("check", opts)
    local dd = tx.diffs()
    if not tx.ns_exists(p.ns) then
      dd:add("missing netns %s", p.ns)
      return dd:result()
    end
    local C <close> = assert(plumb.open{ netns = p.ns })
    tx.check_link(dd, C, "lo", p.where)
    local l = tx.check_link(dd, C, p.ifname, p.where, { kind = d.kind, mtu = opts.mtu })
    if l and d.mode_of then
      local want = d.mode_of(opts)
      local got = l.linkinfo and l.linkinfo.info_data and l.linkinfo.info_data.mode
      if got ~= want then dd:add("wrong mode of %s%s: %s (want %s)", p.ifname, p.where, tostring(got), want) end
    end
    for _, x in ipairs(p.fams) do
      local a = x.address or ipam.lookup(x.ipam)
      if a then
        tx.check_addr(dd, C, p.ifname, cidr_of(x, a, p), p.where)
      else
        dd:add("no address allocated for %s in %s", p.key, x.subnet)
      end
      local r = default_of(x, p)
      if r then
        tx.check_route(dd, C, r, r.gateway and ("default route via " .. r.gateway)
          or ("default route dev %s"):format(p.ifname), p.where)
      end
    end
    tx.check_routes(dd, C, p.routes, p.where)
    return dd:result()
  end

  return M
end

--- The options every pod recipe has, after its own `head` ones.
function P.common(head)
  local o = {}
  for _, x in ipairs(head) do o[#o + 1] = x end
  for _, x in ipairs{
    { name = "ifname", type = "string", doc = "interface name in the pod (default eth0)" },
    { name = "mtu", type = "integer", doc = "MTU of the device" },
    { name = "mac", type = "string", doc = "MAC address of the device" },
    { name = "host_prefix", type = "boolean",
      doc = "addresses as /32 and /128 (default: the recipe's way), else with their own prefix" },
    { name = "routes", type = "list",
      doc = "the pod's routes instead of the default one: \"DST\" (through the device) or \"DST via GW\"" },
    { name = "host_netns", type = "string", doc = "namespace of the master (default: the current one)" },
    { name = "state_dir", type = "string", doc = "IPAM state directory (default $PLUMB_STATE_DIR or /var/lib/plumb)" },
  } do o[#o + 1] = x end
  return o
end

return P
