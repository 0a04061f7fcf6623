// SPDX-License-Identifier: MIT
/*
 * The C half of plumb.monitor (lua/plumb/monitor.lua keeps the picture and the resync):
 * a subscribed socket whose messages become event records ({ event =, object =, ip -j
 * fields }) with the key of their object, and dumps of one object on a socket of its own.
 *
 * Device names come from a Lua table ifindex -> name that the caller keeps (fed by the dumps
 * and by link messages as they arrive): no lookup per event, and a deleted link's events
 * still carry its name.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "glue.h"

#define MONITOR_MT "plumb.monitor_core"
#define MON_GUARD_MT "plumb.monitor_guard"
#define MON_KEYLEN 256
#define MON_MAX_DATAGRAMS 4096	/* read per call at most, so that a storm cannot hold one */

struct lmon {
	struct pl_mon m;
	int open;
	int busy;
	struct pl_rtnames names;
	struct pl_pctx pc;	/* names and descriptor indexes, kept for every message */
};

struct lmon_guard {
	struct lmon *m;
};

/* A sink that forwards to the table-building one, naming devices from the caller's map. */
struct msink {
	struct pl_sink base;
	struct lsink *in;
	lua_State *L;
	int names;	/* absolute index of the ifindex -> name table */
	int unresolved;	/* the record being built named an ifindex not in the map */
};

static struct pl_sink *inner(struct pl_sink *k)
{
	return &((struct msink *)k)->in->base;
}

static void ms_num(struct pl_sink *k, const char *key, double v)
{
	inner(k)->num(inner(k), key, v);
}

static void ms_integer(struct pl_sink *k, const char *key, long long v)
{
	inner(k)->integer(inner(k), key, v);
}

static void ms_str(struct pl_sink *k, const char *key, const char *s)
{
	inner(k)->str(inner(k), key, s);
}

static void ms_boolean(struct pl_sink *k, const char *key, int b)
{
	inner(k)->boolean(inner(k), key, b);
}

static void ms_begin(struct pl_sink *k, const char *key)
{
	inner(k)->begin(inner(k), key);
}

static void ms_begin_list(struct pl_sink *k, const char *key)
{
	inner(k)->begin_list(inner(k), key);
}

static void ms_end(struct pl_sink *k)
{
	inner(k)->end(inner(k));
}

static void ms_reset(struct pl_sink *k)
{
	if (inner(k)->reset)
		inner(k)->reset(inner(k));
}

static void ms_ifindex(struct pl_sink *k, const char *key, uint32_t idx)
{
	struct msink *m = (struct msink *)k;
	char name[64];

	if (lua_rawgeti(m->L, m->names, (lua_Integer)idx) == LUA_TSTRING)
		snprintf(name, sizeof(name), "%s", lua_tostring(m->L, -1));
	else {
		snprintf(name, sizeof(name), "if%u", (unsigned)idx);	/* ip's form */
		m->unresolved = 1;
	}
	lua_pop(m->L, 1);
	inner(k)->str(inner(k), key, name);
}

static void msink_init(struct msink *m, struct lsink *in, lua_State *L, int names)
{
	memset(m, 0, sizeof(*m));
	m->base.num = ms_num;
	m->base.integer = ms_integer;
	m->base.str = ms_str;
	m->base.boolean = ms_boolean;
	m->base.begin = ms_begin;
	m->base.begin_list = ms_begin_list;
	m->base.end = ms_end;
	m->base.ifindex = ms_ifindex;
	m->base.reset = ms_reset;
	m->in = in;
	m->L = L;
	m->names = names;
}

/* What a read or a dump collects: records (the sink's root list) and their keys. */
struct mctx {
	lua_State *L;
	struct lmon *mon;
	struct lsink k;
	struct msink mk;
	int keys;	/* absolute index of the key list */
	int unres;	/* absolute index of the list of records with an unknown ifindex */
	int n, nunres;
	unsigned want;	/* object bits wanted */
	int events;	/* records are events (event =, object =) */
};

