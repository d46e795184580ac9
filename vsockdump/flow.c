// SPDX-License-Identifier: LGPL-2.1-or-later
/* Connections seen in vsockmon frames: state, counters, credit flow control. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "proto.h"

/*
 * Flows live in one array in order of appearance; an open-addressing hash
 * maps a connection's key to its newest flow (a port reused by a later
 * connection gets a new flow, the old one stays for the summary). Memory
 * grows with connections, never with frames; unless nothing needs the
 * summary (nsv_flows_forget()): then there is no array, and a flow that
 * ended leaves the hash once NSV_FLOWS_ENDED_KEPT later ones have ended
 * (frames that trail the end still find it).
 */
struct slot {
	struct nsv_flow *fl; /* NULL: empty */
	uint32_t hash; /* of the key: most probes end here, no flow read */
};

struct nsv_flows {
	struct nsv_flow **flows;
	size_t n, cap; /* n: flows seen, cap: of flows */
	struct slot *slots;
	size_t nslots; /* a power of two, at most half full */
	size_t hashed; /* flows in slots */
	uint64_t refused;
	bool forget;
	struct nsv_flow **ended; /* forget: a ring of the newest ended flows */
	size_t nended; /* ever put in the ring */
};

int nsv_flows_new(struct nsv_flows **out)
{
	struct nsv_flows *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->nslots = 256;
	t->slots = calloc(t->nslots, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return -ENOMEM;
	}
	*out = t;
	return 0;
}

int nsv_flows_forget(struct nsv_flows *t)
{
	if (t->n)
		return -EBUSY;
	t->ended = calloc(NSV_FLOWS_ENDED_KEPT, sizeof(*t->ended));
	if (!t->ended)
		return -ENOMEM;
	t->forget = true;
	return 0;
}

void nsv_flows_free(struct nsv_flows *t)
{
	size_t i;

	if (!t)
		return;
	if (t->forget) {
		for (i = 0; i < t->nslots; i++)
			free(t->slots[i].fl);
	} else {
		for (i = 0; i < t->n; i++)
			free(t->flows[i]);
	}
	free(t->flows);
	free(t->slots);
	free(t->ended);
	free(t);
}

size_t nsv_flows_count(const struct nsv_flows *t)
{
	return t->n;
}

size_t nsv_flows_held(const struct nsv_flows *t)
{
	return t->forget ? t->hashed : t->n;
}

const struct nsv_flow *nsv_flows_get(const struct nsv_flows *t, size_t i)
{
	return i < t->n && !t->forget ? t->flows[i] : NULL;
}

uint64_t nsv_flows_refused(const struct nsv_flows *t)
{
	return t->refused;
}

const char *nsv_flow_state_name(enum nsv_flow_state s)
{
	static const char *const names[] = {
		[NSV_FLOW_SEEN] = "seen",
		[NSV_FLOW_REQUESTED] = "requested",
		[NSV_FLOW_ESTABLISHED] = "established",
		[NSV_FLOW_CLOSING] = "closing",
		[NSV_FLOW_CLOSED] = "closed",
		[NSV_FLOW_REFUSED] = "refused",
	};

	return (unsigned int)s < sizeof(names) / sizeof(names[0]) ? names[s] :
								    NULL;
}

/* ------------------------------------------------------------------ lookup */

/* A frame's ends as it names them, in either order the same connection. */
struct key {
	uint64_t cid[2];
	uint32_t port[2];
	uint16_t type;
	uint16_t tag; /* relay frames: their connection number */
};

/* One end of a connection, mixed: its bits spread over the whole word. */
static inline uint64_t end_hash(uint64_t cid, uint32_t port)
{
	uint64_t h = (cid ^ (uint64_t)port << 32) * 0x9e3779b97f4a7c15ULL;

	return h ^ h >> 29;
}

/*
 * The sum of the two ends' hashes does not depend on their order: both
 * directions hash alike without sorting the ends first (a comparison of
 * random ends that mispredicted on every other frame). Each end is mixed
 * before the sum: products alone would sum to one product of the sums,
 * the same for all connections whose ports add up alike.
 */
static uint32_t key_hash(const struct key *k)
{
	uint64_t h = end_hash(k->cid[0], k->port[0]) +
		     end_hash(k->cid[1], k->port[1]);

	h = (h ^ (k->type | (uint64_t)k->tag << 16)) * 0xc2b2ae3d27d4eb4fULL;
	return (uint32_t)(h >> 32);
}

