// SPDX-License-Identifier: MIT
/*
 * The libmnl floors of `make bench`: what a minimal C program with one request in flight
 * spends on the same work as plumb (build, send, wait for the ACK, next). Names are resolved
 * once, outside the timed loops, as a program that knows its device would.
 *
 *   floor_links veth N [DEL]    W1: create N veth pairs v<i>/p<i>, then (unless DEL is 0)
 *                               delete each v<i>
 *   floor_links addr DEV N      W3: N /32 addresses 10.100.<i/256>.<i%256> on DEV
 *   floor_links route DEV N     W3: N /32 routes 10.200.<i/256>.<i%256> dev DEV
 *   floor_links addr-byname DEV N, route-byname DEV N
 *                               the same, DEV resolved again for each request (SIOCGIFINDEX
 *                               on the netlink socket), as plumb does for `dev = "a0"`
 *   floor_links dump K          W4: K dumps of links then routes (main table, inet and
 *                               inet6), every attribute of every message walked into a
 *                               tb[] and nothing built: the parse-only floor
 *
 * Prints key=value lines (milliseconds) for bench/bench.lua; exits 1 on any kernel error.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <linux/if_link.h>
#include <linux/veth.h>

#include "floor.h"

static void die(const char *what, int i)
{
	fprintf(stderr, "floor_links: %s %d: %s\n", what, i, strerror(errno));
	exit(1);
}

static void veth(struct fl_sock *s, int n, int del)
{
	char name[IFNAMSIZ];
	double t0, t1, t2;
	int i;

	t0 = fl_now();
	for (i = 1; i <= n; i++) {
		struct nlmsghdr *nlh = fl_req(s, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
		struct nlattr *li, *data, *peer;
		struct ifinfomsg *ifi;

		ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		snprintf(name, sizeof(name), "v%d", i);
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
		li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
		ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		snprintf(name, sizeof(name), "p%d", i);
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
		mnl_attr_nest_end(nlh, peer);
		mnl_attr_nest_end(nlh, data);
		mnl_attr_nest_end(nlh, li);
		(void)ifi;
		if (fl_talk(s, nlh, NULL, NULL) < 0)
			die("veth add", i);
	}
	t1 = fl_now();
	printf("create_ms=%.3f\n", (t1 - t0) * 1e3);
	for (i = 1; del && i <= n; i++) {
		struct nlmsghdr *nlh = fl_req(s, RTM_DELLINK, NLM_F_ACK);

		mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
		snprintf(name, sizeof(name), "v%d", i);
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
		if (fl_talk(s, nlh, NULL, NULL) < 0)
			die("veth del", i);
	}
	t2 = fl_now();
	if (del)
		printf("delete_ms=%.3f\n", (t2 - t1) * 1e3);
}

/* The device's ifindex by SIOCGIFINDEX on the netlink socket: one syscall, what a program
 * that is given a name per request spends to resolve it. */
static unsigned int byname(struct fl_sock *s, const char *dev)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, dev, IFNAMSIZ - 1);
	if (ioctl(mnl_socket_get_fd(s->nl), SIOCGIFINDEX, &ifr) < 0)
		die(dev, 0);
	return (unsigned int)ifr.ifr_ifindex;
}

