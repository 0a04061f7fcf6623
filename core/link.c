// SPDX-License-Identifier: MIT
/*
 * Links: RTM_NEWLINK / DELLINK / GETLINK, built from and parsed into the descriptor tables
 * of link.c (common attributes) and core/kinds/ (one file per kind).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "internal.h"
#include "kind.h"

static const struct pl_enum pl_operstates[] = {
	{ "UNKNOWN", 0 }, { "NOTPRESENT", 1 }, { "DOWN", 2 }, { "LOWERLAYERDOWN", 3 },
	{ "TESTING", 4 }, { "DORMANT", 5 }, { "UP", 6 }, { NULL, 0 },
};

static const struct pl_enum pl_linkmodes[] = {
	{ "DEFAULT", 0 }, { "DORMANT", 1 }, { "TESTING", 2 }, { NULL, 0 },
};

static const struct pl_enum pl_groups[] = { { "default", 0 }, { NULL, 0 } };

static const struct pl_attr_desc pl_link_desc[] = {
	{ IFLA_IFNAME, 0, PL_A_STR, 0, "name", "ifname", NULL },
	{ IFLA_MTU, 0, PL_A_U32, 0, "mtu", NULL, NULL },
	{ IFLA_QDISC, 0, PL_A_STR, PL_F_RO, "qdisc", NULL, NULL },
	{ IFLA_MASTER, 0, PL_A_IFINDEX, 0, "master", NULL, NULL },
	{ IFLA_OPERSTATE, 0, PL_A_U8, PL_F_RO, "operstate", NULL, pl_operstates },
	{ IFLA_LINKMODE, 0, PL_A_U8, PL_F_RO, "linkmode", NULL, pl_linkmodes },
	{ IFLA_GROUP, 0, PL_A_U32, 0, "group", NULL, pl_groups },
	{ IFLA_TXQLEN, 0, PL_A_U32, 0, "txqueuelen", "txqlen", NULL },
	{ IFLA_ADDRESS, 0, PL_A_MAC, 0, "address", NULL, NULL },
	{ IFLA_BROADCAST, 0, PL_A_MAC, PL_F_RO, "broadcast", NULL, NULL },
	{ IFLA_PERM_ADDRESS, 0, PL_A_MAC, PL_F_RO, "permaddr", NULL, NULL },
	{ IFLA_PROMISCUITY, 0, PL_A_U32, PL_F_RO, "promiscuity", NULL, NULL },
	{ IFLA_ALLMULTI, 0, PL_A_U32, PL_F_RO, "allmulti", NULL, NULL },
	{ IFLA_MIN_MTU, 0, PL_A_U32, PL_F_RO, "min_mtu", NULL, NULL },
	{ IFLA_MAX_MTU, 0, PL_A_U32, PL_F_RO, "max_mtu", NULL, NULL },
	{ IFLA_NUM_TX_QUEUES, 0, PL_A_U32, PL_F_RO, "num_tx_queues", NULL, NULL },
	{ IFLA_NUM_RX_QUEUES, 0, PL_A_U32, PL_F_RO, "num_rx_queues", NULL, NULL },
	{ IFLA_GSO_MAX_SIZE, 0, PL_A_U32, PL_F_RO, "gso_max_size", NULL, NULL },
	{ IFLA_GSO_MAX_SEGS, 0, PL_A_U32, PL_F_RO, "gso_max_segs", NULL, NULL },
	{ IFLA_TSO_MAX_SIZE, 0, PL_A_U32, PL_F_RO, "tso_max_size", NULL, NULL },
	{ IFLA_TSO_MAX_SEGS, 0, PL_A_U32, PL_F_RO, "tso_max_segs", NULL, NULL },
	{ IFLA_GRO_MAX_SIZE, 0, PL_A_U32, PL_F_RO, "gro_max_size", NULL, NULL },
	{ IFLA_IFALIAS, 0, PL_A_STR, 0, "alias", "ifalias", NULL },
	{ IFLA_LINK_NETNSID, 0, PL_A_U32, PL_F_RO, "link_netnsid", NULL, NULL },
	{ IFLA_PARENT_DEV_NAME, 0, PL_A_STR, PL_F_RO, "parentdev", NULL, NULL },
	/* IFLA_LINK is reported by pl_link_parse: "link" or, across namespaces, "link_index". */
	{ IFLA_LINK, 0, PL_A_IFINDEX, PL_F_WO | PL_F_FIXED, "link", NULL, NULL },
};

const struct pl_attrs pl_link_attrs = PL_ATTRS(pl_link_desc, IFLA_MAX);

