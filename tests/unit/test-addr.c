// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: parsing and formatting vsock CIDs, ports and addresses. */
#include "config.h"

#include <errno.h>

#include "addr.h"
#include "tap.h"

static const struct {
	const char *in;
	int ret;
	uint32_t cid;
} cid_cases[] = {
	{ "0", 0, 0 },
	{ "1", 0, 1 },
	{ "2", 0, 2 },
	{ "3", 0, 3 },
	{ "4294967295", 0, 0xffffffffU },
	{ "4294967294", 0, 0xfffffffeU },
	{ "0x0", 0, 0 },
	{ "0x10", 0, 16 },
	{ "0XfF", 0, 255 },
	{ "0xffffffff", 0, 0xffffffffU },
	{ "0x00000000ffffffff", 0, 0xffffffffU },
	{ "007", 0, 7 },
	{ "any", 0, NSV_CID_ANY },
	{ "ANY", 0, NSV_CID_ANY },
	{ "*", 0, NSV_CID_ANY },
	{ "hypervisor", 0, NSV_CID_HYPERVISOR },
	{ "local", 0, NSV_CID_LOCAL },
	{ "Local", 0, NSV_CID_LOCAL },
	{ "host", 0, NSV_CID_HOST },
	{ "", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "+1", -EINVAL, 0 },
	{ " 1", -EINVAL, 0 },
	{ "1 ", -EINVAL, 0 },
	{ "4294967296", -EINVAL, 0 },
	{ "99999999999999999999", -EINVAL, 0 },
	{ "0x100000000", -EINVAL, 0 },
	{ "0x", -EINVAL, 0 },
	{ "0xg", -EINVAL, 0 },
	{ "12abc", -EINVAL, 0 },
	{ "hosts", -EINVAL, 0 },
	{ "hos", -EINVAL, 0 },
	{ "**", -EINVAL, 0 },
	{ "3:", -EINVAL, 0 },
	{ "1.5", -EINVAL, 0 },
};

static const struct {
	const char *in;
	int ret;
	uint32_t port;
} port_cases[] = {
	{ "1234", 0, 1234 },	      { "0", 0, 0 },
	{ "0x400", 0, 1024 },	      { "*", 0, NSV_PORT_ANY },
	{ "any", 0, NSV_PORT_ANY },   { "4294967295", 0, 0xffffffffU },
	{ "", -EINVAL, 0 },	      { "-5", -EINVAL, 0 },
	{ "4294967296", -EINVAL, 0 }, { "80x", -EINVAL, 0 },
	{ "host", -EINVAL, 0 },
};

static const struct {
	const char *in;
	int ret;
	uint32_t cid, port;
	enum nsv_socktype type;
} addr_cases[] = {
	{ "3:1234", 0, 3, 1234, NSV_SOCK_UNSPEC },
	{ "vsock:2:22", 0, 2, 22, NSV_SOCK_UNSPEC },
	{ "VSOCK:2:22", 0, 2, 22, NSV_SOCK_UNSPEC },
	{ "host:5000", 0, 2, 5000, NSV_SOCK_UNSPEC },
	{ "local:0x10", 0, 1, 16, NSV_SOCK_UNSPEC },
	{ "*:*", 0, NSV_CID_ANY, NSV_PORT_ANY, NSV_SOCK_UNSPEC },
	{ "any:80", 0, NSV_CID_ANY, 80, NSV_SOCK_UNSPEC },
	{ "vsock::1024", 0, NSV_CID_ANY, 1024, NSV_SOCK_UNSPEC },
	{ "vsock-stream:3:1", 0, 3, 1, NSV_SOCK_STREAM },
	{ "vsock-seqpacket:local:9", 0, 1, 9, NSV_SOCK_SEQPACKET },
	{ "vsock-dgram:2:53", 0, 2, 53, NSV_SOCK_DGRAM },
	{ "0xffffffff:0", 0, NSV_CID_ANY, 0, NSV_SOCK_UNSPEC },
	{ "", -EINVAL, 0, 0, 0 },
	{ ":", -EINVAL, 0, 0, 0 },
	{ ":80", -EINVAL, 0, 0, 0 },
	{ "3:", -EINVAL, 0, 0, 0 },
	{ "3", -EINVAL, 0, 0, 0 },
	{ "vsock:", -EINVAL, 0, 0, 0 },
	{ "vsock:3", -EINVAL, 0, 0, 0 },
	{ "3:4:5", -EINVAL, 0, 0, 0 },
	{ "vsock:3:4:5", -EINVAL, 0, 0, 0 },
	{ "tcp:3:4", -EINVAL, 0, 0, 0 },
	{ "-1:80", -EINVAL, 0, 0, 0 },
	{ "3:-80", -EINVAL, 0, 0, 0 },
	{ "4294967296:1", -EINVAL, 0, 0, 0 },
	{ "3:4294967296", -EINVAL, 0, 0, 0 },
	{ "3:80 ", -EINVAL, 0, 0, 0 },
	{ "vsock-raw:3:4", -EINVAL, 0, 0, 0 },
};

