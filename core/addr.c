// SPDX-License-Identifier: MIT
/*
 * Addresses: RTM_NEWADDR / DELADDR / GETADDR. A request is read from the caller's options
 * into a struct pl_addr_spec first, so that pl_addr_ensure can compare the options named
 * with the live address and keep the ones not named; records come out as ip -j prints each
 * entry of "addr_info", plus the link's ifindex and ifname.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "internal.h"

#define PL_LFT_FOREVER 0xFFFFFFFFu

/* the options a caller named */
#define PL_AN_SCOPE	0x01
#define PL_AN_BRD	0x02
#define PL_AN_LABEL	0x04
#define PL_AN_LFT	0x08
#define PL_AN_METRIC	0x10
#define PL_AN_PEER	0x20
#define PL_AN_FLAGS	0x40	/* only in pl_addr_diff's answer (flags are named singly) */

/* An address with its options, from the caller or from a live address. */
struct pl_addr_spec {
	struct pl_prefix local;
	int ifindex;
	int plen;
	uint8_t peer[16];	/* IFA_ADDRESS: the peer, or the local address again */
	unsigned named;		/* PL_AN_* */
	uint8_t scope;
	int has_brd;
	uint8_t brd[4];
	char label[IFNAMSIZ];
	uint32_t flags;		/* the IFA_F_* a caller may set */
	uint32_t flagmask;	/* which of them were named */
	uint32_t valid, preferred;
	uint32_t metric;
	uint32_t live_flags;	/* a live address: every flag (secondary, ...) */
};

/* Flags a caller sets by name, all booleans. */
static const struct {
	const char *name;
	uint32_t flag;
	int v6only;
} pl_ifa_setflags[] = {
	{ "nodad", IFA_F_NODAD, 1 },
	{ "optimistic", IFA_F_OPTIMISTIC, 1 },
	{ "home", IFA_F_HOMEADDRESS, 1 },
	{ "mngtmpaddr", IFA_F_MANAGETEMPADDR, 1 },
	{ "noprefixroute", IFA_F_NOPREFIXROUTE, 0 },
	{ "autojoin", IFA_F_MCAUTOJOIN, 0 },
};
#define PL_IFA_SETTABLE (IFA_F_NODAD | IFA_F_OPTIMISTIC | IFA_F_HOMEADDRESS | \
			 IFA_F_MANAGETEMPADDR | IFA_F_NOPREFIXROUTE | IFA_F_MCAUTOJOIN)

/* Flags as ip prints them, in ip's order (iproute2 ip/ipaddress.c ifa_flag_data). */
static const struct {
	const char *name;
	uint32_t mask;
} pl_ifa_flagnames[] = {
	{ "secondary", IFA_F_SECONDARY },	/* "temporary" for IPv6 */
	{ "nodad", IFA_F_NODAD },
	{ "optimistic", IFA_F_OPTIMISTIC },
	{ "dadfailed", IFA_F_DADFAILED },
	{ "home", IFA_F_HOMEADDRESS },
	{ "deprecated", IFA_F_DEPRECATED },
	{ "tentative", IFA_F_TENTATIVE },
	{ "permanent", IFA_F_PERMANENT },	/* printed as "dynamic" when absent */
	{ "mngtmpaddr", IFA_F_MANAGETEMPADDR },
	{ "noprefixroute", IFA_F_NOPREFIXROUTE },
	{ "autojoin", IFA_F_MCAUTOJOIN },
	{ "stable-privacy", IFA_F_STABLE_PRIVACY },
};

static const struct pl_enum pl_ifa_protos[] = {
	{ "unspec", IFAPROT_UNSPEC }, { "kernel_lo", IFAPROT_KERNEL_LO },
	{ "kernel_ra", IFAPROT_KERNEL_RA }, { "kernel_ll", IFAPROT_KERNEL_LL }, { NULL, 0 },
};

/* The attributes reported as they are; local/peer, flags, scope, lifetimes are by hand. */
static const struct pl_attr_desc pl_addr_desc[] = {
	{ IFA_BROADCAST, IFA_BROADCAST, PL_A_INET, PL_F_RO, "broadcast", NULL, NULL },
	{ IFA_ANYCAST, IFA_ANYCAST, PL_A_INET, PL_F_RO, "anycast", NULL, NULL },
	{ IFA_RT_PRIORITY, 0, PL_A_U32, PL_F_RO, "metric", NULL, NULL },
	{ IFA_LABEL, 0, PL_A_STR, PL_F_RO, "label", NULL, NULL },
	{ IFA_PROTO, 0, PL_A_U8, PL_F_RO, "protocol", NULL, pl_ifa_protos },
};

