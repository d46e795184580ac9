// SPDX-License-Identifier: GPL-2.0
/* nsvsock: vsock's LOCAL transport, loopback that keeps namespaces apart. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/skbuff.h>
#include <linux/virtio_vsock.h>
#include <linux/workqueue.h>
#include <net/af_vsock.h>
#include <net/sock.h>

#include "nsvsock.h"

/*
 * How a packet travels: send_pkt labels it with its sender's namespace and
 * queues it; a work item hands each packet to the vsockmon tap, then asks
 * which socket it would reach and delivers it through the virtio common
 * code only if the two namespaces may talk (nsv_reachable). Otherwise the
 * packet is treated as sent to a closed port: dropped, and answered with a
 * reset unless it is one, so that connect() fails with ECONNRESET.
 *
 * Races. The lookup here and the one in virtio_transport_recv_pkt are two
 * lookups: a socket can be closed and another bound in between. The one
 * outcome that matters, a connection between namespaces that may not talk,
 * is refused again when the child socket is created (nsv_sock_init runs
 * inside the delivery of that REQUEST). Any other packet that slips through
 * reaches a socket whose peer address is its own source: with loopback's
 * machine-wide ports that peer holds the source port, so it is the sender.
 */

struct nsv_skb_cb {
	struct virtio_vsock_skb_cb virtio; /* first: the common code's */
	struct nsv_origin origin;
	bool refusal; /* our reset for a refused packet */
	bool answer; /* a reset made while delivering what it answers */
};

#define NSV_SKB_CB(skb) ((struct nsv_skb_cb *)((skb)->cb))
static_assert(sizeof(struct nsv_skb_cb) <= sizeof_field(struct sk_buff, cb));

struct nsv_stats nsv_stats;

static struct {
	struct workqueue_struct *wq;
	struct sk_buff_head queue;
	struct work_struct work;
	/* The packet being delivered: only the work item reads or writes. */
	bool rx_active;
	struct nsv_origin rx_origin;
	struct sockaddr_vm rx_src, rx_dst;
} nsv_loop;

static struct virtio_transport nsv_transport;

static bool nsv_in_delivery(void)
{
	return current_work() == &nsv_loop.work && nsv_loop.rx_active;
}

/* A reset sent back to the source of the packet being delivered. */
static bool nsv_is_reset_reply(const struct virtio_vsock_hdr *hdr)
{
	return le16_to_cpu(hdr->op) == VIRTIO_VSOCK_OP_RST &&
	       le64_to_cpu(hdr->dst_cid) == nsv_loop.rx_src.svm_cid &&
	       le32_to_cpu(hdr->dst_port) == nsv_loop.rx_src.svm_port &&
	       le64_to_cpu(hdr->src_cid) == nsv_loop.rx_dst.svm_cid &&
	       le32_to_cpu(hdr->src_port) == nsv_loop.rx_dst.svm_port;
}

static void nsv_set_origin(struct sk_buff *skb)
{
	struct nsv_origin *origin = &NSV_SKB_CB(skb)->origin;
	struct nsv_net *nn;
	struct net *net;

	/*
	 * Resets made while delivering a packet answer it: they go back to
	 * where it came from, even when the common code made them on behalf
	 * of a socket in another namespace (a refused child) or of none.
	 */
	if (nsv_in_delivery() &&
	    (!skb->sk || nsv_is_reset_reply(virtio_vsock_hdr(skb)))) {
		*origin = nsv_loop.rx_origin;
		/* 6.12 owns such a reset by the socket it answers */
		NSV_SKB_CB(skb)->answer = true;
		return;
	}
	if (skb->sk) {
		net = sock_net(skb->sk);
		origin->cookie = net->net_cookie;
		origin->mode = nsv_net(net)->mode;
		/* A namespace takes part in its domain once it has a CID. */
		nn = nsv_net(net);
		origin->domain = READ_ONCE(nn->cid) ? READ_ONCE(nn->domain) : 0;
		return;
	}
	/* Never seen: nobody owns it and it answers nothing. Reach no one. */
	origin->cookie = 0;
	origin->mode = NSV_MODE_LOCAL;
	origin->domain = 0;
}

