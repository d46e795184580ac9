// SPDX-License-Identifier: LGPL-2.1-or-later
/* --plot: each connection's credit flow and throughput over time, as SVG. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "flow.h"
#include "plot.h"
#include "proto.h"

/*
 * SVG is written here directly: a chart is a few paths, rectangles and
 * labels, and no plotting library in Debian does min/max decimation per
 * pixel column, which is what keeps a million frames to a small file.
 * Colours and widths are presentation attributes, not CSS, so that simple
 * SVG viewers draw what browsers do; classes name what tests count.
 */

#define MAX_BUCKETS 2048
#define BASE_WIDTH 1000 /* ns: the finest bucket */

/* One way of a connection within one time bucket. */
struct bdir {
	uint32_t first, min, max, last; /* bytes in flight (sender's view) */
	uint32_t buf_alloc; /* the receiver's, last seen */
	uint32_t updates; /* CREDIT_UPDATEs of the receiver: credit given */
	uint32_t requests; /* CREDIT_REQUESTs of the sender */
	bool known; /* in flight known in this bucket */
	uint64_t bytes; /* payload the sender sent */
};

struct bucket {
	uint64_t idx; /* start: idx * width ns after the connection's start */
	struct bdir d[2];
};

struct span {
	uint64_t start, end; /* ns after the connection's start */
};

/* What one connection did over time, in buckets of a growing width. */
struct series {
	const struct nsv_flow *fl; /* the flow table's, which outlives us */
	int64_t t0_sec;
	uint32_t t0_nsec;
	uint64_t width, last_t;
	struct bucket *b;
	size_t n, cap;
	struct span *st[2]; /* zero-credit stalls of each sender */
	size_t nst[2], capst[2];
};

/* The busiest connections so far: by payload bytes, then by id. */
struct top {
	uint64_t id, bytes;
};

struct nsv_plot {
	struct nsv_plot_opts o;
	struct series **s; /* by flow id - 1; &gone: dropped */
	size_t n;
	struct top top[NSV_PLOT_TOP];
	unsigned int ntop;
	uint64_t frames;
};

/*
 * A connection that is over and carried less than the third busiest so far
 * can never be drawn (the others only grow): its series goes, so that a
 * capture of many short connections keeps only the open ones and the
 * busiest.
 */
static struct series gone;

#define SWEEP_EVERY 65536 /* frames between looks at connections that ended */

int nsv_plot_new(struct nsv_plot **out, const struct nsv_plot_opts *o)
{
	struct nsv_plot *pl = calloc(1, sizeof(*pl));

	if (!pl)
		return -ENOMEM;
	pl->o = *o;
	*out = pl;
	return 0;
}

static void series_free(struct series *s)
{
	if (!s || s == &gone)
		return;
	free(s->b);
	free(s->st[0]);
	free(s->st[1]);
	free(s);
}

void nsv_plot_free(struct nsv_plot *pl)
{
	size_t i;

	if (!pl)
		return;
	for (i = 0; i < pl->n; i++)
		series_free(pl->s[i]);
	free(pl->s);
	free(pl);
}

size_t nsv_plot_size(const struct nsv_plot *pl)
{
	size_t i, n = sizeof(*pl) + pl->n * sizeof(*pl->s);
	const struct series *s;

	for (i = 0; i < pl->n; i++) {
		s = pl->s[i];
		if (!s || s == &gone)
			continue;
		n += sizeof(*s) + s->cap * sizeof(*s->b) +
		     (s->capst[0] + s->capst[1]) * sizeof(*s->st[0]);
	}
	return n;
}

/* ------------------------------------------------------------ recording */

static uint64_t since(const struct series *s, int64_t sec, uint32_t nsec)
{
	int64_t ns = nsv_ns_between(s->t0_sec, s->t0_nsec, sec, nsec);

	return ns > 0 ? (uint64_t)ns : 0;
}

static struct series *series_get(struct nsv_plot *pl, const struct nsv_flow *fl)
{
	size_t i = (size_t)fl->id - 1, n;
	struct series **ns, *s;

	if (i >= pl->n) {
		n = pl->n ? pl->n : 64;
		while (n <= i)
			n *= 2;
		ns = realloc(pl->s, n * sizeof(*ns));
		if (!ns)
			return NULL;
		memset(ns + pl->n, 0, (n - pl->n) * sizeof(*ns));
		pl->s = ns;
		pl->n = n;
	}
	if (pl->s[i])
		return pl->s[i];
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->fl = fl;
	s->t0_sec = fl->first_sec;
	s->t0_nsec = fl->first_nsec;
	s->width = BASE_WIDTH;
	pl->s[i] = s;
	return s;
}

