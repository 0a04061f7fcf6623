// SPDX-License-Identifier: MIT
/*
 * The floor of "a dump into Lua tables" for `make bench` (W4): a Lua C module that dumps links
 * and routes with libmnl and builds the same records plumb's h:links() and h:routes() build,
 * as cheaply as the Lua C API allows: one attribute walk per message into a tb[], the record's
 * exact size counted from it before lua_createtable, field names and enum values interned once
 * (kept in an upvalue array and pushed by lua_rawgeti, never re-hashed), values pushed straight
 * from the attribute payloads, lua_rawseti into one result array, names of ifindexes taken
 * from the same link dump (links) or one SIOCGIFNAME per distinct ifindex (routes), and
 * ip's M-DOWN on links whose parent in the dump is down.
 *
 *   local floor = require "floor_lua"
 *   floor.links()  --> { { ifindex =, ifname =, flags = { ... }, mtu =, ... }, ... }
 *   floor.routes() --> main table, inet then inet6, as h:routes()
 *   floor.route_add{ dst =, dev = }, floor.addr_add(dev, prefix)
 *                  --> W3's floor for a Lua binding (the least a call can do, see below)
 *
 * Records carry the fields plumb gives for the objects W4 makes (veth pairs, lo, routes on
 * one device); bench/bench.lua compares the key sets with plumb's before timing. Not built:
 * info_data / info_slave_data of other kinds, nexthops, metrics, cache info.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <lua.h>
#include <lauxlib.h>

#include "floor.h"

int luaopen_floor_lua(lua_State *L);

/* interned strings: field names, then enum values */
enum {
	S_IFINDEX = 1, S_IFNAME, S_FLAGS, S_LINK_TYPE, S_MTU, S_QDISC, S_MASTER, S_OPERSTATE,
	S_LINKMODE, S_GROUP, S_TXQLEN, S_ADDRESS, S_BROADCAST, S_PERMADDR, S_PROMISCUITY,
	S_ALLMULTI, S_MIN_MTU, S_MAX_MTU, S_NUM_TX_QUEUES, S_NUM_RX_QUEUES, S_GSO_MAX_SIZE,
	S_GSO_MAX_SEGS, S_TSO_MAX_SIZE, S_TSO_MAX_SEGS, S_GRO_MAX_SIZE, S_IFALIAS, S_LINK_NETNSID,
	S_PARENTDEV, S_LINKINFO, S_INFO_KIND, S_INFO_SLAVE_KIND, S_GEN_MODE, S_LINK, S_LINK_INDEX,
	/* routes */
	S_TYPE, S_DST, S_GATEWAY, S_DEV, S_PREFSRC, S_METRIC, S_PREF, S_TABLE, S_PROTOCOL, S_SCOPE,
	/* values */
	S_V_OPER0, S_V_OPER6 = S_V_OPER0 + 6, S_V_MODE0, S_V_MODE2 = S_V_MODE0 + 2, S_V_DEFAULT,
	S_V_ETHER, S_V_LOOPBACK, S_V_NONE, S_V_GEN0, S_V_GEN3 = S_V_GEN0 + 3, S_V_PREF_MED,
	S_V_PREF_HIGH, S_V_PREF_LOW, S_V_DEFROUTE, S_V_LINKDOWN, S_V_ONLINK, S_V_DEAD,
	S_IFF0, S_IFF_LAST = S_IFF0 + 18, S_V_NOQUEUE, S_V_NOOP, S_V_KERNEL, S_V_STATIC,
	S_V_SLINK, S_V_SHOST, S_V_MDOWN,
	S_N
};

