/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vsockdump: the vsockmon device to capture on: find, create, undo. */
#ifndef NSV_CAPTURE_H
#define NSV_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Present while the nsvsock module is loaded: its link kind exists. */
#define NSV_NSVSOCK_SYSFS "/sys/module/nsvsock"

/* A vsockmon device we capture on, and what we changed to get it. */
struct nsv_monitor {
	char name[16]; /* IFNAMSIZ */
	int ifindex;
	bool created; /* we created it: delete it on close */
	bool raised; /* we brought it up: bring it down on close */
	bool scoped; /* of nsvsock's nsvsockmon kind (scoped), not vsockmon */
	void *nl; /* rtnetlink socket opened with our privileges */
	char reaped[64]; /* devices left by dead captures, removed: "a, b" */
	int reaped_pid; /* ... the creator of the last of them */
};

/*
 * Who created a device: a device vsockdump creates carries the alias
 * (IFLA_IFALIAS) "vsockdump pid=PID start=TICKS pidns=INODE", so that a
 * later vsockdump can tell it was left behind by a capture that died
 * without cleaning up (SIGKILL, a crash) and remove it.
 */
struct nsv_monitor_owner {
	int pid;
	uint64_t start; /* start time after boot in clock ticks (/proc/PID/stat) */
	uint64_t pidns; /* inode of the pid namespace @pid is a pid of */
};

/** nsv_monitor_alias_format - @o as an alias; its length or -ENOSPC */
int nsv_monitor_alias_format(const struct nsv_monitor_owner *o, char *buf,
			     size_t len);

/**
 * nsv_monitor_alias_parse - the owner named by a device's alias
 *
 * Returns 0, or -EINVAL when @alias is not one vsockdump writes (a device
 * somebody else made, or renamed): such a device is never touched.
 */
int nsv_monitor_alias_parse(const char *alias, struct nsv_monitor_owner *o);

/**
 * nsv_monitor_owner_self - the calling process as an owner; 0 or -errno
 */
int nsv_monitor_owner_self(struct nsv_monitor_owner *o);

/**
 * nsv_monitor_owner_gone - whether the process that made a device is gone
 *
 * Gone: no process @o->pid, or one that started at another time (the pid
 * was reused). Returns 1 (gone), 0 (alive), or -EXDEV when @o is from
 * another pid namespace than ours, where its pid means nothing to us.
 */
int nsv_monitor_owner_gone(const struct nsv_monitor_owner *o);

/**
 * nsv_pid_start_parse - the start time (field 22) of a /proc/PID/stat text
 * @stat: the text, not NUL-terminated; the command name in it may hold
 *	blanks and parentheses, so fields are counted after the last ')'
 *
 * Returns 0 or -EINVAL.
 */
int nsv_pid_start_parse(const char *stat, size_t len, uint64_t *start);

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
 * A device we create carries our alias (struct nsv_monitor_owner); devices
 * of this network namespace whose alias names a process of our pid
 * namespace that is gone are removed first (@m->reaped names them).
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
