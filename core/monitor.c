// SPDX-License-Identifier: MIT
/*
 * Events: a netlink socket subscribed to the rtnetlink multicast groups of the objects asked
 * for, the key that identifies the object a message is about (the monitor's picture is kept
 * per object and key), and the dumps a monitor re-reads its picture from after an overrun.
 *
 * NETLINK_NO_ENOBUFS is never set: a receive queue that overflowed must be reported (ENOBUFS
 * from pl_recv), so that the picture is read again instead of silently going wrong.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "internal.h"

static const struct {
	const char *name;
	unsigned bit;
} pl_mon_names[] = {
	{ "link", PL_MON_LINK },
	{ "addr", PL_MON_ADDR },
	{ "route", PL_MON_ROUTE },
	{ "neigh", PL_MON_NEIGH },
	{ "fdb", PL_MON_FDB },
	{ "rule", PL_MON_RULE },
	{ "nsid", PL_MON_NSID },
};

unsigned pl_mon_object_bit(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(pl_mon_names) / sizeof(pl_mon_names[0]); i++)
		if (strcmp(pl_mon_names[i].name, name) == 0)
			return pl_mon_names[i].bit;
	return 0;
}

const char *pl_mon_object_name(unsigned bit)
{
	size_t i;

	for (i = 0; i < sizeof(pl_mon_names) / sizeof(pl_mon_names[0]); i++)
		if (pl_mon_names[i].bit == bit)
			return pl_mon_names[i].name;
	return NULL;
}

/* The multicast groups that carry the events of @objects (links always: the names). */
static int pl_mon_join(struct pl_sock *s, unsigned objects, struct pl_err *e)
{
	unsigned groups[12];
	size_t n = 0, i;

	groups[n++] = RTNLGRP_LINK;
	if (objects & PL_MON_ADDR) {
		groups[n++] = RTNLGRP_IPV4_IFADDR;
		groups[n++] = RTNLGRP_IPV6_IFADDR;
	}
	if (objects & PL_MON_ROUTE) {
		groups[n++] = RTNLGRP_IPV4_ROUTE;
		groups[n++] = RTNLGRP_IPV6_ROUTE;
	}
	if (objects & (PL_MON_NEIGH | PL_MON_FDB))
		groups[n++] = RTNLGRP_NEIGH;
	if (objects & PL_MON_RULE) {
		groups[n++] = RTNLGRP_IPV4_RULE;
		groups[n++] = RTNLGRP_IPV6_RULE;
	}
	if (objects & PL_MON_NSID)
		groups[n++] = RTNLGRP_NSID;
	for (i = 0; i < n; i++) {
		unsigned g = groups[i];

		if (setsockopt(pl_sock_fd(s), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g,
			       sizeof(g)) < 0)
			return pl_err_set(e, errno, "monitor: joining group %u: %s", g,
					  strerror(errno));
	}
	return 0;
}

/* SO_RCVBUFFORCE (root: beyond net.core.rmem_max), else SO_RCVBUF. */
static int pl_mon_rcvbuf(struct pl_sock *s, int bytes, struct pl_err *e)
{
	int fd = pl_sock_fd(s);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) == 0)
		return 0;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) == 0)
		return 0;
	return pl_err_set(e, errno, "monitor: receive buffer of %d bytes: %s", bytes,
			  strerror(errno));
}

int pl_mon_open(struct pl_mon *m, const struct pl_nsref *ns, unsigned objects, int rcvbuf,
		struct pl_err *e)
{
	socklen_t len = sizeof(m->rcvbuf);

	memset(m, 0, sizeof(*m));
	if (pl_sock_open(&m->s, ns, e) < 0)
		return -1;
	m->objects = objects;
	if ((rcvbuf > 0 && pl_mon_rcvbuf(&m->s, rcvbuf, e) < 0) ||
	    pl_mon_join(&m->s, objects, e) < 0) {
		pl_sock_close(&m->s);
		return -1;
	}
	if (getsockopt(pl_sock_fd(&m->s), SOL_SOCKET, SO_RCVBUF, &m->rcvbuf, &len) < 0)
		m->rcvbuf = 1 << 20;
	return 0;
}

void pl_mon_close(struct pl_mon *m)
{
	pl_sock_close(&m->s);
}

/* Read and drop what the queue holds after an overrun: until it is empty, or until more bytes
 * were read than it can hold (every message queued before the overrun is gone then; a storm
 * may keep it from ever being empty). Messages dropped here are older than the re-dump that
 * follows, which reflects them. Returns the number of datagrams dropped. */
