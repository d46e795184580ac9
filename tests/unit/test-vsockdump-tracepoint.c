// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: tracepoint formats and records, perf records, frames, merge and pairing. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include <linux/perf_event.h>

#include "vsockdump/tppair.h"
#include "vsockdump/tracepoint.h"
#include "frames.h"
#include "proto.h"
#include "tap.h"

/* ------------------------------------------------------ format files */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *s;

	if (!f)
		return NULL;
	s = calloc(1, 16384);
	*len = s ? fread(s, 1, 16383, f) : 0;
	fclose(f);
	return s;
}

static int load(const char *series, const char *event, struct nsv_tp_format *f)
{
	const char *src = getenv("abs_top_srcdir");
	char path[1024];
	size_t len;
	char *text;
	int r;

	snprintf(path, sizeof(path), "%s/tests/golden/tracepoints/%s/%s.format",
		 src ? src : ".", series, event);
	text = slurp(path, &len);
	if (!text) {
		tap_diag("cannot read %s", path);
		return -ENOENT;
	}
	r = nsv_tp_format_parse(text, len, f);
	free(text);
	return r;
}

static bool field_is(const struct nsv_tp_field *f, unsigned int off,
		     unsigned int size)
{
	return f->off == off && f->size == size;
}

/* What the recorded format files of each lab kernel say. */
static void test_formats(void)
{
	static const struct {
		const char *series;
		unsigned int alloc_id, recv_id;
	} k[] = { { "6.1", 1360, 1359 },
		  { "6.12", 1530, 1529 },
		  { "7.3", 1643, 1642 } };
	struct nsv_tp_format a, r;
	size_t i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		int ra = load(k[i].series, NSV_TP_ALLOC_NAME, &a);
		int rr = load(k[i].series, NSV_TP_RECV_NAME, &r);

		tap_ok(ra == 0 && rr == 0, "%s: both format files parse",
		       k[i].series);
		tap_ok(a.kind == NSV_TP_ALLOC && a.id == k[i].alloc_id &&
			       r.kind == NSV_TP_RECV && r.id == k[i].recv_id,
		       "%s: names and ids (%u, %u)", k[i].series, a.id, r.id);
		tap_ok(field_is(&a.src_cid, 8, 4) &&
			       field_is(&a.src_port, 12, 4) &&
			       field_is(&a.dst_cid, 16, 4) &&
			       field_is(&a.dst_port, 20, 4) &&
			       field_is(&a.len, 24, 4) &&
			       field_is(&a.type, 28, 2) &&
			       field_is(&a.op, 30, 2) &&
			       field_is(&a.flags, 32, 4) && !a.buf_alloc.size &&
			       a.min_size == 36,
		       "%s: alloc layout: u32 CIDs and ports, u16 type and op, "
		       "no credit",
		       k[i].series);
		tap_ok(field_is(&r.flags, 32, 4) &&
			       field_is(&r.buf_alloc, 36, 4) &&
			       field_is(&r.fwd_cnt, 40, 4) && r.min_size == 44,
		       "%s: recv layout: buf_alloc at 36, fwd_cnt at 40",
		       k[i].series);
	}
}

