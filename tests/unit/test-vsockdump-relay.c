// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: the hybrid vsock relay over Unix sockets, its frames and its failures. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "vsockdump/filter.h"
#include "vsockdump/flow.h"
#include "vsockdump/hybrid-relay.h"
#include "proto.h"
#include "tap.h"

static char dir[64];

static const char *at(const char *name)
{
	static char p[8][128];
	static int i;

	i = (i + 1) % 8;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static int unix_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 16) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int unix_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool send_all(int fd, const void *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return false;
		p = (const char *)p + w;
		n -= (size_t)w;
	}
	return true;
}

/* Everything up to EOF; returns the length, the bytes in *out. */
static size_t recv_all(int fd, uint8_t **out)
{
	size_t n = 0, cap = 1 << 16;
	uint8_t *b = malloc(cap);
	ssize_t r;

	for (;;) {
		if (n == cap)
			b = realloc(b, cap *= 2);
		r = recv(fd, b + n, cap - n, 0);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	*out = b;
	return n;
}

static size_t recv_line(int fd, char *line, size_t len)
{
	size_t n = 0;

	while (n + 1 < len && recv(fd, line + n, 1, 0) == 1)
		if (line[n++] == '\n')
			break;
	line[n] = '\0';
	return n;
}

static uint8_t *pattern(size_t n, unsigned int seed)
{
	uint8_t *b = malloc(n);
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)((i * 131 + seed * 7 + (i >> 12)) & 0xff);
	return b;
}

/* ------------------------------------------------- a fake VMM and app */

/* How the fake VMM answers "CONNECT PORT\n". */
enum vmm_mode { VMM_OK, VMM_ERR, VMM_SILENT_CLOSE, VMM_SLOW };

struct peer {
	int lfd;
	enum vmm_mode mode;
	bool vmm; /* reads a request line first */
	size_t reply; /* bytes to send back after reading to EOF */
	unsigned int seed;
	size_t got; /* bytes read */
	uint8_t *data;
	char req[64];
	int conns; /* how many to serve, one after the other */
	pthread_t th;
	char path[128];
};

/* Each connection: (request, answer,) read to EOF, then send @reply. */
static void serve_one(struct peer *p)
{
	int c = accept(p->lfd, NULL, NULL);
	uint8_t *back, *d;
	size_t n;

	if (c < 0)
		return;
	if (p->vmm) {
		recv_line(c, p->req, sizeof(p->req));
		if (p->mode == VMM_ERR) {
			send_all(c, "ERR no such port\n", 17);
			close(c);
			return;
		}
		if (p->mode == VMM_SILENT_CLOSE) {
			close(c);
			return;
		}
		send_all(c, "OK 1073741824\n", 14);
		if (p->mode == VMM_SLOW) /* a reader that takes its time */
			usleep(300 * 1000);
	}
	n = recv_all(c, &d);
	if (!p->data) {
		p->data = d;
		p->got = n;
	} else {
		free(d);
	}
	/* after the other side's half-close: the answer still gets through */
	back = pattern(p->reply, p->seed);
	send_all(c, back, p->reply);
	free(back);
	close(c);
}

static void *peer_main(void *arg)
{
	struct peer *p = arg;
	int i;

	for (i = 0; i < p->conns; i++)
		serve_one(p);
	return NULL;
}

static void peer_start_n(struct peer *p, const char *path, bool vmm,
			 enum vmm_mode mode, size_t reply, unsigned int seed,
			 int conns)
{
	memset(p, 0, sizeof(*p));
	p->conns = conns;
	snprintf(p->path, sizeof(p->path), "%s", path);
	p->lfd = unix_listen(path);
	p->vmm = vmm;
	p->mode = mode;
	p->reply = reply;
	p->seed = seed;
	pthread_create(&p->th, NULL, peer_main, p);
}

static void peer_start(struct peer *p, const char *path, bool vmm,
		       enum vmm_mode mode, size_t reply, unsigned int seed)
{
	peer_start_n(p, path, vmm, mode, reply, seed, 1);
}

/* Wait for it to finish; what it read stays in @p->data (free it). */
static void peer_stop(struct peer *p)
{
	pthread_join(p->th, NULL);
	close(p->lfd);
	unlink(p->path);
}

