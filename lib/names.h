/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnsvsock: CID names: the vsock-hosts file, running VMs, lookups both ways. */
#ifndef NSV_NAMES_H
#define NSV_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define NSV_NAMES_FILE "/etc/vsock-hosts"
#define NSV_NAMES_ENV "NSV_VSOCK_HOSTS" /* a file used instead of all else */
#define NSV_NAME_MAX 63 /* longest name, in bytes */

struct nsv_names; /* a table of names and the CIDs they name */

/** nsv_names_new - an empty table; 0 or -ENOMEM */
int nsv_names_new(struct nsv_names **out);
/** nsv_names_free - release a table (NULL is fine) */
void nsv_names_free(struct nsv_names *n);

/**
 * nsv_names_check - whether @name may name a CID
 *
 * A name is 1 to 63 letters, digits, '.', '-' and '_', starting with a
 * letter (so that no name reads as a number), and none of the words the
 * tools give a meaning of their own: any, host, local, hypervisor (CIDs)
 * and and, or, not (filter words), in any case. Returns NULL when it may,
 * else why not (a constant string).
 */
const char *nsv_names_check(const char *name);

/**
 * nsv_names_add - give @cid the name @name
 *
 * The first name a CID gets is the one it is shown as; later ones are
 * aliases, looked up as well. Adding a name twice for the same CID does
 * nothing. Returns 0, -EINVAL for a name nsv_names_check() refuses or CID
 * VMADDR_CID_ANY, -EEXIST when @name already names another CID, -ENOMEM.
 */
int nsv_names_add(struct nsv_names *n, uint32_t cid, const char *name);

/*
 * Called for each line of a names file that is refused (@line counts from
 * 1) and why; a negative return stops the parse and is returned.
 */
typedef int (*nsv_names_bad_fn)(unsigned int line, const char *why, void *data);

/**
 * nsv_names_parse - add the names of a text in the vsock-hosts format
 * @text: @len bytes, not necessarily NUL-terminated
 * @bad: told about every line refused (may be NULL)
 *
 * Each line is "CID NAME [ALIAS...]", fields separated by blanks, '#'
 * starting a comment to the end of the line; empty lines are fine. CID is
 * decimal or 0x-hex, not 4294967295 (any). A line with a bad field adds
 * none of its names. Returns the number of lines refused, -ENOMEM, or
 * what @bad returned.
 */
int nsv_names_parse(struct nsv_names *n, const char *text, size_t len,
		    nsv_names_bad_fn bad, void *data);

/**
 * nsv_names_read - nsv_names_parse() of the file @path
 *
 * Returns what nsv_names_parse() returns, or -errno when the file cannot be
 * read (-EFBIG past 16 MiB).
 */
int nsv_names_read(struct nsv_names *n, const char *path, nsv_names_bad_fn bad,
		   void *data);

/** nsv_names_name - the name @cid is shown as, or NULL */
const char *nsv_names_name(const struct nsv_names *n, uint32_t cid);

/** nsv_names_cid - the CID a name or alias names (any case); 0 or -ENOENT */
int nsv_names_cid(const struct nsv_names *n, const char *name, uint32_t *cid);

/** nsv_names_lookup - nsv_names_cid() as an nsv_cid_lookup_fn (@data: the table) */
int nsv_names_lookup(const char *word, uint32_t *cid, void *data);

/**
 * nsv_names_each - call @fn for each name and alias, in the order added
 *
 * Stops at the first negative return and returns it; else 0.
 */
int nsv_names_each(const struct nsv_names *n,
		   int (*fn)(uint32_t cid, const char *name, void *data),
		   void *data);

/**
 * nsv_names_cid_format - a CID as the tools print it
 * @n: names (may be NULL)
 *
 * "*" for any; unless NSV_FMT_NUMERIC, its name from @n, else hypervisor,
 * local or host for 0, 1 and 2; else the number. Returns the length or
 * -ENOSPC (NSV_NAME_MAX + 1 bytes always do).
 */
int nsv_names_cid_format(const struct nsv_names *n, uint32_t cid,
			 unsigned int flags, char *buf, size_t len);

/** nsv_names_addr_format - "CID:PORT" with the CID as above; length or -ENOSPC */
int nsv_names_addr_format(const struct nsv_names *n, uint32_t cid,
			  uint32_t port, unsigned int flags, char *buf,
			  size_t len);

/* Longest "NAME:PORT" plus NUL. */
#define NSV_NAMES_ADDR_STRLEN (NSV_NAME_MAX + 12)

/**
 * nsv_names_symbol - the symbolic form of a CID, for JSON beside the number
 *
 * "any" for VMADDR_CID_ANY whatever @flags say; unless NSV_FMT_NUMERIC,
 * the name nsv_names_cid_format() would print; NULL for a plain number.
 */
const char *nsv_names_symbol(const struct nsv_names *n, uint32_t cid,
			     unsigned int flags);

/* How a problem with the names is told: @file, @line (0: the whole file). */
typedef void (*nsv_names_report_fn)(const char *file, unsigned int line,
				    const char *why, void *data);

/**
 * nsv_names_load - the names the tools use on this machine
 * @proc: the proc file system to look for running VMs in ("/proc"), or
 *        NULL to look for none
 * @report: told about each problem (may be NULL)
 *
 * When the environment variable NSV_VSOCK_HOSTS is set, the names are
 * exactly those of the file it names ("" for none): it must be readable
 * and every line valid, else the problems are reported and -EINVAL (a bad
 * line) or -errno is returned. Otherwise the names are those of
 * /etc/vsock-hosts (missing is fine; a line refused is reported and
 * skipped), then those of the VMs nsv_vms_scan() finds in @proc whose CID
 * is the host kernel's to route (QEMU's and crosvm's vhost-vsock): the file
 * wins over a VM for a CID or a name both claim. Returns 0 and a table in
 * *@out, or -errno.
 */
int nsv_names_load(struct nsv_names **out, const char *proc,
		   nsv_names_report_fn report, void *data);

/**
 * nsv_names_load_file - what nsv_names_load() does, with the file given
 * @file: the names file ("" for none)
 * @strict: the file must exist and be valid, as NSV_VSOCK_HOSTS's
 * @proc: where to look for running VMs, or NULL
 */
int nsv_names_load_file(struct nsv_names **out, const char *file, bool strict,
			const char *proc, nsv_names_report_fn report,
			void *data);

#endif /* NSV_NAMES_H */
