/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnsvsock: the frames of a vsockmon device: layout, decoder, encoder, names. */
#ifndef NSV_PROTO_H
#define NSV_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/vsockmon.h>

/* pcap LINKTYPE_VSOCK / DLT_VSOCK, and the ARPHRD of a vsockmon device. */
#define NSV_DLT_VSOCK 271
#define NSV_ARPHRD_VSOCKMON 826
/* A classic pcap file's magic, in the writer's byte order: usec or nsec. */
#define NSV_PCAP_MAGIC_USEC 0xa1b2c3d4U
#define NSV_PCAP_MAGIC_NSEC 0xa1b23c4dU

/* One captured frame as it comes out of libpcap (live or from a file). */
struct nsv_pkt {
	int64_t sec;
	uint32_t nsec;
	uint32_t caplen;
	uint32_t wirelen;
	const uint8_t *data;
	/*
	 * A source that moves payload through pipes (vsockdump's hybrid
	 * relay) may leave the last @piped of the @caplen bytes in the pipe
	 * @pipe_fd instead of copying them to @data, for a writer to move
	 * on with splice(2): then only a writer reads past caplen - @piped,
	 * and the source discards what it leaves. 0: all are in @data.
	 */
	uint32_t piped;
	int pipe_fd;
};

/*
 * A frame is the kernel's struct af_vsockmon_hdr, then the transport header
 * it announces (struct virtio_vsock_hdr for VIRTIO), then the payload. Both
 * headers are little-endian, packed, and anywhere in a capture buffer: code
 * reads and writes a field at its offsetof() with nsv_le*() and
 * nsv_put_le*(), never through a pointer to the struct.
 */
#define NSV_MON_HDR_LEN sizeof(struct af_vsockmon_hdr)
#define NSV_VIRTIO_HDR_LEN sizeof(struct virtio_vsock_hdr)
#define NSV_MON_OFF(field) offsetof(struct af_vsockmon_hdr, field)
#define NSV_VIRTIO_OFF(field) offsetof(struct virtio_vsock_hdr, field)
/* Where a virtio field is in a frame: right behind the vsockmon header. */
#define NSV_FRAME_VIRTIO_OFF(field) (NSV_MON_HDR_LEN + NSV_VIRTIO_OFF(field))

/*
 * Frames vsockdump makes itself (from the vsock tracepoints, or by relaying
 * hybrid vsock) say so in af_vsockmon_hdr.reserved, which a vsockmon device
 * always zeroes. Read as the le16 it is: the low byte is NSV_SYNTH plus what
 * the frame was made from, the high byte a relay connection's number modulo
 * 256 (0 otherwise). Other readers (Wireshark, tcpdump) show two reserved
 * bytes and decode the rest as usual.
 */
#define NSV_SYNTH 0x80 /* made by vsockdump, not by a vsockmon device */
#define NSV_SYNTH_ALLOC 0x01 /* from a virtio_transport_alloc_pkt event */
#define NSV_SYNTH_RECV 0x02 /* from a virtio_transport_recv_pkt event */
#define NSV_SYNTH_RELAY 0x04 /* recorded by the hybrid vsock relay */

/* af_vsockmon_hdr.op */
enum nsv_mon_op {
	NSV_MON_OP_UNKNOWN = AF_VSOCK_OP_UNKNOWN,
	NSV_MON_OP_CONNECT = AF_VSOCK_OP_CONNECT,
	NSV_MON_OP_DISCONNECT = AF_VSOCK_OP_DISCONNECT,
	NSV_MON_OP_CONTROL = AF_VSOCK_OP_CONTROL,
	NSV_MON_OP_PAYLOAD = AF_VSOCK_OP_PAYLOAD,
};

/* af_vsockmon_hdr.transport */
enum nsv_mon_transport {
	NSV_TRANSPORT_UNKNOWN = AF_VSOCK_TRANSPORT_UNKNOWN,
	NSV_TRANSPORT_NO_INFO = AF_VSOCK_TRANSPORT_NO_INFO,
	NSV_TRANSPORT_VIRTIO = AF_VSOCK_TRANSPORT_VIRTIO,
};

/* virtio_vsock_hdr.type */
enum nsv_virtio_type {
	NSV_VIRTIO_TYPE_STREAM = VIRTIO_VSOCK_TYPE_STREAM,
	NSV_VIRTIO_TYPE_SEQPACKET = VIRTIO_VSOCK_TYPE_SEQPACKET,
};

