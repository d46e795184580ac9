/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vsockdump: tracepoint events back in time order, and one frame per packet. */
#ifndef NSV_TPPAIR_H
#define NSV_TPPAIR_H

#include <stdint.h>

#include "tracepoint.h"

struct nsv_tp_sort; /* events of several per-CPU rings, merged by time */

/** nsv_tp_sort_new - an empty merge buffer; 0 or -ENOMEM */
int nsv_tp_sort_new(struct nsv_tp_sort **out);
void nsv_tp_sort_free(struct nsv_tp_sort *s);

/** nsv_tp_sort_add - take one event, in any order; 0 or -ENOMEM */
int nsv_tp_sort_add(struct nsv_tp_sort *s, const struct nsv_tp_event *ev);

/**
 * nsv_tp_sort_next - the oldest event stamped at or before @upto
 *
 * Events with equal time stamps come out in the order they were added.
 * Returns 1 with *@ev filled, or 0 when there is none (yet).
 */
int nsv_tp_sort_next(struct nsv_tp_sort *s, int64_t upto,
		     struct nsv_tp_event *ev);

/*
 * Pairing. Over loopback every packet fires both events: alloc in the
 * sender's context, recv later in a kworker, with the same header fields.
 * On a guest or a host only one of them fires for a packet. The pairer
 * takes events in time order and gives one frame per packet: a recv event
 * joins the oldest unpaired alloc event with the same addresses, length,
 * type, op and flags (loopback delivers in order; an RW's SEQ_EOM and
 * SEQ_EOR are set after the alloc event and only the recv event has them);
 * an alloc event waits at most @window_ns for its recv, then goes out
 * alone. Whether a pair of CIDs sees both events is learned from what
 * matched (a guess before that: both when source and destination CID are
 * equal, as over loopback; three allocs in a row left alone change that),
 * so alloc events that will never pair do not wait. A recv event that arrives for an
 * alloc frame already sent out alone is counted as late and dropped: a
 * packet is never shown twice.
 */
struct nsv_tp_pairer;

struct nsv_tp_pair_stats {
	uint64_t paired; /* frames made of both events */
	uint64_t alloc_only; /* frames of an alloc event alone */
	uint64_t recv_only; /* frames of a recv event alone */
	uint64_t late; /* recv events dropped: their alloc frame was out */
};

/** nsv_tp_pairer_new - @window_ns: how long an alloc waits; 0 or -ENOMEM */
int nsv_tp_pairer_new(struct nsv_tp_pairer **out, int64_t window_ns);
void nsv_tp_pairer_free(struct nsv_tp_pairer *p);

/** nsv_tp_pairer_push - take the next event (time order); 0 or -ENOMEM */
int nsv_tp_pairer_push(struct nsv_tp_pairer *p, const struct nsv_tp_event *ev);

/**
 * nsv_tp_pairer_pop - the next frame, in order of its first event's time
 * @now: every event up to this time has been pushed (INT64_MAX: give out
 *	what waits, as at the end of a capture; nothing is learned from that)
 *
 * Returns 1 with *@fr filled, or 0 when the next frame must still wait.
 */
int nsv_tp_pairer_pop(struct nsv_tp_pairer *p, int64_t now,
		      struct nsv_tp_frame *fr);

void nsv_tp_pairer_stats(const struct nsv_tp_pairer *p,
			 struct nsv_tp_pair_stats *st);

#endif /* NSV_TPPAIR_H */
