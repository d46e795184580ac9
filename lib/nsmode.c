// SPDX-License-Identifier: LGPL-2.1-or-later
/* A namespace's vsock mode from /proc/sys/net/vsock (7.0+) or /proc/sys/net/nsvsock. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "nsmode.h"

int nsv_nsmode_parse(const char *text, size_t n, char *out, size_t len)
{
	size_t i;

	if (!out || !len)
		return -EINVAL;
	out[0] = '\0';
	if (!text)
		return -EINVAL;
	if (n && text[n - 1] == '\n')
		n--;
	if (!n)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		char c = text[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return -EINVAL;
	}
	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(out, text, n);
	out[n] = '\0';
	return (int)n;
}

/* One sysctl file's word into @out; -ENOENT if the file does not exist. */
static int read_word(const char *root, const char *dir, const char *file,
		     char *out, size_t len)
{
	char path[4096], buf[64];
	ssize_t n;
	int fd, r;

	out[0] = '\0';
	r = snprintf(path, sizeof(path), "%s/%s/%s", root, dir, file);
	if (r < 0 || (size_t)r >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOTDIR ? -ENOENT : -errno;
	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r)
		return r;
	/* a word that fills the buffer was cut: not one we know */
	if ((size_t)n == sizeof(buf))
		return -ENAMETOOLONG;
	r = nsv_nsmode_parse(buf, (size_t)n, out, len);
	return r < 0 ? r : 0;
}

/* One sysctl file's unsigned number; 0 if it is missing or not one. */
static uint32_t read_u32(const char *root, const char *dir, const char *file)
{
	char path[4096], buf[16];
	unsigned long v;
	char *end;
	ssize_t n;
	int fd, r;

	r = snprintf(path, sizeof(path), "%s/%s/%s", root, dir, file);
	if (r < 0 || (size_t)r >= sizeof(path))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || v > UINT32_MAX)
		return 0;
	return (uint32_t)v;
}

const char *nsv_nsmode_src_name(enum nsv_nsmode_src src)
{
	switch (src) {
	case NSV_NSMODE_KERNEL:
		return "vsock";
	case NSV_NSMODE_MODULE:
		return "nsvsock";
	default:
		return NULL;
	}
}

int nsv_nsmode_read(const char *root, struct nsv_nsmode *m)
{
	/*
	 * The kernel's own first: on 7.x nsvsock neither builds nor loads,
	 * so a machine with both directories is not expected, and if one
	 * ever is, the kernel's modes are the ones that decide.
	 */
	static const enum nsv_nsmode_src order[] = { NSV_NSMODE_KERNEL,
						     NSV_NSMODE_MODULE };
	size_t i;
	int r;

	if (!m)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	if (!root)
		root = NSV_NSMODE_ROOT;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *dir = nsv_nsmode_src_name(order[i]);

		r = read_word(root, dir, "ns_mode", m->mode, sizeof(m->mode));
		if (r == -ENOENT)
			continue;
		m->src = order[i];
		if (r < 0)
			return r;
		read_word(root, dir, "child_ns_mode", m->child,
			  sizeof(m->child));
		if (order[i] == NSV_NSMODE_MODULE) {
			m->cid = read_u32(root, dir, "cid");
			m->domain = read_u32(root, dir, "domain");
		}
		return 0;
	}
	return 0;
}
