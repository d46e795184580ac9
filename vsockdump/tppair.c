// SPDX-License-Identifier: LGPL-2.1-or-later
/* Tracepoint events merged across CPUs by time, and paired into one frame a packet. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tppair.h"

/* ------------------------------------------------------------------ merge */

/* A min-heap on (time, arrival): per-CPU rings are each nearly in order. */
struct sort_item {
	struct nsv_tp_event ev;
	uint64_t seq;
};

struct nsv_tp_sort {
	struct sort_item *h;
	size_t n, cap;
	uint64_t seq;
};

int nsv_tp_sort_new(struct nsv_tp_sort **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void nsv_tp_sort_free(struct nsv_tp_sort *s)
{
	if (!s)
		return;
	free(s->h);
	free(s);
}

static bool before(const struct sort_item *a, const struct sort_item *b)
{
	return a->ev.ns < b->ev.ns || (a->ev.ns == b->ev.ns && a->seq < b->seq);
}

int nsv_tp_sort_add(struct nsv_tp_sort *s, const struct nsv_tp_event *ev)
{
	struct sort_item it, *nh;
	size_t i;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;

		nh = realloc(s->h, cap * sizeof(*nh));
		if (!nh)
			return -ENOMEM;
		s->h = nh;
		s->cap = cap;
	}
	it.ev = *ev;
	it.seq = s->seq++;
	for (i = s->n++; i > 0 && before(&it, &s->h[(i - 1) / 2]);
	     i = (i - 1) / 2)
		s->h[i] = s->h[(i - 1) / 2];
	s->h[i] = it;
	return 0;
}

int nsv_tp_sort_next(struct nsv_tp_sort *s, int64_t upto,
		     struct nsv_tp_event *ev)
{
	struct sort_item last;
	size_t i, c;

	if (!s->n || s->h[0].ev.ns > upto)
		return 0;
	*ev = s->h[0].ev;
	last = s->h[--s->n];
	for (i = 0; (c = 2 * i + 1) < s->n; i = c) {
		if (c + 1 < s->n && before(&s->h[c + 1], &s->h[c]))
			c++;
		if (!before(&s->h[c], &last))
			break;
		s->h[i] = s->h[c];
	}
	s->h[i] = last;
	return 1;
}

/* ---------------------------------------------------------------- pairing */

/*
 * Frames wait in a ring in the order of their first event. Unpaired alloc
 * frames are also on a hash chain by header (in ring order), and stay there
 * after they went out alone for as long as a late recv may still come, so
 * that it is recognised and dropped instead of shown a second time.
 */
#define CHAINS 1024
#define CLASSES 256

struct entry {
	struct nsv_tp_frame fr;
	uint64_t next; /* seq + 1 of the next alloc on the chain, 0: none */
	bool alloc; /* an alloc frame (on a chain while kept) */
	bool matched; /* its recv joined it */
	bool ready; /* may go out without waiting for a recv */
};

struct chain {
	uint64_t first, last; /* seq + 1, 0: empty */
};

enum class_state { CLASS_FREE = 0, CLASS_PAIRED, CLASS_ONE_SIDED };

/*
 * What we learned about one (source CID, destination CID). A few allocs
 * in a row left alone (MISSES) before loopback-like traffic is taken as
 * one-sided: a lost recv event should not cost the next packets theirs.
 */
#define MISSES 3

struct cls {
	uint64_t scid, dcid;
	enum class_state state;
	unsigned int misses;
};

struct nsv_tp_pairer {
	struct entry *ring;
	uint64_t cap; /* a power of two */
	uint64_t head, out, tail; /* kept since, next out, next in (seqs) */
	struct chain chains[CHAINS];
	struct cls cls[CLASSES];
	int64_t window, keep; /* wait for a recv; remember for a late one */
	int64_t now; /* newest time pushed or told */
	struct nsv_tp_pair_stats st;
};

int nsv_tp_pairer_new(struct nsv_tp_pairer **out, int64_t window_ns)
{
	struct nsv_tp_pairer *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->cap = 1024;
	p->ring = calloc(p->cap, sizeof(*p->ring));
	if (!p->ring) {
		free(p);
		return -ENOMEM;
	}
	p->window = window_ns;
	p->keep = 2 * window_ns;
	p->now = INT64_MIN;
	*out = p;
	return 0;
}

