// SPDX-License-Identifier: MIT
/* macvlan: mode private / vepa / bridge / passthru / source. */
#include <linux/if_link.h>

#include "../internal.h"

static const struct pl_enum macvlan_modes[] = {
	{ "private", MACVLAN_MODE_PRIVATE }, { "vepa", MACVLAN_MODE_VEPA },
	{ "bridge", MACVLAN_MODE_BRIDGE }, { "passthru", MACVLAN_MODE_PASSTHRU },
	{ "source", MACVLAN_MODE_SOURCE }, { NULL, 0 },
};

static const struct pl_attr_desc macvlan_desc[] = {
	{ IFLA_MACVLAN_MODE, 0, PL_A_U32, 0, "mode", NULL, macvlan_modes },
	{ IFLA_MACVLAN_MACADDR_COUNT, 0, PL_A_U32, PL_F_RO, "macaddr_count", NULL, NULL },
	{ IFLA_MACVLAN_BC_QUEUE_LEN, 0, PL_A_U32, 0, "bcqueuelen", NULL, NULL },
	{ IFLA_MACVLAN_BC_QUEUE_LEN_USED, 0, PL_A_U32, PL_F_RO, "usedbcqueuelen", NULL, NULL },
};

const struct pl_link_kind pl_kind_macvlan = {
	.name = "macvlan",
	.data = PL_ATTRS(macvlan_desc, IFLA_MACVLAN_MAX),
};
