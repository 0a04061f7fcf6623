/* SPDX-License-Identifier: MIT */
/*
 * plumb core, internal: what the files of core/ share among themselves and the bindings
 * (building requests, walking descriptors, talking to the socket, reading rt_* files,
 * formatting). core/plumb.h is the core's API for the bindings (and tests); this header adds
 * to it for the core's own files.
 */
#ifndef PLUMB_CORE_INTERNAL_H
#define PLUMB_CORE_INTERNAL_H

#include "plumb.h"

/* ---------------------------------------------------------------------------------------- */
/* attribute descriptors: one table per object, walked by one builder and one parser */
/* the index is a compound literal: static storage, one per table (tables are file-scope) */
#define PL_ATTRS(tbl, max) \
	{ (tbl), sizeof(tbl) / sizeof((tbl)[0]), (max), &(struct pl_attr_index){ 0, 0, 0, NULL } }

struct pl_attr_index {
	int state;		/* 2 once built (read with acquire) */
	size_t n;
	uint64_t mask;		/* pl_keysig() of every settable name */
	uint16_t *order;	/* indexes of the settable descriptors, sorted by name */
};

/* ---------------------------------------------------------------------------------------- */
/* requests */
/* Start a request of @type/@flags in the socket's send buffer. */
struct nlmsghdr *pl_req_start(struct pl_req *r, struct pl_sock *s, uint16_t type,
			      uint16_t flags, const char *op, const char *obj);

/* Same, in a caller's buffer of @cap bytes (aligned to 4). */
struct nlmsghdr *pl_req_start_buf(struct pl_req *r, struct pl_sock *s, char *buf, size_t cap,
				  uint16_t type, uint16_t flags, const char *op, const char *obj);

/* Room for a small request (a lookup) on the stack. */
#define PL_SMALL_REQ 256

/* Release what the request holds (fds). Idempotent. */
void pl_req_done(struct pl_req *r);

/* Append @len bytes of family header; returns a pointer to them (zeroed) or NULL. */
void *pl_req_extra(struct pl_req *r, size_t len);

/* Put one attribute; -1 (EMSGSIZE) when the buffer would overflow. */
int pl_req_put(struct pl_req *r, uint16_t type, size_t len, const void *data, struct pl_err *e);

int pl_req_put_u32(struct pl_req *r, uint16_t type, uint32_t v, struct pl_err *e);

int pl_req_put_str(struct pl_req *r, uint16_t type, const char *s, struct pl_err *e);

struct nlattr *pl_req_nest(struct pl_req *r, uint16_t type, struct pl_err *e);

void pl_req_nest_end(struct pl_req *r, struct nlattr *nest);

/* Remember that the attribute about to be put came from caller field @name. */
void pl_req_field(struct pl_req *r, const char *name);

/* Keep @fd open until the request is done. */
int pl_req_keep_fd(struct pl_req *r, int fd, struct pl_err *e);

/* Put every attribute of @a whose name is present in the current table of @src. */
int pl_attrs_put(struct pl_req *r, const struct pl_attrs *a, struct pl_source *src,
		 struct pl_err *e);

/* Report every known attribute nested in @nest into @k (unknown ones are skipped). */
void pl_attrs_parse(const struct nlattr *nest, const struct pl_attrs *a, struct pl_sink *k);

/* Same, for attributes following a family header in a message. */
void pl_attrs_parse_msg(const struct nlmsghdr *nlh, size_t hdrlen, const struct pl_attrs *a,
			struct pl_sink *k);

/* Report one attribute according to its descriptor. */
void pl_attr_emit(const struct nlattr *at, const struct pl_attr_desc *d, struct pl_sink *k);

/* ---------------------------------------------------------------------------------------- */
/* dumps: descriptor walks and the listing's name map (core/attr.c, core/ifnames.c) */
/* One walk over the attributes following a family header: every attribute of @a is reported
 * into @k (looked up by type in an index, not scanned), and when @tb is not NULL it is zeroed
 * and tb[type] set for every attribute up to @tbmax (the last one of a type wins), for the
 * caller's own fields. @a may be NULL (tb[] only); @c (may be NULL) keeps @a's index. */
void pl_attrs_parse_tb(const struct nlmsghdr *nlh, size_t hdrlen, const struct pl_attrs *a,
		       struct pl_pctx *c, struct pl_sink *k, const struct nlattr **tb,
		       unsigned tbmax);

