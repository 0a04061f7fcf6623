// SPDX-License-Identifier: MIT
/*
 * The netlink engine: socket, request buffer, replies, extended ACK, dumps.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>

#include "internal.h"

#define PL_SBUF_LEN 16384
#define PL_RBUF_LEN 65536
#define PL_RBUF_MAX (4u << 20)
#define PL_DUMP_TRIES 8

/* ---------------------------------------------------------------------------------------- */
/* socket */

static void pl_sockopt(struct pl_sock *s, int opt, int *ok)
{
	int one = 1;

	/* Old kernels lack some options: carry on without them, as iproute2 does. */
	*ok = setsockopt(mnl_socket_get_fd(s->nl), SOL_NETLINK, opt, &one, sizeof(one)) == 0;
}

int pl_sock_open(struct pl_sock *s, const struct pl_nsref *ns, struct pl_err *e)
{
	int fd, rc;

	if (!ns || !(ns->name || ns->pid > 0))
		return pl_sock_open_fd(s, -1, e);
	memset(s, 0, sizeof(*s));
	fd = pl_netns_open(ns, e);
	if (fd < 0)
		return -1;
	rc = pl_sock_open_fd(s, fd, e);
	close(fd);
	return rc;
}

int pl_sock_open_fd(struct pl_sock *s, int fd, struct pl_err *e)
{
	int saved = -1, cap_ack;

	memset(s, 0, sizeof(*s));
	if (fd >= 0 && pl_netns_enter(fd, &saved, e) < 0)
		return -1;
	s->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (saved >= 0) {
		int err = errno;
		struct pl_err e2;

		if (pl_netns_leave(saved, &e2) < 0) {
			if (s->nl)
				mnl_socket_close(s->nl);
			s->nl = NULL;
			*e = e2;
			return -1;
		}
		errno = err;
	}
	if (!s->nl)
		return pl_err_set(e, errno, "open: netlink socket: %s", strerror(errno));
	if (mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = errno;

		pl_sock_close(s);
		return pl_err_set(e, err, "open: netlink bind: %s", strerror(err));
	}
	s->portid = mnl_socket_get_portid(s->nl);
	s->seq = 0;
	pl_sockopt(s, NETLINK_EXT_ACK, &s->ext_ack);
	pl_sockopt(s, NETLINK_GET_STRICT_CHK, &s->strict);
	/* ACKs need not echo the request back: less to copy. */
	pl_sockopt(s, NETLINK_CAP_ACK, &cap_ack);
	s->sbuflen = PL_SBUF_LEN;
	s->rbuflen = PL_RBUF_LEN;
	s->sbuf = malloc(s->sbuflen);
	s->rbuf = malloc(s->rbuflen);
	if (!s->sbuf || !s->rbuf) {
		pl_sock_close(s);
		return pl_err_set(e, ENOMEM, "open: out of memory");
	}
	return 0;
}

void pl_sock_close(struct pl_sock *s)
{
	if (s->nl)
		mnl_socket_close(s->nl);
	s->nl = NULL;
	free(s->sbuf);
	free(s->rbuf);
	free(s->mbuf);
	s->sbuf = s->rbuf = s->mbuf = NULL;
	pl_sock_rtnames_free(s);
}

int pl_sock_fd(const struct pl_sock *s)
{
	return s->nl ? mnl_socket_get_fd(s->nl) : -1;
}

int pl_sock_open_like(struct pl_sock *s, const struct pl_sock *like, struct pl_err *e)
{
	int fd, rc;

	memset(s, 0, sizeof(*s));
	/* The namespace of the socket itself: the caller may have moved since it was opened. */
	fd = ioctl(pl_sock_fd(like), SIOCGSKNS);
	if (fd < 0)
		return pl_err_set(e, errno, "open: netns of the handle: %s", strerror(errno));
	rc = pl_sock_open_fd(s, fd, e);
	close(fd);
	return rc;
}

/* Copy @s after @o bytes of @dst (of @cap bytes, NUL-terminated, truncated); returns the new
 * length. The hot path of every request: no printf. */
static size_t pl_cat(char *dst, size_t o, size_t cap, const char *s)
{
	while (*s && o + 1 < cap)
		dst[o++] = *s++;
	dst[o] = '\0';
	return o;
}

