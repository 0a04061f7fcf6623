// SPDX-License-Identifier: MIT
/*
 * Handle methods for addresses, neighbours and rules: addr_add, addr_replace, addr_del,
 * addr_ensure, addrs, neigh_add, neigh_replace, neigh_del, neighs, rule_add, rule_del, rules.
 */
#include <errno.h>
#include <string.h>

#include "glue.h"

/* An optional option table at @arg: a source over it, or NULL. */
PL_HOT
static struct pl_source *optsrc(lua_State *L, int arg, struct lsrc *src, const char *fn)
{
	if (lua_isnoneornil(L, arg))
		return NULL;
	checkopts(L, arg, fn);
	lsrc_init(src, L, arg, fn);
	return &src->base;
}

/* ---------------------------------------------------------------------------------------- */
/* addresses */

PL_HOT
static int addr_add(lua_State *L, enum pl_add_mode mode, const char *op)
{
	struct lhandle *h = checkhandle(L, op);
	struct pl_val dev, prefix;
	struct pl_source *opts;
	struct lsrc src;
	struct pl_err e;

	checkdev(L, 2, &dev, op, "dev");
	checkval(L, 3, &prefix, op, "prefix");
	if (lua_gettop(L) > 4)
		misuse(L, op, "takes a device, a prefix and an option table");
	lua_settop(L, 4);
	opts = optsrc(L, 4, &src, op);
	hold(L, 1, h, op);
	if (pl_addr_add(&h->s, &dev, &prefix, opts, mode, &e) < 0)
		return pusherr(L, op, &e);
	return pushtrue(L);
}

PL_HOT
static int h_addr_add(lua_State *L)
{
	return addr_add(L, PL_ADD_EXCL, "addr_add");
}

static int h_addr_replace(lua_State *L)
{
	return addr_add(L, PL_ADD_REPLACE, "addr_replace");
}

static int h_addr_del(lua_State *L)
{
	struct lhandle *h = checkhandle(L, "addr_del");
	struct pl_val dev, prefix;
	struct pl_err e;

	checkdev(L, 2, &dev, "addr_del", "dev");
	checkval(L, 3, &prefix, "addr_del", "prefix");
	if (!lua_isnoneornil(L, 4))
		misuse(L, "addr_del", "takes a device and a prefix");
	lua_settop(L, 3);
	hold(L, 1, h, "addr_del");
	if (pl_addr_del(&h->s, &dev, &prefix, &e) < 0)
		return pusherr(L, "addr_del", &e);
	return pushtrue(L);
}

static int h_addr_ensure(lua_State *L)
{
	static const char *const did_names[] = {
		[PL_ENSURE_UNCHANGED] = "unchanged", [PL_ENSURE_CHANGED] = "changed",
		[PL_ENSURE_CREATED] = "created",
	};
	struct lhandle *h = checkhandle(L, "addr_ensure");
	enum pl_ensure did = PL_ENSURE_UNCHANGED;
	struct pl_val dev, prefix;
	struct pl_source *opts;
	struct lsrc src;
	struct pl_err e;

	checkdev(L, 2, &dev, "addr_ensure", "dev");
	checkval(L, 3, &prefix, "addr_ensure", "prefix");
	if (lua_gettop(L) > 4)
		misuse(L, "addr_ensure", "takes a device, a prefix and an option table");
	lua_settop(L, 4);
	opts = optsrc(L, 4, &src, "addr_ensure");
	hold(L, 1, h, "addr_ensure");
	if (pl_addr_ensure(&h->s, &dev, &prefix, opts, &did, &e) < 0)
		return pusherr(L, "addr_ensure", &e);
	lua_pushstring(L, did_names[did]);
	return 1;
}

/* Read a listing filter { dev =, family = } (and @extra, a boolean key) into the core's
 * terms; unknown keys raise. */
static int list_filter(lua_State *L, struct lhandle *h, const char *op, int *ifindex,
		       int *family, const char *extra, int *extra_val, struct pl_err *e)
{
	struct pl_val dev, fam, x;
	struct lsrc src;

	*ifindex = *family = 0;
	if (extra_val)
		*extra_val = 0;
	lua_settop(L, 2);
	if (lua_isnil(L, 2)) {
		hold(L, 1, h, op);
		return 0;
	}
	checkopts(L, 2, op);
	lsrc_init_copy(&src, L, 2, op);
	src.base.get(&src.base, "dev", &dev);
	src.base.get(&src.base, "family", &fam);
	if (extra) {
		src.base.get(&src.base, extra, &x);
		if (pl_val_bool(&x, extra, extra_val, e) < 0)
			return -1;
	}
	if (src.base.leave(&src.base, e) < 0 || pl_val_family(&fam, "family", family, e) < 0)
		return -1;
	if (dev.kind != PL_V_NIL && dev.kind != PL_V_STR && dev.kind != PL_V_INT)
		return pl_err_misuse(e, "dev: expected a name or an ifindex");
	hold(L, 1, h, op);
	if (dev.kind != PL_V_NIL) {
		*ifindex = pl_link_dev(&h->s, &dev, "dev", e);
		if (*ifindex < 0)
			return pl_err_prefix(e, op);
	}
	return 0;
}

