// SPDX-License-Identifier: LGPL-2.1-or-later
/* Who holds a socket: walk /proc/PID/fd the way ss -p does. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc.h"

int nsv_proc_pid_parse(const char *s, int *out)
{
	long v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (*s - '0');
		if (v > 0x7fffffff)
			return -EINVAL;
	}
	*out = (int)v;
	return 0;
}

int nsv_proc_socket_ino(const char *l, size_t n, uint64_t *ino)
{
	uint64_t v = 0;
	size_t i;

	if (n < 10 || memcmp(l, "socket:[", 8) || l[n - 1] != ']')
		return -EINVAL;
	for (i = 8; i < n - 1; i++) {
		unsigned int d = (unsigned int)(l[i] - '0');

		if (l[i] < '0' || l[i] > '9' || v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*ino = v;
	return 0;
}

/* The socket descriptors of a process, or with @tid of one of its threads. */
static int scan_fds(int pid, int tid, nsv_proc_cb cb, void *data)
{
	char path[96], link[64];
	struct dirent *d;
	DIR *dir;
	int r = 0;

	if (tid)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/fd", pid, tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return 0; /* gone, a kernel thread's, or not ours to read */
	while ((d = readdir(dir))) {
		uint64_t ino;
		ssize_t n;
		int fd;

		if (nsv_proc_pid_parse(d->d_name, &fd) < 0)
			continue;
		n = readlinkat(dirfd(dir), d->d_name, link, sizeof(link));
		if (n <= 0 || (size_t)n >= sizeof(link))
			continue;
		if (nsv_proc_socket_ino(link, (size_t)n, &ino) < 0)
			continue;
		r = cb(ino, pid, tid, fd, data);
		if (r < 0)
			break;
	}
	closedir(dir);
	return r;
}

/* Every thread's table, as ss -T: threads usually share one, listed each. */
static int scan_threads(int pid, nsv_proc_cb cb, void *data)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int tid, r = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir)) && r >= 0)
		if (nsv_proc_pid_parse(d->d_name, &tid) == 0)
			r = scan_fds(pid, tid, cb, data);
	closedir(dir);
	return r;
}

int nsv_proc_sockets(bool threads, nsv_proc_cb cb, void *data)
{
	struct dirent *d;
	DIR *dir;
	int r = 0;

	dir = opendir("/proc");
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		int pid;

		if (nsv_proc_pid_parse(d->d_name, &pid) < 0)
			continue;
		r = threads ? scan_threads(pid, cb, data) :
			      scan_fds(pid, 0, cb, data);
		if (r < 0)
			break;
	}
	closedir(dir);
	return r < 0 ? r : 0;
}

int nsv_proc_comm(int pid, int tid, char *buf, size_t len)
{
	char path[96];
	ssize_t n;
	int fd;

	if (!buf || !len)
		return -EINVAL;
	if (tid)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return (int)n;
}

int nsv_proc_fd_uid(int pid, int fd, uint32_t *uid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	/* stat() follows the magic link to the socket's own inode. */
	if (stat(path, &st) < 0)
		return -errno;
	*uid = st.st_uid;
	return 0;
}
