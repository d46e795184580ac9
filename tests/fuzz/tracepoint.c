// SPDX-License-Identifier: GPL-2.0-or-later
/* Fuzz target: tracefs format files, raw tracepoint records, perf records. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "proto.h"
#include "vsockdump/tracepoint.h"

/*
 * The input is a format file, a NUL, then one record (what the kernel
 * writes into the perf ring). The format is parsed; the record is read as
 * a raw tracepoint record of that format and as a perf ring record, each
 * from an exact-size copy. Promises: a parsed format holds each field it
 * reads inside min_size, with a size the decoder handles; a record parses
 * only when it is as long as min_size and carries the format's ID; the
 * frame built from an event decodes to the event's header; a perf sample's
 * raw bytes lie inside the record.
 */

static bool field_ok(const struct nsv_tp_field *f, size_t min_size)
{
	if (!f->size)
		return true;
	return (f->size == 1 || f->size == 2 || f->size == 4 || f->size == 8) &&
	       (size_t)f->off + f->size <= min_size;
}

static void check_format(const struct nsv_tp_format *f)
{
	const struct nsv_tp_field *all[] = {
		&f->common_type, &f->src_cid,	&f->src_port, &f->dst_cid,
		&f->dst_port,	 &f->len,	&f->type,     &f->op,
		&f->flags,	 &f->buf_alloc, &f->fwd_cnt,
	};
	size_t i;

	NSV_FUZZ_CHECK(f->kind == NSV_TP_ALLOC || f->kind == NSV_TP_RECV);
	NSV_FUZZ_CHECK(f->common_type.size);
	/* the fields every vsock event has; credit only on recv */
	NSV_FUZZ_CHECK(f->src_cid.size && f->dst_cid.size && f->src_port.size &&
		       f->dst_port.size && f->op.size);
	if (f->kind == NSV_TP_RECV)
		NSV_FUZZ_CHECK(f->buf_alloc.size && f->fwd_cnt.size);
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		NSV_FUZZ_CHECK(field_ok(all[i], f->min_size));
}

/* The frame built from @ev decodes to @ev's header. */
static void check_frame(const struct nsv_tp_event *ev)
{
	struct nsv_tp_frame fr = { .ns = 1, .ev = *ev };
	uint8_t buf[NSV_TP_FRAME_LEN];
	struct nsv_frame f;
	uint32_t wirelen = 0;

	fr.synth = ev->kind == NSV_TP_RECV ? NSV_SYNTH_RECV : NSV_SYNTH_ALLOC;
	NSV_FUZZ_CHECK(nsv_tp_frame_build(&fr, buf, &wirelen) ==
		       NSV_TP_FRAME_LEN);
	NSV_FUZZ_CHECK(wirelen == (uint32_t)(NSV_TP_FRAME_LEN + ev->len));
	NSV_FUZZ_CHECK(nsv_frame_decode(buf, sizeof(buf), sizeof(buf), &f) ==
		       0);
	NSV_FUZZ_CHECK(f.has_virtio);
	NSV_FUZZ_CHECK(nsv_frame_synth(&f) == (NSV_SYNTH | fr.synth));
	NSV_FUZZ_CHECK(f.virtio.src_cid == ev->src_cid &&
		       f.virtio.dst_cid == ev->dst_cid &&
		       f.virtio.src_port == ev->src_port &&
		       f.virtio.dst_port == ev->dst_port &&
		       f.virtio.len == ev->len && f.virtio.type == ev->type &&
		       f.virtio.op == ev->op && f.virtio.flags == ev->flags);
	if (ev->kind == NSV_TP_RECV)
		NSV_FUZZ_CHECK(f.virtio.buf_alloc == ev->buf_alloc &&
			       f.virtio.fwd_cnt == ev->fwd_cnt);
}

/* @rec as a raw record of @f (NULL: no format); 0 when it parsed. */
static int record(const struct nsv_tp_format *f, const uint8_t *rec, size_t len)
{
	struct nsv_tp_event ev;
	int r;

	if (!f)
		return -ENOENT;
	memset(&ev, 0, sizeof(ev));
	r = nsv_tp_record_parse(f, 1, rec, len, &ev);
	NSV_FUZZ_CHECK(r == 0 || r == -ENOENT || r == -EBADMSG);
	if (r == 0) {
		NSV_FUZZ_CHECK(len >= f->min_size);
		NSV_FUZZ_CHECK(ev.kind == f->kind);
		check_frame(&ev);
	}
	return r;
}