/* --------------------------------------------------- the relay, recorded */

struct rec {
	int64_t sec;
	uint32_t nsec;
	uint32_t caplen, wirelen;
	uint32_t piped; /* of caplen, came from the pipe */
	uint8_t *data;
};

struct run {
	struct nsv_hrelay *r;
	pthread_t th;
	pthread_mutex_t mu;
	struct rec *f;
	size_t n, cap;
	char notices[4][512];
	int nnotices;
	/* as a writer: take piped payload, but not of every @leave-th frame
	 * (a frame the writer could not finish) */
	unsigned int leave;
};

static void on_frame(const struct nsv_pkt *pkt, void *user)
{
	struct run *u = user;
	struct rec *f;

	pthread_mutex_lock(&u->mu);
	if (u->n == u->cap) {
		u->cap = u->cap ? 2 * u->cap : 64;
		u->f = realloc(u->f, u->cap * sizeof(*u->f));
	}
	f = &u->f[u->n++];
	f->sec = pkt->sec;
	f->nsec = pkt->nsec;
	f->caplen = pkt->caplen - pkt->piped;
	f->wirelen = pkt->wirelen;
	f->piped = 0;
	f->data = malloc(pkt->caplen);
	memcpy(f->data, pkt->data, f->caplen);
	if (pkt->piped && !(u->leave && u->n % u->leave == 0)) {
		ssize_t m;

		while (f->piped < pkt->piped &&
		       (m = read(pkt->pipe_fd, f->data + f->caplen + f->piped,
				 pkt->piped - f->piped)) > 0)
			f->piped += (uint32_t)m;
		f->caplen += f->piped;
	}
	pthread_mutex_unlock(&u->mu);
}

static void on_notice(void *user, const char *msg)
{
	struct run *u = user;

	if (u->nnotices < 4)
		snprintf(u->notices[u->nnotices], sizeof(u->notices[0]), "%s",
			 msg);
	u->nnotices++;
}

static void *loop_main(void *arg)
{
	struct run *u = arg;

	nsv_hrelay_source_ops.loop(u->r, 0, on_frame, u);
	return NULL;
}

static int relay_start(struct run *u, struct nsv_hrelay_opts *o,
		       const char *filter)
{
	char err[512] = "";
	int r;

	memset(u, 0, sizeof(*u));
	pthread_mutex_init(&u->mu, NULL);
	o->notice = on_notice;
	o->user = u;
	if (!o->guest_cid)
		o->guest_cid = 3;
	r = nsv_hrelay_open(&u->r, o, err, sizeof(err));
	if (r < 0) {
		tap_diag("nsv_hrelay_open: %s", err);
		return r;
	}
	if (filter) {
		struct nsv_fexpr *f;
		struct nsv_fexpr_error fe;
		struct nsv_bpf_prog prog;

		nsv_filter_parse(filter, NULL, NULL, &f, &fe);
		nsv_filter_compile(f, 262144, &prog);
		nsv_hrelay_source_ops.set_filter(u->r, &prog);
		nsv_bpf_prog_free(&prog);
		nsv_fexpr_free(f);
	}
	pthread_create(&u->th, NULL, loop_main, u);
	return 0;
}

/* Let the relay finish what is in flight, then stop and close it. */
static void relay_stop(struct run *u)
{
	usleep(100 * 1000);
	nsv_hrelay_source_ops.brk(u->r);
	pthread_join(u->th, NULL);
	nsv_hrelay_source_ops.close(u->r);
}

static void run_free(struct run *u)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		free(u->f[i].data);
	free(u->f);
}

/* What a frame says, decoded. */
static void dec(const struct rec *r, struct nsv_frame *f)
{
	nsv_frame_decode(r->data, r->caplen, r->wirelen, f);
}

static bool is_frame(const struct rec *r, uint64_t scid, uint32_t sport,
		     uint64_t dcid, uint32_t dport, uint16_t op)
{
	struct nsv_frame f;

	dec(r, &f);
	return f.src_cid == scid && f.src_port == sport && f.dst_cid == dcid &&
	       f.dst_port == dport && f.op == op &&
	       f.transport == NSV_TRANSPORT_NO_INFO && f.thdr_len == 0;
}