/* ---------------------------------------------------------------------------------------- */
/* request building */

PL_HOT
struct nlmsghdr *pl_req_start(struct pl_req *r, struct pl_sock *s, uint16_t type,
			      uint16_t flags, const char *op, const char *obj)
{
	return pl_req_start_buf(r, s, s->sbuf, s->sbuflen, type, flags, op, obj);
}

PL_HOT
struct nlmsghdr *pl_req_start_buf(struct pl_req *r, struct pl_sock *s, char *buf, size_t cap,
				  uint16_t type, uint16_t flags, const char *op, const char *obj)
{
	r->sock = s;
	r->cap = cap;
	/* Every request is built to the end before anything is sent or another is started:
	 * counted, so that a spec can prove it (plumb.core._stats). */
	s->stats.builds++;
	s->building++;
	r->building = 1;
	r->nlh = mnl_nlmsg_put_header(buf);
	r->nlh->nlmsg_type = type;
	r->nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	r->nlh->nlmsg_seq = ++s->seq;
	r->nlh->nlmsg_pid = 0;
	r->nfds = 0;
	r->nfields = 0;
	r->prefix[0] = '\0';
	r->peer_up = 0;
	r->peer_nsfd = -1;
	r->link_nsfd = -1;
	r->op = op;
	pl_cat(r->obj, 0, sizeof(r->obj), obj ? obj : "");
	if (s->batch)
		pl_cat(s->batch->obj, 0, sizeof(s->batch->obj), r->obj);
	return r->nlh;
}

void pl_req_built(struct pl_req *r)
{
	if (r->building && r->sock->building > 0)
		r->sock->building--;
	r->building = 0;
}

PL_HOT
void pl_req_done(struct pl_req *r)
{
	int i;

	pl_req_built(r);
	for (i = 0; i < r->nfds; i++)
		close(r->fds[i]);
	r->nfds = 0;
}

PL_HOT
void *pl_req_extra(struct pl_req *r, size_t len)
{
	if (r->nlh->nlmsg_len + MNL_ALIGN(len) > r->cap)
		return NULL;
	return mnl_nlmsg_put_extra_header(r->nlh, len);
}

PL_HOT
int pl_req_put(struct pl_req *r, uint16_t type, size_t len, const void *data, struct pl_err *e)
{
	struct nlattr *a = mnl_nlmsg_get_payload_tail(r->nlh);

	if (!mnl_attr_put_check(r->nlh, r->cap, type, len, data))
		return pl_err_set(e, EMSGSIZE, "%s %s: request too large", r->op, r->obj);
	/* libmnl before 1.0.5 leaves the alignment padding as it was: send zeros */
	memset((char *)mnl_attr_get_payload(a) + len, 0, MNL_ALIGN(len) - len);
	return 0;
}

PL_HOT
int pl_req_put_u32(struct pl_req *r, uint16_t type, uint32_t v, struct pl_err *e)
{
	return pl_req_put(r, type, sizeof(v), &v, e);
}

int pl_req_put_str(struct pl_req *r, uint16_t type, const char *s, struct pl_err *e)
{
	return pl_req_put(r, type, strlen(s) + 1, s, e);
}

PL_HOT
struct nlattr *pl_req_nest(struct pl_req *r, uint16_t type, struct pl_err *e)
{
	struct nlattr *n = mnl_attr_nest_start_check(r->nlh, r->cap, type);

	if (!n)
		pl_err_set(e, EMSGSIZE, "%s %s: request too large", r->op, r->obj);
	return n;
}

PL_HOT
void pl_req_nest_end(struct pl_req *r, struct nlattr *nest)
{
	mnl_attr_nest_end(r->nlh, nest);
}

PL_HOT
void pl_req_field(struct pl_req *r, const char *name)
{
	char *p;

	if (r->nfields >= PL_REQ_MAXFIELDS)
		return;
	r->field[r->nfields].off = r->nlh->nlmsg_len;
	p = r->field[r->nfields].path;
	pl_cat(p, pl_cat(p, 0, sizeof(r->field[0].path), r->prefix), sizeof(r->field[0].path),
	       name);
	r->nfields++;
}

