// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: -w files of frames whose payload waits in a pipe (nsv_pkt.piped). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto.h"
#include "vsockdump/savefile.h"
#include "tap.h"

#define HDR NSV_MON_HDR_LEN
#define PIPE_SZ (1 << 20)

static char dir[64];

static const char *at(const char *name)
{
	static char path[2][128];
	static int k;

	k = !k;
	snprintf(path[k], sizeof(path[k]), "%s/%s", dir, name);
	return path[k];
}

/* Frames of every kind of size: none, small (copied), large (spliced). */
static const uint32_t sizes[] = { 0, 1, 100, 16383, 16384, 70001, 262100 };
#define NFRAMES (sizeof(sizes) / sizeof(sizes[0]))
static uint8_t *frame[NFRAMES];

static void make_frames(void)
{
	size_t i, k;

	for (i = 0; i < NFRAMES; i++) {
		frame[i] = malloc(HDR + sizes[i]);
		for (k = 0; k < HDR + sizes[i]; k++)
			frame[i][k] = (uint8_t)(k * 7 + i);
	}
}

static struct nsv_pkt pkt_of(size_t i, uint32_t snap)
{
	uint32_t cap = HDR + sizes[i] < snap ? HDR + sizes[i] : snap;

	return (struct nsv_pkt){ .sec = 1700000000 + (int64_t)i,
				 .nsec = 123456789,
				 .caplen = cap,
				 .wirelen = HDR + sizes[i],
				 .data = frame[i] };
}

static size_t pipe_left(int fd)
{
	int n = 0;

	return ioctl(fd, FIONREAD, &n) == 0 ? (size_t)n : (size_t)-1;
}

/*
 * Write every frame to @path (opened with @flags), each with all but the
 * first @inmem bytes of its payload in a pipe when @piped, else all in
 * memory. Returns 0, or the first -errno of a write; @left counts bytes a
 * write left in the pipe.
 */
static int write_all(const char *path, int flags, enum nsv_savefile_format fmt,
		     bool piped, uint32_t inmem, uint32_t snap, size_t *left)
{
	struct nsv_savefile_iface ifc = { .name = "relay", .snaplen = snap };
	struct nsv_savefile *s;
	char junk[4096];
	int p[2], fd, r = 0;
	FILE *f;
	size_t i;

	*left = 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | flags, 0644);
	f = fd >= 0 ? fdopen(fd, "wb") : NULL;
	if (!f || pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	fcntl(p[1], F_SETPIPE_SZ, PIPE_SZ);
	r = nsv_savefile_open(&s, f, fmt, &ifc, 1, "test");
	for (i = 0; !r && i < NFRAMES; i++) {
		struct nsv_pkt pkt = pkt_of(i, snap);
		uint32_t mem = HDR + inmem;

		if (piped && pkt.caplen > mem) {
			pkt.piped = pkt.caplen - mem;
			pkt.pipe_fd = p[0];
			if (write(p[1], pkt.data + mem, pkt.piped) !=
			    (ssize_t)pkt.piped)
				r = -EIO;
		}
		if (!r)
			r = nsv_savefile_write(s, 0, &pkt);
		*left += pipe_left(p[0]);
		while (read(p[0], junk, sizeof(junk)) > 0)
			;
	}
	if (r)
		nsv_savefile_close(s);
	else
		r = nsv_savefile_close(s);
	close(p[0]);
	close(p[1]);
	return r;
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	long len;

	*n = 0;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	b = malloc((size_t)len + 1);
	if (b && fread(b, 1, (size_t)len, f) == (size_t)len)
		*n = (size_t)len;
	fclose(f);
	return b;
}

static bool same_file(const char *a, const char *b)
{
	size_t na, nb;
	char *x = slurp(a, &na), *y = slurp(b, &nb);
	bool same = x && y && na == nb && na > 0 && !memcmp(x, y, na);

	if (!same)
		tap_diag("%s: %zu bytes, %s: %zu bytes", a, na, b, nb);
	free(x);
	free(y);
	return same;
}