static void bdir_merge(struct bdir *a, const struct bdir *b)
{
	if (b->known) {
		if (!a->known) {
			a->first = b->first;
			a->min = b->min;
			a->max = b->max;
		}
		a->min = b->min < a->min ? b->min : a->min;
		a->max = b->max > a->max ? b->max : a->max;
		a->last = b->last;
		a->buf_alloc = b->buf_alloc;
		a->known = true;
	}
	a->updates += b->updates;
	a->requests += b->requests;
	a->bytes += b->bytes;
}

/* Stalls closer than a bucket are one: as many spans as buckets at most. */
static void spans_coalesce(struct series *s, int d)
{
	struct span *st = s->st[d];
	size_t i, j = 0;

	for (i = 0; i < s->nst[d]; i++) {
		if (j && st[i].start <= st[j - 1].end + s->width) {
			if (st[i].end > st[j - 1].end)
				st[j - 1].end = st[i].end;
		} else {
			st[j++] = st[i];
		}
	}
	s->nst[d] = j;
}

/* Double the bucket width until at most half the buckets are in use. */
static void compact(struct series *s)
{
	size_t i, j;

	while (s->n > MAX_BUCKETS / 2) {
		s->width *= 2;
		for (i = 0, j = 0; i < s->n; i++) {
			uint64_t idx = s->b[i].idx / 2;

			if (j && s->b[j - 1].idx == idx) {
				bdir_merge(&s->b[j - 1].d[0], &s->b[i].d[0]);
				bdir_merge(&s->b[j - 1].d[1], &s->b[i].d[1]);
			} else {
				s->b[j] = s->b[i];
				s->b[j++].idx = idx;
			}
		}
		s->n = j;
		spans_coalesce(s, 0);
		spans_coalesce(s, 1);
	}
}

static struct bucket *bucket_at(struct series *s, uint64_t t)
{
	struct bucket *b;

	if (s->n && s->b[s->n - 1].idx == t / s->width)
		return &s->b[s->n - 1];
	if (s->n == MAX_BUCKETS) {
		compact(s);
		if (s->b[s->n - 1].idx == t / s->width)
			return &s->b[s->n - 1];
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 8;

		b = realloc(s->b, cap * sizeof(*b));
		if (!b)
			return NULL;
		s->b = b;
		s->cap = cap;
	}
	b = &s->b[s->n++];
	memset(b, 0, sizeof(*b));
	b->idx = t / s->width;
	return b;
}

static void sample(struct bdir *d, uint32_t v, uint32_t buf_alloc)
{
	if (!d->known) {
		d->known = true;
		d->first = d->min = d->max = v;
	}
	d->min = v < d->min ? v : d->min;
	d->max = v > d->max ? v : d->max;
	d->last = v;
	d->buf_alloc = buf_alloc;
}

static int span_add(struct series *s, int d, uint64_t start, uint64_t end)
{
	struct span *st;

	if (s->nst[d] && start <= s->st[d][s->nst[d] - 1].end + s->width) {
		st = &s->st[d][s->nst[d] - 1];
		if (end > st->end)
			st->end = end;
		return 0;
	}
	if (s->nst[d] == s->capst[d]) {
		size_t cap = s->capst[d] ? 2 * s->capst[d] : 4;

		st = realloc(s->st[d], cap * sizeof(*st));
		if (!st)
			return -ENOMEM;
		s->st[d] = st;
		s->capst[d] = cap;
	}
	s->st[d][s->nst[d]++] = (struct span){ start, end };
	return 0;
}

static uint64_t flow_bytes(const struct nsv_flow *fl)
{
	return fl->dir[0].bytes + fl->dir[1].bytes;
}

/* @fl's bytes grew: keep the busiest NSV_PLOT_TOP in order. */
static void top_update(struct nsv_plot *pl, const struct nsv_flow *fl)
{
	struct top t = { fl->id, flow_bytes(fl) }, x;
	unsigned int i;

	for (i = 0; i < pl->ntop && pl->top[i].id != fl->id; i++)
		;
	if (i == pl->ntop) {
		if (pl->ntop < NSV_PLOT_TOP)
			pl->ntop++;
		else if (t.bytes <= pl->top[NSV_PLOT_TOP - 1].bytes)
			return;
		i = pl->ntop - 1;
	}
	pl->top[i] = t;
	for (; i > 0 && (pl->top[i].bytes > pl->top[i - 1].bytes ||
			 (pl->top[i].bytes == pl->top[i - 1].bytes &&
			  pl->top[i].id < pl->top[i - 1].id));
	     i--) {
		x = pl->top[i - 1];
		pl->top[i - 1] = pl->top[i];
		pl->top[i] = x;
	}
}

