// SPDX-License-Identifier: MIT
/*
 * The bridge forwarding database: RTM_NEWNEIGH / DELNEIGH / GETNEIGH with ndm_family
 * AF_BRIDGE, as `bridge fdb` speaks it. Entries live on bridge ports (master) or on the device
 * itself (self: a vxlan device's remotes, a port's own unicast/multicast lists).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "internal.h"

#define PL_VNI_MAX 0xffffff
#define PL_VID_MAX 4094

/* NDA_* attributes: request keys and `bridge -j fdb show` names. */
static const struct pl_attr_desc pl_fdb_desc[] = {
	{ NDA_LLADDR, 0, PL_A_MAC, 0, "lladdr", "mac", NULL },
	{ NDA_DST, NDA_DST, PL_A_INET, 0, "dst", NULL, NULL },
	{ NDA_VLAN, 0, PL_A_U16, 0, "vlan", NULL, NULL },
	{ NDA_PORT, 0, PL_A_BE16, 0, "port", NULL, NULL },
	{ NDA_VNI, 0, PL_A_U32, 0, "vni", NULL, NULL },
	{ NDA_SRC_VNI, 0, PL_A_U32, 0, "src_vni", NULL, NULL },
	{ NDA_NH_ID, 0, PL_A_U32, 0, "nhid", NULL, NULL },
	/* reported by pl_fdb_parse: "viaIf" (a name) or, across namespaces, "viaIfIndex" */
	{ NDA_IFINDEX, 0, PL_A_IFINDEX, PL_F_WO, "via", NULL, NULL },
	{ NDA_LINK_NETNSID, 0, PL_A_U32, PL_F_RO, "link_netnsid", "linkNetNsId", NULL },
	/* the bridge an entry belongs to; the request key "master" is the NTF_MASTER flag */
	{ NDA_MASTER, 0, PL_A_IFINDEX, PL_F_RO, "master", NULL, NULL },
};

static const struct pl_attrs pl_fdb_attrs = PL_ATTRS(pl_fdb_desc, NDA_MAX);

/* ndm_flags, in the order `bridge -j fdb show` lists them; settable ones have a key. */
static const struct {
	uint8_t flag;
	const char *name;
	int settable;
} pl_fdb_flags[] = {
	{ NTF_SELF, "self", 1 },
	{ NTF_ROUTER, "router", 1 },
	{ NTF_EXT_LEARNED, "extern_learn", 1 },
	{ NTF_OFFLOADED, "offload", 0 },
	{ NTF_MASTER, "master", 1 },
	{ NTF_STICKY, "sticky", 1 },
	{ NTF_USE, "use", 1 },
};

#define PL_NFLAGS (sizeof(pl_fdb_flags) / sizeof(pl_fdb_flags[0]))

/* Entry states as `bridge fdb add` sets them. */
static const struct {
	const char *name;
	uint16_t state;
} pl_fdb_states[] = {
	{ "permanent", NUD_NOARP | NUD_PERMANENT },
	{ "static", NUD_NOARP | NUD_REACHABLE },
	{ "dynamic", NUD_REACHABLE },
};

#define PL_NSTATES (sizeof(pl_fdb_states) / sizeof(pl_fdb_states[0]))

static const char *const pl_fdb_opnames[] = {
	[PL_FDB_ADD] = "fdb_add", [PL_FDB_APPEND] = "fdb_append",
	[PL_FDB_REPLACE] = "fdb_replace", [PL_FDB_DEL] = "fdb_del",
};

/* ---------------------------------------------------------------------------------------- */
/* parsing */

static const char *pl_fdb_state_name(uint16_t s, char *buf, size_t len)
{
	if (s & NUD_PERMANENT)
		return "permanent";
	if (s & NUD_NOARP)
		return "static";
	if (s & NUD_STALE)
		return "stale";
	if (s & NUD_REACHABLE)
		return "";
	snprintf(buf, len, "state=%#x", s);
	return buf;
}

