// SPDX-License-Identifier: MIT
/* vlan (802.1Q / 802.1ad): id and protocol (fixed: vlan_changelink ignores both). */
#include <linux/if_link.h>

#include "../internal.h"

static const struct pl_enum vlan_protocols[] = {
	{ "802.1Q", 0x8100 }, { "802.1ad", 0x88a8 }, { NULL, 0 },
};

static const struct pl_attr_desc vlan_desc[] = {
	{ IFLA_VLAN_PROTOCOL, 0, PL_A_BE16, PL_F_FIXED, "protocol", NULL, vlan_protocols },
	{ IFLA_VLAN_ID, 0, PL_A_U16, PL_F_FIXED, "id", NULL, NULL },
	{ IFLA_VLAN_FLAGS, 0, PL_A_VLANFLAGS, PL_F_RO, "flags", NULL, NULL },
};

const struct pl_link_kind pl_kind_vlan = {
	.name = "vlan",
	.data = PL_ATTRS(vlan_desc, IFLA_VLAN_MAX),
};
