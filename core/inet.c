// SPDX-License-Identifier: MIT
/*
 * IP prefixes ("10.0.0.0/24") and address family names, shared by addresses, neighbours,
 * rules and routes.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

size_t pl_family_addrlen(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

const char *pl_family_name(int family)
{
	return family == AF_INET ? "inet" : family == AF_INET6 ? "inet6" : NULL;
}

PL_HOT
int pl_prefix_parse(const char *s, struct pl_prefix *p)
{
	char abuf[INET6_ADDRSTRLEN + 1];
	unsigned long n = 0;
	const char *slash, *d;
	size_t alen;

	memset(p, 0, sizeof(*p));
	if (pl_parse_in4(s, '/', &slash, p->addr) == 0) {	/* the common case */
		p->family = AF_INET;
	} else {
		slash = strchr(s, '/');
		alen = slash ? (size_t)(slash - s) : strlen(s);
		if (alen == 0 || alen >= sizeof(abuf))
			return -1;
		memcpy(abuf, s, alen);
		abuf[alen] = '\0';
		if (pl_parse_inet(abuf, p->addr, &p->family) < 0)
			return -1;
	}
	p->len = (int)pl_family_addrlen(p->family) * 8;
	if (!slash || *slash != '/')
		return 0;
	/* Decimal digits only: no sign, no spaces, no "0x". */
	for (d = slash + 1; *d; d++) {
		if (*d < '0' || *d > '9' || d - slash > 3)
			return -2;
		n = n * 10 + (unsigned long)(*d - '0');
	}
	if (d == slash + 1 || n > (unsigned long)p->len)
		return -2;
	p->len = (int)n;
	p->has_len = 1;
	return 0;
}

PL_HOT
int pl_val_prefix(const struct pl_val *v, const char *what, int no_len, struct pl_prefix *p,
		  struct pl_err *e)
{
	int rc;

	if (v->kind != PL_V_STR)
		return pl_err_misuse(e, "%s: expected an IP %s string, got %s", what,
				     no_len ? "address" : "prefix",
				     v->kind == PL_V_NIL ? "nil" : v->kind == PL_V_TABLE ?
				     "a table" : "a non-string");
	rc = pl_prefix_parse(v->s, p);
	if (rc == -2 && no_len)
		rc = -1;
	if (rc == 0 && no_len && p->has_len)
		rc = -1;
	if (rc == -1)
		return pl_err_misuse(e, "%s: malformed IP %s \"%s\"", what,
				     no_len ? "address" : "prefix", v->s);
	if (rc == -2)
		return pl_err_misuse(e, "%s: bad prefix length in \"%s\" (0..%d)", what, v->s,
				     strchr(v->s, ':') ? 128 : 32);
	return 0;
}

const char *pl_prefix_fmt(const struct pl_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family, p->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (p->has_len)
		snprintf(buf, len, "%s/%d", a, p->len);
	else
		snprintf(buf, len, "%s", a);
	return buf;
}

int pl_val_family(const struct pl_val *v, const char *what, int *family, struct pl_err *e)
{
	if (v->kind == PL_V_NIL) {
		*family = AF_UNSPEC;
		return 0;
	}
	if (v->kind == PL_V_STR && strcmp(v->s, "inet") == 0)
		*family = AF_INET;
	else if (v->kind == PL_V_STR && strcmp(v->s, "inet6") == 0)
		*family = AF_INET6;
	else
		return pl_err_misuse(e, "%s: expected \"inet\" or \"inet6\"%s%s%s", what,
				     v->kind == PL_V_STR ? ", got \"" : "",
				     v->kind == PL_V_STR ? v->s : "",
				     v->kind == PL_V_STR ? "\"" : "");
	return 0;
}

int pl_src_bool(struct pl_source *src, const char *key, int *b, struct pl_err *e)
{
	struct pl_val v;

	pl_get(src, key, &v);
	return pl_val_bool(&v, key, b, e);
}

int pl_val_bool(const struct pl_val *v, const char *what, int *b, struct pl_err *e)
{
	if (v->kind == PL_V_NIL) {
		*b = 0;
		return 0;
	}
	if (v->kind != PL_V_BOOL)
		return pl_err_misuse(e, "%s: expected a boolean", what);
	*b = v->b;
	return 0;
}
