// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: sock_diag decoding, recordings, filters, names, printers, /proc. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/vm_sockets_diag.h>

#include "vsockstat/diag.h"
#include "json.h"
#include "vsockstat/proc.h"
#include "vsockstat/socktab.h"
#include "vsockstat/vmtab.h"
#include "names.h"
#include "tap.h"

#define ANY 0xffffffffU

/* ------------------------------------------------ building netlink bytes */

struct bytes {
	uint8_t b[8192];
	size_t n;
};

static void put_diag(struct bytes *m, uint8_t type, uint8_t state, uint8_t shut,
		     uint32_t scid, uint32_t sport, uint32_t dcid,
		     uint32_t dport, uint32_t ino, uint64_t cookie)
{
	struct nlmsghdr h = { 0 };
	struct vsock_diag_msg d = { 0 };

	h.nlmsg_len = sizeof(h) + sizeof(d);
	h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	h.nlmsg_flags = NLM_F_MULTI;
	d.vdiag_family = 40;
	d.vdiag_type = type;
	d.vdiag_state = state;
	d.vdiag_shutdown = shut;
	d.vdiag_src_cid = scid;
	d.vdiag_src_port = sport;
	d.vdiag_dst_cid = dcid;
	d.vdiag_dst_port = dport;
	d.vdiag_ino = ino;
	d.vdiag_cookie[0] = (uint32_t)cookie;
	d.vdiag_cookie[1] = (uint32_t)(cookie >> 32);
	memcpy(m->b + m->n, &h, sizeof(h));
	memcpy(m->b + m->n + sizeof(h), &d, sizeof(d));
	m->n += NLMSG_ALIGN(h.nlmsg_len);
}

/* A control message with an optional int payload (@has_err). */
static void put_ctl(struct bytes *m, uint16_t type, bool has_err, int err)
{
	struct nlmsghdr h = { 0 };

	h.nlmsg_len = sizeof(h) + (has_err ? sizeof(int) : 0);
	h.nlmsg_type = type;
	memcpy(m->b + m->n, &h, sizeof(h));
	if (has_err)
		memcpy(m->b + m->n + sizeof(h), &err, sizeof(err));
	m->n += NLMSG_ALIGN(h.nlmsg_len);
}

static void put_done(struct bytes *m)
{
	put_ctl(m, NLMSG_DONE, true, 0);
}

static void put_ns(struct bytes *m, uint64_t ino, uint32_t pid,
		   const char *name, const char *mode, uint32_t err)
{
	uint64_t buf[256];
	struct nlmsghdr *nlh;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NSV_REC_NETNS;
	mnl_attr_put_u64(nlh, NSV_REC_A_INO, ino);
	if (pid)
		mnl_attr_put_u32(nlh, NSV_REC_A_PID, pid);
	if (name)
		mnl_attr_put_strz(nlh, NSV_REC_A_NAME, name);
	if (mode)
		mnl_attr_put_strz(nlh, NSV_REC_A_MODE, mode);
	if (err)
		mnl_attr_put_u32(nlh, NSV_REC_A_ERR, err);
	memcpy(m->b + m->n, nlh, nlh->nlmsg_len);
	m->n += NLMSG_ALIGN(nlh->nlmsg_len);
}

/* A namespace with child_ns_mode and the mode's source (< 0: none). */
static void put_ns_mode(struct bytes *m, uint64_t ino, const char *mode,
			const char *child, int src)
{
	uint64_t buf[256];
	struct nlmsghdr *nlh;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NSV_REC_NETNS;
	mnl_attr_put_u64(nlh, NSV_REC_A_INO, ino);
	if (mode)
		mnl_attr_put_strz(nlh, NSV_REC_A_MODE, mode);
	if (child)
		mnl_attr_put_strz(nlh, NSV_REC_A_CHILD_MODE, child);
	if (src >= 0)
		mnl_attr_put_u32(nlh, NSV_REC_A_MODE_SRC, (uint32_t)src);
	memcpy(m->b + m->n, nlh, nlh->nlmsg_len);
	m->n += NLMSG_ALIGN(nlh->nlmsg_len);
	put_done(m);
}

/* The sockets of the lab's basic case, by hand. */
static void put_basic(struct bytes *m)
{
	put_diag(m, SOCK_STREAM, NSV_SS_LISTEN, 0, ANY, 2000, ANY, ANY, 206,
		 10);
	put_diag(m, SOCK_SEQPACKET, NSV_SS_ESTABLISHED, NSV_SHUT_RCV, ANY,
		 2034069786, 1, 3000, 208, 2);
	put_diag(m, SOCK_STREAM, NSV_SS_CLOSING, NSV_SHUT_RCV | NSV_SHUT_SEND,
		 ANY, 2034069788, 1, 5100, 215, 0x100000004ULL);
	put_diag(m, SOCK_STREAM, NSV_SS_ESTABLISHED, NSV_SHUT_SEND, 2, 5000, 3,
		 1025, 213, 12);
}

/* Parse @len bytes from an exactly sized heap copy: ASan sees any overread. */
struct seen {
	struct nsv_diag_sock s[64];
	int n;
	int stop_at; /* return -EINTR at this call, if > 0 */
};

static int collect_cb(const struct nsv_diag_sock *s, void *data)
{
	struct seen *c = data;

	if (c->stop_at && c->n + 1 == c->stop_at)
		return -EINTR;
	if (c->n < 64)
		c->s[c->n] = *s;
	c->n++;
	return 0;
}

static int parse_exact(const uint8_t *b, size_t len, size_t shift,
		       struct seen *c)
{
	uint8_t *copy = malloc(len + shift + 1);
	int r;

	memcpy(copy + shift, b, len);
	r = nsv_diag_parse(len ? copy + shift : copy + shift, len, collect_cb,
			   c);
	free(copy);
	return r;
}

/* ------------------------------------------------------------- decoding */

static void test_parse(void)
{
	struct bytes m = { .n = 0 };
	struct seen c = { .n = 0 };
	size_t cut, one;
	int r, bad = 0, wrong = 0;

	put_diag(&m, SOCK_SEQPACKET, NSV_SS_ESTABLISHED, NSV_SHUT_SEND, ANY,
		 4081618647U, 1, 3000, 277, 0x1234567890abcdefULL);
	one = m.n;
	put_diag(&m, SOCK_STREAM, NSV_SS_LISTEN, 0, ANY, 2000, ANY, ANY, 273,
		 1);
	put_done(&m);

	r = parse_exact(m.b, m.n, 0, &c);
	tap_is_int(r, 1, "two sockets and NLMSG_DONE: 1 (done)");
	tap_is_int(c.n, 2, "the callback ran for each socket");
	tap_ok(c.s[0].type == SOCK_SEQPACKET && c.s[0].state == 1 &&
		       c.s[0].shutdown == NSV_SHUT_SEND,
	       "type, state and shutdown decoded");
	tap_ok(c.s[0].src_cid == ANY && c.s[0].src_port == 4081618647U &&
		       c.s[0].dst_cid == 1 && c.s[0].dst_port == 3000,
	       "addresses decoded");
	tap_ok(c.s[0].ino == 277 && c.s[0].cookie == 0x1234567890abcdefULL,
	       "inode and the 64-bit cookie (low word first) decoded");

	c.n = 0;
	r = parse_exact(m.b, m.n, 1, &c);
	tap_ok(r == 1 && c.n == 2 && c.s[1].src_port == 2000,
	       "an unaligned buffer decodes the same");

	c.n = 0;
	r = parse_exact(m.b, one, 0, &c);
	tap_ok(r == 0 && c.n == 1,
	       "a part without NLMSG_DONE: 0 (more to come)");

	/* Every cut: either a message boundary (0) or -EBADMSG, and never
	 * more callbacks than whole messages before the cut. */
	for (cut = 0; cut < m.n; cut++) {
		c.n = 0;
		r = parse_exact(m.b, cut, 0, &c);
		if (cut == 0 || cut == one || cut == 2 * one) {
			if (r != 0)
				wrong++;
		} else if (r != -EBADMSG) {
			bad++;
		}
		if (c.n > (int)(cut / one))
			wrong++;
	}
	tap_ok(!bad && !wrong,
	       "every truncation of the reply is -EBADMSG or a clean boundary (%d bad, %d wrong)",
	       bad, wrong);

	/* A callback error stops the walk. */
	c.n = 0;
	c.stop_at = 2;
	r = parse_exact(m.b, m.n, 0, &c);
	tap_ok(r == -EINTR && c.n == 1, "a callback error stops the walk");
	c.stop_at = 0;
}

