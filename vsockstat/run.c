// SPDX-License-Identifier: GPL-2.0-or-later
/* vsockstat's modes: list once or every SECS, replay a recording, wait for a listener. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "cli.h"
#include "clock.h"
#include "json.h"
#include "vmtab.h"
#include "vsockstat.h"

/* One line a failure; the caller turns it into exit status 1. */
static int fail(const char *what, int err)
{
	if (what)
		nsv_err("%s: %s", what, strerror(-err));
	else
		nsv_err("%s", strerror(-err));
	return NSV_EXIT_FAIL;
}

static int add_namespaces(struct nsv_socktab *t, const struct vsockstat_opts *o)
{
	size_t i;
	int r;

	if (o->all_netns) {
		r = nsv_socktab_add_all(t);
		if (r < 0)
			return fail("listing network namespaces", r);
		return 0;
	}
	if (!o->nnetns) {
		r = nsv_socktab_add_self(t);
		return r < 0 ? fail("/proc/self/ns/net", r) : 0;
	}
	for (i = 0; i < o->nnetns; i++) {
		char what[512];

		r = nsv_socktab_add_spec(t, o->netns[i]);
		if (r < 0) {
			snprintf(what, sizeof(what), "netns %s", o->netns[i]);
			return fail(what, r);
		}
	}
	return 0;
}

/* vsock_diag is missing: the one error that makes every listing empty. */
static bool diag_missing(const struct nsv_socktab *t)
{
	size_t i;

	for (i = 0; i < t->nns; i++)
		if (t->ns[i].err == -ENOENT && !t->ns[i].err_enter) {
			nsv_err("sock_diag cannot list AF_VSOCK sockets: load the vsock_diag module (modprobe vsock_diag)");
			return true;
		}
	return false;
}

/* One line per namespace that could not be listed; 1 if there was any. */
static int ns_errors(const struct nsv_socktab *t)
{
	char label[NSV_NS_LABEL_LEN], what[NSV_NS_LABEL_LEN + 64];
	int rc = 0;
	size_t i;

	for (i = 0; i < t->nns; i++) {
		if (!t->ns[i].err)
			continue;
		nsv_socktab_ns_label(&t->ns[i], label, sizeof(label));
		snprintf(what, sizeof(what), "netns %s", label);
		fail(what, t->ns[i].err);
		rc = 1;
	}
	return rc;
}

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	size_t cap = 65536, n = 0;
	uint8_t *b = NULL, *nb;
	FILE *f;

	f = fopen(path, "rb");
	if (!f)
		return -errno;
	for (;;) {
		size_t m;

		if (!b || n == cap) {
			if (b)
				cap *= 2;
			if (cap > (256u << 20)) {
				free(b);
				fclose(f);
				return -EFBIG;
			}
			nb = realloc(b, cap);
			if (!nb) {
				free(b);
				fclose(f);
				return -ENOMEM;
			}
			b = nb;
		}
		m = fread(b + n, 1, cap - n, f);
		n += m;
		if (m == 0)
			break;
	}
	if (ferror(f)) {
		free(b);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*buf = b;
	*len = n;
	return 0;
}

static int replay(struct nsv_socktab *t, const struct vsockstat_opts *o)
{
	uint8_t *buf = NULL;
	size_t len = 0, off = 0;
	int r;

	r = read_file(o->replay, &buf, &len);
	if (r < 0)
		return fail(o->replay, r);
	r = nsv_socktab_replay(t, buf, len, &o->f, &off);
	free(buf);
	if (r == -EBADMSG) {
		nsv_err("%s: not a sock_diag recording (malformed at byte %zu)",
			o->replay, off);
		return NSV_EXIT_FAIL;
	}
	return r < 0 ? fail(o->replay, r) : 0;
}

