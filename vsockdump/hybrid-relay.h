/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vsockdump: a recording relay for hybrid vsock (Firecracker, Cloud Hypervisor). */
#ifndef NSV_HYBRID_RELAY_H
#define NSV_HYBRID_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source.h"

/* The guest CID frames name when none is given (the first guest CID). */
#define NSV_HRELAY_GUEST_CID 3
/* What a socket moved aside by --takeover is called while we run. */
#define NSV_HRELAY_ASIDE ".vsockdump-aside"

/* Guest-initiated connections to host port @port. */
struct nsv_hrelay_port {
	uint32_t port;
	const char *app; /* where the host application listens; NULL with
			    @takeover: the socket at VMM_PATH_PORT, moved aside */
};

struct nsv_hrelay_opts {
	const char *vmm; /* the VMM's hybrid vsock socket */
	const char *listen; /* host-initiated: clients connect here */
	const struct nsv_hrelay_port *ports;
	size_t nports;
	bool takeover; /* swap our sockets in at the VMM's paths */
	uint32_t guest_cid;
	unsigned int snaplen; /* 0: NSV_SNAPLEN_MAX */
	/* frames may leave their payload in a pipe (nsv_pkt.piped): only
	 * a writer reads it, nothing prints it */
	bool pipe_payload;
	/* told of a connection that was refused or failed (one line) */
	void (*notice)(void *user, const char *msg);
	void *user;
};

struct nsv_hrelay;

/**
 * nsv_hrelay_open - listen where clients and the VMM will connect
 * @err: receives a one-line reason on failure
 *
 * Host-initiated: clients connect to @o->listen (or, with @o->takeover,
 * to @o->vmm itself while the VMM's socket waits at VMM NSV_HRELAY_ASIDE),
 * and each connection is relayed to the VMM's socket byte for byte, its
 * "CONNECT PORT\n" and the VMM's answer included. Guest-initiated: the VMM
 * connects to VMM_PORT, where we listen, and we connect on to the
 * application (with @o->takeover, the socket that was at VMM_PORT, moved
 * aside). A socket moved aside is swapped back (rename(2) RENAME_EXCHANGE,
 * atomic for clients) on nsv_hrelay's close and on fatal signals; only
 * SIGKILL leaves it at PATH NSV_HRELAY_ASIDE, and the next start says how
 * to put it back. Nothing is created or moved when this fails.
 * Returns 0, -ENOTSOCK (the VMM's or an application's path is no socket),
 * -EADDRINUSE (a path we would listen on is taken), -EEXIST (a moved-aside
 * socket of an earlier run is still there), or another -errno.
 */
int nsv_hrelay_open(struct nsv_hrelay **out, const struct nsv_hrelay_opts *o,
		    char *err, size_t errlen);

/**
 * nsv_hrelay_describe - "relaying VMM for ..." for the listening line
 */
int nsv_hrelay_describe(const struct nsv_hrelay *r, char *buf, size_t len);

/*
 * As a source: each connection as frames of a vsockmon header (transport
 * NO_INFO, no transport header) and payload up to the snap length: CONNECT
 * for the request (carrying "CONNECT PORT\n") and for the answer (carrying
 * the VMM's line; for guest-initiated ones, when the application took the
 * connection), PAYLOAD for each read, DISCONNECT from a side that stopped
 * sending (EOF), was refused or failed. Host ends are CID 2 with the port
 * the VMM answered (host-initiated) or the port the guest asked for; guest
 * ends are the configured CID with the port asked for, or VMADDR_PORT_ANY
 * where the host cannot know it (the guest's own port of a guest-initiated
 * connection). af_vsockmon_hdr.reserved carries NSV_SYNTH | NSV_SYNTH_RELAY
 * and the connection's number, so flows tell such connections apart. The
 * filter runs in user space; stats: frames the filter kept, none dropped.
 * A VMM or application that refuses, or a bad request, is one line to
 * @o->notice, and the relay goes on.
 */
extern const struct nsv_source_ops nsv_hrelay_source_ops;

#endif /* NSV_HYBRID_RELAY_H */