static void test_format_errors(void)
{
	static const char base[] =
		"name: virtio_transport_recv_pkt\nID: 77\nformat:\n"
		"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\t"
		"signed:0;\n"
		"\tfield:__u64 dst_cid;\toffset:8;\tsize:8;\tsigned:0;\n"
		"\tfield:__u64 src_cid;\toffset:16;\tsize:8;\tsigned:0;\n"
		"\tfield:__u32 fwd_cnt;\toffset:24;\tsize:4;\tsigned:0;\n"
		"\tfield:__u32 buf_alloc;\toffset:28;\tsize:4;\tsigned:0;\n"
		"\tfield:__u32 src_port;\toffset:32;\tsize:4;\tsigned:0;\n"
		"\tfield:__u32 dst_port;\toffset:36;\tsize:4;\tsigned:0;\n"
		"\tfield:__u8 op;\toffset:40;\tsize:1;\tsigned:0;\n"
		"\tfield:__u8 type;\toffset:41;\tsize:1;\tsigned:0;\n"
		"\tfield:char comm[16];\toffset:42;\tsize:16;\tsigned:0;\n"
		"\tfield:__u16 flags;\toffset:58;\tsize:2;\tsigned:0;\n"
		"\tfield:__u32 len;\toffset:60;\tsize:4;\tsigned:0;\n";
	/* The same record in that invented layout, host order (x86). */
	static const uint8_t rec[64] = {
		77,   0,    0,	  0,	0,   0,	  0,   0, /* common_type 77 */
		2,    0,    0,	  0,	0,   0,	  0,   0, /* dst_cid 2 (u64) */
		0x21, 0x43, 0x65, 0x87, 1,   0,	  0,   0, /* src_cid 0x187654321 */
		0x10, 0,    0,	  0, /* fwd_cnt 16 */
		0,    0,    4,	  0, /* buf_alloc 262144 */
		0xd2, 0x04, 0,	  0, /* src_port 1234 */
		0x00, 0x04, 0,	  0, /* dst_port 1024 */
		5,    2, /* op RW, type SEQPACKET */
		'k',  'w',  'o',  'r',	'k', 'e', 'r', 0, 0,
		0,    0,    0,	  0,	0,   0,	  0,   1, 0, /* flags EOM */
		0x00, 0x10, 0,	  0, /* len 4096 */
	};
	struct nsv_tp_format f;
	struct nsv_tp_event ev;
	char bad[sizeof(base) + 64];
	char *p;
	int r;

	r = nsv_tp_format_parse(base, sizeof(base) - 1, &f);
	tap_ok(r == 0 && f.id == 77 && field_is(&f.src_cid, 16, 8) &&
		       field_is(&f.op, 40, 1) && field_is(&f.len, 60, 4) &&
		       f.min_size == 64,
	       "an invented layout (u64 CIDs, fields moved, an array in "
	       "between) parses by its offsets");
	r = nsv_tp_record_parse(&f, 1, rec, sizeof(rec), &ev);
	tap_ok(r == 0 && ev.kind == NSV_TP_RECV &&
		       ev.src_cid == 0x187654321ULL && ev.dst_cid == 2 &&
		       ev.src_port == 1234 && ev.dst_port == 1024 &&
		       ev.len == 4096 && ev.type == 2 && ev.op == 5 &&
		       ev.flags == 1 && ev.buf_alloc == 262144 &&
		       ev.fwd_cnt == 16,
	       "... and its record reads back every field from there");
	tap_ok(nsv_tp_record_parse(&f, 1, rec, 63, &ev) == -EBADMSG,
	       "a record one byte short of its last field is -EBADMSG");

	snprintf(bad, sizeof(bad), "%s", base);
	p = strstr(bad, "\tfield:__u32 fwd_cnt");
	memcpy(p + 8, "u32 fwd_cxt", 11);
	tap_ok(nsv_tp_format_parse(bad, strlen(bad), &f) == -EPROTO,
	       "a recv format without fwd_cnt is -EPROTO");
	snprintf(bad, sizeof(bad), "%s", base);
	p = strstr(bad, "size:4;\tsigned:0;\n\tfield:__u32 buf_alloc");
	p[5] = '3';
	tap_ok(nsv_tp_format_parse(bad, strlen(bad), &f) == -EPROTO,
	       "a 3-byte integer is -EPROTO");
	snprintf(bad, sizeof(bad), "%s", base);
	memcpy(strstr(bad, "recv_pkt"), "xmit_pkt", 8);
	tap_ok(nsv_tp_format_parse(bad, strlen(bad), &f) == -EPROTO,
	       "another event's format is -EPROTO");
	tap_ok(nsv_tp_format_parse(strstr(base, "ID:"),
				   strlen(strstr(base, "ID:")), &f) == -EPROTO,
	       "a format without its name line is -EPROTO");
}

/* --------------------------------------------------- records (fixed bytes) */

/*
 * Records laid out by hand from the recorded format files: common_type,
 * common_flags, common_preempt_count, common_pid, then the event's fields
 * (u32 src_cid@8, src_port@12, dst_cid@16, dst_port@20, len@24, u16
 * type@28, op@30, u32 flags@32; 6.12 alloc: bool zcopy@36; recv: u32
 * buf_alloc@36, fwd_cnt@40), host order (x86), as perf hands them out.
 */
