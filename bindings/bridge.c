// SPDX-License-Identifier: MIT
/* Handle methods for bridges: fdb_add, fdb_append, fdb_replace, fdb_del, fdbs, vlan_add,
 * vlan_del, vlans. */
#include <string.h>

#include "glue.h"

static int fdb_change(lua_State *L, enum pl_fdb_op op, const char *name)
{
	struct lsrc src;
	struct pl_err e;
	struct lhandle *h = table_arg(L, &src);

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

/* Check that the filter table at @arg has only @keys (strings). */
static void checkfilter(lua_State *L, int arg, const char *const keys[])
{
	luaL_checktype(L, arg, LUA_TTABLE);
	lua_pushnil(L);
	while (lua_next(L, arg)) {
		if (lua_type(L, -2) != LUA_TSTRING)
			luaL_argerror(L, arg, "filter keys must be strings");
		luaL_checkoption(L, -2, NULL, keys);
		lua_pop(L, 1);
	}
}

/* Field @key of the filter at @arg as an ifindex (0 when absent); -1 with @e on failure. */
static int filter_dev(lua_State *L, struct lhandle *h, int arg, const char *key,
		      struct pl_err *e)
{
	struct pl_val dev;
	int idx = 0;

	if (lua_getfield(L, arg, key) != LUA_TNIL) {
		if (lua_type(L, -1) != LUA_TSTRING && !lua_isinteger(L, -1))
			luaL_argerror(L, arg, lua_pushfstring(L, "%s: expected a name or an ifindex",
							      key));
		checkdev(L, lua_gettop(L), &dev);
		idx = pl_link_dev(&h->s, &dev, key, e);
	}
	lua_pop(L, 1);
	return idx;
}

static const char *const fdb_filter_keys[] = { "dev", "br", "vlan", NULL };

static int h_fdbs(lua_State *L)
{
	struct lhandle *h = checkhandle(L);
	struct pl_fdb_filter f = { 0 };
	struct lsink k;
	struct pl_err e;

	if (!lua_isnoneornil(L, 2)) {
		checkfilter(L, 2, fdb_filter_keys);
		if (lua_getfield(L, 2, "vlan") != LUA_TNIL) {
			lua_Integer v;

			if (!lua_isinteger(L, -1))
				return luaL_argerror(L, 2, "vlan: expected an integer");
			v = lua_tointeger(L, -1);
			luaL_argcheck(L, v >= 1 && v <= 4094, 2, "vlan: out of range 1..4094");
			f.vlan = (int)v;
		}
		lua_pop(L, 1);
		f.dev = filter_dev(L, h, 2, "dev", &e);
		f.br = f.dev < 0 ? -1 : filter_dev(L, h, 2, "br", &e);
		if (f.dev < 0 || f.br < 0) {
			pl_err_prefix(&e, "fdbs");
			return pusherr(L, "fdbs", &e);
		}
	}
	lua_settop(L, 2);
	lsink_init(&k, L);
	return list_result(L, h, &k, pl_fdb_list(&h->s, &f, &k.base, &e), "fdbs", &e, 0);
}

static int vlan_change(lua_State *L, int del, const char *name)
{
	struct lsrc src;
	struct pl_err e;
	struct lhandle *h = table_arg(L, &src);

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

static const char *const vlan_filter_keys[] = { "dev", "compress", NULL };

static int h_vlans(lua_State *L)
{
	struct lhandle *h = checkhandle(L);
	struct pl_vlan_filter f = { 0 };
	struct lsink k;
	struct pl_err e;

	if (!lua_isnoneornil(L, 2)) {
		checkfilter(L, 2, vlan_filter_keys);
		if (lua_getfield(L, 2, "compress") != LUA_TNIL) {
			if (!lua_isboolean(L, -1))
				return luaL_argerror(L, 2, "compress: expected a boolean");
			f.compress = lua_toboolean(L, -1);
		}
		lua_pop(L, 1);
		f.dev = filter_dev(L, h, 2, "dev", &e);
		if (f.dev < 0) {
			pl_err_prefix(&e, "vlans");
			return pusherr(L, "vlans", &e);
		}
	}
	lua_settop(L, 2);
	lsink_init(&k, L);
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