static const struct pl_attrs pl_addr_attrs = PL_ATTRS(pl_addr_desc, IFA_MAX);

/* ---------------------------------------------------------------------------------------- */
/* parsing */

/* An address attribute of the right length for @family, or NULL. */
static const uint8_t *pl_addr_bytes(const struct nlattr *at, int family)
{
	/* (a family plumb does not know, AF_MCTP say, has no address it could print) */
	if (!at || !pl_family_addrlen(family) ||
	    mnl_attr_get_payload_len(at) != pl_family_addrlen(family))
		return NULL;
	return mnl_attr_get_payload(at);
}

static uint32_t pl_addr_msg_flags(const struct ifaddrmsg *ifa, const struct nlattr *const *tb)
{
	if (tb[IFA_FLAGS] && mnl_attr_get_payload_len(tb[IFA_FLAGS]) >= 4)
		return mnl_attr_get_u32(tb[IFA_FLAGS]);
	return ifa->ifa_flags;
}

static void pl_addr_flags_emit(int family, uint32_t flags, struct pl_sink *k)
{
	size_t i;

	for (i = 0; i < sizeof(pl_ifa_flagnames) / sizeof(pl_ifa_flagnames[0]); i++) {
		uint32_t m = pl_ifa_flagnames[i].mask;

		if (m == IFA_F_PERMANENT) {
			if (!(flags & m))
				k->boolean(k, "dynamic", 1);
		} else if (flags & m) {
			k->boolean(k, m == IFA_F_SECONDARY && family == AF_INET6 ? "temporary" :
				   pl_ifa_flagnames[i].name, 1);
		}
		flags &= ~m;
	}
	if (flags) {
		char buf[16];

		snprintf(buf, sizeof(buf), "%02x", flags);
		k->str(k, "flags", buf);
	}
}

void pl_addr_parse(const struct nlmsghdr *nlh, struct pl_pctx *c, struct pl_sink *k)
{
	struct pl_rtnames *names = c ? c->names : NULL;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1];
	const uint8_t *local, *peer;
	char buf[INET6_ADDRSTRLEN + 8];
	const char *fam;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*ifa))
		return;
	/* one walk: the descriptor table's fields, and tb[] for the rest */
	pl_attrs_parse_tb(nlh, sizeof(*ifa), &pl_addr_attrs, c, k, tb, IFA_MAX);
	k->integer(k, "ifindex", ifa->ifa_index);
	if (k->ifindex)
		pl_sink_ifname(k, "ifname", ifa->ifa_index);
	fam = pl_family_name(ifa->ifa_family);
	if (fam)
		k->str(k, "family", fam);
	else
		k->integer(k, "family_index", ifa->ifa_family);
	local = pl_addr_bytes(tb[IFA_LOCAL], ifa->ifa_family);
	peer = pl_addr_bytes(tb[IFA_ADDRESS], ifa->ifa_family);
	if (!local)
		local = peer;
	if (local) {
		size_t alen = pl_family_addrlen(ifa->ifa_family);

		k->str(k, "local", inet_ntop(ifa->ifa_family, local, buf, sizeof(buf)));
		/* A point-to-point address: ip shows the peer as "address". */
		if (peer && memcmp(peer, local, alen) != 0)
			k->str(k, "address", inet_ntop(ifa->ifa_family, peer, buf, sizeof(buf)));
		k->integer(k, "prefixlen", ifa->ifa_prefixlen);
	}
	k->str(k, "scope", pl_rtn_name(names, PL_RTN_SCOPE, ifa->ifa_scope, buf, sizeof(buf)));
	pl_addr_flags_emit(ifa->ifa_family, pl_addr_msg_flags(ifa, tb), k);
	if (tb[IFA_CACHEINFO] &&
	    mnl_attr_get_payload_len(tb[IFA_CACHEINFO]) >= sizeof(struct ifa_cacheinfo)) {
		const struct ifa_cacheinfo *ci = mnl_attr_get_payload(tb[IFA_CACHEINFO]);

		k->integer(k, "valid_life_time", ci->ifa_valid);
		/* ip prints a deprecated address's preferred time signed. */
		if (ci->ifa_prefered != PL_LFT_FOREVER &&
		    (pl_addr_msg_flags(ifa, tb) & IFA_F_DEPRECATED))
			k->integer(k, "preferred_life_time", (int32_t)ci->ifa_prefered);
		else
			k->integer(k, "preferred_life_time", ci->ifa_prefered);
	}
}

