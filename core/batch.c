// SPDX-License-Identifier: MIT
/*
 * Batches: changes queued in one buffer, sent many per sendmsg, each with its own sequence
 * number and NLM_F_ACK; the ACKs are gathered afterwards through the receive API (pl_recv,
 * several datagrams per system call) and matched by sequence number (decoded by
 * pl_msg_status, like every reply). rtnetlink handles a sendmsg's messages one after the
 * other inside the call, so when sendmsg returns every ACK of that chunk is queued on the
 * socket: a chunk is sized so that its ACKs fit the receive buffer (and when the kernel drops
 * some all the same, ENOBUFS is reported against every request whose ACK did not come).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "internal.h"

#define PL_BATCH_SNDBUF (1u << 20)
#define PL_BATCH_RCVBUF (8u << 20)
#define PL_BATCH_CHUNK (256u << 10)
/* what one ACK (an error with its text too) costs the receive buffer, generously */
#define PL_ACK_TRUESIZE 2048
#define PL_BATCH_WAIT_MS 10000

struct pl_batch_ent {
	uint32_t seq;
	int index;
	size_t off;			/* where it starts in b->buf */
	uint32_t fld, nfld;		/* its fields in b->fld */
	const char *reqop;		/* the request's op, a literal of core/ */
	char op[PL_BATCH_OPLEN];
	char obj[64];
	int acked;
};

struct pl_batch_field {
	uint32_t off;
	char path[40];
};

