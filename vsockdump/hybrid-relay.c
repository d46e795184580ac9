// SPDX-License-Identifier: LGPL-2.1-or-later
/* The recording relay for hybrid vsock: Unix sockets in, Unix sockets out, frames. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "filter.h"
#include "hybrid-relay.h"
#include "hybrid.h"
#include "proto.h"

/*
 * One epoll loop moves the bytes of every connection; each read becomes
 * one frame, built in place in front of the bytes (the buffers keep room
 * for the vsockmon header), and is written on as it came. The handshake
 * lines are only looked at, never changed: the client reads the VMM's own
 * answer. Half-closes pass through as shutdown(SHUT_WR); a side that can
 * no longer be written to is passed on as shutdown(SHUT_RD), which makes
 * the writer's next write fail with EPIPE as it would have directly.
 */

#define HDR NSV_MON_HDR_LEN
#define CHUNK (256 * 1024 - HDR) /* a frame of header and chunk fits */
#define LINE NSV_HYBRID_LINE_MAX
#define HOLD_MAX 16 /* frames held while a request waits for its answer */
#define CONNECT_TIMEOUT_S 2
#define PIPE_SIZE (1 << 20)
#define SNDBUF (4 << 20)
#define SUN_MAX (sizeof(((struct sockaddr_un *)0)->sun_path))

enum { A, B }; /* A connected to us (client, VMM); B is where we connect */

struct swap {
	char path[SUN_MAX], aside[SUN_MAX];
	dev_t dev;
	ino_t ino; /* our socket, to swap back only what is still ours */
	bool active;
};

struct listener {
	int fd;
	bool host; /* host-initiated (else a guest port) */
	uint32_t port; /* guest-initiated: the host port */
	char path[SUN_MAX]; /* where we listen */
	char upstream[SUN_MAX]; /* where each connection goes on to */
	dev_t dev;
	ino_t ino;
	struct swap *swap; /* taken over: swap back instead of unlink */
};

struct held {
	int64_t sec;
	uint32_t nsec;
	uint16_t op;
	int dir;
	uint8_t *frame; /* HDR + captured bytes */
	uint32_t caplen, wirelen;
};

struct conn;

struct endpoint {
	struct conn *c;
	int side;
	uint32_t events; /* registered with epoll */
	bool gone; /* hung up and done with: out of epoll */
};

struct dir {
	uint8_t *buf; /* HDR of room, then CHUNK bytes */
	size_t off, len; /* read, not yet written (in buf, or in pipe) */
	bool eof; /* nothing more comes from the source */
	bool shut; /* the destination was shut down for writing */
	/* spliced: the bytes wait in pipe; tee gets a copy of what the
	 * frame keeps, and with o.pipe_payload the last @piped of them stay
	 * there for the writer */
	int pipe[2], tee[2];
	size_t piped; /* of the frame going out, bytes left in tee */
	size_t teed; /* bytes in tee before the frame went out */
	bool no_splice; /* pipes unavailable: read and write */
};

struct conn {
	struct conn *prev, *next;
	int fd[2];
	struct endpoint ep[2];
	struct dir d[2]; /* d[0]: A to B, d[1]: B to A */
	uint32_t num;
	bool host; /* host-initiated */
	uint64_t cid[2]; /* the vsock ends of A and B */
	uint32_t port[2];
	/* host-initiated: the request and the answer lines, as seen */
	bool req_done, ans_done;
	char req[LINE], ans[LINE];
	size_t reqlen, anslen;
	uint32_t guest_port;
	struct held hold[HOLD_MAX];
	int nhold;
	bool refused; /* the VMM said no: there is no connection to close */
	bool dead;
};

struct nsv_hrelay {
	struct nsv_hrelay_opts o;
	char vmm[SUN_MAX];
	int epfd;
	struct listener *ls;
	size_t nls;
	struct conn *conns, *dead;
	uint32_t nconn;
	unsigned int snaplen;
	uint8_t *scratch; /* frames of bytes that are not in place */
	struct nsv_bpf_prog prog;
	bool filter;
	uint32_t reach; /* of the filter: bytes of a frame it may read */
	volatile sig_atomic_t stop;
	uint64_t received;
	/* the loop's output */
	nsv_pkt_cb cb;
	void *user;
	unsigned long count, delivered;
	char err[256];
};

/* --------------------------------------------------- takeover, signals */

/* Sockets moved aside, for the fatal-signal handler: it may not allocate. */
#define SWAPS_MAX 65
static struct swap g_swaps[SWAPS_MAX];
static volatile sig_atomic_t g_nswaps;

/* Async-signal-safe: swap back what is still ours, remove ours. */
static void swap_back(struct swap *s)
{
	struct stat st;

	if (!s->active)
		return;
	s->active = false;
	if (stat(s->path, &st) == 0 && st.st_dev == s->dev &&
	    st.st_ino == s->ino &&
	    renameat2(AT_FDCWD, s->aside, AT_FDCWD, s->path, RENAME_EXCHANGE) ==
		    0)
		unlink(s->aside);
}

