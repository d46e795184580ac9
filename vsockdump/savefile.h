/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vsockdump: one pcap or pcapng file of vsockmon frames, written block by block. */
#ifndef NSV_SAVEFILE_H
#define NSV_SAVEFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "proto.h"

enum nsv_savefile_format {
	NSV_SAVEFILE_PCAP = 0, /* classic pcap, microseconds (as tcpdump) */
	NSV_SAVEFILE_PCAPNG, /* pcapng, nanoseconds (if_tsresol 9) */
};

/* What a pcapng Interface Description Block says about a capture device. */
struct nsv_savefile_iface {
	const char *name; /* if_name, e.g. "vsockmon0"; NULL: none */
	const char *description; /* if_description, e.g. "netns nsa" */
	const char *filter; /* if_filter: the expression, or NULL */
	unsigned int snaplen;
};

struct nsv_savefile;

/**
 * nsv_savefile_open - start a file on @f: the file header, and for pcapng a
 *	Section Header Block and one Interface Description Block per @ifaces
 * @f: an open stream; nsv_savefile_close() closes it
 * @appl: shb_userappl of pcapng, e.g. "vsockdump 0.1"
 *
 * Returns 0, -ENOMEM, or the -errno of a failed write.
 */
int nsv_savefile_open(struct nsv_savefile **out, FILE *f,
		      enum nsv_savefile_format fmt,
		      const struct nsv_savefile_iface *ifaces,
		      unsigned int nifaces, const char *appl);

/**
 * nsv_savefile_write - append one frame seen on interface @iface
 *
 * The last @pkt->piped bytes come from the pipe @pkt->pipe_fd, which must
 * hold them: into a regular file by splice(2), else read and written.
 * Returns 0 or the -errno of a failed write (-ENOSPC, -EPIPE...); -EINVAL
 * for an interface that was not described.
 */
int nsv_savefile_write(struct nsv_savefile *s, unsigned int iface,
		       const struct nsv_pkt *pkt);

/** nsv_savefile_size - bytes written so far, headers included */
uint64_t nsv_savefile_size(const struct nsv_savefile *s);

/** nsv_savefile_flush - push what stdio buffers; 0 or -errno */
int nsv_savefile_flush(struct nsv_savefile *s);

/** nsv_savefile_close - flush and close the stream; 0 or -errno */
int nsv_savefile_close(struct nsv_savefile *s);

/** nsv_savefile_format_of - pcapng for a name ending in .pcapng, else pcap */
enum nsv_savefile_format nsv_savefile_format_of(const char *path);

#endif /* NSV_SAVEFILE_H */