/* The payload of every PAYLOAD frame from @scid:@sport, in order. */
static size_t payload_from(const struct run *u, uint64_t scid, uint32_t sport,
			   uint8_t *out, size_t max, size_t *frames)
{
	size_t i, n = 0;

	*frames = 0;
	for (i = 0; i < u->n; i++) {
		struct nsv_frame f;

		dec(&u->f[i], &f);
		if (f.op != NSV_MON_OP_PAYLOAD || f.src_cid != scid ||
		    f.src_port != sport)
			continue;
		(*frames)++;
		if (n + f.payload_caplen <= max)
			memcpy(out + n, f.payload, f.payload_caplen);
		n += f.payload_len;
	}
	return n;
}

/*
 * Whether every PAYLOAD frame from @scid:@sport holds the bytes of @want
 * at its place in the stream (frames cut short included); @piped counts
 * those whose payload came through the pipe.
 */
static bool payload_in_place(const struct run *u, uint64_t scid, uint32_t sport,
			     const uint8_t *want, size_t len, size_t *frames,
			     size_t *piped)
{
	size_t i, off = 0;
	bool same = true;

	*frames = *piped = 0;
	for (i = 0; i < u->n; i++) {
		struct nsv_frame f;

		dec(&u->f[i], &f);
		if (f.op != NSV_MON_OP_PAYLOAD || f.src_cid != scid ||
		    f.src_port != sport)
			continue;
		(*frames)++;
		*piped += u->f[i].piped > 0;
		if (off + f.payload_caplen > len ||
		    (f.payload_caplen &&
		     memcmp(f.payload, want + off, f.payload_caplen)))
			same = false;
		off += f.payload_len;
	}
	return same && off == len;
}

/* ------------------------------------------------------------- tests */

static void test_host_initiated(void)
{
	size_t up = 3 << 20, down = 1 << 20, got, nf;
	struct nsv_hrelay_opts o = { .vmm = at("vmm.sock"),
				     .listen = at("rec.sock") };
	uint8_t *data = pattern(up, 1), *back, *rebuilt = malloc(up);
	uint8_t *want_back = pattern(down, 2);
	struct nsv_frame f;
	struct peer vmm;
	struct run u;
	char ans[64];
	int c;

	peer_start(&vmm, o.vmm, true, VMM_OK, down, 2);
	if (relay_start(&u, &o, NULL) < 0) {
		tap_ok(0, "the relay starts");
		return;
	}
	c = unix_connect(o.listen);
	tap_ok(c >= 0, "a client connects to --hybrid-listen's path");
	send_all(c, "CONNECT 52\n", 11);
	recv_line(c, ans, sizeof(ans));
	tap_ok(!strcmp(ans, "OK 1073741824\n"),
	       "the client reads the VMM's own answer");
	send_all(c, data, up);
	shutdown(c, SHUT_WR);
	got = recv_all(c, &back);
	close(c);
	peer_stop(&vmm);
	relay_stop(&u);
	tap_ok(!strcmp(vmm.req, "CONNECT 52\n") && vmm.got == up &&
		       !memcmp(vmm.data, data, up),
	       "the VMM got the request and 3 MiB intact");
	tap_ok(got == down && !memcmp(back, want_back, down),
	       "after the client's half-close, the VMM's 1 MiB came back "
	       "intact");
	tap_ok(u.n >= 4 && is_frame(&u.f[0], 2, 1073741824, 3, 52,
				    NSV_MON_OP_CONNECT),
	       "frame 1: CONNECT host:1073741824 > 3:52 (the port the VMM "
	       "answered)");
	dec(&u.f[0], &f);
	tap_ok(f.payload_len == 11 && !memcmp(f.payload, "CONNECT 52\n", 11) &&
		       nsv_frame_synth(&f) == (NSV_SYNTH | NSV_SYNTH_RELAY) &&
		       nsv_frame_relay_tag(&f) == 1,
	       "... carrying the request line; reserved: relay, connection 1");
	dec(&u.f[1], &f);
	tap_ok(is_frame(&u.f[1], 3, 52, 2, 1073741824, NSV_MON_OP_CONNECT) &&
		       f.payload_len == 14 &&
		       !memcmp(f.payload, "OK 1073741824\n", 14),
	       "frame 2: CONNECT back, carrying the answer");
	got = payload_from(&u, 2, 1073741824, rebuilt, up, &nf);
	tap_ok(got == up && !memcmp(rebuilt, data, up),
	       "the client's PAYLOAD frames hold its 3 MiB in order (%zu "
	       "frames)",
	       nf);
	got = payload_from(&u, 3, 52, rebuilt, up, &nf);
	tap_ok(got == down && !memcmp(rebuilt, want_back, down),
	       "the VMM's PAYLOAD frames hold its 1 MiB");
	tap_ok(is_frame(&u.f[u.n - 1], 3, 52, 2, 1073741824,
			NSV_MON_OP_DISCONNECT),
	       "the last frame: the VMM's DISCONNECT");
	tap_ok(u.nnotices == 0, "nothing to report");
	tap_ok(access(o.listen, F_OK) < 0 && errno == ENOENT,
	       "closing removes the listening socket");
	run_free(&u);
	free(vmm.data);
	free(data);
	free(back);
	free(rebuilt);
	free(want_back);
}

