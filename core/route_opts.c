// SPDX-License-Identifier: MIT
/*
 * Routes: the option tables and the readers of option values shared by building, listing
 * filters and `route get` (names and numbers, prefixes, tables, aliases).
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

const struct pl_enum pl_route_types[] = {
	{ "unspec", RTN_UNSPEC }, { "unicast", RTN_UNICAST }, { "local", RTN_LOCAL },
	{ "broadcast", RTN_BROADCAST }, { "anycast", RTN_ANYCAST },
	{ "multicast", RTN_MULTICAST }, { "blackhole", RTN_BLACKHOLE },
	{ "unreachable", RTN_UNREACHABLE }, { "prohibit", RTN_PROHIBIT }, { "throw", RTN_THROW },
	{ "nat", RTN_NAT }, { "xresolve", RTN_XRESOLVE }, { NULL, 0 },
};

/* RTA_PREF: ICMPV6_ROUTER_PREF_* */
const struct pl_enum pl_route_prefs[] = {
	{ "medium", 0 }, { "high", 1 }, { "low", 3 }, { NULL, 0 },
};

const struct pl_enum pl_route_families[] = {
	{ "inet", AF_INET }, { "inet6", AF_INET6 }, { NULL, 0 },
};

/*
 * Route attributes with a plain wire type. gateway and prefsrc are reported here but sent
 * by pl_route_put_addr (hence PL_F_RO), which checks their family against the route's.
 * dst, from, table, metrics, nexthops, via and cacheinfo need the header or a nest: below.
 */
const struct pl_attr_desc pl_route_desc[] = {
	{ RTA_GATEWAY, RTA_GATEWAY, PL_A_INET, PL_F_RO, "gateway", NULL, NULL },
	{ RTA_OIF, 0, PL_A_IFINDEX, 0, "dev", NULL, NULL },
	{ RTA_PREFSRC, RTA_PREFSRC, PL_A_INET, PL_F_RO, "prefsrc", NULL, NULL },
	{ RTA_PRIORITY, 0, PL_A_U32, 0, "metric", NULL, NULL },
	{ RTA_PREF, 0, PL_A_U8, 0, "pref", NULL, pl_route_prefs },
	{ RTA_IIF, 0, PL_A_IFINDEX, PL_F_RO, "iif", NULL, NULL },
	{ RTA_UID, 0, PL_A_U32, PL_F_RO, "uid", NULL, NULL },
	{ RTA_NH_ID, 0, PL_A_U32, PL_F_RO, "nhid", NULL, NULL },
};

const struct pl_attrs pl_route_attrs = PL_ATTRS(pl_route_desc, RTA_MAX);

/* RTA_METRICS: set as top-level options (mtu = 1400), reported as ip does under "metrics". */
const struct pl_attr_desc pl_route_metrics_desc[] = {
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

const struct pl_attrs pl_route_metrics = PL_ATTRS(pl_route_metrics_desc, RTAX_MAX);

/* ---------------------------------------------------------------------------------------- */
/* names and values */

/* @v as a number up to @max: an integer, a name from @names, or a number in a string
 * (ip prints unnamed values so: "table": "100"). */
int pl_route_enum(const char *prefix, const char *key, const struct pl_val *v,
		  const struct pl_enum *names, unsigned long long max,
		  unsigned long long *out, struct pl_err *e)
{
	char choices[200];

	if (v->kind == PL_V_INT) {
		if (v->i < 0 || (unsigned long long)v->i > max)
			return pl_err_misuse(e, "%s%s: %lld out of range 0..%llu", prefix, key,
					     v->i, max);
		*out = (unsigned long long)v->i;
		return 0;
	}
	if (v->kind != PL_V_STR)
		return pl_err_misuse(e, "%s%s: expected a name or an integer, got %s", prefix, key,
				     pl_vkind_desc(v->kind, 1));
	if (pl_enum_value(names, v->s, out) == 0)
		return 0;
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
	pl_enum_choices(names, choices, sizeof(choices));
	return pl_err_misuse(e, "%s%s: unknown value \"%s\" (expected %s or a number)", prefix,
			     key, v->s, choices);
}

/* A boolean option, named with its prefix ("nexthops[2].onlink") when it is misused. */
PL_HOT
int pl_route_bool(const char *prefix, const char *key, const struct pl_val *v, int *out,
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
int pl_route_rtn(const char *key, const struct pl_val *v, enum pl_rtn_kind kind,
		 unsigned long long *out, struct pl_err *e)
{
	uint32_t id;

	/* the kernel's own name for scope global */
	if (kind == PL_RTN_SCOPE && v->kind == PL_V_STR && strcmp(v->s, "universe") == 0) {
		*out = RT_SCOPE_UNIVERSE;
		return 0;
	}
	if (pl_val_rtn(NULL, kind, v, key, 255, &id, e) < 0)
		return -1;
	*out = id;
	return 0;
}

/* Read option @a or its alias @b (only one of them may be given) into @v; *@used names it. */
PL_HOT
int pl_route_alias(struct pl_source *src, const char *prefix, const char *a,
		   const char *b, struct pl_val *v, const char **used, struct pl_err *e)
{
	struct pl_val w;

	pl_get(src, a, v);
	pl_get(src, b, &w);
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
PL_HOT
int pl_route_prefix(const char *key, const struct pl_val *v, uint8_t *addr, int *family,
		    int *plen, struct pl_err *e)
{
	struct pl_prefix p;
	int rc;

	if (v->kind != PL_V_STR)
		return pl_err_misuse(e, "%s: expected a prefix, got %s", key,
				     pl_vkind_desc(v->kind, 1));
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
PL_HOT
int pl_route_table(const struct pl_val *v, int all, uint32_t *id, struct pl_err *e)
{
	if (v->kind == PL_V_INT) {
		if (v->i < 0 || v->i > UINT32_MAX)
			return pl_err_misuse(e, "table: %lld out of range 0..%u", v->i, UINT32_MAX);
		*id = (uint32_t)v->i;
		return 0;
	}
	if (v->kind != PL_V_STR)
		return pl_err_misuse(e, "table: expected a table name or number, got %s",
				     pl_vkind_desc(v->kind, 1));
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
int pl_route_fail(const struct pl_req *r, struct pl_err *e)
{
	char msg[PL_ERRMSG_MAX];

	if (e->misuse)
		return -1;
	snprintf(msg, sizeof(msg), "%s", e->msg);
	return pl_err_set(e, e->err, "%s %s: %s", r->op, r->obj, msg);
}
