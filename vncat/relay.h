/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vncat: the relay moving bytes both ways between two fd pairs. */
#ifndef NSV_RELAY_H
#define NSV_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Bytes moved per read by default: many 64 KiB virtio-vsock packets. */
#define NSV_RELAY_BUFSIZE (256 * 1024)

/*
 * How a regular file or a pipe reaches a stream socket: sendfile() or
 * splice() without our buffer, or read() into it and send().
 */
enum nsv_relay_path {
	NSV_RELAY_PATH_AUTO, /* a file into vsock by MSG_ZEROCOPY where the
				kernel has it; else splice, unless the probe
				says it is slow */
	NSV_RELAY_PATH_SPLICE, /* sendfile() or splice() */
	NSV_RELAY_PATH_COPY, /* read() and send() through our buffer */
};

/* How a direction's bytes went (nsv_relay_stats.via). */
enum nsv_relay_via {
	NSV_RELAY_VIA_BUFFER, /* read and write: the input is no file or
				 pipe, the output no stream socket, or an
				 option needs to see the data */
	NSV_RELAY_VIA_SENDFILE,
	NSV_RELAY_VIA_SPLICE,
	NSV_RELAY_VIA_COPY, /* a file or pipe to a stream socket through our
			       buffer: asked for, or chosen because this
			       kernel splices a page per vsock packet */
	NSV_RELAY_VIA_ZEROCOPY, /* a file into vsock: send(MSG_ZEROCOPY) from
				   the file mapped, no copy on this side */
	NSV_RELAY_VIA_MAP, /* a file into vsock where the kernel splices a
			      page per packet: send() from the file mapped */
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
	bool idle; /* idle_ms passed without a byte moving */
	enum nsv_relay_via via[2]; /* the path each direction took */
};

/**
 * nsv_relay_filter_fn - see or rewrite a direction's data between its read
 * and its write
 * @dir: 0 (side A to side B) or 1
 * @buf: the @len bytes just read (after -C), which the filter may rewrite
 *     in place, up to @cap bytes; @len 0: nothing was read, the direction's
 *     wake_fd woke the relay (a chance to send data of the filter's own)
 *
 * Returns how many bytes of @buf to write (0: none) or -errno, which ends
 * the relay. -ESHUTDOWN from a call with no data ends the direction's
 * input instead: it is read until it has nothing more, then it is at EOF
 * (for a non-blocking input, such as a pty master whose program exited
 * while a background job still holds the terminal).
 */
typedef ssize_t (*nsv_relay_filter_fn)(void *arg, int dir, char *buf,
				       size_t len, size_t cap);

/* What one direction does to its data on the way. Any of it means the data
 * goes through our buffer: no sendfile() or splice() for that direction. */
struct nsv_relay_dir {
	bool crlf; /* LF not after CR becomes CRLF (ncat -C) */
	int line_delay_ms; /* one line per write, this long between lines */
	nsv_relay_filter_fn filter; /* may be NULL */
	void *arg;
	int wake_fd; /* > 0: when readable, the filter is called with no
			data (it must drain the fd) */
};

struct nsv_relay_cfg {
	size_t bufsize; /* bytes per read, 0: NSV_RELAY_BUFSIZE */
	enum nsv_relay_path path; /* file or pipe to a stream socket */
	bool messages; /* one read is one message (SEQPACKET, DGRAM) */
	bool no_shutdown; /* keep a socket's write side open after EOF */
	int linger_ms; /* after the first EOF, wait at most this for the
			     other direction; < 0: until it ends */
	int idle_ms; /* > 0: end with -ETIMEDOUT when no byte moved either
			way for this long */
	bool a_pty; /* side A is a pty master: EIO means the program's side
		       closed (EOF when reading, the end when writing); B's
		       EOF reaches the program as the terminal's VEOF, and
		       the linger starts only when the program's side ends */
	struct nsv_relay_dir dir[2];
	/* > 0: called every tick_ms while data moves, with the counts so far */
	int tick_ms;
	void (*tick)(void *arg, const struct nsv_relay_stats *st);
	void *tick_arg;
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
 * to a stream socket is moved as @c->path says: with sendfile() or splice(),
 * without our buffer (the socket is non-blocking meanwhile; its flags are
 * restored), or through it; NSV_RELAY_PATH_AUTO sends a regular file into
 * a vsock socket from a mapping with MSG_ZEROCOPY where the kernel has it
 * (the error queue's completion notices are read and dropped), else splices
 * unless the output is a vsock socket and nsv_relay_splice_probe() says 0:
 * then a regular file is sent from a mapping, without MSG_ZEROCOPY.
 * An input that fails ends like EOF; an output that is not a socket and
 * fails (stdout gone) ends both directions.
 * In message mode each read is written with a single write: message
 * boundaries survive between SEQPACKET/DGRAM sockets, and a message larger
 * than the buffer is an error (-EMSGSIZE), never silently cut.
 * Timers (@c->linger_ms, @c->idle_ms, line delays, @c->tick) read the
 * clock only when they are set.
 * Returns 0 when both directions ended at EOF, -ETIMEDOUT when @c->idle_ms
 * passed (@st->idle), else the first -errno (see @st->err for which).
 */
int nsv_relay(int a_rfd, int a_wfd, int b_rfd, int b_wfd,
	      const struct nsv_relay_cfg *c, struct nsv_relay_stats *st);

/**
 * nsv_relay_splice_probe - whether this kernel splices many pages into a
 * socket as one message
 *
 * sendfile() and splice() into a socket without a sendpage of its own (vsock
 * on every kernel, Unix datagram sockets before 6.5) sent each pipe page as
 * a message of its own until Linux 6.5 (MSG_SPLICE_PAGES); vsock makes each
 * a 4 KiB packet. The probe splices two pages into a Unix datagram socket,
 * which takes the same path, and looks at what arrives. Asked once per
 * process; the answer is kept.
 * Returns 1 (one message), 0 (a message per page) or -errno.
 */
int nsv_relay_splice_probe(void);

/**
 * nsv_relay_crlf - turn each LF not preceded by CR into CRLF, in place
 * @buf: @len bytes, with room for 2 * @len
 * @cr: whether the byte before @buf was CR; updated for the next call
 *
 * Returns the new length.
 */
size_t nsv_relay_crlf(char *buf, size_t len, bool *cr);

#endif /* NSV_RELAY_H */
