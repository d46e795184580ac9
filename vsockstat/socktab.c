// SPDX-License-Identifier: LGPL-2.1-or-later
/* Socket tables: vsock sockets of one or more network namespaces, live or replayed. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "diag.h"
#include "netns.h"
#include "proc.h"
#include "socktab.h"

#define NETNS_RUN_DIR "/run/netns"

void nsv_socktab_init(struct nsv_socktab *t)
{
	memset(t, 0, sizeof(*t));
}

void nsv_socktab_free(struct nsv_socktab *t)
{
	free(t->ns);
	free(t->socks);
	free(t->procs);
	free(t->users);
	nsv_socktab_init(t);
}

/* Grows *@v (elements of @size) so that one more fits. */
static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t c;
	void *p;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	p = realloc(*v, c * size);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = c;
	return 0;
}

static struct nsv_stat_ns *ns_new(struct nsv_socktab *t)
{
	struct nsv_stat_ns *ns;

	if (grow((void **)&t->ns, &t->ns_cap, t->nns, sizeof(*t->ns)) < 0)
		return NULL;
	ns = &t->ns[t->nns++];
	memset(ns, 0, sizeof(*ns));
	return ns;
}

static bool ns_have(const struct nsv_socktab *t, uint64_t ino)
{
	size_t i;

	for (i = 0; i < t->nns; i++)
		if (t->ns[i].info.ino == ino)
			return true;
	return false;
}

/* The ip-netns name of the namespace with inode @ino, if it has one. */
static void find_name(uint64_t ino, char *name, size_t len)
{
	char path[512];
	struct dirent *d;
	struct stat st;
	DIR *dir;

	name[0] = '\0';
	dir = opendir(NETNS_RUN_DIR);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", d->d_name);
		if (stat(path, &st) == 0 && st.st_ino == ino) {
			snprintf(name, len, "%s", d->d_name);
			break;
		}
	}
	closedir(dir);
}

int nsv_socktab_add_self(struct nsv_socktab *t)
{
	struct nsv_stat_ns *ns;
	struct stat st, init;

	if (stat("/proc/self/ns/net", &st) < 0)
		return -errno;
	if (ns_have(t, st.st_ino))
		return 0;
	ns = ns_new(t);
	if (!ns)
		return -ENOMEM;
	ns->info.ino = st.st_ino;
	/* path "" : no setns() needed. Our own pid would be a poor label;
	 * process 1's says "(init)" (it may hide from us: then nothing). */
	if (stat("/proc/1/ns/net", &init) == 0 && init.st_ino == st.st_ino)
		ns->info.pid = 1;
	find_name(ns->info.ino, ns->info.name, sizeof(ns->info.name));
	return 0;
}

/* The pid in a spec like "1234" or "/proc/1234/ns/net", else 0. */
static int spec_pid(const char *spec)
{
	const char *p = spec;
	long v = 0;

	if (!strncmp(p, "/proc/", 6))
		p += 6;
	else if (strchr(p, '/'))
		return 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > 0x7fffffff)
			return 0;
	}
	if (p == spec || (*p && strcmp(p, "/ns/net")))
		return 0;
	return (int)v;
}

int nsv_socktab_add_spec(struct nsv_socktab *t, const char *spec)
{
	struct nsv_stat_ns *ns;
	uint64_t ino;
	int fd, r;

	fd = nsv_netns_open(spec);
	if (fd < 0)
		return fd;
	r = nsv_netns_ino(fd, &ino);
	close(fd);
	if (r < 0)
		return r;
	if (ns_have(t, ino))
		return 0;
	ns = ns_new(t);
	if (!ns)
		return -ENOMEM;
	ns->info.ino = ino;
	r = nsv_netns_path(spec, ns->info.path, sizeof(ns->info.path));
	if (r < 0) {
		t->nns--;
		return r;
	}
	/* nsv_netns_path() has decided whether "1234" was a name or a pid. */
	ns->info.pid = spec_pid(ns->info.path);
	find_name(ino, ns->info.name, sizeof(ns->info.name));
	return 0;
}

