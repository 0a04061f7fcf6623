// SPDX-License-Identifier: MIT
/*
 * Routes, IPv4 and IPv6: RTM_NEWROUTE / DELROUTE / GETROUTE built from an option table, and
 * parsed into records shaped like `ip -j route show table all` (and `ip -j route get`).
 * Listings stream: each receive buffer's routes become records as it arrives.
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

#include "plumb.h"

#define PL_ROUTE_DUMP_TRIES 8
#define PL_ROUTE_MAX_NEXTHOPS 1024

static const struct pl_enum pl_route_types[] = {
	{ "unspec", RTN_UNSPEC }, { "unicast", RTN_UNICAST }, { "local", RTN_LOCAL },
	{ "broadcast", RTN_BROADCAST }, { "anycast", RTN_ANYCAST },
	{ "multicast", RTN_MULTICAST }, { "blackhole", RTN_BLACKHOLE },
	{ "unreachable", RTN_UNREACHABLE }, { "prohibit", RTN_PROHIBIT }, { "throw", RTN_THROW },
	{ "nat", RTN_NAT }, { "xresolve", RTN_XRESOLVE }, { NULL, 0 },
};

/* RTA_PREF: ICMPV6_ROUTER_PREF_* */
static const struct pl_enum pl_route_prefs[] = {
	{ "medium", 0 }, { "high", 1 }, { "low", 3 }, { NULL, 0 },
};

static const struct pl_enum pl_route_families[] = {
	{ "inet", AF_INET }, { "inet6", AF_INET6 }, { NULL, 0 },
};

/*
 * Route attributes with a plain wire type. gateway and prefsrc are reported here but sent
 * by pl_route_put_addr (hence PL_F_RO), which checks their family against the route's.
 * dst, from, table, metrics, nexthops, via and cacheinfo need the header or a nest: below.
 */
static const struct pl_attr_desc pl_route_desc[] = {
	{ RTA_GATEWAY, RTA_GATEWAY, PL_A_INET, PL_F_RO, "gateway", NULL, NULL },
	{ RTA_OIF, 0, PL_A_IFINDEX, 0, "dev", NULL, NULL },
	{ RTA_PREFSRC, RTA_PREFSRC, PL_A_INET, PL_F_RO, "prefsrc", NULL, NULL },
	{ RTA_PRIORITY, 0, PL_A_U32, 0, "metric", NULL, NULL },
	{ RTA_PREF, 0, PL_A_U8, 0, "pref", NULL, pl_route_prefs },
	{ RTA_IIF, 0, PL_A_IFINDEX, PL_F_RO, "iif", NULL, NULL },
	{ RTA_UID, 0, PL_A_U32, PL_F_RO, "uid", NULL, NULL },
	{ RTA_NH_ID, 0, PL_A_U32, PL_F_RO, "nhid", NULL, NULL },
};

static const struct pl_attrs pl_route_attrs = PL_ATTRS(pl_route_desc, RTA_MAX);

/* RTA_METRICS: set as top-level options (mtu = 1400), reported as ip does under "metrics". */
static const struct pl_attr_desc pl_route_metrics_desc[] = {
	{ RTAX_MTU, 0, PL_A_U32, 0, "mtu", NULL, NULL },
	{ RTAX_WINDOW, 0, PL_A_U32, 0, "window", NULL, NULL },
	{ RTAX_SSTHRESH, 0, PL_A_U32, 0, "ssthresh", NULL, NULL },
	{ RTAX_CWND, 0, PL_A_U32, 0, "cwnd", NULL, NULL },
	{ RTAX_ADVMSS, 0, PL_A_U32, 0, "advmss", NULL, NULL },
	{ RTAX_REORDERING, 0, PL_A_U32, 0, "reordering", NULL, NULL },
	{ RTAX_HOPLIMIT, 0, PL_A_U32, 0, "hoplimit", NULL, NULL },
	{ RTAX_INITCWND, 0, PL_A_U32, 0, "initcwnd", NULL, NULL },
	{ RTAX_RTO_MIN, 0, PL_A_U32, 0, "rto_min", NULL, NULL },
	{ RTAX_INITRWND, 0, PL_A_U32, 0, "initrwnd", NULL, NULL },
	{ RTAX_QUICKACK, 0, PL_A_U32, 0, "quickack", NULL, NULL },
};

static const struct pl_attrs pl_route_metrics = PL_ATTRS(pl_route_metrics_desc, RTAX_MAX);

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
/* names and values */

static const char *pl_route_vkind(enum pl_vkind k)
{
	static const char *const names[] = { "nil", "a boolean", "an integer", "a string",
					     "a table", "another type" };

	return names[k];
}

static const char *pl_route_name(const struct pl_enum *t, unsigned long long v, char *buf,
				 size_t len)
{
	for (; t->name; t++)
		if (t->value == v)
			return t->name;
	snprintf(buf, len, "%llu", v);
	return buf;
}

/* @v as a number up to @max: an integer, a name from @names, or a number in a string
 * (ip prints unnamed values so: "table": "100"). */