const struct pl_attrs *pl_link_fields(const char *what)
{
	const struct pl_link_kind *const *kp;

	if (!what || strcmp(what, "link") == 0)
		return &pl_link_attrs;
	for (kp = pl_link_kinds; *kp; kp++) {
		if (strcmp((*kp)->name, what) == 0)
			return &(*kp)->data;
		if ((*kp)->slave_key && strcmp((*kp)->slave_key, what) == 0)
			return &(*kp)->slave;
	}
	return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* parsing */

static const struct {
	unsigned flag;
	const char *name;
} pl_iff_names[] = {
	{ IFF_LOOPBACK, "LOOPBACK" }, { IFF_BROADCAST, "BROADCAST" },
	{ IFF_POINTOPOINT, "POINTOPOINT" }, { IFF_MULTICAST, "MULTICAST" },
	{ IFF_NOARP, "NOARP" }, { IFF_ALLMULTI, "ALLMULTI" }, { IFF_PROMISC, "PROMISC" },
	{ IFF_MASTER, "MASTER" }, { IFF_SLAVE, "SLAVE" }, { IFF_DEBUG, "DEBUG" },
	{ IFF_DYNAMIC, "DYNAMIC" }, { IFF_AUTOMEDIA, "AUTOMEDIA" }, { IFF_PORTSEL, "PORTSEL" },
	{ IFF_NOTRAILERS, "NOTRAILERS" }, { IFF_UP, "UP" }, { IFF_LOWER_UP, "LOWER_UP" },
	{ IFF_DORMANT, "DORMANT" }, { IFF_ECHO, "ECHO" },
};

static const struct pl_enum pl_arphrd[] = {
	{ "netrom", ARPHRD_NETROM }, { "ether", ARPHRD_ETHER }, { "eether", ARPHRD_EETHER },
	{ "ax25", ARPHRD_AX25 }, { "ieee802", ARPHRD_IEEE802 }, { "infiniband", ARPHRD_INFINIBAND },
	{ "ppp", ARPHRD_PPP }, { "ipip", ARPHRD_TUNNEL }, { "tunnel6", ARPHRD_TUNNEL6 },
	{ "sit", ARPHRD_SIT }, { "gre", ARPHRD_IPGRE }, { "ip6gre", ARPHRD_IP6GRE },
	{ "loopback", ARPHRD_LOOPBACK }, { "ieee802.11", ARPHRD_IEEE80211 },
	{ "can", ARPHRD_CAN }, { "none", ARPHRD_NONE }, { "void", ARPHRD_VOID },
	{ "ipddp", ARPHRD_IPDDP }, { NULL, 0 },
};

static const struct pl_enum pl_gen_modes[] = {
	{ "eui64", 0 }, { "none", 1 }, { "stable_secret", 2 }, { "random", 3 }, { NULL, 0 },
};

/* The flags as ip prints them (iproute2 print_link_flags); @mdown adds "M-DOWN", ip's mark
 * for a link whose parent (IFLA_LINK in this namespace) is down. */
static void pl_link_flags(unsigned flags, int mdown, int spare, struct pl_sink *k)
{
	size_t i;
	int n = mdown + ((flags & IFF_UP) && !(flags & IFF_RUNNING));

	for (i = 0; i < sizeof(pl_iff_names) / sizeof(pl_iff_names[0]); i++)
		n += (flags & pl_iff_names[i].flag) != 0;
	k->size_hint = n + spare;	/* @spare: room for an M-DOWN amended later */
	k->begin_list(k, "flags");
	if ((flags & IFF_UP) && !(flags & IFF_RUNNING))
		pl_sink_name(k, NULL, "NO-CARRIER");
	for (i = 0; i < sizeof(pl_iff_names) / sizeof(pl_iff_names[0]); i++)
		if (flags & pl_iff_names[i].flag)
			pl_sink_name(k, NULL, pl_iff_names[i].name);
	if (mdown)
		pl_sink_name(k, NULL, "M-DOWN");
	k->end(k);
}

/* The parent ip looks at for M-DOWN: IFLA_LINK when nonzero and in this namespace (no
 * IFLA_LINK_NETNSID; iproute2 print_name_and_link), else 0. */
static int pl_link_parent(const struct nlmsghdr *nlh)
{
	const struct nlattr *at;
	uint32_t parent = 0;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct ifinfomsg))
		return 0;
	mnl_attr_for_each(at, nlh, sizeof(struct ifinfomsg)) {
		if (mnl_attr_get_type(at) == IFLA_LINK_NETNSID)
			return 0;
		if (mnl_attr_get_type(at) == IFLA_LINK && mnl_attr_get_payload_len(at) >= 4)
			parent = mnl_attr_get_u32(at);
	}
	return parent <= INT32_MAX ? (int)parent : 0;
}

static void pl_link_info(const struct nlattr *li, struct pl_pctx *c, struct pl_sink *k)
{
	const struct nlattr *at, *data = NULL, *sdata = NULL;
	const char *kind = NULL, *skind = NULL;
	const struct pl_link_kind *lk, *sk;

	mnl_attr_for_each_nested(at, li) {
		switch (mnl_attr_get_type(at)) {
		case IFLA_INFO_KIND:
			if (mnl_attr_validate(at, MNL_TYPE_NUL_STRING) == 0)
				kind = mnl_attr_get_str(at);
			break;
		case IFLA_INFO_DATA:
			data = at;
			break;
		case IFLA_INFO_SLAVE_KIND:
			if (mnl_attr_validate(at, MNL_TYPE_NUL_STRING) == 0)
				skind = mnl_attr_get_str(at);
			break;
		case IFLA_INFO_SLAVE_DATA:
			sdata = at;
			break;
		default:
			break;
		}
	}
	lk = kind ? pl_link_kind_find(kind) : NULL;
	sk = skind ? pl_link_kind_find(skind) : NULL;
	k->size_hint = !!kind + (lk && data) + !!skind + (sk && sk->slave.n && sdata);
	k->begin(k, "linkinfo");
	if (kind) {
		k->str(k, "info_kind", kind);
		if (lk && data) {
			k->begin(k, "info_data");
			pl_attrs_parse_in(data, &lk->data, c, k);
			if (lk->parse)
				lk->parse(data, k);
			k->end(k);
		}
	}
	if (skind) {
		k->str(k, "info_slave_kind", skind);
		if (sk && sk->slave.n && sdata) {
			k->begin(k, "info_slave_data");
			pl_attrs_parse_in(sdata, &sk->slave, c, k);
			k->end(k);
		}
	}
	k->end(k);
}

static void pl_link_af_spec(const struct nlattr *af, struct pl_sink *k)
{
	const struct nlattr *fam, *at;

	mnl_attr_for_each_nested(fam, af) {
		if (mnl_attr_get_type(fam) != AF_INET6)
			continue;
		mnl_attr_for_each_nested(at, fam) {
			const char *n;

			if (mnl_attr_get_type(at) != IFLA_INET6_ADDR_GEN_MODE ||
			    mnl_attr_get_payload_len(at) < 1)
				continue;
			n = NULL;
			for (const struct pl_enum *g = pl_gen_modes; g->name; g++)
				if (g->value == mnl_attr_get_u8(at))
					n = g->name;
			if (n)
				pl_sink_name(k, "inet6_addr_gen_mode", n);
		}
	}
}

/* IFLA_PROP_LIST -> "altnames": [ ... ], as ip prints them. */
static void pl_link_altnames(const struct nlattr *list, struct pl_sink *k)
{
	const struct nlattr *at;
	int n = 0;

	mnl_attr_for_each_nested(at, list) {
		if (mnl_attr_get_type(at) != IFLA_ALT_IFNAME ||
		    mnl_attr_validate(at, MNL_TYPE_NUL_STRING) < 0)
			continue;
		if (n++ == 0)
			k->begin_list(k, "altnames");
		k->str(k, NULL, mnl_attr_get_str(at));
	}
	if (n)
		k->end(k);
}

