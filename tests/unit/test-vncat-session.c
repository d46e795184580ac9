// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: what vncat puts between the two sides of a session, with
 * fixed inputs and fixed bytes out: the -o/-x session log and its hex dump,
 * the progress line, and the --pty protocol (hellos, frames, the decoder
 * fed one byte at a time, the handshake over socketpairs).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "tap.h"
#include "vncat/log.h"
#include "vncat/progress.h"
#include "vncat/pty.h"

/* Everything written to @fd since it was created, NUL-terminated. */
static size_t slurp(int fd, char *buf, size_t cap)
{
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, cap - 1);
	buf[n > 0 ? n : 0] = '\0';
	return n > 0 ? (size_t)n : 0;
}

static int tmpfd(void)
{
	char path[] = "/tmp/nsv-session.XXXXXX";
	int fd = mkstemp(path);

	if (fd >= 0)
		unlink(path);
	return fd;
}

/* ------------------------------------------------------------ the hex dump */

static void test_hex_line(void)
{
	static const struct {
		char mark;
		unsigned long long off;
		const char *bytes;
		size_t n;
		const char *tag, *want;
	} cases[] = {
		{ '>', 0, "hello\n", 6, NULL,
		  "> 00000000  68 65 6c 6c 6f 0a                                 |hello.|\n" },
		{ '<', 0x1f, "0123456789abcdef", 16, NULL,
		  "< 0000001f  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|\n" },
		{ '>', 16, "\x00\x7f\x80\xff \x1b", 6, NULL,
		  "> 00000010  00 7f 80 ff 20 1b                                 |.... .|\n" },
		{ '<', 0x123456789ULL, "12345678", 8, NULL,
		  "< 123456789  31 32 33 34 35 36 37 38                           |12345678|\n" },
		{ '>', 8, "abcdefghi", 9, "local:1234",
		  "local:1234 > 00000008  61 62 63 64 65 66 67 68  69                       |abcdefghi|\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[NSV_HEX_LINE_MAX + 32];
		int n = nsv_log_hex_line(out, sizeof(out), cases[i].mark,
					 cases[i].off,
					 (const unsigned char *)cases[i].bytes,
					 cases[i].n, cases[i].tag);

		if (n >= 0)
			out[n] = '\0';
		tap_ok(n == (int)strlen(cases[i].want) &&
			       !strcmp(out, cases[i].want),
		       "hex line %zu: %zu bytes at 0x%llx", i, cases[i].n,
		       cases[i].off);
		if (n < 0 || strcmp(out, cases[i].want))
			tap_diag("got '%s'", n < 0 ? "(error)" : out);
	}
	tap_is_int(nsv_log_hex_line((char[8]){ 0 }, 8, '>', 0,
				    (const unsigned char *)"x", 1, NULL),
		   -ENOSPC, "hex line: too small a buffer is -ENOSPC");
	tap_is_int(nsv_log_hex_line((char[128]){ 0 }, 128, '>', 0,
				    (const unsigned char *)"x", 17, NULL),
		   -EINVAL, "hex line: more than 16 bytes is -EINVAL");
}

static void test_log(void)
{
	struct nsv_log l;
	char buf[4096], big[40];
	int raw = tmpfd(), hex = tmpfd();

	nsv_log_init(&l);
	tap_is_int(nsv_log_data(&l, 0, "nothing", 7), 0,
		   "log: without files it writes nothing and succeeds");
	nsv_log_init(&l);
	l.fd = raw;
	l.hex_fd = hex;
	memset(big, 'x', sizeof(big));
	nsv_log_data(&l, 0, "GET /\r\n", 7);
	nsv_log_data(&l, 1, "200 OK\r\n", 8);
	nsv_log_data(&l, 0, big, sizeof(big));
	nsv_log_data(&l, 1, "", 0);
	slurp(raw, buf, sizeof(buf));
	tap_is_str(
		buf,
		"GET /\r\n200 OK\r\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		"-o: both directions, in order, byte for byte");
	slurp(hex, buf, sizeof(buf));
	tap_is_str(
		buf,
		"> 00000000  47 45 54 20 2f 0d 0a                              |GET /..|\n"
		"< 00000000  32 30 30 20 4f 4b 0d 0a                           |200 OK..|\n"
		"> 00000007  78 78 78 78 78 78 78 78  78 78 78 78 78 78 78 78  |xxxxxxxxxxxxxxxx|\n"
		"> 00000017  78 78 78 78 78 78 78 78  78 78 78 78 78 78 78 78  |xxxxxxxxxxxxxxxx|\n"
		"> 00000027  78 78 78 78 78 78 78 78                           |xxxxxxxx|\n",
		"-x: marks, per-direction offsets, a chunk in 16-byte lines");
	tap_ok(l.off[0] == 47 && l.off[1] == 8,
	       "log: 47 bytes sent and 8 received counted");
	close(raw);
	close(hex);

	/* -k: the peer before each line */
	hex = tmpfd();
	nsv_log_init(&l);
	l.hex_fd = hex;
	l.tag = "local:7";
	nsv_log_data(&l, 1, "hi", 2);
	slurp(hex, buf, sizeof(buf));
	tap_is_str(
		buf,
		"local:7 < 00000000  68 69                                             |hi|\n",
		"-x with -k: each line names its connection");
	close(hex);

	/* a log that cannot be written is an error */
	nsv_log_init(&l);
	l.fd = open("/dev/full", O_WRONLY);
	if (l.fd < 0) {
		tap_skip("no /dev/full");
		return;
	}
	tap_is_int(nsv_log_data(&l, 0, "x", 1), -ENOSPC,
		   "-o on a full disk: -ENOSPC");
	close(l.fd);
}

/* ------------------------------------------------------------ the progress */

static void test_progress_format(void)
{
	static const struct {
		unsigned long long sent, received, usec;
		double rate;
		const char *want;
	} cases[] = {
		{ 0, 0, 0, -1, "sent 0 B, received 0 B, 0:00:00" },
		{ 1023, 1, 999999, 0,
		  "sent 1023 B, received 1 B, 0:00:00, 0 B/s" },
		{ 1024, 1536, 1000000, 1024,
		  "sent 1.0 KiB, received 1.5 KiB, 0:00:01, 1.0 KiB/s" },
		{ 67108864, 0, 3500000, 22369621.3,
		  "sent 64.0 MiB, received 0 B, 0:00:03, 21.3 MiB/s" },
		{ 1048575, 0, 61000000, 1048575,
		  "sent 1.0 MiB, received 0 B, 0:01:01, 1.0 MiB/s" },
		{ 5ULL << 40, 3ULL << 30, 3723000000ULL, 1.5 * (1 << 30),
		  "sent 5.0 TiB, received 3.0 GiB, 1:02:03, 1.5 GiB/s" },
		{ 1ULL << 62, 0, 360000000000ULL, -1,
		  "sent 4096.0 PiB, received 0 B, 100:00:00" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[128];
		int n = nsv_progress_format(buf, sizeof(buf), cases[i].sent,
					    cases[i].received, cases[i].usec,
					    cases[i].rate);

		tap_ok(n == (int)strlen(cases[i].want) &&
			       !strcmp(buf, cases[i].want),
		       "progress format %zu: '%s'", i, cases[i].want);
		if (n < 0 || strcmp(buf, cases[i].want))
			tap_diag("got '%s'", n < 0 ? "(error)" : buf);
	}
	tap_is_int(nsv_progress_format((char[16]){ 0 }, 16, 1, 1, 1, 1),
		   -ENOSPC, "progress format: a short buffer is -ENOSPC");
}

static void test_progress_draw(void)
{
	struct nsv_progress p;
	char buf[1024];
	int fd = tmpfd();

	/* a terminal: in place, blanks over a longer line, erased at the end */
	nsv_progress_init(&p, fd, true, NULL, 1000000);
	nsv_progress_update(&p, 100, 0, 500000); /* too early: nothing */
	nsv_progress_update(&p, 2 << 20, 0, 1000000);
	nsv_progress_update(&p, 3 << 20, 0, 2000000);
	nsv_progress_end(&p, 3 << 20, 0, 2500000);
	slurp(fd, buf, sizeof(buf));
	tap_is_str(buf,
		   "\rvncat: sent 2.0 MiB, received 0 B, 0:00:01, 2.0 MiB/s"
		   "\rvncat: sent 3.0 MiB, received 0 B, 0:00:02, 1.0 MiB/s"
		   "\r                                                     \r",
		   "progress on a terminal: nothing in the first second, "
		   "redrawn in place, erased at the end");
	close(fd);

	/* not a terminal: a line each, and the totals at the end */
	fd = tmpfd();
	nsv_progress_init(&p, fd, false, "local:9", 0);
	nsv_progress_update(&p, 0, 1 << 20, 1000000);
	nsv_progress_end(&p, 0, 3 << 20, 2000000);
	slurp(fd, buf, sizeof(buf));
	tap_is_str(
		buf,
		"vncat: local:9: sent 0 B, received 1.0 MiB, 0:00:01, 1.0 MiB/s\n"
		"vncat: local:9: sent 0 B, received 3.0 MiB, 0:00:02, 1.5 MiB/s\n",
		"progress to a file: lines, then the totals and the average");
	close(fd);

	/* a shorter line after a longer one leaves no stale characters */
	fd = tmpfd();
	nsv_progress_init(&p, fd, true, NULL, 0);
	nsv_progress_update(&p, 2000, 0, 1000000);
	nsv_progress_update(&p, 2000, 0, 2000000);
	nsv_progress_clear(&p);
	nsv_progress_clear(&p); /* twice: nothing more */
	slurp(fd, buf, sizeof(buf));
	tap_is_str(buf,
		   "\rvncat: sent 2.0 KiB, received 0 B, 0:00:01, 2.0 KiB/s"
		   "\rvncat: sent 2.0 KiB, received 0 B, 0:00:02, 0 B/s    "
		   "\r                                                     \r",
		   "progress: blanks cover what a longer line left");
	close(fd);
}

/* ------------------------------------------------------------ --pty frames */

struct ctls {
	char log[256];
	size_t n;
};

static void on_ctl(void *arg, uint8_t type, const uint8_t *p, size_t len)
{
	struct ctls *c = arg;

	c->n += (size_t)snprintf(c->log + c->n, sizeof(c->log) - c->n,
				 "[%c:%zu]", type, len);
	if (type == NSV_PTY_TERM)
		c->n += (size_t)snprintf(c->log + c->n, sizeof(c->log) - c->n,
					 "%.*s", (int)len, (const char *)p);
}

static void test_pty_frames(void)
{
	struct winsize ws = { .ws_row = 24, .ws_col = 80 }, got;
	char buf[200], stream[200];
	size_t n = 0, k;
	ssize_t e;

	k = nsv_pty_winsize_frame(buf, &ws);
	tap_ok(k == 11 && !memcmp(buf, "w\0\x08\0\x18\0\x50\0\0\0\0", 11),
	       "a 'w' frame: type, length 8, rows 24, columns 80, no pixels");
	tap_ok(nsv_pty_winsize_parse((const uint8_t *)buf + 3, 8, &got) == 0 &&
		       got.ws_row == 24 && got.ws_col == 80,
	       "a 'w' payload parses back to 24x80");
	tap_is_int(nsv_pty_winsize_parse((const uint8_t *)"\0\0\0\x50\0\0\0\0",
					 8, &got),
		   -EINVAL, "0 rows is not a window size");
	tap_ok(nsv_pty_term_ok((const uint8_t *)"xterm-256color", 14) &&
		       nsv_pty_term_ok((const uint8_t *)"screen.xterm+x_1", 16),
	       "TERM names with letters, digits and ._+- are taken");
	tap_ok(!nsv_pty_term_ok((const uint8_t *)"xterm;rm", 8) &&
		       !nsv_pty_term_ok((const uint8_t *)"a b", 3) &&
		       !nsv_pty_term_ok((const uint8_t *)"", 0),
	       "TERM names with anything else, or empty, are refused");

	memcpy(buf, "ls\r", 3);
	e = nsv_pty_encode(buf, 3, sizeof(buf));
	tap_ok(e == 6 && !memcmp(buf, "d\0\3ls\r", 6),
	       "data 'ls\\r' becomes one 'd' frame of 3 bytes");
	tap_is_int(nsv_pty_encode(buf, 3, 5), -ENOSPC,
		   "encoding without room for the header is -ENOSPC");

	/* a stream with every kind of frame, decoded one byte at a time */
	n += nsv_pty_frame(stream + n, NSV_PTY_TERM, "xterm", 5);
	n += nsv_pty_winsize_frame(stream + n, &ws);
	n += nsv_pty_frame(stream + n, NSV_PTY_DATA, "echo hi\r", 8);
	n += nsv_pty_frame(stream + n, 'z', "future", 6); /* unknown: skipped */
	n += nsv_pty_frame(stream + n, NSV_PTY_DATA, "", 0);
	n += nsv_pty_frame(stream + n, NSV_PTY_DATA, "\x03", 1);
	for (int step = 1; step <= 3; step++) {
		struct nsv_pty_dec d = { 0 };
		struct ctls c = { 0 };
		char data[64];
		size_t nd = 0;

		for (size_t i = 0; i < n; i += (size_t)step) {
			size_t len = n - i < (size_t)step ? n - i :
							    (size_t)step;

			memcpy(buf, stream + i, len);
			len = nsv_pty_decode(&d, buf, len, on_ctl, &c);
			memcpy(data + nd, buf, len);
			nd += len;
		}
		tap_ok(nd == 9 && !memcmp(data, "echo hi\r\x03", 9) &&
			       !strcmp(c.log, "[t:5]xterm[w:8]"),
		       "decoding %d byte(s) at a time: the data, TERM and the "
		       "window size, the unknown frame skipped",
		       step);
		if (strcmp(c.log, "[t:5]xterm[w:8]"))
			tap_diag("controls: '%s'", c.log);
	}
}

/* 70000 bytes take two 'd' frames and come back whole. */
static void test_pty_big(void)
{
	size_t len = 70000, cap = len + 64;
	char *buf = malloc(cap), *orig = malloc(len);
	struct nsv_pty_dec d = { 0 };
	ssize_t e;
	size_t out;

	for (size_t i = 0; i < len; i++)
		orig[i] = (char)(i * 7);
	memcpy(buf, orig, len);
	e = nsv_pty_encode(buf, len, cap);
	tap_ok(e == (ssize_t)len + 6 && buf[0] == 'd' &&
		       (uint8_t)buf[1] == 0xff && (uint8_t)buf[2] == 0xff &&
		       buf[65538] == 'd',
	       "70000 bytes: a full 'd' frame and a second one");
	out = nsv_pty_decode(&d, buf, (size_t)e, NULL, NULL);
	tap_ok(out == len && !memcmp(buf, orig, len),
	       "70000 bytes: decoded in place, byte for byte");
	free(buf);
	free(orig);
}

/* The handshake over a socketpair: what is consumed and what is not. */
static void test_pty_expect(void)
{
	static const struct {
		const char *sent;
		size_t len;
		int want;
		const char *left; /* what the next read gets */
	} cases[] = {
		{ NSV_PTY_HELLO_PROG "after", NSV_PTY_HELLO_LEN + 5, 1,
		  "after" },
		{ "ls -l\n", 6, 0, "ls -l\n" },
		{ "\033_vncat-pty;2\033\\", 15, 0, "\033_vncat-pty;2\033\\" },
		{ NSV_PTY_HELLO_TERM, NSV_PTY_HELLO_LEN, 0,
		  NSV_PTY_HELLO_TERM },
		{ "", 0, -ETIMEDOUT, "" },
		{ "\033_vncat", 7, -ETIMEDOUT, "\033_vncat" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[64] = "";
		int sp[2], r;
		ssize_t n;

		socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
		if (cases[i].len)
			send(sp[1], cases[i].sent, cases[i].len, 0);
		r = nsv_pty_expect(sp[0], NSV_PTY_HELLO_PROG, NSV_PTY_HELLO_LEN,
				   100);
		n = recv(sp[0], buf, sizeof(buf) - 1, MSG_DONTWAIT);
		buf[n > 0 ? n : 0] = '\0';
		tap_ok(r == cases[i].want && !strcmp(buf, cases[i].left),
		       "expect case %zu: %d, and the rest stays to be read", i,
		       cases[i].want);
		if (r != cases[i].want)
			tap_diag("got %d", r);
		close(sp[0]);
		close(sp[1]);
	}
}

static void test_pty_read_frame(void)
{
	uint8_t type = 0, p[NSV_PTY_TERM_MAX + 1];
	char big[300];
	int sp[2], r;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
	send(sp[1], "t\0\5xterm", 8, 0);
	r = nsv_pty_read_frame(sp[0], &type, p, 100);
	tap_ok(r == 5 && type == 't' && !memcmp(p, "xterm", 5),
	       "read_frame: a 't' frame");
	big[0] = 't';
	big[1] = 1;
	big[2] = 0; /* 256 bytes */
	memset(big + 3, 'a', 256);
	memcpy(big + 259, "w\0\0", 3);
	send(sp[1], big, 262, 0);
	r = nsv_pty_read_frame(sp[0], &type, p, 100);
	tap_is_int(r, 256, "read_frame: a long payload is read whole");
	r = nsv_pty_read_frame(sp[0], &type, p, 100);
	tap_ok(r == 0 && type == 'w', "read_frame: the next frame follows it");
	send(sp[1], "w\0", 2, 0);
	tap_is_int(nsv_pty_read_frame(sp[0], &type, p, 100), -ETIMEDOUT,
		   "read_frame: half a header times out");
	shutdown(sp[1], SHUT_WR);
	tap_is_int(nsv_pty_read_frame(sp[0], &type, p, 100), -EPROTO,
		   "read_frame: EOF in a frame is -EPROTO");
	close(sp[0]);
	close(sp[1]);
}

static void test_pty_open(void)
{
	struct termios saved, now;
	int m, s;

	if (nsv_pty_open(&m, &s) < 0) {
		tap_skip("no pseudo-terminals here");
		return;
	}
	tap_ok(isatty(s) && (fcntl(m, F_GETFL) & O_NONBLOCK) &&
		       (fcntl(m, F_GETFD) & FD_CLOEXEC) &&
		       (fcntl(s, F_GETFD) & FD_CLOEXEC),
	       "pty: a terminal, a non-blocking master, both close-on-exec");
	tap_ok(nsv_pty_raw(s, &saved) == 0 && tcgetattr(s, &now) == 0 &&
		       !(now.c_lflag & (ECHO | ICANON | ISIG)) &&
		       (saved.c_lflag & ECHO),
	       "raw mode: no echo, no lines, no signal keys; the old settings kept");
	tap_ok(tcsetattr(s, TCSANOW, &saved) == 0 && tcgetattr(s, &now) == 0 &&
		       (now.c_lflag & ECHO),
	       "raw mode: undone with the saved settings");
	tap_is_int(nsv_pty_raw(m == 0 ? 1 : open("/dev/null", O_RDONLY),
			       &saved),
		   -ENOTTY, "raw mode on something else: -ENOTTY");
	close(m);
	close(s);
}

int main(void)
{
	nsv_cli_init("vncat");
	alarm(60);
	test_hex_line();
	test_log();
	test_progress_format();
	test_progress_draw();
	test_pty_frames();
	test_pty_big();
	test_pty_expect();
	test_pty_read_frame();
	test_pty_open();
	return tap_done();
}