/* Whether @fl has ended below the busiest few and cannot be drawn. */
static bool hopeless(const struct nsv_plot *pl, const struct nsv_flow *fl)
{
	if (fl->state != NSV_FLOW_CLOSED && fl->state != NSV_FLOW_REFUSED)
		return false;
	return pl->ntop == NSV_PLOT_TOP &&
	       flow_bytes(fl) < pl->top[NSV_PLOT_TOP - 1].bytes;
}

static void drop(struct nsv_plot *pl, size_t i)
{
	series_free(pl->s[i]);
	pl->s[i] = &gone;
}

/* Connections that ended before the busiest grew past them: gone. */
static void sweep(struct nsv_plot *pl)
{
	size_t i;

	for (i = 0; i < pl->n; i++)
		if (pl->s[i] && pl->s[i] != &gone && hopeless(pl, pl->s[i]->fl))
			drop(pl, i);
}

int nsv_plot_add(struct nsv_plot *pl, const struct nsv_pkt *pkt,
		 const struct nsv_frame *f, const struct nsv_flow_note *note)
{
	const struct nsv_flow *fl = note->flow;
	struct series *s;
	struct bucket *b;
	uint64_t t;
	int64_t credit;
	int d, dir = note->dir;

	if (!fl || !f->has_virtio || (pl->o.flow && fl->id != pl->o.flow))
		return 0;
	if (++pl->frames % SWEEP_EVERY == 0 && !pl->o.flow)
		sweep(pl);
	if (fl->id - 1 < pl->n && pl->s[fl->id - 1] == &gone)
		return 0;
	s = series_get(pl, fl);
	if (!s)
		return -ENOMEM;
	/* time only moves forward: a frame out of order joins the last */
	t = since(s, pkt->sec, pkt->nsec);
	if (t < s->last_t)
		t = s->last_t;
	s->last_t = t;
	b = bucket_at(s, t);
	if (!b)
		return -ENOMEM;
	/* the flow tracker's credit: in flight is buf_alloc minus credit */
	for (d = 0; d < 2; d++)
		if (nsv_flow_credit(fl, d, &credit))
			sample(&b->d[d],
			       (uint32_t)((int64_t)fl->dir[!d].buf_alloc -
					  credit),
			       fl->dir[!d].buf_alloc);
	b->d[dir].bytes += note->bytes;
	if (f->virtio.op == NSV_VIRTIO_OP_CREDIT_UPDATE)
		b->d[!dir].updates++;
	else if (f->virtio.op == NSV_VIRTIO_OP_CREDIT_REQUEST)
		b->d[dir].requests++;
	if (note->bytes)
		top_update(pl, fl);
	if (note->stall) {
		uint64_t start = since(s, note->stall_sec, note->stall_nsec);

		if (span_add(s, dir, start, start + note->stall_ns) < 0)
			return -ENOMEM;
	}
	if (!pl->o.flow && hopeless(pl, fl))
		drop(pl, (size_t)fl->id - 1);
	return 0;
}

/* --------------------------------------------------------------- layout */

#define WIDTH 960
#define LEFT 76 /* room for the y labels */
#define PW (WIDTH - LEFT - 24) /* pixel columns of a plot */
#define HEAD 74 /* title, subtitle, legend */
#define CREDIT_H 150
#define TPUT_H 110
#define PANEL_GAP 46 /* panel title above, time labels below */
#define FOOT 34
#define TPUT_BINS (PW / 8)

#define C_INFLIGHT "#1f77b4"
#define C_BUFALLOC "#ff7f0e"
#define C_STALL "#d62728"
#define C_UPDATE "#2ca02c"
#define C_REQUEST "#9467bd"

static const char *const dir_color[2] = { "#1f77b4", "#17becf" };

struct chart {
	const struct nsv_flow *fl;
	const struct series *s; /* NULL: no virtio frames */
	uint64_t span; /* ns from the first frame to the last, > 0 */
	bool show[2]; /* a panel for this way */
	int y; /* top */
	int height;
};

struct panel {
	int x, y, w, h;
	double ymax;
};

static int px(const struct chart *c, uint64_t t)
{
	double x = (double)t * PW / (double)c->span;

	return x >= PW ? PW : (int)x;
}

static double py(const struct panel *p, double v)
{
	if (v > p->ymax)
		v = p->ymax;
	return p->y + p->h - v / p->ymax * p->h;
}

/* 1, 2 or 5 times a power of ten, about @range / @target. */
static double nice_step(double range, int target)
{
	double raw = range / target, mag, r;

	if (!(raw > 0))
		return 1;
	mag = pow(10, floor(log10(raw)));
	r = raw / mag;
	return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
}