static int mctx_cb(const struct nlmsghdr *nlh, void *data, struct pl_err *e)
{
	struct mctx *c = data;
	lua_State *L = c->L;
	char key[MON_KEYLEN];
	const char *obj, *name;
	pl_parse_fn fn;
	unsigned bit;
	int del, idx;

	(void)e;
	/* names first: the records of this very datagram may name the link */
	if (pl_mon_link_name(nlh, &idx, &name) && idx > 0) {
		lua_pushstring(L, name);
		lua_rawseti(L, c->mk.names, idx);
	}
	obj = pl_mon_classify(nlh, &bit, &fn, &del, key, sizeof(key));
	if (!obj || !(bit & c->want) || !fn || (!c->events && del))
		return 0;
	c->mk.unresolved = 0;
	c->k.base.begin(&c->k.base, NULL);
	fn(nlh, &c->mon->pc, &c->mk.base);
	if (c->events) {
		c->k.base.str(&c->k.base, "event", del ? "del" : "new");
		c->k.base.str(&c->k.base, "object", obj);
	}
	c->k.base.end(&c->k.base);
	lua_pushstring(L, key);
	lua_rawseti(L, c->keys, ++c->n);
	if (c->mk.unresolved) {
		/* a link announced later in the batch may name it: the caller looks again */
		lua_pushinteger(L, c->n);
		lua_rawseti(L, c->unres, ++c->nunres);
	}
	return 0;
}

static void mctx_reset(void *data)
{
	struct mctx *c = data;

	c->k.base.reset(&c->k.base);
	lua_newtable(c->L);
	lua_replace(c->L, c->keys);
	lua_newtable(c->L);
	lua_replace(c->L, c->unres);
	c->n = 0;
	c->nunres = 0;
}

/* Push the key list, then the sink's tables; @names is the absolute index of the map. */
static void mctx_init(struct mctx *c, lua_State *L, struct lmon *mon, int names, unsigned want,
		      int events)
{
	memset(c, 0, sizeof(*c));
	c->L = L;
	c->mon = mon;
	c->want = want;
	c->events = events;
	lua_newtable(L);
	c->keys = lua_gettop(L);
	lua_newtable(L);
	c->unres = lua_gettop(L);
	lsink_init(&c->k, L);
	msink_init(&c->mk, &c->k, L, names);
}

/* ---------------------------------------------------------------------------------------- */

static int guard_close(lua_State *L)
{
	struct lmon_guard *g = lua_touserdata(L, 1);

	if (g && g->m)
		g->m->busy = 0;
	return 0;
}

static struct lmon *checkmon(lua_State *L, const char *fn)
{
	struct lmon *m = luaL_testudata(L, 1, MONITOR_MT);

	if (!m)
		misuse(L, fn, "bad self (expected a plumb monitor, got %s)", luaL_typename(L, 1));
	if (!m->open)
		misuse(L, fn, "attempt to use a closed plumb monitor");
	if (m->busy)
		misuse(L, fn, "monitor busy (called while a call on it is running, from a finalizer?)");
	return m;
}

/* Mark @m busy until the running C function returns or raises. */
static void mon_hold(lua_State *L, struct lmon *m)
{
	lua_getiuservalue(L, 1, 1);
	m->busy = 1;
	lua_toclose(L, -1);
}

static int names_arg(lua_State *L, int arg, const char *fn)
{
	if (lua_type(L, arg) != LUA_TTABLE)
		misuse(L, fn, "names: expected a table, got %s", luaL_typename(L, arg));
	return lua_absindex(L, arg);
}