static int pl_route_enum(const char *prefix, const char *key, const struct pl_val *v,
			 const struct pl_enum *names, unsigned long long max,
			 unsigned long long *out, struct pl_err *e)
{
	const struct pl_enum *t;
	char choices[200];
	size_t o = 0;

	if (v->kind == PL_V_INT) {
		if (v->i < 0 || (unsigned long long)v->i > max)
			return pl_err_misuse(e, "%s%s: %lld out of range 0..%llu", prefix, key,
					     v->i, max);
		*out = (unsigned long long)v->i;
		return 0;
	}
	if (v->kind != PL_V_STR)
		return pl_err_misuse(e, "%s%s: expected a name or an integer, got %s", prefix, key,
				     pl_route_vkind(v->kind));
	for (t = names; t && t->name; t++)
		if (strcmp(t->name, v->s) == 0) {
			*out = t->value;
			return 0;
		}
	if (isdigit((unsigned char)v->s[0])) {
		unsigned long long n;
		char *end;

		errno = 0;
		n = strtoull(v->s, &end, 0);
		if (!errno && !*end && n <= max) {
			*out = n;
			return 0;
		}
	}
	if (!names)
		return pl_err_misuse(e, "%s%s: expected an integer, got \"%s\"", prefix, key, v->s);
	choices[0] = '\0';
	for (t = names; t && t->name && o + 2 < sizeof(choices); t++)
		o += (size_t)snprintf(choices + o, sizeof(choices) - o, "%s\"%s\"", o ? ", " : "",
				      t->name);
	return pl_err_misuse(e, "%s%s: unknown value \"%s\" (expected %s or a number)", prefix,
			     key, v->s, choices);
}

/* A boolean option, named with its prefix ("nexthops[2].onlink") when it is misused. */
static int pl_route_bool(const char *prefix, const char *key, const struct pl_val *v, int *out,
			 struct pl_err *e)
{
	char what[64];

	if (v->kind == PL_V_NIL || v->kind == PL_V_BOOL)	/* no message: none to format */
		return pl_val_bool(v, key, out, e);
	snprintf(what, sizeof(what), "%s%s", prefix, key);
	return pl_val_bool(v, what, out, e);
}

/* @v as a routing number of @kind (protocol, scope, DS field): an integer, or a name or
 * number as iproute2 reads them, from its rt_* files over its built-in names. */
static int pl_route_rtn(const char *key, const struct pl_val *v, enum pl_rtn_kind kind,
			unsigned long long *out, struct pl_err *e)
{
	uint32_t id;

	if (v->kind == PL_V_INT) {
		if (v->i < 0 || v->i > 255)
			return pl_err_misuse(e, "%s: %lld out of range 0..255", key, v->i);
		*out = (unsigned long long)v->i;
		return 0;
	}
	if (v->kind != PL_V_STR)
		return pl_err_misuse(e, "%s: expected a name or an integer, got %s", key,
				     pl_route_vkind(v->kind));
	/* the kernel's own name for scope global */
	if (kind == PL_RTN_SCOPE && strcmp(v->s, "universe") == 0) {
		*out = RT_SCOPE_UNIVERSE;
		return 0;
	}
	if (pl_rtn_id(NULL, kind, v->s, &id) < 0 || id > 255)
		return pl_err_misuse(e, "%s: unknown value \"%s\" (expected a name from iproute2's "
				     "rt_* files, or a number)", key, v->s);
	*out = id;
	return 0;
}

/* Read option @a or its alias @b (only one of them may be given) into @v; *@used names it. */
static int pl_route_alias(struct pl_source *src, const char *prefix, const char *a,
			  const char *b, struct pl_val *v, const char **used, struct pl_err *e)
{
	struct pl_val w;

	src->get(src, a, v);
	src->get(src, b, &w);
	*used = a;
	if (v->kind != PL_V_NIL && w.kind != PL_V_NIL)
		return pl_err_misuse(e, "%s%s: also given as %s%s: give one of them", prefix, a,
				     prefix, b);
	if (v->kind == PL_V_NIL) {
		*v = w;
		*used = b;
	}
	return 0;
}

/* "192.0.2.0/24", "2001:db8::/32", or a bare address (a host route). */
static int pl_route_prefix(const char *key, const struct pl_val *v, uint8_t *addr, int *family,
			   int *plen, struct pl_err *e)
{
	struct pl_prefix p;
	int rc;

	if (v->kind != PL_V_STR)
		return pl_err_misuse(e, "%s: expected a prefix, got %s", key,
				     pl_route_vkind(v->kind));
	rc = pl_prefix_parse(v->s, &p);
	if (rc == -1)
		return pl_err_misuse(e, "%s: malformed prefix \"%s\"", key, v->s);
	if (rc == -2)
		return pl_err_misuse(e, "%s: bad prefix length in \"%s\" (0..%d)", key, v->s,
				     strchr(v->s, ':') ? 128 : 32);
	memcpy(addr, p.addr, sizeof(p.addr));
	*family = p.family;
	*plen = p.len;
	return 0;
}

/* table = name | number; "all" (0) only where @all is allowed. */
static int pl_route_table(const struct pl_val *v, int all, uint32_t *id, struct pl_err *e)
{
	if (v->kind == PL_V_INT) {
		if (v->i < 0 || v->i > UINT32_MAX)
			return pl_err_misuse(e, "table: %lld out of range 0..%u", v->i, UINT32_MAX);
		*id = (uint32_t)v->i;
		return 0;
	}
	if (v->kind != PL_V_STR)
		return pl_err_misuse(e, "table: expected a table name or number, got %s",
				     pl_route_vkind(v->kind));
	if (strcmp(v->s, "all") == 0) {
		if (!all)
			return pl_err_misuse(e, "table: \"all\" is only for listing");
		*id = 0;
		return 0;
	}
	if (pl_rtn_id(NULL, PL_RTN_TABLE, v->s, id) < 0)
		return pl_err_misuse(e, "table: unknown table \"%s\" (not in rt_tables)", v->s);
	return 0;
}