/*
 * Whether @fl is @k's connection, its ends in either order; without
 * branches, as whichever order a frame has is random.
 */
static bool key_match(const struct key *k, const struct nsv_flow *fl)
{
	bool fwd = (fl->cid[0] == k->cid[0]) & (fl->port[0] == k->port[0]) &
		   (fl->cid[1] == k->cid[1]) & (fl->port[1] == k->port[1]);
	bool rev = (fl->cid[0] == k->cid[1]) & (fl->port[0] == k->port[1]) &
		   (fl->cid[1] == k->cid[0]) & (fl->port[1] == k->port[0]);

	return (fl->type == k->type) & (fl->tag == k->tag) & (fwd | rev);
}

/* The slot holding @k (hashed to @h), or the empty slot where it goes. */
static struct slot *slot_find(const struct nsv_flows *t, const struct key *k,
			      uint32_t h)
{
	size_t mask = t->nslots - 1, i = h & mask;

	for (;; i = (i + 1) & mask) {
		struct slot *s = &t->slots[i];

		if (!s->fl || (s->hash == h && key_match(k, s->fl)))
			return s;
	}
}

/*
 * Take @fl out of the hash; the flows after it in its probe run move back
 * so that no lookup stops early at the hole (no tombstones).
 */
static void slot_remove(struct nsv_flows *t, const struct nsv_flow *fl)
{
	size_t mask = t->nslots - 1, i, j, home;

	for (i = fl->hash & mask; t->slots[i].fl != fl; i = (i + 1) & mask)
		if (!t->slots[i].fl)
			return;
	for (j = (i + 1) & mask; t->slots[j].fl; j = (j + 1) & mask) {
		home = t->slots[j].hash & mask;
		/* it stays if its home lies cyclically in (i, j] */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		t->slots[i] = t->slots[j];
		i = j;
	}
	t->slots[i].fl = NULL;
	t->hashed--;
}

/*
 * forget: @fl just ended. The ring keeps the newest ended flows; the one
 * it pushes out leaves the hash and memory. A frame being printed names
 * only its own flow, which has just ended, never the oldest.
 */
static void ended(struct nsv_flows *t, struct nsv_flow *fl)
{
	struct nsv_flow **slot = &t->ended[t->nended++ % NSV_FLOWS_ENDED_KEPT];
	struct nsv_flow *old = *slot;

	*slot = fl;
	if (!old)
		return;
	slot_remove(t, old);
	free(old);
}

static int grow(struct nsv_flows *t)
{
	size_t old = t->nslots, i;
	struct slot *os = t->slots;

	t->slots = calloc(old * 2, sizeof(*t->slots));
	if (!t->slots) {
		t->slots = os;
		return -ENOMEM;
	}
	t->nslots = old * 2;
	for (i = 0; i < old; i++) {
		size_t j, mask = t->nslots - 1;

		if (!os[i].fl)
			continue;
		/* keys are unique: the first empty slot is the one */
		for (j = os[i].hash & mask; t->slots[j].fl; j = (j + 1) & mask)
			;
		t->slots[j] = os[i];
	}
	free(os);
	return 0;
}

static struct nsv_flow *flow_add(struct nsv_flows *t, const struct key *k,
				 uint32_t h, uint64_t c0, uint32_t p0,
				 uint64_t c1, uint32_t p1)
{
	struct nsv_flow *fl;
	struct slot *s;

	if (t->hashed + 1 > t->nslots / 2 && grow(t))
		return NULL;
	if (!t->forget && t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		struct nsv_flow **nf = realloc(t->flows, cap * sizeof(*nf));

		if (!nf)
			return NULL;
		t->flows = nf;
		t->cap = cap;
	}
	if (t->n >= UINT32_MAX - 1)
		return NULL;
	fl = calloc(1, sizeof(*fl));
	if (!fl)
		return NULL;
	fl->id = t->n + 1;
	fl->hash = h;
	fl->type = k->type;
	fl->tag = k->tag;
	fl->cid[0] = c0;
	fl->port[0] = p0;
	fl->cid[1] = c1;
	fl->port[1] = p1;
	if (!t->forget)
		t->flows[t->n] = fl;
	t->n++;
	s = slot_find(t, k, h);
	if (s->fl && t->forget) {
		/*
		 * A REQUEST on the key of an older flow: nothing looks that
		 * one up again. One that ended is the ring's to free.
		 */
		if (s->fl->state < NSV_FLOW_CLOSED) {
			free(s->fl);
		}
		t->hashed--;
	}
	s->fl = fl;
	s->hash = h;
	t->hashed++;
	return fl;
}

