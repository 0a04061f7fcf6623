/* SPDX-License-Identifier: MIT */
/* Shared by the files of bindings/: Lua <-> core glue. Nothing here is exported. */
#ifndef PLUMB_GLUE_H
#define PLUMB_GLUE_H

#include <lua.h>
#include <lauxlib.h>

#include "../core/plumb.h"

#define HANDLE_MT "plumb.handle"
#define GUARD_MT "plumb.handle_guard"
#define SRC_MAXDEPTH 8
#define SRC_MAXKEYS 128
#define SRC_KEYCACHE 24
#define SINK_MAXDEPTH 16
#define LSINK_KC 128	/* keys a listing remembers by address (a power of 2) */

/* a Lua table read as a struct pl_source (unknown keys are refused when a table is left) */
struct lsrc {
	struct pl_source base;
	lua_State *L;
	int depth;
	int idx[SRC_MAXDEPTH];			/* absolute stack index of each open table */
	char name[SRC_MAXDEPTH][40];		/* key that opened it ("nexthops[2]") */
	const char *asked[SRC_MAXDEPTH][SRC_MAXKEYS];
	int nasked[SRC_MAXDEPTH];
	long long alen[SRC_MAXDEPTH];		/* list elements 1..alen count as asked */
	/* the string keys each open table holds, read when the table is opened: most asked
	 * keys are absent and are answered without a scan of the table (-2: too many to keep) */
	int nkeys[SRC_MAXDEPTH];
	int nother[SRC_MAXDEPTH];		/* keys that are not strings */
	uint64_t mask[SRC_MAXDEPTH];		/* pl_keysig() of the cached keys */
	uint32_t askedbits[SRC_MAXDEPTH];	/* the cached keys asked for */
	const char *key[SRC_MAXDEPTH][SRC_KEYCACHE];
	size_t klen[SRC_MAXDEPTH][SRC_KEYCACHE];
	struct pl_val val[SRC_MAXDEPTH][SRC_KEYCACHE];
};

/* a struct pl_sink building Lua tables: root list/table at .root */
struct lsink {
	struct pl_sink base;
	lua_State *L;
	int root;		/* absolute index of the root table */
	int fix;		/* absolute index of the ifindex fix-up list (table, key, ...) */
	int keys;		/* absolute index of the interned field names (KEYS_REG) */
	int nfix;
	int depth;
	int n[SINK_MAXDEPTH];	/* array length of each open table */
	int nk[SINK_MAXDEPTH];	/* and its keyed fields */
	int rec_fields;		/* hash slots preallocated for a list element (a record) */
	int nkc;
	struct {
		const char *p;	/* a key's address -> its id in the interned names */
		int id;
	} kc[LSINK_KC];
};

/* a netlink handle userdata */
struct lhandle {
	struct pl_sock s;
	int open;
	int busy;		/* a call is using the socket (see hold()) */
	int batching;		/* inside h:batch(fn): the batch object makes the calls */
	int ns_known;		/* the socket's netns identity is known: */
	unsigned long long ns_dev, ns_ino;
};

/* The to-be-closed value that clears a handle's busy flag (the handle's uservalue 1). */
struct lguard {
	struct lhandle *h;
};

/* The Lua value at @idx as a struct pl_val (strings stay owned by Lua). */
void luaval(lua_State *L, int idx, struct pl_val *v);
/* Same, for argument @arg of @fn: a string holding a NUL byte raises, naming @what. */
void checkval(lua_State *L, int arg, struct pl_val *v, const char *fn, const char *what);
/* Argument @arg of @fn as a string without NUL bytes (a number is not taken). */
const char *checkstr(lua_State *L, int arg, const char *fn, const char *what);
/* Raise misuse "fn: message" at the caller's position (printf-like, lua_pushfstring's %s %d
 * %I %f %p %c %%). */
int misuse(lua_State *L, const char *fn, const char *fmt, ...);
/* Start a source over the option table at stack index @idx, read raw where it is, after
 * checking all of it (misuse raises here, naming @fn: NUL bytes, too many entries). For a
 * call that creates no Lua value until the core is done with the source (a change: build,
 * send, read the answer), so that no finalizer can run and change the table meanwhile. */
