// SPDX-License-Identifier: LGPL-2.1-or-later
/* libpcap for vsock frames: live captures, pcap/pcapng files, several merged. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "filter.h"
#include "pcapio.h"
#include "proto.h"
#include "source.h"

#define FILE_BUF (1024 * 1024)
#define SNAP_SLACK 64
#define LIVE_TIMEOUT_MS 200

struct nsv_pcap {
	pcap_t *p;
	FILE *f; /* a file being read, closed by pcap_close() */
	char *fbuf; /* its stdio buffer, freed after that */
	/* a classic pcap file walked in place (see map_records()) */
	const uint8_t *map;
	size_t maplen, off, dropped_to;
	bool swapped, map_nano;
	volatile sig_atomic_t stop;
	char err[PCAP_ERRBUF_SIZE];
	bool live;
	bool immediate; /* live: each frame at once, not a block at a time */
	bool nano; /* libpcap hands us nanoseconds in tv_usec */
	bool offline_filter;
	unsigned int snaplen; /* what the user asked for */
	struct bpf_program prog;
	nsv_pkt_cb cb;
	void *user;
	unsigned long count, delivered;
	char *path; /* of a file */
	/* files merged by time stamp: each one's next frame in head[] */
	struct nsv_pcap **subs;
	struct nsv_pkt *head;
	bool *have;
	unsigned int nsubs, cur;
	bool primed;
};

static void copy_err(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
}