/* virtio_vsock_hdr.op */
enum nsv_virtio_op {
	NSV_VIRTIO_OP_INVALID = VIRTIO_VSOCK_OP_INVALID,
	NSV_VIRTIO_OP_REQUEST = VIRTIO_VSOCK_OP_REQUEST,
	NSV_VIRTIO_OP_RESPONSE = VIRTIO_VSOCK_OP_RESPONSE,
	NSV_VIRTIO_OP_RST = VIRTIO_VSOCK_OP_RST,
	NSV_VIRTIO_OP_SHUTDOWN = VIRTIO_VSOCK_OP_SHUTDOWN,
	NSV_VIRTIO_OP_RW = VIRTIO_VSOCK_OP_RW,
	NSV_VIRTIO_OP_CREDIT_UPDATE = VIRTIO_VSOCK_OP_CREDIT_UPDATE,
	NSV_VIRTIO_OP_CREDIT_REQUEST = VIRTIO_VSOCK_OP_CREDIT_REQUEST,
};

/* virtio_vsock_hdr.flags: SHUTDOWN ops, then RW ops on SEQPACKET. */
#define NSV_VIRTIO_SHUTDOWN_RCV VIRTIO_VSOCK_SHUTDOWN_RCV
#define NSV_VIRTIO_SHUTDOWN_SEND VIRTIO_VSOCK_SHUTDOWN_SEND
#define NSV_VIRTIO_SEQ_EOM VIRTIO_VSOCK_SEQ_EOM
#define NSV_VIRTIO_SEQ_EOR VIRTIO_VSOCK_SEQ_EOR

/* Where a frame ends before its declared end. */
enum nsv_trunc {
	NSV_TRUNC_NONE = 0, /* everything that was on the wire is here */
	NSV_TRUNC_MON_HDR, /* af_vsockmon_hdr cut short */
	NSV_TRUNC_TRANSPORT_HDR, /* transport header cut short */
	NSV_TRUNC_PAYLOAD, /* payload cut short (snaplen) */
};

/* struct virtio_vsock_hdr in host order. */
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
	uint16_t op; /* enum nsv_mon_op */
	uint16_t transport; /* enum nsv_mon_transport */
	uint16_t thdr_len; /* transport header length, as declared */
	uint16_t reserved;

	bool has_virtio; /* transport VIRTIO with a whole virtio header */
	struct nsv_virtio_hdr virtio;

	const uint8_t *thdr; /* transport header bytes that were captured */
	size_t thdr_caplen;

	const uint8_t *payload; /* payload bytes that were captured */
	size_t payload_caplen;
	size_t payload_len; /* payload bytes on the wire */

	size_t caplen; /* bytes captured */
	size_t wirelen; /* bytes on the wire */
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

/**
 * nsv_frame_encode - lay out the headers of @f as a vsockmon device does
 * @f: the af_vsockmon_hdr fields (@f->thdr_len is its len) and, when
 *     @f->has_virtio, @f->virtio
 * @buf: where the frame starts; @len: the room there
 *
 * Writes af_vsockmon_hdr, then struct virtio_vsock_hdr right behind it when
 * @f->has_virtio. Whatever else the header's len announces, and the
 * payload, are the caller's to write. Returns the bytes written, or -ENOSPC
 * (nothing written) when @len is too small.
 */
int nsv_frame_encode(const struct nsv_frame *f, uint8_t *buf, size_t len);

/**
 * nsv_mon_op_of - the af_vsockmon_hdr op the kernel reports for a virtio op
 *
 * REQUEST and RESPONSE are CONNECT, RST and SHUTDOWN are DISCONNECT, RW is
 * PAYLOAD, the credit ops are CONTROL, anything else UNKNOWN.
 */
unsigned int nsv_mon_op_of(unsigned int virtio_op);

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

/** nsv_frame_synth - NSV_SYNTH_* bits of a frame vsockdump made, else 0 */
static inline unsigned int nsv_frame_synth(const struct nsv_frame *f)
{
	return f->reserved & NSV_SYNTH ? f->reserved & 0xffu : 0;
}

/*
 * nsv_frame_credit_known - whether buf_alloc and fwd_cnt are real: always in
 * a vsockmon device's frame, only with a recv event in a tracepoint frame
 * (the alloc event does not carry them and they are zero there).
 */
static inline bool nsv_frame_credit_known(const struct nsv_frame *f)
{
	unsigned int s = nsv_frame_synth(f);

	return !s || (s & NSV_SYNTH_RECV);
}

/*
 * nsv_frame_seq_flags_known - whether a SEQPACKET RW's SEQ_EOM and SEQ_EOR
 * bits are real: a tracepoint alloc event is taken before the kernel sets
 * them in the header, so a frame of that event alone cannot tell
 */
static inline bool nsv_frame_seq_flags_known(const struct nsv_frame *f)
{
	return nsv_frame_credit_known(f) || !f->has_virtio ||
	       f->virtio.op != NSV_VIRTIO_OP_RW ||
	       f->virtio.type != NSV_VIRTIO_TYPE_SEQPACKET;
}

/* nsv_frame_relay_tag - a relay frame's connection number modulo 256 */
static inline unsigned int nsv_frame_relay_tag(const struct nsv_frame *f)
{
	return nsv_frame_synth(f) & NSV_SYNTH_RELAY ? f->reserved >> 8 : 0;
}

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
