# pyroute2's side of `make bench` (Debian's python3-pyroute2, /usr/bin/python3), run by
# bench/bench.lua in a throwaway network namespace:  work.py WORKLOAD N [DELETE]
# Prints key=value lines (milliseconds), like bench/work.lua.
import os, sys, subprocess, time
from pyroute2 import IPRoute

work, N = sys.argv[1], int(sys.argv[2])
delete = len(sys.argv) > 3 and sys.argv[3] == "1"
now = time.monotonic
ip = IPRoute()


def put(k, v):
    print("%s=%.3f" % (k, v))


def a4(base, i):
    return "10.%d.%d.%d" % (base, i // 256, i % 256)


if work == "w1":
    t0 = now()
    for i in range(1, N + 1):
        ip.link("add", ifname="v%d" % i, kind="veth", peer="p%d" % i)
    put("create_ms", (now() - t0) * 1e3)
    if delete:
        t0 = now()
        for i in range(1, N + 1):
            ip.link("del", ifname="v%d" % i)
        put("delete_ms", (now() - t0) * 1e3)
elif work == "w2":
    subprocess.check_call("ip link add br0 type bridge && ip link set br0 up", shell=True)
    t0 = now()
    br = ip.link_lookup(ifname="br0")[0]
    for i in range(1, N + 1):
        ip.link("add", ifname="v%d" % i, kind="veth", peer="p%d" % i, master=br, state="up")
    put("setup_ms", (now() - t0) * 1e3)
    up = int(subprocess.check_output("ip -o link show master br0 up | wc -l", shell=True))
    assert up == N, "w2 pyroute2: %d ports up, expected %d" % (up, N)
elif work == "w3":
    subprocess.check_call("ip link add a0 type veth peer name a0p && ip link set a0 up && "
                          "ip link set a0p up", shell=True)
    t0 = now()
    a0 = ip.link_lookup(ifname="a0")[0]  # pyroute2 takes an index: looked up once
    for i in range(1, N + 1):
        ip.addr("add", index=a0, address=a4(100, i), prefixlen=32)
    put("addr_ms", (now() - t0) * 1e3)
    t0 = now()
    for i in range(1, N + 1):
        ip.route("add", dst=a4(200, i) + "/32", oif=a0, scope="link")
    put("route_ms", (now() - t0) * 1e3)
elif work == "w4":
    for what, fn in (("links", ip.get_links), ("routes", lambda: ip.get_routes(table=254))):
        ts = []
        for k in range(6):
            t0 = now()
            r = fn()
            ts.append((now() - t0) * 1e3)
        put(what + "_cold_ms", ts[0])
        put(what + "_warm_ms", sorted(ts[1:])[2])
        put(what + "_n", len(r))
elif work == "rss":
    put("links_n", len(ip.get_links()))
else:
    sys.exit("work.py: unknown workload " + work)