static void on_fatal(int sig)
{
	sig_atomic_t i;

	for (i = 0; i < g_nswaps; i++)
		swap_back(&g_swaps[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Everything that ends the process and can be caught; not SIGKILL. */
static void catch_fatal(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS,  SIGFPE,	 SIGILL,
				    SIGABRT, SIGQUIT, SIGTRAP,	 SIGSYS,
				    SIGXCPU, SIGXFSZ, SIGALRM,	 SIGVTALRM,
				    SIGPROF, SIGUSR2, SIGSTKFLT, SIGPWR };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* ------------------------------------------------------------- sockets */

static void set_err(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

static int fill_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

/* A blocking connect that gives up after a while (a full backlog). */
static int connect_to(const char *path)
{
	struct timeval tv = { .tv_sec = CONNECT_TIMEOUT_S };
	struct sockaddr_un sa;
	int fd, r;

	r = fill_addr(&sa, path);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = errno == EINPROGRESS ? -ETIMEDOUT : -errno;
		close(fd);
		return r;
	}
	tv.tv_sec = 0;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* Whether something listens on the socket at @path. */
static bool live(const char *path)
{
	int fd = connect_to(path);

	if (fd >= 0)
		close(fd);
	return fd >= 0 || fd == -EAGAIN || fd == -ETIMEDOUT;
}

/* 0 when @path is a socket; else -ENOENT, -ENOTSOCK, ... with @err set. */
static int need_socket(const char *path, const char *what, char *err,
		       size_t errlen)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		int e = errno;

		set_err(err, errlen, "%s %s: %s", what, path, strerror(e));
		return -e;
	}
	if (!S_ISSOCK(st.st_mode)) {
		set_err(err, errlen, "%s %s: not a socket", what, path);
		return -ENOTSOCK;
	}
	return 0;
}

static int bind_listen(struct listener *l, const char *at, char *err,
		       size_t errlen)
{
	struct sockaddr_un sa;
	struct stat st;
	int r;

	r = fill_addr(&sa, at);
	if (r < 0) {
		set_err(err, errlen, "%s: path too long for a Unix socket", at);
		return r;
	}
	l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (l->fd < 0)
		return -errno;
	if (bind(l->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(l->fd, 128) < 0 || fstat(l->fd, &st) < 0 ||
	    stat(at, &st) < 0) {
		r = -errno;
		set_err(err, errlen, "listening on %s: %s", at, strerror(-r));
		close(l->fd);
		l->fd = -1;
		return r;
	}
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	return 0;
}

/* Listen at @path, which must be free or a dead socket of an earlier run. */
static int listen_plain(struct listener *l, const char *path, const char *hint,
			char *err, size_t errlen)
{
	struct stat st;
	int r;

	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			set_err(err, errlen, "%s exists and is not a socket",
				path);
			return -EEXIST;
		}
		if (live(path)) {
			set_err(err, errlen, "%s: something listens there%s",
				path, hint);
			return -EADDRINUSE;
		}
		unlink(path); /* a dead socket left behind */
	}
	r = bind_listen(l, path, err, errlen);
	if (!r)
		snprintf(l->path, sizeof(l->path), "%s", path);
	return r;
}

/*
 * --takeover: listen at PATH NSV_HRELAY_ASIDE, then swap that with PATH in
 * one rename: clients never find PATH missing. The socket that was at
 * PATH (the VMM's or the application's) is reached at the aside name.
 */
static int listen_swapped(struct listener *l, const char *path, char *err,
			  size_t errlen)
{
	struct swap *s;
	struct stat st;
	char aside[SUN_MAX];
	int r;

	if ((size_t)snprintf(aside, sizeof(aside), "%s%s", path,
			     NSV_HRELAY_ASIDE) >= sizeof(aside)) {
		set_err(err, errlen, "%s: path too long for a Unix socket",
			path);
		return -ENAMETOOLONG;
	}
	r = need_socket(path, "--takeover:", err, errlen);
	if (r < 0)
		return r;
	if (lstat(aside, &st) == 0) {
		set_err(err, errlen,
			"%s exists: left by a vsockdump --takeover that was "
			"killed? If %s is a dead socket: mv %s %s",
			aside, path, aside, path);
		return -EEXIST;
	}
	if (g_nswaps == SWAPS_MAX)
		return -ENOSPC;
	r = bind_listen(l, aside, err, errlen);
	if (r < 0)
		return r;
	if (renameat2(AT_FDCWD, aside, AT_FDCWD, path, RENAME_EXCHANGE) < 0) {
		r = -errno;
		set_err(err, errlen, "--takeover: swapping %s and %s: %s",
			aside, path, strerror(-r));
		close(l->fd);
		l->fd = -1;
		unlink(aside);
		return r;
	}
	s = &g_swaps[g_nswaps];
	snprintf(s->path, sizeof(s->path), "%s", path);
	snprintf(s->aside, sizeof(s->aside), "%s", aside);
	s->dev = l->dev;
	s->ino = l->ino;
	s->active = true;
	g_nswaps++;
	l->swap = s;
	snprintf(l->path, sizeof(l->path), "%s", path);
	snprintf(l->upstream, sizeof(l->upstream), "%s", aside);
	return 0;
}

static void listener_close(struct listener *l)
{
	struct stat st;

	if (l->fd < 0)
		return;
	close(l->fd);
	l->fd = -1;
	if (l->swap)
		swap_back(l->swap);
	else if (stat(l->path, &st) == 0 && st.st_dev == l->dev &&
		 st.st_ino == l->ino)
		unlink(l->path);
}

/* --------------------------------------------------------------- frames */

static void now(int64_t *sec, uint32_t *nsec)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	*sec = ts.tv_sec;
	*nsec = (uint32_t)ts.tv_nsec;
}