void pl_fdb_parse(const struct nlmsghdr *nlh, struct pl_pctx *c, struct pl_sink *k)
{
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[NDA_MAX + 1], *via;
	int have_netnsid;
	char buf[32];
	size_t i;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*ndm))
		return;
	/* one walk: the descriptor table's fields, and tb[] for the rest */
	pl_attrs_parse_tb(nlh, sizeof(*ndm), &pl_fdb_attrs, c, k, tb, NDA_MAX);
	via = tb[NDA_IFINDEX] && mnl_attr_get_payload_len(tb[NDA_IFINDEX]) >= 4 ?
	      tb[NDA_IFINDEX] : NULL;
	have_netnsid = tb[NDA_LINK_NETNSID] != NULL;
	if (ndm->ndm_ifindex && k->ifindex)
		pl_sink_ifname(k, "ifname", (uint32_t)ndm->ndm_ifindex);
	else
		k->integer(k, "ifindex", ndm->ndm_ifindex);
	/* bridge prints a device in this namespace by name, one in another by number */
	if (via && have_netnsid)
		k->integer(k, "viaIfIndex", mnl_attr_get_u32(via));
	else if (via && k->ifindex && mnl_attr_get_u32(via))
		pl_sink_ifname(k, "viaIf", mnl_attr_get_u32(via));
	k->begin_list(k, "flags");
	for (i = 0; i < PL_NFLAGS; i++)
		if (ndm->ndm_flags & pl_fdb_flags[i].flag)
			k->str(k, NULL, pl_fdb_flags[i].name);
	k->end(k);
	k->str(k, "state", pl_fdb_state_name(ndm->ndm_state, buf, sizeof(buf)));
}

/* ---------------------------------------------------------------------------------------- */
/* requests */

/* permanent = true | static = true | dynamic = true, or state = "permanent" | ... */
static int pl_fdb_put_state(struct ndmsg *ndm, struct pl_source *src, struct pl_err *e)
{
	const char *chosen = NULL;
	struct pl_val v;
	size_t i;

	for (i = 0; i < PL_NSTATES; i++) {
		int on;

		if (pl_src_bool(src, pl_fdb_states[i].name, &on, e) < 0)
			return -1;
		if (!on)
			continue;
		if (chosen)
			return pl_err_misuse(e, "%s: conflicts with %s (give one state)",
					     pl_fdb_states[i].name, chosen);
		chosen = pl_fdb_states[i].name;
		ndm->ndm_state = pl_fdb_states[i].state;
	}
	pl_get(src, "state", &v);
	if (v.kind == PL_V_NIL)
		return 0;
	if (v.kind != PL_V_STR)
		return pl_err_misuse(e, "state: expected \"permanent\", \"static\" or \"dynamic\"");
	for (i = 0; i < PL_NSTATES; i++)
		if (strcmp(v.s, pl_fdb_states[i].name) == 0)
			break;
	if (i == PL_NSTATES)
		return pl_err_misuse(e, "state: unknown state \"%s\" (expected \"permanent\", "
				     "\"static\" or \"dynamic\")", v.s);
	if (chosen && strcmp(chosen, v.s) != 0)
		return pl_err_misuse(e, "state: \"%s\" conflicts with %s = true", v.s, chosen);
	ndm->ndm_state = pl_fdb_states[i].state;
	return 0;
}

int pl_fdb_change(struct pl_sock *s, enum pl_fdb_op op, struct pl_source *src,
		  struct pl_err *e)
{
	static const uint16_t nlflags[] = {
		[PL_FDB_ADD] = NLM_F_CREATE | NLM_F_EXCL,
		[PL_FDB_APPEND] = NLM_F_CREATE | NLM_F_APPEND,
		[PL_FDB_REPLACE] = NLM_F_CREATE | NLM_F_REPLACE,
		[PL_FDB_DEL] = 0,
	};
	struct pl_val dev, mac, vni, vlan;
	uint8_t lladdr[32];
	struct ndmsg *ndm;
	struct pl_req r;
	size_t i, alen;
	char obj[64];
	int idx;

