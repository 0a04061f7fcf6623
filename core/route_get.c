// SPDX-License-Identifier: MIT
/*
 * Routes: `route get`, the kernel's answer for one destination.
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

	pl_get(src, "from", &v);
	if (v.kind != PL_V_NIL) {
		if (pl_route_put_addr(r, &family, RTA_SRC, "from", &v, e) < 0)
			return -1;
		rtm->rtm_src_len = family == AF_INET ? 32 : 128;
	}
	for (i = 0; i < 2; i++) {
		int idx;

		pl_get(src, devs[i], &v);
		if (v.kind == PL_V_NIL)
			continue;
		idx = pl_link_dev(r->sock, &v, devs[i], e);
		if (idx < 0)
			return pl_route_fail(r, e);
		pl_req_field(r, devs[i]);
		if (pl_req_put_u32(r, devattr[i], (uint32_t)idx, e) < 0)
			return -1;
	}
	pl_get(src, "mark", &v);
	if (v.kind != PL_V_NIL) {
		if (pl_route_enum("", "mark", &v, NULL, UINT32_MAX, &n, e) < 0)
			return -1;
		pl_req_field(r, "mark");
		if (pl_req_put_u32(r, RTA_MARK, (uint32_t)n, e) < 0)
			return -1;
	}
	pl_get(src, "uid", &v);
	if (v.kind != PL_V_NIL) {
		if (pl_route_enum("", "uid", &v, NULL, UINT32_MAX, &n, e) < 0)
			return -1;
		pl_req_field(r, "uid");
		if (pl_req_put_u32(r, RTA_UID, (uint32_t)n, e) < 0)
			return -1;
	}
	pl_get(src, "tos", &v);
	if (v.kind != PL_V_NIL) {
		if (pl_route_rtn("tos", &v, PL_RTN_DSFIELD, &n, e) < 0)
			return -1;
		rtm->rtm_tos = (unsigned char)n;
	}
	pl_get(src, "fibmatch", &v);
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
