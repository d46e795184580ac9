// SPDX-License-Identifier: LGPL-2.1-or-later
/* CID names: parse vsock-hosts files, add running VMs, look names up both ways. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "names.h"
#include "vms.h"

#define MAX_FILE (16 << 20)

struct entry {
	uint32_t cid;
	bool first; /* the CID's first name: the one it is shown as */
	unsigned int seq; /* order of adding, for nsv_names_each() */
	char name[NSV_NAME_MAX + 1];
};

/* Sorted by CID, then by the order added: a CID's shown name comes first. */
struct nsv_names {
	struct entry *v;
	size_t n, cap;
	unsigned int seq;
};

int nsv_names_new(struct nsv_names **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void nsv_names_free(struct nsv_names *n)
{
	if (!n)
		return;
	free(n->v);
	free(n);
}

const char *nsv_names_check(const char *name)
{
	static const char *const taken[] = {
		"any", "host", "local", "hypervisor", "and", "or", "not",
	};
	size_t i, len = strlen(name);

	if (!len)
		return "a name cannot be empty";
	if (len > NSV_NAME_MAX)
		return "a name is at most 63 bytes";
	if (!isalpha((unsigned char)name[0]))
		return "a name starts with a letter";
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("._-", name[i]))
			return "a name holds only letters, digits, '.', '-' "
			       "and '_'";
	for (i = 0; i < sizeof(taken) / sizeof(taken[0]); i++)
		if (!strcasecmp(name, taken[i]))
			return i < 4 ? "a built-in CID name cannot be given "
				       "again" :
				       "and, or and not are filter words";
	return NULL;
}

static struct entry *by_name(const struct nsv_names *n, const char *name)
{
	size_t i;

	for (i = 0; i < n->n; i++)
		if (!strcasecmp(n->v[i].name, name))
			return &n->v[i];
	return NULL;
}

