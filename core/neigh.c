// SPDX-License-Identifier: MIT
/*
 * Neighbours (ARP and NDP entries): RTM_NEWNEIGH / DELNEIGH / GETNEIGH, records as ip -j
 * neigh prints them. The NUD state names and the state reporting are shared with the
 * bridge FDB, whose entries are neighbours of family AF_BRIDGE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if.h>

#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "internal.h"

const struct pl_enum pl_nud_states[] = {
	{ "permanent", NUD_PERMANENT }, { "noarp", NUD_NOARP }, { "reachable", NUD_REACHABLE },
	{ "stale", NUD_STALE }, { "none", NUD_NONE }, { "incomplete", NUD_INCOMPLETE },
	{ "delay", NUD_DELAY }, { "probe", NUD_PROBE }, { "failed", NUD_FAILED }, { NULL, 0 },
};

/* "dst" decides the family of the request, so it is put by hand. */
static const struct pl_attr_desc pl_neigh_desc[] = {
	{ NDA_DST, NDA_DST, PL_A_INET, PL_F_RO, "dst", NULL, NULL },
	{ NDA_LLADDR, 0, PL_A_MAC, 0, "lladdr", NULL, NULL },
};

const struct pl_attrs pl_neigh_attrs = PL_ATTRS(pl_neigh_desc, NDA_MAX);

/* In ip's order (iproute2 ip/ipneigh.c print_neigh_state). */
static const struct {
	uint16_t state;
	const char *name;
} pl_nud_names[] = {
	{ NUD_INCOMPLETE, "INCOMPLETE" }, { NUD_REACHABLE, "REACHABLE" }, { NUD_STALE, "STALE" },
	{ NUD_DELAY, "DELAY" }, { NUD_PROBE, "PROBE" }, { NUD_FAILED, "FAILED" },
	{ NUD_NOARP, "NOARP" }, { NUD_PERMANENT, "PERMANENT" },
};

/* ndm_flags reported as booleans, in ip's order. */
static const struct {
	uint8_t flag;
	const char *name;
} pl_ntf_names[] = {
	{ NTF_ROUTER, "router" }, { NTF_PROXY, "proxy" }, { NTF_EXT_LEARNED, "extern_learn" },
	{ NTF_OFFLOADED, "offload" },
};

/* Flags a caller sets by name. */
static const struct {
	uint8_t flag;
	const char *name;
} pl_ntf_set[] = {
	{ NTF_PROXY, "proxy" }, { NTF_ROUTER, "router" }, { NTF_EXT_LEARNED, "extern_learn" },
};

void pl_neigh_state_emit(uint16_t state, struct pl_sink *k)
{
	size_t i;

	if (!state)
		return;
	k->begin_list(k, "state");
	for (i = 0; i < sizeof(pl_nud_names) / sizeof(pl_nud_names[0]); i++)
		if (state & pl_nud_names[i].state)
			k->str(k, NULL, pl_nud_names[i].name);
	k->end(k);
}

void pl_neigh_parse(const struct nlmsghdr *nlh, struct pl_pctx *c, struct pl_sink *k)
{
	struct pl_rtnames *names = c ? c->names : NULL;
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[NDA_MAX + 1], *at;
	int proto = -1;
	size_t i;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*ndm))
		return;
	/* one walk: the descriptor table's fields, and tb[] for the rest */
	pl_attrs_parse_tb(nlh, sizeof(*ndm), &pl_neigh_attrs, c, k, tb, NDA_MAX);
	if (ndm->ndm_ifindex && k->ifindex)
		pl_sink_ifname(k, "dev", (uint32_t)ndm->ndm_ifindex);
	for (i = 0; i < sizeof(pl_ntf_names) / sizeof(pl_ntf_names[0]); i++)
		if (ndm->ndm_flags & pl_ntf_names[i].flag)
			k->boolean(k, pl_ntf_names[i].name, 1);
	if ((at = tb[NDA_PROTOCOL]) && mnl_attr_get_payload_len(at) >= 1)
		proto = mnl_attr_get_u8(at);
	if ((at = tb[NDA_FLAGS_EXT]) && mnl_attr_get_payload_len(at) >= 4 &&
	    (mnl_attr_get_u32(at) & NTF_EXT_MANAGED))
		k->boolean(k, "managed", 1);
	pl_neigh_state_emit(ndm->ndm_state, k);
	if (proto > 0) {
		char buf[PL_RTN_NAMELEN];

		k->str(k, "protocol", pl_rtn_name(names, PL_RTN_PROTO, (uint32_t)proto, buf,
						   sizeof(buf)));
	}
}

/* ---------------------------------------------------------------------------------------- */
/* requests */

/* Start an RTM_NEWNEIGH/DELNEIGH for the neighbour @src names; every key is read (and the
 * table left) before the device is looked up, so misuse is found before anything is sent. */