void nsv_tp_pairer_free(struct nsv_tp_pairer *p)
{
	if (!p)
		return;
	free(p->ring);
	free(p);
}

void nsv_tp_pairer_stats(const struct nsv_tp_pairer *p,
			 struct nsv_tp_pair_stats *st)
{
	*st = p->st;
}

static struct entry *at(struct nsv_tp_pairer *p, uint64_t seq)
{
	return &p->ring[seq & (p->cap - 1)];
}

/*
 * The alloc event reports the flags the sender asked for; the kernel sets
 * SEQ_EOM and SEQ_EOR in an RW packet's header after that, so only the recv
 * event has them: pairing leaves them out.
 */
static uint32_t pair_flags(const struct nsv_tp_event *e)
{
	if (e->op == NSV_VIRTIO_OP_RW)
		return e->flags &
		       ~(uint32_t)(NSV_VIRTIO_SEQ_EOM | NSV_VIRTIO_SEQ_EOR);
	return e->flags;
}

/* Everything both events carry: what makes a recv the alloc's partner. */
static bool same_header(const struct nsv_tp_event *a,
			const struct nsv_tp_event *b)
{
	return a->src_cid == b->src_cid && a->dst_cid == b->dst_cid &&
	       a->src_port == b->src_port && a->dst_port == b->dst_port &&
	       a->len == b->len && a->type == b->type && a->op == b->op &&
	       pair_flags(a) == pair_flags(b);
}

static unsigned int chain_of(const struct nsv_tp_event *e)
{
	uint64_t h = e->src_cid * 0x9e3779b97f4a7c15ULL;

	h ^= (e->dst_cid + 0x632be59bd9b4e019ULL) * 0xc2b2ae3d27d4eb4fULL;
	h ^= ((uint64_t)e->src_port << 32 | e->dst_port) *
	     0x165667b19e3779f9ULL;
	h ^= ((uint64_t)e->len << 32 | (uint64_t)e->op << 16 | e->type) *
	     0x27d4eb2f165667c5ULL;
	h ^= pair_flags(e);
	h ^= h >> 31;
	return (unsigned int)(h % CHAINS);
}

static struct cls *class_of(struct nsv_tp_pairer *p, uint64_t scid,
			    uint64_t dcid, bool add)
{
	unsigned int i = (unsigned int)((scid * 31 + dcid) % CLASSES), n;

	for (n = 0; n < CLASSES; n++, i = (i + 1) % CLASSES) {
		struct cls *c = &p->cls[i];

		if (c->state == CLASS_FREE) {
			if (!add)
				return NULL;
			c->scid = scid;
			c->dcid = dcid;
			return c;
		}
		if (c->scid == scid && c->dcid == dcid)
			return c;
	}
	return NULL; /* full: fall back on the guess */
}

/* An alloc of @e's CIDs found its recv (@paired), or went out alone. */
static void learn(struct nsv_tp_pairer *p, const struct nsv_tp_event *e,
		  bool paired)
{
	struct cls *c = class_of(p, e->src_cid, e->dst_cid, true);

	if (!c)
		return;
	if (paired) {
		c->state = CLASS_PAIRED;
		c->misses = 0;
	} else if (++c->misses >= MISSES) {
		c->state = CLASS_ONE_SIDED;
	} else if (c->state == CLASS_FREE) {
		c->state = e->src_cid == e->dst_cid ? CLASS_PAIRED :
						      CLASS_ONE_SIDED;
	}
}

static bool expect_pair(struct nsv_tp_pairer *p, const struct nsv_tp_event *e)
{
	struct cls *c = class_of(p, e->src_cid, e->dst_cid, false);

	if (c && c->state != CLASS_FREE)
		return c->state == CLASS_PAIRED;
	return e->src_cid == e->dst_cid;
}

static int grow(struct nsv_tp_pairer *p)
{
	uint64_t cap = p->cap * 2, s;
	struct entry *r = calloc(cap, sizeof(*r));

	if (!r)
		return -ENOMEM;
	for (s = p->head; s < p->tail; s++)
		r[s & (cap - 1)] = *at(p, s);
	free(p->ring);
	p->ring = r;
	p->cap = cap;
	return 0;
}

