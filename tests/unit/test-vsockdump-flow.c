// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: connection tracking, credit accounting and the frame printer. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "vsockdump/flow.h"
#include "vsockdump/print.h"
#include "frames.h"
#include "proto.h"
#include "tap.h"

/* One side of a conversation: who sends, what it says about its buffer. */
struct side {
	uint32_t cid, port;
	uint32_t buf_alloc, fwd_cnt;
};

static uint8_t frame[NSV_MON_HDR_LEN + NSV_VIRTIO_HDR_LEN + 70000];
static struct nsv_pkt pkt;
static int64_t now_ns;

/* Build a frame from @a to @b and decode it; returns the frame. */
static struct nsv_frame *mk(const struct side *a, const struct side *b,
			    uint16_t type, uint16_t op, uint32_t len,
			    uint32_t flags, uint32_t carried)
{
	static struct nsv_frame f;
	size_t n;

	n = test_frame_build(frame, sizeof(frame),
			     &(struct test_frame){
				     .scid = a->cid,
				     .dcid = b->cid,
				     .sport = a->port,
				     .dport = b->port,
				     .transport = NSV_TRANSPORT_VIRTIO,
				     .thdr_len = NSV_VIRTIO_HDR_LEN,
				     .type = type,
				     .op = op,
				     .len = len,
				     .flags = flags,
				     .buf_alloc = a->buf_alloc,
				     .fwd_cnt = a->fwd_cnt,
			     },
			     NULL, 0);
	memset(frame + n, 'p', carried);
	now_ns += 1000000; /* 1 ms a frame */
	pkt.sec = now_ns / 1000000000;
	pkt.nsec = (uint32_t)(now_ns % 1000000000);
	pkt.caplen = pkt.wirelen = (uint32_t)(n + carried);
	pkt.data = frame;
	nsv_frame_decode(frame, pkt.caplen, pkt.wirelen, &f);
	return &f;
}

static int send_(struct nsv_flows *t, struct nsv_flow_note *n,
		 const struct side *a, const struct side *b, uint16_t op,
		 uint32_t len)
{
	return nsv_flows_update(
		t, &pkt, mk(a, b, NSV_VIRTIO_TYPE_STREAM, op, len, 0, len), n);
}