long pl_mon_drain(struct pl_mon *m)
{
	size_t limit = (size_t)m->rcvbuf + (1u << 17), got = 0;
	long n = 0;

	while (got <= limit) {
		ssize_t r = recv(pl_sock_fd(&m->s), m->s.rbuf, m->s.rbuflen,
				 MSG_DONTWAIT | MSG_TRUNC);

		if (r < 0 && (errno == EINTR || errno == ENOBUFS))
			continue;
		if (r < 0)
			break;
		got += (size_t)r;
		n++;
	}
	return n;
}

/* ---------------------------------------------------------------------------------------- */
/* which object, and its key */

static const char *pl_mon_ntop(int family, const struct nlattr *a, char *buf, size_t len)
{
	size_t alen = pl_family_addrlen(family);

	if (!a || !alen || mnl_attr_get_payload_len(a) < alen)
		return family == AF_INET6 ? "::" : "0.0.0.0";
	return inet_ntop(family, mnl_attr_get_payload(a), buf, (socklen_t)len) ?: "?";
}

static void pl_mon_tb(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb,
		      unsigned max)
{
	const struct nlattr *a;

	memset(tb, 0, sizeof(*tb) * (max + 1));
	mnl_attr_for_each(a, nlh, hdrlen) {
		unsigned t = mnl_attr_get_type(a);

		if (t <= max)
			tb[t] = a;
	}
}

static uint32_t pl_mon_u32(const struct nlattr *a, uint32_t def)
{
	return a && mnl_attr_get_payload_len(a) >= 4 ? mnl_attr_get_u32(a) : def;
}

/* 64-bit FNV-1a */
static uint64_t pl_mon_hash(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--) {
		h ^= *b++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int pl_mon_key_link(const struct nlmsghdr *nlh, char *key, size_t len)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*ifi) || ifi->ifi_family == AF_BRIDGE)
		return -1;	/* AF_BRIDGE: a bridge port's state, not the link */
	snprintf(key, len, "%d", ifi->ifi_index);
	return 0;
}

static int pl_mon_key_addr(const struct nlmsghdr *nlh, char *key, size_t len)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1];
	char l[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN];
	size_t alen;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*ifa))
		return -1;
	alen = pl_family_addrlen(ifa->ifa_family);
	if (!alen)
		return -1;
	pl_mon_tb(nlh, sizeof(*ifa), tb, IFA_MAX);
	if (!tb[IFA_LOCAL])
		tb[IFA_LOCAL] = tb[IFA_ADDRESS];
	pl_mon_ntop(ifa->ifa_family, tb[IFA_LOCAL], l, sizeof(l));
	if (tb[IFA_ADDRESS] && tb[IFA_ADDRESS] != tb[IFA_LOCAL] &&
	    mnl_attr_get_payload_len(tb[IFA_ADDRESS]) >= alen &&
	    mnl_attr_get_payload_len(tb[IFA_LOCAL]) >= alen &&
	    memcmp(mnl_attr_get_payload(tb[IFA_ADDRESS]), mnl_attr_get_payload(tb[IFA_LOCAL]),
		   alen) != 0)
		snprintf(key, len, "%u %s/%u peer %s", ifa->ifa_index, l, ifa->ifa_prefixlen,
			 pl_mon_ntop(ifa->ifa_family, tb[IFA_ADDRESS], p, sizeof(p)));
	else
		snprintf(key, len, "%u %s/%u", ifa->ifa_index, l, ifa->ifa_prefixlen);
	return 0;
}

static int pl_mon_key_route(const struct nlmsghdr *nlh, char *key, size_t len)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1];
	char d[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN + 16] = "";

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*rtm))
		return -1;
	if ((rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) ||
	    (rtm->rtm_flags & RTM_F_CLONED))
		return -1;	/* as the dumps: no cache entries, no multicast routing */
	pl_mon_tb(nlh, sizeof(*rtm), tb, RTA_MAX);
	if (rtm->rtm_src_len) {
		char a[INET6_ADDRSTRLEN];

		snprintf(s, sizeof(s), " from %s/%u", pl_mon_ntop(rtm->rtm_family, tb[RTA_SRC], a,
			 sizeof(a)), rtm->rtm_src_len);
	}
	snprintf(key, len, "%u %s/%u%s tos %u metric %u", pl_mon_u32(tb[RTA_TABLE], rtm->rtm_table),
		 pl_mon_ntop(rtm->rtm_family, tb[RTA_DST], d, sizeof(d)), rtm->rtm_dst_len, s,
		 rtm->rtm_tos, pl_mon_u32(tb[RTA_PRIORITY], 0));
	return 0;
}

