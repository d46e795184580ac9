// SPDX-License-Identifier: GPL-2.0
/* nsvsock: CID domains: a namespace's own CID, reachable from its domain. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sysctl.h>
#include <net/af_vsock.h>

#include "nsvsock.h"

/*
 * A namespace given a CID (net/nsvsock/cid) and a domain (net/nsvsock/domain)
 * is reachable at that CID from the namespaces of its domain: connect(CID,
 * PORT) from one of them reaches the listener of the namespace that holds
 * CID, and nothing outside the domain does (nsv_reachable).
 *
 * vsock sends a connect to a CID above 2 through its host-to-guest
 * transport, and the child a listener makes for it through its
 * guest-to-host one (vsock_assign_transport: both CIDs above 2); the
 * virtio common code resets the child unless that is the transport that
 * received the request. So the first CID written registers this module's
 * one transport in both slots too, and keeps them until it is unloaded.
 *
 * Both values are write-once, like child_ns_mode: whoever sets up the
 * namespace can fix them before anything inside runs.
 */

static DEFINE_MUTEX(nsv_domain_lock); /* the list below and the slots */
static LIST_HEAD(nsv_cid_nets); /* namespaces with a CID */
bool nsv_domains_on;

/* Does another namespace of @domain hold @cid? Under nsv_domain_lock. */
static bool nsv_cid_taken(const struct nsv_net *self, u32 domain, u32 cid)
{
	const struct nsv_net *nn;

	if (!domain || !cid)
		return false;
	list_for_each_entry(nn, &nsv_cid_nets, cid_node) {
		if (nn != self && nn->domain == domain && nn->cid == cid)
			return true;
	}
	return false;
}

static int nsv_domains_enable(void)
{
	int ret;

	if (nsv_domains_on)
		return 0;
	ret = nsv_transport_take_slots();
	if (!ret)
		WRITE_ONCE(nsv_domains_on, true);
	return ret;
}

/* Read or write one u32 through @table's proc_douintvec. */
static int nsv_u32(int write, void *buffer, size_t *lenp, loff_t *ppos,
		   u32 *val)
{
	struct ctl_table tmp = { .data = val, .maxlen = sizeof(*val) };

	return proc_douintvec(&tmp, write, buffer, lenp, ppos);
}

int nsv_sysctl_domain(NSV_CTL_TABLE *table, int write, void *buffer,
		      size_t *lenp, loff_t *ppos)
{
	struct nsv_net *nn = table->data;
	u32 val = READ_ONCE(nn->domain);
	int ret;

	ret = nsv_u32(write, buffer, lenp, ppos, &val);
	if (ret || !write)
		return ret;
	mutex_lock(&nsv_domain_lock);
	if (nn->domain && val != nn->domain)
		ret = -EBUSY;
	else if (nsv_cid_taken(nn, val, nn->cid))
		ret = -EADDRINUSE;
	else
		WRITE_ONCE(nn->domain, val);
	mutex_unlock(&nsv_domain_lock);
	return ret;
}

int nsv_sysctl_cid(NSV_CTL_TABLE *table, int write, void *buffer, size_t *lenp,
		   loff_t *ppos)
{
	struct nsv_net *nn = table->data;
	u32 val = READ_ONCE(nn->cid);
	int ret;

	ret = nsv_u32(write, buffer, lenp, ppos, &val);
	if (ret || !write)
		return ret;
	/* 0 is no CID; 1 and 2 are loopback's and the host's; -1 is any. */
	if (val && (val <= VMADDR_CID_HOST || val == VMADDR_CID_ANY))
		return -EINVAL;
	mutex_lock(&nsv_domain_lock);
	if (val == nn->cid)
		ret = 0;
	else if (nn->cid)
		ret = -EBUSY;
	else if (nsv_cid_taken(nn, nn->domain, val))
		ret = -EADDRINUSE;
	else
		ret = nsv_domains_enable();
	if (!ret && val && !nn->cid) {
		WRITE_ONCE(nn->cid, val);
		list_add_tail(&nn->cid_node, &nsv_cid_nets);
	}
	mutex_unlock(&nsv_domain_lock);
	return ret;
}

void nsv_domain_net_exit(struct nsv_net *nn)
{
	mutex_lock(&nsv_domain_lock);
	if (nn->cid)
		list_del(&nn->cid_node);
	mutex_unlock(&nsv_domain_lock);
}

u32 nsv_domain_local_cid(const struct net *net)
{
	u32 cid = net ? READ_ONCE(nsv_net(net)->cid) : 0;

	return cid ? cid : VMADDR_CID_LOCAL;
}
