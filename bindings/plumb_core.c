// SPDX-License-Identifier: MIT
/*
 * plumb.core: the Lua face of core/. Lua tables become struct pl_source, struct pl_sink
 * becomes Lua tables; no netlink wire format is known here.
 *
 * Misuse (wrong types, unknown option keys, malformed addresses) raises; kernel and system
 * failures return nil, message, errno. No static mutable state: every lua_State is on its own.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "glue.h"

static int l_open(lua_State *L)
{
	struct pl_nsref ns = { 0 };
	struct lhandle *h;
	struct pl_err e;

	if (lua_type(L, 1) == LUA_TSTRING) {
		ns.name = lua_tostring(L, 1);
		if (!strchr(ns.name, '/') && !pl_netns_name_ok(ns.name))
			return luaL_argerror(L, 1, "netns: invalid namespace name");
	} else if (lua_type(L, 1) == LUA_TNUMBER) {
		ns.pid = (pid_t)luaL_checkinteger(L, 1);
		luaL_argcheck(L, ns.pid > 0, 1, "netns: invalid pid");
	} else if (!lua_isnoneornil(L, 1)) {
		return luaL_argerror(L, 1, "netns: expected a name, a path or a pid");
	}
	/* Closed first, then acquired: an error in between leaves a consistent object. */
	h = lua_newuserdatauv(L, sizeof(*h), 0);
	memset(h, 0, sizeof(*h));
	luaL_setmetatable(L, HANDLE_MT);
	if (pl_sock_open(&h->s, &ns, &e) < 0)
		return pusherr(L, "open", &e);
	h->open = 1;
	return 1;
}

static int h_close(lua_State *L)
{
	struct lhandle *h = luaL_checkudata(L, 1, HANDLE_MT);

	if (h->open) {
		pl_sock_close(&h->s);
		h->open = 0;
	}
	return 0;
}

static int h_tostring(lua_State *L)
{
	struct lhandle *h = luaL_checkudata(L, 1, HANDLE_MT);

	if (h->open)
		lua_pushfstring(L, "plumb handle (fd %d)", pl_sock_fd(&h->s));
	else
		lua_pushstring(L, "plumb handle (closed)");
	return 1;
}

static int h_fd(lua_State *L)
{
	struct lhandle *h = checkhandle(L);

	lua_pushinteger(L, pl_sock_fd(&h->s));
	return 1;
}

/* ---------------------------------------------------------------------------------------- */
/* network namespaces */

static const char *checknsname(lua_State *L, int arg)
{
	const char *name = luaL_checkstring(L, arg);

	luaL_argcheck(L, pl_netns_name_ok(name), arg, "invalid namespace name");
	return name;
}

static int l_netns_add(lua_State *L)
{
	const char *name = checknsname(L, 1);
	struct pl_err e;

	if (pl_netns_add(name, &e) < 0)
		return pusherr(L, "netns.add", &e);
	lua_pushboolean(L, 1);
	return 1;
}

static int l_netns_del(lua_State *L)
{
	const char *name = checknsname(L, 1);
	struct pl_err e;

	if (pl_netns_del(name, &e) < 0)
		return pusherr(L, "netns.del", &e);
	lua_pushboolean(L, 1);
	return 1;
}

static int l_netns_list(lua_State *L)
{
	DIR *d = opendir(PL_NETNS_RUN_DIR);
	struct dirent *de;
	lua_Integer n = 0;

	lua_newtable(L);
	if (!d) {
		if (errno == ENOENT)
			return 1;
		lua_pushnil(L);
		lua_pushfstring(L, "netns.list: %s: %s", PL_NETNS_RUN_DIR, strerror(errno));
		lua_pushinteger(L, errno);
		return 3;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		lua_pushstring(L, de->d_name);
		lua_rawseti(L, -2, ++n);
	}
	closedir(d);
	return 1;
}

static int l_netns_exists(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	char path[512];
	struct stat st;

	if (!pl_netns_name_ok(name)) {
		lua_pushboolean(L, 0);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%s", PL_NETNS_RUN_DIR, name);
	lua_pushboolean(L, stat(path, &st) == 0);
	return 1;
}

/* The identity of the calling thread's netns: "dev:ino". */
static int l_netns_id(lua_State *L)
{
	struct stat st;

	if (stat("/proc/thread-self/ns/net", &st) < 0) {
		lua_pushnil(L);
		lua_pushfstring(L, "netns id: %s", strerror(errno));
		lua_pushinteger(L, errno);
		return 3;
	}
	lua_pushfstring(L, "%d:%I", (int)st.st_dev, (lua_Integer)st.st_ino);
	return 1;
}

static int nsref_arg(lua_State *L, int arg, struct pl_nsref *ns)
{
	memset(ns, 0, sizeof(*ns));
	if (lua_type(L, arg) == LUA_TNUMBER) {
		ns->pid = (pid_t)luaL_checkinteger(L, arg);
		luaL_argcheck(L, ns->pid > 0, arg, "invalid pid");
		return 0;
	}
	ns->name = luaL_checkstring(L, arg);
	luaL_argcheck(L, strchr(ns->name, '/') || pl_netns_name_ok(ns->name), arg,
		      "invalid namespace name");
	return 0;
}

/* In the child: the namespace's own view of /sys, as `ip netns exec` gives. */
static void exec_child_mounts(void)
{
	if (unshare(CLONE_NEWNS) < 0)
		return;
	if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0)
		return;
	if (umount2("/sys", MNT_DETACH) == 0)
		mount("sysfs", "/sys", "sysfs", 0, NULL);
}

