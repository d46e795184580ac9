// SPDX-License-Identifier: GPL-2.0-or-later
/* A synthetic vsockmon capture for benchmarks: many connections, all ops. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"

/*
 * Usage: vsockdump-gen [-1] [-s SNAPLEN] FRAMES OUT.pcap [SEED]
 *
 * Writes a LINKTYPE_VSOCK pcap of FRAMES frames from 64 interleaved
 * connections between CIDs 2, 3 and 1 (loopback): each a handshake, data
 * both ways of mixed sizes with the credit fields a real peer would send,
 * CREDIT_UPDATE/CREDIT_REQUEST, SHUTDOWN and RST; some STREAM, some
 * SEQPACKET (with EOM/EOR), and now and then a connect refused by RST.
 * With -1, one long STREAM connection instead: a sender that fills the
 * receiver's buffer and a receiver that reads fast for a while, then slowly
 * (the sender stalls at zero credit, now and then asks for credit).
 * -s keeps at most SNAPLEN bytes of each frame (the wire length stays).
 * The same seed gives the same file.
 */

#define NCONN 64
#define BUF_ALLOC 262144U

struct conn {
	uint32_t cid[2], port[2];
	uint16_t type;
	int phase; /* 0 request, 1 response, 2 data, 3 shutdown, 4 rst */
	bool refuse;
	uint32_t tx[2], fwd[2];
	uint64_t left; /* data frames before closing */
};

static uint64_t rng = 88172645463325252ULL;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

#define HDRS (NSV_MON_HDR_LEN + NSV_VIRTIO_HDR_LEN)

static uint8_t frame[HDRS + 65536];
static uint64_t usec = 1700000000ULL * 1000000;
static uint32_t snaplen = HDRS + 65536;

/*
 * Whole 1 MiB writes, as vsockdump -w makes them: stdio writes a record
 * longer than its free buffer space straight through in 4 KiB pieces, and
 * a file written that way sits in the page cache in small pieces: mapping
 * it cost a reader 70 ms of system time per million frames against 15 ms
 * for the same file copied with dd bs=1M (Linux 6.18, ext4).
 */
static unsigned char out[1 << 20];
static size_t outlen;

static void put(FILE *f, const void *p, size_t n)
{
	size_t k;

	while (n) {
		k = sizeof(out) - outlen < n ? sizeof(out) - outlen : n;
		memcpy(out + outlen, p, k);
		outlen += k;
		p = (const unsigned char *)p + k;
		n -= k;
		if (outlen == sizeof(out)) {
			fwrite(out, outlen, 1, f);
			outlen = 0;
		}
	}
}

static void emit(FILE *f, struct conn *c, int d, uint16_t op, uint32_t len,
		 uint32_t flags)
{
	struct nsv_frame fr = {
		.src_cid = c->cid[d],
		.dst_cid = c->cid[!d],
		.src_port = c->port[d],
		.dst_port = c->port[!d],
		.op = (uint16_t)nsv_mon_op_of(op),
		.transport = NSV_TRANSPORT_VIRTIO,
		.thdr_len = NSV_VIRTIO_HDR_LEN,
		.has_virtio = true,
		.virtio = {
			.src_cid = c->cid[d],
			.dst_cid = c->cid[!d],
			.src_port = c->port[d],
			.dst_port = c->port[!d],
			.len = len,
			.type = c->type,
			.op = op,
			.flags = flags,
			.buf_alloc = op == NSV_VIRTIO_OP_RST ? 0 : BUF_ALLOC,
			.fwd_cnt = c->fwd[d],
		},
	};
	uint32_t rec[4];

	nsv_frame_encode(&fr, frame, sizeof(frame));
	if (len)
		memset(frame + HDRS, 'a' + (int)(rnd() % 26), len);
	usec += 1 + rnd() % 40;
	rec[0] = (uint32_t)(usec / 1000000);
	rec[1] = (uint32_t)(usec % 1000000);
	rec[3] = (uint32_t)(HDRS + len);
	rec[2] = rec[3] < snaplen ? rec[3] : snaplen;
	put(f, rec, sizeof(rec));
	put(f, frame, rec[2]);
}

/* Mostly small messages, some pages, a few 64 KiB packets. */
static uint32_t size(void)
{
	uint32_t r = rnd() % 100;

	if (r < 60)
		return 1 + rnd() % 200;
	if (r < 85)
		return 201 + rnd() % 1300;
	if (r < 97)
		return 1501 + rnd() % 2596;
	return 4097 + rnd() % 61440;
}

static void conn_new(struct conn *c, uint32_t n)
{
	static const uint32_t cids[][2] = { { 3, 2 }, { 2, 3 }, { 1, 1 } };
	int w = (int)(rnd() % 3);

	memset(c, 0, sizeof(*c));
	c->cid[0] = cids[w][0];
	c->cid[1] = cids[w][1];
	c->port[0] = 49152 + n % 16384;
	c->port[1] = 1000 + rnd() % 8;
	c->type = rnd() % 4 ? NSV_VIRTIO_TYPE_STREAM :
			      NSV_VIRTIO_TYPE_SEQPACKET;
	c->refuse = rnd() % 50 == 0;
	c->left = 5 + rnd() % 200;
}

