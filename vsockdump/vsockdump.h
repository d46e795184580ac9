/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vsockdump: the options main.c parses and dump.c acts on. */
#ifndef VSOCKDUMP_H
#define VSOCKDUMP_H

#include "cli.h"
#include "filter.h"
#include "hybrid-relay.h"
#include "print.h"

#define VSOCKDUMP_HYBRID_PORTS_MAX 64

struct vsockdump_opts {
	const char *ifname; /* -i; NULL: find or create a vsockmon */
	bool no_create; /* --no-create */
	const char *netns; /* -N */
	bool list; /* -D */
	unsigned long count; /* -c; 0: no limit */
	unsigned int snaplen; /* -s */
	unsigned int bufsize; /* -B, in bytes */
	const char *user; /* -Z */
	const char *wfile; /* -w */
	bool pcapng; /* --pcapng, or -w FILE.pcapng */
	uint64_t rotate_bytes; /* -C */
	unsigned int rotate_secs; /* -G */
	unsigned int max_files; /* -W */
	const char *postrotate; /* -z */
	const char *rfile; /* -r: the first file */
	char **rfiles; /* every -r, in order */
	unsigned int nrfiles;
	bool print; /* --print: frames too with -w */
	bool quiet; /* -q: no frame lines */
	bool flows; /* --flows */
	bool count_only; /* --count: the number of frames, no frames */
	const char *plot; /* --plot: the SVG to write at the end */
	uint64_t plot_flow; /* --flow: the connection to draw; 0: busiest */
	int dump_bpf; /* -d, -dd, -ddd */
	bool tcpdump_filter; /* --tcpdump-filter */
	const char *filter_file; /* -F */
	char *expr; /* the filter expression, or NULL */
	struct nsv_print_opts pr;
	/* --hybrid: the recording relay instead of a capture */
	const char *hybrid; /* the VMM's socket */
	const char *hybrid_listen; /* --hybrid-listen */
	struct nsv_hrelay_port ports[VSOCKDUMP_HYBRID_PORTS_MAX];
	size_t nports; /* --hybrid-port */
	bool takeover; /* --takeover */
	uint32_t guest_cid; /* --guest-cid */
};

/* Run a capture or a file read as the options say; returns the exit code. */
int vsockdump_run(const struct vsockdump_opts *o);

#endif
