// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the reply parsers: a fake kernel answers plumb's requests with the
 * fuzz input, and the real core functions (dumps, lookups, ACK and extended-ACK handling)
 * parse it into a C sink that checks every callback.
 *
 * The engine (core/nl.c) is compiled into this file with its two socket calls renamed, so
 * that nothing else in core/ changes: recvmsg() returns the next chunk of the input and
 * mnl_socket_sendto() only notes the sequence number of the request. Every other core file
 * is linked as it is.
 *
 * Input: op (1 byte), flags (1 byte), param (4 bytes LE), then chunks "len (2 bytes LE),
 * bytes", each one receive buffer of the fake kernel. Messages in a chunk get the sequence
 * number and port id of the request they answer, unless bit 31 of their nlmsg_pid is set
 * (left as they are: a reply to something else).
 *
 * Built with -DPL_FUZZ_CAPTURE it is the seed capture tool instead: the same ops run on a
 * real socket (inside a throwaway namespace, see capture.sh) and every receive buffer the
 * kernel returns is written to a seed file in this format.
 */
#define recvmsg pl_fuzz_recvmsg
#define mnl_socket_sendto pl_fuzz_sendto
#include "../../core/nl.c"
#undef recvmsg
#undef mnl_socket_sendto

/* the real ones (their declarations were renamed with the engine) */
ssize_t recvmsg(int fd, struct msghdr *msg, int flags);
ssize_t mnl_socket_sendto(const struct mnl_socket *nl, const void *buf, size_t len);

#include <limits.h>
#include <math.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>

/* ---------------------------------------------------------------------------------------- */
/* the fake kernel */

static struct {
	const uint8_t *p;	/* chunks left */
	size_t n;
	uint32_t seq;		/* of the last request sent */
	uint32_t portid;
	int sends;
	FILE *rec;		/* capture: where receive buffers go */
} fz;

#define FZ_MAX_SENDS 64

ssize_t pl_fuzz_sendto(const struct mnl_socket *nl, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;

	/* The request plumb built must be a well-formed message that fits its buffer. */
	if (len < NLMSG_HDRLEN || nlh->nlmsg_len != len || !(nlh->nlmsg_flags & NLM_F_REQUEST))
		abort();
	fz.seq = nlh->nlmsg_seq;
	fz.sends++;
#ifdef PL_FUZZ_CAPTURE
	return mnl_socket_sendto(nl, buf, len);
#else
	(void)nl;
	if (fz.sends > FZ_MAX_SENDS) {	/* a retry loop that does not end */
		errno = ENOBUFS;
		return -1;
	}
	return (ssize_t)len;
#endif
}

static uint16_t fz_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

ssize_t pl_fuzz_recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct iovec *iov = msg->msg_iov;
#ifdef PL_FUZZ_CAPTURE
	ssize_t n = recvmsg(fd, msg, flags);

	if (n > 0 && (size_t)n <= iov->iov_len && fz.rec) {
		uint8_t h[2] = { (uint8_t)n, (uint8_t)(n >> 8) };

		if (n > 0xffff)
			abort();	/* cannot be framed: capture smaller dumps */
		fwrite(h, 1, 2, fz.rec);
		fwrite(iov->iov_base, 1, (size_t)n, fz.rec);
	}
	return n;
#else
	struct sockaddr_nl *sa = msg->msg_name;
	struct nlmsghdr *nlh;
	size_t len;
	int left;

	(void)fd;
	(void)flags;
	if (fz.n < 2) {
		errno = ECONNRESET;	/* the kernel said nothing more */
		return -1;
	}
	len = fz_u16(fz.p);
	fz.p += 2;
	fz.n -= 2;
	if (len > fz.n)
		len = fz.n;
	memset(sa, 0, sizeof(*sa));
	sa->nl_family = AF_NETLINK;
	msg->msg_flags = 0;
	if (len > iov->iov_len) {	/* as the kernel does with MSG_TRUNC */
		memcpy(iov->iov_base, fz.p, iov->iov_len);
		msg->msg_flags = MSG_TRUNC;
	} else {
		memcpy(iov->iov_base, fz.p, len);
	}
	fz.p += len;
	fz.n -= len;
	/* Address the messages to the request being answered. */
	left = (int)(len > iov->iov_len ? iov->iov_len : len);
	for (nlh = iov->iov_base; pl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_pid & 0x80000000u)
			continue;
		nlh->nlmsg_seq = fz.seq;
		nlh->nlmsg_pid = fz.portid;
	}
	return (ssize_t)len;