/* The first entry of @cid, or where one would go. */
static size_t lower_bound(const struct nsv_names *n, uint32_t cid)
{
	size_t lo = 0, hi = n->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (n->v[mid].cid < cid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int nsv_names_add(struct nsv_names *n, uint32_t cid, const char *name)
{
	const struct entry *had;
	size_t at;

	if (cid == NSV_CID_ANY || nsv_names_check(name))
		return -EINVAL;
	had = by_name(n, name);
	if (had)
		return had->cid == cid ? 0 : -EEXIST;
	if (n->n == n->cap) {
		size_t cap = n->cap ? 2 * n->cap : 16;
		struct entry *v = realloc(n->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		n->v = v;
		n->cap = cap;
	}
	/* after every name @cid already has */
	at = lower_bound(n, cid);
	while (at < n->n && n->v[at].cid == cid)
		at++;
	memmove(&n->v[at + 1], &n->v[at], (n->n - at) * sizeof(*n->v));
	n->n++;
	n->v[at].cid = cid;
	n->v[at].first = at == 0 || n->v[at - 1].cid != cid;
	n->v[at].seq = n->seq++;
	snprintf(n->v[at].name, sizeof(n->v[at].name), "%s", name);
	return 0;
}

const char *nsv_names_name(const struct nsv_names *n, uint32_t cid)
{
	size_t at;

	if (!n)
		return NULL;
	at = lower_bound(n, cid);
	return at < n->n && n->v[at].cid == cid ? n->v[at].name : NULL;
}

int nsv_names_cid(const struct nsv_names *n, const char *name, uint32_t *cid)
{
	const struct entry *e = n ? by_name(n, name) : NULL;

	if (!e)
		return -ENOENT;
	*cid = e->cid;
	return 0;
}

int nsv_names_lookup(const char *word, uint32_t *cid, void *data)
{
	return nsv_names_cid(data, word, cid);
}

int nsv_names_each(const struct nsv_names *n,
		   int (*fn)(uint32_t cid, const char *name, void *data),
		   void *data)
{
	unsigned int s;
	size_t i;
	int r;

	if (!n)
		return 0;
	/* Tables are small: a pass per name keeps them in one order. */
	for (s = 0; s < n->seq; s++)
		for (i = 0; i < n->n; i++)
			if (n->v[i].seq == s) {
				r = fn(n->v[i].cid, n->v[i].name, data);
				if (r < 0)
					return r;
				break;
			}
	return 0;
}

/* ---------------------------------------------------------------- files */

struct field {
	const char *s;
	size_t len;
};

/* Splits @line (comment already cut) at blanks; returns the count. */
static size_t split(const char *line, size_t len, struct field *f, size_t max)
{
	size_t i = 0, n = 0;

	while (i < len) {
		while (i < len &&
		       (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
			i++;
		if (i == len)
			break;
		if (n < max) {
			f[n].s = line + i;
			f[n].len = 0;
		}
		while (i < len && line[i] != ' ' && line[i] != '\t' &&
		       line[i] != '\r') {
			i++;
			if (n < max)
				f[n].len++;
		}
		n++;
	}
	return n;
}

/* Checks and adds one line; on a problem writes why into @why. */
static int parse_line(struct nsv_names *n, const char *line, size_t len,
		      char *why, size_t wlen)
{
	struct field f[64];
	char w[NSV_NAME_MAX + 2];
	size_t nf, i, k;
	const char *bad;
	uint32_t cid, other;
	int r;

	nf = split(line, len, f, sizeof(f) / sizeof(f[0]));
	if (!nf)
		return 0;
	if (nf > sizeof(f) / sizeof(f[0])) {
		snprintf(why, wlen, "more than 63 names on one line");
		return -EINVAL;
	}
	if (f[0].len >= sizeof(w) || !isdigit((unsigned char)f[0].s[0])) {
		snprintf(why, wlen,
			 "'%.*s' is not a CID (a decimal or 0x number)",
			 (int)(f[0].len > 32 ? 32 : f[0].len), f[0].s);
		return -EINVAL;
	}
	memcpy(w, f[0].s, f[0].len);
	w[f[0].len] = '\0';
	if (nsv_cid_parse(w, &cid)) {
		snprintf(why, wlen,
			 "'%s' is not a CID (a decimal or 0x number up to "
			 "4294967294)",
			 w);
		return -EINVAL;
	}
	if (cid == NSV_CID_ANY) {
		snprintf(why, wlen, "%s is VMADDR_CID_ANY, not a machine", w);
		return -EINVAL;
	}
	if (nf == 1) {
		snprintf(why, wlen, "CID %s has no name", w);
		return -EINVAL;
	}
	/* Every name first, so that a bad line adds nothing. */
	for (i = 1; i < nf; i++) {
		if (f[i].len >= sizeof(w)) {
			snprintf(why, wlen,
				 "'%.*s...': a name is at most 63 "
				 "bytes",
				 32, f[i].s);
			return -EINVAL;
		}
		memcpy(w, f[i].s, f[i].len);
		w[f[i].len] = '\0';
		bad = nsv_names_check(w);
		if (bad) {
			snprintf(why, wlen, "'%s': %s", w, bad);
			return -EINVAL;
		}
		if (!nsv_names_cid(n, w, &other) && other != cid) {
			snprintf(why, wlen, "'%s' already names CID %u", w,
				 other);
			return -EINVAL;
		}
		for (k = 1; k < i; k++)
			if (f[k].len == f[i].len &&
			    !strncasecmp(f[k].s, f[i].s, f[i].len))
				break;
		if (k < i) {
			snprintf(why, wlen, "'%s' twice on one line", w);
			return -EINVAL;
		}
	}
	for (i = 1; i < nf; i++) {
		memcpy(w, f[i].s, f[i].len);
		w[f[i].len] = '\0';
		r = nsv_names_add(n, cid, w);
		if (r < 0)
			return r;
	}
	return 0;
}

int nsv_names_parse(struct nsv_names *n, const char *text, size_t len,
		    nsv_names_bad_fn bad, void *data)
{
	unsigned int line = 0;
	size_t off = 0;
	int refused = 0, r;

	while (off < len) {
		const char *s = text + off, *nl = memchr(s, '\n', len - off);
		size_t l = nl ? (size_t)(nl - s) : len - off;
		const char *hash = memchr(s, '#', l);
		char why[160];

		line++;
		off += l + (nl != NULL);
		if (hash)
			l = (size_t)(hash - s);
		if (memchr(s, '\0', l)) {
			snprintf(why, sizeof(why), "a NUL byte in the line");
			r = -EINVAL;
		} else {
			r = parse_line(n, s, l, why, sizeof(why));
		}
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			refused++;
			if (bad) {
				r = bad(line, why, data);
				if (r < 0)
					return r;
			}
		}
	}
	return refused;
}

int nsv_names_read(struct nsv_names *n, const char *path, nsv_names_bad_fn bad,
		   void *data)
{
	size_t len = 0, cap = 4096;
	char *buf = NULL, *nb;
	ssize_t m;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (!buf || len == cap) {
			if (buf)
				cap *= 2;
			if (cap > MAX_FILE) {
				r = -EFBIG;
				goto out;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				r = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		m = read(fd, buf + len, cap - len);
		if (m < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		if (m == 0)
			break;
		len += (size_t)m;
	}
	r = nsv_names_parse(n, buf, len, bad, data);
out:
	free(buf);
	close(fd);
	return r;
}

/* ------------------------------------------------------------ formatting */

int nsv_names_cid_format(const struct nsv_names *n, uint32_t cid,
			 unsigned int flags, char *buf, size_t len)
{
	const char *name;
	int k;

	if (cid != NSV_CID_ANY && !(flags & NSV_FMT_NUMERIC)) {
		name = nsv_names_name(n, cid);
		if (name) {
			k = snprintf(buf, len, "%s", name);
			return k < 0 || (size_t)k >= len ? -ENOSPC : k;
		}
	}
	return nsv_cid_format(cid, flags, buf, len);
}

int nsv_names_addr_format(const struct nsv_names *n, uint32_t cid,
			  uint32_t port, unsigned int flags, char *buf,
			  size_t len)
{
	int k, m;

	k = nsv_names_cid_format(n, cid, flags, buf, len);
	if (k < 0)
		return k;
	if ((size_t)k + 1 >= len)
		return -ENOSPC;
	buf[k] = ':';
	m = nsv_port_format(port, buf + k + 1, len - (size_t)k - 1);
	return m < 0 ? m : k + 1 + m;
}

const char *nsv_names_symbol(const struct nsv_names *n, uint32_t cid,
			     unsigned int flags)
{
	const char *name;

	if (cid == NSV_CID_ANY)
		return "any";
	if (flags & NSV_FMT_NUMERIC)
		return NULL;
	name = nsv_names_name(n, cid);
	if (name)
		return name;
	switch (cid) {
	case NSV_CID_HYPERVISOR:
		return "hypervisor";
	case NSV_CID_LOCAL:
		return "local";
	case NSV_CID_HOST:
		return "host";
	}
	return NULL;
}

/* --------------------------------------------------------------- loading */

struct load {
	const char *file;
	nsv_names_report_fn report;
	void *data;
	bool strict;
};

static int load_bad(unsigned int line, const char *why, void *data)
{
	struct load *l = data;
	char msg[200];

	if (!l->report)
		return 0;
	if (l->strict)
		l->report(l->file, line, why, l->data);
	else {
		snprintf(msg, sizeof(msg), "%s (line ignored)", why);
		l->report(l->file, line, msg, l->data);
	}
	return 0;
}

static void say(const struct load *l, unsigned int line, const char *why)
{
	if (l->report)
		l->report(l->file, line, why, l->data);
}

/* Names of VMs whose CID the host kernel routes; the file's come first. */
static int add_vms(struct nsv_names *n, const char *proc)
{
	struct nsv_vm *v = NULL;
	int k, i, r = 0;

	k = nsv_vms_scan(proc, &v);
	if (k < 0)
		return 0; /* no /proc to look in: no VMs to name */
	for (i = 0; i < k && r != -ENOMEM; i++)
		if (v[i].kernel && v[i].has_cid && v[i].name[0])
			r = nsv_names_add(n, v[i].cid, v[i].name);
	free(v);
	return r == -ENOMEM ? r : 0;
}

int nsv_names_load(struct nsv_names **out, const char *proc,
		   nsv_names_report_fn report, void *data)
{
	const char *env = getenv(NSV_NAMES_ENV);

	if (env)
		return nsv_names_load_file(out, env, true, NULL, report, data);
	return nsv_names_load_file(out, NSV_NAMES_FILE, false, proc, report,
				   data);
}

int nsv_names_load_file(struct nsv_names **out, const char *file, bool strict,
			const char *proc, nsv_names_report_fn report,
			void *data)
{
	struct load l = { .report = report, .data = data };
	struct nsv_names *n;
	int r;

	*out = NULL;
	r = nsv_names_new(&n);
	if (r < 0)
		return r;
	l.strict = strict;
	l.file = file;
	if (!*file)
		goto done;
	r = nsv_names_read(n, l.file, load_bad, &l);
	if (r == -ENOMEM)
		goto fail;
	if (r < 0 && (l.strict || r != -ENOENT)) {
		say(&l, 0, strerror(-r));
		if (l.strict)
			goto fail;
	}
	if (r > 0 && l.strict) {
		r = -EINVAL;
		goto fail;
	}
	if (proc) {
		r = add_vms(n, proc);
		if (r < 0)
			goto fail;
	}
done:
	*out = n;
	return 0;
fail:
	nsv_names_free(n);
	return r;
}
