// SPDX-License-Identifier: LGPL-2.1-or-later
/* Printing vsockmon frames (text, hex, JSON) and the connection summary. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "digits.h"
#include "flow.h"
#include "json.h"
#include "print.h"
#include "proto.h"

/*
 * Text is formatted by hand into one large buffer written with a single
 * fwrite() when it fills: no stdio call per field, no printf per frame.
 * Names of CIDs are formatted once and cached.
 */
#define BUF_SIZE (256 * 1024)
#define LINE_MAX_TEXT 640 /* one frame's line, hex dumps apart */
#define CID_CACHE 16

struct cid_cache {
	uint64_t cid;
	bool valid;
	uint8_t len;
	char s[NSV_NAME_MAX + 1];
};

/*
 * And each CID:PORT as printed: a connection's two ends come back frame
 * after frame. Direct-mapped; an address longer than the entry is not kept.
 */
#define ADDR_CACHE 256
#define ADDR_COPY 32

struct addr_cache {
	uint64_t cid;
	uint32_t port;
	uint8_t len; /* 0: empty */
	char s[ADDR_COPY];
};

/*
 * And a connection's whole start of a line, "SRC > DST: TYPE ", for each of
 * its directions: the flow tracker says whose frame it is, and one copy
 * takes the place of two address lookups and the type's name. Flow ids
 * come in order: the connections open at a time rarely share an entry.
 */
#define LEAD_CACHE 256
#define LEAD_COPY 64

struct lead_cache {
	uint64_t key; /* flow id, direction, virtio or not; 0: empty */
	uint8_t len;
	char s[LEAD_COPY];
};

/* Flag names too: SEQPACKET traffic has them on every frame. */
#define FLAGS_CACHE 8

struct flags_cache {
	uint64_t key; /* op, type, flags; 0 is never a key with flags */
	int len;
	char s[48];
};

/* A name padded for a copy of fixed size; len 0: no name. */
struct short_name {
	char s[16];
	uint8_t len;
};

#define VIRTIO_TYPES 4
#define VIRTIO_OPS 8

struct nsv_printer {
	FILE *f;
	struct nsv_print_opts o;
	char *buf;
	size_t len, cap;
	bool have_prev, have_first;
	int64_t prev_sec, first_sec;
	uint32_t prev_nsec, first_nsec;
	bool tcache_valid;
	int64_t tcache_sec;
	size_t tcache_len;
	char tcache[40];
	struct cid_cache cids[CID_CACHE];
	struct addr_cache addrs[ADDR_CACHE];
	struct lead_cache leads[LEAD_CACHE];
	struct flags_cache flags[FLAGS_CACHE];
	/* virtio type and op names, "TYPE " and "OP", for put_short() */
	struct short_name types[VIRTIO_TYPES], ops[VIRTIO_OPS];
	struct nsv_json j;
};

static void short_name_init(struct short_name *n, const char *name,
			    const char *sep)
{
	int w;

	if (!name)
		return;
	w = snprintf(n->s, sizeof(n->s), "%s%s", name, sep);
	n->len = w > 0 && (size_t)w < sizeof(n->s) ? (uint8_t)w : 0;
}

int nsv_printer_new(struct nsv_printer **out, FILE *f,
		    const struct nsv_print_opts *o)
{
	struct nsv_printer *p = calloc(1, sizeof(*p));
	unsigned int i;

	if (!p)
		return -ENOMEM;
	p->f = f;
	p->o = *o;
	p->cap = BUF_SIZE;
	p->buf = malloc(p->cap);
	if (!p->buf) {
		free(p);
		return -ENOMEM;
	}
	nsv_json_init(&p->j, f, false);
	for (i = 0; i < VIRTIO_TYPES; i++)
		short_name_init(&p->types[i], nsv_virtio_type_name(i), " ");
	for (i = 0; i < VIRTIO_OPS; i++)
		short_name_init(&p->ops[i], nsv_virtio_op_name(i), "");
	*out = p;
	return 0;
}

/* What stdio saw go wrong (EPIPE and ENOSPC matter to callers). */
static int io_error(void)
{
	return errno > 0 ? -errno : -EIO;
}

int nsv_printer_flush(struct nsv_printer *p)
{
	errno = 0;
	if (p->len && fwrite(p->buf, 1, p->len, p->f) != p->len) {
		p->len = 0;
		return io_error();
	}
	p->len = 0;
	if (p->o.flush_each && fflush(p->f))
		return io_error();
	return ferror(p->f) ? io_error() : 0;
}

int nsv_printer_free(struct nsv_printer *p)
{
	int r;

	if (!p)
		return 0;
	r = nsv_printer_flush(p);
	free(p->buf);
	free(p);
	return r;
}

/* Room for @n more bytes; a hex dump of a big frame may grow the buffer. */
static int reserve(struct nsv_printer *p, size_t n)
{
	char *nb;

	int r;

	if (p->len + n <= p->cap)
		return 0;
	r = nsv_printer_flush(p);
	if (r < 0)
		return r;
	if (n <= p->cap)
		return 0;
	nb = realloc(p->buf, n);
	if (!nb)
		return -ENOMEM;
	p->buf = nb;
	p->cap = n;
	return 0;
}

