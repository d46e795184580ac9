// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: decoding hand-built vsockmon frames, whole and cut short. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "frames.h"
#include "proto.h"
#include "tap.h"

#define HDRS (NSV_MON_HDR_LEN + NSV_VIRTIO_HDR_LEN)

/* Decode from a heap copy of exactly @caplen bytes so that ASan and
 * valgrind catch any read past the captured length. */
static int decode_exact(const uint8_t *b, size_t caplen, size_t wirelen,
			struct nsv_frame *f, uint8_t **copy)
{
	*copy = malloc(caplen ? caplen : 1);
	memcpy(*copy, b, caplen);
	return nsv_frame_decode(*copy, caplen, wirelen, f);
}

static const struct test_frame rw = {
	.scid = 2,
	.dcid = 3,
	.sport = 1234,
	.dport = 5678,
	.transport = NSV_TRANSPORT_VIRTIO,
	.thdr_len = NSV_VIRTIO_HDR_LEN,
	.type = NSV_VIRTIO_TYPE_STREAM,
	.op = NSV_VIRTIO_OP_RW,
	.flags = 0,
	.buf_alloc = 262144,
	.fwd_cnt = 4096,
	.len = 5,
};

static void test_whole_rw(void)
{
	uint8_t b[256], *c;
	struct nsv_frame f;
	size_t n = test_frame_build(b, sizeof(b), &rw, "hello", 5);
	int r = decode_exact(b, n, n, &f, &c);

	tap_is_int(n, 81, "an RW frame with 5 payload bytes is 81 bytes");
	tap_ok(r == 0 && f.trunc == NSV_TRUNC_NONE, "whole RW frame decodes");
	tap_ok(f.src_cid == 2 && f.dst_cid == 3 && f.src_port == 1234 &&
		       f.dst_port == 5678,
	       "vsockmon addresses");
	tap_ok(f.op == NSV_MON_OP_PAYLOAD &&
		       f.transport == NSV_TRANSPORT_VIRTIO && f.thdr_len == 44,
	       "vsockmon op, transport, header length");
	tap_ok(f.has_virtio && f.virtio.src_cid == 2 && f.virtio.dst_cid == 3 &&
		       f.virtio.src_port == 1234 && f.virtio.dst_port == 5678,
	       "virtio addresses");
	tap_ok(f.virtio.len == 5 && f.virtio.type == NSV_VIRTIO_TYPE_STREAM &&
		       f.virtio.op == NSV_VIRTIO_OP_RW && f.virtio.flags == 0,
	       "virtio len, type, op, flags");
	tap_ok(f.virtio.buf_alloc == 262144 && f.virtio.fwd_cnt == 4096,
	       "virtio buf_alloc and fwd_cnt");
	tap_ok(f.payload_len == 5 && f.payload_caplen == 5 && f.payload &&
		       !memcmp(f.payload, "hello", 5),
	       "payload points at the 5 bytes");
	free(c);
}

/* Every captured length from 0 to the whole frame. */
static void test_every_truncation(void)
{
	uint8_t b[256], *c;
	size_t n = test_frame_build(b, sizeof(b), &rw, "hello", 5), cap;
	int bad = 0;

	for (cap = 0; cap <= n; cap++) {
		struct nsv_frame f;
		enum nsv_trunc want;
		int r = decode_exact(b, cap, n, &f, &c);
		bool ok = r == 0;

		if (cap < NSV_MON_HDR_LEN)
			want = NSV_TRUNC_MON_HDR;
		else if (cap < HDRS)
			want = NSV_TRUNC_TRANSPORT_HDR;
		else if (cap < n)
			want = NSV_TRUNC_PAYLOAD;
		else
			want = NSV_TRUNC_NONE;
		ok = ok && f.trunc == want && f.caplen == cap && f.wirelen == n;
		if (cap >= NSV_MON_HDR_LEN)
			ok = ok && f.src_port == 1234 && f.thdr_len == 44;
		else
			ok = ok && f.src_port == 0 && f.thdr == NULL;
		ok = ok && f.has_virtio == (cap >= HDRS);
		if (cap > NSV_MON_HDR_LEN)
			ok = ok && f.thdr_caplen ==
					   (cap < HDRS ? cap - NSV_MON_HDR_LEN :
							 NSV_VIRTIO_HDR_LEN);
		if (cap >= HDRS)
			ok = ok && f.payload_caplen == cap - HDRS &&
			     f.payload_len == 5;
		else
			ok = ok && f.payload == NULL && f.payload_caplen == 0;
		if (!ok)
			bad++;
		tap_ok(ok, "captured %zu of %zu bytes: truncated in %s", cap, n,
		       nsv_trunc_name(want));
		free(c);
	}
	tap_is_int(bad, 0, "no truncation point misdecoded");
}