static int decimals(double step)
{
	int n = (int)-floor(log10(step) + 1e-9);

	return n > 0 ? n : 0;
}

static const char *const byte_units[] = { "B", "KiB", "MiB", "GiB" };

/* The binary unit that keeps @v at 1 or more (B for less than 1 KiB). */
static int byte_unit(double v)
{
	int u = 0;

	while (u < 3 && v >= 1024.0 * pow(1024, u))
		u++;
	return u;
}

static void esc(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", out);
		else if (*s == '>')
			fputs("&gt;", out);
		else if (*s == '&')
			fputs("&amp;", out);
		else if (*s == '"')
			fputs("&quot;", out);
		else
			fputc(*s, out);
	}
}

static void fmt_addr(char *b, size_t len, uint64_t cid, uint32_t port,
		     const struct nsv_plot_opts *o)
{
	if (cid > UINT32_MAX)
		snprintf(b, len, "%" PRIu64 ":%u", cid, port);
	else if (nsv_names_addr_format(o->names, (uint32_t)cid, port, o->fmt, b,
				       len) < 0)
		snprintf(b, len, "?");
}

/* ----------------------------------------------------------------- axes */

struct tunit {
	double ns;
	const char *name;
};

static struct tunit time_unit(uint64_t span)
{
	if (span >= 1000000000ULL)
		return (struct tunit){ 1e9, "s" };
	if (span >= 1000000)
		return (struct tunit){ 1e6, "ms" };
	if (span >= 1000)
		return (struct tunit){ 1e3, "\xc2\xb5s" };
	return (struct tunit){ 1, "ns" };
}

/* Vertical grid lines and their labels under a panel. */
static void time_axis(FILE *out, const struct chart *c, const struct panel *p)
{
	struct tunit u = time_unit(c->span);
	double range = (double)c->span / u.ns, step = nice_step(range, 8);
	int dec = decimals(step), x;
	double v;

	fprintf(out, "<g stroke=\"#e4e4e4\">");
	for (v = step; v < range + step * 1e-9; v += step) {
		x = p->x + px(c, (uint64_t)(v * u.ns));
		fprintf(out, "<path d=\"M%d,%dv%d\"/>", x, p->y, p->h);
	}
	fprintf(out, "</g>\n<g text-anchor=\"middle\" fill=\"#444\">");
	for (v = 0; v < range + step * 1e-9; v += step) {
		x = p->x + px(c, (uint64_t)(v * u.ns));
		fprintf(out, "<text x=\"%d\" y=\"%d\">%.*f</text>", x,
			p->y + p->h + 15, dec, v);
	}
	fprintf(out, "</g>\n");
}

/* Horizontal grid lines and labels in a binary unit (per second: @rate). */
static void value_axis(FILE *out, struct panel *p, double max, bool rate)
{
	double unit, step, v, y;
	int u, dec;

	if (!(max > 0))
		max = rate ? 1024 : 4096;
	u = byte_unit(max);
	unit = pow(1024, u);
	step = nice_step(max / unit, 5);
	dec = decimals(step);
	p->ymax = ceil(max / unit / step - 1e-9) * step * unit;
	fprintf(out, "<g stroke=\"#e4e4e4\">");
	for (v = step; v * unit <= p->ymax * (1 + 1e-9); v += step)
		fprintf(out, "<path d=\"M%d,%.1fh%d\"/>", p->x, py(p, v * unit),
			p->w);
	fprintf(out, "</g>\n<g text-anchor=\"end\" fill=\"#444\">");
	for (v = 0; v * unit <= p->ymax * (1 + 1e-9); v += step) {
		y = py(p, v * unit);
		fprintf(out, "<text x=\"%d\" y=\"%.1f\">%.*f %s%s</text>",
			p->x - 6, y + 4, dec, v, byte_units[u],
			rate ? "/s" : "");
	}
	fprintf(out, "</g>\n");
}

static void frame_box(FILE *out, const struct panel *p)
{
	fprintf(out,
		"<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
		"fill=\"none\" stroke=\"#888\"/>\n",
		p->x, p->y, p->w, p->h);
}

/* ------------------------------------------------------- credit panels */

/*
 * One pixel column of a step line: its first, lowest, highest and last
 * value. A column is drawn as a vertical stroke through them, and the last
 * value holds to the next column: exact for a few frames, the min/max
 * envelope for a million.
 */
struct column {
	bool has;
	int x;
	uint32_t first, min, max, last;
};

struct pathw {
	FILE *out;
	const struct panel *p;
	bool started;
	double y; /* where the pen is */
};