static const uint8_t alloc_61[] = {
	0x50, 0x05, 0x01, 0x02,
	0x39, 0x30, 0,	  0, /* 1360, pid 12345 */
	0x03, 0,    0,	  0,
	0x00, 0x04, 0,	  0, /* src 3:1024 */
	0x02, 0,    0,	  0,
	0xd2, 0x04, 0,	  0, /* dst 2:1234 */
	0x05, 0,    0,	  0,
	0x01, 0x00, 0x04, 0x00, /* len 5, STREAM, SHUTDOWN */
	0x02, 0,    0,	  0, /* flags SEND */
};
static const uint8_t alloc_612[] = {
	0xfa, 0x05, 0x00, 0x01,
	0x10, 0x00, 0,	  0, /* 1530, pid 16 */
	0x01, 0,    0,	  0,
	0x0b, 0xa1, 0x8e, 0x03, /* src 1:59678987 */
	0x01, 0,    0,	  0,
	0xd8, 0x04, 0,	  0, /* dst 1:1240 */
	0x00, 0x00, 0x01, 0x00,
	0x02, 0x00, 0x05, 0x00, /* 65536, SEQ, RW */
	0x01, 0,    0,	  0,
	0x01, 0,    0,	  0, /* flags EOM, zcopy, padding */
};
static const uint8_t recv_612[] = {
	0xf9, 0x05, 0x00, 0x00,
	0x22, 0x00, 0,	  0, /* 1529, kworker 34 */
	0x01, 0,    0,	  0,
	0xd8, 0x04, 0,	  0, /* src 1:1240 */
	0x01, 0,    0,	  0,
	0x0b, 0xa1, 0x8e, 0x03, /* dst 1:59678987 */
	0x00, 0,    0,	  0,
	0x01, 0x00, 0x06, 0x00, /* 0, STREAM, CREDIT_UPDATE */
	0x00, 0,    0,	  0, /* flags */
	0x00, 0x00, 0x04, 0x00,
	0x00, 0x00, 0x10, 0x00, /* 262144, 1 MiB */
};

static void test_records(void)
{
	struct nsv_tp_format f61[2], f612[2];
	struct nsv_tp_event ev;
	int r;

	load("6.1", NSV_TP_ALLOC_NAME, &f61[0]);
	load("6.1", NSV_TP_RECV_NAME, &f61[1]);
	load("6.12", NSV_TP_ALLOC_NAME, &f612[0]);
	load("6.12", NSV_TP_RECV_NAME, &f612[1]);

	memset(&ev, 0xff, sizeof(ev));
	r = nsv_tp_record_parse(f61, 2, alloc_61, sizeof(alloc_61), &ev);
	tap_ok(r == 0 && ev.kind == NSV_TP_ALLOC && ev.src_cid == 3 &&
		       ev.src_port == 1024 && ev.dst_cid == 2 &&
		       ev.dst_port == 1234 && ev.len == 5 && ev.type == 1 &&
		       ev.op == NSV_VIRTIO_OP_SHUTDOWN && ev.flags == 2 &&
		       ev.buf_alloc == 0 && ev.fwd_cnt == 0,
	       "6.1 alloc record: every field, no credit");
	r = nsv_tp_record_parse(f612, 2, alloc_612, sizeof(alloc_612), &ev);
	tap_ok(r == 0 && ev.kind == NSV_TP_ALLOC && ev.src_cid == 1 &&
		       ev.src_port == 59678987 && ev.dst_port == 1240 &&
		       ev.len == 65536 && ev.type == 2 && ev.op == 5 &&
		       ev.flags == 1,
	       "6.12 alloc record (with zcopy): every field");
	r = nsv_tp_record_parse(f612, 2, recv_612, sizeof(recv_612), &ev);
	tap_ok(r == 0 && ev.kind == NSV_TP_RECV && ev.src_port == 1240 &&
		       ev.dst_port == 59678987 && ev.op == 6 &&
		       ev.buf_alloc == 262144 && ev.fwd_cnt == 1048576,
	       "6.12 recv record: buf_alloc and fwd_cnt");
	tap_ok(nsv_tp_record_parse(f61, 2, alloc_612, sizeof(alloc_612), &ev) ==
		       -ENOENT,
	       "a 6.12 record against 6.1's formats: unknown id, -ENOENT");
	tap_ok(nsv_tp_record_parse(f612, 2, recv_612, 43, &ev) == -EBADMSG,
	       "a recv record cut inside fwd_cnt is -EBADMSG");
	tap_ok(nsv_tp_record_parse(f612, 2, recv_612, 1, &ev) == -EBADMSG,
	       "a record of one byte is -EBADMSG");
}

