// SPDX-License-Identifier: MIT
/*
 * Bridge port VLANs, as `bridge vlan` speaks them: RTM_SETLINK / DELLINK with ifi_family
 * AF_BRIDGE and IFLA_AF_SPEC { IFLA_BRIDGE_FLAGS, IFLA_BRIDGE_VLAN_INFO... }, listed by an
 * AF_BRIDGE RTM_GETLINK dump asking for RTEXT_FILTER_BRVLAN(_COMPRESSED).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "internal.h"

#define PL_VID_MAX 4094

/* vid = 10 | "10" | "10-20" -> [lo, hi] */
static int pl_vid_parse(const struct pl_val *v, int *lo, int *hi, struct pl_err *e)
{
	long a, b;
	char *end;

	if (v->kind == PL_V_INT) {
		if (v->i < 1 || v->i > PL_VID_MAX)
			return pl_err_misuse(e, "vid: %lld out of range 1..%d", v->i, PL_VID_MAX);
		*lo = *hi = (int)v->i;
		return 0;
	}
	if (v->kind != PL_V_STR)
		return pl_err_misuse(e, "vid: expected a VLAN id or a range \"10-20\", got %s",
				     v->kind == PL_V_NIL ? "nil" : "a non-string");
	a = strtol(v->s, &end, 10);
	b = a;
	if (end != v->s && *end == '-') {
		const char *p = end + 1;

		b = strtol(p, &end, 10);
		if (end == p)
			end = (char *)v->s;	/* "10-": malformed */
	}
	if (end == v->s || *end != '\0' || v->s[0] == '-' || v->s[0] == '+')
		return pl_err_misuse(e, "vid: malformed VLAN range \"%s\"", v->s);
	if (a < 1 || a > PL_VID_MAX || b < 1 || b > PL_VID_MAX)
		return pl_err_misuse(e, "vid: \"%s\" out of range 1..%d", v->s, PL_VID_MAX);
	if (b < a)
		return pl_err_misuse(e, "vid: range \"%s\" ends before it begins", v->s);
	*lo = (int)a;
	*hi = (int)b;
	return 0;
}

int pl_vlan_change(struct pl_sock *s, int del, struct pl_source *src, struct pl_err *e)
{
	int lo = 0, hi = 0, pvid, untagged, self, master, idx;
	struct bridge_vlan_info vi = { 0 };
	struct ifinfomsg *ifi;
	struct nlattr *af;
	struct pl_val dev, vid;
	struct pl_req r;
	uint16_t bflags = 0;
	char obj[64];
	int n;

	pl_get(src, "dev", &dev);
	if (dev.kind == PL_V_NIL)
		return pl_err_misuse(e, "dev: required (a name or an ifindex)");
	pl_get(src, "vid", &vid);
	if (pl_vid_parse(&vid, &lo, &hi, e) < 0)
		return -1;
	if (pl_src_bool(src, "pvid", &pvid, e) < 0 ||
	    pl_src_bool(src, "untagged", &untagged, e) < 0 ||
	    pl_src_bool(src, "self", &self, e) < 0 || pl_src_bool(src, "master", &master, e) < 0)
		return -1;
	if (pvid && hi != lo)
		return pl_err_misuse(e, "pvid: cannot be set on a VLAN range");
	if (src->leave(src, e) < 0)	/* no unknown keys */
		return -1;
	idx = pl_link_dev(s, &dev, "dev", e);
	if (idx < 0)
		return pl_err_prefix(e, del ? "vlan_del" : "vlan_add");
	n = dev.kind == PL_V_STR ? snprintf(obj, sizeof(obj), "%s vid %d", dev.s, lo) :
				   snprintf(obj, sizeof(obj), "%d vid %d", idx, lo);
	if (hi != lo && n > 0 && (size_t)n < sizeof(obj))
		snprintf(obj + n, sizeof(obj) - (size_t)n, "-%d", hi);

	pl_req_start(&r, s, del ? RTM_DELLINK : RTM_SETLINK, 0, del ? "vlan_del" : "vlan_add",
		     obj);
	ifi = pl_req_extra(&r, sizeof(*ifi));
	ifi->ifi_family = AF_BRIDGE;
	ifi->ifi_index = idx;
	af = pl_req_nest(&r, IFLA_AF_SPEC, e);
	if (!af)
		return -1;
	if (self)
		bflags |= BRIDGE_FLAGS_SELF;
	if (master)
		bflags |= BRIDGE_FLAGS_MASTER;
	if (bflags && pl_req_put(&r, IFLA_BRIDGE_FLAGS, sizeof(bflags), &bflags, e) < 0)
		return -1;
	if (pvid)
		vi.flags |= BRIDGE_VLAN_INFO_PVID;
	if (untagged)
		vi.flags |= BRIDGE_VLAN_INFO_UNTAGGED;
	/* one VLAN, or the first and the last of a range, marked */
	vi.vid = (uint16_t)lo;
	if (hi != lo)
		vi.flags |= BRIDGE_VLAN_INFO_RANGE_BEGIN;
	pl_req_field(&r, "vid");
	if (pl_req_put(&r, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi, e) < 0)
		return -1;
	if (hi != lo) {
		vi.flags &= (uint16_t)~BRIDGE_VLAN_INFO_RANGE_BEGIN;
		vi.flags |= BRIDGE_VLAN_INFO_RANGE_END;
		vi.vid = (uint16_t)hi;
		pl_req_field(&r, "vid");
		if (pl_req_put(&r, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi, e) < 0)
			return -1;
	}
	pl_req_nest_end(&r, af);
	return pl_talk(&r, NULL, NULL, e);
}

