// SPDX-License-Identifier: MIT
/*
 * Handle methods for routes: route_add, route_replace, route_append, route_del, routes,
 * each_route (a streaming iterator), route_get, and _route_spec (for route_ensure in Lua).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "glue.h"

#define ROUTE_ITER_MT "plumb.route_iter"
/* fields of a typical route record: dst, gateway, dev, metric, flags, pref, ... */
#define ROUTE_FIELDS 8

/* uservalues of an iterator */
#define ITER_UV_HANDLE 1	/* the handle: device names are looked up through it */
#define ITER_UV_BATCH 2		/* the records of the last receive buffer */

/* A streaming route dump on a socket of its own, so that the loop body may use the handle
 * (and break out of the loop) without mixing its replies with the dump's. */
struct liter {
	struct pl_sock s;
	struct pl_route_dump d;
	int open;
	lua_Integer pos, n;
};

static int route_change(lua_State *L, enum pl_route_op rop, const char *op)
{
	struct lsrc src;
	struct pl_err e;
	struct lhandle *h = table_arg(L, &src);

	return change_result(L, pl_route_change(&h->s, &src.base, rop, &e), op, &e);
}

static int h_route_add(lua_State *L)
{
	return route_change(L, PL_ROUTE_ADD, "route_add");
}

static int h_route_replace(lua_State *L)
{
	return route_change(L, PL_ROUTE_REPLACE, "route_replace");
}

static int h_route_append(lua_State *L)
{
	return route_change(L, PL_ROUTE_APPEND, "route_append");
}

static int h_route_del(lua_State *L)
{
	return route_change(L, PL_ROUTE_DEL, "route_del");
}

/* Listing options at @arg (absent: the main table, both families). */
static int route_filter(lua_State *L, struct lhandle *h, int arg, const char *op,
			struct pl_route_filter *f, struct pl_err *e)
{
	struct lsrc src;

	if (lua_isnoneornil(L, arg))
		return pl_route_filter_read(&h->s, NULL, op, f, e);
	luaL_checktype(L, arg, LUA_TTABLE);
	lsrc_init(&src, L, arg);
	return pl_route_filter_read(&h->s, &src.base, op, f, e);
}

static int h_routes(lua_State *L)
{
	struct lhandle *h = checkhandle(L);
	struct pl_route_filter f;
	struct lsink k;
	struct pl_err e;

	lua_settop(L, 2);
	if (route_filter(L, h, 2, "routes", &f, &e) < 0)
		return pusherr(L, "routes", &e);
	lsink_init(&k, L);
	k.rec_fields = ROUTE_FIELDS;
	if (pl_route_list(&h->s, &f, &k.base, &e) < 0)
		return pusherr(L, "routes", &e);
	lua_settop(L, k.root);
	resolve_names(L, h, &k, 0);
	return 1;
}

static int h_route_get(lua_State *L)
{
	struct lhandle *h = checkhandle(L);
	const char *dst = luaL_checkstring(L, 2);
	struct lsrc src, *sp = NULL;
	struct lsink k;
	struct pl_err e;

	if (!lua_isnoneornil(L, 3)) {
		luaL_checktype(L, 3, LUA_TTABLE);
		lsrc_init(&src, L, 3);
		sp = &src;
	}
	lua_settop(L, 3);
	lsink_init(&k, L);
	if (pl_route_get(&h->s, dst, sp ? &sp->base : NULL, &k.base, &e) < 0)
		return pusherr(L, "route_get", &e);
	lua_settop(L, k.root);
	resolve_names(L, h, &k, 0);
	return 1;
}

/* The route an option table describes, as a record, and its key (for route_ensure).
 * Misuse is returned (false, message) rather than raised, for route_ensure to raise it at
 * its caller's level. */
static int h_route_spec(lua_State *L)
{
	struct lhandle *h = checkhandle(L);
	struct pl_route_key key;
	struct lsrc src;
	struct lsink k;
	struct pl_err e;

	luaL_checktype(L, 2, LUA_TTABLE);
	lua_settop(L, 2);
	lsrc_init(&src, L, 2);
	lsink_init(&k, L);
	if (pl_route_spec(&h->s, &src.base, &k.base, &key, &e) < 0) {
		if (!e.misuse)
			return pusherr(L, "route_ensure", &e);
		lua_pushboolean(L, 0);
		lua_pushfstring(L, "route_ensure: %s", e.msg);
		return 2;
	}
	lua_settop(L, k.root);
	resolve_names(L, h, &k, 0);
	lua_createtable(L, 0, 4);
	lua_pushstring(L, key.family == AF_INET6 ? "inet6" : "inet");
	lua_setfield(L, -2, "family");
	lua_pushinteger(L, key.table);
	lua_setfield(L, -2, "table");
	if (key.has_metric) {
		lua_pushinteger(L, key.metric);
		lua_setfield(L, -2, "metric");
	}
	lua_pushinteger(L, key.tos);
	lua_setfield(L, -2, "tos");
	return 2;
}