static const char *const strs[S_N] = {
	[S_IFINDEX] = "ifindex", [S_IFNAME] = "ifname", [S_FLAGS] = "flags",
	[S_LINK_TYPE] = "link_type", [S_MTU] = "mtu", [S_QDISC] = "qdisc", [S_MASTER] = "master",
	[S_OPERSTATE] = "operstate", [S_LINKMODE] = "linkmode", [S_GROUP] = "group",
	[S_TXQLEN] = "txqlen", [S_ADDRESS] = "address", [S_BROADCAST] = "broadcast",
	[S_PERMADDR] = "permaddr", [S_PROMISCUITY] = "promiscuity", [S_ALLMULTI] = "allmulti",
	[S_MIN_MTU] = "min_mtu", [S_MAX_MTU] = "max_mtu", [S_NUM_TX_QUEUES] = "num_tx_queues",
	[S_NUM_RX_QUEUES] = "num_rx_queues", [S_GSO_MAX_SIZE] = "gso_max_size",
	[S_GSO_MAX_SEGS] = "gso_max_segs", [S_TSO_MAX_SIZE] = "tso_max_size",
	[S_TSO_MAX_SEGS] = "tso_max_segs", [S_GRO_MAX_SIZE] = "gro_max_size",
	[S_IFALIAS] = "ifalias", [S_LINK_NETNSID] = "link_netnsid", [S_PARENTDEV] = "parentdev",
	[S_LINKINFO] = "linkinfo", [S_INFO_KIND] = "info_kind",
	[S_INFO_SLAVE_KIND] = "info_slave_kind", [S_GEN_MODE] = "inet6_addr_gen_mode",
	[S_LINK] = "link", [S_LINK_INDEX] = "link_index",
	[S_TYPE] = "type", [S_DST] = "dst", [S_GATEWAY] = "gateway", [S_DEV] = "dev",
	[S_PREFSRC] = "prefsrc", [S_METRIC] = "metric", [S_PREF] = "pref", [S_TABLE] = "table",
	[S_PROTOCOL] = "protocol", [S_SCOPE] = "scope",
	[S_V_OPER0] = "UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP",
	[S_V_MODE0] = "DEFAULT", "DORMANT", "TESTING",
	[S_V_DEFAULT] = "default", [S_V_ETHER] = "ether", [S_V_LOOPBACK] = "loopback",
	[S_V_NONE] = "none",
	[S_V_GEN0] = "eui64", "none", "stable_secret", "random",
	[S_V_PREF_MED] = "medium", [S_V_PREF_HIGH] = "high", [S_V_PREF_LOW] = "low",
	[S_V_DEFROUTE] = "default", [S_V_LINKDOWN] = "linkdown", [S_V_ONLINK] = "onlink",
	[S_V_DEAD] = "dead",
	[S_IFF0] = "NO-CARRIER", "LOOPBACK", "BROADCAST", "POINTOPOINT", "MULTICAST", "NOARP",
	"ALLMULTI", "PROMISC", "MASTER", "SLAVE", "DEBUG", "DYNAMIC", "AUTOMEDIA", "PORTSEL",
	"NOTRAILERS", "UP", "LOWER_UP", "DORMANT", "ECHO",
	[S_V_NOQUEUE] = "noqueue", [S_V_NOOP] = "noop", [S_V_KERNEL] = "kernel",
	[S_V_STATIC] = "static", [S_V_SLINK] = "link", [S_V_SHOST] = "host",
	[S_V_MDOWN] = "M-DOWN",
};

/* ip's order of the flag names (pl_iff_names), after NO-CARRIER */
static const unsigned int iff[18] = {
	IFF_LOOPBACK, IFF_BROADCAST, IFF_POINTOPOINT, IFF_MULTICAST, IFF_NOARP, IFF_ALLMULTI,
	IFF_PROMISC, IFF_MASTER, IFF_SLAVE, IFF_DEBUG, IFF_DYNAMIC, IFF_AUTOMEDIA, IFF_PORTSEL,
	IFF_NOTRAILERS, IFF_UP, IFF_LOWER_UP, IFF_DORMANT, IFF_ECHO,
};