/* Report one link; @mdown: its parent is down (1), up (0), or not known yet (-1: a streamed
 * listing amends it). Returns the parent ip looks at for M-DOWN (pl_link_parent), or 0. */
static int pl_link_parse_mdown(const struct nlmsghdr *nlh, int mdown, struct pl_pctx *c,
			       struct pl_sink *k)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1], *link;
	const char *lt = NULL;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*ifi))
		return 0;
	k->integer(k, "ifindex", ifi->ifi_index);
	for (const struct pl_enum *t = pl_arphrd; t->name; t++)
		if (t->value == ifi->ifi_type)
			lt = t->name;
	if (lt)
		pl_sink_name(k, "link_type", lt);
	else
		k->integer(k, "link_type", ifi->ifi_type);
	/* one walk: the descriptor table's fields, and tb[] for the rest */
	pl_attrs_parse_tb(nlh, sizeof(*ifi), &pl_link_attrs, c, k, tb, IFLA_MAX);
	link = tb[IFLA_LINK];
	/* @mdown < 0: not known yet (a streamed listing amends it): room for it if it may come */
	pl_link_flags(ifi->ifi_flags, mdown > 0, mdown < 0 && link && !tb[IFLA_LINK_NETNSID], k);
	if (k->names && tb[IFLA_IFNAME] && ifi->ifi_index > 0)
		pl_ifnames_put(k->names, (uint32_t)ifi->ifi_index, mnl_attr_get_payload(tb[IFLA_IFNAME]),
			       strnlen(mnl_attr_get_payload(tb[IFLA_IFNAME]),
				       mnl_attr_get_payload_len(tb[IFLA_IFNAME])));
	if (tb[IFLA_LINKINFO])
		pl_link_info(tb[IFLA_LINKINFO], c, k);
	if (tb[IFLA_AF_SPEC])
		pl_link_af_spec(tb[IFLA_AF_SPEC], k);
	if (tb[IFLA_PROP_LIST])
		pl_link_altnames(tb[IFLA_PROP_LIST], k);
	/* ip prints a parent in this namespace by name, one in another by number. */
	if (link && mnl_attr_get_payload_len(link) >= 4 && mnl_attr_get_u32(link) != 0) {
		if (tb[IFLA_LINK_NETNSID])
			k->integer(k, "link_index", mnl_attr_get_u32(link));
		else if (k->ifindex)
			pl_sink_ifname(k, "link", mnl_attr_get_u32(link));
		if (!tb[IFLA_LINK_NETNSID] && mnl_attr_get_u32(link) <= INT32_MAX)
			return (int)mnl_attr_get_u32(link);
	}
	return 0;
}

void pl_link_parse(const struct nlmsghdr *nlh, struct pl_pctx *c, struct pl_sink *k)
{
	pl_link_parse_mdown(nlh, 0, c, k);
}

/* ---------------------------------------------------------------------------------------- */
/* requests */

/* Start an RTM_GETLINK for one device, by index or by name, in @buf. */
static void pl_link_get_req(struct pl_req *r, struct pl_sock *s, char *buf, size_t cap,
			    int idx, const char *name, const char *op, struct pl_err *e)
{
	struct ifinfomsg *ifi;

	pl_req_start_buf(r, s, buf, cap, RTM_GETLINK, 0, op, name);
	ifi = pl_req_extra(r, sizeof(*ifi));
	ifi->ifi_index = idx;
	if (name && !idx)
		pl_req_put_str(r, IFLA_IFNAME, name, e);
	pl_req_put_u32(r, IFLA_EXT_MASK, RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS, e);
}

/* netns = "name" | "/path" | { pid = N } | N (a pid) -> IFLA_NET_NS_FD / IFLA_NET_NS_PID */
static int pl_link_put_netns(struct pl_req *r, struct pl_source *src, const char *key,
			     struct pl_err *e)
{
	struct pl_nsref ns = { 0 };
	struct pl_val v;
	int fd, rc;

	if (pl_get(src, key, &v) < 0)
		return -1;
	if (v.kind == PL_V_NIL)
		return 0;
	if (v.kind == PL_V_TABLE) {
		struct pl_val pid;

		if (src->enter(src, key) != 1)
			return pl_err_misuse(e, "%s%s: expected a table", r->prefix, key);
		pl_get(src, "pid", &pid);
		if (src->leave(src, e) < 0)
			return -1;
		if (pid.kind != PL_V_INT || pid.i <= 0)
			return pl_err_misuse(e, "%s%s: expected { pid = N }", r->prefix, key);
		v = pid;
	}
	if (v.kind == PL_V_INT) {
		if (v.i <= 0 || v.i > INT32_MAX)
			return pl_err_misuse(e, "%s%s: invalid pid %lld", r->prefix, key, v.i);
		ns.pid = (pid_t)v.i;
		/* Kept open: later steps (an alias) find the namespace by it. */
		fd = pl_netns_open(&ns, e);
		if (fd < 0)
			return -1;
		if (pl_req_keep_fd(r, fd, e) < 0)
			return -1;
		if (r->prefix[0] == '\0')
			r->link_nsfd = fd;
		pl_req_field(r, key);
		return pl_req_put_u32(r, IFLA_NET_NS_PID, (uint32_t)v.i, e);
	}
	if (v.kind != PL_V_STR || v.len == 0)
		return pl_err_misuse(e, "%s%s: expected a namespace name, path or { pid = N }",
				     r->prefix, key);
	if (!strchr(v.s, '/') && !pl_netns_name_ok(v.s))
		return pl_err_misuse(e, "%s%s: invalid namespace name \"%s\"", r->prefix, key, v.s);
	ns.name = v.s;
	fd = pl_netns_open(&ns, e);
	if (fd < 0 && e->misuse)
		return pl_err_misuse(e, "%s%s: namespace path too long", r->prefix, key);
	if (fd < 0)
		return pl_err_set(e, e->err, "%s %s: %s%s \"%s\": %s", r->op, r->obj, r->prefix,
				  key, v.s, strerror(e->err));
	if (pl_req_keep_fd(r, fd, e) < 0)
		return -1;
	if (r->prefix[0] == '\0')
		r->link_nsfd = fd;
	pl_req_field(r, key);
	rc = pl_req_put_u32(r, IFLA_NET_NS_FD, (uint32_t)fd, e);
	return rc;
}