#endif
}

/* ---------------------------------------------------------------------------------------- */
/* a sink that builds nothing and checks everything it is told */

#define FZ_DEPTH 16

struct fz_sink {
	struct pl_sink base;
	int depth;
	char list[FZ_DEPTH];	/* whether each open level is a list */
	unsigned long calls;
};

static void fz_key(struct fz_sink *k, const char *key)
{
	/* In a list, elements have no key; in an object, every value has one (a bare ifindex
	 * key is what the Lua sink would store with lua_setfield). */
	if (k->list[k->depth] ? key != NULL : key == NULL)
		abort();
	if (key && (strlen(key) == 0 || strlen(key) > 64))
		abort();
	k->calls++;
}

static void fz_num(struct pl_sink *sk, const char *key, double v)
{
	fz_key((struct fz_sink *)sk, key);
	if (isnan(v))
		abort();
}

static void fz_integer(struct pl_sink *sk, const char *key, long long v)
{
	(void)v;
	fz_key((struct fz_sink *)sk, key);
}

static void fz_str(struct pl_sink *sk, const char *key, const char *s)
{
	fz_key((struct fz_sink *)sk, key);
	if (!s || strlen(s) > 65535)
		abort();
}

static void fz_boolean(struct pl_sink *sk, const char *key, int b)
{
	(void)b;
	fz_key((struct fz_sink *)sk, key);
}

static void fz_open(struct fz_sink *k, const char *key, int list)
{
	fz_key(k, key);
	if (k->depth + 1 >= FZ_DEPTH)
		abort();	/* the Lua sink stops counting levels here */
	k->list[++k->depth] = (char)list;
}

static void fz_begin(struct pl_sink *sk, const char *key)
{
	fz_open((struct fz_sink *)sk, key, 0);
}

static void fz_begin_list(struct pl_sink *sk, const char *key)
{
	fz_open((struct fz_sink *)sk, key, 1);
}

static void fz_end(struct pl_sink *sk)
{
	struct fz_sink *k = (struct fz_sink *)sk;

	if (k->depth == 0)
		abort();	/* would pop the caller's root table */
	k->depth--;
}

static void fz_ifindex(struct pl_sink *sk, const char *key, uint32_t idx)
{
	struct fz_sink *k = (struct fz_sink *)sk;

	(void)idx;
	/* The Lua sink stores it under the key, then fixes it up: a key is a must. */
	if (!key || k->list[k->depth])
		abort();
	fz_key(k, key);
}

static void fz_reset(struct pl_sink *sk)
{
	struct fz_sink *k = (struct fz_sink *)sk;

	/* A dump restarts between messages, never inside a record. */
	if (k->depth != 0)
		abort();
}

static void fz_sink_init(struct fz_sink *k, int list, int with_ifindex)
{
	memset(k, 0, sizeof(*k));
	k->base.num = fz_num;
	k->base.integer = fz_integer;
	k->base.str = fz_str;
	k->base.boolean = fz_boolean;
	k->base.begin = fz_begin;
	k->base.begin_list = fz_begin_list;
	k->base.end = fz_end;
	k->base.ifindex = with_ifindex ? fz_ifindex : NULL;
	k->base.reset = fz_reset;
	k->list[0] = (char)list;
}

