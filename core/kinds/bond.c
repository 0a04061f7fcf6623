// SPDX-License-Identifier: MIT
/* bond: mode, link monitoring, hashing; ports are enslaved with master = "bond0". */
#include <linux/if_link.h>

#include "../internal.h"

static const struct pl_enum bond_modes[] = {
	{ "balance-rr", 0 }, { "active-backup", 1 }, { "balance-xor", 2 }, { "broadcast", 3 },
	{ "802.3ad", 4 }, { "balance-tlb", 5 }, { "balance-alb", 6 }, { NULL, 0 },
};

static const struct pl_enum bond_xmit_hash[] = {
	{ "layer2", 0 }, { "layer3+4", 1 }, { "layer2+3", 2 }, { "encap2+3", 3 },
	{ "encap3+4", 4 }, { "vlan+srcmac", 5 }, { NULL, 0 },
};

static const struct pl_enum bond_arp_validate[] = {
	{ "none", 0 }, { "active", 1 }, { "backup", 2 }, { "all", 3 }, { "filter", 4 },
	{ "filter_active", 5 }, { "filter_backup", 6 }, { NULL, 0 },
};

static const struct pl_enum bond_arp_all_targets[] = { { "any", 0 }, { "all", 1 }, { NULL, 0 } };

static const struct pl_enum bond_primary_reselect[] = {
	{ "always", 0 }, { "better", 1 }, { "failure", 2 }, { NULL, 0 },
};

static const struct pl_enum bond_fail_over_mac[] = {
	{ "none", 0 }, { "active", 1 }, { "follow", 2 }, { NULL, 0 },
};

static const struct pl_enum bond_lacp_rate[] = { { "slow", 0 }, { "fast", 1 }, { NULL, 0 } };

static const struct pl_enum bond_ad_select[] = {
	{ "stable", 0 }, { "bandwidth", 1 }, { "count", 2 }, { NULL, 0 },
};

static const struct pl_enum bond_lacp_active[] = { { "off", 0 }, { "on", 1 }, { NULL, 0 } };

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
	{ IFLA_BOND_PEER_NOTIF_DELAY, 0, PL_A_U32, 0, "peer_notify_delay", NULL, NULL },
	{ IFLA_BOND_USE_CARRIER, 0, PL_A_U8, PL_F_BOOLIN, "use_carrier", NULL, NULL },
	{ IFLA_BOND_ARP_INTERVAL, 0, PL_A_U32, 0, "arp_interval", NULL, NULL },
	{ IFLA_BOND_MISSED_MAX, 0, PL_A_U8, 0, "arp_missed_max", NULL, NULL },
	{ IFLA_BOND_ARP_VALIDATE, 0, PL_A_U32, 0, "arp_validate", NULL, bond_arp_validate },
	{ IFLA_BOND_ARP_ALL_TARGETS, 0, PL_A_U32, 0, "arp_all_targets", NULL,
	  bond_arp_all_targets },
	{ IFLA_BOND_PRIMARY, 0, PL_A_IFINDEX, 0, "primary", NULL, NULL },
	{ IFLA_BOND_PRIMARY_RESELECT, 0, PL_A_U8, 0, "primary_reselect", NULL,
	  bond_primary_reselect },
	{ IFLA_BOND_FAIL_OVER_MAC, 0, PL_A_U8, 0, "fail_over_mac", NULL, bond_fail_over_mac },
	{ IFLA_BOND_XMIT_HASH_POLICY, 0, PL_A_U8, 0, "xmit_hash_policy", NULL, bond_xmit_hash },
	{ IFLA_BOND_RESEND_IGMP, 0, PL_A_U32, 0, "resend_igmp", NULL, NULL },
	{ IFLA_BOND_NUM_PEER_NOTIF, 0, PL_A_U8, 0, "num_peer_notif", NULL, NULL },
	{ IFLA_BOND_ALL_SLAVES_ACTIVE, 0, PL_A_U8, PL_F_BOOLIN, "all_slaves_active", NULL, NULL },
	{ IFLA_BOND_MIN_LINKS, 0, PL_A_U32, 0, "min_links", NULL, NULL },
	{ IFLA_BOND_LP_INTERVAL, 0, PL_A_U32, 0, "lp_interval", NULL, NULL },
	{ IFLA_BOND_PACKETS_PER_SLAVE, 0, PL_A_U32, 0, "packets_per_slave", NULL, NULL },
	{ IFLA_BOND_AD_LACP_ACTIVE, 0, PL_A_U8, 0, "ad_lacp_active", NULL, bond_lacp_active },
	{ IFLA_BOND_AD_LACP_RATE, 0, PL_A_U8, 0, "ad_lacp_rate", NULL, bond_lacp_rate },
	{ IFLA_BOND_AD_SELECT, 0, PL_A_U8, 0, "ad_select", NULL, bond_ad_select },
	{ IFLA_BOND_AD_ACTOR_SYS_PRIO, 0, PL_A_U16, 0, "ad_actor_sys_prio", NULL, NULL },
	{ IFLA_BOND_AD_USER_PORT_KEY, 0, PL_A_U16, 0, "ad_user_port_key", NULL, NULL },
	{ IFLA_BOND_AD_ACTOR_SYSTEM, 0, PL_A_MAC, 0, "ad_actor_system", NULL, NULL },
	{ IFLA_BOND_TLB_DYNAMIC_LB, 0, PL_A_U8, PL_F_BOOLIN, "tlb_dynamic_lb", NULL, NULL },
};

static const struct pl_attr_desc bond_port_desc[] = {
	{ IFLA_BOND_SLAVE_STATE, 0, PL_A_U8, PL_F_RO, "state", NULL, bond_slave_states },
	{ IFLA_BOND_SLAVE_MII_STATUS, 0, PL_A_U8, PL_F_RO, "mii_status", NULL, bond_mii_status },
	{ IFLA_BOND_SLAVE_LINK_FAILURE_COUNT, 0, PL_A_U32, PL_F_RO, "link_failure_count", NULL,
	  NULL },
	{ IFLA_BOND_SLAVE_PERM_HWADDR, 0, PL_A_MAC, PL_F_RO, "perm_hwaddr", NULL, NULL },
	{ IFLA_BOND_SLAVE_QUEUE_ID, 0, PL_A_U16, 0, "queue_id", NULL, NULL },
	{ IFLA_BOND_SLAVE_PRIO, 0, PL_A_U32, 0, "prio", NULL, NULL },
};

const struct pl_link_kind pl_kind_bond = {
	.name = "bond",
	.data = PL_ATTRS(bond_desc, IFLA_BOND_MAX),
	.slave_key = "bond_port",
	.slave = PL_ATTRS(bond_port_desc, IFLA_BOND_SLAVE_MAX),
};
