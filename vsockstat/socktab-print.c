// SPDX-License-Identifier: LGPL-2.1-or-later
/* Socket tables printed: aligned text, counts, and the vsockstat/1 JSON schema. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "diag.h"
#include "digits.h"
#include "json.h"
#include "names.h"
#include "proto.h"
#include "socktab.h"

enum col {
	C_NETNS,
	C_MODE,
	C_CID,
	C_DOMAIN,
	C_TYPE,
	C_STATE,
	C_LOCAL,
	C_PEER,
	C_SHUT,
	C_INODE,
	C_COOKIE,
	C_USER,
	C_PROC,
	C_MAX,
};

static const char *const col_title[C_MAX] = {
	"Netns", "Mode", "CID",	  "Domain", "Type", "State",   "Local",
	"Peer",	 "Shut", "Inode", "Cookie", "User", "Process",
};

static bool any_mode(const struct nsv_socktab *t)
{
	size_t i;

	for (i = 0; i < t->nns; i++)
		if (t->ns[i].mode.mode[0])
			return true;
	return false;
}

/* Does a namespace have an nsvsock CID or domain? Only then their columns. */
static bool any_domain(const struct nsv_socktab *t)
{
	size_t i;

	for (i = 0; i < t->nns; i++)
		if (t->ns[i].mode.cid || t->ns[i].mode.domain)
			return true;
	return false;
}

/* A CID or domain number, "-" for none. */
static int num_or_dash(uint32_t v, char *buf, size_t len)
{
	return v ? snprintf(buf, len, "%" PRIu32, v) : snprintf(buf, len, "-");
}

/* A known name is copied, not formatted: it goes into every line. */
static int name_str(const char *n, char *buf, size_t len)
{
	size_t k = strlen(n);

	if (k >= len)
		k = len - 1;
	memcpy(buf, n, k);
	buf[k] = '\0';
	return (int)k;
}

static int type_str(unsigned int type, char *buf, size_t len)
{
	const char *n = nsv_sk_type_name(type);

	/* Never "???": an unknown type still says which number it was. */
	if (n)
		return name_str(n, buf, len);
	return snprintf(buf, len, "type-%u", type);
}

static int state_str(unsigned int state, char *buf, size_t len)
{
	const char *n = nsv_sk_state_name(state);

	if (n)
		return name_str(n, buf, len);
	return snprintf(buf, len, "STATE-%u", state);
}

static void shut_str(unsigned int shut, char *buf, size_t len)
{
	/* sk_shutdown uses the bits of the virtio SHUTDOWN flags. */
	if (!shut ||
	    nsv_virtio_flags_format(NSV_VIRTIO_OP_SHUTDOWN,
				    NSV_VIRTIO_TYPE_STREAM, shut, buf, len) < 0)
		name_str("-", buf, len);
}

static void user_str(const struct nsv_socktab *t, const struct nsv_stat_sock *s,
		     unsigned int flags, char *buf, size_t len)
{
	const char *name;

	if (!s->has_uid) {
		snprintf(buf, len, "-");
		return;
	}
	name = flags & NSV_FMT_NUMERIC ? NULL : nsv_socktab_user(t, s->uid);
	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%u", s->uid);
}

/* "comm(pid=1,fd=3),comm2(pid=2,fd=4)"; cut with "..." if it will not fit. */
static void proc_str(const struct nsv_socktab *t, const struct nsv_stat_sock *s,
		     char *buf, size_t len)
{
	size_t i, n = 0;

	if (!s->nprocs) {
		snprintf(buf, len, "-");
		return;
	}
	buf[0] = '\0';
	for (i = 0; i < s->nprocs; i++) {
		const struct nsv_stat_proc *p = &t->procs[s->proc0 + i];
		int m = p->tid ?
				snprintf(buf + n, len - n,
					 "%s%s(pid=%d,tid=%d,fd=%d)",
					 i ? "," : "", p->comm, p->pid, p->tid,
					 p->fd) :
				snprintf(buf + n, len - n, "%s%s(pid=%d,fd=%d)",
					 i ? "," : "", p->comm, p->pid, p->fd);

		if (m < 0 || (size_t)m >= len - n) {
			if (len > 4)
				strcpy(buf + len - 4, "...");
			return;
		}
		n += (size_t)m;
	}
}

