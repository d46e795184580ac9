/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnsvsock: vsock addresses (CID, port, socket type), parsed and formatted. */
#ifndef NSV_ADDR_H
#define NSV_ADDR_H

#include <stddef.h>
#include <stdint.h>

#define NSV_CID_ANY 0xffffffffU
#define NSV_CID_HYPERVISOR 0U
#define NSV_CID_LOCAL 1U
#define NSV_CID_HOST 2U
#define NSV_PORT_ANY 0xffffffffU

/* Socket type named by an address prefix such as "vsock-seqpacket:". */
enum nsv_socktype {
	NSV_SOCK_UNSPEC = 0,
	NSV_SOCK_STREAM = 1, /* SOCK_STREAM */
	NSV_SOCK_DGRAM = 2, /* SOCK_DGRAM */
	NSV_SOCK_SEQPACKET = 5, /* SOCK_SEQPACKET */
};

struct nsv_addr {
	uint32_t cid;
	uint32_t port;
	enum nsv_socktype type; /* NSV_SOCK_UNSPEC unless the prefix said */
};

/* Formatting flags. */
#define NSV_FMT_NUMERIC 0x1 /* numbers instead of CID names */

/* Longest formatted CID or port ("hypervisor", "4294967295") plus NUL. */
#define NSV_CID_STRLEN 16
/* Longest formatted "CID:PORT" plus NUL. */
#define NSV_ADDR_STRLEN 32

/**
 * nsv_cid_parse - parse a context id
 * @s: "any", "*", "hypervisor", "local", "host", decimal or 0x-hex
 * @cid: result
 *
 * Returns 0, or -EINVAL for empty, negative, out-of-range (> 2^32-1) or
 * trailing-garbage input.
 */
int nsv_cid_parse(const char *s, uint32_t *cid);

/**
 * nsv_port_parse - parse a port: decimal, 0x-hex, or "*"/"any" for any port
 *
 * Returns 0 or -EINVAL, with the same rules as nsv_cid_parse().
 */
int nsv_port_parse(const char *s, uint32_t *port);

/**
 * nsv_addr_parse - parse "CID:PORT" or systemd's "vsock:CID:PORT"
 *
 * Also takes "vsock-stream:", "vsock-dgram:" and "vsock-seqpacket:" (which
 * set @a->type) and an empty CID after a prefix ("vsock::PORT" means any CID).
 * Returns 0 or -EINVAL.
 */
int nsv_addr_parse(const char *s, struct nsv_addr *a);

/*
 * A second step for a CID word nsv_cid_parse() refuses, such as a name from
 * a names file: 0 and *@cid, or -ENOENT when @word names no CID. The parsers
 * above never look names up themselves.
 */
typedef int (*nsv_cid_lookup_fn)(const char *word, uint32_t *cid, void *data);

/**
 * nsv_addr_parse_with - nsv_addr_parse(), then @lookup for a CID it refuses
 * @lookup: called with @data for the CID part only (may be NULL)
 *
 * Returns 0, -EINVAL, or what @lookup returned.
 */
int nsv_addr_parse_with(const char *s, struct nsv_addr *a,
			nsv_cid_lookup_fn lookup, void *data);

/**
 * nsv_cid_format - write a CID into @buf
 *
 * Prints "*" for any, and the names hypervisor/local/host unless
 * NSV_FMT_NUMERIC is set. Returns the length written or -ENOSPC.
 */
int nsv_cid_format(uint32_t cid, unsigned int flags, char *buf, size_t len);

/** nsv_port_format - write a port ("*" for any); returns length or -ENOSPC */
int nsv_port_format(uint32_t port, char *buf, size_t len);

/** nsv_addr_format - write "CID:PORT"; returns length or -ENOSPC */
int nsv_addr_format(uint32_t cid, uint32_t port, unsigned int flags, char *buf,
		    size_t len);

#endif /* NSV_ADDR_H */