static int pl_mon_key_neigh(const struct nlmsghdr *nlh, int fdb, char *key, size_t len)
{
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[NDA_MAX + 1];
	char a[INET6_ADDRSTRLEN], mac[64] = "";
	size_t n;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*ndm))
		return -1;
	pl_mon_tb(nlh, sizeof(*ndm), tb, NDA_MAX);
	if (!fdb) {
		if ((ndm->ndm_family != AF_INET && ndm->ndm_family != AF_INET6) ||
		    (ndm->ndm_flags & NTF_PROXY))
			return -1;	/* as the dumps: no proxy entries */
		snprintf(key, len, "%d %s", ndm->ndm_ifindex,
			 pl_mon_ntop(ndm->ndm_family, tb[NDA_DST], a, sizeof(a)));
		return 0;
	}
	if (tb[NDA_LLADDR])
		pl_fmt_mac(mac, sizeof(mac), mnl_attr_get_payload(tb[NDA_LLADDR]),
			   mnl_attr_get_payload_len(tb[NDA_LLADDR]));
	n = (size_t)snprintf(key, len, "%d %s vlan %u", ndm->ndm_ifindex, mac,
			     tb[NDA_VLAN] && mnl_attr_get_payload_len(tb[NDA_VLAN]) >= 2 ?
			     mnl_attr_get_u16(tb[NDA_VLAN]) : 0);
	if (n < len && tb[NDA_DST]) {
		int fam = mnl_attr_get_payload_len(tb[NDA_DST]) == 16 ? AF_INET6 : AF_INET;

		n += (size_t)snprintf(key + n, len - n, " dst %s",
				      pl_mon_ntop(fam, tb[NDA_DST], a, sizeof(a)));
	}
	if (n < len && tb[NDA_VNI])
		n += (size_t)snprintf(key + n, len - n, " vni %u", pl_mon_u32(tb[NDA_VNI], 0));
	if (n < len)
		snprintf(key + n, len - n, "%s%s", ndm->ndm_flags & NTF_SELF ? " self" : "",
			 ndm->ndm_flags & NTF_MASTER ? " master" : "");
	return 0;
}

static int pl_mon_key_rule(const struct nlmsghdr *nlh, char *key, size_t len)
{
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	struct fib_rule_hdr h;
	const struct nlattr *a;
	uint64_t hash = 0xcbf29ce484222325ULL;
	uint32_t prio = 0;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*frh) ||
	    (frh->family != AF_INET && frh->family != AF_INET6))
		return -1;
	/* A rule is the whole of it; its flags (FIB_RULE_UNRESOLVED) change on their own. */
	h = *frh;
	h.flags = 0;
	hash = pl_mon_hash(hash, &h, sizeof(h));
	mnl_attr_for_each(a, nlh, sizeof(*frh)) {
		if (mnl_attr_get_type(a) == FRA_PRIORITY)
			prio = pl_mon_u32(a, 0);
		hash = pl_mon_hash(hash, a, mnl_attr_get_len(a));
	}
	snprintf(key, len, "%s pref %u #%016llx", frh->family == AF_INET ? "inet" : "inet6", prio,
		 (unsigned long long)hash);
	return 0;
}

static int pl_mon_key_nsid(const struct nlmsghdr *nlh, char *key, size_t len)
{
	const struct nlattr *tb[NETNSA_MAX + 1];

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct rtgenmsg))
		return -1;
	pl_mon_tb(nlh, NLMSG_ALIGN(sizeof(struct rtgenmsg)), tb, NETNSA_MAX);
	if (!tb[NETNSA_NSID])
		return -1;
	snprintf(key, len, "%d", (int32_t)pl_mon_u32(tb[NETNSA_NSID], 0));
	return 0;
}

