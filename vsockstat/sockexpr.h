/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vsockstat: filter expressions over sockets: its words, and the evaluator. */
#ifndef NSV_SOCKEXPR_H
#define NSV_SOCKEXPR_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "filter-expr.h"

/**
 * nsv_sockexpr_parse - parse an expression in vsockstat's words
 * @cid: looks up CID names beyond the built-in ones (may be NULL)
 * @err: filled on -EINVAL
 *
 * The words of ss (sport|dport [CMP] PORT, src|dst [=] CID[:PORT], state
 * NAME) and those vsockdump shares ([src|dst] cid|host CID, [src|dst]
 * port PORT, type stream|seqpacket|dgram|N), with and, or, not and
 * parentheses. "src" is the local end, "dst" the peer. Returns 0, -EINVAL
 * or -ENOMEM; nsv_fexpr_free() releases the result.
 */
int nsv_sockexpr_parse(const char *expr, nsv_cid_lookup_fn cid, void *data,
		       struct nsv_fexpr **out, struct nsv_fexpr_error *err);

/** nsv_sockexpr_match - whether socket @s passes @e (a NULL @e passes all) */
bool nsv_sockexpr_match(const struct nsv_fexpr *e,
			const struct nsv_diag_sock *s);

/**
 * nsv_sockexpr_states - the states a socket may be in and still pass @e
 *
 * A bitmap of 1 << state for the kernel's own filter (vdiag_states): every
 * socket it leaves out fails @e. NSV_SS_ALL when @e says nothing of states.
 */
uint32_t nsv_sockexpr_states(const struct nsv_fexpr *e);

#endif /* NSV_SOCKEXPR_H */