static void fz_sink_done(struct fz_sink *k)
{
	if (k->depth != 0)
		abort();	/* a record left open */
}

/* ---------------------------------------------------------------------------------------- */
/* a source of fixed option tables */

struct fz_kv {
	const char *key;	/* NULL: a list element */
	enum pl_vkind kind;
	long long i;
	const char *s;
	const struct fz_kv *sub;	/* a table, ending with kind PL_V_NIL */
};

struct fz_src {
	struct pl_source base;
	const struct fz_kv *stack[8];
	int depth;
};

static const struct fz_kv *fz_find(struct fz_src *s, const char *key)
{
	const struct fz_kv *t;

	for (t = s->stack[s->depth]; t->kind != PL_V_NIL; t++)
		if (t->key && strcmp(t->key, key) == 0)
			return t;
	return NULL;
}

static int fz_get(struct pl_source *src, const char *key, struct pl_val *v)
{
	const struct fz_kv *t = fz_find((struct fz_src *)src, key);

	memset(v, 0, sizeof(*v));
	if (!t)
		return 0;
	v->kind = t->kind;
	v->i = t->i;
	v->b = (int)t->i;
	v->s = t->s;
	v->len = t->s ? strlen(t->s) : 0;
	return 0;
}

static int fz_push(struct fz_src *s, const struct fz_kv *t)
{
	if (!t)
		return 0;
	if (t->kind != PL_V_TABLE || s->depth + 1 >= 8)
		return -1;
	s->stack[++s->depth] = t->sub;
	return 1;
}

static int fz_enter(struct pl_source *src, const char *key)
{
	struct fz_src *s = (struct fz_src *)src;

	return fz_push(s, fz_find(s, key));
}

static int fz_leave(struct pl_source *src, struct pl_err *e)
{
	struct fz_src *s = (struct fz_src *)src;

	(void)e;
	if (s->depth > 0)
		s->depth--;
	return 0;
}

static long long fz_len(struct pl_source *src)
{
	struct fz_src *s = (struct fz_src *)src;
	const struct fz_kv *t;
	long long n = 0;

	for (t = s->stack[s->depth]; t->kind != PL_V_NIL; t++)
		if (!t->key)
			n++;
	return n;
}

static int fz_enter_at(struct pl_source *src, long long i)
{
	struct fz_src *s = (struct fz_src *)src;
	const struct fz_kv *t;

	for (t = s->stack[s->depth]; t->kind != PL_V_NIL; t++)
		if (!t->key && --i == 0)
			return fz_push(s, t);
	return 0;
}

static void fz_src_init(struct fz_src *s, const struct fz_kv *top)
{
	memset(s, 0, sizeof(*s));
	s->base.get = fz_get;
	s->base.enter = fz_enter;
	s->base.leave = fz_leave;
	s->base.len = fz_len;
	s->base.enter_at = fz_enter_at;
	s->stack[0] = top;
}

#define KV_INT(k, v)	{ k, PL_V_INT, v, NULL, NULL }
#define KV_STR(k, v)	{ k, PL_V_STR, 0, v, NULL }
#define KV_BOOL(k, v)	{ k, PL_V_BOOL, v, NULL, NULL }
#define KV_TAB(k, t)	{ k, PL_V_TABLE, 0, NULL, t }
#define KV_END		{ NULL, PL_V_NIL, 0, NULL, NULL }

static const struct fz_kv fz_vxlan[] = { KV_INT("id", 42), KV_INT("port", 4789), KV_END };
static const struct fz_kv fz_link_add[] = {
	KV_STR("name", "fz0"), KV_STR("kind", "vxlan"), KV_INT("mtu", 1400),
	KV_STR("alias", "fuzz"), KV_TAB("vxlan", fz_vxlan), KV_END,
};
static const struct fz_kv fz_port[] = { KV_INT("cost", 5), KV_END };
static const struct fz_kv fz_link_set[] = { KV_TAB("bridge_port", fz_port), KV_END };
static const struct fz_kv fz_nh1[] = { KV_STR("gateway", "10.7.0.1"), KV_INT("dev", 1),
				       KV_INT("weight", 2), KV_END };