static void test_parse_bad(void)
{
	struct bytes m;
	struct seen c;
	struct nlmsghdr h;
	uint32_t len;
	int r;

#define RESET() (memset(&m, 0, sizeof(m)), memset(&c, 0, sizeof(c)))
	RESET();
	put_diag(&m, 1, 10, 0, ANY, 1, ANY, ANY, 1, 1);
	len = 1000; /* longer than the buffer */
	memcpy(m.b, &len, sizeof(len));
	tap_is_int(parse_exact(m.b, m.n, 0, &c), -EBADMSG,
		   "nlmsg_len beyond the buffer is -EBADMSG");
	tap_is_int(c.n, 0, "... and nothing was reported");

	for (len = 0; len < sizeof(h); len += 4) {
		RESET();
		put_diag(&m, 1, 10, 0, ANY, 1, ANY, ANY, 1, 1);
		memcpy(m.b, &len, sizeof(len));
		r = parse_exact(m.b, m.n, 0, &c);
		if (r != -EBADMSG)
			break;
	}
	tap_ok(len >= sizeof(h),
	       "nlmsg_len below the header (0..12) is -EBADMSG, no endless loop");

	RESET();
	put_diag(&m, 1, 10, 0, ANY, 1, ANY, ANY, 1, 1);
	len = sizeof(h) + sizeof(struct vsock_diag_msg) - 1;
	memcpy(m.b, &len, sizeof(len));
	tap_is_int(parse_exact(m.b, len, 0, &c), -EBADMSG,
		   "a reply one byte shorter than vsock_diag_msg is -EBADMSG");

	RESET();
	put_diag(&m, 1, 10, 0, ANY, 1, ANY, ANY, 1, 1);
	m.b[sizeof(h)] = 2; /* AF_INET */
	tap_is_int(parse_exact(m.b, m.n, 0, &c), -EBADMSG,
		   "a family other than AF_VSOCK is -EBADMSG");

	RESET();
	put_ctl(&m, NLMSG_ERROR, true, -ENOENT);
	tap_is_int(parse_exact(m.b, m.n, 0, &c), -ENOENT,
		   "NLMSG_ERROR -ENOENT (vsock_diag missing) is -ENOENT");
	RESET();
	put_ctl(&m, NLMSG_ERROR, false, 0);
	tap_is_int(parse_exact(m.b, m.n, 0, &c), -EBADMSG,
		   "NLMSG_ERROR without its error code is -EBADMSG");
	RESET();
	put_ctl(&m, NLMSG_ERROR, true, 5);
	tap_is_int(parse_exact(m.b, m.n, 0, &c), -EBADMSG,
		   "NLMSG_ERROR with a positive code is -EBADMSG");
	RESET();
	put_ctl(&m, NLMSG_ERROR, true, 0);
	put_done(&m);
	tap_is_int(parse_exact(m.b, m.n, 0, &c), 1,
		   "an acknowledgement (error 0) is skipped");
	RESET();
	put_ctl(&m, NLMSG_DONE, true, -EINTR);
	tap_is_int(parse_exact(m.b, m.n, 0, &c), -EINTR,
		   "NLMSG_DONE carrying an error returns it");
	RESET();
	put_ctl(&m, NLMSG_DONE, true, INT32_MIN);
	tap_is_int(parse_exact(m.b, m.n, 0, &c), -EBADMSG,
		   "NLMSG_DONE carrying no errno (INT_MIN) is -EBADMSG");
	RESET();
	put_ctl(&m, NLMSG_DONE, false, 0);
	tap_is_int(parse_exact(m.b, m.n, 0, &c), 1,
		   "NLMSG_DONE without a payload is done");
	RESET();
	put_ctl(&m, NLMSG_NOOP, false, 0);
	put_done(&m);
	tap_is_int(parse_exact(m.b, m.n, 0, &c), 1, "NLMSG_NOOP is skipped");
	RESET();
	put_ctl(&m, NLMSG_OVERRUN, false, 0);
	tap_is_int(parse_exact(m.b, m.n, 0, &c), -EOVERFLOW,
		   "NLMSG_OVERRUN is -EOVERFLOW");
	RESET();
	put_ctl(&m, 99, false, 0);
	tap_is_int(parse_exact(m.b, m.n, 0, &c), -EBADMSG,
		   "an unknown message type is -EBADMSG");

	/* A longer reply (a later kernel may add fields) is fine, and so is a
	 * last message without padding. */
	RESET();
	put_diag(&m, 1, 10, 0, ANY, 7, ANY, ANY, 1, 1);
	len = sizeof(h) + sizeof(struct vsock_diag_msg) + 3;
	memcpy(m.b, &len, sizeof(len));
	r = parse_exact(m.b, len, 0, &c);
	tap_ok(r == 0 && c.n == 1 && c.s[0].src_port == 7,
	       "a longer, unpadded last message decodes its known part");
	tap_is_int(nsv_diag_parse(NULL, 4, NULL, NULL), -EINVAL,
		   "NULL with a length is -EINVAL");
	tap_is_int(nsv_diag_parse(NULL, 0, NULL, NULL), 0,
		   "nothing at all is 0");
#undef RESET
}

/* --------------------------------------------------------------- names */

