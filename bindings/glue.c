// SPDX-License-Identifier: MIT
/*
 * Glue shared by the binding files: Lua tables as struct pl_source, struct pl_sink building
 * Lua tables, handle checking, and the error convention (misuse raises; failures return
 * nil, message, errno).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "glue.h"

/* ---------------------------------------------------------------------------------------- */
/* a Lua table as a struct pl_source */


PL_HOT
void luaval(lua_State *L, int idx, struct pl_val *v)
{
	pl_val_nil(v);
	switch (lua_type(L, idx)) {
	case LUA_TNONE:
	case LUA_TNIL:
		break;
	case LUA_TBOOLEAN:
		v->kind = PL_V_BOOL;
		v->b = lua_toboolean(L, idx);
		break;
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx)) {
			v->kind = PL_V_INT;
			v->i = lua_tointeger(L, idx);
		} else {
			v->kind = PL_V_OTHER;
			v->s = "a non-integer number";
		}
		break;
	case LUA_TSTRING:
		v->kind = PL_V_STR;
		v->s = lua_tolstring(L, idx, &v->len);
		break;
	case LUA_TTABLE:
		v->kind = PL_V_TABLE;
		break;
	default:
		v->kind = PL_V_OTHER;
		break;
	}
}

/*
 * A source reads the option table raw (no metamethod runs) and answers most gets without a
 * Lua call: the first get on a table reads its string keys and their values once into a
 * small cache, with a 64-bit signature mask of the keys present, so that the dozens of
 * absent keys a builder asks for (every settable option of a descriptor table) cost a shift
 * and a test each. The strings the cache points at belong to the table, which nothing can
 * change while the source is in use: either the table is a private copy (lsrc_init_copy) or
 * no Lua value is created until the call is done (lsrc_init: no allocation, so no garbage
 * collection step and no finalizer, the only way Lua code could run during a build).
 */

/* Cache a key (@k of @klen bytes, NULL when not a string) and its value (at the top of the
 * stack, of Lua type @vt; @vs/@vlen when a string, already read), for the current table
 * (s->nkeys[d] counts from 0; -2 once too many to keep). */
PL_HOT
static void lsrc_cache_kv(struct lsrc *s, const char *k, size_t klen, int vt,
				 const char *vs, size_t vlen)
{
	int d = s->depth, n = s->nkeys[d];
	struct pl_val *v;

	if (!k) {
		s->nother[d]++;
		return;
	}
	if (n < 0 || n >= SRC_KEYCACHE) {
		s->nkeys[d] = -2;	/* too many to keep: gets scan the table */
		return;
	}
	s->key[d][n] = k;
	s->klen[d][n] = klen;
	v = &s->val[d][n];
	if (vt == LUA_TSTRING) {
		pl_val_nil(v);
		v->kind = PL_V_STR;
		v->s = vs;
		v->len = vlen;
	} else {
		luaval(s->L, -1, v);
	}
	s->mask[d] |= 1ull << pl_keysig(k);
	s->nkeys[d]++;
}

/* The same for the key and value at the top of the stack. */
static void lsrc_cache_one(struct lsrc *s)
{
	lua_State *L = s->L;
	size_t klen = 0, vlen = 0;
	const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tolstring(L, -2, &klen) : NULL;
	int vt = lua_type(L, -1);
	const char *vs = vt == LUA_TSTRING ? lua_tolstring(L, -1, &vlen) : NULL;

	lsrc_cache_kv(s, k, klen, vt, vs, vlen);
}

PL_HOT
static void lsrc_cache_reset(struct lsrc *s)
{
	int d = s->depth;

	s->nkeys[d] = 0;
	s->mask[d] = 0;
	s->askedbits[d] = 0;
	s->nother[d] = 0;
}

/* Tell the core what the current table's cache knows (see struct pl_source: mask). */
PL_HOT
static void lsrc_sync(struct lsrc *s)
{
	int d = s->depth;

	s->base.masked = s->nkeys[d] >= 0;
	s->base.mask = s->mask[d];
}