static inline void put(struct nsv_printer *p, const char *s, size_t n)
{
	memcpy(p->buf + p->len, s, n);
	p->len += n;
}

#define PUTS(p, lit) put((p), (lit), sizeof(lit) - 1)

static inline void put_ch(struct nsv_printer *p, char c)
{
	p->buf[p->len++] = c;
}

static inline void put_str(struct nsv_printer *p, const char *s)
{
	put(p, s, strlen(s));
}

/*
 * @n <= SHORT_COPY bytes from @s, which holds SHORT_COPY readable bytes: one
 * copy of a fixed size, no branch on the length (names of random ops made
 * a variable memcpy mispredict). What is copied past @n is overwritten
 * next; nsv_print_frame() reserves LEAD_COPY (the longest such copy) bytes
 * of room beyond a line.
 */
#define SHORT_COPY 16

static inline void put_short(struct nsv_printer *p, const char *s, size_t n)
{
	memcpy(p->buf + p->len, s, SHORT_COPY);
	p->len += n;
}

static inline void put_u64(struct nsv_printer *p, uint64_t v)
{
	p->len += nsv_utoa(p->buf + p->len, v);
}

static inline void put_i64(struct nsv_printer *p, int64_t v)
{
	if (v < 0) {
		put_ch(p, '-');
		put_u64(p, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u64(p, (uint64_t)v);
	}
}

/* @v in exactly @w digits, zero-padded. */
static inline void put_pad(struct nsv_printer *p, uint64_t v, int w)
{
	nsv_utoa_pad(p->buf + p->len, v, (unsigned int)w);
	p->len += (size_t)w;
}

/* ".uuuuuu" or ".nnnnnnnnn": on every line, three digits at a time. */
static inline void put_frac(struct nsv_printer *p, uint32_t nsec)
{
	char *s = p->buf + p->len;
	uint32_t v = nsec % 1000000000;

	*s++ = '.';
	if (p->o.nano) {
		nsv_utoa3(s, v / 1000000);
		s += 3;
		v %= 1000000;
	} else {
		v /= 1000;
	}
	nsv_utoa3(s, v / 1000);
	nsv_utoa3(s + 3, v % 1000);
	p->len += p->o.nano ? 10 : 7;
}

/*
 * The caches of formatted text (addresses, starts of lines): an entry is
 * copied at its fixed size, see put_short(); what was just printed from
 * @start is kept in one if it fits @cap.
 */
static inline void put_kept(struct nsv_printer *p, const char *s, size_t cap,
			    uint8_t len)
{
	memcpy(p->buf + p->len, s, cap);
	p->len += len;
}

static inline bool keep(const struct nsv_printer *p, size_t start, char *s,
			size_t cap, uint8_t *len)
{
	if (p->len - start > cap)
		return false;
	memcpy(s, p->buf + start, p->len - start);
	*len = (uint8_t)(p->len - start);
	return true;
}

static void put_cid(struct nsv_printer *p, uint64_t cid)
{
	struct cid_cache *c = &p->cids[cid % CID_CACHE];
	int n;

	if (cid > UINT32_MAX) {
		put_u64(p, cid);
		return;
	}
	if (!c->valid || c->cid != cid) {
		n = nsv_names_cid_format(p->o.names, (uint32_t)cid, p->o.fmt,
					 c->s, sizeof(c->s));
		if (n < 0)
			n = 0;
		c->len = (uint8_t)n;
		c->cid = cid;
		c->valid = true;
	}
	if (c->len <= SHORT_COPY)
		put_short(p, c->s, c->len);
	else
		put(p, c->s, c->len);
}

static void put_port(struct nsv_printer *p, uint32_t port)
{
	if (port == NSV_PORT_ANY)
		put_ch(p, '*');
	else
		put_u64(p, port);
}

/* CID:PORT, from the cache when it was printed before. */
static inline void put_addr(struct nsv_printer *p, uint64_t cid, uint32_t port)
{
	uint64_t h = (cid + ((uint64_t)port << 32)) * 0x9e3779b97f4a7c15ULL;
	struct addr_cache *c = &p->addrs[h >> 56];
	size_t start;

	_Static_assert(ADDR_CACHE == 256, "the hash keeps 8 bits");
	if (c->len && c->cid == cid && c->port == port) {
		put_kept(p, c->s, ADDR_COPY, c->len);
		return;
	}
	start = p->len;
	put_cid(p, cid);
	put_ch(p, ':');
	put_port(p, port);
	if (!keep(p, start, c->s, ADDR_COPY, &c->len))
		return;
	c->cid = cid;
	c->port = port;
}

/* ------------------------------------------------------------- time stamps */

static void put_hms_delta(struct nsv_printer *p, int64_t s0, uint32_t n0,
			  int64_t s1, uint32_t n1)
{
	int64_t sec = s1 - s0;
	int64_t nsec = (int64_t)n1 - (int64_t)n0;

	if (nsec < 0) {
		nsec += 1000000000;
		sec--;
	}
	if (sec < 0) { /* frames out of order */
		put_ch(p, '-');
		sec = -sec - (nsec ? 1 : 0);
		nsec = nsec ? 1000000000 - nsec : 0;
	}
	if (sec / 3600 < 100)
		put_pad(p, (uint64_t)(sec / 3600), 2);
	else
		put_u64(p, (uint64_t)(sec / 3600));
	put_ch(p, ':');
	put_pad(p, (uint64_t)(sec / 60 % 60), 2);
	put_ch(p, ':');
	put_pad(p, (uint64_t)(sec % 60), 2);
	put_frac(p, (uint32_t)nsec);
}

static void put_time(struct nsv_printer *p, const struct nsv_pkt *pkt)
{
	struct tm tm;
	time_t t;

	switch (p->o.tstamp) {
	case NSV_TS_NONE:
		return;
	case NSV_TS_EPOCH:
		put_i64(p, pkt->sec);
		put_frac(p, pkt->nsec);
		break;
	case NSV_TS_DELTA:
		if (p->have_prev)
			put_hms_delta(p, p->prev_sec, p->prev_nsec, pkt->sec,
				      pkt->nsec);
		else
			put_hms_delta(p, pkt->sec, pkt->nsec, pkt->sec,
				      pkt->nsec);
		break;
	case NSV_TS_SINCE_FIRST:
		put_hms_delta(p, p->first_sec, p->first_nsec, pkt->sec,
			      pkt->nsec);
		break;
	case NSV_TS_TIME:
	case NSV_TS_DATE:
		if (!p->tcache_valid || p->tcache_sec != pkt->sec) {
			t = (time_t)pkt->sec;
			if (!localtime_r(&t, &tm))
				memset(&tm, 0, sizeof(tm));
			p->tcache_len = strftime(p->tcache, sizeof(p->tcache),
						 p->o.tstamp == NSV_TS_DATE ?
							 "%Y-%m-%d %H:%M:%S" :
							 "%H:%M:%S",
						 &tm);
			p->tcache_sec = pkt->sec;
			p->tcache_valid = true;
		}
		/* one copy of a fixed size: see put_short() */
		memcpy(p->buf + p->len, p->tcache, sizeof(p->tcache));
		p->len += p->tcache_len;
		put_frac(p, pkt->nsec);
		break;
	}
	put_ch(p, ' ');
}

/* ---------------------------------------------------------------- payloads */

static const char hexdig[] = "0123456789abcdef";

static inline char printable(uint8_t c)
{
	return c >= 0x20 && c < 0x7f ? (char)c : '.';
}

/* tcpdump -X: 16 bytes a line, in groups of two, then the ASCII (not -x). */
static void put_hex(struct nsv_printer *p, const uint8_t *d, size_t n)
{
	bool ascii = !p->o.hex_only;
	size_t off, i;

	for (off = 0; off < n; off += 16) {
		size_t m = n - off < 16 ? n - off : 16;

		PUTS(p, "\t0x");
		if (off > 0xffff)
			put_ch(p, hexdig[off >> 16 & 0xf]);
		put_ch(p, hexdig[off >> 12 & 0xf]);
		put_ch(p, hexdig[off >> 8 & 0xf]);
		put_ch(p, hexdig[off >> 4 & 0xf]);
		put_ch(p, hexdig[off & 0xf]);
		PUTS(p, ": ");
		for (i = 0; i < (ascii ? 16 : m); i++) {
			if (!(i & 1))
				put_ch(p, ' ');
			if (i < m) {
				put_ch(p, hexdig[d[off + i] >> 4]);
				put_ch(p, hexdig[d[off + i] & 0xf]);
			} else {
				PUTS(p, "  ");
			}
		}
		if (ascii) {
			PUTS(p, "  ");
			for (i = 0; i < m; i++)
				put_ch(p, printable(d[off + i]));
		}
		put_ch(p, '\n');
	}
}

/* tcpdump -A: printable bytes and line breaks as they are. */
static void put_ascii(struct nsv_printer *p, const uint8_t *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		put_ch(p, d[i] == '\n' ? '\n' : printable(d[i]));
	if (n && d[n - 1] != '\n')
		put_ch(p, '\n');
}

static size_t dump_room(size_t n)
{
	return (n / 16 + 1) * 80 + n + 2;
}

static void put_hex_inline(struct nsv_printer *p, const uint8_t *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		put_ch(p, hexdig[d[i] >> 4]);
		put_ch(p, hexdig[d[i] & 0xf]);
	}
}

