// SPDX-License-Identifier: GPL-2.0-or-later
/* vncat: messages, endpoints, and the relay with what options put between. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hybrid.h"
#include "log.h"
#include "progress.h"
#include "pty.h"
#include "relay.h"
#include "vncat.h"

/* -v: a line like an error's */
void vncat_info(const struct vncat_opts *o, const char *fmt, ...)
{
	va_list ap;

	if (!o->verbose)
		return;
	va_start(ap, fmt);
	nsv_verr(fmt, ap);
	va_end(ap);
}

void vncat_ep_name(const struct vncat_opts *o, const struct nsv_endpoint *e,
		   char *buf, size_t len)
{
	if (e->kind == NSV_EP_VSOCK) {
		if (nsv_names_addr_format(o->names, e->vsock.cid, e->vsock.port,
					  o->fmt, buf, len) < 0)
			snprintf(buf, len, "?");
		return;
	}
	if (nsv_endpoint_format(e, o->fmt, buf, len) < 0)
		snprintf(buf, len, "?");
}

static const char *type_name(enum nsv_socktype t)
{
	switch (t) {
	case NSV_SOCK_SEQPACKET:
		return "seqpacket";
	case NSV_SOCK_DGRAM:
		return "dgram";
	default:
		return "stream";
	}
}

struct retry_ctx {
	const struct vncat_opts *o;
	const struct nsv_endpoint *e;
};

static void on_retry(int err, unsigned int attempt, void *arg)
{
	const struct retry_ctx *rc = arg;
	struct nsv_sock_cfg c = rc->o->sock;
	char msg[512];

	if (!rc->o->verbose)
		return;
	c.retry_ms = 0; /* "nothing listening", not "gave up" */
	nsv_endpoint_explain(err, NSV_OP_CONNECT, rc->e, &c,
			     nsv_transports_loaded(NULL), NULL, msg,
			     sizeof(msg));
	vncat_info(rc->o, "%s; retrying (attempt %u)", msg, attempt);
}

/* Connect to @e with -w, --retry, -s/-p, --sibling; messages on failure. */
/*
 * A namespace whose vsock mode is local (Linux 7.0+, or nsvsock) turns a
 * connect to a listener elsewhere into a reset, as if nothing listened:
 * say so, or the user looks for a listener that is there.
 */
static void explain_nsmode(int err, uint32_t cid, unsigned int tr, char *msg,
			   size_t len)
{
	struct nsv_nsmode m;

	if (err != -ECONNRESET && err != -ECONNREFUSED)
		return;
	if (nsv_nsmode_read(NULL, &m) == 0)
		nsv_sock_explain_nsmode(err, nsv_sock_is_loopback(cid, tr), &m,
					msg, len);
}

int vncat_connect_target(const struct vncat_opts *o,
			 const struct nsv_endpoint *e)
{
	struct retry_ctx rc = { o, e };
	char answer[NSV_HYBRID_LINE_MAX], msg[512], name[160];
	uint32_t host_port = NSV_PORT_ANY;
	int fd;

	fd = nsv_endpoint_connect(e, &o->sock, on_retry, &rc, &host_port,
				  answer, sizeof(answer));
	if (fd < 0) {
		unsigned int tr = nsv_transports_loaded(NULL);

		nsv_endpoint_explain(fd, NSV_OP_CONNECT, e, &o->sock, tr,
				     answer, msg, sizeof(msg));
		if (e->kind == NSV_EP_VSOCK)
			explain_nsmode(fd, e->vsock.cid, tr, msg, sizeof(msg));
		nsv_err("%s", msg);
		return fd;
	}
	vncat_ep_name(o, e, name, sizeof(name));
	if (e->kind == NSV_EP_VSOCK) {
		struct nsv_addr l;
		char ls[NSV_NAMES_ADDR_STRLEN] = "?";

		if (nsv_sock_names(fd, &l, NULL) == 0)
			nsv_names_addr_format(o->names, l.cid, l.port, o->fmt,
					      ls, sizeof(ls));
		vncat_info(o, "connected to %s from %s (%s)", name, ls,
			   type_name(o->sock.type));
	} else if (e->kind == NSV_EP_HYBRID) {
		vncat_info(o, "connected to guest port %u through %s (OK %u)",
			   e->vsock.port, e->path, host_port);
	} else {
		vncat_info(o, "connected to %s", name);
	}
	return fd;
}

