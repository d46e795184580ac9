/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vncat: the progress line: bytes each way, elapsed time and rate, on stderr. */
#ifndef NSV_PROGRESS_H
#define NSV_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nsv_progress {
	int fd; /* where to draw (stderr) */
	bool tty; /* redraw in place with '\r' and erase at the end; else
		     one line each update and a last line with the totals */
	const char *tag; /* after "PROG: " (-k: the peer), or NULL */
	uint64_t quiet_us; /* draw nothing before this much time passed */
	/* private */
	size_t width; /* of the line on the terminal now */
	uint64_t last_bytes, last_us;
};

/** nsv_progress_init - a progress line on @fd, nothing drawn yet */
void nsv_progress_init(struct nsv_progress *p, int fd, bool tty,
		       const char *tag, uint64_t quiet_us);

/**
 * nsv_progress_format - "sent 1.5 MiB, received 0 B, 0:01:02, 3.2 MiB/s"
 * @rate: bytes per second to show, < 0 for none
 *
 * Sizes are in B below 1 KiB, else with one decimal in KiB, MiB, GiB, TiB
 * or PiB (powers of 1024); the time is H:MM:SS. Returns the length or
 * -ENOSPC.
 */
int nsv_progress_format(char *buf, size_t len, uint64_t sent, uint64_t received,
			uint64_t usec, double rate);

/**
 * nsv_progress_update - show the counts after @usec of the transfer
 *
 * The rate is that since the last update. Returns 0 or -errno.
 */
int nsv_progress_update(struct nsv_progress *p, uint64_t sent,
			uint64_t received, uint64_t usec);

/**
 * nsv_progress_end - the end of the transfer: on a terminal the line is
 * erased; otherwise a last line with the totals and the average rate
 */
int nsv_progress_end(struct nsv_progress *p, uint64_t sent, uint64_t received,
		     uint64_t usec);

/** nsv_progress_clear - erase the line from the terminal, if one is there */
int nsv_progress_clear(struct nsv_progress *p);

#endif /* NSV_PROGRESS_H */