/* @rec as a perf ring record; a sample's raw bytes as a record of @f. */
static void perf(const struct nsv_tp_format *f, const uint8_t *rec, size_t len)
{
	const uint8_t *raw = NULL;
	size_t rawlen = 0;
	uint64_t lost = 0;
	int64_t ns = 0;
	uint8_t *copy;
	int r;

	r = nsv_tp_perf_record(rec, len, &ns, &raw, &rawlen, &lost);
	NSV_FUZZ_CHECK(r == -EBADMSG || r == NSV_TP_REC_SAMPLE ||
		       r == NSV_TP_REC_LOST || r == NSV_TP_REC_OTHER);
	if (r != NSV_TP_REC_SAMPLE)
		return;
	NSV_FUZZ_CHECK(raw >= rec && rawlen <= len &&
		       (size_t)(raw - rec) <= len - rawlen);
	copy = malloc(rawlen ? rawlen : 1);
	if (!copy)
		abort();
	memcpy(copy, raw, rawlen);
	record(f, copy, rawlen);
	free(copy);
}

static int one(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t tlen = nul ? (size_t)(nul - data) : size;
	size_t rlen = nul ? size - tlen - 1 : 0;
	struct nsv_tp_format f;
	uint8_t *rec;
	char *text;
	int r;

	/* exact-size heap copies so that ASan catches any overread */
	text = malloc(tlen ? tlen : 1);
	rec = malloc(rlen ? rlen : 1);
	if (!text || !rec)
		abort();
	memcpy(text, data, tlen);
	if (rlen)
		memcpy(rec, nul + 1, rlen);

	r = nsv_tp_format_parse(text, tlen, &f);
	NSV_FUZZ_CHECK(r == 0 || r == -EPROTO);
	if (r == 0)
		check_format(&f);
	record(r == 0 ? &f : NULL, rec, rlen);
	perf(r == 0 ? &f : NULL, rec, rlen);
	free(text);
	free(rec);
	return 0;
}

/* The lab kernels' format files. */
static const char *const seeds[] = {
	"tests/golden/tracepoints/*/*.format",
	NULL,
};

/* A format with 8-byte CIDs and 1-byte op and type, then its record. */
static const char invented[] =
	"name: virtio_transport_recv_pkt\nID: 77\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:__u64 dst_cid;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:__u64 src_cid;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:__u32 fwd_cnt;\toffset:24;\tsize:4;\tsigned:0;\n"
	"\tfield:__u32 buf_alloc;\toffset:28;\tsize:4;\tsigned:0;\n"
	"\tfield:__u32 src_port;\toffset:32;\tsize:4;\tsigned:0;\n"
	"\tfield:__u32 dst_port;\toffset:36;\tsize:4;\tsigned:0;\n"
	"\tfield:__u8 op;\toffset:40;\tsize:1;\tsigned:0;\n"
	"\tfield:__u8 type;\toffset:41;\tsize:1;\tsigned:0;\n"
	"\tfield:__u16 flags;\toffset:58;\tsize:2;\tsigned:0;\n"
	"\tfield:__u32 len;\toffset:60;\tsize:4;\tsigned:0;\n";

/* The record of @invented: CIDs 3 -> 2, RW on a stream, 4096 bytes. */
static void invented_record(uint8_t *rec)
{
	memset(rec, 0, 64);
	rec[0] = 77; /* common_type */
	rec[8] = 2; /* dst_cid */
	rec[16] = 3; /* src_cid */
	rec[40] = 5; /* op RW */
	rec[41] = 1; /* type STREAM */
	rec[61] = 0x10; /* len 4096 */
}

static void gen(nsv_fuzz_emit emit, void *ctx)
{
	/* the format, its NUL, then a record: raw, or in a perf sample */
	uint8_t buf[sizeof(invented) + 20 + 64];
	uint8_t *rec = buf + sizeof(invented);
	uint32_t size = 20 + 64, rawlen = 64;

	memcpy(buf, invented, sizeof(invented));
	invented_record(rec);
	if (emit(buf, sizeof(invented) + 64, ctx) ||
	    emit(buf, sizeof(invented) + 63, ctx) || /* one byte short */
	    emit(invented, sizeof(invented) - 1, ctx))
		return;
	/* PERF_RECORD_SAMPLE: type, misc, size; time; raw size; raw */
	memset(rec, 0, 20);
	rec[0] = 9;
	memcpy(rec + 6, &size, 2);
	rec[8] = 1;
	memcpy(rec + 16, &rawlen, 4);
	invented_record(rec + 20);
	emit(buf, sizeof(buf), ctx);
}

static const struct nsv_fuzz_target target = {
	.name = "tracepoint",
	.one = one,
	.seeds = seeds,
	.gen = gen,
};
NSV_FUZZ_TARGET(target)