/* Read the string keys of the current table and their values, once. */
static void lsrc_cache(struct lsrc *s)
{
	lua_State *L = s->L;

	lsrc_cache_reset(s);
	lua_pushnil(L);
	while (lua_next(L, s->idx[s->depth]) != 0) {
		lsrc_cache_one(s);
		lua_pop(L, 1);
	}
	lsrc_sync(s);
}

/* The cache slot of @key in the current table: its index, -1 if absent, -2 if the table's
 * keys are not cached (too many). */
PL_HOT
static int lsrc_slot(struct lsrc *s, const char *key)
{
	int d = s->depth, i;
	size_t klen;

	if (s->nkeys[d] < 0)
		return -2;
	if (!((s->mask[d] >> pl_keysig(key)) & 1u))
		return -1;
	klen = strlen(key);
	for (i = 0; i < s->nkeys[d]; i++)
		if (s->klen[d][i] == klen && s->key[d][i][0] == key[0] &&
		    memcmp(s->key[d][i], key, klen) == 0) {
			s->askedbits[d] |= 1u << i;
			return i;
		}
	return -1;
}

/* For a table whose keys are not cached: remember @key as asked for, checked on leave. */
static void lsrc_ask(struct lsrc *s, const char *key)
{
	int d = s->depth, i;

	for (i = 0; i < s->nasked[d]; i++)
		if (strcmp(s->asked[d][i], key) == 0)
			return;
	if (s->nasked[d] < SRC_MAXKEYS)
		s->asked[d][s->nasked[d]++] = key;
}

/* Push field @key of the current table by a scan (no metamethod, no allocation); returns
 * its type, LUA_TNIL (pushed) when absent. */
static int lsrc_scan(struct lsrc *s, const char *key)
{
	lua_State *L = s->L;
	int t = s->idx[s->depth];
	size_t klen = strlen(key);

	lua_pushnil(L);
	while (lua_next(L, t) != 0) {
		size_t n;
		const char *k;

		if (lua_type(L, -2) == LUA_TSTRING) {
			k = lua_tolstring(L, -2, &n);
			if (n == klen && memcmp(k, key, n) == 0) {
				lua_remove(L, -2);
				return lua_type(L, -1);
			}
		}
		lua_pop(L, 1);
	}
	lua_pushnil(L);
	return LUA_TNIL;
}

PL_HOT
static int lsrc_get(struct pl_source *src, const char *key, struct pl_val *v)
{
	struct lsrc *s = (struct lsrc *)src;
	int i = lsrc_slot(s, key);

	if (i >= 0) {
		*v = s->val[s->depth][i];
		return 0;
	}
	if (i == -1) {
		pl_val_nil(v);
		return 0;
	}
	if (lsrc_scan(s, key) != LUA_TNIL)
		lsrc_ask(s, key);
	luaval(s->L, -1, v);	/* a string stays alive: the table holds it */
	lua_pop(s->L, 1);
	return 0;
}

PL_HOT
static int lsrc_keys(struct pl_source *src, const char *const **keys, uint64_t *mask)
{
	struct lsrc *s = (struct lsrc *)src;
	int d = s->depth;

	if (s->nkeys[d] < 0)
		return -1;
	*keys = s->key[d];
	*mask = s->mask[d];
	return s->nkeys[d];
}

/* Make the table at the top of the stack current, opened by @name. */
static void lsrc_push_level(struct lsrc *s, const char *name)
{
	s->depth++;
	s->idx[s->depth] = lua_gettop(s->L);
	snprintf(s->name[s->depth], sizeof(s->name[0]), "%s", name);
	s->nasked[s->depth] = 0;
	s->alen[s->depth] = 0;
	lsrc_cache(s);
}