int nsv_socktab_add_all(struct nsv_socktab *t)
{
	struct nsv_netns_info *v;
	struct stat st;
	int n, i;

	if (stat("/proc/self/ns/net", &st) < 0)
		return -errno;
	n = nsv_netns_list(&v);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		struct nsv_stat_ns *ns;

		if (ns_have(t, v[i].ino))
			continue;
		ns = ns_new(t);
		if (!ns) {
			free(v);
			return -ENOMEM;
		}
		ns->info = v[i];
		if (v[i].ino == (uint64_t)st.st_ino)
			ns->info.path[0] =
				'\0'; /* ours: listed without setns() */
	}
	free(v);
	return 0;
}

int nsv_socktab_ns_label(const struct nsv_stat_ns *ns, char *buf, size_t len)
{
	int n;

	if (ns->info.name[0])
		n = snprintf(buf, len, "%s", ns->info.name);
	else if (ns->info.pid == 1)
		n = snprintf(buf, len, NSV_NS_INIT_LABEL);
	else if (!ns->info.ino)
		n = snprintf(buf, len, "-"); /* a bare recording says nothing */
	else if (ns->info.pid)
		n = snprintf(buf, len, "net:[%llu],pid=%d",
			     (unsigned long long)ns->info.ino, ns->info.pid);
	else
		n = snprintf(buf, len, "net:[%llu]",
			     (unsigned long long)ns->info.ino);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

/* --------------------------------------------------------------- collect */

struct fill {
	struct nsv_socktab *t;
	const struct nsv_sockfilter *f;
	unsigned int ns;
};

static int fill_one(const struct nsv_diag_sock *s, void *data)
{
	struct fill *c = data;
	struct nsv_socktab *t = c->t;
	struct nsv_stat_sock *e;

	if (!nsv_sockfilter_match(c->f, s))
		return 0;
	if (grow((void **)&t->socks, &t->socks_cap, t->nsocks,
		 sizeof(*t->socks)) < 0)
		return -ENOMEM;
	e = &t->socks[t->nsocks++];
	memset(e, 0, sizeof(*e));
	e->d = *s;
	e->ns = c->ns;
	t->ns[c->ns].nsocks++;
	return 0;
}

static void clear_socks(struct nsv_socktab *t)
{
	size_t i;

	t->nsocks = 0;
	t->nprocs = 0;
	for (i = 0; i < t->nns; i++)
		t->ns[i].nsocks = 0;
}

/* One NSV_REC_NETNS message that says which namespace follows. */
static int record_ns(FILE *rec, const struct nsv_stat_ns *ns)
{
	char buf[MNL_NLMSG_HDRLEN + 1024];
	struct nlmsghdr *nlh;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NSV_REC_NETNS;
	mnl_attr_put_u64(nlh, NSV_REC_A_INO, ns->info.ino);
	if (ns->info.pid)
		mnl_attr_put_u32(nlh, NSV_REC_A_PID, (uint32_t)ns->info.pid);
	if (ns->info.name[0] &&
	    !mnl_attr_put_strz_check(nlh, sizeof(buf), NSV_REC_A_NAME,
				     ns->info.name))
		return -ENAMETOOLONG;
	if (ns->mode.mode[0])
		mnl_attr_put_strz(nlh, NSV_REC_A_MODE, ns->mode.mode);
	if (ns->mode.child[0])
		mnl_attr_put_strz(nlh, NSV_REC_A_CHILD_MODE, ns->mode.child);
	if (ns->mode.src != NSV_NSMODE_NONE)
		mnl_attr_put_u32(nlh, NSV_REC_A_MODE_SRC, ns->mode.src);
	if (ns->mode.cid)
		mnl_attr_put_u32(nlh, NSV_REC_A_CID, ns->mode.cid);
	if (ns->mode.domain)
		mnl_attr_put_u32(nlh, NSV_REC_A_DOMAIN, ns->mode.domain);
	if (ns->err)
		mnl_attr_put_u32(nlh, NSV_REC_A_ERR, (uint32_t)-ns->err);
	if (ns->err_enter)
		mnl_attr_put_u32(nlh, NSV_REC_A_ENTER_ERR, 1);
	if (fwrite(nlh, 1, nlh->nlmsg_len, rec) != nlh->nlmsg_len)
		return errno ? -errno : -EIO;
	return 0;
}

static int enter_path(const char *path)
{
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = nsv_netns_enter(fd);
	close(fd);
	return r;
}

/* Dumps the namespace we are in into @ns (and its recording into @record). */
static int collect_here(struct fill *c, struct nsv_stat_ns *ns, uint32_t states,
			FILE *record)
{
	char *rbuf = NULL;
	size_t rlen = 0;
	FILE *mem = NULL;
	int r;

	/* /proc/sys/net resolves against the netns we are in right now;
	 * a mode that cannot be read shows as none, the sockets still do. */
	nsv_nsmode_read(NULL, &ns->mode);
	/* The marker says whether the dump failed, so the dump goes to memory
	 * first and follows the marker once its outcome is known. */
	if (record) {
		mem = open_memstream(&rbuf, &rlen);
		if (!mem)
			return -ENOMEM;
	}
	ns->err = nsv_diag_dump(states, mem, fill_one, c);
	if (ns->err) {
		/* A failed namespace shows its error and no sockets. */
		c->t->nsocks -= ns->nsocks;
		ns->nsocks = 0;
	}
	r = ns->err == -ENOMEM || ns->err == -EIO ? ns->err : 0;
	if (mem && fclose(mem) != 0 && !r)
		r = -EIO;
	if (record && !r) {
		r = record_ns(record, ns);
		if (!r && !ns->err && fwrite(rbuf, 1, rlen, record) != rlen)
			r = errno ? -errno :
				    -EIO; /* ENOSPC says more than EIO */
	}
	free(rbuf);
	return r;
}

int nsv_socktab_collect(struct nsv_socktab *t, uint32_t states,
			const struct nsv_sockfilter *f, FILE *record)
{
	struct fill c = { .t = t, .f = f };
	int orig = -1, r = 0, e;
	size_t i;

	clear_socks(t);
	for (i = 0; i < t->nns && !r; i++) {
		struct nsv_stat_ns *ns = &t->ns[i];

		ns->err = 0;
		ns->err_enter = false;
		memset(&ns->mode, 0, sizeof(ns->mode));
		c.ns = (unsigned int)i;
		if (!ns->info.path[0]) {
			r = collect_here(&c, ns, states, record);
			continue;
		}
		if (orig < 0) {
			orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
			if (orig < 0)
				return -errno;
		}
		ns->err = enter_path(ns->info.path);
		ns->err_enter = ns->err != 0;
		if (ns->err) {
			if (record)
				r = record_ns(record, ns);
			continue;
		}
		r = collect_here(&c, ns, states, record);
		/* Staying in the wrong namespace would be worse than stopping. */
		e = nsv_netns_enter(orig);
		if (e < 0)
			r = e;
	}
	if (orig >= 0)
		close(orig);
	return r;
}

/* ---------------------------------------------------------------- replay */

static int rec_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);
	enum mnl_attr_data_type want;

	/* Attributes a later version may add are skipped, not refused. */
	if (type <= NSV_REC_A_UNSPEC || type >= NSV_REC_A_MAX)
		return MNL_CB_OK;
	switch (type) {
	case NSV_REC_A_INO:
		want = MNL_TYPE_U64;
		break;
	case NSV_REC_A_PID:
	case NSV_REC_A_ERR:
	case NSV_REC_A_ENTER_ERR:
	case NSV_REC_A_MODE_SRC:
	case NSV_REC_A_CID:
	case NSV_REC_A_DOMAIN:
		want = MNL_TYPE_U32;
		break;
	default:
		want = MNL_TYPE_NUL_STRING;
	}
	if (mnl_attr_validate(a, want) < 0)
		return MNL_CB_ERROR;
	tb[type] = a;
	return MNL_CB_OK;
}

