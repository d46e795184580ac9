/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vsockstat: socket tables over network namespaces: collect, replay, print. */
#ifndef NSV_SOCKTAB_H
#define NSV_SOCKTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "diag.h"
#include "json.h"
#include "names.h"
#include "netns.h"
#include "nsmode.h"

/* One namespace of a table. */
struct nsv_stat_ns {
	struct nsv_netns_info info; /* path "" is the caller's own netns */
	struct nsv_nsmode mode; /* vsock mode (7.0+ or nsvsock.ko), if any */
	int err; /* -errno when it could not be listed */
	bool err_enter; /* ... because setns() or open() failed */
	size_t nsocks; /* sockets of it in the table */
};

/* A process (with -T: a thread) holding a socket. */
struct nsv_stat_proc {
	int pid;
	int tid; /* the thread, when threads were asked for; else 0 */
	int fd;
	char comm[16]; /* the process's name, or the thread's */
};

struct nsv_stat_sock {
	struct nsv_diag_sock d;
	unsigned int ns; /* index into the table's namespaces */
	bool has_uid; /* uid and procs are filled by nsv_socktab_procs() */
	uint32_t uid;
	size_t proc0, nprocs; /* slice of the table's procs */
};

struct nsv_stat_user {
	uint32_t uid;
	char name[64]; /* "" when the uid has no name */
};

struct nsv_socktab {
	struct nsv_stat_ns *ns;
	size_t nns, ns_cap; /* used, allocated */
	struct nsv_stat_sock *socks;
	size_t nsocks, socks_cap;
	struct nsv_stat_proc *procs;
	size_t nprocs, procs_cap;
	struct nsv_stat_user *users;
	size_t nusers, users_cap;
	const struct nsv_names *names; /* CID names for printing, or NULL */
};

/* Longest namespace label ("net:[4026531840],pid=4194304", or a name). */
#define NSV_NS_INIT_LABEL "(init)" /* the namespace of process 1 */
#define NSV_NS_LABEL_LEN 256

/** nsv_socktab_init - an empty table: no namespaces, no sockets */
void nsv_socktab_init(struct nsv_socktab *t);
/** nsv_socktab_free - release what the table holds; it is empty again */
void nsv_socktab_free(struct nsv_socktab *t);

/**
 * nsv_socktab_add_self - list the caller's own namespace
 *
 * Its name is looked up in /run/netns; pid 1 is noted when it is process
 * 1's namespace. Returns 0 or -errno.
 */
int nsv_socktab_add_self(struct nsv_socktab *t);

/**
 * nsv_socktab_add_spec - list a namespace named as nsv_netns_open() takes it
 *
 * A namespace already in the table (same inode) is not added twice. Its
 * label is its /run/netns name if it has one, else its inode and the pid
 * of the spec. Returns 0, or -errno from opening @spec.
 */
int nsv_socktab_add_spec(struct nsv_socktab *t, const char *spec);

/** nsv_socktab_add_all - every namespace nsv_netns_list() finds; 0 or -errno */
int nsv_socktab_add_all(struct nsv_socktab *t);

/**
 * nsv_socktab_ns_label - a namespace's label for tables: its name, else
 * "(init)" for the namespace of process 1, else "net:[INODE],pid=PID"
 * (",pid=" left out when no process is known)
 */
int nsv_socktab_ns_label(const struct nsv_stat_ns *ns, char *buf, size_t len);

/**
 * nsv_socktab_collect - (re)fill the table from the kernel
 * @states: bitmap of states to ask for; @f is applied on top (may be NULL)
 * @record: if not NULL, the replies of every namespace are written there
 *          (see nsv_socktab_replay for the format)
 *
 * Enters each namespace in turn (setns: needs CAP_SYS_ADMIN for others than
 * our own), dumps it and reads its vsock mode, then returns to the caller's
 * namespace. A namespace that cannot be entered or listed gets ns->err and
 * the others are still listed. Returns 0, or -errno for what stops it all:
 * no memory, or failing to return to our own namespace.
 */
int nsv_socktab_collect(struct nsv_socktab *t, uint32_t states,
			const struct nsv_sockfilter *f, FILE *record);

/*
 * A recording is the stream of netlink messages nsv_diag_dump() received,
 * each namespace's preceded by one message of this type whose payload holds
 * netlink attributes (NSV_REC_A_*). A file without any such message (a bare
 * dump, as ss -D writes them) replays as one unnamed namespace.
 */
