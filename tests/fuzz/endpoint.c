// SPDX-License-Identifier: GPL-2.0-or-later
/* Fuzz target: vncat's endpoints (vsock:, tcp:, unix:, hybrid:). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "vncat/endpoint.h"

/*
 * The input is one relay endpoint word. Promises: a parsed endpoint formats
 * into a word that parses to the same endpoint (the socket type of a
 * "vsock-seqpacket:" prefix aside: it is an option, not part of the name);
 * the strings it holds are NUL-terminated within their arrays.
 */
static int one(const uint8_t *data, size_t size)
{
	struct nsv_endpoint a, b;
	char buf[512];
	char *s;
	int r, n;

	s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	r = nsv_endpoint_parse(s, &a);
	NSV_FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENAMETOOLONG);
	if (r == 0) {
		NSV_FUZZ_CHECK(memchr(a.host, 0, sizeof(a.host)));
		NSV_FUZZ_CHECK(memchr(a.service, 0, sizeof(a.service)));
		NSV_FUZZ_CHECK(memchr(a.path, 0, sizeof(a.path)));
		n = nsv_endpoint_format(&a, NSV_FMT_NUMERIC, buf, sizeof(buf));
		NSV_FUZZ_CHECK(n > 0 && (size_t)n == strlen(buf));
		NSV_FUZZ_CHECK(nsv_endpoint_parse(buf, &b) == 0);
		NSV_FUZZ_CHECK(a.kind == b.kind);
		NSV_FUZZ_CHECK(a.vsock.cid == b.vsock.cid &&
			       a.vsock.port == b.vsock.port);
		NSV_FUZZ_CHECK(!strcmp(a.host, b.host) &&
			       !strcmp(a.service, b.service) &&
			       !strcmp(a.path, b.path));
	}
	free(s);
	return 0;
}

static const char *const words[] = {
	"vsock:3:5000",
	"vsock-seqpacket:local:*",
	"vsock::22",
	"tcp:127.0.0.1:22",
	"tcp:[::1]:2222",
	"tcp::80",
	"tcp:*:65535",
	"tcp:host:65536",
	"tcp:[::1]22",
	"tcp:a:b:1",
	"unix:/run/x.sock",
	"unix:@abstract",
	"unix:@",
	"unix:",
	"hybrid:/run/fc/v.sock:52",
	"hybrid:/a:b:c:1024",
	"hybrid::1",
	"hybrid:/x:*",
	"udp:1:2",
	"",
	NULL,
};

static void gen(nsv_fuzz_emit emit, void *ctx)
{
	nsv_fuzz_emit_strings(emit, ctx, words);
}

static const struct nsv_fuzz_target target = {
	.name = "endpoint",
	.one = one,
	.gen = gen,
};
NSV_FUZZ_TARGET(target)
