// SPDX-License-Identifier: MIT
/*
 * core.describe(): the descriptor tables the builder and the parser walk (common link
 * attributes, each kind's INFO_DATA, each kind's port INFO_SLAVE_DATA), as Lua data, in
 * table order. The reference's kind options and link record fields are generated from it
 * (scripts/gendoc.lua), so the documentation is read from the same tables as the code.
 */
#include <string.h>

#include "glue.h"

static void setbool(lua_State *L, const char *key, int on)
{
	if (on) {
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, key);
	}
}

/* Push the list of entries of @a: { name =, out =, type =, ro =, fixed =, enum = {...}, ... } */
static void push_attrs(lua_State *L, const struct pl_attrs *a)
{
	size_t i;

	lua_createtable(L, (int)a->n, 0);
	for (i = 0; i < a->n; i++) {
		const struct pl_attr_desc *d = &a->d[i];

		lua_createtable(L, 0, 6);
		if (d->name) {
			lua_pushstring(L, d->name);
			lua_setfield(L, -2, "name");
		}
		if (d->out || d->name) {
			lua_pushstring(L, d->out ? d->out : d->name);
			lua_setfield(L, -2, "out");
		}
		lua_pushstring(L, pl_atype_name(d->atype));
		lua_setfield(L, -2, "type");
		setbool(L, "ro", (d->flags & PL_F_RO) || !d->name);
		setbool(L, "wo", d->flags & PL_F_WO);
		setbool(L, "boolin", d->flags & PL_F_BOOLIN);
		setbool(L, "boolout", d->flags & PL_F_BOOLOUT);
		setbool(L, "ucast", d->flags & PL_F_UCAST);
		setbool(L, "mcast", d->flags & PL_F_MCAST);
		setbool(L, "enumkey", d->flags & PL_F_ENUMKEY);
		setbool(L, "key6", d->flags & PL_F_KEY6);
		setbool(L, "strnum", d->flags & PL_F_STRNUM);
		setbool(L, "fixed", d->flags & PL_F_FIXED);
		if (d->names) {
			const struct pl_enum *n;
			lua_Integer k = 0;

			lua_newtable(L);
			for (n = d->names; n->name; n++) {
				lua_pushstring(L, n->name);
				lua_rawseti(L, -2, ++k);
			}
			lua_setfield(L, -2, "enum");
		}
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

int pl_lua_describe(lua_State *L)
{
	const struct pl_link_kind *const *kp;
	lua_Integer n = 0;

	lua_createtable(L, 0, 2);
	push_attrs(L, &pl_link_attrs);
	lua_setfield(L, -2, "link");
	lua_newtable(L);
	for (kp = pl_link_kinds; *kp; kp++) {
		const struct pl_link_kind *k = *kp;

		lua_createtable(L, 0, 6);
		lua_pushstring(L, k->name);
		lua_setfield(L, -2, "name");
		push_attrs(L, &k->data);
		lua_setfield(L, -2, "options");
		/* options read by the kind's own code, beside its table (veth's peer) */
		setbool(L, "put_hook", k->put != NULL);
		/* record fields reported by the kind's own code (bridge's boolopt bits) */
		setbool(L, "parse_hook", k->parse != NULL);
		if (k->slave_key) {
			lua_pushstring(L, k->slave_key);
			lua_setfield(L, -2, "port_key");
			push_attrs(L, &k->slave);
			lua_setfield(L, -2, "port_options");
		}
		lua_rawseti(L, -2, ++n);
	}
	lua_setfield(L, -2, "kinds");
	return 1;
}
