// SPDX-License-Identifier: LGPL-2.1-or-later
/* vsockmon devices: find one in this netns, or create it, and clean up after. */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
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
		  struct nsv_monitor *m)
{
	const char *kind = "vsockmon";
	struct rtnl_link *l;
	int i, r = -EEXIST;

	/*
	 * With nsvsock loaded, its kind: outside the initial namespace it
	 * shows this namespace's connections only, as a container expects,
	 * where a vsockmon would show the whole machine's.
	 */
	if (access(NSV_NSVSOCK_SYSFS, F_OK) == 0) {
		kind = "nsvsockmon";
		m->scoped = true;
	}
	l = rtnl_link_alloc();
	if (!l)
		return -ENOMEM;
	r = nl_errno(rtnl_link_set_type(l, kind));
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
	struct pick pk = { 0 };
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
			r = create(sk, cache, m);
			if (r < 0)
				goto out;
			r = nl_errno(rtnl_link_get_kernel(sk, 0, m->name, &l));
			if (r < 0)
				goto out;
		}
	}
	m->ifindex = rtnl_link_get_ifindex(l);

	if (!(rtnl_link_get_flags(l) & IFF_UP)) {
		change = rtnl_link_alloc();
		if (!change) {
			r = -ENOMEM;
			goto out;
		}
		rtnl_link_set_flags(change, IFF_UP);
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
