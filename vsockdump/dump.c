// SPDX-License-Identifier: GPL-2.0-or-later
/* vsockdump: open the source, filter, print, write, follow flows, clean up. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "flow.h"
#include "json.h"
#include "netns.h"
#include "pcapio.h"
#include "plot.h"
#include "proto.h"
#include "rotate.h"
#include "vsockdump.h"

static struct nsv_pcap *volatile g_src;
static volatile sig_atomic_t g_stop, g_stats;
static volatile pid_t g_child;

static void on_signal(int sig)
{
	if (g_child > 0) { /* the supervisor passes signals on */
		kill(g_child, sig);
		return;
	}
	if (sig == SIGUSR1)
		g_stats = 1;
	else
		g_stop = sig;
	if (g_src)
		nsv_pcap_break(g_src);
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
}

/*
 * -Z after we created (or brought up) the device: removing it needs
 * CAP_NET_ADMIN in the process that asks, not only in the socket's opener.
 * So the capture goes on in an unprivileged child while this process keeps
 * root for one thing: undoing our change when the child is gone (however it
 * ends). Returns in the child; the parent exits with the child's status.
 */
static void supervise(struct nsv_monitor *mon)
{
	int status, e;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		nsv_err("fork: %s (%s stays behind)", strerror(errno),
			mon->name);
		return;
	}
	if (pid == 0) {
		/* the child keeps the capture and leaves the device alone */
		mon->created = mon->raised = false;
		nsv_monitor_close(mon);
		return;
	}
	g_child = pid;
	catch_signals();
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	e = nsv_monitor_close(mon);
	if (e < 0)
		nsv_err("removing %s: %s", mon->name, strerror(-e));
	if (WIFEXITED(status))
		_exit(e < 0 && !WEXITSTATUS(status) ? 1 : WEXITSTATUS(status));
	_exit(128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0));
}

struct run {
	const struct vsockdump_opts *o;
	struct nsv_pcap *src;
	struct nsv_writer *w;
	struct nsv_printer *pr;
	struct nsv_flows *flows;
	struct nsv_plot *plot; /* --plot */
	struct nsv_savefile_iface *ifaces; /* what the writer describes */
	char (*descs)[4200];
	bool show;
	bool limit; /* -W with -G: the last file is full */
	uint64_t num;
	int err; /* -errno that stopped the loop */
	const char *err_what;
};

/* What went wrong with -z commands: a message a line. */
static void print_notices(const char *s)
{
	const char *e;

	for (; s && *s; s = *e ? e + 1 : e) {
		e = strchr(s, '\n');
		if (!e)
			e = s + strlen(s);
		nsv_err("%.*s", (int)(e - s), s);
	}
}

static void on_frame(const struct nsv_pkt *pkt, void *user)
{
	struct run *r = user;
	struct nsv_flow_note note;
	struct nsv_frame f;
	int e;

	if (r->err)
		return;
	r->num++;
	/* -EBADMSG still fills @f for printing the header as it is */
	nsv_frame_decode(pkt->data, pkt->caplen, pkt->wirelen, &f);
	e = nsv_flows_update(r->flows, pkt, &f, &note);
	if (e < 0) {
		r->err = e;
		r->err_what = "flow table";
		goto stop;
	}
	if (r->plot) {
		e = nsv_plot_add(r->plot, pkt, &f, &note);
		if (e < 0) {
			r->err = e;
			r->err_what = "--plot";
			goto stop;
		}
	}
	if (r->show) {
		e = nsv_print_frame(r->pr, r->num, pkt, &f, &note);
		if (e < 0) {
			r->err = e;
			r->err_what = "standard output";
			goto stop;
		}
	}
	if (r->w) {
		/* a pcapng file of merged files keeps one interface each */
		e = nsv_writer_write(r->w, nsv_pcap_source(r->src), pkt);
		if (e > 0 && e & NSV_WRITER_NOTICE)
			print_notices(nsv_writer_notice(r->w));
		if (e > 0 && e & NSV_WRITER_LIMIT) {
			r->limit = true;
			goto stop;
		}
		if (e > 0)
			e = 0;
		if (!e && r->o->pr.flush_each)
			e = nsv_writer_flush(r->w);
		if (e < 0) {
			r->err = e;
			r->err_what = "-w";
			goto stop;
		}
	}
	return;
stop:
	nsv_pcap_break(r->src);
}

