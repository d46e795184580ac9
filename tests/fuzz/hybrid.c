// SPDX-License-Identifier: GPL-2.0-or-later
/* Fuzz target: hybrid vsock's CONNECT lines and the VMM's answers to them. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "lib/hybrid.h"

/*
 * The input is everything the VMM sends before it closes, played into a
 * Unix socketpair. Promises: the handshake consumes exactly the answer line
 * and not one byte more (what follows belongs to the relay); it succeeds
 * only for what nsv_hybrid_answer_parse() takes; the quoted answer is a
 * printable, NUL-terminated line. The first line is also read as a
 * client's request, as vsockdump's relay reads it: a port it takes is one
 * nsv_hybrid_request() writes and reads back the same.
 */

static void request(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t len = nl ? (size_t)(nl - data) + 1 : size;
	uint32_t port = 7, back = 0;
	char buf[32], *line;
	int r, n;

	line = malloc(len ? len : 1); /* exact size: ASan sees overreads */
	if (!line)
		abort();
	memcpy(line, data, len);
	r = nsv_hybrid_request_parse(line, len, &port);
	NSV_FUZZ_CHECK(r == 0 || r == -EPROTO);
	if (r == 0) {
		NSV_FUZZ_CHECK(nl && len > 9 && !memcmp(line, "CONNECT ", 8));
		n = nsv_hybrid_request(port, buf, sizeof(buf));
		NSV_FUZZ_CHECK(n > 0 && (size_t)n < sizeof(buf));
		NSV_FUZZ_CHECK(
			nsv_hybrid_request_parse(buf, (size_t)n, &back) == 0 &&
			back == port);
	} else {
		NSV_FUZZ_CHECK(port == 7);
	}
	free(line);
}

static int one(const uint8_t *data, size_t size)
{
	char answer[64], req[32], rest[8192];
	uint32_t port = 0, want_port = 0;
	const uint8_t *nl;
	size_t line, left, got = 0, i;
	ssize_t n;
	int sv[2], r, want;

	request(data, size);
	if (size > 4096)
		return 0; /* more than the socket holds without a reader */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	if (size && write(sv[1], data, size) != (ssize_t)size)
		abort();
	shutdown(sv[1], SHUT_WR);
	r = nsv_hybrid_handshake(sv[0], 52, 5000, &port, answer,
				 sizeof(answer));
	n = read(sv[1], req, sizeof(req));
	NSV_FUZZ_CHECK(n == 11 && !memcmp(req, "CONNECT 52\n", 11));

	nl = memchr(data, '\n', size);
	line = nl ? (size_t)(nl - data) + 1 : size;
	if (line > NSV_HYBRID_LINE_MAX ||
	    (!nl && line == NSV_HYBRID_LINE_MAX)) {
		/* too long an answer: refused after the first 128 bytes */
		NSV_FUZZ_CHECK(r == -EPROTO);
		line = NSV_HYBRID_LINE_MAX;
	} else if (!nl) {
		NSV_FUZZ_CHECK(r == -ECONNRESET);
	} else {
		want = nsv_hybrid_answer_parse((const char *)data, line,
					       &want_port);
		NSV_FUZZ_CHECK(r == want);
		NSV_FUZZ_CHECK(r < 0 || port == want_port);
	}
	/* what the relay gets: every byte after the line */
	shutdown(sv[0], SHUT_WR);
	while ((n = read(sv[0], rest + got, sizeof(rest) - got)) > 0)
		got += (size_t)n;
	left = size - line;
	NSV_FUZZ_CHECK(got == left && !memcmp(rest, data + line, left));
	NSV_FUZZ_CHECK(memchr(answer, 0, sizeof(answer)));
	for (i = 0; answer[i]; i++)
		NSV_FUZZ_CHECK((unsigned char)answer[i] >= 0x20 &&
			       answer[i] != 0x7f);
	close(sv[0]);
	close(sv[1]);
	return 0;
}

static const char *const answers[] = {
	"OK 1073741824\n",
	"OK\n",
	"OK 1073741824\r\nhello from the guest",
	"OK 4294967295\n",
	"OK 4294967296\n",
	"OK -1\n",
	"OK *\n",
	"OK 12 \n",
	"OKAY\n",
	"ok 5\n",
	"FAILURE connection refused\n",
	"\n",
	"\r\n",
	"OK 5",
	"",
	"OK 0x10\n\x01\x02\x03",
	"CONNECT 52\n",
	"CONNECT 4294967295\r\nhello",
	"CONNECT 4294967296\n",
	"CONNECT -1\n",
	"CONNECT  52\n",
	"connect 52\n",
	NULL,
};

static void gen(nsv_fuzz_emit emit, void *ctx)
{
	char longline[200];

	if (nsv_fuzz_emit_strings(emit, ctx, answers))
		return;
	memset(longline, 'x', sizeof(longline));
	longline[sizeof(longline) - 1] = '\n';
	emit(longline, sizeof(longline), ctx);
}

static const struct nsv_fuzz_target target = {
	.name = "hybrid",
	.one = one,
	.gen = gen,
};
NSV_FUZZ_TARGET(target)
