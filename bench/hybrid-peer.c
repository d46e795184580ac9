// SPDX-License-Identifier: GPL-2.0-or-later
/* Both ends of a hybrid vsock transfer for benchmarks: a fake VMM and a client. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/*
 * Usage:
 *   hybrid-peer vmm PATH       a Firecracker-style VMM on PATH: answers
 *                              "CONNECT PORT\n" with "OK 1073741824\n";
 *                              then a request "up" reads to EOF and
 *                              answers the byte count, "down N" sends N
 *                              bytes and closes (one connection at a time)
 *   hybrid-peer client PATH up|down BYTES
 *                              connect, handshake, move BYTES one way;
 *                              prints "BYTES SECONDS" (from the first byte
 *                              sent to the last byte acknowledged)
 * Unix sockets only: safe on any host.
 */

#define BUF (256 * 1024)

static char buf[BUF];

static _Noreturn void die(const char *what)
{
	fprintf(stderr, "hybrid-peer: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "%s", path);
}

static size_t line(int fd, char *l, size_t len)
{
	size_t n = 0;

	while (n + 1 < len && read(fd, l + n, 1) == 1)
		if (l[n++] == '\n')
			break;
	l[n] = '\0';
	return n;
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			die("write");
		p += w;
		n -= (size_t)w;
	}
}

static unsigned long long drain(int fd)
{
	unsigned long long n = 0;
	ssize_t r;

	while ((r = read(fd, buf, BUF)) > 0)
		n += (unsigned long long)r;
	if (r < 0)
		die("read");
	return n;
}

static void pump(int fd, unsigned long long n)
{
	while (n) {
		size_t k = n < BUF ? (size_t)n : BUF;

		send_all(fd, buf, k);
		n -= k;
	}
}

static _Noreturn void vmm(const char *path)
{
	struct sockaddr_un sa;
	char l[128], reply[64];
	int s, c;

	addr(&sa, path);
	unlink(path);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s, 16) < 0)
		die(path);
	for (;;) {
		c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		line(c, l, sizeof(l));
		send_all(c, "OK 1073741824\n", 14);
		line(c, l, sizeof(l));
		if (!strncmp(l, "down ", 5)) {
			pump(c, strtoull(l + 5, NULL, 10));
		} else {
			snprintf(reply, sizeof(reply), "%llu\n", drain(c));
			send_all(c, reply, strlen(reply));
		}
		close(c);
	}
}

static double secs(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	       (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static int client(const char *path, const char *dir, unsigned long long n)
{
	struct timespec t0, t1;
	struct sockaddr_un sa;
	unsigned long long got;
	char l[128];
	int c;

	addr(&sa, path);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die(path);
	send_all(c, "CONNECT 5000\n", 13);
	line(c, l, sizeof(l));
	if (strncmp(l, "OK", 2)) {
		fprintf(stderr, "hybrid-peer: answer '%s'\n", l);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!strcmp(dir, "down")) {
		snprintf(l, sizeof(l), "down %llu\n", n);
		send_all(c, l, strlen(l));
		got = drain(c);
	} else {
		send_all(c, "up\n", 3);
		pump(c, n);
		shutdown(c, SHUT_WR);
		line(c, l, sizeof(l));
		got = strtoull(l, NULL, 10);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (got != n) {
		fprintf(stderr, "hybrid-peer: %llu bytes arrived, not %llu\n",
			got, n);
		return 1;
	}
	printf("%llu %.6f\n", n, secs(&t0, &t1));
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	memset(buf, 'x', sizeof(buf));
	if (argc == 3 && !strcmp(argv[1], "vmm"))
		vmm(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "client"))
		return client(argv[2], argv[3], strtoull(argv[4], NULL, 10));
	fprintf(stderr, "usage: hybrid-peer vmm PATH | client PATH up|down "
			"BYTES\n");
	return 2;
}
