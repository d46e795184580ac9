// SPDX-License-Identifier: GPL-2.0-or-later
/* vncat: messages, naming and connecting endpoints, relaying a connection. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hybrid.h"
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

/*
 * Relay side A (stdin/stdout, or the accepted connection) and side B (the
 * connection, or the target) until both directions end.
 */
int vncat_relay(const struct vncat_opts *o, int a_r, int a_w, int b,
		const char *a_name, const char *b_name)
{
	struct nsv_relay_cfg rc = { 0 };
	struct nsv_relay_stats st;
	int r;

	rc.bufsize = vncat_bufsize(o);
	rc.messages = o->sock.type == NSV_SOCK_SEQPACKET ||
		      o->sock.type == NSV_SOCK_DGRAM;
	rc.no_shutdown = o->no_shutdown;
	rc.linger_ms = o->linger_ms;
	/* datagrams have no EOF: input EOF is the end unless -q says */
	if (o->sock.type == NSV_SOCK_DGRAM && rc.linger_ms < 0)
		rc.linger_ms = 0;
	r = nsv_relay(a_r, a_w, b, b, &rc, &st);
	print_stats(o, a_name, b_name, &st);
	if (r < 0) {
		if (st.err[0] || st.err[1])
			relay_failed(a_name, b_name, &st, rc.bufsize);
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