static void pen_v(struct pathw *w, uint32_t v)
{
	double y = py(w->p, v);

	if (fabs(y - w->y) >= 0.05)
		fprintf(w->out, "V%.1f", y);
	w->y = y;
}

static void column_out(struct pathw *w, const struct column *c)
{
	if (!w->started) {
		w->y = py(w->p, c->first);
		fprintf(w->out, "M%d,%.1f", c->x, w->y);
		w->started = true;
	} else {
		fprintf(w->out, "H%d", c->x);
		pen_v(w, c->first);
	}
	pen_v(w, c->min);
	pen_v(w, c->max);
	pen_v(w, c->last);
}

static void column_add(struct column *c, uint32_t first, uint32_t min,
		       uint32_t max, uint32_t last)
{
	if (!c->has) {
		c->has = true;
		c->first = first;
		c->min = min;
		c->max = max;
	}
	c->min = min < c->min ? min : c->min;
	c->max = max > c->max ? max : c->max;
	c->last = last;
}

/* Bytes in flight of sender @d as one path, filled down to zero. */
static void inflight_path(FILE *out, const struct chart *c,
			  const struct panel *p, int d)
{
	struct pathw w = { out, p, false, 0 };
	struct column col = { 0 };
	size_t i;

	fprintf(out, "<path class=\"inflight\" fill=\"" C_INFLIGHT "\" "
		     "fill-opacity=\"0.15\" stroke=\"" C_INFLIGHT "\" "
		     "stroke-width=\"1.2\" stroke-linejoin=\"round\" d=\"");
	for (i = 0; i < c->s->n; i++) {
		const struct bucket *b = &c->s->b[i];
		const struct bdir *bd = &b->d[d];
		int x = p->x + px(c, b->idx * c->s->width);

		if (!bd->known)
			continue;
		if (col.has && x != col.x) {
			column_out(&w, &col);
			col.has = false;
		}
		col.x = x;
		column_add(&col, bd->first, bd->min, bd->max, bd->last);
	}
	if (col.has)
		column_out(&w, &col);
	if (w.started)
		fprintf(out, "H%dV%dH%dZ", p->x + p->w, p->y + p->h,
			p->x + px(c, c->s->b[0].idx * c->s->width));
	fprintf(out, "\"/>\n");
}

/* The receiver's buf_alloc as seen by sender @d: a dashed step line. */
static void bufalloc_path(FILE *out, const struct chart *c,
			  const struct panel *p, int d)
{
	bool started = false;
	uint32_t cur = 0;
	size_t i;

	fprintf(out,
		"<path class=\"buf-alloc\" fill=\"none\" stroke=\"" C_BUFALLOC
		"\" stroke-width=\"1.5\" stroke-dasharray=\"6 3\" d=\"");
	for (i = 0; i < c->s->n; i++) {
		const struct bdir *bd = &c->s->b[i].d[d];
		int x = p->x + px(c, c->s->b[i].idx * c->s->width);

		if (!bd->known || (started && bd->buf_alloc == cur))
			continue;
		if (!started)
			fprintf(out, "M%d,%.1f", x, py(p, bd->buf_alloc));
		else
			fprintf(out, "H%dV%.1f", x, py(p, bd->buf_alloc));
		started = true;
		cur = bd->buf_alloc;
	}
	if (started)
		fprintf(out, "H%d", p->x + p->w);
	fprintf(out, "\"/>\n");
}

/* Whether sender @d sat at zero credit when the capture ended (as --flows). */
static bool stall_open(const struct nsv_flow *fl, int d)
{
	const struct nsv_flow_dir *dd = &fl->dir[d];

	return dd->blocked && dd->bytes && fl->state != NSV_FLOW_CLOSED &&
	       fl->state != NSV_FLOW_REFUSED;
}

static void stall_rect(FILE *out, const struct panel *p, int x0, int x1)
{
	fprintf(out,
		"<rect class=\"stall\" x=\"%d\" y=\"%d\" width=\"%d\" "
		"height=\"%d\"/>",
		p->x + x0, p->y, x1 - x0, p->h);
}

