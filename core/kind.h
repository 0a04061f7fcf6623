/* SPDX-License-Identifier: MIT */
/* Shared by core/link.c and the kind files of core/kinds/: not part of the public API. */
#ifndef PLUMB_KIND_H
#define PLUMB_KIND_H

#include "internal.h"

/* Put a nested peer link (struct ifinfomsg + attributes) read from field "peer". */
int pl_link_put_peer(struct pl_req *r, struct pl_source *src, uint16_t type, struct pl_err *e);

#endif
