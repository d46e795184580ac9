// SPDX-License-Identifier: LGPL-2.1-or-later
/* Frames of a vsockmon device: decoded, encoded and named. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "proto.h"

_Static_assert(NSV_MON_HDR_LEN == 32, "af_vsockmon_hdr is 32 bytes");
_Static_assert(NSV_VIRTIO_HDR_LEN == 44, "virtio_vsock_hdr is 44 bytes");

static void decode_virtio(const uint8_t *p, struct nsv_virtio_hdr *v)
{
	v->src_cid = nsv_le64(p + NSV_VIRTIO_OFF(src_cid));
	v->dst_cid = nsv_le64(p + NSV_VIRTIO_OFF(dst_cid));
	v->src_port = nsv_le32(p + NSV_VIRTIO_OFF(src_port));
	v->dst_port = nsv_le32(p + NSV_VIRTIO_OFF(dst_port));
	v->len = nsv_le32(p + NSV_VIRTIO_OFF(len));
	v->type = nsv_le16(p + NSV_VIRTIO_OFF(type));
	v->op = nsv_le16(p + NSV_VIRTIO_OFF(op));
	v->flags = nsv_le32(p + NSV_VIRTIO_OFF(flags));
	v->buf_alloc = nsv_le32(p + NSV_VIRTIO_OFF(buf_alloc));
	v->fwd_cnt = nsv_le32(p + NSV_VIRTIO_OFF(fwd_cnt));
}

static void encode_virtio(const struct nsv_virtio_hdr *v, uint8_t *p)
{
	nsv_put_le64(p + NSV_VIRTIO_OFF(src_cid), v->src_cid);
	nsv_put_le64(p + NSV_VIRTIO_OFF(dst_cid), v->dst_cid);
	nsv_put_le32(p + NSV_VIRTIO_OFF(src_port), v->src_port);
	nsv_put_le32(p + NSV_VIRTIO_OFF(dst_port), v->dst_port);
	nsv_put_le32(p + NSV_VIRTIO_OFF(len), v->len);
	nsv_put_le16(p + NSV_VIRTIO_OFF(type), v->type);
	nsv_put_le16(p + NSV_VIRTIO_OFF(op), v->op);
	nsv_put_le32(p + NSV_VIRTIO_OFF(flags), v->flags);
	nsv_put_le32(p + NSV_VIRTIO_OFF(buf_alloc), v->buf_alloc);
	nsv_put_le32(p + NSV_VIRTIO_OFF(fwd_cnt), v->fwd_cnt);
}

int nsv_frame_decode(const uint8_t *buf, size_t caplen, size_t wirelen,
		     struct nsv_frame *f)
{
	static const struct nsv_frame zero_frame;
	size_t thdr_end, rest;
	int ret = 0;

	if (!f || (!buf && caplen) || wirelen < caplen)
		return -EINVAL;
	/* a copy of zeros, not memset(): GCC makes that rep stos, whose
	 * start-up was most of the decoder's time on each frame (perf) */
	*f = zero_frame;
	f->caplen = caplen;
	f->wirelen = wirelen;

	if (caplen < NSV_MON_HDR_LEN) {
		f->trunc = NSV_TRUNC_MON_HDR;
		return 0;
	}
	f->src_cid = nsv_le64(buf + NSV_MON_OFF(src_cid));
	f->dst_cid = nsv_le64(buf + NSV_MON_OFF(dst_cid));
	f->src_port = nsv_le32(buf + NSV_MON_OFF(src_port));
	f->dst_port = nsv_le32(buf + NSV_MON_OFF(dst_port));
	f->op = nsv_le16(buf + NSV_MON_OFF(op));
	f->transport = nsv_le16(buf + NSV_MON_OFF(transport));
	f->thdr_len = nsv_le16(buf + NSV_MON_OFF(len));
	f->reserved = nsv_le16(buf + NSV_MON_OFF(reserved));

	/* The transport header: only what was captured, by declared length. */
	thdr_end = NSV_MON_HDR_LEN + (size_t)f->thdr_len;
	f->thdr = buf + NSV_MON_HDR_LEN;
	f->thdr_caplen =
		(caplen < thdr_end ? caplen : thdr_end) - NSV_MON_HDR_LEN;
	if (f->thdr_caplen == 0)
		f->thdr = NULL;

	if (f->transport == NSV_TRANSPORT_VIRTIO) {
		if (f->thdr_len < NSV_VIRTIO_HDR_LEN)
			ret = -EBADMSG;
		else if (f->thdr_caplen >= NSV_VIRTIO_HDR_LEN) {
			decode_virtio(f->thdr, &f->virtio);
			f->has_virtio = true;
		}
	}

	if (caplen < thdr_end) {
		f->trunc = NSV_TRUNC_TRANSPORT_HDR;
		/* The wire may still hold a payload we did not see. */
		f->payload_len = wirelen > thdr_end ? wirelen - thdr_end : 0;
		return ret;
	}

	/* The payload is what follows the header on the wire. */
	f->payload_len = wirelen - thdr_end;
	rest = caplen - thdr_end;
	f->payload_caplen = rest;
	f->payload = rest ? buf + thdr_end : NULL;
	if (caplen < wirelen)
		f->trunc = NSV_TRUNC_PAYLOAD;
	return ret;
}

