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
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <linux/sockios.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "glue.h"

/* A namespace argument of @fn: a name under /run/netns, a path, or a pid (1..INT_MAX). */
static void nsref_arg(lua_State *L, int arg, struct pl_nsref *ns, const char *fn)
{
	memset(ns, 0, sizeof(*ns));
	if (lua_type(L, arg) == LUA_TNUMBER) {
		lua_Integer pid;

		if (!lua_isinteger(L, arg))
			misuse(L, fn, "netns: expected a name, a path or a pid, got a non-integer number");
		pid = lua_tointeger(L, arg);
		if (pid <= 0 || pid > INT32_MAX)
			misuse(L, fn, "netns: pid %I out of range 1..%d", pid, INT32_MAX);
		ns->pid = (pid_t)pid;
		return;
	}
	if (lua_type(L, arg) != LUA_TSTRING)
		misuse(L, fn, "netns: expected a name, a path or a pid, got %s",
		       luaL_typename(L, arg));
	ns->name = checkstr(L, arg, fn, "netns");
	if (!strchr(ns->name, '/') && !pl_netns_name_ok(ns->name))
		misuse(L, fn, "netns: invalid namespace name \"%s\"", ns->name);
}

/* Note which netns the handle's socket is in (each_route opens a socket of its own there). */
static void handle_netns_id(struct lhandle *h, int elsewhere)
{
	struct stat st;
	int fd, rc;

	if (!elsewhere) {
		rc = stat("/proc/thread-self/ns/net", &st);
	} else {
		fd = ioctl(pl_sock_fd(&h->s), SIOCGSKNS);
		if (fd < 0)
			return;
		rc = fstat(fd, &st);
		close(fd);
	}
	if (rc == 0) {
		h->ns_known = 1;
		h->ns_dev = (unsigned long long)st.st_dev;
		h->ns_ino = (unsigned long long)st.st_ino;
	}
}

static int l_open(lua_State *L)
{
	struct pl_nsref ns = { 0 };
	struct lhandle *h;
	struct pl_err e;

	if (!lua_isnoneornil(L, 1))
		nsref_arg(L, 1, &ns, "open");
	/* Closed first, then acquired: an error in between leaves a consistent object. */
	h = lua_newuserdatauv(L, sizeof(*h), 1);
	memset(h, 0, sizeof(*h));
	luaL_setmetatable(L, HANDLE_MT);
	handle_guard_new(L, -1, h);
	if (pl_sock_open(&h->s, &ns, &e) < 0) {
		pl_err_prefix(&e, "open");
		return pusherr(L, "open", &e);
	}
	h->open = 1;
	handle_netns_id(h, ns.name || ns.pid > 0);
	return 1;
}

static int h_close(lua_State *L)
{
	struct lhandle *h = luaL_testudata(L, 1, HANDLE_MT);

	if (!h)
		return misuse(L, "close", "bad self (expected a plumb handle, got %s)",
			      luaL_typename(L, 1));
	if (h->busy)	/* from a finalizer, say: the running call still uses the socket */
		return misuse(L, "close", "handle busy (a call on it is running)");
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
	struct lhandle *h = checkhandle(L, "fd");

	lua_pushinteger(L, pl_sock_fd(&h->s));
	return 1;
}

/* ---------------------------------------------------------------------------------------- */
/* network namespaces */

static const char *checknsname(lua_State *L, int arg, const char *fn)
{
	const char *name = checkstr(L, arg, fn, "name");

	if (!pl_netns_name_ok(name))
		misuse(L, fn, "name: invalid namespace name \"%s\"", name);
	return name;
}

static int l_netns_add(lua_State *L)
{
	const char *name = checknsname(L, 1, "netns.add");
	struct pl_err e;

	if (pl_netns_add(name, &e) < 0)
		return pusherr(L, "netns.add", &e);
	lua_pushboolean(L, 1);
	return 1;
}

