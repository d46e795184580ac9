// SPDX-License-Identifier: LGPL-2.1-or-later
/* vsock addresses: parse and format CIDs, ports and CID:PORT. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"

static const struct {
	const char *name;
	uint32_t cid;
} cid_names[] = {
	{ "any", NSV_CID_ANY },
	{ "hypervisor", NSV_CID_HYPERVISOR },
	{ "local", NSV_CID_LOCAL },
	{ "host", NSV_CID_HOST },
};

/*
 * strtoul() accepts leading blanks, a sign and wraps negative numbers, which
 * is exactly what an address parser must refuse, so digits are read here.
 */
static int parse_u32(const char *s, size_t n, uint32_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;
	size_t i = 0;

	if (n == 0)
		return -EINVAL;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	for (; i < n; i++) {
		unsigned int d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -EINVAL;
		v = v * base + d;
		if (v > UINT32_MAX)
			return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

static int parse_cid_n(const char *s, size_t n, uint32_t *cid)
{
	size_t i;

	if (n == 1 && s[0] == '*') {
		*cid = NSV_CID_ANY;
		return 0;
	}
	for (i = 0; i < sizeof(cid_names) / sizeof(cid_names[0]); i++) {
		if (strlen(cid_names[i].name) == n &&
		    !strncasecmp(s, cid_names[i].name, n)) {
			*cid = cid_names[i].cid;
			return 0;
		}
	}
	return parse_u32(s, n, cid);
}

static int parse_port_n(const char *s, size_t n, uint32_t *port)
{
	if ((n == 1 && s[0] == '*') || (n == 3 && !strncasecmp(s, "any", 3))) {
		*port = NSV_PORT_ANY;
		return 0;
	}
	return parse_u32(s, n, port);
}

int nsv_cid_parse(const char *s, uint32_t *cid)
{
	if (!s || !cid)
		return -EINVAL;
	return parse_cid_n(s, strlen(s), cid);
}

int nsv_port_parse(const char *s, uint32_t *port)
{
	if (!s || !port)
		return -EINVAL;
	return parse_port_n(s, strlen(s), port);
}

static const struct {
	const char *prefix;
	enum nsv_socktype type;
} addr_prefixes[] = {
	{ "vsock:", NSV_SOCK_UNSPEC },
	{ "vsock-stream:", NSV_SOCK_STREAM },
	{ "vsock-dgram:", NSV_SOCK_DGRAM },
	{ "vsock-seqpacket:", NSV_SOCK_SEQPACKET },
};

int nsv_addr_parse(const char *s, struct nsv_addr *a)
{
	return nsv_addr_parse_with(s, a, NULL, NULL);
}

/* The CID part of an address: the numbers and built-in names, then @lookup. */
static int cid_word(const char *s, size_t n, uint32_t *cid,
		    nsv_cid_lookup_fn lookup, void *data)
{
	char w[256];

	if (!parse_cid_n(s, n, cid))
		return 0;
	if (!lookup || n >= sizeof(w))
		return -EINVAL;
	memcpy(w, s, n);
	w[n] = '\0';
	return lookup(w, cid, data);
}

int nsv_addr_parse_with(const char *s, struct nsv_addr *a,
			nsv_cid_lookup_fn lookup, void *data)
{
	enum nsv_socktype type = NSV_SOCK_UNSPEC;
	bool prefixed = false;
	const char *colon;
	uint32_t cid, port;
	size_t i;
	int r;

	if (!s || !a)
		return -EINVAL;
	for (i = 0; i < sizeof(addr_prefixes) / sizeof(addr_prefixes[0]); i++) {
		size_t n = strlen(addr_prefixes[i].prefix);

		if (!strncasecmp(s, addr_prefixes[i].prefix, n)) {
			s += n;
			type = addr_prefixes[i].type;
			prefixed = true;
			break;
		}
	}
	colon = strchr(s, ':');
	if (!colon || strchr(colon + 1, ':'))
		return -EINVAL;
	if (colon == s && prefixed)
		cid = NSV_CID_ANY; /* systemd: "vsock::PORT" */
	else if ((r = cid_word(s, (size_t)(colon - s), &cid, lookup, data)) < 0)
		return r;
	r = parse_port_n(colon + 1, strlen(colon + 1), &port);
	if (r < 0)
		return r;
	a->cid = cid;
	a->port = port;
	a->type = type;
	return 0;
}

static int put(char *buf, size_t len, int n)
{
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

int nsv_cid_format(uint32_t cid, unsigned int flags, char *buf, size_t len)
{
	if (!buf)
		return -EINVAL;
	if (cid == NSV_CID_ANY)
		return put(buf, len, snprintf(buf, len, "*"));
	if (!(flags & NSV_FMT_NUMERIC)) {
		size_t i;

		/* index 0 is "any", already printed as the wildcard */
		for (i = 1; i < sizeof(cid_names) / sizeof(cid_names[0]); i++)
			if (cid_names[i].cid == cid)
				return put(buf, len,
					   snprintf(buf, len, "%s",
						    cid_names[i].name));
	}
	return put(buf, len, snprintf(buf, len, "%u", cid));
}

int nsv_port_format(uint32_t port, char *buf, size_t len)
{
	if (!buf)
		return -EINVAL;
	if (port == NSV_PORT_ANY)
		return put(buf, len, snprintf(buf, len, "*"));
	return put(buf, len, snprintf(buf, len, "%u", port));
}

int nsv_addr_format(uint32_t cid, uint32_t port, unsigned int flags, char *buf,
		    size_t len)
{
	int n, m;

	n = nsv_cid_format(cid, flags, buf, len);
	if (n < 0)
		return n;
	if ((size_t)n + 1 >= len)
		return -ENOSPC;
	buf[n] = ':';
	m = nsv_port_format(port, buf + n + 1, len - n - 1);
	if (m < 0)
		return m;
	return n + 1 + m;
}