/* ------------------------------------------------------------------ credit */

bool nsv_flow_credit(const struct nsv_flow *fl, int dir, int64_t *credit)
{
	const struct nsv_flow_dir *me = &fl->dir[dir], *peer = &fl->dir[!dir];

	if (!me->tx_known || !peer->advertised)
		return false;
	/* in flight: the kernel's u32 arithmetic, wrap included */
	*credit = (int64_t)peer->buf_alloc -
		  (int64_t)(uint32_t)(me->tx_cnt - peer->fwd_cnt);
	return true;
}

int64_t nsv_ns_between(int64_t s0, uint32_t n0, int64_t s1, uint32_t n1)
{
	int64_t ns;

	if (__builtin_sub_overflow(s1, s0, &ns) ||
	    __builtin_mul_overflow(ns, 1000000000LL, &ns) ||
	    __builtin_add_overflow(ns, (int64_t)n1 - (int64_t)n0, &ns))
		return s1 > s0 ? INT64_MAX : INT64_MIN;
	return ns;
}

/*
 * A sender at zero credit only stalled if it had more to send: an episode
 * ends when credit comes back, and counts once the same sender's next RW
 * shows it was waiting (a sender that just sent its last byte into a full
 * buffer was not). One still open at the end is reported apart.
 */
static void blocked_end(struct nsv_flow_dir *d, int64_t sec, uint32_t nsec)
{
	int64_t ns;

	if (!d->blocked)
		return;
	d->blocked = false;
	ns = nsv_ns_between(d->blocked_sec, d->blocked_nsec, sec, nsec);
	d->stall_pending = true;
	d->stall_ns = ns > 0 ? (uint64_t)ns : 0;
}

static void stall_commit(struct nsv_flow_dir *d, struct nsv_flow_note *note)
{
	if (!d->stall_pending)
		return;
	d->stall_pending = false;
	d->zero_credit++;
	d->zero_credit_ns += d->stall_ns;
	note->stall = true;
	note->stall_sec = d->blocked_sec;
	note->stall_nsec = d->blocked_nsec;
	note->stall_ns = d->stall_ns;
}

/*
 * Start or end zero-credit episodes after the state changed; the credit of
 * each direction (nsv_flow_credit()) into the note, from its sender's side.
 */
static void credit_check(struct nsv_flow *fl, int64_t sec, uint32_t nsec,
			 int dir, struct nsv_flow_note *note)
{
	bool known[2];
	int64_t c[2];
	int d;

	for (d = 0; d < 2; d++) {
		struct nsv_flow_dir *dd = &fl->dir[d];

		known[d] = nsv_flow_credit(fl, d, &c[d]);
		if (!known[d])
			continue;
		if (c[d] <= 0 && !dd->blocked) {
			dd->blocked = true;
			dd->stall_pending = false;
			dd->blocked_sec = sec;
			dd->blocked_nsec = nsec;
		} else if (c[d] > 0) {
			blocked_end(dd, sec, nsec);
		}
	}
	note->credit_known = known[dir];
	note->credit = known[dir] ? c[dir] : 0;
	note->peer_credit_known = known[!dir];
	note->peer_credit = known[!dir] ? c[!dir] : 0;
}

static void event_add(struct nsv_flow *fl, const struct nsv_pkt *pkt,
		      uint16_t op, uint32_t flags, int dir)
{
	struct nsv_flow_event *e;

	/* loopback resets both ends: RST, RST, RST reads better as RST x3 */
	if (fl->nevents) {
		e = &fl->events[fl->nevents - 1];
		if (e->op == op && e->dir == dir &&
		    e->flags == (uint8_t)flags) {
			e->count++;
			return;
		}
	}
	if (fl->nevents == NSV_FLOW_MAX_EVENTS) {
		fl->events_lost++;
		return;
	}
	e = &fl->events[fl->nevents++];
	e->op = op;
	e->dir = (uint8_t)dir;
	e->flags = (uint8_t)flags;
	e->count = 1;
	e->sec = pkt->sec;
	e->nsec = pkt->nsec;
}