/*
 * With pipe_payload, frames leave their payload in a pipe for the writer
 * (nsv_pkt.piped); what one frame leaves behind, the next does not start
 * with; a filter still sees what it reads.
 */
static void test_piped_payload(void)
{
	static const struct {
		const char *name, *filter;
		unsigned int leave;
		bool frames;
	} t[] = {
		{ "no filter", NULL, 0, true },
		{ "a writer that leaves every other frame", NULL, 2, true },
		{ "filter 'port 52'", "port 52", 0, true },
		{ "filter 'op rw' (reads past the header, keeps none)", "op rw",
		  0, false },
	};
	const size_t up = 3 << 20, down = 1 << 20;
	uint8_t *data = pattern(up, 5), *want_back = pattern(down, 6), *back;
	size_t i, got, nf[2], np[2];
	struct peer vmm;
	struct run u;
	char ans[64];
	bool in_place[2];
	int c;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct nsv_hrelay_opts o = { .vmm = at("vmm.sock"),
					     .listen = at("rec.sock"),
					     .pipe_payload = true };

		peer_start(&vmm, o.vmm, true, VMM_OK, down, 6);
		if (relay_start(&u, &o, t[i].filter) < 0) {
			tap_ok(0, "the relay starts");
			peer_stop(&vmm);
			continue;
		}
		u.leave = t[i].leave;
		c = unix_connect(o.listen);
		send_all(c, "CONNECT 52\n", 11);
		recv_line(c, ans, sizeof(ans));
		send_all(c, data, up);
		shutdown(c, SHUT_WR);
		got = recv_all(c, &back);
		close(c);
		peer_stop(&vmm);
		relay_stop(&u);
		tap_ok(vmm.got == up && !memcmp(vmm.data, data, up) &&
			       got == down && !memcmp(back, want_back, down),
		       "piped, %s: 3 MiB up and 1 MiB down intact", t[i].name);
		in_place[0] = payload_in_place(&u, 2, 1073741824, data, up,
					       &nf[0], &np[0]);
		in_place[1] = payload_in_place(&u, 3, 52, want_back, down,
					       &nf[1], &np[1]);
		if (t[i].frames)
			tap_ok(in_place[0] && in_place[1] && np[0] && np[1],
			       "piped, %s: each PAYLOAD frame holds its bytes "
			       "(%zu and %zu frames, %zu and %zu through "
			       "the pipe)",
			       t[i].name, nf[0], nf[1], np[0], np[1]);
		else
			tap_ok(nf[0] == 0 && nf[1] == 0 && u.n == 0,
			       "piped, %s: no frame (%zu)", t[i].name, u.n);
		run_free(&u);
		free(vmm.data);
		free(back);
	}
	free(data);
	free(want_back);
}

