// SPDX-License-Identifier: MIT
/* wireguard: the link only; keys and peers go through the wireguard genetlink family. */
#include "../internal.h"

const struct pl_link_kind pl_kind_wireguard = {
	.name = "wireguard",
};
