// SPDX-License-Identifier: MIT
/*
 * Which parser reads which message: the one table behind dumps, batch replies and events.
 */
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "internal.h"

const char *pl_msg_object(const struct nlmsghdr *nlh, pl_parse_fn *fn, int *del)
{
	const struct rtgenmsg *g;

	*fn = NULL;
	*del = 0;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*g))
		return NULL;
	g = mnl_nlmsg_get_payload(nlh);
	switch (nlh->nlmsg_type) {
	case RTM_DELLINK:
		*del = 1;
		/* fall through */
	case RTM_NEWLINK:
		*fn = pl_link_parse;
		return "link";
	case RTM_DELADDR:
		*del = 1;
		/* fall through */
	case RTM_NEWADDR:
		*fn = pl_addr_parse;
		return "addr";
	case RTM_DELROUTE:
		*del = 1;
		/* fall through */
	case RTM_NEWROUTE:
		*fn = pl_route_parse;
		return "route";
	case RTM_DELNEIGH:
		*del = 1;
		/* fall through */
	case RTM_NEWNEIGH:
		if (g->rtgen_family == AF_BRIDGE) {
			*fn = pl_fdb_parse;
			return "fdb";
		}
		*fn = pl_neigh_parse;
		return "neigh";
	case RTM_DELRULE:
		*del = 1;
		/* fall through */
	case RTM_NEWRULE:
		*fn = pl_rule_parse;
		return "rule";
	case RTM_DELNSID:
		*del = 1;
		/* fall through */
	case RTM_NEWNSID:
		*fn = pl_nsid_parse;
		return "nsid";
	default:
		return NULL;
	}
}
