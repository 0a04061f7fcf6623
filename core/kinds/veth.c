// SPDX-License-Identifier: MIT
/* veth: a pair; the peer (name, netns, mtu, address, ...) nests a whole ifinfomsg. */
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <string.h>

#include "../internal.h"
#include "../kind.h"

/* peer = { name = "eth0", netns = "c1", mtu = 1500, address = "..." } */
static int veth_put(struct pl_req *r, struct pl_source *src, struct pl_err *e)
{
	return pl_link_put_peer(r, src, VETH_INFO_PEER, e);
}

const struct pl_link_kind pl_kind_veth = {
	.name = "veth",
	.put = veth_put,
};