static void test_handshake_credit(void)
{
	struct side c = { 3, 50000, 65536, 0 }, s = { 2, 1234, 8192, 0 };
	struct nsv_flow_note n;
	struct nsv_flows *t;
	const struct nsv_flow *fl;
	int64_t cr;

	nsv_flows_new(&t);
	now_ns = 0;
	send_(t, &n, &c, &s, NSV_VIRTIO_OP_REQUEST, 0);
	fl = n.flow;
	tap_ok(fl && fl->id == 1 && n.dir == 0 &&
		       fl->state == NSV_FLOW_REQUESTED,
	       "REQUEST opens flow 1, requested");
	send_(t, &n, &s, &c, NSV_VIRTIO_OP_RESPONSE, 0);
	tap_ok(n.flow == fl && n.dir == 1 && fl->state == NSV_FLOW_ESTABLISHED,
	       "RESPONSE from the other end: same flow, established");
	tap_ok(fl->cid[0] == 3 && fl->port[0] == 50000 && fl->cid[1] == 2,
	       "the initiator is end 0");

	/* the client fills the server's 8 KiB */
	send_(t, &n, &c, &s, NSV_VIRTIO_OP_RW, 5000);
	tap_ok(n.credit_known && n.credit == 8192 - 5000 && n.bytes == 5000,
	       "after 5000 bytes the sender has 3192 credit (%lld)",
	       (long long)n.credit);
	tap_ok(n.peer_credit_known && n.peer_credit == 65536,
	       "... and the receiver may send 65536 back (%lld)",
	       (long long)n.peer_credit);
	send_(t, &n, &c, &s, NSV_VIRTIO_OP_RW, 3192);
	tap_ok(n.credit_known && n.credit == 0 && fl->dir[0].blocked &&
		       fl->dir[0].zero_credit == 0,
	       "8192 bytes in flight: zero credit (not a stall yet)");
	s.fwd_cnt = 4096; /* the server's reader took 4 KiB */
	send_(t, &n, &s, &c, NSV_VIRTIO_OP_CREDIT_UPDATE, 0);
	tap_ok(!fl->dir[0].blocked && fl->dir[0].stall_pending &&
		       fl->dir[0].stall_ns == 1000000 &&
		       fl->dir[0].zero_credit == 0,
	       "CREDIT_UPDATE ends it after 1 ms (%llu ns), pending",
	       (unsigned long long)fl->dir[0].stall_ns);
	tap_ok(n.peer_credit_known && n.peer_credit == 4096,
	       "the update gives the client 4096 back (%lld)",
	       (long long)n.peer_credit);
	tap_ok(nsv_flow_credit(fl, 0, &cr) && cr == 4096,
	       "nsv_flow_credit agrees");
	send_(t, &n, &c, &s, NSV_VIRTIO_OP_RW, 4096);
	tap_ok(fl->dir[0].zero_credit == 1 &&
		       fl->dir[0].zero_credit_ns == 1000000,
	       "more data after it: the sender was stalled, 1 ms");
	send_(t, &n, &c, &s, NSV_VIRTIO_OP_CREDIT_REQUEST, 0);
	s.fwd_cnt = 12288;
	send_(t, &n, &s, &c, NSV_VIRTIO_OP_CREDIT_UPDATE, 0);
	send_(t, &n, &c, &s, NSV_VIRTIO_OP_RW, 100);
	tap_ok(fl->dir[0].zero_credit == 2 &&
		       fl->dir[0].zero_credit_ns == 3000000,
	       "a second stall of 2 ms: 2 stalls, 3 ms");
	tap_ok(fl->dir[0].credit_requests == 1 &&
		       fl->dir[1].credit_updates == 2,
	       "one CREDIT_REQUEST, two CREDIT_UPDATEs counted");
	tap_ok(fl->dir[0].bytes == 12388 && fl->dir[0].pkts == 6 &&
		       fl->dir[1].pkts == 3,
	       "bytes and frames each way");
	/* the last bytes fill the buffer; credit returns; nothing follows */
	send_(t, &n, &c, &s, NSV_VIRTIO_OP_RW, 8092);
	s.fwd_cnt = 20480;
	send_(t, &n, &s, &c, NSV_VIRTIO_OP_CREDIT_UPDATE, 0);
	send_(t, &n, &c, &s, NSV_VIRTIO_OP_CREDIT_UPDATE, 0);
	tap_ok(fl->dir[0].zero_credit == 2 && fl->dir[0].stall_pending,
	       "zero credit after the last byte is no stall");
	send_(t, &n, &c, &s, NSV_VIRTIO_OP_SHUTDOWN, 0);
	tap_ok(fl->state == NSV_FLOW_CLOSING, "SHUTDOWN: closing");
	send_(t, &n, &s, &c, NSV_VIRTIO_OP_RST, 0);
	send_(t, &n, &s, &c, NSV_VIRTIO_OP_RST, 0);
	tap_ok(fl->state == NSV_FLOW_CLOSED && fl->nevents == 4 &&
		       fl->dir[0].zero_credit == 2 &&
		       fl->events[3].op == NSV_VIRTIO_OP_RST &&
		       fl->events[3].count == 2,
	       "RST: closed; history REQUEST RESPONSE SHUTDOWN RSTx2");
	tap_ok(nsv_flows_count(t) == 1 && nsv_flows_refused(t) == 0,
	       "one flow, none refused");
	nsv_flows_free(t);
}

