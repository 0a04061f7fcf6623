// SPDX-License-Identifier: MIT
/*
 * Policy routing rules: RTM_NEWRULE / DELRULE / GETRULE (struct fib_rule_hdr, FRA_*),
 * records as ip -j -d rule prints them, plus "family" (which ip leaves to its -4/-6).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if.h>

#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>

#include "internal.h"

static const struct pl_enum pl_rule_actions[] = {
	{ "to_tbl", FR_ACT_TO_TBL }, { "goto", FR_ACT_GOTO }, { "nop", FR_ACT_NOP },
	{ "blackhole", FR_ACT_BLACKHOLE }, { "unreachable", FR_ACT_UNREACHABLE },
	{ "prohibit", FR_ACT_PROHIBIT }, { NULL, 0 },
};

/* The attributes that are plain values both ways; the rest is by hand below. */
static const struct pl_attr_desc pl_rule_desc[] = {
	{ FRA_PRIORITY, 0, PL_A_U32, PL_F_WO, "priority", NULL, NULL },
	{ FRA_IFNAME, 0, PL_A_STR, 0, "iif", NULL, NULL },
	{ FRA_OIFNAME, 0, PL_A_STR, 0, "oif", NULL, NULL },
	{ FRA_GOTO, 0, PL_A_U32, PL_F_WO, "goto", NULL, NULL },
	{ FRA_SUPPRESS_PREFIXLEN, 0, PL_A_U32, PL_F_WO, "suppress_prefixlength", NULL, NULL },
};

static const struct pl_attrs pl_rule_attrs = PL_ATTRS(pl_rule_desc, FRA_MAX);

/* Every key a rule takes but "family" (a selector count for rule_del). */
static const char *const pl_rule_keys[] = {
	"priority", "iif", "oif", "goto", "suppress_prefixlength", "from", "to", "not",
	"fwmark", "table", "action", "tos", "protocol", "ipproto", "sport", "dport", "uidrange",
	"l3mdev", NULL,
};

/* ---------------------------------------------------------------------------------------- */
/* parsing */

static void pl_rule_addr(const struct fib_rule_hdr *frh, const struct nlattr *at, int plen,
			 const char *key, const char *lenkey, int all, struct pl_sink *k)
{
	size_t alen = pl_family_addrlen(frh->family);
	char buf[INET6_ADDRSTRLEN];

	if (at && alen && mnl_attr_get_payload_len(at) == alen) {
		k->str(k, key, inet_ntop(frh->family, mnl_attr_get_payload(at), buf,
					 sizeof(buf)));
		if (plen != (int)alen * 8)
			k->integer(k, lenkey, plen);
	} else if (plen) {
		k->str(k, key, "0");
		k->integer(k, lenkey, plen);
	} else if (all) {
		k->str(k, key, "all");
	}
}

static uint32_t pl_attr_u32(const struct nlattr *at, uint32_t dflt)
{
	return at && mnl_attr_get_payload_len(at) >= 4 ? mnl_attr_get_u32(at) : dflt;
}

/* @key, or @key_start and @key_end for a range (keys are static strings: see struct pl_sink) */
static void pl_rule_range(const struct nlattr *at, const char *key, const char *key_start,
			  const char *key_end, struct pl_sink *k)
{
	const struct fib_rule_port_range *pr = mnl_attr_get_payload(at);

	if (mnl_attr_get_payload_len(at) < sizeof(*pr))
		return;
	if (pr->start == pr->end) {
		k->integer(k, key, pr->start);
		return;
	}
	k->integer(k, key_start, pr->start);
	k->integer(k, key_end, pr->end);
}

