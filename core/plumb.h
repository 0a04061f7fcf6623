/* SPDX-License-Identifier: MIT */
/*
 * plumb core: rtnetlink on libmnl, with no knowledge of Lua.
 *
 * Data flows through two small interfaces so that one descriptor table per object serves
 * both directions:
 *   - a request is built from a struct pl_source (a tree of named values the caller owns);
 *   - a reply is parsed into a struct pl_sink (a tree of named scalars the caller builds).
 * Core functions return -1 and fill a struct pl_err the caller owns; they never print and
 * never exit. There is no global mutable state.
 */
#ifndef PLUMB_CORE_H
#define PLUMB_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* the functions of the one-at-a-time request path (build, send, ACK), kept together in the
 * text (.text.hot): fewer pages to refill per call after the syscalls flush the TLB */
#define PL_HOT __attribute__((hot))

struct nlmsghdr;
struct nlattr;
struct mnl_socket;

#define PL_VERSION "plumb 0.1.0"

/* ---------------------------------------------------------------------------------------- */
/* errors */

#define PL_ERRMSG_MAX 320

/* What went wrong, owned by the caller. misuse != 0 means the caller's input was wrong
 * (a binding raises); otherwise err is an errno from the kernel or the system. */
struct pl_err {
	int err;
	int misuse;
	char msg[PL_ERRMSG_MAX];
};