/* Zero-credit stalls of sender @d, one rectangle per run of pixels. */
static void stall_rects(FILE *out, const struct chart *c, const struct panel *p,
			int d)
{
	const struct series *s = c->s;
	int x0 = 0, x1 = 0, a, b;
	size_t i;

	fprintf(out, "<g fill=\"" C_STALL "\" fill-opacity=\"0.2\">");
	for (i = 0; i < s->nst[d]; i++) {
		a = px(c, s->st[d][i].start);
		b = px(c, s->st[d][i].end);
		if (b <= a)
			b = a + 1;
		/* overlapping in pixels: one; touching: two, a pixel apart
		 * so that each shows */
		if (i && a < x1) {
			x1 = b > x1 ? b : x1;
			continue;
		}
		if (i)
			stall_rect(out, p, x0,
				   a == x1 && x1 - x0 > 1 ? x1 - 1 : x1);
		x0 = a;
		x1 = b;
	}
	if (s->nst[d])
		stall_rect(out, p, x0, x1);
	if (stall_open(c->fl, d)) {
		a = px(c, since(s, c->fl->dir[d].blocked_sec,
				c->fl->dir[d].blocked_nsec));
		fprintf(out,
			"<rect class=\"stall-open\" x=\"%d\" y=\"%d\" "
			"width=\"%d\" height=\"%d\" fill-opacity=\"0.1\" "
			"stroke=\"" C_STALL "\" stroke-dasharray=\"3 3\"/>",
			p->x + a, p->y, a < PW ? PW - a : 1, p->h);
	}
	fprintf(out, "</g>\n");
}

/*
 * CREDIT_UPDATEs that gave sender @d credit (triangles down at the top)
 * and its CREDIT_REQUESTs (triangles up at the bottom): one mark per pixel
 * column, one path per kind.
 */
static void credit_marks(FILE *out, const struct chart *c,
			 const struct panel *p, int d, bool requests)
{
	int last = -1, x;
	size_t i;

	fprintf(out, "<path class=\"%s\" fill=\"%s\" d=\"",
		requests ? "credit-request" : "credit-update",
		requests ? C_REQUEST : C_UPDATE);
	for (i = 0; i < c->s->n; i++) {
		const struct bdir *bd = &c->s->b[i].d[d];

		if (!(requests ? bd->requests : bd->updates))
			continue;
		x = p->x + px(c, c->s->b[i].idx * c->s->width);
		if (x == last)
			continue;
		last = x;
		if (requests)
			fprintf(out, "M%d,%dl4,0l-4,-7l-4,7z", x, p->y + p->h);
		else
			fprintf(out, "M%d,%dl4,0l-4,7l-4,-7z", x, p->y);
	}
	fprintf(out, "\"/>\n");
}

static double credit_max(const struct chart *c, int d)
{
	double m = 0;
	size_t i;

	for (i = 0; i < c->s->n; i++) {
		const struct bdir *bd = &c->s->b[i].d[d];

		if (!bd->known)
			continue;
		if (bd->max > m)
			m = bd->max;
		if (bd->buf_alloc > m)
			m = bd->buf_alloc;
	}
	return m;
}

static void credit_panel(FILE *out, const struct chart *c, int y, int d,
			 const char *from, const char *to)
{
	const struct nsv_flow_dir *me = &c->fl->dir[d], *peer = &c->fl->dir[!d];
	struct panel p = { LEFT, y + 18, PW, CREDIT_H, 1 };

	fprintf(out, "<text x=\"%d\" y=\"%d\"><tspan font-weight=\"bold\">",
		LEFT, y + 12);
	esc(out, from);
	fputs(" \xe2\x86\x92 ", out);
	esc(out, to);
	fprintf(out,
		"</tspan><tspan fill=\"#444\">: in flight and the "
		"receiver's buf_alloc; %" PRIu64 " stall%s (%.3f s), "
		"%" PRIu64 " CREDIT_UPDATE, %" PRIu64
		" CREDIT_REQUEST</tspan></text>\n",
		me->zero_credit, me->zero_credit == 1 ? "" : "s",
		(double)me->zero_credit_ns / 1e9, peer->credit_updates,
		me->credit_requests);
	/* headroom: buf_alloc is a line of its own, not the frame's edge */
	value_axis(out, &p, c->s ? credit_max(c, d) * 1.1 : 0, false);
	time_axis(out, c, &p);
	if (c->s) {
		stall_rects(out, c, &p, d);
		inflight_path(out, c, &p, d);
		bufalloc_path(out, c, &p, d);
		credit_marks(out, c, &p, d, false);
		credit_marks(out, c, &p, d, true);
	}
	frame_box(out, &p);
}

/* ------------------------------------------------------------ throughput */

