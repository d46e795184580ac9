// SPDX-License-Identifier: GPL-2.0
/* nsvsock: per-netns modes, the net/nsvsock sysctls and /proc/net/nsvsock. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/nsproxy.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>

#include "nsvsock.h"

unsigned int nsv_net_id;
atomic_t nsv_local_nets = ATOMIC_INIT(0);

/*
 * The task registering the pernet operations. Namespaces initialised by it
 * existed before the module was loaded: they are global, whoever made them.
 */
static struct task_struct *nsv_loader;

static const char *const nsv_mode_names[] = {
	[NSV_MODE_GLOBAL] = "global",
	[NSV_MODE_LOCAL] = "local",
};

static enum nsv_mode nsv_child_mode_of(const struct nsv_net *nn)
{
	int lock = atomic_read(&nn->child_lock);

	/* Until written, children get the namespace's own mode (as on 7.0). */
	return lock ? lock - 1 : nn->mode;
}

enum nsv_mode nsv_child_mode(const struct net *net)
{
	return nsv_child_mode_of(nsv_net(net));
}

/*
 * Show @cur, or parse what is written into @parsed. The buffer holds one
 * character more than the longest name, so that "globalx" is refused
 * rather than cut to "global"; proc_dostring stops at a newline.
 */
static int nsv_mode_string(int write, void *buffer, size_t *lenp, loff_t *ppos,
			   enum nsv_mode cur, enum nsv_mode *parsed)
{
	char buf[8] = "";
	struct ctl_table tmp = { .data = buf, .maxlen = sizeof(buf) };
	int ret, i;

	if (!write)
		strscpy(buf, nsv_mode_names[cur], sizeof(buf));
	ret = proc_dostring(&tmp, write, buffer, lenp, ppos);
	if (ret || !write)
		return ret;
	for (i = 0; i < ARRAY_SIZE(nsv_mode_names); i++) {
		if (!strcmp(buf, nsv_mode_names[i])) {
			*parsed = i;
			return 0;
		}
	}
	return -EINVAL;
}

static int nsv_sysctl_ns_mode(NSV_CTL_TABLE *table, int write, void *buffer,
			      size_t *lenp, loff_t *ppos)
{
	const struct nsv_net *nn = table->data;

	/* The file is 0444; this is for a caller that gets past that. */
	if (write)
		return -EPERM;
	return nsv_mode_string(write, buffer, lenp, ppos, nn->mode, NULL);
}

static int nsv_sysctl_child_ns_mode(NSV_CTL_TABLE *table, int write,
				    void *buffer, size_t *lenp, loff_t *ppos)
{
	struct nsv_net *nn = table->data;
	enum nsv_mode mode;
	int ret, lock;

	ret = nsv_mode_string(write, buffer, lenp, ppos, nsv_child_mode_of(nn),
			      &mode);
	if (ret || !write)
		return ret;
	/* A local namespace must not be a way out for its children. */
	if (nn->mode == NSV_MODE_LOCAL && mode == NSV_MODE_GLOBAL)
		return -EPERM;
	/*
	 * Write-once, so that a namespace manager can set it and lock it for
	 * everything that runs inside later; writing the same value again is
	 * not a change and succeeds.
	 */
	lock = atomic_cmpxchg(&nn->child_lock, 0, mode + 1);
	if (lock && lock != mode + 1)
		return -EBUSY;
	return 0;
}

/* The last, zeroed entry ends the table for kernels that count entries. */
static const struct ctl_table nsv_sysctl_template[] = {
	{
		.procname = "ns_mode",
		.mode = 0444,
		.proc_handler = nsv_sysctl_ns_mode,
	},
	{
		.procname = "child_ns_mode",
		.mode = 0644,
		.proc_handler = nsv_sysctl_child_ns_mode,
	},
	{
		.procname = "domain",
		.mode = 0644,
		.proc_handler = nsv_sysctl_domain,
	},
	{
		.procname = "cid",
		.mode = 0644,
		.proc_handler = nsv_sysctl_cid,
	},
	{}
};