/* ------------------------------------------------------------------- text */

/* What a frame vsockdump made itself was made from; NULL for the kernel's. */
static const char *synth_name(unsigned int synth)
{
	if (synth & NSV_SYNTH_RELAY)
		return "relay";
	switch (synth & (NSV_SYNTH_ALLOC | NSV_SYNTH_RECV)) {
	case NSV_SYNTH_ALLOC:
		return "tracepoint:alloc";
	case NSV_SYNTH_RECV:
		return "tracepoint:recv";
	case NSV_SYNTH_ALLOC | NSV_SYNTH_RECV:
		return "tracepoint:alloc+recv";
	default:
		return synth ? "vsockdump" : NULL;
	}
}

static void put_virtio_type(struct nsv_printer *p, uint16_t type)
{
	const char *name;

	if (type < VIRTIO_TYPES && p->types[type].len) {
		put_short(p, p->types[type].s, p->types[type].len);
		return;
	}
	name = nsv_virtio_type_name(type);
	if (name) {
		put_str(p, name);
	} else {
		PUTS(p, "type ");
		put_u64(p, type);
	}
	put_ch(p, ' ');
}

/* "SRC > DST: " */
static void put_ends(struct nsv_printer *p, const struct nsv_frame *f)
{
	put_addr(p, f->src_cid, f->src_port);
	PUTS(p, " > ");
	put_addr(p, f->dst_cid, f->dst_port);
	PUTS(p, ": ");
}