/* A boolean option @key for interface flag @flag -> ifi_flags / ifi_change */
static int pl_link_put_flag(struct pl_req *r, struct ifinfomsg *ifi, struct pl_source *src,
			    const char *key, unsigned flag, struct pl_err *e)
{
	struct pl_val v;

	pl_get(src, key, &v);
	if (v.kind == PL_V_NIL)
		return 0;
	if (v.kind != PL_V_BOOL)
		return pl_err_misuse(e, "%s%s: expected a boolean", r->prefix, key);
	ifi->ifi_change |= flag;
	if (v.b)
		ifi->ifi_flags |= flag;
	else
		ifi->ifi_flags &= ~flag;
	return 0;
}

/* up = true|false, promisc = true|false (`ip link set ... up|down`, `promisc on|off`) */
static int pl_link_put_up(struct pl_req *r, struct ifinfomsg *ifi, struct pl_source *src,
			  struct pl_err *e)
{
	if (pl_link_put_flag(r, ifi, src, "up", IFF_UP, e) < 0)
		return -1;
	return pl_link_put_flag(r, ifi, src, "promisc", IFF_PROMISC, e);
}

/* The common attributes of a link or of a veth peer. */
static int pl_link_put_common(struct pl_req *r, struct ifinfomsg *ifi, struct pl_source *src,
			      int allow_up, struct pl_err *e)
{
	struct pl_val v;

	if (pl_get(src, "name", &v) < 0)
		return -1;
	if (v.kind != PL_V_NIL) {
		char what[48];

		snprintf(what, sizeof(what), "%sname", r->prefix);
		if (pl_dev_name_check(&v, what, e) < 0)
			return -1;
	}
	if (allow_up && pl_link_put_up(r, ifi, src, e) < 0)
		return -1;
	if (pl_attrs_put(r, &pl_link_attrs, src, e) < 0)
		return -1;
	return pl_link_put_netns(r, src, "netns", e);
}

int pl_link_put_peer(struct pl_req *r, struct pl_source *src, uint16_t type, struct pl_err *e)
{
	struct ifinfomsg *ifi;
	struct nlattr *nest;
	int in, rc;

	in = src->enter(src, "peer");
	if (in < 0)
		return pl_err_misuse(e, "peer: expected a table");
	if (!in)
		return 0;
	nest = pl_req_nest(r, type, e);
	ifi = nest ? pl_req_extra(r, sizeof(*ifi)) : NULL;
	if (!ifi) {
		rc = pl_err_set(e, EMSGSIZE, "%s %s: request too large", r->op, r->obj);
	} else {
		struct pl_val up, name;
		int nfds = r->nfds;

		snprintf(r->prefix, sizeof(r->prefix), "peer.");
		/* A veth peer cannot be created up (ENOTCONN): it is set up right after. */
		pl_get(src, "up", &up);
		pl_get(src, "name", &name);
		rc = 0;
		if (up.kind != PL_V_NIL && up.kind != PL_V_BOOL)
			rc = pl_err_misuse(e, "peer.up: expected a boolean");
		else if (up.kind == PL_V_BOOL && up.b && name.kind == PL_V_NIL)
			rc = pl_err_misuse(e, "peer.up: needs peer.name");
		if (rc == 0)
			rc = pl_link_put_common(r, ifi, src, 0, e);
		if (rc == 0 && up.kind == PL_V_BOOL && up.b) {
			r->peer_up = 1;
			r->peer_nsfd = r->nfds > nfds ? r->fds[r->nfds - 1] : -1;
			snprintf(r->peer_name, sizeof(r->peer_name), "%s", name.s);
		}
		r->prefix[0] = '\0';
	}
	if (rc < 0) {
		struct pl_err e2;

		src->leave(src, &e2);
		return -1;
	}
	pl_req_nest_end(r, nest);
	return src->leave(src, e);
}

/* IFLA_LINKINFO { KIND, DATA } from the kind's subtable (and hook), or nothing. */
static int pl_link_put_info(struct pl_req *r, const struct pl_link_kind *lk,
			    struct pl_source *src, int always, struct pl_err *e)
{
	struct nlattr *li, *data;
	uint32_t mark;
	int in;

	in = src->enter(src, lk->name);
	if (in < 0)
		return pl_err_misuse(e, "%s: expected a table of %s options", lk->name, lk->name);
	if (!in && !always && !lk->put)
		return 0;
	li = pl_req_nest(r, IFLA_LINKINFO, e);
	if (!li)
		goto fail;
	if (pl_req_put_str(r, IFLA_INFO_KIND, lk->name, e) < 0)
		goto fail;
	data = pl_req_nest(r, IFLA_INFO_DATA, e);
	if (!data)
		goto fail;
	mark = r->nlh->nlmsg_len;
	if (in) {
		snprintf(r->prefix, sizeof(r->prefix), "%s.", lk->name);
		if (pl_attrs_put(r, &lk->data, src, e) < 0)
			goto fail;
		r->prefix[0] = '\0';
		in = 0;
		if (src->leave(src, e) < 0)
			return -1;
	}
	if (lk->put && lk->put(r, src, e) < 0)
		return -1;
	if (r->nlh->nlmsg_len == mark)
		mnl_attr_nest_cancel(r->nlh, data);
	else
		pl_req_nest_end(r, data);
	pl_req_nest_end(r, li);
	return 0;
fail:
	r->prefix[0] = '\0';
	if (in) {
		struct pl_err e2;

		src->leave(src, &e2);
	}
	return -1;
}

/* bridge_port = {...}: IFLA_LINKINFO { SLAVE_KIND, SLAVE_DATA }; *@found is the kind whose
 * ports the options are for, NULL when none was given. */
