/* SPDX-License-Identifier: MIT */
/* Shared by the files of bindings/: Lua <-> core glue. Nothing here is exported. */
#ifndef PLUMB_GLUE_H
#define PLUMB_GLUE_H

#include <lua.h>
#include <lauxlib.h>

#include "../core/plumb.h"

#define HANDLE_MT "plumb.handle"
#define SRC_MAXDEPTH 8
#define SRC_MAXKEYS 128
#define SINK_MAXDEPTH 16

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
};

/* a struct pl_sink building Lua tables: root list/table at .root */
struct lsink {
	struct pl_sink base;
	lua_State *L;
	int root;		/* absolute index of the root table */
	int fix;		/* absolute index of the ifindex fix-up list (table, key, ...) */
	int nfix;
	int depth;
	int n[SINK_MAXDEPTH];	/* array length of each open table */
	int rec_fields;		/* hash slots preallocated for a list element (a record) */
};

/* a netlink handle userdata */
struct lhandle {
	struct pl_sock s;
	int open;
};

/* The Lua value at @idx as a struct pl_val (strings stay owned by Lua). */
void luaval(lua_State *L, int idx, struct pl_val *v);
/* Start a source over the table at stack index @idx. */
void lsrc_init(struct lsrc *s, lua_State *L, int idx);
/* Push the fix-up list and the root table, and start a sink on them. */
void lsink_init(struct lsink *k, lua_State *L);
/* The open handle at argument 1 (raises if closed). */
struct lhandle *checkhandle(lua_State *L);
/* Report @e: raise for misuse, else push nil, message, errno (returns 3). */
int pusherr(lua_State *L, const char *op, const struct pl_err *e);
/* A device argument: a name or an ifindex. */
void checkdev(lua_State *L, int arg, struct pl_val *v);
/* Turn the ifindex values a sink noted into names (@links: the root is a link list). */
void resolve_names(lua_State *L, struct lhandle *h, struct lsink *k, int links);
/* h:verb{...}: the open handle (argument 1) and argument 2, a table, as a source; raises on
 * misuse (no table, or more arguments). */
struct lhandle *table_arg(lua_State *L, struct lsrc *src);
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

/* Module functions (not handle methods). */
int pl_lua_link_fields(lua_State *L);
int pl_lua_port_keys(lua_State *L);
int pl_lua_term(lua_State *L);		/* term.c: the REPL's terminal helpers */

#endif
