/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vsockdump: the vsockmon device to capture on: find, create, undo. */
#ifndef NSV_CAPTURE_H
#define NSV_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>

/* Present while the nsvsock module is loaded: its link kind exists. */
#define NSV_NSVSOCK_SYSFS "/sys/module/nsvsock"

/* A vsockmon device we capture on, and what we changed to get it. */
struct nsv_monitor {
	char name[16]; /* IFNAMSIZ */
	int ifindex;
	bool created; /* we created it: delete it on close */
	bool raised; /* we brought it up: bring it down on close */
	bool scoped; /* we created nsvsock's nsvsockmon kind, not vsockmon */
	void *nl; /* rtnetlink socket opened with our privileges */
};

/**
 * nsv_monitor_open - find or create the vsockmon device to capture on
 * @m: result; call nsv_monitor_close() whatever this returns
 * @ifname: a device to use (checked to be a vsockmon), or NULL for the first
 *	vsockmon device of the current network namespace
 * @create: with @ifname NULL and no vsockmon device, create "vsockmon0" (or
 *	the next free vsockmonN; the kernel loads the module itself), or
 *	"nsvsockmon0" of the nsvsock module's scoped kind if that is loaded
 *	(@m->scoped says so)
 *
 * The device is brought up. The rtnetlink socket stays open so that
 * nsv_monitor_close() can undo our changes after privileges were dropped.
 * Returns 0, -ENODEV (none and @create false, or @ifname does not exist),
 * -EMEDIUMTYPE (@ifname is not a vsockmon device), -EOPNOTSUPP (the kernel
 * has no vsockmon link type), -EPERM, or another -errno.
 */
int nsv_monitor_open(struct nsv_monitor *m, const char *ifname, bool create);

/** nsv_monitor_close - undo what nsv_monitor_open() did; 0 or -errno */
int nsv_monitor_close(struct nsv_monitor *m);

/** nsv_monitor_list - names of the vsockmon devices here, ", "-separated */
int nsv_monitor_list(char *buf, size_t len);

#endif /* NSV_CAPTURE_H */
