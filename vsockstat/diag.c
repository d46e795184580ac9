// SPDX-License-Identifier: LGPL-2.1-or-later
/* vsock sock_diag: dump AF_VSOCK sockets over netlink and decode the replies. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/vm_sockets_diag.h>

#include "addr.h"
#include "diag.h"
#include "sockexpr.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

/*
 * The kernel sizes a dump's messages after the largest buffer we ever passed
 * to recvmsg(), up to 32 KiB: a buffer that large means fewer system calls.
 */
#define DUMP_BUF 32768

static int parse_one(const struct nlmsghdr *nlh, nsv_diag_cb cb, void *data)
{
	size_t plen = nlh->nlmsg_len - sizeof(*nlh);
	const uint8_t *p = (const uint8_t *)nlh + sizeof(*nlh);
	struct vsock_diag_msg m;
	struct nsv_diag_sock s;
	int err;

	switch (nlh->nlmsg_type) {
	case NLMSG_NOOP:
		return 0;
	case NLMSG_DONE:
		/* A dump that failed midway says so in NLMSG_DONE. */
		if (plen >= sizeof(err)) {
			memcpy(&err, p, sizeof(err));
			if (err < -4095)
				return -EBADMSG; /* no errno: a lie */
			if (err < 0)
				return err;
		}
		return 1;
	case NLMSG_ERROR:
		if (plen < sizeof(err))
			return -EBADMSG;
		memcpy(&err, p, sizeof(err));
		/* 0 is an acknowledgement; we never ask for one, so skip it. */
		if (err > 0 || err < -4095)
			return -EBADMSG;
		return err;
	case NLMSG_OVERRUN:
		return -EOVERFLOW;
	case SOCK_DIAG_BY_FAMILY:
		break;
	default:
		return -EBADMSG;
	}
	if (plen < sizeof(m))
		return -EBADMSG;
	memcpy(&m, p, sizeof(m));
	if (m.vdiag_family != AF_VSOCK)
		return -EBADMSG;
	s.type = m.vdiag_type;
	s.state = m.vdiag_state;
	s.shutdown = m.vdiag_shutdown;
	s.src_cid = m.vdiag_src_cid;
	s.src_port = m.vdiag_src_port;
	s.dst_cid = m.vdiag_dst_cid;
	s.dst_port = m.vdiag_dst_port;
	s.ino = m.vdiag_ino;
	/* sock_diag_save_cookie(): low word first. */
	s.cookie = (uint64_t)m.vdiag_cookie[1] << 32 | m.vdiag_cookie[0];
	return cb ? cb(&s, data) : 0;
}

int nsv_diag_parse(const void *buf, size_t len, nsv_diag_cb cb, void *data)
{
	/* Netlink messages are 4-byte aligned; a recording in memory may not
	 * be, so each header is copied out before it is looked at. */
	const uint8_t *p = buf;
	size_t off = 0;

	if (!buf && len)
		return -EINVAL;
	while (off < len) {
		union {
			struct nlmsghdr h;
			uint8_t b[sizeof(struct nlmsghdr) +
				  sizeof(struct vsock_diag_msg)];
		} u;
		size_t mlen, have;
		int r;

		if (len - off < sizeof(struct nlmsghdr))
			return -EBADMSG;
		memcpy(&u.h, p + off, sizeof(u.h));
		mlen = u.h.nlmsg_len;
		if (mlen < sizeof(struct nlmsghdr) || mlen > len - off)
			return -EBADMSG;
		/* Only the fixed part of a message is ever read. */
		have = mlen < sizeof(u.b) ? mlen : sizeof(u.b);
		memcpy(u.b, p + off, have);
		u.h.nlmsg_len = (uint32_t)have;
		r = parse_one(&u.h, cb, data);
		if (r)
			return r;
		/* The last message of a buffer need not be padded. */
		mlen = NLMSG_ALIGN(mlen);
		off = mlen > len - off ? len : off + mlen;
	}
	return 0;
}

