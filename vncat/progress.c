// SPDX-License-Identifier: LGPL-2.1-or-later
/* The progress line: counts, time and rate, in place on a terminal or as lines. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "progress.h"

void nsv_progress_init(struct nsv_progress *p, int fd, bool tty,
		       const char *tag, uint64_t quiet_us)
{
	memset(p, 0, sizeof(*p));
	p->fd = fd;
	p->tty = tty;
	p->tag = tag;
	p->quiet_us = quiet_us;
}

static int size_str(char *buf, size_t len, double v, const char *per)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	int u = -1;

	if (v < 1024)
		return snprintf(buf, len, "%.0f B%s", v, per);
	/* 1023.96 KiB would print as "1024.0 KiB": take the next unit */
	while (u < 4 && v >= 1023.95) {
		v /= 1024;
		u++;
	}
	return snprintf(buf, len, "%.1f %s%s", v, unit[u], per);
}

int nsv_progress_format(char *buf, size_t len, uint64_t sent, uint64_t received,
			uint64_t usec, double rate)
{
	char s[32], r[32], t[32] = "";
	uint64_t sec = usec / 1000000;
	int n;

	size_str(s, sizeof(s), (double)sent, "");
	size_str(r, sizeof(r), (double)received, "");
	if (rate >= 0) {
		t[0] = ',';
		t[1] = ' ';
		size_str(t + 2, sizeof(t) - 2, rate, "/s");
	}
	n = snprintf(buf, len, "sent %s, received %s, %llu:%02llu:%02llu%s", s,
		     r, (unsigned long long)(sec / 3600),
		     (unsigned long long)(sec / 60 % 60),
		     (unsigned long long)(sec % 60), t);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

static int put(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n ? -errno : -EIO;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* "PROG: [TAG: ]TEXT", in place or as a line. */
static int draw(struct nsv_progress *p, uint64_t sent, uint64_t received,
		uint64_t usec, double rate)
{
	char text[192], line[320];
	size_t n, width;

	if (nsv_progress_format(text, sizeof(text), sent, received, usec,
				rate) < 0)
		return -ENOSPC;
	n = (size_t)snprintf(line, sizeof(line), "%s%s: %s%s%s",
			     p->tty ? "\r" : "", nsv_cli_prog(),
			     p->tag ? p->tag : "", p->tag ? ": " : "", text);
	if (n >= sizeof(line) - 64)
		return -ENOSPC;
	if (p->tty) {
		/* blanks over what a longer line left, then back */
		width = n - 1;
		while (n < sizeof(line) - 2 && width < p->width) {
			line[n++] = ' ';
			width++;
		}
		p->width = n - 1;
	} else {
		line[n++] = '\n';
	}
	return put(p->fd, line, n);
}

int nsv_progress_update(struct nsv_progress *p, uint64_t sent,
			uint64_t received, uint64_t usec)
{
	uint64_t bytes = sent + received, dt = usec - p->last_us;
	double rate = dt ? (double)(bytes - p->last_bytes) * 1e6 / dt : 0;

	if (usec < p->quiet_us)
		return 0;
	p->last_bytes = bytes;
	p->last_us = usec;
	return draw(p, sent, received, usec, rate);
}

int nsv_progress_clear(struct nsv_progress *p)
{
	char blank[324];
	size_t n = 0;

	if (!p->tty || !p->width)
		return 0;
	blank[n++] = '\r';
	while (n < sizeof(blank) - 1 && n <= p->width)
		blank[n++] = ' ';
	blank[n++] = '\r';
	p->width = 0;
	return put(p->fd, blank, n);
}

int nsv_progress_end(struct nsv_progress *p, uint64_t sent, uint64_t received,
		     uint64_t usec)
{
	if (p->tty)
		return nsv_progress_clear(p);
	return draw(p, sent, received, usec,
		    usec ? (double)(sent + received) * 1e6 / usec : 0);
}
