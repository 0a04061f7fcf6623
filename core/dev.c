// SPDX-License-Identifier: MIT
/*
 * Device names <-> ifindex, resolved before a request is built and without a netlink round
 * trip: SIOCGIFINDEX and SIOCGIFNAME on the handle's own netlink socket, which the kernel
 * answers in the socket's network namespace (sock_do_ioctl hands any socket's unknown ioctl
 * to dev_ioctl with sock_net()), in well under a microsecond and with nothing to read back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <net/if.h>

#include "internal.h"

int pl_dev_name_check(const struct pl_val *v, const char *what, struct pl_err *e)
{
	if (v->kind != PL_V_STR)
		return pl_err_misuse(e, "%s: expected an interface name, got %s", what,
				     v->kind == PL_V_NIL ? "nil" : "a non-string");
	if (v->len == 0 || v->len >= IFNAMSIZ)
		return pl_err_misuse(e, "%s: interface name \"%s\" must be 1 to %d bytes", what,
				     v->s, IFNAMSIZ - 1);
	if (strchr(v->s, '/') || strpbrk(v->s, " \t\n:") || strcmp(v->s, ".") == 0 ||
	    strcmp(v->s, "..") == 0)
		return pl_err_misuse(e, "%s: invalid interface name \"%s\"", what, v->s);
	return 0;
}

PL_HOT
int pl_link_index(struct pl_sock *s, const char *name, struct pl_err *e)
{
	struct ifreq ifr;
	size_t n = strlen(name);

	if (pl_sock_fd(s) < 0)
		return pl_err_set(e, EBADF, "link_get %s: handle is closed", name);
	if (n == 0 || n >= IFNAMSIZ)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, n);
	s->stats.resolves++;
	if (ioctl(pl_sock_fd(s), SIOCGIFINDEX, &ifr) < 0) {
		if (errno == ENODEV)
			return 0;
		return pl_err_set(e, errno, "link_get %s: %s", name, strerror(errno));
	}
	return ifr.ifr_ifindex > 0 ? ifr.ifr_ifindex : 0;
}

int pl_link_name(struct pl_sock *s, int idx, char *buf, size_t len, struct pl_err *e)
{
	struct ifreq ifr;

	buf[0] = '\0';
	if (pl_sock_fd(s) < 0)
		return pl_err_set(e, EBADF, "link_get %d: handle is closed", idx);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = idx;
	s->stats.resolves++;
	if (ioctl(pl_sock_fd(s), SIOCGIFNAME, &ifr) < 0) {
		if (errno == ENODEV)
			return 0;
		return pl_err_set(e, errno, "link_get %d: %s", idx, strerror(errno));
	}
	snprintf(buf, len, "%.*s", IFNAMSIZ, ifr.ifr_name);
	return buf[0] != '\0';
}

PL_HOT
int pl_link_dev(struct pl_sock *s, const struct pl_val *v, const char *what, struct pl_err *e)
{
	int idx;

	if (v->kind == PL_V_INT) {
		if (v->i <= 0 || v->i > INT32_MAX)
			return pl_err_misuse(e, "%s: invalid ifindex %lld", what, v->i);
		return (int)v->i;
	}
	if (pl_dev_name_check(v, what, e) < 0)
		return -1;
	idx = pl_link_index(s, v->s, e);
	if (idx < 0)
		return -1;
	if (idx == 0) {
		/* In a batch the device may be one that a queued request creates: the caller
		 * sends what is queued and builds this request again (see core/batch.c). */
		if (s->batch)
			pl_batch_want_flush(s);
		return pl_err_set(e, ENODEV, "%s %s: No such device", what, v->s);
	}
	return idx;
}