/* perf ring records: a sample (time, raw) and a lost record. */
static void test_perf_records(void)
{
	uint8_t s[8 + 8 + 4 + sizeof(alloc_61) + 4];
	uint8_t lost[8 + 16] = { PERF_RECORD_LOST,
				 0,
				 0,
				 0,
				 24,
				 0,
				 0,
				 0,
				 7,
				 0,
				 0,
				 0,
				 0,
				 0,
				 0,
				 0, /* id */
				 42,
				 0,
				 0,
				 0,
				 0,
				 0,
				 0,
				 0 };
	struct perf_event_header h = { .type = PERF_RECORD_SAMPLE,
				       .size = sizeof(s) };
	uint64_t t = 123456789012345ULL, n = 0;
	uint32_t size = sizeof(alloc_61) + 4;
	const uint8_t *raw = NULL;
	size_t rawlen = 0;
	int64_t ns = 0;
	int r;

	memset(s, 0, sizeof(s));
	memcpy(s, &h, 8);
	memcpy(s + 8, &t, 8);
	memcpy(s + 16, &size, 4);
	memcpy(s + 20, alloc_61, sizeof(alloc_61));
	r = nsv_tp_perf_record(s, sizeof(s), &ns, &raw, &rawlen, &n);
	tap_ok(r == NSV_TP_REC_SAMPLE && ns == (int64_t)t && raw == s + 20 &&
		       rawlen == sizeof(alloc_61) + 4,
	       "a sample: its time and its raw record");
	tap_ok(nsv_tp_perf_record(s, 19, &ns, &raw, &rawlen, &n) == -EBADMSG,
	       "a sample cut before its raw size is -EBADMSG");
	size = 1000;
	memcpy(s + 16, &size, 4);
	tap_ok(nsv_tp_perf_record(s, sizeof(s), &ns, &raw, &rawlen, &n) ==
		       -EBADMSG,
	       "a raw size past the record is -EBADMSG");
	r = nsv_tp_perf_record(lost, sizeof(lost), &ns, &raw, &rawlen, &n);
	tap_ok(r == NSV_TP_REC_LOST && n == 42, "a lost record: 42 events");
	lost[0] = PERF_RECORD_THROTTLE;
	tap_ok(nsv_tp_perf_record(lost, sizeof(lost), &ns, &raw, &rawlen, &n) ==
		       NSV_TP_REC_OTHER,
	       "other records are skipped");
}

/* ------------------------------------------------------------- frames */

static void test_frames(void)
{
	struct nsv_tp_frame fr = {
		.ns = 5,
		.ev = { .kind = NSV_TP_ALLOC,
			.src_cid = 3,
			.src_port = 1024,
			.dst_cid = 2,
			.dst_port = 1234,
			.len = 700,
			.type = 1,
			.op = NSV_VIRTIO_OP_RW,
			.flags = 0,
			.buf_alloc = 99,
			.fwd_cnt = 98 },
		.synth = NSV_SYNTH_ALLOC,
	};
	uint8_t buf[NSV_TP_FRAME_LEN], want[NSV_TP_FRAME_LEN];
	struct nsv_frame f;
	uint32_t wire = 0;
	size_t n;

	n = nsv_tp_frame_build(&fr, buf, &wire);
	test_frame_build(want, sizeof(want),
			 &(struct test_frame){ 3, 2, 1024, 1234,
					       NSV_TRANSPORT_VIRTIO,
					       NSV_VIRTIO_HDR_LEN, 1,
					       NSV_VIRTIO_OP_RW, 700, 0, 0, 0 },
			 NULL, 0);
	want[NSV_MON_OFF(reserved)] = NSV_SYNTH | NSV_SYNTH_ALLOC;
	tap_ok(n == 76 && wire == 776 && !memcmp(buf, want, n),
	       "an alloc frame: both headers, credit zero, reserved marks it, "
	       "wire length counts the payload");
	nsv_frame_decode(buf, n, wire, &f);
	tap_ok(f.has_virtio && f.trunc == NSV_TRUNC_PAYLOAD &&
		       f.payload_len == 700 && f.payload_caplen == 0 &&
		       nsv_frame_synth(&f) == (NSV_SYNTH | NSV_SYNTH_ALLOC) &&
		       !nsv_frame_credit_known(&f),
	       "it decodes as a frame cut after its header, credit unknown");
	fr.synth = NSV_SYNTH_ALLOC | NSV_SYNTH_RECV;
	nsv_tp_frame_build(&fr, buf, &wire);
	nsv_frame_decode(buf, n, wire, &f);
	tap_ok(f.virtio.buf_alloc == 99 && f.virtio.fwd_cnt == 98 &&
		       nsv_frame_credit_known(&f),
	       "with a recv event the credit is there and known");
	test_frame_build(want, sizeof(want),
			 &(struct test_frame){
				 3, 2, 1024, 1234, NSV_TRANSPORT_VIRTIO,
				 NSV_VIRTIO_HDR_LEN, 1, 5, 700, 0, 99, 98 },
			 NULL, 0);
	nsv_frame_decode(want, n, wire, &f);
	tap_ok(nsv_frame_synth(&f) == 0 && nsv_frame_credit_known(&f),
	       "a kernel frame (reserved zero) is no synthesized frame");
}

