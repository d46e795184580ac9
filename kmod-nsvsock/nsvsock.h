/* SPDX-License-Identifier: GPL-2.0 */
/* nsvsock: what the module's files share: modes, per-netns state, counters. */
#ifndef NSVSOCK_H
#define NSVSOCK_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/types.h>
#include <linux/vm_sockets.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "compat.h"

struct sk_buff;

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
	/* CID domain (domain.c): 0 for none; written once each */
	u32 domain;
	u32 cid;
	struct list_head cid_node; /* on domain.c's list while cid is set */
};

/*
 * Who sent a packet: the sending namespace's cookie (never reused, unlike
 * its address) and mode. A packet carries this from send_pkt to delivery
 * so that no reference to the namespace is needed in between.
 */
struct nsv_origin {
	u64 cookie;
	enum nsv_mode mode;
	u32 domain;
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

/*
 * May a packet from @from to @dst_cid reach a socket in @to? To loopback's
 * CIDs (1, and 2 where no guest transport is loaded), Linux 7.0's rule. To
 * a domain CID, only the namespace that holds it, from its own domain.
 */
static inline bool nsv_reachable(const struct nsv_origin *from,
				 const struct net *to, u64 dst_cid)
{
	const struct nsv_net *nn = nsv_net(to);

	if (dst_cid > VMADDR_CID_HOST)
		return READ_ONCE(nn->cid) == dst_cid &&
		       (from->cookie == to->net_cookie ||
			(from->domain &&
			 from->domain == READ_ONCE(nn->domain)));
	if (from->cookie == to->net_cookie)
		return true;
	return from->mode == NSV_MODE_GLOBAL && nn->mode == NSV_MODE_GLOBAL;
}

/* What a proc handler is given: const since Linux 6.11. */
#ifdef NSV_HAVE_CONST_CTL_TABLE
#define NSV_CTL_TABLE const struct ctl_table
#else
#define NSV_CTL_TABLE struct ctl_table
#endif

/* CID domains (domain.c): set once the transport holds vsock's CID slots. */
extern bool nsv_domains_on;
int nsv_sysctl_domain(NSV_CTL_TABLE *table, int write, void *buffer,
		      size_t *lenp, loff_t *ppos);
int nsv_sysctl_cid(NSV_CTL_TABLE *table, int write, void *buffer, size_t *lenp,
		   loff_t *ppos);
void nsv_domain_net_exit(struct nsv_net *nn);
/* A namespace's own CID: its domain CID, or loopback's (net may be NULL). */
u32 nsv_domain_local_cid(const struct net *net);
/* Take vsock's H2G and G2H slots, or say who holds them: 0 or -EBUSY. */
int nsv_transport_take_slots(void);

int nsv_netns_register(void);
void nsv_netns_unregister(void);
int nsv_transport_register(void);
void nsv_transport_unregister(void);

/*
 * Hand a packet to the scoped nsvsockmon taps of the namespaces with the
 * cookies @from and @to (0: none); cheap while no such tap is up.
 */
void nsv_tap_deliver(struct sk_buff *pkt, u64 from, u64 to);
/* The namespace that last sent from CID:PORT (0: unknown), and learning it. */
u64 nsv_tap_owner(u64 cid, u32 port);
void nsv_tap_learn(u64 cid, u32 port, u64 cookie);
/* Is a scoped tap up, so that the receiving namespace is worth finding? */
bool nsv_tap_scoped(void);
int nsv_tap_register(void);
void nsv_tap_unregister(void);

#endif