static int lsrc_enter(struct pl_source *src, const char *key)
{
	struct lsrc *s = (struct lsrc *)src;
	int i = lsrc_slot(s, key), t;

	if (i == -1)
		return 0;
	if (i >= 0 && (s->val[s->depth][i].kind != PL_V_TABLE || s->depth + 1 >= SRC_MAXDEPTH))
		return -1;
	t = lsrc_scan(s, key);
	if (t == LUA_TNIL) {
		lua_pop(s->L, 1);
		return 0;
	}
	if (i == -2)
		lsrc_ask(s, key);
	if (t != LUA_TTABLE || s->depth + 1 >= SRC_MAXDEPTH) {
		lua_pop(s->L, 1);
		return -1;
	}
	lsrc_push_level(s, key);
	return 1;
}

static long long lsrc_len(struct pl_source *src)
{
	struct lsrc *s = (struct lsrc *)src;

	s->alen[s->depth] = (long long)lua_rawlen(s->L, s->idx[s->depth]);
	return s->alen[s->depth];
}

static int lsrc_enter_at(struct pl_source *src, long long i)
{
	struct lsrc *s = (struct lsrc *)src;
	char name[sizeof(s->name[0])];
	lua_State *L = s->L;
	int t;

	t = lua_rawgeti(L, s->idx[s->depth], (lua_Integer)i);
	if (t == LUA_TNIL) {
		lua_pop(L, 1);
		return 0;
	}
	if (t != LUA_TTABLE || s->depth + 1 >= SRC_MAXDEPTH) {
		lua_pop(L, 1);
		return -1;
	}
	snprintf(name, sizeof(name), "%s[%lld]", s->name[s->depth], i);
	lsrc_push_level(s, name);
	return 1;
}

/* The keys of the current table nobody asked for: the first one's message in @e. */
PL_HOT
static int lsrc_unknown(struct lsrc *s, struct pl_err *e)
{
	lua_State *L = s->L;
	int d = s->depth, rc = 0, i;
	const char *pre = d ? s->name[d] : "", *sep = d ? ": " : "";

	if (s->nkeys[d] >= 0) {
		for (i = 0; i < s->nkeys[d]; i++)
			if (!(s->askedbits[d] & (1u << i)))
				return pl_err_misuse(e, "%s%sunknown option \"%s\"", pre, sep,
						     s->key[d][i]);
		if (s->nother[d] == 0)
			return 0;
	}
	lua_pushnil(L);
	while (rc == 0 && lua_next(L, s->idx[d]) != 0) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
		int known = 0;

		if (k && s->nkeys[d] >= 0)
			known = 1;	/* checked above */
		for (i = 0; k && !known && i < s->nasked[d]; i++)
			if (strcmp(s->asked[d][i], k) == 0)
				known = 1;
		if (lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1 &&
		    lua_tointeger(L, -2) <= s->alen[d])
			known = 1;
		if (!known) {
			if (k)
				rc = pl_err_misuse(e, "%s%sunknown option \"%s\"", pre, sep, k);
			else
				rc = pl_err_misuse(e, "%s%soption keys must be strings", pre, sep);
			lua_pop(L, 2);
			break;
		}
		lua_pop(L, 1);
	}
	return rc;
}

PL_HOT
static int lsrc_leave(struct pl_source *src, struct pl_err *e)
{
	struct lsrc *s = (struct lsrc *)src;
	int rc = lsrc_unknown(s, e);

	if (s->depth > 0) {
		lua_remove(s->L, s->idx[s->depth]);
		s->depth--;
		lsrc_sync(s);
	}
	return rc;
}

/* Checking (and copying) an option table: what it is for (messages) and how much may still
 * be read. */
struct lsnap {
	lua_State *L;
	const char *fn;
	long budget;
	int copy;
	struct lsrc *fill;	/* checking in place: the source whose top-level cache to fill */
};

/* Where a value sits in the option table, for a message: "peer.name", "nexthops[2].dev".
 * Rendered only when a message needs it. */
struct lpath {
	const struct lpath *up;
	const char *k;		/* a string key, or NULL */
	lua_Integer i;		/* an integer key (when k is NULL and isint) */
	int isint;
};