/* A filter error: the message, the expression with a caret under the
 * offending word, and the usage hint. Returns NSV_EXIT_USAGE. */
static int filter_error(const char *expr, const struct nsv_filter_error *err)
{
	size_t i;

	nsv_err("bad filter: %s", err->msg);
	fprintf(stderr, "  %s\n  ", expr);
	for (i = 0; i < err->off; i++)
		fputc(expr[i] == '\t' ? '\t' : ' ', stderr);
	fputc('^', stderr);
	for (i = 1; i < err->len; i++)
		fputc('~', stderr);
	fputc('\n', stderr);
	return nsv_usage_hint();
}

/* No filter is this long: one would compile to far more than 4096 insns. */
#define FILTER_FILE_MAX (1024 * 1024)

static char *read_filter_file(const char *path)
{
	char *s = NULL, *p;
	size_t cap = 0, n = 0;
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? 2 * cap : 8192;
			p = realloc(s, cap);
			if (!p) {
				free(s);
				s = NULL;
				break;
			}
			s = p;
		}
		size_t m = fread(s + n, 1, 4096, f);

		n += m;
		if (n > FILTER_FILE_MAX) {
			free(s);
			s = NULL;
			errno = EFBIG;
			break;
		}
		if (m < 4096)
			break;
	}
	if (s && ferror(f)) { /* a directory, an I/O error: never "no filter" */
		int e = errno ? errno : EIO;

		free(s);
		s = NULL;
		errno = e;
	}
	if (s) {
		s[n] = '\0';
		/* tcpdump -F: '#' starts a comment to the end of the line */
		for (p = s; *p; p++) {
			if (*p == '#')
				while (*p && *p != '\n')
					*p++ = ' ';
			if (*p == '\n' || *p == '\r' || *p == '\t')
				*p = ' ';
			if (!*p)
				break;
		}
		/* the line break at the end is no part of the expression */
		while (n && s[n - 1] == ' ')
			s[--n] = '\0';
	}
	if (f != stdin)
		fclose(f);
	return s;
}

/* The expression from the command line or -F; 0, 1 (failure) or 2. */
static int get_filter(const struct vsockdump_opts *o, char **exprp,
		      struct nsv_filter **fp)
{
	struct nsv_filter_error err = { 0 };
	char *expr = NULL;
	const char *s;
	int r;

	*fp = NULL;
	*exprp = NULL;
	if (o->filter_file) {
		expr = read_filter_file(o->filter_file);
		if (!expr) {
			if (!g_stop) /* else a FIFO's open was interrupted */
				nsv_err("%s: %s", o->filter_file,
					strerror(errno ? errno : ENOMEM));
			return 1;
		}
	} else if (o->expr) {
		expr = strdup(o->expr);
		if (!expr)
			return 1;
	} else {
		return 0;
	}
	for (s = expr; *s == ' '; s++)
		;
	if (!*s) { /* an empty -F file: no filter */
		free(expr);
		return 0;
	}
	r = nsv_filter_parse(expr, fp, &err);
	if (r == -EINVAL) {
		r = filter_error(expr, &err);
		free(expr);
		return r;
	}
	if (r < 0) {
		nsv_err("filter: %s", strerror(-r));
		free(expr);
		return 1;
	}
	*exprp = expr;
	return 0;
}

static int drop_privileges(const char *user)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		nsv_err("-Z %s: %s", user,
			errno ? strerror(errno) : "no such user");
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) || setgid(pw->pw_gid) ||
	    setuid(pw->pw_uid)) {
		nsv_err("-Z %s: cannot become that user: %s", user,
			strerror(errno));
		return -1;
	}
	/* make sure there is no way back */
	if (pw->pw_uid != 0 && setuid(0) == 0) {
		nsv_err("-Z %s: could regain root", user);
		return -1;
	}
	return 0;
}

