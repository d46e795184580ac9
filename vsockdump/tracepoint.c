// SPDX-License-Identifier: LGPL-2.1-or-later
/* The vsock tracepoints' records: format files, raw records, perf records, frames. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/perf_event.h>

#include "tracepoint.h"

/* The field named @name of @f, or NULL for one we do not read. */
static struct nsv_tp_field *field_slot(struct nsv_tp_format *f,
				       const char *name, size_t n)
{
	static const struct {
		const char *name;
		size_t off;
	} map[] = {
#define F(x) { #x, offsetof(struct nsv_tp_format, x) }
		F(common_type), F(src_cid),   F(src_port), F(dst_cid),
		F(dst_port),	F(len),	      F(type),	   F(op),
		F(flags),	F(buf_alloc), F(fwd_cnt),
#undef F
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strlen(map[i].name) == n && !memcmp(map[i].name, name, n))
			return (struct nsv_tp_field *)((char *)f + map[i].off);
	return NULL;
}

/* The number after "@key:" in @line (up to @end), or -1. */
static long line_num(const char *line, const char *end, const char *key)
{
	size_t k = strlen(key);
	const char *p;
	long v = 0;

	for (p = line; p + k < end; p++)
		if (!memcmp(p, key, k) && p[k] == ':')
			break;
	if (p + k >= end)
		return -1;
	p += k + 1;
	while (p < end && *p == ' ')
		p++;
	if (p == end || *p < '0' || *p > '9')
		return -1;
	while (p < end && *p >= '0' && *p <= '9' && v < 1000000)
		v = v * 10 + (*p++ - '0');
	return v;
}

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/*
 * "field:__u32 src_cid;\toffset:8;\tsize:4;\tsigned:0;": the name is the
 * last word before the first ';' (an array's "[N]" dropped).
 */
static int parse_field(struct nsv_tp_format *f, const char *line,
		       const char *end)
{
	const char *decl = line + 6, *semi, *name;
	struct nsv_tp_field *slot;
	long off, size;

	semi = memchr(decl, ';', (size_t)(end - decl));
	if (!semi)
		return -EPROTO;
	name = semi;
	if (name > decl && name[-1] == ']') /* "char comm[16]" */
		while (name > decl && *name != '[')
			name--;
	semi = name;
	while (name > decl && ident_char(name[-1]))
		name--;
	slot = field_slot(f, name, (size_t)(semi - name));
	if (!slot)
		return 0;
	off = line_num(semi, end, "offset");
	size = line_num(semi, end, "size");
	if (off < 0 || size < 0 || off > 4096)
		return -EPROTO;
	/* the integers we know; anything else we cannot read safely */
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -EPROTO;
	slot->off = (uint16_t)off;
	slot->size = (uint16_t)size;
	return 0;
}

int nsv_tp_format_parse(const char *text, size_t len, struct nsv_tp_format *f)
{
	const char *p = text, *end = text + len, *nl;
	const struct nsv_tp_field *need[11];
	bool have_name = false, have_id = false;
	size_t i, n = 0;
	long id;
	int r;

	if (!text || !f)
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		while (p < nl && (*p == ' ' || *p == '\t'))
			p++;
		if (nl - p > 5 && !memcmp(p, "name:", 5)) {
			const char *v = p + 5;
			size_t vl;

			while (v < nl && *v == ' ')
				v++;
			vl = (size_t)(nl - v);
			while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\r'))
				vl--;
			if (vl == strlen(NSV_TP_ALLOC_NAME) &&
			    !memcmp(v, NSV_TP_ALLOC_NAME, vl))
				f->kind = NSV_TP_ALLOC;
			else if (vl == strlen(NSV_TP_RECV_NAME) &&
				 !memcmp(v, NSV_TP_RECV_NAME, vl))
				f->kind = NSV_TP_RECV;
			else
				return -EPROTO;
			have_name = true;
		} else if (nl - p > 3 && !memcmp(p, "ID:", 3)) {
			id = line_num(p, nl, "ID");
			if (id < 0 || id > 65535) /* common_type is a u16 */
				return -EPROTO;
			f->id = (unsigned int)id;
			have_id = true;
		} else if (nl - p > 6 && !memcmp(p, "field:", 6)) {
			r = parse_field(f, p, nl);
			if (r < 0)
				return r;
		}
		if (nl == end)
			break;
	}
	if (!have_name || !have_id)
		return -EPROTO;
	need[n++] = &f->common_type;
	need[n++] = &f->src_cid;
	need[n++] = &f->src_port;
	need[n++] = &f->dst_cid;
	need[n++] = &f->dst_port;
	need[n++] = &f->len;
	need[n++] = &f->type;
	need[n++] = &f->op;
	need[n++] = &f->flags;
	if (f->kind == NSV_TP_RECV) {
		need[n++] = &f->buf_alloc;
		need[n++] = &f->fwd_cnt;
	} else {
		/* an alloc event never carries credit */
		memset(&f->buf_alloc, 0, sizeof(f->buf_alloc));
		memset(&f->fwd_cnt, 0, sizeof(f->fwd_cnt));
	}
	for (i = 0; i < n; i++) {
		if (!need[i]->size)
			return -EPROTO;
		if (need[i]->off + (size_t)need[i]->size > f->min_size)
			f->min_size = need[i]->off + (size_t)need[i]->size;
	}
	if (f->common_type.off != 0 || f->common_type.size != 2)
		return -EPROTO;
	return 0;
}