/* The vsockmon header of a frame going @dir (0: A to B) at @frame. */
static void put_header(const struct conn *c, int dir, uint16_t op,
		       uint8_t *frame)
{
	struct nsv_frame f = {
		.src_cid = c->cid[dir],
		.dst_cid = c->cid[!dir],
		.src_port = c->port[dir],
		.dst_port = c->port[!dir],
		.op = op,
		.transport = NSV_TRANSPORT_NO_INFO,
		.reserved = (uint16_t)(NSV_SYNTH | NSV_SYNTH_RELAY |
				       (c->num & 0xff) << 8),
	};

	nsv_frame_encode(&f, frame, HDR);
}

/* A frame: @caplen bytes, of which the last @piped wait in pipe @fd. */
static void deliver(struct nsv_hrelay *r, int64_t sec, uint32_t nsec,
		    const uint8_t *frame, uint32_t caplen, uint32_t wirelen,
		    uint32_t piped, int fd)
{
	struct nsv_pkt pkt = { .sec = sec,
			       .nsec = nsec,
			       .caplen = caplen - piped,
			       .wirelen = wirelen,
			       .data = frame };

	if (r->count && r->delivered == r->count)
		return;
	/* the filter reads no piped byte (take_in() saw to it) */
	if (r->filter && !nsv_bpf_match(&r->prog, &pkt))
		return;
	pkt.caplen = caplen;
	pkt.piped = piped;
	pkt.pipe_fd = fd;
	r->received++;
	r->cb(&pkt, r->user);
	if (++r->delivered == r->count)
		r->stop = 1;
}

static uint32_t caplen_of(const struct nsv_hrelay *r, size_t n)
{
	return HDR + n < r->snaplen ? (uint32_t)(HDR + n) : r->snaplen;
}

/*
 * A frame of @n bytes of which @data holds the first @have (at least what
 * the snap length keeps, or with @x, the next @x->piped wait in its tee),
 * with HDR bytes of room before it.
 */
static void emit_inplace(struct nsv_hrelay *r, struct conn *c, int dir,
			 uint16_t op, uint8_t *data, size_t have,
			 const struct dir *x, size_t n, int64_t sec,
			 uint32_t nsec)
{
	uint32_t cap = caplen_of(r, n), piped = x ? (uint32_t)x->piped : 0;

	if (cap > HDR + have + piped)
		cap = (uint32_t)(HDR + have + piped);
	put_header(c, dir, op, data - HDR);
	deliver(r, sec, nsec, data - HDR, cap, (uint32_t)(HDR + n), piped,
		x ? x->tee[0] : -1);
}

static void emit(struct nsv_hrelay *r, struct conn *c, int dir, uint16_t op,
		 const void *data, size_t n, int64_t sec, uint32_t nsec)
{
	size_t keep = caplen_of(r, n) - HDR;

	memcpy(r->scratch + HDR, data, keep);
	emit_inplace(r, c, dir, op, r->scratch + HDR, keep, NULL, n, sec, nsec);
}

/*
 * Until the VMM answers, a host-initiated connection's frames wait: the
 * request names the host port only the answer tells.
 */
static void hold(struct nsv_hrelay *r, struct conn *c, int dir, uint16_t op,
		 const void *data, size_t n, int64_t sec, uint32_t nsec);

static void release_held(struct nsv_hrelay *r, struct conn *c)
{
	int i;

	for (i = 0; i < c->nhold; i++) {
		struct held *h = &c->hold[i];

		put_header(c, h->dir, h->op, h->frame);
		deliver(r, h->sec, h->nsec, h->frame, h->caplen, h->wirelen, 0,
			-1);
		free(h->frame);
	}
	c->nhold = 0;
}

static void hold(struct nsv_hrelay *r, struct conn *c, int dir, uint16_t op,
		 const void *data, size_t n, int64_t sec, uint32_t nsec)
{
	struct held *h;

	if (c->nhold == HOLD_MAX) {
		/* no answer for long: the host port stays unknown */
		c->ans_done = true;
		release_held(r, c);
	}
	if (c->ans_done) {
		emit(r, c, dir, op, data, n, sec, nsec);
		return;
	}
	h = &c->hold[c->nhold];
	h->caplen = caplen_of(r, n);
	h->frame = malloc(h->caplen);
	if (!h->frame)
		return; /* out of memory: that frame is lost, not the bytes */
	memcpy(h->frame + HDR, data, h->caplen - HDR);
	h->wirelen = (uint32_t)(HDR + n);
	h->sec = sec;
	h->nsec = nsec;
	h->op = op;
	h->dir = dir;
	c->nhold++;
}