#define CELL_LEN 1024

/* @v and a NUL at @buf (room for NSV_UTOA_MAX + 1); returns the digits. */
static int put_u64(char *buf, uint64_t v)
{
	unsigned int n = nsv_utoa(buf, v);

	buf[n] = '\0';
	return (int)n;
}

/*
 * "CID:PORT" as nsv_names_addr_format() writes it, without its snprintf()
 * calls: this runs twice per socket and 10,000 sockets should list as fast
 * as ss.
 */
static int addr_str(const struct nsv_names *names, uint32_t cid, uint32_t port,
		    unsigned int flags, char *buf)
{
	const char *name = NULL;
	int n;

	if (!(flags & NSV_FMT_NUMERIC) && cid != NSV_CID_ANY)
		name = nsv_names_name(names, cid);
	if (name) {
		n = (int)strlen(name);
		memcpy(buf, name, (size_t)n);
	} else if (cid == NSV_CID_ANY)
		n = (buf[0] = '*', 1);
	else if (cid <= NSV_CID_HOST && !(flags & NSV_FMT_NUMERIC))
		n = nsv_cid_format(cid, 0, buf, NSV_CID_STRLEN);
	else
		n = put_u64(buf, cid);
	buf[n++] = ':';
	if (port == NSV_PORT_ANY) {
		buf[n++] = '*';
		buf[n] = '\0';
		return n;
	}
	return n + put_u64(buf + n, port);
}

/* Writes one cell into @buf (CELL_LEN bytes); returns its length. */
static int cell(const struct nsv_socktab *t, const struct nsv_stat_sock *s,
		enum col c, unsigned int flags, char *buf)
{
	const struct nsv_stat_ns *ns = &t->ns[s->ns];

	switch (c) {
	case C_NETNS:
		if (nsv_socktab_ns_label(ns, buf, CELL_LEN) < 0)
			snprintf(buf, CELL_LEN, "?");
		break;
	case C_MODE:
		snprintf(buf, CELL_LEN, "%s",
			 ns->mode.mode[0] ? ns->mode.mode : "-");
		break;
	case C_CID:
		return num_or_dash(ns->mode.cid, buf, CELL_LEN);
	case C_DOMAIN:
		return num_or_dash(ns->mode.domain, buf, CELL_LEN);
	case C_TYPE:
		return type_str(s->d.type, buf, CELL_LEN);
	case C_STATE:
		return state_str(s->d.state, buf, CELL_LEN);
	case C_LOCAL:
		return addr_str(t->names, s->d.src_cid, s->d.src_port, flags,
				buf);
	case C_PEER:
		return addr_str(t->names, s->d.dst_cid, s->d.dst_port, flags,
				buf);
	case C_SHUT:
		shut_str(s->d.shutdown, buf, CELL_LEN);
		break;
	case C_INODE:
		return put_u64(buf, s->d.ino);
	case C_COOKIE:
		return put_u64(buf, s->d.cookie);
	case C_USER:
		user_str(t, s, flags, buf, CELL_LEN);
		break;
	case C_PROC:
		proc_str(t, s, buf, CELL_LEN);
		break;
	default:
		buf[0] = '\0';
	}
	return (int)strlen(buf);
}

static size_t columns(const struct nsv_socktab *t, unsigned int flags,
		      enum col *cols)
{
	size_t n = 0;
	int c;