static void test_odd_transports(void)
{
	uint8_t b[256], *c;
	struct nsv_frame f;
	struct test_frame s = rw;
	size_t n;
	int r;

	/* NO_INFO with no transport header: payload follows the vsockmon one. */
	s.transport = NSV_TRANSPORT_NO_INFO;
	s.thdr_len = 0;
	n = test_frame_build(b, sizeof(b), &s, "hello", 5);
	r = decode_exact(b, n, n, &f, &c);
	tap_ok(r == 0 && !f.has_virtio && f.thdr == NULL &&
		       f.thdr_caplen == 0 && f.payload_len == 5 &&
		       !memcmp(f.payload, "hello", 5),
	       "NO_INFO transport with len 0: payload right after 32 bytes");
	free(c);

	/* An unknown transport with 12 header bytes is skipped by its len. */
	s.transport = 9;
	s.thdr_len = 12;
	n = test_frame_build(b, sizeof(b), &s, "hello", 5);
	r = decode_exact(b, n, n, &f, &c);
	tap_ok(r == 0 && !f.has_virtio && f.thdr_caplen == 12 &&
		       f.thdr[0] == TEST_FRAME_FILL && f.payload_len == 5 &&
		       !memcmp(f.payload, "hello", 5),
	       "unknown transport 9 skipped by its 12-byte len");
	tap_ok(nsv_transport_name(9) == NULL, "transport 9 has no name");
	free(c);

	/* A virtio header declared too short is malformed, not read. */
	s.transport = NSV_TRANSPORT_VIRTIO;
	s.thdr_len = 10;
	n = test_frame_build(b, sizeof(b), &s, "hello", 5);
	r = decode_exact(b, n, n, &f, &c);
	tap_ok(r == -EBADMSG && !f.has_virtio && f.thdr_caplen == 10 &&
		       f.payload_len == 5,
	       "virtio header of len 10 is -EBADMSG, still skipped by len");
	free(c);

	/* A garbage transport length far past the frame. */
	s = rw;
	n = test_frame_build(b, sizeof(b), &s, "hello", 5);
	nsv_put_le16(b + NSV_MON_OFF(len), 0xffff);
	r = decode_exact(b, n, n, &f, &c);
	tap_ok(r == 0 && f.trunc == NSV_TRUNC_TRANSPORT_HDR &&
		       f.thdr_caplen == n - NSV_MON_HDR_LEN &&
		       f.payload == NULL && f.payload_len == 0 && f.has_virtio,
	       "transport len 0xffff: truncated transport header, no payload");
	free(c);

	/* A virtio len that disagrees with the frame (6.1 vhost fragments):
	 * the payload is what the frame holds, the declared len is kept. */
	s = rw;
	s.len = 0xffffffff;
	n = test_frame_build(b, sizeof(b), &s, "hello", 5);
	r = decode_exact(b, n, n, &f, &c);
	tap_ok(r == 0 && f.virtio.len == 0xffffffff && f.payload_len == 5 &&
		       f.trunc == NSV_TRUNC_NONE,
	       "virtio len 0xffffffff: payload_len from the frame, len kept");
	free(c);

	/* Snaplen cut, wire length longer than the buffer. */
	s = rw;
	n = test_frame_build(b, sizeof(b), &s, "hello", 5);
	r = decode_exact(b, 78, n, &f, &c);
	tap_ok(r == 0 && f.trunc == NSV_TRUNC_PAYLOAD &&
		       f.payload_caplen == 2 && f.payload_len == 5,
	       "snaplen 78 of 81: 2 payload bytes of 5");
	free(c);

	tap_is_int(nsv_frame_decode(b, 10, 5, &f), -EINVAL,
		   "wirelen below caplen is -EINVAL");
	tap_is_int(nsv_frame_decode(NULL, 10, 10, &f), -EINVAL,
		   "NULL buffer with bytes is -EINVAL");
	tap_ok(nsv_frame_decode(NULL, 0, 0, &f) == 0 &&
		       f.trunc == NSV_TRUNC_MON_HDR,
	       "empty frame: truncated in the vsockmon header");
}