/* the u32 link fields, in the order plumb's descriptor lists them */
static const struct {
	unsigned short attr, name;
} u32f[] = {
	{ IFLA_MTU, S_MTU }, { IFLA_TXQLEN, S_TXQLEN }, { IFLA_PROMISCUITY, S_PROMISCUITY },
	{ IFLA_ALLMULTI, S_ALLMULTI }, { IFLA_MIN_MTU, S_MIN_MTU }, { IFLA_MAX_MTU, S_MAX_MTU },
	{ IFLA_NUM_TX_QUEUES, S_NUM_TX_QUEUES }, { IFLA_NUM_RX_QUEUES, S_NUM_RX_QUEUES },
	{ IFLA_GSO_MAX_SIZE, S_GSO_MAX_SIZE }, { IFLA_GSO_MAX_SEGS, S_GSO_MAX_SEGS },
	{ IFLA_TSO_MAX_SIZE, S_TSO_MAX_SIZE }, { IFLA_TSO_MAX_SEGS, S_TSO_MAX_SEGS },
	{ IFLA_GRO_MAX_SIZE, S_GRO_MAX_SIZE }, { IFLA_LINK_NETNSID, S_LINK_NETNSID },
};

#define STRS lua_upvalueindex(1)
#define SOCK lua_upvalueindex(2)

struct fix {		/* a master / link name to fill in once every name is known */
	int rec, idx, key;
};

struct dump {
	lua_State *L;
	int n;			/* records so far (the result array is at the top of the stack) */
	char **names;		/* ifindex -> name, from the same dump */
	unsigned char *up;	/* ifindex -> 0 not seen, 1 down, 2 up (ip's M-DOWN) */
	int nnames;
	struct fix *fix;
	int nfix, capfix;
};

static void push_s(lua_State *L, int s)
{
	lua_rawgeti(L, STRS, s);
}

static void set_s(lua_State *L, int key, int val)
{
	push_s(L, key);
	push_s(L, val);
	lua_rawset(L, -3);
}

static void set_i(lua_State *L, int key, lua_Integer v)
{
	push_s(L, key);
	lua_pushinteger(L, v);
	lua_rawset(L, -3);
}

static void set_str(lua_State *L, int key, const char *s, size_t len)
{
	push_s(L, key);
	lua_pushlstring(L, s, len);
	lua_rawset(L, -3);
}

static void set_mac(lua_State *L, int key, const struct nlattr *at)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = mnl_attr_get_payload(at);
	size_t n = mnl_attr_get_payload_len(at), i;
	char buf[3 * 32];

	if (n == 0 || n > 32)
		return;
	for (i = 0; i < n; i++) {
		buf[3 * i] = hex[p[i] >> 4];
		buf[3 * i + 1] = hex[p[i] & 15];
		buf[3 * i + 2] = ':';
	}
	set_str(L, key, buf, 3 * n - 1);
}