static const struct fz_kv fz_nh2[] = { KV_STR("gateway", "10.7.0.2"), KV_INT("dev", 1),
				       KV_END };
static const struct fz_kv fz_nhs[] = { KV_TAB(NULL, fz_nh1), KV_TAB(NULL, fz_nh2), KV_END };
static const struct fz_kv fz_route_add[] = {
	KV_STR("dst", "10.8.0.0/16"), KV_TAB("nexthops", fz_nhs), KV_INT("metric", 7),
	KV_STR("table", "main"), KV_END,
};
static const struct fz_kv fz_rule_del[] = { KV_INT("priority", 100), KV_END };
static const struct fz_kv fz_neigh_add[] = {
	KV_INT("dev", 1), KV_STR("dst", "10.7.0.9"), KV_STR("lladdr", "02:00:00:00:00:09"),
	KV_END,
};
static const struct fz_kv fz_addr_opts[] = { KV_STR("label", "lo:fz"), KV_END };

/* ---------------------------------------------------------------------------------------- */
/* the operations */

enum {
	OP_LINKS, OP_LINK_GET, OP_ADDRS, OP_ROUTES, OP_EACH_ROUTE, OP_ROUTE_GET, OP_NEIGHS,
	OP_FDBS, OP_VLANS, OP_RULES, OP_LINK_ADD, OP_ADDR_ENSURE, OP_ADDR_DEL, OP_LINK_SET,
	OP_ROUTE_ADD, OP_RULE_DEL, OP_NEIGH_ADD, OP_LINK_NAME, OP_RAW, OP_N,
};

static const char *const fz_opnames[OP_N] __attribute__((unused)) = {
	"links", "link_get", "addrs", "routes", "each_route", "route_get", "neighs", "fdbs",
	"vlans", "rules", "link_add", "addr_ensure", "addr_del", "link_set", "route_add",
	"rule_del", "neigh_add", "link_name", "raw",
};

static void fz_check_err(int rc, const struct pl_err *e)
{
	if (rc >= 0)
		return;
	/* a failure is described: a NUL-terminated message, an errno */
	if (memchr(e->msg, '\0', sizeof(e->msg)) == NULL || e->msg[0] == '\0' || e->err <= 0) {
		fprintf(stderr, "fuzz-parse: a failure without errno or message: err %d, \"%.*s\"\n",
			e->err, (int)sizeof(e->msg), e->msg);
		abort();
	}
}

/* Every parser on every message of the rest of the input, as events would use them. */
static __attribute__((unused)) void fz_raw(const uint8_t *p, size_t n, int with_ifindex)
{
	static char buf[65536] __attribute__((aligned(8)));
	struct pl_rtnames names = PL_RTNAMES_INIT;
	const struct nlmsghdr *nlh;
	int len;

	while (n >= 2) {
		size_t l = fz_u16(p);

		p += 2;
		n -= 2;
		if (l > n)
			l = n;
		memcpy(buf, p, l);
		p += l;
		n -= l;
		len = (int)l;
		for (nlh = (void *)buf; pl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			const pl_parse_fn parse[] = {
				pl_addr_parse, pl_neigh_parse, pl_rule_parse, pl_link_parse,
				pl_fdb_parse, pl_route_parse,
			};
			struct pl_pctx pc = { .names = &names };
			struct fz_sink k;
			pl_parse_fn fn;
			size_t i;
			int del;

			for (i = 0; i < sizeof(parse) / sizeof(parse[0]); i++) {
				fz_sink_init(&k, 0, with_ifindex);
				parse[i](nlh, i & 1 ? NULL : &pc, &k.base);
				fz_sink_done(&k);
			}
			if (pl_msg_object(nlh, &fn, &del) && !fn)
				abort();	/* an object without its parser */
		}
	}
	pl_rtnames_free(&names);
}

