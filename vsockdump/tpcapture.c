// SPDX-License-Identifier: LGPL-2.1-or-later
/* Capture from the vsock tracepoints: tracefs formats, per-CPU perf rings, frames. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/perf_event.h>

#include "filter.h"
#include "tpcapture.h"
#include "tppair.h"
#include "tracepoint.h"

/*
 * perf_event_open rather than tracefs's trace_pipe_raw: each perf event is
 * ours alone and goes away with its fd (a crash or SIGKILL leaves nothing
 * enabled; two captures do not steal each other's events or fight over the
 * global trace buffer), losses come as counted PERF_RECORD_LOST records,
 * and a sample is a plain record instead of ring-buffer pages with time
 * deltas to decode. tracefs is only read, for the events' ids and formats.
 */

#define TRACEFS_MAGIC 0x74726163
#define HOLD_NS (50 * 1000000LL) /* how late a record may land in its ring */
#define POLL_MS 50
#define DEFAULT_WINDOW_NS 1000000000LL

struct ring {
	int fd; /* the alloc event's; the recv event writes here too */
	int fd2;
	void *map;
	size_t maplen, size; /* the mapping; its data area */
};

struct nsv_tpcap {
	struct nsv_tp_format fmt[2];
	struct ring *rings;
	size_t nrings;
	struct pollfd *pfd;
	struct nsv_tp_sort *sort;
	struct nsv_tp_pairer *pair;
	int64_t wall_off; /* CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
	unsigned int snaplen;
	uint8_t *tmp; /* a record that wraps around its ring */
	size_t tmplen;
	struct nsv_bpf_prog prog;
	bool filter;
	volatile sig_atomic_t stop;
	uint64_t received, lost, bad;
	char err[256];
};

static void set_err(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static bool is_tracefs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 &&
	       (unsigned long)st.f_type == TRACEFS_MAGIC;
}

