// SPDX-License-Identifier: LGPL-2.1-or-later
/* The session log: the bytes (-o) and a hex dump with directions (-x). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

void nsv_log_init(struct nsv_log *l)
{
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	l->hex_fd = -1;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int nsv_log_hex_line(char *out, size_t cap, char mark, uint64_t off,
		     const unsigned char *p, size_t n, const char *tag)
{
	static const char hex[] = "0123456789abcdef";
	size_t k = 0, i;
	int w;

	if (n == 0 || n > 16)
		return -EINVAL;
	if (tag)
		w = snprintf(out, cap, "%s %c %08llx  ", tag, mark,
			     (unsigned long long)off);
	else
		w = snprintf(out, cap, "%c %08llx  ", mark,
			     (unsigned long long)off);
	if (w < 0 || (size_t)w + 16 * 3 + 2 + 2 + 16 + 2 > cap)
		return -ENOSPC;
	k = (size_t)w;
	for (i = 0; i < 16; i++) {
		if (i < n) {
			out[k++] = hex[p[i] >> 4];
			out[k++] = hex[p[i] & 15];
		} else {
			out[k++] = ' ';
			out[k++] = ' ';
		}
		out[k++] = ' ';
		if (i == 7)
			out[k++] = ' ';
	}
	out[k++] = ' ';
	out[k++] = '|';
	for (i = 0; i < n; i++)
		out[k++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
	out[k++] = '|';
	out[k++] = '\n';
	return (int)k;
}

static int hex_dump(struct nsv_log *l, int dir, const unsigned char *p,
		    size_t len)
{
	char buf[8192];
	size_t have = 0, taglen = l->tag ? strlen(l->tag) + 1 : 0;
	uint64_t off = l->off[dir];
	int r;

	while (len) {
		size_t n = len < 16 ? len : 16;
		int w;

		if (have + NSV_HEX_LINE_MAX + taglen > sizeof(buf)) {
			r = write_all(l->hex_fd, buf, have);
			if (r < 0)
				return r;
			have = 0;
		}
		w = nsv_log_hex_line(buf + have, sizeof(buf) - have,
				     dir ? '<' : '>', off, p, n, l->tag);
		if (w < 0)
			return w;
		have += (size_t)w;
		p += n;
		len -= n;
		off += n;
	}
	return have ? write_all(l->hex_fd, buf, have) : 0;
}

int nsv_log_data(struct nsv_log *l, int dir, const void *buf, size_t len)
{
	int r = 0;

	if (!len || dir < 0 || dir > 1)
		return 0;
	if (l->fd >= 0)
		r = write_all(l->fd, buf, len);
	if (!r && l->hex_fd >= 0)
		r = hex_dump(l, dir, buf, len);
	l->off[dir] += len;
	return r;
}