/* Give a lookup's error the request's name: "route_add 192.0.2.0/24: dev x: No such device". */
static int pl_route_fail(const struct pl_req *r, struct pl_err *e)
{
	char msg[PL_ERRMSG_MAX];

	if (e->misuse)
		return -1;
	snprintf(msg, sizeof(msg), "%s", e->msg);
	return pl_err_set(e, e->err, "%s %s: %s", r->op, r->obj, msg);
}

/* ---------------------------------------------------------------------------------------- */
/* building requests */

/* An address attribute of the route's family (the first address seen fixes it). */
static int pl_route_put_addr(struct pl_req *r, int *family, uint16_t type, const char *key,
			     const struct pl_val *v, struct pl_err *e)
{
	uint8_t a[16];
	int fam;

	if (v->kind != PL_V_STR || pl_parse_inet(v->s, a, &fam) < 0)
		return pl_err_misuse(e, "%s%s: malformed IP address %s%s%s", r->prefix, key,
				     v->kind == PL_V_STR ? "\"" : "(",
				     v->kind == PL_V_STR ? v->s : pl_route_vkind(v->kind),
				     v->kind == PL_V_STR ? "\"" : ")");
	if (*family && fam != *family)
		return pl_err_misuse(e, "%s%s: \"%s\" is not an %s address like the route's", r->prefix,
				     key, v->s, *family == AF_INET ? "IPv4" : "IPv6");
	*family = fam;
	pl_req_field(r, key);
	return pl_req_put(r, type, fam == AF_INET ? 4 : 16, a, e);
}

/* One element of nexthops: struct rtnexthop, then its gateway. */
static int pl_route_put_nexthop(struct pl_req *r, struct pl_source *src, int *family,
				struct pl_err *e)
{
	uint32_t start = r->nlh->nlmsg_len;
	struct rtnexthop *nh;
	const char *used;
	struct pl_val v;
	int b;

	nh = pl_req_extra(r, sizeof(*nh));
	if (!nh)
		return pl_err_set(e, EMSGSIZE, "%s %s: request too large", r->op, r->obj);
	if (pl_route_alias(src, r->prefix, "gateway", "via", &v, &used, e) < 0)
		return -1;
	if (v.kind != PL_V_NIL && pl_route_put_addr(r, family, RTA_GATEWAY, used, &v, e) < 0)
		return -1;
	src->get(src, "dev", &v);
	if (v.kind != PL_V_NIL) {
		char what[48];
		int idx = 0;

		if (v.kind == PL_V_STR && v.len > 0 && v.len < 16 && !strpbrk(v.s, "/ \t\n:"))
			idx = pl_link_index(r->sock, v.s, e);	/* the common case: no message */
		if (idx <= 0) {
			snprintf(what, sizeof(what), "%sdev", r->prefix);
			idx = pl_link_dev(r->sock, &v, what, e);
		}
		if (idx < 0)
			return pl_route_fail(r, e);
		nh->rtnh_ifindex = idx;
	}
	src->get(src, "weight", &v);
	if (v.kind != PL_V_NIL) {
		if (v.kind != PL_V_INT || v.i < 1 || v.i > 256)
			return pl_err_misuse(e, "%sweight: expected an integer 1..256", r->prefix);
		nh->rtnh_hops = (unsigned char)(v.i - 1);
	}
	src->get(src, "onlink", &v);
	if (pl_route_bool(r->prefix, "onlink", &v, &b, e) < 0)
		return -1;
	if (b)
		nh->rtnh_flags |= RTNH_F_ONLINK;
	nh = (struct rtnexthop *)((char *)r->nlh + start);
	nh->rtnh_len = (unsigned short)(r->nlh->nlmsg_len - start);
	return 0;
}

/* nexthops = { { gateway =, dev =, weight =, onlink = }, ... } -> RTA_MULTIPATH */
static int pl_route_put_nexthops(struct pl_req *r, struct pl_source *src, int *family,
				 int *has, struct pl_err *e)
{
	struct pl_err e2;
	struct nlattr *mp;
	long long n, i;
	int in;

	*has = 0;
	in = src->enter(src, "nexthops");
	if (in < 0)
		return pl_err_misuse(e, "nexthops: expected a list of tables");
	if (!in)
		return 0;
	n = src->len(src);
	if (n < 1 || n > PL_ROUTE_MAX_NEXTHOPS) {
		src->leave(src, &e2);
		return pl_err_misuse(e, "nexthops: expected a list of 1 to %d tables",
				     PL_ROUTE_MAX_NEXTHOPS);
	}
	mp = pl_req_nest(r, RTA_MULTIPATH, e);
	for (i = 1; mp && i <= n; i++) {
		snprintf(r->prefix, sizeof(r->prefix), "nexthops[%d].", (int)i);
		in = src->enter_at(src, i);
		if (in <= 0) {
			pl_err_misuse(e, "nexthops[%lld]: expected a table", i);
			break;
		}
		if (pl_route_put_nexthop(r, src, family, e) < 0) {
			src->leave(src, &e2);
			break;
		}
		if (src->leave(src, e) < 0)
			break;
	}
	r->prefix[0] = '\0';
	if (!mp || i <= n) {
		src->leave(src, &e2);
		return -1;
	}
	pl_req_nest_end(r, mp);
	*has = 1;
	return src->leave(src, e);
}

