/* SPDX-License-Identifier: MIT */
/*
 * plumb: the public C API of libplumb.a, for programs that embed Lua and link plumb in.
 *
 * The library holds the whole `plumb.core` Lua module (the netlink core and its Lua
 * bindings). Register it in a lua_State, then load the Lua side (`plumb`, installed under
 * share/lua/5.4) as usual:
 *
 *     luaL_requiref(L, "plumb.core", luaopen_plumb_core, 0);
 *     lua_pop(L, 1);
 *     luaL_dostring(L, "local plumb = require 'plumb' ...");
 *
 * Build flags: pkg-config --cflags --static --libs plumb (libmnl and Lua 5.4 are private
 * requirements of the static library). Nothing of the core's internal structures is public.
 */
#ifndef PLUMB_PUBLIC_H
#define PLUMB_PUBLIC_H

#include <lua.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version; plumb.core's _VERSION is "plumb " PLUMB_VERSION. */
#define PLUMB_VERSION "0.1.0"

/* The `plumb.core` module's loader (a lua_CFunction): pushes the module table. */
int luaopen_plumb_core(lua_State *L);

#ifdef __cplusplus
}
#endif

#endif
