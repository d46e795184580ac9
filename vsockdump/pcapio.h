/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vsockdump: live captures, and pcap/pcapng files read one by one or merged. */
#ifndef NSV_PCAPIO_H
#define NSV_PCAPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* Default snapshot length: a 64 KiB payload plus both headers fits. */
#define NSV_SNAPLEN_MAX 262144

/*
 * How a mapped pcap file is walked (bench/pcap-walk walks the same way):
 * the pages behind the reader are dropped once this many bytes are mapped,
 * and the page this far ahead is touched to start its TLB walk early.
 */
#define NSV_PCAP_MAP_WINDOW (4U << 20)
#define NSV_PCAP_PAGE_AHEAD 8192

struct nsv_pcap; /* a live capture or a file being read */
struct nsv_bpf_prog;

struct nsv_live_opts {
	const char *ifname;
	unsigned int snaplen; /* 0: NSV_SNAPLEN_MAX */
	unsigned int bufsize; /* kernel ring in bytes; 0: 32 MiB */
	bool immediate; /* deliver each frame at once; else a block at a
			   time, fewer wake-ups and a ring that packs frames
			   (nsv_pcap_loop() takes the last block at a stop) */
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
 * nsv_pcap_merge - read several open files as one, in time stamp order
 * @files: from nsv_pcap_open_file(); owned by the result on success
 *
 * The frame with the earliest time stamp comes first; on a tie, the one of
 * the file listed first. Returns 0 or -ENOMEM (the files stay the
 * caller's).
 */
int nsv_pcap_merge(struct nsv_pcap **out, struct nsv_pcap **files,
		   unsigned int n);

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

/**
 * nsv_bpf_match - run @prog on a frame in user space (libpcap's
 * interpreter, as for files): whether the filter keeps it
 *
 * For sources that make their frames themselves (tracepoints, the relay).
 */
bool nsv_bpf_match(const struct nsv_bpf_prog *prog, const struct nsv_pkt *pkt);

/** nsv_pcap_stats - kernel counters of a live capture; -EOPNOTSUPP for files */
int nsv_pcap_stats(struct nsv_pcap *p, struct nsv_pcap_stats *st);
/** nsv_pcap_error - the last libpcap message */
const char *nsv_pcap_error(struct nsv_pcap *p);
/**
 * nsv_pcap_name - the file of the frame being delivered, or of the last
 *	error; "" for a live capture
 */
const char *nsv_pcap_name(const struct nsv_pcap *p);
/** nsv_pcap_source - the merged file (0, 1, ...) the current frame is from */
unsigned int nsv_pcap_source(const struct nsv_pcap *p);
/** nsv_pcap_snaplen - the snapshot length (of merged files: the largest) */
unsigned int nsv_pcap_snaplen(struct nsv_pcap *p);
void nsv_pcap_close(struct nsv_pcap *p);

#endif /* NSV_PCAPIO_H */