/* Every attribute of a message after @hdrlen bytes of family header, like libmnl's
 * mnl_attr_for_each but inline (a dump walks tens of attributes per message). */
#define pl_attr_for_each(at, nlh, hdrlen)						\
	for ((at) = (const struct nlattr *)((const char *)(nlh) + NLMSG_HDRLEN +		\
					    NLMSG_ALIGN(hdrlen));				\
	     (const char *)(at) + sizeof(struct nlattr) <=					\
		     (const char *)(nlh) + (nlh)->nlmsg_len &&					\
	     (at)->nla_len >= sizeof(struct nlattr) &&						\
	     (const char *)(at) + (at)->nla_len <= (const char *)(nlh) + (nlh)->nlmsg_len;	\
	     (at) = (const struct nlattr *)((const char *)(at) + NLA_ALIGN((at)->nla_len)))

/* Shared readers of names and values (core/attr.c), for every object file. */
/* The name of @v in @t, or NULL. */
const char *pl_enum_name(const struct pl_enum *t, unsigned long long v);

/* The value named @name in @t into *@v: 0, or -1 if none. */
int pl_enum_value(const struct pl_enum *t, const char *name, unsigned long long *v);

/* The names of @t for a message: "\"a\", \"b\"" into @buf. */
int pl_enum_choices(const struct pl_enum *t, char *buf, size_t len);

/* What a value of kind @k is, for a message: "integer", or with @article "an integer". */
const char *pl_vkind_desc(enum pl_vkind k, int article);

/* pl_attrs_parse, with @a's index kept in @c (may be NULL). */
void pl_attrs_parse_in(const struct nlattr *nest, const struct pl_attrs *a, struct pl_pctx *c,
		       struct pl_sink *k);

/* Report ifindex @idx under @key as a name: from the sink's map at once, else deferred to
 * k->ifindex (which must be set). */
void pl_sink_ifname(struct pl_sink *k, const char *key, uint32_t idx);

/* Report @s, a static name (see pl_sink.name), under @key. */
static inline void pl_sink_name(struct pl_sink *k, const char *key, const char *s)
{
	if (k->name)
		k->name(k, key, s);
	else
		k->str(k, key, s);
}
/* Same when the sink takes names (k->ifindex) and @idx is not 0; else the number. */
void pl_sink_ifindex(struct pl_sink *k, const char *key, uint32_t idx);

/* ---------------------------------------------------------------------------------------- */
/* the socket */
/* Same, in the netns of the namespace file descriptor @fd (not closed). */
int pl_sock_open_fd(struct pl_sock *s, int fd, struct pl_err *e);

/* For an NLMSG_ERROR or NLMSG_DONE message: the errno it carries (0 for an ACK or the end
 * of a dump; EBADMSG when malformed), with the kernel's extended-ACK text (in @buf, trailing
 * '.' dropped; NULL when none) and attribute offset (0 when none). -1 for other messages. */
int pl_msg_status(const struct nlmsghdr *nlh, char *buf, size_t len, const char **ack,
		  uint32_t *off);

/* Send @r and read replies up to its ACK (or NLMSG_DONE), passing data messages to @cb. */
int pl_talk(struct pl_req *r, pl_msg_cb cb, void *data, struct pl_err *e);

/* Send dump request @r and pass every message to @cb; a dump interrupted by a concurrent
 * change is restarted (after @reset) a bounded number of times. */
int pl_dump(struct pl_req *r, pl_msg_cb cb, pl_reset_cb reset, void *data, struct pl_err *e);

/* A pl_reset_cb for dump contexts whose first member is the struct pl_sink * being filled:
 * drops the records collected so far. */
void pl_dump_reset_sink(void *data);

/* Streaming dump: start, then call next until it returns 0 (done) or -1 (error). With
 * streaming there is no retry: an interrupted dump ends with EINTR after the last message. */
int pl_dump_start(struct pl_req *r, struct pl_err *e);

int pl_dump_next(struct pl_sock *s, uint32_t seq, pl_msg_cb cb, void *data, int *intr,
		 struct pl_err *e);

/* Describe a failed request into @e: "op obj: kernel text (field)". */
int pl_req_fail(struct pl_req *r, int err, const char *ack, uint32_t off, struct pl_err *e);