/* ------------------------------------------------------- merge by time */

static struct nsv_tp_event ev_at(int64_t ns, enum nsv_tp_kind k, uint32_t scid,
				 uint32_t sport, uint32_t dcid, uint32_t dport,
				 uint16_t op, uint32_t len)
{
	return (struct nsv_tp_event){ .ns = ns,
				      .kind = k,
				      .src_cid = scid,
				      .src_port = sport,
				      .dst_cid = dcid,
				      .dst_port = dport,
				      .len = len,
				      .type = 1,
				      .op = op,
				      .buf_alloc = k == NSV_TP_RECV ?
							   (uint32_t)ns :
							   0 };
}

static void test_sort(void)
{
	/* two CPUs' rings, each in order, read one after the other */
	static const int64_t cpu0[] = { 10, 30, 50, 70 },
			     cpu1[] = { 20, 30, 40, 90 };
	struct nsv_tp_sort *s;
	struct nsv_tp_event e;
	int64_t got[16];
	int n = 0, i;
	bool order = true;

	nsv_tp_sort_new(&s);
	for (i = 0; i < 4; i++) {
		e = ev_at(cpu0[i], NSV_TP_ALLOC, 1, 0, 1, 1, 5, 0);
		nsv_tp_sort_add(s, &e);
	}
	for (i = 0; i < 4; i++) {
		e = ev_at(cpu1[i], NSV_TP_ALLOC, 1, 1, 1, 1, 5, 0);
		nsv_tp_sort_add(s, &e);
	}
	while (nsv_tp_sort_next(s, 60, &e) == 1)
		got[n++] = e.ns;
	tap_ok(n == 6 && got[0] == 10 && got[1] == 20 && got[5] == 50,
	       "events up to 60 come out merged: 10 20 30 30 40 50");
	tap_ok(got[2] == 30 && got[3] == 30, "equal stamps both come out");
	e = ev_at(65, NSV_TP_ALLOC, 1, 0, 1, 1, 5, 0);
	nsv_tp_sort_add(s, &e);
	while (nsv_tp_sort_next(s, INT64_MAX, &e) == 1)
		got[n++] = e.ns;
	for (i = 1; i < n; i++)
		order &= got[i - 1] <= got[i];
	tap_ok(n == 9 && order && got[6] == 65 && got[8] == 90,
	       "a late event within the hold-back still lands in order");
	nsv_tp_sort_free(s);
}

/* --------------------------------------------------------------- pairing */

#define MS 1000000LL
#define WINDOW (100 * MS)

static int pop_all(struct nsv_tp_pairer *p, int64_t now,
		   struct nsv_tp_frame *out, int max)
{
	int n = 0;

	while (n < max && nsv_tp_pairer_pop(p, now, &out[n]) == 1)
		n++;
	return n;
}

static void test_pair_loopback(void)
{
	struct nsv_tp_pairer *p;
	struct nsv_tp_frame fr[8];
	struct nsv_tp_event e;
	struct nsv_tp_pair_stats st;
	int n;

	nsv_tp_pairer_new(&p, WINDOW);
	/* over loopback: two identical RW packets, then their recvs */
	e = ev_at(1 * MS, NSV_TP_ALLOC, 1, 5000, 1, 1234, 5, 4096);
	nsv_tp_pairer_push(p, &e);
	n = pop_all(p, 1 * MS, fr, 8);
	tap_ok(n == 0, "a loopback alloc waits for its recv");
	e.ns = 2 * MS;
	nsv_tp_pairer_push(p, &e);
	e = ev_at(3 * MS, NSV_TP_ALLOC, 1, 1234, 1, 5000, 6, 0);
	nsv_tp_pairer_push(p, &e);
	e = ev_at(4 * MS, NSV_TP_RECV, 1, 5000, 1, 1234, 5, 4096);
	nsv_tp_pairer_push(p, &e);
	n = pop_all(p, 4 * MS, fr, 8);
	tap_ok(n == 1 && fr[0].ns == 1 * MS &&
		       fr[0].synth == (NSV_SYNTH_ALLOC | NSV_SYNTH_RECV) &&
		       fr[0].ev.buf_alloc == 4 * MS,
	       "the first recv joins the oldest alloc: one frame at the "
	       "alloc's time, credit from the recv");
	e = ev_at(5 * MS, NSV_TP_RECV, 1, 1234, 1, 5000, 6, 0);
	nsv_tp_pairer_push(p, &e);
	n = pop_all(p, 5 * MS, fr, 8);
	tap_ok(n == 0, "a later frame waits behind the unpaired second RW");
	e = ev_at(6 * MS, NSV_TP_RECV, 1, 5000, 1, 1234, 5, 4096);
	nsv_tp_pairer_push(p, &e);
	n = pop_all(p, 6 * MS, fr, 8);
	tap_ok(n == 2 && fr[0].ns == 2 * MS && fr[0].ev.buf_alloc == 6 * MS &&
		       fr[1].ns == 3 * MS && fr[1].ev.op == 6 &&
		       fr[1].ev.buf_alloc == 5 * MS,
	       "then both come out, in the order they were made, each with "
	       "its own recv");
	nsv_tp_pairer_stats(p, &st);
	tap_ok(st.paired == 3 && !st.alloc_only && !st.recv_only && !st.late,
	       "3 packets, 6 events, 3 frames");
	nsv_tp_pairer_free(p);
}

