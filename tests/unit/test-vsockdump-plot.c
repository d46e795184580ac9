// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: --plot's SVG from frames run through the flow tracker. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vsockdump/flow.h"
#include "vsockdump/plot.h"
#include "frames.h"
#include "proto.h"
#include "tap.h"

/* One end of a connection and what it says about its receive buffer. */
struct end {
	uint32_t cid, port;
	uint32_t buf_alloc, fwd_cnt;
};

static uint8_t frame[NSV_MON_HDR_LEN + NSV_VIRTIO_HDR_LEN + 70000];
static int64_t now_ns;
static int64_t base_sec = 1700000000; /* now_ns counts from here */

struct rec {
	struct nsv_flows *t;
	struct nsv_plot *pl;
	struct nsv_flow_note last;
	int err;
};

/* @a sends @op with @len payload bytes to @b, @gap_ns after the last. */
static void say(struct rec *r, const struct end *a, const struct end *b,
		uint16_t op, uint32_t len, int64_t gap_ns)
{
	struct nsv_frame f;
	struct nsv_pkt pkt;
	size_t n;

	n = test_frame_build(frame, sizeof(frame),
			     &(struct test_frame){
				     .scid = a->cid,
				     .dcid = b->cid,
				     .sport = a->port,
				     .dport = b->port,
				     .transport = NSV_TRANSPORT_VIRTIO,
				     .thdr_len = NSV_VIRTIO_HDR_LEN,
				     .type = NSV_VIRTIO_TYPE_STREAM,
				     .op = op,
				     .len = len,
				     .buf_alloc = a->buf_alloc,
				     .fwd_cnt = a->fwd_cnt,
			     },
			     NULL, 0);
	now_ns += gap_ns;
	pkt.sec = base_sec + now_ns / 1000000000;
	pkt.nsec = (uint32_t)(now_ns % 1000000000);
	/* headers only: the wire length says how much payload there was */
	pkt.caplen = (uint32_t)n;
	pkt.wirelen = (uint32_t)n + len;
	pkt.data = frame;
	nsv_frame_decode(frame, pkt.caplen, pkt.wirelen, &f);
	if (nsv_flows_update(r->t, &pkt, &f, &r->last) < 0 ||
	    nsv_plot_add(r->pl, &pkt, &f, &r->last) < 0)
		r->err = 1;
}

static void rec_init(struct rec *r, uint64_t flow)
{
	memset(r, 0, sizeof(*r));
	now_ns = 0;
	base_sec = 1700000000;
	if (nsv_flows_new(&r->t) < 0 ||
	    nsv_plot_new(&r->pl, &(struct nsv_plot_opts){ .flow = flow }) < 0)
		r->err = 1;
}

/* The SVG as a string; NULL with *@rc set on failure. */
static char *svg(struct rec *r, int *rc)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	*rc = f ? nsv_plot_write(r->pl, f, r->t) : -ENOMEM;
	if (f)
		fclose(f);
	if (*rc < 0) {
		free(s);
		return NULL;
	}
	return s;
}

static void rec_free(struct rec *r)
{
	nsv_plot_free(r->pl);
	nsv_flows_free(r->t);
}

static int count(const char *s, const char *what)
{
	int n = 0;

	while (s && (s = strstr(s, what))) {
		n++;
		s += strlen(what);
	}
	return n;
}

/* The subpaths ("M") of the first path of class @cls after @from. */
static int marks(const char *from, const char *cls)
{
	char key[64];
	const char *p, *e;
	int n = 0;

	snprintf(key, sizeof(key), "class=\"%s\"", cls);
	p = from ? strstr(from, key) : NULL;
	p = p ? strstr(p, " d=\"") : NULL;
	e = p ? strchr(p + 4, '"') : NULL;
	for (; p && p < e; p++)
		n += *p == 'M';
	return n;
}

/*
 * The golden capture's story: a 4 KiB receive buffer read slowly; the
 * sender fills it three times and waits for a CREDIT_UPDATE each time.
 */
static void credit_story(struct rec *r, bool last_update)
{
	struct end c = { 3, 50000, 262144, 0 }, s = { 2, 1236, 4096, 0 };
	int i;

	say(r, &c, &s, NSV_VIRTIO_OP_REQUEST, 0, 0);
	say(r, &s, &c, NSV_VIRTIO_OP_RESPONSE, 0, 400000);
	for (i = 0; i < 3; i++) {
		say(r, &c, &s, NSV_VIRTIO_OP_RW, 4096, 4000000);
		s.fwd_cnt += 4096;
		say(r, &s, &c, NSV_VIRTIO_OP_CREDIT_UPDATE, 0, 200000000);
	}
	say(r, &c, &s, NSV_VIRTIO_OP_RW, last_update ? 3072 : 4096, 300000);
	if (last_update) {
		s.fwd_cnt += 3072;
		say(r, &s, &c, NSV_VIRTIO_OP_CREDIT_UPDATE, 0, 150000000);
	} else {
		say(r, &s, &c, NSV_VIRTIO_OP_RW, 10, 150000000);
	}
}