/* A handshake fixes both byte counters at zero: credit becomes exact. */
static void handshake(struct nsv_flow *fl)
{
	int d;

	fl->handshake = true;
	for (d = 0; d < 2; d++) {
		if (fl->dir[d].tx_known)
			continue;
		fl->dir[d].tx_known = true;
		fl->dir[d].tx_cnt = 0;
	}
}

static void virtio_update(struct nsv_flows *t, struct nsv_flow *fl,
			  const struct nsv_pkt *pkt, const struct nsv_frame *f,
			  int dir, struct nsv_flow_note *note)
{
	const struct nsv_virtio_hdr *v = &f->virtio;
	struct nsv_flow_dir *me = &fl->dir[dir], *peer = &fl->dir[!dir];
	uint32_t n;

	switch (v->op) {
	case NSV_VIRTIO_OP_REQUEST:
		event_add(fl, pkt, v->op, v->flags, dir);
		handshake(fl);
		if (fl->state == NSV_FLOW_SEEN)
			fl->state = NSV_FLOW_REQUESTED;
		break;
	case NSV_VIRTIO_OP_RESPONSE:
		event_add(fl, pkt, v->op, v->flags, dir);
		if (!fl->handshake)
			handshake(fl);
		if (fl->state <= NSV_FLOW_REQUESTED)
			fl->state = NSV_FLOW_ESTABLISHED;
		break;
	case NSV_VIRTIO_OP_RST:
		event_add(fl, pkt, v->op, v->flags, dir);
		if (fl->state == NSV_FLOW_REQUESTED) {
			fl->state = NSV_FLOW_REFUSED;
			t->refused++;
		} else if (fl->state != NSV_FLOW_REFUSED) {
			fl->state = NSV_FLOW_CLOSED;
		}
		/* nobody waits for credit on a reset connection */
		me->blocked = peer->blocked = false;
		me->stall_pending = peer->stall_pending = false;
		return;
	case NSV_VIRTIO_OP_SHUTDOWN:
		event_add(fl, pkt, v->op, v->flags, dir);
		if (fl->state < NSV_FLOW_CLOSING)
			fl->state = NSV_FLOW_CLOSING;
		break;
	case NSV_VIRTIO_OP_RW:
		/*
		 * A 6.1 vhost host splits a packet for the guest's small
		 * buffers and each fragment's frame carries the whole rest of
		 * the packet: the header's len is the fragment's own.
		 */
		n = v->len;
		if (f->payload_len > n)
			me->oversized++;
		else if (f->payload_len < n)
			n = (uint32_t)f->payload_len;
		/* data while we saw no credit: our estimate was wrong */
		if (me->blocked)
			me->blocked = false;
		else if (n)
			stall_commit(me, note);
		me->bytes += n;
		me->tx_cnt += n;
		note->bytes = n;
		break;
	case NSV_VIRTIO_OP_CREDIT_UPDATE:
		me->credit_updates++;
		break;
	case NSV_VIRTIO_OP_CREDIT_REQUEST:
		me->credit_requests++;
		break;
	default:
		break;
	}

	/* a tracepoint alloc event says nothing about the sender's buffer */
	if (nsv_frame_credit_known(f)) {
		me->buf_alloc = v->buf_alloc;
		me->fwd_cnt = v->fwd_cnt;
		me->advertised = true;
		/*
		 * Mid-connection capture: the peer has sent at least what we
		 * have consumed. Assume nothing in flight at first, and never
		 * less than that later: the credit shown is an upper bound,
		 * never too low.
		 */
		if (!peer->tx_known) {
			peer->tx_known = true;
			peer->tx_cnt = me->fwd_cnt;
		} else if ((int32_t)(me->fwd_cnt - peer->tx_cnt) > 0) {
			peer->tx_cnt = me->fwd_cnt;
		}
	}
	credit_check(fl, pkt->sec, pkt->nsec, dir, note);
}

/*
 * Frames without a virtio header (the hybrid relay's): the initiator's
 * CONNECT, the other side's CONNECT as its answer, PAYLOAD, and a
 * DISCONNECT from each side as it stops sending; no credit.
 */
