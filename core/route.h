/* SPDX-License-Identifier: MIT */
/* Shared by the route files of core/ (route.c, route_opts.c, route_parse.c, route_list.c,
 * route_get.c); internal, not installed. */
#ifndef PLUMB_ROUTE_H
#define PLUMB_ROUTE_H

#include "internal.h"

#define PL_ROUTE_DUMP_TRIES 8
#define PL_ROUTE_MAX_NEXTHOPS 1024

extern const struct pl_enum pl_route_types[];
extern const struct pl_enum pl_route_prefs[];
extern const struct pl_enum pl_route_families[];
/* gateway, dev, prefsrc, metric, pref, iif, uid, nhid (gateway first: nexthops use it) */
extern const struct pl_attr_desc pl_route_desc[];
extern const struct pl_attrs pl_route_attrs;
extern const struct pl_attr_desc pl_route_metrics_desc[];
extern const struct pl_attrs pl_route_metrics;

/* route_opts.c */
int pl_route_enum(const char *prefix, const char *key, const struct pl_val *v,
		  const struct pl_enum *names, unsigned long long max,
		  unsigned long long *out, struct pl_err *e);
int pl_route_bool(const char *prefix, const char *key, const struct pl_val *v, int *out,
		  struct pl_err *e);
int pl_route_rtn(const char *key, const struct pl_val *v, enum pl_rtn_kind kind,
		 unsigned long long *out, struct pl_err *e);
int pl_route_alias(struct pl_source *src, const char *prefix, const char *a,
		   const char *b, struct pl_val *v, const char **used, struct pl_err *e);
int pl_route_prefix(const char *key, const struct pl_val *v, uint8_t *addr, int *family,
		    int *plen, struct pl_err *e);
int pl_route_table(const struct pl_val *v, int all, uint32_t *id, struct pl_err *e);
int pl_route_fail(const struct pl_req *r, struct pl_err *e);

/* route.c */
int pl_route_put_addr(struct pl_req *r, int *family, uint16_t type, const char *key,
		      const struct pl_val *v, struct pl_err *e);

#endif