static int h_addrs(lua_State *L)
{
	struct lhandle *h = checkhandle(L, "addrs");
	struct pl_addr_filter f = { 0 };
	struct lsink k;
	struct pl_err e;

	if (list_filter(L, h, "addrs", &f.ifindex, &f.family, NULL, NULL, &e) < 0)
		return pusherr(L, "addrs", &e);
	lsink_init(&k, L);
	lsink_use_sock(&k, &h->s);
	return list_result(L, h, &k, pl_addr_list(&h->s, &f, &k.base, &e), "addrs", &e, 0);
}

/* ---------------------------------------------------------------------------------------- */
/* neighbours */

static int neigh_add(lua_State *L, enum pl_add_mode mode, const char *op)
{
	struct lsrc src;
	struct pl_err e;
	struct lhandle *h = table_arg(L, &src, op);

	return change_result(L, pl_neigh_add(&h->s, &src.base, mode, &e), op, &e);
}

static int h_neigh_add(lua_State *L)
{
	return neigh_add(L, PL_ADD_EXCL, "neigh_add");
}

static int h_neigh_replace(lua_State *L)
{
	return neigh_add(L, PL_ADD_REPLACE, "neigh_replace");
}

static int h_neigh_del(lua_State *L)
{
	struct lsrc src;
	struct pl_err e;
	struct lhandle *h = table_arg(L, &src, "neigh_del");

	return change_result(L, pl_neigh_del(&h->s, &src.base, &e), "neigh_del", &e);
}

static int h_neighs(lua_State *L)
{
	struct lhandle *h = checkhandle(L, "neighs");
	struct pl_neigh_filter f = { 0 };
	struct lsink k;
	struct pl_err e;

	if (list_filter(L, h, "neighs", &f.ifindex, &f.family, "proxy", &f.proxy, &e) < 0)
		return pusherr(L, "neighs", &e);
	lsink_init(&k, L);
	lsink_use_sock(&k, &h->s);
	return list_result(L, h, &k, pl_neigh_list(&h->s, &f, &k.base, &e), "neighs", &e, 0);
}

/* ---------------------------------------------------------------------------------------- */
/* rules */

static int h_rule_add(lua_State *L)
{
	struct lsrc src;
	struct pl_err e;
	struct lhandle *h = table_arg(L, &src, "rule_add");

	return change_result(L, pl_rule_add(&h->s, &src.base, &e), "rule_add", &e);
}

static int h_rule_del(lua_State *L)
{
	struct lsrc src;
	struct pl_err e;
	struct lhandle *h = table_arg(L, &src, "rule_del");

	return change_result(L, pl_rule_del(&h->s, &src.base, &e), "rule_del", &e);
}

static int h_rules(lua_State *L)
{
	struct lhandle *h = checkhandle(L, "rules");
	struct lsink k;
	struct pl_err e;
	int family = 0;

	lua_settop(L, 2);
	if (!lua_isnil(L, 2)) {
		struct pl_val fam;
		struct lsrc src;

		checkopts(L, 2, "rules");
		lsrc_init_copy(&src, L, 2, "rules");
		src.base.get(&src.base, "family", &fam);
		if (src.base.leave(&src.base, &e) < 0 ||
		    pl_val_family(&fam, "family", &family, &e) < 0)
			return pusherr(L, "rules", &e);
	}
	hold(L, 1, h, "rules");
	lsink_init(&k, L);
	if (pl_rule_list(&h->s, family, &k.base, &e) < 0)
		return pusherr(L, "rules", &e);
	lua_settop(L, k.root);
	return 1;
}

const luaL_Reg pl_lua_ip_methods[] = {
	{ "addr_add", h_addr_add },
	{ "addr_replace", h_addr_replace },
	{ "addr_del", h_addr_del },
	{ "addr_ensure", h_addr_ensure },
	{ "addrs", h_addrs },
	{ "neigh_add", h_neigh_add },
	{ "neigh_replace", h_neigh_replace },
	{ "neigh_del", h_neigh_del },
	{ "neighs", h_neighs },
	{ "rule_add", h_rule_add },
	{ "rule_del", h_rule_del },
	{ "rules", h_rules },
	{ NULL, NULL },
};