static void test_names(void)
{
	static const struct {
		unsigned int state;
		const char *name;
	} st[] = {
		{ 1, "ESTAB" },	     { 2, "SYN-SENT" },	  { 3, "SYN-RECV" },
		{ 4, "FIN-WAIT-1" }, { 5, "FIN-WAIT-2" }, { 6, "TIME-WAIT" },
		{ 7, "UNCONN" },     { 8, "CLOSE-WAIT" }, { 9, "LAST-ACK" },
		{ 10, "LISTEN" },    { 11, "CLOSING" },
	};
	static const struct {
		const char *in;
		int r;
		uint32_t mask;
	} sp[] = {
		{ "established", 0, 1U << 1 },
		{ "ESTAB", 0, 1U << 1 },
		{ "listen", 0, 1U << 10 },
		{ "listening", 0, 1U << 10 },
		{ "LISTEN,established", 0, 1U << 10 | 1U << 1 },
		{ "syn-sent", 0, 1U << 2 },
		{ "closing", 0, 1U << 11 },
		{ "unconn", 0, 1U << 7 },
		{ "closed", 0, 1U << 7 },
		{ "close-wait,last-ack,time-wait", 0,
		  1U << 8 | 1U << 9 | 1U << 6 },
		{ "fin-wait-1,fin-wait-2,syn-recv", 0,
		  1U << 4 | 1U << 5 | 1U << 3 },
		{ "all", 0, NSV_SS_ALL },
		{ "connected", 0, 0xffeU & ~(1U << 10 | 1U << 7) },
		{ "synchronized", 0, 0xffeU & ~(1U << 10 | 1U << 7 | 1U << 2) },
		{ "", -EINVAL, 0 },
		{ "est", -EINVAL, 0 },
		{ "listen,", -EINVAL, 0 },
		{ ",listen", -EINVAL, 0 },
		{ "listen,,closing", -EINVAL, 0 },
		{ "listen closing", -EINVAL, 0 },
	};
	uint32_t mask;
	size_t i;
	int bad = 0;

	for (i = 0; i < sizeof(st) / sizeof(st[0]); i++)
		tap_is_str(nsv_sk_state_name(st[i].state), st[i].name,
			   "state %u is ss's %s", st[i].state, st[i].name);
	tap_ok(!nsv_sk_state_name(0) && !nsv_sk_state_name(12) &&
		       !nsv_sk_state_name(255),
	       "states 0, 12, 255 have no name");
	for (i = 0; i < sizeof(sp) / sizeof(sp[0]); i++) {
		mask = 0xdead;
		int r = nsv_sk_states_parse(sp[i].in, &mask);

		if (r != sp[i].r || (!r && mask != sp[i].mask) ||
		    (r && mask != 0xdead)) {
			tap_diag("'%s': r=%d mask=%#x", sp[i].in, r, mask);
			bad++;
		}
	}
	tap_ok(!bad,
	       "--state lists: %zu cases (ss names, our names, groups, errors)",
	       sizeof(sp) / sizeof(sp[0]));
	tap_ok(!(NSV_SS_CONNECTED &
		 (1U << NSV_SS_LISTEN | 1U << NSV_SS_CLOSE)) &&
		       (NSV_SS_CONNECTED & 1U << NSV_SS_SYN_SENT) &&
		       (NSV_SS_CONNECTED & 1U << NSV_SS_CLOSING),
	       "connected: not LISTEN or UNCONN, but SYN-SENT and CLOSING");

	tap_is_str(nsv_sk_type_name(SOCK_STREAM), "stream", "type 1 is stream");
	tap_is_str(nsv_sk_type_name(SOCK_DGRAM), "dgram", "type 2 is dgram");
	tap_is_str(
		nsv_sk_type_name(SOCK_SEQPACKET), "seqpacket",
		"type 5 is seqpacket (where ss prints three question marks)");
	tap_ok(!nsv_sk_type_name(3) && !nsv_sk_type_name(0),
	       "types 0 and 3 have no name");
	tap_ok(nsv_sk_types_parse("stream,SEQPACKET", &mask) == 0 &&
		       mask == (1U << 1 | 1U << 5),
	       "--type stream,SEQPACKET");
	tap_ok(nsv_sk_types_parse("dgram", &mask) == 0 && mask == 1U << 2,
	       "--type dgram");
	tap_ok(nsv_sk_types_parse("raw", &mask) == -EINVAL &&
		       nsv_sk_types_parse("stream,", &mask) == -EINVAL &&
		       nsv_sk_types_parse("", &mask) == -EINVAL,
	       "--type raw, 'stream,' and '' are -EINVAL");
}

/* -------------------------------------------------------------- filters */

/* What a case of test_filters() sets besides nsv_sockfilter_add()'s lists. */
enum { NONE = -1, STATES = 100, TYPES };

static void test_filters(void)
{
	struct nsv_diag_sock lst = { .type = 1,
				     .state = 10,
				     .src_cid = ANY,
				     .src_port = 2000,
				     .dst_cid = ANY,
				     .dst_port = ANY };
	struct nsv_diag_sock cli = { .type = 1,
				     .state = 1,
				     .src_cid = ANY,
				     .src_port = 40000,
				     .dst_cid = 1,
				     .dst_port = 2000 };
	struct nsv_diag_sock acc = { .type = 1,
				     .state = 1,
				     .src_cid = 1,
				     .src_port = 2000,
				     .dst_cid = 1,
				     .dst_port = 40000 };
	struct nsv_diag_sock seq = { .type = 5,
				     .state = 11,
				     .src_cid = 2,
				     .src_port = 9,
				     .dst_cid = 3,
				     .dst_port = 1024 };
	const struct nsv_diag_sock *all[] = { &lst, &cli, &acc, &seq };
	static const struct {
		const char *desc;
		int what; /* STATES, TYPES, an nsv_sockfilter_list, or NONE */
		const char *arg;
		const char *want; /* which of l c a s match */
	} cases[] = {
		{ "no filter", NONE, NULL, "lcas" },
		{ "--state listen", STATES, "listen", "l" },
		{ "--state established", STATES, "established", "ca" },
		{ "--state connected", STATES, "connected", "cas" },
		{ "--state closing", STATES, "closing", "s" },
		{ "--type seqpacket", TYPES, "seqpacket", "s" },
		{ "--type stream", TYPES, "stream", "lca" },
		{ "--cid local (either end)", NSV_SF_CID, "local", "ca" },
		{ "--cid 3 (peer)", NSV_SF_CID, "3", "s" },
		{ "--cid host,3", NSV_SF_CID, "host,3", "s" },
		{ "--cid any (wildcards)", NSV_SF_CID, "any", "lc" },
		{ "--port 2000 (either end)", NSV_SF_PORT, "2000", "lca" },
		{ "--sport 2000", NSV_SF_SPORT, "2000", "la" },
		{ "--dport 2000", NSV_SF_DPORT, "2000", "c" },
		{ "--dport 1024,40000", NSV_SF_DPORT, "1024,40000", "as" },
		{ "--sport 0x9", NSV_SF_SPORT, "0x9", "s" },
		{ "--port 1", NSV_SF_PORT, "1", "" },
	};
	size_t i, k;
	int bad = 0, r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nsv_sockfilter f = { 0 };
		char got[8] = "";
		size_t n = 0;

		if (cases[i].what == STATES)
			r = nsv_sk_states_parse(cases[i].arg, &f.states);
		else if (cases[i].what == TYPES)
			r = nsv_sk_types_parse(cases[i].arg, &f.types);
		else if (cases[i].what != NONE)
			r = nsv_sockfilter_add(&f, cases[i].what, cases[i].arg,
					       NULL, NULL);
		else
			r = 0;
		for (k = 0; k < 4; k++)
			if (nsv_sockfilter_match(&f, all[k]))
				got[n++] = "lcas"[k];
		got[n] = '\0';
		if (!tap_ok(r == 0 && !strcmp(got, cases[i].want),
			    "filter %s matches '%s'", cases[i].desc,
			    cases[i].want))
			tap_diag("  got '%s' (r=%d)", got, r);
	}
	{
		struct nsv_sockfilter f = { 0 };

		nsv_sk_states_parse("established", &f.states);
		nsv_sockfilter_add(&f, NSV_SF_SPORT, "2000", NULL, NULL);
		tap_ok(!nsv_sockfilter_match(&f, &lst) &&
			       !nsv_sockfilter_match(&f, &cli) &&
			       nsv_sockfilter_match(&f, &acc),
		       "criteria combine with AND");
		tap_ok(nsv_sockfilter_match(NULL, &seq),
		       "a NULL filter matches everything");
	}
	{
		struct nsv_sockfilter f = { 0 };
		struct nsv_diag_sock odd = seq;

		odd.state = 40;
		odd.type = 40;
		f.states = NSV_SS_ALL;
		tap_ok(!nsv_sockfilter_match(&f, &odd),
		       "a state beyond 31 never matches a state mask");
		f.states = 0;
		f.types = 0xffffffffU;
		tap_ok(!nsv_sockfilter_match(&f, &odd),
		       "a type beyond 31 never matches a type mask");
	}
	{
		struct nsv_sockfilter f = { 0 };

		bad = 0;
		for (i = 0; i < NSV_FILTER_MAX; i++)
			bad |= nsv_sockfilter_add(&f, NSV_SF_PORT, "1", NULL,
						  NULL);
		tap_ok(!bad && nsv_sockfilter_add(&f, NSV_SF_PORT, "2", NULL,
						  NULL) == -E2BIG,
		       "the %dth value of a list is -E2BIG",
		       NSV_FILTER_MAX + 1);
		tap_ok(nsv_sockfilter_add(&f, NSV_SF_CID, "nohost", NULL,
					  NULL) == -EINVAL &&
			       nsv_sockfilter_add(&f, NSV_SF_SPORT, "-1", NULL,
						  NULL) == -EINVAL &&
			       nsv_sockfilter_add(&f, NSV_SF_DPORT, "1,,2",
						  NULL, NULL) == -EINVAL &&
			       nsv_sockfilter_add(&f,
						  (enum nsv_sockfilter_list)42,
						  "1", NULL, NULL) == -EINVAL &&
			       nsv_sockfilter_add(&f, NSV_SF_CID,
						  "1111111111111111111111111",
						  NULL, NULL) == -EINVAL,
		       "bad CIDs, ports, empty items, unknown criteria are -EINVAL");
	}
}