static void lpath_render(const struct lpath *p, char *buf, size_t cap)
{
	size_t n;

	buf[0] = '\0';
	if (!p)
		return;
	if (!p->k && !p->isint)
		return;		/* a key neither string nor integer: no path */
	lpath_render(p->up, buf, cap);
	n = strlen(buf);
	if (p->k)
		snprintf(buf + n, cap - n, "%s%s", n ? "." : "", p->k);
	else
		snprintf(buf + n, cap - n, "[%lld]", (long long)p->i);
}

#define SNAP_BUDGET 100000	/* entries, all tables together: cyclic tables end here */

/* Check the table at absolute index @from (strings without NUL bytes, at most SNAP_BUDGET
 * entries), down to the depth a source can enter; with c->copy, push a raw copy of it too. */
PL_HOT
static void lsnap_table(struct lsnap *c, int from, int depth, const struct lpath *up)
{
	lua_State *L = c->L;
	char path[160];
	int to = 0;

	luaL_checkstack(L, 6, "plumb: option tables nested too deep");
	if (c->copy) {
		lua_createtable(L, (int)(lua_rawlen(L, from) & 0xffff), 4);
		to = lua_gettop(L);
	}
	lua_pushnil(L);
	while (lua_next(L, from) != 0) {
		struct lpath me = { up, NULL, 0, 0 };
		size_t n = 0;
		const char *k;

		size_t kn = 0;
		const char *vs = NULL;
		int vt = lua_type(L, -1);

		if (--c->budget < 0)
			misuse(L, c->fn, "option table too large (more than %d entries)", SNAP_BUDGET);
		if (lua_type(L, -2) == LUA_TSTRING) {
			k = lua_tolstring(L, -2, &kn);
			if (strlen(k) != kn) {
				lpath_render(up, path, sizeof(path));
				misuse(L, c->fn, "%s%soption key \"%s\" contains a NUL byte", path,
				       *path ? ": " : "", k);
			}
			me.k = k;
		} else if (lua_isinteger(L, -2)) {
			me.i = lua_tointeger(L, -2);
			me.isint = 1;
		}
		if (vt == LUA_TSTRING) {
			vs = lua_tolstring(L, -1, &n);
			if (strlen(vs) != n) {
				lpath_render(&me, path, sizeof(path));
				misuse(L, c->fn, "%s: contains a NUL byte", path);
			}
		}
		if (depth == 0 && c->fill)
			lsrc_cache_kv(c->fill, me.k, kn, vt, vs, n);
		if (vt == LUA_TTABLE && depth + 1 < SRC_MAXDEPTH) {
			lsnap_table(c, lua_gettop(L), depth + 1, &me);
			if (c->copy)
				lua_remove(L, -2);
		}
		if (c->copy) {
			lua_pushvalue(L, -2);
			lua_insert(L, -2);
			lua_rawset(L, to);
		} else {
			lua_pop(L, 1);
		}
	}
}

PL_HOT
static void lsrc_start(struct lsrc *s, lua_State *L, int idx)
{
	s->base.get = lsrc_get;
	s->base.enter = lsrc_enter;
	s->base.leave = lsrc_leave;
	s->base.len = lsrc_len;
	s->base.enter_at = lsrc_enter_at;
	s->base.keys = lsrc_keys;
	s->base.masked = 0;
	s->base.mask = 0;
	s->L = L;
	s->depth = 0;
	s->idx[0] = idx;
	s->name[0][0] = '\0';
	s->nasked[0] = 0;
	s->alen[0] = 0;
	luaL_checkstack(L, SRC_MAXDEPTH * 2 + 8, "plumb: option tables nested too deep");
}

PL_HOT
void lsrc_init(struct lsrc *s, lua_State *L, int idx, const char *fn)
{
	struct lsnap c = { L, fn, SNAP_BUDGET, 0, s };

	idx = lua_absindex(L, idx);
	lsrc_start(s, L, idx);
	lsrc_cache_reset(s);	/* filled by the check: one pass over the table */
	lsnap_table(&c, idx, 0, NULL);
	lsrc_sync(s);
}