static void test_host_refused(void)
{
	struct nsv_hrelay_opts o = { .vmm = at("vmm.sock"),
				     .listen = at("rec.sock") };
	struct nsv_frame f;
	struct peer vmm;
	struct run u;
	uint8_t *b;
	size_t n;
	int c;

	peer_start(&vmm, o.vmm, true, VMM_ERR, 0, 0);
	relay_start(&u, &o, NULL);
	c = unix_connect(o.listen);
	send_all(c, "CONNECT 5\n", 10);
	n = recv_all(c, &b);
	close(c);
	peer_stop(&vmm);
	relay_stop(&u);
	tap_ok(n == 17 && !memcmp(b, "ERR no such port\n", 17),
	       "a VMM answering ERR: the client reads exactly that, then EOF");
	tap_ok(u.n == 2 && is_frame(&u.f[0], 2, NSV_PORT_ANY, 3, 5,
				    NSV_MON_OP_CONNECT),
	       "two frames; the first: CONNECT host:* > 3:5 (no host port was "
	       "given)");
	dec(&u.f[1], &f);
	tap_ok(is_frame(&u.f[1], 3, 5, 2, NSV_PORT_ANY,
			NSV_MON_OP_DISCONNECT) &&
		       f.payload_len == 17,
	       "then DISCONNECT from the guest side, carrying the answer");
	tap_ok(u.nnotices == 1 &&
		       strstr(u.notices[0], "answered 'ERR no such port' to "
					    "'CONNECT 5' instead of 'OK PORT'"),
	       "one notice quotes the answer: %s", u.notices[0]);
	run_free(&u);
	free(b);

	peer_start(&vmm, o.vmm, true, VMM_SILENT_CLOSE, 0, 0);
	relay_start(&u, &o, NULL);
	c = unix_connect(o.listen);
	send_all(c, "CONNECT 6\n", 10);
	n = recv_all(c, &b);
	close(c);
	peer_stop(&vmm);
	relay_stop(&u);
	tap_ok(n == 0, "a VMM closing without an answer: the client gets EOF");
	tap_ok(u.n == 2 &&
		       is_frame(&u.f[0], 2, NSV_PORT_ANY, 3, 6,
				NSV_MON_OP_CONNECT) &&
		       is_frame(&u.f[1], 3, 6, 2, NSV_PORT_ANY,
				NSV_MON_OP_DISCONNECT),
	       "frames: CONNECT, then the guest side's DISCONNECT, and no "
	       "more");
	tap_ok(u.nnotices == 1 &&
		       strstr(u.notices[0], "closed the connection without "
					    "answering 'CONNECT 6'"),
	       "one notice: %s", u.notices[0]);
	run_free(&u);
	free(b);
}

/*
 * A client that writes and closes at once, before the VMM has read: the
 * VMM still gets every byte, and the relay waits for it without spinning
 * on the hung-up side.
 */
static void test_close_while_draining(void)
{
	struct nsv_hrelay_opts o = { .vmm = at("vmm.sock"),
				     .listen = at("rec.sock") };
	size_t up = 16 << 20; /* more than the relay's buffers hold */
	uint8_t *data = pattern(up, 5);
	struct timespec t0, t1;
	struct peer vmm;
	struct run u;
	char ans[64];
	double cpu;
	int c;

	peer_start(&vmm, o.vmm, true, VMM_SLOW, 0, 0);
	relay_start(&u, &o, NULL);
	c = unix_connect(o.listen);
	send_all(c, "CONNECT 7\n", 10);
	recv_line(c, ans, sizeof(ans));
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	send_all(c, data, up);
	close(c);
	peer_stop(&vmm);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	relay_stop(&u);
	cpu = (double)(t1.tv_sec - t0.tv_sec) +
	      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	tap_ok(vmm.got == up && !memcmp(vmm.data, data, up),
	       "a client that closed at once: the slow VMM still got its 16 "
	       "MiB");
	tap_ok(cpu < 0.2,
	       "while the VMM dawdled the relay slept (%.3f s of CPU, all "
	       "copying included)",
	       cpu);
	run_free(&u);
	free(vmm.data);
	free(data);
}