/* Read a small file whole; -errno. */
static int slurp(const char *path, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (n + 1 < len && (r = read(fd, buf + n, len - 1 - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			close(fd);
			return (int)r;
		}
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return (int)n;
}

/*
 * Where tracefs is: its own mount point, or inside debugfs. When it is
 * nowhere, mount it at its own place; *mounted says to unmount it again.
 */
static int find_tracefs(char *path, size_t len, bool *mounted, char *err,
			size_t errlen)
{
	static const char *const where[] = { "/sys/kernel/tracing",
					     "/sys/kernel/debug/tracing" };
	size_t i;

	*mounted = false;
	for (i = 0; i < 2; i++) {
		if (is_tracefs(where[i])) {
			snprintf(path, len, "%s", where[i]);
			return 0;
		}
	}
	if (mount("nodev", where[0], "tracefs",
		  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0) {
		*mounted = true;
		snprintf(path, len, "%s", where[0]);
		return 0;
	}
	if (errno == EPERM || errno == EACCES) {
		set_err(err, errlen,
			"tracefs is not mounted and we may not mount it (as "
			"root: mount -t tracefs nodev %s)",
			where[0]);
		return -EPERM;
	}
	set_err(err, errlen, "cannot mount tracefs at %s: %s", where[0],
		strerror(errno));
	return -ENODEV;
}

static int read_format(const char *tracefs, const char *event,
		       struct nsv_tp_format *f, char *err, size_t errlen)
{
	char path[512], text[8192];
	int n;

	snprintf(path, sizeof(path), "%s/events/vsock/%s/format", tracefs,
		 event);
	n = slurp(path, text, sizeof(text));
	if (n == -ENOENT) {
		snprintf(path, sizeof(path), "%s/events", tracefs);
		if (access(path, X_OK) < 0 &&
		    (errno == EACCES || errno == EPERM))
			n = -errno;
	}
	if (n == -ENOENT) {
		set_err(err, errlen,
			"no vsock tracepoints in %s/events/vsock: no virtio "
			"vsock transport is loaded (vsock_loopback, "
			"vmw_vsock_virtio_transport or vhost_vsock)",
			tracefs);
		return n;
	}
	if (n == -EACCES || n == -EPERM) {
		set_err(err, errlen,
			"%s: %s (the vsock tracepoints need root, or "
			"CAP_PERFMON and read access to tracefs)",
			path, strerror(-n));
		return n;
	}
	if (n < 0) {
		set_err(err, errlen, "%s: %s", path, strerror(-n));
		return n;
	}
	if (nsv_tp_format_parse(text, (size_t)n, f) < 0) {
		set_err(err, errlen,
			"%s: not a format we can read (a vsock tracepoint "
			"without the fields it always had)",
			path);
		return -EPROTO;
	}
	return 0;
}

static int read_formats(struct nsv_tp_format fmt[2], char *err, size_t errlen)
{
	char tracefs[64];
	bool mounted;
	int r;

	r = find_tracefs(tracefs, sizeof(tracefs), &mounted, err, errlen);
	if (r < 0)
		return r;
	r = read_format(tracefs, NSV_TP_ALLOC_NAME, &fmt[0], err, errlen);
	if (!r)
		r = read_format(tracefs, NSV_TP_RECV_NAME, &fmt[1], err,
				errlen);
	/* perf needs only the ids: leave the system as we found it */
	if (mounted)
		umount2(tracefs, MNT_DETACH);
	return r;
}

bool nsv_tpcap_available(void)
{
	struct nsv_tp_format fmt[2];

	return read_formats(fmt, NULL, 0) == 0;
}

/* The CPUs to open a ring on: /sys's list of online ones ("0-3,6"). */
static int online_cpus(int **cpus)
{
	char buf[1024], *p, *end;
	int n = 0, cap = 0, *v = NULL, *nv;
	long a, b;

	if (slurp("/sys/devices/system/cpu/online", buf, sizeof(buf)) < 0) {
		long c = sysconf(_SC_NPROCESSORS_CONF);

		snprintf(buf, sizeof(buf), "0-%ld", c > 0 ? c - 1 : 0);
	}
	for (p = buf; *p && *p != '\n';) {
		a = strtol(p, &end, 10);
		if (end == p)
			break;
		b = a;
		p = end;
		if (*p == '-') {
			b = strtol(p + 1, &end, 10);
			p = end;
		}
		for (; a <= b && a < 4096; a++) {
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				nv = realloc(v, (size_t)cap * sizeof(*v));
				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
			}
			v[n++] = (int)a;
		}
		if (*p == ',')
			p++;
	}
	*cpus = v;
	return n;
}

static int perf_open(const struct nsv_tp_format *f, int cpu, size_t watermark)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_TRACEPOINT;
	a.size = sizeof(a);
	a.config = f->id;
	a.sample_period = 1;
	a.sample_type = PERF_SAMPLE_TIME | PERF_SAMPLE_RAW;
	a.disabled = 1;
	a.use_clockid = 1;
	a.clockid = CLOCK_MONOTONIC;
	a.watermark = 1;
	a.wakeup_watermark = (uint32_t)watermark;
	return (int)syscall(SYS_perf_event_open, &a, -1, cpu, -1,
			    PERF_FLAG_FD_CLOEXEC);
}

static int paranoid(void)
{
	char b[32];

	return slurp("/proc/sys/kernel/perf_event_paranoid", b, sizeof(b)) > 0 ?
		       atoi(b) :
		       -100;
}

static int open_ring(struct nsv_tpcap *c, struct ring *rg, int cpu,
		     size_t pages, char *err, size_t errlen)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	int e;

	rg->fd = rg->fd2 = -1;
	rg->map = MAP_FAILED;
	rg->fd = perf_open(&c->fmt[0], cpu, pages * pg / 4);
	if (rg->fd >= 0)
		rg->fd2 = perf_open(&c->fmt[1], cpu, pages * pg / 4);
	if (rg->fd < 0 || rg->fd2 < 0) {
		e = errno;
		if (e == EACCES || e == EPERM)
			set_err(err, errlen,
				"perf_event_open: %s (kernel.perf_event_paranoid "
				"is %d: the vsock tracepoints need root, "
				"CAP_PERFMON or CAP_SYS_ADMIN)",
				strerror(e), paranoid());
		else
			set_err(err, errlen, "perf_event_open on CPU %d: %s",
				cpu, strerror(e));
		return -e;
	}
	/* a smaller ring when the locked-memory limit says no */
	for (; pages >= 1; pages /= 2) {
		rg->maplen = (pages + 1) * pg;
		rg->map = mmap(NULL, rg->maplen, PROT_READ | PROT_WRITE,
			       MAP_SHARED, rg->fd, 0);
		if (rg->map != MAP_FAILED)
			break;
		if (errno != EPERM && errno != ENOMEM)
			break;
	}
	if (rg->map == MAP_FAILED) {
		e = errno;
		set_err(err, errlen, "mapping the perf ring of CPU %d: %s", cpu,
			strerror(e));
		return -e;
	}
	rg->size = pages * pg;
	if (ioctl(rg->fd2, PERF_EVENT_IOC_SET_OUTPUT, rg->fd) < 0) {
		e = errno;
		set_err(err, errlen, "sharing the perf ring of CPU %d: %s", cpu,
			strerror(e));
		return -e;
	}
	return 0;
}