void pl_rule_parse(const struct nlmsghdr *nlh, struct pl_pctx *c, struct pl_sink *k)
{
	struct pl_rtnames *names = c ? c->names : NULL;
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[FRA_MAX + 1];
	char buf[PL_RTN_NAMELEN];
	const char *fam;
	uint32_t table;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*frh))
		return;
	/* one walk: the descriptor table's fields, and tb[] for the rest */
	pl_attrs_parse_tb(nlh, sizeof(*frh), &pl_rule_attrs, c, k, tb, FRA_MAX);
	fam = pl_family_name(frh->family);
	if (fam)
		k->str(k, "family", fam);
	k->integer(k, "priority", pl_attr_u32(tb[FRA_PRIORITY], 0));
	if (frh->flags & FIB_RULE_INVERT)
		k->boolean(k, "not", 1);
	pl_rule_addr(frh, tb[FRA_SRC], frh->src_len, "src", "srclen", 1, k);
	pl_rule_addr(frh, tb[FRA_DST], frh->dst_len, "dst", "dstlen", 0, k);
	if (frh->tos)
		k->str(k, "tos", pl_rtn_name(names, PL_RTN_DSFIELD, frh->tos, buf, sizeof(buf)));
	if (tb[FRA_FWMARK] || tb[FRA_FWMASK]) {
		uint32_t mask = pl_attr_u32(tb[FRA_FWMASK], 0xFFFFFFFFu);

		snprintf(buf, sizeof(buf), "0x%x", pl_attr_u32(tb[FRA_FWMARK], 0));
		k->str(k, "fwmark", buf);
		if (mask != 0xFFFFFFFFu) {
			snprintf(buf, sizeof(buf), "0x%x", mask);
			k->str(k, "fwmask", buf);
		}
	}
	/* iif, oif (and goto, priority: write-only here, reported by hand) */
	if (tb[FRA_IFNAME] && (frh->flags & FIB_RULE_IIF_DETACHED))
		k->boolean(k, "iif_detached", 1);
	if (tb[FRA_OIFNAME] && (frh->flags & FIB_RULE_OIF_DETACHED))
		k->boolean(k, "oif_detached", 1);
	if (tb[FRA_L3MDEV] && mnl_attr_get_payload_len(tb[FRA_L3MDEV]) >= 1 &&
	    mnl_attr_get_u8(tb[FRA_L3MDEV]))
		k->boolean(k, "l3mdev", 1);
	if (tb[FRA_UID_RANGE] &&
	    mnl_attr_get_payload_len(tb[FRA_UID_RANGE]) >= sizeof(struct fib_rule_uid_range)) {
		const struct fib_rule_uid_range *u = mnl_attr_get_payload(tb[FRA_UID_RANGE]);

		k->integer(k, "uid_start", u->start);
		k->integer(k, "uid_end", u->end);
	}
	if (tb[FRA_IP_PROTO] && mnl_attr_get_payload_len(tb[FRA_IP_PROTO]) >= 1) {
		struct protoent pe, *res = NULL;
		char pbuf[1024];
		int n = mnl_attr_get_u8(tb[FRA_IP_PROTO]);

		if (getprotobynumber_r(n, &pe, pbuf, sizeof(pbuf), &res) == 0 && res)
			k->str(k, "ipproto", res->p_name);
		else {
			snprintf(buf, sizeof(buf), "ipproto-%d", n);
			k->str(k, "ipproto", buf);
		}
	}
	if (tb[FRA_SPORT_RANGE])
		pl_rule_range(tb[FRA_SPORT_RANGE], "sport", "sport_start", "sport_end", k);
	if (tb[FRA_DPORT_RANGE])
		pl_rule_range(tb[FRA_DPORT_RANGE], "dport", "dport_start", "dport_end", k);
	if (tb[FRA_TUN_ID] && mnl_attr_get_payload_len(tb[FRA_TUN_ID]) >= 8)
		k->integer(k, "tun_id", (long long)be64toh(mnl_attr_get_u64(tb[FRA_TUN_ID])));
	table = pl_attr_u32(tb[FRA_TABLE], frh->table);
	if (table) {
		uint32_t sp = pl_attr_u32(tb[FRA_SUPPRESS_PREFIXLEN], 0xFFFFFFFFu);
		uint32_t sg = pl_attr_u32(tb[FRA_SUPPRESS_IFGROUP], 0xFFFFFFFFu);

		k->str(k, "table", pl_rtn_name(names, PL_RTN_TABLE, table, buf, sizeof(buf)));
		if (sp != 0xFFFFFFFFu)
			k->integer(k, "suppress_prefixlen", (int32_t)sp);
		if (sg != 0xFFFFFFFFu) {
			snprintf(buf, sizeof(buf), "%u", sg);
			k->str(k, "suppress_ifgroup", sg ? buf : "default");
		}
	}
	if (frh->action == FR_ACT_GOTO) {
		if (tb[FRA_GOTO])
			k->integer(k, "goto", pl_attr_u32(tb[FRA_GOTO], 0));
		else
			k->str(k, "goto", "none");
		if (frh->flags & FIB_RULE_UNRESOLVED)
			k->boolean(k, "unresolved", 1);
	} else if (frh->action == FR_ACT_NOP) {
		k->boolean(k, "nop", 1);
	} else if (frh->action != FR_ACT_TO_TBL) {
		const struct pl_enum *a;

		for (a = pl_rule_actions; a->name && a->value != frh->action; a++)
			;
		if (a->name) {
			k->str(k, "action", a->name);
		} else {
			snprintf(buf, sizeof(buf), "%u", frh->action);
			k->str(k, "action", buf);
		}
	}
	if (tb[FRA_PROTOCOL] && mnl_attr_get_payload_len(tb[FRA_PROTOCOL]) >= 1)
		k->str(k, "protocol", pl_rtn_name(names, PL_RTN_PROTO,
						  mnl_attr_get_u8(tb[FRA_PROTOCOL]), buf,
						  sizeof(buf)));
}