static int pl_grow(void **p, size_t *cap, size_t want, size_t size)
{
	size_t n = *cap ? *cap : 64;
	void *q;

	if (want <= *cap)
		return 0;
	while (n < want)
		n *= 2;
	q = realloc(*p, n * size);
	if (!q)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

static int pl_sockbuf(int fd, int force, int plain, int want)
{
	int v = 0;
	socklen_t l = sizeof(v);

	/* As root the buffer may exceed net.core.[rw]mem_max; else the largest allowed. */
	if (setsockopt(fd, SOL_SOCKET, force, &want, sizeof(want)) < 0)
		setsockopt(fd, SOL_SOCKET, plain, &want, sizeof(want));
	if (getsockopt(fd, SOL_SOCKET, plain, &v, &l) < 0)
		return 0;
	return v;
}

int pl_batch_begin(struct pl_batch *b, struct pl_sock *s, struct pl_err *e)
{
	int fd = pl_sock_fd(s), snd, rcv;

	memset(b, 0, sizeof(*b));
	if (fd < 0)
		return pl_err_set(e, EBADF, "batch: handle is closed");
	if (s->batch)
		return pl_err_misuse(e, "a batch is already running on this handle");
	snd = pl_sockbuf(fd, SO_SNDBUFFORCE, SO_SNDBUF, PL_BATCH_SNDBUF);
	rcv = pl_sockbuf(fd, SO_RCVBUFFORCE, SO_RCVBUF,
			 s->batch_rcvbuf > 0 ? s->batch_rcvbuf : (int)PL_BATCH_RCVBUF);
	/* netlink_sendmsg refuses a message longer than sk_sndbuf - 32 */
	b->chunk_bytes = PL_BATCH_CHUNK;
	if (snd > 0 && (size_t)snd / 2 < b->chunk_bytes)
		b->chunk_bytes = (size_t)snd / 2;
	if (b->chunk_bytes < 8192)
		b->chunk_bytes = 8192;
	b->chunk_reqs = rcv > 0 ? (size_t)rcv / PL_ACK_TRUESIZE : 64;
	if (b->chunk_reqs < 16)
		b->chunk_reqs = 16;
	if (s->batch_chunk_reqs > 0)
		b->chunk_reqs = (size_t)s->batch_chunk_reqs;	/* tests: core._batch_limits */
	b->s = s;
	s->batch = b;
	s->divert = pl_batch_hook;
	return 0;
}

void pl_batch_end(struct pl_batch *b)
{
	if (b->s && b->s->batch == b) {
		b->s->batch = NULL;
		b->s->divert = NULL;
	}
	free(b->buf);
	free(b->ent);
	free(b->fld);
	free(b->errs);
	memset(b, 0, sizeof(*b));
}

size_t pl_batch_call(struct pl_batch *b, int index, const char *op)
{
	size_t n = strlen(op);

	b->index = index;
	if (n >= sizeof(b->op))
		n = sizeof(b->op) - 1;
	memcpy(b->op, op, n);
	b->op[n] = '\0';
	b->obj[0] = '\0';
	b->want_flush = 0;
	b->call_flushes = 0;
	return b->nent;
}

int pl_batch_retry(struct pl_batch *b, size_t mark)
{
	struct pl_err e;

	if (!b->want_flush || b->call_flushes)
		return 0;
	pl_batch_rollback(b, mark);
	b->want_flush = 0;
	b->s->building = 0;	/* the call has returned: what it left half-built is gone */
	if (!b->nent)
		return 0;	/* nothing queued before this call could make the name */
	pl_batch_flush(b, &e);
	b->call_flushes = 0;
	b->obj[0] = '\0';
	return 1;
}

void pl_batch_rollback(struct pl_batch *b, size_t mark)
{
	if (mark >= b->nent)
		return;
	/* the requests are back to back: the first one dropped starts where the buffer is cut */
	b->len = b->ent[mark].off;
	b->nfld = b->ent[mark].fld;
	b->nent = mark;
}

size_t pl_batch_pending(const struct pl_batch *b)
{
	return b->nent;
}

void pl_batch_want_flush(struct pl_sock *s)
{
	if (s->batch && s->batch->nent)
		s->batch->want_flush = 1;
}

int pl_batch_failed(const struct pl_batch *b)
{
	return b->nerr && b->errs[b->nerr - 1].index == b->index;
}

static void pl_batch_record(struct pl_batch *b, int index, const char *op, const char *obj,
			    int err, const char *msg)
{
	struct pl_batch_err *x;

	/* calls fail in the order they were made: one failure per call, the first */
	if (b->nerr && b->errs[b->nerr - 1].index >= index)
		return;
	if (pl_grow((void **)&b->errs, &b->caperr, b->nerr + 1, sizeof(*b->errs)) < 0)
		return;
	x = &b->errs[b->nerr++];
	x->index = index;
	x->err = err;
	snprintf(x->op, sizeof(x->op), "%s", op);
	snprintf(x->obj, sizeof(x->obj), "%s", obj);
	snprintf(x->msg, sizeof(x->msg), "%s", msg);
}

void pl_batch_fail(struct pl_batch *b, const struct pl_err *e)
{
	pl_batch_record(b, b->index, b->op, b->obj, e->err, e->msg);
}

int pl_batch_queue(struct pl_req *r, struct pl_err *e)
{
	struct pl_batch *b = r->sock->batch;
	uint32_t len = r->nlh->nlmsg_len;
	struct pl_batch_ent *x;
	int i;

	r->nlh->nlmsg_flags |= NLM_F_ACK;
	/* A chunk is full: send it (its failures are recorded against their calls). */
	if (b->len + NLMSG_ALIGN(len) > b->chunk_bytes || b->nent >= b->chunk_reqs)
		pl_batch_flush(b, e);
	if (pl_grow((void **)&b->buf, &b->cap, b->len + NLMSG_ALIGN(len), 1) < 0 ||
	    pl_grow((void **)&b->ent, &b->capent, b->nent + 1, sizeof(*b->ent)) < 0 ||
	    pl_grow((void **)&b->fld, &b->capfld, b->nfld + (size_t)r->nfields + 1,
		    sizeof(*b->fld)) < 0)
		return pl_err_set(e, ENOMEM, "%s %s: out of memory", r->op, r->obj);
	b->ent[b->nent].off = b->len;
	memcpy(b->buf + b->len, r->nlh, len);
	/* a fresh number, above every queued one: ACKs are matched by a binary search (requests
	 * started but never queued, or queued out of order, leave no trace) */
	((struct nlmsghdr *)(b->buf + b->len))->nlmsg_seq = ++r->sock->seq;
	memset(b->buf + b->len + len, 0, NLMSG_ALIGN(len) - len);
	b->len += NLMSG_ALIGN(len);
	x = &b->ent[b->nent++];
	x->seq = r->sock->seq;
	x->index = b->index;
	x->reqop = r->op;
	x->acked = 0;
	memcpy(x->op, b->op, sizeof(x->op));
	memcpy(x->obj, r->obj, sizeof(x->obj));
	x->fld = (uint32_t)b->nfld;
	x->nfld = (uint32_t)r->nfields;
	for (i = 0; i < r->nfields; i++) {
		b->fld[b->nfld].off = r->field[i].off;
		memcpy(b->fld[b->nfld].path, r->field[i].path, sizeof(b->fld[0].path));
		b->nfld++;
	}
	pl_req_built(r);
	/* Namespace fds the request names are closed when its call returns: send it now. */
	if (r->nfds > 0)
		pl_batch_flush(b, e);
	return 0;
}

int pl_batch_hook(struct pl_req *r, int query, struct pl_err *e)
{
	struct pl_batch *b = r->sock->batch;
	struct pl_err e2;

	if (!b)
		return 0;
	if (!query)
		return pl_batch_queue(r, e) < 0 ? -1 : 1;
	/* A query sees the state the queued changes make: send them first (the query itself
	 * is complete: it is sent next). */
	pl_req_built(r);
	if (b->nent)
		pl_batch_flush(b, &e2);
	return 0;
}

/* Describe the failure of queued request @x as the call alone would have. */
static void pl_batch_ent_fail(struct pl_batch *b, struct pl_batch_ent *x, int err,
			      const char *ack, uint32_t off)
{
	struct pl_req r;
	struct pl_err e;
	uint32_t i;

	memset(&r, 0, sizeof(r));
	r.op = x->reqop;
	snprintf(r.obj, sizeof(r.obj), "%s", x->obj);
	for (i = 0; i < x->nfld && i < PL_REQ_MAXFIELDS; i++) {
		r.field[i].off = b->fld[x->fld + i].off;
		memcpy(r.field[i].path, b->fld[x->fld + i].path, sizeof(r.field[0].path));
	}
	r.nfields = (int)i;
	pl_req_fail(&r, err, ack, off, &e);
	pl_batch_record(b, x->index, x->op, x->obj, err, e.msg);
}

/* The entry of b->ent[0..n) whose request has sequence number @seq, or NULL. */
static struct pl_batch_ent *pl_batch_find(struct pl_batch *b, size_t n, uint32_t seq)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->ent[mid].seq == seq)
			return &b->ent[mid];
		if (b->ent[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct pl_ack_ctx {
	struct pl_batch *b;
	size_t n;		/* the chunk: b->ent[0..n) */
	size_t left;		/* ACKs still to come */
};

/* One message from the socket (pl_recv): an ACK of the chunk is matched and recorded. */
static int pl_batch_ack(const struct nlmsghdr *nlh, void *data, struct pl_err *e)
{
	struct pl_ack_ctx *c = data;
	struct pl_batch_ent *x;
	char text[PL_ERRMSG_MAX];
	const char *ack;
	uint32_t off;
	int err;

	if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_pid != c->b->s->portid)
		return 0;
	x = pl_batch_find(c->b, c->n, nlh->nlmsg_seq);
	if (!x || x->acked)	/* not one of this chunk's ACKs */
		return 0;
	x->acked = 1;
	c->left--;
	err = pl_msg_status(nlh, text, sizeof(text), &ack, &off);
	if (err > 0)
		pl_batch_ent_fail(c->b, x, err, ack, off);
	return 0;
}

/* Gather the ACKs of b->ent[0..n), many datagrams per system call (pl_recv, PL_RECV_MANY):
 * returns 0, or -1 when the socket failed or ACKs were lost (every request without an ACK
 * is then recorded as failed with that error). */
static int pl_batch_acks(struct pl_batch *b, size_t n, struct pl_err *e)
{
	struct pl_ack_ctx c = { b, n, n };
	int fd = pl_sock_fd(b->s), lost = 0;
	size_t i;

	while (c.left) {
		struct pollfd p = { fd, POLLIN, 0 };
		struct pl_err e2;
		int rc, pr;

		rc = pl_recv(b->s, PL_RECV_NONBLOCK | PL_RECV_MANY, pl_batch_ack, &c, &e2);
		if (rc < 0 && e2.err == ENOBUFS) {
			lost = 1;	/* some ACKs were dropped: read the rest, then say which */
			continue;
		}
		if (rc < 0) {
			*e = e2;
			break;
		}
		if (rc > 0)
			continue;
		if (lost)
			break;		/* everything the kernel kept has been read */
		do {
			pr = poll(&p, 1, PL_BATCH_WAIT_MS);
		} while (pr < 0 && errno == EINTR);
		if (pr <= 0) {
			pl_err_set(e, pr == 0 ? ETIMEDOUT : errno, "batch: no ACK for %zu request%s",
				   c.left, c.left > 1 ? "s" : "");
			break;
		}
	}
	if (!c.left)
		return 0;
	if (lost)
		pl_err_set(e, ENOBUFS, "no ACK: the receive buffer overran (ENOBUFS), outcome unknown");
	for (i = 0; i < n; i++) {
		struct pl_batch_ent *x = &b->ent[i];
		char msg[PL_ERRMSG_MAX + 128];

		if (x->acked)
			continue;
		/* named as the request's own failure would be: "route_add 10.1.0.0/24: ..." */
		snprintf(msg, sizeof(msg), "%s%s%s: %s", x->reqop ? x->reqop : x->op,
			 x->obj[0] ? " " : "", x->obj, e->msg);
		pl_batch_record(b, x->index, x->op, x->obj, e->err, msg);
	}
	return -1;
}

int pl_batch_flush(struct pl_batch *b, struct pl_err *e)
{
	struct pl_sock *s = b->s;
	size_t off = 0, i = 0;
	int rc = 0;

	b->want_flush = 0;
	if (b->nent)
		b->call_flushes++;
	while (i < b->nent) {
		size_t j = i, end = off;
		ssize_t n;

		while (j < b->nent && j - i < b->chunk_reqs) {
			const struct nlmsghdr *nlh = (const void *)(b->buf + end);
			size_t l = NLMSG_ALIGN(nlh->nlmsg_len);

			if (j > i && end + l - off > b->chunk_bytes)
				break;
			end += l;
			j++;
		}
		if (s->building)
			s->stats.sends_in_build++;
		s->stats.sends++;
		s->stats.batch_sends++;
		s->stats.batch_requests += j - i;
		do {
			n = send(pl_sock_fd(s), b->buf + off, end - off, 0);
		} while (n < 0 && errno == EINTR);
		if (n < 0) {
			size_t k;

			pl_err_set(e, errno, "batch: netlink send: %s", strerror(errno));
			for (k = i; k < j; k++)
				pl_batch_record(b, b->ent[k].index, b->ent[k].op, b->ent[k].obj,
						e->err, e->msg);
			rc = -1;
		} else {
			/* the chunk's entries, renumbered from 0 for pl_batch_acks */
			struct pl_batch_ent *base = b->ent;

			b->ent = base + i;
			if (pl_batch_acks(b, j - i, e) < 0)
				rc = -1;
			b->ent = base;
		}
		off = end;
		i = j;
	}
	b->len = 0;
	b->nent = 0;
	b->nfld = 0;
	return rc;
}