static void close_rings(struct nsv_tpcap *c)
{
	size_t i;

	for (i = 0; i < c->nrings; i++) {
		struct ring *rg = &c->rings[i];

		if (rg->map && rg->map != MAP_FAILED)
			munmap(rg->map, rg->maplen);
		if (rg->fd2 >= 0)
			close(rg->fd2);
		if (rg->fd >= 0)
			close(rg->fd);
	}
	free(c->rings);
	c->rings = NULL;
	c->nrings = 0;
}

static void tpcap_close(void *s)
{
	struct nsv_tpcap *c = s;

	if (!c)
		return;
	close_rings(c);
	free(c->pfd);
	free(c->tmp);
	nsv_tp_sort_free(c->sort);
	nsv_tp_pairer_free(c->pair);
	nsv_bpf_prog_free(&c->prog);
	free(c);
}

int nsv_tpcap_open(struct nsv_tpcap **out, const struct nsv_tpcap_opts *o,
		   char *err, size_t errlen)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), pages, per;
	struct nsv_tpcap *c;
	int *cpus = NULL, n, i, r;
	int64_t m0, m1, w;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	r = read_formats(c->fmt, err, errlen);
	if (r < 0)
		goto fail;
	c->snaplen = o->snaplen && o->snaplen < NSV_TP_FRAME_LEN ?
			     o->snaplen :
			     (unsigned int)NSV_TP_FRAME_LEN;
	r = nsv_tp_sort_new(&c->sort);
	if (!r)
		r = nsv_tp_pairer_new(&c->pair, o->pair_window_ns ?
							o->pair_window_ns :
							DEFAULT_WINDOW_NS);
	if (r < 0)
		goto fail;
	n = online_cpus(&cpus);
	if (n <= 0) {
		r = n < 0 ? n : -ENODEV;
		set_err(err, errlen, "no online CPU found");
		goto fail;
	}
	c->rings = calloc((size_t)n, sizeof(*c->rings));
	c->pfd = calloc((size_t)n, sizeof(*c->pfd));
	if (!c->rings || !c->pfd) {
		r = -ENOMEM;
		goto fail;
	}
	/* the ring bytes shared out, each a power of two pages */
	per = (o->bufsize ? o->bufsize : 32u << 20) / (size_t)n;
	for (pages = 1; pages * 2 * pg <= per && pages < (1u << 16); pages *= 2)
		;
	for (i = 0; i < n; i++) {
		c->nrings++;
		r = open_ring(c, &c->rings[i], cpus[i], pages, err, errlen);
		if (r < 0)
			goto fail;
		c->pfd[i].fd = c->rings[i].fd;
		c->pfd[i].events = POLLIN;
	}
	free(cpus);
	cpus = NULL;
	/* wall-clock time of a CLOCK_MONOTONIC stamp */
	m0 = clock_ns(CLOCK_MONOTONIC);
	w = clock_ns(CLOCK_REALTIME);
	m1 = clock_ns(CLOCK_MONOTONIC);
	c->wall_off = w - (m0 + (m1 - m0) / 2);
	for (i = 0; i < (int)c->nrings; i++) {
		if (ioctl(c->rings[i].fd, PERF_EVENT_IOC_ENABLE, 0) < 0 ||
		    ioctl(c->rings[i].fd2, PERF_EVENT_IOC_ENABLE, 0) < 0) {
			r = -errno;
			set_err(err, errlen, "enabling the tracepoints: %s",
				strerror(errno));
			goto fail;
		}
	}
	*out = c;
	return 0;