/* The ends and, with a virtio header, its "TYPE ". */
static void put_lead(struct nsv_printer *p, const struct nsv_frame *f)
{
	put_ends(p, f);
	if (f->has_virtio)
		put_virtio_type(p, f->virtio.type);
}

/*
 * The same from the cache for a frame of a flow: a flow's frames in one
 * direction all have the same ends and type.
 */
static inline void put_lead_cached(struct nsv_printer *p,
				   const struct nsv_frame *f,
				   const struct nsv_flow_note *note)
{
	uint64_t half = note->flow->id * 2 + (unsigned int)note->dir;
	uint64_t key = half * 2 + f->has_virtio;
	struct lead_cache *c = &p->leads[half % LEAD_CACHE];
	size_t start;

	if (c->key == key) {
		put_kept(p, c->s, LEAD_COPY, c->len);
		return;
	}
	start = p->len;
	put_lead(p, f);
	if (keep(p, start, c->s, LEAD_COPY, &c->len))
		c->key = key;
}

/* A virtio frame after its type. */
static void put_virtio(struct nsv_printer *p, const struct nsv_frame *f,
		       const struct nsv_flow_note *note)
{
	const struct nsv_virtio_hdr *v = &f->virtio;
	const char *name;
	int n;

	if (v->op < VIRTIO_OPS && p->ops[v->op].len) {
		put_short(p, p->ops[v->op].s, p->ops[v->op].len);
	} else {
		name = nsv_virtio_op_name(v->op);
		if (name) {
			put_str(p, name);
		} else {
			PUTS(p, "op ");
			put_u64(p, v->op);
		}
	}
	if (v->flags) {
		uint64_t key = (uint64_t)v->flags << 32 |
			       (uint32_t)v->type << 16 | v->op;
		struct flags_cache *c =
			&p->flags[(v->flags ^ v->op) % FLAGS_CACHE];

		if (c->key != key) {
			n = nsv_virtio_flags_format(v->op, v->type, v->flags,
						    c->s, sizeof(c->s));
			c->len = n > 0 ? n : 0;
			c->key = key;
		}
		if (c->len) {
			PUTS(p, " [");
			put(p, c->s, (size_t)c->len);
			put_ch(p, ']');
		}
	}
	if (!nsv_frame_seq_flags_known(f))
		PUTS(p, " [eom/eor unknown]");
	PUTS(p, ", length ");
	put_u64(p, v->len);
	if (f->payload_len != v->len) {
		PUTS(p, " (frame has ");
		put_u64(p, f->payload_len);
		put_ch(p, ')');
	}
	/* The two headers name the ends twice; say so if they disagree. */
	if (v->src_cid != f->src_cid || v->dst_cid != f->dst_cid ||
	    v->src_port != f->src_port || v->dst_port != f->dst_port) {
		PUTS(p, ", virtio ");
		put_cid(p, v->src_cid);
		put_ch(p, ':');
		put_port(p, v->src_port);
		PUTS(p, " > ");
		put_cid(p, v->dst_cid);
		put_ch(p, ':');
		put_port(p, v->dst_port);
	}
	if (p->o.verbose < 1)
		return;
	if (!nsv_frame_credit_known(f)) {
		/* the alloc tracepoint does not carry them: never make up */
		PUTS(p, ", buf_alloc ?, fwd_cnt ? (alloc event only)");
	} else {
		PUTS(p, ", buf_alloc ");
		put_u64(p, v->buf_alloc);
		PUTS(p, ", fwd_cnt ");
		put_u64(p, v->fwd_cnt);
	}
	if (note && note->credit_known) {
		PUTS(p, ", credit ");
		put_i64(p, note->credit);
	}
	if (note && note->peer_credit_known) {
		PUTS(p, ", peer credit ");
		put_i64(p, note->peer_credit);
	}
}

static void put_other(struct nsv_printer *p, const struct nsv_frame *f)
{
	const char *name = nsv_transport_name(f->transport);

	if (name) {
		put_str(p, name);
	} else {
		PUTS(p, "transport ");
		put_u64(p, f->transport);
	}
	put_ch(p, ' ');
	name = nsv_mon_op_name(f->op);
	if (name) {
		put_str(p, name);
	} else {
		PUTS(p, "op ");
		put_u64(p, f->op);
	}
	if (f->transport == NSV_TRANSPORT_VIRTIO)
		PUTS(p, " (bad virtio header length)");
	if (f->thdr_len || f->transport != NSV_TRANSPORT_NO_INFO) {
		PUTS(p, ", header ");
		put_u64(p, f->thdr_len);
	}
	if (f->thdr_caplen) {
		PUTS(p, ": ");
		put_hex_inline(p, f->thdr, f->thdr_caplen);
	}
	PUTS(p, ", length ");
	put_u64(p, f->payload_len);
}

