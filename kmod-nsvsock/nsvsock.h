/* SPDX-License-Identifier: GPL-2.0 */
/* nsvsock: what the module's files share: modes, per-netns state, counters. */
#ifndef NSVSOCK_H
#define NSVSOCK_H

#include <linux/atomic.h>
#include <linux/types.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "compat.h"

/* Linux 7.0's two modes, with its names in the sysctls. */
enum nsv_mode {
	NSV_MODE_GLOBAL,
	NSV_MODE_LOCAL,
};

/*
 * Per network namespace state (net_generic). mode is fixed when the
 * namespace is created. child_lock is 0 until child_ns_mode is written,
 * then 1 + the mode written: a write-once value that one cmpxchg decides.
 */
struct nsv_net {
	enum nsv_mode mode;
	atomic_t child_lock;
	struct ctl_table *sysctl_table;
	struct ctl_table_header *sysctl_hdr;
	/* packets sent from this namespace and refused at the other end */
	atomic_long_t refused;
};

/*
 * Who sent a packet: the sending namespace's cookie (never reused, unlike
 * its address) and mode. A packet carries this from send_pkt to delivery
 * so that no reference to the namespace is needed in between.
 */
struct nsv_origin {
	u64 cookie;
	enum nsv_mode mode;
};

/* Module-wide counters, shown in the initial namespace's /proc/net/nsvsock. */
struct nsv_stats {
	atomic_long_t sockets; /* sockets assigned to the transport */
	atomic_long_t skbs; /* packets between send_pkt and delivery */
	atomic_long_t refused; /* packets refused for crossing namespaces */
	atomic_long_t resets; /* resets sent for refused packets */
};

extern struct nsv_stats nsv_stats;
extern unsigned int nsv_net_id;
/* local namespaces alive: while there are none, no packet is checked */
extern atomic_t nsv_local_nets;

static inline struct nsv_net *nsv_net(const struct net *net)
{
	return net_generic(net, nsv_net_id);
}

enum nsv_mode nsv_child_mode(const struct net *net);

/* May a packet from @from reach a socket in @to? Linux 7.0's rule. */
static inline bool nsv_reachable(const struct nsv_origin *from,
				 const struct net *to)
{
	if (from->cookie == to->net_cookie)
		return true;
	return from->mode == NSV_MODE_GLOBAL &&
	       nsv_net(to)->mode == NSV_MODE_GLOBAL;
}

int nsv_netns_register(void);
void nsv_netns_unregister(void);
int nsv_transport_register(void);
void nsv_transport_unregister(void);

#endif