/* ----------------------------------------------------------- recordings */

static void test_replay(void)
{
	struct nsv_socktab t;
	struct bytes m = { .n = 0 };
	struct nsv_sockfilter f = { 0 };
	char label[NSV_NS_LABEL_LEN];
	size_t off = 0, cut, ends[3];
	int r, bad = 0;

	nsv_socktab_init(&t);

	/* A bare dump: one namespace with no name. */
	put_basic(&m);
	put_done(&m);
	r = nsv_socktab_replay(&t, m.b, m.n, NULL, &off);
	tap_ok(r == 0 && t.nns == 1 && t.nsocks == 4 && t.ns[0].nsocks == 4,
	       "a bare dump replays as one namespace with 4 sockets");
	nsv_socktab_ns_label(&t.ns[0], label, sizeof(label));
	tap_is_str(label, "-", "... labelled '-'");

	/* Three namespaces: named, unnamed with a pid, failed. */
	m.n = 0;
	put_ns(&m, 4026531840ULL, 1, NULL, "global", 0);
	put_basic(&m);
	put_done(&m);
	ends[0] = m.n;
	put_ns(&m, 4026532281ULL, 0, "blue", "local", 0);
	put_diag(&m, 1, 10, 0, ANY, 7, ANY, ANY, 300, 20);
	put_done(&m);
	ends[1] = m.n;
	put_ns(&m, 4026532999ULL, 77, NULL, NULL, EPERM);
	ends[2] = m.n;
	r = nsv_socktab_replay(&t, m.b, m.n, NULL, &off);
	tap_ok(r == 0 && t.nns == 3 && t.nsocks == 5,
	       "three recorded namespaces, five sockets");
	nsv_socktab_ns_label(&t.ns[0], label, sizeof(label));
	tap_is_str(label, "(init)", "unnamed, holding process 1: (init)");
	nsv_socktab_ns_label(&t.ns[2], label, sizeof(label));
	tap_is_str(label, "net:[4026532999],pid=77",
		   "unnamed, another pid: inode and pid");
	nsv_socktab_ns_label(&t.ns[1], label, sizeof(label));
	tap_is_str(label, "blue", "named: the name");
	tap_ok(!strcmp(t.ns[0].mode.mode, "global") &&
		       !strcmp(t.ns[1].mode.mode, "local") &&
		       !t.ns[2].mode.mode[0],
	       "ns_mode replayed (global, local, none)");
	tap_ok(t.ns[0].mode.src == NSV_NSMODE_KERNEL &&
		       t.ns[1].mode.src == NSV_NSMODE_KERNEL &&
		       t.ns[2].mode.src == NSV_NSMODE_NONE &&
		       !t.ns[0].mode.child[0],
	       "a mode recorded without its source came from 7.x's sysctls");
	tap_ok(t.ns[2].err == -EPERM && t.ns[2].nsocks == 0 &&
		       !t.ns[2].err_enter,
	       "a namespace recorded as failed replays its error");
	tap_ok(t.socks[4].ns == 1 && t.socks[4].d.src_port == 7,
	       "sockets belong to their namespace");

	/* Every cut: clean only at the end of a namespace. */
	for (cut = 0; cut < m.n; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);

		memcpy(copy, m.b, cut);
		off = (size_t)-1;
		r = nsv_socktab_replay(&t, copy, cut, NULL, &off);
		free(copy);
		if (cut == ends[0] || cut == ends[1]) {
			if (r != 0)
				bad++;
		} else if (r != -EBADMSG || off > cut) {
			bad++;
		}
	}
	tap_ok(!bad,
	       "every cut of a recording is -EBADMSG with an offset inside, except between namespaces (%d bad)",
	       bad);

	/* Filters apply on replay. */
	nsv_sk_types_parse("seqpacket", &f.types);
	r = nsv_socktab_replay(&t, m.b, m.n, &f, NULL);
	tap_ok(r == 0 && t.nsocks == 1 && t.socks[0].d.ino == 208 &&
		       t.ns[0].nsocks == 1 && t.ns[1].nsocks == 0,
	       "a filter applies to a replay");

	/* Structure errors. */
	m.n = 0;
	put_ns(&m, 1, 0, NULL, NULL, 0);
	cut = m.n;
	put_ns(&m, 2, 0, NULL, NULL, 0);
	put_done(&m);
	r = nsv_socktab_replay(&t, m.b, m.n, NULL, &off);
	tap_ok(r == -EBADMSG && off == cut,
	       "a namespace that starts before the previous one's dump ended, at its offset");
	m.n = 0;
	put_basic(&m);
	put_done(&m);
	put_basic(&m);
	put_done(&m);
	tap_is_int(nsv_socktab_replay(&t, m.b, m.n, NULL, &off), -EBADMSG,
		   "a second dump without a namespace marker");
	m.n = 0;
	put_ns(&m, 3, 0, NULL, NULL, EPERM);
	put_done(&m);
	tap_is_int(nsv_socktab_replay(&t, m.b, m.n, NULL, &off), -EBADMSG,
		   "a dump after a namespace recorded as failed");
	tap_is_int(nsv_socktab_replay(&t, m.b, 0, NULL, &off), -EBADMSG,
		   "an empty recording");
	{
		/* A marker without an inode; a name without its NUL. */
		uint64_t buf[64] = { 0 };
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

		nlh->nlmsg_type = NSV_REC_NETNS;
		mnl_attr_put_u32(nlh, NSV_REC_A_PID, 5);
		m.n = 0;
		memcpy(m.b, nlh, nlh->nlmsg_len);
		m.n = nlh->nlmsg_len;
		put_done(&m);
		tap_is_int(nsv_socktab_replay(&t, m.b, m.n, NULL, &off),
			   -EBADMSG, "a namespace marker without an inode");

		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = NSV_REC_NETNS;
		mnl_attr_put_u64(nlh, NSV_REC_A_INO, 5);
		mnl_attr_put(nlh, NSV_REC_A_NAME, 3, "abc");
		m.n = nlh->nlmsg_len;
		memcpy(m.b, nlh, nlh->nlmsg_len);
		put_done(&m);
		tap_is_int(nsv_socktab_replay(&t, m.b, m.n, NULL, &off),
			   -EBADMSG, "a name without its NUL");

		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = NSV_REC_NETNS;
		mnl_attr_put_u64(nlh, NSV_REC_A_INO, 5);
		mnl_attr_put_u32(nlh, 40, 1); /* from a later version */
		m.n = nlh->nlmsg_len;
		memcpy(m.b, nlh, nlh->nlmsg_len);
		put_done(&m);
		tap_is_int(nsv_socktab_replay(&t, m.b, m.n, NULL, &off), 0,
			   "an unknown attribute is skipped");

		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = NSV_REC_NETNS;
		mnl_attr_put_u64(nlh, NSV_REC_A_INO, 5);
		mnl_attr_put_u32(nlh, NSV_REC_A_ERR, 5000);
		m.n = nlh->nlmsg_len;
		memcpy(m.b, nlh, nlh->nlmsg_len);
		tap_is_int(nsv_socktab_replay(&t, m.b, m.n, NULL, &off),
			   -EBADMSG, "an errno beyond 4095");
	}
	m.n = 0;
	put_ns(&m, 9, 0, NULL, NULL, 0);
	put_ctl(&m, NLMSG_ERROR, true, -ENOENT);
	r = nsv_socktab_replay(&t, m.b, m.n, NULL, &off);
	tap_ok(r == 0 && t.nns == 1 && t.ns[0].err == -ENOENT,
	       "a recorded NLMSG_ERROR replays as that namespace's error");
	m.n = 0;
	put_basic(&m);
	put_ctl(&m, 99, false, 0);
	tap_is_int(nsv_socktab_replay(&t, m.b, m.n, NULL, &off), -EBADMSG,
		   "an unknown message type inside a dump");
	tap_is_int((int)off,
		   (int)(4 * NLMSG_ALIGN(sizeof(struct nlmsghdr) +
					 sizeof(struct vsock_diag_msg))),
		   "... at the offset of that message");
	nsv_socktab_free(&t);
}

