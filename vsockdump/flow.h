/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vsockdump: connections and their credit flow control, followed frame by frame. */
#ifndef NSV_FLOW_H
#define NSV_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

enum nsv_flow_state {
	NSV_FLOW_SEEN = 0, /* traffic, but no handshake seen */
	NSV_FLOW_REQUESTED, /* REQUEST sent, no answer yet */
	NSV_FLOW_ESTABLISHED, /* RESPONSE seen */
	NSV_FLOW_CLOSING, /* a SHUTDOWN seen */
	NSV_FLOW_CLOSED, /* RST after a handshake or a SHUTDOWN */
	NSV_FLOW_REFUSED, /* REQUEST answered by RST */
};

#define NSV_FLOW_MAX_EVENTS 12

/*
 * A state change of a connection: one REQUEST/RESPONSE/SHUTDOWN/RST, or for
 * frames without a virtio header (the hybrid relay's) a CONNECT or
 * DISCONNECT: then op is NSV_FLOW_MON_OP | the vsockmon op.
 */
#define NSV_FLOW_MON_OP 0x100

struct nsv_flow_event {
	uint16_t op;
	uint8_t dir; /* 0: from the initiator, 1: from the other end */
	uint8_t flags; /* SHUTDOWN flags */
	uint32_t count; /* the same event repeated this often in a row */
	int64_t sec;
	uint32_t nsec;
};

/* What one direction of a connection did; [0] is initiator to acceptor. */
struct nsv_flow_dir {
	uint64_t pkts;
	uint64_t bytes; /* RW payload, fragment-quirk corrected */
	uint64_t credit_updates; /* CREDIT_UPDATE sent */
	uint64_t credit_requests; /* CREDIT_REQUEST sent */
	uint64_t zero_credit; /* stalls: no credit, then more data sent */
	uint64_t zero_credit_ns; /* their total length */
	uint64_t oversized; /* frames holding more than their header's len */
	/* credit state: what this side last advertised, what it sent */
	uint32_t buf_alloc;
	uint32_t fwd_cnt;
	uint32_t tx_cnt; /* bytes sent, modulo 2^32 as in the kernel */
	bool advertised; /* buf_alloc/fwd_cnt seen */
	bool tx_known; /* tx_cnt is exact (handshake seen) or synced */
	bool blocked; /* at zero credit now */
	int64_t blocked_sec;
	uint32_t blocked_nsec;
	bool stall_pending; /* credit came back: a stall if data follows */
	uint64_t stall_ns;
	bool disconnected; /* without virtio: this side sent DISCONNECT */
};

/* One connection: socket type plus both CID:PORT ends. */
struct nsv_flow {
	uint64_t id; /* 1, 2, ... in order of first frame */
	uint32_t hash; /* of its key, for the table */
	uint16_t type; /* virtio type; 0 for frames of other transports */
	uint16_t transport; /* NSV_TRANSPORT_* of its frames */
	unsigned int synth; /* nsv_frame_synth() of its first frame */
	uint16_t tag; /* relay frames: the connection number, mod 256 */
	uint64_t cid[2];
	uint32_t port[2]; /* [0] is the initiator when the REQUEST was seen */
	enum nsv_flow_state state;
	bool handshake; /* REQUEST or RESPONSE seen: credit is exact */
	int64_t first_sec, last_sec;
	uint32_t first_nsec, last_nsec;
	struct nsv_flow_dir dir[2];
	struct nsv_flow_event events[NSV_FLOW_MAX_EVENTS];
	unsigned int nevents; /* stored */
	uint64_t events_lost; /* seen beyond NSV_FLOW_MAX_EVENTS */
};

/* What the flow tracker says about one frame. */
struct nsv_flow_note {
	const struct nsv_flow *flow; /* NULL for a frame without its header */
	int dir; /* 0 or 1: index into flow->dir */
	bool credit_known; /* credit is meaningful */
	int64_t credit; /* what the sender of this frame may
				      * still send, this frame counted */
	bool peer_credit_known; /* peer_credit is meaningful */
	int64_t peer_credit; /* what the receiver of this frame may
				      * still send to its sender */
	uint32_t bytes; /* payload bytes this frame counted */
	/* this frame's data showed its sender had stalled at zero credit */
	bool stall;
	int64_t stall_sec; /* when its credit ran out */
	uint32_t stall_nsec;
	uint64_t stall_ns; /* until credit came back */
};

struct nsv_flows;

/** nsv_flows_new - an empty connection table; 0 or -ENOMEM */
int nsv_flows_new(struct nsv_flows **out);
void nsv_flows_free(struct nsv_flows *t);

/**
 * nsv_flows_update - account one decoded frame
 * @note: receives the flow and credit state for printing; may be NULL
 *
 * Payload bytes count the virtio header's len, but never more than the frame
 * carries: a 6.1 vhost host repeats the rest of a split packet in each
 * fragment's frame. Frames whose credit fields are unknown (tracepoint
 * alloc events) leave the credit state alone. Frames without a virtio
 * header follow CONNECT, PAYLOAD and DISCONNECT of the vsockmon header:
 * the hybrid relay's connections, without credit. Returns 0 or -ENOMEM.
 */
int nsv_flows_update(struct nsv_flows *t, const struct nsv_pkt *pkt,
		     const struct nsv_frame *f, struct nsv_flow_note *note);

/* Ended flows a forgetful table keeps for frames that trail the end. */
#define NSV_FLOWS_ENDED_KEPT 1024

/**
 * nsv_flows_forget - keep only what the next frames need
 *
 * For a table nobody asks for a summary (nsv_flows_get() then returns
 * NULL): a connection that ended (closed or refused) is freed once
 * NSV_FLOWS_ENDED_KEPT more have ended, so memory follows the connections
 * open at a time, not all there were. A flow in a note stays valid until
 * the next update. Only on an empty table; returns 0, -EBUSY or -ENOMEM.
 */
int nsv_flows_forget(struct nsv_flows *t);

/** nsv_flows_count - connections seen so far */
size_t nsv_flows_count(const struct nsv_flows *t);
/** nsv_flows_held - connections the table holds in memory */
size_t nsv_flows_held(const struct nsv_flows *t);
/** nsv_flows_get - the @i-th connection in order of appearance, or NULL */
const struct nsv_flow *nsv_flows_get(const struct nsv_flows *t, size_t i);
/** nsv_flows_refused - connects answered by RST */
uint64_t nsv_flows_refused(const struct nsv_flows *t);
const char *nsv_flow_state_name(enum nsv_flow_state s);

/**
 * nsv_flow_credit - free credit of the sender in direction @dir
 *
 * peer buf_alloc - (tx_cnt - peer fwd_cnt); returns false when unknown.
 */
bool nsv_flow_credit(const struct nsv_flow *fl, int dir, int64_t *credit);

/**
 * nsv_ns_between - nanoseconds from @s0.@n0 to @s1.@n1
 *
 * A file's time stamps may lie any distance apart: past int64_t
 * nanoseconds the answer saturates (the fuzzer found the overflow).
 */
int64_t nsv_ns_between(int64_t s0, uint32_t n0, int64_t s1, uint32_t n1);

#endif /* NSV_FLOW_H */