void lsrc_init(struct lsrc *s, lua_State *L, int idx, const char *fn);
/* Same over a private raw copy, pushed on the stack: for a source still read while Lua
 * values are created (listing filters read beside a sink, route_get, route_spec). */
void lsrc_init_copy(struct lsrc *s, lua_State *L, int idx, const char *fn);
/* Raise unless argument @arg of @fn is a table. */
void checkopts(lua_State *L, int arg, const char *fn);
/* Push the name map, the fix-up list and the root table, and start a sink on them. */
void lsink_init(struct lsink *k, lua_State *L);
/* Let the sink name ifindexes the listing does not name itself by SIOCGIFNAME on @s (once
 * per distinct ifindex), as they are reported. */
void lsink_use_sock(struct lsink *k, struct pl_sock *s);
/* The open, idle handle at argument 1 of @fn (raises if not a handle, closed or busy). */
struct lhandle *checkhandle(lua_State *L, const char *fn);
/* Give the handle at stack index @hidx its guard (at creation). */
void handle_guard_new(lua_State *L, int hidx, struct lhandle *h);
/* Mark handle @h (at @hidx) busy until the running C function returns or raises: push its
 * guard as a to-be-closed slot. Called once every argument is read and checked, so that
 * nothing below it changes the stack under the slot. */
void hold(lua_State *L, int hidx, struct lhandle *h, const char *fn);
/* Report @e: raise for misuse, else push nil, message, errno (returns 3). */
int pusherr(lua_State *L, const char *op, const struct pl_err *e);
/* A device argument of @fn: a name or an ifindex (1..INT_MAX), named @what in messages. */
void checkdev(lua_State *L, int arg, struct pl_val *v, const char *fn, const char *what);
/* Turn the ifindex values a sink noted into names (@links: the root is a link list); an
 * ifindex with no device (gone since the dump) becomes "if<N>", as iproute2 prints it. */
void resolve_names(lua_State *L, struct pl_sock *s, struct lsink *k, int links);
/* h:verb{...}: the open handle (argument 1) and argument 2, a table, as a source; raises on
 * misuse (no table, or more arguments); holds the handle. */
struct lhandle *table_arg(lua_State *L, struct lsrc *src, const char *fn);
/* The result of a change: true, or nil, message, errno (misuse raises). */
int change_result(lua_State *L, int rc, const char *op, const struct pl_err *e);
/* The result of a listing into @k (started with lsink_init): the records with device names
 * resolved (@links: the records are links), or nil, message, errno. */
int list_result(lua_State *L, struct lhandle *h, struct lsink *k, int rc, const char *op,
		const struct pl_err *e, int links);
/* Push true (a mutation's result). */
int pushtrue(lua_State *L);

/* Methods of each object area, registered on the handle by luaopen_plumb_core. */
extern const luaL_Reg pl_lua_link_methods[];
extern const luaL_Reg pl_lua_route_methods[];

/* Create the metatables of the route binding (its iterator objects). */
void pl_lua_route_open(lua_State *L);
extern const luaL_Reg pl_lua_ip_methods[];
extern const luaL_Reg pl_lua_bridge_methods[];
extern const luaL_Reg pl_lua_batch_methods[];	/* batch.c: h:batch(fn) */
void pl_lua_batch_open(lua_State *L);
/* Add the fs_* functions (bindings/fs.c: state files for plumb.ipam) to the table on top. */
void pl_lua_fs_open(lua_State *L);

/* Add core.monitor_open and the monitor metatables (bindings/monitor.c) to the table on top. */
void pl_lua_monitor_open(lua_State *L);

/* Module functions (not handle methods). */
int pl_lua_link_fields(lua_State *L);
int pl_lua_port_keys(lua_State *L);
int pl_lua_describe(lua_State *L);
int pl_lua_term(lua_State *L);		/* term.c: the REPL's terminal helpers */

#endif