/*
 * With CID domains, a packet leaves from its socket's namespace CID, or
 * from loopback's CID 1 when it goes to loopback's CIDs, whatever the
 * common code found: it asks get_local_cid, which cannot tell a loopback
 * connection from a domain one, nor, for an exiting task, the namespace.
 */
static void nsv_set_src_cid(struct sk_buff *skb)
{
	struct virtio_vsock_hdr *hdr = virtio_vsock_hdr(skb);
	u32 cid = VMADDR_CID_LOCAL;

	if (!READ_ONCE(nsv_domains_on) || !skb->sk || NSV_SKB_CB(skb)->answer)
		return;
	if (le64_to_cpu(hdr->dst_cid) > VMADDR_CID_HOST)
		cid = nsv_domain_local_cid(sock_net(skb->sk));
	hdr->src_cid = cpu_to_le64(cid);
}

static void nsv_queue(struct sk_buff *skb)
{
	atomic_long_inc(&nsv_stats.skbs);
	skb_queue_tail(&nsv_loop.queue, skb);
	queue_work(nsv_loop.wq, &nsv_loop.work);
}

static int nsv_send_pkt(struct sk_buff *skb)
{
	int len = skb->len;

	nsv_set_origin(skb);
	nsv_set_src_cid(skb);
	nsv_queue(skb);
	return len;
}

/* Undo send_pkt's accounting of unsent bytes; the skb stays allocated. */
static void nsv_unsent(struct sk_buff *skb)
{
#ifdef NSV_HAVE_CONSUME_SKB_SENT
	virtio_transport_consume_skb_sent(skb, false);
#endif
}

static int nsv_cancel_pkt(struct vsock_sock *vsk)
{
	struct sk_buff_head drop;
	struct sk_buff *skb, *tmp;

	__skb_queue_head_init(&drop);
	spin_lock_bh(&nsv_loop.queue.lock);
	skb_queue_walk_safe(&nsv_loop.queue, skb, tmp) {
		if (skb->sk != sk_vsock(vsk))
			continue;
		__skb_unlink(skb, &nsv_loop.queue);
		__skb_queue_tail(&drop, skb);
	}
	spin_unlock_bh(&nsv_loop.queue.lock);
	while ((skb = __skb_dequeue(&drop))) {
		nsv_unsent(skb);
		kfree_skb(skb);
		atomic_long_dec(&nsv_stats.skbs);
	}
	return 0;
}

/* Answer a refused packet as a closed port would: with a reset. */
static void nsv_send_reset(const struct virtio_vsock_hdr *in,
			   const struct nsv_origin *to)
{
	struct virtio_vsock_hdr *hdr;
	struct sk_buff *skb;

	if (le16_to_cpu(in->op) == VIRTIO_VSOCK_OP_RST)
		return;
	skb = virtio_vsock_alloc_skb(VIRTIO_VSOCK_SKB_HEADROOM, GFP_KERNEL);
	if (!skb)
		return;
	hdr = virtio_vsock_hdr(skb);
	memset(hdr, 0, sizeof(*hdr));
	hdr->src_cid = in->dst_cid;
	hdr->src_port = in->dst_port;
	hdr->dst_cid = in->src_cid;
	hdr->dst_port = in->src_port;
	hdr->type = in->type;
	hdr->op = cpu_to_le16(VIRTIO_VSOCK_OP_RST);
	virtio_vsock_skb_set_reply(skb);
	NSV_SKB_CB(skb)->origin = *to;
	NSV_SKB_CB(skb)->refusal = true;
	atomic_long_inc(&nsv_stats.resets);
	nsv_queue(skb);
}

/*
 * Would the socket this packet reaches be in a namespace it may reach?
 * Sets *to to that namespace's cookie, 0 if no socket would take it.
 */