int nsv_frame_encode(const struct nsv_frame *f, uint8_t *buf, size_t len)
{
	size_t n;

	if (!f || !buf)
		return -EINVAL;
	n = NSV_MON_HDR_LEN + (f->has_virtio ? NSV_VIRTIO_HDR_LEN : 0);
	if (len < n)
		return -ENOSPC;
	nsv_put_le64(buf + NSV_MON_OFF(src_cid), f->src_cid);
	nsv_put_le64(buf + NSV_MON_OFF(dst_cid), f->dst_cid);
	nsv_put_le32(buf + NSV_MON_OFF(src_port), f->src_port);
	nsv_put_le32(buf + NSV_MON_OFF(dst_port), f->dst_port);
	nsv_put_le16(buf + NSV_MON_OFF(op), f->op);
	nsv_put_le16(buf + NSV_MON_OFF(transport), f->transport);
	nsv_put_le16(buf + NSV_MON_OFF(len), f->thdr_len);
	nsv_put_le16(buf + NSV_MON_OFF(reserved), f->reserved);
	if (f->has_virtio)
		encode_virtio(&f->virtio, buf + NSV_MON_HDR_LEN);
	return (int)n;
}

unsigned int nsv_mon_op_of(unsigned int virtio_op)
{
	switch (virtio_op) {
	case NSV_VIRTIO_OP_REQUEST:
	case NSV_VIRTIO_OP_RESPONSE:
		return NSV_MON_OP_CONNECT;
	case NSV_VIRTIO_OP_RST:
	case NSV_VIRTIO_OP_SHUTDOWN:
		return NSV_MON_OP_DISCONNECT;
	case NSV_VIRTIO_OP_RW:
		return NSV_MON_OP_PAYLOAD;
	case NSV_VIRTIO_OP_CREDIT_UPDATE:
	case NSV_VIRTIO_OP_CREDIT_REQUEST:
		return NSV_MON_OP_CONTROL;
	default:
		return NSV_MON_OP_UNKNOWN;
	}
}

static const char *const mon_ops[] = {
	[NSV_MON_OP_UNKNOWN] = "UNKNOWN",
	[NSV_MON_OP_CONNECT] = "CONNECT",
	[NSV_MON_OP_DISCONNECT] = "DISCONNECT",
	[NSV_MON_OP_CONTROL] = "CONTROL",
	[NSV_MON_OP_PAYLOAD] = "PAYLOAD",
};

