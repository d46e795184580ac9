/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vsockstat: sock_diag dumps of vsock sockets, socket states, socket filters. */
#ifndef NSV_DIAG_H
#define NSV_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"

struct nsv_fexpr;

/*
 * Socket states as vsock_diag reports them: the kernel reuses the TCP state
 * numbers (vsock itself uses ESTABLISHED, SYN_SENT, CLOSE, LISTEN, CLOSING).
 */
enum nsv_sk_state {
	NSV_SS_ESTABLISHED = 1,
	NSV_SS_SYN_SENT = 2,
	NSV_SS_SYN_RECV = 3,
	NSV_SS_FIN_WAIT1 = 4,
	NSV_SS_FIN_WAIT2 = 5,
	NSV_SS_TIME_WAIT = 6,
	NSV_SS_CLOSE = 7,
	NSV_SS_CLOSE_WAIT = 8,
	NSV_SS_LAST_ACK = 9,
	NSV_SS_LISTEN = 10,
	NSV_SS_CLOSING = 11,
};
#define NSV_SS_ALL 0xfffU /* bitmap of 1 << state, states 0..11 */
/* ss's "connected": every state but LISTEN and CLOSE (UNCONN). */
#define NSV_SS_CONNECTED \
	(NSV_SS_ALL & ~(1U << NSV_SS_LISTEN | 1U << NSV_SS_CLOSE | 1U))

/* vdiag_shutdown bits (the socket's own sk_shutdown). */
#define NSV_SHUT_RCV 0x1
#define NSV_SHUT_SEND 0x2

/* One socket as struct vsock_diag_msg describes it, in host order. */
struct nsv_diag_sock {
	uint8_t type; /* SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_SEQPACKET 5 */
	uint8_t state; /* enum nsv_sk_state */
	uint8_t shutdown; /* NSV_SHUT_* */
	uint32_t src_cid;
	uint32_t src_port;
	uint32_t dst_cid;
	uint32_t dst_port;
	uint32_t ino;
	uint64_t cookie;
};

/* Called once per socket; a negative return stops the walk with that error. */
typedef int (*nsv_diag_cb)(const struct nsv_diag_sock *s, void *data);

/**
 * nsv_diag_parse - decode netlink messages of a sock_diag reply
 * @buf: bytes as received from (or recorded off) a NETLINK_SOCK_DIAG socket
 * @len: how many bytes of @buf are valid
 * @cb: called for each SOCK_DIAG_BY_FAMILY message
 *
 * Never reads past @len; needs no alignment of @buf. NLMSG_NOOP is skipped.
 * Returns 0 when more messages may follow, 1 after NLMSG_DONE, the -errno
 * of an NLMSG_ERROR (or of NLMSG_DONE carrying one; a code that is no
 * errno, beyond -4095, is -EBADMSG), -EBADMSG for a message
 * cut short, a length field that lies, a reply shorter than struct
 * vsock_diag_msg, a family other than AF_VSOCK or an unknown message type,
 * -EOVERFLOW for NLMSG_OVERRUN, or what @cb returned.
 */
int nsv_diag_parse(const void *buf, size_t len, nsv_diag_cb cb, void *data);

/**
 * nsv_diag_dump - list the vsock sockets of the caller's network namespace
 * @states: bitmap of 1 << state to ask the kernel for (NSV_SS_ALL for all)
 * @record: if not NULL, every reply is also written there, byte for byte
 * @cb: called once per socket
 *
 * Returns 0, -ENOENT when vsock_diag is not loaded (and could not be
 * autoloaded), -EIO when writing @record failed, or another -errno.
 */
int nsv_diag_dump(uint32_t states, FILE *record, nsv_diag_cb cb, void *data);

/* ----- filters */

#define NSV_FILTER_MAX 16 /* values per list (--cid 1,2,...) */

/*
 * What a socket must match: every non-empty criterion (AND); inside one
 * list any value (OR). Zero masks and empty lists match everything.
 */
struct nsv_sockfilter {
	uint32_t states; /* 1 << state */
	uint32_t types; /* 1 << type */
	uint32_t cid[NSV_FILTER_MAX]; /* local or peer CID */
	uint32_t port[NSV_FILTER_MAX]; /* local or peer port */
	uint32_t sport[NSV_FILTER_MAX]; /* local port */
	uint32_t dport[NSV_FILTER_MAX]; /* peer port */
	size_t ncid, nport, nsport, ndport;
	const struct nsv_fexpr *expr; /* an expression on top, or NULL */
};

/** nsv_sk_state_name - ss's name for a state ("ESTAB", "UNCONN"...), or NULL */
const char *nsv_sk_state_name(unsigned int state);

/**
 * nsv_sk_states_parse - bitmap of states for a comma-separated list
 *
 * Takes ss's state names (established, syn-sent, syn-recv, fin-wait-1,
 * fin-wait-2, time-wait, closed, close-wait, last-ack, listening, closing),
 * the names nsv_sk_state_name() prints (ESTAB, UNCONN, LISTEN...), the
 * groups all, connected and synchronized, in any case. Returns 0 and sets
 * *@mask, or -EINVAL (an empty item, an unknown name).
 */
int nsv_sk_states_parse(const char *list, uint32_t *mask);

/** nsv_sk_type_name - "stream", "dgram", "seqpacket", or NULL if unknown */
const char *nsv_sk_type_name(unsigned int type);

/** nsv_sk_types_parse - bitmap of 1 << type for "stream,seqpacket,..." */
int nsv_sk_types_parse(const char *list, uint32_t *mask);

/* The lists of struct nsv_sockfilter that nsv_sockfilter_add() fills. */
enum nsv_sockfilter_list {
	NSV_SF_CID, /* local or peer CID (--cid) */
	NSV_SF_PORT, /* local or peer port (--port) */
	NSV_SF_SPORT, /* local port (--sport) */
	NSV_SF_DPORT, /* peer port (--dport) */
};

/**
 * nsv_sockfilter_add - append a comma-separated list to one criterion
 * @what: which list; CIDs as nsv_cid_parse() takes them, then @lookup (may
 *        be NULL) with @data; ports as nsv_port_parse()
 *
 * Returns 0, -EINVAL for a bad value or @what, -E2BIG past NSV_FILTER_MAX.
 */
int nsv_sockfilter_add(struct nsv_sockfilter *f, enum nsv_sockfilter_list what,
		       const char *list, nsv_cid_lookup_fn lookup, void *data);

/** nsv_sockfilter_match - whether @s passes @f, its expression included */
bool nsv_sockfilter_match(const struct nsv_sockfilter *f,
			  const struct nsv_diag_sock *s);

#endif /* NSV_DIAG_H */