int pl_req_keep_fd(struct pl_req *r, int fd, struct pl_err *e)
{
	if (r->nfds >= PL_REQ_MAXFD) {
		close(fd);
		return pl_err_set(e, EMFILE, "%s %s: too many namespaces in one request", r->op,
				  r->obj);
	}
	r->fds[r->nfds++] = fd;
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* replies */

static const char *pl_req_fieldname(const struct pl_req *r, uint32_t off)
{
	int i;

	for (i = 0; i < r->nfields; i++)
		if (r->field[i].off == off)
			return r->field[i].path;
	return NULL;
}

int pl_req_fail(struct pl_req *r, int err, const char *ack, uint32_t off, struct pl_err *e)
{
	const char *field = off ? pl_req_fieldname(r, off) : NULL;
	const char *text = ack && *ack ? ack : strerror(err);
	char hint[96] = "";

	if (err == EPERM || err == EACCES)
		snprintf(hint, sizeof(hint), " (needs CAP_NET_ADMIN in that network namespace)");
	else if (field)
		snprintf(hint, sizeof(hint), " (%s)", field);
	return pl_err_set(e, err, "%s%s%s: %s%s", r->op, r->obj[0] ? " " : "", r->obj, text, hint);
}

/* Read the extended ACK TLVs of an NLMSG_ERROR or NLMSG_DONE message. */
static void pl_ext_ack(const struct nlmsghdr *nlh, size_t hdrlen, const char **msg,
		       uint32_t *off)
{
	const struct nlattr *a;

	*msg = NULL;
	*off = 0;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + hdrlen)
		return;
	mnl_attr_for_each(a, nlh, hdrlen) {
		switch (mnl_attr_get_type(a)) {
		case NLMSGERR_ATTR_MSG:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				*msg = mnl_attr_get_str(a);
			break;
		case NLMSGERR_ATTR_OFFS:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				*off = mnl_attr_get_u32(a);
			break;
		default:
			break;	/* newer kernels add more: skip */
		}
	}
}

/* Strip the kernel's trailing '.' into @buf so "File exists" and "Unknown device type" read
 * alike. */
static const char *pl_ack_text(const char *msg, char *buf, size_t len)
{
	size_t n;

	if (!msg)
		return NULL;
	snprintf(buf, len, "%s", msg);
	n = strlen(buf);
	while (n && (buf[n - 1] == '.' || buf[n - 1] == '\n'))
		buf[--n] = '\0';
	return buf;
}

/* After a receive call failed (errno): 0 when nothing was waiting and the caller asked not to
 * wait, else -1 with @e filled (ENOBUFS: the receive queue overflowed, messages were lost). */
static int pl_recv_failed(int flags, struct pl_err *e)
{
	if ((errno == EAGAIN || errno == EWOULDBLOCK) && flags & PL_RECV_NONBLOCK)
		return 0;
	if (errno == ENOBUFS)
		return pl_err_set(e, ENOBUFS, "netlink receive: %s (messages were lost)",
				  strerror(ENOBUFS));
	return pl_err_set(e, errno, "netlink receive: %s", strerror(errno));
}

/* Receive one datagram into the socket buffer; returns its length, 0 for one that is not
 * from the kernel (or, with PL_RECV_NONBLOCK, when nothing is waiting: *@none is set), -1 on
 * error. A datagram larger than the buffer grows it and fails with EMSGSIZE (the caller
 * restarts); an overflowed receive queue fails with ENOBUFS. */