static int pl_link_put_slave(struct pl_req *r, struct pl_source *src,
			     const struct pl_link_kind **found, struct pl_err *e)
{
	const struct pl_link_kind *const *kp;

	*found = NULL;
	for (kp = pl_link_kinds; *kp; kp++) {
		const struct pl_link_kind *lk = *kp;
		struct nlattr *li, *data;
		int in, rc;

		if (!lk->slave_key)
			continue;
		in = src->enter(src, lk->slave_key);
		if (in < 0)
			return pl_err_misuse(e, "%s: expected a table", lk->slave_key);
		if (!in)
			continue;
		if (*found) {
			struct pl_err e2;

			src->leave(src, &e2);
			return pl_err_misuse(e, "%s: conflicts with %s (a port has one master)",
					     lk->slave_key, (*found)->slave_key);
		}
		snprintf(r->prefix, sizeof(r->prefix), "%s.", lk->slave_key);
		li = pl_req_nest(r, IFLA_LINKINFO, e);
		rc = li ? pl_req_put_str(r, IFLA_INFO_SLAVE_KIND, lk->name, e) : -1;
		data = rc == 0 ? pl_req_nest(r, IFLA_INFO_SLAVE_DATA, e) : NULL;
		rc = data ? pl_attrs_put(r, &lk->slave, src, e) : -1;
		r->prefix[0] = '\0';
		if (rc < 0) {
			struct pl_err e2;

			src->leave(src, &e2);
			return -1;
		}
		pl_req_nest_end(r, data);
		pl_req_nest_end(r, li);
		if (src->leave(src, e) < 0)
			return -1;
		*found = lk;
	}
	return 0;
}

static int pl_link_slave_kind_cb(const struct nlmsghdr *nlh, void *data, struct pl_err *e)
{
	const struct nlattr *at, *li;
	char *kind = data;

	(void)e;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	mnl_attr_for_each(at, nlh, sizeof(struct ifinfomsg)) {
		if (mnl_attr_get_type(at) != IFLA_LINKINFO)
			continue;
		mnl_attr_for_each_nested(li, at)
			if (mnl_attr_get_type(li) == IFLA_INFO_SLAVE_KIND &&
			    mnl_attr_validate(li, MNL_TYPE_NUL_STRING) == 0)
				snprintf(kind, 16, "%s", mnl_attr_get_str(li));
	}
	return 0;
}

/* Check that link @idx is a port of a @lk master: the kernel hands port options to whatever
 * master the link has, which would read a bridge's attributes as a bond's. */
static int pl_link_check_port(struct pl_sock *s, int idx, const char *name,
			      const struct pl_link_kind *lk, const char *obj, struct pl_err *e)
{
	char buf[PL_SMALL_REQ], kind[16] = "";
	struct pl_req r;

	pl_link_get_req(&r, s, buf, sizeof(buf), idx, idx ? obj : name, "link_set", e);
	if (pl_talk(&r, pl_link_slave_kind_cb, kind, e) < 0)
		return -1;
	if (strcmp(kind, lk->name) == 0)
		return 0;
	if (!kind[0])
		return pl_err_set(e, EOPNOTSUPP, "link_set %s: %s: not a port of a %s", obj,
				  lk->slave_key, lk->name);
	return pl_err_set(e, EOPNOTSUPP, "link_set %s: %s: a port of a %s, not of a %s", obj,
			  lk->slave_key, kind, lk->name);
}

/* Finish a just-created link @name in the netns of @nsfd (-1: the socket's): bring it up (a
 * veth peer cannot be created up) and set its alias (which the kernel does not apply at
 * creation: rtnl_create_link leaves IFLA_IFALIAS to do_setlink). */
static int pl_link_finish(struct pl_sock *s, int nsfd, const char *name, int up,
			  const char *alias, struct pl_err *e)
{
	struct pl_sock ps, *use = s;
	struct ifinfomsg *ifi;
	struct pl_req u;
	int rc;

	if (nsfd >= 0) {
		if (pl_sock_open_fd(&ps, nsfd, e) < 0)
			return -1;
		use = &ps;
	}
	pl_req_start(&u, use, RTM_NEWLINK, 0, "link_add", name);
	ifi = pl_req_extra(&u, sizeof(*ifi));
	if (up)
		ifi->ifi_flags = ifi->ifi_change = IFF_UP;
	rc = pl_req_put_str(&u, IFLA_IFNAME, name, e);
	if (rc == 0 && alias) {
		pl_req_field(&u, "alias");
		rc = pl_req_put_str(&u, IFLA_IFALIAS, alias, e);
	}
	if (rc == 0)
		rc = pl_talk(&u, NULL, NULL, e);
	if (use != s)
		pl_sock_close(&ps);
	return rc;
}

/* Delete link @name in the netns of @nsfd (-1: the socket's): undo a creation whose finishing
 * steps failed, so that link_add is all or nothing. @e keeps the first failure; a failed undo
 * is added to its message. A veth goes with both its ends. */