static void addr_route(struct fl_sock *s, int route, const char *dev, int n, int per_request)
{
	unsigned int ifindex = if_nametoindex(dev);
	double t0, t1;
	uint32_t a;
	int i;

	if (!ifindex)
		die(dev, 0);
	t0 = fl_now();
	for (i = 1; i <= n; i++) {
		struct nlmsghdr *nlh;

		if (per_request)
			ifindex = byname(s, dev);

		a = htonl((10u << 24) | ((route ? 200u : 100u) << 16) | (unsigned int)i);
		if (route) {
			struct rtmsg *rtm;

			nlh = fl_req(s, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
			rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
			rtm->rtm_family = AF_INET;
			rtm->rtm_dst_len = 32;
			rtm->rtm_table = RT_TABLE_MAIN;
			rtm->rtm_protocol = RTPROT_BOOT;
			rtm->rtm_scope = RT_SCOPE_LINK;
			rtm->rtm_type = RTN_UNICAST;
			mnl_attr_put_u32(nlh, RTA_DST, a);
			mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
		} else {
			struct ifaddrmsg *ifa;

			nlh = fl_req(s, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
			ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
			ifa->ifa_family = AF_INET;
			ifa->ifa_prefixlen = 32;
			ifa->ifa_index = ifindex;
			mnl_attr_put_u32(nlh, IFA_LOCAL, a);
			mnl_attr_put_u32(nlh, IFA_ADDRESS, a);
		}
		if (fl_talk(s, nlh, NULL, NULL) < 0)
			die(route ? "route add" : "addr add", i);
	}
	t1 = fl_now();
	printf("%s_ms=%.3f\n", route ? "route" : "addr", (t1 - t0) * 1e3);
}

struct walk {
	int msgs;
	int attrs;
	int maxtype;
};

static int walk_attr(const struct nlattr *at, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(at);

	if (type <= IFLA_MAX)
		tb[type] = at;
	return MNL_CB_OK;
}

static int walk_msg(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { NULL };
	struct walk *w = data;
	size_t hdr = nlh->nlmsg_type == RTM_NEWLINK ? sizeof(struct ifinfomsg)
						    : sizeof(struct rtmsg);

	w->msgs++;
	mnl_attr_parse(nlh, (unsigned int)hdr, walk_attr, tb);
	for (int i = 0; i <= IFLA_MAX; i++)
		w->attrs += tb[i] != NULL;
	return MNL_CB_OK;
}

static int dump_links(struct fl_sock *s, struct walk *w)
{
	struct nlmsghdr *nlh = fl_req(s, RTM_GETLINK, NLM_F_DUMP);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS);
	return fl_talk(s, nlh, walk_msg, w);
}

static int dump_routes(struct fl_sock *s, struct walk *w)
{
	static const unsigned char fams[] = { AF_INET, AF_INET6 };

	for (size_t f = 0; f < sizeof(fams); f++) {
		struct nlmsghdr *nlh = fl_req(s, RTM_GETROUTE, NLM_F_DUMP);
		struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

		rtm->rtm_family = fams[f];
		rtm->rtm_table = RT_TABLE_MAIN;
		if (fl_talk(s, nlh, walk_msg, w) < 0)
			return -1;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void dump(struct fl_sock *s, int k)
{
	double tl[64], tr[64], t0;
	struct walk wl, wr;
	int i;

	if (k < 2 || k > 64)
		k = 6;
	for (i = 0; i < k; i++) {
		memset(&wl, 0, sizeof(wl));
		memset(&wr, 0, sizeof(wr));
		t0 = fl_now();
		if (dump_links(s, &wl) < 0)
			die("link dump", i);
		tl[i] = fl_now() - t0;
		t0 = fl_now();
		if (dump_routes(s, &wr) < 0)
			die("route dump", i);
		tr[i] = fl_now() - t0;
	}
	printf("links_n=%d\nroutes_n=%d\n", wl.msgs, wr.msgs);
	printf("links_cold_ms=%.3f\nroutes_cold_ms=%.3f\n", tl[0] * 1e3, tr[0] * 1e3);
	qsort(tl + 1, (size_t)k - 1, sizeof(double), cmp_double);
	qsort(tr + 1, (size_t)k - 1, sizeof(double), cmp_double);
	printf("links_warm_ms=%.3f\nroutes_warm_ms=%.3f\n", tl[1 + (k - 1) / 2] * 1e3,
	       tr[1 + (k - 1) / 2] * 1e3);
}

int main(int argc, char **argv)
{
	static struct fl_sock s;

	if (argc < 3) {
		fprintf(stderr, "usage: floor_links veth N | addr[-byname] DEV N | "
			"route[-byname] DEV N | dump K\n");
		return 2;
	}
	if (fl_open(&s) < 0)
		die("socket", 0);
	if (strcmp(argv[1], "veth") == 0)
		veth(&s, atoi(argv[2]), argc < 4 || atoi(argv[3]) != 0);
	else if (strcmp(argv[1], "dump") == 0)
		dump(&s, atoi(argv[2]));
	else if (argc >= 4 && (strcmp(argv[1], "addr") == 0 || strcmp(argv[1], "route") == 0))
		addr_route(&s, argv[1][0] == 'r', argv[2], atoi(argv[3]), 0);
	else if (argc >= 4 && (strcmp(argv[1], "addr-byname") == 0 ||
			       strcmp(argv[1], "route-byname") == 0))
		addr_route(&s, argv[1][0] == 'r', argv[2], atoi(argv[3]), 1);
	else
		die("unknown command", 0);
	return 0;
}