	if (flags & NSV_STAT_NETNS) {
		cols[n++] = C_NETNS;
		if (any_mode(t))
			cols[n++] = C_MODE;
		if (any_domain(t)) {
			cols[n++] = C_CID;
			cols[n++] = C_DOMAIN;
		}
	}
	for (c = C_TYPE; c <= C_COOKIE; c++)
		cols[n++] = (enum col)c;
	if (flags & NSV_STAT_PROCS) {
		cols[n++] = C_USER;
		cols[n++] = C_PROC;
	}
	return n;
}

/* Every cell of the table, formatted once, back to back. */
struct grid {
	char *text;
	size_t len, cap;
	uint32_t *off; /* [row * ncols + col]: start of the cell in text */
	uint16_t *clen;
};

static int grid_put(struct grid *g, size_t i, const char *s, size_t n)
{
	if (g->len + n > g->cap) {
		size_t cap = g->cap * 2 > g->len + n ? g->cap * 2 : g->len + n;
		char *p = realloc(g->text, cap);

		if (!p)
			return -ENOMEM;
		g->text = p;
		g->cap = cap;
	}
	if (g->len + n > UINT32_MAX)
		return -E2BIG;
	memcpy(g->text + g->len, s, n);
	g->off[i] = (uint32_t)g->len;
	g->clen[i] = (uint16_t)n;
	g->len += n;
	return 0;
}

int nsv_socktab_print_sock(FILE *f, const struct nsv_socktab *t, size_t i,
			   unsigned int flags, const char *event)
{
	enum col cols[C_MAX];
	char buf[CELL_LEN];
	size_t ncols, k;
	int n;

	ncols = columns(t, flags, cols);
	if (event)
		fprintf(f, "%s ", event);
	for (k = 0; k < ncols; k++) {
		n = cell(t, &t->socks[i], cols[k], flags, buf);
		fwrite(buf, 1, (size_t)n, f);
		putc(k + 1 == ncols ? '\n' : ' ', f);
	}
	return ferror(f) ? -EIO : 0;
}

int nsv_socktab_print(FILE *f, const struct nsv_socktab *t, unsigned int flags)
{
	bool header = !(flags & NSV_STAT_NOHEADER);
	size_t width[C_MAX], ncols, nrows, i, k, linecap;
	struct grid g = { 0 };
	char *line = NULL;
	enum col cols[C_MAX];
	char buf[CELL_LEN];
	int r = -ENOMEM;

	/* One line a socket as it comes: nothing to measure, nothing kept. */
	if (flags & NSV_STAT_ONELINE) {
		for (i = 0, r = 0; i < t->nsocks && !r; i++)
			r = nsv_socktab_print_sock(f, t, i, flags, NULL);
		return r;
	}
	ncols = columns(t, flags, cols);
	nrows = t->nsocks + header;
	g.off = malloc(nrows * ncols * sizeof(*g.off));
	g.clen = malloc(nrows * ncols * sizeof(*g.clen));
	g.cap = nrows * 64 + 64;
	g.text = malloc(g.cap);
	if (!g.off || !g.clen || !g.text)
		goto out;
	for (k = 0; k < ncols; k++)
		width[k] = 0;
	for (i = 0; i < nrows; i++) {
		for (k = 0; k < ncols; k++) {
			size_t n, at = i * ncols + k;

			if (header && i == 0) {
				n = strlen(col_title[cols[k]]);
				r = grid_put(&g, at, col_title[cols[k]], n);
			} else {
				n = (size_t)cell(t, &t->socks[i - header],
						 cols[k], flags, buf);
				r = grid_put(&g, at, buf, n);
			}
			if (r < 0)
				goto out;
			if (n > width[k])
				width[k] = n;
		}
	}
	/*
	 * A line is put together in memory and written at once: a stdio call
	 * per cell and per padding cost a third of the time of a long list.
	 */
	for (k = 0, linecap = 1; k < ncols; k++)
		linecap += width[k] + 1;
	line = malloc(linecap);
	if (!line) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nrows; i++) {
		size_t len = 0;

		for (k = 0; k < ncols; k++) {
			size_t at = i * ncols + k, n = g.clen[at];
			/* Numbers read best right-aligned; nothing trails a line. */
			bool num = cols[k] == C_INODE || cols[k] == C_COOKIE;

			if (num) {
				memset(line + len, ' ', width[k] - n);
				len += width[k] - n;
			}
			memcpy(line + len, g.text + g.off[at], n);
			len += n;
			if (k + 1 == ncols) {
				line[len++] = '\n';
			} else if (num) {
				line[len++] = ' ';
			} else {
				memset(line + len, ' ', width[k] - n + 1);
				len += width[k] - n + 1;
			}
		}
		fwrite(line, 1, len, f);
	}
	r = ferror(f) ? -EIO : 0;