int nsv_diag_dump(uint32_t states, FILE *record, nsv_diag_cb cb, void *data)
{
	char req_buf[MNL_NLMSG_HDRLEN +
		     MNL_ALIGN(sizeof(struct vsock_diag_req))];
	struct vsock_diag_req *req;
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	uint8_t *buf;
	int r;

	buf = malloc(DUMP_BUF);
	if (!buf)
		return -ENOMEM;
	nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!nl) {
		r = -errno;
		goto out_buf;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto out_sock;
	}

	memset(req_buf, 0, sizeof(req_buf));
	nlh = mnl_nlmsg_put_header(req_buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = AF_VSOCK;
	req->vdiag_states = states;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		r = -errno;
		goto out_sock;
	}

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, DUMP_BUF);
		if (n < 0) {
			r = -errno;
			goto out_sock;
		}
		if (n == 0) {
			r = -EBADMSG; /* the kernel never sends an empty reply */
			goto out_sock;
		}
		if (record && fwrite(buf, 1, (size_t)n, record) != (size_t)n) {
			r = -EIO;
			goto out_sock;
		}
		r = nsv_diag_parse(buf, (size_t)n, cb, data);
		if (r < 0)
			goto out_sock;
		if (r == 1)
			break;
	}
	r = 0;
out_sock:
	mnl_socket_close(nl);
out_buf:
	free(buf);
	return r;
}

/* ------------------------------------------------------ names and filters */

/* ss's names, so that output and --state read the same as with ss. */
static const char *const state_names[] = {
	[NSV_SS_ESTABLISHED] = "ESTAB",	   [NSV_SS_SYN_SENT] = "SYN-SENT",
	[NSV_SS_SYN_RECV] = "SYN-RECV",	   [NSV_SS_FIN_WAIT1] = "FIN-WAIT-1",
	[NSV_SS_FIN_WAIT2] = "FIN-WAIT-2", [NSV_SS_TIME_WAIT] = "TIME-WAIT",
	[NSV_SS_CLOSE] = "UNCONN",	   [NSV_SS_CLOSE_WAIT] = "CLOSE-WAIT",
	[NSV_SS_LAST_ACK] = "LAST-ACK",	   [NSV_SS_LISTEN] = "LISTEN",
	[NSV_SS_CLOSING] = "CLOSING",
};

static const struct {
	const char *name;
	uint32_t mask;
} state_words[] = {
	{ "established", 1U << NSV_SS_ESTABLISHED },
	{ "syn-sent", 1U << NSV_SS_SYN_SENT },
	{ "syn-recv", 1U << NSV_SS_SYN_RECV },
	{ "fin-wait-1", 1U << NSV_SS_FIN_WAIT1 },
	{ "fin-wait-2", 1U << NSV_SS_FIN_WAIT2 },
	{ "time-wait", 1U << NSV_SS_TIME_WAIT },
	{ "closed", 1U << NSV_SS_CLOSE },
	{ "close", 1U << NSV_SS_CLOSE },
	{ "close-wait", 1U << NSV_SS_CLOSE_WAIT },
	{ "last-ack", 1U << NSV_SS_LAST_ACK },
	{ "listening", 1U << NSV_SS_LISTEN },
	{ "closing", 1U << NSV_SS_CLOSING },
	{ "all", NSV_SS_ALL },
	{ "connected", NSV_SS_CONNECTED },
	{ "synchronized", NSV_SS_CONNECTED & ~(1U << NSV_SS_SYN_SENT) },
};

const char *nsv_sk_state_name(unsigned int state)
{
	if (state >= sizeof(state_names) / sizeof(state_names[0]))
		return NULL;
	return state_names[state];
}

/* Calls @one for each comma-separated item of @list (none may be empty). */
static int each_item(const char *list,
		     int (*one)(const char *s, size_t n, void *data),
		     void *data)
{
	const char *p = list, *c;
	int r;

	if (!list || !*list)
		return -EINVAL;
	for (;;) {
		c = strchr(p, ',');
		if (!c)
			c = p + strlen(p);
		if (c == p)
			return -EINVAL;
		r = one(p, (size_t)(c - p), data);
		if (r < 0)
			return r;
		if (!*c)
			return 0;
		p = c + 1;
	}
}

static bool word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && !strncasecmp(s, w, n);
}