/* One mode word from a recording, held to what a sysctl file may say. */
static int replay_word(const struct nlattr *a, char *out, size_t len)
{
	const char *w;

	if (!a)
		return 0;
	w = mnl_attr_get_str(a);
	return nsv_nsmode_parse(w, strlen(w), out, len);
}

static int replay_mode(const struct nlattr **tb, struct nsv_nsmode *m)
{
	int r;

	r = replay_word(tb[NSV_REC_A_MODE], m->mode, sizeof(m->mode));
	if (r >= 0)
		r = replay_word(tb[NSV_REC_A_CHILD_MODE], m->child,
				sizeof(m->child));
	if (r < 0)
		return r;
	/* Recordings older than the source attribute came from 7.x; a
	 * source a later version adds is shown without its directory. */
	if (!tb[NSV_REC_A_MODE_SRC])
		m->src = m->mode[0] ? NSV_NSMODE_KERNEL : NSV_NSMODE_NONE;
	else if (nsv_nsmode_src_name(mnl_attr_get_u32(tb[NSV_REC_A_MODE_SRC])))
		m->src = mnl_attr_get_u32(tb[NSV_REC_A_MODE_SRC]);
	if (tb[NSV_REC_A_CID])
		m->cid = mnl_attr_get_u32(tb[NSV_REC_A_CID]);
	if (tb[NSV_REC_A_DOMAIN])
		m->domain = mnl_attr_get_u32(tb[NSV_REC_A_DOMAIN]);
	return 0;
}

