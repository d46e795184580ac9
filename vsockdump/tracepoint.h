/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vsockdump: the vsock tracepoints' records: format files, events, frames. */
#ifndef NSV_TRACEPOINT_H
#define NSV_TRACEPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* The two events of the virtio vsock transports (events/vsock/ in tracefs). */
enum nsv_tp_kind {
	NSV_TP_ALLOC, /* virtio_transport_alloc_pkt: a packet is made */
	NSV_TP_RECV, /* virtio_transport_recv_pkt: a packet arrived */
};

#define NSV_TP_ALLOC_NAME "virtio_transport_alloc_pkt"
#define NSV_TP_RECV_NAME "virtio_transport_recv_pkt"

/* Where a field is in a record; size 0: the event has no such field. */
struct nsv_tp_field {
	uint16_t off;
	uint16_t size;
};

/* One event's record layout, as its tracefs "format" file gives it. */
struct nsv_tp_format {
	unsigned int id; /* the record's common_type */
	enum nsv_tp_kind kind;
	struct nsv_tp_field common_type;
	struct nsv_tp_field src_cid, src_port, dst_cid, dst_port;
	struct nsv_tp_field len, type, op, flags;
	struct nsv_tp_field buf_alloc, fwd_cnt; /* recv only */
	size_t min_size; /* a record must hold every field we read */
};

/**
 * nsv_tp_format_parse - read an event's tracefs format file
 * @text: the file's contents ("name: ...", "ID: ...", "field:..." lines)
 * @f: result
 *
 * Field offsets and sizes come from the file: they differ between kernels
 * (6.12 added zcopy to the alloc event). Integer fields of 1, 2, 4 or 8
 * bytes are accepted. Returns 0, or -EPROTO when the file is not one of
 * the two vsock events or lacks a field they always have.
 */
int nsv_tp_format_parse(const char *text, size_t len, struct nsv_tp_format *f);

/* One event, its fields in host order. */
struct nsv_tp_event {
	int64_t ns; /* time stamp (CLOCK_MONOTONIC of the traced kernel) */
	enum nsv_tp_kind kind;
	uint64_t src_cid, dst_cid; /* u32 in today's kernels */
	uint32_t src_port, dst_port;
	uint32_t len; /* payload bytes of the packet */
	uint16_t type, op;
	uint32_t flags;
	uint32_t buf_alloc, fwd_cnt; /* only a recv event has them */
};

/**
 * nsv_tp_record_parse - decode one raw tracepoint record
 * @fmts: the formats of the events we asked for; @nfmts of them
 * @raw: the record as the kernel wrote it (common fields first), host order
 * @ev: result; @ev->ns is left alone
 *
 * Never reads past @len. Returns 0, -ENOENT for a common_type none of
 * @fmts has, or -EBADMSG for a record too short for its fields.
 */
int nsv_tp_record_parse(const struct nsv_tp_format *fmts, size_t nfmts,
			const uint8_t *raw, size_t len,
			struct nsv_tp_event *ev);

/* A packet as the tracepoints saw it: the events it was made from. */
struct nsv_tp_frame {
	int64_t ns; /* its first event's time */
	struct nsv_tp_event ev; /* the header; credit from the recv event */
	unsigned int synth; /* NSV_SYNTH_ALLOC and/or NSV_SYNTH_RECV */
};

/* A tracepoint frame: af_vsockmon_hdr and virtio_vsock_hdr, no payload. */
#define NSV_TP_FRAME_LEN (NSV_MON_HDR_LEN + NSV_VIRTIO_HDR_LEN)

/**
 * nsv_tp_frame_build - lay out @fr as a vsockmon device would
 * @buf: NSV_TP_FRAME_LEN bytes
 * @wirelen: receives the length on the wire: headers plus the payload
 *	length the event reported (the payload itself is not captured)
 *
 * Transport VIRTIO, the vsockmon op the kernel derives from the virtio op,
 * and reserved = NSV_SYNTH | @fr->synth. buf_alloc and fwd_cnt are the recv
 * event's, or zero when only an alloc event was seen (the reserved bits say
 * so). Returns NSV_TP_FRAME_LEN.
 */
size_t nsv_tp_frame_build(const struct nsv_tp_frame *fr, uint8_t *buf,
			  uint32_t *wirelen);

/*
 * perf ring records (PERF_RECORD_SAMPLE with PERF_SAMPLE_TIME and
 * PERF_SAMPLE_RAW, PERF_RECORD_LOST) as nsv_tp_perf_record() reads them.
 */
enum nsv_tp_rec {
	NSV_TP_REC_SAMPLE, /* *ns and the raw record (*raw, *rawlen) */
	NSV_TP_REC_LOST, /* *lost events the ring had no room for */
	NSV_TP_REC_OTHER, /* anything else: skip it */
};

/**
 * nsv_tp_perf_record - read one record of a perf ring buffer
 * @rec: the record, header first, in host order; @len its bytes
 *	(header.size, already checked to fit)
 *
 * Returns an enum nsv_tp_rec, or -EBADMSG for a record shorter than its
 * type needs.
 */
int nsv_tp_perf_record(const uint8_t *rec, size_t len, int64_t *ns,
		       const uint8_t **raw, size_t *rawlen, uint64_t *lost);

#endif /* NSV_TRACEPOINT_H */
