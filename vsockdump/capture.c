// SPDX-License-Identifier: LGPL-2.1-or-later
/* vsockmon devices: find one in this netns, or create it, and clean up after. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "capture.h"
#include "proto.h"

/* libnl's -NLE_* into -errno, once, at the boundary. */
static int nl_errno(int e)
{
	switch (e < 0 ? -e : e) {
	case 0:
		return 0;
	case NLE_PERM:
		return -EPERM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_NODEV:
	case NLE_OBJ_NOTFOUND:
		return -ENODEV;
	case NLE_OPNOTSUPP:
	case NLE_AF_NOSUPPORT:
		return -EOPNOTSUPP;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_INVAL:
	case NLE_RANGE:
		return -EINVAL;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_AGAIN:
		return -EAGAIN;
	default:
		return -EIO;
	}
}

static bool is_vsockmon(struct rtnl_link *l)
{
	return rtnl_link_get_arptype(l) == NSV_ARPHRD_VSOCKMON;
}

/* ------------------------------------------------------ who made a device */

#define ALIAS_FMT "vsockdump pid=%d start=%" PRIu64 " pidns=%" PRIu64

int nsv_monitor_alias_format(const struct nsv_monitor_owner *o, char *buf,
			     size_t len)
{
	int n = snprintf(buf, len, ALIAS_FMT, o->pid, o->start, o->pidns);

	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

/* A decimal number without sign, blanks or leading zeros, up to @max. */
static const char *parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	const char *p = s;

	if (*p == '0' && p[1] >= '0' && p[1] <= '9')
		return NULL;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned int d = (unsigned int)(*p - '0');

		if (x > (max - d) / 10)
			return NULL;
		x = x * 10 + d;
	}
	if (p == s)
		return NULL;
	*v = x;
	return p;
}

int nsv_monitor_alias_parse(const char *alias, struct nsv_monitor_owner *o)
{
	static const char *const keys[] = { "vsockdump pid=", " start=",
					    " pidns=" };
	uint64_t v[3];
	const char *p = alias;
	size_t i;

	if (!alias)
		return -EINVAL;
	for (i = 0; i < 3; i++) {
		size_t n = strlen(keys[i]);

		if (strncmp(p, keys[i], n))
			return -EINVAL;
		p = parse_u64(p + n, i ? UINT64_MAX : INT32_MAX, &v[i]);
		if (!p)
			return -EINVAL;
	}
	/* pid 0 is nobody's: such an alias was not written by us */
	if (*p || !v[0])
		return -EINVAL;
	o->pid = (int)v[0];
	o->start = v[1];
	o->pidns = v[2];
	return 0;
}

int nsv_pid_start_parse(const char *stat, size_t len, uint64_t *start)
{
	const char *p = NULL, *end = stat + len;
	char num[24];
	size_t i, n;
	uint64_t v;

	for (i = len; i > 0; i--)
		if (stat[i - 1] == ')') {
			p = stat + i;
			break;
		}
	if (!p)
		return -EINVAL;
	/* after "PID (COMM)": state is field 3, starttime field 22 */
	for (i = 3; i <= 22; i++) {
		if (p == end || *p != ' ')
			return -EINVAL;
		p++;
		for (n = 0; p + n < end && p[n] != ' ' && p[n] != '\n'; n++)
			;
		if (!n)
			return -EINVAL;
		if (i < 22) {
			p += n;
			continue;
		}
		if (n >= sizeof(num))
			return -EINVAL;
		memcpy(num, p, n);
		num[n] = '\0';
		if (parse_u64(num, UINT64_MAX, &v) != num + n)
			return -EINVAL;
		*start = v;
		return 0;
	}
	return -EINVAL;
}

/* Start time of @pid in clock ticks after boot; -ESRCH when there is none. */
static int pid_start(int pid, uint64_t *start)
{
	char path[64], buf[1024];
	ssize_t n;
	int fd, r;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, sizeof(buf));
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return r == -ESRCH ? r : -EIO;
	return nsv_pid_start_parse(buf, (size_t)n, start);
}

static int pidns_ino(uint64_t *ino)
{
	struct stat st;

	if (stat("/proc/self/ns/pid", &st) < 0)
		return -errno;
	*ino = (uint64_t)st.st_ino;
	return 0;
}

int nsv_monitor_owner_self(struct nsv_monitor_owner *o)
{
	int r;

	o->pid = (int)getpid();
	r = pid_start(o->pid, &o->start);
	if (r < 0)
		return r;
	return pidns_ino(&o->pidns);
}

