// SPDX-License-Identifier: GPL-2.0
/* nsvsock: the nsvsockmon link kind, a vsockmon tap scoped to a namespace. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ethtool.h>
#include <linux/hash.h>
#include <linux/if_arp.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/rculist.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/virtio_vsock.h>
#include <net/af_vsock.h>
#include <net/rtnetlink.h>
#include <uapi/linux/vsockmon.h>

#include "nsvsock.h"

/*
 * An nsvsockmon device looks like a vsockmon device to capture tools: the
 * same ARPHRD_VSOCKMON type and the same frames (struct af_vsockmon_hdr,
 * the virtio header, the payload), handed to dev_queue_xmit so that packet
 * sockets see them leave.
 *
 * What it carries depends on where it is. In the initial namespace, only
 * a fully privileged admin can make one: it joins the kernel's own tap
 * list (vsock_add_tap) and carries every frame a vsockmon would, from every
 * transport, nsvsock's included. Anywhere else it carries only the frames
 * of nsvsock's connections that have an end in its namespace, so that a
 * container's root, who can create it (CAP_NET_ADMIN over the namespace is
 * all rtnetlink asks), captures its own traffic and nothing else.
 *
 * A device cannot move to another namespace: one made in the initial
 * namespace and moved into a container would keep seeing everything.
 */

struct nsv_tap {
	struct net_device *dev;
	struct list_head list; /* on nsv_taps while up, outside init_net */
	struct vsock_tap vt; /* on the kernel's list while up, in init_net */
	bool global;
};

static LIST_HEAD(nsv_taps);
static DEFINE_SPINLOCK(nsv_taps_lock);

/*
 * Which namespace last sent from an address: the stand-in for a socket
 * that is gone when the last packets of its connection (the resets of a
 * close) travel. A direct-mapped table, so a collision forgets the older
 * address; only the transport's work item reads or writes it.
 */
#define NSV_OWNER_BITS 10
static struct nsv_owner {
	u64 cid;
	u32 port;
	u64 cookie;
} nsv_owners[1 << NSV_OWNER_BITS];

static struct nsv_owner *nsv_owner_slot(u64 cid, u32 port)
{
	return &nsv_owners[hash_64(cid << 32 | port, NSV_OWNER_BITS)];
}

void nsv_tap_learn(u64 cid, u32 port, u64 cookie)
{
	struct nsv_owner *o = nsv_owner_slot(cid, port);

	o->cid = cid;
	o->port = port;
	o->cookie = cookie;
}

u64 nsv_tap_owner(u64 cid, u32 port)
{
	const struct nsv_owner *o = nsv_owner_slot(cid, port);

	return o->cid == cid && o->port == port ? o->cookie : 0;
}

/* The vsockmon header's op for a virtio op, as vsockmon reports it. */
static u16 nsv_tap_op(u16 virtio_op)
{
	switch (virtio_op) {
	case VIRTIO_VSOCK_OP_REQUEST:
	case VIRTIO_VSOCK_OP_RESPONSE:
		return AF_VSOCK_OP_CONNECT;
	case VIRTIO_VSOCK_OP_RST:
	case VIRTIO_VSOCK_OP_SHUTDOWN:
		return AF_VSOCK_OP_DISCONNECT;
	case VIRTIO_VSOCK_OP_RW:
		return AF_VSOCK_OP_PAYLOAD;
	case VIRTIO_VSOCK_OP_CREDIT_UPDATE:
	case VIRTIO_VSOCK_OP_CREDIT_REQUEST:
		return AF_VSOCK_OP_CONTROL;
	}
	return AF_VSOCK_OP_UNKNOWN;
}

/*
 * The frame for a packet not yet delivered: its data starts at the payload
 * (the virtio header is in the headroom) and may sit in page fragments
 * (MSG_ZEROCOPY), which skb_copy_bits reads as well.
 */
static struct sk_buff *nsv_tap_frame(struct sk_buff *pkt)
{
	struct virtio_vsock_hdr *vh = virtio_vsock_hdr(pkt);
	struct af_vsockmon_hdr *mh;
	struct sk_buff *skb;

	skb = alloc_skb(sizeof(*mh) + sizeof(*vh) + pkt->len, GFP_ATOMIC);
	if (!skb)
		return NULL;
	mh = skb_put_zero(skb, sizeof(*mh));
	/* Both headers are little-endian: the addresses copy as they are. */
	mh->src_cid = vh->src_cid;
	mh->src_port = vh->src_port;
	mh->dst_cid = vh->dst_cid;
	mh->dst_port = vh->dst_port;
	mh->op = cpu_to_le16(nsv_tap_op(le16_to_cpu(vh->op)));
	mh->transport = cpu_to_le16(AF_VSOCK_TRANSPORT_VIRTIO);
	mh->len = cpu_to_le16(sizeof(*vh));
	skb_put_data(skb, vh, sizeof(*vh));
	if (pkt->len &&
	    skb_copy_bits(pkt, 0, skb_put(skb, pkt->len), pkt->len)) {
		kfree_skb(skb);
		return NULL;
	}
	return skb;
}