static void test_guest_initiated(void)
{
	struct nsv_hrelay_port ports[] = { { 7000, NULL } };
	struct nsv_hrelay_opts o = { .vmm = at("vmm.sock"),
				     .ports = ports,
				     .nports = 1,
				     .guest_cid = 42 };
	size_t up = 1 << 20, down = 256 << 10, got, nf;
	uint8_t *data = pattern(up, 3), *want = pattern(down, 4), *b;
	uint8_t *rebuilt = malloc(up);
	struct nsv_flows *t;
	struct peer app;
	struct run u;
	size_t i;
	int c;

	ports[0].app = at("app.sock");
	peer_start(&app, ports[0].app, false, VMM_OK, down, 4);
	relay_start(&u, &o, NULL);
	/* the VMM delivers a guest connection to host port 7000 */
	c = unix_connect(at("vmm.sock_7000"));
	tap_ok(c >= 0, "the relay listens on VMM_SOCKET_7000");
	send_all(c, data, up);
	shutdown(c, SHUT_WR);
	got = recv_all(c, &b);
	close(c);
	peer_stop(&app);
	relay_stop(&u);
	tap_ok(app.got == up && !memcmp(app.data, data, up) && got == down &&
		       !memcmp(b, want, down),
	       "1 MiB to the application and 256 KiB back, intact");
	tap_ok(u.n >= 2 &&
		       is_frame(&u.f[0], 42, NSV_PORT_ANY, 2, 7000,
				NSV_MON_OP_CONNECT) &&
		       is_frame(&u.f[1], 2, 7000, 42, NSV_PORT_ANY,
				NSV_MON_OP_CONNECT),
	       "CONNECT 42:* > host:7000 and back (guest CID from the "
	       "option, its port unknown here)");
	got = payload_from(&u, 42, NSV_PORT_ANY, rebuilt, up, &nf);
	tap_ok(got == up && !memcmp(rebuilt, data, up),
	       "the guest's PAYLOAD frames hold its 1 MiB");
	nsv_flows_new(&t);
	for (i = 0; i < u.n; i++) {
		struct nsv_pkt pkt = { .sec = u.f[i].sec,
				       .nsec = u.f[i].nsec,
				       .caplen = u.f[i].caplen,
				       .wirelen = u.f[i].wirelen,
				       .data = u.f[i].data };
		struct nsv_frame f;

		dec(&u.f[i], &f);
		nsv_flows_update(t, &pkt, &f, NULL);
	}
	tap_ok(nsv_flows_count(t) == 1 &&
		       nsv_flows_get(t, 0)->state == NSV_FLOW_CLOSED &&
		       nsv_flows_get(t, 0)->dir[0].bytes == up &&
		       nsv_flows_get(t, 0)->dir[1].bytes == down,
	       "--flows: one connection, closed, %zu and %zu bytes", up, down);
	nsv_flows_free(t);
	tap_ok(access(at("vmm.sock_7000"), F_OK) < 0,
	       "closing removes VMM_SOCKET_7000");
	run_free(&u);
	free(app.data);
	free(data);
	free(want);
	free(b);
	free(rebuilt);

	/* an application that is not listening (a dead socket file) */
	close(unix_listen(ports[0].app));
	relay_start(&u, &o, NULL);
	c = unix_connect(at("vmm.sock_7000"));
	got = recv_all(c, &b);
	close(c);
	relay_stop(&u);
	tap_ok(got == 0 && u.n == 2 &&
		       is_frame(&u.f[0], 42, NSV_PORT_ANY, 2, 7000,
				NSV_MON_OP_CONNECT) &&
		       is_frame(&u.f[1], 2, 7000, 42, NSV_PORT_ANY,
				NSV_MON_OP_DISCONNECT),
	       "an application that refuses: CONNECT, DISCONNECT, the VMM's "
	       "connection closed");
	tap_ok(u.nnotices == 1 && strstr(u.notices[0], "Connection refused"),
	       "one notice: %s", u.notices[0]);
	run_free(&u);
	free(b);
	unlink(ports[0].app);
}