static int l_netns_del(lua_State *L)
{
	const char *name = checknsname(L, 1, "netns.del");
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
	const char *name = checkstr(L, 1, "netns.exists", "name");
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

#define EXEC_MAXARGS 4095

/* The namespace as messages name it: "c1", "/run/netns/c1", "pid 1234". */
static const char *nsdesc(const struct pl_nsref *ns, char *buf, size_t len)
{
	if (ns->pid > 0)
		snprintf(buf, len, "pid %d", (int)ns->pid);
	else
		snprintf(buf, len, "%s", ns->name);
	return buf;
}

static int l_netns_exec(lua_State *L)
{
	struct pl_nsref ns;
	const char **argv;
	lua_Integer n, i;
	struct pl_err e;
	int fd, status, pfd[2], err = 0;
	char desc[300];
	ssize_t got;
	pid_t pid;

	nsref_arg(L, 1, &ns, "netns.exec");
	if (lua_type(L, 2) != LUA_TTABLE)
		misuse(L, "netns.exec", "argv: expected a command { \"prog\", \"arg\", ... }, got %s",
		       luaL_typename(L, 2));
	lua_settop(L, 2);
	n = (lua_Integer)lua_rawlen(L, 2);
	if (n < 1)
		misuse(L, "netns.exec", "argv: expected a command { \"prog\", \"arg\", ... }, "
		       "got an empty list");
	if (n > EXEC_MAXARGS)
		misuse(L, "netns.exec", "argv: %I words, more than the limit of %d", n,
		       EXEC_MAXARGS);
	luaL_checkstack(L, (int)n + 8, "netns.exec: too many arguments");
	argv = lua_newuserdatauv(L, sizeof(char *) * (size_t)(n + 1), 0);
	for (i = 1; i <= n; i++) {
		size_t len;

		lua_rawgeti(L, 2, i);
		if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
			misuse(L, "netns.exec", "argv[%I]: expected a string, got %s", i,
			       luaL_typename(L, -1));
		/* a number becomes a string in its stack slot, which keeps it alive */
		argv[i - 1] = lua_tolstring(L, -1, &len);
		if (strlen(argv[i - 1]) != len)
			misuse(L, "netns.exec", "argv[%I]: contains a NUL byte", i);
	}
	argv[n] = NULL;
	nsdesc(&ns, desc, sizeof(desc));
	fd = pl_netns_open(&ns, &e);
	if (fd < 0) {
		pl_err_prefix(&e, "netns.exec");
		return pusherr(L, "netns.exec", &e);
	}
	/* The child reports a failed setns through a close-on-exec pipe. */
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		err = errno;
		close(fd);
		pl_err_set(&e, err, "netns.exec %s: pipe: %s", desc, strerror(err));
		return pusherr(L, "netns.exec", &e);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(fd);
		close(pfd[0]);
		close(pfd[1]);
		pl_err_set(&e, err, "netns.exec %s: fork: %s", desc, strerror(err));
		return pusherr(L, "netns.exec", &e);
	}
	if (pid == 0) {
		close(pfd[0]);
		if (setns(fd, CLONE_NEWNET) < 0) {
			err = errno;
			if (write(pfd[1], &err, sizeof(err)) < 0)
				_exit(126);
			_exit(126);
		}
		exec_child_mounts();
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fd);
	close(pfd[1]);
	do
		got = read(pfd[0], &err, sizeof(err));
	while (got < 0 && errno == EINTR);
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			break;
	if (got == (ssize_t)sizeof(err)) {
		pl_err_set(&e, err, "netns.exec %s: setns: %s%s", desc, strerror(err),
			   err == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		return pusherr(L, "netns.exec", &e);
	}
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

	nsref_arg(L, 1, &ns, "netns.run");
	if (lua_type(L, 2) != LUA_TFUNCTION)
		misuse(L, "netns.run", "fn: expected a function, got %s", luaL_typename(L, 2));
	fd = pl_netns_open(&ns, &e);
	if (fd < 0) {
		pl_err_prefix(&e, "netns.run");
		return pusherr(L, "netns.run", &e);
	}
	rc = pl_netns_enter(fd, &saved, &e);
	close(fd);
	if (rc < 0) {
		pl_err_prefix(&e, "netns.run");
		return pusherr(L, "netns.run", &e);
	}
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

/* Sleep @seconds (at most 10), for bounded polls (a device waiting for its namespace's
 * cleanup, say) without a process per wait. */
static int l_sleep(lua_State *L)
{
	lua_Number sec = luaL_checknumber(L, 1);
	struct timespec ts;

	luaL_argcheck(L, sec >= 0 && sec <= 10, 1, "expected 0 to 10 seconds");
	ts.tv_sec = (time_t)sec;
	ts.tv_nsec = (long)((sec - (lua_Number)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return 0;
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

/* core._batch_limits(h, rcvbuf, requests): tests only. The receive buffer a batch asks for
 * and the requests it sends per sendmsg (0: plumb's own sizing), to make ACKs overrun. */
static int l_batch_limits(lua_State *L)
{
	struct lhandle *h = checkhandle(L, "_batch_limits");
	lua_Integer rcv = luaL_checkinteger(L, 2), reqs = luaL_checkinteger(L, 3);

	if (rcv < 0 || rcv > INT32_MAX || reqs < 0 || reqs > INT32_MAX)
		return misuse(L, "_batch_limits", "expected sizes 0..%d", (int)INT32_MAX);
	h->s.batch_rcvbuf = (int)rcv;
	h->s.batch_chunk_reqs = (int)reqs;
	return 0;
}

/* Test-only counters of a handle: { dump_restarts = n } (dumps started again because the
 * kernel flagged them NLM_F_DUMP_INTR). Not part of the API. */
static int l_stats(lua_State *L)
{
	struct lhandle *h = checkhandle(L, "_stats");

	const struct pl_sock_stats *st = &h->s.stats;

	lua_createtable(L, 0, 7);
	lua_pushinteger(L, (lua_Integer)h->s.dump_restarts);
	lua_setfield(L, -2, "dump_restarts");
	lua_pushinteger(L, (lua_Integer)st->sends);
	lua_setfield(L, -2, "sends");
	lua_pushinteger(L, (lua_Integer)st->builds);
	lua_setfield(L, -2, "builds");
	lua_pushinteger(L, (lua_Integer)st->sends_in_build);
	lua_setfield(L, -2, "sends_in_build");
	lua_pushinteger(L, (lua_Integer)st->resolves);
	lua_setfield(L, -2, "resolves");
	lua_pushinteger(L, (lua_Integer)st->batch_requests);
	lua_setfield(L, -2, "batch_requests");
	lua_pushinteger(L, (lua_Integer)st->batch_sends);
	lua_setfield(L, -2, "batch_sends");
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
	pl_lua_batch_methods,
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
	{ "sleep", l_sleep },
	{ "link_fields", pl_lua_link_fields },
	{ "port_keys", pl_lua_port_keys },
	{ "describe", pl_lua_describe },
	{ "_stats", l_stats },
	{ "_batch_limits", l_batch_limits },
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
	pl_lua_fs_open(L);
	pl_lua_batch_open(L);
	pl_lua_monitor_open(L);	/* core.monitor_open (bindings/monitor.c) */
	lua_pushliteral(L, PL_VERSION);
	lua_setfield(L, -2, "_VERSION");
	/* The handle methods, so plumb/init.lua can add Lua-written ones beside them. */
	luaL_getmetatable(L, HANDLE_MT);
	lua_getfield(L, -1, "__index");
	lua_setfield(L, -3, "handle_methods");
	lua_pop(L, 1);
	return 1;
}