static void print_stats(struct run *r)
{
	struct nsv_pcap_stats st;

	fprintf(stderr, "%llu frame%s captured\n", (unsigned long long)r->num,
		r->num == 1 ? "" : "s");
	if (nsv_pcap_stats(r->src, &st) == 0)
		fprintf(stderr,
			"%llu frames received by filter\n"
			"%llu frames dropped by kernel\n",
			(unsigned long long)st.received,
			(unsigned long long)st.dropped);
}

/*
 * The kernel loads vsockmon by its rtnl-link alias itself, unless its
 * module helper cannot run (a container, a chroot): then try once here.
 */
static int load_vsockmon(void)
{
	char *argv[] = { "modprobe", "-q", "vsockmon", NULL };
	int status;
	pid_t pid;

	if (posix_spawnp(&pid, "modprobe", NULL, NULL, argv, environ))
		return -1;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	return 0;
}

static int monitor_open(const struct vsockdump_opts *o, struct nsv_monitor *mon)
{
	int r = nsv_monitor_open(mon, o->ifname, !o->no_create);

	if (mon->reaped[0])
		nsv_err("removed %s, left behind by vsockdump pid %d (gone)",
			mon->reaped, mon->reaped_pid);
	return r;
}

static int open_live(const struct vsockdump_opts *o, struct nsv_monitor *mon,
		     struct nsv_pcap **src)
{
	struct nsv_live_opts lo = {
		.snaplen = o->snaplen,
		.bufsize = o->bufsize,
		.immediate = true,
	};
	char err[512] = "", list[256];
	int r;

	r = monitor_open(o, mon);
	if (r == -EOPNOTSUPP && load_vsockmon() == 0) {
		nsv_monitor_close(mon);
		r = monitor_open(o, mon);
	}
	if (r == -ENODEV && !o->ifname) {
		nsv_err("no vsockmon device in this network "
			"namespace (create one: ip link add vsockmon0 type "
			"vsockmon; or leave out --no-create)");
		return r;
	}
	if (r == -EMEDIUMTYPE) {
		if (nsv_monitor_list(list, sizeof(list)) <= 0)
			snprintf(list, sizeof(list), "none");
		nsv_err("%s is not a vsockmon device (vsockmon "
			"devices here: %s)",
			o->ifname, list);
		return r;
	}
	if (r == -EOPNOTSUPP) {
		nsv_err("cannot create %s: this kernel has no "
			"vsockmon link type (modprobe vsockmon; it needs "
			"CONFIG_VSOCKMON)",
			mon->name);
		return r;
	}
	if (r == -EPERM) {
		nsv_err("%s %s: %s (needs CAP_NET_ADMIN; or name "
			"an existing, up device with -i)",
			mon->created || o->ifname ? "bringing up" : "creating",
			mon->name, strerror(-r));
		return r;
	}
	if (r < 0) {
		nsv_err("%s: %s", mon->name[0] ? mon->name : "vsockmon",
			strerror(-r));
		return r;
	}
	lo.ifname = mon->name;
	r = nsv_pcap_open_live(src, &lo, err, sizeof(err));
	if (r < 0) {
		nsv_err("%s%s", err, r == -EPERM ? " (needs CAP_NET_RAW)" : "");
		return r;
	}
	return 0;
}

/* A signal before the capture opened: nothing was started to stop. */
static int interrupted(void)
{
	nsv_err("interrupted");
	return 128 + g_stop;
}

/*
 * The end of -w: the last file is closed as a finished capture (with its
 * -z, and we wait for them all), or, after a write error (@err, or one
 * closing it now), removed, since it ends inside a frame. One line says
 * which. Returns 0 or the -errno; -EPIPE (-w - into a reader that went
 * away) is quiet.
 */
static int finish_writer(struct nsv_writer *w, int err)
{
	char what[4096];
	int d;

	if (!err) {
		err = nsv_writer_finish(w);
		if (err > 0)
			print_notices(nsv_writer_notice(w));
		if (err >= 0)
			return 0;
	}
	snprintf(what, sizeof(what), "%s",
		 strcmp(nsv_writer_path(w), "-") ? nsv_writer_path(w) :
						   "standard output");
	d = nsv_writer_discard(w);
	if (err == -EPIPE)
		return err;
	if (d == 1)
		nsv_err("%s: %s (the unfinished file is removed)", what,
			strerror(-err));
	else if (d < 0)
		nsv_err("%s: %s (and removing the unfinished file: %s)", what,
			strerror(-err), strerror(-d));
	else
		nsv_err("%s: %s", what, strerror(-err));
	return err;
}

