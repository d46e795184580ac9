/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnsvsock: the frames of a vsockmon device: layout, decoder, names. */
#ifndef NSV_PROTO_H
#define NSV_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* pcap LINKTYPE_VSOCK / DLT_VSOCK, and the ARPHRD of a vsockmon device. */
#define NSV_DLT_VSOCK 271
#define NSV_ARPHRD_VSOCKMON 826

/* One captured frame as it comes out of libpcap (live or from a file). */
struct nsv_pkt {
	int64_t sec;
	uint32_t nsec;
	uint32_t caplen;
	uint32_t wirelen;
	const uint8_t *data;
};

/* Sizes of the headers on a vsockmon device (all little-endian). */
#define NSV_MON_HDR_LEN 32
#define NSV_VIRTIO_HDR_LEN 44

/* af_vsockmon_hdr.op */
enum nsv_mon_op {
	NSV_MON_OP_UNKNOWN = 0,
	NSV_MON_OP_CONNECT = 1,
	NSV_MON_OP_DISCONNECT = 2,
	NSV_MON_OP_CONTROL = 3,
	NSV_MON_OP_PAYLOAD = 4,
};

/* af_vsockmon_hdr.transport */
enum nsv_mon_transport {
	NSV_TRANSPORT_UNKNOWN = 0,
	NSV_TRANSPORT_NO_INFO = 1,
	NSV_TRANSPORT_VIRTIO = 2,
};

/* virtio_vsock_hdr.type */
enum nsv_virtio_type {
	NSV_VIRTIO_TYPE_STREAM = 1,
	NSV_VIRTIO_TYPE_SEQPACKET = 2,
};

/* virtio_vsock_hdr.op */
enum nsv_virtio_op {
	NSV_VIRTIO_OP_INVALID = 0,
	NSV_VIRTIO_OP_REQUEST = 1,
	NSV_VIRTIO_OP_RESPONSE = 2,
	NSV_VIRTIO_OP_RST = 3,
	NSV_VIRTIO_OP_SHUTDOWN = 4,
	NSV_VIRTIO_OP_RW = 5,
	NSV_VIRTIO_OP_CREDIT_UPDATE = 6,
	NSV_VIRTIO_OP_CREDIT_REQUEST = 7,
};

/* virtio_vsock_hdr.flags: SHUTDOWN ops, then RW ops on SEQPACKET. */
#define NSV_VIRTIO_SHUTDOWN_RCV 0x1
#define NSV_VIRTIO_SHUTDOWN_SEND 0x2
#define NSV_VIRTIO_SEQ_EOM 0x1
#define NSV_VIRTIO_SEQ_EOR 0x2

/* Where a frame ends before its declared end. */
enum nsv_trunc {
	NSV_TRUNC_NONE = 0,	 /* everything that was on the wire is here */
	NSV_TRUNC_MON_HDR,	 /* af_vsockmon_hdr cut short */
	NSV_TRUNC_TRANSPORT_HDR, /* transport header cut short */
	NSV_TRUNC_PAYLOAD,	 /* payload cut short (snaplen) */
};

struct nsv_virtio_hdr {
	uint64_t src_cid;
	uint64_t dst_cid;
	uint32_t src_port;
	uint32_t dst_port;
	uint32_t len; /* payload length the sender declared */
	uint16_t type;
	uint16_t op;
	uint32_t flags;
	uint32_t buf_alloc;
	uint32_t fwd_cnt;
};

/*
 * A decoded frame. Pointers point into the caller's buffer, which must
 * outlive the struct. Fields past the truncation point are zero.
 */
struct nsv_frame {
	/* af_vsockmon_hdr */
	uint64_t src_cid;
	uint64_t dst_cid;
	uint32_t src_port;
	uint32_t dst_port;
	uint16_t op;	     /* enum nsv_mon_op */
	uint16_t transport;  /* enum nsv_mon_transport */
	uint16_t thdr_len;   /* transport header length, as declared */
	uint16_t reserved;

	bool has_virtio;     /* transport VIRTIO with a whole virtio header */
	struct nsv_virtio_hdr virtio;

	const uint8_t *thdr; /* transport header bytes that were captured */
	size_t thdr_caplen;

	const uint8_t *payload; /* payload bytes that were captured */
	size_t payload_caplen;
	size_t payload_len;	/* payload bytes on the wire */

	size_t caplen;		/* bytes captured */
	size_t wirelen;		/* bytes on the wire */
	enum nsv_trunc trunc;
};

/**
 * nsv_frame_decode - decode af_vsockmon_hdr, transport header and payload
 * @buf: captured bytes
 * @caplen: how many bytes of @buf are valid
 * @wirelen: frame length on the wire (>= @caplen; pass @caplen if unknown)
 * @f: result
 *
 * Never reads past @caplen. A frame cut short by the capture is decoded as far
 * as it goes and reported in @f->trunc; that is not an error. An unknown or
 * NO_INFO transport header is skipped by its declared length.
 * Returns 0, or -EINVAL when @wirelen < @caplen or @buf is NULL with a
 * non-zero @caplen, or -EBADMSG when a virtio transport header declares a
 * length shorter than struct virtio_vsock_hdr: then @f is filled as for an
 * unknown transport (has_virtio false) so the header can still be shown.
 */
int nsv_frame_decode(const uint8_t *buf, size_t caplen, size_t wirelen,
		     struct nsv_frame *f);

/* Names; each returns NULL for a value it does not know. */
const char *nsv_mon_op_name(unsigned int op);
const char *nsv_transport_name(unsigned int transport);
const char *nsv_virtio_op_name(unsigned int op);
const char *nsv_virtio_type_name(unsigned int type);
const char *nsv_trunc_name(enum nsv_trunc t);

/** nsv_virtio_op_lookup - op number for a name (case-insensitive), or -EINVAL */
int nsv_virtio_op_lookup(const char *name);

/** nsv_virtio_type_lookup - type number for a name, or -EINVAL */
int nsv_virtio_type_lookup(const char *name);

/**
 * nsv_virtio_flags_format - name the flags of a virtio header
 *
 * SHUTDOWN: "rcv", "send", "rcv|send"; RW on SEQPACKET: "eom", "eor",
 * "eom|eor". Unknown bits, and any flag where the op defines none, print as
 * hex ("0x10"). No flags give "". Returns the length or -ENOSPC.
 */
int nsv_virtio_flags_format(unsigned int op, unsigned int type, uint32_t flags,
			    char *buf, size_t len);

/* Little-endian loads that do not care about alignment. */
static inline uint16_t nsv_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t nsv_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t nsv_le64(const uint8_t *p)
{
	return (uint64_t)nsv_le32(p) | (uint64_t)nsv_le32(p + 4) << 32;
}

/* Little-endian stores, the inverse of the loads above. */
static inline void nsv_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void nsv_put_le32(uint8_t *p, uint32_t v)
{
	nsv_put_le16(p, (uint16_t)v);
	nsv_put_le16(p + 2, (uint16_t)(v >> 16));
}

static inline void nsv_put_le64(uint8_t *p, uint64_t v)
{
	nsv_put_le32(p, (uint32_t)v);
	nsv_put_le32(p + 4, (uint32_t)(v >> 32));
}

#endif /* NSV_PROTO_H */
