// SPDX-License-Identifier: GPL-2.0-or-later
/* Fuzzing vsockdump's parser, compiler, decoder, flows and printers at once. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "vsockdump/filter.h"
#include "vsockdump/flow.h"
#include "vsockdump/pcapio.h"
#include "vsockdump/print.h"
#include "proto.h"

/*
 * One input: two bytes of extra wire length, a filter expression up to the
 * first newline, then the frame's captured bytes. Checks: the compiled BPF
 * and the reference evaluator agree; nothing reads past the captured bytes
 * (run under ASan) or crashes in any printer.
 *
 * With libFuzzer (make fuzz-vsockdump, clang): the usual LLVMFuzzerTestOneInput.
 * Without it this is a unit test: a fixed number of generated inputs.
 */

static FILE *sink;
static struct nsv_flows *flows;

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
	if (nsv_flows_update(flows, &pkt, &f, &note) < 0)
		abort();
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		struct nsv_printer *p;

		if (nsv_printer_new(&p, sink, &opts[i]) < 0)
			abort();
		nsv_print_frame(p, 1, &pkt, &f, &note);
		nsv_printer_free(p);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nsv_filter *f = NULL;
	struct nsv_filter_error err = { 0 };
	struct nsv_bpf_prog prog = { 0 };
	const uint8_t *nl, *frame;
	size_t extra, elen, cap;
	uint8_t *copy;
	char *expr;

	if (!sink) {
		sink = fopen("/dev/null", "w");
		if (!sink || nsv_flows_new(&flows) < 0)
			abort();
	}
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
	} else if (nsv_filter_parse(expr, &f, &err) == 0) {
		if (nsv_filter_compile(f, 262144, &prog) == 0) {
			struct bpf_program bp = {
				prog.len, (struct bpf_insn *)prog.insns
			};
			struct pcap_pkthdr h = { .caplen = (uint32_t)cap,
						 .len = (uint32_t)(cap +
								   extra) };

			if ((pcap_offline_filter(&bp, &h, copy) != 0) !=
			    nsv_filter_match(f, copy, cap, cap + extra))
				abort();
			nsv_bpf_dump(sink, &prog, 1);
			nsv_bpf_prog_free(&prog);
		}
		nsv_filter_print_tcpdump(sink, f);
		nsv_filter_free(f);
	} else if (err.off + err.len > elen) {
		abort(); /* an error must point inside the expression */
	}
	check_frame(copy, cap, cap + extra);
	free(copy);
	free(expr);
	return 0;
}

#ifndef NSV_LIBFUZZER
#include "tap.h"

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

static size_t gen(uint8_t *b)
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
	/* a frame: mostly well formed, then damaged here and there */
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

int main(void)
{
	static uint8_t b[4096];
	int i;

	for (i = 0; i < 50000; i++)
		LLVMFuzzerTestOneInput(b, gen(b));
	tap_ok(nsv_flows_count(flows) > 10,
	       "50000 random inputs through parser, compiler, BPF, decoder, "
	       "flows and printers: no disagreement, no crash (%zu flows)",
	       nsv_flows_count(flows));
	nsv_flows_free(flows);
	fclose(sink);
	return tap_done();
}
#endif