/* The header fields named by options: table, type, protocol, scope, tos, onlink. */
static int pl_route_put_header(struct pl_req *r, struct rtmsg *rtm, struct pl_source *src,
			       int *table_set, int *scope_set, struct pl_route_key *key,
			       struct pl_err *e)
{
	unsigned long long n;
	const char *used;
	struct pl_val v;
	int b;

	src->get(src, "table", &v);
	*table_set = v.kind != PL_V_NIL;
	key->table = RT_TABLE_MAIN;
	if (*table_set && pl_route_table(&v, 0, &key->table, e) < 0)
		return -1;
	src->get(src, "type", &v);
	if (v.kind != PL_V_NIL) {
		if (pl_route_enum("", "type", &v, pl_route_types, RTN_MAX, &n, e) < 0)
			return -1;
		rtm->rtm_type = (unsigned char)n;
	}
	if (pl_route_alias(src, "", "protocol", "proto", &v, &used, e) < 0)
		return -1;
	if (v.kind != PL_V_NIL) {
		if (pl_route_rtn(used, &v, PL_RTN_PROTO, &n, e) < 0)
			return -1;
		rtm->rtm_protocol = (unsigned char)n;
	}
	src->get(src, "scope", &v);
	*scope_set = v.kind != PL_V_NIL;
	if (*scope_set) {
		if (pl_route_rtn("scope", &v, PL_RTN_SCOPE, &n, e) < 0)
			return -1;
		rtm->rtm_scope = (unsigned char)n;
	}
	src->get(src, "tos", &v);
	if (v.kind != PL_V_NIL) {
		if (pl_route_rtn("tos", &v, PL_RTN_DSFIELD, &n, e) < 0)
			return -1;
		rtm->rtm_tos = (unsigned char)n;
	}
	key->tos = rtm->rtm_tos;
	src->get(src, "onlink", &v);
	if (pl_route_bool("", "onlink", &v, &b, e) < 0)
		return -1;
	if (b)
		rtm->rtm_flags |= RTNH_F_ONLINK;
	return 0;
}

/* Build a route request from @src into the socket's buffer; its key goes to @key. */
static int pl_route_build(struct pl_req *r, struct pl_sock *s, struct pl_source *src,
			  uint16_t type, uint16_t flags, const char *op, struct pl_route_key *key,
			  struct pl_err *e)
{
	int family = 0, dfam = 0, plen = 0, table_set, scope_set, has_gw = 0, has_mp;
	unsigned long long n;
	struct pl_val dst, v;
	struct nlattr *mx;
	const char *used;
	struct rtmsg *rtm;
	uint8_t addr[16];
	uint32_t mark;

	memset(key, 0, sizeof(*key));
	src->get(src, "dst", &dst);
	if (dst.kind == PL_V_NIL)
		return pl_err_misuse(e, "dst: a route needs a destination (a prefix or \"default\")");
	if (dst.kind != PL_V_STR)
		return pl_err_misuse(e, "dst: expected a prefix or \"default\", got %s",
				     pl_route_vkind(dst.kind));
	if (strcmp(dst.s, "default") != 0 && pl_route_prefix("dst", &dst, addr, &dfam, &plen, e) < 0)
		return -1;
	src->get(src, "family", &v);
	if (v.kind != PL_V_NIL) {
		if (v.kind != PL_V_STR || pl_route_enum("", "family", &v, pl_route_families, 0, &n,
							e) < 0)
			return pl_err_misuse(e, "family: expected \"inet\" or \"inet6\"");
		family = (int)n;
		if (dfam && dfam != family)
			return pl_err_misuse(e, "dst: \"%s\" is not an %s prefix", dst.s,
					     family == AF_INET ? "IPv4" : "IPv6");
	}
	if (dfam)
		family = dfam;

	pl_req_start(r, s, type, flags, op, dst.s);
	rtm = pl_req_extra(r, sizeof(*rtm));
	if (!rtm)
		return pl_err_set(e, EMSGSIZE, "%s %s: request too large", op, dst.s);
	/* ip's defaults (iproute_modify): a deletion matches any type, protocol and scope. */
	if (type == RTM_DELROUTE) {
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
	} else {
		rtm->rtm_protocol = RTPROT_BOOT;
		rtm->rtm_scope = RT_SCOPE_UNIVERSE;
		rtm->rtm_type = RTN_UNICAST;
	}
	rtm->rtm_dst_len = (unsigned char)plen;
	if (plen > 0) {
		pl_req_field(r, "dst");
		if (pl_req_put(r, RTA_DST, dfam == AF_INET ? 4 : 16, addr, e) < 0)
			return -1;
	}
	if (pl_route_put_header(r, rtm, src, &table_set, &scope_set, key, e) < 0)
		return -1;
	if (!table_set && (rtm->rtm_type == RTN_LOCAL || rtm->rtm_type == RTN_NAT))
		key->table = RT_TABLE_LOCAL;
	if (key->table < 256) {
		rtm->rtm_table = (unsigned char)key->table;
	} else {
		rtm->rtm_table = RT_TABLE_UNSPEC;
		pl_req_field(r, "table");
		if (pl_req_put_u32(r, RTA_TABLE, key->table, e) < 0)
			return -1;
	}