/* SEQPACKET over loopback: EOM and EOR only in the recv event. */
static void test_pair_seqpacket(void)
{
	struct nsv_tp_pairer *p;
	struct nsv_tp_frame fr[4];
	struct nsv_tp_event e;
	int n;

	nsv_tp_pairer_new(&p, WINDOW);
	e = ev_at(1 * MS, NSV_TP_ALLOC, 1, 5000, 1, 1235, 5, 13);
	e.type = 2;
	nsv_tp_pairer_push(p, &e);
	e.ns = 2 * MS;
	e.kind = NSV_TP_RECV;
	e.flags = NSV_VIRTIO_SEQ_EOM | NSV_VIRTIO_SEQ_EOR;
	nsv_tp_pairer_push(p, &e);
	n = pop_all(p, 2 * MS, fr, 4);
	tap_ok(n == 1 && fr[0].synth == (NSV_SYNTH_ALLOC | NSV_SYNTH_RECV) &&
		       fr[0].ev.flags ==
			       (NSV_VIRTIO_SEQ_EOM | NSV_VIRTIO_SEQ_EOR),
	       "a SEQPACKET RW pairs though only the recv has EOM|EOR, and "
	       "the frame has them");
	nsv_tp_pairer_free(p);
}

static void test_pair_one_sided(void)
{
	struct nsv_tp_pairer *p;
	struct nsv_tp_frame fr[8];
	struct nsv_tp_event e;
	struct nsv_tp_pair_stats st;
	int n;

	nsv_tp_pairer_new(&p, WINDOW);
	/* a guest (CID 3): its packets to the host, the host's to it */
	e = ev_at(1 * MS, NSV_TP_ALLOC, 3, 5000, 2, 1234, 1, 0);
	nsv_tp_pairer_push(p, &e);
	n = pop_all(p, 1 * MS, fr, 8);
	tap_ok(n == 1 && fr[0].synth == NSV_SYNTH_ALLOC,
	       "guest to host (CIDs differ): the alloc goes out at once");
	e = ev_at(2 * MS, NSV_TP_RECV, 2, 1234, 3, 5000, 2, 0);
	nsv_tp_pairer_push(p, &e);
	n = pop_all(p, 2 * MS, fr, 8);
	tap_ok(n == 1 && fr[0].synth == NSV_SYNTH_RECV,
	       "host to guest: the recv goes out at once");
	nsv_tp_pairer_stats(p, &st);
	tap_ok(st.alloc_only == 1 && st.recv_only == 1 && !st.paired,
	       "two frames, nothing paired");
	nsv_tp_pairer_free(p);
}