static void mon_update(struct nsv_flows *t, struct nsv_flow *fl,
		       const struct nsv_pkt *pkt, const struct nsv_frame *f,
		       int dir, struct nsv_flow_note *note)
{
	struct nsv_flow_dir *me = &fl->dir[dir];

	switch (f->op) {
	case NSV_MON_OP_CONNECT:
		event_add(fl, pkt, NSV_FLOW_MON_OP | f->op, 0, dir);
		if (fl->state == NSV_FLOW_SEEN)
			fl->state = dir ? NSV_FLOW_ESTABLISHED :
					  NSV_FLOW_REQUESTED;
		else if (fl->state == NSV_FLOW_REQUESTED && dir)
			fl->state = NSV_FLOW_ESTABLISHED;
		break;
	case NSV_MON_OP_DISCONNECT:
		event_add(fl, pkt, NSV_FLOW_MON_OP | f->op, 0, dir);
		me->disconnected = true;
		if (fl->state == NSV_FLOW_REQUESTED) {
			fl->state = NSV_FLOW_REFUSED;
			t->refused++;
		} else if (fl->state != NSV_FLOW_REFUSED) {
			fl->state = fl->dir[!dir].disconnected ?
					    NSV_FLOW_CLOSED :
					    NSV_FLOW_CLOSING;
		}
		break;
	case NSV_MON_OP_PAYLOAD:
		me->bytes += f->payload_len;
		note->bytes = (uint32_t)f->payload_len;
		break;
	default:
		break;
	}
}

/* Whether @f starts a connection, even on a key seen before. */
static bool opens_flow(const struct nsv_flow *fl, const struct nsv_frame *f)
{
	if (f->has_virtio)
		return f->virtio.op == NSV_VIRTIO_OP_REQUEST;
	if (f->transport != NSV_TRANSPORT_NO_INFO ||
	    f->op != NSV_MON_OP_CONNECT)
		return false;
	/* the answer to a CONNECT belongs to the connection it answers */
	return !(fl && fl->state == NSV_FLOW_REQUESTED &&
		 fl->cid[1] == f->src_cid && fl->port[1] == f->src_port);
}

int nsv_flows_update(struct nsv_flows *t, const struct nsv_pkt *pkt,
		     const struct nsv_frame *f, struct nsv_flow_note *note)
{
	struct nsv_flow_note dummy;
	struct key k = {
		.cid = { f->src_cid, f->dst_cid },
		.port = { f->src_port, f->dst_port },
		.type = f->has_virtio ? f->virtio.type : 0,
		.tag = (uint16_t)nsv_frame_relay_tag(f),
	};
	enum nsv_flow_state was;
	struct nsv_flow *fl;
	uint32_t h;
	int dir;

	if (!note)
		note = &dummy;
	memset(note, 0, sizeof(*note));
	/* Without its header a frame cannot be placed (its type is unknown). */
	if (f->trunc == NSV_TRUNC_MON_HDR ||
	    f->trunc == NSV_TRUNC_TRANSPORT_HDR ||
	    (f->transport == NSV_TRANSPORT_VIRTIO && !f->has_virtio))
		return 0;

	h = key_hash(&k);
	fl = slot_find(t, &k, h)->fl;
	/* A REQUEST always opens a new connection, even on a used key. */
	if (!fl || opens_flow(fl, f)) {
		/* The initiator is whoever sent the REQUEST the RESPONSE
		 * answers, else whoever we saw first. */
		if (f->has_virtio && f->virtio.op == NSV_VIRTIO_OP_RESPONSE)
			fl = flow_add(t, &k, h, f->dst_cid, f->dst_port,
				      f->src_cid, f->src_port);
		else
			fl = flow_add(t, &k, h, f->src_cid, f->src_port,
				      f->dst_cid, f->dst_port);
		if (!fl)
			return -ENOMEM;
		fl->transport = f->transport;
		fl->synth = nsv_frame_synth(f);
		fl->first_sec = pkt->sec;
		fl->first_nsec = pkt->nsec;
	}

	/* no branch: which end sends is random */
	dir = !((fl->cid[0] == f->src_cid) & (fl->port[0] == f->src_port));
	fl->last_sec = pkt->sec;
	fl->last_nsec = pkt->nsec;
	fl->dir[dir].pkts++;
	note->flow = fl;
	note->dir = dir;
	was = fl->state;
	if (f->has_virtio)
		virtio_update(t, fl, pkt, f, dir, note);
	else if (f->transport == NSV_TRANSPORT_NO_INFO)
		mon_update(t, fl, pkt, f, dir, note);
	if (t->forget && was < NSV_FLOW_CLOSED && fl->state >= NSV_FLOW_CLOSED)
		ended(t, fl);
	return 0;
}
