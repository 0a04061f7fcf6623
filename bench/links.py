# pyroute2: the same work as bench/links.lua.
import os, time
from pyroute2 import IPRoute
N = int(os.environ.get("N", "500"))
ip = IPRoute()
t0 = time.monotonic()
for i in range(1, N + 1):
    ip.link("add", ifname="v%d" % i, kind="veth", peer="p%d" % i)
t1 = time.monotonic()
links = ip.get_links()
assert len(links) == 2 * N + 1
t2 = time.monotonic()
for i in range(1, N + 1):
    ip.link("del", index=ip.link_lookup(ifname="v%d" % i)[0])
t3 = time.monotonic()
print("  %-9s add %7.1f ms   list %6.1f ms   del %7.1f ms" % ("pyroute2", (t1-t0)*1e3, (t2-t1)*1e3, (t3-t2)*1e3))