/* ---------------------------------------------------------------------------------------- */
/* requests */

/* from / to: a prefix (or "all": none) into FRA_SRC/FRA_DST and its length. */
static int pl_rule_put_addr(struct pl_req *r, struct fib_rule_hdr *frh, struct pl_source *src,
			    const char *key, uint16_t type, uint8_t *len, struct pl_err *e)
{
	struct pl_prefix p;
	struct pl_val v;

	pl_get(src, key, &v);
	if (v.kind == PL_V_NIL || (v.kind == PL_V_STR && strcmp(v.s, "all") == 0))
		return 0;
	if (pl_val_prefix(&v, key, 0, &p, e) < 0)
		return -1;
	if (frh->family && frh->family != p.family)
		return pl_err_misuse(e, "%s: \"%s\" is not of the rule's family (%s)", key, v.s,
				     pl_family_name(frh->family));
	frh->family = (uint8_t)p.family;
	*len = (uint8_t)p.len;
	pl_req_field(r, key);
	return pl_req_put(r, type, pl_family_addrlen(p.family), p.addr, e);
}

/* A number the way ip reads one: decimal or 0x-hex, from a string or an integer. */
static int pl_rule_num(const char *s, size_t n, uint32_t *out)
{
	char buf[24], *end;
	unsigned long long v;

	if (n == 0 || n >= sizeof(buf) || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	v = strtoull(buf, &end, strncmp(buf, "0x", 2) == 0 ? 16 : 10);
	if (errno || *end || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* fwmark = 0x10 | "0x10" | "0x10/0xff" */
static int pl_rule_put_fwmark(struct pl_req *r, struct pl_source *src, struct pl_err *e)
{
	uint32_t mark, mask = 0;
	const char *slash;
	struct pl_val v;

	pl_get(src, "fwmark", &v);
	if (v.kind == PL_V_NIL)
		return 0;
	if (v.kind == PL_V_INT) {
		if (v.i < 0 || v.i > UINT32_MAX)
			return pl_err_misuse(e, "fwmark: %lld out of range 0..%u", v.i, UINT32_MAX);
		mark = (uint32_t)v.i;
		slash = NULL;
	} else if (v.kind == PL_V_STR) {
		slash = strchr(v.s, '/');
		if (pl_rule_num(v.s, slash ? (size_t)(slash - v.s) : v.len, &mark) < 0 ||
		    (slash && pl_rule_num(slash + 1, strlen(slash + 1), &mask) < 0))
			return pl_err_misuse(e, "fwmark: malformed mark \"%s\" (expected MARK or "
					     "MARK/MASK)", v.s);
	} else {
		return pl_err_misuse(e, "fwmark: expected a number or \"MARK/MASK\"");
	}
	pl_req_field(r, "fwmark");
	if (pl_req_put_u32(r, FRA_FWMARK, mark, e) < 0)
		return -1;
	if (!slash)
		return 0;
	return pl_req_put_u32(r, FRA_FWMASK, mask, e);
}

/* sport / dport = 80 | "1000-2000";  uidrange = "100-200" (32 bits) */
static int pl_rule_put_range(struct pl_req *r, struct pl_source *src, const char *key,
			     uint16_t type, uint32_t max, struct pl_err *e)
{
	uint32_t lo, hi;
	struct pl_val v;

	pl_get(src, key, &v);
	if (v.kind == PL_V_NIL)
		return 0;
	if (v.kind == PL_V_INT && v.i >= 0 && (unsigned long long)v.i <= max) {
		lo = hi = (uint32_t)v.i;
	} else {
		const char *dash = v.kind == PL_V_STR ? strchr(v.s, '-') : NULL;

		if (v.kind != PL_V_STR || pl_rule_num(v.s, dash ? (size_t)(dash - v.s) : v.len,
						      &lo) < 0 ||
		    (dash && pl_rule_num(dash + 1, strlen(dash + 1), &hi) < 0) || lo > max ||
		    (dash && (hi > max || hi < lo)))
			return pl_err_misuse(e, "%s: expected a number or \"LOW-HIGH\" (0..%u)",
					     key, max);
		if (!dash)
			hi = lo;
	}
	pl_req_field(r, key);
	if (type == FRA_UID_RANGE) {
		struct fib_rule_uid_range u = { lo, hi };

		return pl_req_put(r, type, sizeof(u), &u, e);
	} else {
		struct fib_rule_port_range pr = { (uint16_t)lo, (uint16_t)hi };

		return pl_req_put(r, type, sizeof(pr), &pr, e);
	}
}

/* ipproto = 6 | "tcp" */
static int pl_rule_put_ipproto(struct pl_req *r, struct pl_source *src, struct pl_err *e)
{
	struct pl_val v;
	uint8_t n;

	pl_get(src, "ipproto", &v);
	if (v.kind == PL_V_NIL)
		return 0;
	if (v.kind == PL_V_INT && v.i >= 0 && v.i <= 255) {
		n = (uint8_t)v.i;
	} else if (v.kind == PL_V_STR) {
		struct protoent pe, *res = NULL;
		char pbuf[1024];

		if (getprotobyname_r(v.s, &pe, pbuf, sizeof(pbuf), &res) != 0 || !res ||
		    res->p_proto < 0 || res->p_proto > 255)
			return pl_err_misuse(e, "ipproto: unknown protocol \"%s\"", v.s);
		n = (uint8_t)res->p_proto;
	} else {
		return pl_err_misuse(e, "ipproto: expected a protocol name or number 0..255");
	}
	pl_req_field(r, "ipproto");
	return pl_req_put(r, FRA_IP_PROTO, 1, &n, e);
}

static int pl_rule_ifname(struct pl_source *src, const char *key, struct pl_err *e)
{
	struct pl_val v;

	pl_get(src, key, &v);
	if (v.kind == PL_V_STR && (v.len == 0 || v.len >= IFNAMSIZ))
		return pl_err_misuse(e, "%s: interface name \"%s\" must be 1 to %d bytes", key,
				     v.s, IFNAMSIZ - 1);
	return 0;
}

/* Build an RTM_NEWRULE (@add) or DELRULE from @src; *@nsel counts the keys given. */
static int pl_rule_req(struct pl_req *r, struct pl_sock *s, int add, struct pl_source *src,
		       int *nsel, struct pl_err *e)
{
	struct pl_rtnames names = PL_RTNAMES_INIT;
	struct fib_rule_hdr *frh;
	struct pl_val v;
	uint32_t n;
	int b, fam, table = -1, l3mdev = 0, rc = -1;
	size_t i;

	*nsel = 0;
	for (i = 0; pl_rule_keys[i]; i++) {
		pl_get(src, pl_rule_keys[i], &v);
		*nsel += v.kind != PL_V_NIL;
	}
	pl_req_start(r, s, add ? RTM_NEWRULE : RTM_DELRULE, add ? NLM_F_CREATE | NLM_F_EXCL : 0,
		     add ? "rule_add" : "rule_del", NULL);
	frh = pl_req_extra(r, sizeof(*frh));
	pl_get(src, "priority", &v);
	if (v.kind == PL_V_INT)
		snprintf(r->obj, sizeof(r->obj), "priority %lld", v.i);
	pl_get(src, "family", &v);
	if (pl_val_family(&v, "family", &fam, e) < 0)
		goto out;
	frh->family = (uint8_t)fam;
	if (pl_rule_put_addr(r, frh, src, "from", FRA_SRC, &frh->src_len, e) < 0 ||
	    pl_rule_put_addr(r, frh, src, "to", FRA_DST, &frh->dst_len, e) < 0)
		goto out;
	if (!frh->family)
		frh->family = AF_INET;
	pl_get(src, "not", &v);
	if (pl_val_bool(&v, "not", &b, e) < 0)
		goto out;
	if (b)
		frh->flags |= FIB_RULE_INVERT;
	if (pl_rule_ifname(src, "iif", e) < 0 || pl_rule_ifname(src, "oif", e) < 0 ||
	    pl_attrs_put(r, &pl_rule_attrs, src, e) < 0 || pl_rule_put_fwmark(r, src, e) < 0)
		goto out;
	pl_get(src, "table", &v);
	if (v.kind != PL_V_NIL) {
		if (pl_val_rtn(&names, PL_RTN_TABLE, &v, "table", UINT32_MAX, &n, e) < 0)
			goto out;
		table = (int)(n < 256 ? n : 0);
		frh->table = (uint8_t)table;
		pl_req_field(r, "table");
		if (n >= 256 && pl_req_put_u32(r, FRA_TABLE, n, e) < 0)
			goto out;
	}
	pl_get(src, "action", &v);
	if (v.kind == PL_V_STR) {
		const struct pl_enum *a;

		for (a = pl_rule_actions; a->name && strcmp(a->name, v.s) != 0; a++)
			;
		if (!a->name) {
			pl_err_misuse(e, "action: unknown action \"%s\" (expected \"to_tbl\", "
				      "\"goto\", \"nop\", \"blackhole\", \"unreachable\" or "
				      "\"prohibit\")", v.s);
			goto out;
		}
		frh->action = (uint8_t)a->value;
	} else if (v.kind != PL_V_NIL) {
		pl_err_misuse(e, "action: expected an action name");
		goto out;
	}
	pl_get(src, "tos", &v);
	if (v.kind != PL_V_NIL) {
		if (pl_val_rtn(&names, PL_RTN_DSFIELD, &v, "tos", 255, &n, e) < 0)
			goto out;
		frh->tos = (uint8_t)n;
	}
	pl_get(src, "protocol", &v);
	if (v.kind != PL_V_NIL) {
		if (pl_val_rtn(&names, PL_RTN_PROTO, &v, "protocol", 255, &n, e) < 0)
			goto out;
		pl_req_field(r, "protocol");
		if (pl_req_put(r, FRA_PROTOCOL, 1, &(uint8_t){ (uint8_t)n }, e) < 0)
			goto out;
	}
	pl_get(src, "l3mdev", &v);
	if (pl_val_bool(&v, "l3mdev", &l3mdev, e) < 0)
		goto out;
	if (l3mdev) {
		pl_req_field(r, "l3mdev");
		if (pl_req_put(r, FRA_L3MDEV, 1, &(uint8_t){ 1 }, e) < 0)
			goto out;
	}
	if (pl_rule_put_ipproto(r, src, e) < 0 ||
	    pl_rule_put_range(r, src, "sport", FRA_SPORT_RANGE, UINT16_MAX, e) < 0 ||
	    pl_rule_put_range(r, src, "dport", FRA_DPORT_RANGE, UINT16_MAX, e) < 0 ||
	    pl_rule_put_range(r, src, "uidrange", FRA_UID_RANGE, UINT32_MAX, e) < 0)
		goto out;
	if (add && !frh->action) {
		pl_get(src, "goto", &v);
		frh->action = v.kind != PL_V_NIL ? FR_ACT_GOTO : FR_ACT_TO_TBL;
	}
	/* As ip: a lookup rule without a table looks up "main". */
	if (add && frh->action == FR_ACT_TO_TBL && table < 0 && !l3mdev)
		frh->table = RT_TABLE_MAIN;
	rc = src->leave(src, e);
out:
	pl_rtnames_free(&names);
	return rc;
}

int pl_rule_add(struct pl_sock *s, struct pl_source *src, struct pl_err *e)
{
	struct pl_req r;
	int nsel;

	if (pl_rule_req(&r, s, 1, src, &nsel, e) < 0)
		return -1;
	return pl_talk(&r, NULL, NULL, e);
}

int pl_rule_del(struct pl_sock *s, struct pl_source *src, struct pl_err *e)
{
	struct pl_req r;
	int nsel;

	if (pl_rule_req(&r, s, 0, src, &nsel, e) < 0)
		return -1;
	/* The kernel deletes the first rule matching what is given: with nothing given, that
	 * would be the "local" rule. */
	if (nsel == 0)
		return pl_err_misuse(e, "needs at least one selector (priority, from, "
				     "to, table, ...)");
	return pl_talk(&r, NULL, NULL, e);
}

/* ---------------------------------------------------------------------------------------- */
/* listing */

struct pl_rule_list_ctx {
	struct pl_sink *k;
	struct pl_pctx pc;	/* the handle's names, the descriptor indexes */
};

static int pl_rule_list_cb(const struct nlmsghdr *nlh, void *data, struct pl_err *e)
{
	struct pl_rule_list_ctx *c = data;
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);

	(void)e;
	if (nlh->nlmsg_type != RTM_NEWRULE || nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*frh))
		return 0;
	/* Every family also brings the multicast routing rules (RTNL_FAMILY_IPMR...). */
	if (frh->family != AF_INET && frh->family != AF_INET6)
		return 0;
	c->k->begin(c->k, NULL);
	pl_rule_parse(nlh, &c->pc, c->k);
	c->k->end(c->k);
	return 0;
}

int pl_rule_list(struct pl_sock *s, int family, struct pl_sink *k, struct pl_err *e)
{
	struct pl_rule_list_ctx c = { .k = k, .pc.names = pl_sock_rtnames(s) };
	struct fib_rule_hdr *frh;
	struct pl_req r;
	int rc;

	/* The kernel filters by family only (fib_valid_dumprule_req); 0 is every family. */
	pl_req_start(&r, s, RTM_GETRULE, 0, "rules", NULL);
	frh = pl_req_extra(&r, sizeof(*frh));
	frh->family = (uint8_t)family;
	rc = pl_dump(&r, pl_rule_list_cb, pl_dump_reset_sink, &c, e);
	return rc;
}