void lsrc_init_copy(struct lsrc *s, lua_State *L, int idx, const char *fn)
{
	struct lsnap c = { L, fn, SNAP_BUDGET, 1, NULL };

	luaL_checkstack(L, SRC_MAXDEPTH * 2 + 8, "plumb: option tables nested too deep");
	lsnap_table(&c, lua_absindex(L, idx), 0, NULL);
	lsrc_start(s, L, lua_gettop(L));
	lsrc_cache(s);
}

/* ---------------------------------------------------------------------------------------- */
/* a struct pl_sink building Lua tables */


/*
 * Field names are interned once per lua_State: the registry table KEYS_REG holds each key's
 * Lua string at an integer id, and the id at the key's address (the core's keys are static
 * strings, see struct pl_sink). A listing keeps address -> id in a small C table of its own,
 * so storing a field is lua_rawgeti of the interned name and lua_rawset: no string is
 * hashed, compared or created again.
 */
#define KEYS_REG "plumb.sink_keys"

static void lsink_key(struct lsink *k, const char *key)
{
	lua_State *L = k->L;
	unsigned h = (unsigned)(((uintptr_t)key * 0x9E3779B97F4A7C15ull) >> 57);
	lua_Integer id;

	for (; k->kc[h].p; h = (h + 1) & (LSINK_KC - 1))
		if (k->kc[h].p == key) {
			lua_rawgeti(L, k->keys, k->kc[h].id);
			return;
		}
	if (lua_rawgetp(L, k->keys, key) == LUA_TNUMBER) {
		id = lua_tointeger(L, -1);
	} else {
		id = (lua_Integer)lua_rawlen(L, k->keys) + 1;
		lua_pushstring(L, key);
		lua_rawseti(L, k->keys, id);
		lua_pushinteger(L, id);
		lua_rawsetp(L, k->keys, key);
	}
	lua_pop(L, 1);
	if (k->nkc < LSINK_KC * 3 / 4) {
		k->kc[h].p = key;
		k->kc[h].id = (int)id;
		k->nkc++;
	}
	lua_rawgeti(L, k->keys, id);
}

/* The value pushed by @push stored under @key in the open table on top, or appended. */
#define LSINK_PUT(k, key, push)							\
	do {									\
		if (key)							\
			lsink_key(k, key);					\
		push;								\
		if (key) {							\
			lua_rawset((k)->L, -3);					\
			(k)->nk[(k)->depth]++;					\
		} else {							\
			lua_rawseti((k)->L, -2, ++(k)->n[(k)->depth]);		\
		}								\
	} while (0)

static void lsink_num(struct pl_sink *sk, const char *key, double v)
{
	struct lsink *k = (struct lsink *)sk;

	LSINK_PUT(k, key, lua_pushnumber(k->L, v));
}

static void lsink_integer(struct pl_sink *sk, const char *key, long long v)
{
	struct lsink *k = (struct lsink *)sk;

	LSINK_PUT(k, key, lua_pushinteger(k->L, v));
}

static void lsink_str(struct pl_sink *sk, const char *key, const char *s)
{
	struct lsink *k = (struct lsink *)sk;

	LSINK_PUT(k, key, lua_pushlstring(k->L, s, strlen(s)));
}

/* a static name: interned like a key */
static void lsink_name(struct pl_sink *sk, const char *key, const char *s)
{
	struct lsink *k = (struct lsink *)sk;

	LSINK_PUT(k, key, lsink_key(k, s));
}

static void lsink_boolean(struct pl_sink *sk, const char *key, int b)
{
	struct lsink *k = (struct lsink *)sk;

	LSINK_PUT(k, key, lua_pushboolean(k->L, b));
}

/* Store the new table on top into its parent below it under @key (or appended); it stays on
 * top, open. */
static void lsink_open(struct lsink *k, const char *key)
{
	lua_State *L = k->L;

	if (key) {
		lsink_key(k, key);
		lua_pushvalue(L, -2);
		lua_rawset(L, -4);
		k->nk[k->depth]++;
	} else {
		lua_pushvalue(L, -1);
		lua_rawseti(L, -3, ++k->n[k->depth]);
	}
	if (k->depth + 1 < SINK_MAXDEPTH)
		k->depth++;
	k->n[k->depth] = 0;
	k->nk[k->depth] = 0;
}