static void test_pair_learning(void)
{
	struct nsv_tp_pairer *p;
	struct nsv_tp_frame fr[8];
	struct nsv_tp_event e;
	struct nsv_tp_pair_stats st;
	int n;

	nsv_tp_pairer_new(&p, WINDOW);
	/* a loopback recv that the ring lost */
	e = ev_at(1 * MS, NSV_TP_ALLOC, 1, 7, 1, 8, 5, 10);
	nsv_tp_pairer_push(p, &e);
	n = pop_all(p, 100 * MS, fr, 8);
	tap_ok(n == 0, "an alloc waits up to the window");
	n = pop_all(p, 101 * MS, fr, 8);
	tap_ok(n == 1 && fr[0].synth == NSV_SYNTH_ALLOC, "then goes out alone");
	e = ev_at(102 * MS, NSV_TP_ALLOC, 1, 7, 1, 8, 5, 11);
	nsv_tp_pairer_push(p, &e);
	e = ev_at(103 * MS, NSV_TP_ALLOC, 1, 7, 1, 8, 5, 12);
	nsv_tp_pairer_push(p, &e);
	n = pop_all(p, 103 * MS, fr, 8);
	tap_ok(n == 0, "one lost recv does not change what 1 -> 1 expects");
	n = pop_all(p, 203 * MS, fr, 8);
	tap_ok(n == 2, "but after three allocs in a row went out alone...");
	/* learned: 1 -> 1 sees only allocs; the next one does not wait */
	e = ev_at(210 * MS, NSV_TP_ALLOC, 1, 7, 1, 8, 5, 20);
	nsv_tp_pairer_push(p, &e);
	n = pop_all(p, 210 * MS, fr, 8);
	tap_ok(n == 1 && fr[0].ev.len == 20,
	       "after that, 1 -> 1 allocs go out at once");
	/* but its recv comes after all: dropped, not shown twice */
	e = ev_at(211 * MS, NSV_TP_RECV, 1, 7, 1, 8, 5, 20);
	nsv_tp_pairer_push(p, &e);
	n = pop_all(p, 211 * MS, fr, 8);
	nsv_tp_pairer_stats(p, &st);
	tap_ok(n == 0 && st.late == 1,
	       "a recv for an alloc already out is counted late and dropped");
	e = ev_at(220 * MS, NSV_TP_ALLOC, 1, 7, 1, 8, 5, 30);
	nsv_tp_pairer_push(p, &e);
	n = pop_all(p, 220 * MS, fr, 8);
	tap_ok(n == 0, "and 1 -> 1 is expected to pair again: it waits");
	e = ev_at(221 * MS, NSV_TP_RECV, 1, 7, 1, 8, 5, 30);
	nsv_tp_pairer_push(p, &e);
	n = pop_all(p, 221 * MS, fr, 8);
	tap_ok(n == 1 && fr[0].synth == (NSV_SYNTH_ALLOC | NSV_SYNTH_RECV),
	       "and pairs");
	/* own CID over loopback: 1 -> 3 is first guessed one-sided */
	e = ev_at(230 * MS, NSV_TP_ALLOC, 1, 9, 3, 10, 1, 0);
	nsv_tp_pairer_push(p, &e);
	e = ev_at(231 * MS, NSV_TP_RECV, 1, 9, 3, 10, 1, 0);
	nsv_tp_pairer_push(p, &e);
	n = pop_all(p, 231 * MS, fr, 8);
	tap_ok(n == 1 && fr[0].synth == (NSV_SYNTH_ALLOC | NSV_SYNTH_RECV),
	       "a recv that comes before its alloc went out still joins it");
	/* the end of a capture: what waits goes out, nothing learned */
	e = ev_at(240 * MS, NSV_TP_ALLOC, 1, 7, 1, 8, 5, 40);
	nsv_tp_pairer_push(p, &e);
	n = pop_all(p, INT64_MAX, fr, 8);
	tap_ok(n == 1 && fr[0].synth == NSV_SYNTH_ALLOC,
	       "a flush gives out a waiting alloc");
	nsv_tp_pairer_stats(p, &st);
	tap_ok(st.paired == 2 && st.alloc_only == 5 && st.late == 1 &&
		       !st.recv_only,
	       "stats: 2 paired, 5 alloc only, 1 late");
	nsv_tp_pairer_free(p);
}

/*
 * Many packets on several connections, over loopback (both events, the
 * recv 0..30 ms later, in order per connection) and one-sided, split over
 * rounds of reading, merged and paired: every packet exactly once, in time
 * order, each recv joined to its own alloc even where many packets of a
 * connection look alike. Some recvs come later than the window: still
 * never twice.
 */
struct pkt_check {
	const int64_t *t; /* each packet's first event time, ascending */
	int n;
	int *seen;
	int frames, dup, wrong, order;
	int64_t prev;
};

static void check_frame(struct pkt_check *c, const struct nsv_tp_frame *fr)
{
	int lo = 0, hi = c->n - 1, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (c->t[mid] < fr->ns)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (c->t[lo] != fr->ns) {
		c->wrong++;
		return;
	}
	c->dup += c->seen[lo]++ != 0;
	/* a recv carries its packet's number in buf_alloc */
	if ((fr->synth & NSV_SYNTH_RECV) && fr->ev.buf_alloc != (uint32_t)lo)
		c->wrong++;
	c->order += fr->ns < c->prev;
	c->prev = fr->ns;
	c->frames++;
}