static const char *attr_str(const struct nlattr *at, size_t *len)
{
	const char *s = mnl_attr_get_payload(at);
	size_t n = mnl_attr_get_payload_len(at);

	*len = strnlen(s, n);
	return s;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { NULL }, *at;
	const struct nlattr *kind = NULL, *skind = NULL;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct dump *d = data;
	lua_State *L = d->L;
	int nrec = 2, nfl = 0, gen = -1, i;
	unsigned int fl = ifi->ifi_flags;
	size_t len;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	mnl_attr_for_each(at, nlh, sizeof(*ifi)) {
		int t = mnl_attr_get_type(at);

		if (t > IFLA_MAX)
			continue;
		tb[t] = at;
		switch (t) {
		case IFLA_IFNAME: case IFLA_MTU: case IFLA_QDISC: case IFLA_MASTER:
		case IFLA_OPERSTATE: case IFLA_LINKMODE: case IFLA_GROUP: case IFLA_TXQLEN:
		case IFLA_ADDRESS: case IFLA_BROADCAST: case IFLA_PERM_ADDRESS:
		case IFLA_PROMISCUITY: case IFLA_ALLMULTI: case IFLA_MIN_MTU: case IFLA_MAX_MTU:
		case IFLA_NUM_TX_QUEUES: case IFLA_NUM_RX_QUEUES: case IFLA_GSO_MAX_SIZE:
		case IFLA_GSO_MAX_SEGS: case IFLA_TSO_MAX_SIZE: case IFLA_TSO_MAX_SEGS:
		case IFLA_GRO_MAX_SIZE: case IFLA_IFALIAS: case IFLA_LINK_NETNSID:
		case IFLA_PARENT_DEV_NAME: case IFLA_LINKINFO:
			nrec++;
			break;
		case IFLA_LINK:
			nrec += mnl_attr_get_u32(at) != 0;
			break;
		case IFLA_AF_SPEC: {
			const struct nlattr *fam, *a;

			mnl_attr_for_each_nested(fam, at) {
				if (mnl_attr_get_type(fam) != AF_INET6)
					continue;
				mnl_attr_for_each_nested(a, fam)
					if (mnl_attr_get_type(a) == IFLA_INET6_ADDR_GEN_MODE &&
					    mnl_attr_get_u8(a) <= 3)
						gen = mnl_attr_get_u8(a);
			}
			nrec += gen >= 0;
			break;
		}
		default:
			break;
		}
	}
	/* the record's size counted: ifindex + flags + link_type + what is present */
	lua_createtable(L, 0, nrec + 1);
	set_i(L, S_IFINDEX, ifi->ifi_index);
	push_s(L, S_FLAGS);
	nfl = (fl & IFF_UP) && !(fl & IFF_RUNNING);
	for (i = 0; i < 18; i++)
		nfl += (fl & iff[i]) != 0;
	lua_createtable(L, nfl, 0);
	nfl = 0;
	if ((fl & IFF_UP) && !(fl & IFF_RUNNING)) {
		push_s(L, S_IFF0);
		lua_rawseti(L, -2, ++nfl);
	}
	for (i = 0; i < 18; i++)
		if (fl & iff[i]) {
			push_s(L, S_IFF0 + 1 + i);
			lua_rawseti(L, -2, ++nfl);
		}
	lua_rawset(L, -3);
	if (ifi->ifi_type == ARPHRD_ETHER)
		set_s(L, S_LINK_TYPE, S_V_ETHER);
	else if (ifi->ifi_type == ARPHRD_LOOPBACK)
		set_s(L, S_LINK_TYPE, S_V_LOOPBACK);
	else if (ifi->ifi_type == ARPHRD_NONE)
		set_s(L, S_LINK_TYPE, S_V_NONE);
	else
		set_i(L, S_LINK_TYPE, ifi->ifi_type);
	if ((at = tb[IFLA_IFNAME])) {
		const char *s = attr_str(at, &len);

		set_str(L, S_IFNAME, s, len);
		if (ifi->ifi_index > 0 && ifi->ifi_index < d->nnames)
			d->up[ifi->ifi_index] = fl & IFF_UP ? 2 : 1;
		if (ifi->ifi_index > 0 && ifi->ifi_index < d->nnames && !d->names[ifi->ifi_index]) {
			d->names[ifi->ifi_index] = malloc(len + 1);
			if (d->names[ifi->ifi_index])
				memcpy(d->names[ifi->ifi_index], s, len + 1);
		}
	}
	for (i = 0; i < (int)(sizeof(u32f) / sizeof(u32f[0])); i++)
		if ((at = tb[u32f[i].attr]))
			set_i(L, u32f[i].name, mnl_attr_get_u32(at));
	if ((at = tb[IFLA_QDISC])) {
		const char *s = attr_str(at, &len);

		if (len == 7 && memcmp(s, "noqueue", 7) == 0)
			set_s(L, S_QDISC, S_V_NOQUEUE);
		else if (len == 4 && memcmp(s, "noop", 4) == 0)
			set_s(L, S_QDISC, S_V_NOOP);
		else
			set_str(L, S_QDISC, s, len);
	}
	if ((at = tb[IFLA_OPERSTATE]) && mnl_attr_get_u8(at) <= 6)
		set_s(L, S_OPERSTATE, S_V_OPER0 + mnl_attr_get_u8(at));
	if ((at = tb[IFLA_LINKMODE]) && mnl_attr_get_u8(at) <= 2)
		set_s(L, S_LINKMODE, S_V_MODE0 + mnl_attr_get_u8(at));
	if ((at = tb[IFLA_GROUP])) {
		if (mnl_attr_get_u32(at) == 0)
			set_s(L, S_GROUP, S_V_DEFAULT);
		else
			set_i(L, S_GROUP, mnl_attr_get_u32(at));
	}
	if (tb[IFLA_ADDRESS])
		set_mac(L, S_ADDRESS, tb[IFLA_ADDRESS]);
	if (tb[IFLA_BROADCAST])
		set_mac(L, S_BROADCAST, tb[IFLA_BROADCAST]);
	if (tb[IFLA_PERM_ADDRESS])
		set_mac(L, S_PERMADDR, tb[IFLA_PERM_ADDRESS]);
	if ((at = tb[IFLA_IFALIAS])) {
		const char *s = attr_str(at, &len);

		set_str(L, S_IFALIAS, s, len);
	}
	if ((at = tb[IFLA_PARENT_DEV_NAME])) {
		const char *s = attr_str(at, &len);

		set_str(L, S_PARENTDEV, s, len);
	}
	if ((at = tb[IFLA_LINKINFO])) {
		const struct nlattr *a;

		mnl_attr_for_each_nested(a, at) {
			if (mnl_attr_get_type(a) == IFLA_INFO_KIND)
				kind = a;
			else if (mnl_attr_get_type(a) == IFLA_INFO_SLAVE_KIND)
				skind = a;
		}
		push_s(L, S_LINKINFO);
		lua_createtable(L, 0, (kind != NULL) + (skind != NULL));
		if (kind) {
			const char *s = attr_str(kind, &len);

			set_str(L, S_INFO_KIND, s, len);
		}
		if (skind) {
			const char *s = attr_str(skind, &len);

			set_str(L, S_INFO_SLAVE_KIND, s, len);
		}
		lua_rawset(L, -3);
	}
	if (gen >= 0)
		set_s(L, S_GEN_MODE, S_V_GEN0 + gen);
	lua_rawseti(L, -2, ++d->n);
	/* names of other links: filled in from the dump's own names at the end */
	for (i = 0; i < 2; i++) {
		at = tb[i ? IFLA_LINK : IFLA_MASTER];
		if (!at || mnl_attr_get_u32(at) == 0)
			continue;
		if (d->nfix == d->capfix) {
			struct fix *f = realloc(d->fix, sizeof(*f) * (d->capfix * 2 + 64));

			if (!f)
				return MNL_CB_ERROR;
			d->fix = f;
			d->capfix = d->capfix * 2 + 64;
		}
		d->fix[d->nfix].rec = d->n;
		d->fix[d->nfix].idx = (int)mnl_attr_get_u32(at);
		d->fix[d->nfix].key = !i ? S_MASTER : tb[IFLA_LINK_NETNSID] ? S_LINK_INDEX : S_LINK;
		d->nfix++;
	}
	return MNL_CB_OK;
}