/* Random damage to a recording: every outcome is a table or -EBADMSG, and
 * ASan/valgrind runs of this test see no read outside the buffer. */
static void test_mutations(void)
{
	struct nsv_socktab t;
	struct bytes m = { .n = 0 };
	uint32_t seed = 12345;
	int i, odd = 0, clean = 0;

	put_ns(&m, 4026531840ULL, 1, "x", "global", 0);
	put_basic(&m);
	put_done(&m);
	put_ns(&m, 7, 0, NULL, NULL, EPERM);
	nsv_socktab_init(&t);
	for (i = 0; i < 20000; i++) {
		uint8_t *copy = malloc(m.n);
		size_t len = m.n, k, flips;
		int r;

		memcpy(copy, m.b, m.n);
		seed = seed * 1103515245u + 12345u;
		flips = 1 + (seed >> 16) % 4;
		for (k = 0; k < flips; k++) {
			seed = seed * 1103515245u + 12345u;
			copy[(seed >> 8) % m.n] = (uint8_t)(seed >> 24);
		}
		seed = seed * 1103515245u + 12345u;
		if (seed % 4 == 0)
			len = (seed >> 8) % m.n; /* and cut short */
		r = nsv_socktab_replay(&t, copy, len, NULL, NULL);
		if (r == 0)
			clean++;
		if ((r != 0 && r != -EBADMSG) || (r == 0 && t.nsocks > 4))
			odd++;
		free(copy);
	}
	nsv_socktab_free(&t);
	tap_ok(!odd,
	       "20000 damaged recordings: each a table of at most 4 sockets or -EBADMSG (%d clean)",
	       clean);
}

/* ------------------------------------------------------------- printers */

static char *out;
static size_t outlen;

static FILE *mem(void)
{
	free(out);
	out = NULL;
	return open_memstream(&out, &outlen);
}

static void load_basic(struct nsv_socktab *t)
{
	struct bytes m = { .n = 0 };

	put_basic(&m);
	put_done(&m);
	nsv_socktab_replay(t, m.b, m.n, NULL, NULL);
}

static void test_print(void)
{
	struct nsv_socktab t;
	struct nsv_json j;
	struct bytes m = { .n = 0 };
	FILE *f;

	nsv_socktab_init(&t);
	load_basic(&t);

	f = mem();
	nsv_socktab_print(f, &t, 0);
	fclose(f);
	tap_is_str(
		out,
		"Type      State   Local        Peer       Shut     Inode     Cookie\n"
		"stream    LISTEN  *:2000       *:*        -          206         10\n"
		"seqpacket ESTAB   *:2034069786 local:3000 rcv        208          2\n"
		"stream    CLOSING *:2034069788 local:5100 rcv|send   215 4294967300\n"
		"stream    ESTAB   host:5000    3:1025     send       213         12\n",
		"text table: names, shutdown decoded, columns aligned");

	f = mem();
	nsv_socktab_print(f, &t, NSV_FMT_NUMERIC | NSV_STAT_NOHEADER);
	fclose(f);
	tap_is_str(
		out,
		"stream    LISTEN  *:2000       *:*    -        206         10\n"
		"seqpacket ESTAB   *:2034069786 1:3000 rcv      208          2\n"
		"stream    CLOSING *:2034069788 1:5100 rcv|send 215 4294967300\n"
		"stream    ESTAB   2:5000       3:1025 send     213         12\n",
		"-n -H: numbers, no title, widths from the data alone");

	/* -p: two holders of one socket, a user with and without a name. */
	t.procs = calloc(3, sizeof(*t.procs));
	t.users = calloc(2, sizeof(*t.users));
	t.procs[0] = (struct nsv_stat_proc){ 10, 0, 3, "socat" };
	t.procs[1] = (struct nsv_stat_proc){ 11, 0, 3, "socat" };
	t.procs[2] = (struct nsv_stat_proc){ 12, 0, 7, "python3" };
	t.nprocs = t.procs_cap = 3;
	t.users[0] = (struct nsv_stat_user){ 0, "root" };
	t.users[1] = (struct nsv_stat_user){ 1000, "" };
	t.nusers = t.users_cap = 2;
	t.socks[0].has_uid = true;
	t.socks[0].uid = 0;
	t.socks[0].proc0 = 0;
	t.socks[0].nprocs = 2;
	t.socks[3].has_uid = true;
	t.socks[3].uid = 1000;
	t.socks[3].proc0 = 2;
	t.socks[3].nprocs = 1;
	f = mem();
	nsv_socktab_print(f, &t, NSV_STAT_PROCS);
	fclose(f);
	tap_is_str(
		out,
		"Type      State   Local        Peer       Shut     Inode     Cookie User Process\n"
		"stream    LISTEN  *:2000       *:*        -          206         10 root socat(pid=10,fd=3),socat(pid=11,fd=3)\n"
		"seqpacket ESTAB   *:2034069786 local:3000 rcv        208          2 -    -\n"
		"stream    CLOSING *:2034069788 local:5100 rcv|send   215 4294967300 -    -\n"
		"stream    ESTAB   host:5000    3:1025     send       213         12 1000 python3(pid=12,fd=7)\n",
		"-p: user (by name, else uid) and every holding process");

	f = mem();
	nsv_json_init(&j, f, false);
	nsv_socktab_json(&j, &t, NSV_STAT_PROCS, false);
	fclose(f);
	tap_is_str(
		out,
		"{\"schema\":\"vsockstat/1\",\"netns\":[{\"label\":\"-\",\"ino\":0,\"name\":null,\"pid\":null,\"ns_mode\":null,\"child_ns_mode\":null,\"ns_mode_sysctl\":null,\"cid\":null,\"domain\":null,\"error\":null,\"sockets\":4}],"
		"\"sockets\":["
		"{\"netns\":\"-\",\"type\":\"stream\",\"state\":\"LISTEN\",\"local\":{\"cid\":4294967295,\"port\":2000,\"cid_name\":\"any\",\"port_name\":null},\"peer\":{\"cid\":4294967295,\"port\":4294967295,\"cid_name\":\"any\",\"port_name\":\"any\"},\"shutdown\":[],\"inode\":206,\"cookie\":10,"
		"\"uid\":0,\"user\":\"root\",\"processes\":[{\"pid\":10,\"name\":\"socat\",\"fd\":3},{\"pid\":11,\"name\":\"socat\",\"fd\":3}]},"
		"{\"netns\":\"-\",\"type\":\"seqpacket\",\"state\":\"ESTAB\",\"local\":{\"cid\":4294967295,\"port\":2034069786,\"cid_name\":\"any\",\"port_name\":null},\"peer\":{\"cid\":1,\"port\":3000,\"cid_name\":\"local\",\"port_name\":null},\"shutdown\":[\"rcv\"],\"inode\":208,\"cookie\":2,"
		"\"uid\":null,\"user\":null,\"processes\":[]},"
		"{\"netns\":\"-\",\"type\":\"stream\",\"state\":\"CLOSING\",\"local\":{\"cid\":4294967295,\"port\":2034069788,\"cid_name\":\"any\",\"port_name\":null},\"peer\":{\"cid\":1,\"port\":5100,\"cid_name\":\"local\",\"port_name\":null},\"shutdown\":[\"rcv\",\"send\"],\"inode\":215,\"cookie\":4294967300,"
		"\"uid\":null,\"user\":null,\"processes\":[]},"
		"{\"netns\":\"-\",\"type\":\"stream\",\"state\":\"ESTAB\",\"local\":{\"cid\":2,\"port\":5000,\"cid_name\":\"host\",\"port_name\":null},\"peer\":{\"cid\":3,\"port\":1025,\"cid_name\":null,\"port_name\":null},\"shutdown\":[\"send\"],\"inode\":213,\"cookie\":12,"
		"\"uid\":1000,\"user\":null,\"processes\":[{\"pid\":12,\"name\":\"python3\",\"fd\":7}]}]}\n",
		"JSON with -p: numbers as numbers, their symbols beside them, "
		"null where unknown");

	/* Odd values: unknown type and state, unknown shutdown bits. */
	put_ns(&m, 4026531840ULL, 1, NULL, "global", 0);
	put_diag(&m, 9, 30, 0x6, 3, 1, 2, 2, 1, 1);
	put_done(&m);
	put_ns(&m, 4026532281ULL, 0, "blue", "local", 0);
	put_done(&m);
	nsv_socktab_replay(&t, m.b, m.n, NULL, NULL);
	f = mem();
	nsv_socktab_print(f, &t, NSV_STAT_NETNS);
	fclose(f);
	tap_is_str(
		out,
		"Netns  Mode   Type   State    Local Peer   Shut     Inode Cookie\n"
		"(init) global type-9 STATE-30 3:1   host:2 send|0x4     1      1\n",
		"netns and mode columns; an unknown type or state says its number, never question marks");
	f = mem();
	nsv_socktab_summary(f, &t, NSV_STAT_NETNS);
	fclose(f);
	tap_is_str(out,
		   "Total: 1 socket in 2 network namespaces\n"
		   "(init) global 1 socket: type-9 1 (STATE-30 1)\n"
		   "blue   local  0 sockets\n",
		   "summary: a line per namespace, empty ones too");
	f = mem();
	nsv_json_init(&j, f, false);
	nsv_socktab_json(&j, &t, 0, true);
	fclose(f);
	tap_is_str(
		out,
		"{\"schema\":\"vsockstat/1\",\"netns\":["
		"{\"label\":\"(init)\",\"ino\":4026531840,\"name\":null,\"pid\":1,\"ns_mode\":\"global\",\"child_ns_mode\":null,\"ns_mode_sysctl\":\"/proc/sys/net/vsock\",\"cid\":null,\"domain\":null,\"error\":null,\"sockets\":1},"
		"{\"label\":\"blue\",\"ino\":4026532281,\"name\":\"blue\",\"pid\":null,\"ns_mode\":\"local\",\"child_ns_mode\":null,\"ns_mode_sysctl\":\"/proc/sys/net/vsock\",\"cid\":null,\"domain\":null,\"error\":null,\"sockets\":0}],"
		"\"total\":1,\"summary\":[{\"netns\":\"(init)\",\"type\":\"type-9\",\"state\":\"STATE-30\",\"count\":1}]}\n",
		"JSON summary");
	f = mem();
	nsv_json_init(&j, f, false);
	nsv_socktab_json(&j, &t, 0, false);
	fclose(f);
	tap_ok(strstr(out, "\"shutdown\":[\"send\",\"0x4\"]") != NULL,
	       "JSON: unknown shutdown bits as a hex string");

	free(out);
	out = NULL;
	nsv_socktab_free(&t);
}