fail:
	free(cpus);
	tpcap_close(c);
	return r;
}

/* ------------------------------------------------------------ reading */

/* @n bytes at @off of a ring's data area, which may wrap, into @dst. */
static void ring_copy(const struct ring *rg, uint64_t off, void *dst, size_t n)
{
	const uint8_t *data =
		(const uint8_t *)rg->map + (rg->maplen - rg->size);
	size_t o = (size_t)(off % rg->size), first = rg->size - o;

	if (first >= n) {
		memcpy(dst, data + o, n);
	} else {
		memcpy(dst, data + o, first);
		memcpy((uint8_t *)dst + first, data, n - first);
	}
}

static int take_record(struct nsv_tpcap *c, const uint8_t *rec, size_t len)
{
	struct nsv_tp_event ev;
	const uint8_t *raw;
	size_t rawlen;
	uint64_t lost;
	int64_t ns;
	int k;

	k = nsv_tp_perf_record(rec, len, &ns, &raw, &rawlen, &lost);
	if (k == NSV_TP_REC_LOST) {
		c->lost += lost;
		return 0;
	}
	if (k != NSV_TP_REC_SAMPLE ||
	    nsv_tp_record_parse(c->fmt, 2, raw, rawlen, &ev) < 0) {
		c->bad++;
		return 0;
	}
	ev.ns = ns;
	return nsv_tp_sort_add(c->sort, &ev);
}

/* Everything one ring holds now. */
static int drain(struct nsv_tpcap *c, struct ring *rg)
{
	struct perf_event_mmap_page *meta = rg->map;
	uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = meta->data_tail;
	const uint8_t *data =
		(const uint8_t *)rg->map + (rg->maplen - rg->size);
	struct perf_event_header h;
	int r = 0;

	while (tail < head && !r) {
		size_t o = (size_t)(tail % rg->size);

		if (head - tail < sizeof(h))
			break;
		ring_copy(rg, tail, &h, sizeof(h));
		if (h.size < sizeof(h) || h.size > head - tail) {
			/* cannot happen with a sane kernel: resync at head */
			c->bad++;
			tail = head;
			break;
		}
		if (o + h.size <= rg->size) {
			r = take_record(c, data + o, h.size);
		} else {
			if (c->tmplen < h.size) {
				uint8_t *t = realloc(c->tmp, h.size);

				if (!t)
					return -ENOMEM;
				c->tmp = t;
				c->tmplen = h.size;
			}
			ring_copy(rg, tail, c->tmp, h.size);
			r = take_record(c, c->tmp, h.size);
		}
		tail += h.size;
	}
	__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
	return r;
}

struct out {
	nsv_pkt_cb cb;
	void *user;
	unsigned long count, delivered;
};

static void deliver(struct nsv_tpcap *c, const struct nsv_tp_frame *fr,
		    struct out *o)
{
	uint8_t buf[NSV_TP_FRAME_LEN];
	int64_t wall = fr->ns + c->wall_off;
	struct nsv_pkt pkt = { 0 };
	uint32_t wirelen;

