// SPDX-License-Identifier: LGPL-2.1-or-later
/* Writing pcap and pcapng files of LINKTYPE_VSOCK frames, in host byte order. */
#include "config.h"

#include <errno.h>
#include <fcntl.h> /* splice */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "savefile.h"

/*
 * Both formats are written here rather than with libpcap's dumper: libpcap
 * writes no pcapng, and one writer for both counts the bytes of a file the
 * same way for -C. Readers take either byte order; ours is the host's.
 */
#define FILE_BUF (1024 * 1024)
#define DIRECT_MIN (16 * 1024)
#define COPY_BUF (64 * 1024)

/* pcapng block types and options (draft-ietf-opsawg-pcapng) */
#define BT_SHB 0x0a0d0d0aU
#define BT_IDB 0x00000001U
#define BT_EPB 0x00000006U
#define BYTE_ORDER_MAGIC 0x1a2b3c4dU
#define OPT_END 0
#define SHB_OS 3
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_DESCRIPTION 3
#define IF_TSRESOL 9
#define IF_FILTER 11

struct nsv_savefile {
	FILE *f;
	char *buf;
	enum nsv_savefile_format fmt;
	unsigned int nifaces;
	uint64_t size;
	int err; /* the first -errno of a write */
	bool splice; /* a regular file: splice(2) may fill it */
	uint8_t *copy; /* piped bytes on their way to a file that cannot */
};

enum nsv_savefile_format nsv_savefile_format_of(const char *path)
{
	size_t n = strlen(path);

	return n >= 7 && !strcasecmp(path + n - 7, ".pcapng") ?
		       NSV_SAVEFILE_PCAPNG :
		       NSV_SAVEFILE_PCAP;
}

/*
 * A large payload goes to the file at once, after what the buffer holds:
 * copying 64 KiB frames through it first cost a second copy of every byte
 * (a capture -w took about twice tcpdump's CPU, bench/capture.sh). Small
 * pieces collect in the buffer, a write(2) per MiB.
 */
