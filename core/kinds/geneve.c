// SPDX-License-Identifier: MIT
/* geneve: id, remote, dstport, ttl, tos. */
#include <linux/if_link.h>

#include "../plumb.h"

static const struct pl_attr_desc geneve_desc[] = {
	{ IFLA_GENEVE_ID, 0, PL_A_U32, PL_F_FIXED, "id", NULL, NULL },
	{ IFLA_GENEVE_REMOTE, IFLA_GENEVE_REMOTE6, PL_A_INET, 0, "remote", NULL, NULL },
	{ IFLA_GENEVE_PORT, 0, PL_A_BE16, PL_F_FIXED, "dstport", "port", NULL },
	{ IFLA_GENEVE_TTL, 0, PL_A_U8, 0, "ttl", NULL, NULL },
	{ IFLA_GENEVE_TOS, 0, PL_A_U8, 0, "tos", NULL, NULL },
	{ IFLA_GENEVE_UDP_CSUM, 0, PL_A_U8, PL_F_BOOLIN | PL_F_BOOLOUT | PL_F_FIXED,
	  "udp_csum", NULL, NULL },
};

const struct pl_link_kind pl_kind_geneve = {
	.name = "geneve",
	.data = PL_ATTRS(geneve_desc, IFLA_GENEVE_MAX),
};
