// SPDX-License-Identifier: MIT
/* ipvlan: mode l2 / l3 / l3s; flags bridge / private / vepa (reported as ip does: a key). */
#include <linux/if_link.h>

#include "../internal.h"

static const struct pl_enum ipvlan_modes[] = {
	{ "l2", IPVLAN_MODE_L2 }, { "l3", IPVLAN_MODE_L3 }, { "l3s", IPVLAN_MODE_L3S },
	{ NULL, 0 },
};

static const struct pl_enum ipvlan_flags[] = {
	{ "bridge", 0 }, { "private", IPVLAN_F_PRIVATE }, { "vepa", IPVLAN_F_VEPA }, { NULL, 0 },
};

static const struct pl_attr_desc ipvlan_desc[] = {
	{ IFLA_IPVLAN_MODE, 0, PL_A_U16, 0, "mode", NULL, ipvlan_modes },
	{ IFLA_IPVLAN_FLAGS, 0, PL_A_U16, PL_F_ENUMKEY, "flags", NULL, ipvlan_flags },
};

const struct pl_link_kind pl_kind_ipvlan = {
	.name = "ipvlan",
	.data = PL_ATTRS(ipvlan_desc, IFLA_IPVLAN_MAX),
};
