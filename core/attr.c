// SPDX-License-Identifier: MIT
/*
 * One generic builder and one generic parser, both walking a descriptor table
 * (struct pl_attrs): adding an attribute to plumb is one table entry.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/if_vlan.h>

#include "internal.h"

void pl_fmt_mac(char *buf, size_t len, const uint8_t *a, size_t alen)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	if (!len)
		return;
	/* "aa:bb:..": what snprintf("%02x") wrote, without it (a dump formats one per link) */
	for (i = 0; i < alen && o + (i ? 3 : 2) < len; i++) {
		if (i)
			buf[o++] = ':';
		buf[o++] = hex[a[i] >> 4];
		buf[o++] = hex[a[i] & 15];
	}
	buf[o] = '\0';
}

/* Parse "aa:bb:cc:dd:ee:ff" (1 to 32 bytes); 0 on success. */
int pl_parse_mac(const char *s, uint8_t *out, size_t *olen)
{
	size_t n = 0;

	for (;;) {
		unsigned v = 0;
		int d;

		for (d = 0; d < 2 && *s && *s != ':'; d++, s++) {
			char c = *s;

			if (c >= '0' && c <= '9')
				v = v * 16 + (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v = v * 16 + (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v = v * 16 + (unsigned)(c - 'A' + 10);
			else
				return -1;
		}
		if (d == 0 || n >= 32)
			return -1;
		out[n++] = (uint8_t)v;
		if (*s == '\0')
			break;
		if (*s != ':')
			return -1;
		s++;
	}
	*olen = n;
	return 0;
}

/* Parse an IPv4 or IPv6 address into @out (16 bytes); sets *family. */
/* A dotted quad as inet_pton reads it (four decimal parts 0..255, no leading zeros), ending
 * at a NUL or at @stop: the common case without the library's generic loop; *end is where it
 * stopped. Anything it refuses goes to inet_pton, which decides. */
PL_HOT
int pl_parse_in4(const char *s, char stop, const char **end, uint8_t *out)
{
	unsigned int part = 0, n = 0, digits = 0;

	for (;; s++) {
		if (*s >= '0' && *s <= '9') {
			if (digits && part == 0)
				return -1;	/* a leading zero */
			part = part * 10 + (unsigned int)(*s - '0');
			if (part > 255 || ++digits > 3)
				return -1;
		} else if ((*s == '.' || *s == '\0' || *s == stop) && digits && n < 4) {
			out[n++] = (uint8_t)part;
			if (*s != '.') {
				*end = s;
				return n == 4 ? 0 : -1;
			}
			part = 0;
			digits = 0;
		} else {
			return -1;
		}
	}
}

int pl_parse_inet(const char *s, void *out, int *family)
{
	const char *end;

	if (pl_parse_in4(s, '\0', &end, out) == 0) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET, s, out) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

const char *pl_enum_name(const struct pl_enum *t, unsigned long long v)
{
	for (; t && t->name; t++)
		if (t->value == v)
			return t->name;
	return NULL;
}

int pl_enum_value(const struct pl_enum *t, const char *name, unsigned long long *v)
{
	for (; t && t->name; t++)
		if (strcmp(t->name, name) == 0) {
			*v = t->value;
			return 0;
		}
	return -1;
}

int pl_enum_choices(const struct pl_enum *t, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (; t && t->name && o + 2 < len; t++)
		o += (size_t)snprintf(buf + o, len - o, "%s\"%s\"", o ? ", " : "", t->name);
	return 0;
}

const char *pl_vkind_desc(enum pl_vkind k, int article)
{
	static const char *const names[][2] = {
		{ "nil", "nil" }, { "boolean", "a boolean" }, { "integer", "an integer" },
		{ "string", "a string" }, { "table", "a table" },
		{ "a value of another type", "another type" },
	};

	return names[k][!!article];
}

/* What the caller gave, for a message: "string", "a non-integer number"... */
static const char *pl_val_desc(const struct pl_val *v)
{
	if (v->kind == PL_V_OTHER && v->s)
		return v->s;
	return pl_vkind_desc(v->kind, 0);
}

/* A number for a numeric attribute: integer, boolean where allowed, or an enum name. */
static int pl_val_number(struct pl_req *r, const struct pl_attr_desc *d, const struct pl_val *v,
			 unsigned long long max, unsigned long long *out, struct pl_err *e)
{
	char choices[160];

	if (v->kind == PL_V_INT) {
		if (v->i < 0 || (unsigned long long)v->i > max)
			return pl_err_misuse(e, "%s%s: %lld out of range 0..%llu", r->prefix,
					     d->name, v->i, max);
		*out = (unsigned long long)v->i;
		return 0;
	}
	if (v->kind == PL_V_BOOL && (d->flags & (PL_F_BOOLIN | PL_F_BOOLOUT))) {
		*out = v->b ? 1 : 0;
		return 0;
	}
	if (v->kind == PL_V_STR && d->names) {
		if (pl_enum_value(d->names, v->s, out) == 0)
			return 0;
		pl_enum_choices(d->names, choices, sizeof(choices));
		return pl_err_misuse(e, "%s%s: unknown value \"%s\" (expected %s)", r->prefix,
				     d->name, v->s, choices);
	}
	return pl_err_misuse(e, "%s%s: expected %s, got %s", r->prefix, d->name,
			     d->names ? "a name or an integer" :
			     (d->flags & (PL_F_BOOLIN | PL_F_BOOLOUT)) ? "a boolean" : "an integer",
			     pl_val_desc(v));
}

PL_HOT
static int pl_attr_put_one(struct pl_req *r, const struct pl_attr_desc *d,
			   const struct pl_val *v, struct pl_err *e)
{
	unsigned long long n;
	uint8_t buf[32];
	size_t blen;
	int fam;

	switch (d->atype) {
	case PL_A_U8:
		if (pl_val_number(r, d, v, UINT8_MAX, &n, e) < 0)
			return -1;
		buf[0] = (uint8_t)n;
		pl_req_field(r, d->name);
		return pl_req_put(r, d->type, 1, buf, e);
	case PL_A_U16: {
		uint16_t x;

		if (pl_val_number(r, d, v, UINT16_MAX, &n, e) < 0)
			return -1;
		x = (uint16_t)n;
		pl_req_field(r, d->name);
		return pl_req_put(r, d->type, sizeof(x), &x, e);
	}
	case PL_A_BE16: {
		uint16_t x;

		if (pl_val_number(r, d, v, UINT16_MAX, &n, e) < 0)
			return -1;
		x = htons((uint16_t)n);
		pl_req_field(r, d->name);
		return pl_req_put(r, d->type, sizeof(x), &x, e);
	}
	case PL_A_U32: {
		uint32_t x;

		if (pl_val_number(r, d, v, UINT32_MAX, &n, e) < 0)
			return -1;
		x = (uint32_t)n;
		pl_req_field(r, d->name);
		return pl_req_put(r, d->type, sizeof(x), &x, e);
	}
	case PL_A_U64: {
		uint64_t x;

		if (pl_val_number(r, d, v, INT64_MAX, &n, e) < 0)
			return -1;
		x = n;
		pl_req_field(r, d->name);
		return pl_req_put(r, d->type, sizeof(x), &x, e);
	}
	case PL_A_FLAG:
		if (v->kind != PL_V_BOOL)
			return pl_err_misuse(e, "%s%s: expected a boolean, got %s", r->prefix,
					     d->name, pl_val_desc(v));
		if (!v->b)
			return 0;
		pl_req_field(r, d->name);
		return pl_req_put(r, d->type, 0, NULL, e);
	case PL_A_STR:
		if (v->kind != PL_V_STR)
			return pl_err_misuse(e, "%s%s: expected a string, got %s", r->prefix,
					     d->name, pl_val_desc(v));
		pl_req_field(r, d->name);
		return pl_req_put(r, d->type, v->len + 1, v->s, e);
	case PL_A_MAC:
		if (v->kind != PL_V_STR || pl_parse_mac(v->s, buf, &blen) < 0)
			return pl_err_misuse(e, "%s%s: malformed MAC address %s%s%s", r->prefix,
					     d->name, v->kind == PL_V_STR ? "\"" : "(",
					     v->kind == PL_V_STR ? v->s : pl_val_desc(v),
					     v->kind == PL_V_STR ? "\"" : ")");
		pl_req_field(r, d->name);
		return pl_req_put(r, d->type, blen, buf, e);
	case PL_A_IN4:
	case PL_A_INET:
		if (v->kind != PL_V_STR || pl_parse_inet(v->s, buf, &fam) < 0 ||
		    (d->atype == PL_A_IN4 && fam != AF_INET))
			return pl_err_misuse(e, "%s%s: malformed %s address %s%s%s", r->prefix,
					     d->name, d->atype == PL_A_IN4 ? "IPv4" : "IP",
					     v->kind == PL_V_STR ? "\"" : "(",
					     v->kind == PL_V_STR ? v->s : pl_val_desc(v),
					     v->kind == PL_V_STR ? "\"" : ")");
		pl_req_field(r, d->name);
		if (fam == AF_INET)
			return pl_req_put(r, d->type, 4, buf, e);
		return pl_req_put(r, d->type6, 16, buf, e);
	case PL_A_IFINDEX: {
		char what[128];
		int idx;

		/* the common cases without formatting a message nobody reads */
		if (v->kind == PL_V_INT && v->i > 0 && v->i <= INT32_MAX) {
			pl_req_field(r, d->name);
			return pl_req_put_u32(r, d->type, (uint32_t)v->i, e);
		}
		if (v->kind == PL_V_STR && v->len > 0 && v->len < 16 && !strpbrk(v->s, "/ \t\n:") &&
		    (idx = pl_link_index(r->sock, v->s, e)) > 0) {
			pl_req_field(r, d->name);
			return pl_req_put_u32(r, d->type, (uint32_t)idx, e);
		}
		snprintf(what, sizeof(what), "%s%s%s: %s%s", r->op, r->obj[0] ? " " : "", r->obj,
			 r->prefix, d->name);
		idx = pl_link_dev(r->sock, v, what, e);
		if (idx < 0)
			return -1;
		pl_req_field(r, d->name);
		return pl_req_put_u32(r, d->type, (uint32_t)idx, e);
	}
	default:
		return pl_err_misuse(e, "%s%s: cannot be set", r->prefix, d->name);
	}
}

static pthread_mutex_t pl_ix_lock = PTHREAD_MUTEX_INITIALIZER;

/* The settable descriptors of @a sorted by name (stable: equal names keep their order), built
 * once per process; NULL when it cannot be (then callers walk every descriptor). */
PL_HOT
static const struct pl_attr_index *pl_attrs_index(const struct pl_attrs *a)
{
	struct pl_attr_index *ix = a->ix;

	if (!ix)
		return NULL;
	if (__atomic_load_n(&ix->state, __ATOMIC_ACQUIRE) != 2) {
		pthread_mutex_lock(&pl_ix_lock);
		if (ix->state != 2) {
			uint16_t *o = malloc((a->n + 1) * sizeof(*o));
			size_t n = 0, i, j;

			for (i = 0; o && i < a->n; i++) {
				const char *name = a->d[i].name;

				if (!name || (a->d[i].flags & PL_F_RO))
					continue;
				ix->mask |= 1ull << pl_keysig(name);
				for (j = n; j > 0 && strcmp(a->d[o[j - 1]].name, name) > 0; j--)
					o[j] = o[j - 1];
				o[j] = (uint16_t)i;
				n++;
			}
			ix->order = o;
			ix->n = n;
			__atomic_store_n(&ix->state, 2, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&pl_ix_lock);
	}
	return ix->order ? ix : NULL;
}

#define PL_HITS_MAX 64

/* The descriptors of @a that the keys present in @src name, in descriptor order, into @hit;
 * returns how many, or -1 when the source cannot list its keys. */
PL_HOT
static int pl_attrs_hits(const struct pl_attrs *a, struct pl_source *src, uint16_t *hit)
{
	const struct pl_attr_index *ix;
	const char *const *keys;
	uint64_t mask;
	int nk, nh = 0, k;

	if (!src->keys || !(ix = pl_attrs_index(a)))
		return -1;
	nk = src->keys(src, &keys, &mask);
	if (nk < 0)
		return -1;
	if (!(mask & ix->mask))
		return 0;	/* no key present can name a descriptor here */
	for (k = 0; k < nk; k++) {
		size_t lo = 0, hi = ix->n;

		if (!((ix->mask >> pl_keysig(keys[k])) & 1u))
			continue;
		while (lo < hi) {	/* the first descriptor named keys[k] or after it */
			size_t mid = (lo + hi) / 2;

			if (strcmp(a->d[ix->order[mid]].name, keys[k]) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < ix->n && strcmp(a->d[ix->order[lo]].name, keys[k]) == 0; lo++) {
			int j;

			if (nh == PL_HITS_MAX)
				return -1;
			for (j = nh; j > 0 && hit[j - 1] > ix->order[lo]; j--)
				hit[j] = hit[j - 1];
			hit[j] = ix->order[lo];
			nh++;
		}
	}
	return nh;
}

/* Put the descriptor @d's attribute from @src, when the key is there. */
PL_HOT
static int pl_attr_put_from(struct pl_req *r, const struct pl_attr_desc *d, struct pl_source *src,
			    struct pl_err *e)
{
	struct pl_val v;

	if (pl_get(src, d->name, &v) < 0)
		return pl_err_misuse(e, "%s%s: cannot read", r->prefix, d->name);
	if (v.kind == PL_V_NIL)
		return 0;
	return pl_attr_put_one(r, d, &v, e);
}

PL_HOT
int pl_attrs_put(struct pl_req *r, const struct pl_attrs *a, struct pl_source *src,
		 struct pl_err *e)
{
	uint16_t hit[PL_HITS_MAX];
	int nh = pl_attrs_hits(a, src, hit), h;
	size_t i;

	/* the same attributes, in the same order, as the walk over every descriptor below */
	for (h = 0; h < nh; h++)
		if (pl_attr_put_from(r, &a->d[hit[h]], src, e) < 0)
			return -1;
	if (nh >= 0)
		return 0;
	for (i = 0; i < a->n; i++) {
		const struct pl_attr_desc *d = &a->d[i];

		if (!d->name || (d->flags & PL_F_RO))
			continue;
		if (pl_attr_put_from(r, d, src, e) < 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* parsing */

static int pl_is_mcast(const struct nlattr *at)
{
	const uint8_t *p = mnl_attr_get_payload(at);

	if (mnl_attr_get_payload_len(at) == 4)
		return (p[0] & 0xf0) == 0xe0;
	if (mnl_attr_get_payload_len(at) == 16)
		return p[0] == 0xff;
	return 0;
}

static unsigned long long pl_attr_uint(const struct nlattr *at, size_t len)
{
	switch (len) {
	case 1:
		return mnl_attr_get_u8(at);
	case 2:
		return mnl_attr_get_u16(at);
	case 4:
		return mnl_attr_get_u32(at);
	default:
		return mnl_attr_get_u64(at);
	}
}

/* The key of an IPv6 value of a PL_F_KEY6 descriptor: sink keys are static strings (a sink
 * may know a key by its address), so each one is spelled out here. */
static const char *pl_key6(const char *key)
{
	static const char *const k6[][2] = {
		{ "remote", "remote6" }, { "group", "group6" }, { "local", "local6" },
	};
	size_t i;

	for (i = 0; i < sizeof(k6) / sizeof(k6[0]); i++)
		if (strcmp(k6[i][0], key) == 0)
			return k6[i][1];
	return key;	/* a new PL_F_KEY6 descriptor must be added above (tests catch it) */
}

static const char *const pl_vlan_flag_names[] = {
	"REORDER_HDR", "GVRP", "LOOSE_BINDING", "MVRP", "BRIDGE_BINDING",
};

void pl_attr_emit(const struct nlattr *at, const struct pl_attr_desc *d, struct pl_sink *k)
{
	const char *key = d->out ? d->out : d->name;
	size_t plen = mnl_attr_get_payload_len(at);
	const uint8_t *p = mnl_attr_get_payload(at);
	static const size_t width[] = { [PL_A_U8] = 1, [PL_A_U16] = 2, [PL_A_U32] = 4,
					[PL_A_U64] = 8, [PL_A_BE16] = 2, [PL_A_IFINDEX] = 4,
					[PL_A_CLOCK] = 8, [PL_A_HEX16] = 2 };
	char buf[INET6_ADDRSTRLEN + 40];
	unsigned long long v;

	switch (d->atype) {
	case PL_A_U8:
	case PL_A_U16:
	case PL_A_U32:
	case PL_A_U64:
	case PL_A_BE16:
	case PL_A_IFINDEX:
	case PL_A_CLOCK:
	case PL_A_HEX16:
		if (plen < width[d->atype])
			return;	/* malformed: skip rather than read past it */
		v = pl_attr_uint(at, width[d->atype]);
		if (d->atype == PL_A_BE16)
			v = ntohs((uint16_t)v);
		if (d->atype == PL_A_IFINDEX) {
			pl_sink_ifindex(k, key, (uint32_t)v);
			return;
		}
		if (d->atype == PL_A_CLOCK) {
			k->num(k, key, (double)v / 100.0);
			return;
		}
		if (d->atype == PL_A_HEX16) {
			snprintf(buf, sizeof(buf), "0x%llx", v);
			k->str(k, key, buf);
			return;
		}
		if (d->names) {
			const char *n = pl_enum_name(d->names, v);

			if (n && (d->flags & PL_F_ENUMKEY))
				k->boolean(k, n, 1);
			else if (n)
				pl_sink_name(k, key, n);
			else
				k->integer(k, key, (long long)v);
		} else if (d->flags & PL_F_BOOLOUT) {
			k->boolean(k, key, v != 0);
		} else if (d->flags & PL_F_STRNUM) {
			snprintf(buf, sizeof(buf), "%#llx", v);	/* ip's print_0xhex: "0x8", "0" */
			k->str(k, key, buf);
		} else {
			k->integer(k, key, (long long)v);
		}
		return;
	case PL_A_FLAG:
		k->boolean(k, key, 1);
		return;
	case PL_A_STR:
		if (mnl_attr_validate(at, MNL_TYPE_NUL_STRING) == 0)
			k->str(k, key, mnl_attr_get_str(at));
		else if (plen && memchr(p, '\0', plen) == NULL && plen < sizeof(buf)) {
			memcpy(buf, p, plen);
			buf[plen] = '\0';
			k->str(k, key, buf);
		}
		return;
	case PL_A_MAC:
		pl_fmt_mac(buf, sizeof(buf), p, plen);
		k->str(k, key, buf);
		return;
	case PL_A_IN4:
	case PL_A_INET:
		if (plen == 4) {
			inet_ntop(AF_INET, p, buf, sizeof(buf));
		} else if (plen == 16) {
			inet_ntop(AF_INET6, p, buf, sizeof(buf));
			if (d->flags & PL_F_KEY6) {
				k->str(k, pl_key6(key), buf);
				return;
			}
		} else {
			return;
		}
		k->str(k, key, buf);
		return;
	case PL_A_BRID: {
		const struct ifla_bridge_id *id = (const void *)p;

		if (plen < sizeof(*id))
			return;
		/* ip prints the address as ether_ntoa does: no leading zeros */
		snprintf(buf, sizeof(buf), "%02x%02x.%x:%x:%x:%x:%x:%x", id->prio[0], id->prio[1],
			 id->addr[0], id->addr[1], id->addr[2], id->addr[3], id->addr[4],
			 id->addr[5]);
		k->str(k, key, buf);
		return;
	}
	case PL_A_PORTRANGE: {
		const struct ifla_vxlan_port_range *pr = (const void *)p;

		if (plen < sizeof(*pr))
			return;
		k->begin(k, key);
		k->integer(k, "low", ntohs(pr->low));
		k->integer(k, "high", ntohs(pr->high));
		k->end(k);
		return;
	}
	case PL_A_VLANFLAGS: {
		const struct ifla_vlan_flags *f = (const void *)p;
		size_t i;

		if (plen < sizeof(*f))
			return;
		k->begin_list(k, key);
		for (i = 0; i < sizeof(pl_vlan_flag_names) / sizeof(pl_vlan_flag_names[0]); i++)
			if (f->flags & (1u << i))
				k->str(k, NULL, pl_vlan_flag_names[i]);
		k->end(k);
		return;
	}
	default:
		return;
	}
}

/* Whether descriptor @d reports attribute @at (several may share a type: remote/group). */
static int pl_attr_matches(const struct pl_attr_desc *d, const struct nlattr *at)
{
	if (d->flags & PL_F_WO)
		return 0;
	if ((d->flags & PL_F_UCAST) && pl_is_mcast(at))
		return 0;
	if ((d->flags & PL_F_MCAST) && !pl_is_mcast(at))
		return 0;
	return 1;
}

/*
 * The descriptor index: attribute type -> descriptors reporting it, so that a walk looks each
 * attribute up directly instead of scanning the table. It is built from the const table into
 * the caller's parse context (struct pl_pctx: once per dump) or on the walker's stack: no
 * global or static state to fill, so nothing to lock across threads and .data/.bss stay
 * empty. Descriptor positions fit a byte (the largest table has a few dozen entries); types
 * above PL_IDX_MAXTYPE (none today) fall back to the scan.
 */
static void pl_attr_idx_build(struct pl_attr_idx *x, const struct pl_attrs *a)
{
	size_t i;

	x->a = a;
	x->top = a->maxtype < PL_IDX_MAXTYPE ? a->maxtype : PL_IDX_MAXTYPE;
	x->ok = a->n < PL_IDX_NONE;
	if (!x->ok)
		return;
	memset(x->first, PL_IDX_NONE, (size_t)x->top + 1);
	/* backwards, so that each chain lists descriptors in table order */
	for (i = a->n; i-- > 0;) {
		const struct pl_attr_desc *d = &a->d[i];
		uint16_t t[2] = { d->type, d->atype == PL_A_INET ? d->type6 : d->type };
		int j;

		if (d->flags & PL_F_WO)
			continue;
		for (j = 0; j < (t[1] != t[0] ? 2 : 1); j++) {
			if (t[j] > x->top)
				continue;
			x->next[i] = x->first[t[j]];
			x->first[t[j]] = (uint8_t)i;
		}
	}
}

static void pl_attrs_scan(const struct nlattr *at, uint16_t t, const struct pl_attrs *a,
			  struct pl_sink *k)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		const struct pl_attr_desc *d = &a->d[i];

		if ((d->type == t || (d->atype == PL_A_INET && d->type6 == t)) &&
		    pl_attr_matches(d, at))
			pl_attr_emit(at, d, k);
	}
}

static void pl_attrs_walk(const struct nlattr *at, const struct pl_attrs *a,
			  const struct pl_attr_idx *x, struct pl_sink *k)
{
	uint16_t t = at->nla_type & NLA_TYPE_MASK;
	unsigned i;

	/* Kernels keep adding attributes: whatever is not in the table is skipped. */
	if (t > a->maxtype)
		return;
	if (!x->ok || t > x->top) {
		pl_attrs_scan(at, t, a, k);
		return;
	}
	for (i = x->first[t]; i != PL_IDX_NONE; i = x->next[i])
		if (pl_attr_matches(&a->d[i], at))
			pl_attr_emit(at, &a->d[i], k);
}


/* @a's index: the one @c keeps (built there at its first use), else built into @tmp. */
static const struct pl_attr_idx *pl_attr_idx_get(struct pl_pctx *c, const struct pl_attrs *a,
						 struct pl_attr_idx *tmp)
{
	size_t i;

	for (i = 0; c && i < PL_PCTX_IDX; i++) {
		if (c->idx[i].a == a)
			return &c->idx[i];
		if (!c->idx[i].a) {
			pl_attr_idx_build(&c->idx[i], a);
			return &c->idx[i];
		}
	}
	pl_attr_idx_build(tmp, a);
	return tmp;
}

void pl_attrs_parse_tb(const struct nlmsghdr *nlh, size_t hdrlen, const struct pl_attrs *a,
		       struct pl_pctx *c, struct pl_sink *k, const struct nlattr **tb,
		       unsigned tbmax)
{
	const struct pl_attr_idx *x = NULL;
	const struct nlattr *at;
	struct pl_attr_idx tmp;

	if (tb)
		memset(tb, 0, sizeof(*tb) * (tbmax + 1));
	if (a)
		x = pl_attr_idx_get(c, a, &tmp);
	if (nlh->nlmsg_len < NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen))
		return;
	pl_attr_for_each(at, nlh, hdrlen) {
		uint16_t t = at->nla_type & NLA_TYPE_MASK;

		if (tb && t <= tbmax)
			tb[t] = at;
		if (a)
			pl_attrs_walk(at, a, x, k);
	}
}

void pl_attrs_parse_in(const struct nlattr *nest, const struct pl_attrs *a, struct pl_pctx *c,
		       struct pl_sink *k)
{
	const struct pl_attr_idx *x;
	const struct nlattr *at;
	struct pl_attr_idx tmp;

	x = pl_attr_idx_get(c, a, &tmp);
	mnl_attr_for_each_nested(at, nest)
		pl_attrs_walk(at, a, x, k);
}

void pl_attrs_parse(const struct nlattr *nest, const struct pl_attrs *a, struct pl_sink *k)
{
	pl_attrs_parse_in(nest, a, NULL, k);
}

void pl_attrs_parse_msg(const struct nlmsghdr *nlh, size_t hdrlen, const struct pl_attrs *a,
			struct pl_sink *k)
{
	pl_attrs_parse_tb(nlh, hdrlen, a, NULL, k, NULL, 0);
}

const char *pl_atype_name(unsigned atype)
{
	static const char *const names[] = {
		[PL_A_U8] = "u8", [PL_A_U16] = "u16", [PL_A_U32] = "u32", [PL_A_U64] = "u64",
		[PL_A_BE16] = "be16", [PL_A_FLAG] = "flag", [PL_A_STR] = "string",
		[PL_A_MAC] = "mac", [PL_A_IN4] = "ipv4", [PL_A_INET] = "ip",
		[PL_A_IFINDEX] = "ifindex", [PL_A_BRID] = "bridge_id", [PL_A_CLOCK] = "clock",
		[PL_A_HEX16] = "hex16", [PL_A_PORTRANGE] = "port_range",
		[PL_A_VLANFLAGS] = "vlan_flags",
	};

	if (atype < sizeof(names) / sizeof(names[0]) && names[atype])
		return names[atype];
	return "other";
}