/* A new namespace from an NSV_REC_NETNS message of @mlen bytes at @p. */
static int replay_ns(struct nsv_socktab *t, const uint8_t *p, size_t mlen)
{
	const struct nlattr *tb[NSV_REC_A_MAX] = { 0 };
	uint64_t msg[1024 / sizeof(uint64_t)]; /* aligned for libmnl */
	struct nsv_stat_ns *ns;

	if (mlen > sizeof(msg))
		return -EBADMSG;
	/* libmnl walks up to the aligned end: the padding must be zeros. */
	memset(msg, 0, sizeof(msg));
	memcpy(msg, p, mlen);
	if (mnl_attr_parse((struct nlmsghdr *)msg, 0, rec_attr_cb, tb) !=
	    MNL_CB_OK)
		return -EBADMSG;
	if (!tb[NSV_REC_A_INO])
		return -EBADMSG;
	ns = ns_new(t);
	if (!ns)
		return -ENOMEM;
	ns->info.ino = mnl_attr_get_u64(tb[NSV_REC_A_INO]);
	if (tb[NSV_REC_A_PID])
		ns->info.pid =
			(int)(mnl_attr_get_u32(tb[NSV_REC_A_PID]) & 0x7fffffff);
	if (tb[NSV_REC_A_NAME])
		snprintf(ns->info.name, sizeof(ns->info.name), "%s",
			 mnl_attr_get_str(tb[NSV_REC_A_NAME]));
	if (replay_mode(tb, &ns->mode) < 0)
		return -EBADMSG;
	if (tb[NSV_REC_A_ERR]) {
		uint32_t e = mnl_attr_get_u32(tb[NSV_REC_A_ERR]);

		if (!e || e > 4095)
			return -EBADMSG;
		ns->err = -(int)e;
		ns->err_enter = tb[NSV_REC_A_ENTER_ERR] &&
				mnl_attr_get_u32(tb[NSV_REC_A_ENTER_ERR]);
	}
	return 0;
}

int nsv_socktab_replay(struct nsv_socktab *t, const void *buf, size_t len,
		       const struct nsv_sockfilter *f, size_t *offp)
{
	struct fill c = { .t = t, .f = f };
	const uint8_t *p = buf;
	bool open_ = false; /* a namespace whose dump has not ended yet */
	size_t off = 0;
	int r = -EBADMSG;

	clear_socks(t);
	t->nns = 0;
	if (!buf || !len)
		goto bad;
	while (off < len) {
		struct nlmsghdr h;
		size_t mlen;

		if (len - off < sizeof(h))
			goto bad;
		memcpy(&h, p + off, sizeof(h));
		mlen = h.nlmsg_len;
		if (mlen < sizeof(h) || mlen > len - off)
			goto bad;
		if (h.nlmsg_type == NSV_REC_NETNS) {
			if (open_)
				goto bad;
			r = replay_ns(t, p + off, mlen);
			if (r < 0)
				goto bad;
			/* A namespace that failed has no dump after it. */
			open_ = !t->ns[t->nns - 1].err;
		} else {
			struct nsv_stat_ns *ns;

			if (!t->nns) {
				/* A bare dump, as ss -D writes them. */
				if (!ns_new(t)) {
					r = -ENOMEM;
					goto bad;
				}
				open_ = true;
			}
			if (!open_)
				goto bad;
			ns = &t->ns[t->nns - 1];
			c.ns = (unsigned int)(t->nns - 1);
			r = nsv_diag_parse(p + off, mlen, fill_one, &c);
			if (r == -ENOMEM)
				goto bad;
			if (r < 0 && h.nlmsg_type != NLMSG_ERROR &&
			    h.nlmsg_type != NLMSG_DONE) {
				r = -EBADMSG;
				goto bad;
			}
			if (r < 0) {
				/* The kernel's error, recorded: replay it. */
				ns->err = r;
				t->nsocks -= ns->nsocks;
				ns->nsocks = 0;
			}
			if (r != 0)
				open_ = false;
		}
		mlen = NLMSG_ALIGN(mlen);
		off = mlen > len - off ? len : off + mlen;
	}
	if (open_)
		goto bad; /* cut short before NLMSG_DONE */
	return 0;
bad:
	if (offp)
		*offp = off;
	return r == -ENOMEM ? r : -EBADMSG;
}