	if (pl_route_alias(src, "", "gateway", "via", &v, &used, e) < 0)
		return -1;
	if (v.kind != PL_V_NIL) {
		has_gw = 1;
		if (pl_route_put_addr(r, &family, RTA_GATEWAY, used, &v, e) < 0)
			return -1;
	}
	if (pl_route_alias(src, "", "prefsrc", "src", &v, &used, e) < 0)
		return -1;
	if (v.kind != PL_V_NIL && pl_route_put_addr(r, &family, RTA_PREFSRC, used, &v, e) < 0)
		return -1;
	if (pl_attrs_put(r, &pl_route_attrs, src, e) < 0)
		return -1;	/* a device lookup's message already names the request */
	mx = pl_req_nest(r, RTA_METRICS, e);
	if (!mx)
		return -1;
	mark = r->nlh->nlmsg_len;
	if (pl_attrs_put(r, &pl_route_metrics, src, e) < 0)
		return -1;
	if (r->nlh->nlmsg_len == mark)
		mnl_attr_nest_cancel(r->nlh, mx);
	else
		pl_req_nest_end(r, mx);
	if (pl_route_put_nexthops(r, src, &family, &has_mp, e) < 0)
		return -1;
	if (has_mp) {
		src->get(src, "dev", &v);
		if (has_gw || v.kind != PL_V_NIL)
			return pl_err_misuse(e, "nexthops: give gateway and dev in each nexthop, "
					     "not beside the list");
	}

	if (!family)
		family = AF_INET;
	rtm->rtm_family = (unsigned char)family;
	/* ip's default scope (iproute_modify) */
	if (!scope_set) {
		if (family == AF_INET6)
			rtm->rtm_scope = RT_SCOPE_UNIVERSE;
		else if (rtm->rtm_type == RTN_LOCAL || rtm->rtm_type == RTN_NAT)
			rtm->rtm_scope = RT_SCOPE_HOST;
		else if (rtm->rtm_type == RTN_BROADCAST || rtm->rtm_type == RTN_MULTICAST ||
			 rtm->rtm_type == RTN_ANYCAST)
			rtm->rtm_scope = RT_SCOPE_LINK;
		else if (rtm->rtm_type == RTN_UNICAST || rtm->rtm_type == RTN_UNSPEC) {
			if (type == RTM_DELROUTE)
				rtm->rtm_scope = RT_SCOPE_NOWHERE;
			else if (!has_gw && !has_mp)
				rtm->rtm_scope = RT_SCOPE_LINK;
		}
	}
	key->family = family;
	src->get(src, "metric", &v);
	if (v.kind == PL_V_INT) {
		key->has_metric = 1;
		key->metric = (uint32_t)v.i;
	}
	return src->leave(src, e);	/* the top table: no unknown keys */
}

int pl_route_change(struct pl_sock *s, struct pl_source *src, enum pl_route_op op,
		    struct pl_err *e)
{
	static const struct {
		uint16_t type, flags;
		const char *name;
	} ops[] = {
		[PL_ROUTE_ADD] = { RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, "route_add" },
		[PL_ROUTE_REPLACE] = { RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, "route_replace" },
		[PL_ROUTE_APPEND] = { RTM_NEWROUTE, NLM_F_CREATE | NLM_F_APPEND, "route_append" },
		[PL_ROUTE_DEL] = { RTM_DELROUTE, 0, "route_del" },
	};
	struct pl_route_key key;
	struct pl_req r;
	int rc;

	r.nfds = 0;
	r.building = 0;	/* the build may be refused before the request starts */
	rc = pl_route_build(&r, s, src, ops[op].type, ops[op].flags, ops[op].name, &key, e);
	if (rc == 0)
		rc = pl_talk(&r, NULL, NULL, e);
	pl_req_done(&r);
	return rc;
}

int pl_route_spec(struct pl_sock *s, struct pl_source *src, struct pl_sink *k,
		  struct pl_route_key *key, struct pl_err *e)
{
	struct pl_req r;
	int rc;