/* A live address as a spec (every option named). */
static void pl_addr_spec_from_msg(const struct nlmsghdr *nlh, struct pl_addr_spec *sp)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1];
	size_t alen = pl_family_addrlen(ifa->ifa_family);
	const uint8_t *local, *peer, *brd;

	memset(sp, 0, sizeof(*sp));
	pl_attrs_parse_tb(nlh, sizeof(*ifa), NULL, NULL, NULL, tb, IFA_MAX);
	local = pl_addr_bytes(tb[IFA_LOCAL], ifa->ifa_family);
	peer = pl_addr_bytes(tb[IFA_ADDRESS], ifa->ifa_family);
	if (!local)
		local = peer;
	if (!peer)
		peer = local;
	sp->local.family = ifa->ifa_family;
	sp->local.len = sp->plen = ifa->ifa_prefixlen;
	sp->local.has_len = 1;
	if (local && alen) {
		memcpy(sp->local.addr, local, alen);
		memcpy(sp->peer, peer, alen);
	}
	sp->ifindex = (int)ifa->ifa_index;
	sp->named = PL_AN_SCOPE | PL_AN_BRD | PL_AN_LABEL | PL_AN_LFT | PL_AN_METRIC;
	if (peer && local && alen && memcmp(peer, local, alen) != 0)
		sp->named |= PL_AN_PEER;
	sp->scope = ifa->ifa_scope;
	brd = pl_addr_bytes(tb[IFA_BROADCAST], AF_INET);
	if (ifa->ifa_family == AF_INET && brd) {
		sp->has_brd = 1;
		memcpy(sp->brd, brd, 4);
	}
	if (tb[IFA_LABEL] && mnl_attr_validate(tb[IFA_LABEL], MNL_TYPE_NUL_STRING) == 0)
		snprintf(sp->label, sizeof(sp->label), "%s", mnl_attr_get_str(tb[IFA_LABEL]));
	sp->live_flags = pl_addr_msg_flags(ifa, tb);
	sp->flags = sp->live_flags & PL_IFA_SETTABLE;
	sp->flagmask = PL_IFA_SETTABLE;
	sp->valid = sp->preferred = PL_LFT_FOREVER;
	if (tb[IFA_CACHEINFO] &&
	    mnl_attr_get_payload_len(tb[IFA_CACHEINFO]) >= sizeof(struct ifa_cacheinfo)) {
		const struct ifa_cacheinfo *ci = mnl_attr_get_payload(tb[IFA_CACHEINFO]);

		sp->valid = ci->ifa_valid;
		sp->preferred = ci->ifa_prefered;
	}
	if (tb[IFA_RT_PRIORITY] && mnl_attr_get_payload_len(tb[IFA_RT_PRIORITY]) >= 4)
		sp->metric = mnl_attr_get_u32(tb[IFA_RT_PRIORITY]);
}

/* ---------------------------------------------------------------------------------------- */
/* the caller's options */

/* "OBJ" of messages: the device as given and the prefix, "eth0 10.0.0.2/24". */
PL_HOT
static void pl_addr_obj(const struct pl_val *dev, const struct pl_val *prefix, char *buf,
			size_t len)
{
	char d[24];

	if (dev->kind == PL_V_INT)
		snprintf(d, sizeof(d), "%lld", dev->i);
	snprintf(buf, len, "%s %s", dev->kind == PL_V_INT ? d : dev->kind == PL_V_STR ? dev->s :
		 "?", prefix->kind == PL_V_STR ? prefix->s : "?");
}

/* valid_lft / preferred_lft: seconds, or "forever". */
static int pl_addr_lft(const struct pl_val *v, const char *what, uint32_t *out,
		       struct pl_err *e)
{
	if (v->kind == PL_V_STR && strcmp(v->s, "forever") == 0) {
		*out = PL_LFT_FOREVER;
		return 0;
	}
	if (v->kind != PL_V_INT || v->i < 0 || v->i > (long long)PL_LFT_FOREVER)
		return pl_err_misuse(e, "%s: expected seconds (0..%u) or \"forever\"", what,
				     PL_LFT_FOREVER);
	*out = (uint32_t)v->i;
	return 0;
}