static bool nsv_may_deliver(const struct nsv_origin *from,
			    struct sockaddr_vm *src, struct sockaddr_vm *dst,
			    u64 *to)
{
	struct sock *sk;
	bool ok;

	/* The same lookups, in the same order, as virtio_transport_recv_pkt. */
	sk = vsock_find_connected_socket(src, dst);
	if (!sk)
		sk = vsock_find_bound_socket(dst);
	/* No socket: the common code resets it, as for anyone. */
	if (!sk)
		return true;
	*to = sock_net(sk)->net_cookie;
	ok = nsv_reachable(from, sock_net(sk), dst->svm_cid);
	sock_put(sk);
	return ok;
}

/*
 * Hand a packet to the scoped taps of the namespaces at its two ends: the
 * sending socket's and the receiving one's (@to, 0 if none, and none for a
 * refused packet). Where a socket is gone, as for the resets that end a
 * connection, the namespace that last sent from its address stands in.
 * Our reset for a refused packet belongs to its receiver alone: the other
 * namespace never saw what it answers.
 */
static void nsv_tap(struct sk_buff *skb, u64 to, bool refused)
{
	const struct virtio_vsock_hdr *hdr = virtio_vsock_hdr(skb);
	struct sock *sender = NSV_SKB_CB(skb)->answer ? NULL : skb->sk;
	u64 from = 0;

	if (sender) {
		from = sock_net(sender)->net_cookie;
		nsv_tap_learn(le64_to_cpu(hdr->src_cid),
			      le32_to_cpu(hdr->src_port), from);
	}
	if (!nsv_tap_scoped())
		return;
	if (!sender && !NSV_SKB_CB(skb)->refusal)
		from = nsv_tap_owner(le64_to_cpu(hdr->src_cid),
				     le32_to_cpu(hdr->src_port));
	if (refused)
		to = 0;
	else if (!to)
		to = nsv_tap_owner(le64_to_cpu(hdr->dst_cid),
				   le32_to_cpu(hdr->dst_port));
	nsv_tap_deliver(skb, from, to);
}

static void nsv_deliver(struct sk_buff *skb)
{
	const struct virtio_vsock_hdr *hdr = virtio_vsock_hdr(skb);
	struct nsv_origin from = NSV_SKB_CB(skb)->origin;
	u64 to = 0;

	vsock_addr_init(&nsv_loop.rx_src, le64_to_cpu(hdr->src_cid),
			le32_to_cpu(hdr->src_port));
	vsock_addr_init(&nsv_loop.rx_dst, le64_to_cpu(hdr->dst_cid),
			le32_to_cpu(hdr->dst_port));
	nsv_loop.rx_origin = from;
	nsv_loop.rx_active = true;

	nsv_unsent(skb);
	/* The tap sees every packet, refused ones too, as on Linux 7.0. */
	virtio_transport_deliver_tap_pkt(skb);

	/*
	 * With no local namespace anywhere, global senders reach everyone,
	 * and only a scoped tap needs to know where the packet goes.
	 */
	if ((from.mode == NSV_MODE_GLOBAL && !atomic_read(&nsv_local_nets) &&
	     nsv_loop.rx_dst.svm_cid <= VMADDR_CID_HOST && !nsv_tap_scoped()) ||
	    nsv_may_deliver(&from, &nsv_loop.rx_src, &nsv_loop.rx_dst, &to)) {
		nsv_tap(skb, to, false);
		virtio_transport_recv_pkt(&nsv_transport, skb);
	} else {
		nsv_tap(skb, 0, true);
		atomic_long_inc(&nsv_stats.refused);
		if (skb->sk)
			atomic_long_inc(&nsv_net(sock_net(skb->sk))->refused);
		nsv_send_reset(hdr, &from);
		kfree_skb(skb);
	}
	nsv_loop.rx_active = false;
}