/* core.monitor_open(objects, netns, rcvbuf): objects a list of names. */
static int l_monitor_open(lua_State *L)
{
	struct pl_nsref ns = { 0 };
	unsigned objects = 0;
	lua_Integer rcvbuf = 0, i, n;
	struct lmon_guard *g;
	struct lmon *m;
	struct pl_err e;

	luaL_checktype(L, 1, LUA_TTABLE);
	n = (lua_Integer)lua_rawlen(L, 1);
	for (i = 1; i <= n; i++) {
		unsigned bit;

		lua_rawgeti(L, 1, i);
		if (lua_type(L, -1) != LUA_TSTRING)
			misuse(L, "monitor", "objects[%I]: expected a string, got %s", i,
			       luaL_typename(L, -1));
		bit = pl_mon_object_bit(lua_tostring(L, -1));
		if (!bit)
			misuse(L, "monitor", "unknown object \"%s\"", lua_tostring(L, -1));
		objects |= bit;
		lua_pop(L, 1);
	}
	if (!lua_isnoneornil(L, 2)) {
		if (lua_type(L, 2) == LUA_TNUMBER && lua_isinteger(L, 2)) {
			lua_Integer pid = lua_tointeger(L, 2);

			if (pid <= 0 || pid > INT32_MAX)
				misuse(L, "monitor", "netns: pid %I out of range 1..%d", pid, INT32_MAX);
			ns.pid = (pid_t)pid;
		} else {
			ns.name = checkstr(L, 2, "monitor", "netns");
			if (!strchr(ns.name, '/') && !pl_netns_name_ok(ns.name))
				misuse(L, "monitor", "netns: invalid namespace name \"%s\"", ns.name);
		}
	}
	if (!lua_isnoneornil(L, 3)) {
		if (!lua_isinteger(L, 3))
			misuse(L, "monitor", "rcvbuf: expected an integer, got %s",
			       luaL_typename(L, 3));
		rcvbuf = lua_tointeger(L, 3);
		if (rcvbuf < 1024 || rcvbuf > (1 << 30))
			misuse(L, "monitor", "rcvbuf: %I out of range 1024..%d", rcvbuf, 1 << 30);
	}
	m = lua_newuserdatauv(L, sizeof(*m), 1);
	memset(m, 0, sizeof(*m));
	m->pc.names = &m->names;
	luaL_setmetatable(L, MONITOR_MT);
	g = lua_newuserdatauv(L, sizeof(*g), 0);
	g->m = m;
	luaL_setmetatable(L, MON_GUARD_MT);
	lua_setiuservalue(L, -2, 1);
	if (pl_mon_open(&m->m, &ns, objects, (int)rcvbuf, &e) < 0) {
		pl_err_prefix(&e, "monitor");
		return pusherr(L, "monitor", &e);
	}
	m->open = 1;
	return 1;
}

/* mc:_recv(timeout_ms, names, objects): wait up to timeout_ms (-1: for ever) for the first
 * datagram, then read what is queued. Returns events, keys, "overrun" (or nil) when the queue
 * had overflowed (messages were lost: what was read before is still returned), and the
 * indices of the events naming an ifindex the map did not know; or nil, message, errno.
 * @objects: the bits to report (links are always read for their names). */
static int m_recv(lua_State *L)
{
	struct lmon *m = checkmon(L, "_recv");
	lua_Integer timeout = luaL_checkinteger(L, 2);
	int names = names_arg(L, 3, "_recv"), got = 0, rc = 0, overrun = 0;
	unsigned want = (unsigned)luaL_checkinteger(L, 4);
	struct pl_err e;
	struct mctx c;

	lua_settop(L, 4);
	mon_hold(L, m);
	if (timeout != 0) {
		struct pollfd p = { pl_sock_fd(&m->m.s), POLLIN, 0 };
		int t = timeout < 0 || timeout > INT32_MAX ? -1 : (int)timeout;

		rc = poll(&p, 1, t);
		if (rc < 0 && errno != EINTR) {
			pl_err_set(&e, errno, "monitor: poll: %s", strerror(errno));
			return pusherr(L, "monitor", &e);
		}
	}
	mctx_init(&c, L, m, names, want, 1);
	while (got < MON_MAX_DATAGRAMS) {
		rc = pl_recv(&m->m.s, PL_RECV_NONBLOCK, mctx_cb, &c, &e);
		if (rc <= 0)
			break;
		got++;
	}
	if (rc < 0) {
		/* EMSGSIZE: a datagram larger than the buffer was lost (the buffer grew) */
		if (e.err != ENOBUFS && e.err != EMSGSIZE)
			return pusherr(L, "monitor", &e);
		overrun = 1;
	}
	lua_pushvalue(L, c.k.root);
	lua_pushvalue(L, c.keys);
	if (overrun)
		lua_pushliteral(L, "overrun");
	else
		lua_pushnil(L);
	lua_pushvalue(L, c.unres);
	return 4;
}