static ssize_t pl_recv_buf(struct pl_sock *s, int flags, int *none, struct pl_err *e)
{
	struct sockaddr_nl sa;
	struct iovec iov = { s->rbuf, s->rbuflen };
	struct msghdr msg = {
		.msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n;

	*none = 0;
	do {
		n = recvmsg(pl_sock_fd(s), &msg,
			    MSG_TRUNC | (flags & PL_RECV_NONBLOCK ? MSG_DONTWAIT : 0));
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (pl_recv_failed(flags, e) < 0)
			return -1;
		*none = 1;
		return 0;
	}
	if (msg.msg_flags & MSG_TRUNC || (size_t)n > s->rbuflen) {
		size_t want = s->rbuflen;
		char *nb;

		while (want < (size_t)n && want < PL_RBUF_MAX)
			want *= 2;
		nb = want > s->rbuflen ? realloc(s->rbuf, want) : NULL;
		if (nb) {
			s->rbuf = nb;
			s->rbuflen = want;
		}
		return pl_err_set(e, EMSGSIZE, "netlink receive: reply of %zd bytes truncated", n);
	}
	if (sa.nl_pid != 0)
		return 0;	/* not from the kernel: ignore */
	return n;
}

/* mnl_nlmsg_ok() compares nlmsg_len as an int: a length of 2^31 or more passes it, and
 * mnl_nlmsg_next() then steps far outside the buffer (or, at 2^32 - 3 and up, not at all). */
static int pl_nlmsg_ok(const struct nlmsghdr *nlh, int len)
{
	return mnl_nlmsg_ok(nlh, len) && nlh->nlmsg_len <= (uint32_t)len;
}

/* Pass each message of the datagram @buf (@n bytes) to @cb: 0, or -1 when @cb failed. */
static int pl_recv_msgs(const char *buf, ssize_t n, pl_msg_cb cb, void *data, struct pl_err *e)
{
	const struct nlmsghdr *nlh;
	int len = (int)n;

	for (nlh = (const struct nlmsghdr *)buf; pl_nlmsg_ok(nlh, len);
	     nlh = mnl_nlmsg_next(nlh, &len)) {
		int rc;

		if (nlh->nlmsg_type == NLMSG_NOOP)
			continue;
		rc = cb(nlh, data, e);
		if (rc < 0)
			return -1;
		if (rc > 0)
			break;
	}
	return 0;
}

/* PL_RECV_MANY: several datagrams per recvmmsg. */
static int pl_recv_many(struct pl_sock *s, int flags, pl_msg_cb cb, void *data,
			struct pl_err *e)
{
	struct mmsghdr mm[PL_RECV_NSLOT];
	struct iovec iov[PL_RECV_NSLOT];
	struct sockaddr_nl sa[PL_RECV_NSLOT];
	int got, k;

	if (!s->mbuf && !(s->mbuf = malloc((size_t)PL_RECV_NSLOT * PL_RECV_SLOT)))
		return pl_err_set(e, ENOMEM, "netlink receive: out of memory");
	for (k = 0; k < PL_RECV_NSLOT; k++) {
		iov[k].iov_base = s->mbuf + (size_t)k * PL_RECV_SLOT;
		iov[k].iov_len = PL_RECV_SLOT;
		memset(&mm[k], 0, sizeof(mm[k]));
		mm[k].msg_hdr.msg_iov = &iov[k];
		mm[k].msg_hdr.msg_iovlen = 1;
		mm[k].msg_hdr.msg_name = &sa[k];
		mm[k].msg_hdr.msg_namelen = sizeof(sa[k]);
	}
	do {
		got = recvmmsg(pl_sock_fd(s), mm, PL_RECV_NSLOT,
			       MSG_TRUNC | (flags & PL_RECV_NONBLOCK ? MSG_DONTWAIT : MSG_WAITFORONE),
			       NULL);
	} while (got < 0 && errno == EINTR);
	if (got < 0)
		return pl_recv_failed(flags, e);
	for (k = 0; k < got; k++) {
		if (mm[k].msg_hdr.msg_flags & MSG_TRUNC || mm[k].msg_len > PL_RECV_SLOT)
			return pl_err_set(e, EMSGSIZE, "netlink receive: reply of %u bytes truncated",
					  mm[k].msg_len);
		if (sa[k].nl_pid != 0)
			continue;	/* not from the kernel: ignore */
		if (pl_recv_msgs(s->mbuf + (size_t)k * PL_RECV_SLOT, (ssize_t)mm[k].msg_len, cb,
				 data, e) < 0)
			return -1;
	}
	return 1;
}

PL_HOT
int pl_recv(struct pl_sock *s, int flags, pl_msg_cb cb, void *data, struct pl_err *e)
{
	int none;
	ssize_t n;

	if (!s->nl)
		return pl_err_set(e, EBADF, "netlink receive: handle is closed");
	if (flags & PL_RECV_MANY)
		return pl_recv_many(s, flags, cb, data, e);
	n = pl_recv_buf(s, flags, &none, e);
	if (n < 0)
		return -1;
	if (none)
		return 0;
	return pl_recv_msgs(s->rbuf, n, cb, data, e) < 0 ? -1 : 1;
}

/* The errno in the error field of an NLMSG_ERROR or NLMSG_DONE (a negative errno); a value
 * no kernel sends (positive, or beyond MAX_ERRNO: -INT_MIN would overflow) reads as EBADMSG. */
static int pl_reply_errno(int error)
{
	return error < 0 && error > -4096 ? -error : EBADMSG;
}

PL_HOT
int pl_msg_status(const struct nlmsghdr *nlh, char *buf, size_t len, const char **ack,
		  uint32_t *off)
{
	*ack = NULL;
	*off = 0;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
		size_t hl = sizeof(*err);

		if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*err))
			return EBADMSG;
		if (err->error == 0)
			return 0;
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			hl += err->msg.nlmsg_len - NLMSG_HDRLEN;
		pl_ext_ack(nlh, hl, ack, off);
		*ack = pl_ack_text(*ack, buf, len);
		return pl_reply_errno(err->error);
	}
	if (nlh->nlmsg_type == NLMSG_DONE) {
		int derr = 0;

		if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
			derr = *(const int *)mnl_nlmsg_get_payload(nlh);
		if (derr >= 0)
			return 0;
		pl_ext_ack(nlh, sizeof(int), ack, off);
		*ack = pl_ack_text(*ack, buf, len);
		return pl_reply_errno(derr);
	}
	return -1;
}

