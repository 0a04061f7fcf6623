// SPDX-License-Identifier: MIT
/* bridge: INFO_DATA IFLA_BR_*, and its ports' INFO_SLAVE_DATA IFLA_BRPORT_*. */
#include <libmnl/libmnl.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>

#include "../internal.h"

static const struct pl_enum br_vlan_protocols[] = {
	{ "802.1Q", 0x8100 }, { "802.1ad", 0x88a8 }, { NULL, 0 },
};

static const struct pl_attr_desc bridge_desc[] = {
	{ IFLA_BR_FORWARD_DELAY, 0, PL_A_U32, 0, "forward_delay", NULL, NULL },
	{ IFLA_BR_HELLO_TIME, 0, PL_A_U32, 0, "hello_time", NULL, NULL },
	{ IFLA_BR_MAX_AGE, 0, PL_A_U32, 0, "max_age", NULL, NULL },
	{ IFLA_BR_AGEING_TIME, 0, PL_A_U32, 0, "ageing_time", NULL, NULL },
	{ IFLA_BR_STP_STATE, 0, PL_A_U32, PL_F_BOOLIN, "stp", "stp_state", NULL },
	{ IFLA_BR_PRIORITY, 0, PL_A_U16, 0, "priority", NULL, NULL },
	{ IFLA_BR_VLAN_FILTERING, 0, PL_A_U8, PL_F_BOOLIN, "vlan_filtering", NULL, NULL },
	{ IFLA_BR_VLAN_PROTOCOL, 0, PL_A_BE16, 0, "vlan_protocol", NULL, br_vlan_protocols },
	{ IFLA_BR_VLAN_DEFAULT_PVID, 0, PL_A_U16, 0, "vlan_default_pvid", NULL, NULL },
	{ IFLA_BR_VLAN_STATS_ENABLED, 0, PL_A_U8, PL_F_BOOLIN, "vlan_stats_enabled", NULL, NULL },
	{ IFLA_BR_VLAN_STATS_PER_PORT, 0, PL_A_U8, PL_F_BOOLIN, "vlan_stats_per_port", NULL,
	  NULL },
	{ IFLA_BR_BRIDGE_ID, 0, PL_A_BRID, PL_F_RO, "bridge_id", NULL, NULL },
	{ IFLA_BR_ROOT_ID, 0, PL_A_BRID, PL_F_RO, "root_id", NULL, NULL },
	{ IFLA_BR_ROOT_PORT, 0, PL_A_U16, PL_F_RO, "root_port", NULL, NULL },
	{ IFLA_BR_ROOT_PATH_COST, 0, PL_A_U32, PL_F_RO, "root_path_cost", NULL, NULL },
	{ IFLA_BR_TOPOLOGY_CHANGE, 0, PL_A_U8, PL_F_RO, "topology_change", NULL, NULL },
	{ IFLA_BR_TOPOLOGY_CHANGE_DETECTED, 0, PL_A_U8, PL_F_RO, "topology_change_detected",
	  NULL, NULL },
	{ IFLA_BR_HELLO_TIMER, 0, PL_A_CLOCK, PL_F_RO, "hello_timer", NULL, NULL },
	{ IFLA_BR_TCN_TIMER, 0, PL_A_CLOCK, PL_F_RO, "tcn_timer", NULL, NULL },
	{ IFLA_BR_TOPOLOGY_CHANGE_TIMER, 0, PL_A_CLOCK, PL_F_RO, "topology_change_timer", NULL,
	  NULL },
	{ IFLA_BR_GC_TIMER, 0, PL_A_CLOCK, PL_F_RO, "gc_timer", NULL, NULL },
	{ IFLA_BR_GROUP_FWD_MASK, 0, PL_A_U16, PL_F_STRNUM, "group_fwd_mask", NULL, NULL },
	{ IFLA_BR_GROUP_ADDR, 0, PL_A_MAC, 0, "group_addr", NULL, NULL },
	{ IFLA_BR_MCAST_SNOOPING, 0, PL_A_U8, PL_F_BOOLIN, "mcast_snooping", NULL, NULL },
	{ IFLA_BR_MCAST_ROUTER, 0, PL_A_U8, 0, "mcast_router", NULL, NULL },
	{ IFLA_BR_MCAST_QUERY_USE_IFADDR, 0, PL_A_U8, PL_F_BOOLIN, "mcast_query_use_ifaddr",
	  NULL, NULL },
	{ IFLA_BR_MCAST_QUERIER, 0, PL_A_U8, PL_F_BOOLIN, "mcast_querier", NULL, NULL },
	{ IFLA_BR_MCAST_HASH_ELASTICITY, 0, PL_A_U32, 0, "mcast_hash_elasticity", NULL, NULL },
	{ IFLA_BR_MCAST_HASH_MAX, 0, PL_A_U32, 0, "mcast_hash_max", NULL, NULL },
	{ IFLA_BR_MCAST_LAST_MEMBER_CNT, 0, PL_A_U32, 0, "mcast_last_member_cnt", NULL, NULL },
	{ IFLA_BR_MCAST_STARTUP_QUERY_CNT, 0, PL_A_U32, 0, "mcast_startup_query_cnt", NULL,
	  NULL },
	{ IFLA_BR_MCAST_LAST_MEMBER_INTVL, 0, PL_A_U64, 0, "mcast_last_member_intvl", NULL,
	  NULL },
	{ IFLA_BR_MCAST_MEMBERSHIP_INTVL, 0, PL_A_U64, 0, "mcast_membership_intvl", NULL, NULL },
	{ IFLA_BR_MCAST_QUERIER_INTVL, 0, PL_A_U64, 0, "mcast_querier_intvl", NULL, NULL },
	{ IFLA_BR_MCAST_QUERY_INTVL, 0, PL_A_U64, 0, "mcast_query_intvl", NULL, NULL },
	{ IFLA_BR_MCAST_QUERY_RESPONSE_INTVL, 0, PL_A_U64, 0, "mcast_query_response_intvl",
	  NULL, NULL },
	{ IFLA_BR_MCAST_STARTUP_QUERY_INTVL, 0, PL_A_U64, 0, "mcast_startup_query_intvl", NULL,
	  NULL },
	{ IFLA_BR_MCAST_STATS_ENABLED, 0, PL_A_U8, PL_F_BOOLIN, "mcast_stats_enabled", NULL,
	  NULL },
	{ IFLA_BR_MCAST_IGMP_VERSION, 0, PL_A_U8, 0, "mcast_igmp_version", NULL, NULL },
	{ IFLA_BR_MCAST_MLD_VERSION, 0, PL_A_U8, 0, "mcast_mld_version", NULL, NULL },
	{ IFLA_BR_NF_CALL_IPTABLES, 0, PL_A_U8, PL_F_BOOLIN, "nf_call_iptables", NULL, NULL },
	{ IFLA_BR_NF_CALL_IP6TABLES, 0, PL_A_U8, PL_F_BOOLIN, "nf_call_ip6tables", NULL, NULL },
	{ IFLA_BR_NF_CALL_ARPTABLES, 0, PL_A_U8, PL_F_BOOLIN, "nf_call_arptables", NULL, NULL },
};

