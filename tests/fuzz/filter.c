// SPDX-License-Identifier: GPL-2.0-or-later
/* Fuzz target: vsockdump's filter compiler against its reference, and the decoder. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "fuzz.h"
#include "proto.h"
#include "vsockdump/filter.h"
#include "vsockdump/flow.h"
#include "vsockdump/pcapio.h"
#include "vsockdump/print.h"

/*
 * One input: two bytes of extra wire length, a filter expression up to the
 * first newline, then the frame's captured bytes. Promises: the compiled
 * BPF (run by libpcap's interpreter) and the reference evaluator pick the
 * same frames; a parse error points inside the expression; nothing reads
 * past the captured bytes in the decoder, the flow table or any printer.
 */

static FILE *sink;
static struct nsv_flows *flows;
static size_t flows_seen, inputs;

static void check_frame(const uint8_t *frame, size_t cap, size_t wire)
{
	static const struct nsv_print_opts opts[] = {
		{ .tstamp = NSV_TS_DELTA, .verbose = 2, .hex = 2 },
		{ .tstamp = NSV_TS_DATE, .fmt = NSV_FMT_NUMERIC, .ascii = true },
		{ .json = true, .hex = 1, .verbose = 1 },
	};
	struct nsv_pkt pkt = { .sec = 1700000000,
			       .caplen = (uint32_t)cap,
			       .wirelen = (uint32_t)wire,
			       .data = frame };
	struct nsv_flow_note note;
	struct nsv_frame f;
	size_t i;

	nsv_frame_decode(frame, cap, wire, &f);
	NSV_FUZZ_CHECK(nsv_flows_update(flows, &pkt, &f, &note) == 0);
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		struct nsv_printer *p;

		NSV_FUZZ_CHECK(nsv_printer_new(&p, sink, &opts[i]) == 0);
		nsv_print_frame(p, 1, &pkt, &f, &note);
		nsv_printer_free(p);
	}
}

static void setup(void)
{
	if (!sink) {
		sink = fopen("/dev/null", "w");
		if (!sink)
			abort();
	}
	/* a fresh table now and then, so that it does not grow forever */
	if (!flows || ++inputs % 4096 == 0) {
		if (flows)
			flows_seen += nsv_flows_count(flows);
		nsv_flows_free(flows);
		if (nsv_flows_new(&flows) < 0)
			abort();
	}
}

static int one(const uint8_t *data, size_t size)
{
	struct nsv_fexpr *f = NULL;
	struct nsv_fexpr_error err = { 0 };
	struct nsv_bpf_prog prog = { 0 };
	const uint8_t *nl, *frame;
	size_t extra, elen, cap;
	uint8_t *copy;
	char *expr;

	setup();
	if (size < 2)
		return 0;
	extra = (size_t)data[0] | (size_t)data[1] << 8;
	data += 2;
	size -= 2;
	nl = memchr(data, '\n', size);
	elen = nl ? (size_t)(nl - data) : 0;
	frame = nl ? nl + 1 : data;
	cap = size - (size_t)(frame - data);

	/* exact-size heap copies so that ASan catches any overread */
	expr = malloc(elen + 1);
	copy = malloc(cap ? cap : 1);
	if (!expr || !copy)
		abort();
	memcpy(expr, data, elen);
	expr[elen] = '\0';
	memcpy(copy, frame, cap);

	if (!elen || memchr(expr, '\0', elen)) {
		/* no expression to parse */
	} else if (nsv_filter_parse(expr, NULL, NULL, &f, &err) == 0) {
		if (nsv_filter_compile(f, 262144, &prog) == 0) {
			struct bpf_program bp = {
				prog.len, (struct bpf_insn *)prog.insns
			};
			struct pcap_pkthdr h = { .caplen = (uint32_t)cap,
						 .len = (uint32_t)(cap +
								   extra) };

			NSV_FUZZ_CHECK(
				(pcap_offline_filter(&bp, &h, copy) != 0) ==
				nsv_filter_match(f, copy, cap, cap + extra));
			nsv_bpf_dump(sink, &prog, 1);
			nsv_bpf_prog_free(&prog);
		}
		nsv_filter_print_tcpdump(sink, f);
		nsv_fexpr_free(f);
	} else {
		/* an error must point inside the expression */
		NSV_FUZZ_CHECK(err.off + err.len <= elen);
	}
	check_frame(copy, cap, cap + extra);
	free(copy);
	free(expr);
#ifdef NSV_LIBFUZZER
	/*
	 * Unit runs keep one table over all inputs so that flows repeat.
	 * libFuzzer runs LeakSanitizer after each input that allocated more
	 * than it freed, which a table kept would make every input.
	 */
	nsv_flows_free(flows);
	flows = NULL;
#endif
	return 0;
}

/* ------------------------------------------------------------- seeds */

#define HDRS (NSV_MON_HDR_LEN + NSV_VIRTIO_HDR_LEN)

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 11) % n);
}