	nsv_tp_frame_build(fr, buf, &wirelen);
	pkt.sec = wall / 1000000000LL;
	pkt.nsec = (uint32_t)(wall % 1000000000LL);
	pkt.caplen = c->snaplen;
	pkt.wirelen = wirelen;
	pkt.data = buf;
	if (c->filter && !nsv_bpf_match(&c->prog, &pkt))
		return;
	c->received++;
	o->cb(&pkt, o->user);
	if (++o->delivered == o->count)
		c->stop = 1;
}

/* Events up to @upto into the pairer, frames out of it. */
static int release(struct nsv_tpcap *c, int64_t upto, struct out *o)
{
	struct nsv_tp_frame fr;
	struct nsv_tp_event ev;
	int r;

	while (nsv_tp_sort_next(c->sort, upto, &ev) == 1) {
		r = nsv_tp_pairer_push(c->pair, &ev);
		if (r < 0)
			return r;
		while (!(o->count && o->delivered == o->count) &&
		       nsv_tp_pairer_pop(c->pair, ev.ns, &fr) == 1)
			deliver(c, &fr, o);
	}
	while (!(o->count && o->delivered == o->count) &&
	       nsv_tp_pairer_pop(c->pair, upto, &fr) == 1)
		deliver(c, &fr, o);
	return 0;
}

static long tpcap_loop(void *s, unsigned long count, nsv_pkt_cb cb, void *user)
{
	struct nsv_tpcap *c = s;
	struct out o = { .cb = cb, .user = user, .count = count };
	size_t i;
	int64_t t0;
	int r = 0;

	while (!c->stop) {
		if (poll(c->pfd, c->nrings, POLL_MS) < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
		t0 = clock_ns(CLOCK_MONOTONIC);
		for (i = 0; i < c->nrings && !r; i++)
			r = drain(c, &c->rings[i]);
		if (!r)
			r = release(c, t0 - HOLD_NS, &o);
		if (r < 0)
			break;
	}
	/* stopped: what the rings hold and what waits for a partner */
	if (!r && !(o.count && o.delivered == o.count)) {
		for (i = 0; i < c->nrings && !r; i++)
			r = drain(c, &c->rings[i]);
		if (!r)
			r = release(c, INT64_MAX, &o);
	}
	c->stop = 0;
	if (r < 0) {
		snprintf(c->err, sizeof(c->err), "reading the perf rings: %s",
			 strerror(-r));
		return -EIO;
	}
	return (long)o.delivered;
}

static void tpcap_break(void *s)
{
	((struct nsv_tpcap *)s)->stop = 1;
}

static int tpcap_set_filter(void *s, const struct nsv_bpf_prog *prog)
{
	struct nsv_tpcap *c = s;
	struct nsv_bpf_insn *in = malloc(prog->len * sizeof(*in));

	if (!in)
		return -ENOMEM;
	memcpy(in, prog->insns, prog->len * sizeof(*in));
	nsv_bpf_prog_free(&c->prog);
	c->prog.insns = in;
	c->prog.len = prog->len;
	c->filter = true;
	return 0;
}

static int tpcap_stats(void *s, struct nsv_pcap_stats *st)
{
	struct nsv_tpcap *c = s;

	st->received = c->received;
	st->dropped = c->lost;
	st->if_dropped = 0;
	return 0;
}

static const char *tpcap_error(void *s)
{
	return ((struct nsv_tpcap *)s)->err;
}

static unsigned int tpcap_snaplen(void *s)
{
	return ((struct nsv_tpcap *)s)->snaplen;
}

const struct nsv_source_ops nsv_tpcap_source_ops = {
	.loop = tpcap_loop,
	.brk = tpcap_break,
	.set_filter = tpcap_set_filter,
	.stats = tpcap_stats,
	.error = tpcap_error,
	.snaplen = tpcap_snaplen,
	.close = tpcap_close,
};