/* mc:_dump(object, names): every object of that kind, read on a socket of its own in the
 * monitor's namespace -> records, keys, indices of records naming an unknown ifindex; or
 * nil, message, errno. */
static int m_dump(lua_State *L)
{
	struct lmon *m = checkmon(L, "_dump");
	const char *obj = luaL_checkstring(L, 2);
	int names = names_arg(L, 3, "_dump"), rc;
	unsigned bit = pl_mon_object_bit(obj);
	struct pl_sock s;
	struct pl_err e;
	struct mctx c;

	if (!bit)
		misuse(L, "_dump", "unknown object \"%s\"", obj);
	lua_settop(L, 3);
	mon_hold(L, m);
	if (pl_sock_open_like(&s, &m->m.s, &e) < 0) {
		pl_err_prefix(&e, "monitor");
		return pusherr(L, "monitor", &e);
	}
	mctx_init(&c, L, m, names, bit, 0);
	rc = pl_mon_dump(&s, bit, mctx_cb, mctx_reset, &c, &e);
	pl_sock_close(&s);
	if (rc < 0)
		return pusherr(L, "monitor", &e);
	lua_pushvalue(L, c.k.root);
	lua_pushvalue(L, c.keys);
	lua_pushvalue(L, c.unres);
	return 3;
}

/* mc:_drain(): drop what is queued after an overrun; returns the datagrams dropped. */
static int m_drain(lua_State *L)
{
	struct lmon *m = checkmon(L, "_drain");

	lua_pushinteger(L, pl_mon_drain(&m->m));
	return 1;
}

static int m_fd(lua_State *L)
{
	struct lmon *m = checkmon(L, "fd");

	lua_pushinteger(L, pl_sock_fd(&m->m.s));
	return 1;
}

/* The receive buffer the kernel granted, in bytes. */
static int m_rcvbuf(lua_State *L)
{
	struct lmon *m = checkmon(L, "_rcvbuf");

	lua_pushinteger(L, m->m.rcvbuf);
	return 1;
}

static int m_close(lua_State *L)
{
	struct lmon *m = luaL_testudata(L, 1, MONITOR_MT);

	if (!m)
		return misuse(L, "close", "bad self (expected a plumb monitor, got %s)",
			      luaL_typename(L, 1));
	if (m->busy)
		return misuse(L, "close", "monitor busy (a call on it is running)");
	if (m->open) {
		pl_mon_close(&m->m);
		pl_rtnames_free(&m->names);
		m->open = 0;
	}
	return 0;
}

static int m_gc(lua_State *L)
{
	struct lmon *m = luaL_testudata(L, 1, MONITOR_MT);

	if (m && m->open) {
		pl_mon_close(&m->m);
		pl_rtnames_free(&m->names);
		m->open = 0;
	}
	return 0;
}

static int m_tostring(lua_State *L)
{
	struct lmon *m = luaL_checkudata(L, 1, MONITOR_MT);

	if (m->open)
		lua_pushfstring(L, "plumb monitor core (fd %d)", pl_sock_fd(&m->m.s));
	else
		lua_pushstring(L, "plumb monitor core (closed)");
	return 1;
}