out:
	free(line);
	free(g.text);
	free(g.off);
	free(g.clen);
	return r;
}

/* ---------------------------------------------------------------- counts */

struct count {
	unsigned int ns;
	uint8_t type, state;
	size_t n;
};

static int count_cmp(const void *a, const void *b)
{
	const struct count *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return (x->state > y->state) - (x->state < y->state);
}

/* Counts per (netns, type, state), sorted; *@n rows. */
static struct count *counts(const struct nsv_socktab *t, size_t *n)
{
	struct count *v;
	size_t i, m = 0;

	v = malloc((t->nsocks ? t->nsocks : 1) * sizeof(*v));
	if (!v)
		return NULL;
	for (i = 0; i < t->nsocks; i++) {
		v[i].ns = t->socks[i].ns;
		v[i].type = t->socks[i].d.type;
		v[i].state = t->socks[i].d.state;
		v[i].n = 1;
	}
	qsort(v, t->nsocks, sizeof(*v), count_cmp);
	for (i = 0; i < t->nsocks; i++) {
		if (m && !count_cmp(&v[m - 1], &v[i]))
			v[m - 1].n++;
		else
			v[m++] = v[i];
	}
	*n = m;
	return v;
}

/* "stream 10 (ESTAB 4, LISTEN 6), seqpacket 2 (ESTAB 2)" for one netns. */
static void ns_counts(FILE *f, const struct count *v, size_t n)
{
	char type[32], state[32];
	size_t i, k, total;

	for (i = 0; i < n; i = k) {
		for (k = i, total = 0; k < n && v[k].type == v[i].type; k++)
			total += v[k].n;
		type_str(v[i].type, type, sizeof(type));
		fprintf(f, "%s%s %zu (", i ? ", " : ": ", type, total);
		for (k = i; k < n && v[k].type == v[i].type; k++) {
			state_str(v[k].state, state, sizeof(state));
			fprintf(f, "%s%s %zu", k > i ? ", " : "", state,
				v[k].n);
		}
		putc(')', f);
	}
}

int nsv_socktab_summary(FILE *f, const struct nsv_socktab *t,
			unsigned int flags)
{
	char label[NSV_NS_LABEL_LEN], num[24], cid[12], dom[12];
	bool mode = any_mode(t), domain = any_domain(t);
	size_t n, i, k, j, lw = 0, nw = 1;
	struct count *v;

	v = counts(t, &n);
	if (!v)
		return -ENOMEM;
	for (i = 0; i < t->nns; i++) {
		int m = nsv_socktab_ns_label(&t->ns[i], label, sizeof(label));

		if (m > 0 && (size_t)m > lw)
			lw = (size_t)m;
		m = snprintf(num, sizeof(num), "%zu", t->ns[i].nsocks);
		if ((size_t)m > nw)
			nw = (size_t)m;
	}
	if (!(flags & NSV_STAT_NOHEADER))
		fprintf(f, "Total: %zu socket%s in %zu network namespace%s\n",
			t->nsocks, t->nsocks == 1 ? "" : "s", t->nns,
			t->nns == 1 ? "" : "s");
	/* As ss -s: one line per namespace, its sockets by type and state. */
	for (i = 0, k = 0; i < t->nns; i++) {
		const struct nsv_stat_ns *ns = &t->ns[i];

		nsv_socktab_ns_label(ns, label, sizeof(label));
		fprintf(f, "%-*s ", (int)lw, label);
		if (mode)
			fprintf(f, "%-6s ",
				ns->mode.mode[0] ? ns->mode.mode : "-");
		if (domain) {
			num_or_dash(ns->mode.cid, cid, sizeof(cid));
			num_or_dash(ns->mode.domain, dom, sizeof(dom));
			fprintf(f, "cid %-10s domain %-10s ", cid, dom);
		}
		fprintf(f, "%*zu socket%s", (int)nw, ns->nsocks,
			ns->nsocks == 1 ? "" : "s");
		for (j = k; k < n && v[k].ns == i; k++)
			;
		ns_counts(f, v + j, k - j);
		putc('\n', f);
	}
	free(v);
	return ferror(f) ? -EIO : 0;
}

