// SPDX-License-Identifier: MIT
/*
 * Routes: a RTM_NEWROUTE/DELROUTE message reported as a record shaped like
 * `ip -j route show table all` (and `ip -j route get`).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/in_route.h>
#include <linux/rtnetlink.h>

#include "route.h"

/* rtm_flags and rtnh_flags, in ip's order (print_rt_flags) */
static const struct {
	unsigned flag;
	const char *name;
} pl_route_flag_names[] = {
	{ RTNH_F_DEAD, "dead" }, { RTNH_F_ONLINK, "onlink" }, { RTNH_F_PERVASIVE, "pervasive" },
	{ RTNH_F_OFFLOAD, "offload" }, { RTNH_F_TRAP, "trap" }, { RTM_F_NOTIFY, "notify" },
	{ RTNH_F_LINKDOWN, "linkdown" }, { RTNH_F_UNRESOLVED, "unresolved" },
	{ RTM_F_OFFLOAD, "rt_offload" }, { RTM_F_TRAP, "rt_trap" },
	{ RTM_F_OFFLOAD_FAILED, "rt_offload_failed" },
};

/* RTCF_* of a cloned IPv4 route (ip's "cache" list, print_cache_flags) */
static const struct {
	unsigned flag;
	const char *name;
} pl_route_cache_names[] = {
	{ RTCF_LOCAL, "local" }, { 0x40000000 /* RTCF_REJECT */, "reject" },
	{ RTCF_MULTICAST, "mc" }, { RTCF_BROADCAST, "brd" }, { RTCF_DNAT, "dst-nat" },
	{ RTCF_SNAT, "src-nat" }, { RTCF_MASQ, "masq" }, { RTCF_DIRECTDST, "dst-direct" },
	{ RTCF_DIRECTSRC, "src-direct" }, { RTCF_REDIRECTED, "redirected" },
	{ RTCF_DOREDIRECT, "redirect" }, { RTCF_FAST, "fastroute" }, { RTCF_NOTIFY, "notify" },
	{ RTCF_TPROXY, "proxy" },
};


/* ---------------------------------------------------------------------------------------- */
/* parsing */

static void pl_route_flags(struct pl_sink *k, unsigned flags)
{
	size_t i;
	int n = 0;

	for (i = 0; flags && i < sizeof(pl_route_flag_names) / sizeof(pl_route_flag_names[0]); i++)
		n += (flags & pl_route_flag_names[i].flag) != 0;
	k->size_hint = n;
	k->begin_list(k, "flags");
	for (i = 0; n && i < sizeof(pl_route_flag_names) / sizeof(pl_route_flag_names[0]); i++)
		if (flags & pl_route_flag_names[i].flag)
			pl_sink_name(k, NULL, pl_route_flag_names[i].name);
	k->end(k);
}

/* A prefix as ip prints it: no length for a host route, "default" for none. */
static void pl_route_prefix_out(struct pl_sink *k, const char *key, int family,
				const struct nlattr *at, unsigned plen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	size_t alen = family == AF_INET ? 4 : 16;
	unsigned host = family == AF_INET ? 32 : 128;

	if (at && mnl_attr_get_payload_len(at) >= alen &&
	    (family == AF_INET || family == AF_INET6)) {
		inet_ntop(family, mnl_attr_get_payload(at), buf, sizeof(buf));
		if (plen != host)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "/%u", plen);
		k->str(k, key, buf);
	} else if (plen) {
		snprintf(buf, sizeof(buf), "0/%u", plen);
		k->str(k, key, buf);
	} else if (strcmp(key, "dst") == 0) {
		k->str(k, key, "default");
	}
}

/* "metrics": [ { "mtu": 1400, ... } ], as ip prints them */
static void pl_route_metrics_out(struct pl_sink *k, const struct nlattr *mx)
{
	k->begin_list(k, "metrics");
	k->begin(k, NULL);
	pl_attrs_parse(mx, &pl_route_metrics, k);
	k->end(k);
	k->end(k);
}

/* "nexthops": [ { gateway, dev, weight, flags }, ... ] */
static void pl_route_multipath_out(struct pl_sink *k, const struct nlattr *mp)
{
	const struct rtnexthop *nh = mnl_attr_get_payload(mp);
	int len = (int)mnl_attr_get_payload_len(mp);

	k->begin_list(k, "nexthops");
	while (len >= (int)sizeof(*nh) && nh->rtnh_len >= sizeof(*nh) && nh->rtnh_len <= len) {
		const char *end = (const char *)nh + nh->rtnh_len;
		const struct nlattr *at = (const struct nlattr *)RTNH_DATA(nh);

		k->begin(k, NULL);
		for (; mnl_attr_ok(at, (int)(end - (const char *)at)); at = mnl_attr_next(at))
			if (mnl_attr_get_type(at) == RTA_GATEWAY)
				pl_attr_emit(at, &pl_route_desc[0], k);
		if (nh->rtnh_ifindex && k->ifindex)
			pl_sink_ifname(k, "dev", (uint32_t)nh->rtnh_ifindex);
		k->integer(k, "weight", nh->rtnh_hops + 1);
		pl_route_flags(k, nh->rtnh_flags);
		k->end(k);
		len -= RTNH_ALIGN(nh->rtnh_len);
		nh = RTNH_NEXT(nh);
	}
	k->end(k);
}

