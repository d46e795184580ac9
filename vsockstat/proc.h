/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vsockstat: the processes holding sockets (/proc/PID/fd). */
#ifndef NSV_PROC_H
#define NSV_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Called for each open socket fd (@tid 0 unless threads were asked for);
 * a negative return stops the scan.
 */
typedef int (*nsv_proc_cb)(uint64_t ino, int pid, int tid, int fd, void *data);

/**
 * nsv_proc_sockets - walk /proc/ * /fd and report every socket descriptor
 * @threads: walk /proc/ * /task/ * /fd instead, once per thread, as ss -T
 *
 * Processes that vanish or that we may not inspect are skipped: the scan
 * sees what ss -p would. Returns 0, -errno when /proc cannot be read, or
 * what @cb returned.
 */
int nsv_proc_sockets(bool threads, nsv_proc_cb cb, void *data);

/**
 * nsv_proc_comm - a process's or thread's name (/proc/PID[/task/TID]/comm)
 * @tid: the thread, or 0 for the process
 *
 * Returns the length, or -errno (-ESRCH when the process is gone).
 */
int nsv_proc_comm(int pid, int tid, char *buf, size_t len);

/**
 * nsv_proc_fd_uid - the owner of the file behind /proc/PID/fd/FD
 *
 * For a socket that is the user who created it (what ss shows as uid).
 */
int nsv_proc_fd_uid(int pid, int fd, uint32_t *uid);

/**
 * nsv_proc_pid_parse - a /proc or /proc/PID/fd entry name as a number
 *
 * Decimal digits only, at most INT_MAX. Returns 0 or -EINVAL.
 */
int nsv_proc_pid_parse(const char *s, int *pid);

/**
 * nsv_proc_socket_ino - the inode in a "socket:[INODE]" fd link
 * @link: what readlink() gave, @len bytes, not NUL-terminated
 *
 * Returns 0, or -EINVAL for any other link (a file, a pipe, anon_inode).
 */
int nsv_proc_socket_ino(const char *link, size_t len, uint64_t *ino);

#endif /* NSV_PROC_H */
