#!/bin/sh
# Capture seeds for the parser fuzzer from the running kernel: inside throwaway network,
# mount and pid namespaces, make links of the kinds the kernel has (with addresses, routes
# with nexthops and metrics, neighbours, FDB entries, VLANs, rules), then run every operation
# of the fuzz target once against the kernel, each receive buffer going to a seed file.
#   sh tests/fuzz/capture.sh build-fuzz/fuzz-capture tests/fuzz/corpus/parse
set -eu
tool=$1 out=$2
if [ "${PLUMB_SANDBOXED:-}" != 1 ]; then
	export PLUMB_SANDBOXED=1
	exec unshare --net --mount --pid --fork --mount-proc --propagation private \
		sh -c 'mount -t tmpfs -o mode=0755 plumb-fuzz /run && exec sh "$0" "$@"' "$0" "$@"
fi
mkdir -p "$out"
q() { "$@" 2>/dev/null || echo "capture.sh: skipped (kernel lacks it?): $*" >&2; }
ip link set lo up
ip link add br0 type bridge
q ip link set br0 type bridge vlan_filtering 1
ip link add v0 type veth peer name v1
ip link set v0 master br0
ip link set br0 up; ip link set v0 up; ip link set v1 up
ip link add mv0 link v1 type macvlan mode bridge
ip link add vx0 type vxlan id 42 dstport 4789 local 10.7.0.1 ttl 8
ip link add vx1 type vxlan id 43 dstport 4790 group 239.1.1.1 dev v1
q ip link add d0 type dummy
q ip link add vl0 link v1 type vlan id 10
q ip link add ipv0 link v1 type ipvlan mode l3
q ip link add vrf0 type vrf table 10
q ip link add bo0 type bond mode active-backup
q ip link add gn0 type geneve id 5 remote 10.7.0.3
q ip link add wg0 type wireguard
ip link set mv0 up; ip link set vx0 up
ip link set v1 alias "fuzz alias"
ip addr add 10.7.0.1/24 dev v1
ip addr add 10.7.0.5/24 dev v1
ip addr add 10.9.0.1 peer 10.9.0.2/32 dev v1
ip addr add 2001:db8::1/64 dev v1 nodad
ip addr add 2001:db8:1::1/64 dev v1 nodad valid_lft 300 preferred_lft 200
ip addr add 127.0.0.9/8 dev lo label lo:fz
ip route add 10.8.0.0/16 nexthop via 10.7.0.2 dev v1 weight 2 nexthop via 10.7.0.3 dev v1
ip route add 10.10.0.0/16 via 10.7.0.2 metric 50 mtu 1400 advmss 1360 table 100
ip route add 2001:db8:2::/48 via 2001:db8::2 dev v1 metric 7
ip route add 2001:db8:3::/48 nexthop via 2001:db8::2 dev v1 nexthop via 2001:db8::3 dev v1
ip route add blackhole 10.11.0.0/16 proto static
ip route add unreachable 10.12.0.0/16 scope global
ip neigh add 10.7.0.9 lladdr 02:00:00:00:00:09 dev v1 nud permanent
ip neigh add 2001:db8::9 lladdr 02:00:00:00:00:0a dev v1 nud stale
q ip neigh add proxy 10.7.0.10 dev v1
bridge fdb add 02:00:00:00:00:0b dev v0 master static
q bridge fdb add 02:00:00:00:00:0c dev v0 master static vlan 1
bridge fdb append 00:00:00:00:00:00 dev vx0 dst 10.7.0.3 vni 42 port 4789
q bridge vlan add dev v0 vid 10-20
q bridge vlan add dev v0 vid 30 pvid untagged
ip rule add priority 100 from 10.7.0.0/24 table 100
ip rule add priority 101 fwmark 0x10/0xff iif v1 lookup main
ip rule add priority 102 to 10.8.0.0/16 ipproto tcp dport 80 table 100
q ip rule add priority 103 uidrange 1000-2000 sport 1000-2000 prohibit
ip -6 rule add priority 100 from 2001:db8::/32 table 100
"$tool" "$out"
# The same buffers for the parsers on their own (op 18, "raw")
for f in links links-bridge addrs addrs-inet6 routes-all routes-inet6-all neighs fdbs vlans rules; do
	{ printf '\022'; tail -c +2 "$out/$f"; } >"$out/raw-$f"
done
