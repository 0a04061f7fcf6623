// SPDX-License-Identifier: MIT
/* Handle methods for links: link_add, link_set, link_del, link_get, links, ifindex, ifname. */
#include <errno.h>
#include <string.h>

#include "glue.h"

static int h_link_add(lua_State *L)
{
	struct lsrc src;
	struct pl_err e;
	struct lhandle *h = table_arg(L, &src);

	return change_result(L, pl_link_add(&h->s, &src.base, &e), "link_add", &e);
}

static int h_link_set(lua_State *L)
{
	struct lhandle *h = checkhandle(L);
	struct pl_val dev;
	struct lsrc src;
	struct pl_err e;

	checkdev(L, 2, &dev);
	luaL_checktype(L, 3, LUA_TTABLE);
	lua_settop(L, 3);
	lsrc_init(&src, L, 3);
	if (pl_link_set(&h->s, &dev, &src.base, &e) < 0)
		return pusherr(L, "link_set", &e);
	lua_pushboolean(L, 1);
	return 1;
}

static int h_link_del(lua_State *L)
{
	struct lhandle *h = checkhandle(L);
	struct pl_val dev;
	struct pl_err e;

	checkdev(L, 2, &dev);
	luaL_argcheck(L, lua_isnoneornil(L, 3), 3, "link_del takes one device");
	if (pl_link_del(&h->s, &dev, &e) < 0)
		return pusherr(L, "link_del", &e);
	lua_pushboolean(L, 1);
	return 1;
}

static int h_link_get(lua_State *L)
{
	struct lhandle *h = checkhandle(L);
	struct lsink k;
	struct pl_val dev;
	struct pl_err e;
	int rc;

	checkdev(L, 2, &dev);
	lua_settop(L, 2);
	lsink_init(&k, L);
	rc = pl_link_get(&h->s, &dev, &k.base, &e);
	if (rc <= 0)
		return pusherr(L, "link_get", &e);
	lua_settop(L, k.root);
	resolve_names(L, h, &k, 0);
	return 1;
}

static const char *const list_keys[] = { "kind", "master", NULL };

static int h_links(lua_State *L)
{
	struct lhandle *h = checkhandle(L);
	struct pl_link_filter f = { 0 };
	struct lsink k;
	struct pl_err e;

	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		lua_pushnil(L);
		while (lua_next(L, 2)) {
			if (lua_type(L, -2) != LUA_TSTRING)
				return luaL_argerror(L, 2, "filter keys must be strings");
			luaL_checkoption(L, -2, NULL, list_keys);
			lua_pop(L, 1);
		}
		if (lua_getfield(L, 2, "kind") != LUA_TNIL) {
			if (lua_type(L, -1) != LUA_TSTRING)
				return luaL_argerror(L, 2, "kind: expected a string");
			f.kind = lua_tostring(L, -1);
			if (!pl_link_kind_find(f.kind))
				return luaL_argerror(L, 2, lua_pushfstring(L,
						     "kind: unknown link kind \"%s\"", f.kind));
		}
		if (lua_getfield(L, 2, "master") != LUA_TNIL) {
			struct pl_val dev;

			checkdev(L, lua_gettop(L), &dev);
			f.master = pl_link_dev(&h->s, &dev, "master", &e);
			if (f.master < 0)
				return pusherr(L, "links", &e);
		}
	}
	lsink_init(&k, L);
	return list_result(L, h, &k, pl_link_list(&h->s, &f, &k.base, &e), "links", &e, 1);
}

static int h_ifindex(lua_State *L)
{
	struct lhandle *h = checkhandle(L);
	struct pl_val dev;
	struct pl_err e;
	int idx;

	checkdev(L, 2, &dev);
	idx = pl_link_dev(&h->s, &dev, "dev", &e);
	if (idx < 0)
		return pusherr(L, "ifindex", &e);
	lua_pushinteger(L, idx);
	return 1;
}

static int h_ifname(lua_State *L)
{
	struct lhandle *h = checkhandle(L);
	lua_Integer idx = luaL_checkinteger(L, 2);
	char name[64];
	struct pl_err e;
	int rc;

	luaL_argcheck(L, idx > 0 && idx <= INT32_MAX, 2, "invalid ifindex");
	rc = pl_link_name(&h->s, (int)idx, name, sizeof(name), &e);
	if (rc < 0)
		return pusherr(L, "ifname", &e);
	if (rc == 0) {
		pl_err_set(&e, ENODEV, "ifname %d: No such device", (int)idx);
		return pusherr(L, "ifname", &e);
	}
	lua_pushstring(L, name);
	return 1;
}

/* A boolean field @key = true on the table on top, when @on. */
static void setflag(lua_State *L, const char *key, int on)
{
	if (!on)
		return;
	lua_pushboolean(L, 1);
	lua_setfield(L, -2, key);
}

/* core.link_fields(what): the settable options of links ("link"), of a kind's subtable
 * ("bridge") or of a port key ("bridge_port"), read from the core's descriptor tables:
 * { [option] = { out = "record key", type = "u32", fixed = true, enum = { name = n }, ... } } */
int pl_lua_link_fields(lua_State *L)
{
	const char *what = luaL_optstring(L, 1, "link");
	const struct pl_attrs *a = pl_link_fields(what);
	size_t i;

	if (!a)
		return luaL_argerror(L, 1, lua_pushfstring(L, "unknown link kind or port key \"%s\"",
							   what));
	lua_createtable(L, 0, (int)a->n);
	for (i = 0; i < a->n; i++) {
		const struct pl_attr_desc *d = &a->d[i];

		if (!d->name || (d->flags & PL_F_RO))
			continue;
		lua_createtable(L, 0, 4);
		lua_pushstring(L, d->out ? d->out : d->name);
		lua_setfield(L, -2, "out");
		lua_pushstring(L, pl_atype_name(d->atype));
		lua_setfield(L, -2, "type");
		setflag(L, "boolin", d->flags & PL_F_BOOLIN);
		setflag(L, "boolout", d->flags & PL_F_BOOLOUT);
		setflag(L, "strnum", d->flags & PL_F_STRNUM);
		setflag(L, "enumkey", d->flags & PL_F_ENUMKEY);
		setflag(L, "fixed", d->flags & PL_F_FIXED);
		if (d->names) {
			const struct pl_enum *n;

			lua_newtable(L);
			for (n = d->names; n->name; n++) {
				lua_pushinteger(L, (lua_Integer)n->value);
				lua_setfield(L, -2, n->name);
			}
			lua_setfield(L, -2, "enum");
		}
		lua_setfield(L, -2, d->name);
	}
	return 1;
}

/* core.port_keys(): { bridge_port = "bridge", ... }, the link_set keys of port options. */
int pl_lua_port_keys(lua_State *L)
{
	const struct pl_link_kind *const *kp;

	lua_newtable(L);
	for (kp = pl_link_kinds; *kp; kp++) {
		if (!(*kp)->slave_key)
			continue;
		lua_pushstring(L, (*kp)->name);
		lua_setfield(L, -2, (*kp)->slave_key);
	}
	return 1;
}

const luaL_Reg pl_lua_link_methods[] = {
	{ "link_add", h_link_add },
	{ "link_set", h_link_set },
	{ "link_del", h_link_del },
	{ "link_get", h_link_get },
	{ "links", h_links },
	{ "ifindex", h_ifindex },
	{ "ifname", h_ifname },
	{ NULL, NULL },
};
