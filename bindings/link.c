// SPDX-License-Identifier: MIT
/* Handle methods for links: link_add, link_set, link_del, link_get, links, ifindex, ifname. */
#include <errno.h>
#include <string.h>

#include "glue.h"

static int h_link_add(lua_State *L)
{
	struct lsrc src;
	struct pl_err e;
	struct lhandle *h = table_arg(L, &src, "link_add");

	return change_result(L, pl_link_add(&h->s, &src.base, &e), "link_add", &e);
}

static int h_link_set(lua_State *L)
{
	struct lhandle *h = checkhandle(L, "link_set");
	struct pl_val dev;
	struct lsrc src;
	struct pl_err e;

	checkdev(L, 2, &dev, "link_set", "dev");
	checkopts(L, 3, "link_set");
	lua_settop(L, 3);
	lsrc_init(&src, L, 3, "link_set");
	hold(L, 1, h, "link_set");
	return change_result(L, pl_link_set(&h->s, &dev, &src.base, &e), "link_set", &e);
}

static int h_link_del(lua_State *L)
{
	struct lhandle *h = checkhandle(L, "link_del");
	struct pl_val dev;
	struct pl_err e;

	checkdev(L, 2, &dev, "link_del", "dev");
	if (!lua_isnoneornil(L, 3))
		misuse(L, "link_del", "takes one device");
	lua_settop(L, 2);
	hold(L, 1, h, "link_del");
	return change_result(L, pl_link_del(&h->s, &dev, &e), "link_del", &e);
}

static int h_link_get(lua_State *L)
{
	struct lhandle *h = checkhandle(L, "link_get");
	struct lsink k;
	struct pl_val dev;
	struct pl_err e;
	int rc;

	checkdev(L, 2, &dev, "link_get", "dev");
	lua_settop(L, 2);
	hold(L, 1, h, "link_get");
	lsink_init(&k, L);
	rc = pl_link_get(&h->s, &dev, &k.base, &e);
	if (rc <= 0)
		return pusherr(L, "link_get", &e);
	lua_settop(L, k.root);
	resolve_names(L, &h->s, &k, 0);
	return 1;
}

static int h_links(lua_State *L)
{
	struct lhandle *h = checkhandle(L, "links");
	struct pl_link_filter f = { 0 };
	struct pl_val kind, master;
	struct lsink k;
	struct lsrc src;
	struct pl_err e;

	lua_settop(L, 2);
	kind.kind = master.kind = PL_V_NIL;
	if (!lua_isnil(L, 2)) {
		checkopts(L, 2, "links");
		lsrc_init_copy(&src, L, 2, "links");
		src.base.get(&src.base, "kind", &kind);
		src.base.get(&src.base, "master", &master);
		if (src.base.leave(&src.base, &e) < 0)
			return pusherr(L, "links", &e);
		if (kind.kind != PL_V_NIL && kind.kind != PL_V_STR)
			misuse(L, "links", "kind: expected a string");
		if (kind.kind == PL_V_STR && !pl_link_kind_find(kind.s))
			misuse(L, "links", "kind: unknown link kind \"%s\"", kind.s);
		f.kind = kind.kind == PL_V_STR ? kind.s : NULL;
		if (master.kind != PL_V_NIL && master.kind != PL_V_STR && master.kind != PL_V_INT)
			misuse(L, "links", "master: expected a name or an ifindex");
	}
	hold(L, 1, h, "links");
	if (master.kind != PL_V_NIL) {
		f.master = pl_link_dev(&h->s, &master, "master", &e);
		if (f.master < 0)
			return pusherr(L, "links", &e);
	}
	lsink_init(&k, L);
	return list_result(L, h, &k, pl_link_list(&h->s, &f, &k.base, &e), "links", &e, 1);
}

static int h_ifindex(lua_State *L)
{
	struct lhandle *h = checkhandle(L, "ifindex");
	struct pl_val dev;
	struct pl_err e;
	int idx;

	checkdev(L, 2, &dev, "ifindex", "dev");
	lua_settop(L, 2);
	hold(L, 1, h, "ifindex");
	idx = pl_link_dev(&h->s, &dev, "ifindex", &e);
	if (idx < 0)
		return pusherr(L, "ifindex", &e);
	lua_pushinteger(L, idx);
	return 1;
}

static int h_ifname(lua_State *L)
{
	struct lhandle *h = checkhandle(L, "ifname");
	lua_Integer idx;
	char name[64];
	struct pl_err e;
	int rc;

	if (!lua_isinteger(L, 2))
		misuse(L, "ifname", "ifindex: expected an integer, got %s",
		       lua_type(L, 2) == LUA_TNUMBER ? "a non-integer number" : luaL_typename(L, 2));
	idx = lua_tointeger(L, 2);
	if (idx <= 0 || idx > INT32_MAX)
		misuse(L, "ifname", "ifindex: %I out of range 1..%d", idx, INT32_MAX);
	lua_settop(L, 2);
	hold(L, 1, h, "ifname");
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

/* h:_ifnames{ ifindex, ... }: { { dev = name }, ... } resolved as every record's device
 * fields are (a spec feeds it an ifindex that no device has). */
static int h_ifnames(lua_State *L)
{
	struct lhandle *h = checkhandle(L, "_ifnames");
	lua_Integer i, n;
	struct lsink k;

	checkopts(L, 2, "_ifnames");
	lua_settop(L, 2);
	n = (lua_Integer)lua_rawlen(L, 2);
	hold(L, 1, h, "_ifnames");
	lsink_init(&k, L);
	for (i = 1; i <= n; i++) {
		lua_Integer v = (lua_rawgeti(L, 2, i), lua_tointeger(L, -1));

		lua_pop(L, 1);
		k.base.begin(&k.base, NULL);
		k.base.ifindex(&k.base, "dev", (uint32_t)v);
		k.base.end(&k.base);
	}
	lua_settop(L, k.root);
	resolve_names(L, &h->s, &k, 0);
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
	const char *what = lua_isnoneornil(L, 1) ? "link" : checkstr(L, 1, "link_fields", "what");
	const struct pl_attrs *a = pl_link_fields(what);
	size_t i;

	if (!a)
		return misuse(L, "link_fields", "unknown link kind or port key \"%s\"", what);
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
	{ "_ifnames", h_ifnames },
	{ NULL, NULL },
};
