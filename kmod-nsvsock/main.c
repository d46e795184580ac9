// SPDX-License-Identifier: GPL-2.0
/* nsvsock: module entry points and modinfo. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "nsvsock.h"

/*
 * Off, the module offers only its nsvsockmon taps: the loopback slot stays
 * free for vsock_loopback, and there are no modes to keep.
 */
static bool transport = true;
module_param(transport, bool, 0444);
MODULE_PARM_DESC(
	transport,
	"take vsock's loopback transport slot, with the per-netns modes (default 1); 0: offer only the nsvsockmon taps, next to vsock_loopback");

static int __init nsv_init(void)
{
	int ret;

	ret = nsv_tap_register();
	if (ret || !transport)
		return ret;
	/* Every namespace has its state before a socket can use the transport. */
	ret = nsv_netns_register();
	if (ret)
		goto err_tap;
	ret = nsv_transport_register();
	if (ret)
		goto err_netns;
	return 0;

err_netns:
	nsv_netns_unregister();
err_tap:
	nsv_tap_unregister();
	return ret;
}

static void __exit nsv_exit(void)
{
	if (transport) {
		nsv_transport_unregister();
		nsv_netns_unregister();
	}
	nsv_tap_unregister();
}

module_init(nsv_init);
module_exit(nsv_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("nsvsock");
MODULE_DESCRIPTION("vsock loopback with Linux 7.0's per-netns modes, for 6.x");
MODULE_VERSION(NSV_VERSION);