static void fz_route_filter(struct pl_route_filter *f, uint8_t flags, uint32_t param)
{
	static const int fams[] = { 0, AF_INET, AF_INET6, 0 };

	memset(f, 0, sizeof(*f));
	f->family = fams[flags >> 1 & 3];
	f->table = flags & 8 ? param & 0xff : RT_TABLE_MAIN;
	if (flags & 16)
		f->oif = (int)(param >> 8 & 0xff);
	if (flags & 32) {
		f->has_scope = 1;
		f->scope = (uint8_t)(param >> 16);
	}
	if (flags & 64) {
		f->has_metric = 1;
		f->metric = param >> 24;
	}
	if (flags & 128) {
		f->has_dst = 1;
		f->dst_family = flags & 2 ? AF_INET6 : AF_INET;
		f->dst_len = (int)(param >> 24 & 0x7f);
		if (f->dst_len > (f->dst_family == AF_INET ? 32 : 128))
			f->dst_len = 0;
	}
}

static int fz_run(struct pl_sock *s, int op, uint8_t flags, uint32_t param, struct pl_err *e)
{
	int with_ifindex = !(flags & 1), rc = 0;
	struct fz_sink k;
	struct fz_src src;
	struct pl_val dev = { .kind = PL_V_INT, .i = param ? param & 0xffff : 1 };

	fz_sink_init(&k, 1, with_ifindex);
	switch (op) {
	case OP_LINKS: {
		static const char *const kinds[] = { NULL, "bridge", "veth", "vxlan" };
		struct pl_link_filter f = { kinds[param & 3], (int)(param >> 8 & 0xff) };

		rc = pl_link_list(s, &f, &k.base, e);
		break;
	}
	case OP_LINK_GET:
		k.list[0] = 0;
		rc = pl_link_get(s, &dev, &k.base, e);
		break;
	case OP_ADDRS: {
		static const int fams[] = { 0, AF_INET, AF_INET6, 0 };
		struct pl_addr_filter f = { fams[flags >> 1 & 3], (int)(param & 0xff) };

		rc = pl_addr_list(s, &f, &k.base, e);
		break;
	}
	case OP_ROUTES: {
		struct pl_route_filter f;

		fz_route_filter(&f, flags, param);
		rc = pl_route_list(s, &f, &k.base, e);
		break;
	}
	case OP_EACH_ROUTE: {
		struct pl_route_filter f;
		struct pl_route_dump d;
		int i;

		fz_route_filter(&f, flags, param);
		rc = pl_route_dump_start(&d, s, &f, "each_route", e);
		for (i = 0; rc >= 0 && i < 100; i++) {
			rc = pl_route_dump_next(&d, &k.base, e);
			if (rc == 0)
				break;
		}
		pl_route_dump_end(&d);
		break;
	}
	case OP_ROUTE_GET:
		k.list[0] = 0;
		rc = pl_route_get(s, flags & 2 ? "2001:db8::1" : "10.7.0.1", NULL, &k.base, e);
		break;
	case OP_NEIGHS: {
		static const int fams[] = { 0, AF_INET, AF_INET6, 0 };
		struct pl_neigh_filter f = { fams[flags >> 1 & 3], (int)(param & 0xff),
					     !!(flags & 8) };

		rc = pl_neigh_list(s, &f, &k.base, e);
		break;
	}
	case OP_FDBS: {
		struct pl_fdb_filter f = { (int)(param & 0xff), (int)(param >> 8 & 0xff),
					   (int)(param >> 16 & 0xfff) };

		rc = pl_fdb_list(s, &f, &k.base, e);
		break;
	}
	case OP_VLANS: {
		struct pl_vlan_filter f = { (int)(param & 0xff), !!(flags & 2) };

		rc = pl_vlan_list(s, &f, &k.base, e);
		break;
	}
	case OP_RULES: {
		static const int fams[] = { 0, AF_INET, AF_INET6, 0 };

		rc = pl_rule_list(s, fams[flags >> 1 & 3], &k.base, e);
		break;
	}
	case OP_LINK_ADD:
		fz_src_init(&src, fz_link_add);
		rc = pl_link_add(s, &src.base, e);
		break;
	case OP_ADDR_ENSURE: {
		struct pl_val pfx = { .kind = PL_V_STR };
		enum pl_ensure did;

		pfx.s = flags & 2 ? "2001:db8::9/64" : "127.0.0.9/8";
		pfx.len = strlen(pfx.s);
		fz_src_init(&src, fz_addr_opts);
		rc = pl_addr_ensure(s, &dev, &pfx, flags & 4 ? &src.base : NULL, &did, e);
		break;
	}
	case OP_ADDR_DEL: {
		struct pl_val pfx = { .kind = PL_V_STR };

		pfx.s = flags & 2 ? "2001:db8::9" : "127.0.0.9";
		pfx.len = strlen(pfx.s);
		rc = pl_addr_del(s, &dev, &pfx, e);
		break;
	}
	case OP_LINK_SET: {
		struct pl_val name = { .kind = PL_V_STR, .s = "lo", .len = 2 };

		fz_src_init(&src, fz_link_set);
		rc = pl_link_set(s, flags & 2 ? &dev : &name, &src.base, e);
		break;
	}
	case OP_ROUTE_ADD:
		fz_src_init(&src, fz_route_add);
		rc = pl_route_change(s, &src.base, flags & 2 ? PL_ROUTE_REPLACE : PL_ROUTE_ADD, e);
		break;
	case OP_RULE_DEL:
		fz_src_init(&src, fz_rule_del);
		rc = pl_rule_del(s, &src.base, e);
		break;
	case OP_NEIGH_ADD:
		fz_src_init(&src, fz_neigh_add);
		rc = pl_neigh_add(s, &src.base, flags & 2 ? PL_ADD_REPLACE : PL_ADD_EXCL, e);
		break;
	case OP_LINK_NAME: {
		char name[16];	/* IFNAMSIZ */

		rc = pl_link_name(s, (int)dev.i, name, sizeof(name), e);
		if (rc == 1 && strlen(name) >= sizeof(name))
			abort();
		break;
	}
	default:
		break;
	}
	fz_check_err(rc, e);
	fz_sink_done(&k);
	return rc;
}