static void test_credit_story(void)
{
	struct rec r;
	char *s;
	int rc;

	rec_init(&r, 0);
	credit_story(&r, true);
	tap_ok(!r.err, "credit story: recorded");
	tap_ok(r.last.flow && r.last.flow->dir[0].zero_credit == 3,
	       "the flow tracker counts three stalls");
	s = svg(&r, &rc);
	tap_ok(s && rc == 0, "written");
	tap_is_int(count(s, "class=\"stall\""), 3, "three shaded stall spans");
	tap_is_int(count(s, "class=\"stall-open\""), 0,
		   "no stall open at the end");
	tap_is_int(marks(s, "credit-update"), 4,
		   "four CREDIT_UPDATEs marked for the sender");
	tap_is_int(marks(s, "credit-request"), 0, "no CREDIT_REQUEST marked");
	tap_ok(strstr(s, "class=\"title\"") &&
		       strstr(s,
			      "flow 1 STREAM 3:50000 \xe2\x86\x92 host:1236"),
	       "the title names the flow and both ends");
	tap_is_int(count(s, "<path class=\"inflight\""), 1,
		   "one way carried data: one credit panel");
	tap_ok(strstr(s, "3 stalls (0.600 s)") != NULL,
	       "the panel says three stalls, 0.6 s in all");
	tap_ok(strstr(s, "(ms)</text>") != NULL,
	       "a connection under a second has its time axis in ms");
	tap_ok(strstr(s, " KiB</text>") != NULL, "bytes in KiB");
	free(s);
	rec_free(&r);
}

/* A stall the flow tracker confirms: its start and length come along. */
static void test_note(void)
{
	struct end c = { 3, 50000, 65536, 0 }, s = { 2, 1236, 4096, 0 };
	struct rec r;

	rec_init(&r, 0);
	say(&r, &c, &s, NSV_VIRTIO_OP_REQUEST, 0, 0);
	say(&r, &s, &c, NSV_VIRTIO_OP_RESPONSE, 0, 1000);
	say(&r, &c, &s, NSV_VIRTIO_OP_RW, 4096, 1000);
	tap_ok(!r.last.stall, "filling the buffer is no stall yet");
	s.fwd_cnt = 4096;
	say(&r, &s, &c, NSV_VIRTIO_OP_CREDIT_UPDATE, 0, 5000000);
	tap_ok(!r.last.stall, "credit back: still no stall");
	say(&r, &c, &s, NSV_VIRTIO_OP_RW, 100, 1000);
	tap_ok(r.last.stall && r.last.stall_ns == 5000000 &&
		       r.last.stall_sec == 1700000000 &&
		       r.last.stall_nsec == 2000,
	       "more data: a stall from 2 us for 5 ms");
	rec_free(&r);
}

static void test_open_stall(void)
{
	struct rec r;
	char *s;
	int rc;

	rec_init(&r, 0);
	credit_story(&r, false);
	s = svg(&r, &rc);
	tap_is_int(count(s, "class=\"stall\""), 3,
		   "stalls that ended: three spans");
	tap_is_int(count(s, "class=\"stall-open\""), 1,
		   "the sender still at zero credit at the end: one open span");
	tap_is_int(count(s, "<path class=\"inflight\""), 2,
		   "data both ways: two credit panels");
	free(s);
	rec_free(&r);
}