void nsv_tap_deliver(struct sk_buff *pkt, u64 from, u64 to)
{
	struct sk_buff *frame = NULL, *skb;
	struct nsv_tap *tap;
	u64 cookie;

	rcu_read_lock();
	list_for_each_entry_rcu(tap, &nsv_taps, list) {
		cookie = dev_net(tap->dev)->net_cookie;
		if (cookie != from && cookie != to)
			continue;
		if (!frame)
			frame = nsv_tap_frame(pkt);
		skb = frame ? skb_clone(frame, GFP_ATOMIC) : NULL;
		if (!skb) {
			dev_core_stats_tx_dropped_inc(tap->dev);
			continue;
		}
		skb->dev = tap->dev;
		dev_queue_xmit(skb);
	}
	rcu_read_unlock();
	consume_skb(frame);
}

bool nsv_tap_scoped(void)
{
	return !list_empty(&nsv_taps);
}

static int nsv_tap_open(struct net_device *dev)
{
	struct nsv_tap *tap = netdev_priv(dev);

	tap->dev = dev;
	tap->global = net_eq(dev_net(dev), &init_net);
	if (tap->global) {
		/* The kernel's list holds the module while the device is up. */
		tap->vt.dev = dev;
		tap->vt.module = THIS_MODULE;
		return vsock_add_tap(&tap->vt);
	}
	/*
	 * A scoped tap does not hold the module: a container must not be
	 * able to keep the host's admin from unloading it. Unloading deletes
	 * the devices (rtnl_link_unregister).
	 */
	spin_lock(&nsv_taps_lock);
	list_add_tail_rcu(&tap->list, &nsv_taps);
	spin_unlock(&nsv_taps_lock);
	return 0;
}

static int nsv_tap_stop(struct net_device *dev)
{
	struct nsv_tap *tap = netdev_priv(dev);

	if (tap->global)
		return vsock_remove_tap(&tap->vt);
	spin_lock(&nsv_taps_lock);
	list_del_rcu(&tap->list);
	spin_unlock(&nsv_taps_lock);
	synchronize_net();
	return 0;
}

static netdev_tx_t nsv_tap_xmit(struct sk_buff *skb, struct net_device *dev)
{
	dev_lstats_add(dev, skb->len);
	consume_skb(skb);
	return NETDEV_TX_OK;
}

static void nsv_tap_get_stats64(struct net_device *dev,
				struct rtnl_link_stats64 *stats)
{
	/* As vsockmon counts them; frames not made are in the core's drops. */
	dev_lstats_read(dev, &stats->rx_packets, &stats->rx_bytes);
}

#ifndef NSV_HAVE_PCPU_STAT_TYPE
/* Before the core allocated per-cpu stats for a device that asked. */
static int nsv_tap_init(struct net_device *dev)
{
	dev->lstats = netdev_alloc_pcpu_stats(struct pcpu_lstats);
	return dev->lstats ? 0 : -ENOMEM;
}

static void nsv_tap_uninit(struct net_device *dev)
{
	free_percpu(dev->lstats);
}
#endif

static const struct net_device_ops nsv_tap_ops = {
#ifndef NSV_HAVE_PCPU_STAT_TYPE
	.ndo_init = nsv_tap_init,
	.ndo_uninit = nsv_tap_uninit,
#endif
	.ndo_open = nsv_tap_open,
	.ndo_stop = nsv_tap_stop,
	.ndo_start_xmit = nsv_tap_xmit,
	.ndo_get_stats64 = nsv_tap_get_stats64,
};

static u32 nsv_tap_get_link(struct net_device *dev)
{
	return 1;
}

static const struct ethtool_ops nsv_tap_ethtool_ops = {
	.get_link = nsv_tap_get_link,
};

static void nsv_tap_setup(struct net_device *dev)
{
	dev->type = ARPHRD_VSOCKMON;
	dev->flags = IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->netdev_ops = &nsv_tap_ops;
	dev->ethtool_ops = &nsv_tap_ethtool_ops;
	dev->needs_free_netdev = true;
	dev->features = NETIF_F_SG | NETIF_F_FRAGLIST | NETIF_F_HIGHDMA;
#ifdef NSV_HAVE_DEV_LLTX
	dev->lltx = true;
#else
	dev->features |= NETIF_F_LLTX;
#endif
#if defined(NSV_HAVE_NETNS_IMMUTABLE)
	dev->netns_immutable = true;
#elif defined(NSV_HAVE_DEV_NETNS_LOCAL)
	dev->netns_local = true;
#else
	dev->features |= NETIF_F_NETNS_LOCAL;
#endif
	/* The largest virtio vsock packet fits, as on vsockmon. */
	dev->mtu = sizeof(struct af_vsockmon_hdr) +
		   sizeof(struct virtio_vsock_hdr) +
		   VIRTIO_VSOCK_MAX_PKT_BUF_SIZE;
	dev->min_mtu = sizeof(struct af_vsockmon_hdr);
#ifdef NSV_HAVE_PCPU_STAT_TYPE
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_LSTATS;
#endif
}

static struct rtnl_link_ops nsv_tap_link_ops __read_mostly = {
	.kind = "nsvsockmon",
	.priv_size = sizeof(struct nsv_tap),
	.setup = nsv_tap_setup,
};

int nsv_tap_register(void)
{
	return rtnl_link_register(&nsv_tap_link_ops);
}

void nsv_tap_unregister(void)
{
	rtnl_link_unregister(&nsv_tap_link_ops);
}