#ifndef PL_FUZZ_CAPTURE

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mnl_socket *nl;
	struct pl_sock s;
	struct pl_err e;
	uint32_t param;
	int op;

	if (size < 6)
		return 0;
	/* A socket that is never bound nor used: pl_recv asks the engine for its fd. */
	if (!nl && !(nl = mnl_socket_open(NETLINK_ROUTE)))
		abort();
	op = data[0] % OP_N;
	param = (uint32_t)data[2] | (uint32_t)data[3] << 8 | (uint32_t)data[4] << 16 |
		(uint32_t)data[5] << 24;
	memset(&fz, 0, sizeof(fz));
	fz.p = data + 6;
	fz.n = size - 6;
	if (op == OP_RAW) {
		fz_raw(fz.p, fz.n, !(data[1] & 1));
		return 0;
	}
	memset(&s, 0, sizeof(s));
	memset(&e, 0, sizeof(e));
	s.nl = nl;
	s.portid = fz.portid = 4242;
	s.sbuflen = PL_SBUF_LEN;
	s.rbuflen = 4096 << (data[1] >> 6);	/* small buffers too: the grow path */
	s.sbuf = malloc(s.sbuflen);
	s.rbuf = malloc(s.rbuflen);
	if (!s.sbuf || !s.rbuf)
		abort();
	fz_run(&s, op, data[1], param, &e);
	free(s.sbuf);
	free(s.rbuf);
	pl_sock_rtnames_free(&s);	/* the names a listing read (kept per socket) */
	return 0;
}