/* The bits of a list of object names (for _recv). */
static int l_monitor_bits(lua_State *L)
{
	lua_Integer i, n;
	unsigned bits = 0;

	luaL_checktype(L, 1, LUA_TTABLE);
	n = (lua_Integer)lua_rawlen(L, 1);
	for (i = 1; i <= n; i++) {
		lua_rawgeti(L, 1, i);
		bits |= lua_type(L, -1) == LUA_TSTRING ? pl_mon_object_bit(lua_tostring(L, -1)) : 0;
		lua_pop(L, 1);
	}
	lua_pushinteger(L, bits);
	return 1;
}

/* core.poll(fds, timeout_ms): wait until one of @fds (a list of integers) is readable, at most
 * timeout_ms (negative: for ever) -> the list of readable ones (empty after the timeout); or
 * nil, message, errno. */
#define POLL_MAX 256
static int l_poll(lua_State *L)
{
	struct pollfd p[POLL_MAX];
	lua_Integer i, n, t;
	int rc, k = 0;

	if (lua_type(L, 1) != LUA_TTABLE)
		return misuse(L, "poll", "fds: expected a list of file descriptors, got %s",
			      luaL_typename(L, 1));
	n = (lua_Integer)lua_rawlen(L, 1);
	if (n > POLL_MAX)
		return misuse(L, "poll", "fds: %I descriptors, more than %d", n, POLL_MAX);
	for (i = 1; i <= n; i++) {
		lua_rawgeti(L, 1, i);
		if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0 ||
		    lua_tointeger(L, -1) > INT32_MAX)
			return misuse(L, "poll", "fds[%I]: expected a file descriptor, got %s", i,
				      lua_isinteger(L, -1) ? "a negative or huge integer" :
				      luaL_typename(L, -1));
		p[i - 1].fd = (int)lua_tointeger(L, -1);
		p[i - 1].events = POLLIN;
		p[i - 1].revents = 0;
		lua_pop(L, 1);
	}
	if (!lua_isinteger(L, 2))
		return misuse(L, "poll", "timeout_ms: expected an integer, got %s",
			      luaL_typename(L, 2));
	t = lua_tointeger(L, 2);
	do
		rc = poll(p, (nfds_t)n, t < 0 || t > INT32_MAX ? -1 : (int)t);
	while (rc < 0 && errno == EINTR);
	if (rc < 0) {
		struct pl_err e;

		pl_err_set(&e, errno, "poll: %s", strerror(errno));
		return pusherr(L, "poll", &e);
	}
	lua_createtable(L, rc, 0);
	for (i = 0; i < n; i++) {
		if (p[i].revents) {
			lua_pushinteger(L, p[i].fd);
			lua_rawseti(L, -2, ++k);
		}
	}
	return 1;
}

static const luaL_Reg mon_methods[] = {
	{ "_recv", m_recv },
	{ "_dump", m_dump },
	{ "_drain", m_drain },
	{ "_rcvbuf", m_rcvbuf },
	{ "fd", m_fd },
	{ "close", m_close },
	{ NULL, NULL },
};

static const luaL_Reg mon_meta[] = {
	{ "__gc", m_gc },
	{ "__close", m_gc },
	{ "__tostring", m_tostring },
	{ NULL, NULL },
};

void pl_lua_monitor_open(lua_State *L)
{
	if (luaL_newmetatable(L, MONITOR_MT)) {
		luaL_setfuncs(L, mon_meta, 0);
		luaL_newlib(L, mon_methods);
		lua_setfield(L, -2, "__index");
	}
	lua_pop(L, 1);
	if (luaL_newmetatable(L, MON_GUARD_MT)) {
		lua_pushcfunction(L, guard_close);
		lua_setfield(L, -2, "__close");
	}
	lua_pop(L, 1);
	/* the module table is on top */
	lua_pushcfunction(L, l_monitor_open);
	lua_setfield(L, -2, "monitor_open");
	lua_pushcfunction(L, l_monitor_bits);
	lua_setfield(L, -2, "monitor_bits");
	lua_pushcfunction(L, l_poll);
	lua_setfield(L, -2, "poll");
}
