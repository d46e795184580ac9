// SPDX-License-Identifier: LGPL-2.1-or-later
/* vsockstat's filter expressions: its words of the shared language, evaluated on sockets. */
#include "config.h"

#include <errno.h>
#include <strings.h>

#include "diag.h"
#include "sockexpr.h"

static int type_lookup(const char *w, uint32_t *v, void *data)
{
	unsigned int t;

	(void)data;
	for (t = 0; t < 32; t++) {
		const char *name = nsv_sk_type_name(t);

		if (name && !strcasecmp(name, w)) {
			*v = t;
			return 0;
		}
	}
	return -ENOENT;
}

static int state_lookup(const char *w, uint32_t *v, void *data)
{
	(void)data;
	return nsv_sk_states_parse(w, v) ? -ENOENT : 0;
}

int nsv_sockexpr_parse(const char *expr, nsv_cid_lookup_fn cid, void *data,
		       struct nsv_fexpr **out, struct nsv_fexpr_error *err)
{
	const struct nsv_fexpr_lang lang = {
		.words = NSV_FEXPR_W_CID | NSV_FEXPR_W_PORT | NSV_FEXPR_W_TYPE |
			 NSV_FEXPR_W_SS,
		.expected = "expected sport, dport, src, dst, state, cid, "
			    "port, type, not or '('",
		.type = type_lookup,
		.type_names = "stream, seqpacket, dgram",
		.state = state_lookup,
		.cid = cid,
		.cid_data = data,
	};

	return nsv_fexpr_parse(expr, &lang, out, err);
}

static bool prim(const struct nsv_fexpr_node *n, const struct nsv_diag_sock *s)
{
	switch (n->field) {
	case NSV_FEXPR_CID:
		return (n->dst ? s->dst_cid : s->src_cid) == n->val;
	case NSV_FEXPR_PORT:
		return nsv_fexpr_cmp_apply(
			n->cmp, n->dst ? s->dst_port : s->src_port, n->val);
	case NSV_FEXPR_TYPE:
		return s->type == n->val;
	case NSV_FEXPR_STATE:
		return s->state < 32 && (n->val & 1U << s->state);
	default:
		return false; /* a frame's field: never in vsockstat's words */
	}
}

static bool node(const struct nsv_fexpr_node *n, const struct nsv_diag_sock *s)
{
	switch (n->kind) {
	case NSV_FEXPR_AND:
		return node(n->a, s) && node(n->b, s);
	case NSV_FEXPR_OR:
		return node(n->a, s) || node(n->b, s);
	case NSV_FEXPR_NOT:
		return !node(n->a, s);
	case NSV_FEXPR_PRIM:
		return prim(n, s);
	}
	return false;
}

bool nsv_sockexpr_match(const struct nsv_fexpr *e,
			const struct nsv_diag_sock *s)
{
	const struct nsv_fexpr_node *root = nsv_fexpr_root(e);

	return !root || node(root, s);
}

static uint32_t states(const struct nsv_fexpr_node *n)
{
	switch (n->kind) {
	case NSV_FEXPR_AND:
		return states(n->a) & states(n->b);
	case NSV_FEXPR_OR:
		return states(n->a) | states(n->b);
	case NSV_FEXPR_NOT:
		/* "not (state listening and port 5)" may be any state */
		if (n->a->kind == NSV_FEXPR_PRIM &&
		    n->a->field == NSV_FEXPR_STATE)
			return NSV_SS_ALL & ~n->a->val;
		return NSV_SS_ALL;
	case NSV_FEXPR_PRIM:
		return n->field == NSV_FEXPR_STATE ? n->val & NSV_SS_ALL :
						     NSV_SS_ALL;
	}
	return NSV_SS_ALL;
}

uint32_t nsv_sockexpr_states(const struct nsv_fexpr *e)
{
	const struct nsv_fexpr_node *root = nsv_fexpr_root(e);

	return root ? states(root) : NSV_SS_ALL;
}