#define NSV_REC_NETNS 0x7e56
enum {
	NSV_REC_A_UNSPEC,
	NSV_REC_A_INO, /* u64 */
	NSV_REC_A_PID, /* u32 */
	NSV_REC_A_NAME, /* NUL-terminated string */
	NSV_REC_A_MODE, /* NUL-terminated string */
	NSV_REC_A_ERR, /* u32: the errno that kept the namespace unlisted */
	NSV_REC_A_ENTER_ERR, /* u32 flag: ... when entering it */
	NSV_REC_A_CHILD_MODE, /* NUL-terminated string: child_ns_mode */
	NSV_REC_A_MODE_SRC, /* u32: enum nsv_nsmode_src of MODE (absent: 7.x's) */
	NSV_REC_A_CID, /* u32: nsvsock's domain CID (absent: none) */
	NSV_REC_A_DOMAIN, /* u32: nsvsock's CID domain (absent: none) */
	NSV_REC_A_MAX,
};

/**
 * nsv_socktab_replay - fill the table from a recording held in memory
 * @f: filter applied to each socket (may be NULL)
 *
 * Replaces the table's namespaces with the recorded ones. Returns 0 or
 * -EBADMSG for a malformed recording (*@off, if not NULL, tells where),
 * -ENOMEM.
 */
int nsv_socktab_replay(struct nsv_socktab *t, const void *buf, size_t len,
		       const struct nsv_sockfilter *f, size_t *off);

/**
 * nsv_socktab_procs - find the processes and user of every socket
 * @threads: list each thread holding a socket (its tid and name), as ss -T
 *
 * Scans /proc once; sockets nobody holds (or whose holders we may not see)
 * keep nprocs 0 and has_uid false. Returns 0 or -errno.
 */
int nsv_socktab_procs(struct nsv_socktab *t, bool threads);

/* What nsv_socktab_diff() reports. */
enum nsv_stat_event {
	NSV_EV_NEW, /* in @cur, not in @old */
	NSV_EV_GONE, /* in @old, not in @cur */
	NSV_EV_CHANGED, /* in both, with another state, shutdown or peer */
};

/** nsv_stat_event_name - "new", "gone", "changed" */
const char *nsv_stat_event_name(enum nsv_stat_event ev);

/*
 * Called for each socket that differs: @t and @i say where it is (in @old
 * for NSV_EV_GONE, else in @cur). A negative return stops the walk.
 */
typedef int (*nsv_socktab_diff_cb)(enum nsv_stat_event ev,
				   const struct nsv_socktab *t, size_t i,
				   void *data);

/**
 * nsv_socktab_diff - the sockets that appeared, went or changed
 *
 * A socket is the same in both tables when its namespace's inode, its
 * inode and its cookie are. Reports gone sockets first, then new and
 * changed ones in @cur's order. Returns 0, -ENOMEM, or what @cb returned.
 */
int nsv_socktab_diff(const struct nsv_socktab *old,
		     const struct nsv_socktab *cur, nsv_socktab_diff_cb cb,
		     void *data);

/** nsv_socktab_user - the name of @uid as nsv_socktab_procs() found it, or NULL */
const char *nsv_socktab_user(const struct nsv_socktab *t, uint32_t uid);

/*
 * Printer flags, beside NSV_FMT_NUMERIC (addr.h), which also prints users
 * as numbers.
 */
#define NSV_STAT_NETNS 0x2 /* a netns column (and mode, if there is one) */
#define NSV_STAT_PROCS 0x4 /* user and process columns */
#define NSV_STAT_NOHEADER 0x8 /* no title line */
#define NSV_STAT_THREADS 0x10 /* holders are threads: tid= too */
#define NSV_STAT_ONELINE 0x20 /* no alignment: fields a blank apart */

/**
 * nsv_socktab_print - the table as aligned text, or with NSV_STAT_ONELINE
 * one line per socket, fields one blank apart; 0 or -EIO/-ENOMEM
 */
int nsv_socktab_print(FILE *f, const struct nsv_socktab *t, unsigned int flags);

/**
 * nsv_socktab_print_sock - socket @i of @t as one unaligned line, after
 * the word @event if not NULL; 0 or -EIO
 */
int nsv_socktab_print_sock(FILE *f, const struct nsv_socktab *t, size_t i,
			   unsigned int flags, const char *event);

/**
 * nsv_socktab_summary - a line per namespace: its sockets counted by type
 * and state, after a line with the total (not with NSV_STAT_NOHEADER)
 */
int nsv_socktab_summary(FILE *f, const struct nsv_socktab *t,
			unsigned int flags);

/**
 * nsv_socktab_json - the table as one JSON document (schema "vsockstat/1",
 * man/vsockstat.8); @summary replaces "sockets" with "summary"
 */
int nsv_socktab_json(struct nsv_json *j, const struct nsv_socktab *t,
		     unsigned int flags, bool summary);

/**
 * nsv_socktab_json_event - one JSON document for socket @i of @t:
 * {"schema", "event", "socket"}
 */
int nsv_socktab_json_event(struct nsv_json *j, const struct nsv_socktab *t,
			   size_t i, unsigned int flags, const char *event);

#endif /* NSV_SOCKTAB_H */
