// SPDX-License-Identifier: MIT
/*
 * A program embedding Lua with plumb linked in, built only from the installed header and
 * pkg-config file (make install-check): registers plumb.core with luaL_requiref, then
 * checks from Lua that `require "plumb.core"` gives the module of this version.
 */
#include <stdio.h>

#include <lauxlib.h>
#include <lualib.h>
#include <plumb.h>

static const char script[] =
	"local core = require 'plumb.core'\n"
	"assert(core._VERSION == 'plumb ' .. ...,\n"
	"       'plumb.core is ' .. tostring(core._VERSION) .. ', plumb.h says ' .. ...)\n"
	"local kinds = core.kinds()\n"
	"assert(#kinds > 0 and kinds[1] == 'veth', 'no link kinds')\n"
	"local h = assert(core.open())\n"
	"assert(h:link_get('lo').ifname == 'lo')\n"
	"h:close()\n"
	"return #kinds\n";

int main(void)
{
	lua_State *L = luaL_newstate();
	int rc = 1;

	luaL_openlibs(L);
	luaL_requiref(L, "plumb.core", luaopen_plumb_core, 0);
	lua_pop(L, 1);
	if (luaL_loadstring(L, script) != LUA_OK) {
		fprintf(stderr, "embed: %s\n", lua_tostring(L, -1));
	} else {
		lua_pushstring(L, PLUMB_VERSION);
		if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
			fprintf(stderr, "embed: %s\n", lua_tostring(L, -1));
		} else {
			printf("embed: plumb.core %s with %d link kinds, from an embedded lua_State\n",
			       PLUMB_VERSION, (int)lua_tointeger(L, -1));
			rc = 0;
		}
	}
	lua_close(L);
	return rc;
}