static void notice(struct nsv_hrelay *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void notice(struct nsv_hrelay *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!r->o.notice)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->o.notice(r->o.user, msg);
}

/* A line as a message can quote it: no newline, control bytes as '?'. */
static const char *quote(const char *s, size_t n, char *buf, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 1 < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\n' && i == n - 1)
			break;
		buf[o++] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	buf[o] = '\0';
	return buf;
}

/*
 * Bytes the client sent (@dir 0) or the VMM sent (@dir 1) of a
 * host-initiated connection: the first line of each is the handshake.
 * Returns how many of the @n bytes were handshake (framed here).
 */
static size_t handshake(struct nsv_hrelay *r, struct conn *c, int dir,
			const uint8_t *p, size_t n, int64_t sec, uint32_t nsec)
{
	char q[LINE + 8], q2[LINE + 8];
	const uint8_t *nl;
	size_t take;
	uint32_t hp;

	if (dir == 0 && !c->req_done) {
		nl = memchr(p, '\n', n);
		take = nl ? (size_t)(nl - p) + 1 : n;
		if (c->reqlen + take >= LINE) { /* no request line */
			take = LINE - 1 - c->reqlen;
			nl = NULL;
		}
		memcpy(c->req + c->reqlen, p, take);
		c->reqlen += take;
		if (!nl && c->reqlen < LINE - 1)
			return take; /* more of the line to come */
		c->req_done = true;
		if (nsv_hybrid_request_parse(c->req, c->reqlen,
					     &c->guest_port) < 0) {
			notice(r,
			       "connection %u: the client sent '%s', not "
			       "'CONNECT PORT'",
			       c->num, quote(c->req, c->reqlen, q, sizeof(q)));
			c->guest_port = NSV_PORT_ANY;
		}
		c->port[B] = c->guest_port;
		hold(r, c, 0, NSV_MON_OP_CONNECT, c->req, c->reqlen, sec, nsec);
		return take;
	}
	if (dir == 1 && !c->ans_done) {
		nl = memchr(p, '\n', n);
		take = nl ? (size_t)(nl - p) + 1 : n;
		if (c->anslen + take >= LINE) {
			take = LINE - 1 - c->anslen;
			nl = NULL;
		}
		memcpy(c->ans + c->anslen, p, take);
		c->anslen += take;
		if (!nl && c->anslen < LINE - 1)
			return take;
		c->ans_done = true;
		if (nsv_hybrid_answer_parse(c->ans, c->anslen, &hp) == 0) {
			c->port[A] = hp;
			release_held(r, c);
			emit(r, c, 1, NSV_MON_OP_CONNECT, c->ans, c->anslen,
			     sec, nsec);
		} else {
			notice(r,
			       "connection %u: %s answered '%s' to '%s' "
			       "instead of 'OK PORT'",
			       c->num, r->vmm,
			       quote(c->ans, c->anslen, q, sizeof(q)),
			       quote(c->req, c->reqlen, q2, sizeof(q2)));
			release_held(r, c);
			emit(r, c, 1, NSV_MON_OP_DISCONNECT, c->ans, c->anslen,
			     sec, nsec);
			c->refused = true;
		}
		return take;
	}
	return 0;
}

/*
 * A side of a host-initiated connection ended before the handshake did.
 * A client may stop sending right after its request: the answer still
 * comes. A VMM that closes without answering refused the connection.
 */
static void handshake_cut(struct nsv_hrelay *r, struct conn *c, int dir,
			  int64_t sec, uint32_t nsec)
{
	char q[LINE + 8], q2[LINE + 8];

	if (!c->host || c->ans_done)
		return;
	if (dir == 0) {
		if (c->req_done)
			return;
		notice(r,
		       "connection %u: the client stopped before a whole "
		       "request line",
		       c->num);
		c->req_done = true;
		c->port[B] = NSV_PORT_ANY;
		if (c->reqlen)
			hold(r, c, 0, NSV_MON_OP_CONNECT, c->req, c->reqlen,
			     sec, nsec);
		return;
	}
	notice(r,
	       "connection %u: %s closed the connection without answering "
	       "'%s'%s%s%s",
	       c->num, r->vmm, quote(c->req, c->reqlen, q, sizeof(q)),
	       c->anslen ? " (it sent '" : "",
	       c->anslen ? quote(c->ans, c->anslen, q2, sizeof(q2)) : "",
	       c->anslen ? "')" : "");
	c->ans_done = true;
	release_held(r, c);
	c->refused = true; /* by the DISCONNECT that follows */
}

/* ---------------------------------------------------------- connections */

/*
 * End a connection. Its memory goes in reap(): more events of the same
 * epoll batch may still point at it.
 */