/* Fill @e with errno @err and a printf-style message; always returns -1. */
int pl_err_set(struct pl_err *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Fill @e as a misuse (bad argument) with errno EINVAL; always returns -1. */
int pl_err_misuse(struct pl_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Put "@op: " before the message of a failure (a misuse is left alone: the binding names the
 * operation itself); always returns -1. */
int pl_err_prefix(struct pl_err *e, const char *op);

/* ---------------------------------------------------------------------------------------- */
/* values crossing the core boundary */

enum pl_vkind {
	PL_V_NIL = 0,
	PL_V_BOOL,
	PL_V_INT,
	PL_V_STR,
	PL_V_TABLE,
	PL_V_OTHER,
};

/* One value read from a source: strings stay owned by the source. */
struct pl_val {
	enum pl_vkind kind;
	int b;
	long long i;
	const char *s;
	size_t len;
};

/* A tree of named values (a Lua table, in the bindings). */
struct pl_source {
	/* Read field @key of the current table into @v (kind PL_V_NIL when absent). */
	int (*get)(struct pl_source *src, const char *key, struct pl_val *v);
	/* Make field @key (a table) current; returns 1 if entered, 0 if absent, -1 if not a
	 * table. Every successful enter is paired with a leave. */
	int (*enter)(struct pl_source *src, const char *key);
	/* Return to the parent table; fails (-1, @e filled) if the table being left held keys
	 * that nobody asked for (typos such as "mut"). */
	int (*leave)(struct pl_source *src, struct pl_err *e);
	/* Number of list elements (1..n) of the current table; they count as asked for, so
	 * leaving a list does not refuse its integer keys. */
	long long (*len)(struct pl_source *src);
	/* Make element @i (1-based) of the current table current, like enter. */
	int (*enter_at)(struct pl_source *src, long long i);
	/* Optional (may be NULL): the string keys of the current table (*keys points at them,
	 * valid until the source moves) and, in *mask, the bit pl_keysig() of each; returns
	 * how many, or -1 when the source cannot tell. A descriptor walk then looks up only the
	 * keys present instead of asking for every settable option. */
	int (*keys)(struct pl_source *src, const char *const **keys, uint64_t *mask);
	/* Kept by a source that knows the keys of its current table (else 0): every key there
	 * has its pl_keysig() bit in @mask, so that pl_get() answers any other key "absent"
	 * without a call. */
	int masked;
	uint64_t mask;
};

/* A key's signature, one of 64: a cheap "certainly not here" for sets of keys. */
static inline unsigned int pl_keysig(const char *k)
{
	return ((unsigned char)k[0] * 31u + (k[0] ? (unsigned char)k[1] : 0u)) & 63u;
}

/* An absent value. */
static inline void pl_val_nil(struct pl_val *v)
{
	v->kind = PL_V_NIL;
	v->b = 0;
	v->i = 0;
	v->s = NULL;
	v->len = 0;
}

/* src->get, answering keys the source's mask rules out on the spot. */
static inline int pl_get(struct pl_source *src, const char *key, struct pl_val *v)
{
	if (src->masked && !((src->mask >> pl_keysig(key)) & 1u)) {
		pl_val_nil(v);
		return 0;
	}
	return src->get(src, key, v);
}

/* A tree of named scalars being built (a Lua table, in the bindings). Keys are static strings
 * (literals, descriptor names): a sink may know a key by its address alone. */
struct pl_sink {
	void (*num)(struct pl_sink *k, const char *key, double v);
	void (*integer)(struct pl_sink *k, const char *key, long long v);
	void (*str)(struct pl_sink *k, const char *key, const char *s);
	void (*boolean)(struct pl_sink *k, const char *key, int b);
	/* Open a nested object under @key (or an array element when @key is NULL). */
	void (*begin)(struct pl_sink *k, const char *key);
	/* Open a nested array under @key. */
	void (*begin_list)(struct pl_sink *k, const char *key);
	void (*end)(struct pl_sink *k);
	/* An ifindex to be shown as a device name (resolved by the sink, which may know the
	 * names from the same dump). */
	void (*ifindex)(struct pl_sink *k, const char *key, uint32_t idx);
	/* Drop everything reported so far: a dump is being restarted. */
	void (*reset)(struct pl_sink *k);
	/* Optional (NULL: str is used): a string value that is a static name (an enum's, a
	 * flag's), which a sink may know by its address like a key. */
	void (*name)(struct pl_sink *k, const char *key, const char *s);
	/* Optional: append string @s to list @list of the @rec-th record (1-based) of a listing
	 * already reported (a link listing adds ip's "M-DOWN" so once every link is in). */
	void (*amend)(struct pl_sink *k, long rec, const char *list, const char *s);
	/* Optional (NULL: none): the listing's ifindex -> name map, which parsers fill from link
	 * messages and read before deferring a name to ->ifindex (see struct pl_ifnames). */
	struct pl_ifnames *names;
	/* Set by a parser just before begin/begin_list when it knows how many entries the next
	 * table gets (an exact lua_createtable); the sink takes it back to -1. Sinks that build
	 * nothing sized ignore it. */
	int size_hint;
};

/* ---------------------------------------------------------------------------------------- */
/* attribute descriptors: one table per object, walked by one builder and one parser */

enum pl_atype {
	PL_A_U8 = 1,
	PL_A_U16,
	PL_A_U32,
	PL_A_U64,
	PL_A_BE16,	/* a port: host number <-> network order */
	PL_A_FLAG,	/* NLA_FLAG: presence is true */
	PL_A_STR,
	PL_A_MAC,	/* "02:00:00:00:00:01" */
	PL_A_IN4,	/* 4-byte address */
	PL_A_INET,	/* IPv4 at .type, IPv6 at .type6 */
	PL_A_IFINDEX,	/* u32 ifindex; input name or number, output a name to be resolved */
	PL_A_BRID,	/* struct ifla_bridge_id, read only */
	PL_A_CLOCK,	/* u64 centiseconds, printed as seconds, read only */
	PL_A_HEX16,	/* u16 printed as "0x..", read only */
	PL_A_PORTRANGE,	/* struct ifla_vxlan_port_range */
	PL_A_VLANFLAGS, /* struct ifla_vlan_flags, printed as a list of names */
};

/* descriptor flags */
#define PL_F_RO		0x01	/* reported, never sent */
#define PL_F_WO		0x02	/* sent, never reported */
#define PL_F_BOOLIN	0x04	/* a number attribute that takes a Lua boolean too */
#define PL_F_BOOLOUT	0x08	/* report the number as a boolean */
#define PL_F_UCAST	0x10	/* report only when the address is unicast */
#define PL_F_MCAST	0x20	/* report only when the address is multicast */
#define PL_F_ENUMKEY	0x40	/* report the enum's name as a key set to true */
#define PL_F_KEY6	0x100	/* report an IPv6 value under the key with "6" appended */
#define PL_F_STRNUM	0x80	/* report the number as a hex string, "0x8" (ip's 0xhex) */
#define PL_F_FIXED	0x200	/* set at creation only: the kernel refuses or ignores changes */

/* A number <-> name pair. Tables end with a NULL name. */
struct pl_enum {
	const char *name;
	unsigned long long value;
};

/* One attribute: wire type and both faces of its name. */
struct pl_attr_desc {
	uint16_t type;		/* attribute type (IFLA_...) */
	uint16_t type6;		/* for PL_A_INET: the IPv6 attribute */
	uint16_t atype;		/* enum pl_atype */
	uint16_t flags;		/* PL_F_* */
	const char *name;	/* key in the caller's option table, NULL = not settable */
	const char *out;	/* key in the record (ip -j name), NULL = same as name */
	const struct pl_enum *names;	/* numbers named by strings, or NULL */
};

/* A descriptor table with its length. */
struct pl_attr_index;	/* the settable descriptors by name, built at first use (attr.c) */

struct pl_attrs {
	const struct pl_attr_desc *d;
	size_t n;
	uint16_t maxtype;
	struct pl_attr_index *ix;
};

/* ---------------------------------------------------------------------------------------- */
/* requests */

#define PL_REQ_MAXFD 4
#define PL_REQ_MAXFIELDS 48

struct pl_sock;
struct pl_pctx;

/* A request being built: the buffer, the fds it references, and which caller field each
 * attribute came from (so an extended-ACK offset can be named as "vxlan.dstport"). */
struct pl_req {
	struct pl_sock *sock;
	struct nlmsghdr *nlh;
	size_t cap;
	int fds[PL_REQ_MAXFD];
	int nfds;
	struct {
		uint32_t off;
		char path[40];
	} field[PL_REQ_MAXFIELDS];
	int nfields;
	char prefix[24];	/* "vxlan." while a kind subtable is being read */
	int peer_up;		/* veth: bring the peer up once created */
	int peer_nsfd;
	int link_nsfd;		/* the netns the link is created in (an fd of fds[]) or -1 */
	char peer_name[16];
	const char *op;		/* "link_add" */
	char obj[64];		/* "veth0" */
	int building;		/* started, not yet sent, queued or done (see struct pl_sock) */
};

/* ---------------------------------------------------------------------------------------- */
/* dumps: descriptor walks and the listing's name map (core/attr.c, core/ifnames.c) */

struct pl_ifname {
	uint32_t idx;		/* 0: free slot */
	char name[16];		/* "" once a lookup found no such device */
};

/* ifindex -> name for one listing: filled from its link messages (pl_ifnames_put) or, with
 * @fd >= 0 (the handle's socket), by one SIOCGIFNAME per distinct ifindex. Zero it and set
 * fd; pl_ifnames_free() it. */
struct pl_ifnames {
	int fd;
	uint32_t n, cap;
	struct pl_ifname *v;
	struct pl_ifname *last;	/* the last one found: dumps list one device's objects together */
};

/* Remember @idx as @name (@len bytes); -1 when out of memory (then simply not cached). */
int pl_ifnames_put(struct pl_ifnames *m, uint32_t idx, const char *name, size_t len);
/* The name of @idx, or NULL when unknown (not in the map and no such device). */
const char *pl_ifnames_get(struct pl_ifnames *m, uint32_t idx);
void pl_ifnames_free(struct pl_ifnames *m);

/* ---------------------------------------------------------------------------------------- */
/* the socket */

/* Which network namespace: a name under /run/netns, a path, or a pid (pid > 0). */
struct pl_nsref {
	const char *name;
	pid_t pid;
};

/* What a socket did, for tests and benchmarks (plumb.core._stats). */
struct pl_sock_stats {
	unsigned long sends;		/* sendmsg calls */
	unsigned long builds;		/* requests started */
	unsigned long sends_in_build;	/* sends while another request was being built: 0 */
	unsigned long resolves;		/* names <-> ifindex resolved (ioctl, no round trip) */
	unsigned long batch_requests;	/* requests sent in batches */
	unsigned long batch_sends;	/* sendmsg calls of batches */
};

struct pl_batch;

struct pl_sock {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	char *sbuf;		/* request buffer */
	size_t sbuflen;
	char *rbuf;		/* receive buffer, reused by every reply */
	size_t rbuflen;
	int strict;		/* NETLINK_GET_STRICT_CHK accepted */
	int ext_ack;		/* NETLINK_EXT_ACK accepted */
	unsigned long dump_restarts;	/* dumps started again after NLM_F_DUMP_INTR (tests) */
	struct pl_rtnames *rtn;	/* names of routing numbers, read once per socket (tables.c) */
	struct pl_batch *batch;	/* requests are queued, not sent (core/batch.c), or NULL */
	/* Set with batch: what pl_talk/pl_dump do with a request first (pl_batch_hook). */
	int (*divert)(struct pl_req *r, int query, struct pl_err *e);
	int building;		/* requests started and not yet sent, queued or done */
	char *mbuf;		/* PL_RECV_MANY's datagram slots, allocated at first use */
	/* tests only (core._batch_limits): a batch's receive buffer and requests per sendmsg,
	 * 0 for plumb's own sizing */
	int batch_rcvbuf, batch_chunk_reqs;
	struct pl_sock_stats stats;
};

/* Called for a message. Return <0 to stop with an error (@e filled), 0 to go on, >0 to stop
 * reading the rest of the datagram (pl_recv only). */
typedef int (*pl_msg_cb)(const struct nlmsghdr *nlh, void *data, struct pl_err *e);
/* Called before a dump is retried, to drop what the callback collected. */
typedef void (*pl_reset_cb)(void *data);

/* Open a route netlink socket in the netns @ns (NULL: the caller's); the calling thread is
 * switched back before this returns. */
int pl_sock_open(struct pl_sock *s, const struct pl_nsref *ns, struct pl_err *e);
/* Close the socket; idempotent. */
void pl_sock_close(struct pl_sock *s);
/* File descriptor of the socket, or -1. */
int pl_sock_fd(const struct pl_sock *s);
/* Open another socket in the netns of socket @like (a dump of its own, say). */
int pl_sock_open_like(struct pl_sock *s, const struct pl_sock *like, struct pl_err *e);

/*
 * The receive API, shared by requests, dumps, batches and events. pl_recv reads ONE datagram
 * and passes each of its messages to @cb whatever their sequence number and port id:
 * replies to any request, ACKs and errors (NLMSG_ERROR), dump ends (NLMSG_DONE) and
 * multicast notifications (seq 0, port id 0). NLMSG_NOOP is skipped. It returns 1 when a
 * datagram was read, 0 when nothing was waiting (only with PL_RECV_NONBLOCK), -1 on error:
 * ENOBUFS when the socket's receive queue overflowed and messages were lost, EMSGSIZE when a
 * datagram was larger than the buffer (the buffer has grown; that datagram is lost).
 */
#define PL_RECV_NONBLOCK 0x1
/* With PL_RECV_MANY, up to PL_RECV_NSLOT datagrams of at most PL_RECV_SLOT bytes each are read
 * in one system call (recvmmsg), every message of each passed to @cb in order: for many small
 * replies, a batch's ACKs. A larger datagram is lost with EMSGSIZE. */
#define PL_RECV_MANY 0x2
#define PL_RECV_NSLOT 64
#define PL_RECV_SLOT 4096
int pl_recv(struct pl_sock *s, int flags, pl_msg_cb cb, void *data, struct pl_err *e);

/* ---------------------------------------------------------------------------------------- */
/* network namespaces */

#define PL_NETNS_RUN_DIR "/run/netns"

/* Open the netns named by @ns (name, path or pid) read-only; returns an fd or -1. */
int pl_netns_open(const struct pl_nsref *ns, struct pl_err *e);
/* Like `ip netns add NAME`: a new namespace bind-mounted at /run/netns/NAME. */
int pl_netns_add(const char *name, struct pl_err *e);
/* Like `ip netns del NAME`. */
int pl_netns_del(const char *name, struct pl_err *e);
/* Switch the calling thread into @fd's netns, saving the current one in *@saved. */
int pl_netns_enter(int fd, int *saved, struct pl_err *e);
/* Switch the calling thread back to @saved and close it. */
int pl_netns_leave(int saved, struct pl_err *e);
/* Check that @name is usable as a namespace name (no '/', not "." or ".."). */
int pl_netns_name_ok(const char *name);

/* ---------------------------------------------------------------------------------------- */
/* links */

/* One link kind: its name, its INFO_DATA table and optional hooks for what a table cannot
 * express (the veth peer, ipvlan's flag names). */
struct pl_link_kind {
	const char *name;
	struct pl_attrs data;
	/* extra request attributes inside INFO_DATA, read from the kind's subtable */
	int (*put)(struct pl_req *r, struct pl_source *src, struct pl_err *e);
	/* extra reporting from the parsed INFO_DATA table */
	void (*parse)(const struct nlattr *data, struct pl_sink *k);
	/* options of a port enslaved to a link of this kind (INFO_SLAVE_DATA), set through the
	 * key @slave_key of link_set (bridge_port = { ... }) */
	const char *slave_key;
	struct pl_attrs slave;
};

/* The kind named @name, or NULL. */
const struct pl_link_kind *pl_link_kind_find(const char *name);
/* The NULL-terminated array of every kind plumb knows. */
extern const struct pl_link_kind *const pl_link_kinds[];

/* Common link attributes (IFLA_*), used for building and parsing. */
extern const struct pl_attrs pl_link_attrs;

/* The name of device @idx into @buf (SIOCGIFNAME); returns 1 found, 0 absent, -1 error. */
int pl_link_name(struct pl_sock *s, int idx, char *buf, size_t len, struct pl_err *e);
/* Resolve a device argument (name or ifindex value) to an ifindex, before building. */
int pl_link_dev(struct pl_sock *s, const struct pl_val *v, const char *what, struct pl_err *e);

/* Build an RTM_NEWLINK creating a link from @src (the option table) and send it. */
int pl_link_add(struct pl_sock *s, struct pl_source *src, struct pl_err *e);
/* Change link @dev (name or ifindex) as @src says. */
int pl_link_set(struct pl_sock *s, const struct pl_val *dev, struct pl_source *src,
		struct pl_err *e);
/* Delete link @dev. */
int pl_link_del(struct pl_sock *s, const struct pl_val *dev, struct pl_err *e);
/* Report link @dev into @k; returns 1 found, 0 absent (with @e filled), -1 error. */
int pl_link_get(struct pl_sock *s, const struct pl_val *dev, struct pl_sink *k,
		struct pl_err *e);
/* Options of a link listing, all optional (kernel-side filters). */
struct pl_link_filter {
	const char *kind;
	int master;	/* ifindex, 0 = any */
};
/* Dump links into @k as records in a list; @reset is called before a retry. */
int pl_link_list(struct pl_sock *s, const struct pl_link_filter *f, struct pl_sink *k,
		 struct pl_err *e);
/* The descriptor table behind a group of link options: "link" (the common ones), a kind
 * name (its subtable) or a port key such as "bridge_port"; NULL if there is none. */
const struct pl_attrs *pl_link_fields(const char *what);
/* The name of a wire type ("u32", "mac", ...), for callers comparing values. */
const char *pl_atype_name(unsigned atype);

/* ---------------------------------------------------------------------------------------- */
/* bridge: forwarding database and port VLANs */

enum pl_fdb_op {
	PL_FDB_ADD,	/* NLM_F_CREATE | NLM_F_EXCL, like `bridge fdb add` */
	PL_FDB_APPEND,	/* NLM_F_CREATE | NLM_F_APPEND: one more vxlan remote */
	PL_FDB_REPLACE,	/* NLM_F_CREATE | NLM_F_REPLACE */
	PL_FDB_DEL,
};

/* Add, append, replace or delete the FDB entry @src describes ({ dev =, lladdr =, ... }). */
int pl_fdb_change(struct pl_sock *s, enum pl_fdb_op op, struct pl_source *src,
		  struct pl_err *e);
/* Options of an FDB listing, all optional. */
struct pl_fdb_filter {
	int dev;	/* ifindex of a port (kernel-side filter), 0 = any */
	int br;		/* ifindex of a bridge (kernel-side filter), 0 = any */
	int vlan;	/* 0 = any */
};
/* Dump FDB entries into @k as records in a list, as `bridge -j fdb show` prints them. */
int pl_fdb_list(struct pl_sock *s, const struct pl_fdb_filter *f, struct pl_sink *k,
		struct pl_err *e);

/* Add (or with @del, delete) the port VLANs @src describes ({ dev =, vid = 10 | "10-20" }). */
int pl_vlan_change(struct pl_sock *s, int del, struct pl_source *src, struct pl_err *e);
/* Options of a VLAN listing. */
struct pl_vlan_filter {
	int dev;	/* ifindex, 0 = every port */
	int compress;	/* ranges as { vlan =, vlanEnd = } (RTEXT_FILTER_BRVLAN_COMPRESSED) */
};
/* Dump port VLANs into @k, one record per port, as `bridge -j vlan show` prints them. */
int pl_vlan_list(struct pl_sock *s, const struct pl_vlan_filter *f, struct pl_sink *k,
		 struct pl_err *e);

/* ---------------------------------------------------------------------------------------- */
/* names of routing numbers (core/tables.c): tables, protocols, scopes, DS fields, read like
 * iproute2 does from rt_tables (and rt_tables.d/NAME.conf), rt_protos (and rt_protos.d/),
 * rt_scopes and rt_dsfield in /etc/iproute2 (else /usr/share/iproute2, /usr/lib/iproute2),
 * over iproute2's built-in names (local=255 main=254 default=253, kernel, boot, static...). */

enum pl_rtn_kind {
	PL_RTN_TABLE,
	PL_RTN_PROTO,
	PL_RTN_SCOPE,
	PL_RTN_DSFIELD,
	PL_RTN_KINDS,
};

#define PL_RTN_NAMELEN 64

struct pl_rtn_entry {
	uint32_t id;
	uint8_t kind;
	char name[PL_RTN_NAMELEN];
};

/* A cache of the files, owned by the caller: zero it (PL_RTNAMES_INIT), use it for the
 * length of one operation (a dump), then pl_rtnames_free() it. Functions taking one accept
 * NULL, reading the files for that one call. */
struct pl_rtnames {
	unsigned loaded;	/* one bit per enum pl_rtn_kind */
	struct pl_rtn_entry *v;
	size_t n, cap;
	/* A long-lived cache (a handle's, keep = 1): each kind's files are looked at (stat)
	 * again at its first use after pl_rtnames_recheck(), and read again if they changed. */
	int keep;
	unsigned checked;	/* kinds looked at since the last recheck */
	uint64_t stamp[PL_RTN_KINDS];
	uint32_t last_id[PL_RTN_KINDS];		/* the last name answered of each kind */
	const char *last_name[PL_RTN_KINDS];
};

/* Release what the cache holds; it may be used again. */
void pl_rtnames_free(struct pl_rtnames *c);
/* The handle's cache (rt_* files read once per handle, again when they change), checked
 * afresh for this operation. */
struct pl_rtnames *pl_sock_rtnames(struct pl_sock *s);

/* ---------------------------------------------------------------------------------------- */
/* parsing messages: one signature for every object (dumps, batch replies, events) */

/* What a parser may use beyond the message; every member may be NULL, and so may the
 * context itself. */
/* A descriptor table's index by attribute type (core/attr.c), built once per parse context. */
#define PL_IDX_MAXTYPE 127
#define PL_IDX_NONE 0xff
struct pl_attr_idx {
	const struct pl_attrs *a;		/* the table indexed, NULL: none yet */
	uint8_t first[PL_IDX_MAXTYPE + 1];	/* type -> first descriptor, PL_IDX_NONE */
	uint8_t next[PL_IDX_NONE];		/* descriptor -> next one of the same type */
	uint16_t top;				/* types 0..top are indexed */
	int ok;					/* 0: the table is too long, scanned */
};
#define PL_PCTX_IDX 4

struct pl_pctx {
	struct pl_rtnames *names;	/* names of tables, protocols, scopes (else read once) */
	/* Indexes of the descriptor tables a dump walks, built at their first use (a context
	 * that lives as long as the dump builds each once; zeroed: none yet). */
	struct pl_attr_idx idx[PL_PCTX_IDX];
};

/* Report one message as a record into @k (the object's fields, in `ip -j` form). */
typedef void (*pl_parse_fn)(const struct nlmsghdr *nlh, struct pl_pctx *c, struct pl_sink *k);

/* ---------------------------------------------------------------------------------------- */
/* routes */

/* What identifies a route to the kernel, as a request named it. */
struct pl_route_key {
	int family;		/* AF_INET or AF_INET6 */
	uint32_t table;
	int has_metric;
	uint32_t metric;
	uint8_t tos;
};

/* Options of a route listing. The kernel filters by table, protocol, type and device
 * (strict checking); the rest is matched as each message arrives. */
struct pl_route_filter {
	int family;		/* AF_INET, AF_INET6, or 0 for both */
	uint32_t table;		/* 0: every table */
	int oif;		/* ifindex, 0 = any */
	uint8_t protocol;	/* 0 = any */
	uint8_t type;		/* 0 = any */
	int has_scope;
	uint8_t scope;
	int has_tos;
	uint8_t tos;
	int has_metric;
	uint32_t metric;
	int has_dst;		/* exact prefix, like `ip route show exact` */
	int dst_family;		/* 0: "default" of either family */
	int dst_len;
	uint8_t dst[16];
};

/* A route dump in progress, one family after the other, one receive buffer at a time. */
struct pl_route_dump {
	struct pl_sock *s;
	struct pl_route_filter f;
	const char *op;
	int fams[2];
	int nfam, fam;
	uint32_t seq;
	int intr;
	int done;
	struct pl_sink *k;
	struct pl_pctx pc;	/* the socket's names (pl_sock_rtnames), descriptor indexes */
};

/* What a route request does (ip route add / replace / append / del). */
enum pl_route_op {
	PL_ROUTE_ADD,
	PL_ROUTE_REPLACE,
	PL_ROUTE_APPEND,
	PL_ROUTE_DEL,
};

/* Build the route request @op from @src and send it. */
int pl_route_change(struct pl_sock *s, struct pl_source *src, enum pl_route_op op,
		    struct pl_err *e);
/* Build the RTM_NEWROUTE @src describes without sending it, and report it as a record into
 * @k (the route as the kernel would be asked for it) and its key into @key. */
int pl_route_spec(struct pl_sock *s, struct pl_source *src, struct pl_sink *k,
		  struct pl_route_key *key, struct pl_err *e);
/* Read listing options from @src (NULL: the main table, both families); @op names the
 * listing in messages. */
int pl_route_filter_read(struct pl_sock *s, struct pl_source *src, const char *op,
			 struct pl_route_filter *f, struct pl_err *e);
/* Dump the routes @f selects into @k as records in a list (retried when interrupted). */
int pl_route_list(struct pl_sock *s, const struct pl_route_filter *f, struct pl_sink *k,
		  struct pl_err *e);
/* Start a streaming route dump on @s; @op names it in messages. */
/* Finish a route dump early or late: release what it holds (idempotent). */
void pl_route_dump_end(struct pl_route_dump *d);
int pl_route_dump_start(struct pl_route_dump *d, struct pl_sock *s,
			const struct pl_route_filter *f, const char *op, struct pl_err *e);
/* Report the routes of the next receive buffer into @k as list elements (maybe none);
 * returns 1 while more follows, 0 when the dump is complete, -1 on error. */
int pl_route_dump_next(struct pl_route_dump *d, struct pl_sink *k, struct pl_err *e);
/* Ask the kernel which route it would use to reach @dst (`ip route get`); options from
 * @src (may be NULL): from, iif, oif, mark, uid, tos, fibmatch. */
int pl_route_get(struct pl_sock *s, const char *dst, struct pl_source *src, struct pl_sink *k,
		 struct pl_err *e);

/* ---------------------------------------------------------------------------------------- */
/* IP prefixes and address families (core/inet.c) */

/* Read caller value @v ("inet" | "inet6") into *@family; misuse naming @what otherwise. */
int pl_val_family(const struct pl_val *v, const char *what, int *family, struct pl_err *e);
/* Read caller value @v, a boolean or nil (0), into *@b; misuse naming @what otherwise. */
int pl_val_bool(const struct pl_val *v, const char *what, int *b, struct pl_err *e);

/* ---------------------------------------------------------------------------------------- */
/* addresses (core/addr.c) */

/* What an add does to an object that exists (addresses, neighbours; routes may share it). */
enum pl_add_mode {
	PL_ADD_EXCL,		/* NLM_F_CREATE | NLM_F_EXCL: fails with EEXIST */
	PL_ADD_REPLACE,		/* NLM_F_CREATE | NLM_F_REPLACE */
};

/* What an ensure did (addr_ensure; route_ensure and link_ensure may share it). */
enum pl_ensure {
	PL_ENSURE_UNCHANGED,
	PL_ENSURE_CHANGED,
	PL_ENSURE_CREATED,
};

/* Add address @prefix ("10.0.0.2/24") to device @dev with options @opts (may be NULL):
 * broadcast, scope, label, peer, metric, valid_lft, preferred_lft and the flag booleans
 * nodad, noprefixroute, home, mngtmpaddr, optimistic, autojoin. */
int pl_addr_add(struct pl_sock *s, const struct pl_val *dev, const struct pl_val *prefix,
		struct pl_source *opts, enum pl_add_mode mode, struct pl_err *e);
/* Delete address @prefix from @dev; without a prefix length, whatever its length is. */
int pl_addr_del(struct pl_sock *s, const struct pl_val *dev, const struct pl_val *prefix,
		struct pl_err *e);
/* Make address @prefix on @dev exist with the options named in @opts; *@did says how. */
int pl_addr_ensure(struct pl_sock *s, const struct pl_val *dev, const struct pl_val *prefix,
		   struct pl_source *opts, enum pl_ensure *did, struct pl_err *e);
/* Options of an address listing, filtered by the kernel: 0 = any. */
struct pl_addr_filter {
	int family;
	int ifindex;
};
/* Dump addresses into @k, one record per address. */
int pl_addr_list(struct pl_sock *s, const struct pl_addr_filter *f, struct pl_sink *k,
		 struct pl_err *e);

/* ---------------------------------------------------------------------------------------- */
/* neighbours (core/neigh.c); bridge FDB entries are neighbours of family AF_BRIDGE */

/* Add (@mode PL_ADD_EXCL) or replace a neighbour from @src: dev, dst, lladdr, state,
 * proxy, router, extern_learn, protocol. */
int pl_neigh_add(struct pl_sock *s, struct pl_source *src, enum pl_add_mode mode,
		 struct pl_err *e);
/* Delete the neighbour @src names: dev, dst, proxy. */
int pl_neigh_del(struct pl_sock *s, struct pl_source *src, struct pl_err *e);
/* Options of a neighbour listing, filtered by the kernel: 0 = any. */
struct pl_neigh_filter {
	int family;
	int ifindex;
	int proxy;	/* list proxy entries instead */
};
/* Dump neighbours into @k, one record per entry. */
int pl_neigh_list(struct pl_sock *s, const struct pl_neigh_filter *f, struct pl_sink *k,
		  struct pl_err *e);

/* ---------------------------------------------------------------------------------------- */
/* policy routing rules (core/rule.c) */

/* Add a rule from @src: priority, from, to, iif, oif, fwmark, table, action, goto, family,
 * not, tos, protocol, suppress_prefixlength, ipproto, sport, dport, uidrange, l3mdev. */
int pl_rule_add(struct pl_sock *s, struct pl_source *src, struct pl_err *e);
/* Delete the first rule matching every selector @src names (at least one). */
int pl_rule_del(struct pl_sock *s, struct pl_source *src, struct pl_err *e);
/* Dump the rules of @family (0: IPv4 and IPv6) into @k. */
int pl_rule_list(struct pl_sock *s, int family, struct pl_sink *k, struct pl_err *e);

/* ---------------------------------------------------------------------------------------- */
/* batches (core/batch.c): requests queued in one buffer, sent many per sendmsg, each with its
 * own sequence number and NLM_F_ACK; the ACKs are gathered afterwards and matched by seq.
 *
 * While s->batch is set, pl_talk() queues a change instead of sending it. A query (a request
 * with a reply callback, a dump) first sends what is queued and gathers its ACKs, then runs
 * as usual. A device name that does not resolve while requests are queued asks for a flush
 * (pl_batch_want_flush): the caller drops what the failed call queued, flushes and builds the
 * request again, so a name created earlier in the batch is found and no request is ever
 * sent while another is being built. */

#define PL_BATCH_OPLEN 24

/* One failed call of a batch. */
struct pl_batch_err {
	int index;		/* 1-based number of the call on the batch object */
	int err;		/* errno */
	char op[PL_BATCH_OPLEN];	/* the method called: "link_add" */
	char obj[64];		/* what it was about: "v17" */
	char msg[PL_ERRMSG_MAX];	/* the message the call alone would have returned */
};

struct pl_batch_ent;
struct pl_batch_field;

struct pl_batch {
	struct pl_sock *s;
	char *buf;			/* queued requests, back to back */
	size_t len, cap;
	struct pl_batch_ent *ent;	/* one per queued request */
	size_t nent, capent;
	struct pl_batch_field *fld;	/* their field maps (extended-ACK offsets to names) */
	size_t nfld, capfld;
	struct pl_batch_err *errs;	/* failed calls, by index */
	size_t nerr, caperr;
	int index;			/* the call being made */
	char op[PL_BATCH_OPLEN];
	char obj[64];			/* object of the call's last request */
	int want_flush;
	int call_flushes;		/* flushes during the current call */
	size_t chunk_bytes;		/* at most this much per sendmsg */
	size_t chunk_reqs;		/* and this many requests (their ACKs fit the rcvbuf) */
};

/* Start queueing on @s: socket buffers sized for the ACKs, s->batch set. */
int pl_batch_begin(struct pl_batch *b, struct pl_sock *s, struct pl_err *e);
/* Stop queueing and free what @b holds; what is still queued is dropped unsent. */
void pl_batch_end(struct pl_batch *b);
/* Start call @index (@op: "link_add") of the batch; returns a mark for pl_batch_rollback. */
size_t pl_batch_call(struct pl_batch *b, int index, const char *op);
/* Drop the requests queued since @mark (not sent yet). */
void pl_batch_rollback(struct pl_batch *b, size_t mark);
/* After the current call failed: when it failed on a name that a queued request may create
 * (and nothing of it was sent yet), drop what it queued, flush, and return 1: the caller
 * makes the call again. Otherwise 0. */
int pl_batch_retry(struct pl_batch *b, size_t mark);
/* Send everything queued, many requests per sendmsg, and gather the ACKs: a failure is
 * recorded against its call. Returns -1 only when the socket itself fails (also recorded). */
int pl_batch_flush(struct pl_batch *b, struct pl_err *e);
/* Record the current call's own failure (one per call: a later one is dropped). */
void pl_batch_fail(struct pl_batch *b, const struct pl_err *e);
/* events (core/monitor.c) */

/* A socket subscribed to the multicast groups of some objects. */
struct pl_mon {
	struct pl_sock s;
	unsigned objects;	/* PL_MON_* */
	int rcvbuf;		/* the receive buffer the kernel granted, bytes */
};

/* The bit of object @name ("link", "addr", ...), 0 when unknown; and back. */
unsigned pl_mon_object_bit(const char *name);
/* Open a socket in netns @ns (NULL: the caller's) subscribed to the groups of @objects (and
 * always to links, whose names records need), with a receive buffer of @rcvbuf bytes (0: the
 * default; SO_RCVBUFFORCE when allowed). NETLINK_NO_ENOBUFS is not set: overruns are
 * reported by pl_recv as ENOBUFS. */
int pl_mon_open(struct pl_mon *m, const struct pl_nsref *ns, unsigned objects, int rcvbuf,
		struct pl_err *e);
void pl_mon_close(struct pl_mon *m);
/* After an overrun: drop what is queued (bounded by the buffer size); returns how many
 * datagrams were dropped. */
long pl_mon_drain(struct pl_mon *m);
/* For a message: its object (name, and bit in *@bit), parser, whether it is a deletion, and
 * the key identifying the object in @key; NULL for a message the monitor does not follow
 * (cache routes, proxy neighbours, bridge port state, multicast routing, ...). Keys: link
 * "IFINDEX"; addr "IFINDEX LOCAL/LEN[ peer ADDRESS]"; route "TABLE DST/LEN[ from SRC/LEN]
 * tos TOS metric METRIC"; neigh "IFINDEX DST"; fdb "IFINDEX MAC vlan VID[ dst IP][ vni N]
 * [ self][ master]"; rule "FAMILY pref PRIORITY #HASH" (the whole rule); nsid "NSID". */
const char *pl_mon_classify(const struct nlmsghdr *nlh, unsigned *bit, pl_parse_fn *fn,
			    int *del, char *key, size_t len);
/* For a link message: its ifindex and name (1), or 0. */
int pl_mon_link_name(const struct nlmsghdr *nlh, int *ifindex, const char **name);
/* Dump every object of kind @bit on @s (a socket of its own), each message to @cb. */
int pl_mon_dump(struct pl_sock *s, unsigned bit, pl_msg_cb cb, pl_reset_cb reset, void *data,
		struct pl_err *e);

#endif
