// SPDX-License-Identifier: MIT
/*
 * Handle methods for routes: route_add, route_replace, route_append, route_del, routes,
 * each_route (a streaming iterator), route_get, and _route_spec (for route_ensure in Lua).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "glue.h"

#define ROUTE_ITER_MT "plumb.route_iter"
/* fields of a typical route record: dst, gateway, dev, metric, flags, pref, ... */
#define ROUTE_FIELDS 8

/* uservalues of an iterator */
#define ITER_UV_HANDLE 1	/* the handle, kept alive while the dump runs */
#define ITER_UV_BATCH 2		/* the records of the last receive buffer */

/* A streaming route dump on a socket of its own, so that the loop body may use the handle
 * (and break out of the loop) without mixing its replies with the dump's. */
struct liter {
	struct pl_sock s;
	struct pl_route_dump d;
	int open;
	int busy;		/* reading a buffer: a finalizer calling the iterator must not */
	lua_Integer pos, n;
};

PL_HOT
static int route_change(lua_State *L, enum pl_route_op rop, const char *op)
{
	struct lsrc src;
	struct pl_err e;
	struct lhandle *h = table_arg(L, &src, op);

	return change_result(L, pl_route_change(&h->s, &src.base, rop, &e), op, &e);
}

PL_HOT
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

	lua_settop(L, arg);
	if (lua_isnil(L, arg)) {
		hold(L, 1, h, op);
		return pl_route_filter_read(&h->s, NULL, op, f, e);
	}
	checkopts(L, arg, op);
	lsrc_init_copy(&src, L, arg, op);
	hold(L, 1, h, op);
	return pl_route_filter_read(&h->s, &src.base, op, f, e);
}

static int h_routes(lua_State *L)
{
	struct lhandle *h = checkhandle(L, "routes");
	struct pl_route_filter f;
	struct lsink k;
	struct pl_err e;

	if (route_filter(L, h, 2, "routes", &f, &e) < 0)
		return pusherr(L, "routes", &e);
	lsink_init(&k, L);
	lsink_use_sock(&k, &h->s);
	k.rec_fields = ROUTE_FIELDS;
	if (pl_route_list(&h->s, &f, &k.base, &e) < 0)
		return pusherr(L, "routes", &e);
	lua_settop(L, k.root);
	resolve_names(L, &h->s, &k, 0);
	return 1;
}

static int h_route_get(lua_State *L)
{
	struct lhandle *h = checkhandle(L, "route_get");
	const char *dst = checkstr(L, 2, "route_get", "dst");
	struct lsrc src, *sp = NULL;
	struct lsink k;
	struct pl_err e;

	if (lua_gettop(L) > 3)
		misuse(L, "route_get", "takes an address and an option table");
	lua_settop(L, 3);
	if (!lua_isnil(L, 3)) {
		checkopts(L, 3, "route_get");
		lsrc_init_copy(&src, L, 3, "route_get");
		sp = &src;
	}
	hold(L, 1, h, "route_get");
	lsink_init(&k, L);
	lsink_use_sock(&k, &h->s);
	if (pl_route_get(&h->s, dst, sp ? &sp->base : NULL, &k.base, &e) < 0)
		return pusherr(L, "route_get", &e);
	lua_settop(L, k.root);
	resolve_names(L, &h->s, &k, 0);
	return 1;
}

/* The route an option table describes, as a record, and its key (for route_ensure).
 * Misuse is returned (false, message) rather than raised, for route_ensure to raise it at
 * its caller's level. */
static int h_route_spec(lua_State *L)
{
	struct lhandle *h = checkhandle(L, "route_ensure");
	struct pl_route_key key;
	struct lsrc src;
	struct lsink k;
	struct pl_err e;

	checkopts(L, 2, "route_ensure");
	lua_settop(L, 2);
	lsrc_init_copy(&src, L, 2, "route_ensure");
	hold(L, 1, h, "route_ensure");
	lsink_init(&k, L);
	if (pl_route_spec(&h->s, &src.base, &k.base, &key, &e) < 0) {
		if (!e.misuse)
			return pusherr(L, "route_ensure", &e);
		lua_pushboolean(L, 0);
		lua_pushfstring(L, "route_ensure: %s", e.msg);
		return 2;
	}
	lua_settop(L, k.root);
	resolve_names(L, &h->s, &k, 0);
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
	struct liter *it = luaL_checkudata(L, 1, ROUTE_ITER_MT);

	if (it->busy)
		return misuse(L, "each_route", "iterator busy (closed while it reads)");
	iter_close(it);
	it->pos = it->n = 0;	/* what was read and not yet returned goes too */
	lua_pushnil(L);
	lua_setiuservalue(L, 1, ITER_UV_BATCH);
	return 0;
}

static int iter_tostring(lua_State *L)
{
	struct liter *it = luaL_checkudata(L, 1, ROUTE_ITER_MT);

	lua_pushfstring(L, "plumb route iterator (%s)", it->open ? "open" : "closed");
	return 1;
}

