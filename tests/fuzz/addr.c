// SPDX-License-Identifier: GPL-2.0-or-later
/* Fuzz target: CIDs, ports, CID:PORT, seconds and vsockstat's filter lists. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "addr.h"
#include "cli.h"
#include "fuzz.h"
#include "vsockstat/diag.h"

/*
 * The input is one command-line word. Promises checked: a parsed CID, port
 * or address formats back (numerically) into a word that parses to the
 * same value; no parser writes its result on failure; a filter list never
 * holds more than NSV_FILTER_MAX values.
 */

static void addr_roundtrip(const char *s)
{
	struct nsv_addr a = { 7, 7, NSV_SOCK_UNSPEC }, b;
	char buf[NSV_ADDR_STRLEN];
	int n;

	if (nsv_addr_parse(s, &a) < 0) {
		NSV_FUZZ_CHECK(a.cid == 7 && a.port == 7 &&
			       a.type == NSV_SOCK_UNSPEC);
		return;
	}
	n = nsv_addr_format(a.cid, a.port, NSV_FMT_NUMERIC, buf, sizeof(buf));
	NSV_FUZZ_CHECK(n > 0 && (size_t)n == strlen(buf));
	NSV_FUZZ_CHECK(nsv_addr_parse(buf, &b) == 0);
	NSV_FUZZ_CHECK(b.cid == a.cid && b.port == a.port);
	n = nsv_addr_format(a.cid, a.port, 0, buf, sizeof(buf));
	NSV_FUZZ_CHECK(n > 0 && nsv_addr_parse(buf, &b) == 0);
	NSV_FUZZ_CHECK(b.cid == a.cid && b.port == a.port);
}

static void cid_port(const char *s)
{
	char buf[NSV_CID_STRLEN];
	uint32_t v = 12345, w;

	if (nsv_cid_parse(s, &v) == 0) {
		NSV_FUZZ_CHECK(nsv_cid_format(v, 0, buf, sizeof(buf)) > 0);
		NSV_FUZZ_CHECK(nsv_cid_parse(buf, &w) == 0 && w == v);
		NSV_FUZZ_CHECK(nsv_cid_format(v, NSV_FMT_NUMERIC, buf,
					      sizeof(buf)) > 0);
		NSV_FUZZ_CHECK(nsv_cid_parse(buf, &w) == 0 && w == v);
	} else {
		NSV_FUZZ_CHECK(v == 12345);
	}
	v = 12345;
	if (nsv_port_parse(s, &v) == 0) {
		NSV_FUZZ_CHECK(nsv_port_format(v, buf, sizeof(buf)) > 0);
		NSV_FUZZ_CHECK(nsv_port_parse(buf, &w) == 0 && w == v);
	} else {
		NSV_FUZZ_CHECK(v == 12345);
	}
}

static void lists(const char *s)
{
	struct nsv_sockfilter f;
	uint32_t mask = 0xdead;
	double secs = -1;
	int r;

	if (nsv_sk_states_parse(s, &mask) < 0)
		NSV_FUZZ_CHECK(mask == 0xdead);
	else
		NSV_FUZZ_CHECK((mask & ~NSV_SS_ALL) == 0);
	mask = 0xdead;
	if (nsv_sk_types_parse(s, &mask) < 0)
		NSV_FUZZ_CHECK(mask == 0xdead);
	memset(&f, 0, sizeof(f));
	r = nsv_sockfilter_add(&f, NSV_SF_CID, s, NULL, NULL);
	NSV_FUZZ_CHECK(r == 0 || r == -EINVAL || r == -E2BIG);
	r = nsv_sockfilter_add(&f, NSV_SF_DPORT, s, NULL, NULL);
	NSV_FUZZ_CHECK(r == 0 || r == -EINVAL || r == -E2BIG);
	NSV_FUZZ_CHECK(f.ncid <= NSV_FILTER_MAX && f.ndport <= NSV_FILTER_MAX);
	if (nsv_parse_secs(s, 1e6, &secs) == 0)
		NSV_FUZZ_CHECK(secs >= 0 && secs <= 1e6);
	else
		NSV_FUZZ_CHECK(secs == -1);
}

static int one(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	/* a word on a command line ends at its first NUL */
	addr_roundtrip(s);
	cid_port(s);
	lists(s);
	free(s);
	return 0;
}

static const char *const words[] = {
	"1:1234",
	"host:22",
	"local:*",
	"vsock:3:5000",
	"vsock::5000",
	"vsock-seqpacket:any:any",
	"vsock-stream:hypervisor:0x10",
	"VSOCK-DGRAM:0XfFfFfFfF:4294967295",
	"0x00000000ffffffff:007",
	"4294967296:1",
	"1:2:3",
	"-1:1",
	" 1:1",
	"established,listening",
	"connected,synchronized,UNCONN,listen",
	"syn-sent,,closed",
	"stream,seqpacket,dgram",
	"3,5,host,local,any,*,0x10",
	"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17",
	"1.5",
	"2e3",
	"nan",
	"inf",
	"1e999",
	"0x1p4",
	"",
	NULL,
};

static void gen(nsv_fuzz_emit emit, void *ctx)
{
	nsv_fuzz_emit_strings(emit, ctx, words);
}

static const struct nsv_fuzz_target target = {
	.name = "addr",
	.one = one,
	.gen = gen,
};
NSV_FUZZ_TARGET(target)