static int pusherr(lua_State *L, const char *what)
{
	lua_pushnil(L);
	lua_pushfstring(L, "%s: %s", what, strerror(errno));
	return 2;
}

static int l_links(lua_State *L)
{
	struct fl_sock *s = lua_touserdata(L, SOCK);
	struct dump d = { .L = L };
	struct nlmsghdr *nlh;
	int rc, i;

	/* ifindexes of a namespace's links are small: 64 Ki covers the bench many times over */
	d.nnames = 1 << 16;
	d.names = calloc((size_t)d.nnames, sizeof(char *));
	d.up = calloc((size_t)d.nnames, 1);
	if (!d.names || !d.up)
		return pusherr(L, "links");
	lua_newtable(L);
	nlh = fl_req(s, RTM_GETLINK, NLM_F_DUMP);
	((struct ifinfomsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg)))->ifi_family =
		AF_UNSPEC;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS);
	rc = fl_talk(s, nlh, link_cb, &d);
	if (rc == 0) {
		for (i = 0; i < d.nfix; i++) {
			struct fix *f = &d.fix[i];

			lua_rawgeti(L, -1, f->rec);
			if (f->key == S_LINK_INDEX || f->idx >= d.nnames || !d.names[f->idx])
				set_i(L, f->key, f->idx);
			else
				set_str(L, f->key, d.names[f->idx], strlen(d.names[f->idx]));
			/* ip's M-DOWN: a parent in this namespace that is down (known only now) */
			if (f->key == S_LINK && f->idx < d.nnames && d.up[f->idx] == 1) {
				push_s(L, S_FLAGS);
				lua_rawget(L, -2);
				push_s(L, S_V_MDOWN);
				lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
				lua_pop(L, 1);
			}
			lua_pop(L, 1);
		}
	}
	for (i = 0; i < d.nnames; i++)
		free(d.names[i]);
	free(d.names);
	free(d.up);
	free(d.fix);
	if (rc < 0)
		return pusherr(L, "links");
	return 1;
}

