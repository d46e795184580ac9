// SPDX-License-Identifier: LGPL-2.1-or-later
/* Hybrid vsock: the "CONNECT PORT\n" / "OK PORT\n" handshake of Firecracker. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "hybrid.h"

int nsv_hybrid_request(uint32_t port, char *buf, size_t len)
{
	int n;

	if (!buf)
		return -EINVAL;
	n = snprintf(buf, len, "CONNECT %u\n", port);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

/* A decimal port number of @n bytes (no sign, no hex, no name). */
static int port_digits(const char *s, size_t n, uint32_t *port)
{
	char num[16];
	size_t i;

	if (n == 0 || n >= sizeof(num))
		return -EPROTO;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -EPROTO;
	memcpy(num, s, n);
	num[n] = '\0';
	return nsv_port_parse(num, port) < 0 ? -EPROTO : 0;
}

int nsv_hybrid_request_parse(const char *line, size_t len, uint32_t *port)
{
	uint32_t p;

	if (!line || len < 2 || line[len - 1] != '\n')
		return -EPROTO;
	len--;
	if (line[len - 1] == '\r')
		len--;
	if (len < 9 || memcmp(line, "CONNECT ", 8))
		return -EPROTO;
	if (port_digits(line + 8, len - 8, &p) < 0)
		return -EPROTO;
	if (port)
		*port = p;
	return 0;
}

int nsv_hybrid_answer_parse(const char *line, size_t len, uint32_t *host_port)
{
	char num[16];
	size_t n;

	if (!line || len < 3 || line[len - 1] != '\n')
		return -EPROTO;
	len--;
	if (line[len - 1] == '\r')
		len--;
	if (len < 2 || memcmp(line, "OK", 2))
		return -EPROTO;
	if (host_port)
		*host_port = NSV_PORT_ANY;
	if (len == 2)
		return 0;
	if (line[2] != ' ')
		return -EPROTO;
	n = len - 3;
	if (n == 0 || n >= sizeof(num))
		return -EPROTO;
	memcpy(num, line + 3, n);
	num[n] = '\0';
	/* "*" and "any" are not port numbers a VMM would send */
	if (num[0] < '0' || num[0] > '9')
		return -EPROTO;
	if (nsv_port_parse(num, host_port ? host_port : &(uint32_t){ 0 }) < 0)
		return -EPROTO;
	return 0;
}

/* Wait until @fd is readable; -ETIMEDOUT once @deadline (ms) has passed. */
static int wait_in(int fd, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (;;) {
		int t = -1, r;

		if (deadline >= 0) {
			int64_t left = deadline - nsv_clock_ms();

			if (left <= 0)
				return -ETIMEDOUT;
			t = left > 1000000 ? 1000000 : (int)left;
		}
		r = poll(&p, 1, t);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

static void copy_answer(char *answer, size_t alen, const char *line, size_t n)
{
	size_t i, o = 0;

	if (!answer || !alen)
		return;
	/* Quote-friendly: no newline, control bytes as '?'. */
	for (i = 0; i < n && o + 1 < alen; i++) {
		unsigned char ch = (unsigned char)line[i];

		if (ch == '\n' && i == n - 1)
			break;
		answer[o++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	answer[o] = '\0';
}

int nsv_hybrid_handshake(int fd, uint32_t port, int timeout_ms,
			 uint32_t *host_port, char *answer, size_t answer_len)
{
	char req[32], line[NSV_HYBRID_LINE_MAX];
	int64_t deadline = timeout_ms >= 0 ? nsv_clock_ms() + timeout_ms : -1;
	size_t have = 0;
	ssize_t sent;
	int n, r;

	if (answer && answer_len)
		answer[0] = '\0';
	n = nsv_hybrid_request(port, req, sizeof(req));
	if (n < 0)
		return n;
	sent = send(fd, req, (size_t)n, MSG_NOSIGNAL);
	if (sent < 0)
		return -errno;
	if (sent != n)
		return -EIO;

	/*
	 * Peek, then take exactly the answer line: whatever the guest sends
	 * right behind it belongs to the relay.
	 */
	for (;;) {
		ssize_t got;
		char *nl;

		r = wait_in(fd, deadline);
		if (r < 0) {
			copy_answer(answer, answer_len, line, have);
			return r;
		}
		got = recv(fd, line + have, sizeof(line) - have, MSG_PEEK);
		if (got < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (got == 0) {
			copy_answer(answer, answer_len, line, have);
			return -ECONNRESET;
		}
		nl = memchr(line + have, '\n', (size_t)got);
		if (nl)
			got = nl - (line + have) + 1;
		sent = recv(fd, line + have, (size_t)got, 0);
		if (sent < 0)
			return -errno;
		if (sent != got)
			return -EIO;
		have += (size_t)got;
		if (nl)
			break;
		if (have == sizeof(line)) {
			copy_answer(answer, answer_len, line, have);
			return -EPROTO;
		}
	}
	copy_answer(answer, answer_len, line, have);
	return nsv_hybrid_answer_parse(line, have, host_port);
}

int nsv_hybrid_listen_path(const char *uds, uint32_t port, char *buf,
			   size_t len)
{
	int n;

	if (!uds || !buf)
		return -EINVAL;
	n = snprintf(buf, len, "%s_%u", uds, port);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return n;
}