static int append(struct nsv_tp_pairer *p, const struct nsv_tp_frame *fr,
		  bool alloc, bool ready)
{
	struct entry *e;
	struct chain *c;
	int r;

	if (p->tail - p->head == p->cap) {
		r = grow(p);
		if (r < 0)
			return r;
	}
	e = at(p, p->tail);
	memset(e, 0, sizeof(*e));
	e->fr = *fr;
	e->alloc = alloc;
	e->ready = ready;
	if (alloc) {
		c = &p->chains[chain_of(&fr->ev)];
		if (c->last)
			at(p, c->last - 1)->next = p->tail + 1;
		else
			c->first = p->tail + 1;
		c->last = p->tail + 1;
	}
	p->tail++;
	return 0;
}

/* The oldest alloc on @ev's chain still waiting for a recv like @ev. */
static uint64_t find_alloc(struct nsv_tp_pairer *p,
			   const struct nsv_tp_event *ev)
{
	uint64_t s = p->chains[chain_of(ev)].first;

	for (; s; s = at(p, s - 1)->next) {
		struct entry *e = at(p, s - 1);

		if (!e->matched && same_header(&e->fr.ev, ev))
			return s;
	}
	return 0;
}

int nsv_tp_pairer_push(struct nsv_tp_pairer *p, const struct nsv_tp_event *ev)
{
	struct nsv_tp_frame fr = { .ns = ev->ns, .ev = *ev };
	struct entry *e;
	uint64_t s;

	if (ev->ns > p->now)
		p->now = ev->ns;
	if (ev->kind == NSV_TP_ALLOC) {
		fr.synth = NSV_SYNTH_ALLOC;
		fr.ev.buf_alloc = fr.ev.fwd_cnt = 0;
		return append(p, &fr, true, !expect_pair(p, ev));
	}
	s = find_alloc(p, ev);
	if (!s) {
		fr.synth = NSV_SYNTH_RECV;
		return append(p, &fr, false, true);
	}
	e = at(p, s - 1);
	e->matched = true;
	learn(p, ev, true);
	if (s - 1 < p->out) {
		/* it went out alone already: never show the packet twice */
		p->st.late++;
		return 0;
	}
	/* the recv event has the header as it went: credit, EOM and EOR */
	e->fr.synth |= NSV_SYNTH_RECV;
	e->fr.ev.flags = ev->flags;
	e->fr.ev.buf_alloc = ev->buf_alloc;
	e->fr.ev.fwd_cnt = ev->fwd_cnt;
	e->ready = true;
	return 0;
}

/* Forget frames that are out and need no more looking at. */
static void evict(struct nsv_tp_pairer *p)
{
	while (p->head < p->out) {
		struct entry *e = at(p, p->head);
		struct chain *c;

		if (e->alloc) {
			if (!e->matched && e->fr.ns + p->keep > p->now)
				break;
			/* chains are in ring order: it is the first */
			c = &p->chains[chain_of(&e->fr.ev)];
			c->first = e->next;
			if (!c->first)
				c->last = 0;
		}
		p->head++;
	}
}

int nsv_tp_pairer_pop(struct nsv_tp_pairer *p, int64_t now,
		      struct nsv_tp_frame *fr)
{
	bool flush = now == INT64_MAX;
	struct entry *e;

	/* a flush learns nothing and keeps what is out for late partners */
	if (!flush && now > p->now)
		p->now = now;
	if (p->out == p->tail) {
		evict(p);
		return 0;
	}
	e = at(p, p->out);
	if (!e->ready && !flush) {
		if (e->fr.ns + p->window > p->now)
			return 0;
		/* no recv within the window: this side sees only allocs */
		learn(p, &e->fr.ev, false);
	}
	*fr = e->fr;
	if (e->fr.synth == (NSV_SYNTH_ALLOC | NSV_SYNTH_RECV))
		p->st.paired++;
	else if (e->fr.synth == NSV_SYNTH_ALLOC)
		p->st.alloc_only++;
	else
		p->st.recv_only++;
	p->out++;
	evict(p);
	return 1;
}