/* libpcap's PCAP_ERROR_* into -errno, once, at the boundary. */
static int pcap_errno(int status)
{
	switch (status) {
	case PCAP_ERROR_PERM_DENIED:
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		return -EPERM;
	case PCAP_ERROR_NO_SUCH_DEVICE:
		return -ENODEV;
	case PCAP_ERROR_IFACE_NOT_UP:
		return -ENETDOWN;
	case PCAP_ERROR_RFMON_NOTSUP:
	case PCAP_ERROR_CANTSET_TSTAMP_TYPE:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

static int check_dlt(pcap_t *p, const char *what, char *err, size_t errlen)
{
	int dlt = pcap_datalink(p);
	const char *name;

	if (dlt == NSV_DLT_VSOCK)
		return 0;
	name = pcap_datalink_val_to_name(dlt);
	if (err)
		snprintf(err, errlen,
			 "%s: link type %s (%d), not VSOCK (%d): not a "
			 "vsockmon capture",
			 what, name ? name : "unknown", dlt, NSV_DLT_VSOCK);
	return -EMEDIUMTYPE;
}

int nsv_pcap_open_live(struct nsv_pcap **out, const struct nsv_live_opts *o,
		       char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct nsv_pcap *c;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->live = true;
	c->immediate = o->immediate;
	c->p = pcap_create(o->ifname, ebuf);
	if (!c->p) {
		copy_err(err, errlen, ebuf);
		r = -ENODEV;
		goto fail;
	}
	/*
	 * In immediate mode libpcap uses TPACKET_V2, whose frames it sizes
	 * 16 bytes short for this link type: -s 60 kept 44. Ask for some
	 * slack and cut frames to the exact length here.
	 */
	c->snaplen = o->snaplen ? o->snaplen : NSV_SNAPLEN_MAX;
	pcap_set_snaplen(c->p, c->snaplen + SNAP_SLACK < NSV_SNAPLEN_MAX ?
				       (int)(c->snaplen + SNAP_SLACK) :
				       NSV_SNAPLEN_MAX);
	pcap_set_promisc(c->p, 0);
	/* 64 KiB frames overflow libpcap's default 2 MiB ring at once. */
	pcap_set_buffer_size(c->p,
			     o->bufsize ? (int)o->bufsize : 32 * 1024 * 1024);
	pcap_set_immediate_mode(c->p, o->immediate);
	pcap_set_timeout(c->p, LIVE_TIMEOUT_MS);
	pcap_set_tstamp_precision(c->p, PCAP_TSTAMP_PRECISION_NANO);
	r = pcap_activate(c->p);
	if (r < 0) {
		const char *msg = pcap_geterr(c->p);

		if (err)
			snprintf(err, errlen, "%s: %s%s%s", o->ifname,
				 pcap_statustostr(r), msg && *msg ? ": " : "",
				 msg ? msg : "");
		r = pcap_errno(r);
		goto fail;
	}
	c->nano = pcap_get_tstamp_precision(c->p) == PCAP_TSTAMP_PRECISION_NANO;
	r = check_dlt(c->p, o->ifname, err, errlen);
	if (r < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	if (c->p)
		pcap_close(c->p);
	free(c);
	return r;
}

static uint32_t swap32(uint32_t v)
{
	return v >> 24 | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | v << 24;
}

/*
 * libpcap reads each record of a file with two fread() calls: the kernel
 * copies the file into stdio's buffer, stdio copies it into libpcap's. For a
 * classic pcap file (libpcap has opened and checked it) we walk the records
 * in a read-only mapping instead and hand out pointers into it, with
 * libpcap's own checks and messages. pcapng, pipes and odd variants stay
 * with libpcap's reader.
 */
static void map_records(struct nsv_pcap *c, const char *path)
{
	uint32_t magic, major, minor;
	struct stat st;
	void *m;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < 24 ||
	    (uint64_t)st.st_size > SIZE_MAX) {
		close(fd);
		return;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return;
	memcpy(&magic, m, 4);
	c->swapped = magic == swap32(NSV_PCAP_MAGIC_USEC) ||
		     magic == swap32(NSV_PCAP_MAGIC_NSEC);
	if (c->swapped)
		magic = swap32(magic);
	major = nsv_le16((const uint8_t *)m + 4);
	minor = nsv_le16((const uint8_t *)m + 6);
	if (c->swapped != (nsv_le16((const uint8_t *)"\1\0") != 1)) {
		major = (major >> 8 | major << 8) & 0xffff;
		minor = (minor >> 8 | minor << 8) & 0xffff;
	}
	if ((magic != NSV_PCAP_MAGIC_USEC && magic != NSV_PCAP_MAGIC_NSEC) ||
	    major != 2 || minor != 4) {
		munmap(m, (size_t)st.st_size);
		return;
	}
	madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
	c->map = m;
	c->maplen = (size_t)st.st_size;
	c->off = c->dropped_to = 24;
	c->map_nano = magic == NSV_PCAP_MAGIC_NSEC;
}

static void unmap(struct nsv_pcap *c)
{
	if (c->map)
		munmap((void *)c->map, c->maplen);
	c->map = NULL;
}

int nsv_pcap_open_file(struct nsv_pcap **out, const char *path, char *err,
		       size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct nsv_pcap *c;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	/*
	 * Our own FILE with a large buffer: libpcap reads each record with
	 * two fread() calls, and stdio's default 4 KiB buffer would make
	 * that a read(2) per frame or two.
	 */
	errno = 0;
	c->f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (c->f) {
		/* stdin outlives us: its buffer must too */
		static char stdin_buf[FILE_BUF];

		if (c->f == stdin)
			setvbuf(c->f, stdin_buf, _IOFBF, FILE_BUF);
		else if ((c->fbuf = malloc(FILE_BUF)))
			setvbuf(c->f, c->fbuf, _IOFBF, FILE_BUF);
		c->p = pcap_fopen_offline_with_tstamp_precision(
			c->f, PCAP_TSTAMP_PRECISION_NANO, ebuf);
		if (!c->p && c->f != stdin)
			fclose(c->f);
	} else {
		snprintf(ebuf, sizeof(ebuf), "%s", strerror(errno));
	}
	if (!c->p) {
		r = errno == ENOENT || errno == EACCES || errno == EISDIR ?
			    -errno :
			    -EIO;
		/* libpcap names the file in some messages, not in others */
		if (err && strncmp(ebuf, path, strlen(path)))
			snprintf(err, errlen, "%s: %s", path, ebuf);
		else
			copy_err(err, errlen, ebuf);
		free(c->fbuf);
		free(c);
		return r;
	}
	c->nano = true;
	c->snaplen = (unsigned int)pcap_snapshot(c->p);
	r = check_dlt(c->p, path, err, errlen);
	if (r < 0) {
		pcap_close(c->p); /* closes c->f too */
		free(c->fbuf);
		free(c);
		return r;
	}
	c->path = strdup(path);
	if (c->f != stdin)
		map_records(c, path);
	*out = c;
	return 0;
}

int nsv_pcap_set_filter(struct nsv_pcap *p, const struct nsv_bpf_prog *prog)
{
	struct bpf_program bp = {
		.bf_len = prog->len,
		.bf_insns = (struct bpf_insn *)prog->insns,
	};
	struct bpf_insn *copy;

	_Static_assert(sizeof(struct nsv_bpf_insn) == sizeof(struct bpf_insn),
		       "struct nsv_bpf_insn must match struct bpf_insn");
	for (unsigned int i = 0; i < p->nsubs; i++) {
		int r = nsv_pcap_set_filter(p->subs[i], prog);

		if (r < 0)
			return r;
	}
	if (p->subs)
		return 0;
	if (p->live) {
		/* libpcap validates it and attaches it to the socket */
		if (pcap_setfilter(p->p, &bp) < 0)
			return -EINVAL;
		return 0;
	}
	copy = malloc(prog->len * sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, prog->insns, prog->len * sizeof(*copy));
	free(p->prog.bf_insns);
	p->prog.bf_len = prog->len;
	p->prog.bf_insns = copy;
	p->offline_filter = true;
	return 0;
}

/* A frame of libpcap's as ours, if the filter takes it. */
static bool take(struct nsv_pcap *p, const struct pcap_pkthdr *h,
		 const u_char *data, struct nsv_pkt *pkt)
{
	if (p->offline_filter && !pcap_offline_filter(&p->prog, h, data))
		return false;
	*pkt = (struct nsv_pkt){
		.sec = h->ts.tv_sec,
		.nsec = p->nano ? (uint32_t)h->ts.tv_usec :
				  (uint32_t)h->ts.tv_usec * 1000,
		.caplen = h->caplen,
	};
	if (p->live && pkt->caplen > p->snaplen)
		pkt->caplen = p->snaplen;
	/* a file may claim less on the wire than it holds */
	pkt->wirelen = h->len < h->caplen ? h->caplen : h->len;
	pkt->data = data;
	return true;
}

static void trampoline(u_char *user, const struct pcap_pkthdr *h,
		       const u_char *data)
{
	struct nsv_pcap *p = (struct nsv_pcap *)user;
	struct nsv_pkt pkt;

	if (!take(p, h, data, &pkt))
		return;
	p->cb(&pkt, p->user);
	if (++p->delivered == p->count) {
		p->stop = 1;
		if (p->p)
			pcap_breakloop(p->p);
	}
}

/*
 * The next record of a mapped file, as libpcap's sf_next_packet() sees it:
 * 1, 0 at the end, -EIO with libpcap's message for a broken file.
 */
static int map_next(struct nsv_pcap *p, struct nsv_pkt *pkt, uint32_t *len)
{
	const uint8_t *m = p->map;
	size_t left = p->maplen - p->off;
	uint32_t r[4];

	if (!left)
		return 0;
	if (left < sizeof(r)) {
		snprintf(p->err, sizeof(p->err),
			 "truncated dump file; tried to read %zu header "
			 "bytes, only got %zu",
			 sizeof(r), left);
		return -EIO;
	}
	memcpy(r, m + p->off, sizeof(r));
	if (p->swapped) {
		r[0] = swap32(r[0]);
		r[1] = swap32(r[1]);
		r[2] = swap32(r[2]);
		r[3] = swap32(r[3]);
	}
	/* libpcap's limits and words, so both readers agree */
	if (r[2] > NSV_SNAPLEN_MAX) {
		if (r[2] > p->snaplen)
			snprintf(p->err, sizeof(p->err),
				 "invalid packet capture length %u, "
				 "bigger than snaplen of %u",
				 r[2], p->snaplen);
		else
			snprintf(p->err, sizeof(p->err),
				 "invalid packet capture length %u, "
				 "bigger than maximum of %u",
				 r[2], (unsigned int)NSV_SNAPLEN_MAX);
		return -EIO;
	}
	left -= sizeof(r);
	if (left < r[2]) {
		snprintf(p->err, sizeof(p->err),
			 "truncated dump file; tried to read %u "
			 "captured bytes, only got %zu",
			 r[2] > p->snaplen && left < p->snaplen ? p->snaplen :
								  r[2],
			 left);
		return -EIO;
	}
	/* the next record's header and frame while we print this one:
	 * jumping over payloads defeats the hardware prefetcher. Its
	 * headers end 92 bytes in, in a third cache line 40% of the time */
	__builtin_prefetch(m + p->off + sizeof(r) + r[2]);
	__builtin_prefetch(m + p->off + sizeof(r) + r[2] + 64);
	__builtin_prefetch(m + p->off + sizeof(r) + r[2] + sizeof(r) +
			   NSV_MON_HDR_LEN + NSV_VIRTIO_HDR_LEN - 1);
	/*
	 * Each record's place is known only from the one before it: a chain
	 * of loads that miss the TLB at each new page. Touching a page a
	 * little ahead walks its page table early (a quarter less time
	 * walking a file of mixed sizes; further ahead did worse).
	 */
	if (p->maplen - p->off > NSV_PCAP_PAGE_AHEAD)
		__builtin_prefetch(m + p->off + NSV_PCAP_PAGE_AHEAD);
	/* what libpcap and take() would hand out: at most the file's snap
	 * length, and a file may claim less on the wire than it holds */
	pkt->sec = (time_t)(int32_t)r[0];
	pkt->nsec = p->map_nano ? r[1] : r[1] * 1000;
	pkt->caplen = r[2] > p->snaplen ? p->snaplen : r[2];
	pkt->wirelen = r[3] < pkt->caplen ? pkt->caplen : r[3];
	pkt->data = m + p->off + sizeof(r);
	pkt->piped = 0; /* a file's frames are all in memory */
	*len = r[3];
	/*
	 * Keep what we map to a window: RSS must not grow with the file. Up
	 * to this record only: its bytes are read after we return, and a
	 * page dropped here would be mapped again (with its neighbours) and
	 * stay: 24 MB over a 1.5 GB file.
	 */
	if (p->off - p->dropped_to > NSV_PCAP_MAP_WINDOW) {
		size_t pg = (size_t)sysconf(_SC_PAGESIZE);
		size_t to = p->off / pg * pg;
		size_t from = p->dropped_to / pg * pg;

		madvise((void *)(m + from), to - from, MADV_DONTNEED);
		p->dropped_to = to;
	}
	p->off += sizeof(r) + r[2];
	return 1;
}

/* Whether the filter of a file takes a mapped frame (@len: as recorded). */
static bool map_take(struct nsv_pcap *p, const struct nsv_pkt *pkt,
		     uint32_t len)
{
	struct pcap_pkthdr h = { .caplen = pkt->caplen, .len = len };

	return !p->offline_filter ||
	       pcap_offline_filter(&p->prog, &h, pkt->data);
}

/* Frames straight to the callback: no libpcap header to convert. */
static int map_loop(struct nsv_pcap *p)
{
	struct nsv_pkt pkt;
	uint32_t len;
	int r;

	while (!p->stop) {
		r = map_next(p, &pkt, &len);
		if (r <= 0)
			return r;
		if (!map_take(p, &pkt, len))
			continue;
		p->cb(&pkt, p->user);
		if (++p->delivered == p->count)
			break;
	}
	p->stop = 0;
	return 0;
}

/* The next frame of one file that passes its filter: 1, 0 at the end, -EIO. */
static int file_next(struct nsv_pcap *p, struct nsv_pkt *pkt)
{
	struct pcap_pkthdr *hp;
	const u_char *data;
	uint32_t len;
	int r;

	if (p->map) {
		do {
			r = map_next(p, pkt, &len);
			if (r <= 0)
				return r;
		} while (!map_take(p, pkt, len));
		return 1;
	}
	do {
		r = pcap_next_ex(p->p, &hp, &data);
		if (r == PCAP_ERROR_BREAK)
			return 0;
		if (r < 0)
			return -EIO;
		if (r == 0)
			return 0;
	} while (!take(p, hp, data, pkt));
	return 1;
}

static bool earlier(const struct nsv_pkt *a, const struct nsv_pkt *b)
{
	return a->sec < b->sec || (a->sec == b->sec && a->nsec < b->nsec);
}

/* Files merged: the earliest head next; on a tie, the file named first. */
static long merge_loop(struct nsv_pcap *p)
{
	unsigned int i, best;
	int r;

	for (i = 0; !p->primed && i < p->nsubs; i++) {
		r = file_next(p->subs[i], &p->head[i]);
		p->have[i] = r > 0;
		if (r < 0) {
			p->cur = i;
			return -EIO;
		}
	}
	p->primed = true;
	while (!p->stop) {
		best = p->nsubs;
		for (i = 0; i < p->nsubs; i++)
			if (p->have[i] &&
			    (best == p->nsubs ||
			     earlier(&p->head[i], &p->head[best])))
				best = i;
		if (best == p->nsubs)
			break;
		p->cur = best;
		p->cb(&p->head[best], p->user);
		r = file_next(p->subs[best], &p->head[best]);
		p->have[best] = r > 0;
		if (r < 0)
			return -EIO;
		if (++p->delivered == p->count)
			break;
	}
	p->stop = 0;
	return (long)p->delivered;
}

/*
 * Without immediate mode the kernel hands frames over a block at a time
 * (TPACKET_V3): when the capture stops, the block still filling holds the
 * last frames until the block timeout retires it. Wait for that, take them.
 */
static void drain(struct nsv_pcap *p)
{
	struct timespec ts = { 0, (LIVE_TIMEOUT_MS + 50) * 1000000L };
	char ebuf[PCAP_ERRBUF_SIZE];

	nanosleep(&ts, NULL);
	if (pcap_setnonblock(p->p, 1, ebuf) < 0)
		return;
	while (p->delivered < p->count &&
	       pcap_dispatch(p->p, -1, trampoline, (u_char *)p) > 0)
		;
	pcap_setnonblock(p->p, 0, ebuf);
}

long nsv_pcap_loop(struct nsv_pcap *p, unsigned long count, nsv_pkt_cb cb,
		   void *user)
{
	int r;

	p->cb = cb;
	p->user = user;
	p->count = count;
	p->delivered = 0;
	if (count == 0)
		p->count = (unsigned long)-1;
	if (p->subs)
		return merge_loop(p);
	if (p->map)
		return map_loop(p) < 0 ? -EIO : (long)p->delivered;
	r = pcap_loop(p->p, -1, trampoline, (u_char *)p);
	if (r == PCAP_ERROR)
		return -EIO;
	if (r == PCAP_ERROR_BREAK && p->live && !p->immediate &&
	    p->delivered < p->count)
		drain(p);
	return (long)p->delivered;
}

void nsv_pcap_break(struct nsv_pcap *p)
{
	p->stop = 1;
	if (p->p)
		pcap_breakloop(p->p);
}

int nsv_pcap_stats(struct nsv_pcap *p, struct nsv_pcap_stats *st)
{
	struct pcap_stat ps;

	if (!p->live)
		return -EOPNOTSUPP;
	if (pcap_stats(p->p, &ps) < 0)
		return -EIO;
	st->received = ps.ps_recv;
	st->dropped = ps.ps_drop;
	st->if_dropped = ps.ps_ifdrop;
	return 0;
}

const char *nsv_pcap_error(struct nsv_pcap *p)
{
	if (p->subs)
		return nsv_pcap_error(p->subs[p->cur]);
	return p->err[0] ? p->err : pcap_geterr(p->p);
}

const char *nsv_pcap_name(const struct nsv_pcap *p)
{
	if (p->subs)
		return nsv_pcap_name(p->subs[p->cur]);
	return p->path ? p->path : "";
}

unsigned int nsv_pcap_source(const struct nsv_pcap *p)
{
	return p->subs ? p->cur : 0;
}

int nsv_pcap_merge(struct nsv_pcap **out, struct nsv_pcap **files,
		   unsigned int n)
{
	struct nsv_pcap *m;
	unsigned int i;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->subs = malloc(n * sizeof(*m->subs));
	m->head = calloc(n, sizeof(*m->head));
	m->have = calloc(n, sizeof(*m->have));
	if (!m->subs || !m->head || !m->have) {
		free(m->subs);
		free(m->head);
		free(m->have);
		free(m);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		m->subs[i] = files[i];
		if (files[i]->snaplen > m->snaplen)
			m->snaplen = files[i]->snaplen;
	}
	m->nsubs = n;
	m->nano = true;
	*out = m;
	return 0;
}

unsigned int nsv_pcap_snaplen(struct nsv_pcap *p)
{
	return p->snaplen;
}

void nsv_pcap_close(struct nsv_pcap *p)
{
	unsigned int i;

	if (!p)
		return;
	for (i = 0; i < p->nsubs; i++)
		nsv_pcap_close(p->subs[i]);
	free(p->subs);
	free(p->head);
	free(p->have);
	free(p->path);
	if (p->p)
		pcap_close(p->p);
	free(p->fbuf);
	unmap(p);
	free(p->prog.bf_insns);
	free(p);
}

/* ---------------------------------------------------------- as a source */

bool nsv_bpf_match(const struct nsv_bpf_prog *prog, const struct nsv_pkt *pkt)
{
	struct bpf_program bp = {
		.bf_len = prog->len,
		.bf_insns = (struct bpf_insn *)prog->insns,
	};
	struct pcap_pkthdr h = {
		.caplen = pkt->caplen,
		.len = pkt->wirelen,
	};

	return pcap_offline_filter(&bp, &h, pkt->data) != 0;
}

static long src_loop(void *s, unsigned long count, nsv_pkt_cb cb, void *user)
{
	return nsv_pcap_loop(s, count, cb, user);
}

static void src_break(void *s)
{
	nsv_pcap_break(s);
}

static int src_set_filter(void *s, const struct nsv_bpf_prog *prog)
{
	return nsv_pcap_set_filter(s, prog);
}

static int src_stats(void *s, struct nsv_pcap_stats *st)
{
	return nsv_pcap_stats(s, st);
}

static const char *src_error(void *s)
{
	return nsv_pcap_error(s);
}

static unsigned int src_snaplen(void *s)
{
	return nsv_pcap_snaplen(s);
}

static void src_close(void *s)
{
	nsv_pcap_close(s);
}

const struct nsv_source_ops nsv_pcap_source_ops = {
	.loop = src_loop,
	.brk = src_break,
	.set_filter = src_set_filter,
	.stats = src_stats,
	.error = src_error,
	.snaplen = src_snaplen,
	.close = src_close,
};