int nsv_monitor_owner_gone(const struct nsv_monitor_owner *o)
{
	uint64_t ns, start;
	int r;

	r = pidns_ino(&ns);
	if (r < 0)
		return r;
	if (ns != o->pidns)
		return -EXDEV;
	r = pid_start(o->pid, &start);
	if (r == -ESRCH)
		return 1;
	if (r < 0)
		return r;
	return start != o->start;
}

struct reap {
	struct nl_sock *sk;
	struct nsv_monitor *m;
	const char *keep; /* the device the user named: use it, not remove */
	int removed;
};

/* A vsockmon device whose alias names a capture that is gone: remove it. */
static void reap_one(struct nl_object *o, void *arg)
{
	struct rtnl_link *l = (struct rtnl_link *)o;
	struct nsv_monitor_owner own;
	struct reap *rp = arg;
	struct nsv_monitor *m = rp->m;
	size_t n;

	if (!is_vsockmon(l) ||
	    (rp->keep && !strcmp(rp->keep, rtnl_link_get_name(l))) ||
	    nsv_monitor_alias_parse(rtnl_link_get_ifalias(l), &own) < 0 ||
	    nsv_monitor_owner_gone(&own) != 1)
		return;
	if (rtnl_link_delete(rp->sk, l) < 0)
		return; /* not ours to remove (no CAP_NET_ADMIN): leave it */
	rp->removed++;
	m->reaped_pid = own.pid;
	n = strlen(m->reaped);
	snprintf(m->reaped + n, sizeof(m->reaped) - n, "%s%s", n ? ", " : "",
		 rtnl_link_get_name(l));
}

struct pick {
	struct rtnl_link *best;
};

static void pick_one(struct nl_object *o, void *arg)
{
	struct rtnl_link *l = (struct rtnl_link *)o;
	struct pick *p = arg;

	if (!is_vsockmon(l))
		return;
	/* the first device that is up, else the first one */
	if (!p->best || (!(rtnl_link_get_flags(p->best) & IFF_UP) &&
			 (rtnl_link_get_flags(l) & IFF_UP)))
		p->best = l;
}

struct names {
	char *buf;
	size_t len, n;
};

static void name_one(struct nl_object *o, void *arg)
{
	struct rtnl_link *l = (struct rtnl_link *)o;
	struct names *nm = arg;
	int w;

	if (!is_vsockmon(l) || nm->n >= nm->len)
		return;
	w = snprintf(nm->buf + nm->n, nm->len - nm->n, "%s%s",
		     nm->n ? ", " : "", rtnl_link_get_name(l));
	if (w > 0)
		nm->n += (size_t)w;
}

int nsv_monitor_list(char *buf, size_t len)
{
	struct names nm = { .buf = buf, .len = len };
	struct nl_cache *cache = NULL;
	struct nl_sock *sk;
	int r;

	if (!buf || !len)
		return -EINVAL;
	buf[0] = '\0';
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	r = nl_errno(nl_connect(sk, NETLINK_ROUTE));
	if (r < 0)
		goto out;
	r = nl_errno(rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache));
	if (r < 0)
		goto out;
	nl_cache_foreach(cache, name_one, &nm);
	nl_cache_free(cache);
	r = (int)nm.n;
out:
	nl_socket_free(sk);
	return r;
}

static int create(struct nl_sock *sk, struct nl_cache *cache,
		  struct nsv_monitor *m, const char *alias)
{
	const char *kind = "vsockmon";
	struct rtnl_link *l;
	int i, r = -EEXIST;

	/*
	 * With nsvsock loaded, its kind: outside the initial namespace it
	 * shows this namespace's connections only, as a container expects,
	 * where a vsockmon would show the whole machine's.
	 */
	if (access(NSV_NSVSOCK_SYSFS, F_OK) == 0)
		kind = "nsvsockmon";
	l = rtnl_link_alloc();
	if (!l)
		return -ENOMEM;
	r = nl_errno(rtnl_link_set_type(l, kind));
	rtnl_link_set_ifalias(l, alias);
	/* vsockmon0, or the first free vsockmonN: never someone else's */
	for (i = 0; !r && i < 100; i++) {
		struct rtnl_link *taken;

		snprintf(m->name, sizeof(m->name), "%s%d", kind, i);
		taken = rtnl_link_get_by_name(cache, m->name);
		if (taken) {
			rtnl_link_put(taken);
			continue;
		}
		rtnl_link_set_name(l, m->name);
		/* the kernel loads vsockmon through its rtnl-link alias */
		r = nl_errno(rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL));
		if (r == -EEXIST) {
			r = 0;
			continue;
		}
		break;
	}
	rtnl_link_put(l);
	if (!r && i == 100)
		r = -EEXIST;
	if (r == 0)
		m->created = true;
	return r;
}