/* The broadcast address ip's "brd +" (@plus) or "brd -" derives from the prefix. */
static int pl_addr_brd_derived(struct pl_addr_spec *sp, int plus)
{
	uint32_t a, mask;

	/* ip sets none for /31 and /32. */
	if (sp->plen > 30)
		return 0;
	memcpy(&a, sp->local.addr, 4);
	a = ntohl(a);
	mask = sp->plen ? ~0u << (32 - sp->plen) : 0;
	a = plus ? (a | ~mask) : (a & mask);
	a = htonl(a);
	memcpy(sp->brd, &a, 4);
	sp->has_brd = 1;
	return 0;
}

static int pl_addr_opts(struct pl_addr_spec *sp, struct pl_source *src, struct pl_err *e)
{
	int v6 = sp->local.family == AF_INET6;
	struct pl_val v, vl, pl;
	size_t i;

	pl_get(src, "peer", &v);
	if (v.kind != PL_V_NIL) {
		struct pl_prefix p;

		if (pl_val_prefix(&v, "peer", 0, &p, e) < 0)
			return -1;
		if (p.family != sp->local.family)
			return pl_err_misuse(e, "peer: \"%s\" is not of the address's family", v.s);
		if (p.has_len && sp->local.has_len && p.len != sp->local.len)
			return pl_err_misuse(e, "peer: prefix length /%d differs from the "
					     "address's /%d", p.len, sp->local.len);
		memcpy(sp->peer, p.addr, sizeof(sp->peer));
		/* As ip: the prefix length of a point-to-point address is the peer's. */
		sp->plen = p.has_len ? p.len : sp->local.len;
		sp->named |= PL_AN_PEER;
	}
	pl_get(src, "scope", &v);
	if (v.kind != PL_V_NIL) {
		uint32_t sc;

		/* The kernel derives them from the address (addrconf.c ipv6_addr_scope). */
		if (v6)
			return pl_err_misuse(e, "scope: IPv6 scopes follow from the address");

		if (pl_val_rtn(NULL, PL_RTN_SCOPE, &v, "scope", 255, &sc, e) < 0)
			return -1;
		sp->scope = (uint8_t)sc;
		sp->named |= PL_AN_SCOPE;
	}
	pl_get(src, "broadcast", &v);
	if (v.kind != PL_V_NIL) {
		struct pl_prefix b;

		if (v6)
			return pl_err_misuse(e, "broadcast: only IPv4 addresses have one");
		sp->named |= PL_AN_BRD;
		if (v.kind == PL_V_STR && (strcmp(v.s, "+") == 0 || strcmp(v.s, "-") == 0)) {
			pl_addr_brd_derived(sp, v.s[0] == '+');
		} else {
			if (pl_val_prefix(&v, "broadcast", 1, &b, e) < 0)
				return -1;
			if (b.family != AF_INET)
				return pl_err_misuse(e, "broadcast: \"%s\" is not an IPv4 address",
						     v.s);
			memcpy(sp->brd, b.addr, 4);
			sp->has_brd = 1;
		}
	}
	pl_get(src, "label", &v);
	if (v.kind != PL_V_NIL) {
		if (v6)
			return pl_err_misuse(e, "label: only IPv4 addresses have one");
		if (v.kind != PL_V_STR || v.len == 0 || v.len >= IFNAMSIZ)
			return pl_err_misuse(e, "label: expected a string of 1 to %d bytes",
					     IFNAMSIZ - 1);
		memcpy(sp->label, v.s, v.len + 1);
		sp->named |= PL_AN_LABEL;
	}
	for (i = 0; i < sizeof(pl_ifa_setflags) / sizeof(pl_ifa_setflags[0]); i++) {
		int b;

		pl_get(src, pl_ifa_setflags[i].name, &v);
		if (v.kind == PL_V_NIL)
			continue;
		if (pl_val_bool(&v, pl_ifa_setflags[i].name, &b, e) < 0)
			return -1;
		if (pl_ifa_setflags[i].v6only && !v6)
			return pl_err_misuse(e, "%s: only for IPv6 addresses",
					     pl_ifa_setflags[i].name);
		sp->flagmask |= pl_ifa_setflags[i].flag;
		if (b)
			sp->flags |= pl_ifa_setflags[i].flag;
	}
	pl_get(src, "valid_lft", &vl);
	pl_get(src, "preferred_lft", &pl);
	if (vl.kind != PL_V_NIL || pl.kind != PL_V_NIL) {
		sp->valid = sp->preferred = PL_LFT_FOREVER;
		if (vl.kind != PL_V_NIL && pl_addr_lft(&vl, "valid_lft", &sp->valid, e) < 0)
			return -1;
		if (pl.kind != PL_V_NIL && pl_addr_lft(&pl, "preferred_lft", &sp->preferred, e) < 0)
			return -1;
		/* Only valid_lft: the address stays preferred until then. */
		if (pl.kind == PL_V_NIL)
			sp->preferred = sp->valid;
		if (sp->valid == 0)
			return pl_err_misuse(e, "valid_lft: must not be 0");
		if (sp->preferred > sp->valid)
			return pl_err_misuse(e, "preferred_lft: greater than valid_lft");
		sp->named |= PL_AN_LFT;
	}
	pl_get(src, "metric", &v);
	if (v.kind != PL_V_NIL) {
		if (v.kind != PL_V_INT || v.i < 0 || v.i > UINT32_MAX)
			return pl_err_misuse(e, "metric: expected an integer 0..%u", UINT32_MAX);
		sp->metric = (uint32_t)v.i;
		sp->named |= PL_AN_METRIC;
	}
	return src->leave(src, e);
}