static void tput_panel(FILE *out, const struct chart *c, int y)
{
	struct panel p = { LEFT, y + 18, PW, TPUT_H, 1 };
	double bin = (double)c->span / TPUT_BINS, max = 0, *bytes;
	struct tunit u = time_unit(c->span);
	size_t i, k;
	int d;

	bytes = calloc(2 * TPUT_BINS, sizeof(*bytes));
	if (!bytes)
		return;
	for (i = 0; c->s && i < c->s->n; i++) {
		k = (size_t)((double)(c->s->b[i].idx * c->s->width) / bin);
		if (k >= TPUT_BINS)
			k = TPUT_BINS - 1;
		bytes[k] += (double)c->s->b[i].d[0].bytes;
		bytes[TPUT_BINS + k] += (double)c->s->b[i].d[1].bytes;
	}
	for (k = 0; k < 2 * TPUT_BINS; k++) {
		bytes[k] /= bin / 1e9; /* now bytes per second */
		if (bytes[k] > max)
			max = bytes[k];
	}
	fprintf(out,
		"<text x=\"%d\" y=\"%d\" font-weight=\"bold\">throughput"
		"</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\" "
		"fill=\"#444\">payload per %.3g %s</text>\n",
		LEFT, y + 12, LEFT + PW, y + 12, bin / u.ns, u.name);
	value_axis(out, &p, max, true);
	time_axis(out, c, &p);
	for (d = 0; d < 2; d++) {
		if (!c->fl->dir[d].bytes)
			continue;
		fprintf(out,
			"<path class=\"throughput\" fill=\"%s\" "
			"fill-opacity=\"0.15\" stroke=\"%s\" "
			"stroke-width=\"1.2\" d=\"M%d,%d",
			dir_color[d], dir_color[d], p.x, p.y + p.h);
		for (k = 0; k < TPUT_BINS; k++)
			fprintf(out, "V%.1fH%d",
				py(&p, bytes[d * TPUT_BINS + k]),
				p.x + (int)((k + 1) * PW / TPUT_BINS));
		fprintf(out, "V%dZ\"/>\n", p.y + p.h);
	}
	frame_box(out, &p);
	fprintf(out,
		"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
		"fill=\"#444\">time since the connection's first frame "
		"(%s)</text>\n",
		LEFT + PW / 2, p.y + p.h + 32, u.name);
	free(bytes);
}

/* -------------------------------------------------------------- charts */

static void legend(FILE *out, int y, bool two_ways)
{
	int x = LEFT;

	fprintf(out, "<g fill=\"#222\">");
	fprintf(out,
		"<rect x=\"%d\" y=\"%d\" width=\"18\" height=\"10\" fill=\"" C_INFLIGHT
		"\" fill-opacity=\"0.15\" stroke=\"" C_INFLIGHT
		"\"/><text x=\"%d\" y=\"%d\">bytes in flight</text>",
		x, y - 9, x + 24, y);
	x += 130;
	fprintf(out,
		"<path d=\"M%d,%dh18\" stroke=\"" C_BUFALLOC
		"\" stroke-width=\"1.5\" stroke-dasharray=\"6 3\"/>"
		"<text x=\"%d\" y=\"%d\">receiver's buf_alloc</text>",
		x, y - 4, x + 24, y);
	x += 160;
	fprintf(out,
		"<rect x=\"%d\" y=\"%d\" width=\"18\" height=\"10\" fill=\"" C_STALL
		"\" fill-opacity=\"0.2\"/><text x=\"%d\" y=\"%d\">stalled at "
		"zero credit</text>",
		x, y - 9, x + 24, y);
	x += 160;
	fprintf(out,
		"<path d=\"M%d,%dl4,0l-4,7l-4,-7z\" fill=\"" C_UPDATE
		"\"/><text x=\"%d\" y=\"%d\">CREDIT_UPDATE</text>",
		x + 5, y - 9, x + 14, y);
	x += 120;
	fprintf(out,
		"<path d=\"M%d,%dl4,0l-4,-7l-4,7z\" fill=\"" C_REQUEST
		"\"/><text x=\"%d\" y=\"%d\">CREDIT_REQUEST</text>",
		x + 5, y, x + 14, y);
	fprintf(out, "</g>\n");
	if (two_ways)
		fprintf(out,
			"<text x=\"%d\" y=\"%d\" text-anchor=\"end\" "
			"fill=\"#444\">throughput: <tspan fill=\"%s\">"
			"\xe2\x86\x92</tspan> <tspan fill=\"%s\">"
			"\xe2\x86\x90</tspan></text>\n",
			LEFT + PW, y, dir_color[0], dir_color[1]);
}

static void chart_layout(struct chart *c, int y)
{
	const struct nsv_flow *fl = c->fl;
	int d, panels = 0;

	c->span = (uint64_t)nsv_ns_between(fl->first_sec, fl->first_nsec,
					   fl->last_sec, fl->last_nsec);
	if (c->span < 1000)
		c->span = 1000;
	/* a way that carried no data has nothing to show */
	for (d = 0; d < 2; d++) {
		c->show[d] = fl->dir[d].bytes || fl->dir[d].zero_credit;
		panels += c->show[d];
	}
	if (!panels) {
		c->show[0] = true;
		panels = 1;
	}
	c->y = y;
	c->height = HEAD + panels * (CREDIT_H + PANEL_GAP) + TPUT_H +
		    PANEL_GAP + FOOT;
}