/* ------------------------------------------------------------------ JSON */

/* The namespace's vsock mode and the sysctl directory it came from. */
static void json_mode(struct nsv_json *j, const struct nsv_nsmode *m)
{
	const char *dir = nsv_nsmode_src_name(m->src);
	char path[64];

	nsv_json_str(j, "ns_mode", m->mode[0] ? m->mode : NULL);
	nsv_json_str(j, "child_ns_mode", m->child[0] ? m->child : NULL);
	if (dir)
		snprintf(path, sizeof(path), NSV_NSMODE_ROOT "/%s", dir);
	nsv_json_str(j, "ns_mode_sysctl", dir ? path : NULL);
	if (m->cid)
		nsv_json_u64(j, "cid", m->cid);
	else
		nsv_json_null(j, "cid");
	if (m->domain)
		nsv_json_u64(j, "domain", m->domain);
	else
		nsv_json_null(j, "domain");
}

/* Numbers as numbers; beside each its symbolic form ("any", a name). */
static void json_addr(struct nsv_json *j, const struct nsv_socktab *t,
		      const char *key, uint32_t cid, uint32_t port,
		      unsigned int flags)
{
	nsv_json_obj_begin(j, key);
	nsv_json_u64(j, "cid", cid);
	nsv_json_u64(j, "port", port);
	nsv_json_str(j, "cid_name", nsv_names_symbol(t->names, cid, flags));
	nsv_json_str(j, "port_name", port == NSV_PORT_ANY ? "any" : NULL);
	nsv_json_obj_end(j);
}

static void json_sock(struct nsv_json *j, const char *key,
		      const struct nsv_socktab *t,
		      const struct nsv_stat_sock *s, unsigned int flags)
{
	char buf[NSV_NS_LABEL_LEN];
	size_t i;

	nsv_json_obj_begin(j, key);
	nsv_socktab_ns_label(&t->ns[s->ns], buf, sizeof(buf));
	nsv_json_str(j, "netns", buf);
	type_str(s->d.type, buf, sizeof(buf));
	nsv_json_str(j, "type", buf);
	state_str(s->d.state, buf, sizeof(buf));
	nsv_json_str(j, "state", buf);
	json_addr(j, t, "local", s->d.src_cid, s->d.src_port, flags);
	json_addr(j, t, "peer", s->d.dst_cid, s->d.dst_port, flags);
	nsv_json_arr_begin(j, "shutdown");
	if (s->d.shutdown & NSV_SHUT_RCV)
		nsv_json_str(j, NULL, "rcv");
	if (s->d.shutdown & NSV_SHUT_SEND)
		nsv_json_str(j, NULL, "send");
	if (s->d.shutdown & ~(NSV_SHUT_RCV | NSV_SHUT_SEND)) {
		snprintf(buf, sizeof(buf), "0x%x",
			 s->d.shutdown & ~(NSV_SHUT_RCV | NSV_SHUT_SEND));
		nsv_json_str(j, NULL, buf);
	}
	nsv_json_arr_end(j);
	nsv_json_u64(j, "inode", s->d.ino);
	nsv_json_u64(j, "cookie", s->d.cookie);
	if (flags & NSV_STAT_PROCS) {
		if (s->has_uid) {
			nsv_json_u64(j, "uid", s->uid);
			nsv_json_str(j, "user", nsv_socktab_user(t, s->uid));
		} else {
			nsv_json_null(j, "uid");
			nsv_json_null(j, "user");
		}
		nsv_json_arr_begin(j, "processes");
		for (i = 0; i < s->nprocs; i++) {
			const struct nsv_stat_proc *p = &t->procs[s->proc0 + i];

			nsv_json_obj_begin(j, NULL);
			nsv_json_u64(j, "pid", (uint64_t)p->pid);
			nsv_json_str(j, "name", p->comm);
			nsv_json_u64(j, "fd", (uint64_t)p->fd);
			if (flags & NSV_STAT_THREADS)
				nsv_json_u64(j, "tid", (uint64_t)p->tid);
			nsv_json_obj_end(j);
		}
		nsv_json_arr_end(j);
	}
	nsv_json_obj_end(j);
}