static int print_json(struct nsv_printer *p, uint64_t num,
		      const struct nsv_pkt *pkt, const struct nsv_frame *f,
		      const struct nsv_flow_note *note);

static size_t payload_show(const struct nsv_frame *f, const uint8_t **d)
{
	size_t n = f->payload_caplen;

	*d = f->payload;
	/* a 6.1 vhost fragment's frame repeats the rest of the packet */
	if (f->has_virtio && n > f->virtio.len)
		n = f->virtio.len;
	return n;
}

int nsv_print_frame(struct nsv_printer *p, uint64_t num,
		    const struct nsv_pkt *pkt, const struct nsv_frame *f,
		    const struct nsv_flow_note *note)
{
	const uint8_t *d;
	size_t room = LINE_MAX_TEXT + 2 * f->thdr_caplen, n = 0;
	const char *name;
	int r;

	if (!p->have_first) {
		p->have_first = true;
		p->first_sec = pkt->sec;
		p->first_nsec = pkt->nsec;
	}
	if (p->o.json) {
		r = print_json(p, num, pkt, f, note);
		goto out;
	}
	if (p->o.hex > 1)
		room += dump_room(pkt->caplen);
	else if (p->o.hex || p->o.ascii)
		room += dump_room(f->payload_caplen);
	r = reserve(p, room + LEAD_COPY);
	if (r < 0)
		return r;

	if (p->o.number) {
		put_u64(p, num);
		PUTS(p, "  ");
	}
	put_time(p, pkt);
	if (f->trunc == NSV_TRUNC_MON_HDR) {
		PUTS(p, "[|vsock]\n");
		goto dump;
	}
	if (f->trunc == NSV_TRUNC_TRANSPORT_HDR) {
		put_ends(p, f);
		/* the vsockmon header still names the kind of op */
		name = nsv_mon_op_name(f->op);
		if (name) {
			put_str(p, name);
			put_ch(p, ' ');
		}
		PUTS(p, "[|vsock]\n");
		goto dump;
	}
	if (note && note->flow)
		put_lead_cached(p, f, note);
	else
		put_lead(p, f);
	if (f->has_virtio)
		put_virtio(p, f, note);
	else
		put_other(p, f);
	if (p->o.verbose >= 2) {
		if (note && note->flow) {
			PUTS(p, ", flow ");
			put_u64(p, note->flow->id);
		}
		PUTS(p, ", vsockmon ");
		put_str(p,
			nsv_mon_op_name(f->op) ? nsv_mon_op_name(f->op) : "?");
		put_ch(p, ' ');
		put_str(p, nsv_transport_name(f->transport) ?
				   nsv_transport_name(f->transport) :
				   "?");
		PUTS(p, " hdr ");
		put_u64(p, f->thdr_len);
		name = synth_name(nsv_frame_synth(f));
		if (name) {
			PUTS(p, ", made from ");
			put_str(p, name);
		}
	}
	put_ch(p, '\n');
dump:
	if (p->o.hex > 1)
		put_hex(p, pkt->data, pkt->caplen);
	else if (f->payload_caplen && (p->o.hex || p->o.ascii)) {
		n = payload_show(f, &d);
		if (p->o.hex)
			put_hex(p, d, n);
		else
			put_ascii(p, d, n);
	}
	r = 0;
out:
	p->have_prev = true;
	p->prev_sec = pkt->sec;
	p->prev_nsec = pkt->nsec;
	if (!r && p->o.flush_each)
		r = nsv_printer_flush(p);
	return r;
}

/* ------------------------------------------------------------------- JSON */

static void json_ts(struct nsv_json *j, const char *key, int64_t sec,
		    uint32_t nsec, bool nano)
{
	char b[1 + NSV_UTOA_MAX + 1 + 10], *s = b; /* a uint32_t: 10 digits */
	uint64_t u = sec < 0 ? (uint64_t)0 - (uint64_t)sec : (uint64_t)sec;
	uint32_t frac = nano ? nsec : nsec / 1000;
	unsigned int w = nano ? 9 : 6, n = nsv_dec_digits(frac);

	/*
	 * Without snprintf (a time stamp on every line of a big capture), as
	 * "%" PRId64 ".%09u" or ".%06u" would: at least w digits, all of a
	 * fraction out of range.
	 */
	if (sec < 0)
		*s++ = '-';
	s += nsv_utoa(s, u);
	*s++ = '.';
	if (n < w) {
		memset(s, '0', w - n);
		s += w - n;
	}
	s += nsv_utoa(s, frac);
	nsv_json_strn(j, key, b, (size_t)(s - b));
}

static void json_hex(struct nsv_json *j, const char *key, const uint8_t *d,
		     size_t n)
{
	char *s = malloc(2 * n + 1);
	size_t i;

	if (!s) {
		nsv_json_null(j, key);
		return;
	}
	for (i = 0; i < n; i++) {
		s[2 * i] = hexdig[d[i] >> 4];
		s[2 * i + 1] = hexdig[d[i] & 0xf];
	}
	nsv_json_strn(j, key, s, 2 * n);
	free(s);
}