/* ------------------------------------------------------------- processes */

struct ino_idx {
	uint64_t ino;
	size_t sock;
};

struct owner {
	size_t sock;
	struct nsv_stat_proc p;
};

struct pscan {
	struct ino_idx *idx;
	size_t n;
	struct owner *own;
	size_t nown, cap;
	int last_pid, last_tid;
	char comm[16];
};

static int ino_cmp(const void *a, const void *b)
{
	const struct ino_idx *x = a, *y = b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static int owner_cmp(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;

	if (x->sock != y->sock)
		return x->sock < y->sock ? -1 : 1;
	if (x->p.pid != y->p.pid)
		return x->p.pid < y->p.pid ? -1 : 1;
	if (x->p.tid != y->p.tid)
		return x->p.tid < y->p.tid ? -1 : 1;
	return (x->p.fd > y->p.fd) - (x->p.fd < y->p.fd);
}

static int proc_one(uint64_t ino, int pid, int tid, int fd, void *data)
{
	struct pscan *s = data;
	struct ino_idx key = { .ino = ino }, *hit;
	struct owner *o;

	hit = bsearch(&key, s->idx, s->n, sizeof(key), ino_cmp);
	if (!hit)
		return 0;
	/* Each task's descriptors come in one run: one comm read each. */
	if (pid != s->last_pid || tid != s->last_tid) {
		if (nsv_proc_comm(pid, tid, s->comm, sizeof(s->comm)) < 0)
			s->comm[0] = '\0';
		s->last_pid = pid;
		s->last_tid = tid;
	}
	if (grow((void **)&s->own, &s->cap, s->nown, sizeof(*s->own)) < 0)
		return -ENOMEM;
	o = &s->own[s->nown++];
	o->sock = hit->sock;
	o->p.pid = pid;
	o->p.tid = tid;
	o->p.fd = fd;
	memcpy(o->p.comm, s->comm, sizeof(o->p.comm));
	return 0;
}

static int user_add(struct nsv_socktab *t, uint32_t uid)
{
	struct nsv_stat_user *u;
	struct passwd pw, *res = NULL;
	char buf[1024];
	size_t i;

	for (i = 0; i < t->nusers; i++)
		if (t->users[i].uid == uid)
			return 0;
	if (grow((void **)&t->users, &t->users_cap, t->nusers,
		 sizeof(*t->users)) < 0)
		return -ENOMEM;
	u = &t->users[t->nusers++];
	u->uid = uid;
	u->name[0] = '\0';
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(u->name, sizeof(u->name), "%s", pw.pw_name);
	return 0;
}

const char *nsv_socktab_user(const struct nsv_socktab *t, uint32_t uid)
{
	size_t i;

	for (i = 0; i < t->nusers; i++)
		if (t->users[i].uid == uid)
			return t->users[i].name[0] ? t->users[i].name : NULL;
	return NULL;
}

int nsv_socktab_procs(struct nsv_socktab *t, bool threads)
{
	struct pscan s = { .last_pid = -1 };
	struct nsv_stat_proc *procs;
	size_t i, j;
	int r;

	t->nprocs = 0;
	if (!t->nsocks)
		return 0;
	s.idx = malloc(t->nsocks * sizeof(*s.idx));
	if (!s.idx)
		return -ENOMEM;
	for (i = 0; i < t->nsocks; i++) {
		s.idx[i].ino = t->socks[i].d.ino;
		s.idx[i].sock = i;
		t->socks[i].nprocs = 0;
		t->socks[i].has_uid = false;
	}
	s.n = t->nsocks;
	qsort(s.idx, s.n, sizeof(*s.idx), ino_cmp);
	r = nsv_proc_sockets(threads, proc_one, &s);
	if (r < 0)
		goto out;
	qsort(s.own, s.nown, sizeof(*s.own), owner_cmp);
	procs = realloc(t->procs, (s.nown ? s.nown : 1) * sizeof(*t->procs));
	if (!procs) {
		r = -ENOMEM;
		goto out;
	}
	t->procs = procs;
	t->procs_cap = s.nown ? s.nown : 1;
	for (i = 0; i < s.nown; i = j) {
		struct nsv_stat_sock *k = &t->socks[s.own[i].sock];

		k->proc0 = t->nprocs;
		for (j = i; j < s.nown && s.own[j].sock == s.own[i].sock; j++)
			t->procs[t->nprocs++] = s.own[j].p;
		k->nprocs = j - i;
		if (nsv_proc_fd_uid(s.own[i].p.pid, s.own[i].p.fd, &k->uid) ==
		    0) {
			k->has_uid = true;
			r = user_add(t, k->uid);
			if (r < 0)
				goto out;
		}
	}
	r = 0;
out:
	free(s.own);
	free(s.idx);
	return r;
}

/* ---------------------------------------------------------------- events */

static const char *const event_names[] = {
	[NSV_EV_NEW] = "new",
	[NSV_EV_GONE] = "gone",
	[NSV_EV_CHANGED] = "changed",
};

const char *nsv_stat_event_name(enum nsv_stat_event ev)
{
	return (size_t)ev < sizeof(event_names) / sizeof(event_names[0]) ?
		       event_names[ev] :
		       "?";
}

/* A socket's identity across listings, and where it is in its table. */
struct ident {
	uint64_t ns_ino;
	uint64_t cookie;
	uint32_t ino;
	size_t i;
};

static int ident_cmp(const void *a, const void *b)
{
	const struct ident *x = a, *y = b;

	if (x->ns_ino != y->ns_ino)
		return x->ns_ino < y->ns_ino ? -1 : 1;
	if (x->cookie != y->cookie)
		return x->cookie < y->cookie ? -1 : 1;
	return (x->ino > y->ino) - (x->ino < y->ino);
}

static struct ident *idents(const struct nsv_socktab *t)
{
	struct ident *v = malloc((t->nsocks ? t->nsocks : 1) * sizeof(*v));
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < t->nsocks; i++) {
		v[i].ns_ino = t->ns[t->socks[i].ns].info.ino;
		v[i].cookie = t->socks[i].d.cookie;
		v[i].ino = t->socks[i].d.ino;
		v[i].i = i;
	}
	qsort(v, t->nsocks, sizeof(*v), ident_cmp);
	return v;
}

