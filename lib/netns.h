/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnsvsock: network namespaces: name, open, enter, list. */
#ifndef NSV_NETNS_H
#define NSV_NETNS_H

#include <stddef.h>
#include <stdint.h>

struct nsv_netns_info {
	uint64_t ino; /* the namespace's nsfs inode: its identity */
	int pid; /* a process inside, 0 if none was seen */
	char name[256]; /* ip-netns name, "" if it has none */
	char path[4096]; /* a path that opens it */
};

/**
 * nsv_netns_path - where a namespace named by the user lives
 * @spec: an ip-netns NAME (/run/netns/NAME), a PATH (contains '/'), or a PID
 *
 * A name in /run/netns wins over a pid of the same digits. Returns 0,
 * -EINVAL or -ENAMETOOLONG.
 */
int nsv_netns_path(const char *spec, char *buf, size_t len);

/** nsv_netns_open - open a namespace by spec; returns an O_CLOEXEC fd or -errno */
int nsv_netns_open(const char *spec);

/** nsv_netns_enter - move the calling thread into the namespace @fd */
int nsv_netns_enter(int fd);

/** nsv_netns_enter_spec - nsv_netns_open() then nsv_netns_enter() */
int nsv_netns_enter_spec(const char *spec);

/** nsv_netns_ino - the namespace identity (nsfs inode) of @fd */
int nsv_netns_ino(int fd, uint64_t *ino);

/**
 * nsv_netns_name - the ip-netns name of the namespace open at @fd
 * @dir: where the names live; NULL for /run/netns
 *
 * Writes the first name found (the same device and inode as @fd) into
 * @buf. Returns 0, -ENOENT (it has no name), -ENAMETOOLONG, or the -errno
 * of fstat() or of opening @dir.
 */
int nsv_netns_name(const char *dir, int fd, char *buf, size_t len);

/**
 * nsv_netns_list - every namespace this process can reach
 *
 * Our own first, then /run/netns/ *, then /proc/ * /ns/net; deduplicated by
 * inode, with a name and a pid where one is known. *@out is malloc'ed
 * (free() it). Returns the count or -errno.
 */
int nsv_netns_list(struct nsv_netns_info **out);

#endif /* NSV_NETNS_H */