static const struct {
	uint32_t cid, port;
	unsigned int flags;
	const char *out;
} fmt_cases[] = {
	{ 2, 1234, 0, "host:1234" },
	{ 2, 1234, NSV_FMT_NUMERIC, "2:1234" },
	{ 1, 5, 0, "local:5" },
	{ 1, 5, NSV_FMT_NUMERIC, "1:5" },
	{ 0, 7, 0, "hypervisor:7" },
	{ 0, 7, NSV_FMT_NUMERIC, "0:7" },
	{ 3, 1024, 0, "3:1024" },
	{ NSV_CID_ANY, NSV_PORT_ANY, 0, "*:*" },
	{ NSV_CID_ANY, NSV_PORT_ANY, NSV_FMT_NUMERIC, "*:*" },
	{ 4294967294U, 4294967294U, 0, "4294967294:4294967294" },
};

int main(void)
{
	char buf[NSV_ADDR_STRLEN];
	size_t i;

	for (i = 0; i < sizeof(cid_cases) / sizeof(cid_cases[0]); i++) {
		uint32_t cid = 0xdeadbeef;
		int r = nsv_cid_parse(cid_cases[i].in, &cid);

		if (cid_cases[i].ret)
			tap_is_int(r, cid_cases[i].ret, "cid '%s' is rejected",
				   cid_cases[i].in);
		else
			tap_ok(r == 0 && cid == cid_cases[i].cid,
			       "cid '%s' = %u (got r=%d cid=%u)",
			       cid_cases[i].in, cid_cases[i].cid, r, cid);
	}
	for (i = 0; i < sizeof(port_cases) / sizeof(port_cases[0]); i++) {
		uint32_t port = 0xdeadbeef;
		int r = nsv_port_parse(port_cases[i].in, &port);

		if (port_cases[i].ret)
			tap_is_int(r, port_cases[i].ret,
				   "port '%s' is rejected", port_cases[i].in);
		else
			tap_ok(r == 0 && port == port_cases[i].port,
			       "port '%s' = %u (got r=%d port=%u)",
			       port_cases[i].in, port_cases[i].port, r, port);
	}
	for (i = 0; i < sizeof(addr_cases) / sizeof(addr_cases[0]); i++) {
		struct nsv_addr a = { 7, 7, 7 };
		int r = nsv_addr_parse(addr_cases[i].in, &a);

		if (addr_cases[i].ret)
			tap_ok(r == addr_cases[i].ret && a.cid == 7 &&
				       a.port == 7,
			       "address '%s' is rejected and left untouched",
			       addr_cases[i].in);
		else
			tap_ok(r == 0 && a.cid == addr_cases[i].cid &&
				       a.port == addr_cases[i].port &&
				       a.type == addr_cases[i].type,
			       "address '%s' = %u:%u type %d (got %d %u:%u %d)",
			       addr_cases[i].in, addr_cases[i].cid,
			       addr_cases[i].port, addr_cases[i].type, r, a.cid,
			       a.port, a.type);
	}
	for (i = 0; i < sizeof(fmt_cases) / sizeof(fmt_cases[0]); i++) {
		int r = nsv_addr_format(fmt_cases[i].cid, fmt_cases[i].port,
					fmt_cases[i].flags, buf, sizeof(buf));

		tap_ok(r == (int)strlen(fmt_cases[i].out) &&
			       !strcmp(buf, fmt_cases[i].out),
		       "format %u:%u flags %u = '%s' (got %d '%s')",
		       fmt_cases[i].cid, fmt_cases[i].port, fmt_cases[i].flags,
		       fmt_cases[i].out, r, r >= 0 ? buf : "");
	}

	/* Round trip: what we print, we parse back to the same numbers. */
	for (i = 0; i < sizeof(fmt_cases) / sizeof(fmt_cases[0]); i++) {
		struct nsv_addr a;

		nsv_addr_format(fmt_cases[i].cid, fmt_cases[i].port,
				fmt_cases[i].flags, buf, sizeof(buf));
		tap_ok(nsv_addr_parse(buf, &a) == 0 &&
			       a.cid == fmt_cases[i].cid &&
			       a.port == fmt_cases[i].port,
		       "'%s' parses back", buf);
	}

	/* Small buffers are refused, never overrun. */
	tap_is_int(nsv_addr_format(2, 1234, 0, buf, 9), -ENOSPC,
		   "'host:1234' needs 10 bytes: 9 is -ENOSPC");
	tap_is_int(nsv_addr_format(2, 1234, 0, buf, 10), 9,
		   "'host:1234' fits in 10 bytes");
	tap_is_int(nsv_cid_format(2, 0, buf, 4), -ENOSPC,
		   "'host' does not fit in 4 bytes");
	tap_is_int(nsv_cid_format(12345, 0, buf, 0), -ENOSPC,
		   "a zero-length buffer is -ENOSPC");
	tap_is_int(nsv_cid_parse(NULL, NULL), -EINVAL, "NULL input is -EINVAL");
	return tap_done();
}
