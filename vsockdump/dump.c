// SPDX-License-Identifier: GPL-2.0-or-later
/* vsockdump: open the source, filter, print, write, follow flows, clean up. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
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
#include "source.h"
#include "tpcapture.h"
#include "vsockdump.h"

static struct nsv_source *volatile g_src;
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
		g_src->ops->brk(g_src->s);
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
	struct nsv_source src;
	struct nsv_writer *w;
	struct nsv_printer *pr;
	struct nsv_flows *flows;
	struct nsv_plot *plot; /* --plot */
	struct nsv_savefile_iface *ifaces; /* what the writer describes */
	char (*descs)[4200];
	char live_desc[4200]; /* ... of a live source, from describe_live() */
	bool show;
	bool follow; /* decode and follow flows: printed, --flows or --plot */
	bool limit; /* -W with -G: the last file is full */
	const char *user; /* whom root became (-Z or the build's), or NULL */
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

/* The -r file (0, 1, ...) the frame being handled is from; 0 if live. */
static unsigned int source_index(const struct run *r)
{
	return r->src.ops == &nsv_pcap_source_ops ? nsv_pcap_source(r->src.s) :
						    0;
}

/* A live capture's name: the vsockmon device, tracepoints, or the VMM. */
static const char *source_name(const struct vsockdump_opts *o,
			       const struct run *r,
			       const struct nsv_monitor *mon)
{
	if (r->src.ops == &nsv_tpcap_source_ops)
		return NSV_TP_IFNAME;
	if (r->src.ops == &nsv_hrelay_source_ops)
		return o->hybrid;
	return mon->name;
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
	/* -w alone keeps the frames as they came: nothing to decode */
	if (!r->follow)
		goto write;
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
write:
	if (r->w) {
		/* a pcapng file of merged files keeps one interface each */
		e = nsv_writer_write(r->w, source_index(r), pkt);
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
	r->src.ops->brk(r->src.s);
}

/* The expression from the command line or -F; 0, 1 (failure) or 2. */
static int get_filter(const struct vsockdump_opts *o, char **exprp,
		      struct nsv_fexpr **fp)
{
	struct nsv_fexpr_error err = { 0 };
	char *expr = NULL;
	const char *s;
	int r;

	*fp = NULL;
	*exprp = NULL;
	if (o->filter_file) {
		expr = nsv_fexpr_read_file(o->filter_file);
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
	r = nsv_filter_parse(expr, nsv_cli_cid_lookup, NULL, fp, &err);
	if (r == -EINVAL) {
		r = nsv_usage_err_at(expr, err.off, err.len, "bad filter: %s",
				     err.msg);
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

/*
 * Whom root becomes once the capture is open: -Z's user, else the one the
 * build names (./configure --with-user, as Debian builds tcpdump), so that
 * a packaged vsockdump parses what it captures without root's rights.
 * -Z root keeps them.
 */
static const char *capture_user(const struct vsockdump_opts *o)
{
	if (o->user)
		return o->user;
#ifdef NSV_DUMP_USER
	if (getuid() == 0)
		return NSV_DUMP_USER;
#endif
	return NULL;
}

static int drop_privileges(const struct vsockdump_opts *o, const char *user)
{
	char what[300];
	struct passwd *pw;

	if (o->user)
		snprintf(what, sizeof(what), "-Z %s", user);
	else
		snprintf(what, sizeof(what),
			 "user %s (root's default; -Z root stays root)", user);
	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		nsv_err("%s: %s", what,
			errno ? strerror(errno) : "no such user");
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) || setgid(pw->pw_gid) ||
	    setuid(pw->pw_uid)) {
		nsv_err("%s: cannot become that user: %s", what,
			strerror(errno));
		return -1;
	}
	/* make sure there is no way back */
	if (pw->pw_uid != 0 && setuid(0) == 0) {
		nsv_err("%s: could regain root", what);
		return -1;
	}
	return 0;
}

static void print_stats(struct run *r)
{
	struct nsv_pcap_stats st;

	fprintf(stderr, "%llu frame%s captured\n", (unsigned long long)r->num,
		r->num == 1 ? "" : "s");
	if (r->src.ops->stats(r->src.s, &st) == 0)
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

static int open_tracepoints(const struct vsockdump_opts *o,
			    struct nsv_source *src, char *err, size_t errlen)
{
	struct nsv_tpcap_opts to = {
		.snaplen = o->snaplen,
		.bufsize = o->bufsize,
	};
	struct nsv_tpcap *c;
	int r;

	r = nsv_tpcap_open(&c, &to, err, errlen);
	if (r < 0)
		return r;
	src->ops = &nsv_tpcap_source_ops;
	src->s = c;
	return 0;
}

static void relay_notice(void *user, const char *msg)
{
	(void)user;
	nsv_err("%s", msg);
}

static int open_relay(const struct vsockdump_opts *o, struct nsv_source *src)
{
	struct nsv_hrelay_opts ho = {
		.vmm = o->hybrid,
		.listen = o->hybrid_listen,
		.ports = o->ports,
		.nports = o->nports,
		.takeover = o->takeover,
		.guest_cid = o->guest_cid,
		.snaplen = o->snaplen,
		.notice = relay_notice,
	};

	/* nothing would show or keep the payload: copy none of it out; only
	 * the file keeps it: it goes there from pipe to file (splice) */
	if (!o->wfile && !o->pr.hex && !o->pr.ascii)
		ho.snaplen = NSV_MON_HDR_LEN;
	else if (!o->pr.hex && !o->pr.ascii)
		ho.pipe_payload = true;
	struct nsv_hrelay *r;
	char err[512] = "";
	int e;

	e = nsv_hrelay_open(&r, &ho, err, sizeof(err));
	if (e < 0) {
		nsv_err("%s", err[0] ? err : strerror(-e));
		return e;
	}
	src->ops = &nsv_hrelay_source_ops;
	src->s = r;
	return 0;
}

/* Whether frames are printed as they come (else written or only counted). */
static bool shows_frames(const struct vsockdump_opts *o)
{
	return !o->quiet && !o->count_only && (!o->wfile || o->print);
}

static int open_live(const struct vsockdump_opts *o, struct nsv_monitor *mon,
		     struct nsv_source *src)
{
	/*
	 * Frames that are shown want to be seen at once. Frames only written
	 * go a block at a time, as tcpdump -w takes them: with immediate mode
	 * libpcap gives each frame a slot of the snap length (128 in the
	 * 32 MiB ring) and wakes us for each, and a loopback transfer under
	 * capture dropped frames and cost 1.7x tcpdump's CPU
	 * (bench/capture.sh).
	 */
	struct nsv_live_opts lo = {
		.snaplen = o->snaplen,
		.bufsize = o->bufsize,
		.immediate = shows_frames(o) || o->pr.flush_each,
	};
	char err[512] = "", list[256];
	struct nsv_pcap *p;
	int r;

	if (o->ifname && !strcmp(o->ifname, NSV_TP_IFNAME)) {
		r = open_tracepoints(o, src, err, sizeof(err));
		if (r < 0)
			nsv_err("%s", err);
		return r;
	}
	r = monitor_open(o, mon);
	if (r == -EOPNOTSUPP && load_vsockmon() == 0) {
		nsv_monitor_close(mon);
		r = monitor_open(o, mon);
	}
	/* no vsockmon and none to be had: the tracepoints still see headers */
	if (r == -EOPNOTSUPP && !o->ifname &&
	    open_tracepoints(o, src, err, sizeof(err)) == 0) {
		nsv_err("headers only: no vsockmon on this kernel (capturing "
			"from the vsock tracepoints)");
		return 0;
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
		if (err[0])
			nsv_err("and no header capture either: %s", err);
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
	if (mon->created && mon->scoped)
		nsv_err("created %s, the nsvsock module's tap: in the initial "
			"network namespace it sees every vsock frame, in any "
			"other only that namespace's nsvsock connections",
			mon->name);
	lo.ifname = mon->name;
	r = nsv_pcap_open_live(&p, &lo, err, sizeof(err));
	if (r < 0) {
		nsv_err("%s%s", err, r == -EPERM ? " (needs CAP_NET_RAW)" : "");
		return r;
	}
	src->ops = &nsv_pcap_source_ops;
	src->s = p;
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
	/* the pseudo-interface, as tcpdump -D lists "any" */
	if (nsv_tpcap_available())
		printf("%s (headers only)\n", NSV_TP_IFNAME);
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
static int open_files(const struct vsockdump_opts *o, struct nsv_source *src)
{
	struct nsv_pcap *p;
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
		p = files[0];
	} else {
		e = nsv_pcap_merge(&p, files, n);
		if (e < 0) {
			nsv_err("out of memory");
			goto fail;
		}
	}
	free(files);
	src->ops = &nsv_pcap_source_ops;
	src->s = p;
	return 0;
fail:
	for (i = 0; i < n; i++)
		nsv_pcap_close(files[i]);
	free(files);
	return e;
}

/*
 * The namespace we capture in, as a user names it: its ip-netns name,
 * "(init)" if it is process 1's, else net:[INODE]. Read before -Z: the
 * user we become may not see process 1's.
 */
static void netns_label(char *buf, size_t len)
{
	uint64_t ino = 0, init = 0;
	int fd, fd1;

	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || nsv_netns_ino(fd, &ino) < 0) {
		snprintf(buf, len, "net:[?]");
	} else if (nsv_netns_name(NULL, fd, buf, len) < 0) {
		fd1 = open("/proc/1/ns/net", O_RDONLY | O_CLOEXEC);
		if (fd1 >= 0 && nsv_netns_ino(fd1, &init) == 0 && init == ino)
			snprintf(buf, len, "(init)");
		else
			snprintf(buf, len, "net:[%" PRIu64 "]", ino);
		if (fd1 >= 0)
			close(fd1);
	}
	if (fd >= 0)
		close(fd);
}

/*
 * What pcapng says of a live source (if_description): the tracepoints, the
 * relay's sockets, or the device's namespace and, for the nsvsock module's
 * tap, what it sees there.
 */
static void describe_live(const struct run *r, const struct nsv_monitor *mon,
			  char *buf, size_t len)
{
	char ns[300];

	if (r->src.ops == &nsv_tpcap_source_ops) {
		snprintf(buf, len,
			 "the vsock tracepoints: headers only, "
			 "every network namespace");
		return;
	}
	if (r->src.ops == &nsv_hrelay_source_ops &&
	    nsv_hrelay_describe(r->src.s, buf, len) == 0)
		return;
	netns_label(ns, sizeof(ns));
	if (!mon->scoped)
		snprintf(buf, len, "netns %s", ns);
	else if (!strcmp(ns, "(init)"))
		snprintf(buf, len,
			 "netns %s, nsvsockmon: every namespace's frames", ns);
	else
		snprintf(buf, len,
			 "netns %s, nsvsockmon: this namespace's connections",
			 ns);
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
		ifs[i].snaplen = r->src.ops->snaplen(r->src.s);
		ifs[i].filter = expr;
		ifs[i].description = desc[i];
		if (o->rfile) {
			snprintf(desc[i], sizeof(desc[i]), "file %s",
				 o->rfiles[i]);
		} else {
			ifs[i].name = ifname;
			snprintf(desc[i], sizeof(desc[i]), "%s", r->live_desc);
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
	if (e == -EACCES && r->user)
		nsv_err("%s (as user %s; -Z root writes as root)", err,
			r->user);
	else if (e < 0)
		nsv_err("%s", err);
	return e;
}

/* The line a live capture starts with, naming what it listens on. */
static void say_listening(const struct run *r, const struct nsv_monitor *mon,
			  unsigned int snaplen)
{
	char where[512];

	if (r->src.ops == &nsv_hrelay_source_ops &&
	    nsv_hrelay_describe(r->src.s, where, sizeof(where)) == 0)
		nsv_err("listening as %s, link-type VSOCK (271), snapshot "
			"length %u bytes",
			where, snaplen);
	else if (r->src.ops == &nsv_tpcap_source_ops)
		nsv_err("listening on %s (headers only), link-type VSOCK "
			"(271), snapshot length %u bytes",
			NSV_TP_IFNAME, snaplen);
	else
		nsv_err("listening on %s%s, link-type VSOCK (271), "
			"snapshot length %u bytes",
			mon->name, mon->created ? " (created)" : "", snaplen);
}

int vsockdump_run(const struct vsockdump_opts *o)
{
	struct nsv_monitor mon = { 0 };
	struct nsv_fexpr *filter = NULL;
	struct nsv_bpf_prog prog = { 0 };
	struct run r = { .o = o };
	struct nsv_print_opts pr = o->pr;
	const char *user;
	char *expr = NULL;
	unsigned long left = o->count;
	bool pipe_closed = false, started = false;
	unsigned int snaplen;
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

	/* CID names for what is printed or drawn, read before -N or -Z may
	 * keep us from them */
	rc = 1;
	if (!(pr.fmt & NSV_FMT_NUMERIC) && !o->list &&
	    (shows_frames(o) || o->flows || o->plot)) {
		pr.names = nsv_cli_names();
		if (!pr.names)
			goto out;
	}
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
	} else if (o->hybrid) {
		if (open_relay(o, &r.src) < 0)
			goto out;
	} else if (open_live(o, &mon, &r.src) < 0) {
		goto out;
	}
	if (g_stop)
		goto out;
	if (filter) {
		e = r.src.ops->set_filter(r.src.s, &prog);
		if (e < 0) {
			const char *why = r.src.ops->error(r.src.s);

			nsv_err("setting the filter: %s",
				why && *why ? why : strerror(-e));
			goto out;
		}
	}
	snaplen = r.src.ops->snaplen(r.src.s);
	if (!o->rfile) {
		say_listening(&r, &mon, snaplen);
		describe_live(&r, &mon, r.live_desc, sizeof(r.live_desc));
	}
	started = true;

	user = capture_user(o);
	if (user) {
		if (mon.created || mon.raised)
			supervise(&mon);
		if (drop_privileges(o, user) < 0)
			goto out;
		r.user = user;
	}

	if (o->wfile && open_writer(o, &r, source_name(o, &r, &mon), expr) < 0)
		goto out;
	r.show = shows_frames(o);
	r.follow = r.show || o->flows || o->plot;
	/* no summary, no picture: ended connections need not stay in memory */
	if (nsv_printer_new(&r.pr, stdout, &pr) < 0 ||
	    nsv_flows_new(&r.flows) < 0 ||
	    (!o->flows && !o->plot && nsv_flows_forget(r.flows) < 0) ||
	    (o->plot && nsv_plot_new(&r.plot, &(struct nsv_plot_opts){
						      .flow = o->plot_flow,
						      .fmt = o->pr.fmt,
						      .names = pr.names,
					      }) < 0)) {
		nsv_err("out of memory");
		goto out;
	}

	g_src = &r.src;
	for (n = 0; !g_stop;) {
		n = r.src.ops->loop(r.src.s, left, on_frame, &r);
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
		nsv_err("%s: %s",
			o->rfile ? nsv_pcap_name(r.src.s) :
				   source_name(o, &r, &mon),
			r.src.ops->error(r.src.s));
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
		if (nsv_flows_print(out, r.flows, &pr) < 0)
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
	if (r.src.ops)
		r.src.ops->close(r.src.s);
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
	nsv_fexpr_free(filter);
	free(expr);
	if (fflush(stdout) && !rc && !pipe_closed && errno != EPIPE) {
		nsv_err("standard output: %s", strerror(errno));
		rc = 1;
	}
	return rc;
}