/* -v: how a file or pipe reached a stream socket, when it did */
static void print_via(const struct vncat_opts *o, const char *from,
		      const char *to, enum nsv_relay_via via)
{
	switch (via) {
	case NSV_RELAY_VIA_BUFFER:
		break;
	case NSV_RELAY_VIA_SENDFILE:
		vncat_info(o, "%s -> %s: by sendfile()", from, to);
		break;
	case NSV_RELAY_VIA_SPLICE:
		vncat_info(o, "%s -> %s: by splice()", from, to);
		break;
	case NSV_RELAY_VIA_ZEROCOPY:
		vncat_info(
			o,
			"%s -> %s: by send(MSG_ZEROCOPY) from the file mapped",
			from, to);
		break;
	case NSV_RELAY_VIA_MAP:
		vncat_info(o,
			   "%s -> %s: by send() from the file mapped (this "
			   "kernel splices a page per vsock packet)",
			   from, to);
		break;
	case NSV_RELAY_VIA_COPY:
		vncat_info(
			o, "%s -> %s: by read() and send()%s", from, to,
			o->path == NSV_RELAY_PATH_COPY ?
				"" :
				" (this kernel splices a page per vsock packet)");
		break;
	}
}

static void print_stats(const struct vncat_opts *o, const char *a,
			const char *b, const struct nsv_relay_stats *st)
{
	double s = st->usec / 1e6;
	double mib = (double)(st->bytes[0] + st->bytes[1]) / (1 << 20);

	if (!o->verbose)
		return;
	if (o->sock.type == NSV_SOCK_STREAM || o->sock.type == NSV_SOCK_UNSPEC)
		vncat_info(
			o,
			"%s -> %s: %llu bytes, %s -> %s: %llu bytes in %.3f s (%.1f MiB/s)",
			a, b, (unsigned long long)st->bytes[0], b, a,
			(unsigned long long)st->bytes[1], s,
			s > 0 ? mib / s : 0.0);
	else
		vncat_info(
			o,
			"%s -> %s: %llu bytes in %llu messages, %s -> %s: %llu bytes in %llu messages, %.3f s (%.1f MiB/s)",
			a, b, (unsigned long long)st->bytes[0],
			(unsigned long long)st->writes[0], b, a,
			(unsigned long long)st->bytes[1],
			(unsigned long long)st->writes[1], s,
			s > 0 ? mib / s : 0.0);
	print_via(o, a, b, st->via[0]);
	print_via(o, b, a, st->via[1]);
	if (st->lingered)
		vncat_info(
			o,
			"-q time is up: quitting with a direction still open");
}

/* Say in one line why the relay stopped early. */
static void relay_failed(const char *a, const char *b,
			 const struct nsv_relay_stats *st, size_t bufsize)
{
	for (int i = 0; i < 2; i++) {
		const char *from = i ? b : a, *to = i ? a : b;
		int e = -st->err[i];

		if (!e)
			continue;
		if (e == EMSGSIZE)
			nsv_err("a message from %s was larger than the %zu-byte buffer: raise --bufsize",
				from, bufsize);
		else if (st->err_write[i] && (e == EPIPE || e == ECONNRESET))
			nsv_err("%s stopped reading (%s): %llu bytes not delivered",
				to, strerror(e),
				(unsigned long long)st->unsent[i]);
		else if (st->err_write[i])
			nsv_err("writing to %s: %s", to, strerror(e));
		else
			nsv_err("reading from %s: %s", from, strerror(e));
	}
}

size_t vncat_bufsize(const struct vncat_opts *o)
{
	/*
	 * A message may be as big as our socket buffer lets the peer send,
	 * so in message mode ours is that big; a stream is read in 256 KiB.
	 */
	if (o->sock.type == NSV_SOCK_SEQPACKET ||
	    o->sock.type == NSV_SOCK_DGRAM)
		return (size_t)(o->sock.bufsize ? o->sock.bufsize :
						  VNCAT_BUFSIZE);
	return NSV_RELAY_BUFSIZE;
}