static void lsink_begin(struct pl_sink *sk, const char *key)
{
	struct lsink *k = (struct lsink *)sk;
	lua_State *L = k->L;

	luaL_checkstack(L, 4, "plumb: record nested too deep");
	lua_createtable(L, 0, sk->size_hint >= 0 ? sk->size_hint : key ? 4 : k->rec_fields);
	sk->size_hint = -1;
	lsink_open(k, key);
}

static void lsink_begin_list(struct pl_sink *sk, const char *key)
{
	struct lsink *k = (struct lsink *)sk;
	lua_State *L = k->L;

	luaL_checkstack(L, 4, "plumb: record nested too deep");
	lua_createtable(L, sk->size_hint >= 0 ? sk->size_hint : 4, 0);
	sk->size_hint = -1;
	lsink_open(k, key);
}

static void lsink_end(struct pl_sink *sk)
{
	struct lsink *k = (struct lsink *)sk;

	/* the records of one listing look alike: the next is made as large as this one */
	if (k->depth == 1 && k->nk[1] > 0)
		k->rec_fields = k->nk[1];
	lua_pop(k->L, 1);
	if (k->depth > 0)
		k->depth--;
}

static void lsink_ifindex(struct pl_sink *sk, const char *key, uint32_t idx)
{
	struct lsink *k = (struct lsink *)sk;
	lua_State *L = k->L;

	LSINK_PUT(k, key, lua_pushinteger(L, idx));
	/* Remember (table, key): names are filled in once the whole reply is read. */
	lua_pushvalue(L, -1);
	lua_rawseti(L, k->fix, ++k->nfix);
	lsink_key(k, key);
	lua_rawseti(L, k->fix, ++k->nfix);
}