static void test_refused_and_reuse(void)
{
	struct side c = { 1, 7777, 262144, 0 }, s = { 1, 1299, 0, 0 };
	struct nsv_flow_note n;
	struct nsv_flows *t;

	nsv_flows_new(&t);
	send_(t, &n, &c, &s, NSV_VIRTIO_OP_REQUEST, 0);
	send_(t, &n, &s, &c, NSV_VIRTIO_OP_RST, 0);
	tap_ok(n.flow->state == NSV_FLOW_REFUSED && nsv_flows_refused(t) == 1,
	       "REQUEST answered by RST: refused");
	tap_ok(!n.flow->dir[0].zero_credit && !n.flow->dir[1].zero_credit,
	       "an RST's empty buffer fields start no zero-credit episode");
	/* the same ports again: a new connection, a new flow */
	send_(t, &n, &c, &s, NSV_VIRTIO_OP_REQUEST, 0);
	tap_ok(n.flow->id == 2 && nsv_flows_count(t) == 2 &&
		       nsv_flows_get(t, 0)->state == NSV_FLOW_REFUSED,
	       "a REQUEST on a used key opens flow 2; flow 1 stays refused");
	s.buf_alloc = 4096;
	send_(t, &n, &s, &c, NSV_VIRTIO_OP_RESPONSE, 0);
	tap_ok(n.flow->id == 2 && n.flow->state == NSV_FLOW_ESTABLISHED,
	       "the RESPONSE joins flow 2");
	nsv_flows_free(t);
}

static void test_midstream(void)
{
	struct side c = { 3, 50000, 65536, 100000 }, s = { 2, 1234, 8192, 0 };
	struct nsv_flow_note n;
	struct nsv_flows *t;
	const struct nsv_flow *fl;

	nsv_flows_new(&t);
	/* no handshake: whoever is seen first is end 0 (the server here) */
	s.fwd_cnt = 70000;
	send_(t, &n, &s, &c, NSV_VIRTIO_OP_CREDIT_UPDATE, 0);
	fl = n.flow;
	tap_ok(fl->state == NSV_FLOW_SEEN && !fl->handshake,
	       "no handshake seen: state seen");
	send_(t, &n, &c, &s, NSV_VIRTIO_OP_RW, 1000);
	tap_ok(n.credit_known && n.credit == 8192 - 1000,
	       "credit synced on the first fwd_cnt: 7192 (%lld)",
	       (long long)n.credit);
	/* the receiver says it consumed more than we saw sent */
	s.fwd_cnt = 90000;
	send_(t, &n, &s, &c, NSV_VIRTIO_OP_CREDIT_UPDATE, 0);
	tap_ok(nsv_flow_credit(fl, 1, &n.credit) && n.credit == 8192,
	       "a later fwd_cnt beyond it resyncs: never below the truth");

	/* a RESPONSE first marks its receiver as the initiator */
	send_(t, &n, &(struct side){ 2, 9, 1, 0 }, &(struct side){ 5, 6, 1, 0 },
	      NSV_VIRTIO_OP_RESPONSE, 0);
	tap_ok(n.flow->cid[0] == 5 && n.flow->port[0] == 6 && n.dir == 1,
	       "RESPONSE first: its destination initiated");
	nsv_flows_free(t);
}

static void test_wrap(void)
{
	struct side c = { 3, 50000, 65536, 0 }, s = { 2, 1234, 262144, 0 };
	struct nsv_flow_note n;
	struct nsv_flows *t;

	nsv_flows_new(&t);
	/* mid-connection, counters close to 2^32 */
	s.fwd_cnt = 0xfffff000U;
	send_(t, &n, &s, &c, NSV_VIRTIO_OP_CREDIT_UPDATE, 0);
	send_(t, &n, &c, &s, NSV_VIRTIO_OP_RW, 8192);
	tap_ok(n.credit_known && n.credit == 262144 - 8192,
	       "tx_cnt wraps past 2^32 as in the kernel (%lld)",
	       (long long)n.credit);
	s.fwd_cnt = 0x1000; /* wrapped too */
	send_(t, &n, &s, &c, NSV_VIRTIO_OP_CREDIT_UPDATE, 0);
	tap_ok(n.peer_credit_known && n.peer_credit == 262144,
	       "fwd_cnt wraps: all credit back (%lld)",
	       (long long)n.peer_credit);
	nsv_flows_free(t);
}

