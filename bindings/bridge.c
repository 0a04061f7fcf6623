// SPDX-License-Identifier: MIT
/* Handle methods for bridges: fdb_add, fdb_append, fdb_replace, fdb_del, fdbs, vlan_add,
 * vlan_del, vlans. */
#include <string.h>

#include "glue.h"

static int fdb_change(lua_State *L, enum pl_fdb_op op, const char *name)
{
	struct lsrc src;
	struct pl_err e;
	struct lhandle *h = table_arg(L, &src, name);

	return change_result(L, pl_fdb_change(&h->s, op, &src.base, &e), name, &e);
}

static int h_fdb_add(lua_State *L)
{
	return fdb_change(L, PL_FDB_ADD, "fdb_add");
}

static int h_fdb_append(lua_State *L)
{
	return fdb_change(L, PL_FDB_APPEND, "fdb_append");
}

static int h_fdb_replace(lua_State *L)
{
	return fdb_change(L, PL_FDB_REPLACE, "fdb_replace");
}

static int h_fdb_del(lua_State *L)
{
	return fdb_change(L, PL_FDB_DEL, "fdb_del");
}

/* Field @key of a filter (read into @v) as an ifindex (0 when absent); -1 with @e on failure. */
static int filter_dev(lua_State *L, struct lhandle *h, const struct pl_val *v, const char *key,
		      struct pl_err *e)
{
	if (v->kind == PL_V_NIL)
		return 0;
	return pl_link_dev(&h->s, v, key, e);
}

/* A dev/br filter value: nil, a name or an ifindex; misuse of @fn raises. */
static void check_filter_dev(lua_State *L, const struct pl_val *v, const char *fn,
			     const char *key)
{
	if (v->kind != PL_V_NIL && v->kind != PL_V_STR && v->kind != PL_V_INT)
		misuse(L, fn, "%s: expected a name or an ifindex", key);
}

static int h_fdbs(lua_State *L)
{
	struct lhandle *h = checkhandle(L, "fdbs");
	struct pl_fdb_filter f = { 0 };
	struct pl_val dev, br, vlan;
	struct lsink k;
	struct lsrc src;
	struct pl_err e;

	lua_settop(L, 2);
	dev.kind = br.kind = vlan.kind = PL_V_NIL;
	if (!lua_isnil(L, 2)) {
		checkopts(L, 2, "fdbs");
		lsrc_init_copy(&src, L, 2, "fdbs");
		src.base.get(&src.base, "dev", &dev);
		src.base.get(&src.base, "br", &br);
		src.base.get(&src.base, "vlan", &vlan);
		if (src.base.leave(&src.base, &e) < 0)
			return pusherr(L, "fdbs", &e);
		if (vlan.kind != PL_V_NIL) {
			if (vlan.kind != PL_V_INT)
				misuse(L, "fdbs", "vlan: expected an integer");
			if (vlan.i < 1 || vlan.i > 4094)
				misuse(L, "fdbs", "vlan: %I out of range 1..4094", (lua_Integer)vlan.i);
			f.vlan = (int)vlan.i;
		}
		check_filter_dev(L, &dev, "fdbs", "dev");
		check_filter_dev(L, &br, "fdbs", "br");
	}
	hold(L, 1, h, "fdbs");
	f.dev = filter_dev(L, h, &dev, "dev", &e);
	f.br = f.dev < 0 ? -1 : filter_dev(L, h, &br, "br", &e);
	if (f.dev < 0 || f.br < 0) {
		pl_err_prefix(&e, "fdbs");
		return pusherr(L, "fdbs", &e);
	}
	lsink_init(&k, L);
	lsink_use_sock(&k, &h->s);
	return list_result(L, h, &k, pl_fdb_list(&h->s, &f, &k.base, &e), "fdbs", &e, 0);
}

static int vlan_change(lua_State *L, int del, const char *name)
{
	struct lsrc src;
	struct pl_err e;
	struct lhandle *h = table_arg(L, &src, name);

	return change_result(L, pl_vlan_change(&h->s, del, &src.base, &e), name, &e);
}

static int h_vlan_add(lua_State *L)
{
	return vlan_change(L, 0, "vlan_add");
}

static int h_vlan_del(lua_State *L)
{
	return vlan_change(L, 1, "vlan_del");
}

static int h_vlans(lua_State *L)
{
	struct lhandle *h = checkhandle(L, "vlans");
	struct pl_vlan_filter f = { 0 };
	struct pl_val dev, compress;
	struct lsink k;
	struct lsrc src;
	struct pl_err e;

	lua_settop(L, 2);
	dev.kind = compress.kind = PL_V_NIL;
	if (!lua_isnil(L, 2)) {
		checkopts(L, 2, "vlans");
		lsrc_init_copy(&src, L, 2, "vlans");
		src.base.get(&src.base, "dev", &dev);
		src.base.get(&src.base, "compress", &compress);
		if (src.base.leave(&src.base, &e) < 0 ||
		    pl_val_bool(&compress, "compress", &f.compress, &e) < 0)
			return pusherr(L, "vlans", &e);
		check_filter_dev(L, &dev, "vlans", "dev");
	}
	hold(L, 1, h, "vlans");
	f.dev = filter_dev(L, h, &dev, "dev", &e);
	if (f.dev < 0) {
		pl_err_prefix(&e, "vlans");
		return pusherr(L, "vlans", &e);
	}
	lsink_init(&k, L);
	lsink_use_sock(&k, &h->s);
	return list_result(L, h, &k, pl_vlan_list(&h->s, &f, &k.base, &e), "vlans", &e, 0);
}

const luaL_Reg pl_lua_bridge_methods[] = {
	{ "fdb_add", h_fdb_add },
	{ "fdb_append", h_fdb_append },
	{ "fdb_replace", h_fdb_replace },
	{ "fdb_del", h_fdb_del },
	{ "fdbs", h_fdbs },
	{ "vlan_add", h_vlan_add },
	{ "vlan_del", h_vlan_del },
	{ "vlans", h_vlans },
	{ NULL, NULL },
};