static void lsink_amend(struct pl_sink *sk, long rec, const char *list, const char *s)
{
	struct lsink *k = (struct lsink *)sk;
	lua_State *L = k->L;

	luaL_checkstack(L, 4, "plumb: record nested too deep");
	if (lua_rawgeti(L, k->root, rec) == LUA_TTABLE) {
		lsink_key(k, list);
		if (lua_rawget(L, -2) == LUA_TTABLE) {
			lua_pushstring(L, s);
			lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
}

static void lsink_reset(struct pl_sink *sk)
{
	struct lsink *k = (struct lsink *)sk;
	lua_State *L = k->L;

	lua_settop(L, k->root);
	lua_newtable(L);
	lua_replace(L, k->root);
	lua_newtable(L);
	lua_replace(L, k->fix);
	k->nfix = 0;
	k->depth = 0;
	k->n[0] = 0;
	k->nk[0] = 0;
}

#define NAMES_MT "plumb.ifnames"

/* The listing's ifindex -> name map lives in a userdata: freed by the collector even when a
 * listing raises (out of memory) half way. */
static int lnames_gc(lua_State *L)
{
	struct pl_ifnames *m = lua_touserdata(L, 1);

	if (m)
		pl_ifnames_free(m);
	return 0;
}

/* Push the name map, the fix-up list and the root table, and start a sink on them. */
void lsink_init(struct lsink *k, lua_State *L)
{
	struct pl_ifnames *m;

	memset(k, 0, sizeof(*k));
	m = lua_newuserdatauv(L, sizeof(*m), 0);
	memset(m, 0, sizeof(*m));
	m->fd = -1;
	if (luaL_newmetatable(L, NAMES_MT)) {
		lua_pushcfunction(L, lnames_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_setmetatable(L, -2);
	k->base.names = m;
	k->base.size_hint = -1;
	luaL_getsubtable(L, LUA_REGISTRYINDEX, KEYS_REG);
	k->keys = lua_gettop(L);
	k->base.num = lsink_num;
	k->base.integer = lsink_integer;
	k->base.str = lsink_str;
	k->base.boolean = lsink_boolean;
	k->base.begin = lsink_begin;
	k->base.begin_list = lsink_begin_list;
	k->base.end = lsink_end;
	k->base.ifindex = lsink_ifindex;
	k->base.reset = lsink_reset;
	k->base.amend = lsink_amend;
	k->base.name = lsink_name;
	k->L = L;
	k->rec_fields = 24;	/* a link record; others set their own */
	lua_newtable(L);
	k->fix = lua_gettop(L);
	lua_newtable(L);
	k->root = lua_gettop(L);
}

/* ---------------------------------------------------------------------------------------- */
/* handles */


int misuse(lua_State *L, const char *fn, const char *fmt, ...)
{
	va_list ap;

	luaL_where(L, 1);
	lua_pushfstring(L, "%s: ", fn);
	va_start(ap, fmt);
	lua_pushvfstring(L, fmt, ap);
	va_end(ap);
	lua_concat(L, 3);
	return lua_error(L);
}

PL_HOT
struct lhandle *checkhandle(lua_State *L, const char *fn)
{
	struct lhandle *h = luaL_testudata(L, 1, HANDLE_MT);

	if (!h)
		misuse(L, fn, "bad self (expected a plumb handle, got %s)", luaL_typename(L, 1));
	if (!h->open)
		misuse(L, fn, "attempt to use a closed plumb handle");
	if (h->busy && h->batching)
		misuse(L, fn, "handle busy in a batch (inside h:batch(fn), call the batch object's "
		       "methods)");
	if (h->busy)
		misuse(L, fn, "handle busy (called while a call on it is running, from a finalizer?)");
	return h;
}

static int guard_close(lua_State *L)
{
	struct lguard *g = lua_touserdata(L, 1);

	if (g && g->h)
		g->h->busy = 0;
	return 0;
}

void handle_guard_new(lua_State *L, int hidx, struct lhandle *h)
{
	struct lguard *g;

	hidx = lua_absindex(L, hidx);
	g = lua_newuserdatauv(L, sizeof(*g), 0);
	g->h = h;
	if (luaL_newmetatable(L, GUARD_MT)) {
		lua_pushcfunction(L, guard_close);
		lua_setfield(L, -2, "__close");
	}
	lua_setmetatable(L, -2);
	lua_setiuservalue(L, hidx, 1);
}

PL_HOT
void hold(lua_State *L, int hidx, struct lhandle *h, const char *fn)
{
	if (h->busy)
		misuse(L, fn, "handle busy (called while a call on it is running, from a finalizer?)");
	lua_getiuservalue(L, hidx, 1);
	h->busy = 1;
	h->s.building = 0;	/* a request of an earlier call that failed half-built is gone */
	lua_toclose(L, -1);	/* busy is cleared when the call returns or raises */
}

/* Report @e: raise for misuse, else push nil, message, errno. */
int pusherr(lua_State *L, const char *op, const struct pl_err *e)
{
	if (e->misuse)
		return misuse(L, op, "%s", e->msg);
	lua_pushnil(L);
	lua_pushstring(L, e->msg);
	lua_pushinteger(L, e->err);
	return 3;
}

PL_HOT
void checkval(lua_State *L, int arg, struct pl_val *v, const char *fn, const char *what)
{
	luaval(L, arg, v);
	if (v->kind == PL_V_STR && strlen(v->s) != v->len)
		misuse(L, fn, "%s: contains a NUL byte", what);
}

const char *checkstr(lua_State *L, int arg, const char *fn, const char *what)
{
	size_t n;
	const char *s;

	if (lua_type(L, arg) != LUA_TSTRING)
		misuse(L, fn, "%s: expected a string, got %s", what, luaL_typename(L, arg));
	s = lua_tolstring(L, arg, &n);
	if (strlen(s) != n)
		misuse(L, fn, "%s: contains a NUL byte", what);
	return s;
}

/* A device argument: a name or an ifindex. */
PL_HOT
void checkdev(lua_State *L, int arg, struct pl_val *v, const char *fn, const char *what)
{
	memset(v, 0, sizeof(*v));
	if (lua_type(L, arg) == LUA_TNUMBER) {
		if (!lua_isinteger(L, arg))
			misuse(L, fn, "%s: expected a name or an ifindex, got a non-integer number",
			       what);
		v->kind = PL_V_INT;
		v->i = lua_tointeger(L, arg);
		if (v->i <= 0 || v->i > INT32_MAX)
			misuse(L, fn, "%s: invalid ifindex %I", what, (lua_Integer)v->i);
	} else if (lua_type(L, arg) == LUA_TSTRING) {
		checkval(L, arg, v, fn, what);
	} else {
		misuse(L, fn, "%s: expected a name or an ifindex, got %s", what,
		       luaL_typename(L, arg));
	}
}

void lsink_use_sock(struct lsink *k, struct pl_sock *s)
{
	k->base.names->fd = s ? pl_sock_fd(s) : -1;
}

/* Replace the ifindex values noted in the fix-up list by device names: from the listing's
 * own map (the names of a link listing, or those already looked up), else with one get per
 * unknown index. */
void resolve_names(lua_State *L, struct pl_sock *s, struct lsink *k, int links)
{
	struct pl_ifnames *m = k->base.names;
	int i;

	(void)links;
	if (k->nfix == 0)
		return;
	m->fd = -1;	/* the map as it is: the socket may be busy or gone by now */
	for (i = 1; i + 1 <= k->nfix; i += 2) {
		lua_rawgeti(L, k->fix, i);	/* table */
		lua_rawgeti(L, k->fix, i + 1);	/* key */
		lua_pushvalue(L, -1);
		lua_rawget(L, -3);		/* ifindex */
		if (lua_isinteger(L, -1)) {
			lua_Integer idx = lua_tointeger(L, -1);
			const char *known = idx > 0 && idx <= INT32_MAX ?
					    pl_ifnames_get(m, (uint32_t)idx) : NULL;
			char name[64];
			struct pl_err e;

			if (known) {
				lua_pushstring(L, known);
			} else {
				/* Gone since the dump (or in no view at all): ip's
				 * ll_index_to_name form, never the bare number. */
				if (!s || idx <= 0 || idx > INT32_MAX ||
				    pl_link_name(s, (int)idx, name, sizeof(name), &e) != 1)
					snprintf(name, sizeof(name), "if%u", (unsigned)idx);
				lua_pushstring(L, name);
				if (idx > 0 && idx <= INT32_MAX)
					pl_ifnames_put(m, (uint32_t)idx, name, strlen(name));
			}
			lua_pushvalue(L, -3);	/* key */
			lua_insert(L, -2);
			lua_rawset(L, -5);
		}
		lua_pop(L, 3);
	}
}

PL_HOT
int pushtrue(lua_State *L)
{
	lua_pushboolean(L, 1);
	return 1;
}

PL_HOT
struct lhandle *table_arg(lua_State *L, struct lsrc *src, const char *fn)
{
	struct lhandle *h = checkhandle(L, fn);

	checkopts(L, 2, fn);
	if (!lua_isnoneornil(L, 3))
		misuse(L, fn, "expected one option table, got %s more argument%s",
		       lua_gettop(L) > 3 ? "several" : "one", lua_gettop(L) > 3 ? "s" : "");
	lua_settop(L, 2);
	lsrc_init(src, L, 2, fn);
	hold(L, 1, h, fn);
	return h;
}

PL_HOT
void checkopts(lua_State *L, int arg, const char *fn)
{
	if (lua_type(L, arg) != LUA_TTABLE)
		misuse(L, fn, "expected an option table, got %s", luaL_typename(L, arg));
}

PL_HOT
int change_result(lua_State *L, int rc, const char *op, const struct pl_err *e)
{
	if (rc < 0)
		return pusherr(L, op, e);
	return pushtrue(L);
}

int list_result(lua_State *L, struct lhandle *h, struct lsink *k, int rc, const char *op,
		const struct pl_err *e, int links)
{
	if (rc < 0)
		return pusherr(L, op, e);
	lua_settop(L, k->root);
	resolve_names(L, &h->s, k, links);
	return 1;
}