/* What pl_replies collects while the messages of one request arrive. */
struct pl_replies_ctx {
	struct pl_sock *s;
	struct pl_req *r;
	uint32_t seq;
	pl_msg_cb cb;
	void *data;
	int *intr;
	int done;
};

static int pl_replies_cb(const struct nlmsghdr *nlh, void *data, struct pl_err *e)
{
	struct pl_replies_ctx *c = data;
	char ackbuf[PL_ERRMSG_MAX];
	const char *ack;
	uint32_t off;
	int err;

	/* Left over from an abandoned request, or an event: not ours. */
	if (nlh->nlmsg_seq != c->seq || nlh->nlmsg_pid != c->s->portid)
		return 0;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		*c->intr = 1;
	if (nlh->nlmsg_type == NLMSG_OVERRUN)
		return pl_err_set(e, ENOBUFS, "netlink: overrun");
	err = pl_msg_status(nlh, ackbuf, sizeof(ackbuf), &ack, &off);
	if (err < 0)
		return c->cb ? c->cb(nlh, c->data, e) : 0;
	if (err == EBADMSG && nlh->nlmsg_type == NLMSG_ERROR &&
	    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct nlmsgerr))
		return pl_err_set(e, EBADMSG, "netlink: short error message");
	c->done = 1;
	if (err == 0)
		return 1;
	if (c->r)
		return pl_req_fail(c->r, err, ack, off, e);
	return pl_err_set(e, err, "%s", ack ? ack : strerror(err));
}

/*
 * Read replies to request @seq until its ACK or DONE (or, with @once, one buffer's worth).
 * Returns 0 when the reply is complete, 1 when more follows (only with @once), -1 on error.
 */
static int pl_replies(struct pl_sock *s, struct pl_req *r, uint32_t seq, pl_msg_cb cb,
		      void *data, int *intr, int once, struct pl_err *e)
{
	struct pl_replies_ctx c = { s, r, seq, cb, data, intr, 0 };

	for (;;) {
		if (pl_recv(s, 0, pl_replies_cb, &c, e) < 0)
			return -1;
		if (c.done)
			return 0;
		if (once)
			return 1;
	}
}

/* Read and drop whatever the kernel has queued or still has to send for a dump that was
 * given up: each receive makes the kernel queue the dump's next part, until its end. Bounded:
 * a dump of 4 GiB at most. */