/* routes ---------------------------------------------------------------------------------- */

struct rdump {
	lua_State *L;
	int n;
	int ioc;		/* any socket: SIOCGIFNAME */
	int lastidx;		/* one-entry cache: a route list is mostly one device after another */
	char lastname[IFNAMSIZ];
};

static const char *const protos[] = {
	[0] = "unspec", [1] = "redirect", [2] = "kernel", [3] = "boot", [4] = "static",
	[8] = "gated", [9] = "ra", [10] = "mrt", [11] = "zebra", [12] = "bird", [13] = "dnrouted",
	[14] = "xorp", [15] = "ntk", [16] = "dhcp", [18] = "keepalived", [42] = "babel",
	[99] = "openr",
};

static void set_prefix(lua_State *L, int key, int fam, const struct nlattr *at, unsigned int plen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	size_t alen = fam == AF_INET ? 4 : 16, l;

	if (!at && !plen) {
		set_s(L, key, S_V_DEFROUTE);
		return;
	}
	if (at && mnl_attr_get_payload_len(at) >= alen)
		inet_ntop(fam, mnl_attr_get_payload(at), buf, sizeof(buf));
	else
		strcpy(buf, "0");
	l = strlen(buf);
	if (plen != alen * 8)
		l += (size_t)snprintf(buf + l, sizeof(buf) - l, "/%u", plen);
	set_str(L, key, buf, l);
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[RTA_MAX + 1] = { NULL }, *at;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct rdump *d = data;
	lua_State *L = d->L;
	uint32_t table = rtm->rtm_table;
	int nrec = 2, nfl = 0, fam = rtm->rtm_family;
	char buf[INET6_ADDRSTRLEN];

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	mnl_attr_for_each(at, nlh, sizeof(*rtm)) {
		int t = mnl_attr_get_type(at);

		if (t > RTA_MAX)
			continue;
		tb[t] = at;
		nrec += t == RTA_GATEWAY || t == RTA_OIF || t == RTA_PREFSRC || t == RTA_PRIORITY ||
			t == RTA_PREF;
	}
	if (tb[RTA_TABLE])
		table = mnl_attr_get_u32(tb[RTA_TABLE]);
	nrec += rtm->rtm_type != RTN_UNICAST;
	nrec += table && table != RT_TABLE_MAIN;
	nrec += rtm->rtm_protocol != RTPROT_BOOT;
	nrec += rtm->rtm_scope != RT_SCOPE_UNIVERSE;
	lua_createtable(L, 0, nrec);
	if (rtm->rtm_type != RTN_UNICAST)
		set_i(L, S_TYPE, rtm->rtm_type);	/* not in W4's main table */
	set_prefix(L, S_DST, fam, tb[RTA_DST], rtm->rtm_dst_len);
	if ((at = tb[RTA_GATEWAY])) {
		inet_ntop(fam, mnl_attr_get_payload(at), buf, sizeof(buf));
		set_str(L, S_GATEWAY, buf, strlen(buf));
	}
	if ((at = tb[RTA_OIF])) {
		int idx = (int)mnl_attr_get_u32(at);

		if (idx != d->lastidx) {
			struct ifreq ifr = { .ifr_ifindex = idx };

			if (ioctl(d->ioc, SIOCGIFNAME, &ifr) < 0)
				ifr.ifr_name[0] = 0;
			memcpy(d->lastname, ifr.ifr_name, IFNAMSIZ);
			d->lastname[IFNAMSIZ - 1] = 0;
			d->lastidx = idx;
		}
		set_str(L, S_DEV, d->lastname, strlen(d->lastname));
	}
	if ((at = tb[RTA_PREFSRC])) {
		inet_ntop(fam, mnl_attr_get_payload(at), buf, sizeof(buf));
		set_str(L, S_PREFSRC, buf, strlen(buf));
	}
	if ((at = tb[RTA_PRIORITY]))
		set_i(L, S_METRIC, mnl_attr_get_u32(at));
	if ((at = tb[RTA_PREF])) {
		uint8_t p = mnl_attr_get_u8(at);

		set_s(L, S_PREF, p == 1 ? S_V_PREF_HIGH : p == 3 ? S_V_PREF_LOW : S_V_PREF_MED);
	}
	if (table && table != RT_TABLE_MAIN)
		set_i(L, S_TABLE, table);
	if (rtm->rtm_protocol != RTPROT_BOOT) {
		const char *p = rtm->rtm_protocol < sizeof(protos) / sizeof(protos[0]) ?
				protos[rtm->rtm_protocol] : NULL;

		push_s(L, S_PROTOCOL);
		if (rtm->rtm_protocol == RTPROT_KERNEL)
			push_s(L, S_V_KERNEL);
		else if (rtm->rtm_protocol == RTPROT_STATIC)
			push_s(L, S_V_STATIC);
		else if (p)
			lua_pushstring(L, p);
		else
			lua_pushinteger(L, rtm->rtm_protocol);
		lua_rawset(L, -3);
	}
	if (rtm->rtm_scope != RT_SCOPE_UNIVERSE) {
		push_s(L, S_SCOPE);
		switch (rtm->rtm_scope) {
		case RT_SCOPE_LINK: push_s(L, S_V_SLINK); break;
		case RT_SCOPE_HOST: push_s(L, S_V_SHOST); break;
		case RT_SCOPE_SITE: lua_pushliteral(L, "site"); break;
		case RT_SCOPE_NOWHERE: lua_pushliteral(L, "nowhere"); break;
		default: lua_pushinteger(L, rtm->rtm_scope); break;
		}
		lua_rawset(L, -3);
	}
	push_s(L, S_FLAGS);
	nfl = !!(rtm->rtm_flags & RTNH_F_DEAD) + !!(rtm->rtm_flags & RTNH_F_ONLINK) +
	      !!(rtm->rtm_flags & RTNH_F_LINKDOWN);
	lua_createtable(L, nfl, 0);
	nfl = 0;
	if (rtm->rtm_flags & RTNH_F_DEAD) {
		push_s(L, S_V_DEAD);
		lua_rawseti(L, -2, ++nfl);
	}
	if (rtm->rtm_flags & RTNH_F_ONLINK) {
		push_s(L, S_V_ONLINK);
		lua_rawseti(L, -2, ++nfl);
	}
	if (rtm->rtm_flags & RTNH_F_LINKDOWN) {
		push_s(L, S_V_LINKDOWN);
		lua_rawseti(L, -2, ++nfl);
	}
	lua_rawset(L, -3);
	lua_rawseti(L, -2, ++d->n);
	return MNL_CB_OK;
}

