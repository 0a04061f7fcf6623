// SPDX-License-Identifier: MIT
/*
 * Names of routing numbers, as iproute2 prints and reads them: routing tables, route
 * protocols, scopes and DS fields, from iproute2's built-in names and its configuration
 * files. The caller owns the cache (struct pl_rtnames): there is no global state, and a
 * long-running program sees edits to the files at its next operation.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

/* Where iproute2 keeps its files: /etc first (the admin's), then the distribution's. */
static const char *const pl_rtn_dirs[] = {
	"/etc/iproute2", "/usr/share/iproute2", "/usr/lib/iproute2",
};

static const char *const pl_rtn_files[PL_RTN_KINDS] = {
	[PL_RTN_TABLE] = "rt_tables",
	[PL_RTN_PROTO] = "rt_protos",
	[PL_RTN_SCOPE] = "rt_scopes",
	[PL_RTN_DSFIELD] = "rt_dsfield",
};

/* The kinds whose NAME.d/ directories hold more *.conf files. */
static const int pl_rtn_has_dir[PL_RTN_KINDS] = {
	[PL_RTN_TABLE] = 1, [PL_RTN_PROTO] = 1,
};

static const struct pl_enum pl_rtn_tables[] = {
	{ "default", 253 }, { "main", 254 }, { "local", 255 }, { NULL, 0 },
};

/* iproute2 lib/rt_names.c rtnl_rtprot_tab */
static const struct pl_enum pl_rtn_protos[] = {
	{ "unspec", 0 }, { "redirect", 1 }, { "kernel", 2 }, { "boot", 3 }, { "static", 4 },
	{ "gated", 8 }, { "ra", 9 }, { "mrt", 10 }, { "zebra", 11 }, { "bird", 12 },
	{ "dnrouted", 13 }, { "xorp", 14 }, { "ntk", 15 }, { "dhcp", 16 },
	{ "keepalived", 18 }, { "babel", 42 }, { "openr", 99 }, { "bgp", 186 }, { "isis", 187 },
	{ "ospf", 188 }, { "rip", 189 }, { "eigrp", 192 }, { NULL, 0 },
};

static const struct pl_enum pl_rtn_scopes[] = {
	{ "global", 0 }, { "site", 200 }, { "link", 253 }, { "host", 254 }, { "nowhere", 255 },
	{ NULL, 0 },
};

static const struct pl_enum *const pl_rtn_builtin[PL_RTN_KINDS] = {
	[PL_RTN_TABLE] = pl_rtn_tables,
	[PL_RTN_PROTO] = pl_rtn_protos,
	[PL_RTN_SCOPE] = pl_rtn_scopes,
};

/* Largest number of each kind (tables are 32 bits; the others fit in a byte). */
static const uint32_t pl_rtn_max[PL_RTN_KINDS] = {
	[PL_RTN_TABLE] = UINT32_MAX, [PL_RTN_PROTO] = 255, [PL_RTN_SCOPE] = 255,
	[PL_RTN_DSFIELD] = 255,
};

/* A number as iproute2's files and arguments write it: decimal, or hex with "0x". */
static int pl_rtn_number(const char *s, size_t n, uint32_t *out)
{
	unsigned long long v = 0;
	size_t i = 0;
	int hex = 0;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		hex = 1;
		i = 2;
	}
	if (i == n)
		return -1;
	for (; i < n; i++) {
		int c = (unsigned char)s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (hex && isxdigit(c))
			d = tolower(c) - 'a' + 10;
		else
			return -1;
		v = v * (hex ? 16 : 10) + (unsigned)d;
		if (v > UINT32_MAX)
			return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static void pl_rtn_push(struct pl_rtnames *c, enum pl_rtn_kind kind, uint32_t id,
			const char *name, size_t nlen)
{
	struct pl_rtn_entry *en;

	memset(c->last_name, 0, sizeof(c->last_name));	/* entries may move */
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		struct pl_rtn_entry *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return;	/* out of memory: numbers are still printed as numbers */
		c->v = v;
		c->cap = cap;
	}
	if (nlen >= PL_RTN_NAMELEN)
		return;
	en = &c->v[c->n++];
	en->id = id;
	en->kind = (uint8_t)kind;
	memcpy(en->name, name, nlen);
	en->name[nlen] = '\0';
}

