// SPDX-License-Identifier: MIT
/* vrf: the routing table it binds. */
#include <linux/if_link.h>

#include "../internal.h"

static const struct pl_attr_desc vrf_desc[] = {
	{ IFLA_VRF_TABLE, 0, PL_A_U32, PL_F_FIXED, "table", NULL, NULL },
};

static const struct pl_attr_desc vrf_port_desc[] = {
	{ IFLA_VRF_PORT_TABLE, 0, PL_A_U32, PL_F_RO, "table", NULL, NULL },
};

const struct pl_link_kind pl_kind_vrf = {
	.name = "vrf",
	.data = PL_ATTRS(vrf_desc, IFLA_VRF_MAX),
	.slave = PL_ATTRS(vrf_port_desc, IFLA_VRF_PORT_MAX),
};
