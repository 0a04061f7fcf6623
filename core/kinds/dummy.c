// SPDX-License-Identifier: MIT
/* dummy: no options. */
#include "../internal.h"

const struct pl_link_kind pl_kind_dummy = {
	.name = "dummy",
};