/* Pieces of expressions, valid and not, to glue together at random. */
static const char *const words[] = {
	"cid",
	"src",
	"dst",
	"port",
	"op",
	"type",
	"len",
	"flags",
	"and",
	"or",
	"not",
	"(",
	")",
	"!",
	"&&",
	"||",
	"1",
	"2",
	"3",
	"1234",
	"host",
	"local",
	"any",
	"*",
	"rw",
	"request",
	"rst",
	"shutdown",
	"credit_update",
	"stream",
	"seqpacket",
	"eom",
	"eor",
	"rcv",
	"send",
	">",
	"<",
	">=",
	"<=",
	"=",
	"==",
	"!=",
	"0x10",
	"4294967295",
	"99999999999",
	"&",
	"|",
	"foo",
	"-1",
};

/* An input of random words and a frame, mostly well formed. */
static size_t gen_random(uint8_t *b)
{
	size_t n = 2, i, k;
	uint16_t op;

	b[0] = (uint8_t)(rnd(4) ? 0 : rnd(256));
	b[1] = 0;
	k = rnd(8);
	for (i = 0; i < k; i++) {
		const char *w = words[rnd(sizeof(words) / sizeof(words[0]))];

		n += (size_t)sprintf((char *)b + n, "%s%s", i ? " " : "", w);
	}
	b[n++] = '\n';
	k = rnd(4) ? HDRS + rnd(64) : rnd(100);
	for (i = 0; i < k; i++)
		b[n + i] = (uint8_t)rnd(256);
	if (k >= HDRS && rnd(4)) {
		uint8_t *fr = b + n;

		nsv_put_le16(fr + NSV_MON_OFF(transport), NSV_TRANSPORT_VIRTIO);
		nsv_put_le16(fr + NSV_MON_OFF(len), NSV_VIRTIO_HDR_LEN);
		op = (uint16_t)rnd(9);
		nsv_put_le16(fr + NSV_FRAME_VIRTIO_OFF(op), op);
		nsv_put_le16(fr + NSV_FRAME_VIRTIO_OFF(type),
			     (uint16_t)(1 + rnd(2)));
		nsv_put_le32(fr + NSV_FRAME_VIRTIO_OFF(len),
			     (uint32_t)(k - HDRS));
		/* keep CIDs and ports few, so flows repeat */
		nsv_put_le64(fr + NSV_MON_OFF(src_cid), rnd(4));
		nsv_put_le64(fr + NSV_MON_OFF(dst_cid), rnd(4));
		nsv_put_le32(fr + NSV_MON_OFF(src_port), rnd(3));
		nsv_put_le32(fr + NSV_MON_OFF(dst_port), rnd(3));
	}
	return n + k;
}

/* The golden tests' expressions, each with the frames of a capture. */
static const char *const exprs[] = {
	"port 1234 and op rw",
	"not op credit_update and not op rw",
	"len >= 4096",
	"flags eor or flags send",
	"src cid 1 and dst port 1299",
	"type seqpacket and (op request or op response)",
	"cid host",
	"src port 1234 or flags eom and len > 10",
	NULL,
};

struct golden {
	nsv_fuzz_emit emit;
	void *ctx;
	int stop;
};

static void golden_frame(const struct nsv_pkt *pkt, void *user)
{
	struct golden *g = user;
	static uint8_t b[2 + 128 + 4096];
	const char *const *e;
	size_t n, cap;

	cap = pkt->caplen < 4096 ? pkt->caplen : 4096;
	for (e = exprs; *e && !g->stop; e++) {
		b[0] = (uint8_t)(pkt->wirelen - cap);
		b[1] = (uint8_t)((pkt->wirelen - cap) >> 8);
		n = 2 + (size_t)sprintf((char *)b + 2, "%s\n", *e);
		memcpy(b + n, pkt->data, cap);
		g->stop = g->emit(b, n + cap, g->ctx);
	}
}

static void gen(nsv_fuzz_emit emit, void *ctx)
{
	static const char *const pcaps[] = { "stream.pcap", "seqpacket.pcap",
					     "refused.pcap", "credit.pcap",
					     "snap60.pcap" };
	struct golden g = { emit, ctx, 0 };
	static uint8_t b[4096];
	char path[4096], err[512];
	struct nsv_pcap *p;
	size_t i;

	for (i = 0; i < sizeof(pcaps) / sizeof(pcaps[0]) && !g.stop; i++) {
		snprintf(path, sizeof(path), "%s/tests/golden/vsockdump/%s",
			 nsv_fuzz_srcdir(), pcaps[i]);
		if (nsv_pcap_open_file(&p, path, err, sizeof(err)) < 0)
			abort(); /* the golden files are part of the tree */
		nsv_pcap_loop(p, 20, golden_frame, &g);
		nsv_pcap_close(p);
	}
	for (i = 0; i < 50000 && !g.stop; i++)
		g.stop = emit(b, gen_random(b), ctx);
}

/* The random inputs must reach the flow table, not only the parser. */
static int done(char *msg, size_t len)
{
	size_t n = flows_seen + (flows ? nsv_flows_count(flows) : 0);

	if (n > 10)
		return 0;
	snprintf(msg, len, "only %zu flows from the made inputs", n);
	return -1;
}

static const struct nsv_fuzz_target target = {
	.name = "filter",
	.one = one,
	.gen = gen,
	.done = done,
};
NSV_FUZZ_TARGET(target)