static void nsv_work(struct work_struct *work)
{
	struct sk_buff_head pkts;
	struct sk_buff *skb;

	__skb_queue_head_init(&pkts);
	spin_lock_bh(&nsv_loop.queue.lock);
	skb_queue_splice_init(&nsv_loop.queue, &pkts);
	spin_unlock_bh(&nsv_loop.queue.lock);

	while ((skb = __skb_dequeue(&pkts))) {
		atomic_long_dec(&nsv_stats.skbs);
		nsv_deliver(skb);
	}
}

static u32 nsv_get_local_cid(void)
{
	struct nsproxy *ns = current->nsproxy;

	/* Until a namespace has a CID: loopback's, as vsock_loopback's. */
	if (!READ_ONCE(nsv_domains_on))
		return VMADDR_CID_LOCAL;
	/* The common code replying while we deliver: where the packet went. */
	if (nsv_in_delivery())
		return nsv_loop.rx_dst.svm_cid;
	/* connect, bind, IOCTL_VM_SOCKETS_GET_LOCAL_CID: the caller's CID. */
	return nsv_domain_local_cid(ns ? ns->net_ns : NULL);
}

static int nsv_sock_init(struct vsock_sock *vsk, struct vsock_sock *psk)
{
	int ret;

	/*
	 * A child of a listener, made while delivering the REQUEST that
	 * asked for it: refuse it if the two namespaces may not talk (see
	 * "Races" above). The common code then resets the connector.
	 */
	if (psk && nsv_in_delivery() &&
	    !nsv_reachable(&nsv_loop.rx_origin, sock_net(sk_vsock(vsk)),
			   nsv_loop.rx_dst.svm_cid))
		return -ECONNREFUSED;
	ret = virtio_transport_do_socket_init(vsk, psk);
	if (!ret)
		atomic_long_inc(&nsv_stats.sockets);
	return ret;
}

static void nsv_sock_destruct(struct vsock_sock *vsk)
{
	virtio_transport_destruct(vsk);
	atomic_long_dec(&nsv_stats.sockets);
}

static bool nsv_seqpacket_allow(u32 remote_cid)
{
	return true;
}

#ifdef NSV_HAVE_MSGZEROCOPY
static bool nsv_msgzerocopy_allow(void)
{
	return true;
}
#endif

static struct virtio_transport nsv_transport = {
	.transport = {
		.module = THIS_MODULE,
		.get_local_cid = nsv_get_local_cid,

		.init = nsv_sock_init,
		.destruct = nsv_sock_destruct,
		.release = virtio_transport_release,
		.connect = virtio_transport_connect,
		.shutdown = virtio_transport_shutdown,
		.cancel_pkt = nsv_cancel_pkt,

		.dgram_bind = virtio_transport_dgram_bind,
		.dgram_dequeue = virtio_transport_dgram_dequeue,
		.dgram_enqueue = virtio_transport_dgram_enqueue,
		.dgram_allow = virtio_transport_dgram_allow,

		.stream_dequeue = virtio_transport_stream_dequeue,
		.stream_enqueue = virtio_transport_stream_enqueue,
		.stream_has_data = virtio_transport_stream_has_data,
		.stream_has_space = virtio_transport_stream_has_space,
		.stream_rcvhiwat = virtio_transport_stream_rcvhiwat,
		.stream_is_active = virtio_transport_stream_is_active,
		.stream_allow = virtio_transport_stream_allow,

		.seqpacket_dequeue = virtio_transport_seqpacket_dequeue,
		.seqpacket_enqueue = virtio_transport_seqpacket_enqueue,
		.seqpacket_allow = nsv_seqpacket_allow,
		.seqpacket_has_data = virtio_transport_seqpacket_has_data,

		.notify_poll_in = virtio_transport_notify_poll_in,
		.notify_poll_out = virtio_transport_notify_poll_out,
		.notify_recv_init = virtio_transport_notify_recv_init,
		.notify_recv_pre_block = virtio_transport_notify_recv_pre_block,
		.notify_recv_pre_dequeue = virtio_transport_notify_recv_pre_dequeue,
		.notify_recv_post_dequeue = virtio_transport_notify_recv_post_dequeue,
		.notify_send_init = virtio_transport_notify_send_init,
		.notify_send_pre_block = virtio_transport_notify_send_pre_block,
		.notify_send_pre_enqueue = virtio_transport_notify_send_pre_enqueue,
		.notify_send_post_enqueue = virtio_transport_notify_send_post_enqueue,
		.notify_buffer_size = virtio_transport_notify_buffer_size,
#ifdef NSV_HAVE_NOTIFY_SET_RCVLOWAT
		.notify_set_rcvlowat = virtio_transport_notify_set_rcvlowat,
#endif
#ifdef NSV_HAVE_UNSENT_BYTES
		.unsent_bytes = virtio_transport_unsent_bytes,
#endif
#ifdef NSV_HAVE_READ_SKB
		.read_skb = virtio_transport_read_skb,
#endif
#ifdef NSV_HAVE_MSGZEROCOPY
		.msgzerocopy_allow = nsv_msgzerocopy_allow,
#endif
	},
	.send_pkt = nsv_send_pkt,
};

