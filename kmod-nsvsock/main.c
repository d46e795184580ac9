// SPDX-License-Identifier: GPL-2.0
/* nsvsock: module entry points and modinfo. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "nsvsock.h"

static int __init nsv_init(void)
{
	int ret;

	/* Every namespace has its state before a socket can use the transport. */
	ret = nsv_netns_register();
	if (ret)
		return ret;
	ret = nsv_transport_register();
	if (ret)
		nsv_netns_unregister();
	return ret;
}

static void __exit nsv_exit(void)
{
	nsv_transport_unregister();
	nsv_netns_unregister();
}

module_init(nsv_init);
module_exit(nsv_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("nsvsock");
MODULE_DESCRIPTION("vsock loopback with Linux 7.0's per-netns modes, for 6.x");
MODULE_VERSION(NSV_VERSION);