static int l_routes(lua_State *L)
{
	static const unsigned char fams[] = { AF_INET, AF_INET6 };
	struct fl_sock *s = lua_touserdata(L, SOCK);
	struct rdump d = { .L = L, .lastidx = -1 };

	d.ioc = mnl_socket_get_fd(s->nl);
	lua_newtable(L);
	for (size_t f = 0; f < sizeof(fams); f++) {
		struct nlmsghdr *nlh = fl_req(s, RTM_GETROUTE, NLM_F_DUMP);
		struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

		rtm->rtm_family = fams[f];
		rtm->rtm_table = RT_TABLE_MAIN;
		if (fl_talk(s, nlh, route_cb, &d) < 0)
			return pusherr(L, "routes");
	}
	return 1;
}

/* ---------------------------------------------------------------------------------------- */
/* W3: the least a Lua binding can do per call: read the two fields it needs from the option
 * table (lua_getfield), resolve a device name by SIOCGIFINDEX, build with libmnl, send, wait
 * for the ACK. No option checking at all (unknown keys, NUL bytes, types beyond the two). */

static int w3_fail(lua_State *L, const char *what)
{
	lua_pushnil(L);
	lua_pushfstring(L, "%s: %s", what, strerror(errno));
	return 2;
}

static int w3_dev(lua_State *L, struct fl_sock *s, int idx)
{
	struct ifreq ifr;

	if (lua_isinteger(L, idx))
		return (int)lua_tointeger(L, idx);
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, luaL_checkstring(L, idx), IFNAMSIZ - 1);
	if (ioctl(mnl_socket_get_fd(s->nl), SIOCGIFINDEX, &ifr) < 0)
		return -1;
	return ifr.ifr_ifindex;
}