static int state_one(const char *s, size_t n, void *data)
{
	uint32_t *mask = data;
	size_t i;

	for (i = 0; i < sizeof(state_words) / sizeof(state_words[0]); i++)
		if (word_is(s, n, state_words[i].name)) {
			*mask |= state_words[i].mask;
			return 0;
		}
	for (i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (state_names[i] && word_is(s, n, state_names[i])) {
			*mask |= 1U << i;
			return 0;
		}
	/* The short forms people type after reading our own output. */
	if (word_is(s, n, "listen")) {
		*mask |= 1U << NSV_SS_LISTEN;
		return 0;
	}
	return -EINVAL;
}

int nsv_sk_states_parse(const char *list, uint32_t *mask)
{
	uint32_t m = 0;
	int r = each_item(list, state_one, &m);

	if (r < 0)
		return r;
	*mask = m;
	return 0;
}

static const struct {
	const char *name;
	unsigned int type;
} type_names[] = {
	{ "stream", SOCK_STREAM },
	{ "dgram", SOCK_DGRAM },
	{ "seqpacket", SOCK_SEQPACKET },
};

const char *nsv_sk_type_name(unsigned int type)
{
	size_t i;

	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].type == type)
			return type_names[i].name;
	return NULL;
}

static int type_one(const char *s, size_t n, void *data)
{
	uint32_t *mask = data;
	size_t i;

	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (word_is(s, n, type_names[i].name)) {
			*mask |= 1U << type_names[i].type;
			return 0;
		}
	return -EINVAL;
}

int nsv_sk_types_parse(const char *list, uint32_t *mask)
{
	uint32_t m = 0;
	int r = each_item(list, type_one, &m);

	if (r < 0)
		return r;
	*mask = m;
	return 0;
}

struct add_ctx {
	uint32_t *v;
	size_t *n;
	bool cid;
	nsv_cid_lookup_fn lookup;
	void *data;
};

static int value_one(const char *s, size_t n, void *data)
{
	struct add_ctx *a = data;
	char tmp[256];
	uint32_t v;
	int r;

	if (n >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	r = a->cid ? nsv_cid_parse(tmp, &v) : nsv_port_parse(tmp, &v);
	if (r < 0 && a->cid && a->lookup && a->lookup(tmp, &v, a->data) == 0)
		r = 0;
	if (r < 0)
		return r;
	if (*a->n >= NSV_FILTER_MAX)
		return -E2BIG;
	a->v[(*a->n)++] = v;
	return 0;
}

int nsv_sockfilter_add(struct nsv_sockfilter *f, enum nsv_sockfilter_list what,
		       const char *list, nsv_cid_lookup_fn lookup, void *data)
{
	struct add_ctx a = { .lookup = lookup, .data = data };

	switch (what) {
	case NSV_SF_CID:
		a.v = f->cid;
		a.n = &f->ncid;
		a.cid = true;
		break;
	case NSV_SF_PORT:
		a.v = f->port;
		a.n = &f->nport;
		break;
	case NSV_SF_SPORT:
		a.v = f->sport;
		a.n = &f->nsport;
		break;
	case NSV_SF_DPORT:
		a.v = f->dport;
		a.n = &f->ndport;
		break;
	default:
		return -EINVAL;
	}
	return each_item(list, value_one, &a);
}

static bool in(const uint32_t *v, size_t n, uint32_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

bool nsv_sockfilter_match(const struct nsv_sockfilter *f,
			  const struct nsv_diag_sock *s)
{
	if (!f)
		return true;
	if (f->states && (s->state > 31 || !(f->states & 1U << s->state)))
		return false;
	if (f->types && (s->type > 31 || !(f->types & 1U << s->type)))
		return false;
	if (f->ncid && !in(f->cid, f->ncid, s->src_cid) &&
	    !in(f->cid, f->ncid, s->dst_cid))
		return false;
	if (f->nport && !in(f->port, f->nport, s->src_port) &&
	    !in(f->port, f->nport, s->dst_port))
		return false;
	if (f->nsport && !in(f->sport, f->nsport, s->src_port))
		return false;
	if (f->ndport && !in(f->dport, f->ndport, s->dst_port))
		return false;
	return nsv_sockexpr_match(f->expr, s);
}
