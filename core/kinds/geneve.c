// SPDX-License-Identifier: MIT
/* geneve: id, remote, dstport, ttl, tos. */
#include <linux/if_link.h>

#include "../internal.h"

static const struct pl_enum geneve_df[] = {
	{ "unset", GENEVE_DF_UNSET }, { "set", GENEVE_DF_SET }, { "inherit", GENEVE_DF_INHERIT },
	{ NULL, 0 },
};

#define BOOL_ATTR (PL_F_BOOLIN | PL_F_BOOLOUT)

static const struct pl_attr_desc geneve_desc[] = {
	{ IFLA_GENEVE_ID, 0, PL_A_U32, PL_F_FIXED, "id", NULL, NULL },
	{ IFLA_GENEVE_REMOTE, IFLA_GENEVE_REMOTE6, PL_A_INET, PL_F_KEY6, "remote", NULL, NULL },
	{ IFLA_GENEVE_PORT, 0, PL_A_BE16, PL_F_FIXED, "dstport", "port", NULL },
	{ IFLA_GENEVE_TTL, 0, PL_A_U8, 0, "ttl", NULL, NULL },
	{ IFLA_GENEVE_TOS, 0, PL_A_U8, 0, "tos", NULL, NULL },
	{ IFLA_GENEVE_DF, 0, PL_A_U8, 0, "df", NULL, geneve_df },
	{ IFLA_GENEVE_LABEL, 0, PL_A_U32, 0, "label", NULL, NULL },
	{ IFLA_GENEVE_UDP_CSUM, 0, PL_A_U8, BOOL_ATTR | PL_F_FIXED, "udp_csum", NULL, NULL },
	{ IFLA_GENEVE_UDP_ZERO_CSUM6_TX, 0, PL_A_U8, BOOL_ATTR, "udp_zero_csum6_tx", NULL, NULL },
	{ IFLA_GENEVE_UDP_ZERO_CSUM6_RX, 0, PL_A_U8, BOOL_ATTR, "udp_zero_csum6_rx", NULL, NULL },
	{ IFLA_GENEVE_COLLECT_METADATA, 0, PL_A_FLAG, 0, "external", NULL, NULL },
};

const struct pl_link_kind pl_kind_geneve = {
	.name = "geneve",
	.data = PL_ATTRS(geneve_desc, IFLA_GENEVE_MAX),
};
