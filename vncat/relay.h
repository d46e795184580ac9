/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vncat: the relay moving bytes both ways between two fd pairs. */
#ifndef NSV_RELAY_H
#define NSV_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes moved per read by default: many 64 KiB virtio-vsock packets. */
#define NSV_RELAY_BUFSIZE (256 * 1024)

struct nsv_relay_cfg {
	size_t bufsize; /* bytes per read, 0: NSV_RELAY_BUFSIZE */
	bool messages; /* one read is one message (SEQPACKET, DGRAM) */
	bool no_shutdown; /* keep a socket's write side open after EOF */
	int linger_ms; /* after the first EOF, wait at most this for the
			     other direction; < 0: until it ends */
};

/* Direction 0 goes from side A to side B, direction 1 from B to A. */
struct nsv_relay_stats {
	uint64_t bytes[2]; /* bytes written */
	uint64_t writes[2]; /* messages (or write calls) done */
	uint64_t usec; /* wall time */
	int err[2]; /* -errno that ended a direction, 0 if EOF */
	bool err_write[2]; /* whether err came from writing (else reading) */
	uint64_t unsent[2]; /* bytes read but never written */
	bool lingered; /* -q cut a direction short */
};

/**
 * nsv_relay - move data both ways between side A and side B until both
 * directions are done
 * @a_rfd, @a_wfd: side A (may be the same fd; @a_rfd -1: A sends nothing)
 * @b_rfd, @b_wfd: side B
 *
 * One poll loop. A direction ends at EOF on its input: then a socket output
 * is shut down for writing (unless @c->no_shutdown) and any other output fd
 * that is not also an input is closed. Sockets are used with MSG_DONTWAIT;
 * other fds are left as they are and, unless they are regular files, only
 * touched after poll() says they are ready. A regular file or a pipe going
 * to a stream socket is moved with sendfile() or splice(), without our
 * buffer (the socket is non-blocking meanwhile; its flags are restored).
 * An input that fails ends like EOF; an output that is not a socket and
 * fails (stdout gone) ends both directions.
 * In message mode each read is written with a single write: message
 * boundaries survive between SEQPACKET/DGRAM sockets, and a message larger
 * than the buffer is an error (-EMSGSIZE), never silently cut.
 * Returns 0 when both directions ended at EOF, else the first -errno (see
 * @st->err for which).
 */
int nsv_relay(int a_rfd, int a_wfd, int b_rfd, int b_wfd,
	      const struct nsv_relay_cfg *c, struct nsv_relay_stats *st);

#endif /* NSV_RELAY_H */
