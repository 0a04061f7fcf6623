// SPDX-License-Identifier: MIT
/*
 * Errors: every core function fills a struct pl_err the caller owns. Kept apart from the
 * netlink engine so that any file (netns.c, resolution) can report without depending on it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

static int pl_err_vset(struct pl_err *e, int err, int misuse, const char *fmt, va_list ap)
{
	e->err = err;
	e->misuse = misuse;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	errno = err;
	return -1;
}

int pl_err_set(struct pl_err *e, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pl_err_vset(e, err, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int pl_err_misuse(struct pl_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pl_err_vset(e, EINVAL, 1, fmt, ap);
	va_end(ap);
	return -1;
}

int pl_err_prefix(struct pl_err *e, const char *op)
{
	char msg[PL_ERRMSG_MAX];

	if (e->misuse)
		return -1;
	snprintf(msg, sizeof(msg), "%s", e->msg);
	return pl_err_set(e, e->err, "%s: %s", op, msg);
}