/* Five connections; the three busiest are drawn, the busiest first. */
static void test_busiest(void)
{
	static const uint32_t bytes[] = { 100, 5000, 300, 9000, 7000 };
	struct end c = { 3, 0, 65536, 0 }, s = { 2, 1000, 65536, 0 };
	const char *a, *b, *d;
	struct rec r;
	char *out;
	int rc, i;

	rec_init(&r, 0);
	for (i = 0; i < 5; i++) {
		c.port = 50000 + (uint32_t)i;
		say(&r, &c, &s, NSV_VIRTIO_OP_REQUEST, 0, 1000);
		say(&r, &s, &c, NSV_VIRTIO_OP_RESPONSE, 0, 1000);
		say(&r, &c, &s, NSV_VIRTIO_OP_RW, bytes[i], 1000);
	}
	out = svg(&r, &rc);
	a = out ? strstr(out, "id=\"flow4\"") : NULL;
	b = out ? strstr(out, "id=\"flow5\"") : NULL;
	d = out ? strstr(out, "id=\"flow2\"") : NULL;
	tap_ok(a && b && d && a < b && b < d,
	       "flows 4, 5 and 2 (9000, 7000, 5000 bytes) in that order");
	tap_ok(out && !strstr(out, "id=\"flow1\"") &&
		       !strstr(out, "id=\"flow3\""),
	       "the two least busy are left out");
	free(out);
	rec_free(&r);

	rec_init(&r, 3);
	for (i = 0; i < 5; i++) {
		c.port = 50000 + (uint32_t)i;
		say(&r, &c, &s, NSV_VIRTIO_OP_REQUEST, 0, 1000);
		say(&r, &c, &s, NSV_VIRTIO_OP_RW, bytes[i], 1000);
	}
	out = svg(&r, &rc);
	tap_ok(out && strstr(out, "id=\"flow3\"") &&
		       count(out, "class=\"flow\"") == 1,
	       "--flow 3 draws flow 3 alone");
	free(out);
	rec_free(&r);

	rec_init(&r, 9);
	say(&r, &c, &s, NSV_VIRTIO_OP_REQUEST, 0, 1000);
	out = svg(&r, &rc);
	tap_ok(!out && rc == -ENOENT, "--flow 9 of 1: -ENOENT");
	rec_free(&r);

	rec_init(&r, 0);
	out = svg(&r, &rc);
	tap_ok(out && rc == 0 && strstr(out, "no vsock connection") &&
		       strstr(out, "</svg>"),
	       "no connection: a picture that says so");
	free(out);
	rec_free(&r);
}

/*
 * A million frames of one connection: a receiver that reads quickly, then
 * slowly. The picture has at most a few points per pixel column whatever
 * the number of frames, so it stays small.
 */
static void test_million(void)
{
	struct end c = { 3, 50000, 65536, 0 }, s = { 2, 1236, 262144, 0 };
	uint32_t tx = 0;
	size_t small_len;
	struct rec r;
	char *out, *small;
	int rc, i;

	rec_init(&r, 0);
	say(&r, &c, &s, NSV_VIRTIO_OP_REQUEST, 0, 0);
	say(&r, &s, &c, NSV_VIRTIO_OP_RESPONSE, 0, 1000);
	for (i = 0; i < 1000000 && !r.err; i++) {
		bool slow = i / 100000 % 2;
		uint32_t inflight = tx - s.fwd_cnt;

		if (inflight && i % (slow ? 40 : 4) == 0) {
			s.fwd_cnt += inflight < 65536 ? inflight : 65536;
			say(&r, &s, &c, NSV_VIRTIO_OP_CREDIT_UPDATE, 0, 2000);
		} else if (inflight >= 262144) {
			say(&r, &c, &s, NSV_VIRTIO_OP_CREDIT_REQUEST, 0, 20000);
		} else {
			uint32_t n = 262144 - inflight < 4096 ?
					     262144 - inflight :
					     4096;

			say(&r, &c, &s, NSV_VIRTIO_OP_RW, n, 3000);
			tx += n;
		}
	}
	tap_ok(!r.err, "a million frames recorded");
	tap_ok(nsv_plot_size(r.pl) < 512 * 1024,
	       "held in %zu bytes (< 512 KiB)", nsv_plot_size(r.pl));
	tap_ok(r.last.flow && r.last.flow->dir[0].zero_credit > 1000,
	       "with thousands of stalls (%llu)",
	       r.last.flow ?
		       (unsigned long long)r.last.flow->dir[0].zero_credit :
		       0ULL);
	out = svg(&r, &rc);
	tap_ok(out && rc == 0, "written");
	tap_ok(out && strlen(out) < 200000, "in %zu bytes (< 200000)",
	       out ? strlen(out) : 0);
	tap_ok(count(out, "class=\"stall\"") <= 860 &&
		       count(out, "class=\"stall\"") >= 5,
	       "stall spans merged per pixel (%d)",
	       count(out, "class=\"stall\""));
	tap_ok(marks(out, "credit-update") <= 864 &&
		       marks(out, "credit-request") <= 864,
	       "at most one credit mark per pixel column (%d, %d)",
	       marks(out, "credit-update"), marks(out, "credit-request"));
	tap_ok(strstr(out, "(s)</text>") != NULL,
	       "a long connection has its time axis in s");

	/* the same picture from 1000 frames is no smaller than a tenth */
	rec_free(&r);
	rec_init(&r, 0);
	say(&r, &c, &s, NSV_VIRTIO_OP_REQUEST, 0, 0);
	for (i = 0; i < 1000; i++)
		say(&r, &c, &s, NSV_VIRTIO_OP_RW, 10, 3000);
	small = svg(&r, &rc);
	small_len = small ? strlen(small) : 0;
	tap_ok(small && out && small_len * 40 > strlen(out),
	       "a million frames draw into no more than 40 times the bytes "
	       "of a thousand (%zu, %zu)",
	       small_len, out ? strlen(out) : 0);
	free(small);
	free(out);
	rec_free(&r);
}