/* "a.b.c.d/len" -> address, length */
static int w3_prefix(const char *p, uint32_t *a, int *len)
{
	char buf[INET_ADDRSTRLEN];
	const char *slash = strchr(p, '/');
	size_t n = slash ? (size_t)(slash - p) : strlen(p);

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	*len = slash ? atoi(slash + 1) : 32;
	return inet_pton(AF_INET, buf, a) == 1 ? 0 : -1;
}

/* floor.route_add{ dst = "10.200.0.1/32", dev = "a0" | ifindex } */
static int l_route_add(lua_State *L)
{
	struct fl_sock *s = lua_touserdata(L, lua_upvalueindex(1));
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	uint32_t a;
	int len, dev;

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getfield(L, 1, "dst");
	if (w3_prefix(luaL_checkstring(L, -1), &a, &len) < 0)
		return luaL_error(L, "route_add: bad dst");
	lua_getfield(L, 1, "dev");
	dev = w3_dev(L, s, -1);
	if (dev <= 0)
		return w3_fail(L, "route_add: dev");
	nlh = fl_req(s, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = (unsigned char)len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_DST, a);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)dev);
	if (fl_talk(s, nlh, NULL, NULL) < 0)
		return w3_fail(L, "route_add");
	lua_pushboolean(L, 1);
	return 1;
}

/* floor.addr_add(dev, "10.100.0.1/32") */
static int l_addr_add(lua_State *L)
{
	struct fl_sock *s = lua_touserdata(L, lua_upvalueindex(1));
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	uint32_t a;
	int len, dev = w3_dev(L, s, 1);

	if (dev <= 0)
		return w3_fail(L, "addr_add: dev");
	if (w3_prefix(luaL_checkstring(L, 2), &a, &len) < 0)
		return luaL_error(L, "addr_add: bad prefix");
	nlh = fl_req(s, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)len;
	ifa->ifa_index = (uint32_t)dev;
	mnl_attr_put_u32(nlh, IFA_LOCAL, a);
	mnl_attr_put_u32(nlh, IFA_ADDRESS, a);
	if (fl_talk(s, nlh, NULL, NULL) < 0)
		return w3_fail(L, "addr_add");
	lua_pushboolean(L, 1);
	return 1;
}

int luaopen_floor_lua(lua_State *L)
{
	struct fl_sock *s;
	int i;

	lua_createtable(L, 0, 2);
	lua_createtable(L, S_N, 0);
	for (i = 1; i < S_N; i++) {
		lua_pushstring(L, strs[i] ? strs[i] : "?");
		lua_rawseti(L, -2, i);
	}
	s = lua_newuserdatauv(L, sizeof(*s), 0);
	if (fl_open(s) < 0)
		return luaL_error(L, "floor_lua: netlink socket: %s", strerror(errno));
	lua_pushvalue(L, -2);
	lua_pushvalue(L, -2);
	lua_pushcclosure(L, l_links, 2);
	lua_setfield(L, -4, "links");
	lua_pushvalue(L, -1);
	lua_pushcclosure(L, l_route_add, 1);
	lua_setfield(L, -4, "route_add");
	lua_pushvalue(L, -1);
	lua_pushcclosure(L, l_addr_add, 1);
	lua_setfield(L, -4, "addr_add");
	lua_pushcclosure(L, l_routes, 2);
	lua_setfield(L, -2, "routes");
	return 1;
}
