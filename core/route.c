// SPDX-License-Identifier: MIT
/*
 * Routes, IPv4 and IPv6: RTM_NEWROUTE / DELROUTE / GETROUTE built from an option table, and
 * parsed into records shaped like `ip -j route show table all` (and `ip -j route get`).
 * This file builds requests; route_opts.c reads option values, route_parse.c reports
 * messages, route_list.c lists and route_get.c answers `route get`.
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

/* ---------------------------------------------------------------------------------------- */
/* building requests */

/* An address attribute of the route's family (the first address seen fixes it). */
int pl_route_put_addr(struct pl_req *r, int *family, uint16_t type, const char *key,
		      const struct pl_val *v, struct pl_err *e)
{
	uint8_t a[16];
	int fam;

	if (v->kind != PL_V_STR || pl_parse_inet(v->s, a, &fam) < 0)
		return pl_err_misuse(e, "%s%s: malformed IP address %s%s%s", r->prefix, key,
				     v->kind == PL_V_STR ? "\"" : "(",
				     v->kind == PL_V_STR ? v->s : pl_vkind_desc(v->kind, 1),
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
	pl_get(src, "dev", &v);
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
	pl_get(src, "weight", &v);
	if (v.kind != PL_V_NIL) {
		if (v.kind != PL_V_INT || v.i < 1 || v.i > 256)
			return pl_err_misuse(e, "%sweight: expected an integer 1..256", r->prefix);
		nh->rtnh_hops = (unsigned char)(v.i - 1);
	}
	pl_get(src, "onlink", &v);
	if (pl_route_bool(r->prefix, "onlink", &v, &b, e) < 0)
		return -1;
	if (b)
		nh->rtnh_flags |= RTNH_F_ONLINK;
	nh = (struct rtnexthop *)((char *)r->nlh + start);
	nh->rtnh_len = (unsigned short)(r->nlh->nlmsg_len - start);
	return 0;
}

/* nexthops = { { gateway =, dev =, weight =, onlink = }, ... } -> RTA_MULTIPATH */
PL_HOT
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
PL_HOT
static int pl_route_put_header(struct pl_req *r, struct rtmsg *rtm, struct pl_source *src,
			       int *table_set, int *scope_set, struct pl_route_key *key,
			       struct pl_err *e)
{
	unsigned long long n;
	const char *used;
	struct pl_val v;
	int b;

	pl_get(src, "table", &v);
	*table_set = v.kind != PL_V_NIL;
	key->table = RT_TABLE_MAIN;
	if (*table_set && pl_route_table(&v, 0, &key->table, e) < 0)
		return -1;
	pl_get(src, "type", &v);
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
	pl_get(src, "scope", &v);
	*scope_set = v.kind != PL_V_NIL;
	if (*scope_set) {
		if (pl_route_rtn("scope", &v, PL_RTN_SCOPE, &n, e) < 0)
			return -1;
		rtm->rtm_scope = (unsigned char)n;
	}
	pl_get(src, "tos", &v);
	if (v.kind != PL_V_NIL) {
		if (pl_route_rtn("tos", &v, PL_RTN_DSFIELD, &n, e) < 0)
			return -1;
		rtm->rtm_tos = (unsigned char)n;
	}
	key->tos = rtm->rtm_tos;
	pl_get(src, "onlink", &v);
	if (pl_route_bool("", "onlink", &v, &b, e) < 0)
		return -1;
	if (b)
		rtm->rtm_flags |= RTNH_F_ONLINK;
	return 0;
}

/* Build a route request from @src into the socket's buffer; its key goes to @key. */
PL_HOT
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
	pl_get(src, "dst", &dst);
	if (dst.kind == PL_V_NIL)
		return pl_err_misuse(e, "dst: a route needs a destination (a prefix or \"default\")");
	if (dst.kind != PL_V_STR)
		return pl_err_misuse(e, "dst: expected a prefix or \"default\", got %s",
				     pl_vkind_desc(dst.kind, 1));
	if (strcmp(dst.s, "default") != 0 && pl_route_prefix("dst", &dst, addr, &dfam, &plen, e) < 0)
		return -1;
	pl_get(src, "family", &v);
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
		pl_get(src, "dev", &v);
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
	pl_get(src, "metric", &v);
	if (v.kind == PL_V_INT) {
		key->has_metric = 1;
		key->metric = (uint32_t)v.i;
	}
	return src->leave(src, e);	/* the top table: no unknown keys */
}

PL_HOT
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
