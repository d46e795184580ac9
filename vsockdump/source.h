/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vsockdump: one interface for every capture source (libpcap, tracepoints, relay). */
#ifndef NSV_SOURCE_H
#define NSV_SOURCE_H

#include "pcapio.h"

/*
 * What dump.c asks of a source; @s is the source's own handle. The
 * functions mean what the nsv_pcap_*() ones of the same name mean.
 */
struct nsv_source_ops {
	long (*loop)(void *s, unsigned long count, nsv_pkt_cb cb, void *user);
	void (*brk)(void *s); /* async-signal-safe */
	int (*set_filter)(void *s, const struct nsv_bpf_prog *prog);
	int (*stats)(void *s, struct nsv_pcap_stats *st);
	const char *(*error)(void *s);
	unsigned int (*snaplen)(void *s);
	void (*close)(void *s);
};

struct nsv_source {
	const struct nsv_source_ops *ops;
	void *s;
};

/* libpcap: a vsockmon device or a file (pcapio.c) */
extern const struct nsv_source_ops nsv_pcap_source_ops;

#endif /* NSV_SOURCE_H */