static void conn_free(struct nsv_hrelay *r, struct conn *c)
{
	int i;

	if (c->dead)
		return;
	for (i = 0; i < 2; i++) {
		struct dir *x = &c->d[i];
		int k;

		if (c->fd[i] >= 0)
			close(c->fd[i]);
		c->fd[i] = -1;
		free(x->buf);
		x->buf = NULL;
		for (k = 0; k < 2; k++) {
			if (x->pipe[k] >= 0)
				close(x->pipe[k]);
			if (x->tee[k] >= 0)
				close(x->tee[k]);
			x->pipe[k] = x->tee[k] = -1;
		}
	}
	for (i = 0; i < c->nhold; i++)
		free(c->hold[i].frame);
	c->nhold = 0;
	if (c->prev)
		c->prev->next = c->next;
	else if (r->conns == c)
		r->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->dead = true;
	c->prev = NULL;
	c->next = r->dead;
	r->dead = c;
}

static void reap(struct nsv_hrelay *r)
{
	struct conn *c;

	while ((c = r->dead)) {
		r->dead = c->next;
		free(c);
	}
}

static int watch(struct nsv_hrelay *r, struct conn *c, int side,
		 uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = &c->ep[side] };

	if (c->ep[side].gone || c->ep[side].events == events)
		return 0;
	if (epoll_ctl(r->epfd, EPOLL_CTL_MOD, c->fd[side], &ev) < 0)
		return -errno;
	c->ep[side].events = events;
	return 0;
}

/*
 * Room for a whole read or more in flight: with the default send buffer a
 * Unix stream socket turns writable only when three quarters are read, and
 * the two hops would take turns instead of overlapping.
 */
static void widen(int fd)
{
	int sz = SNDBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
}

static struct conn *conn_new(struct nsv_hrelay *r, int a, int b, bool host)
{
	struct conn *c = calloc(1, sizeof(*c));
	int i;

	if (!c)
		return NULL;
	widen(a);
	widen(b);
	c->fd[A] = a;
	c->fd[B] = b;
	c->host = host;
	c->num = ++r->nconn;
	for (i = 0; i < 2; i++) {
		struct epoll_event ev = { .events = 0, .data.ptr = &c->ep[i] };

		c->ep[i].c = c;
		c->ep[i].side = i;
		c->d[i].pipe[0] = c->d[i].pipe[1] = -1;
		c->d[i].tee[0] = c->d[i].tee[1] = -1;
		c->d[i].buf = malloc(HDR + CHUNK);
		if (!c->d[i].buf ||
		    epoll_ctl(r->epfd, EPOLL_CTL_ADD, c->fd[i], &ev) < 0) {
			/* the caller closes the fds */
			epoll_ctl(r->epfd, EPOLL_CTL_DEL, c->fd[A], NULL);
			c->fd[A] = c->fd[B] = -1;
			conn_free(r, c);
			return NULL;
		}
	}
	c->next = r->conns;
	if (r->conns)
		r->conns->prev = c;
	r->conns = c;
	return c;
}

/* The source of @d stopped: tell the destination once the bytes are out. */
static void finish_dir(struct conn *c, int d)
{
	struct dir *x = &c->d[d];

	if (x->eof && !x->len && !x->shut) {
		shutdown(c->fd[!d], SHUT_WR);
		x->shut = true;
	}
}

/*
 * Once the handshake is through, bytes go from socket to socket through a
 * pipe (splice: the kernel passes pages on instead of copying them twice
 * through us) and only what the frame keeps is copied out, through a tee.
 */
