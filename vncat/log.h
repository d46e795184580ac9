/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vncat: the session log: -o the bytes, -x a hex dump, both ways in order. */
#ifndef NSV_LOG_H
#define NSV_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A hex dump line: "> 00000000  " 16 "xx " and a gap, " |16 chars|\n". */
#define NSV_HEX_LINE_MAX 96

struct nsv_log {
	int fd; /* -o: the bytes as they were sent and received, or -1 */
	int hex_fd; /* -x: the hex dump, or -1 */
	const char *tag; /* put before each hex line (-k: the peer), or NULL */
	uint64_t off[2]; /* bytes logged each way: the hex dump's offsets */
};

/** nsv_log_init - a log that writes nothing until its fds are set */
void nsv_log_init(struct nsv_log *l);

/**
 * nsv_log_data - log @len bytes that went in direction @dir
 * @dir: 0 sent (marked '>' in the hex dump), 1 received ('<')
 *
 * Each call writes whole lines: with O_APPEND, processes sharing the files
 * (-k) never split each other's lines, and the raw log gets the chunk in
 * as few writes as the kernel allows. Returns 0 or the first -errno.
 */
int nsv_log_data(struct nsv_log *l, int dir, const void *buf, size_t len);

/**
 * nsv_log_hex_line - one line of the hex dump
 * @mark: '>' or '<'
 * @off: the stream offset of @p[0] in its direction
 * @n: 1 to 16 bytes
 * @tag: a word before the mark, or NULL
 *
 * "> 0000001f  68 69 0a" ... "  |hi.|\n": the offset in at least 8 hex
 * digits, 16 columns of bytes with a gap after the eighth (missing bytes
 * are blanks), then the bytes as ASCII with '.' for anything else.
 * Returns the length written into @out (@cap >= NSV_HEX_LINE_MAX plus the
 * tag's length and a space), or -ENOSPC.
 */
int nsv_log_hex_line(char *out, size_t cap, char mark, uint64_t off,
		     const unsigned char *p, size_t n, const char *tag);

#endif /* NSV_LOG_H */