/* Read "ID NAME" lines ('#' comments) like iproute2's rtnl_tab_initialize. */
static int pl_rtn_read(struct pl_rtnames *c, enum pl_rtn_kind kind, const char *path)
{
	FILE *f = fopen(path, "re");
	char line[512];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *id, *name;
		size_t idlen, nlen;
		uint32_t v;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#' || *p == '\n' || *p == '\0')
			continue;
		id = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		idlen = (size_t)(p - id);
		while (*p == ' ' || *p == '\t')
			p++;
		name = p;
		while (*p && !isspace((unsigned char)*p) && *p != '#')
			p++;
		nlen = (size_t)(p - name);
		if (nlen == 0 || pl_rtn_number(id, idlen, &v) < 0 || v > pl_rtn_max[kind])
			continue;
		pl_rtn_push(c, kind, v, name, nlen);
	}
	fclose(f);
	return 0;
}

static int pl_rtn_conf(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".conf") == 0;
}

/* What the files of @kind look like now: their identity, size and mtime folded together
 * (FNV-1a), over the main file and the NAME.d directory of each place, whether present or
 * not. A .conf file edited in place without its directory changing is not seen (editors and
 * package managers replace files, which changes the directory). */
static uint64_t pl_rtn_stamp(enum pl_rtn_kind kind)
{
	uint64_t h = 1469598103934665603ull;
	char path[256];
	struct stat st;
	size_t i, j;

	for (i = 0; i < sizeof(pl_rtn_dirs) / sizeof(pl_rtn_dirs[0]); i++)
		for (j = 0; j < (pl_rtn_has_dir[kind] ? 2u : 1u); j++) {
			uint64_t v[5] = { 0 };
			size_t b;

			snprintf(path, sizeof(path), "%s/%s%s", pl_rtn_dirs[i], pl_rtn_files[kind],
				 j ? ".d" : "");
			if (stat(path, &st) == 0) {
				v[0] = (uint64_t)st.st_ino;
				v[1] = (uint64_t)st.st_size;
				v[2] = (uint64_t)st.st_mtim.tv_sec;
				v[3] = (uint64_t)st.st_mtim.tv_nsec;
				v[4] = (uint64_t)st.st_dev;
			}
			for (b = 0; b < sizeof(v); b++) {
				h ^= ((const uint8_t *)v)[b];
				h *= 1099511628211ull;
			}
		}
	return h;
}

/* Forget what was read for @kind (its entries go, the others stay in order). */
static void pl_rtn_drop(struct pl_rtnames *c, enum pl_rtn_kind kind)
{
	size_t i, o = 0;

	memset(c->last_name, 0, sizeof(c->last_name));
	for (i = 0; i < c->n; i++)
		if (c->v[i].kind != kind)
			c->v[o++] = c->v[i];
	c->n = o;
	c->loaded &= ~(1u << kind);
}

void pl_rtnames_recheck(struct pl_rtnames *c)
{
	c->checked = 0;
}