static bool splice_ready(struct conn *c, struct dir *x)
{
	int k;

	if (x->pipe[0] >= 0)
		return true;
	if (x->no_splice || (c->host && (!c->req_done || !c->ans_done)))
		return false;
	if (pipe2(x->pipe, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    pipe2(x->tee, O_CLOEXEC | O_NONBLOCK) < 0) {
		for (k = 0; k < 2; k++) {
			if (x->pipe[k] >= 0)
				close(x->pipe[k]);
			x->pipe[k] = x->tee[k] = -1;
		}
		x->no_splice = true;
		return false;
	}
	/* a whole read fits: fewer rounds (a smaller pipe still works) */
	fcntl(x->pipe[1], F_SETPIPE_SZ, PIPE_SIZE);
	fcntl(x->tee[1], F_SETPIPE_SZ, PIPE_SIZE);
	return true;
}

/* Read the next chunk of direction @d: its length, 0 at EOF, or -errno. */
static ssize_t take_in(struct nsv_hrelay *r, struct conn *c, int d,
		       size_t *have)
{
	struct dir *x = &c->d[d];
	size_t keep, mem, got = 0;
	ssize_t n, t, m;

	if (!splice_ready(c, x)) {
		n = recv(c->fd[d], x->buf + HDR, CHUNK, MSG_DONTWAIT);
		*have = n > 0 ? (size_t)n : 0;
		return n < 0 ? -errno : n;
	}
	n = splice(c->fd[d], NULL, x->pipe[1], NULL, CHUNK,
		   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (n <= 0)
		return n < 0 ? -errno : 0;
	/* tee copies from the pipe's start, where this chunk begins */
	keep = caplen_of(r, (size_t)n) - HDR;
	t = keep ? tee(x->pipe[0], x->tee[1], keep, SPLICE_F_NONBLOCK) : 0;
	x->piped = x->teed = 0;
	if (t <= 0) {
		*have = 0;
		return n;
	}
	/* what the filter may read comes out; the writer takes the rest */
	mem = (size_t)t;
	if (r->o.pipe_payload && r->reach < HDR + mem)
		mem = r->reach > HDR ? r->reach - HDR : 0;
	while (got < mem &&
	       (m = read(x->tee[0], x->buf + HDR + got, mem - got)) > 0)
		got += (size_t)m;
	x->piped = got == mem ? (size_t)t - mem : 0;
	x->teed = (size_t)t - got;
	*have = got;
	return n;
}

/*
 * After a frame: what the writer did not take of it (none came, a filter
 * or -c left it out, a write failed) must not start the next one.
 */
static void drain(struct nsv_hrelay *r, struct dir *x)
{
	int left = 0;

	if (!x->teed)
		return;
	x->piped = x->teed = 0;
	if (ioctl(x->tee[0], FIONREAD, &left) < 0 || left <= 0)
		return;
	while (read(x->tee[0], r->scratch, HDR + CHUNK) > 0)
		;
}

/* Write out what direction @d holds: 0 (done, or must wait) or -errno. */
static int push_out(struct conn *c, int d)
{
	struct dir *x = &c->d[d];
	ssize_t n;

	while (x->len) {
		if (x->pipe[0] >= 0)
			n = splice(x->pipe[0], NULL, c->fd[!d], NULL, x->len,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		else
			n = send(c->fd[!d], x->buf + HDR + x->off, x->len,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		x->off += (size_t)n;
		x->len -= (size_t)n;
	}
	return 0;
}

/*
 * Move what can be moved in direction @d without blocking. Returns -1
 * when the connection is to be torn down, else 0.
 */
static int pump(struct nsv_hrelay *r, struct conn *c, int d)
{
	struct dir *x = &c->d[d];
	int rounds;
	int64_t sec;
	uint32_t nsec;
	size_t have = 0;
	ssize_t n;

	for (rounds = 0; rounds < 16; rounds++) {
		if (push_out(c, d) < 0) {
			/* the far reader is gone: so is this direction, and
			 * our writer learns it as it would have */
			x->len = 0;
			x->eof = x->shut = true;
			shutdown(c->fd[d], SHUT_RD);
			return 0;
		}
		if (x->len)
			return 0;
		if (x->eof) {
			finish_dir(c, d);
			return 0;
		}
		n = take_in(r, c, d, &have);
		if (n == -EAGAIN || n == -EINTR)
			return 0;
		now(&sec, &nsec);
		if (n <= 0) {
			bool refused = c->refused;

			x->eof = true;
			handshake_cut(r, c, d, sec, nsec);
			/* after a refusal, closing ends no connection */
			if (c->host && !c->ans_done)
				hold(r, c, d, NSV_MON_OP_DISCONNECT, "", 0, sec,
				     nsec);
			else if (!refused)
				emit(r, c, d, NSV_MON_OP_DISCONNECT, "", 0, sec,
				     nsec);
			if (n < 0) /* a reset: the other end is reset too */
				return -1;
			finish_dir(c, d);
			return 0;
		}
		x->off = 0;
		x->len = (size_t)n;
		if (c->host && (!c->req_done || (d == 1 && !c->ans_done))) {
			size_t k = handshake(r, c, d, x->buf + HDR, x->len, sec,
					     nsec);

			if (k < x->len)
				hold(r, c, d, NSV_MON_OP_PAYLOAD,
				     x->buf + HDR + k, x->len - k, sec, nsec);
		} else if (c->host && !c->ans_done) {
			hold(r, c, d, NSV_MON_OP_PAYLOAD, x->buf + HDR, x->len,
			     sec, nsec);
		} else {
			emit_inplace(r, c, d, NSV_MON_OP_PAYLOAD, x->buf + HDR,
				     have, x, x->len, sec, nsec);
			drain(r, x);
		}
	}
	return 0;
}

/*
 * Run both directions; then wait for what each side can do next. @hup:
 * the side whose peer hung up (-1: none): once all it sent is read, what
 * goes to it can go nowhere, and its writer learns so (EPIPE) as it would
 * have directly.
 */
static void service(struct nsv_hrelay *r, struct conn *c, int hup)
{
	uint32_t ev[2] = { 0, 0 };
	int d;

	for (d = 0; d < 2; d++) {
		if (pump(r, c, d) < 0) {
			conn_free(r, c);
			return;
		}
	}
	if (hup >= 0 && c->d[hup].eof && !c->d[!hup].shut) {
		c->d[!hup].len = 0;
		c->d[!hup].eof = c->d[!hup].shut = true;
		shutdown(c->fd[!hup], SHUT_RD);
	}
	/* a hang-up stays reported: once nothing is left to do on that side,
	 * stop listening to it (the other side may still be draining) */
	if (hup >= 0 && c->d[hup].eof && c->d[!hup].shut && !c->ep[hup].gone) {
		epoll_ctl(r->epfd, EPOLL_CTL_DEL, c->fd[hup], NULL);
		c->ep[hup].gone = true;
	}
	if (c->d[0].shut && c->d[1].shut) {
		conn_free(r, c);
		return;
	}
	for (d = 0; d < 2; d++) {
		if (c->d[d].len)
			ev[!d] |= EPOLLOUT;
		else if (!c->d[d].eof)
			ev[d] |= EPOLLIN;
	}
	if (watch(r, c, A, ev[A]) < 0 || watch(r, c, B, ev[B]) < 0)
		conn_free(r, c);
}

/* A guest-initiated connection: the guest's own port is not visible here. */
static void guest_ends(const struct nsv_hrelay *r, struct conn *c,
		       uint32_t port)
{
	c->cid[A] = r->o.guest_cid;
	c->port[A] = NSV_PORT_ANY;
	c->cid[B] = NSV_CID_HOST;
	c->port[B] = port;
	c->req_done = c->ans_done = true;
}

static void accept_one(struct nsv_hrelay *r, struct listener *l)
{
	struct conn *c;
	int64_t sec;
	uint32_t nsec;
	int a, b;

	a = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (a < 0)
		return;
	now(&sec, &nsec);
	b = connect_to(l->upstream);
	if (b < 0 && l->host) {
		/* the client would not have reached the VMM either */
		notice(r, "cannot reach the VMM at %s: %s", l->upstream,
		       strerror(-b));
		close(a);
		return;
	}
	if (b < 0) {
		/* the guest asks, the application refuses: both in frames */
		struct conn t = { .num = ++r->nconn };

		guest_ends(r, &t, l->port);
		notice(r, "connection %u: guest to host port %u: %s: %s", t.num,
		       l->port, l->upstream, strerror(-b));
		emit(r, &t, 0, NSV_MON_OP_CONNECT, "", 0, sec, nsec);
		emit(r, &t, 1, NSV_MON_OP_DISCONNECT, "", 0, sec, nsec);
		close(a);
		return;
	}
	c = conn_new(r, a, b, l->host);
	if (!c) {
		close(a);
		close(b);
		return;
	}
	if (l->host) {
		c->cid[A] = NSV_CID_HOST;
		c->port[A] = NSV_PORT_ANY; /* until the VMM answers */
		c->cid[B] = r->o.guest_cid;
		c->port[B] = NSV_PORT_ANY;
		service(r, c, -1);
		return;
	}
	guest_ends(r, c, l->port);
	emit(r, c, 0, NSV_MON_OP_CONNECT, "", 0, sec, nsec);
	emit(r, c, 1, NSV_MON_OP_CONNECT, "", 0, sec, nsec);
	service(r, c, -1);
}

/* ------------------------------------------------------------ the source */

static void hrelay_close(void *s)
{
	struct nsv_hrelay *r = s;
	size_t i;

	if (!r)
		return;
	while (r->conns)
		conn_free(r, r->conns);
	reap(r);
	for (i = 0; i < r->nls; i++)
		listener_close(&r->ls[i]);
	free(r->ls);
	if (r->epfd >= 0)
		close(r->epfd);
	free(r->scratch);
	nsv_bpf_prog_free(&r->prog);
	free(r);
}

static int add_listener(struct nsv_hrelay *r, struct listener *l)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = l };

	return epoll_ctl(r->epfd, EPOLL_CTL_ADD, l->fd, &ev) < 0 ? -errno : 0;
}

int nsv_hrelay_open(struct nsv_hrelay **out, const struct nsv_hrelay_opts *o,
		    char *err, size_t errlen)
{
	struct nsv_hrelay *r;
	struct listener *l;
	char path[SUN_MAX];
	size_t i;
	int e;

	if (!o->vmm || (!o->listen && !o->nports && !o->takeover))
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->o = *o;
	r->epfd = -1;
	snprintf(r->vmm, sizeof(r->vmm), "%s", o->vmm);
	r->snaplen = o->snaplen && o->snaplen < NSV_SNAPLEN_MAX ?
			     o->snaplen :
			     NSV_SNAPLEN_MAX;
	if (r->snaplen < HDR)
		r->snaplen = HDR;
	r->ls = calloc(o->nports + 1, sizeof(*r->ls));
	r->scratch = malloc(HDR + CHUNK);
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!r->ls || !r->scratch || r->epfd < 0) {
		e = r->epfd < 0 ? -errno : -ENOMEM;
		goto fail;
	}
	/* check every path before changing anything */
	if (o->listen || o->takeover) {
		e = need_socket(o->vmm, "the VMM's socket", err, errlen);
		if (e < 0)
			goto fail;
	}
	for (i = 0; i < o->nports; i++) {
		if (!o->ports[i].app)
			continue;
		e = need_socket(o->ports[i].app, "the application's socket",
				err, errlen);
		if (e < 0)
			goto fail;
	}
	if (o->takeover)
		catch_fatal();

	if (o->listen || o->takeover) {
		l = &r->ls[r->nls++];
		l->fd = -1;
		l->host = true;
		if (o->takeover) {
			e = listen_swapped(l, o->vmm, err, errlen);
		} else {
			e = listen_plain(l, o->listen, "", err, errlen);
			snprintf(l->upstream, sizeof(l->upstream), "%s",
				 o->vmm);
		}
		if (e < 0)
			goto fail;
	}
	for (i = 0; i < o->nports; i++) {
		l = &r->ls[r->nls++];
		l->fd = -1;
		l->port = o->ports[i].port;
		e = nsv_hybrid_listen_path(o->vmm, l->port, path, sizeof(path));
		if (e < 0) {
			set_err(err, errlen, "%s_%u: path too long", o->vmm,
				l->port);
			goto fail;
		}
		if (o->ports[i].app) {
			e = listen_plain(l, path,
					 " (the application must listen "
					 "elsewhere, named by --hybrid-port "
					 "PORT:PATH; or use --takeover)",
					 err, errlen);
			snprintf(l->upstream, sizeof(l->upstream), "%s",
				 o->ports[i].app);
		} else {
			e = listen_swapped(l, path, err, errlen);
		}
		if (e < 0)
			goto fail;
	}
	for (i = 0; i < r->nls; i++) {
		e = add_listener(r, &r->ls[i]);
		if (e < 0)
			goto fail;
	}
	*out = r;
	return 0;
fail:
	hrelay_close(r);
	return e;
}

int nsv_hrelay_describe(const struct nsv_hrelay *r, char *buf, size_t len)
{
	size_t i, n = 0;
	int w;

	w = snprintf(buf, len, "hybrid vsock relay of %s (guest CID %u", r->vmm,
		     r->o.guest_cid);
	for (i = 0; w > 0 && (n += (size_t)w) < len && i < r->nls; i++) {
		const struct listener *l = &r->ls[i];

		if (l->host)
			w = snprintf(buf + n, len - n, "; clients: %s%s",
				     l->path, l->swap ? " (taken over)" : "");
		else
			w = snprintf(buf + n, len - n,
				     "; host port %u: %s -> %s", l->port,
				     l->path, l->upstream);
	}
	if (w > 0 && n < len)
		w = snprintf(buf + n, len - n, ")");
	return w < 0 ? -EIO : 0;
}

static long hrelay_loop(void *s, unsigned long count, nsv_pkt_cb cb, void *user)
{
	struct nsv_hrelay *r = s;
	struct epoll_event evs[64];
	int n, i;

	r->cb = cb;
	r->user = user;
	r->count = count;
	r->delivered = 0;
	while (!r->stop) {
		n = epoll_wait(r->epfd, evs, 64, 200);
		if (n < 0 && errno != EINTR) {
			snprintf(r->err, sizeof(r->err), "epoll_wait: %s",
				 strerror(errno));
			r->stop = 0;
			return -EIO;
		}
		for (i = 0; i < n && !r->stop; i++) {
			void *p = evs[i].data.ptr;
			size_t k;

			for (k = 0; k < r->nls; k++)
				if (p == &r->ls[k])
					break;
			if (k < r->nls) {
				accept_one(r, &r->ls[k]);
			} else {
				struct endpoint *ep = p;

				if (ep->c->dead)
					continue;
				service(r, ep->c,
					evs[i].events & (EPOLLHUP | EPOLLERR) ?
						ep->side :
						-1);
			}
		}
		reap(r);
	}
	r->stop = 0;
	return (long)r->delivered;
}

static void hrelay_break(void *s)
{
	((struct nsv_hrelay *)s)->stop = 1;
}

static int hrelay_set_filter(void *s, const struct nsv_bpf_prog *prog)
{
	struct nsv_hrelay *r = s;
	struct nsv_bpf_insn *in = malloc(prog->len * sizeof(*in));

	if (!in)
		return -ENOMEM;
	memcpy(in, prog->insns, prog->len * sizeof(*in));
	nsv_bpf_prog_free(&r->prog);
	r->prog.insns = in;
	r->prog.len = prog->len;
	r->filter = true;
	r->reach = nsv_bpf_reach(prog);
	return 0;
}

static int hrelay_stats(void *s, struct nsv_pcap_stats *st)
{
	st->received = ((struct nsv_hrelay *)s)->received;
	st->dropped = 0;
	st->if_dropped = 0;
	return 0;
}

static const char *hrelay_error(void *s)
{
	return ((struct nsv_hrelay *)s)->err;
}

static unsigned int hrelay_snaplen(void *s)
{
	return ((struct nsv_hrelay *)s)->snaplen;
}

const struct nsv_source_ops nsv_hrelay_source_ops = {
	.loop = hrelay_loop,
	.brk = hrelay_break,
	.set_filter = hrelay_set_filter,
	.stats = hrelay_stats,
	.error = hrelay_error,
	.snaplen = hrelay_snaplen,
	.close = hrelay_close,
};