/*
 * A hundred thousand short connections that end, and three busy ones: the
 * recorder lets the short ones go, and the busy ones are drawn.
 */
static void test_many_short(void)
{
	struct end c = { 3, 0, 65536, 0 }, s = { 2, 1000, 65536, 0 };
	struct end b[3] = { { 3, 40000, 65536, 0 },
			    { 3, 40001, 65536, 0 },
			    { 3, 40002, 65536, 0 } };
	size_t most = 0, sz;
	struct rec r;
	char *out;
	int rc, i, k;

	rec_init(&r, 0);
	for (k = 0; k < 3; k++) {
		say(&r, &b[k], &s, NSV_VIRTIO_OP_REQUEST, 0, 1000);
		say(&r, &s, &b[k], NSV_VIRTIO_OP_RESPONSE, 0, 1000);
	}
	for (i = 0; i < 100000 && !r.err; i++) {
		c.port = 50000 + (uint32_t)(i % 10000);
		say(&r, &c, &s, NSV_VIRTIO_OP_REQUEST, 0, 1000);
		say(&r, &s, &c, NSV_VIRTIO_OP_RESPONSE, 0, 1000);
		say(&r, &c, &s, NSV_VIRTIO_OP_RW, 100, 1000);
		say(&r, &c, &s, NSV_VIRTIO_OP_SHUTDOWN, 0, 1000);
		say(&r, &s, &c, NSV_VIRTIO_OP_RST, 0, 1000);
		say(&r, &b[i % 3], &s, NSV_VIRTIO_OP_RW,
		    1000 + (uint32_t)(i % 3), 1000);
		if (i % 1000 == 999) {
			sz = nsv_plot_size(r.pl);
			most = sz > most ? sz : most;
		}
	}
	tap_ok(!r.err, "600000 frames of 100003 connections recorded");
	tap_ok(most < 4 * 1024 * 1024,
	       "the recorder never held more than 4 MiB (%zu bytes at most)",
	       most);
	out = svg(&r, &rc);
	tap_ok(out && strstr(out, "id=\"flow3\"") &&
		       strstr(out, "id=\"flow2\"") &&
		       strstr(out, "id=\"flow1\"") &&
		       count(out, "class=\"flow\"") == 3,
	       "the three busy connections are drawn");
	tap_ok(out && strstr(out, "id=\"flow3\"") < strstr(out, "id=\"flow2\""),
	       "the busiest (flow 3, 1002 bytes a frame) first");
	free(out);
	rec_free(&r);
}

/*
 * A file's time stamps may lie further apart than int64_t nanoseconds
 * reach (a pcapng file holds 64-bit stamps): the plot is still drawn,
 * without signed overflow (UBSan in the sanitized build).
 */
static void test_far_apart(void)
{
	struct end c = { 3, 50000, 65536, 0 }, s = { 2, 1234, 65536, 0 };
	struct rec r;
	char *out;
	int rc;

	rec_init(&r, 0);
	say(&r, &c, &s, NSV_VIRTIO_OP_REQUEST, 0, 0);
	say(&r, &s, &c, NSV_VIRTIO_OP_RESPONSE, 0, 1000);
	say(&r, &c, &s, NSV_VIRTIO_OP_RW, 1000, 1000);
	base_sec += 400LL * 365 * 86400; /* 400 years on: 1.26e19 ns */
	say(&r, &c, &s, NSV_VIRTIO_OP_RW, 1000, 1000);
	out = svg(&r, &rc);
	tap_ok(!r.err && out && count(out, "class=\"flow\"") == 1,
	       "frames 400 years apart: the connection is still drawn");
	free(out);
	rec_free(&r);
}

int main(void)
{
	test_credit_story();
	test_note();
	test_open_stall();
	test_busiest();
	test_million();
	test_many_short();
	test_far_apart();
	return tap_done();
}