static int put_direct(struct nsv_savefile *s, const char *p, size_t n)
{
	ssize_t w;

	if (fflush(s->f))
		return errno > 0 ? -errno : -EIO;
	while (n) {
		w = write(fileno(s->f), p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void put(struct nsv_savefile *s, const void *p, size_t n)
{
	if (s->err)
		return;
	if (n >= DIRECT_MIN && s->buf) {
		s->err = put_direct(s, p, n);
		if (!s->err)
			s->size += n;
		return;
	}
	errno = 0;
	if (n && fwrite(p, 1, n, s->f) != n) {
		s->err = errno > 0 ? -errno : -EIO;
		return;
	}
	s->size += n;
}

/*
 * Piped payload goes from the pipe into the file by splice(2): the kernel
 * copies it once, from the pipe's pages into the file's, where a read and
 * a write copied it into our memory and out again, a syscall each per
 * 64 KiB (the hybrid relay's -w, bench/hybrid-relay.sh). Returns the bytes
 * moved; where it stops short without an error, the rest is copied: a
 * file that takes no splice (EINVAL: O_APPEND, a file system without it)
 * never gets another, and for EAGAIN the copy finds out what it was.
 */
static size_t splice_in(struct nsv_savefile *s, int fd, size_t n)
{
	size_t done = 0;
	ssize_t w;

	if (fflush(s->f)) {
		s->err = errno > 0 ? -errno : -EIO;
		return 0;
	}
	while (done < n) {
		w = splice(fd, NULL, fileno(s->f), NULL, n - done,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EINVAL)
			s->splice = false;
		else if (w < 0 && errno != EAGAIN)
			s->err = -errno;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	s->size += done;
	return done;
}

/* The last @n bytes of a frame, waiting in pipe @fd. */
static void put_piped(struct nsv_savefile *s, int fd, size_t n)
{
	ssize_t r;

	if (s->err || !n)
		return;
	if (n >= DIRECT_MIN && s->splice)
		n -= splice_in(s, fd, n);
	if (s->err || !n)
		return;
	if (!s->copy && !(s->copy = malloc(COPY_BUF))) {
		s->err = -ENOMEM;
		return;
	}
	while (n && !s->err) {
		r = read(fd, s->copy, n < COPY_BUF ? n : COPY_BUF);
		if (r < 0 && errno == EINTR)
			continue;
		/* a pipe that runs dry early: its source broke its word */
		if (r <= 0) {
			s->err = -EIO;
			return;
		}
		put(s, s->copy, (size_t)r);
		n -= (size_t)r;
	}
}

static void put32(struct nsv_savefile *s, uint32_t v)
{
	put(s, &v, 4);
}

static void put16(struct nsv_savefile *s, uint16_t v)
{
	put(s, &v, 2);
}

static void pad(struct nsv_savefile *s, size_t n)
{
	static const uint8_t zero[4];

	put(s, zero, (4 - n % 4) % 4);
}

static size_t opt_size(size_t len)
{
	return 4 + (len + 3) / 4 * 4;
}

static void put_opt(struct nsv_savefile *s, uint16_t code, const void *v,
		    size_t len)
{
	put16(s, code);
	put16(s, (uint16_t)len);
	put(s, v, len);
	pad(s, len);
}

/* A string option's length: at most what its 16-bit length field holds. */
static size_t str_len(const char *v)
{
	size_t n = v ? strlen(v) : 0;

	return n > 0xfff0 ? 0xfff0 : n;
}

static void put_shb(struct nsv_savefile *s, const char *appl)
{
	struct utsname u;
	char os[2 * sizeof(u.sysname) + 2] = "";
	size_t na = str_len(appl), no, len;
	uint64_t section_len = UINT64_MAX; /* not given */

	if (uname(&u) == 0)
		snprintf(os, sizeof(os), "%s %s", u.sysname, u.release);
	no = str_len(os);
	len = 28 + (na ? opt_size(na) : 0) + (no ? opt_size(no) : 0) + 4;
	put32(s, BT_SHB);
	put32(s, (uint32_t)len);
	put32(s, BYTE_ORDER_MAGIC);
	put16(s, 1);
	put16(s, 0);
	put(s, &section_len, 8);
	if (no)
		put_opt(s, SHB_OS, os, no);
	if (na)
		put_opt(s, SHB_USERAPPL, appl, na);
	put_opt(s, OPT_END, NULL, 0);
	put32(s, (uint32_t)len);
}

static void put_idb(struct nsv_savefile *s, const struct nsv_savefile_iface *i)
{
	size_t nn = str_len(i->name), nd = str_len(i->description);
	size_t nf = str_len(i->filter), len;
	uint8_t tsresol = 9; /* nanoseconds */

	/* if_filter: a type byte, 0 for a libpcap-style expression */
	if (nf)
		nf = nf + 1 > 0xfff0 ? 0xfff0 : nf + 1;
	len = 20 + (nn ? opt_size(nn) : 0) + (nd ? opt_size(nd) : 0) +
	      (nf ? opt_size(nf) : 0) + opt_size(1) + 4;
	put32(s, BT_IDB);
	put32(s, (uint32_t)len);
	put16(s, NSV_DLT_VSOCK);
	put16(s, 0);
	put32(s, i->snaplen);
	if (nn)
		put_opt(s, IF_NAME, i->name, nn);
	if (nd)
		put_opt(s, IF_DESCRIPTION, i->description, nd);
	if (nf) {
		put16(s, IF_FILTER);
		put16(s, (uint16_t)nf);
		put(s, "", 1);
		put(s, i->filter, nf - 1);
		pad(s, nf);
	}
	put_opt(s, IF_TSRESOL, &tsresol, 1);
	put_opt(s, OPT_END, NULL, 0);
	put32(s, (uint32_t)len);
}

int nsv_savefile_open(struct nsv_savefile **out, FILE *f,
		      enum nsv_savefile_format fmt,
		      const struct nsv_savefile_iface *ifaces,
		      unsigned int nifaces, const char *appl)
{
	struct nsv_savefile *s = calloc(1, sizeof(*s));
	struct stat st;
	unsigned int i;
	int r;

	if (!s)
		return -ENOMEM;
	s->f = f;
	s->fmt = fmt;
	s->nifaces = nifaces;
	/* a large buffer: one write(2) per MiB, not per frame (stdout may
	 * have been written to: its buffer stays as it is) */
	if (f != stdout && (s->buf = malloc(FILE_BUF)))
		setvbuf(f, s->buf, _IOFBF, FILE_BUF);
	/* into a pipe or a terminal nothing is gained by splice(2); a file
	 * that takes none (O_APPEND, a file system without it) says EINVAL */
	s->splice = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode);
	if (fmt == NSV_SAVEFILE_PCAP) {
		put32(s, NSV_PCAP_MAGIC_USEC);
		put16(s, 2);
		put16(s, 4);
		put32(s, 0); /* thiszone */
		put32(s, 0); /* sigfigs */
		put32(s, nifaces ? ifaces[0].snaplen : 262144);
		put32(s, NSV_DLT_VSOCK);
	} else {
		put_shb(s, appl);
		for (i = 0; i < nifaces; i++)
			put_idb(s, &ifaces[i]);
	}
	r = s->err;
	if (r < 0) {
		nsv_savefile_close(s);
		return r;
	}
	*out = s;
	return 0;
}

int nsv_savefile_write(struct nsv_savefile *s, unsigned int iface,
		       const struct nsv_pkt *pkt)
{
	uint64_t ts;
	uint32_t h[7];

	if (s->err)
		return s->err;
	if (s->fmt == NSV_SAVEFILE_PCAP) {
		h[0] = (uint32_t)pkt->sec;
		h[1] = pkt->nsec / 1000;
		h[2] = pkt->caplen;
		h[3] = pkt->wirelen;
		put(s, h, 16);
		put(s, pkt->data, pkt->caplen - pkt->piped);
		put_piped(s, pkt->pipe_fd, pkt->piped);
		return s->err;
	}
	if (iface >= s->nifaces)
		return -EINVAL;
	ts = (uint64_t)pkt->sec * 1000000000ULL + pkt->nsec;
	h[0] = BT_EPB;
	h[1] = 32 + (pkt->caplen + 3) / 4 * 4;
	h[2] = iface;
	h[3] = (uint32_t)(ts >> 32);
	h[4] = (uint32_t)ts;
	h[5] = pkt->caplen;
	h[6] = pkt->wirelen;
	put(s, h, sizeof(h));
	put(s, pkt->data, pkt->caplen - pkt->piped);
	put_piped(s, pkt->pipe_fd, pkt->piped);
	pad(s, pkt->caplen);
	put32(s, h[1]);
	return s->err;
}

uint64_t nsv_savefile_size(const struct nsv_savefile *s)
{
	return s->size;
}

int nsv_savefile_flush(struct nsv_savefile *s)
{
	if (!s->err && fflush(s->f))
		s->err = errno > 0 ? -errno : -EIO;
	return s->err;
}

int nsv_savefile_close(struct nsv_savefile *s)
{
	int r;

	if (!s)
		return 0;
	r = nsv_savefile_flush(s);
	if (s->f != stdout && fclose(s->f) && !r)
		r = errno > 0 ? -errno : -EIO;
	free(s->buf);
	free(s->copy);
	free(s);
	return r;
}