/* 6.1 vhost: each fragment's frame carries the rest of the packet. */
static void test_fragments(void)
{
	struct side h = { 2, 1234, 262144, 0 }, g = { 3, 50000, 262144, 0 };
	struct nsv_flow_note n;
	struct nsv_flows *t;
	uint32_t rest = 35756, fr;

	nsv_flows_new(&t);
	send_(t, &n, &g, &h, NSV_VIRTIO_OP_REQUEST, 0);
	send_(t, &n, &h, &g, NSV_VIRTIO_OP_RESPONSE, 0);
	while (rest) {
		fr = rest > 3732 ? 3732 : rest;
		nsv_flows_update(t, &pkt,
				 mk(&h, &g, NSV_VIRTIO_TYPE_STREAM,
				    NSV_VIRTIO_OP_RW, fr, 0, rest),
				 &n);
		rest -= fr;
	}
	tap_ok(n.flow->dir[1].bytes == 35756 && n.flow->dir[1].oversized == 9,
	       "10 fragments of a 35756-byte packet count 35756 bytes (%llu),"
	       " 9 frames oversized",
	       (unsigned long long)n.flow->dir[1].bytes);
	tap_ok(n.credit_known && n.credit == 262144 - 35756,
	       "credit counts the packet once (%lld)", (long long)n.credit);
	/* a frame shorter than its len counts what it holds */
	nsv_flows_update(t, &pkt,
			 mk(&h, &g, NSV_VIRTIO_TYPE_STREAM, NSV_VIRTIO_OP_RW,
			    100, 0, 10),
			 &n);
	tap_is_int(n.bytes, 10, "a frame holding 10 of 100 counts 10");
	nsv_flows_free(t);
}

static void test_many(void)
{
	struct nsv_flow_note n;
	struct nsv_flows *t;
	int i, ok = 1;

	nsv_flows_new(&t);
	for (i = 0; i < 20000; i++) {
		struct side a = { 3 + i % 7, 40000 + (uint32_t)i, 4096, 0 };
		struct side b = { 2, 1234, 4096, 0 };

		send_(t, &n, &a, &b, NSV_VIRTIO_OP_REQUEST, 0);
		ok &= n.flow->id == (uint64_t)i + 1;
	}
	for (i = 19999; i >= 0; i--) {
		struct side a = { 3 + i % 7, 40000 + (uint32_t)i, 4096, 0 };
		struct side b = { 2, 1234, 4096, 0 };

		send_(t, &n, &b, &a, NSV_VIRTIO_OP_RESPONSE, 0);
		ok &= n.flow->id == (uint64_t)i + 1 && n.dir == 1;
	}
	tap_ok(ok && nsv_flows_count(t) == 20000,
	       "20000 flows: every answer finds its flow after the table grew");
	nsv_flows_free(t);
}

/*
 * A table that forgets: 20000 short connections one after the other hold
 * no more than the ring of ended ones; a frame trailing an end still finds
 * its flow; ids stay those a keeping table gives.
 */