static void step(FILE *f, struct conn *c, uint32_t *serial)
{
	uint32_t len, flags = 0;
	int d;

	switch (c->phase) {
	case 0:
		emit(f, c, 0, NSV_VIRTIO_OP_REQUEST, 0, 0);
		c->phase = c->refuse ? 4 : 1;
		return;
	case 1:
		emit(f, c, 1, NSV_VIRTIO_OP_RESPONSE, 0, 0);
		c->phase = 2;
		return;
	case 2:
		d = rnd() % 3 == 0;
		if (rnd() % 8 == 0) { /* the receiver frees space */
			c->fwd[!d] = c->tx[d];
			emit(f, c, !d, NSV_VIRTIO_OP_CREDIT_UPDATE, 0, 0);
		} else if (rnd() % 64 == 0) {
			emit(f, c, d, NSV_VIRTIO_OP_CREDIT_REQUEST, 0, 0);
		} else {
			len = size();
			if (c->type == NSV_VIRTIO_TYPE_SEQPACKET)
				flags = NSV_VIRTIO_SEQ_EOM |
					(rnd() % 4 ? 0 : NSV_VIRTIO_SEQ_EOR);
			emit(f, c, d, NSV_VIRTIO_OP_RW, len, flags);
			c->tx[d] += len;
		}
		if (--c->left == 0)
			c->phase = 3;
		return;
	case 3:
		emit(f, c, 0, NSV_VIRTIO_OP_SHUTDOWN, 0,
		     NSV_VIRTIO_SHUTDOWN_RCV | NSV_VIRTIO_SHUTDOWN_SEND);
		c->phase = 4;
		return;
	default:
		emit(f, c, 1, NSV_VIRTIO_OP_RST, 0, 0);
		conn_new(c, (*serial)++);
		return;
	}
}

/*
 * One frame of the long connection: the receiver (side 1) reads and sends
 * CREDIT_UPDATE, often in fast phases and seldom in slow ones; the sender
 * (side 0) sends what its credit allows, and at zero credit waits.
 */
static void long_step(FILE *f, struct conn *c, double phase)
{
	uint32_t inflight = c->tx[0] - c->fwd[1], credit, len, chunk;
	bool slow = (int)(phase * 10) % 3 == 1;

	credit = BUF_ALLOC - inflight;
	if (inflight && rnd() % (slow ? 24 : 3) == 0) {
		chunk = 4096 + rnd() % 65536;
		c->fwd[1] += chunk < inflight ? chunk : inflight;
		emit(f, c, 1, NSV_VIRTIO_OP_CREDIT_UPDATE, 0, 0);
		return;
	}
	if (!credit) {
		usec += 200 + rnd() % 2000; /* waiting for the reader */
		if (rnd() % 4 == 0)
			emit(f, c, 0, NSV_VIRTIO_OP_CREDIT_REQUEST, 0, 0);
		else
			emit(f, c, 1, NSV_VIRTIO_OP_CREDIT_UPDATE, 0, 0);
		return;
	}
	len = size();
	len = len < credit ? len : credit;
	emit(f, c, 0, NSV_VIRTIO_OP_RW, len, 0);
	c->tx[0] += len;
}

int main(int argc, char **argv)
{
	static struct conn conns[NCONN];
	uint32_t hdr[6] = { NSV_PCAP_MAGIC_USEC, 0x00040002, 0, 0, 262144,
			    NSV_DLT_VSOCK };
	unsigned long long n, i;
	uint32_t serial = 0;
	bool one = false;
	FILE *f;
	int c;

	while ((c = getopt(argc, argv, "1s:")) != -1) {
		if (c == '1')
			one = true;
		else if (c == 's' && atoi(optarg) > 0)
			snaplen = (uint32_t)atoi(optarg);
		else
			argc = 0;
	}
	argc -= optind;
	argv += optind - 1;
	if (argc < 2) {
		fprintf(stderr, "usage: vsockdump-gen [-1] [-s SNAPLEN] "
				"FRAMES OUT.pcap [SEED]\n");
		return 2;
	}
	n = strtoull(argv[1], NULL, 10);
	if (argc > 2)
		rng ^= strtoull(argv[3], NULL, 10) * 0x9e3779b97f4a7c15ULL;
	f = strcmp(argv[2], "-") ? fopen(argv[2], "wb") : stdout;
	if (!f) {
		fprintf(stderr, "vsockdump-gen: %s: %s\n", argv[2],
			strerror(errno));
		return 1;
	}
	setvbuf(f, NULL, _IONBF, 0);
	if (snaplen < hdr[4])
		hdr[4] = snaplen;
	put(f, hdr, sizeof(hdr));
	if (one) {
		conn_new(&conns[0], serial++);
		conns[0].type = NSV_VIRTIO_TYPE_STREAM;
		conns[0].refuse = false;
		for (i = 0; i < n; i++) {
			if (conns[0].phase < 2)
				step(f, &conns[0], &serial);
			else
				long_step(f, &conns[0], (double)i / n);
		}
		n = 0;
	}
	for (i = 0; i < NCONN && n; i++)
		conn_new(&conns[i], serial++);
	for (i = 0; i < n; i++)
		step(f, &conns[rnd() % NCONN], &serial);
	if (outlen)
		fwrite(out, outlen, 1, f);
	if (fclose(f)) {
		fprintf(stderr, "vsockdump-gen: %s: %s\n", argv[2],
			strerror(errno));
		return 1;
	}
	return 0;
}
