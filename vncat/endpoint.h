/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vncat: endpoints (vsock, TCP, Unix, hybrid): parse, connect, listen, explain. */
#ifndef NSV_ENDPOINT_H
#define NSV_ENDPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "sock.h"

enum nsv_ep_kind {
	NSV_EP_VSOCK, /* vsock:CID:PORT */
	NSV_EP_TCP, /* tcp:HOST:PORT, tcp:[V6]:PORT */
	NSV_EP_UNIX, /* unix:PATH, unix:@ABSTRACT */
	NSV_EP_HYBRID, /* hybrid:UDS_PATH:PORT (Firecracker-style) */
};

#define NSV_UNIX_PATH_MAX 108

struct nsv_endpoint {
	enum nsv_ep_kind kind;
	struct nsv_addr vsock; /* VSOCK; HYBRID: .port is the guest port */
	char host[256]; /* TCP: name or address, "" for any */
	char service[32]; /* TCP: port */
	char path[NSV_UNIX_PATH_MAX]; /* UNIX, HYBRID: '@' first: abstract */
};

/**
 * nsv_endpoint_parse - parse an endpoint with its prefix
 *
 * "vsock:CID:PORT" (and the other nsv_addr_parse() prefixes), "tcp:HOST:PORT"
 * ("tcp::PORT" or "tcp:*:PORT" for any address, "tcp:[::1]:PORT"),
 * "unix:PATH", "hybrid:UDS_PATH:PORT" (the port after the last colon).
 * Returns 0, -EINVAL or -ENAMETOOLONG (Unix path too long).
 */
int nsv_endpoint_parse(const char *s, struct nsv_endpoint *e);

/** nsv_endpoint_parse_with - the same, CID names looked up with @lookup */
int nsv_endpoint_parse_with(const char *s, struct nsv_endpoint *e,
			    nsv_cid_lookup_fn lookup, void *data);

/** nsv_endpoint_format - the endpoint as it would be parsed; length or -ENOSPC */
int nsv_endpoint_format(const struct nsv_endpoint *e, unsigned int flags,
			char *buf, size_t len);

/**
 * nsv_endpoint_connect - connect to @e
 * @c: socket options; for TCP, Unix and hybrid only type (Unix sockets are
 *     SOCK_SEQPACKET when @c->type is), timeout_ms and retry_ms count
 * @host_port: for a hybrid endpoint, the port of the "OK PORT" answer (may be
 *     NULL)
 * @answer: for a hybrid endpoint whose handshake failed, what came back
 *     (may be NULL)
 *
 * Hybrid endpoints connect to the Unix socket and run nsv_hybrid_handshake().
 * TCP names are resolved here: a name that does not resolve gives -ENXIO.
 * Returns a connected, close-on-exec, blocking fd or -errno.
 */
int nsv_endpoint_connect(const struct nsv_endpoint *e,
			 const struct nsv_sock_cfg *c, nsv_retry_fn on_retry,
			 void *arg, uint32_t *host_port, char *answer,
			 size_t answer_len);

/**
 * nsv_endpoint_listen - listen on @e
 *
 * vsock listens on @e's CID and port with @c's type and buffer size; a
 * hybrid endpoint listens on the Unix socket "UDS_PATH_PORT" where the VMM
 * delivers guest-initiated connections. A Unix socket file left by a dead
 * listener (connect refused) is replaced; a live one gives -EADDRINUSE.
 * Returns the fd or -errno.
 */
int nsv_endpoint_listen(const struct nsv_endpoint *e,
			const struct nsv_sock_cfg *c, int backlog);

/**
 * nsv_endpoint_explain - one line saying why connecting to or listening on @e
 * failed (vsock errors go through nsv_sock_explain()); length or -ENOSPC
 */
int nsv_endpoint_explain(int err, enum nsv_sock_op op,
			 const struct nsv_endpoint *e,
			 const struct nsv_sock_cfg *c, unsigned int transports,
			 const char *answer, char *buf, size_t len);

#endif /* NSV_ENDPOINT_H */
