// SPDX-License-Identifier: LGPL-2.1-or-later
/* Network namespaces: open one by name, path or pid, enter it, list them all. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>
#include <linux/nsfs.h>

#include "netns.h"

#define NETNS_RUN_DIR "/run/netns"

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int nsv_netns_path(const char *spec, char *buf, size_t len)
{
	struct stat st;
	int n;

	if (!spec || !*spec || !buf)
		return -EINVAL;
	if (strchr(spec, '/'))
		n = snprintf(buf, len, "%s", spec);
	else if (!strcmp(spec, ".") || !strcmp(spec, ".."))
		return -EINVAL;
	else {
		/* ip-netns names win; a number that names none is a pid. */
		n = snprintf(buf, len, NETNS_RUN_DIR "/%s", spec);
		if (n >= 0 && (size_t)n < len && stat(buf, &st) < 0 &&
		    all_digits(spec))
			n = snprintf(buf, len, "/proc/%s/ns/net", spec);
	}
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int nsv_netns_open(const char *spec)
{
	char path[PATH_MAX];
	struct statfs sfs;
	int fd, r;

	r = nsv_netns_path(spec, path, sizeof(path));
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/*
	 * nsfs inodes are S_IFREG, so the file type says nothing: ask nsfs
	 * which namespace this is (4.11+), else at least that it is nsfs.
	 */
	r = ioctl(fd, NS_GET_NSTYPE);
	if (r >= 0 ? r != CLONE_NEWNET :
		     errno != ENOTTY || fstatfs(fd, &sfs) < 0 ||
			     (unsigned long)sfs.f_type != NSFS_MAGIC) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

int nsv_netns_enter(int fd)
{
	if (setns(fd, CLONE_NEWNET) < 0)
		return -errno;
	return 0;
}

int nsv_netns_enter_spec(const char *spec)
{
	int fd = nsv_netns_open(spec), r;

	if (fd < 0)
		return fd;
	r = nsv_netns_enter(fd);
	close(fd);
	return r;
}

int nsv_netns_ino(int fd, uint64_t *ino)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	*ino = st.st_ino;
	return 0;
}

int nsv_netns_name(const char *dir, int fd, char *buf, size_t len)
{
	char path[PATH_MAX];
	struct stat ns, st;
	struct dirent *d;
	DIR *dd;
	int r = -ENOENT;

	if (fstat(fd, &ns) < 0)
		return -errno;
	if (!dir)
		dir = NETNS_RUN_DIR;
	dd = opendir(dir);
	if (!dd)
		return -errno;
	while (r == -ENOENT && (d = readdir(dd))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (stat(path, &st) < 0 || st.st_ino != ns.st_ino ||
		    st.st_dev != ns.st_dev)
			continue;
		r = (size_t)snprintf(buf, len, "%s", d->d_name) < len ?
			    0 :
			    -ENAMETOOLONG;
	}
	closedir(dd);
	return r;
}

struct seen {
	struct nsv_netns_info *v;
	size_t n, cap;
};

static struct nsv_netns_info *seen_find(struct seen *s, uint64_t ino)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].ino == ino)
			return &s->v[i];
	return NULL;
}

static int seen_add(struct seen *s, const char *path, const char *name, int pid)
{
	struct nsv_netns_info *e;
	struct stat st;

	if (stat(path, &st) < 0)
		return 0; /* gone meanwhile, or not ours to see */
	e = seen_find(s, st.st_ino);
	if (e) {
		if (name && !e->name[0])
			snprintf(e->name, sizeof(e->name), "%s", name);
		if (pid && !e->pid)
			e->pid = pid;
		return 0;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		void *v = realloc(s->v, cap * sizeof(*s->v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	e = &s->v[s->n++];
	memset(e, 0, sizeof(*e));
	e->ino = st.st_ino;
	e->pid = pid;
	if (name)
		snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->path, sizeof(e->path), "%s", path);
	return 0;
}

int nsv_netns_list(struct nsv_netns_info **out)
{
	struct seen s = { 0 };
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir;
	int r = 0;

	*out = NULL;
	/* Our own namespace first, so it leads the list. Its pid comes from
	 * the /proc walk below (the lowest one, often 1): ours is short-lived
	 * and would make a poor label. */
	r = seen_add(&s, "/proc/self/ns/net", NULL, 0);
	if (r < 0)
		goto fail;
	if (s.n)
		snprintf(s.v[0].path, sizeof(s.v[0].path), "/proc/%d/ns/net",
			 (int)getpid());

	dir = opendir(NETNS_RUN_DIR);
	if (dir) {
		while ((d = readdir(dir))) {
			if (d->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s",
				 d->d_name);
			r = seen_add(&s, path, d->d_name, 0);
			if (r < 0)
				break;
		}
		closedir(dir);
		if (r < 0)
			goto fail;
	}
	dir = opendir("/proc");
	if (!dir) {
		r = -errno;
		goto fail;
	}
	while ((d = readdir(dir))) {
		if (!all_digits(d->d_name))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", d->d_name);
		r = seen_add(&s, path, NULL, atoi(d->d_name));
		if (r < 0)
			break;
	}
	closedir(dir);
	if (r < 0)
		goto fail;
	*out = s.v;
	return (int)s.n;
fail:
	free(s.v);
	return r;
}