/* RTA_VIA: a gateway of another family, "via": { "family": "inet6", "host": ... } */
static void pl_route_via_out(struct pl_sink *k, const struct nlattr *at)
{
	const struct rtvia *via = mnl_attr_get_payload(at);
	size_t len = mnl_attr_get_payload_len(at);
	char buf[INET6_ADDRSTRLEN];

	if (len < sizeof(*via))
		return;
	len -= sizeof(*via);
	if (!((via->rtvia_family == AF_INET && len >= 4) ||
	      (via->rtvia_family == AF_INET6 && len >= 16)))
		return;
	inet_ntop(via->rtvia_family, via->rtvia_addr, buf, sizeof(buf));
	k->begin(k, "via");
	k->str(k, "family", via->rtvia_family == AF_INET ? "inet" : "inet6");
	k->str(k, "host", buf);
	k->end(k);
}

static void pl_route_cacheinfo_out(struct pl_sink *k, const struct nlattr *at)
{
	const struct rta_cacheinfo *ci = mnl_attr_get_payload(at);
	long hz = sysconf(_SC_CLK_TCK);

	if (mnl_attr_get_payload_len(at) < sizeof(*ci))
		return;
	if (ci->rta_expires)
		k->integer(k, "expires", (int)ci->rta_expires / (hz > 0 ? hz : 100));
	if (ci->rta_error)
		k->integer(k, "error", ci->rta_error);
}

void pl_route_parse(const struct nlmsghdr *nlh, struct pl_pctx *c, struct pl_sink *k)
{
	struct pl_rtnames *names = c ? c->names : NULL;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1];
	char buf[64], tbuf[64];
	uint32_t table;
	size_t i;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*rtm))
		return;
	/* one walk: gateway, dev, prefsrc, metric, pref, iif, uid, nhid, and tb[] for the rest */
	pl_attrs_parse_tb(nlh, sizeof(*rtm), &pl_route_attrs, c, k, tb, RTA_MAX);

	if (nlh->nlmsg_type == RTM_DELROUTE)
		k->boolean(k, "deleted", 1);
	if (rtm->rtm_type != RTN_UNICAST) {
		const char *n = pl_enum_name(pl_route_types, rtm->rtm_type);

		if (!n)
			snprintf(buf, sizeof(buf), "%u", rtm->rtm_type);
		k->str(k, "type", n ? n : buf);
	}
	pl_route_prefix_out(k, "dst", rtm->rtm_family, tb[RTA_DST], rtm->rtm_dst_len);
	if (tb[RTA_SRC])
		pl_route_prefix_out(k, "from", rtm->rtm_family, tb[RTA_SRC], rtm->rtm_src_len);
	else if (rtm->rtm_src_len)
		pl_route_prefix_out(k, "src", rtm->rtm_family, NULL, rtm->rtm_src_len);
	if (rtm->rtm_tos)
		k->str(k, "tos", pl_rtn_name(names, PL_RTN_DSFIELD, rtm->rtm_tos, buf, sizeof(buf)));

	table = rtm->rtm_table;
	if (tb[RTA_TABLE] && mnl_attr_get_payload_len(tb[RTA_TABLE]) >= 4)
		table = mnl_attr_get_u32(tb[RTA_TABLE]);
	if (table && table != RT_TABLE_MAIN)
		k->str(k, "table", pl_rtn_name(names, PL_RTN_TABLE, table, tbuf, sizeof(tbuf)));
	/* ip prints neither for a cached (cloned) route */
	if (!(rtm->rtm_flags & RTM_F_CLONED)) {
		if (rtm->rtm_protocol != RTPROT_BOOT)
			k->str(k, "protocol", pl_rtn_name(names, PL_RTN_PROTO, rtm->rtm_protocol,
							  buf, sizeof(buf)));
		if (rtm->rtm_scope != RT_SCOPE_UNIVERSE)
			k->str(k, "scope", pl_rtn_name(names, PL_RTN_SCOPE, rtm->rtm_scope, buf,
						       sizeof(buf)));
	}
	pl_route_flags(k, rtm->rtm_flags);
	if (tb[RTA_MARK] && mnl_attr_get_payload_len(tb[RTA_MARK]) >= 4 &&
	    mnl_attr_get_u32(tb[RTA_MARK]))
		k->integer(k, "mark", mnl_attr_get_u32(tb[RTA_MARK]));
	if (rtm->rtm_family == AF_INET && (rtm->rtm_flags & RTM_F_CLONED)) {
		k->begin_list(k, "cache");
		for (i = 0; i < sizeof(pl_route_cache_names) / sizeof(pl_route_cache_names[0]); i++)
			if (rtm->rtm_flags & pl_route_cache_names[i].flag)
				k->str(k, NULL, pl_route_cache_names[i].name);
		k->end(k);
	}
	if (tb[RTA_CACHEINFO])
		pl_route_cacheinfo_out(k, tb[RTA_CACHEINFO]);
	if (tb[RTA_METRICS])
		pl_route_metrics_out(k, tb[RTA_METRICS]);
	if (tb[RTA_VIA])
		pl_route_via_out(k, tb[RTA_VIA]);
	if (tb[RTA_MULTIPATH])
		pl_route_multipath_out(k, tb[RTA_MULTIPATH]);
}