/* ---------------------------------------------------------------------------------------- */
/* the iterator */

static void iter_close(struct liter *it)
{
	if (it->open) {
		pl_route_dump_end(&it->d);
		pl_sock_close(&it->s);
		it->open = 0;
	}
}

static int iter_gc(lua_State *L)
{
	iter_close(luaL_checkudata(L, 1, ROUTE_ITER_MT));
	return 0;
}

static int iter_tostring(lua_State *L)
{
	struct liter *it = luaL_checkudata(L, 1, ROUTE_ITER_MT);

	lua_pushfstring(L, "plumb route iterator (%s)", it->open ? "open" : "closed");
	return 1;
}

/* Read receive buffers until one holds routes (or the dump ends); the batch is uservalue 2. */
static int iter_fill(lua_State *L, struct liter *it, int self)
{
	struct lhandle *h;
	struct lsink k;
	struct pl_err e;
	int rc, top = lua_gettop(L);

	lua_getiuservalue(L, self, ITER_UV_HANDLE);
	h = lua_touserdata(L, -1);
	do {
		lua_settop(L, top + 1);
		lsink_init(&k, L);
		k.rec_fields = ROUTE_FIELDS;
		rc = pl_route_dump_next(&it->d, &k.base, &e);
		if (rc < 0) {
			iter_close(it);
			return luaL_error(L, "%s", e.msg);
		}
		if (h && h->open)
			resolve_names(L, h, &k, 0);
		if (rc == 0)
			iter_close(it);	/* complete: the socket is not needed any more */
		it->n = (lua_Integer)lua_rawlen(L, k.root);
	} while (it->n == 0 && rc > 0);
	it->pos = 0;
	lua_pushvalue(L, k.root);
	lua_setiuservalue(L, self, ITER_UV_BATCH);
	lua_settop(L, top);
	return 0;
}

static int iter_next(lua_State *L)
{
	struct liter *it = lua_touserdata(L, lua_upvalueindex(1));
	int self = lua_upvalueindex(1);

	if (it->pos >= it->n) {
		if (!it->open)
			return 0;	/* done, or closed by a break */
		lua_pushvalue(L, self);
		iter_fill(L, it, lua_gettop(L));
		lua_pop(L, 1);
		if (it->n == 0)
			return 0;
	}
	lua_getiuservalue(L, self, ITER_UV_BATCH);
	lua_rawgeti(L, -1, ++it->pos);
	if (it->pos >= it->n) {
		/* let the last batch go before the next one is read */
		lua_pushnil(L);
		lua_setiuservalue(L, self, ITER_UV_BATCH);
	}
	return 1;
}

static int h_each_route(lua_State *L)
{
	struct lhandle *h = checkhandle(L);
	struct pl_route_filter f;
	struct pl_err e;
	struct liter *it;

	lua_settop(L, 2);
	if (route_filter(L, h, 2, "each_route", &f, &e) < 0)
		return pusherr(L, "each_route", &e);
	/* closed first, then acquired (liolib.c newprefile) */
	it = lua_newuserdatauv(L, sizeof(*it), 2);
	memset(it, 0, sizeof(*it));
	luaL_setmetatable(L, ROUTE_ITER_MT);
	lua_pushvalue(L, 1);
	lua_setiuservalue(L, -2, ITER_UV_HANDLE);
	if (pl_sock_open_like(&it->s, &h->s, &e) < 0)
		return pusherr(L, "each_route", &e);
	it->open = 1;
	if (pl_route_dump_start(&it->d, &it->s, &f, "each_route", &e) < 0) {
		iter_close(it);
		return pusherr(L, "each_route", &e);
	}
	/* f, nil, nil, closing value: a break in a generic for closes the dump (io.lines) */
	lua_pushvalue(L, -1);
	lua_pushcclosure(L, iter_next, 1);
	lua_pushnil(L);
	lua_pushnil(L);
	lua_pushvalue(L, -4);
	return 4;
}

static const luaL_Reg iter_meta[] = {
	{ "__gc", iter_gc },
	{ "__close", iter_gc },
	{ "__tostring", iter_tostring },
	{ NULL, NULL },
};

static int iter_method_close(lua_State *L)
{
	return iter_gc(L);
}

void pl_lua_route_open(lua_State *L)
{
	if (luaL_newmetatable(L, ROUTE_ITER_MT)) {
		luaL_setfuncs(L, iter_meta, 0);
		lua_createtable(L, 0, 1);
		lua_pushcfunction(L, iter_method_close);
		lua_setfield(L, -2, "close");
		lua_setfield(L, -2, "__index");
	}
	lua_pop(L, 1);
}

const luaL_Reg pl_lua_route_methods[] = {
	{ "route_add", h_route_add },
	{ "route_replace", h_route_replace },
	{ "route_append", h_route_append },
	{ "route_del", h_route_del },
	{ "routes", h_routes },
	{ "each_route", h_each_route },
	{ "route_get", h_route_get },
	{ "_route_spec", h_route_spec },
	{ NULL, NULL },
};
