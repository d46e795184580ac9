// SPDX-License-Identifier: GPL-2.0-or-later
/* vncat: --pty: the program's side of the handshake, and the terminal's side. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "pty.h"
#include "vncat.h"

/* How long each side waits for the other's hello. */
#define PROG_WAIT_MS 2000
#define TERM_WAIT_MS 5000

int vncat_term_accept(const struct vncat_opts *o, const struct vncat_conn *c,
		      struct vncat_term_info *ti)
{
	uint8_t type, p[NSV_PTY_TERM_MAX + 1];
	int r, n;

	memset(ti, 0, sizeof(*ti));
	if (send(c->fd, NSV_PTY_HELLO_PROG, NSV_PTY_HELLO_LEN, MSG_NOSIGNAL) !=
	    NSV_PTY_HELLO_LEN) {
		nsv_err("%s: sending the --pty hello: %s", c->name,
			strerror(errno));
		return -EIO;
	}
	r = nsv_pty_expect(c->fd, NSV_PTY_HELLO_TERM, NSV_PTY_HELLO_LEN,
			   PROG_WAIT_MS);
	if (r == 0 || r == -ETIMEDOUT) {
		vncat_info(o, "%s: a plain terminal: no window sizes", c->name);
		return 0;
	}
	if (r < 0) {
		nsv_err("%s: waiting for the --pty hello: %s", c->name,
			strerror(-r));
		return r;
	}
	/* the terminal's hello ends with its TERM and its window size */
	for (int k = 0; k < 2; k++) {
		n = nsv_pty_read_frame(c->fd, &type, p, PROG_WAIT_MS);
		if (n < 0) {
			nsv_err("%s: the --pty handshake broke off: %s",
				c->name,
				n == -EPROTO ? "end of data" : strerror(-n));
			return n;
		}
		if (type == NSV_PTY_TERM && nsv_pty_term_ok(p, (size_t)n)) {
			memcpy(ti->term, p, (size_t)n);
			ti->term[n] = '\0';
		} else if (type == NSV_PTY_WINSIZE &&
			   nsv_pty_winsize_parse(p, (size_t)n, &ti->ws) < 0) {
			memset(&ti->ws, 0, sizeof(ti->ws));
		}
	}
	vncat_info(o, "%s: a vncat terminal, TERM=%s, %u rows, %u columns",
		   c->name, ti->term[0] ? ti->term : "(none)", ti->ws.ws_row,
		   ti->ws.ws_col);
	return 1;
}

/* ------------------------------------------------------ the terminal side */

/*
 * Raw mode is undone on every way out: the normal end, exit(), and the
 * signals that end a process (with raw mode on, keys send no signals; these
 * come from elsewhere).
 */
static struct termios saved;
static volatile sig_atomic_t raw_fd = -1;
static int winch[2] = { -1, -1 };
static const int fatal[] = { SIGHUP,  SIGINT,  SIGQUIT, SIGTERM, SIGABRT,
			     SIGSEGV, SIGBUS,  SIGFPE,	SIGALRM, SIGUSR1,
			     SIGUSR2, SIGXCPU, SIGXFSZ };

static void restore(void)
{
	int fd = raw_fd;

	if (fd >= 0) {
		raw_fd = -1;
		tcsetattr(fd, TCSADRAIN, &saved);
	}
}

static void on_fatal(int sig)
{
	restore(); /* tcsetattr() may be called in a handler */
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_winch(int sig)
{
	int e = errno;

	(void)sig;
	if (write(winch[1], "w", 1) < 0) {
		/* full: a change is already pending */
	}
	errno = e;
}

static int enter_raw(int fd)
{
	struct sigaction sa = { 0 };
	int r;

	sa.sa_handler = on_fatal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaddset(&sa.sa_mask, fatal[i]);
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
	atexit(restore);
	r = nsv_pty_raw(fd, &saved);
	if (r == 0)
		raw_fd = fd;
	return r;
}

/* Our hello, TERM and window size, in one send. */
static int send_hello(int fd)
{
	char buf[NSV_PTY_HELLO_LEN + 2 * NSV_PTY_FRAME_HDR + NSV_PTY_TERM_MAX +
		 8];
	const char *term = getenv("TERM");
	struct winsize ws = { 0 };
	size_t n = NSV_PTY_HELLO_LEN, tl = term ? strlen(term) : 0;

	memcpy(buf, NSV_PTY_HELLO_TERM, n);
	if (!term || !nsv_pty_term_ok((const uint8_t *)term, tl))
		tl = 0;
	n += nsv_pty_frame(buf + n, NSV_PTY_TERM, term, (uint16_t)tl);
	for (int t = 0; t < 3; t++)
		if (ioctl(t, TIOCGWINSZ, &ws) == 0)
			break;
	n += nsv_pty_winsize_frame(buf + n, &ws);
	if (send(fd, buf, n, MSG_NOSIGNAL) != (ssize_t)n)
		return -errno;
	return 0;
}

int vncat_term_run(const struct vncat_opts *o, struct vncat_conn *c)
{
	struct vncat_ends e = {
		.side = VNCAT_SIDE_TERM,
		.a_r = 0,
		.a_w = 1,
		.b_r = c->fd,
		.b_w = c->fd,
		.a_name = "terminal",
		.b_name = c->name,
		.winch_fd = -1,
	};
	struct sigaction sa = { 0 };
	int r;

	r = nsv_pty_expect(c->fd, NSV_PTY_HELLO_PROG, NSV_PTY_HELLO_LEN,
			   TERM_WAIT_MS);
	if (r < 0 && r != -ETIMEDOUT) {
		nsv_err("%s: waiting for the --pty hello: %s", c->name,
			strerror(-r));
		return NSV_EXIT_FAIL;
	}
	if (r == 1) {
		if (pipe2(winch, O_NONBLOCK | O_CLOEXEC) < 0) {
			nsv_err("pipe: %s", strerror(errno));
			return NSV_EXIT_FAIL;
		}
		sa.sa_handler = on_winch;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGWINCH, &sa, NULL);
		r = send_hello(c->fd);
		if (r < 0) {
			nsv_err("%s: sending the --pty hello: %s", c->name,
				strerror(-r));
			return NSV_EXIT_FAIL;
		}
		e.encode = true;
		e.winch_fd = winch[0];
		vncat_info(o, "%s: a vncat --pty program: window sizes follow",
			   c->name);
	} else {
		nsv_err("%s is not a vncat --pty program: a plain connection, "
			"without window sizes",
			c->name);
	}
	if (isatty(0)) {
		r = enter_raw(0);
		if (r < 0) {
			nsv_err("raw mode for the terminal: %s", strerror(-r));
			return NSV_EXIT_FAIL;
		}
	}
	r = vncat_relay(o, c, &e);
	restore();
	if (e.encode) {
		signal(SIGWINCH, SIG_DFL);
		close(winch[0]);
		close(winch[1]);
	}
	return r;
}