static void pl_link_undo(struct pl_sock *s, int nsfd, const char *name, struct pl_err *e)
{
	struct pl_sock ps, *use = s;
	struct ifinfomsg *ifi;
	struct pl_err e2;
	struct pl_req u;
	int rc = -1;

	if (nsfd >= 0) {
		if (pl_sock_open_fd(&ps, nsfd, &e2) < 0)
			goto out;
		use = &ps;
	}
	pl_req_start(&u, use, RTM_DELLINK, 0, "link_add", name);
	ifi = pl_req_extra(&u, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	rc = pl_req_put_str(&u, IFLA_IFNAME, name, &e2);
	if (rc == 0)
		rc = pl_talk(&u, NULL, NULL, &e2);
	if (use != s)
		pl_sock_close(&ps);
out:
	if (rc < 0) {
		size_t n = strlen(e->msg);

		snprintf(e->msg + n, sizeof(e->msg) - n, " (and %s was left: %s)", name, e2.msg);
	}
}

int pl_link_add(struct pl_sock *s, struct pl_source *src, struct pl_err *e)
{
	const struct pl_link_kind *lk;
	struct ifinfomsg *ifi;
	struct pl_val name, kind, alias;
	struct pl_req r;
	int rc = -1, nsfd;

	pl_get(src, "name", &name);
	pl_get(src, "kind", &kind);
	pl_get(src, "alias", &alias);
	if (kind.kind != PL_V_STR)
		return pl_err_misuse(e, "kind: expected a link kind name, got %s",
				     kind.kind == PL_V_NIL ? "nil" : "a non-string");
	lk = pl_link_kind_find(kind.s);
	if (!lk)
		return pl_err_misuse(e, "kind: unknown link kind \"%s\"", kind.s);
	if (name.kind == PL_V_NIL)
		return pl_err_misuse(e, "name: a new link needs a name");
	if (pl_dev_name_check(&name, "name", e) < 0)
		return -1;

	pl_req_start(&r, s, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, "link_add", name.s);
	ifi = pl_req_extra(&r, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	if (pl_link_put_common(&r, ifi, src, 1, e) < 0)
		goto out;
	nsfd = r.link_nsfd;	/* where the link goes (netns = ...), if elsewhere */
	pl_get(src, "alias", &alias);
	if (pl_link_put_info(&r, lk, src, 1, e) < 0)
		goto out;
	if (src->leave(src, e) < 0)	/* the top table: no unknown keys */
		goto out;
	rc = pl_talk(&r, NULL, NULL, e);
	/* "Unknown device type": the kind is missing, not one of its options. */
	if (rc < 0 && e->err == EOPNOTSUPP && strstr(e->msg, "Unknown device type") &&
	    !strstr(e->msg, "kernel lacks")) {
		size_t n = strlen(e->msg);

		snprintf(e->msg + n, sizeof(e->msg) - n, " (kernel lacks \"%s\")", lk->name);
	}
	if (rc < 0)
		goto out;
	/* In a batch the creation is queued, or (a netns named) already sent: when it failed,
	 * that is recorded and there is nothing to finish or undo. */
	if (s->batch && pl_batch_failed(s->batch))
		goto out;
	/* Created: from here a failure removes the link again (all or nothing). */
	if (alias.kind == PL_V_STR && alias.len)
		rc = pl_link_finish(s, nsfd, name.s, 0, alias.s, e);
	if (rc == 0 && r.peer_up)
		rc = pl_link_finish(s, r.peer_nsfd, r.peer_name, 1, NULL, e);
	if (rc < 0)
		pl_link_undo(s, nsfd, name.s, e);
out:
	pl_req_done(&r);
	return rc;
}

int pl_link_set(struct pl_sock *s, const struct pl_val *dev, struct pl_source *src,
		struct pl_err *e)
{
	const struct pl_link_kind *const *kp, *port = NULL;
	char pbuf[1024] __attribute__((aligned(4)));
	struct ifinfomsg *ifi;
	struct pl_req r, pr;
	struct pl_val v;
	size_t empty;
	char obj[64];
	int idx, rc = -1;

	/* misuse names the argument ("dev: ..."); the binding adds "link_set: " */
	if (dev->kind == PL_V_STR && pl_dev_name_check(dev, "dev", e) < 0)
		return -1;
	/* By name, the kernel finds the device itself (IFLA_IFNAME, no lookup first), unless
	 * the link is being renamed: IFLA_IFNAME is the new name then. */
	r.nfds = pr.nfds = 0;
	r.building = pr.building = 0;
	r.sock = pr.sock = s;
	if (pl_get(src, "name", &v) < 0)
		return -1;
	if (dev->kind == PL_V_STR && v.kind == PL_V_NIL) {
		idx = 0;
	} else {
		idx = pl_link_dev(s, dev, "link_set", e);
		if (idx < 0)
			return -1;
	}
	if (dev->kind == PL_V_STR)
		snprintf(obj, sizeof(obj), "%s", dev->s);
	else
		snprintf(obj, sizeof(obj), "%d", idx);
	/* Port options go in a request of their own, sent last: the kernel gives them to the
	 * master the link has when the request arrives, so `master = "br0"` must come first. */
	pl_req_start_buf(&pr, s, pbuf, sizeof(pbuf), RTM_NEWLINK, 0, "link_set", obj);
	ifi = pl_req_extra(&pr, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = idx;
	if (!idx && pl_req_put_str(&pr, IFLA_IFNAME, dev->s, e) < 0)
		goto out;
	pl_req_start(&r, s, RTM_NEWLINK, 0, "link_set", obj);
	ifi = pl_req_extra(&r, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = idx;
	if (!idx && pl_req_put_str(&r, IFLA_IFNAME, dev->s, e) < 0)
		goto out;
	empty = r.nlh->nlmsg_len;
	if (pl_link_put_common(&r, ifi, src, 1, e) < 0)
		goto out;
	pl_get(src, "nomaster", &v);
	if (v.kind != PL_V_NIL && v.kind != PL_V_BOOL) {
		pl_err_misuse(e, "nomaster: expected a boolean");
		goto out;
	}
	if (v.kind == PL_V_BOOL && v.b) {
		pl_req_field(&r, "nomaster");
		if (pl_req_put_u32(&r, IFLA_MASTER, 0, e) < 0)
			goto out;
	}
	/* Kind options may be changed too: { bridge = { stp = true } }. */
	for (kp = pl_link_kinds; *kp; kp++) {
		if (!(*kp)->data.n)
			continue;
		if (pl_get(src, (*kp)->name, &v) < 0 || v.kind == PL_V_NIL)
			continue;
		if (pl_link_put_info(&r, *kp, src, 0, e) < 0)
			goto out;
		break;
	}
	if (pl_link_put_slave(&pr, src, &port, e) < 0)
		goto out;
	pl_req_built(&pr);	/* complete: it waits for the port check below */
	if (src->leave(src, e) < 0)
		goto out;
	rc = 0;
	if (!port || r.nlh->nlmsg_len != empty || ifi->ifi_change)
		rc = pl_talk(&r, NULL, NULL, e);
	if (rc == 0 && port) {
		rc = pl_link_check_port(s, idx, idx ? NULL : dev->s, port, obj, e);
		if (rc == 0)
			rc = pl_talk(&pr, NULL, NULL, e);
	}
out:
	pl_req_done(&pr);
	pl_req_done(&r);
	return rc;
}

int pl_link_del(struct pl_sock *s, const struct pl_val *dev, struct pl_err *e)
{
	struct ifinfomsg *ifi;
	struct pl_req r;
	char obj[24];

	if (dev->kind == PL_V_INT) {
		if (dev->i <= 0 || dev->i > INT32_MAX)
			return pl_err_misuse(e, "dev: invalid ifindex %lld", dev->i);
		snprintf(obj, sizeof(obj), "%lld", dev->i);
	} else if (pl_dev_name_check(dev, "dev", e) < 0) {
		return -1;
	}
	/* By name or index in one request: no lookup first. */
	pl_req_start(&r, s, RTM_DELLINK, 0, "link_del", dev->kind == PL_V_INT ? obj : dev->s);
	ifi = pl_req_extra(&r, sizeof(*ifi));
	if (dev->kind == PL_V_INT)
		ifi->ifi_index = (int)dev->i;
	else if (pl_req_put_str(&r, IFLA_IFNAME, dev->s, e) < 0)
		return -1;
	return pl_talk(&r, NULL, NULL, e);
}

/*
 * Link replies are held (copied) until the whole reply is in, so that each record's flags can
 * say "M-DOWN" as ip does: whether a link's parent is up is known only once the parent's own
 * message is read (or, when the parent is not in the reply, asked for afterwards).
 */
struct pl_held {
	char *buf;
	size_t len, cap;
	size_t n;
	struct pl_updown { int idx, up; } *map;	/* after the reply: ifindex -> IFF_UP, sorted */
	int *parent;	/* after the reply: each held link's parent (pl_link_parent) */
};

static int pl_held_cb(const struct nlmsghdr *nlh, void *data, struct pl_err *e)
{
	struct pl_held *hd = *(struct pl_held **)data;
	size_t need = NLMSG_ALIGN(nlh->nlmsg_len);

	if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct ifinfomsg))
		return 0;
	if (hd->len + need > hd->cap) {
		size_t cap = hd->cap ? hd->cap : 16384;
		char *nb;

		while (cap < hd->len + need)
			cap *= 2;
		nb = realloc(hd->buf, cap);
		if (!nb)
			return pl_err_set(e, ENOMEM, "links: out of memory");
		hd->buf = nb;
		hd->cap = cap;
	}
	memcpy(hd->buf + hd->len, nlh, nlh->nlmsg_len);
	hd->len += need;
	hd->n++;
	return 0;
}

static void pl_held_reset(void *data)
{
	struct pl_held *hd = *(struct pl_held **)data;

	hd->len = 0;
	hd->n = 0;
}

static void pl_held_free(struct pl_held *hd)
{
	free(hd->buf);
	free(hd->map);
	free(hd->parent);
	memset(hd, 0, sizeof(*hd));
}

#define pl_held_each(nlh, hd, off) \
	for ((off) = 0; (off) < (hd)->len && ((nlh) = (const struct nlmsghdr *)((hd)->buf + (off))); \
	     (off) += NLMSG_ALIGN((nlh)->nlmsg_len))

static int pl_updown_cmp(const void *a, const void *b)
{
	const struct pl_updown *x = a, *y = b;

	return (x->idx > y->idx) - (x->idx < y->idx);
}

static int pl_link_flags_cb(const struct nlmsghdr *nlh, void *data, struct pl_err *e)
{
	(void)e;
	if (nlh->nlmsg_type == RTM_NEWLINK && nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(struct ifinfomsg))
		*(int *)data = (int)((const struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_flags;
	return 0;
}

/* Whether link @idx is up: 1, 0, or -1 when it does not exist (ip then prints no M-DOWN). */
static int pl_link_is_up(struct pl_sock *s, const struct pl_held *hd, int idx, struct pl_err *e)
{
	struct pl_updown key = { idx, 0 }, *f;
	char buf[PL_SMALL_REQ];
	struct pl_req r;
	int flags = -1;

	f = hd->map ? bsearch(&key, hd->map, hd->n, sizeof(*hd->map), pl_updown_cmp) : NULL;
	if (f)
		return f->up;
	pl_link_get_req(&r, s, buf, sizeof(buf), idx, NULL, "links", e);
	if (pl_talk(&r, pl_link_flags_cb, &flags, e) < 0)
		return e->err == ENODEV ? -1 : -2;
	return flags < 0 ? -1 : !!(flags & IFF_UP);
}

/* Report every held link to @k, one record each (@list) or the single one. */
static int pl_held_emit(struct pl_sock *s, struct pl_held *hd, int list, struct pl_sink *k,
			struct pl_err *e)
{
	const struct nlmsghdr *nlh;
	struct pl_pctx pc = { 0 };	/* the descriptor indexes, built once for the reply */
	size_t off, i = 0;

	if (hd->n) {
		hd->map = malloc(hd->n * sizeof(*hd->map));
		hd->parent = malloc(hd->n * sizeof(*hd->parent));
		if (!hd->map || !hd->parent)
			return pl_err_set(e, ENOMEM, "links: out of memory");
		/* One look at each held link: up or not, its parent, and its name for the
		 * listing's map (masters and peers are then named as they are reported). */
		pl_held_each(nlh, hd, off) {
			const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
			const struct nlattr *at;
			uint32_t parent = 0;
			int netnsid = 0;

			pl_attr_for_each(at, nlh, sizeof(*ifi)) {
				switch (at->nla_type & NLA_TYPE_MASK) {
				case IFLA_IFNAME:
					if (k->names && ifi->ifi_index > 0)
						pl_ifnames_put(k->names, (uint32_t)ifi->ifi_index,
							       mnl_attr_get_payload(at),
							       strnlen(mnl_attr_get_payload(at),
								       mnl_attr_get_payload_len(at)));
					break;
				case IFLA_LINK:
					if (mnl_attr_get_payload_len(at) >= 4)
						parent = mnl_attr_get_u32(at);
					break;
				case IFLA_LINK_NETNSID:
					netnsid = 1;
					break;
				default:
					break;
				}
			}
			hd->parent[i] = netnsid || parent > INT32_MAX ? 0 : (int)parent;
			hd->map[i].idx = ifi->ifi_index;
			hd->map[i++].up = !!(ifi->ifi_flags & IFF_UP);
		}
		/* a dump comes in ifindex order: sort only if it did not */
		for (i = 1; i < hd->n && hd->map[i - 1].idx <= hd->map[i].idx; i++)
			;
		if (i < hd->n)
			qsort(hd->map, hd->n, sizeof(*hd->map), pl_updown_cmp);
	}
	i = 0;
	pl_held_each(nlh, hd, off) {
		int parent = hd->parent ? hd->parent[i++] : pl_link_parent(nlh), up = 1;

		if (parent) {
			up = pl_link_is_up(s, hd, parent, e);
			if (up == -2)
				return -1;
		}
		if (list)
			k->begin(k, NULL);
		pl_link_parse_mdown(nlh, up == 0, &pc, k);
		if (list)
			k->end(k);
	}
	return 0;
}

int pl_link_get(struct pl_sock *s, const struct pl_val *dev, struct pl_sink *k,
		struct pl_err *e)
{
	struct pl_held hd = { 0 }, *hdp = &hd;
	struct pl_req r;
	char obj[24];
	int idx = 0, rc;

	if (dev->kind == PL_V_INT) {
		if (dev->i <= 0 || dev->i > INT32_MAX)
			return pl_err_misuse(e, "dev: invalid ifindex %lld", dev->i);
		idx = (int)dev->i;
		snprintf(obj, sizeof(obj), "%d", idx);
	} else if (pl_dev_name_check(dev, "dev", e) < 0) {
		return -1;
	}
	pl_link_get_req(&r, s, s->sbuf, s->sbuflen, idx, idx ? obj : dev->s, "link_get", e);
	if (idx)
		snprintf(r.obj, sizeof(r.obj), "%d", idx);
	if (pl_talk(&r, pl_held_cb, &hdp, e) < 0) {
		pl_held_free(&hd);
		return e->err == ENODEV ? 0 : -1;
	}
	/* a lookup for the parent's flags is named after this call */
	rc = pl_held_emit(s, &hd, 0, k, e);
	pl_held_free(&hd);
	return rc < 0 ? -1 : 1;
}

/*
 * A link listing into a sink that can amend (the Lua one): each link is reported as its
 * message arrives (nothing held, one attribute walk), and ip's M-DOWN, which needs the
 * parent's state, is appended to the records that need it once every link is in.
 */
struct pl_link_stream {
	struct pl_sink *k;	/* first: pl_dump_reset_sink */
	struct pl_pctx pc;
	struct pl_held up;	/* .map: every link's ifindex -> IFF_UP, .n of them */
	size_t capup;
	struct pl_mdown {
		long rec;	/* the record (1-based) */
		int parent;
	} *wait;
	size_t nwait, capwait;
	long nrec;
};

static int pl_link_stream_cb(const struct nlmsghdr *nlh, void *data, struct pl_err *e)
{
	struct pl_link_stream *c = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	int parent;

	if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*ifi))
		return 0;
	if (c->up.n == c->capup) {
		size_t cap = c->capup ? c->capup * 2 : 256;
		struct pl_updown *m = realloc(c->up.map, cap * sizeof(*m));

		if (!m)
			return pl_err_set(e, ENOMEM, "links: out of memory");
		c->up.map = m;
		c->capup = cap;
	}
	c->up.map[c->up.n].idx = ifi->ifi_index;
	c->up.map[c->up.n++].up = !!(ifi->ifi_flags & IFF_UP);
	c->k->begin(c->k, NULL);
	parent = pl_link_parse_mdown(nlh, -1, &c->pc, c->k);
	c->k->end(c->k);
	c->nrec++;
	if (!parent)
		return 0;
	if (c->nwait == c->capwait) {
		size_t cap = c->capwait ? c->capwait * 2 : 64;
		struct pl_mdown *w = realloc(c->wait, cap * sizeof(*w));

		if (!w)
			return pl_err_set(e, ENOMEM, "links: out of memory");
		c->wait = w;
		c->capwait = cap;
	}
	c->wait[c->nwait].rec = c->nrec;
	c->wait[c->nwait++].parent = parent;
	return 0;
}

static void pl_link_stream_reset(void *data)
{
	struct pl_link_stream *c = data;

	c->up.n = 0;
	c->nwait = 0;
	c->nrec = 0;
	pl_dump_reset_sink(data);
}

/* Once every link is in: M-DOWN for the records whose parent is down. */
static int pl_link_stream_mdown(struct pl_sock *s, struct pl_link_stream *c, struct pl_err *e)
{
	size_t i;

	for (i = 1; i < c->up.n && c->up.map[i - 1].idx <= c->up.map[i].idx; i++)
		;
	if (i < c->up.n)
		qsort(c->up.map, c->up.n, sizeof(*c->up.map), pl_updown_cmp);
	for (i = 0; i < c->nwait; i++) {
		int up = pl_link_is_up(s, &c->up, c->wait[i].parent, e);

		if (up == -2)
			return -1;
		if (up == 0)
			c->k->amend(c->k, c->wait[i].rec, "flags", "M-DOWN");
	}
	return 0;
}

int pl_link_list(struct pl_sock *s, const struct pl_link_filter *f, struct pl_sink *k,
		 struct pl_err *e)
{
	struct pl_held hd = { 0 }, *hdp = &hd;
	struct pl_link_stream *c = NULL;
	struct ifinfomsg *ifi;
	struct pl_req r;
	int rc;

	pl_req_start(&r, s, RTM_GETLINK, 0, "links", NULL);
	ifi = pl_req_extra(&r, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	if (pl_req_put_u32(&r, IFLA_EXT_MASK, RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS, e) < 0)
		return -1;
	/* Filters the kernel applies itself (rtnl_dump_ifinfo). */
	if (f && f->master > 0 && pl_req_put_u32(&r, IFLA_MASTER, (uint32_t)f->master, e) < 0)
		return -1;
	if (f && f->kind) {
		struct nlattr *li = pl_req_nest(&r, IFLA_LINKINFO, e);

		if (!li || pl_req_put_str(&r, IFLA_INFO_KIND, f->kind, e) < 0)
			return -1;
		pl_req_nest_end(&r, li);
	}
	if (k->amend) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return pl_err_set(e, ENOMEM, "links: out of memory");
		c->k = k;
		rc = pl_dump(&r, pl_link_stream_cb, pl_link_stream_reset, c, e);
		if (rc == 0)
			rc = pl_link_stream_mdown(s, c, e);
		free(c->up.map);
		free(c->wait);
		free(c);
		return rc;
	}
	rc = pl_dump(&r, pl_held_cb, pl_held_reset, &hdp, e);
	if (rc == 0)
		rc = pl_held_emit(s, &hd, 1, k, e);
	pl_held_free(&hd);
	return rc;
}
