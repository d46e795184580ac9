/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnsvsock: hybrid vsock, the CONNECT/OK handshake of a Firecracker-style VMM. */
#ifndef NSV_HYBRID_H
#define NSV_HYBRID_H

#include <stddef.h>
#include <stdint.h>

/* The longest answer line we accept ("OK 4294967295\n" is 14 bytes). */
#define NSV_HYBRID_LINE_MAX 128

/** nsv_hybrid_request - write "CONNECT PORT\n" into @buf; length or -ENOSPC */
int nsv_hybrid_request(uint32_t port, char *buf, size_t len);

/**
 * nsv_hybrid_request_parse - read a client's request line
 * @line: the bytes up to and including '\n' ("CONNECT 52\n")
 * @port: the guest port asked for
 *
 * Returns 0, or -EPROTO for anything but "CONNECT PORT" (a decimal port).
 */
int nsv_hybrid_request_parse(const char *line, size_t len, uint32_t *port);

/**
 * nsv_hybrid_answer_parse - check the VMM's answer line
 * @line: the bytes up to and including '\n'
 * @host_port: the number after "OK " (NSV_PORT_ANY if there is none)
 *
 * Returns 0 for "OK" or "OK PORT", -EPROTO for anything else.
 */
int nsv_hybrid_answer_parse(const char *line, size_t len, uint32_t *host_port);

/**
 * nsv_hybrid_handshake - ask the VMM behind @fd for guest port @port
 * @fd: a connected stream socket to the VMM's Unix socket (blocking)
 * @timeout_ms: how long to wait for the answer (< 0: forever)
 * @answer: receives the answer line without its '\n', NUL-terminated, so a
 *     caller can quote it (may be NULL)
 *
 * Sends "CONNECT PORT\n" and reads exactly one line back, never past its
 * '\n': bytes the guest sends right after the answer stay in the socket.
 * Returns 0, -EPROTO (bad answer), -ECONNRESET (closed before answering),
 * -ETIMEDOUT, or another -errno.
 */
int nsv_hybrid_handshake(int fd, uint32_t port, int timeout_ms,
			 uint32_t *host_port, char *answer, size_t answer_len);

/**
 * nsv_hybrid_listen_path - "UDS_PATH_PORT", where a Firecracker-style VMM
 * connects for guest-initiated connections to host port @port; length,
 * -ENAMETOOLONG
 */
int nsv_hybrid_listen_path(const char *uds, uint32_t port, char *buf,
			   size_t len);

#endif /* NSV_HYBRID_H */