	r.nfds = 0;
	r.building = 0;
	rc = pl_route_build(&r, s, src, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, "route_ensure",
			    key, e);
	if (rc == 0)
		pl_route_parse(r.nlh, NULL, k);
	pl_req_done(&r);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* parsing */

static void pl_route_flags(struct pl_sink *k, unsigned flags)
{
	size_t i;

	k->begin_list(k, "flags");
	for (i = 0; i < sizeof(pl_route_flag_names) / sizeof(pl_route_flag_names[0]); i++)
		if (flags & pl_route_flag_names[i].flag)
			k->str(k, NULL, pl_route_flag_names[i].name);
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
			k->ifindex(k, "dev", (uint32_t)nh->rtnh_ifindex);
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
	const struct nlattr *tb[RTA_MAX + 1] = { NULL };
	const struct nlattr *at;
	char buf[64], tbuf[64];
	uint32_t table;
	size_t i;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*rtm))
		return;
	mnl_attr_for_each(at, nlh, sizeof(*rtm))
		if (mnl_attr_get_type(at) <= RTA_MAX)
			tb[mnl_attr_get_type(at)] = at;

	if (nlh->nlmsg_type == RTM_DELROUTE)
		k->boolean(k, "deleted", 1);
	if (rtm->rtm_type != RTN_UNICAST)
		k->str(k, "type", pl_route_name(pl_route_types, rtm->rtm_type, buf, sizeof(buf)));
	pl_route_prefix_out(k, "dst", rtm->rtm_family, tb[RTA_DST], rtm->rtm_dst_len);
	if (tb[RTA_SRC])
		pl_route_prefix_out(k, "from", rtm->rtm_family, tb[RTA_SRC], rtm->rtm_src_len);
	else if (rtm->rtm_src_len)
		pl_route_prefix_out(k, "src", rtm->rtm_family, NULL, rtm->rtm_src_len);
	if (rtm->rtm_tos)
		k->str(k, "tos", pl_rtn_name(names, PL_RTN_DSFIELD, rtm->rtm_tos, buf, sizeof(buf)));
	/* gateway, dev, prefsrc, metric, pref, iif, uid, nhid */
	pl_attrs_parse_msg(nlh, sizeof(*rtm), &pl_route_attrs, k);

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

/* ---------------------------------------------------------------------------------------- */
/* listing */

int pl_route_filter_read(struct pl_sock *s, struct pl_source *src, const char *op,
			 struct pl_route_filter *f, struct pl_err *e)
{
	unsigned long long n;
	const char *used;
	struct pl_val v;

	memset(f, 0, sizeof(*f));
	f->table = RT_TABLE_MAIN;
	if (!src)
		return 0;
	src->get(src, "family", &v);
	if (v.kind != PL_V_NIL) {
		if (v.kind != PL_V_STR || pl_route_enum("", "family", &v, pl_route_families, 0, &n,
							e) < 0)
			return pl_err_misuse(e, "family: expected \"inet\" or \"inet6\"");
		f->family = (int)n;
	}
	src->get(src, "table", &v);
	if (v.kind != PL_V_NIL && pl_route_table(&v, 1, &f->table, e) < 0)
		return -1;
	if (pl_route_alias(src, "", "protocol", "proto", &v, &used, e) < 0)
		return -1;
	if (v.kind != PL_V_NIL) {
		if (pl_route_rtn(used, &v, PL_RTN_PROTO, &n, e) < 0)
			return -1;
		f->protocol = (uint8_t)n;
	}
	src->get(src, "type", &v);
	if (v.kind != PL_V_NIL) {
		if (pl_route_enum("", "type", &v, pl_route_types, RTN_MAX, &n, e) < 0)
			return -1;
		f->type = (uint8_t)n;
	}
	src->get(src, "scope", &v);
	if (v.kind != PL_V_NIL) {
		if (pl_route_rtn("scope", &v, PL_RTN_SCOPE, &n, e) < 0)
			return -1;
		f->has_scope = 1;
		f->scope = (uint8_t)n;
	}
	src->get(src, "tos", &v);
	if (v.kind != PL_V_NIL) {
		if (pl_route_rtn("tos", &v, PL_RTN_DSFIELD, &n, e) < 0)
			return -1;
		f->has_tos = 1;
		f->tos = (uint8_t)n;
	}
	src->get(src, "metric", &v);
	if (v.kind != PL_V_NIL) {
		if (v.kind != PL_V_INT || v.i < 0 || v.i > UINT32_MAX)
			return pl_err_misuse(e, "metric: expected an integer 0..%u", UINT32_MAX);
		f->has_metric = 1;
		f->metric = (uint32_t)v.i;
	}
	src->get(src, "dst", &v);
	if (v.kind != PL_V_NIL) {
		f->has_dst = 1;
		if (v.kind == PL_V_STR && strcmp(v.s, "default") == 0) {
			f->dst_family = f->family;
		} else if (pl_route_prefix("dst", &v, f->dst, &f->dst_family, &f->dst_len, e) < 0) {
			return -1;
		} else if (f->family && f->family != f->dst_family) {
			return pl_err_misuse(e, "dst: \"%s\" is not an %s prefix", v.s,
					     f->family == AF_INET ? "IPv4" : "IPv6");
		}
	}
	src->get(src, "dev", &v);
	if (src->leave(src, e) < 0)
		return -1;
	if (v.kind != PL_V_NIL) {
		/* last: the name stays valid (the table is on the caller's stack) */
		f->oif = pl_link_dev(s, &v, "dev", e);
		if (f->oif < 0) {
			char msg[PL_ERRMSG_MAX];

			if (e->misuse)
				return -1;
			snprintf(msg, sizeof(msg), "%s", e->msg);
			return pl_err_set(e, e->err, "%s: %s", op, msg);
		}
	}
	return 0;
}

