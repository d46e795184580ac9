// SPDX-License-Identifier: GPL-2.0-or-later
/* Fuzz target: vsockstat's filter expressions, and what they ask the kernel for. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "vsockstat/diag.h"
#include "vsockstat/sockexpr.h"

/*
 * The input is an expression (the command line's words, or a -F file), a
 * line break, then sockets of 20 bytes each: type, state, shutdown, a pad
 * byte, then src_cid, src_port, dst_cid, dst_port (host order). Promises:
 * a refused expression points inside itself; a socket that passes the
 * expression is in one of the states nsv_sockexpr_states() asks the kernel
 * for (else vsockstat would never see it).
 */

/* Names beyond the built-in ones, as a vsock-hosts file would give them. */
static int lookup(const char *word, uint32_t *cid, void *data)
{
	(void)data;
	if (!strcmp(word, "web")) {
		*cid = 42;
		return 0;
	}
	if (!strcmp(word, "vm7")) {
		*cid = 7;
		return 0;
	}
	return -ENOENT;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static int one(const uint8_t *data, size_t size)
{
	struct nsv_fexpr_error err = { 0 };
	struct nsv_fexpr *e = NULL;
	const uint8_t *nl = memchr(data, '\n', size), *p;
	size_t elen = nl ? (size_t)(nl - data) : size, left;
	uint32_t states;
	char *expr;
	int r;

	expr = malloc(elen + 1); /* exact size: ASan sees an overread */
	if (!expr)
		abort();
	memcpy(expr, data, elen);
	expr[elen] = '\0';
	if (memchr(expr, '\0', elen)) {
		free(expr); /* no word on a command line holds a NUL */
		return 0;
	}
	r = nsv_sockexpr_parse(expr, lookup, NULL, &e, &err);
	NSV_FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOMEM);
	if (r == -EINVAL) {
		NSV_FUZZ_CHECK(err.msg[0] &&
			       memchr(err.msg, 0, sizeof(err.msg)));
		NSV_FUZZ_CHECK(err.off + err.len <= elen);
	}
	if (r < 0) {
		free(expr);
		return 0;
	}
	states = nsv_sockexpr_states(e);
	NSV_FUZZ_CHECK((states & ~NSV_SS_ALL) == 0);
	p = nl ? nl + 1 : data + size;
	for (left = size - (size_t)(p - data); left >= 20;
	     left -= 20, p += 20) {
		struct nsv_diag_sock s = {
			.type = p[0],
			.state = p[1] % 12, /* the kernel's states, 0..11 */
			.shutdown = p[2] & 3,
			.src_cid = le32(p + 4),
			.src_port = le32(p + 8),
			.dst_cid = le32(p + 12),
			.dst_port = le32(p + 16),
		};

		if (nsv_sockexpr_match(e, &s))
			NSV_FUZZ_CHECK(states & 1U << s.state);
	}
	nsv_fexpr_free(e);
	free(expr);
	return 0;
}

/* Each expression is emitted with three sockets after it. */
static const char *const exprs[] = {
	"",
	"state listening",
	"not state listening",
	"not (state listening and sport 5)",
	"state established or state syn-sent",
	"state connected and dport > 1023",
	"sport = 22 or dport == 22",
	"sport >= 1024 and sport <= 2048",
	"src 3 and dst host",
	"src web:80",
	"dst vm7:*",
	"cid local and port 1234",
	"type stream and not type seqpacket",
	"( state listening or state closing ) and not ( cid 2 )",
	"not not not state unconn",
	"state",
	"sport >",
	"src nosuch",
	"state bogus",
	"((((state listening",
	"port 99999999999",
	NULL,
};

static void gen(nsv_fuzz_emit emit, void *ctx)
{
	static const uint8_t socks[60] = {
		1, 10,	 0,    0,    1,	   0,	 0,    0,    22,   0, 0,
		0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* a stream listener on local:22 */
		1, 1,	 0,    0,    3,	   0,	 0,    0,    0,	   4, 0,
		0, 42,	 0,    0,    0,	   80,	 0,    0,    0, /* established 3:1024 -> 42:80 */
		5, 7,	 3,    0,    2,	   0,	 0,    0,    5,	   0, 0,
		0, 7,	 0,    0,    0,	   5,	 0,    0,    0, /* a seqpacket closing, shut down both ways */
	};
	char buf[256];
	size_t i, n;

	for (i = 0; exprs[i]; i++) {
		n = strlen(exprs[i]);
		memcpy(buf, exprs[i], n);
		buf[n] = '\n';
		memcpy(buf + n + 1, socks, sizeof(socks));
		if (emit(buf, n + 1 + sizeof(socks), ctx))
			return;
	}
}

static const struct nsv_fuzz_target target = {
	.name = "sockexpr",
	.one = one,
	.gen = gen,
};
NSV_FUZZ_TARGET(target)
