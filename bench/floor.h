/* SPDX-License-Identifier: MIT */
/*
 * Shared by the bench floor programs: an rtnetlink socket and one request in flight (send,
 * wait for its ACK, next), the least any library can do per request. Not part of plumb.
 */
#ifndef PLUMB_BENCH_FLOOR_H
#define PLUMB_BENCH_FLOOR_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

struct fl_sock {
	struct mnl_socket *nl;
	unsigned int portid;
	unsigned int seq;
	char buf[1 << 16];	/* a dump's datagrams are at most 32 KiB; requests are small */
};

static inline double fl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline int fl_open(struct fl_sock *s)
{
	int one = 1, rcv = 1 << 20;

	s->nl = mnl_socket_open(NETLINK_ROUTE);
	if (!s->nl || mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return -1;
	s->portid = mnl_socket_get_portid(s->nl);
	s->seq = (unsigned int)time(NULL);
	mnl_socket_setsockopt(s->nl, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	mnl_socket_setsockopt(s->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(s->nl), SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	return 0;
}

static inline struct nlmsghdr *fl_req(struct fl_sock *s, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(s->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++s->seq;
	return nlh;
}

/* Send @nlh and read until its ACK (or, for a dump, NLMSG_DONE); @cb sees each data message. */
static inline int fl_talk(struct fl_sock *s, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	unsigned int seq = nlh->nlmsg_seq;
	ssize_t n;
	int rc;

	if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		n = mnl_socket_recvfrom(s->nl, s->buf, sizeof(s->buf));
		if (n < 0)
			return -1;
		rc = mnl_cb_run(s->buf, (size_t)n, seq, s->portid, cb, data);
	} while (rc > 0);
	return rc < 0 ? -1 : 0;
}

#endif