static void pl_rtn_load(struct pl_rtnames *c, enum pl_rtn_kind kind)
{
	char path[256];
	uint64_t stamp;
	size_t i;

	if (c->loaded & (1u << kind)) {
		/* a long-lived cache looks at the files once per operation, not per name */
		if (!c->keep || (c->checked & (1u << kind)))
			return;
		c->checked |= 1u << kind;
		stamp = pl_rtn_stamp(kind);
		if (stamp == c->stamp[kind])
			return;
		pl_rtn_drop(c, kind);
	}
	c->loaded |= 1u << kind;
	if (c->keep) {
		c->checked |= 1u << kind;
		c->stamp[kind] = pl_rtn_stamp(kind);
	}
	/* The first main file found, then the .conf files of each NAME.d (the admin's last). */
	for (i = 0; i < sizeof(pl_rtn_dirs) / sizeof(pl_rtn_dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", pl_rtn_dirs[i], pl_rtn_files[kind]);
		if (pl_rtn_read(c, kind, path) == 0)
			break;
	}
	if (!pl_rtn_has_dir[kind])
		return;
	for (i = sizeof(pl_rtn_dirs) / sizeof(pl_rtn_dirs[0]); i-- > 0;) {
		struct dirent **list;
		int n, j;

		snprintf(path, sizeof(path), "%s/%s.d", pl_rtn_dirs[i], pl_rtn_files[kind]);
		n = scandir(path, &list, pl_rtn_conf, alphasort);
		if (n < 0)
			continue;
		for (j = 0; j < n; j++) {
			char file[600];

			snprintf(file, sizeof(file), "%s/%s", path, list[j]->d_name);
			pl_rtn_read(c, kind, file);
			free(list[j]);
		}
		free(list);
	}
}

int pl_rtn_id(struct pl_rtnames *c, enum pl_rtn_kind kind, const char *s, uint32_t *id)
{
	struct pl_rtnames tmp = PL_RTNAMES_INIT;
	const struct pl_enum *b;
	int rc = -1;
	size_t i;

	if (pl_rtn_number(s, strlen(s), id) == 0)
		return *id <= pl_rtn_max[kind] ? 0 : -1;
	if (!c)
		c = &tmp;
	pl_rtn_load(c, kind);
	for (i = 0; i < c->n && rc < 0; i++)
		if (c->v[i].kind == kind && strcmp(c->v[i].name, s) == 0) {
			*id = c->v[i].id;
			rc = 0;
		}
	for (b = pl_rtn_builtin[kind]; rc < 0 && b && b->name; b++)
		if (strcmp(b->name, s) == 0) {
			*id = (uint32_t)b->value;
			rc = 0;
		}
	pl_rtnames_free(&tmp);
	return rc;
}

const char *pl_rtn_name(struct pl_rtnames *c, enum pl_rtn_kind kind, uint32_t id, char *buf,
			size_t len)
{
	struct pl_rtnames tmp = PL_RTNAMES_INIT;
	const struct pl_enum *b;
	const char *name = NULL;
	size_t i;

	if (!c)
		c = &tmp;
	pl_rtn_load(c, kind);
	/* a dump names the same few numbers over and over: the last one answered */
	if (c != &tmp && c->last_name[kind] && c->last_id[kind] == id)
		return c->last_name[kind];
	/* The last definition wins, as iproute2's hash (entries added at the head) has it. */
	for (i = 0; i < c->n; i++)
		if (c->v[i].kind == kind && c->v[i].id == id)
			name = c->v[i].name;
	for (b = pl_rtn_builtin[kind]; !name && b && b->name; b++)
		if (b->value == id)
			name = b->name;
	if (name && c != &tmp) {
		/* the cache's or a built-in: no copy (a dump names every route) */
		c->last_id[kind] = id;
		c->last_name[kind] = name;
		return name;
	}
	if (name)
		snprintf(buf, len, "%s", name);
	else if (kind == PL_RTN_DSFIELD)
		snprintf(buf, len, "0x%02x", id);
	else
		snprintf(buf, len, "%u", id);
	pl_rtnames_free(&tmp);
	return buf;
}

int pl_val_rtn(struct pl_rtnames *c, enum pl_rtn_kind kind, const struct pl_val *v,
	       const char *what, uint32_t max, uint32_t *id, struct pl_err *e)
{
	static const char *const kinds[PL_RTN_KINDS] = {
		[PL_RTN_TABLE] = "routing table", [PL_RTN_PROTO] = "protocol",
		[PL_RTN_SCOPE] = "scope", [PL_RTN_DSFIELD] = "DS field",
	};

	if (v->kind == PL_V_INT) {
		if (v->i < 0 || (unsigned long long)v->i > max)
			return pl_err_misuse(e, "%s: %lld out of range 0..%u", what, v->i, max);
		*id = (uint32_t)v->i;
		return 0;
	}
	if (v->kind != PL_V_STR)
		return pl_err_misuse(e, "%s: expected a %s name or number", what, kinds[kind]);
	if (pl_rtn_id(c, kind, v->s, id) < 0 || *id > max)
		return pl_err_misuse(e, "%s: unknown %s \"%s\"", what, kinds[kind], v->s);
	return 0;
}

void pl_rtnames_free(struct pl_rtnames *c)
{
	free(c->v);
	c->v = NULL;
	c->n = c->cap = 0;
	c->loaded = c->checked = 0;
	memset(c->last_name, 0, sizeof(c->last_name));
}

struct pl_rtnames *pl_sock_rtnames(struct pl_sock *s)
{
	if (!s->rtn) {
		s->rtn = calloc(1, sizeof(*s->rtn));
		if (!s->rtn)
			return NULL;	/* out of memory: the files are read for each name */
		s->rtn->keep = 1;
	}
	pl_rtnames_recheck(s->rtn);
	return s->rtn;
}

void pl_sock_rtnames_free(struct pl_sock *s)
{
	if (!s->rtn)
		return;
	pl_rtnames_free(s->rtn);
	free(s->rtn);
	s->rtn = NULL;
}