static void test_forget(void)
{
	struct side b = { 2, 1234, 4096, 0 };
	struct nsv_flow_note n;
	struct nsv_flows *t;
	size_t most = 0;
	int i, ids = 1, trail = 1;

	nsv_flows_new(&t);
	send_(t, &n, &b, &b, NSV_VIRTIO_OP_REQUEST, 0);
	tap_is_int(nsv_flows_forget(t), -EBUSY,
		   "forget: only on an empty table");
	nsv_flows_free(t);

	nsv_flows_new(&t);
	tap_is_int(nsv_flows_forget(t), 0, "forget: on an empty table");
	for (i = 0; i < 20000; i++) {
		struct side a = { 3, 40000 + (uint32_t)i, 4096, 0 };
		const struct nsv_flow *fl;

		send_(t, &n, &a, &b, NSV_VIRTIO_OP_REQUEST, 0);
		fl = n.flow;
		ids &= fl->id == (uint64_t)i + 1;
		send_(t, &n, &b, &a, NSV_VIRTIO_OP_RESPONSE, 0);
		send_(t, &n, &a, &b, NSV_VIRTIO_OP_RW, 100);
		send_(t, &n, &a, &b, NSV_VIRTIO_OP_SHUTDOWN, 0);
		send_(t, &n, &b, &a, NSV_VIRTIO_OP_RST, 0);
		ids &= n.flow == fl && fl->state == NSV_FLOW_CLOSED;
		/* the other side's late credit update, after the end */
		send_(t, &n, &a, &b, NSV_VIRTIO_OP_CREDIT_UPDATE, 0);
		trail &= n.flow == fl && fl->dir[0].credit_updates == 1;
		if (nsv_flows_held(t) > most)
			most = nsv_flows_held(t);
	}
	tap_ok(ids, "forget: flows numbered 1..20000 as a keeping table does");
	tap_ok(trail, "forget: a frame after the RST still finds the flow");
	tap_ok(nsv_flows_count(t) == 20000 && most == NSV_FLOWS_ENDED_KEPT &&
		       nsv_flows_held(t) == NSV_FLOWS_ENDED_KEPT,
	       "forget: 20000 connections seen, at most %zu held (the ring)",
	       most);
	tap_ok(nsv_flows_get(t, 0) == NULL, "forget: no summary to get");
	/* the first connection's key again, long forgotten: a new flow */
	send_(t, &n, &(struct side){ 3, 40000, 4096, 0 }, &b,
	      NSV_VIRTIO_OP_REQUEST, 0);
	tap_ok(n.flow->id == 20001 && n.flow->state == NSV_FLOW_REQUESTED,
	       "forget: a forgotten key opens flow 20001");
	/* a REQUEST on a key whose flow never ended replaces it */
	for (i = 0; i < 3; i++)
		send_(t, &n, &(struct side){ 3, 40000, 4096, 0 }, &b,
		      NSV_VIRTIO_OP_REQUEST, 0);
	tap_ok(n.flow->id == 20004 &&
		       nsv_flows_held(t) == NSV_FLOWS_ENDED_KEPT + 1,
	       "forget: REQUESTs on an open key replace its flow, one held");
	nsv_flows_free(t);
}

/* --------------------------------------------------------------- printing */

static char *print(const struct nsv_print_opts *o, const struct nsv_frame *f,
		   const struct nsv_flow_note *note)
{
	struct nsv_printer *p;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	nsv_printer_new(&p, m, o);
	nsv_print_frame(p, 7, &pkt, f, note);
	nsv_printer_free(p);
	fclose(m);
	return buf;
}

