// SPDX-License-Identifier: MIT
/*
 * Files for state kept on disk (plumb.ipam): what Lua's io library lacks. A directory made
 * with its parents, an exclusive lock held by an open descriptor (flock: the kernel drops it
 * when the process dies, so a crash never leaves a lock behind), a file replaced atomically
 * (written beside, flushed, renamed over: a reader sees the old or the new content, never
 * half of it), and a directory listing.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "glue.h"

#define LOCK_MT "plumb.lock"

static int fs_fail(lua_State *L, const char *op, const char *path, int err)
{
	lua_pushnil(L);
	lua_pushfstring(L, "%s %s: %s", op, path, strerror(err));
	lua_pushinteger(L, err);
	return 3;
}

/* fs_mkdir(path [, mode]): make @path and its missing parents; true when it is there. */
static int l_fs_mkdir(lua_State *L)
{
	size_t len;
	const char *path = luaL_checklstring(L, 1, &len);
	mode_t mode = (mode_t)luaL_optinteger(L, 2, 0755);
	char buf[PATH_MAX];
	struct stat st;
	size_t i;

	luaL_argcheck(L, len > 0 && len < sizeof(buf), 1, "path: empty or too long");
	memcpy(buf, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return fs_fail(L, "mkdir", buf, errno);
		buf[i] = i == len ? '\0' : '/';
	}
	if (stat(path, &st) < 0)
		return fs_fail(L, "mkdir", path, errno);
	if (!S_ISDIR(st.st_mode))
		return fs_fail(L, "mkdir", path, ENOTDIR);
	lua_pushboolean(L, 1);
	return 1;
}

struct llock {
	int fd;
};

/* fs_lock(path): an exclusive flock on @path (created if absent); released by
 * lock:unlock(), __close, __gc, or the process's death. */
static int l_fs_lock(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	struct llock *k;
	int fd;

	k = lua_newuserdatauv(L, sizeof(*k), 0);
	k->fd = -1;
	luaL_setmetatable(L, LOCK_MT);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return fs_fail(L, "lock", path, errno);
	while (flock(fd, LOCK_EX) < 0) {
		int err = errno;

		if (err == EINTR)
			continue;
		close(fd);
		return fs_fail(L, "lock", path, err);
	}
	k->fd = fd;
	return 1;
}

static int lock_unlock(lua_State *L)
{
	struct llock *k = luaL_checkudata(L, 1, LOCK_MT);

	if (k->fd >= 0) {
		close(k->fd);	/* drops the flock */
		k->fd = -1;
	}
	return 0;
}

/* fs_write(path, data): replace @path by @data atomically (a temporary file beside it,
 * fsync, rename). */
static int l_fs_write(lua_State *L)
{
	size_t len, off = 0;
	const char *path = luaL_checkstring(L, 1);
	const char *data = luaL_checklstring(L, 2, &len);
	char tmp[PATH_MAX];
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return luaL_argerror(L, 1, "path too long");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return fs_fail(L, "write", tmp, errno);
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		off += (size_t)n;
	}
	if (fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		fd = -1;
		goto fail;
	}
	lua_pushboolean(L, 1);
	return 1;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return fs_fail(L, "write", path, err);
}

/* fs_list(dir): the names in @dir (not "." and ".."), unsorted. */
static int l_fs_list(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	struct dirent *de;
	lua_Integer n = 0;
	DIR *d;

	d = opendir(path);
	if (!d)
		return fs_fail(L, "list", path, errno);
	lua_newtable(L);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		lua_pushstring(L, de->d_name);
		lua_rawseti(L, -2, ++n);
	}
	closedir(d);
	return 1;
}

static const luaL_Reg lock_methods[] = {
	{ "unlock", lock_unlock },
	{ NULL, NULL },
};

static const luaL_Reg lock_meta[] = {
	{ "__gc", lock_unlock },
	{ "__close", lock_unlock },
	{ "__index", NULL },
	{ NULL, NULL },
};

static const luaL_Reg fs_funcs[] = {
	{ "fs_mkdir", l_fs_mkdir },
	{ "fs_lock", l_fs_lock },
	{ "fs_write", l_fs_write },
	{ "fs_list", l_fs_list },
	{ NULL, NULL },
};

void pl_lua_fs_open(lua_State *L)
{
	if (luaL_newmetatable(L, LOCK_MT)) {
		luaL_setfuncs(L, lock_meta, 0);
		luaL_newlib(L, lock_methods);
		lua_setfield(L, -2, "__index");
	}
	lua_pop(L, 1);
	luaL_setfuncs(L, fs_funcs, 0);
}