/* ---------------------------------------------------------------------------------------- */
/* links */
/* (core/dev.c) Resolve a device name in the socket's netns (SIOCGIFINDEX on the socket: no
 * netlink request); 0 if absent. */
int pl_link_index(struct pl_sock *s, const char *name, struct pl_err *e);

/* Check that @v is a usable interface name; misuse naming @what otherwise. */
int pl_dev_name_check(const struct pl_val *v, const char *what, struct pl_err *e);

/* Report one RTM_NEWLINK/DELLINK message as a record (used by dumps and events). */
void pl_link_parse(const struct nlmsghdr *nlh, struct pl_pctx *c, struct pl_sink *k);

/* ---------------------------------------------------------------------------------------- */
/* bridge: forwarding database and port VLANs */
/* Report one AF_BRIDGE RTM_NEWNEIGH/DELNEIGH message as a record. */
void pl_fdb_parse(const struct nlmsghdr *nlh, struct pl_pctx *c, struct pl_sink *k);

/* ---------------------------------------------------------------------------------------- */
/* names of routing numbers (core/tables.c): tables, protocols, scopes, DS fields, read like
 * iproute2 does from rt_tables (and rt_tables.d/NAME.conf), rt_protos (and rt_protos.d/),
 * rt_scopes and rt_dsfield in /etc/iproute2 (else /usr/share/iproute2, /usr/lib/iproute2),
 * over iproute2's built-in names (local=255 main=254 default=253, kernel, boot, static...). */
#define PL_RTNAMES_INIT { 0, NULL, 0, 0, 0, 0, { 0 }, { 0 }, { NULL } }

/* The number named @s (a name, or a decimal or 0x-hex number); 0 on success, -1 unknown. */
int pl_rtn_id(struct pl_rtnames *c, enum pl_rtn_kind kind, const char *s, uint32_t *id);

/* The name of @id as ip prints it ("main", "static", "link"; else "100", or "0x10" for a DS
 * field): in @buf, or a name held by @c or built in (valid until @c is used again). */
const char *pl_rtn_name(struct pl_rtnames *c, enum pl_rtn_kind kind, uint32_t id, char *buf,
			size_t len);

/* Read caller value @v (an integer up to @max, or a name) into *@id; misuse naming @what. */
int pl_val_rtn(struct pl_rtnames *c, enum pl_rtn_kind kind, const struct pl_val *v,
	       const char *what, uint32_t max, uint32_t *id, struct pl_err *e);

/* A new operation on a long-lived cache: have each kind's files checked at its next use. */
void pl_rtnames_recheck(struct pl_rtnames *c);

/* Release the socket's cache (pl_sock_close does). */
void pl_sock_rtnames_free(struct pl_sock *s);

/* ---------------------------------------------------------------------------------------- */
/* parsing messages: one signature for every object (dumps, batch replies, events) */
/* The object a message is about ("link", "addr", "route", "neigh", "fdb", "rule", "nsid") with its
 * parser in *@fn, and in *@del whether it says the object is gone (RTM_DEL*); NULL for a
 * message plumb does not parse (*@fn is then NULL). */
const char *pl_msg_object(const struct nlmsghdr *nlh, pl_parse_fn *fn, int *del);

/* ---------------------------------------------------------------------------------------- */
/* routes */
/* Report one RTM_NEWROUTE/DELROUTE message as a record (`ip -j route` fields). */
void pl_route_parse(const struct nlmsghdr *nlh, struct pl_pctx *c, struct pl_sink *k);

/* formatting helpers shared by parsers */
void pl_fmt_mac(char *buf, size_t len, const uint8_t *a, size_t alen);

int pl_parse_mac(const char *s, uint8_t *out, size_t *olen);

int pl_parse_inet(const char *s, void *out, int *family);

/* ---------------------------------------------------------------------------------------- */
/* IP prefixes and address families (core/inet.c) */
/* An IPv4 or IPv6 address with a prefix length: "10.0.0.0/24", "2001:db8::1". */
struct pl_prefix {
	int family;		/* AF_INET or AF_INET6 */
	int len;		/* the prefix length; the host length (32, 128) when none written */
	int has_len;		/* whether "/N" was written */
	uint8_t addr[16];
};

