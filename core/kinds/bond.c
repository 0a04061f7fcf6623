// SPDX-License-Identifier: MIT
/* bond: mode, link monitoring, hashing; ports are enslaved with master = "bond0". */
#include <linux/if_link.h>

#include "../plumb.h"

static const struct pl_enum bond_modes[] = {
	{ "balance-rr", 0 }, { "active-backup", 1 }, { "balance-xor", 2 }, { "broadcast", 3 },
	{ "802.3ad", 4 }, { "balance-tlb", 5 }, { "balance-alb", 6 }, { NULL, 0 },
};

static const struct pl_enum bond_xmit_hash[] = {
	{ "layer2", 0 }, { "layer3+4", 1 }, { "layer2+3", 2 }, { "encap2+3", 3 },
	{ "encap3+4", 4 }, { "vlan+srcmac", 5 }, { NULL, 0 },
};

static const struct pl_enum bond_slave_states[] = {
	{ "ACTIVE", 0 }, { "BACKUP", 1 }, { NULL, 0 },
};

static const struct pl_enum bond_mii_status[] = {
	{ "UP", 0 }, { "GOING_DOWN", 1 }, { "DOWN", 2 }, { "GOING_BACK", 3 }, { NULL, 0 },
};

static const struct pl_attr_desc bond_desc[] = {
	{ IFLA_BOND_MODE, 0, PL_A_U8, 0, "mode", NULL, bond_modes },
	{ IFLA_BOND_ACTIVE_SLAVE, 0, PL_A_IFINDEX, 0, "active_slave", NULL, NULL },
	{ IFLA_BOND_MIIMON, 0, PL_A_U32, 0, "miimon", NULL, NULL },
	{ IFLA_BOND_UPDELAY, 0, PL_A_U32, 0, "updelay", NULL, NULL },
	{ IFLA_BOND_DOWNDELAY, 0, PL_A_U32, 0, "downdelay", NULL, NULL },
	{ IFLA_BOND_USE_CARRIER, 0, PL_A_U8, 0, "use_carrier", NULL, NULL },
	{ IFLA_BOND_ARP_INTERVAL, 0, PL_A_U32, 0, "arp_interval", NULL, NULL },
	{ IFLA_BOND_XMIT_HASH_POLICY, 0, PL_A_U8, 0, "xmit_hash_policy", NULL, bond_xmit_hash },
	{ IFLA_BOND_MIN_LINKS, 0, PL_A_U32, 0, "min_links", NULL, NULL },
};

static const struct pl_attr_desc bond_port_desc[] = {
	{ IFLA_BOND_SLAVE_STATE, 0, PL_A_U8, PL_F_RO, "state", NULL, bond_slave_states },
	{ IFLA_BOND_SLAVE_MII_STATUS, 0, PL_A_U8, PL_F_RO, "mii_status", NULL, bond_mii_status },
	{ IFLA_BOND_SLAVE_LINK_FAILURE_COUNT, 0, PL_A_U32, PL_F_RO, "link_failure_count", NULL,
	  NULL },
	{ IFLA_BOND_SLAVE_PERM_HWADDR, 0, PL_A_MAC, PL_F_RO, "perm_hwaddr", NULL, NULL },
	{ IFLA_BOND_SLAVE_QUEUE_ID, 0, PL_A_U16, 0, "queue_id", NULL, NULL },
};

const struct pl_link_kind pl_kind_bond = {
	.name = "bond",
	.data = PL_ATTRS(bond_desc, IFLA_BOND_MAX),
	.slave_key = "bond_port",
	.slave = PL_ATTRS(bond_port_desc, IFLA_BOND_SLAVE_MAX),
};