/* Read the address, the options and the device; misuse is found before anything is sent
 * but the device lookup. */
PL_HOT
static int pl_addr_spec_read(struct pl_sock *s, const struct pl_val *dev,
			     const struct pl_val *prefix, struct pl_source *opts,
			     struct pl_addr_spec *sp, const char *op, struct pl_err *e)
{
	char obj[64];

	memset(sp, 0, sizeof(*sp));
	if (pl_val_prefix(prefix, "prefix", 0, &sp->local, e) < 0)
		return -1;
	sp->plen = sp->local.len;
	memcpy(sp->peer, sp->local.addr, sizeof(sp->peer));
	sp->valid = sp->preferred = PL_LFT_FOREVER;
	/* ip's default: scope host for 127.0.0.0/8 (the kernel picks IPv6 scopes itself). */
	if (sp->local.family == AF_INET && sp->local.addr[0] == 127)
		sp->scope = RT_SCOPE_HOST;
	if (opts && pl_addr_opts(sp, opts, e) < 0)
		return -1;
	sp->ifindex = pl_link_dev(s, dev, "dev", e);
	if (sp->ifindex < 0) {
		char msg[PL_ERRMSG_MAX];

		if (e->misuse)
			return -1;
		memcpy(msg, e->msg, sizeof(msg));
		pl_addr_obj(dev, prefix, obj, sizeof(obj));
		return pl_err_set(e, e->err, "%s %s: %s", op, obj, msg);
	}
	if (sp->named & PL_AN_LABEL) {
		char name[IFNAMSIZ + 1];
		const char *dn = dev->kind == PL_V_STR ? dev->s : name;

		if (dev->kind != PL_V_STR &&
		    pl_link_name(s, sp->ifindex, name, sizeof(name), e) != 1) {
			pl_addr_obj(dev, prefix, obj, sizeof(obj));
			return pl_err_set(e, ENODEV, "%s %s: dev %d: No such device", op, obj,
					  sp->ifindex);
		}
		/* As ip requires: "eth0" or "eth0:something". */
		if (strncmp(sp->label, dn, strlen(dn)) != 0)
			return pl_err_misuse(e, "label: \"%s\" must start with the device "
					     "name \"%s\"", sp->label, dn);
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* requests */

/* Looking for the live twin of an address on its device (ensure, IPv6 delete). */
struct pl_addr_find_ctx {
	const struct pl_addr_spec *want;
	struct pl_addr_spec live;
	int found;
	int nsecondary;		/* secondaries in the subnet of the live address */
	char other[INET6_ADDRSTRLEN + 8];
};

PL_HOT
static int pl_addr_put(struct pl_req *r, uint16_t type, const struct pl_addr_spec *sp,
		       struct pl_err *e)
{
	size_t alen = pl_family_addrlen(sp->local.family);
	struct ifaddrmsg *ifa = pl_req_extra(r, sizeof(*ifa));

	if (!ifa)
		return pl_err_set(e, EMSGSIZE, "%s %s: request too large", r->op, r->obj);
	ifa->ifa_family = (uint8_t)sp->local.family;
	ifa->ifa_prefixlen = (uint8_t)sp->plen;
	ifa->ifa_flags = (uint8_t)(sp->flags & 0xff);
	ifa->ifa_scope = sp->scope;
	ifa->ifa_index = (uint32_t)sp->ifindex;
	pl_req_field(r, "prefix");
	if (pl_req_put(r, IFA_LOCAL, alen, sp->local.addr, e) < 0)
		return -1;
	if (type == RTM_DELADDR && !sp->local.has_len && sp->local.family == AF_INET)
		return 0;	/* no IFA_ADDRESS: whatever the prefix length */
	pl_req_field(r, sp->named & PL_AN_PEER ? "peer" : "prefix");
	if (pl_req_put(r, IFA_ADDRESS, alen, sp->peer, e) < 0)
		return -1;
	if (type == RTM_DELADDR)
		return 0;
	if (sp->has_brd) {
		pl_req_field(r, "broadcast");
		if (pl_req_put(r, IFA_BROADCAST, 4, sp->brd, e) < 0)
			return -1;
	}
	if (sp->label[0]) {
		pl_req_field(r, "label");
		if (pl_req_put_str(r, IFA_LABEL, sp->label, e) < 0)
			return -1;
	}
	pl_req_field(r, "flags");
	if (pl_req_put_u32(r, IFA_FLAGS, sp->flags, e) < 0)
		return -1;
	if (sp->named & PL_AN_LFT) {
		struct ifa_cacheinfo ci = { .ifa_prefered = sp->preferred, .ifa_valid = sp->valid };

		pl_req_field(r, "valid_lft");
		if (pl_req_put(r, IFA_CACHEINFO, sizeof(ci), &ci, e) < 0)
			return -1;
	}
	if (sp->named & PL_AN_METRIC) {
		pl_req_field(r, "metric");
		if (pl_req_put_u32(r, IFA_RT_PRIORITY, sp->metric, e) < 0)
			return -1;
	}
	return 0;
}

PL_HOT
static int pl_addr_send(struct pl_sock *s, uint16_t type, uint16_t flags,
			const struct pl_addr_spec *sp, const char *op, const char *obj,
			struct pl_err *e)
{
	struct pl_req r;

	pl_req_start(&r, s, type, flags, op, obj);
	if (pl_addr_put(&r, type, sp, e) < 0)
		return -1;
	return pl_talk(&r, NULL, NULL, e);
}

PL_HOT
int pl_addr_add(struct pl_sock *s, const struct pl_val *dev, const struct pl_val *prefix,
		struct pl_source *opts, enum pl_add_mode mode, struct pl_err *e)
{
	const char *op = mode == PL_ADD_REPLACE ? "addr_replace" : "addr_add";
	struct pl_addr_spec sp;
	char obj[64];

	if (pl_addr_spec_read(s, dev, prefix, opts, &sp, op, e) < 0)
		return -1;
	pl_addr_obj(dev, prefix, obj, sizeof(obj));
	return pl_addr_send(s, RTM_NEWADDR, NLM_F_CREATE | (mode == PL_ADD_REPLACE ?
			    NLM_F_REPLACE : NLM_F_EXCL), &sp, op, obj, e);
}

static int pl_addr_find(struct pl_sock *s, struct pl_addr_find_ctx *c, struct pl_err *e);

int pl_addr_del(struct pl_sock *s, const struct pl_val *dev, const struct pl_val *prefix,
		struct pl_err *e)
{
	struct pl_addr_spec sp;
	char obj[64];

	if (pl_addr_spec_read(s, dev, prefix, NULL, &sp, "addr_del", e) < 0)
		return -1;
	pl_addr_obj(dev, prefix, obj, sizeof(obj));
	/* IPv6 deletes by address and length (addrconf.c inet6_addr_del): without a length,
	 * find the live one, in one filtered dump. */
	if (sp.local.family == AF_INET6 && !sp.local.has_len) {
		struct pl_addr_find_ctx c = { .want = &sp };
		int rc = pl_addr_find(s, &c, e);

		if (rc < 0)
			return -1;
		if (rc)
			sp.plen = c.live.plen;
	}
	return pl_addr_send(s, RTM_DELADDR, 0, &sp, "addr_del", obj, e);
}

/* ---------------------------------------------------------------------------------------- */
/* listing */

struct pl_addr_list_ctx {
	struct pl_sink *k;
	struct pl_pctx pc;	/* the handle's names, the descriptor indexes */
};

static int pl_addr_list_cb(const struct nlmsghdr *nlh, void *data, struct pl_err *e)
{
	struct pl_addr_list_ctx *c = data;

	(void)e;
	if (nlh->nlmsg_type != RTM_NEWADDR)
		return 0;
	c->k->begin(c->k, NULL);
	pl_addr_parse(nlh, &c->pc, c->k);
	c->k->end(c->k);
	return 0;
}

/* Start a dump of the addresses of @family on @ifindex (0: any), filtered by the kernel. */
static void pl_addr_dump_req(struct pl_req *r, struct pl_sock *s, int family, int ifindex,
			     const char *op)
{
	struct ifaddrmsg *ifa;

	pl_req_start(r, s, RTM_GETADDR, 0, op, NULL);
	ifa = pl_req_extra(r, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_index = (uint32_t)ifindex;
}

int pl_addr_list(struct pl_sock *s, const struct pl_addr_filter *f, struct pl_sink *k,
		 struct pl_err *e)
{
	struct pl_addr_list_ctx c = { .k = k, .pc.names = pl_sock_rtnames(s) };
	struct pl_req r;
	int rc;

	pl_addr_dump_req(&r, s, f ? f->family : 0, f ? f->ifindex : 0, "addrs");
	rc = pl_dump(&r, pl_addr_list_cb, pl_dump_reset_sink, &c, e);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* ensure */

static int pl_addr_find_cb(const struct nlmsghdr *nlh, void *data, struct pl_err *e)
{
	struct pl_addr_find_ctx *c = data;
	struct pl_addr_spec sp;

	(void)e;
	if (nlh->nlmsg_type != RTM_NEWADDR)
		return 0;
	pl_addr_spec_from_msg(nlh, &sp);
	if (sp.local.family != c->want->local.family || sp.ifindex != c->want->ifindex)
		return 0;
	if (memcmp(sp.local.addr, c->want->local.addr, sizeof(sp.local.addr)) == 0) {
		c->live = sp;
		c->found = 1;
	}
	return 0;
}

static void pl_addr_find_reset(void *data)
{
	struct pl_addr_find_ctx *c = data;

	c->found = 0;
	c->nsecondary = 0;
}

/* Find the live address of @want's local address on its device: 1 found, 0 not, -1 error. */
static int pl_addr_find(struct pl_sock *s, struct pl_addr_find_ctx *c, struct pl_err *e)
{
	struct pl_req r;

	pl_addr_dump_req(&r, s, c->want->local.family, c->want->ifindex, "addr_ensure");
	if (pl_dump(&r, pl_addr_find_cb, pl_addr_find_reset, c, e) < 0)
		return -1;
	return c->found;
}

static int pl_addr_secondary_cb(const struct nlmsghdr *nlh, void *data, struct pl_err *e)
{
	struct pl_addr_find_ctx *c = data;
	struct pl_addr_spec sp;
	uint32_t a, b, mask;

	(void)e;
	if (nlh->nlmsg_type != RTM_NEWADDR)
		return 0;
	pl_addr_spec_from_msg(nlh, &sp);
	if (sp.local.family != AF_INET || !(sp.live_flags & IFA_F_SECONDARY) ||
	    sp.plen != c->live.plen)
		return 0;
	memcpy(&a, sp.local.addr, 4);
	memcpy(&b, c->live.local.addr, 4);
	mask = sp.plen ? htonl(~0u << (32 - sp.plen)) : 0;
	if ((a & mask) == (b & mask)) {
		c->nsecondary++;
		pl_prefix_fmt(&sp.local, c->other, sizeof(c->other));
	}
	return 0;
}

/* Which named options of @want differ from @live: PL_AN_* bits, and PL_AN_FLAGS. */
static unsigned pl_addr_diff(const struct pl_addr_spec *want, const struct pl_addr_spec *live)
{
	unsigned d = 0;

	if ((want->named & PL_AN_SCOPE) && want->scope != live->scope)
		d |= PL_AN_SCOPE;
	if ((want->named & PL_AN_BRD) && (want->has_brd != live->has_brd ||
					  memcmp(want->brd, live->brd, 4) != 0))
		d |= PL_AN_BRD;
	if ((want->named & PL_AN_LABEL) && strcmp(want->label, live->label) != 0)
		d |= PL_AN_LABEL;
	if ((want->flags ^ live->flags) & want->flagmask)
		d |= PL_AN_FLAGS;
	/* Lifetimes count down: only "forever" can be found unchanged; others are renewed. */
	if ((want->named & PL_AN_LFT) && (want->valid != PL_LFT_FOREVER ||
	    want->preferred != PL_LFT_FOREVER || live->valid != PL_LFT_FOREVER ||
	    live->preferred != PL_LFT_FOREVER))
		d |= PL_AN_LFT;
	if ((want->named & PL_AN_METRIC) && want->metric != live->metric)
		d |= PL_AN_METRIC;
	return d;
}

/* Complete @want with the live values of the options it does not name. */
static void pl_addr_merge(struct pl_addr_spec *want, const struct pl_addr_spec *live)
{
	if (!(want->named & PL_AN_SCOPE))
		want->scope = live->scope;
	if (!(want->named & PL_AN_BRD)) {
		want->has_brd = live->has_brd;
		memcpy(want->brd, live->brd, 4);
	}
	if (!(want->named & PL_AN_LABEL))
		memcpy(want->label, live->label, sizeof(want->label));
	want->flags = (want->flags & want->flagmask) | (live->flags & ~want->flagmask);
	if (!(want->named & PL_AN_LFT)) {
		want->valid = live->valid;
		want->preferred = live->preferred;
	}
	if (!(want->named & PL_AN_METRIC))
		want->metric = live->metric;
	want->named |= PL_AN_LFT | PL_AN_METRIC;
}

/* Delete @c's live IPv4 address and add @want instead, unless that would take secondary
 * addresses with it; the old address is put back if the new one is refused. */
static int pl_addr_readd(struct pl_sock *s, struct pl_addr_find_ctx *c,
			 const struct pl_addr_spec *want, const char *obj, struct pl_err *e)
{
	const char *op = "addr_ensure";
	struct pl_err e2;
	struct pl_req r;

	if (!(c->live.live_flags & IFA_F_SECONDARY)) {
		pl_addr_dump_req(&r, s, AF_INET, want->ifindex, op);
		if (pl_dump(&r, pl_addr_secondary_cb, pl_addr_find_reset, c, e) < 0)
			return -1;
		if (c->nsecondary)
			return pl_err_set(e, EBUSY, "%s %s: changing its scope, broadcast, label or "
					  "flags means adding it again, which would delete its "
					  "secondary addresses (%s)", op, obj, c->other);
	}
	if (pl_addr_send(s, RTM_DELADDR, 0, &c->live, op, obj, e) < 0)
		return -1;
	if (pl_addr_send(s, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, want, op, obj, e) == 0)
		return 0;
	/* The caller sees the first error. */
	pl_addr_send(s, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &c->live, op, obj, &e2);
	return -1;
}

int pl_addr_ensure(struct pl_sock *s, const struct pl_val *dev, const struct pl_val *prefix,
		   struct pl_source *opts, enum pl_ensure *did, struct pl_err *e)
{
	struct pl_addr_find_ctx c = { 0 };
	struct pl_addr_spec want;
	char obj[64], lbuf[INET6_ADDRSTRLEN + 8];
	size_t alen;
	unsigned d;
	int rc;

	if (pl_addr_spec_read(s, dev, prefix, opts, &want, "addr_ensure", e) < 0)
		return -1;
	pl_addr_obj(dev, prefix, obj, sizeof(obj));
	alen = pl_family_addrlen(want.local.family);
	c.want = &want;
	rc = pl_addr_find(s, &c, e);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		*did = PL_ENSURE_CREATED;
		return pl_addr_send(s, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &want,
				    "addr_ensure", obj, e);
	}
	/* The same address with another prefix length or peer is another address. */
	if (c.live.plen != want.plen || memcmp(c.live.peer, want.peer, alen) != 0)
		return pl_err_set(e, EEXIST, "addr_ensure %s: the device has %s, with another %s",
				  obj, pl_prefix_fmt(&c.live.local, lbuf, sizeof(lbuf)),
				  c.live.plen != want.plen ? "prefix length" : "peer");
	d = pl_addr_diff(&want, &c.live);
	if (!d) {
		*did = PL_ENSURE_UNCHANGED;
		return 0;
	}
	*did = PL_ENSURE_CHANGED;
	pl_addr_merge(&want, &c.live);
	/* IPv4 replaces change only the metric and lifetimes (devinet.c inet_rtm_newaddr): the
	 * others take deleting and adding the address again. */
	if (want.local.family == AF_INET && (d & (PL_AN_SCOPE | PL_AN_BRD | PL_AN_LABEL |
						  PL_AN_FLAGS)))
		return pl_addr_readd(s, &c, &want, obj, e);
	return pl_addr_send(s, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, &want, "addr_ensure",
			    obj, e);
}