static int print(const struct nsv_socktab *t, const struct vsockstat_opts *o)
{
	unsigned int flags = o->flags;
	int r;

	if (o->quiet)
		return 0;
	if (t->nns > 1)
		flags |= NSV_STAT_NETNS;
	if (o->json) {
		struct nsv_json j;

		nsv_json_init(&j, stdout, false);
		r = nsv_socktab_json(&j, t, flags, o->summary);
	} else if (o->summary) {
		r = nsv_socktab_summary(stdout, t, flags);
	} else {
		r = nsv_socktab_print(stdout, t, flags);
	}
	if (r == 0 && fflush(stdout) != 0)
		r = -errno;
	return r < 0 ? fail("standard output", r) : 0;
}

static void sleep_s(double s)
{
	nsv_sleep_ns((int64_t)(s * 1e9));
}

static double now(void)
{
	return (double)nsv_clock_ns() / 1e9;
}

/*
 * The --record file while it is written, when it is a file of ours. Cut
 * short by a signal or an error it ends inside a message, which --replay
 * refuses, or where a message ends, which it would read as a listing with
 * sockets missing: either way it is removed.
 */
static const char *volatile g_record;
static const int record_signals[] = { SIGINT, SIGTERM, SIGHUP };

static void say(const char *s)
{
	ssize_t n = write(STDERR_FILENO, s, strlen(s));

	(void)n;
}