static void test_same_bytes(void)
{
	static const struct {
		const char *name;
		enum nsv_savefile_format fmt;
		int flags; /* O_APPEND: no splice(2), the copying way */
		uint32_t inmem, snap;
	} t[] = {
		{ "pcap", NSV_SAVEFILE_PCAP, 0, 0, 262144 },
		{ "pcapng", NSV_SAVEFILE_PCAPNG, 0, 0, 262144 },
		{ "pcap, O_APPEND", NSV_SAVEFILE_PCAP, O_APPEND, 0, 262144 },
		{ "pcapng, O_APPEND", NSV_SAVEFILE_PCAPNG, O_APPEND, 0,
		  262144 },
		{ "pcap, 20 bytes of payload in memory", NSV_SAVEFILE_PCAP, 0,
		  20, 262144 },
		{ "pcapng, snap length 70000", NSV_SAVEFILE_PCAPNG, 0, 0,
		  70000 },
	};
	size_t i, left_a, left_b;
	int ra, rb;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ra = write_all(at("mem"), t[i].flags, t[i].fmt, false,
			       t[i].inmem, t[i].snap, &left_a);
		rb = write_all(at("piped"), t[i].flags, t[i].fmt, true,
			       t[i].inmem, t[i].snap, &left_b);
		tap_ok(!ra && !rb && same_file(at("mem"), at("piped")),
		       "%s: payload from a pipe gives the same file as from "
		       "memory (%d, %d)",
		       t[i].name, ra, rb);
		tap_ok(left_b == 0, "%s: each write takes its piped bytes",
		       t[i].name);
	}
}

/*
 * A write that fails half way (RLIMIT_FSIZE: EFBIG, as a full disk gives
 * ENOSPC) is reported as it is without a pipe.
 */
static void test_file_too_large(void)
{
	struct rlimit old, lim;
	size_t left;
	int ra, rb;

	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 100000;
	setrlimit(RLIMIT_FSIZE, &lim);
	ra = write_all(at("mem"), 0, NSV_SAVEFILE_PCAP, false, 0, 262144,
		       &left);
	rb = write_all(at("piped"), 0, NSV_SAVEFILE_PCAP, true, 0, 262144,
		       &left);
	setrlimit(RLIMIT_FSIZE, &old);
	tap_is_int(ra, -EFBIG, "a file past RLIMIT_FSIZE: -EFBIG");
	tap_is_int(rb, -EFBIG, "... and so with the payload in a pipe");
}

/* A pipe that holds less than the frame says: -EIO, not a wait. */
static void test_dry_pipe(void)
{
	struct nsv_savefile_iface ifc = { .snaplen = 262144 };
	struct nsv_pkt pkt = pkt_of(5, 262144);
	struct nsv_savefile *s = NULL;
	int p[2] = { -1, -1 }, r = -1;
	FILE *f = fopen(at("dry"), "wb");

	if (f && pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0 &&
	    nsv_savefile_open(&s, f, NSV_SAVEFILE_PCAP, &ifc, 1, "test") == 0) {
		pkt.piped = pkt.caplen - HDR;
		pkt.pipe_fd = p[0];
		if (write(p[1], pkt.data + HDR, 20000) == 20000)
			r = nsv_savefile_write(s, 0, &pkt);
		nsv_savefile_close(s);
	}
	tap_is_int(r, -EIO,
		   "a pipe with 20000 of the frame's %u piped bytes: -EIO",
		   pkt.piped);
	close(p[0]);
	close(p[1]);
	unlink(at("dry"));
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/nsv-savefile.XXXXXX");
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	make_frames();
	test_same_bytes();
	test_file_too_large();
	test_dry_pipe();
	unlink(at("mem"));
	unlink(at("piped"));
	rmdir(dir);
	return tap_done();
}