/* Device names of a batch: looked up on the handle (the dump's socket still has the rest of
 * the dump to read), or, when the handle is closed or busy, on a socket of their own. */
static void iter_names(lua_State *L, struct liter *it, int self, struct lsink *k, int held)
{
	struct lhandle *h;
	struct pl_sock tmp;
	struct pl_err e;

	if (k->nfix == 0)
		return;
	lua_getiuservalue(L, self, ITER_UV_HANDLE);
	h = lua_touserdata(L, -1);
	lua_pop(L, 1);
	if (held) {
		resolve_names(L, &h->s, k, 0);	/* the caller holds it: each_route itself */
	} else if (h && h->open && !h->busy) {
		h->busy = 1;
		resolve_names(L, &h->s, k, 0);
		h->busy = 0;
	} else if (it->open && pl_sock_open_like(&tmp, &it->s, &e) == 0) {
		resolve_names(L, &tmp, k, 0);
		pl_sock_close(&tmp);
	} else {
		resolve_names(L, NULL, k, 0);
	}
}

/* Read receive buffers until one holds routes (or the dump ends); the batch is uservalue 2.
 * Device names are looked up on the iterator's own socket (same namespace as the handle).
 * Returns -1 with @e filled on failure (the dump is closed). */
static int iter_fill(lua_State *L, struct liter *it, int self, int held, struct pl_err *e)
{
	struct lsink k;
	int rc, top = lua_gettop(L);

	it->busy = 1;
	do {
		lua_settop(L, top);
		lsink_init(&k, L);
		lsink_use_sock(&k, it->d.s);
		k.rec_fields = ROUTE_FIELDS;
		rc = pl_route_dump_next(&it->d, &k.base, e);
		if (rc < 0) {
			iter_close(it);
			it->busy = 0;
			lua_settop(L, top);
			return -1;
		}
		iter_names(L, it, self, &k, held);
		if (rc == 0)
			iter_close(it);	/* complete: the socket is not needed any more */
		it->n = (lua_Integer)lua_rawlen(L, k.root);
	} while (it->n == 0 && rc > 0);
	it->pos = 0;
	lua_pushvalue(L, k.root);
	lua_setiuservalue(L, self, ITER_UV_BATCH);
	lua_settop(L, top);
	it->busy = 0;
	return 0;
}

static int iter_next(lua_State *L)
{
	struct liter *it = lua_touserdata(L, lua_upvalueindex(1));
	int self = lua_upvalueindex(1);
	struct pl_err e;

	if (it->busy)
		return misuse(L, "each_route", "iterator busy (called while it reads, from a "
			      "finalizer?)");
	if (it->pos >= it->n) {
		if (!it->open)
			return 0;	/* done, or closed by a break */
		lua_pushvalue(L, self);
		if (iter_fill(L, it, lua_gettop(L), 0, &e) < 0)
			return luaL_error(L, "%s", e.msg);	/* in the loop: raised */
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

/* The identity of the namespace the calling thread is in. */
static int netns_here(struct stat *st)
{
	return stat("/proc/thread-self/ns/net", st);
}

static int h_each_route(lua_State *L)
{
	struct lhandle *h = checkhandle(L, "each_route");
	struct pl_route_filter f;
	struct pl_err e;
	struct liter *it;
	struct stat here;
	int rc;

	if (lua_gettop(L) > 2)
		misuse(L, "each_route", "takes one option table");
	if (route_filter(L, h, 2, "each_route", &f, &e) < 0)
		return pusherr(L, "each_route", &e);
	/* closed first, then acquired (liolib.c newprefile) */
	it = lua_newuserdatauv(L, sizeof(*it), 2);
	memset(it, 0, sizeof(*it));
	luaL_setmetatable(L, ROUTE_ITER_MT);
	lua_pushvalue(L, 1);
	lua_setiuservalue(L, -2, ITER_UV_HANDLE);
	/* The dump's own socket, in the handle's namespace: opened directly when the thread is
	 * there (no privilege needed, as for routes()), else by entering it. */
	if (h->ns_known && netns_here(&here) == 0 &&
	    (unsigned long long)here.st_dev == h->ns_dev &&
	    (unsigned long long)here.st_ino == h->ns_ino)
		rc = pl_sock_open(&it->s, NULL, &e);
	else
		rc = pl_sock_open_like(&it->s, &h->s, &e);
	if (rc < 0) {
		pl_err_prefix(&e, "each_route");
		return pusherr(L, "each_route", &e);
	}
	it->open = 1;
	if (pl_route_dump_start(&it->d, &it->s, &f, "each_route", &e) < 0) {
		iter_close(it);
		return pusherr(L, "each_route", &e);
	}
	/* The first buffer is read now: a failure the kernel reports at once (no such device,
	 * no permission) is returned as nil, message, errno, as routes() returns it. */
	if (iter_fill(L, it, lua_gettop(L), 1, &e) < 0)
		return pusherr(L, "each_route", &e);
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