/* Whether the first @bits bits of @a and @b agree. */
static int pl_route_bits_equal(const uint8_t *a, const uint8_t *b, int bits)
{
	int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)bytes))
		return 0;
	return !rest || ((a[bytes] ^ b[bytes]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* Everything in @f the kernel may not have filtered already. */
static int pl_route_match(const struct nlmsghdr *nlh, const struct pl_route_filter *f)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *at, *dst = NULL, *mp = NULL;
	uint32_t table, metric = 0;
	int oif = 0;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*rtm))
		return 0;
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return 0;
	if ((f->family && rtm->rtm_family != f->family) || (rtm->rtm_flags & RTM_F_CLONED))
		return 0;
	if ((f->protocol && rtm->rtm_protocol != f->protocol) ||
	    (f->type && rtm->rtm_type != f->type) ||
	    (f->has_scope && rtm->rtm_scope != f->scope) ||
	    (f->has_tos && rtm->rtm_tos != f->tos))
		return 0;
	if (f->has_dst && ((f->dst_family && rtm->rtm_family != f->dst_family) ||
			   rtm->rtm_dst_len != f->dst_len))
		return 0;
	table = rtm->rtm_table;
	mnl_attr_for_each(at, nlh, sizeof(*rtm)) {
		size_t len = mnl_attr_get_payload_len(at);

		switch (mnl_attr_get_type(at)) {
		case RTA_TABLE:
			if (len >= 4)
				table = mnl_attr_get_u32(at);
			break;
		case RTA_PRIORITY:
			if (len >= 4)
				metric = mnl_attr_get_u32(at);
			break;
		case RTA_OIF:
			if (len >= 4)
				oif = (int)mnl_attr_get_u32(at);
			break;
		case RTA_DST:
			dst = at;
			break;
		case RTA_MULTIPATH:
			mp = at;
			break;
		default:
			break;
		}
	}
	if (f->table && table != f->table)
		return 0;
	if (f->has_metric && metric != f->metric)
		return 0;
	if (f->has_dst && f->dst_len) {
		if (!dst || mnl_attr_get_payload_len(dst) < (size_t)(f->dst_len + 7) / 8 ||
		    !pl_route_bits_equal(mnl_attr_get_payload(dst), f->dst, f->dst_len))
			return 0;
	}
	if (f->oif && oif != f->oif) {
		const struct rtnexthop *nh;
		int len, found = 0;

		if (!mp)
			return 0;
		nh = mnl_attr_get_payload(mp);
		len = (int)mnl_attr_get_payload_len(mp);
		while (!found && len >= (int)sizeof(*nh) && nh->rtnh_len >= sizeof(*nh) &&
		       nh->rtnh_len <= len) {
			found = nh->rtnh_ifindex == f->oif;
			len -= RTNH_ALIGN(nh->rtnh_len);
			nh = RTNH_NEXT(nh);
		}
		if (!found)
			return 0;
	}
	return 1;
}

static int pl_route_dump_cb(const struct nlmsghdr *nlh, void *data, struct pl_err *e)
{
	struct pl_route_dump *d = data;

	(void)e;
	if (nlh->nlmsg_type != RTM_NEWROUTE || !pl_route_match(nlh, &d->f))
		return 0;
	d->k->begin(d->k, NULL);
	pl_route_parse(nlh, &(struct pl_pctx){ &d->names }, d->k);
	d->k->end(d->k);
	return 0;
}

/* Ask for the dump of the current family, with the filters the kernel applies itself. */
static int pl_route_dump_send(struct pl_route_dump *d, struct pl_err *e)
{
	const struct pl_route_filter *f = &d->f;
	struct rtmsg *rtm;
	struct pl_req r;

	pl_req_start(&r, d->s, RTM_GETROUTE, 0, d->op, NULL);
	rtm = pl_req_extra(&r, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)d->fams[d->fam];
	/* Without strict checking the kernel would take the header for something else. */
	if (d->s->strict) {
		rtm->rtm_protocol = f->protocol;
		rtm->rtm_type = f->type;
		if (f->table < 256)
			rtm->rtm_table = (unsigned char)f->table;
		else if (pl_req_put_u32(&r, RTA_TABLE, f->table, e) < 0)
			return -1;
		if (f->oif && pl_req_put_u32(&r, RTA_OIF, (uint32_t)f->oif, e) < 0)
			return -1;
	}
	d->seq = r.nlh->nlmsg_seq;
	d->intr = 0;
	return pl_dump_start(&r, e);
}

void pl_route_dump_end(struct pl_route_dump *d)
{
	d->done = 1;
	pl_rtnames_free(&d->names);
}

int pl_route_dump_start(struct pl_route_dump *d, struct pl_sock *s,
			const struct pl_route_filter *f, const char *op, struct pl_err *e)
{
	memset(d, 0, sizeof(*d));
	d->s = s;
	d->f = *f;
	d->op = op;
	/* One family after the other rather than AF_UNSPEC: that would also run the multicast
	 * and MPLS dumps, whose checks refuse a table filter. */
	if (f->family) {
		d->fams[0] = f->family;
		d->nfam = 1;
	} else {
		d->fams[0] = AF_INET;
		d->fams[1] = AF_INET6;
		d->nfam = 2;
	}
	if (pl_route_dump_send(d, e) < 0) {
		pl_route_dump_end(d);
		return -1;
	}
	return 0;
}

int pl_route_dump_next(struct pl_route_dump *d, struct pl_sink *k, struct pl_err *e)
{
	char msg[PL_ERRMSG_MAX];
	int rc;

	if (d->done)
		return 0;
	d->k = k;
	rc = pl_dump_next(d->s, d->seq, pl_route_dump_cb, d, &d->intr, e);
	d->k = NULL;
	/* A table that does not exist (yet) in this family has no routes to list. */
	if (rc < 0 && e->err == ENOENT && d->f.table)
		rc = 0;
	if (rc < 0) {
		pl_route_dump_end(d);
		snprintf(msg, sizeof(msg), "%s", e->msg);
		return pl_err_set(e, e->err, "%s: %s", d->op, msg);
	}
	if (rc > 0)
		return 1;
	if (++d->fam < d->nfam) {
		if (pl_route_dump_send(d, e) < 0) {
			pl_route_dump_end(d);
			return -1;
		}
		return 1;
	}
	pl_route_dump_end(d);
	return 0;
}

