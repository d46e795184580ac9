// SPDX-License-Identifier: LGPL-2.1-or-later
/* --pty: pseudo-terminal pairs, raw mode, the window-size protocol. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "pty.h"

size_t nsv_pty_frame(char *out, uint8_t type, const void *payload, uint16_t len)
{
	/* the payload may be where the header goes: move it first */
	if (len)
		memmove(out + NSV_PTY_FRAME_HDR, payload, len);
	out[0] = (char)type;
	out[1] = (char)(len >> 8);
	out[2] = (char)(len & 0xff);
	return NSV_PTY_FRAME_HDR + (size_t)len;
}

static void put16(uint8_t *p, unsigned short v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)(v & 0xff);
}

static unsigned short get16(const uint8_t *p)
{
	return (unsigned short)(p[0] << 8 | p[1]);
}

size_t nsv_pty_winsize_frame(char *out, const struct winsize *ws)
{
	uint8_t p[8];

	put16(p, ws->ws_row);
	put16(p + 2, ws->ws_col);
	put16(p + 4, ws->ws_xpixel);
	put16(p + 6, ws->ws_ypixel);
	return nsv_pty_frame(out, NSV_PTY_WINSIZE, p, sizeof(p));
}

ssize_t nsv_pty_encode(char *buf, size_t len, size_t cap)
{
	size_t k = (len + NSV_PTY_FRAME_MAX - 1) / NSV_PTY_FRAME_MAX, i;

	if (len + k * NSV_PTY_FRAME_HDR > cap)
		return -ENOSPC;
	/* the last frame first: each moves to the right, over nothing unread */
	for (i = k; i-- > 0;) {
		size_t src = i * NSV_PTY_FRAME_MAX;
		size_t n = len - src < NSV_PTY_FRAME_MAX ? len - src :
							   NSV_PTY_FRAME_MAX;

		nsv_pty_frame(buf + src + i * NSV_PTY_FRAME_HDR, NSV_PTY_DATA,
			      buf + src, (uint16_t)n);
	}
	return (ssize_t)(len + k * NSV_PTY_FRAME_HDR);
}

size_t nsv_pty_decode(struct nsv_pty_dec *d, char *buf, size_t len,
		      nsv_pty_ctl_fn ctl, void *arg)
{
	size_t in = 0, out = 0;

	while (in < len) {
		size_t n;

		if (d->nhdr < NSV_PTY_FRAME_HDR) {
			d->hdr[d->nhdr++] = (uint8_t)buf[in++];
			if (d->nhdr < NSV_PTY_FRAME_HDR)
				continue;
			d->type = d->hdr[0];
			d->left = get16(d->hdr + 1);
			d->nctl = 0;
			if (d->left)
				continue;
		}
		n = len - in < d->left ? len - in : d->left;
		if (d->type == NSV_PTY_DATA) {
			/* out never passes in: headers only shrink the data */
			memmove(buf + out, buf + in, n);
			out += n;
		} else if (d->nctl < sizeof(d->ctl)) {
			size_t c = n < sizeof(d->ctl) - d->nctl ?
					   n :
					   sizeof(d->ctl) - d->nctl;

			memcpy(d->ctl + d->nctl, buf + in, c);
			d->nctl += c;
		}
		in += n;
		d->left -= n;
		if (d->left)
			continue;
		/* the frame is whole */
		if ((d->type == NSV_PTY_WINSIZE || d->type == NSV_PTY_TERM) &&
		    ctl && get16(d->hdr + 1) <= sizeof(d->ctl))
			ctl(arg, d->type, d->ctl, d->nctl);
		d->nhdr = 0;
	}
	return out;
}

int nsv_pty_winsize_parse(const uint8_t *p, size_t len, struct winsize *ws)
{
	if (len < 8)
		return -EINVAL;
	memset(ws, 0, sizeof(*ws));
	ws->ws_row = get16(p);
	ws->ws_col = get16(p + 2);
	ws->ws_xpixel = get16(p + 4);
	ws->ws_ypixel = get16(p + 6);
	return ws->ws_row && ws->ws_col ? 0 : -EINVAL;
}