int nsv_transport_register(void)
{
	int ret;

	nsv_loop.wq = alloc_workqueue("nsvsock", 0, 0);
	if (!nsv_loop.wq)
		return -ENOMEM;
	skb_queue_head_init(&nsv_loop.queue);
	INIT_WORK(&nsv_loop.work, nsv_work);

	ret = vsock_core_register(&nsv_transport.transport,
				  VSOCK_TRANSPORT_F_LOCAL);
	if (ret) {
		if (ret == -EBUSY)
			pr_err("vsock's loopback transport slot is taken (vsock_loopback loaded?): unload it first\n");
		destroy_workqueue(nsv_loop.wq);
	}
	return ret;
}

/*
 * The module vsock would give a socket that connects to @cid, if it is not
 * this one: asked of vsock itself, which keeps its slots to itself.
 */
static void nsv_holder(u32 cid, char *name, size_t size)
{
	struct vsock_sock *vsk;
	struct socket *sock;

	name[0] = '\0';
	if (sock_create_kern(&init_net, AF_VSOCK, SOCK_STREAM, 0, &sock))
		return;
	vsk = vsock_sk(sock->sk);
	lock_sock(sock->sk);
	vsock_addr_init(&vsk->remote_addr, cid, VMADDR_PORT_ANY);
	if (!vsock_assign_transport(vsk, NULL) && vsk->transport &&
	    vsk->transport != &nsv_transport.transport)
		strscpy(name, module_name(vsk->transport->module), size);
	release_sock(sock->sk);
	sock_release(sock);
}

int nsv_transport_take_slots(void)
{
	char g2h[MODULE_NAME_LEN], h2g[MODULE_NAME_LEN];
	int ret;

	ret = vsock_core_register(&nsv_transport.transport,
				  VSOCK_TRANSPORT_F_H2G |
					  VSOCK_TRANSPORT_F_G2H);
	if (ret != -EBUSY)
		return ret;
	/* CID 2 goes to the guest transport, another CID to the host one. */
	nsv_holder(VMADDR_CID_HOST, g2h, sizeof(g2h));
	nsv_holder(VMADDR_CID_ANY - 1, h2g, sizeof(h2g));
	if (!strcmp(g2h, h2g))
		h2g[0] = '\0';
	pr_warn_ratelimited(
		"namespace CIDs need vsock's host-to-guest and guest-to-host transport slots, taken by %s%s%s: unload it first (loopback isolation is unaffected)\n",
		g2h[0] || h2g[0] ? g2h : "another transport",
		g2h[0] && h2g[0] ? " and " : "", h2g);
	return ret;
}

void nsv_transport_unregister(void)
{
	vsock_core_unregister(&nsv_transport.transport);
	/* Drains the work, which may queue resets for itself on the way. */
	destroy_workqueue(nsv_loop.wq);
	atomic_long_sub(skb_queue_len(&nsv_loop.queue), &nsv_stats.skbs);
	skb_queue_purge(&nsv_loop.queue);
}