static void json_name(struct nsv_json *j, const char *key, const char *name)
{
	if (name)
		nsv_json_str(j, key, name);
	else
		nsv_json_null(j, key);
}

/* A CID as a number, and beside it ("KEY_name") its name or "any". */
static void json_cid(struct nsv_json *j, const char *key, uint64_t cid,
		     const struct nsv_print_opts *o)
{
	char name[40];
	size_t n = strlen(key);

	nsv_json_u64(j, key, cid);
	if (n > sizeof(name) - sizeof("_name"))
		n = sizeof(name) - sizeof("_name");
	memcpy(name, key, n);
	memcpy(name + n, "_name", sizeof("_name"));
	json_name(j, name,
		  cid > UINT32_MAX ?
			  NULL :
			  nsv_names_symbol(o->names, (uint32_t)cid, o->fmt));
}

static int print_json(struct nsv_printer *p, uint64_t num,
		      const struct nsv_pkt *pkt, const struct nsv_frame *f,
		      const struct nsv_flow_note *note)
{
	struct nsv_json *j = &p->j;
	const struct nsv_virtio_hdr *v = &f->virtio;
	const uint8_t *d;
	char flags[48];
	size_t n;
	int r;

	r = nsv_printer_flush(p);
	if (r < 0)
		return r;
	nsv_json_obj_begin(j, NULL);
	nsv_json_str(j, "record", "frame");
	nsv_json_u64(j, "frame", num);
	json_ts(j, "ts", pkt->sec, pkt->nsec, p->o.nano);
	nsv_json_u64(j, "caplen", pkt->caplen);
	nsv_json_u64(j, "wirelen", pkt->wirelen);
	if (f->trunc != NSV_TRUNC_MON_HDR) {
		json_cid(j, "src_cid", f->src_cid, &p->o);
		nsv_json_u64(j, "src_port", f->src_port);
		json_cid(j, "dst_cid", f->dst_cid, &p->o);
		nsv_json_u64(j, "dst_port", f->dst_port);
		nsv_json_u64(j, "op", f->op);
		json_name(j, "op_name", nsv_mon_op_name(f->op));
		nsv_json_u64(j, "transport", f->transport);
		json_name(j, "transport_name",
			  nsv_transport_name(f->transport));
		nsv_json_u64(j, "hdr_len", f->thdr_len);
		nsv_json_u64(j, "reserved", f->reserved);
		if (synth_name(nsv_frame_synth(f)))
			nsv_json_str(j, "source",
				     synth_name(nsv_frame_synth(f)));
		if (nsv_frame_synth(f) & NSV_SYNTH_RELAY)
			nsv_json_u64(j, "relay_conn", nsv_frame_relay_tag(f));
	}
	if (f->has_virtio) {
		nsv_json_obj_begin(j, "virtio");
		json_cid(j, "src_cid", v->src_cid, &p->o);
		nsv_json_u64(j, "src_port", v->src_port);
		json_cid(j, "dst_cid", v->dst_cid, &p->o);
		nsv_json_u64(j, "dst_port", v->dst_port);
		nsv_json_u64(j, "len", v->len);
		nsv_json_u64(j, "type", v->type);
		json_name(j, "type_name", nsv_virtio_type_name(v->type));
		nsv_json_u64(j, "op", v->op);
		json_name(j, "op_name", nsv_virtio_op_name(v->op));
		nsv_json_u64(j, "flags", v->flags);
		if (nsv_virtio_flags_format(v->op, v->type, v->flags, flags,
					    sizeof(flags)) < 0)
			flags[0] = '\0';
		if (nsv_frame_seq_flags_known(f)) {
			nsv_json_str(j, "flags_names", flags);
		} else {
			/* an alloc event: EOM and EOR are not in it */
			nsv_json_null(j, "flags_names");
			nsv_json_bool(j, "seq_flags_known", false);
		}
		if (nsv_frame_credit_known(f)) {
			nsv_json_u64(j, "buf_alloc", v->buf_alloc);
			nsv_json_u64(j, "fwd_cnt", v->fwd_cnt);
		} else {
			nsv_json_null(j, "buf_alloc");
			nsv_json_null(j, "fwd_cnt");
		}
		nsv_json_obj_end(j);
	} else if (f->thdr_caplen) {
		json_hex(j, "hdr", f->thdr, f->thdr_caplen);
	}
	if (f->trunc != NSV_TRUNC_MON_HDR &&
	    f->trunc != NSV_TRUNC_TRANSPORT_HDR)
		nsv_json_u64(j, "payload_len", f->payload_len);
	if (note && note->flow) {
		nsv_json_u64(j, "flow", note->flow->id);
		nsv_json_u64(j, "dir", (uint64_t)note->dir);
		if (note->credit_known)
			nsv_json_i64(j, "credit", note->credit);
		if (note->peer_credit_known)
			nsv_json_i64(j, "peer_credit", note->peer_credit);
	}
	if (f->trunc != NSV_TRUNC_NONE)
		nsv_json_str(j, "truncated", nsv_trunc_name(f->trunc));
	if (p->o.hex > 1) {
		json_hex(j, "frame_hex", pkt->data, pkt->caplen);
	} else if (p->o.hex || p->o.ascii) {
		n = payload_show(f, &d);
		if (p->o.hex)
			json_hex(j, "payload", d, n);
		else
			nsv_json_strn(j, "payload", (const char *)d, n);
	}
	errno = 0;
	r = nsv_json_obj_end(j);
	return r == -EIO && errno > 0 ? -errno : r;
}