/* Two guest connections to one port at once: flows keep them apart. */
static void test_parallel_and_filter(void)
{
	struct nsv_hrelay_port ports[] = { { 7001, NULL }, { 7002, NULL } };
	struct nsv_hrelay_opts o = { .vmm = at("vmm.sock"),
				     .ports = ports,
				     .nports = 2 };
	struct peer a1, a2;
	struct nsv_flows *t;
	struct run u;
	uint8_t *b;
	size_t i;
	int c1, c2, c3;
	bool port_ok = true;

	ports[0].app = at("a1.sock");
	ports[1].app = at("a2.sock");
	/* the application serves one connection, then the next */
	peer_start_n(&a1, ports[0].app, false, VMM_OK, 10, 0, 2);
	peer_start(&a2, ports[1].app, false, VMM_OK, 0, 0);
	relay_start(&u, &o, "port 7001");
	c1 = unix_connect(at("vmm.sock_7001"));
	c2 = unix_connect(at("vmm.sock_7001"));
	c3 = unix_connect(at("vmm.sock_7002"));
	send_all(c2, "second!", 7);
	send_all(c1, "first", 5);
	send_all(c3, "other", 5);
	shutdown(c1, SHUT_WR);
	shutdown(c2, SHUT_WR);
	shutdown(c3, SHUT_WR);
	recv_all(c1, &b);
	free(b);
	recv_all(c2, &b);
	free(b);
	recv_all(c3, &b);
	free(b);
	peer_stop(&a1);
	peer_stop(&a2);
	free(a1.data);
	free(a2.data);
	close(c1);
	close(c2);
	close(c3);
	relay_stop(&u);
	for (i = 0; i < u.n; i++) {
		struct nsv_frame f;

		dec(&u.f[i], &f);
		port_ok &= f.src_port == 7001 || f.dst_port == 7001;
	}
	tap_ok(u.n > 0 && port_ok,
	       "the filter 'port 7001' keeps only port 7001's frames (%zu)",
	       u.n);
	nsv_flows_new(&t);
	for (i = 0; i < u.n; i++) {
		struct nsv_pkt pkt = { .sec = u.f[i].sec,
				       .nsec = u.f[i].nsec,
				       .caplen = u.f[i].caplen,
				       .wirelen = u.f[i].wirelen,
				       .data = u.f[i].data };
		struct nsv_frame f;

		dec(&u.f[i], &f);
		nsv_flows_update(t, &pkt, &f, NULL);
	}
	tap_ok(nsv_flows_count(t) == 2 &&
		       nsv_flows_get(t, 0)->dir[0].bytes == 5 &&
		       nsv_flows_get(t, 1)->dir[0].bytes == 7 &&
		       nsv_flows_get(t, 0)->dir[1].bytes == 10 &&
		       nsv_flows_get(t, 1)->dir[1].bytes == 10 &&
		       nsv_flows_get(t, 0)->tag != nsv_flows_get(t, 1)->tag,
	       "two connections from 42:* to port 7001 at once are two "
	       "flows (told apart by the connection number)");
	nsv_flows_free(t);
	run_free(&u);
	unlink(ports[0].app);
	unlink(ports[1].app);
}

/* Filters on NO_INFO frames: addresses match, virtio fields never do. */
static void test_filter_semantics(void)
{
	static const struct {
		const char *expr;
		bool match;
	} cases[] = {
		{ "port 52", true },	  { "dst port 52", true },
		{ "src cid host", true }, { "cid 3", true },
		{ "src port 52", false }, { "op rw", false },
		{ "len > 0", false },	  { "not op rw", true },
		{ "type stream", false },
	};
	uint8_t frame[64];
	struct nsv_frame f = { .src_cid = 2,
			       .dst_cid = 3,
			       .src_port = 1073741824,
			       .dst_port = 52,
			       .op = NSV_MON_OP_PAYLOAD,
			       .transport = NSV_TRANSPORT_NO_INFO,
			       .reserved = NSV_SYNTH | NSV_SYNTH_RELAY };
	size_t i;

	nsv_frame_encode(&f, frame, sizeof(frame));
	memcpy(frame + 32, "payload!", 8);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nsv_fexpr *flt;
		struct nsv_fexpr_error fe;
		struct nsv_bpf_prog prog;
		struct nsv_pkt pkt = { .caplen = 40,
				       .wirelen = 40,
				       .data = frame };
		bool bpf, ev;

		nsv_filter_parse(cases[i].expr, NULL, NULL, &flt, &fe);
		nsv_filter_compile(flt, 262144, &prog);
		bpf = nsv_bpf_match(&prog, &pkt);
		ev = nsv_filter_match(flt, frame, 40, 40);
		tap_ok(bpf == cases[i].match && ev == bpf,
		       "a relay PAYLOAD frame host > 3:52: '%s' %s",
		       cases[i].expr,
		       cases[i].match ? "matches" : "does not match");
		nsv_bpf_prog_free(&prog);
		nsv_fexpr_free(flt);
	}
}