static void test_ops_and_types(void)
{
	uint8_t b[256], *c;
	struct nsv_frame f;
	struct test_frame s = rw;
	size_t n;
	static const struct {
		uint16_t op, type;
		uint32_t flags;
		const char *name, *flagstr;
	} ops[] = {
		{ 1, 1, 0, "REQUEST", "" },
		{ 2, 1, 0, "RESPONSE", "" },
		{ 3, 1, 0, "RST", "" },
		{ 4, 1, 1, "SHUTDOWN", "rcv" },
		{ 4, 1, 2, "SHUTDOWN", "send" },
		{ 4, 2, 3, "SHUTDOWN", "rcv|send" },
		{ 5, 1, 0, "RW", "" },
		{ 5, 2, 1, "RW", "eom" },
		{ 5, 2, 2, "RW", "eor" },
		{ 5, 2, 3, "RW", "eom|eor" },
		{ 5, 1, 1, "RW", "0x1" },
		{ 6, 1, 0, "CREDIT_UPDATE", "" },
		{ 7, 2, 0, "CREDIT_REQUEST", "" },
		{ 4, 1, 0x13, "SHUTDOWN", "rcv|send|0x10" },
		{ 0, 1, 0, "INVALID", "" },
	};
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		char fl[64];
		int r;

		s.op = ops[i].op;
		s.type = ops[i].type;
		s.flags = ops[i].flags;
		n = test_frame_build(b, sizeof(b), &s, NULL, 0);
		r = decode_exact(b, n, n, &f, &c);
		nsv_virtio_flags_format(f.virtio.op, f.virtio.type,
					f.virtio.flags, fl, sizeof(fl));
		tap_ok(r == 0 &&
			       !strcmp(nsv_virtio_op_name(f.virtio.op),
				       ops[i].name) &&
			       !strcmp(fl, ops[i].flagstr) &&
			       f.payload_len == 0,
		       "op %u %s type %s flags 0x%x = '%s' (got '%s')",
		       ops[i].op, ops[i].name,
		       nsv_virtio_type_name(ops[i].type), ops[i].flags,
		       ops[i].flagstr, fl);
		free(c);
	}
	tap_is_str(nsv_virtio_type_name(2), "SEQPACKET", "type 2 is SEQPACKET");
	tap_is_str(nsv_virtio_type_name(1), "STREAM", "type 1 is STREAM");
	tap_ok(nsv_virtio_type_name(3) == NULL && nsv_virtio_op_name(8) == NULL,
	       "type 3 and op 8 have no name");
	tap_is_str(nsv_mon_op_name(NSV_MON_OP_CONTROL), "CONTROL",
		   "vsockmon op 3 is CONTROL");
	tap_is_str(nsv_transport_name(NSV_TRANSPORT_NO_INFO), "NO_INFO",
		   "transport 1 is NO_INFO");
	tap_is_int(nsv_virtio_op_lookup("credit_update"), 6,
		   "op name lookup ignores case");
	tap_is_int(nsv_virtio_op_lookup("bogus"), -EINVAL,
		   "unknown op name is -EINVAL");
	tap_is_int(nsv_virtio_type_lookup("seqpacket"), 2, "type lookup");
	{
		char tiny[4];

		tap_is_int(nsv_virtio_flags_format(4, 1, 3, tiny, sizeof(tiny)),
			   -ENOSPC, "flags into a 4-byte buffer is -ENOSPC");
	}
}

/* The encoder is the decoder's inverse, and says when it has no room. */
static void test_encode(void)
{
	uint8_t b[256], out[256];
	struct nsv_frame f, g;
	size_t n = test_frame_build(b, sizeof(b), &rw, "hello", 5);

	nsv_frame_decode(b, n, n, &f);
	memset(out, 0x5a, sizeof(out));
	tap_is_int(nsv_frame_encode(&f, out, sizeof(out)), (int)HDRS,
		   "encoding a virtio frame writes both headers");
	tap_ok(!memcmp(out, b, HDRS) && out[HDRS] == 0x5a,
	       "... byte for byte what was decoded, and nothing after");
	tap_is_int(nsv_frame_encode(&f, out, HDRS - 1), -ENOSPC,
		   "one byte short of both headers is -ENOSPC");
	f.has_virtio = false;
	f.transport = NSV_TRANSPORT_NO_INFO;
	f.thdr_len = 0;
	tap_is_int(nsv_frame_encode(&f, out, NSV_MON_HDR_LEN),
		   (int)NSV_MON_HDR_LEN, "without virtio: the vsockmon header");
	nsv_frame_decode(out, NSV_MON_HDR_LEN, NSV_MON_HDR_LEN, &g);
	tap_ok(g.src_cid == 2 && g.dst_port == 5678 &&
		       g.op == NSV_MON_OP_PAYLOAD &&
		       g.transport == NSV_TRANSPORT_NO_INFO && !g.has_virtio,
	       "... which decodes back");
	tap_ok(nsv_mon_op_of(NSV_VIRTIO_OP_REQUEST) == NSV_MON_OP_CONNECT &&
		       nsv_mon_op_of(NSV_VIRTIO_OP_RST) ==
			       NSV_MON_OP_DISCONNECT &&
		       nsv_mon_op_of(NSV_VIRTIO_OP_CREDIT_REQUEST) ==
			       NSV_MON_OP_CONTROL &&
		       nsv_mon_op_of(NSV_VIRTIO_OP_RW) == NSV_MON_OP_PAYLOAD &&
		       nsv_mon_op_of(99) == NSV_MON_OP_UNKNOWN,
	       "the vsockmon op the kernel gives each virtio op");
}

int main(void)
{
	test_whole_rw();
	test_encode();
	test_every_truncation();
	test_odd_transports();
	test_ops_and_types();
	return tap_done();
}
