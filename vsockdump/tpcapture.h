/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vsockdump: headers-only capture from the vsock tracepoints through perf. */
#ifndef NSV_TPCAPTURE_H
#define NSV_TPCAPTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "source.h"

/* The pseudo-interface's name (-i tracepoints). */
#define NSV_TP_IFNAME "tracepoints"

struct nsv_tpcap;

struct nsv_tpcap_opts {
	unsigned int snaplen; /* 0 or more than a frame: the whole frame */
	unsigned int bufsize; /* perf ring bytes for all CPUs; 0: 32 MiB */
	int64_t pair_window_ns; /* 0: one second */
};

/**
 * nsv_tpcap_open - start capturing vsock_virtio_transport_{alloc,recv}_pkt
 * @err: receives a one-line reason on failure
 *
 * Finds tracefs (/sys/kernel/tracing, /sys/kernel/debug/tracing; mounts it
 * for as long as it reads the format files when it is nowhere and we may),
 * reads both events' id and format, and opens one perf ring per CPU that
 * both events write to (PERF_SAMPLE_RAW | PERF_SAMPLE_TIME, CLOCK_MONOTONIC
 * time stamps). Nothing global changes: the events go when the fds close.
 * Returns 0, -ENOENT (no vsock tracepoints: no virtio vsock transport
 * loaded), -EACCES or -EPERM (tracefs or perf_event_open refused us),
 * -ENODEV (no tracefs), or another -errno.
 */
int nsv_tpcap_open(struct nsv_tpcap **out, const struct nsv_tpcap_opts *o,
		   char *err, size_t errlen);

/** nsv_tpcap_available - whether this kernel has the vsock tracepoints */
bool nsv_tpcap_available(void);

/*
 * As a source: frames of NSV_TP_FRAME_LEN bytes (or the snap length),
 * their wire length counting the payload, in time order, one per packet;
 * the filter runs in user space; stats: frames the filter kept, events the
 * perf rings lost.
 */
extern const struct nsv_source_ops nsv_tpcap_source_ops;

#endif /* NSV_TPCAPTURE_H */