static int list_devices(void)
{
	char list[4096];
	int r = nsv_monitor_list(list, sizeof(list));
	char *p, *save = NULL;

	if (r < 0) {
		nsv_err("listing devices: %s", strerror(-r));
		return 1;
	}
	for (p = strtok_r(list, ", ", &save); p;
	     p = strtok_r(NULL, ", ", &save))
		printf("%s\n", p);
	return 0;
}

/* --plot: the picture of what the flow table saw; false on failure. */
static bool write_plot(const struct vsockdump_opts *o, struct run *r)
{
	FILE *f = fopen(o->plot, "w");
	int e;

	if (!f) {
		nsv_err("--plot %s: %s", o->plot, strerror(errno));
		return false;
	}
	e = nsv_plot_write(r->plot, f, r->flows);
	if (fclose(f) && !e)
		e = -errno;
	if (e == -ENOENT) {
		nsv_err("--flow %llu: no such connection (there are %zu)",
			(unsigned long long)o->plot_flow,
			nsv_flows_count(r->flows));
		unlink(o->plot);
	} else if (e < 0) {
		nsv_err("--plot %s: %s", o->plot, strerror(-e));
	}
	return e == 0;
}

/* --count: tcpdump's one line, or one JSON record */
static void print_count(const struct vsockdump_opts *o, uint64_t n)
{
	FILE *out = o->wfile && !strcmp(o->wfile, "-") ? stderr : stdout;
	struct nsv_json j;

	if (o->pr.json) {
		nsv_json_init(&j, out, false);
		nsv_json_obj_begin(&j, NULL);
		nsv_json_str(&j, "record", "count");
		nsv_json_u64(&j, "frames", n);
		nsv_json_obj_end(&j);
	} else {
		fprintf(out, "%llu frame%s\n", (unsigned long long)n,
			n == 1 ? "" : "s");
	}
}