/* ---------------------------------------------------------------------------------------- */
/* listing */

struct pl_vlan_ctx {
	struct pl_sink *k;
	int dev;
};

/* One VLAN (or range) as bridge prints it: { vlan = 10, vlanEnd = 20, flags = {...} } */
static void pl_vlan_emit(struct pl_sink *k, int start, const struct bridge_vlan_info *vi)
{
	k->begin(k, NULL);
	k->integer(k, "vlan", start);
	if (vi->vid != start)
		k->integer(k, "vlanEnd", vi->vid);
	/* bridge lists the flags whenever any bit is set: a range's end has "flags": [] */
	if (vi->flags) {
		k->begin_list(k, "flags");
		if (vi->flags & BRIDGE_VLAN_INFO_PVID)
			k->str(k, NULL, "PVID");
		if (vi->flags & BRIDGE_VLAN_INFO_UNTAGGED)
			k->str(k, NULL, "Egress Untagged");
		k->end(k);
	}
	k->end(k);
}

static int pl_vlan_list_cb(const struct nlmsghdr *nlh, void *data, struct pl_err *e)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *at, *af = NULL, *name = NULL;
	struct pl_vlan_ctx *c = data;
	struct pl_sink *k = c->k;
	int start = 0, any = 0;

	(void)e;
	if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*ifi) ||
	    ifi->ifi_family != AF_BRIDGE || (c->dev && ifi->ifi_index != c->dev))
		return 0;
	mnl_attr_for_each(at, nlh, sizeof(*ifi)) {
		if (mnl_attr_get_type(at) == IFLA_AF_SPEC)
			af = at;
		else if (mnl_attr_get_type(at) == IFLA_IFNAME &&
			 mnl_attr_validate(at, MNL_TYPE_NUL_STRING) == 0)
			name = at;
	}
	if (!af)
		return 0;
	mnl_attr_for_each_nested(at, af)
		if (mnl_attr_get_type(at) == IFLA_BRIDGE_VLAN_INFO &&
		    mnl_attr_get_payload_len(at) >= sizeof(struct bridge_vlan_info))
			any = 1;
	if (!any)
		return 0;	/* bridge omits ports without VLANs */
	k->begin(k, NULL);
	if (name)
		k->str(k, "ifname", mnl_attr_get_str(name));
	else if (k->ifindex)
		pl_sink_ifname(k, "ifname", (uint32_t)ifi->ifi_index);
	k->begin_list(k, "vlans");
	mnl_attr_for_each_nested(at, af) {
		const struct bridge_vlan_info *vi;

		if (mnl_attr_get_type(at) != IFLA_BRIDGE_VLAN_INFO ||
		    mnl_attr_get_payload_len(at) < sizeof(*vi))
			continue;
		vi = mnl_attr_get_payload(at);
		if (!(vi->flags & BRIDGE_VLAN_INFO_RANGE_END))
			start = vi->vid;
		if (vi->flags & BRIDGE_VLAN_INFO_RANGE_BEGIN)
			continue;	/* reported with its end */
		pl_vlan_emit(k, start, vi);
	}
	k->end(k);
	k->end(k);
	return 0;
}

int pl_vlan_list(struct pl_sock *s, const struct pl_vlan_filter *f, struct pl_sink *k,
		 struct pl_err *e)
{
	struct pl_vlan_ctx c = { k, f ? f->dev : 0 };
	struct ifinfomsg *ifi;
	struct pl_req r;
	uint32_t mask;

	/* The kernel has no per-device filter for this dump (rtnl_bridge_getlink): the
	 * ports are picked out here. */
	pl_req_start(&r, s, RTM_GETLINK, 0, "vlans", NULL);
	ifi = pl_req_extra(&r, sizeof(*ifi));
	ifi->ifi_family = AF_BRIDGE;
	mask = f && f->compress ? RTEXT_FILTER_BRVLAN_COMPRESSED : RTEXT_FILTER_BRVLAN;
	if (pl_req_put_u32(&r, IFLA_EXT_MASK, mask, e) < 0)
		return -1;
	return pl_dump(&r, pl_vlan_list_cb, pl_dump_reset_sink, &c, e);
}
