/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vsockstat: what the command line asks for, and the modes that carry it out. */
#ifndef VSOCKSTAT_H
#define VSOCKSTAT_H

#include "diag.h"
#include "socktab.h"

#define PROG "vsockstat"
#define MAX_NETNS 256

struct vsockstat_opts {
	struct nsv_sockfilter f; /* states 0 means all */
	unsigned int flags; /* NSV_FMT_NUMERIC, NSV_STAT_PROCS, _NOHEADER */
	bool json;
	bool summary;
	bool all_netns;
	const char *netns[MAX_NETNS];
	size_t nnetns;
	bool wait;
	uint32_t wait_port;
	double timeout; /* < 0: wait for ever */
	double watch; /* 0: print once */
	const char *record;
	const char *replay;
};

/* Each returns the exit status: 0, or 1 after printing one error line. */
int vsockstat_list(const struct vsockstat_opts *o);
int vsockstat_wait(const struct vsockstat_opts *o);

#endif