static void pl_drain(struct pl_sock *s)
{
	int i;

	for (i = 0; i < 65536; i++) {
		ssize_t n = recv(pl_sock_fd(s), s->rbuf, s->rbuflen, MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;
	}
}

PL_HOT
static int pl_send(struct pl_req *r, struct pl_err *e)
{
	struct pl_sock *s = r->sock;
	ssize_t n;

	if (s->building > r->building)
		s->stats.sends_in_build++;
	pl_req_built(r);
	s->stats.sends++;
	n = mnl_socket_sendto(r->sock->nl, r->nlh, r->nlh->nlmsg_len);
	if (n < 0)
		return pl_err_set(e, errno, "%s %s: netlink send: %s", r->op, r->obj,
				  strerror(errno));
	return 0;
}

PL_HOT
int pl_talk(struct pl_req *r, pl_msg_cb cb, void *data, struct pl_err *e)
{
	int intr = 0, tries;

	if (!r->sock->nl)
		return pl_err_set(e, EBADF, "%s: handle is closed", r->op);
	if (r->sock->divert) {
		int q = r->sock->divert(r, cb || (r->nlh->nlmsg_type & 3) == 2, e);

		if (q != 0)
			return q < 0 ? -1 : 0;
	}
	r->nlh->nlmsg_flags |= NLM_F_ACK;
	for (tries = 0; tries < 3; tries++) {
		int rc;

		if (pl_send(r, e) < 0)
			return -1;
		rc = pl_replies(r->sock, r, r->nlh->nlmsg_seq, cb, data, &intr, 0, e);
		/* A reply larger than the buffer was dropped; the buffer grew: ask again, for a
		 * query only (a change must not be applied twice). */
		if (rc < 0 && e->err == EMSGSIZE && !(r->nlh->nlmsg_flags & (NLM_F_CREATE |
		    NLM_F_EXCL | NLM_F_REPLACE | NLM_F_APPEND)) &&
		    (r->nlh->nlmsg_type & 3) == 2 /* RTM_GET* */) {
			r->nlh->nlmsg_seq = ++r->sock->seq;
			continue;
		}
		return rc;
	}
	return -1;
}

void pl_dump_reset_sink(void *data)
{
	struct pl_sink *k = *(struct pl_sink **)data;

	if (k->reset)
		k->reset(k);
}

int pl_dump(struct pl_req *r, pl_msg_cb cb, pl_reset_cb reset, void *data, struct pl_err *e)
{
	int tries;

	if (!r->sock->nl)
		return pl_err_set(e, EBADF, "%s: handle is closed", r->op);
	if (r->sock->divert && r->sock->divert(r, 1, e) < 0)
		return -1;
	r->nlh->nlmsg_flags |= NLM_F_DUMP;
	for (tries = 0; tries < PL_DUMP_TRIES; tries++) {
		int intr = 0, rc;

		if (tries) {
			r->nlh->nlmsg_seq = ++r->sock->seq;
			if (reset)
				reset(data);
		}
		if (pl_send(r, e) < 0)
			return -1;
		rc = pl_replies(r->sock, r, r->nlh->nlmsg_seq, cb, data, &intr, 0, e);
		if (rc < 0 && e->err == EMSGSIZE) {
			/* The buffer grew: start again, once the kernel has finished this dump (it
			 * runs one dump per socket and refuses another with EBUSY). */
			pl_drain(r->sock);
			continue;
		}
		if (rc < 0)
			return -1;
		if (!intr)
			return 0;
		r->sock->dump_restarts++;	/* interrupted: start again, from a clean sink */
	}
	return pl_err_set(e, EINTR, "%s%s%s: dump interrupted by concurrent changes %d times",
			  r->op, r->obj[0] ? " " : "", r->obj, PL_DUMP_TRIES);
}

int pl_dump_start(struct pl_req *r, struct pl_err *e)
{
	if (!r->sock->nl)
		return pl_err_set(e, EBADF, "%s: handle is closed", r->op);
	if (r->sock->divert && r->sock->divert(r, 1, e) < 0)
		return -1;
	r->nlh->nlmsg_flags |= NLM_F_DUMP;
	return pl_send(r, e);
}

int pl_dump_next(struct pl_sock *s, uint32_t seq, pl_msg_cb cb, void *data, int *intr,
		 struct pl_err *e)
{
	int rc = pl_replies(s, NULL, seq, cb, data, intr, 1, e);

	if (rc == 0 && *intr)
		return pl_err_set(e, EINTR, "dump interrupted by a concurrent change");
	return rc;
}