int pl_route_list(struct pl_sock *s, const struct pl_route_filter *f, struct pl_sink *k,
		  struct pl_err *e)
{
	struct pl_route_dump d;
	int tries, rc;

	for (tries = 0; tries < PL_ROUTE_DUMP_TRIES; tries++) {
		if (tries && k->reset)
			k->reset(k);
		if (pl_route_dump_start(&d, s, f, "routes", e) < 0)
			return -1;
		do
			rc = pl_route_dump_next(&d, k, e);
		while (rc > 0);
		if (rc == 0)
			return 0;
		if (e->err != EINTR)
			return -1;
	}
	return pl_err_set(e, EINTR, "routes: dump interrupted by concurrent changes %d times",
			  PL_ROUTE_DUMP_TRIES);
}

/* ---------------------------------------------------------------------------------------- */
/* route get */

struct pl_route_get_ctx {
	struct pl_sink *k;
	int got;
};

static int pl_route_get_cb(const struct nlmsghdr *nlh, void *data, struct pl_err *e)
{
	struct pl_route_get_ctx *c = data;

	(void)e;
	if (nlh->nlmsg_type != RTM_NEWROUTE || c->got)
		return 0;
	c->got = 1;
	pl_route_parse(nlh, NULL, c->k);
	return 0;
}

/* from, iif, oif, mark, uid, tos, fibmatch */
static int pl_route_get_opts(struct pl_req *r, struct rtmsg *rtm, struct pl_source *src,
			     struct pl_err *e)
{
	static const char *const devs[] = { "iif", "oif" };
	static const uint16_t devattr[] = { RTA_IIF, RTA_OIF };
	unsigned long long n;
	int family = rtm->rtm_family, b;
	struct pl_val v;
	size_t i;

	src->get(src, "from", &v);
	if (v.kind != PL_V_NIL) {
		if (pl_route_put_addr(r, &family, RTA_SRC, "from", &v, e) < 0)
			return -1;
		rtm->rtm_src_len = family == AF_INET ? 32 : 128;
	}
	for (i = 0; i < 2; i++) {
		int idx;

		src->get(src, devs[i], &v);
		if (v.kind == PL_V_NIL)
			continue;
		idx = pl_link_dev(r->sock, &v, devs[i], e);
		if (idx < 0)
			return pl_route_fail(r, e);
		pl_req_field(r, devs[i]);
		if (pl_req_put_u32(r, devattr[i], (uint32_t)idx, e) < 0)
			return -1;
	}
	src->get(src, "mark", &v);
	if (v.kind != PL_V_NIL) {
		if (pl_route_enum("", "mark", &v, NULL, UINT32_MAX, &n, e) < 0)
			return -1;
		pl_req_field(r, "mark");
		if (pl_req_put_u32(r, RTA_MARK, (uint32_t)n, e) < 0)
			return -1;
	}
	src->get(src, "uid", &v);
	if (v.kind != PL_V_NIL) {
		if (pl_route_enum("", "uid", &v, NULL, UINT32_MAX, &n, e) < 0)
			return -1;
		pl_req_field(r, "uid");
		if (pl_req_put_u32(r, RTA_UID, (uint32_t)n, e) < 0)
			return -1;
	}
	src->get(src, "tos", &v);
	if (v.kind != PL_V_NIL) {
		if (pl_route_rtn("tos", &v, PL_RTN_DSFIELD, &n, e) < 0)
			return -1;
		rtm->rtm_tos = (unsigned char)n;
	}
	src->get(src, "fibmatch", &v);
	if (pl_route_bool("", "fibmatch", &v, &b, e) < 0)
		return -1;
	if (b)
		rtm->rtm_flags |= RTM_F_FIB_MATCH;
	return src->leave(src, e);
}

int pl_route_get(struct pl_sock *s, const char *dst, struct pl_source *src, struct pl_sink *k,
		 struct pl_err *e)
{
	struct pl_route_get_ctx c = { k, 0 };
	struct rtmsg *rtm;
	struct pl_req r;
	uint8_t a[16];
	int fam, rc;

	if (pl_parse_inet(dst, a, &fam) < 0)
		return pl_err_misuse(e, "dst: malformed IP address \"%s\"", dst);
	pl_req_start(&r, s, RTM_GETROUTE, 0, "route_get", dst);
	rtm = pl_req_extra(&r, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)fam;
	rtm->rtm_dst_len = fam == AF_INET ? 32 : 128;
	if (pl_req_put(&r, RTA_DST, fam == AF_INET ? 4 : 16, a, e) < 0)
		return -1;
	if (src && pl_route_get_opts(&r, rtm, src, e) < 0)
		return -1;
	rc = pl_talk(&r, pl_route_get_cb, &c, e);
	if (rc == 0 && !c.got)
		return pl_err_set(e, ENOENT, "route_get %s: no route in the reply", dst);
	return rc;
}