/* Modes from either source, what the table and JSON make of them. */
static void test_modes(void)
{
	struct nsv_socktab t;
	struct bytes m = { .n = 0 };
	struct nsv_json j;
	FILE *f;
	int r;

	nsv_socktab_init(&t);
	put_ns_mode(&m, 10, "global", "local", NSV_NSMODE_MODULE);
	put_ns_mode(&m, 11, "local", "local", NSV_NSMODE_MODULE);
	put_ns_mode(&m, 12, "global", NULL, 99);
	put_ns_mode(&m, 13, NULL, NULL, -1);
	r = nsv_socktab_replay(&t, m.b, m.n, NULL, NULL);
	tap_ok(r == 0 && t.nns == 4, "four namespaces with modes replayed");
	tap_ok(t.ns[0].mode.src == NSV_NSMODE_MODULE &&
		       !strcmp(t.ns[0].mode.mode, "global") &&
		       !strcmp(t.ns[0].mode.child, "local") &&
		       t.ns[1].mode.src == NSV_NSMODE_MODULE &&
		       !strcmp(t.ns[1].mode.mode, "local"),
	       "the module's modes: ns_mode, child_ns_mode and source");
	tap_ok(t.ns[2].mode.src == NSV_NSMODE_NONE &&
		       !strcmp(t.ns[2].mode.mode, "global"),
	       "a source this version does not know: the mode without it");
	tap_ok(t.ns[3].mode.src == NSV_NSMODE_NONE && !t.ns[3].mode.mode[0],
	       "no mode: none");

	f = mem();
	nsv_socktab_summary(f, &t, NSV_STAT_NETNS | NSV_STAT_NOHEADER);
	fclose(f);
	tap_is_str(out,
		   "net:[10] global 0 sockets\n"
		   "net:[11] local  0 sockets\n"
		   "net:[12] global 0 sockets\n"
		   "net:[13] -      0 sockets\n",
		   "summary: the mode of each namespace, '-' where none");
	f = mem();
	nsv_json_init(&j, f, false);
	nsv_socktab_json(&j, &t, 0, false);
	fclose(f);
	tap_ok(strstr(out, "\"ino\":10,\"name\":null,\"pid\":null,"
			   "\"ns_mode\":\"global\",\"child_ns_mode\":\"local\","
			   "\"ns_mode_sysctl\":\"/proc/sys/net/nsvsock\"") &&
		       strstr(out,
			      "\"ino\":12,\"name\":null,\"pid\":null,"
			      "\"ns_mode\":\"global\",\"child_ns_mode\":null,"
			      "\"ns_mode_sysctl\":null") &&
		       strstr(out, "\"ino\":13,\"name\":null,\"pid\":null,"
				   "\"ns_mode\":null,\"child_ns_mode\":null,"
				   "\"ns_mode_sysctl\":null"),
	       "JSON: ns_mode, child_ns_mode, the sysctl directory, null where none");

	/* Mode words are held to what a sysctl says: no terminal codes. */
	m.n = 0;
	put_ns_mode(&m, 10, "\033[2Jlocal", NULL, NSV_NSMODE_MODULE);
	r = nsv_socktab_replay(&t, m.b, m.n, NULL, NULL);
	tap_ok(r == -EBADMSG, "an ns_mode with an escape code: -EBADMSG");
	m.n = 0;
	put_ns_mode(&m, 10, "local", "lo cal", NSV_NSMODE_MODULE);
	r = nsv_socktab_replay(&t, m.b, m.n, NULL, NULL);
	tap_ok(r == -EBADMSG, "a child_ns_mode with a blank: -EBADMSG");

	free(out);
	out = NULL;
	nsv_socktab_free(&t);
}

