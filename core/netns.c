// SPDX-License-Identifier: MIT
/*
 * Network namespaces with `ip netns` semantics: a namespace NAME is a bind mount of a
 * namespace file at /run/netns/NAME, so namespaces made by iproute2 and by plumb are the
 * same thing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "internal.h"

int pl_netns_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= NAME_MAX || strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return 0;
	return 1;
}

static int pl_netns_path(const struct pl_nsref *ns, char *buf, size_t len)
{
	if (ns->pid > 0)
		return snprintf(buf, len, "/proc/%d/ns/net", (int)ns->pid) < (int)len ? 0 : -1;
	if (strchr(ns->name, '/'))
		return snprintf(buf, len, "%s", ns->name) < (int)len ? 0 : -1;
	return snprintf(buf, len, "%s/%s", PL_NETNS_RUN_DIR, ns->name) < (int)len ? 0 : -1;
}

int pl_netns_open(const struct pl_nsref *ns, struct pl_err *e)
{
	char path[PATH_MAX];
	int fd;

	if (pl_netns_path(ns, path, sizeof(path)) < 0)
		return pl_err_misuse(e, "netns: name too long");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		if (ns->pid > 0)
			return pl_err_set(e, err, "netns pid %d: %s", (int)ns->pid, strerror(err));
		return pl_err_set(e, err, "netns %s: %s", ns->name, strerror(err));
	}
	/* A path may name any file: say which, rather than "setns: Invalid argument" later. */
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		close(fd);
		if (ns->pid > 0)
			return pl_err_set(e, EINVAL, "netns pid %d: not a network namespace",
					  (int)ns->pid);
		return pl_err_set(e, EINVAL, "netns %s: not a network namespace", ns->name);
	}
	return fd;
}

int pl_netns_enter(int fd, int *saved, struct pl_err *e)
{
	int err;

	*saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*saved < 0)
		return pl_err_set(e, errno, "netns: cannot open the current namespace: %s",
				  strerror(errno));
	if (setns(fd, CLONE_NEWNET) < 0) {
		err = errno;
		close(*saved);
		*saved = -1;
		return pl_err_set(e, err, "netns: setns: %s%s", strerror(err),
				  err == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
	}
	return 0;
}

int pl_netns_leave(int saved, struct pl_err *e)
{
	int rc = setns(saved, CLONE_NEWNET), err = errno;

	close(saved);
	if (rc < 0)
		return pl_err_set(e, err, "netns: cannot switch back: %s", strerror(err));
	return 0;
}

/* Make /run/netns a shared mount point of its own, as iproute2 does, so that namespaces
 * added later show up in every mount namespace that shares it. */
static int pl_netns_rundir(struct pl_err *e)
{
	if (mkdir(PL_NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return pl_err_set(e, errno, "netns: mkdir %s: %s", PL_NETNS_RUN_DIR,
				  strerror(errno));
	if (mount("", PL_NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return pl_err_set(e, errno, "netns: mount --make-shared %s: %s", PL_NETNS_RUN_DIR,
				  strerror(errno));
	/* Not a mount point yet: bind it onto itself, then make it shared. */
	if (mount(PL_NETNS_RUN_DIR, PL_NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
		return pl_err_set(e, errno, "netns: mount --bind %s: %s", PL_NETNS_RUN_DIR,
				  strerror(errno));
	if (mount("", PL_NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
		return pl_err_set(e, errno, "netns: mount --make-shared %s: %s", PL_NETNS_RUN_DIR,
				  strerror(errno));
	return 0;
}

int pl_netns_add(const char *name, struct pl_err *e)
{
	char path[PATH_MAX];
	int fd, saved, err;

	if (!pl_netns_name_ok(name))
		return pl_err_misuse(e, "netns.add: invalid name \"%s\"", name);
	if (pl_netns_rundir(e) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", PL_NETNS_RUN_DIR, name);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return pl_err_set(e, errno, "netns.add %s: %s", name, strerror(errno));
	close(fd);
	saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (saved < 0) {
		err = errno;
		goto fail;
	}
	/* Only the calling thread moves; it is switched back before returning. */
	if (unshare(CLONE_NEWNET) < 0) {
		err = errno;
		close(saved);
		goto fail;
	}
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0) {
		err = errno;
		pl_netns_leave(saved, e);
		goto fail;
	}
	if (pl_netns_leave(saved, e) < 0)
		return -1;
	return 0;
fail:
	unlink(path);
	return pl_err_set(e, err, "netns.add %s: %s", name, strerror(err));
}

int pl_netns_del(const char *name, struct pl_err *e)
{
	char path[PATH_MAX];

	if (!pl_netns_name_ok(name))
		return pl_err_misuse(e, "netns.del: invalid name \"%s\"", name);
	snprintf(path, sizeof(path), "%s/%s", PL_NETNS_RUN_DIR, name);
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return pl_err_set(e, errno, "netns.del %s: umount: %s", name, strerror(errno));
	if (unlink(path) < 0)
		return pl_err_set(e, errno, "netns.del %s: %s", name, strerror(errno));
	return 0;
}
