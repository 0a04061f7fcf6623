// SPDX-License-Identifier: MIT
/*
 * Routing table names, as iproute2 knows them: the built-in local/main/default and the
 * files rt_tables (and rt_tables.d/NAME.conf) under /etc/iproute2 and /usr/share/iproute2.
 * The files are read on every lookup that needs them (no global state); callers that name
 * many routes keep a struct pl_table_cache.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/rtnetlink.h>

#include "plumb.h"

static const struct pl_enum pl_builtin_tables[] = {
	{ "local", RT_TABLE_LOCAL }, { "main", RT_TABLE_MAIN }, { "default", RT_TABLE_DEFAULT },
	{ NULL, 0 },
};

static const char *const pl_table_dirs[] = { "/etc/iproute2", "/usr/share/iproute2" };

/* A decimal or 0x-hex table number filling all of @s; 0 on success. */
static int pl_table_number(const char *s, uint32_t *id)
{
	unsigned long long v;
	char *end;

	if (!*s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > UINT32_MAX)
		return -1;
	*id = (uint32_t)v;
	return 0;
}

/* Look through one rt_tables file: by name (@name set) or by number. 1 found, 0 not. */
static int pl_table_file(const char *path, const char *name, uint32_t *id, char *buf,
			 size_t len)
{
	char line[256];
	FILE *f = fopen(path, "re");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char num[64], nm[128];
		uint32_t v;

		if (sscanf(line, " %63s %127s", num, nm) != 2 || num[0] == '#')
			continue;
		if (pl_table_number(num, &v) < 0)
			continue;
		if (name && strcmp(nm, name) == 0) {
			*id = v;
			found = 1;
		} else if (!name && v == *id) {
			snprintf(buf, len, "%s", nm);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

/* Every file iproute2 reads, in its order, until one has the entry. */
static int pl_table_files(const char *name, uint32_t *id, char *buf, size_t len)
{
	char path[512];
	size_t i;

	for (i = 0; i < sizeof(pl_table_dirs) / sizeof(pl_table_dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/rt_tables", pl_table_dirs[i]);
		if (pl_table_file(path, name, id, buf, len))
			return 1;
	}
	for (i = 0; i < sizeof(pl_table_dirs) / sizeof(pl_table_dirs[0]); i++) {
		struct dirent *de;
		DIR *d;
		int found = 0;

		snprintf(path, sizeof(path), "%s/rt_tables.d", pl_table_dirs[i]);
		d = opendir(path);
		if (!d)
			continue;
		while (!found && (de = readdir(d)) != NULL) {
			size_t n = strlen(de->d_name);

			if (de->d_name[0] == '.' || n < 6 || strcmp(de->d_name + n - 5, ".conf"))
				continue;
			snprintf(path, sizeof(path), "%s/rt_tables.d/%s", pl_table_dirs[i],
				 de->d_name);
			found = pl_table_file(path, name, id, buf, len);
		}
		closedir(d);
		if (found)
			return 1;
	}
	return 0;
}

int pl_table_id(const char *name, uint32_t *id)
{
	const struct pl_enum *t;

	if (pl_table_number(name, id) == 0)
		return 0;
	for (t = pl_builtin_tables; t->name; t++)
		if (strcmp(t->name, name) == 0) {
			*id = (uint32_t)t->value;
			return 0;
		}
	return pl_table_files(name, id, NULL, 0) ? 0 : -1;
}

const char *pl_table_name(uint32_t id, char *buf, size_t len, struct pl_table_cache *c)
{
	const struct pl_enum *t;

	for (t = pl_builtin_tables; t->name; t++)
		if (t->value == id)
			return t->name;
	if (c && c->valid && c->id == id)
		return c->name;
	if (!pl_table_files(NULL, &id, buf, len))
		snprintf(buf, len, "%u", id);
	if (c) {
		c->valid = 1;
		c->id = id;
		snprintf(c->name, sizeof(c->name), "%s", buf);
	}
	return buf;
}