int nsv_monitor_open(struct nsv_monitor *m, const char *ifname, bool create_ok)
{
	struct nl_cache *cache = NULL;
	struct rtnl_link *l = NULL, *change = NULL;
	struct nsv_monitor_owner self;
	struct pick pk = { 0 };
	const char *kind;
	struct reap rp = { .m = m, .keep = ifname };
	char alias[128];
	struct nl_sock *sk;
	int r;

	memset(m, 0, sizeof(*m));
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	m->nl = sk;
	r = nl_errno(nl_connect(sk, NETLINK_ROUTE));
	if (r < 0)
		return r;
	r = nl_errno(rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache));
	if (r < 0)
		return r;
	r = nsv_monitor_owner_self(&self);
	if (r < 0)
		goto out;
	nsv_monitor_alias_format(&self, alias, sizeof(alias));

	/* before picking one: a dead capture's device is no candidate */
	rp.sk = sk;
	nl_cache_foreach(cache, reap_one, &rp);
	if (rp.removed) {
		r = nl_errno(nl_cache_refill(sk, cache));
		if (r < 0)
			goto out;
	}

	if (ifname) {
		snprintf(m->name, sizeof(m->name), "%s", ifname);
		l = rtnl_link_get_by_name(cache, ifname);
		if (!l) {
			r = -ENODEV;
			goto out;
		}
		if (!is_vsockmon(l)) {
			r = -EMEDIUMTYPE;
			goto out;
		}
	} else {
		nl_cache_foreach(cache, pick_one, &pk);
		if (pk.best) {
			l = pk.best;
			nl_object_get((struct nl_object *)l);
			snprintf(m->name, sizeof(m->name), "%s",
				 rtnl_link_get_name(l));
		} else if (!create_ok) {
			r = -ENODEV;
			goto out;
		} else {
			r = create(sk, cache, m, alias);
			if (r < 0)
				goto out;
			r = nl_errno(rtnl_link_get_kernel(sk, 0, m->name, &l));
			if (r < 0)
				goto out;
		}
	}
	m->ifindex = rtnl_link_get_ifindex(l);
	kind = rtnl_link_get_type(l);
	m->scoped = kind && !strcmp(kind, "nsvsockmon");

	if (!(rtnl_link_get_flags(l) & IFF_UP)) {
		change = rtnl_link_alloc();
		if (!change) {
			r = -ENOMEM;
			goto out;
		}
		rtnl_link_set_flags(change, IFF_UP);
		/* again, in case the kernel took no alias when creating */
		if (m->created)
			rtnl_link_set_ifalias(change, alias);
		r = nl_errno(rtnl_link_change(sk, l, change, 0));
		if (r < 0)
			goto out;
		m->raised = !m->created;
	}
	r = 0;
out:
	if (change)
		rtnl_link_put(change);
	if (l)
		rtnl_link_put(l);
	nl_cache_free(cache);
	return r;
}

int nsv_monitor_close(struct nsv_monitor *m)
{
	struct nl_sock *sk = m->nl;
	struct rtnl_link *l = NULL, *change = NULL;
	int r = 0;

	if (!sk)
		return 0;
	if (!m->created && !m->raised)
		goto out;
	l = rtnl_link_alloc();
	if (!l) {
		r = -ENOMEM;
		goto out;
	}
	/* by index: the name may belong to another device by now */
	rtnl_link_set_ifindex(l, m->ifindex);
	if (m->created) {
		r = nl_errno(rtnl_link_delete(sk, l));
		if (!r)
			m->created = false;
	} else {
		change = rtnl_link_alloc();
		if (!change) {
			r = -ENOMEM;
			goto out;
		}
		rtnl_link_unset_flags(change, IFF_UP);
		r = nl_errno(rtnl_link_change(sk, l, change, 0));
		if (!r)
			m->raised = false;
	}
out:
	if (change)
		rtnl_link_put(change);
	if (l)
		rtnl_link_put(l);
	nl_socket_free(sk);
	m->nl = NULL;
	return r;
}