static void chart_write(FILE *out, const struct chart *c,
			const struct nsv_plot_opts *o)
{
	const struct nsv_flow *fl = c->fl;
	const char *type = nsv_virtio_type_name(fl->type);
	char a[NSV_NAMES_ADDR_STRLEN], b[NSV_NAMES_ADDR_STRLEN];
	int y = c->y + HEAD, d;

	fmt_addr(a, sizeof(a), fl->cid[0], fl->port[0], o);
	fmt_addr(b, sizeof(b), fl->cid[1], fl->port[1], o);
	fprintf(out, "<g class=\"flow\" id=\"flow%" PRIu64 "\">\n", fl->id);
	fprintf(out,
		"<text class=\"title\" x=\"%d\" y=\"%d\" font-size=\"16\" "
		"font-weight=\"bold\">flow %" PRIu64 " %s ",
		LEFT, c->y + 24, fl->id, type ? type : "");
	esc(out, a);
	fputs(" \xe2\x86\x92 ", out);
	esc(out, b);
	fprintf(out,
		"</text>\n<text x=\"%d\" y=\"%d\" fill=\"#444\">%s, "
		"%.6f s, %" PRIu64 " bytes \xe2\x86\x92, %" PRIu64
		" bytes \xe2\x86\x90%s</text>\n",
		LEFT, c->y + 44, nsv_flow_state_name(fl->state),
		(double)c->span / 1e9, fl->dir[0].bytes, fl->dir[1].bytes,
		fl->handshake ? "" :
				"; credit estimated (capture began "
				"mid-connection)");
	legend(out, c->y + 66, fl->dir[0].bytes && fl->dir[1].bytes);
	for (d = 0; d < 2; d++) {
		if (!c->show[d])
			continue;
		credit_panel(out, c, y, d, d ? b : a, d ? a : b);
		y += CREDIT_H + PANEL_GAP;
	}
	tput_panel(out, c, y);
	fprintf(out, "</g>\n");
}

/* The busiest first; among equals, the first seen. */
static int by_bytes(const void *x, const void *y)
{
	const struct nsv_flow *a = *(const struct nsv_flow *const *)x;
	const struct nsv_flow *b = *(const struct nsv_flow *const *)y;
	uint64_t na = a->dir[0].bytes + a->dir[1].bytes;
	uint64_t nb = b->dir[0].bytes + b->dir[1].bytes;

	if (na != nb)
		return na > nb ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

static const struct series *series_of(const struct nsv_plot *pl,
				      const struct nsv_flow *fl)
{
	const struct series *s = fl->id - 1 < pl->n ? pl->s[fl->id - 1] : NULL;

	return s == &gone ? NULL : s;
}

int nsv_plot_write(const struct nsv_plot *pl, FILE *out,
		   const struct nsv_flows *t)
{
	size_t n = nsv_flows_count(t), i, k = 0;
	const struct nsv_flow **all;
	struct chart ch[NSV_PLOT_TOP];
	int height = 0;

	all = calloc(n ? n : 1, sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct nsv_flow *fl = nsv_flows_get(t, i);

		if (pl->o.flow ? fl->id == pl->o.flow : !!series_of(pl, fl))
			all[k++] = fl;
	}
	if (pl->o.flow && !k) {
		free(all);
		return -ENOENT;
	}
	qsort(all, k, sizeof(*all), by_bytes);
	if (k > NSV_PLOT_TOP)
		k = NSV_PLOT_TOP;
	for (i = 0; i < k; i++) {
		ch[i].fl = all[i];
		ch[i].s = series_of(pl, all[i]);
		chart_layout(&ch[i], height);
		height += ch[i].height;
	}
	free(all);
	if (!k)
		height = 80;

	fprintf(out,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" "
		"font-family=\"sans-serif\" font-size=\"12\">\n"
		"<title>vsockdump: credit flow and throughput of %zu "
		"connection%s</title>\n"
		"<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n",
		WIDTH, height, WIDTH, height, k, k == 1 ? "" : "s", WIDTH,
		height);
	if (!k)
		fprintf(out,
			"<text x=\"%d\" y=\"44\" font-size=\"16\">no vsock "
			"connection in this capture</text>\n",
			LEFT);
	for (i = 0; i < k; i++)
		chart_write(out, &ch[i], &pl->o);
	fprintf(out, "</svg>\n");
	return ferror(out) ? -EIO : 0;
}
