/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vsockdump: printing frames and the connection summary, as text or JSON. */
#ifndef NSV_PRINT_H
#define NSV_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "flow.h"
#include "names.h"
#include "proto.h"

enum nsv_tstamp {
	NSV_TS_TIME = 0, /* HH:MM:SS.frac (local time) */
	NSV_TS_NONE, /* -t */
	NSV_TS_EPOCH, /* -tt: seconds since 1970 */
	NSV_TS_DELTA, /* -ttt: since the previous frame */
	NSV_TS_DATE, /* -tttt: date and time */
	NSV_TS_SINCE_FIRST, /* -ttttt: since the first frame */
};

struct nsv_print_opts {
	enum nsv_tstamp tstamp;
	unsigned int fmt; /* NSV_FMT_NUMERIC with -n */
	int verbose; /* -v: credit fields, -vv: vsockmon header, flow */
	int hex; /* -X: payload in hex and ASCII, -XX: the whole frame */
	bool hex_only; /* -x, -xx: the same bytes without the ASCII */
	bool ascii; /* -A: payload in ASCII */
	bool json; /* one JSON object per frame */
	bool nano; /* nanosecond time stamps */
	bool number; /* -#: start each line with the frame number */
	bool flush_each; /* -U: flush after each frame */
	const struct nsv_names *names; /* CID names to print, or NULL */
};

struct nsv_printer;

/**
 * nsv_printer_new - a frame printer writing to @out
 *
 * Text is formatted into one large buffer and written with fwrite() when it
 * fills (or after each frame with @o->flush_each). Returns 0 or -ENOMEM.
 */
int nsv_printer_new(struct nsv_printer **out, FILE *f,
		    const struct nsv_print_opts *o);

/**
 * nsv_print_frame - print one frame
 * @num: the frame's number (1, 2, ...)
 * @note: flow state from nsv_flows_update(), or NULL
 *
 * Returns 0 or the -errno of a failed write (-EPIPE, -ENOSPC, -EIO).
 */
int nsv_print_frame(struct nsv_printer *p, uint64_t num,
		    const struct nsv_pkt *pkt, const struct nsv_frame *f,
		    const struct nsv_flow_note *note);

/** nsv_printer_flush - write out what is buffered; 0 or -errno (-EPIPE...) */
int nsv_printer_flush(struct nsv_printer *p);
/** nsv_printer_free - flush and free */
int nsv_printer_free(struct nsv_printer *p);

/**
 * nsv_flows_print - the connection summary (--flows), text or JSON
 *
 * Open zero-credit episodes are counted up to the last frame seen.
 */
int nsv_flows_print(FILE *out, const struct nsv_flows *t,
		    const struct nsv_print_opts *o);

#endif /* NSV_PRINT_H */