bool nsv_pty_term_ok(const uint8_t *s, size_t len)
{
	if (!len || len > NSV_PTY_TERM_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		      s[i] == '_' || s[i] == '+' || s[i] == '-'))
			return false;
	return true;
}

/* Wait until @fd is readable or @deadline (ms) passed: 1, 0 or -errno. */
static int wait_in(int fd, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int64_t left = deadline - nsv_clock_ms();
		int r;

		if (left < 0)
			left = 0;
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		return r;
	}
}

int nsv_pty_expect(int fd, const char *hello, size_t len, int timeout_ms)
{
	int64_t deadline = nsv_clock_ms() + timeout_ms;
	char buf[64];

	if (len > sizeof(buf))
		return -EINVAL;
	for (;;) {
		ssize_t n;
		int r = wait_in(fd, deadline);

		if (r < 0)
			return r;
		if (r == 0)
			return -ETIMEDOUT;
		n = recv(fd, buf, len, MSG_PEEK | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0 || memcmp(buf, hello, (size_t)n))
			return 0;
		if ((size_t)n == len)
			break;
		/* a part of it: the rest is on its way (poll says ready) */
		if (nsv_clock_ms() >= deadline)
			return -ETIMEDOUT;
		nsv_sleep_ms(10);
	}
	return recv(fd, buf, len, 0) == (ssize_t)len ? 1 : -EIO;
}

/* Exactly @len bytes before @deadline: 0, -EPROTO (EOF), -ETIMEDOUT, -errno */
static int read_exact(int fd, uint8_t *p, size_t len, int64_t deadline)
{
	while (len) {
		ssize_t n;
		int r = wait_in(fd, deadline);

		if (r < 0)
			return r;
		if (r == 0)
			return -ETIMEDOUT;
		n = recv(fd, p, len, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPROTO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int nsv_pty_read_frame(int fd, uint8_t *type, uint8_t *payload, int timeout_ms)
{
	int64_t deadline = nsv_clock_ms() + timeout_ms;
	uint8_t hdr[NSV_PTY_FRAME_HDR], skip[256];
	size_t len, keep;
	int r;

	r = read_exact(fd, hdr, sizeof(hdr), deadline);
	if (r < 0)
		return r;
	*type = hdr[0];
	len = get16(hdr + 1);
	keep = len < NSV_PTY_TERM_MAX + 1 ? len : NSV_PTY_TERM_MAX + 1;
	r = read_exact(fd, payload, keep, deadline);
	for (size_t left = len - keep; !r && left;) {
		size_t n = left < sizeof(skip) ? left : sizeof(skip);

		r = read_exact(fd, skip, n, deadline);
		left -= n;
	}
	return r < 0 ? r : (int)len;
}

int nsv_pty_open(int *master, int *slave)
{
	char name[128];
	int m, s, fl;

	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return -errno;
	if (grantpt(m) < 0 || unlockpt(m) < 0 ||
	    ptsname_r(m, name, sizeof(name)) != 0)
		goto fail;
	s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0)
		goto fail;
	/* the relay must never block on a program that does not read */
	fl = fcntl(m, F_GETFL);
	if (fl < 0 || fcntl(m, F_SETFL, fl | O_NONBLOCK) < 0) {
		close(s);
		goto fail;
	}
	*master = m;
	*slave = s;
	return 0;
fail:
	fl = -errno;
	close(m);
	return fl ? fl : -EIO;
}

int nsv_pty_raw(int fd, struct termios *saved)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0)
		return -errno;
	*saved = t;
	cfmakeraw(&t);
	if (tcsetattr(fd, TCSADRAIN, &t) < 0)
		return -errno;
	return 0;
}
