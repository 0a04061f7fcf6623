// SPDX-License-Identifier: MIT
/*
 * Routes: listings, with the filters the kernel applies and those matched here as each
 * message arrives; streaming, one receive buffer at a time.
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
	pl_get(src, "family", &v);
	if (v.kind != PL_V_NIL) {
		if (v.kind != PL_V_STR || pl_route_enum("", "family", &v, pl_route_families, 0, &n,
							e) < 0)
			return pl_err_misuse(e, "family: expected \"inet\" or \"inet6\"");
		f->family = (int)n;
	}
	pl_get(src, "table", &v);
	if (v.kind != PL_V_NIL && pl_route_table(&v, 1, &f->table, e) < 0)
		return -1;
	if (pl_route_alias(src, "", "protocol", "proto", &v, &used, e) < 0)
		return -1;
	if (v.kind != PL_V_NIL) {
		if (pl_route_rtn(used, &v, PL_RTN_PROTO, &n, e) < 0)
			return -1;
		f->protocol = (uint8_t)n;
	}
	pl_get(src, "type", &v);
	if (v.kind != PL_V_NIL) {
		if (pl_route_enum("", "type", &v, pl_route_types, RTN_MAX, &n, e) < 0)
			return -1;
		f->type = (uint8_t)n;
	}
	pl_get(src, "scope", &v);
	if (v.kind != PL_V_NIL) {
		if (pl_route_rtn("scope", &v, PL_RTN_SCOPE, &n, e) < 0)
			return -1;
		f->has_scope = 1;
		f->scope = (uint8_t)n;
	}
	pl_get(src, "tos", &v);
	if (v.kind != PL_V_NIL) {
		if (pl_route_rtn("tos", &v, PL_RTN_DSFIELD, &n, e) < 0)
			return -1;
		f->has_tos = 1;
		f->tos = (uint8_t)n;
	}
	pl_get(src, "metric", &v);
	if (v.kind != PL_V_NIL) {
		if (v.kind != PL_V_INT || v.i < 0 || v.i > UINT32_MAX)
			return pl_err_misuse(e, "metric: expected an integer 0..%u", UINT32_MAX);
		f->has_metric = 1;
		f->metric = (uint32_t)v.i;
	}
	pl_get(src, "dst", &v);
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
	pl_get(src, "dev", &v);
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
	/* A table below 256 is in the header too (RTA_TABLE says the same): nothing else to
	 * look at, no attribute walk, for a listing of one table (the common one). */
	if (!f->has_metric && !f->oif && !(f->has_dst && f->dst_len) &&
	    (!f->table || (f->table < 256 && rtm->rtm_table == f->table)))
		return 1;
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
	pl_route_parse(nlh, &d->pc, d->k);
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
}

int pl_route_dump_start(struct pl_route_dump *d, struct pl_sock *s,
			const struct pl_route_filter *f, const char *op, struct pl_err *e)
{
	memset(d, 0, sizeof(*d));
	d->s = s;
	d->pc.names = pl_sock_rtnames(s);
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
