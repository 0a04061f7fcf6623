-- A container on a bridge, the way Docker and the CNI bridge plugin build one:
-- netns + veth pair + bridge + address + default route, then a ping to the gateway.
-- Run by scripts/demo inside throwaway namespaces.
local plumb = require "plumb"

local function say(fmt, ...) io.write((fmt):format(...), "\n") end

local host <close> = assert(plumb.open())   -- the demo's own "host" namespace
assert(host:link_set("lo", { up = true }))

-- 1. the container's namespace
local c1 = "c1"
assert(plumb.netns.add(c1))
local ctr <close> = assert(plumb.open{ netns = c1 })
assert(ctr:link_set("lo", { up = true }))

-- 2. the bridge, with the gateway address
assert(host:link_add{ name = "br0", kind = "bridge", up = true, bridge = { stp = false } })
assert(host:addr_add("br0", "10.88.0.1/16"))

-- 3. the veth pair: host end on the bridge, container end created inside c1 as eth0
assert(host:link_add{ name = "veth-c1", kind = "veth", master = "br0", up = true, mtu = 1500,
                      peer = { name = "eth0", netns = c1, up = true, mtu = 1500 } })

-- 4. the container's address and default route
assert(ctr:addr_add("eth0", "10.88.0.2/16"))
assert(ctr:route_add{ dst = "default", gateway = "10.88.0.1", dev = "eth0" })

-- 5. show what was built, from plumb's own records
say("%s: container on a bridge", plumb._VERSION)
say("")
say("host namespace:")
for _, l in ipairs(assert(host:links())) do
  say("  link %-8s %-6s %-15s master=%s", l.ifname, l.linkinfo and l.linkinfo.info_kind or "-",
      l.operstate, l.master or "-")
end
for _, a in ipairs(assert(host:addrs{ family = "inet" })) do
  say("  addr %-8s %s/%d", a.ifname, a["local"], a.prefixlen)
end
say("container namespace %s:", c1)
for _, l in ipairs(assert(ctr:links())) do
  say("  link %-8s %-6s %-15s", l.ifname, l.linkinfo and l.linkinfo.info_kind or "-", l.operstate)
end
for _, a in ipairs(assert(ctr:addrs{ family = "inet" })) do
  say("  addr %-8s %s/%d", a.ifname, a["local"], a.prefixlen)
end
for _, r in ipairs(assert(ctr:routes{ family = "inet" })) do
  say("  route %-14s via %-10s dev %s", r.dst, r.gateway or "-", r.dev or "-")
end

-- 6. traffic: the container pings its gateway (addresses inside the demo's namespaces only)
say("")
say("ping from %s to the gateway 10.88.0.1:", c1)
local ok = plumb.netns.exec(c1, { "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.88.0.1" })
say("")
say(ok and "demo: OK, the container reaches its gateway" or "demo: FAILED, no reply from the gateway")

-- 7. tear down (the namespaces go away with the demo anyway)
assert(host:link_del("veth-c1"))
assert(host:link_del("br0"))
ctr:close()
assert(plumb.netns.del(c1))
os.exit(ok and 0 or 1)