const char *pl_mon_classify(const struct nlmsghdr *nlh, unsigned *bit, pl_parse_fn *fn,
			    int *del, char *key, size_t len)
{
	const char *obj = pl_msg_object(nlh, fn, del);
	int rc = -1;

	*bit = 0;
	if (!obj)
		return NULL;
	*bit = pl_mon_object_bit(obj);
	switch (*bit) {
	case PL_MON_LINK:
		rc = pl_mon_key_link(nlh, key, len);
		break;
	case PL_MON_ADDR:
		rc = pl_mon_key_addr(nlh, key, len);
		break;
	case PL_MON_ROUTE:
		rc = pl_mon_key_route(nlh, key, len);
		break;
	case PL_MON_NEIGH:
		rc = pl_mon_key_neigh(nlh, 0, key, len);
		break;
	case PL_MON_FDB:
		rc = pl_mon_key_neigh(nlh, 1, key, len);
		break;
	case PL_MON_RULE:
		rc = pl_mon_key_rule(nlh, key, len);
		break;
	case PL_MON_NSID:
		rc = pl_mon_key_nsid(nlh, key, len);
		break;
	default:
		break;
	}
	if (rc < 0) {
		*bit = 0;
		*fn = NULL;
		return NULL;
	}
	return obj;
}

int pl_mon_link_name(const struct nlmsghdr *nlh, int *ifindex, const char **name)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	if ((nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK) ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*ifi) || ifi->ifi_family == AF_BRIDGE)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		if (mnl_attr_get_type(a) == IFLA_IFNAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0) {
			*ifindex = ifi->ifi_index;
			*name = mnl_attr_get_str(a);
			return 1;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* the parser of RTM_NEWNSID / RTM_DELNSID (`ip -j netns list-id` fields) */

void pl_nsid_parse(const struct nlmsghdr *nlh, struct pl_pctx *c, struct pl_sink *k)
{
	const struct nlattr *tb[NETNSA_MAX + 1];
	int32_t v;

	(void)c;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct rtgenmsg))
		return;
	pl_mon_tb(nlh, NLMSG_ALIGN(sizeof(struct rtgenmsg)), tb, NETNSA_MAX);
	if (tb[NETNSA_NSID] && (v = (int32_t)pl_mon_u32(tb[NETNSA_NSID], 0)) >= 0)
		k->integer(k, "nsid", v);
	if (tb[NETNSA_CURRENT_NSID] && (v = (int32_t)pl_mon_u32(tb[NETNSA_CURRENT_NSID], 0)) >= 0)
		k->integer(k, "current-nsid", v);
}

/* ---------------------------------------------------------------------------------------- */
/* dumps */

static int pl_mon_dump_one(struct pl_sock *s, uint16_t type, int family, size_t hdrlen,
			   int link, pl_msg_cb cb, pl_reset_cb reset, void *data,
			   struct pl_err *e)
{
	struct pl_req r;
	uint8_t *hdr;

	pl_req_start(&r, s, type, 0, "monitor", NULL);
	hdr = pl_req_extra(&r, hdrlen);
	hdr[0] = (uint8_t)family;	/* every family header starts with it */
	if (link && pl_req_put_u32(&r, IFLA_EXT_MASK, RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS,
				   e) < 0)
		return -1;
	return pl_dump(&r, cb, reset, data, e);
}

int pl_mon_dump(struct pl_sock *s, unsigned bit, pl_msg_cb cb, pl_reset_cb reset, void *data,
		struct pl_err *e)
{
	/* routes: every family at once (one reset point per object); the key skips the others */
	static const struct {
		unsigned bit;
		uint16_t type;
		uint8_t family, link;
		size_t hdrlen;
	} dumps[] = {
		{ PL_MON_LINK, RTM_GETLINK, AF_UNSPEC, 1, sizeof(struct ifinfomsg) },
		{ PL_MON_ADDR, RTM_GETADDR, AF_UNSPEC, 0, sizeof(struct ifaddrmsg) },
		{ PL_MON_ROUTE, RTM_GETROUTE, AF_UNSPEC, 0, sizeof(struct rtmsg) },
		{ PL_MON_NEIGH, RTM_GETNEIGH, AF_UNSPEC, 0, sizeof(struct ndmsg) },
		{ PL_MON_FDB, RTM_GETNEIGH, AF_BRIDGE, 0, sizeof(struct ndmsg) },
		{ PL_MON_RULE, RTM_GETRULE, AF_UNSPEC, 0, sizeof(struct fib_rule_hdr) },
		{ PL_MON_NSID, RTM_GETNSID, AF_UNSPEC, 0, sizeof(struct rtgenmsg) },
	};
	size_t i;

	for (i = 0; i < sizeof(dumps) / sizeof(dumps[0]); i++)
		if (dumps[i].bit == bit)
			return pl_mon_dump_one(s, dumps[i].type, dumps[i].family, dumps[i].hdrlen,
					       dumps[i].link, cb, reset, data, e) < 0 ?
			       pl_err_prefix(e, "monitor") : 0;
	return pl_err_set(e, EINVAL, "monitor: no dump for object %u", bit);
}