/* What vncat puts between read and write: -o/-x, and the --pty frames. */
struct shaper {
	struct nsv_log log;
	bool logging;
	int log_err;
	const struct vncat_ends *e;
	int tty; /* TERM: the terminal whose window size we send, or -1 */
};

/* PTY: a window size from the terminal's side goes to the program's. */
static void on_ctl(void *arg, uint8_t type, const uint8_t *p, size_t len)
{
	struct shaper *s = arg;
	struct winsize ws;

	if (type == NSV_PTY_WINSIZE && nsv_pty_winsize_parse(p, len, &ws) == 0)
		ioctl(s->e->a_r, TIOCSWINSZ, &ws);
}

/* TERM: data in frames, after a 'w' frame if the window changed. */
static ssize_t encode(struct shaper *s, char *buf, size_t len, size_t cap)
{
	struct winsize ws;
	bool changed = false;
	size_t pre = 0;
	ssize_t n;
	char c[16];

	while (s->e->winch_fd >= 0 && read(s->e->winch_fd, c, sizeof(c)) > 0)
		changed = true;
	if (changed && s->tty >= 0 && ioctl(s->tty, TIOCGWINSZ, &ws) == 0) {
		if (len + 11 > cap)
			return -ENOSPC;
		memmove(buf + 11, buf, len);
		pre = nsv_pty_winsize_frame(buf, &ws);
	}
	n = nsv_pty_encode(buf + pre, len, cap - pre);
	return n < 0 ? n : n + (ssize_t)pre;
}

/*
 * PTY: the program exited. Its session ends now, even if a background job
 * still holds the terminal (and so the master never reads EOF).
 */
static ssize_t prog_gone(struct shaper *s)
{
	siginfo_t si = { 0 };
	char c[16];

	while (read(s->e->chld_fd, c, sizeof(c)) > 0)
		;
	/* WNOWAIT: its status is for whoever waits for it afterwards */
	if (waitid(P_PID, (id_t)s->e->pid, &si, WEXITED | WNOHANG | WNOWAIT) ==
		    0 &&
	    si.si_pid == s->e->pid)
		return -ESHUTDOWN;
	return 0;
}

static ssize_t shape(void *arg, int dir, char *buf, size_t len, size_t cap)
{
	struct shaper *s = arg;
	int r;

	if (dir == 0 && !len && s->e->side == VNCAT_SIDE_PTY)
		return prog_gone(s);
	if (dir == 1 && s->e->dec)
		len = nsv_pty_decode(s->e->dec, buf, len, on_ctl, s);
	/* what the user typed and saw, not the frames around it */
	if (s->logging && len) {
		r = nsv_log_data(&s->log, dir, buf, len);
		if (r < 0) {
			s->log_err = r;
			return r;
		}
	}
	if (dir == 0 && s->e->encode)
		return encode(s, buf, len, cap);
	return (ssize_t)len;
}

struct meter {
	struct nsv_progress p;
	bool yield; /* stdout is the terminal too: step aside for its data */
	bool gone;
};

static void on_tick(void *arg, const struct nsv_relay_stats *st)
{
	struct meter *m = arg;

	if (m->gone)
		return;
	if (m->yield && st->bytes[1]) {
		nsv_progress_clear(&m->p);
		m->gone = true;
		return;
	}
	nsv_progress_update(&m->p, st->bytes[0], st->bytes[1], st->usec);
}

/*
 * --progress, --no-progress, or by itself: on a terminal, for a transfer
 * between the connection and a file or pipe (not both ends a terminal).
 */
static bool want_progress(const struct vncat_opts *o,
			  const struct vncat_ends *e, bool *automatic)
{
	*automatic = o->progress == VNCAT_PROGRESS_AUTO;
	if (o->progress != VNCAT_PROGRESS_AUTO)
		return o->progress == VNCAT_PROGRESS_ON;
	return e->side == VNCAT_SIDE_STDIO && !o->keep && isatty(2) &&
	       !(isatty(0) && isatty(1));
}

static int term_fd(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (isatty(fd))
			return fd;
	return -1;
}