/* nsvsock's CID domains: the CID and Domain columns, only where one is set. */
static void test_domains(void)
{
	uint64_t buf[256];
	struct nsv_socktab t;
	struct bytes m = { .n = 0 };
	struct nlmsghdr *nlh;
	struct nsv_json j;
	FILE *f;
	int r;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NSV_REC_NETNS;
	mnl_attr_put_u64(nlh, NSV_REC_A_INO, 20);
	mnl_attr_put_strz(nlh, NSV_REC_A_MODE, "local");
	mnl_attr_put_u32(nlh, NSV_REC_A_MODE_SRC, NSV_NSMODE_MODULE);
	mnl_attr_put_u32(nlh, NSV_REC_A_CID, 10);
	mnl_attr_put_u32(nlh, NSV_REC_A_DOMAIN, 1);
	memcpy(m.b, nlh, nlh->nlmsg_len);
	m.n = NLMSG_ALIGN(nlh->nlmsg_len);
	put_done(&m);
	put_ns_mode(&m, 21, "global", NULL, NSV_NSMODE_MODULE);
	nsv_socktab_init(&t);
	r = nsv_socktab_replay(&t, m.b, m.n, NULL, NULL);
	tap_ok(r == 0 && t.nns == 2 && t.ns[0].mode.cid == 10 &&
		       t.ns[0].mode.domain == 1 && !t.ns[1].mode.cid,
	       "a recording keeps a namespace's CID and domain");
	f = mem();
	nsv_socktab_summary(f, &t, NSV_STAT_NETNS | NSV_STAT_NOHEADER);
	fclose(f);
	tap_is_str(
		out,
		"net:[20] local  cid 10         domain 1          0 sockets\n"
		"net:[21] global cid -          domain -          0 sockets\n",
		"summary: CID and domain of each namespace, '-' where none");
	f = mem();
	nsv_json_init(&j, f, false);
	nsv_socktab_json(&j, &t, 0, false);
	fclose(f);
	tap_ok(strstr(out, "\"ns_mode_sysctl\":\"/proc/sys/net/nsvsock\","
			   "\"cid\":10,\"domain\":1,") &&
		       strstr(out, "\"ino\":21,") &&
		       strstr(out, "\"cid\":null,\"domain\":null,"),
	       "JSON: cid and domain as numbers, null where none");

	free(out);
	out = NULL;
	nsv_socktab_free(&t);
}

/* ------------------------------------------- events, one line, names, VMs */

struct evlog {
	char text[1024];
};

static int on_event(enum nsv_stat_event ev, const struct nsv_socktab *t,
		    size_t i, void *data)
{
	struct evlog *l = data;
	size_t n = strlen(l->text);

	snprintf(l->text + n, sizeof(l->text) - n, "%s %u %s\n",
		 nsv_stat_event_name(ev), t->socks[i].d.ino,
		 nsv_sk_state_name(t->socks[i].d.state));
	return 0;
}

static void test_events(void)
{
	struct nsv_socktab a, b;
	struct bytes m = { .n = 0 };
	struct evlog l = { "" };
	struct nsv_json j;
	FILE *f;

	nsv_socktab_init(&a);
	nsv_socktab_init(&b);
	/* before: a listener, a connection, a bound socket */
	put_ns(&m, 4026531840ULL, 1, NULL, NULL, 0);
	put_diag(&m, 1, NSV_SS_LISTEN, 0, ANY, 2000, ANY, ANY, 100, 1);
	put_diag(&m, 1, NSV_SS_ESTABLISHED, 0, 1, 2000, 1, 4000, 101, 2);
	put_diag(&m, 1, NSV_SS_CLOSE, 0, ANY, 3000, ANY, ANY, 102, 3);
	put_done(&m);
	nsv_socktab_replay(&a, m.b, m.n, NULL, NULL);
	/* after: the connection closing, the bound one gone, a new one; the
	 * same cookie in another namespace is another socket */
	m.n = 0;
	put_ns(&m, 4026531840ULL, 1, NULL, NULL, 0);
	put_diag(&m, 1, NSV_SS_LISTEN, 0, ANY, 2000, ANY, ANY, 100, 1);
	put_diag(&m, 1, NSV_SS_CLOSING, 1, 1, 2000, 1, 4000, 101, 2);
	put_diag(&m, 5, NSV_SS_ESTABLISHED, 0, 1, 2000, 1, 4001, 103, 4);
	put_done(&m);
	put_ns(&m, 4026532281ULL, 0, "blue", NULL, 0);
	put_diag(&m, 1, NSV_SS_LISTEN, 0, ANY, 2000, ANY, ANY, 100, 1);
	put_done(&m);
	nsv_socktab_replay(&b, m.b, m.n, NULL, NULL);
	tap_ok(nsv_socktab_diff(&a, &b, on_event, &l) == 0, "nsv_socktab_diff");
	tap_is_str(l.text,
		   "gone 102 UNCONN\n"
		   "changed 101 CLOSING\n"
		   "new 103 ESTAB\n"
		   "new 100 LISTEN\n",
		   "gone first, then changed and new in listing order; "
		   "the namespace is part of a socket's identity");
	l.text[0] = '\0';
	nsv_socktab_diff(&b, &b, on_event, &l);
	tap_is_str(l.text, "", "a table against itself: no events");

	f = mem();
	nsv_socktab_print_sock(f, &b, 3, NSV_STAT_NETNS, "new");
	nsv_socktab_print_sock(f, &b, 2, NSV_STAT_NETNS | NSV_FMT_NUMERIC,
			       "changed");
	fclose(f);
	tap_is_str(out,
		   "new blue stream LISTEN *:2000 *:* - 100 1\n"
		   "changed (init) seqpacket ESTAB 1:2000 1:4001 - 103 4\n",
		   "an event line: the event, then the socket unaligned");
	f = mem();
	nsv_json_init(&j, f, false);
	nsv_socktab_json_event(&j, &b, 1, 0, "changed");
	fclose(f);
	tap_is_str(
		out,
		"{\"schema\":\"vsockstat/1\",\"event\":\"changed\",\"socket\":"
		"{\"netns\":\"(init)\",\"type\":\"stream\",\"state\":\"CLOSING\","
		"\"local\":{\"cid\":1,\"port\":2000,\"cid_name\":\"local\",\"port_name\":null},"
		"\"peer\":{\"cid\":1,\"port\":4000,\"cid_name\":\"local\",\"port_name\":null},"
		"\"shutdown\":[\"rcv\"],\"inode\":101,\"cookie\":2}}\n",
		"an event as JSON");
	f = mem();
	nsv_socktab_print(f, &b, NSV_STAT_ONELINE | NSV_STAT_NETNS);
	fclose(f);
	tap_is_str(out,
		   "(init) stream LISTEN *:2000 *:* - 100 1\n"
		   "(init) stream CLOSING local:2000 local:4000 rcv 101 2\n"
		   "(init) seqpacket ESTAB local:2000 local:4001 - 103 4\n"
		   "blue stream LISTEN *:2000 *:* - 100 1\n",
		   "-O: a line a socket, no title, nothing aligned");

	/* names, and -T's holders */
	nsv_names_new((struct nsv_names **)&b.names);
	nsv_names_add((struct nsv_names *)b.names, 1, "loopy");
	b.procs = calloc(2, sizeof(*b.procs));
	b.procs[0] = (struct nsv_stat_proc){ 40, 40, 5, "server" };
	b.procs[1] = (struct nsv_stat_proc){ 40, 42, 5, "worker" };
	b.nprocs = b.procs_cap = 2;
	b.socks[1].proc0 = 0;
	b.socks[1].nprocs = 2;
	f = mem();
	nsv_socktab_print(f, &b, NSV_STAT_PROCS | NSV_STAT_THREADS);
	fclose(f);
	tap_is_str(
		out,
		"Type      State   Local      Peer       Shut Inode Cookie User Process\n"
		"stream    LISTEN  *:2000     *:*        -      100      1 -    -\n"
		"stream    CLOSING loopy:2000 loopy:4000 rcv    101      2 -    server(pid=40,tid=40,fd=5),worker(pid=40,tid=42,fd=5)\n"
		"seqpacket ESTAB   loopy:2000 loopy:4001 -      103      4 -    -\n"
		"stream    LISTEN  *:2000     *:*        -      100      1 -    -\n",
		"names for CIDs; -T: every thread, with its tid and name");
	f = mem();
	nsv_json_init(&j, f, false);
	nsv_socktab_json_event(&j, &b, 1, NSV_STAT_PROCS | NSV_STAT_THREADS,
			       "new");
	fclose(f);
	tap_ok(out && strstr(out, "\"cid_name\":\"loopy\"") &&
		       strstr(out,
			      "\"processes\":[{\"pid\":40,\"name\":"
			      "\"server\",\"fd\":5,\"tid\":40},{\"pid\":40,"
			      "\"name\":\"worker\",\"fd\":5,\"tid\":42}]"),
	       "JSON: the name beside the CID, tid beside each holder");
	nsv_names_free((struct nsv_names *)b.names);
	nsv_socktab_free(&a);
	nsv_socktab_free(&b);
}