static int nsv_sysctl_register(struct net *net, struct nsv_net *nn)
{
	size_t n = ARRAY_SIZE(nsv_sysctl_template) - 1;
	struct ctl_table *table;
	size_t i;

	table = kmemdup(nsv_sysctl_template, sizeof(nsv_sysctl_template),
			GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	/* Per-netns data, so the net sysctl core keeps the files writable. */
	for (i = 0; i < n; i++)
		table[i].data = nn;
#ifdef NSV_HAVE_REGISTER_NET_SYSCTL_SZ
	nn->sysctl_hdr = register_net_sysctl_sz(net, "net/nsvsock", table, n);
#else
	nn->sysctl_hdr = register_net_sysctl(net, "net/nsvsock", table);
#endif
	if (!nn->sysctl_hdr) {
		kfree(table);
		return -ENOMEM;
	}
	nn->sysctl_table = table;
	return 0;
}

static void nsv_sysctl_unregister(struct nsv_net *nn)
{
	unregister_net_sysctl_table(nn->sysctl_hdr);
	kfree(nn->sysctl_table);
}

static int nsv_proc_show(struct seq_file *seq, void *v)
{
	struct net *net = seq_file_single_net(seq);
	const struct nsv_net *nn = nsv_net(net);

	seq_printf(seq, "ns_mode %s\n", nsv_mode_names[nn->mode]);
	seq_printf(seq, "child_ns_mode %s\n",
		   nsv_mode_names[nsv_child_mode_of(nn)]);
	seq_printf(seq, "refused %ld\n", atomic_long_read(&nn->refused));
	seq_printf(seq, "domain %u\n", READ_ONCE(nn->domain));
	seq_printf(seq, "cid %u\n", READ_ONCE(nn->cid));
	/* The whole machine's counters are for the initial namespace only. */
	if (!net_eq(net, &init_net))
		return 0;
	seq_printf(seq, "module_sockets %ld\n",
		   atomic_long_read(&nsv_stats.sockets));
	seq_printf(seq, "module_skbs %ld\n", atomic_long_read(&nsv_stats.skbs));
	seq_printf(seq, "module_refused %ld\n",
		   atomic_long_read(&nsv_stats.refused));
	seq_printf(seq, "module_resets %ld\n",
		   atomic_long_read(&nsv_stats.resets));
	seq_printf(seq, "module_local_netns %d\n",
		   atomic_read(&nsv_local_nets));
	seq_printf(seq, "module_cid_slots %d\n", READ_ONCE(nsv_domains_on));
	return 0;
}

static int __net_init nsv_net_init(struct net *net)
{
	struct nsv_net *nn = nsv_net(net);
	int ret;

	/*
	 * A namespace is created in the context of the task that unshares or
	 * clones it (ip netns add, unshare -n, clone(CLONE_NEWNET)), whose
	 * nsproxy still names the namespace it is leaving: the creator.
	 */
	if (net_eq(net, &init_net) || current == READ_ONCE(nsv_loader))
		nn->mode = NSV_MODE_GLOBAL;
	else
		nn->mode = nsv_child_mode(current->nsproxy->net_ns);
	atomic_set(&nn->child_lock, 0);
	atomic_long_set(&nn->refused, 0);

	ret = nsv_sysctl_register(net, nn);
	if (ret)
		return ret;
	if (!proc_create_net_single("nsvsock", 0444, net->proc_net,
				    nsv_proc_show, NULL)) {
		nsv_sysctl_unregister(nn);
		return -ENOMEM;
	}
	if (nn->mode == NSV_MODE_LOCAL)
		atomic_inc(&nsv_local_nets);
	return 0;
}

static void __net_exit nsv_net_exit(struct net *net)
{
	struct nsv_net *nn = nsv_net(net);

	remove_proc_entry("nsvsock", net->proc_net);
	nsv_sysctl_unregister(nn);
	nsv_domain_net_exit(nn);
	if (nn->mode == NSV_MODE_LOCAL)
		atomic_dec(&nsv_local_nets);
}

static struct pernet_operations nsv_net_ops = {
	.init = nsv_net_init,
	.exit = nsv_net_exit,
	.id = &nsv_net_id,
	.size = sizeof(struct nsv_net),
};

int nsv_netns_register(void)
{
	int ret;

	/*
	 * Registration runs nsv_net_init for every existing namespace, here,
	 * under the pernet lock that keeps new namespaces waiting.
	 */
	WRITE_ONCE(nsv_loader, current);
	ret = register_pernet_subsys(&nsv_net_ops);
	WRITE_ONCE(nsv_loader, NULL);
	return ret;
}

void nsv_netns_unregister(void)
{
	unregister_pernet_subsys(&nsv_net_ops);
}