int nsv_socktab_json(struct nsv_json *j, const struct nsv_socktab *t,
		     unsigned int flags, bool summary)
{
	char label[NSV_NS_LABEL_LEN], type[32], state[32];
	size_t i;

	nsv_json_obj_begin(j, NULL);
	nsv_json_str(j, "schema", "vsockstat/1");
	nsv_json_arr_begin(j, "netns");
	for (i = 0; i < t->nns; i++) {
		const struct nsv_stat_ns *ns = &t->ns[i];

		nsv_json_obj_begin(j, NULL);
		nsv_socktab_ns_label(ns, label, sizeof(label));
		nsv_json_str(j, "label", label);
		nsv_json_u64(j, "ino", ns->info.ino);
		nsv_json_str(j, "name",
			     ns->info.name[0] ? ns->info.name : NULL);
		if (ns->info.pid)
			nsv_json_u64(j, "pid", (uint64_t)ns->info.pid);
		else
			nsv_json_null(j, "pid");
		json_mode(j, &ns->mode);
		nsv_json_str(j, "error", ns->err ? strerror(-ns->err) : NULL);
		nsv_json_u64(j, "sockets", ns->nsocks);
		nsv_json_obj_end(j);
	}
	nsv_json_arr_end(j);
	if (summary) {
		struct count *v;
		size_t n;

		v = counts(t, &n);
		if (!v)
			return -ENOMEM;
		nsv_json_u64(j, "total", t->nsocks);
		nsv_json_arr_begin(j, "summary");
		for (i = 0; i < n; i++) {
			nsv_json_obj_begin(j, NULL);
			nsv_socktab_ns_label(&t->ns[v[i].ns], label,
					     sizeof(label));
			nsv_json_str(j, "netns", label);
			type_str(v[i].type, type, sizeof(type));
			nsv_json_str(j, "type", type);
			state_str(v[i].state, state, sizeof(state));
			nsv_json_str(j, "state", state);
			nsv_json_u64(j, "count", v[i].n);
			nsv_json_obj_end(j);
		}
		nsv_json_arr_end(j);
		free(v);
	} else {
		nsv_json_arr_begin(j, "sockets");
		for (i = 0; i < t->nsocks; i++)
			json_sock(j, NULL, t, &t->socks[i], flags);
		nsv_json_arr_end(j);
	}
	return nsv_json_obj_end(j);
}

int nsv_socktab_json_event(struct nsv_json *j, const struct nsv_socktab *t,
			   size_t i, unsigned int flags, const char *event)
{
	nsv_json_obj_begin(j, NULL);
	nsv_json_str(j, "schema", "vsockstat/1");
	nsv_json_str(j, "event", event);
	json_sock(j, "socket", t, &t->socks[i], flags);
	return nsv_json_obj_end(j);
}