static int l_netns_exec(lua_State *L)
{
	struct pl_nsref ns;
	const char **argv;
	lua_Integer n, i;
	struct pl_err e;
	int fd, status;
	pid_t pid;

	nsref_arg(L, 1, &ns);
	luaL_checktype(L, 2, LUA_TTABLE);
	n = luaL_len(L, 2);
	luaL_argcheck(L, n >= 1 && n < 4096, 2, "expected a command: { \"prog\", \"arg\", ... }");
	luaL_checkstack(L, (int)n + 8, "netns.exec: too many arguments");
	argv = lua_newuserdatauv(L, sizeof(char *) * (size_t)(n + 1), 0);
	for (i = 1; i <= n; i++) {
		lua_rawgeti(L, 2, i);
		if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
			return luaL_argerror(L, 2, "command words must be strings");
		argv[i - 1] = lua_tostring(L, -1);	/* stays on the stack: alive */
	}
	argv[n] = NULL;
	fd = pl_netns_open(&ns, &e);
	if (fd < 0)
		return pusherr(L, "netns.exec", &e);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int err = errno;

		close(fd);
		pl_err_set(&e, err, "netns.exec: fork: %s", strerror(err));
		return pusherr(L, "netns.exec", &e);
	}
	if (pid == 0) {
		if (setns(fd, CLONE_NEWNET) < 0)
			_exit(126);
		exec_child_mounts();
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fd);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			break;
	/* os.execute's results */
	if (WIFEXITED(status)) {
		if (WEXITSTATUS(status) == 0)
			lua_pushboolean(L, 1);
		else
			lua_pushnil(L);
		lua_pushstring(L, "exit");
		lua_pushinteger(L, WEXITSTATUS(status));
	} else {
		lua_pushnil(L);
		lua_pushstring(L, "signal");
		lua_pushinteger(L, WTERMSIG(status));
	}
	return 3;
}

/* netns_run(ns, fn, ...): call fn in the netns; the thread is always switched back. */
static int l_netns_run(lua_State *L)
{
	struct pl_nsref ns;
	struct pl_err e;
	int fd, saved, rc, base;

	nsref_arg(L, 1, &ns);
	luaL_checktype(L, 2, LUA_TFUNCTION);
	fd = pl_netns_open(&ns, &e);
	if (fd < 0)
		return pusherr(L, "netns.run", &e);
	rc = pl_netns_enter(fd, &saved, &e);
	close(fd);
	if (rc < 0)
		return pusherr(L, "netns.run", &e);
	base = 1;
	rc = lua_pcall(L, lua_gettop(L) - 2, LUA_MULTRET, 0);
	if (pl_netns_leave(saved, &e) < 0)
		return luaL_error(L, "netns.run: %s", e.msg);	/* cannot go on safely */
	if (rc != LUA_OK)
		return lua_error(L);
	return lua_gettop(L) - base;
}

/* ---------------------------------------------------------------------------------------- */

/* Seconds from CLOCK_MONOTONIC, for timing (benchmarks, timeouts). */
static int l_monotonic(lua_State *L)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
	return 1;
}

static int l_kinds(lua_State *L)
{
	const struct pl_link_kind *const *k;
	lua_Integer n = 0;

	lua_newtable(L);
	for (k = pl_link_kinds; *k; k++) {
		lua_pushstring(L, (*k)->name);
		lua_rawseti(L, -2, ++n);
	}
	return 1;
}

static const luaL_Reg handle_methods[] = {
	{ "close", h_close },
	{ "fd", h_fd },
	{ NULL, NULL },
};

/* Each object area's methods: adding an area is one file in bindings/ and one line here. */
static const luaL_Reg *const method_sets[] = {
	pl_lua_link_methods,
	pl_lua_route_methods,
	pl_lua_ip_methods,
	pl_lua_bridge_methods,
};

static const luaL_Reg handle_meta[] = {
	{ "__gc", h_close },
	{ "__close", h_close },
	{ "__tostring", h_tostring },
	{ "__index", NULL },
	{ NULL, NULL },
};

static const luaL_Reg core_funcs[] = {
	{ "open", l_open },
	{ "netns_add", l_netns_add },
	{ "netns_del", l_netns_del },
	{ "netns_list", l_netns_list },
	{ "netns_exists", l_netns_exists },
	{ "netns_exec", l_netns_exec },
	{ "netns_run", l_netns_run },
	{ "netns_id", l_netns_id },
	{ "kinds", l_kinds },
	{ "monotonic", l_monotonic },
	{ "link_fields", pl_lua_link_fields },
	{ "port_keys", pl_lua_port_keys },
	{ "term", pl_lua_term },
	{ NULL, NULL },
};

__attribute__((visibility("default"))) LUAMOD_API int luaopen_plumb_core(lua_State *L);

LUAMOD_API int luaopen_plumb_core(lua_State *L)
{
	if (luaL_newmetatable(L, HANDLE_MT)) {
		luaL_setfuncs(L, handle_meta, 0);
		size_t i;

		lua_newtable(L);
		luaL_setfuncs(L, handle_methods, 0);
		for (i = 0; i < sizeof(method_sets) / sizeof(method_sets[0]); i++)
			luaL_setfuncs(L, method_sets[i], 0);
		lua_setfield(L, -2, "__index");
	}
	lua_pop(L, 1);
	pl_lua_route_open(L);
	luaL_newlib(L, core_funcs);
	lua_pushliteral(L, PL_VERSION);
	lua_setfield(L, -2, "_VERSION");
	/* The handle methods, so plumb/init.lua can add Lua-written ones beside them. */
	luaL_getmetatable(L, HANDLE_MT);
	lua_getfield(L, -1, "__index");
	lua_setfield(L, -3, "handle_methods");
	lua_pop(L, 1);
	return 1;
}