/* Each -r file, its line on stderr, then one merged reader for several. */
static int open_files(const struct vsockdump_opts *o, struct nsv_pcap **src)
{
	struct nsv_pcap **files;
	char err[4096 + 256] = "";
	unsigned int i, n = 0;
	int e = 0;

	files = calloc(o->nrfiles, sizeof(*files));
	if (!files) {
		nsv_err("out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < o->nrfiles; i++) {
		e = nsv_pcap_open_file(&files[i], o->rfiles[i], err,
				       sizeof(err));
		if (e < 0) {
			if (!g_stop) /* else a FIFO's open was interrupted */
				nsv_err("%s", err);
			goto fail;
		}
		n++;
		fprintf(stderr,
			"reading from file %s, link-type VSOCK (271), "
			"snapshot length %u\n",
			o->rfiles[i], nsv_pcap_snaplen(files[i]));
	}
	if (n == 1) {
		*src = files[0];
	} else {
		e = nsv_pcap_merge(src, files, n);
		if (e < 0) {
			nsv_err("out of memory");
			goto fail;
		}
	}
	free(files);
	return 0;
fail:
	for (i = 0; i < n; i++)
		nsv_pcap_close(files[i]);
	free(files);
	return e;
}

/* What pcapng says of the capture device: its namespace, for now by -N. */
static void netns_description(const struct vsockdump_opts *o, char *buf,
			      size_t len)
{
	char link[64];
	ssize_t n;

	if (o->netns) {
		snprintf(buf, len, "netns %s", o->netns);
		return;
	}
	n = readlink("/proc/thread-self/ns/net", link, sizeof(link) - 1);
	if (n <= 0) {
		buf[0] = '\0';
		return;
	}
	link[n] = '\0';
	snprintf(buf, len, "netns %s", link);
}

/* -w: a pcapng interface per capture device (a live one, or each -r file). */
static int open_writer(const struct vsockdump_opts *o, struct run *r,
		       const char *ifname, const char *expr)
{
	struct nsv_writer_opts wo = {
		.path = o->wfile,
		.format = o->pcapng ? NSV_SAVEFILE_PCAPNG :
				      nsv_savefile_format_of(o->wfile),
		.appl = "vsockdump " PACKAGE_VERSION,
		.rotate_bytes = o->rotate_bytes,
		.rotate_secs = o->rotate_secs,
		.max_files = o->max_files,
		.command = o->postrotate,
		.start = (int64_t)time(NULL),
	};
	struct nsv_savefile_iface *ifs;
	unsigned int i, n = o->rfile ? o->nrfiles : 1;
	char err[4096 + 256] = "", (*desc)[4200];
	int e;

	ifs = calloc(n, sizeof(*ifs));
	desc = calloc(n, sizeof(*desc));
	if (!ifs || !desc) {
		free(ifs);
		free(desc);
		nsv_err("out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		ifs[i].snaplen = nsv_pcap_snaplen(r->src);
		ifs[i].filter = expr;
		ifs[i].description = desc[i];
		if (o->rfile) {
			snprintf(desc[i], sizeof(desc[i]), "file %s",
				 o->rfiles[i]);
		} else {
			ifs[i].name = ifname;
			netns_description(o, desc[i], sizeof(desc[i]));
		}
	}
	/* -G on a file: its frames' time, not the clock on the wall */
	if (o->rfile)
		wo.start = o->rotate_secs ? -1 : 0;
	wo.ifaces = ifs;
	wo.nifaces = n;
	e = nsv_writer_open(&r->w, &wo, err, sizeof(err));
	/* the writer wrote the descriptions into its first file, or will
	 * into each new one: they must live as long as it does */
	r->ifaces = ifs;
	r->descs = desc;
	if (e < 0)
		nsv_err("%s", err);
	return e;
}

int vsockdump_run(const struct vsockdump_opts *o)
{
	struct nsv_monitor mon = { 0 };
	struct nsv_filter *filter = NULL;
	struct nsv_bpf_prog prog = { 0 };
	struct run r = { .o = o };
	char *expr = NULL;
	unsigned long left = o->count;
	bool pipe_closed = false, started = false;
	int rc, e;
	long n;

	signal(SIGPIPE, SIG_IGN);
	/*
	 * A signal stops us cleanly from here on: before the capture opens
	 * (a -F or -r FIFO nobody writes, a slow netlink) it interrupts
	 * what we were doing and undoes what we did; afterwards it ends the
	 * capture as the end of the input would.
	 */
	catch_signals();

	rc = get_filter(o, &expr, &filter);
	if (rc)
		return g_stop ? interrupted() : rc;
	if (o->tcpdump_filter) {
		if (!filter) {
			return nsv_usage_err("--tcpdump-filter: no filter "
					     "expression given");
		}
		rc = nsv_filter_print_tcpdump(stdout, filter) ? 1 : 0;
		goto out;
	}
	e = nsv_filter_compile(filter, NSV_SNAPLEN_MAX, &prog);
	if (e < 0) {
		nsv_err("compiling the filter: %s",
			e == -E2BIG ? "more than 4096 BPF instructions" :
				      strerror(-e));
		rc = 1;
		goto out;
	}
	if (o->dump_bpf) {
		rc = nsv_bpf_dump(stdout, &prog, o->dump_bpf) ? 1 : 0;
		goto out;
	}

	rc = 1;
	if (o->netns) {
		e = nsv_netns_enter_spec(o->netns);
		if (e < 0) {
			nsv_err("network namespace %s: %s", o->netns,
				strerror(-e));
			goto out;
		}
	}
	if (o->list) {
		rc = list_devices();
		goto out;
	}

	if (g_stop)
		goto out;
	if (o->rfile) {
		if (open_files(o, &r.src) < 0)
			goto out;
	} else if (open_live(o, &mon, &r.src) < 0) {
		goto out;
	}
	if (g_stop)
		goto out;
	if (filter) {
		e = nsv_pcap_set_filter(r.src, &prog);
		if (e < 0) {
			nsv_err("setting the filter: %s",
				nsv_pcap_error(r.src));
			goto out;
		}
	}
	if (!o->rfile)
		nsv_err("listening on %s%s, link-type VSOCK (271), "
			"snapshot length %u bytes",
			mon.name, mon.created ? " (created)" : "",
			nsv_pcap_snaplen(r.src));
	started = true;

	if (o->user) {
		if (mon.created || mon.raised)
			supervise(&mon);
		if (drop_privileges(o->user) < 0)
			goto out;
	}

	if (o->wfile && open_writer(o, &r, mon.name, expr) < 0)
		goto out;
	r.show = !o->quiet && !o->count_only && (!o->wfile || o->print);
	if (nsv_printer_new(&r.pr, stdout, &o->pr) < 0 ||
	    nsv_flows_new(&r.flows) < 0 ||
	    (o->plot && nsv_plot_new(&r.plot, &(struct nsv_plot_opts){
						      .flow = o->plot_flow,
						      .fmt = o->pr.fmt,
					      }) < 0)) {
		nsv_err("out of memory");
		goto out;
	}

	g_src = r.src;
	for (n = 0; !g_stop;) {
		n = nsv_pcap_loop(r.src, left, on_frame, &r);
		if (n > 0 && left)
			left = (unsigned long)n >= left ? 0 : left - n;
		if (n < 0 || r.err || g_stop || (o->count && !left))
			break;
		if (g_stats) { /* SIGUSR1: counters, then go on */
			g_stats = 0;
			nsv_printer_flush(r.pr);
			print_stats(&r);
			continue;
		}
		break; /* end of file */
	}
	g_src = NULL;

	rc = 0;
	if (n < 0 && !g_stop) { /* a stop interrupts a read from a FIFO */
		nsv_printer_flush(r.pr);
		nsv_err("%s: %s", o->rfile ? nsv_pcap_name(r.src) : mon.name,
			nsv_pcap_error(r.src));
		rc = 1;
	}
	/* A reader that went away (| head) ends us quietly, not SIGPIPE:
	 * a device we created must still go. */
	if (r.err == -EPIPE) {
		pipe_closed = true;
	} else if (r.err && strcmp(r.err_what, "-w")) {
		nsv_err("%s: %s", r.err_what, strerror(-r.err));
		rc = 1;
	}
	e = pipe_closed ? 0 : nsv_printer_flush(r.pr);
	if (e == -EPIPE) {
		pipe_closed = true;
	} else if (e < 0 && !rc) {
		nsv_err("standard output: %s", strerror(-e));
		rc = 1;
	}
	if (r.w) {
		e = finish_writer(
			r.w, r.err && !strcmp(r.err_what, "-w") ? r.err : 0);
		if (e < 0 && !pipe_closed)
			rc = 1;
		if (r.limit)
			nsv_err("maximum file limit reached: %u files (-W)",
				o->max_files);
	}
	if (o->count_only && !pipe_closed)
		print_count(o, r.num);
	if (o->flows && !pipe_closed) {
		/* pcap data on stdout: the summary goes to stderr */
		FILE *out = o->wfile && !strcmp(o->wfile, "-") ? stderr :
								 stdout;

		if (r.show && !o->pr.json)
			fputc('\n', out);
		if (nsv_flows_print(out, r.flows, &o->pr) < 0)
			rc = 1;
		fflush(out);
	}
	if (o->plot && !write_plot(o, &r))
		rc = 1;
	if (!o->rfile)
		print_stats(&r);
out:
	if (g_stop && !started) {
		nsv_err("interrupted");
		rc = 128 + g_stop;
	}
	nsv_writer_free(r.w);
	free(r.ifaces);
	free(r.descs);
	nsv_printer_free(r.pr);
	nsv_plot_free(r.plot);
	nsv_flows_free(r.flows);
	nsv_pcap_close(r.src);
	if (mon.nl) {
		bool created = mon.created;

		e = nsv_monitor_close(&mon);
		if (e < 0) {
			nsv_err("%s %s: %s",
				created ? "deleting" : "bringing down",
				mon.name, strerror(-e));
			rc = rc ? rc : 1;
		}
	}
	nsv_bpf_prog_free(&prog);
	nsv_filter_free(filter);
	free(expr);
	if (fflush(stdout) && !rc && !pipe_closed && errno != EPIPE) {
		nsv_err("standard output: %s", strerror(errno));
		rc = 1;
	}
	return rc;
}