static void on_record_signal(int sig)
{
	const char *path = g_record;

	if (path && unlink(path) == 0) {
		say("vsockstat: ");
		say(path);
		say(": interrupted (the unfinished recording is removed)\n");
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static int record_open(const char *path, FILE **out)
{
	struct stat st;
	size_t i;
	FILE *f;

	f = fopen(path, "wbe");
	if (!f)
		return fail(path, -errno);
	/* never a device (/dev/stdout) or a FIFO: those are not ours */
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
		g_record = path;
		for (i = 0; i < sizeof(record_signals) / sizeof(int); i++) {
			struct sigaction sa;

			/* a signal ignored (nohup, &) stays ignored */
			if (sigaction(record_signals[i], NULL, &sa) == 0 &&
			    sa.sa_handler != SIG_IGN)
				signal(record_signals[i], on_record_signal);
		}
	}
	*out = f;
	return 0;
}

/*
 * Closes the recording: whole, when @err is 0 and it closes clean, else
 * removed. @err: a failure while recording; @report: say it here (else it
 * was said already). A failure closing is always said. Returns 0 or
 * NSV_EXIT_FAIL.
 */
static int record_close(const char *path, FILE *f, int err, bool report)
{
	int e = fclose(f) != 0 ? -errno : 0;
	bool removed = false;
	size_t i;

	if (!err) {
		err = e;
		report = true;
	}
	if (err && g_record)
		removed = unlink(path) == 0;
	g_record = NULL;
	for (i = 0; i < sizeof(record_signals) / sizeof(int); i++) {
		struct sigaction sa;

		if (sigaction(record_signals[i], NULL, &sa) == 0 &&
		    sa.sa_handler == on_record_signal)
			signal(record_signals[i], SIG_DFL);
	}
	if (!err)
		return 0;
	if (report && removed)
		nsv_err("%s: %s (the unfinished recording is removed)", path,
			strerror(-err));
	else if (report)
		nsv_err("%s: %s", path, strerror(-err));
	return NSV_EXIT_FAIL;
}

/* The names CIDs are printed with: none with -n; NULL and 1 on failure. */
static int names(const struct vsockstat_opts *o, struct nsv_socktab *t)
{
	if ((o->flags & NSV_FMT_NUMERIC) || o->quiet)
		return 0;
	t->names = nsv_cli_names();
	return t->names ? 0 : NSV_EXIT_FAIL;
}

/* What to ask the kernel for: the states the filters may pass. */
static uint32_t want_states(const struct vsockstat_opts *o)
{
	uint32_t states = o->f.states ? o->f.states : NSV_SS_ALL;

	return states & nsv_sockexpr_states(o->f.expr);
}

int vsockstat_list(const struct vsockstat_opts *o)
{
	uint32_t states = want_states(o);
	bool tty = !o->json && isatty(STDOUT_FILENO), first = true;
	struct nsv_socktab t;
	FILE *rec = NULL;
	int rc = 0, r;

	nsv_socktab_init(&t);
	rc = names(o, &t);
	if (rc)
		goto out;
	/* A listing of 10,000 sockets is ~700 KB: fewer, larger writes. */
	if (!tty)
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (o->replay) {
		rc = replay(&t, o);
		if (rc)
			goto out;
		if (diag_missing(&t)) {
			rc = 1;
			goto out;
		}
		r = ns_errors(&t);
		rc = print(&t, o) || r;
		if (!rc && o->fail_empty && !t.nsocks)
			rc = 1;
		goto out;
	}
	rc = add_namespaces(&t, o);
	if (rc)
		goto out;
	if (o->record) {
		rc = record_open(o->record, &rec);
		if (rc)
			goto out;
		/* The recording holds everything; the filter runs on top. */
		states = NSV_SS_ALL;
	}
	for (;;) {
		/* Namespaces come and go: -A looks for them at every listing. */
		if (o->all_netns && !first) {
			t.nns = 0;
			rc = add_namespaces(&t, o);
			if (rc)
				goto out;
		}
		r = nsv_socktab_collect(&t, states, &o->f, rec);
		if (r < 0 && rec && ferror(rec)) {
			rc = record_close(o->record, rec, r, true);
			rec = NULL;
			goto out;
		}
		if (r < 0) {
			rc = fail(NULL, r);
			goto out;
		}
		if (rec) {
			/* whole before anything is printed: a reader that
			 * goes away (SIGPIPE) cannot cut it short */
			rc = record_close(o->record, rec, 0, true);
			rec = NULL;
			if (rc)
				goto out;
		}
		if (diag_missing(&t)) {
			rc = 1;
			goto out;
		}
		rc |= ns_errors(&t);
		if ((o->flags & NSV_STAT_PROCS) && !o->quiet) {
			r = nsv_socktab_procs(&t, o->flags & NSV_STAT_THREADS);
			if (r < 0) {
				rc = fail("/proc", r);
				goto out;
			}
		}
		/* Listings on a pipe are set apart by an empty line, written
		 * with the next one so that each arrives whole. */
		if (o->watch && !tty && !o->json && !first)
			putchar('\n');
		first = false;
		if (o->watch && tty) {
			/* Home and clear, then a title like watch(1)'s. */
			fputs("\033[H\033[J", stdout);
			printf("Every %gs: vsockstat\n\n", o->watch);
		}
		if (print(&t, o)) {
			rc = 1;
			goto out;
		}
		if (!o->watch) {
			if (!rc && o->fail_empty && !t.nsocks)
				rc = 1;
			break;
		}
		sleep_s(o->watch);
	}
out:
	if (rec) /* a failure before the recording was whole */
		record_close(o->record, rec, -ECANCELED, false);
	nsv_socktab_free(&t);
	return rc;
}

struct events {
	const struct vsockstat_opts *o;
	unsigned int flags;
};

static int one_event(enum nsv_stat_event ev, const struct nsv_socktab *t,
		     size_t i, void *data)
{
	const struct events *e = data;

	if (e->o->json) {
		struct nsv_json j;

		nsv_json_init(&j, stdout, false);
		return nsv_socktab_json_event(&j, t, i, e->flags,
					      nsv_stat_event_name(ev));
	}
	return nsv_socktab_print_sock(stdout, t, i, e->flags,
				      nsv_stat_event_name(ev));
}

int vsockstat_events(const struct vsockstat_opts *o)
{
	uint32_t states = want_states(o);
	struct nsv_socktab old, cur, tmp;
	struct events e = { .o = o, .flags = o->flags };
	bool first = true;
	int rc, r;

	nsv_socktab_init(&old);
	nsv_socktab_init(&cur);
	rc = names(o, &cur);
	if (rc)
		goto out;
	/* Each line stands alone: a netns column whenever one may differ. */
	if (o->all_netns || o->nnetns > 1)
		e.flags |= NSV_STAT_NETNS;
	for (;;) {
		/* -A: namespaces come and go; -N by name: may be made again. */
		cur.nns = 0;
		rc = add_namespaces(&cur, o);
		if (rc)
			goto out;
		r = nsv_socktab_collect(&cur, states, &o->f, NULL);
		if (r < 0) {
			rc = fail(NULL, r);
			goto out;
		}
		if (diag_missing(&cur)) {
			rc = 1;
			goto out;
		}
		if (first)
			ns_errors(&cur);
		if (o->flags & NSV_STAT_PROCS) {
			r = nsv_socktab_procs(&cur,
					      o->flags & NSV_STAT_THREADS);
			if (r < 0) {
				rc = fail("/proc", r);
				goto out;
			}
		}
		/* The first listing is where changes start from. */
		if (!first) {
			r = nsv_socktab_diff(&old, &cur, one_event, &e);
			if (r == 0 && fflush(stdout) != 0)
				r = -errno;
			if (r < 0) {
				rc = fail("stdout", r);
				goto out;
			}
		}
		first = false;
		tmp = old;
		old = cur;
		cur = tmp;
		cur.names = old.names;
		sleep_s(o->interval);
	}
out:
	nsv_socktab_free(&old);
	nsv_socktab_free(&cur);
	return rc;
}

int vsockstat_vms(const struct vsockstat_opts *o)
{
	struct nsv_vm *v = NULL;
	struct nsv_json j;
	int n, r = 0;

	n = nsv_vms_scan("/proc", &v);
	if (n < 0)
		return fail("/proc", n);
	if (o->quiet) {
		r = 0;
	} else if (o->json) {
		nsv_json_init(&j, stdout, false);
		r = nsv_vmtab_json(&j, v, (size_t)n);
	} else {
		r = nsv_vmtab_print(stdout, v, (size_t)n, o->flags);
	}
	free(v);
	if (r == 0 && fflush(stdout) != 0)
		r = -errno;
	if (r < 0)
		return fail("stdout", r);
	return o->fail_empty && !n ? 1 : 0;
}

/* A listener on the port, on one of the CIDs asked for or on any CID. */
static bool listening(const struct nsv_socktab *t,
		      const struct vsockstat_opts *o)
{
	size_t i, k;

	for (i = 0; i < t->nsocks; i++) {
		const struct nsv_diag_sock *s = &t->socks[i].d;

		if (s->state != NSV_SS_LISTEN || s->src_port != o->wait_port)
			continue;
		if (!o->f.ncid || s->src_cid == NSV_CID_ANY)
			return true;
		for (k = 0; k < o->f.ncid; k++)
			if (o->f.cid[k] == s->src_cid)
				return true;
	}
	return false;
}

int vsockstat_wait(const struct vsockstat_opts *o)
{
	struct nsv_sockfilter f = { .types = o->f.types };
	double deadline = o->timeout >= 0 ? now() + o->timeout : 0;
	struct nsv_socktab t;
	bool first = true;
	int rc, r;

	nsv_socktab_init(&t);
	rc = add_namespaces(&t, o);
	if (rc)
		goto out;
	f.states = 1U << NSV_SS_LISTEN;
	f.sport[f.nsport++] = o->wait_port;
	for (;;) {
		double left;

		if (o->all_netns && !first) {
			t.nns = 0;
			rc = add_namespaces(&t, o);
			if (rc)
				goto out;
		}
		r = nsv_socktab_collect(&t, f.states, &f, NULL);
		if (r < 0) {
			rc = fail(NULL, r);
			goto out;
		}
		if (diag_missing(&t)) {
			rc = 1;
			goto out;
		}
		/* The namespaces that can be listed are still watched. */
		if (first)
			ns_errors(&t);
		first = false;
		if (listening(&t, o))
			break;
		left = deadline - now();
		if (o->timeout >= 0 && left <= 0) {
			nsv_err("no listener on port %u after %g s",
				o->wait_port, o->timeout);
			rc = 1;
			goto out;
		}
		/* sock_diag has no notification for vsock: poll, 20 times a second. */
		sleep_s(o->timeout >= 0 && left < 0.05 ? left : 0.05);
	}
	rc = 0;
out:
	nsv_socktab_free(&t);
	return rc;
}
