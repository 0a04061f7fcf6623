// SPDX-License-Identifier: MIT
/* The static table of link kinds: adding a kind is one file in kinds/ and one line here. */
#include <string.h>

#include "internal.h"

extern const struct pl_link_kind pl_kind_veth, pl_kind_bridge, pl_kind_macvlan, pl_kind_ipvlan,
	pl_kind_vlan, pl_kind_vxlan, pl_kind_dummy, pl_kind_vrf, pl_kind_bond, pl_kind_geneve,
	pl_kind_wireguard;

const struct pl_link_kind *const pl_link_kinds[] = {
	&pl_kind_veth,
	&pl_kind_bridge,
	&pl_kind_macvlan,
	&pl_kind_ipvlan,
	&pl_kind_vlan,
	&pl_kind_vxlan,
	&pl_kind_dummy,
	&pl_kind_vrf,
	&pl_kind_bond,
	&pl_kind_geneve,
	&pl_kind_wireguard,
	NULL,
};

const struct pl_link_kind *pl_link_kind_find(const char *name)
{
	const struct pl_link_kind *const *k;

	for (k = pl_link_kinds; *k; k++)
		if (strcmp((*k)->name, name) == 0)
			return *k;
	return NULL;
}
