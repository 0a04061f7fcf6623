// SPDX-License-Identifier: MIT
/*
 * h:batch(fn): fn(b) is called with a batch object whose methods are the handle's own
 * state-changing methods (plumb/init.lua names them); each call is checked in full and built
 * at once, but queued (core/batch.c) instead of sent. When fn returns, what is queued is sent,
 * many requests per sendmsg, and every failure is returned as
 * { index =, op =, object =, message =, errno = }.
 */
#include <string.h>

#include "glue.h"

#define BATCH_MT "plumb.batch"

struct lbatch {
	struct pl_batch b;
	struct lhandle *h;
	int active;
	int ncalls;
};

static struct lbatch *checkbatch(lua_State *L, const char *fn)
{
	struct lbatch *lb = luaL_testudata(L, 1, BATCH_MT);

	if (!lb)
		misuse(L, fn, "bad self (expected a batch object, got %s)", luaL_typename(L, 1));
	if (!lb->active)
		misuse(L, fn, "the batch is over (a batch object is used inside its function only)");
	return lb;
}

/* What a failed call was about: the object its message names ("op OBJECT: ..."), else that
 * of its last request, else its device or name argument. */
static void call_object(lua_State *L, int base, struct pl_batch *b, const char *op,
			const char *msg)
{
	static const char *const keys[] = { "name", "dst", "dev", "prefix", NULL };
	size_t n = strlen(op);
	const char *end;
	int i;

	if (strncmp(msg, op, n) == 0 && msg[n] == ' ' && (end = strstr(msg + n + 1, ": "))) {
		snprintf(b->obj, sizeof(b->obj), "%.*s", (int)(end - (msg + n + 1)), msg + n + 1);
		return;
	}
	if (b->obj[0] || lua_gettop(L) < base)
		return;
	if (lua_type(L, base) == LUA_TSTRING || lua_isinteger(L, base)) {
		snprintf(b->obj, sizeof(b->obj), "%s", lua_tostring(L, base));
		return;
	}
	if (lua_type(L, base) != LUA_TTABLE)
		return;
	for (i = 0; keys[i]; i++) {
		if (lua_getfield(L, base, keys[i]) == LUA_TSTRING)
			snprintf(b->obj, sizeof(b->obj), "%s", lua_tostring(L, -1));
		lua_pop(L, 1);
		if (b->obj[0])
			return;
	}
}

/* core._batch_call(b, name, ...): method @name of the handle, its request queued. */
static int l_batch_call(lua_State *L)
{
	const char *name = luaL_checkstring(L, 2);
	struct lbatch *lb = checkbatch(L, name);
	struct lhandle *h = lb->h;
	int nargs = lua_gettop(L) - 2, attempt, top;
	size_t mark;

	if (luaL_getmetafield(L, 1, "handle_methods") != LUA_TTABLE)
		return misuse(L, name, "batch: no method table");
	if (lua_getfield(L, -1, name) != LUA_TFUNCTION)
		return misuse(L, name, "not a method of a batch");
	lua_replace(L, -2);		/* the method, at nargs + 3 */
	top = lua_gettop(L);
	mark = pl_batch_call(&lb->b, ++lb->ncalls, name);
	for (attempt = 0; attempt < 2; attempt++) {
		int i, status;

		lua_pushvalue(L, top);
		lua_getiuservalue(L, 1, 1);	/* the handle */
		for (i = 0; i < nargs; i++)
			lua_pushvalue(L, 3 + i);
		h->busy = 0;
		status = lua_pcall(L, nargs + 1, 3, 0);
		h->busy = 1;
		if (status != LUA_OK) {
			/* misuse raises here, before anything of this call is sent */
			pl_batch_rollback(&lb->b, mark);
			return lua_error(L);
		}
		if (!(lua_isnil(L, -3) && lua_type(L, -2) == LUA_TSTRING))
			break;	/* queued (or done: a query) */
		if (attempt == 0 && pl_batch_retry(&lb->b, mark)) {
			lua_settop(L, top);
			continue;	/* a name made earlier in the batch: built again */
		}
		{
			struct pl_err e;

			e.misuse = 0;
			e.err = lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1) : 0;
			snprintf(e.msg, sizeof(e.msg), "%s", lua_tostring(L, -2));
			call_object(L, 3, &lb->b, name, e.msg);
			pl_batch_fail(&lb->b, &e);
		}
		break;
	}
	return 0;
}

static void push_errs(lua_State *L, const struct pl_batch *b)
{
	size_t i;

	lua_createtable(L, (int)b->nerr, 0);
	for (i = 0; i < b->nerr; i++) {
		const struct pl_batch_err *x = &b->errs[i];

		lua_createtable(L, 0, 5);
		lua_pushinteger(L, x->index);
		lua_setfield(L, -2, "index");
		lua_pushstring(L, x->op);
		lua_setfield(L, -2, "op");
		lua_pushstring(L, x->obj);
		lua_setfield(L, -2, "object");
		lua_pushstring(L, x->msg);
		lua_setfield(L, -2, "message");
		lua_pushinteger(L, x->err);
		lua_setfield(L, -2, "errno");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

static int l_batch_close(lua_State *L)
{
	struct lbatch *lb = luaL_checkudata(L, 1, BATCH_MT);

	if (lb->b.s)
		pl_batch_end(&lb->b);
	if (lb->h)
		lb->h->batching = 0;
	lb->active = 0;
	return 0;
}

/* h:batch(fn) */
static int h_batch(lua_State *L)
{
	struct lhandle *h = checkhandle(L, "batch");
	struct lbatch *lb;
	struct pl_err e;
	int status;

	if (lua_type(L, 2) != LUA_TFUNCTION)
		return misuse(L, "batch", "fn: expected a function, got %s", luaL_typename(L, 2));
	lua_settop(L, 2);
	hold(L, 1, h, "batch");				/* 3: the busy guard */
	lb = lua_newuserdatauv(L, sizeof(*lb), 1);	/* 4 */
	memset(lb, 0, sizeof(*lb));
	luaL_setmetatable(L, BATCH_MT);
	lua_pushvalue(L, 1);
	lua_setiuservalue(L, 4, 1);
	lua_toclose(L, 4);	/* the batch is over when this call returns or raises */
	if (pl_batch_begin(&lb->b, &h->s, &e) < 0)
		return pusherr(L, "batch", &e);
	lb->h = h;
	lb->active = 1;
	h->batching = 1;
	lua_pushvalue(L, 2);
	lua_pushvalue(L, 4);
	status = lua_pcall(L, 1, 0, 0);
	if (status != LUA_OK)
		return lua_error(L);	/* what is still queued is dropped unsent */
	pl_batch_flush(&lb->b, &e);
	if (lb->b.nerr == 0) {
		lua_pushboolean(L, 1);
		return 1;
	}
	lua_pushnil(L);
	push_errs(L, &lb->b);
	return 2;
}

const luaL_Reg pl_lua_batch_methods[] = {
	{ "batch", h_batch },
	{ NULL, NULL },
};

/* Called by luaopen_plumb_core with the module table on top. */
void pl_lua_batch_open(lua_State *L)
{
	if (luaL_newmetatable(L, BATCH_MT)) {
		lua_pushcfunction(L, l_batch_close);
		lua_setfield(L, -2, "__close");
		lua_pushliteral(L, "batch");
		lua_setfield(L, -2, "__name");
	}
	lua_setfield(L, -2, "_batch_meta");	/* plumb/init.lua adds __index */
	lua_pushcfunction(L, l_batch_call);
	lua_setfield(L, -2, "_batch_call");
}