static void test_takeover(void)
{
	struct nsv_hrelay_opts o = { .vmm = at("fc.sock"), .takeover = true };
	struct stat before, after;
	struct peer vmm;
	struct run u;
	char ans[64];
	uint8_t *b;
	int c;

	peer_start(&vmm, o.vmm, true, VMM_OK, 3, 9);
	stat(o.vmm, &before);
	relay_start(&u, &o, NULL);
	tap_ok(access(at("fc.sock" NSV_HRELAY_ASIDE), F_OK) == 0,
	       "--takeover: the VMM's socket waits at PATH%s",
	       NSV_HRELAY_ASIDE);
	c = unix_connect(o.vmm);
	send_all(c, "CONNECT 9\n", 10);
	recv_line(c, ans, sizeof(ans));
	shutdown(c, SHUT_WR);
	recv_all(c, &b);
	free(b);
	close(c);
	relay_stop(&u);
	stat(o.vmm, &after);
	peer_stop(&vmm);
	free(vmm.data);
	tap_ok(!strcmp(ans, "OK 1073741824\n") && u.n >= 2 &&
		       is_frame(&u.f[0], 2, 1073741824, 3, 9,
				NSV_MON_OP_CONNECT),
	       "a client of the VMM's own path went through the relay");
	tap_ok(before.st_ino == after.st_ino &&
		       access(at("fc.sock" NSV_HRELAY_ASIDE), F_OK) < 0,
	       "closing swaps the VMM's socket back, nothing left aside");
	run_free(&u);

	/* a leftover of a killed run */
	close(unix_listen(at("fc.sock" NSV_HRELAY_ASIDE)));
	close(unix_listen(o.vmm));
	tap_ok(nsv_hrelay_open(&u.r, &o, NULL, 0) == -EEXIST,
	       "a socket still aside from an earlier run: -EEXIST, nothing "
	       "moved");
	unlink(at("fc.sock" NSV_HRELAY_ASIDE));
	unlink(o.vmm);
}

static void test_open_errors(void)
{
	struct nsv_hrelay_opts o = { .vmm = at("file"),
				     .listen = at("rec.sock") };
	struct nsv_hrelay_port ports[] = { { 7003, NULL } };
	char err[512];
	struct nsv_hrelay *r;
	FILE *f = fopen(at("file"), "w");
	int fd;

	fclose(f);
	tap_ok(nsv_hrelay_open(&r, &o, err, sizeof(err)) == -ENOTSOCK &&
		       strstr(err, "not a socket") &&
		       access(o.listen, F_OK) < 0,
	       "a VMM path that is no socket: -ENOTSOCK, '%s', nothing "
	       "created",
	       err);
	o.vmm = at("missing");
	tap_ok(nsv_hrelay_open(&r, &o, err, sizeof(err)) == -ENOENT &&
		       strstr(err, "No such file"),
	       "a VMM path that does not exist: -ENOENT ('%s')", err);
	fd = unix_listen(at("vmm.sock"));
	o.vmm = at("vmm.sock");
	o.listen = o.vmm;
	tap_ok(nsv_hrelay_open(&r, &o, err, sizeof(err)) == -EADDRINUSE,
	       "listening where something listens: -EADDRINUSE ('%s')", err);
	o.listen = NULL;
	o.ports = ports;
	o.nports = 1;
	ports[0].app = at("file");
	tap_ok(nsv_hrelay_open(&r, &o, err, sizeof(err)) == -ENOTSOCK,
	       "an application path that is no socket: -ENOTSOCK ('%s')", err);
	close(fd);
	unlink(at("vmm.sock"));
	unlink(at("file"));
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/nsv-relay-test.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	test_host_initiated();
	test_piped_payload();
	test_host_refused();
	test_close_while_draining();
	test_guest_initiated();
	test_parallel_and_filter();
	test_filter_semantics();
	test_takeover();
	test_open_errors();
	if (rmdir(dir) < 0)
		tap_diag("%s: %s (something was left behind)", dir,
			 strerror(errno));
	tap_plan(tap_n);
	return tap_failed ? 1 : 0;
}