/*
 * Relay side A (stdin/stdout, a program, or the accepted connection) and
 * side B (the connection, or the target) until both directions end.
 */
int vncat_relay(const struct vncat_opts *o, const struct vncat_conn *c,
		struct vncat_ends *e)
{
	struct nsv_relay_cfg rc = { 0 };
	struct nsv_relay_stats st;
	struct shaper sh = { .e = e, .tty = -1 };
	struct meter m = { 0 };
	bool automatic, progress = want_progress(o, e, &automatic);
	int r;

	rc.bufsize = vncat_bufsize(o);
	rc.path = o->path;
	rc.messages = o->sock.type == NSV_SOCK_SEQPACKET ||
		      o->sock.type == NSV_SOCK_DGRAM;
	rc.no_shutdown = o->no_shutdown;
	rc.linger_ms = o->linger_ms;
	/* datagrams have no EOF: input EOF is the end unless -q says */
	if (o->sock.type == NSV_SOCK_DGRAM && rc.linger_ms < 0)
		rc.linger_ms = 0;
	/* a terminal session ends with either side, as ssh's does */
	if ((e->side == VNCAT_SIDE_PTY || e->side == VNCAT_SIDE_TERM) &&
	    rc.linger_ms < 0)
		rc.linger_ms = 0;
	rc.idle_ms = o->idle_ms;
	rc.a_pty = e->side == VNCAT_SIDE_PTY;
	if (e->side == VNCAT_SIDE_STDIO || e->side == VNCAT_SIDE_PROG) {
		rc.dir[0].crlf = o->crlf;
		rc.dir[0].line_delay_ms = o->delay_ms;
	}
	nsv_log_init(&sh.log);
	sh.log.fd = o->log_fd;
	sh.log.hex_fd = o->hex_fd;
	sh.log.tag = o->keep ? c->name : NULL;
	sh.logging = o->log_fd >= 0 || o->hex_fd >= 0;
	if (sh.logging || e->side == VNCAT_SIDE_PTY || e->encode) {
		for (int i = 0; i < 2; i++) {
			rc.dir[i].filter = shape;
			rc.dir[i].arg = &sh;
		}
		if (e->side == VNCAT_SIDE_PTY)
			rc.dir[0].wake_fd = e->chld_fd;
		if (e->encode) {
			sh.tty = term_fd();
			rc.dir[0].wake_fd = e->winch_fd;
		}
	}
	if (progress) {
		bool tty = isatty(2) && !o->keep;

		/* by itself only for what takes longer than a second */
		nsv_progress_init(&m.p, 2, tty, o->keep ? c->name : NULL,
				  automatic ? 1000000 : 0);
		m.yield = automatic && isatty(1);
		rc.tick = on_tick;
		rc.tick_arg = &m;
		rc.tick_ms = tty ? 250 : 1000;
	}
	r = nsv_relay(e->a_r, e->a_w, e->b_r, e->b_w, &rc, &st);
	if (progress && !m.gone)
		nsv_progress_end(&m.p, st.bytes[0], st.bytes[1], st.usec);
	print_stats(o, e->a_name, e->b_name, &st);
	if (sh.log_err) {
		nsv_err("writing the session log: %s", strerror(-sh.log_err));
		return NSV_EXIT_FAIL;
	}
	if (st.idle) {
		nsv_err("idle timeout: nothing sent or received for %g s",
			o->idle_ms / 1000.0);
		return NSV_EXIT_FAIL;
	}
	if (r < 0) {
		if (st.err[0] || st.err[1])
			relay_failed(e->a_name, e->b_name, &st,
				     vncat_bufsize(o));
		else
			nsv_err("relay: %s", strerror(-r));
		return NSV_EXIT_FAIL;
	}
	return NSV_EXIT_OK;
}

void vncat_conn_describe(const struct vncat_opts *o, struct vncat_conn *c)
{
	c->vsock = nsv_sock_names(c->fd, &c->local, &c->peer) == 0;
	if (c->vsock) {
		nsv_names_addr_format(o->names, c->peer.cid, c->peer.port,
				      o->fmt, c->name, sizeof(c->name));
		return;
	}
	if (!c->name[0])
		vncat_ep_name(o, &o->ep, c->name, sizeof(c->name));
}