/* ------------------------------------------------------- flow summaries */

static void fmt_addr(char *b, size_t len, uint64_t cid, uint32_t port,
		     const struct nsv_print_opts *o)
{
	if (cid > UINT32_MAX)
		snprintf(b, len, "%" PRIu64 ":%u", cid, port);
	else if (nsv_names_addr_format(o->names, (uint32_t)cid, port, o->fmt, b,
				       len) < 0)
		snprintf(b, len, "?");
}

static double flow_secs(const struct nsv_flow *fl)
{
	return (double)(fl->last_sec - fl->first_sec) +
	       ((double)fl->last_nsec - (double)fl->first_nsec) / 1e9;
}

static double zero_secs(const struct nsv_flow *fl, int d)
{
	return (double)fl->dir[d].zero_credit_ns / 1e9;
}

/* How long a sender has been at zero credit by the last frame, or -1. */
static double open_secs(const struct nsv_flow *fl, int d)
{
	const struct nsv_flow_dir *dd = &fl->dir[d];

	/* a side that never sent data is not waiting for credit */
	if (!dd->blocked || !dd->bytes || fl->state == NSV_FLOW_CLOSED ||
	    fl->state == NSV_FLOW_REFUSED)
		return -1;
	return (double)(fl->last_sec - dd->blocked_sec) +
	       ((double)fl->last_nsec - (double)dd->blocked_nsec) / 1e9;
}

static void fmt_rate(char *b, size_t len, double bytes, double secs)
{
	static const char *const units[] = { "B/s", "kB/s", "MB/s", "GB/s" };
	double r;
	int u = 0;

	if (secs <= 0) {
		snprintf(b, len, "-");
		return;
	}
	r = bytes / secs;
	while (r >= 1000 && u < 3) {
		r /= 1000;
		u++;
	}
	snprintf(b, len, "%.1f %s", r, units[u]);
}

static const char *event_name(const struct nsv_flow_event *e)
{
	if (e->op & NSV_FLOW_MON_OP)
		return nsv_mon_op_name(e->op & ~NSV_FLOW_MON_OP);
	return nsv_virtio_op_name(e->op);
}

static void fmt_event(char *b, size_t len, const struct nsv_flow *fl,
		      const struct nsv_flow_event *e)
{
	const char *op = event_name(e);
	char fl_s[48] = "", n[24] = "";

	if (e->op == NSV_VIRTIO_OP_SHUTDOWN &&
	    nsv_virtio_flags_format(e->op, fl->type, e->flags, fl_s + 1,
				    sizeof(fl_s) - 2) > 0) {
		fl_s[0] = '[';
		strcat(fl_s, "]");
	}
	if (e->count > 1)
		snprintf(n, sizeof(n), "x%u", e->count);
	snprintf(b, len, "%c%s%s%s", e->dir ? '<' : '>', op ? op : "?", fl_s,
		 n);
}

static void flow_text(FILE *out, const struct nsv_flow *fl,
		      const struct nsv_print_opts *o)
{
	char a[NSV_NAMES_ADDR_STRLEN], b[NSV_NAMES_ADDR_STRLEN], rate[32],
		ev[64];
	const char *type = nsv_virtio_type_name(fl->type);
	double secs = flow_secs(fl);
	unsigned int i;
	int d;

	fmt_addr(a, sizeof(a), fl->cid[0], fl->port[0], o);
	fmt_addr(b, sizeof(b), fl->cid[1], fl->port[1], o);
	fmt_rate(rate, sizeof(rate),
		 (double)(fl->dir[0].bytes + fl->dir[1].bytes), secs);
	fprintf(out, "flow %" PRIu64 " ", fl->id);
	if (type)
		fprintf(out, "%s ", type);
	else if (fl->type)
		fprintf(out, "type %u ", fl->type);
	else if (fl->synth & NSV_SYNTH_RELAY)
		fprintf(out, "hybrid ");
	else
		fprintf(out, "non-virtio ");
	fprintf(out, "%s > %s: %s, %.6f s, %s\n", a, b,
		nsv_flow_state_name(fl->state), secs, rate);
	fprintf(out, "  history:");
	if (!fl->nevents)
		fprintf(out, " (no handshake seen)");
	for (i = 0; i < fl->nevents; i++) {
		fmt_event(ev, sizeof(ev), fl, &fl->events[i]);
		fprintf(out, " %s", ev);
	}
	if (fl->events_lost)
		fprintf(out, " (+%" PRIu64 " more)", fl->events_lost);
	fputc('\n', out);
	for (d = 0; d < 2; d++) {
		const struct nsv_flow_dir *dd = &fl->dir[d];

		if (fl->transport == NSV_TRANSPORT_NO_INFO) {
			/* no virtio header: nothing to say about credit */
			fprintf(out,
				"  %c %" PRIu64 " frame%s, %" PRIu64 " bytes\n",
				d ? '<' : '>', dd->pkts,
				dd->pkts == 1 ? "" : "s", dd->bytes);
			continue;
		}
		fprintf(out,
			"  %c %" PRIu64 " frame%s, %" PRIu64 " bytes, %" PRIu64
			" credit updates, %" PRIu64 " credit requests, ",
			d ? '<' : '>', dd->pkts, dd->pkts == 1 ? "" : "s",
			dd->bytes, dd->credit_updates, dd->credit_requests);
		if (dd->zero_credit)
			fprintf(out,
				"stalled at zero credit %" PRIu64
				" time%s for %.6f s",
				dd->zero_credit,
				dd->zero_credit == 1 ? "" : "s",
				zero_secs(fl, d));
		else
			fprintf(out, "never stalled for credit");
		if (open_secs(fl, d) >= 0)
			fprintf(out, ", at zero credit for the last %.6f s",
				open_secs(fl, d));
		if (dd->oversized)
			fprintf(out,
				", %" PRIu64 " frame%s carried more than the "
				"packet (a 6.1 vhost split)",
				dd->oversized, dd->oversized == 1 ? "" : "s");
		fputc('\n', out);
	}
	if (fl->type && !fl->handshake && (fl->dir[0].pkts || fl->dir[1].pkts))
		fprintf(out, "  credit estimated: the capture began "
			     "mid-connection\n");
}