static void test_print(void)
{
	struct side a = { 2, 1234, 4096, 10 }, b = { 3, 4000, 8192, 0 };
	struct nsv_print_opts o = { .tstamp = NSV_TS_EPOCH };
	struct nsv_flow_note note = { 0 };
	struct nsv_frame *f;
	char *s;

	now_ns = 1700000000LL * 1000000000 + 123456789 - 1000000;
	f = mk(&a, &b, NSV_VIRTIO_TYPE_SEQPACKET, NSV_VIRTIO_OP_RW, 20,
	       NSV_VIRTIO_SEQ_EOM | NSV_VIRTIO_SEQ_EOR, 20);
	s = print(&o, f, NULL);
	tap_is_str(s,
		   "1700000000.123456 host:1234 > 3:4000: SEQPACKET RW "
		   "[eom|eor], length 20\n",
		   "-tt: epoch time, names, flags");
	free(s);
	o.fmt = NSV_FMT_NUMERIC;
	o.nano = true;
	o.number = true;
	s = print(&o, f, NULL);
	tap_is_str(s,
		   "7  1700000000.123456789 2:1234 > 3:4000: SEQPACKET RW "
		   "[eom|eor], length 20\n",
		   "-n --nano -#");
	free(s);
	o = (struct nsv_print_opts){ .tstamp = NSV_TS_NONE, .verbose = 1 };
	note.credit_known = true;
	note.credit = -5;
	note.peer_credit_known = true;
	note.peer_credit = 8000;
	s = print(&o, f, &note);
	tap_is_str(s,
		   "host:1234 > 3:4000: SEQPACKET RW [eom|eor], length 20, "
		   "buf_alloc 4096, fwd_cnt 10, credit -5, peer credit 8000\n",
		   "-v: buffer fields and both credits");
	free(s);
	o = (struct nsv_print_opts){ .tstamp = NSV_TS_NONE, .hex = 1 };
	s = print(&o, f, NULL);
	tap_is_str(s,
		   "host:1234 > 3:4000: SEQPACKET RW [eom|eor], length 20\n"
		   "\t0x0000:  7070 7070 7070 7070 7070 7070 7070 7070  "
		   "pppppppppppppppp\n"
		   "\t0x0010:  7070 7070                                pppp\n",
		   "-X: tcpdump's hex and ASCII layout");
	free(s);

	/* cut inside the virtio header */
	nsv_frame_decode(frame, 50, 96, f);
	o = (struct nsv_print_opts){ .tstamp = NSV_TS_NONE };
	s = print(&o, f, NULL);
	tap_is_str(s, "host:1234 > 3:4000: PAYLOAD [|vsock]\n",
		   "a cut virtio header ends in [|vsock]");
	free(s);
	nsv_frame_decode(frame, 10, 96, f);
	s = print(&o, f, NULL);
	tap_is_str(s, "[|vsock]\n", "a cut vsockmon header is just [|vsock]");
	free(s);

	/* a 64 KiB frame dumped whole grows the buffer */
	f = mk(&a, &b, NSV_VIRTIO_TYPE_STREAM, NSV_VIRTIO_OP_RW, 65536, 0,
	       65536);
	o = (struct nsv_print_opts){ .tstamp = NSV_TS_NONE, .hex = 2 };
	s = print(&o, f, NULL);
	tap_ok(s &&
		       strstr(s, "\t0x10000:  7070 7070 7070 7070 7070 7070 "
				 "7070 7070  pppppppppppppppp\n") &&
		       strlen(s) > 65612 * 4,
	       "-XX of a 64 KiB frame: every line, offsets past 0xffff");
	free(s);

	o = (struct nsv_print_opts){ .json = true };
	f = mk(&a, &b, NSV_VIRTIO_TYPE_STREAM, NSV_VIRTIO_OP_SHUTDOWN, 0, 3, 0);
	s = print(&o, f, NULL);
	tap_ok(s && strstr(s, "\"op_name\":\"SHUTDOWN\"") &&
		       strstr(s, "\"flags_names\":\"rcv|send\"") &&
		       strstr(s, "\"record\":\"frame\",\"frame\":7,") &&
		       s[strlen(s) - 1] == '\n' && !strchr(s, '\n')[1],
	       "--json: one line with names and numbers");
	free(s);
}

static void test_tstamps(void)
{
	struct side a = { 1, 1, 1, 0 }, b = { 1, 2, 1, 0 };
	struct nsv_print_opts o = { .tstamp = NSV_TS_DELTA };
	struct nsv_printer *p;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	struct nsv_frame *f;

	nsv_printer_new(&p, m, &o);
	now_ns = 1000000000LL * 3600 - 1000000;
	f = mk(&a, &b, 1, NSV_VIRTIO_OP_RW, 0, 0, 0);
	nsv_print_frame(p, 1, &pkt, f, NULL);
	now_ns += 3600LL * 1000000000 + 500000;
	f = mk(&a, &b, 1, NSV_VIRTIO_OP_RW, 0, 0, 0);
	nsv_print_frame(p, 2, &pkt, f, NULL);
	now_ns -= 3000000;
	f = mk(&a, &b, 1, NSV_VIRTIO_OP_RW, 0, 0, 0);
	nsv_print_frame(p, 3, &pkt, f, NULL);
	nsv_printer_free(p);
	fclose(m);
	tap_is_str(buf,
		   "00:00:00.000000 local:1 > local:2: STREAM RW, length 0\n"
		   "01:00:00.001500 local:1 > local:2: STREAM RW, length 0\n"
		   "-00:00:00.002000 local:1 > local:2: STREAM RW, length 0\n",
		   "-ttt: deltas, hours, and a step backwards");
	free(buf);
}

int main(void)
{
	test_handshake_credit();
	test_refused_and_reuse();
	test_midstream();
	test_wrap();
	test_fragments();
	test_many();
	test_forget();
	test_print();
	test_tstamps();
	return tap_done();
}