static bool changed(const struct nsv_diag_sock *a,
		    const struct nsv_diag_sock *b)
{
	return a->state != b->state || a->shutdown != b->shutdown ||
	       a->dst_cid != b->dst_cid || a->dst_port != b->dst_port ||
	       a->src_cid != b->src_cid || a->src_port != b->src_port;
}

int nsv_socktab_diff(const struct nsv_socktab *old,
		     const struct nsv_socktab *cur, nsv_socktab_diff_cb cb,
		     void *data)
{
	struct ident *a = idents(old), *b = idents(cur), *hit;
	size_t i;
	int r = -ENOMEM;

	if (!a || !b)
		goto out;
	r = 0;
	for (i = 0; i < old->nsocks && !r; i++)
		if (!bsearch(&a[i], b, cur->nsocks, sizeof(*b), ident_cmp))
			r = cb(NSV_EV_GONE, old, a[i].i, data);
	/* in @cur's order: the order of the listing */
	for (i = 0; i < cur->nsocks && !r; i++) {
		struct ident key = {
			.ns_ino = cur->ns[cur->socks[i].ns].info.ino,
			.cookie = cur->socks[i].d.cookie,
			.ino = cur->socks[i].d.ino,
		};

		hit = bsearch(&key, a, old->nsocks, sizeof(*a), ident_cmp);
		if (!hit)
			r = cb(NSV_EV_NEW, cur, i, data);
		else if (changed(&old->socks[hit->i].d, &cur->socks[i].d))
			r = cb(NSV_EV_CHANGED, cur, i, data);
	}
out:
	free(a);
	free(b);
	return r;
}