/* A dotted quad ending at NUL or @stop (*end: there), as inet_pton would read it; -1 for
 * anything else (which inet_pton may still take: ask it). */
int pl_parse_in4(const char *s, char stop, const char **end, uint8_t *out);

/* Parse "ADDR[/LEN]": 0 on success, -1 if ADDR is malformed, -2 if LEN is. */
int pl_prefix_parse(const char *s, struct pl_prefix *p);

/* Read caller value @v (a string) as a prefix; misuse naming @what when it is not one.
 * With @no_len, a "/N" is refused too (a plain address is wanted). */
int pl_val_prefix(const struct pl_val *v, const char *what, int no_len, struct pl_prefix *p,
		  struct pl_err *e);

/* Format @p as "ADDR/LEN" (or "ADDR" when @p->has_len is 0) into @buf. */
const char *pl_prefix_fmt(const struct pl_prefix *p, char *buf, size_t len);

/* Bytes of an address of @family (4 or 16; 0 for an unknown family). */
size_t pl_family_addrlen(int family);

/* ip's name of an address family ("inet", "inet6"), or NULL. */
const char *pl_family_name(int family);

/* Read boolean option @key of the current table of @src the same way. */
int pl_src_bool(struct pl_source *src, const char *key, int *b, struct pl_err *e);

/* ---------------------------------------------------------------------------------------- */
/* addresses (core/addr.c) */
/* Report one RTM_NEWADDR/DELADDR message as a record (dumps and events). */
void pl_addr_parse(const struct nlmsghdr *nlh, struct pl_pctx *c, struct pl_sink *k);

/* ---------------------------------------------------------------------------------------- */
/* neighbours (core/neigh.c); bridge FDB entries are neighbours of family AF_BRIDGE */
/* NUD states by ip's input names: "permanent", "noarp", "reachable", "stale", ... */
extern const struct pl_enum pl_nud_states[];

/* Attributes of an ip neighbour (NDA_DST "dst", NDA_LLADDR "lladdr"). */
extern const struct pl_attrs pl_neigh_attrs;

/* Report NUD state bits as ip does: "state" = { "REACHABLE", ... } (nothing for 0). */
void pl_neigh_state_emit(uint16_t state, struct pl_sink *k);

/* Report one RTM_NEWNEIGH/DELNEIGH message (of an IP family) as a record. */
void pl_neigh_parse(const struct nlmsghdr *nlh, struct pl_pctx *c, struct pl_sink *k);

/* ---------------------------------------------------------------------------------------- */
/* policy routing rules (core/rule.c) */
/* Report one RTM_NEWRULE/DELRULE message as a record. */
void pl_rule_parse(const struct nlmsghdr *nlh, struct pl_pctx *c, struct pl_sink *k);

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
/* Queue request @r (a change) with NLM_F_ACK. */
int pl_batch_queue(struct pl_req *r, struct pl_err *e);

/* What pl_talk/pl_dump do in a batch: queue a change (1), or send what is queued before a
 * query (@query: a reply is awaited) runs as usual (0); -1 on error. */
int pl_batch_hook(struct pl_req *r, int query, struct pl_err *e);

/* Whether the current call has failed already. */
int pl_batch_failed(const struct pl_batch *b);

/* A name did not resolve: if requests are queued, ask the caller to flush and retry. */
void pl_batch_want_flush(struct pl_sock *s);

/* Number of requests queued and not yet sent. */
size_t pl_batch_pending(const struct pl_batch *b);

/* The end of a request's build (sent, queued or dropped; idempotent). */
void pl_req_built(struct pl_req *r);

/* The objects a monitor can follow, as bits. */
#define PL_MON_LINK	0x01

#define PL_MON_ADDR	0x02

#define PL_MON_ROUTE	0x04

#define PL_MON_NEIGH	0x08

#define PL_MON_FDB	0x10

#define PL_MON_RULE	0x20

#define PL_MON_NSID	0x40

#define PL_MON_ALL	0x7f

const char *pl_mon_object_name(unsigned bit);

/* Report an RTM_NEWNSID/DELNSID message: nsid, current-nsid (`ip -j netns list-id`). */
void pl_nsid_parse(const struct nlmsghdr *nlh, struct pl_pctx *c, struct pl_sink *k);

#endif
