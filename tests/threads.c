// SPDX-License-Identifier: MIT
/*
 * Several lua_States on several threads use plumb.core at once, each thread in a network
 * namespace of its own (unshare(CLONE_NEWNET) moves only the calling thread). Prints
 * "threads: ok" and exits 0 when every thread did all its work.
 * Usage: test-threads CPATH   (CPATH: a package.cpath finding plumb/core.so)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#define NTHREADS 4

static const char *cpath;

static const char chunk[] =
	"local core = require 'plumb.core'\n"
	"local h = assert(core.open())\n"
	"assert(h:link_set('lo', { up = true }))\n"
	"for i = 1, 40 do\n"
	"  local n = 'b' .. i\n"
	"  assert(h:link_add{ name = n, kind = 'bridge' })\n"
	"  assert(h:link_add{ name = 'v' .. i, kind = 'veth', master = n, peer = { name = 'p' .. i } })\n"
	"  assert(#assert(h:links{ master = n }) == 1)\n"
	"  assert(h:link_get('v' .. i).master == n)\n"
	"  assert(h:link_del('v' .. i))\n"
	"  assert(h:link_del(n))\n"
	"end\n"
	"assert(#assert(h:links()) == 1)\n"
	"h:close()\n";

struct job {
	int id;
	int ok;
	char err[256];
};

static void *run(void *arg)
{
	struct job *j = arg;
	lua_State *L;

	if (unshare(CLONE_NEWNET) < 0) {
		snprintf(j->err, sizeof(j->err), "unshare: %s", strerror(errno));
		return NULL;
	}
	L = luaL_newstate();
	luaL_openlibs(L);
	lua_getglobal(L, "package");
	lua_pushstring(L, cpath);
	lua_setfield(L, -2, "cpath");
	lua_pop(L, 1);
	if (luaL_loadstring(L, chunk) != LUA_OK || lua_pcall(L, 0, 0, 0) != LUA_OK)
		snprintf(j->err, sizeof(j->err), "%s", lua_tostring(L, -1));
	else
		j->ok = 1;
	lua_close(L);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[NTHREADS];
	struct job jobs[NTHREADS];
	int i, bad = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CPATH\n", argv[0]);
		return 2;
	}
	cpath = argv[1];
	memset(jobs, 0, sizeof(jobs));
	for (i = 0; i < NTHREADS; i++) {
		jobs[i].id = i;
		pthread_create(&t[i], NULL, run, &jobs[i]);
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], NULL);
		if (!jobs[i].ok) {
			fprintf(stderr, "thread %d: %s\n", i, jobs[i].err);
			bad = 1;
		}
	}
	if (!bad)
		printf("threads: ok (%d lua_States on %d threads)\n", NTHREADS, NTHREADS);
	return bad;
}
