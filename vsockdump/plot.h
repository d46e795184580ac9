/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vsockdump: credit flow and throughput of connections drawn as SVG (--plot). */
#ifndef NSV_PLOT_H
#define NSV_PLOT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "flow.h"
#include "names.h"
#include "proto.h"

/* The busiest connections drawn when no --flow picks one. */
#define NSV_PLOT_TOP 3

struct nsv_plot_opts {
	uint64_t flow; /* --flow: the id of the one to draw; 0: the busiest */
	unsigned int fmt; /* NSV_FMT_NUMERIC: CIDs as numbers */
	const struct nsv_names *names; /* CID names, or NULL */
};

struct nsv_plot;

/** nsv_plot_new - an empty recorder; 0 or -ENOMEM */
int nsv_plot_new(struct nsv_plot **out, const struct nsv_plot_opts *o);
void nsv_plot_free(struct nsv_plot *pl);

/**
 * nsv_plot_add - record one frame after nsv_flows_update() saw it
 * @note: what the flow tracker said of it
 *
 * Keeps each connection's bytes in flight, its peers' buf_alloc, payload
 * bytes and credit messages in at most 2048 time buckets (a bucket doubles
 * in width when they run out) and its zero-credit stalls as the flow
 * tracker confirms them. A connection that ended with less payload than the
 * third busiest so far is let go: memory grows with the connections open
 * at a time, not with frames. Returns 0 or -ENOMEM.
 */
int nsv_plot_add(struct nsv_plot *pl, const struct nsv_pkt *pkt,
		 const struct nsv_frame *f, const struct nsv_flow_note *note);

/** nsv_plot_size - the bytes the recorder holds now */
size_t nsv_plot_size(const struct nsv_plot *pl);

/**
 * nsv_plot_write - the SVG picture of the chosen connections
 * @t: the flow table the frames went through
 *
 * Per connection: bytes in flight against the receiver's buf_alloc each
 * way data went, zero-credit stalls shaded, CREDIT_UPDATE and
 * CREDIT_REQUEST marked, and throughput underneath; at most one point per
 * pixel column and value, so the size is bounded whatever the capture.
 * Returns 0, -ENOENT when --flow names no connection, or -EIO.
 */
int nsv_plot_write(const struct nsv_plot *pl, FILE *out,
		   const struct nsv_flows *t);

#endif /* NSV_PLOT_H */