#else

/* capture OUTDIR: every operation once against the kernel, one seed file each */
int main(int argc, char **argv)
{
	static const struct {
		int op;
		uint8_t flags;
		uint32_t param;
		const char *name;
	} runs[] = {
		{ OP_LINKS, 0, 0, "links" }, { OP_LINKS, 1, 1, "links-bridge" },
		{ OP_LINKS, 0, 2, "links-veth" }, { OP_LINKS, 0, 3, "links-vxlan" },
		{ OP_LINK_GET, 0, 1, "link_get" }, { OP_LINK_GET, 0, 9999, "link_get-enodev" },
		{ OP_ADDRS, 0, 0, "addrs" }, { OP_ADDRS, 4, 0, "addrs-inet6" },
		{ OP_ROUTES, 0, 0, "routes" }, { OP_ROUTES, 8, 255, "routes-local" },
		{ OP_ROUTES, 4 | 8, 0, "routes-inet6-all" }, { OP_ROUTES, 8, 0, "routes-all" },
		{ OP_EACH_ROUTE, 8, 0, "each_route-all" },
		{ OP_ROUTE_GET, 0, 0, "route_get" }, { OP_ROUTE_GET, 2, 0, "route_get-inet6" },
		{ OP_NEIGHS, 0, 0, "neighs" }, { OP_NEIGHS, 8, 0, "neighs-proxy" },
		{ OP_FDBS, 0, 0, "fdbs" }, { OP_VLANS, 0, 0, "vlans" },
		{ OP_VLANS, 2, 0, "vlans-compressed" }, { OP_RULES, 0, 0, "rules" },
		{ OP_LINK_ADD, 0, 0, "link_add" }, { OP_LINK_ADD, 0, 0, "link_add-eexist" },
		{ OP_ADDR_ENSURE, 0, 1, "addr_ensure" }, { OP_ADDR_ENSURE, 4, 1, "addr_ensure-2" },
		{ OP_ADDR_DEL, 0, 1, "addr_del" }, { OP_ADDR_DEL, 0, 1, "addr_del-enoent" },
		{ OP_LINK_SET, 0, 0, "link_set-notport" }, { OP_ROUTE_ADD, 0, 0, "route_add" },
		{ OP_ROUTE_ADD, 0, 0, "route_add-eexist" }, { OP_RULE_DEL, 0, 0, "rule_del" },
		{ OP_NEIGH_ADD, 0, 0, "neigh_add" }, { OP_LINK_NAME, 0, 1, "link_name" },
	};
	struct pl_sock s;
	struct pl_err e;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: capture OUTDIR (inside a throwaway netns)\n");
		return 2;
	}
	if (pl_sock_open(&s, NULL, &e) < 0) {
		fprintf(stderr, "capture: %s\n", e.msg);
		return 1;
	}
	for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		char path[512];
		uint8_t h[6] = { (uint8_t)runs[i].op, runs[i].flags, (uint8_t)runs[i].param,
				 (uint8_t)(runs[i].param >> 8), (uint8_t)(runs[i].param >> 16),
				 (uint8_t)(runs[i].param >> 24) };
		int rc;

		snprintf(path, sizeof(path), "%s/%s", argv[1], runs[i].name);
		fz.rec = fopen(path, "w");
		if (!fz.rec) {
			perror(path);
			return 1;
		}
		fwrite(h, 1, sizeof(h), fz.rec);
		memset(&e, 0, sizeof(e));
		rc = fz_run(&s, runs[i].op, runs[i].flags, runs[i].param, &e);
		fclose(fz.rec);
		fz.rec = NULL;
		printf("%-20s %-12s %s\n", runs[i].name, fz_opnames[runs[i].op],
		       rc < 0 ? e.msg : "ok");
	}
	/* Every message of every dump again, for the parsers on their own. */
	pl_sock_close(&s);
	return 0;
}

#endif
