// SPDX-License-Identifier: MIT
/* vxlan: id, remote (unicast) or group (multicast), local, dev, dstport, ttl, learning... */
#include <linux/if_link.h>

#include "../internal.h"

static const struct pl_enum vxlan_df[] = {
	{ "unset", VXLAN_DF_UNSET }, { "set", VXLAN_DF_SET }, { "inherit", VXLAN_DF_INHERIT },
	{ NULL, 0 },
};

#define BOOL_ATTR (PL_F_BOOLIN | PL_F_BOOLOUT)

static const struct pl_attr_desc vxlan_desc[] = {
	{ IFLA_VXLAN_ID, 0, PL_A_U32, PL_F_FIXED, "id", NULL, NULL },
	{ IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6, PL_A_INET, PL_F_UCAST | PL_F_KEY6, "remote", NULL, NULL },
	{ IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6, PL_A_INET, PL_F_MCAST | PL_F_KEY6, "group", NULL, NULL },
	{ IFLA_VXLAN_LOCAL, IFLA_VXLAN_LOCAL6, PL_A_INET, PL_F_KEY6, "local", NULL, NULL },
	{ IFLA_VXLAN_LINK, 0, PL_A_IFINDEX, 0, "dev", "link", NULL },
	{ IFLA_VXLAN_PORT_RANGE, 0, PL_A_PORTRANGE, PL_F_RO, "port_range", NULL, NULL },
	{ IFLA_VXLAN_PORT, 0, PL_A_BE16, PL_F_FIXED, "dstport", "port", NULL },
	{ IFLA_VXLAN_LEARNING, 0, PL_A_U8, BOOL_ATTR, "learning", NULL, NULL },
	{ IFLA_VXLAN_PROXY, 0, PL_A_U8, BOOL_ATTR, "proxy", NULL, NULL },
	{ IFLA_VXLAN_RSC, 0, PL_A_U8, BOOL_ATTR, "rsc", NULL, NULL },
	{ IFLA_VXLAN_L2MISS, 0, PL_A_U8, BOOL_ATTR, "l2miss", NULL, NULL },
	{ IFLA_VXLAN_L3MISS, 0, PL_A_U8, BOOL_ATTR, "l3miss", NULL, NULL },
	{ IFLA_VXLAN_TTL, 0, PL_A_U8, 0, "ttl", NULL, NULL },
	{ IFLA_VXLAN_TOS, 0, PL_A_U8, 0, "tos", NULL, NULL },
	{ IFLA_VXLAN_DF, 0, PL_A_U8, 0, "df", NULL, vxlan_df },
	{ IFLA_VXLAN_AGEING, 0, PL_A_U32, 0, "ageing", NULL, NULL },
	{ IFLA_VXLAN_LIMIT, 0, PL_A_U32, 0, "maxaddress", NULL, NULL },
	{ IFLA_VXLAN_UDP_CSUM, 0, PL_A_U8, BOOL_ATTR | PL_F_FIXED, "udp_csum", NULL, NULL },
	{ IFLA_VXLAN_UDP_ZERO_CSUM6_TX, 0, PL_A_U8, BOOL_ATTR | PL_F_FIXED,
	  "udp_zero_csum6_tx", NULL, NULL },
	{ IFLA_VXLAN_UDP_ZERO_CSUM6_RX, 0, PL_A_U8, BOOL_ATTR | PL_F_FIXED,
	  "udp_zero_csum6_rx", NULL, NULL },
	{ IFLA_VXLAN_GBP, 0, PL_A_FLAG, PL_F_FIXED, "gbp", NULL, NULL },
	{ IFLA_VXLAN_COLLECT_METADATA, 0, PL_A_U8, BOOL_ATTR | PL_F_FIXED, "external", NULL, NULL },
};

const struct pl_link_kind pl_kind_vxlan = {
	.name = "vxlan",
	.data = PL_ATTRS(vxlan_desc, IFLA_VXLAN_MAX),
};