static void test_pair_exactly_once(void)
{
	enum { N = 20000, CONNS = 16 };
	struct nsv_tp_sort *s;
	struct nsv_tp_pairer *p;
	struct nsv_tp_event *evs, e;
	struct nsv_tp_frame fr;
	struct nsv_tp_pair_stats st;
	struct pkt_check c = { .n = N, .prev = INT64_MIN };
	int64_t *times, t = 0, last_recv[CONNS] = { 0 }, upto;
	uint32_t seed = 12345;
	int i, nev = 0, missing = 0, slow = 0, loops = 0;

	evs = calloc(2 * N, sizeof(*evs));
	times = calloc(N, sizeof(*times));
	c.seen = calloc(N, sizeof(*c.seen));
	c.t = times;
	nsv_tp_sort_new(&s);
	nsv_tp_pairer_new(&p, WINDOW);
	for (i = 0; i < N; i++) {
		int k = (int)((seed = seed * 1103515245 + 12345) >> 16) % CONNS;
		bool loop = k < CONNS / 2;
		int64_t d;

		t += 1 + (seed >> 8) % (200 * 1000);
		times[i] = t;
		/* odd connections: every packet's header alike */
		e = ev_at(t, NSV_TP_ALLOC, loop ? 1 : 3, 1000 + (uint32_t)k,
			  loop ? 1 : 2, 2000, 5, k % 2 ? 4096 : (uint32_t)i);
		e.buf_alloc = (uint32_t)i;
		if (!loop && (seed & 1)) { /* one-sided: received here */
			e.kind = NSV_TP_RECV;
			e.src_cid = 2;
			e.dst_cid = 3;
		}
		evs[nev++] = e;
		if (!loop)
			continue;
		loops++;
		d = (int64_t)((seed >> 4) % (30 * MS));
		if (i % 997 == 0) { /* a recv later than the window */
			d = WINDOW + 5 * MS;
			slow++;
		}
		e.kind = NSV_TP_RECV;
		e.ns = t + d > last_recv[k] ? t + d : last_recv[k] + 1;
		last_recv[k] = e.ns;
		evs[nev++] = e;
	}
	/* rings read in rounds: a round's events in any order, held 50 ms */
	for (i = 0, upto = 0; upto < INT64_MAX;) {
		int64_t round_end = upto + 20 * MS;
		int from = i;

		while (i < nev && evs[i].ns < round_end + 50 * MS)
			i++;
		/* add the round back to front: the sort must put it right */
		for (int j = i - 1; j >= from; j--)
			nsv_tp_sort_add(s, &evs[j]);
		upto = i < nev ? round_end : INT64_MAX;
		while (nsv_tp_sort_next(s, upto, &e) == 1) {
			nsv_tp_pairer_push(p, &e);
			while (nsv_tp_pairer_pop(p, e.ns, &fr) == 1)
				check_frame(&c, &fr);
		}
		while (nsv_tp_pairer_pop(p, upto, &fr) == 1)
			check_frame(&c, &fr);
	}
	for (i = 0; i < N; i++)
		missing += !c.seen[i];
	nsv_tp_pairer_stats(p, &st);
	tap_ok(c.frames == N && !c.dup && !missing && !c.wrong,
	       "%d packets, %d events, %d frames: each packet exactly once "
	       "(%d twice, %d missing, %d misattributed)",
	       N, nev, c.frames, c.dup, missing, c.wrong);
	tap_ok(!c.order, "frames come out in time order (%d steps back)",
	       c.order);
	tap_ok(st.late >= (uint64_t)slow &&
		       st.paired + st.late == (uint64_t)loops,
	       "%" PRIu64 " paired, %" PRIu64 " alloc only, %" PRIu64
	       " recv only, %" PRIu64 " late (%d recvs slower than the "
	       "window)",
	       st.paired, st.alloc_only, st.recv_only, st.late, slow);
	nsv_tp_sort_free(s);
	nsv_tp_pairer_free(p);
	free(evs);
	free(times);
	free(c.seen);
}

int main(void)
{
	test_formats();
	test_format_errors();
	test_records();
	test_perf_records();
	test_frames();
	test_sort();
	test_pair_loopback();
	test_pair_seqpacket();
	test_pair_one_sided();
	test_pair_learning();
	test_pair_exactly_once();
	tap_plan(tap_n);
	return tap_failed ? 1 : 0;
}