/* A field in host order, whatever its size. */
static uint64_t get(const uint8_t *raw, const struct nsv_tp_field *fl)
{
	uint64_t v8;
	uint32_t v4;
	uint16_t v2;

	switch (fl->size) {
	case 1:
		return raw[fl->off];
	case 2:
		memcpy(&v2, raw + fl->off, 2);
		return v2;
	case 4:
		memcpy(&v4, raw + fl->off, 4);
		return v4;
	case 8:
		memcpy(&v8, raw + fl->off, 8);
		return v8;
	default:
		return 0;
	}
}

int nsv_tp_record_parse(const struct nsv_tp_format *fmts, size_t nfmts,
			const uint8_t *raw, size_t len, struct nsv_tp_event *ev)
{
	const struct nsv_tp_format *f = NULL;
	uint16_t type;
	size_t i;

	if (len < 2)
		return -EBADMSG;
	memcpy(&type, raw, 2);
	for (i = 0; i < nfmts; i++)
		if (fmts[i].id == type)
			f = &fmts[i];
	if (!f)
		return -ENOENT;
	if (len < f->min_size)
		return -EBADMSG;
	ev->kind = f->kind;
	ev->src_cid = get(raw, &f->src_cid);
	ev->dst_cid = get(raw, &f->dst_cid);
	ev->src_port = (uint32_t)get(raw, &f->src_port);
	ev->dst_port = (uint32_t)get(raw, &f->dst_port);
	ev->len = (uint32_t)get(raw, &f->len);
	ev->type = (uint16_t)get(raw, &f->type);
	ev->op = (uint16_t)get(raw, &f->op);
	ev->flags = (uint32_t)get(raw, &f->flags);
	ev->buf_alloc = f->buf_alloc.size ? (uint32_t)get(raw, &f->buf_alloc) :
					    0;
	ev->fwd_cnt = f->fwd_cnt.size ? (uint32_t)get(raw, &f->fwd_cnt) : 0;
	return 0;
}

size_t nsv_tp_frame_build(const struct nsv_tp_frame *fr, uint8_t *buf,
			  uint32_t *wirelen)
{
	const struct nsv_tp_event *e = &fr->ev;
	bool credit = fr->synth & NSV_SYNTH_RECV;
	struct nsv_frame f = {
		.src_cid = e->src_cid,
		.dst_cid = e->dst_cid,
		.src_port = e->src_port,
		.dst_port = e->dst_port,
		.op = (uint16_t)nsv_mon_op_of(e->op),
		.transport = NSV_TRANSPORT_VIRTIO,
		.thdr_len = NSV_VIRTIO_HDR_LEN,
		.reserved = (uint16_t)(NSV_SYNTH |
				       (fr->synth &
					(NSV_SYNTH_ALLOC | NSV_SYNTH_RECV))),
		.has_virtio = true,
		.virtio = {
			.src_cid = e->src_cid,
			.dst_cid = e->dst_cid,
			.src_port = e->src_port,
			.dst_port = e->dst_port,
			.len = e->len,
			.type = e->type,
			.op = e->op,
			.flags = e->flags,
			.buf_alloc = credit ? e->buf_alloc : 0,
			.fwd_cnt = credit ? e->fwd_cnt : 0,
		},
	};

	nsv_frame_encode(&f, buf, NSV_TP_FRAME_LEN);
	if (wirelen)
		*wirelen = (uint32_t)NSV_TP_FRAME_LEN + e->len;
	return NSV_TP_FRAME_LEN;
}

int nsv_tp_perf_record(const uint8_t *rec, size_t len, int64_t *ns,
		       const uint8_t **raw, size_t *rawlen, uint64_t *lost)
{
	struct perf_event_header h;
	uint64_t t, v;
	uint32_t size;

	if (len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, rec, sizeof(h));
	switch (h.type) {
	case PERF_RECORD_SAMPLE:
		/* u64 time (PERF_SAMPLE_TIME), u32 size, raw (PERF_SAMPLE_RAW) */
		if (len < sizeof(h) + 8 + 4)
			return -EBADMSG;
		memcpy(&t, rec + sizeof(h), 8);
		memcpy(&size, rec + sizeof(h) + 8, 4);
		if (size > len - (sizeof(h) + 12))
			return -EBADMSG;
		*ns = (int64_t)t;
		*raw = rec + sizeof(h) + 12;
		*rawlen = size;
		return NSV_TP_REC_SAMPLE;
	case PERF_RECORD_LOST:
		/* u64 id, u64 lost */
		if (len < sizeof(h) + 16)
			return -EBADMSG;
		memcpy(&v, rec + sizeof(h) + 8, 8);
		*lost = v;
		return NSV_TP_REC_LOST;
	default:
		return NSV_TP_REC_OTHER;
	}
}
