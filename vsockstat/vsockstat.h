/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vsockstat: what the command line asks for, and the modes that carry it out. */
#ifndef VSOCKSTAT_H
#define VSOCKSTAT_H

#include "diag.h"
#include "sockexpr.h"
#include "socktab.h"

#define PROG "vsockstat"
#define MAX_NETNS 256

struct vsockstat_opts {
	struct nsv_sockfilter f; /* states 0 means all; .expr = fexpr */
	char *expr; /* the filter expression's text, or NULL */
	const char *filter_file; /* -F */
	struct nsv_fexpr *fexpr;
	/* NSV_FMT_NUMERIC, NSV_STAT_PROCS, _THREADS, _NOHEADER, _ONELINE */
	unsigned int flags;
	bool json;
	bool summary;
	bool all_netns;
	const char *netns[MAX_NETNS];
	size_t nnetns;
	bool wait;
	uint32_t wait_port;
	double timeout; /* < 0: wait for ever */
	double watch; /* 0: print once */
	bool events; /* -E */
	double interval; /* -E: seconds between listings */
	bool fail_empty; /* exit 1 when nothing matched */
	bool quiet; /* -q: print nothing */
	bool vms; /* --vms */
	const char *record;
	const char *replay;
};

/*
 * Each returns the exit status: 0, 1 after printing one error line (or, with
 * fail_empty, for an empty listing), 2 for a usage error.
 */
int vsockstat_list(const struct vsockstat_opts *o);
int vsockstat_wait(const struct vsockstat_opts *o);
int vsockstat_events(const struct vsockstat_opts *o);
int vsockstat_vms(const struct vsockstat_opts *o);

#endif