	/* Everything the caller gave is checked before the device lookup goes out. */
	pl_get(src, "dev", &dev);
	if (dev.kind == PL_V_NIL)
		return pl_err_misuse(e, "dev: required (a name or an ifindex)");
	pl_get(src, "lladdr", &mac);
	if (mac.kind != PL_V_STR)
		return pl_err_misuse(e, "lladdr: expected a MAC address, got %s",
				     mac.kind == PL_V_NIL ? "nil" : "a non-string");
	if (pl_parse_mac(mac.s, lladdr, &alen) < 0 || alen != ETH_ALEN)
		return pl_err_misuse(e, "lladdr: malformed MAC address \"%s\"", mac.s);
	pl_get(src, "vlan", &vlan);
	if (vlan.kind == PL_V_INT && (vlan.i < 1 || vlan.i > PL_VID_MAX))
		return pl_err_misuse(e, "vlan: %lld out of range 1..%d", vlan.i, PL_VID_MAX);
	pl_get(src, "vni", &vni);
	if (vni.kind == PL_V_INT && (vni.i < 0 || vni.i > PL_VNI_MAX))
		return pl_err_misuse(e, "vni: %lld out of range 0..%d", vni.i, PL_VNI_MAX);
	idx = pl_link_dev(s, &dev, "dev", e);
	if (idx < 0)
		return pl_err_prefix(e, pl_fdb_opnames[op]);
	if (dev.kind == PL_V_STR)
		snprintf(obj, sizeof(obj), "%s dev %s", mac.s, dev.s);
	else
		snprintf(obj, sizeof(obj), "%s dev %d", mac.s, idx);

	pl_req_start(&r, s, op == PL_FDB_DEL ? RTM_DELNEIGH : RTM_NEWNEIGH, nlflags[op],
		     pl_fdb_opnames[op], obj);
	ndm = pl_req_extra(&r, sizeof(*ndm));
	ndm->ndm_family = AF_BRIDGE;
	ndm->ndm_ifindex = idx;
	ndm->ndm_state = NUD_NOARP | NUD_PERMANENT;	/* bridge's default */
	for (i = 0; i < PL_NFLAGS; i++) {
		int on;

		if (!pl_fdb_flags[i].settable)
			continue;
		if (pl_src_bool(src, pl_fdb_flags[i].name, &on, e) < 0)
			return -1;
		if (on)
			ndm->ndm_flags |= pl_fdb_flags[i].flag;
	}
	if (!(ndm->ndm_flags & (NTF_SELF | NTF_MASTER)))
		ndm->ndm_flags |= NTF_SELF;	/* bridge's default */
	if (pl_fdb_put_state(ndm, src, e) < 0)
		return -1;
	if (pl_attrs_put(&r, &pl_fdb_attrs, src, e) < 0)
		return -1;
	if (src->leave(src, e) < 0)	/* no unknown keys */
		return -1;
	return pl_talk(&r, NULL, NULL, e);
}

/* ---------------------------------------------------------------------------------------- */
/* listing */

struct pl_fdb_ctx {
	struct pl_sink *k;
	int vlan;
};

static int pl_fdb_list_cb(const struct nlmsghdr *nlh, void *data, struct pl_err *e)
{
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	struct pl_fdb_ctx *c = data;

	(void)e;
	if (nlh->nlmsg_type != RTM_NEWNEIGH || nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*ndm) ||
	    ndm->ndm_family != AF_BRIDGE)
		return 0;
	if (c->vlan) {
		const struct nlattr *at;
		int vid = 0;

		mnl_attr_for_each(at, nlh, sizeof(*ndm))
			if (mnl_attr_get_type(at) == NDA_VLAN && mnl_attr_get_payload_len(at) >= 2)
				vid = mnl_attr_get_u16(at);
		if (vid != c->vlan)
			return 0;
	}
	c->k->begin(c->k, NULL);
	pl_fdb_parse(nlh, NULL, c->k);
	c->k->end(c->k);
	return 0;
}

int pl_fdb_list(struct pl_sock *s, const struct pl_fdb_filter *f, struct pl_sink *k,
		struct pl_err *e)
{
	struct pl_fdb_ctx c = { k, f ? f->vlan : 0 };
	struct ndmsg *ndm;
	struct pl_req r;

	pl_req_start(&r, s, RTM_GETNEIGH, 0, "fdbs", NULL);
	ndm = pl_req_extra(&r, sizeof(*ndm));
	ndm->ndm_family = AF_BRIDGE;
	/* Filters the kernel applies itself (rtnl_fdb_dump, strict checking): the port in the
	 * header, the bridge as NDA_MASTER. */
	if (f && f->dev > 0)
		ndm->ndm_ifindex = f->dev;
	if (f && f->br > 0 && pl_req_put_u32(&r, NDA_MASTER, (uint32_t)f->br, e) < 0)
		return -1;
	return pl_dump(&r, pl_fdb_list_cb, pl_dump_reset_sink, &c, e);
}