static void test_vmtab(void)
{
	const struct nsv_vm v[] = {
		{ .pid = 101,
		  .vmm = NSV_VMM_QEMU,
		  .has_cid = true,
		  .cid = 5,
		  .kernel = true,
		  .name = "web1" },
		{ .pid = 3001,
		  .vmm = NSV_VMM_FIRECRACKER,
		  .has_cid = true,
		  .cid = 3,
		  .name = "fc1",
		  .uds = "/run/fc1.vsock" },
		{ .pid = 7, .vmm = NSV_VMM_CLOUD_HYPERVISOR },
	};
	struct nsv_json j;
	FILE *f;

	f = mem();
	nsv_vmtab_print(f, v, 3, 0);
	fclose(f);
	tap_is_str(out,
		   "CID Name VMM               Pid Via\n"
		   "  5 web1 qemu              101 vhost-vsock\n"
		   "  3 fc1  firecracker      3001 /run/fc1.vsock\n"
		   "  - -    cloud-hypervisor    7 -\n",
		   "--vms: CID, name, VMM, pid, and how vsock gets there");
	f = mem();
	nsv_vmtab_print(f, v, 0, NSV_STAT_NOHEADER);
	fclose(f);
	tap_is_str(out, "", "--vms -H without VMs: nothing");
	f = mem();
	nsv_json_init(&j, f, false);
	nsv_vmtab_json(&j, v, 3);
	fclose(f);
	tap_is_str(
		out,
		"{\"schema\":\"vsockstat/1\",\"vms\":["
		"{\"cid\":5,\"name\":\"web1\",\"vmm\":\"qemu\",\"pid\":101,\"transport\":\"vhost\",\"uds_path\":null},"
		"{\"cid\":3,\"name\":\"fc1\",\"vmm\":\"firecracker\",\"pid\":3001,\"transport\":\"hybrid\",\"uds_path\":\"/run/fc1.vsock\"},"
		"{\"cid\":null,\"name\":null,\"vmm\":\"cloud-hypervisor\",\"pid\":7,\"transport\":\"hybrid\",\"uds_path\":null}]}\n",
		"--vms -j");
}

/* ------------------------------------------------------------ processes */

struct want_fd {
	uint64_t ino;
	int fd, seen;
	int tid, main_tid, thread_tid, other_tid;
};

static int find_cb(uint64_t ino, int pid, int tid, int fd, void *data)
{
	struct want_fd *w = data;

	if (ino == w->ino && pid == getpid() && fd == w->fd) {
		w->seen++;
		if (!tid)
			return 0;
		if (tid == pid)
			w->main_tid++;
		else if (tid == w->tid)
			w->thread_tid++;
		else
			w->other_tid++;
	}
	return 0;
}

static int stop_cb(uint64_t ino, int pid, int tid, int fd, void *data)
{
	(void)ino, (void)pid, (void)tid, (void)fd, (void)data;
	return -ECANCELED;
}

/* A second thread with a name of its own, holding still until told. */
struct sleeper {
	pthread_t th;
	int tid;
	int ready[2], stop[2];
};

static void *sleeper_run(void *arg)
{
	struct sleeper *s = arg;
	char c;

	prctl(PR_SET_NAME, "vss-worker");
	s->tid = (int)syscall(SYS_gettid);
	if (write(s->ready[1], "r", 1) != 1)
		return NULL;
	/* until the main thread closes the write end */
	while (read(s->stop[0], &c, 1) > 0)
		;
	return NULL;
}

static void test_proc(void)
{
	struct nsv_socktab t;
	struct want_fd w = { 0 };
	struct bytes m = { .n = 0 };
	struct sleeper sl = { 0 };
	char c;
	int r;
	struct stat st;
	char comm[16], self[17] = "";
	uint32_t uid = 12345;
	int sv[2];

	/* AF_UNIX stands in for vsock: /proc shows every socket alike. */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 ||
	    fstat(sv[1], &st) < 0) {
		tap_ok(0, "socketpair");
		return;
	}
	w.ino = st.st_ino;
	w.fd = sv[1];
	tap_ok(nsv_proc_sockets(false, find_cb, &w) == 0 && w.seen == 1 &&
		       !w.main_tid && !w.thread_tid && !w.other_tid,
	       "the /proc walk finds our own socket, pid and fd (no tid)");
	tap_is_int(nsv_proc_sockets(false, stop_cb, NULL), -ECANCELED,
		   "a callback error stops the walk");
	/* The kernel's name for us, through another door than /proc. */
	prctl(PR_GET_NAME, self);
	tap_ok(nsv_proc_comm(getpid(), 0, comm, sizeof(comm)) > 0 &&
		       !strcmp(comm, self),
	       "comm of ourselves (%s), without the newline", self);
	tap_is_int(nsv_proc_comm(0x7ffffff0, 0, comm, sizeof(comm)), -ESRCH,
		   "comm of a pid that does not exist is -ESRCH");

	/* -T: every thread that holds the table, each with its tid. */
	if (pipe(sl.ready) < 0 || pipe(sl.stop) < 0 ||
	    pthread_create(&sl.th, NULL, sleeper_run, &sl) != 0 ||
	    read(sl.ready[0], &c, 1) != 1) {
		tap_ok(0, "a second thread");
	} else {
		w.tid = sl.tid;
		w.seen = 0;
		r = nsv_proc_sockets(true, find_cb, &w);
		tap_ok(r == 0 && w.seen == 2 && w.main_tid == 1 &&
			       w.thread_tid == 1 && !w.other_tid,
		       "with threads: the socket once per thread, main "
		       "thread and worker (tid %d), seen %d",
		       sl.tid, w.seen);
		tap_ok(nsv_proc_comm(getpid(), sl.tid, comm, sizeof(comm)) >
				       0 &&
			       !strcmp(comm, "vss-worker"),
		       "a thread's own name: %s", comm);
		close(sl.stop[1]);
		pthread_join(sl.th, NULL);
		close(sl.stop[0]);
		close(sl.ready[0]);
		close(sl.ready[1]);
	}
	tap_ok(nsv_proc_fd_uid(getpid(), sv[1], &uid) == 0 && uid == getuid(),
	       "the socket's owner is our uid");

	/* A table whose second socket has our socket's inode. */
	put_diag(&m, 1, 10, 0, ANY, 1, ANY, ANY, 1, 1);
	put_diag(&m, 1, 1, 0, 1, 2, 1, 3, (uint32_t)st.st_ino, 2);
	put_done(&m);
	nsv_socktab_init(&t);
	nsv_socktab_replay(&t, m.b, m.n, NULL, NULL);
	tap_is_int(nsv_socktab_procs(&t, false), 0, "nsv_socktab_procs");
	tap_ok(t.socks[0].nprocs == 0 && !t.socks[0].has_uid,
	       "a socket nobody holds has no process");
	tap_ok(t.socks[1].nprocs == 1 &&
		       t.procs[t.socks[1].proc0].pid == getpid() &&
		       t.procs[t.socks[1].proc0].fd == sv[1] &&
		       !strcmp(t.procs[t.socks[1].proc0].comm, self) &&
		       t.socks[1].has_uid && t.socks[1].uid == getuid(),
	       "our socket is ours: pid, fd, comm and uid");
	if (getuid() == 0)
		tap_is_str(nsv_socktab_user(&t, 0), "root", "uid 0 is root");
	else
		tap_skip(
			"uid 0 is root: only a run as root holds a socket of uid 0");
	nsv_socktab_free(&t);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	test_parse();
	test_parse_bad();
	test_names();
	test_filters();
	test_replay();
	test_mutations();
	test_print();
	test_modes();
	test_domains();
	test_events();
	test_vmtab();
	test_proc();
	return tap_done();
}