static const char *const transports[] = {
	[NSV_TRANSPORT_UNKNOWN] = "UNKNOWN",
	[NSV_TRANSPORT_NO_INFO] = "NO_INFO",
	[NSV_TRANSPORT_VIRTIO] = "VIRTIO",
};

static const char *const virtio_ops[] = {
	[NSV_VIRTIO_OP_INVALID] = "INVALID",
	[NSV_VIRTIO_OP_REQUEST] = "REQUEST",
	[NSV_VIRTIO_OP_RESPONSE] = "RESPONSE",
	[NSV_VIRTIO_OP_RST] = "RST",
	[NSV_VIRTIO_OP_SHUTDOWN] = "SHUTDOWN",
	[NSV_VIRTIO_OP_RW] = "RW",
	[NSV_VIRTIO_OP_CREDIT_UPDATE] = "CREDIT_UPDATE",
	[NSV_VIRTIO_OP_CREDIT_REQUEST] = "CREDIT_REQUEST",
};

static const char *const virtio_types[] = {
	[NSV_VIRTIO_TYPE_STREAM] = "STREAM",
	[NSV_VIRTIO_TYPE_SEQPACKET] = "SEQPACKET",
};

static const char *const truncs[] = {
	[NSV_TRUNC_NONE] = "none",
	[NSV_TRUNC_MON_HDR] = "vsockmon header",
	[NSV_TRUNC_TRANSPORT_HDR] = "transport header",
	[NSV_TRUNC_PAYLOAD] = "payload",
};

#define NAME_OF(table, v) \
	((v) < sizeof(table) / sizeof((table)[0]) ? (table)[(v)] : NULL)

const char *nsv_mon_op_name(unsigned int op)
{
	return NAME_OF(mon_ops, op);
}

const char *nsv_transport_name(unsigned int transport)
{
	return NAME_OF(transports, transport);
}

const char *nsv_virtio_op_name(unsigned int op)
{
	return NAME_OF(virtio_ops, op);
}

const char *nsv_virtio_type_name(unsigned int type)
{
	return NAME_OF(virtio_types, type);
}

const char *nsv_trunc_name(enum nsv_trunc t)
{
	return NAME_OF(truncs, (unsigned int)t);
}

static int lookup(const char *const *table, size_t n, const char *name)
{
	size_t i;

	if (!name)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (table[i] && !strcasecmp(table[i], name))
			return (int)i;
	return -EINVAL;
}

int nsv_virtio_op_lookup(const char *name)
{
	return lookup(virtio_ops, sizeof(virtio_ops) / sizeof(virtio_ops[0]),
		      name);
}

int nsv_virtio_type_lookup(const char *name)
{
	return lookup(virtio_types,
		      sizeof(virtio_types) / sizeof(virtio_types[0]), name);
}

int nsv_virtio_flags_format(unsigned int op, unsigned int type, uint32_t flags,
			    char *buf, size_t len)
{
	const char *lo = NULL, *hi = NULL;
	size_t n = 0;
	int w;

	if (!buf || !len)
		return -EINVAL;
	buf[0] = '\0';
	if (op == NSV_VIRTIO_OP_SHUTDOWN) {
		lo = "rcv";
		hi = "send";
	} else if (op == NSV_VIRTIO_OP_RW &&
		   type == NSV_VIRTIO_TYPE_SEQPACKET) {
		lo = "eom";
		hi = "eor";
	}
	if (lo) {
		uint32_t known = flags & 0x3;

		w = snprintf(buf, len, "%s%s%s", known & 1 ? lo : "",
			     known == 3 ? "|" : "", known & 2 ? hi : "");
		if (w < 0 || (size_t)w >= len)
			return -ENOSPC;
		n = (size_t)w;
		flags &= ~0x3U;
	}
	if (flags) {
		w = snprintf(buf + n, len - n, "%s0x%x", n ? "|" : "", flags);
		if (w < 0 || (size_t)w >= len - n)
			return -ENOSPC;
		n += (size_t)w;
	}
	return (int)n;
}
