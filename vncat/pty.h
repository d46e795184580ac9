/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vncat: --pty: pseudo-terminals, raw mode, the window-size protocol. */
#ifndef NSV_PTY_H
#define NSV_PTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <termios.h>

/*
 * The protocol, used only when both ends asked for it with --pty:
 *
 * The program's side (--pty with -e/-c) sends NSV_PTY_HELLO_PROG as the
 * first bytes of the connection; everything after it is the program's
 * output, raw. The terminal's side (--pty alone) sends nothing until it has
 * read that hello as the very first bytes it receives; then it answers
 * NSV_PTY_HELLO_TERM, a 't' frame (its TERM) and a 'w' frame (its window
 * size), and from then on sends only frames. The program's side takes the
 * terminal's hello only as the very first bytes it receives; a peer that
 * sends anything else first is plain data both ways, for the whole
 * connection.
 *
 * A frame: type (1 byte), payload length (2 bytes, big-endian), payload.
 *   'd'  terminal input, 0 to 65535 bytes
 *   'w'  window size: rows, columns, x pixels, y pixels (2 bytes each, BE)
 *   't'  the TERM name, [A-Za-z0-9._+-], at most 63 bytes (empty: none)
 * Other types are skipped: a later version may add some.
 *
 * The hellos are APC strings (ESC _ ... ESC \), which terminals do not
 * show, so a plain client's terminal shows nothing of the program side's.
 */
#define NSV_PTY_HELLO_PROG "\033_vncat-pty;1\033\\"
#define NSV_PTY_HELLO_TERM "\033_vncat-tty;1\033\\"
#define NSV_PTY_HELLO_LEN 15
#define NSV_PTY_FRAME_HDR 3
#define NSV_PTY_FRAME_MAX 65535
#define NSV_PTY_TERM_MAX 63

enum {
	NSV_PTY_DATA = 'd',
	NSV_PTY_WINSIZE = 'w',
	NSV_PTY_TERM = 't',
};

/**
 * nsv_pty_frame - write one frame into @out (room for NSV_PTY_FRAME_HDR +
 * @len); returns its length
 */
size_t nsv_pty_frame(char *out, uint8_t type, const void *payload,
		     uint16_t len);

/** nsv_pty_winsize_frame - a 'w' frame (11 bytes) for @ws */
size_t nsv_pty_winsize_frame(char *out, const struct winsize *ws);

/**
 * nsv_pty_encode - wrap @len bytes of terminal input into 'd' frames, in
 * place
 * @cap: the size of @buf: @len plus NSV_PTY_FRAME_HDR for each started
 *     NSV_PTY_FRAME_MAX bytes
 *
 * Returns the new length, or -ENOSPC.
 */
ssize_t nsv_pty_encode(char *buf, size_t len, size_t cap);

/* The receiving side's state between reads: frames may be cut anywhere. */
struct nsv_pty_dec {
	uint8_t hdr[NSV_PTY_FRAME_HDR];
	size_t nhdr; /* header bytes seen of the current frame */
	uint8_t type;
	size_t left; /* payload bytes still to come */
	uint8_t ctl[NSV_PTY_TERM_MAX + 1]; /* a 'w' or 't' payload */
	size_t nctl;
};

/* A whole control frame ('w', 't') that arrived. */
typedef void (*nsv_pty_ctl_fn)(void *arg, uint8_t type, const uint8_t *p,
			       size_t len);

/**
 * nsv_pty_decode - take frames out of @len bytes, in place
 *
 * The payloads of 'd' frames are moved to the front of @buf; each whole 'w'
 * and 't' frame goes to @ctl. Returns how many data bytes are now at @buf.
 */
size_t nsv_pty_decode(struct nsv_pty_dec *d, char *buf, size_t len,
		      nsv_pty_ctl_fn ctl, void *arg);

/** nsv_pty_winsize_parse - a 'w' payload; 0, or -EINVAL (no rows or columns) */
int nsv_pty_winsize_parse(const uint8_t *p, size_t len, struct winsize *ws);

/** nsv_pty_term_ok - whether @s (@len bytes) may be a TERM value */
bool nsv_pty_term_ok(const uint8_t *s, size_t len);

/**
 * nsv_pty_expect - whether the first bytes to come on @fd are @hello
 *
 * Looks with MSG_PEEK, for at most @timeout_ms. Returns 1 (they were, and
 * are consumed), 0 (something else came, or EOF: nothing is consumed),
 * -ETIMEDOUT (nothing decided in time: nothing consumed) or -errno.
 */
int nsv_pty_expect(int fd, const char *hello, size_t len, int timeout_ms);

/**
 * nsv_pty_read_frame - read exactly one frame from @fd within @timeout_ms
 * @payload: room for NSV_PTY_TERM_MAX + 1 bytes; a longer payload is
 *     read and cut
 *
 * Returns the payload length (before any cut), -EPROTO at EOF, -ETIMEDOUT
 * or -errno.
 */
int nsv_pty_read_frame(int fd, uint8_t *type, uint8_t *payload, int timeout_ms);

/**
 * nsv_pty_open - a new pseudo-terminal pair, both close-on-exec
 * @master: gets the master side, non-blocking
 * @slave: gets the terminal a program will have
 *
 * Returns 0 or -errno.
 */
int nsv_pty_open(int *master, int *slave);

/**
 * nsv_pty_raw - put the terminal @fd in raw mode (no echo, no line editing,
 * no signals from keys, no output processing)
 * @saved: gets the settings to restore with tcsetattr()
 *
 * Returns 0, or -errno (-ENOTTY: not a terminal, nothing changed).
 */
int nsv_pty_raw(int fd, struct termios *saved);

#endif /* NSV_PTY_H */