static int pl_neigh_req(struct pl_req *r, struct pl_sock *s, uint16_t type, uint16_t flags,
			const char *op, struct pl_source *src, struct pl_err *e)
{
	struct pl_val dev, dst, state, v;
	struct pl_prefix p;
	struct ndmsg *ndm;
	char obj[80];
	size_t i;
	int idx;

	pl_get(src, "dev", &dev);
	pl_get(src, "dst", &dst);
	if (dev.kind == PL_V_NIL)
		return pl_err_misuse(e, "dev: a neighbour needs a device");
	if (dev.kind != PL_V_STR && dev.kind != PL_V_INT)
		return pl_err_misuse(e, "dev: expected a name or an ifindex");
	if (dst.kind == PL_V_NIL)
		return pl_err_misuse(e, "dst: a neighbour needs an address");
	if (pl_val_prefix(&dst, "dst", 1, &p, e) < 0)
		return -1;
	if (dev.kind == PL_V_INT)
		snprintf(obj, sizeof(obj), "%s dev %lld", dst.s, dev.i);
	else
		snprintf(obj, sizeof(obj), "%s dev %s", dst.s, dev.s);
	pl_req_start(r, s, type, flags, op, obj);
	ndm = pl_req_extra(r, sizeof(*ndm));
	ndm->ndm_family = (uint8_t)p.family;
	ndm->ndm_state = type == RTM_NEWNEIGH ? NUD_PERMANENT : 0;
	pl_req_field(r, "dst");
	if (pl_req_put(r, NDA_DST, pl_family_addrlen(p.family), p.addr, e) < 0)
		return -1;
	for (i = 0; i < sizeof(pl_ntf_set) / sizeof(pl_ntf_set[0]); i++) {
		int b;

		/* A delete tells a proxy entry from a neighbour; the rest is the entry's. */
		if (type == RTM_DELNEIGH && pl_ntf_set[i].flag != NTF_PROXY)
			continue;
		pl_get(src, pl_ntf_set[i].name, &v);
		if (pl_val_bool(&v, pl_ntf_set[i].name, &b, e) < 0)
			return -1;
		if (b)
			ndm->ndm_flags |= pl_ntf_set[i].flag;
	}
	if (type == RTM_NEWNEIGH) {
		unsigned long long st = NUD_PERMANENT;

		pl_get(src, "state", &state);
		if (state.kind == PL_V_STR) {
			const struct pl_enum *t;

			for (t = pl_nud_states; t->name && strcmp(t->name, state.s) != 0; t++)
				;
			if (!t->name)
				return pl_err_misuse(e, "state: unknown state \"%s\" (expected "
						     "\"permanent\", \"noarp\", \"reachable\", "
						     "\"stale\", ...)", state.s);
			st = t->value;
		} else if (state.kind != PL_V_NIL) {
			return pl_err_misuse(e, "state: expected a state name");
		}
		ndm->ndm_state = (uint16_t)st;
		if (pl_attrs_put(r, &pl_neigh_attrs, src, e) < 0)
			return -1;
		pl_get(src, "protocol", &v);
		if (v.kind != PL_V_NIL) {
			uint32_t proto;

			if (pl_val_rtn(NULL, PL_RTN_PROTO, &v, "protocol", 255, &proto, e) < 0)
				return -1;
			pl_req_field(r, "protocol");
			if (pl_req_put(r, NDA_PROTOCOL, 1, &(uint8_t){ (uint8_t)proto }, e) < 0)
				return -1;
		}
	}
	if (src->leave(src, e) < 0)
		return -1;
	idx = pl_link_dev(s, &dev, "dev", e);
	if (idx < 0) {
		if (e->misuse)
			return -1;
		/* obj names the device already: "neigh_add 10.0.0.9 dev q5: No such device" */
		return pl_err_set(e, e->err, "%s %s: %s", op, obj, strerror(e->err));
	}
	ndm->ndm_ifindex = idx;
	return 0;
}

int pl_neigh_add(struct pl_sock *s, struct pl_source *src, enum pl_add_mode mode,
		 struct pl_err *e)
{
	struct pl_req r;

	if (pl_neigh_req(&r, s, RTM_NEWNEIGH, NLM_F_CREATE | (mode == PL_ADD_REPLACE ?
			 NLM_F_REPLACE : NLM_F_EXCL), mode == PL_ADD_REPLACE ? "neigh_replace" :
			 "neigh_add", src, e) < 0)
		return -1;
	return pl_talk(&r, NULL, NULL, e);
}

int pl_neigh_del(struct pl_sock *s, struct pl_source *src, struct pl_err *e)
{
	struct pl_req r;

	if (pl_neigh_req(&r, s, RTM_DELNEIGH, 0, "neigh_del", src, e) < 0)
		return -1;
	return pl_talk(&r, NULL, NULL, e);
}

/* ---------------------------------------------------------------------------------------- */
/* listing */

struct pl_neigh_list_ctx {
	struct pl_sink *k;
	struct pl_pctx pc;	/* the handle's names, the descriptor indexes */
};

static int pl_neigh_list_cb(const struct nlmsghdr *nlh, void *data, struct pl_err *e)
{
	struct pl_neigh_list_ctx *c = data;
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);

	(void)e;
	if (nlh->nlmsg_type != RTM_NEWNEIGH || nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*ndm))
		return 0;
	if (ndm->ndm_family != AF_INET && ndm->ndm_family != AF_INET6)
		return 0;
	c->k->begin(c->k, NULL);
	pl_neigh_parse(nlh, &c->pc, c->k);
	c->k->end(c->k);
	return 0;
}

int pl_neigh_list(struct pl_sock *s, const struct pl_neigh_filter *f, struct pl_sink *k,
		  struct pl_err *e)
{
	struct pl_neigh_list_ctx c = { .k = k, .pc.names = pl_sock_rtnames(s) };
	struct ndmsg *ndm;
	struct pl_req r;
	int rc;

	pl_req_start(&r, s, RTM_GETNEIGH, 0, "neighs", NULL);
	ndm = pl_req_extra(&r, sizeof(*ndm));
	/* The kernel filters (neigh_valid_dump_req): family, proxy table, device. */
	ndm->ndm_family = f ? (uint8_t)f->family : 0;
	if (f && f->proxy)
		ndm->ndm_flags = NTF_PROXY;
	if (f && f->ifindex > 0 && pl_req_put_u32(&r, NDA_IFINDEX, (uint32_t)f->ifindex, e) < 0)
		return -1;
	rc = pl_dump(&r, pl_neigh_list_cb, pl_dump_reset_sink, &c, e);
	return rc;
}