static const struct pl_enum brport_states[] = {
	{ "disabled", 0 }, { "listening", 1 }, { "learning", 2 }, { "forwarding", 3 },
	{ "blocking", 4 }, { NULL, 0 },
};

#define BOOL_ATTR (PL_F_BOOLIN | PL_F_BOOLOUT)

static const struct pl_attr_desc brport_desc[] = {
	{ IFLA_BRPORT_STATE, 0, PL_A_U8, 0, "state", NULL, brport_states },
	{ IFLA_BRPORT_PRIORITY, 0, PL_A_U16, 0, "priority", NULL, NULL },
	{ IFLA_BRPORT_COST, 0, PL_A_U32, 0, "cost", NULL, NULL },
	{ IFLA_BRPORT_MODE, 0, PL_A_U8, BOOL_ATTR, "hairpin", NULL, NULL },
	{ IFLA_BRPORT_GUARD, 0, PL_A_U8, BOOL_ATTR, "guard", NULL, NULL },
	{ IFLA_BRPORT_PROTECT, 0, PL_A_U8, BOOL_ATTR, "root_block", NULL, NULL },
	{ IFLA_BRPORT_FAST_LEAVE, 0, PL_A_U8, BOOL_ATTR, "fastleave", NULL, NULL },
	{ IFLA_BRPORT_LEARNING, 0, PL_A_U8, BOOL_ATTR, "learning", NULL, NULL },
	{ IFLA_BRPORT_UNICAST_FLOOD, 0, PL_A_U8, BOOL_ATTR, "flood", NULL, NULL },
	{ IFLA_BRPORT_ID, 0, PL_A_HEX16, PL_F_RO, "id", NULL, NULL },
	{ IFLA_BRPORT_NO, 0, PL_A_HEX16, PL_F_RO, "no", NULL, NULL },
	{ IFLA_BRPORT_DESIGNATED_PORT, 0, PL_A_U16, PL_F_RO, "designated_port", NULL, NULL },
	{ IFLA_BRPORT_DESIGNATED_COST, 0, PL_A_U16, PL_F_RO, "designated_cost", NULL, NULL },
	{ IFLA_BRPORT_BRIDGE_ID, 0, PL_A_BRID, PL_F_RO, "bridge_id", NULL, NULL },
	{ IFLA_BRPORT_ROOT_ID, 0, PL_A_BRID, PL_F_RO, "root_id", NULL, NULL },
	{ IFLA_BRPORT_HOLD_TIMER, 0, PL_A_CLOCK, PL_F_RO, "hold_timer", NULL, NULL },
	{ IFLA_BRPORT_MESSAGE_AGE_TIMER, 0, PL_A_CLOCK, PL_F_RO, "message_age_timer", NULL,
	  NULL },
	{ IFLA_BRPORT_FORWARD_DELAY_TIMER, 0, PL_A_CLOCK, PL_F_RO, "forward_delay_timer", NULL,
	  NULL },
	{ IFLA_BRPORT_TOPOLOGY_CHANGE_ACK, 0, PL_A_U8, PL_F_RO, "topology_change_ack", NULL,
	  NULL },
	{ IFLA_BRPORT_CONFIG_PENDING, 0, PL_A_U8, PL_F_RO, "config_pending", NULL, NULL },
	{ IFLA_BRPORT_PROXYARP, 0, PL_A_U8, BOOL_ATTR, "proxy_arp", NULL, NULL },
	{ IFLA_BRPORT_PROXYARP_WIFI, 0, PL_A_U8, BOOL_ATTR, "proxy_arp_wifi", NULL, NULL },
	{ IFLA_BRPORT_MULTICAST_ROUTER, 0, PL_A_U8, 0, "multicast_router", NULL, NULL },
	{ IFLA_BRPORT_MCAST_FLOOD, 0, PL_A_U8, BOOL_ATTR, "mcast_flood", NULL, NULL },
	{ IFLA_BRPORT_BCAST_FLOOD, 0, PL_A_U8, BOOL_ATTR, "bcast_flood", NULL, NULL },
	{ IFLA_BRPORT_MCAST_TO_UCAST, 0, PL_A_U8, BOOL_ATTR, "mcast_to_unicast", NULL, NULL },
	{ IFLA_BRPORT_NEIGH_SUPPRESS, 0, PL_A_U8, BOOL_ATTR, "neigh_suppress", NULL, NULL },
	{ IFLA_BRPORT_GROUP_FWD_MASK, 0, PL_A_U16, PL_F_STRNUM, "group_fwd_mask", NULL, NULL },
	{ IFLA_BRPORT_GROUP_FWD_MASK, 0, PL_A_HEX16, PL_F_RO, NULL, "group_fwd_mask_str", NULL },
	{ IFLA_BRPORT_VLAN_TUNNEL, 0, PL_A_U8, BOOL_ATTR, "vlan_tunnel", NULL, NULL },
	{ IFLA_BRPORT_ISOLATED, 0, PL_A_U8, BOOL_ATTR, "isolated", NULL, NULL },
	{ IFLA_BRPORT_LOCKED, 0, PL_A_U8, BOOL_ATTR, "locked", NULL, NULL },
};

/* IFLA_BR_MULTI_BOOLOPT: bits reported one key each, as ip does. */
static void bridge_parse(const struct nlattr *data, struct pl_sink *k)
{
	static const char *const names[] = { "no_linklocal_learn", "mcast_vlan_snooping",
					     "mst_enabled" };
	const struct nlattr *at;

	mnl_attr_for_each_nested(at, data) {
		const struct br_boolopt_multi *bm;
		size_t i;

		if (mnl_attr_get_type(at) != IFLA_BR_MULTI_BOOLOPT ||
		    mnl_attr_get_payload_len(at) < sizeof(*bm))
			continue;
		bm = mnl_attr_get_payload(at);
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (bm->optmask & (1u << i))
				k->integer(k, names[i], !!(bm->optval & (1u << i)));
	}
}

const struct pl_link_kind pl_kind_bridge = {
	.name = "bridge",
	.parse = bridge_parse,
	.data = PL_ATTRS(bridge_desc, IFLA_BR_MAX),
	.slave_key = "bridge_port",
	.slave = PL_ATTRS(brport_desc, IFLA_BRPORT_MAX),
};