static void flow_json(struct nsv_json *j, const struct nsv_flow *fl,
		      const struct nsv_print_opts *o)
{
	unsigned int i;
	int d;

	nsv_json_obj_begin(j, NULL);
	nsv_json_str(j, "record", "flow");
	nsv_json_u64(j, "flow", fl->id);
	nsv_json_u64(j, "type", fl->type);
	json_name(j, "type_name", nsv_virtio_type_name(fl->type));
	json_cid(j, "src_cid", fl->cid[0], o);
	nsv_json_u64(j, "src_port", fl->port[0]);
	json_cid(j, "dst_cid", fl->cid[1], o);
	nsv_json_u64(j, "dst_port", fl->port[1]);
	nsv_json_str(j, "state", nsv_flow_state_name(fl->state));
	if (fl->synth & NSV_SYNTH_RELAY)
		nsv_json_str(j, "source", "relay");
	nsv_json_bool(j, "handshake_seen", fl->handshake);
	json_ts(j, "first", fl->first_sec, fl->first_nsec, false);
	json_ts(j, "last", fl->last_sec, fl->last_nsec, false);
	nsv_json_double(j, "duration", flow_secs(fl));
	nsv_json_arr_begin(j, "history");
	for (i = 0; i < fl->nevents; i++) {
		const struct nsv_flow_event *e = &fl->events[i];

		nsv_json_obj_begin(j, NULL);
		nsv_json_str(j, "op", event_name(e));
		nsv_json_u64(j, "dir", e->dir);
		nsv_json_u64(j, "flags", e->flags);
		nsv_json_u64(j, "count", e->count);
		json_ts(j, "ts", e->sec, e->nsec, false);
		nsv_json_obj_end(j);
	}
	nsv_json_arr_end(j);
	nsv_json_u64(j, "history_lost", fl->events_lost);
	nsv_json_arr_begin(j, "dirs");
	for (d = 0; d < 2; d++) {
		const struct nsv_flow_dir *dd = &fl->dir[d];

		nsv_json_obj_begin(j, NULL);
		nsv_json_u64(j, "frames", dd->pkts);
		nsv_json_u64(j, "bytes", dd->bytes);
		if (fl->transport == NSV_TRANSPORT_NO_INFO) {
			/* no virtio header: nothing known about credit */
			nsv_json_obj_end(j);
			continue;
		}
		nsv_json_u64(j, "credit_updates", dd->credit_updates);
		nsv_json_u64(j, "credit_requests", dd->credit_requests);
		nsv_json_u64(j, "zero_credit", dd->zero_credit);
		nsv_json_double(j, "zero_credit_secs", zero_secs(fl, d));
		if (open_secs(fl, d) >= 0)
			nsv_json_double(j, "zero_credit_open_secs",
					open_secs(fl, d));
		else
			nsv_json_null(j, "zero_credit_open_secs");
		nsv_json_u64(j, "oversized_frames", dd->oversized);
		nsv_json_obj_end(j);
	}
	nsv_json_arr_end(j);
	nsv_json_obj_end(j);
}

int nsv_flows_print(FILE *out, const struct nsv_flows *t,
		    const struct nsv_print_opts *o)
{
	size_t i, n = nsv_flows_count(t);
	struct nsv_json j;

	if (o->json) {
		nsv_json_init(&j, out, false);
		for (i = 0; i < n; i++)
			flow_json(&j, nsv_flows_get(t, i), o);
		return ferror(out) ? -EIO : 0;
	}
	fprintf(out, "%zu connection%s, %" PRIu64 " refused\n", n,
		n == 1 ? "" : "s", nsv_flows_refused(t));
	for (i = 0; i < n; i++)
		flow_text(out, nsv_flows_get(t, i), o);
	return ferror(out) ? -EIO : 0;
}
