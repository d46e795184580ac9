/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnsvsock: a network namespace's vsock mode, from Linux 7.0+ or nsvsock.ko. */
#ifndef NSV_NSMODE_H
#define NSV_NSMODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Where a namespace's mode was read: the first sysctl directory that has it. */
enum nsv_nsmode_src {
	NSV_NSMODE_NONE = 0, /* neither: vsock ignores namespaces here */
	NSV_NSMODE_KERNEL, /* Linux 7.0+: /proc/sys/net/vsock */
	NSV_NSMODE_MODULE, /* nsvsock.ko on 6.x: /proc/sys/net/nsvsock */
};

/* The sysctl root of the caller's namespace. */
#define NSV_NSMODE_ROOT "/proc/sys/net"
#define NSV_NSMODE_LEN 16

struct nsv_nsmode {
	enum nsv_nsmode_src src;
	char mode[NSV_NSMODE_LEN]; /* ns_mode: "global" or "local"; "" unknown */
	char child[NSV_NSMODE_LEN]; /* child_ns_mode; "" unknown */
	/* nsvsock's CID domain (net/nsvsock/cid and domain): 0 for none */
	uint32_t cid;
	uint32_t domain;
};

/**
 * nsv_nsmode_parse - a mode word as a sysctl file holds it
 * @text: the file's bytes, @n of them (no NUL needed)
 * @out: where the word goes, NUL-terminated; @len bytes
 *
 * Takes one word of lowercase letters, digits, '-' or '_' followed by at
 * most one newline: "global\n" and "local" pass, so does a word a later
 * kernel may add. Anything else, or an empty word, is -EINVAL; a word that
 * does not fit is -ENAMETOOLONG. @out is "" on error. Returns its length.
 */
int nsv_nsmode_parse(const char *text, size_t n, char *out, size_t len);

/**
 * nsv_nsmode_read - the calling thread's namespace's vsock mode
 * @root: the sysctl net directory, NSV_NSMODE_ROOT (or NULL for it)
 * @m: filled in; all zero when no source exists
 *
 * Reads @root/vsock/ns_mode (Linux 7.0+), else @root/nsvsock/ns_mode (the
 * module), and child_ns_mode beside it; from the module also the CID domain
 * (cid and domain, left 0 where the module has none). /proc/sys/net shows the namespace
 * of the thread that looks, so call it after nsv_netns_enter(). Returns 0,
 * also when no source exists (@m->src is NSV_NSMODE_NONE), or -errno when
 * a source exists but its ns_mode cannot be read or parsed (@m->src says
 * which; a child_ns_mode that cannot be read stays "").
 */
int nsv_nsmode_read(const char *root, struct nsv_nsmode *m);

/** nsv_nsmode_src_name - the sysctl directory of @src ("vsock", "nsvsock"), NULL for none */
const char *nsv_nsmode_src_name(enum nsv_nsmode_src src);

/** nsv_nsmode_is_local - whether @m says the namespace keeps loopback to itself */
static inline bool nsv_nsmode_is_local(const struct nsv_nsmode *m)
{
	return m->src != NSV_NSMODE_NONE && !strcmp(m->mode, "local");
}

#endif /* NSV_NSMODE_H */
