/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vsockdump: live captures and pcap files, read and written with rotation. */
#ifndef NSV_PCAPIO_H
#define NSV_PCAPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* Default snapshot length: a 64 KiB payload plus both headers fits. */
#define NSV_SNAPLEN_MAX 262144

struct nsv_pcap; /* a live capture or a file being read */
struct nsv_bpf_prog;

struct nsv_live_opts {
	const char *ifname;
	unsigned int snaplen; /* 0: NSV_SNAPLEN_MAX */
	unsigned int bufsize; /* kernel ring in bytes; 0: 32 MiB */
	bool immediate; /* deliver each frame at once */
};

/**
 * nsv_pcap_open_live - start a libpcap capture on a vsockmon device
 * @err: receives libpcap's message on failure (PCAP_ERRBUF_SIZE is enough)
 *
 * Returns 0, -EMEDIUMTYPE if the device's link type is not DLT_VSOCK,
 * -EPERM, -ENODEV, or -EIO with the reason in @err.
 */
int nsv_pcap_open_live(struct nsv_pcap **out, const struct nsv_live_opts *o,
		       char *err, size_t errlen);

/**
 * nsv_pcap_open_file - read a pcap or pcapng file ("-" is stdin)
 *
 * Returns 0, -EMEDIUMTYPE if its link type is not DLT_VSOCK, or -errno with
 * the reason in @err.
 */
int nsv_pcap_open_file(struct nsv_pcap **out, const char *path, char *err,
		       size_t errlen);

/**
 * nsv_pcap_set_filter - filter frames with @prog
 *
 * Live: attached in the kernel (pcap_setfilter). Files: run in userspace on
 * each frame (pcap_offline_filter). Returns 0 or -errno (reason in
 * nsv_pcap_error()).
 */
int nsv_pcap_set_filter(struct nsv_pcap *p, const struct nsv_bpf_prog *prog);

typedef void (*nsv_pkt_cb)(const struct nsv_pkt *pkt, void *user);

/**
 * nsv_pcap_loop - call @cb for each frame that passes the filter
 * @count: stop after that many frames; 0 for no limit
 *
 * Returns the number of frames handed to @cb (>= 0) at the end of a file,
 * after @count frames or after nsv_pcap_break(); -EIO on a read error (the
 * reason in nsv_pcap_error(); frames before it were delivered).
 */
long nsv_pcap_loop(struct nsv_pcap *p, unsigned long count, nsv_pkt_cb cb,
		   void *user);

/** nsv_pcap_break - make nsv_pcap_loop() return; async-signal-safe */
void nsv_pcap_break(struct nsv_pcap *p);

struct nsv_pcap_stats {
	uint64_t received; /* frames the kernel filter passed */
	uint64_t dropped; /* frames the ring had no room for */
	uint64_t if_dropped;
};

/** nsv_pcap_stats - kernel counters of a live capture; -EOPNOTSUPP for files */
int nsv_pcap_stats(struct nsv_pcap *p, struct nsv_pcap_stats *st);
/** nsv_pcap_error - the last libpcap message */
const char *nsv_pcap_error(struct nsv_pcap *p);
/** nsv_pcap_snaplen - the snapshot length of the capture or file */
unsigned int nsv_pcap_snaplen(struct nsv_pcap *p);
void nsv_pcap_close(struct nsv_pcap *p);

struct nsv_pcap_writer; /* pcap files written with rotation */

/**
 * nsv_pcap_writer_open - write LINKTYPE_VSOCK pcap to @path ("-": stdout)
 * @rotate_bytes: with > 0, start a new file when the current one is larger:
 *	PATH, PATH1, PATH2, ... (as tcpdump -C)
 * @max_files: with > 0 (and @rotate_bytes), reuse PATH0..PATH<N-1>, numbers
 *	zero-padded to the width of N-1 (as tcpdump -W)
 *
 * Returns 0, -EINVAL (rotation of stdout), or -errno with the reason in @err.
 */
int nsv_pcap_writer_open(struct nsv_pcap_writer **out, const char *path,
			 unsigned int snaplen, uint64_t rotate_bytes,
			 unsigned int max_files, char *err, size_t errlen);
/** nsv_pcap_writer_write - append one frame; 0 or -errno (-EPIPE, -ENOSPC...) */
int nsv_pcap_writer_write(struct nsv_pcap_writer *w, const struct nsv_pkt *pkt);
/** nsv_pcap_writer_flush - push buffered frames to the file */
int nsv_pcap_writer_flush(struct nsv_pcap_writer *w);
/** nsv_pcap_writer_path - the file being written now */
const char *nsv_pcap_writer_path(const struct nsv_pcap_writer *w);
const char *nsv_pcap_writer_error(const struct nsv_pcap_writer *w);
/**
 * nsv_pcap_writer_close - flush and close
 *
 * Returns 0 or -errno (-ENOSPC: the last frames did not fit); the file
 * is then unfinished, see nsv_pcap_writer_discard().
 */
int nsv_pcap_writer_close(struct nsv_pcap_writer *w);

/**
 * nsv_pcap_writer_discard - close, and remove the file being written
 *
 * After a write error the file being written ends inside a frame: it is
 * removed rather than left to look like a capture (files that rotation
 * finished before stay). Only a regular file is removed, never a device
 * or a pipe. Returns 1 (removed), 0 (nothing to remove) or -errno.
 */
int nsv_pcap_writer_discard(struct nsv_pcap_writer *w);

#endif /* NSV_PCAPIO_H */
