// SPDX-License-Identifier: LGPL-2.1-or-later
/* vsockdump's filters: its words of the shared language, the cBPF compiler, the evaluator. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "addr.h"
#include "filter.h"
#include "proto.h"

/*
 * Frame offsets the filter reads. All fields are little-endian while cBPF
 * loads are big-endian: equality tests compare against byte-swapped
 * constants, ordered comparisons rebuild the value from byte loads.
 */
#define OFF_SRC_CID ((unsigned int)NSV_MON_OFF(src_cid))
#define OFF_DST_CID ((unsigned int)NSV_MON_OFF(dst_cid))
#define OFF_SRC_PORT ((unsigned int)NSV_MON_OFF(src_port))
#define OFF_DST_PORT ((unsigned int)NSV_MON_OFF(dst_port))
#define OFF_TRANSPORT ((unsigned int)NSV_MON_OFF(transport))
#define OFF_THDR_LEN ((unsigned int)NSV_MON_OFF(len))
#define OFF_V_LEN ((unsigned int)NSV_FRAME_VIRTIO_OFF(len))
#define OFF_V_TYPE ((unsigned int)NSV_FRAME_VIRTIO_OFF(type))
#define OFF_V_OP ((unsigned int)NSV_FRAME_VIRTIO_OFF(op))
#define OFF_V_FLAGS ((unsigned int)NSV_FRAME_VIRTIO_OFF(flags))
#define VIRTIO_END ((unsigned int)(NSV_MON_HDR_LEN + NSV_VIRTIO_HDR_LEN))

#define MAX_INSNS 4096 /* BPF_MAXINSNS */

/* ------------------------------------------------------------- the words */

static int type_lookup(const char *w, uint32_t *v, void *data)
{
	int r = nsv_virtio_type_lookup(w);

	(void)data;
	if (r < 0)
		return -ENOENT;
	*v = (uint32_t)r;
	return 0;
}

int nsv_filter_parse(const char *expr, nsv_cid_lookup_fn cid, void *data,
		     struct nsv_fexpr **out, struct nsv_fexpr_error *err)
{
	const struct nsv_fexpr_lang lang = {
		.words = NSV_FEXPR_W_CID | NSV_FEXPR_W_PORT | NSV_FEXPR_W_TYPE |
			 NSV_FEXPR_W_OP | NSV_FEXPR_W_FLAGS | NSV_FEXPR_W_LEN,
		.expected = "expected cid, port, src, dst, op, type, flags, "
			    "len, not or '('",
		.type = type_lookup,
		.type_names = "stream, seqpacket",
		.cid = cid,
		.cid_data = data,
	};

	return nsv_fexpr_parse(expr, &lang, out, err);
}

/* --------------------------------------------------------------- evaluator */

/*
 * The reference semantics, step for step what the compiled program does:
 * guards that fail make a primitive false, a load past the captured bytes
 * aborts the whole program (cBPF returns 0).
 */
struct ev {
	const uint8_t *b;
	size_t cap, wire;
	bool abort;
};

static bool have(struct ev *e, size_t off, size_t n)
{
	if (off + n > e->cap) {
		e->abort = true;
		return false;
	}
	return true;
}

static bool virtio_guard(struct ev *e)
{
	if (e->wire < VIRTIO_END)
		return false;
	if (!have(e, OFF_TRANSPORT, 2) ||
	    nsv_le16(e->b + OFF_TRANSPORT) != NSV_TRANSPORT_VIRTIO)
		return false;
	if (!have(e, OFF_THDR_LEN, 2))
		return false;
	return nsv_le16(e->b + OFF_THDR_LEN) >= NSV_VIRTIO_HDR_LEN;
}

static bool ev_prim(struct ev *e, const struct nsv_fexpr_node *n)
{
	size_t off;
	uint32_t v;

	switch (n->field) {
	case NSV_FEXPR_CID:
		off = n->dst ? OFF_DST_CID : OFF_SRC_CID;
		if (!have(e, off, 4) || nsv_le32(e->b + off) != n->val)
			return false;
		return have(e, off + 4, 4) && nsv_le32(e->b + off + 4) == 0;
	case NSV_FEXPR_PORT:
		off = n->dst ? OFF_DST_PORT : OFF_SRC_PORT;
		return have(e, off, 4) && nsv_le32(e->b + off) == n->val;
	default:
		break;
	}
	if (!virtio_guard(e))
		return false;
	switch (n->field) {
	case NSV_FEXPR_OP:
		return have(e, OFF_V_OP, 2) &&
		       nsv_le16(e->b + OFF_V_OP) == n->val;
	case NSV_FEXPR_TYPE:
		return have(e, OFF_V_TYPE, 2) &&
		       nsv_le16(e->b + OFF_V_TYPE) == n->val;
	case NSV_FEXPR_FLAGS:
		return have(e, OFF_V_FLAGS, 4) &&
		       (nsv_le32(e->b + OFF_V_FLAGS) & n->val);
	case NSV_FEXPR_LEN:
		if (!have(e, OFF_V_LEN, 4))
			return false;
		v = nsv_le32(e->b + OFF_V_LEN);
		switch (n->cmp) {
		case NSV_FEXPR_EQ:
			return v == n->val;
		case NSV_FEXPR_NE:
			return v != n->val;
		case NSV_FEXPR_GT:
			return v > n->val;
		case NSV_FEXPR_GE:
			return v >= n->val;
		case NSV_FEXPR_LT:
			return v < n->val;
		case NSV_FEXPR_LE:
			return v <= n->val;
		}
		return false;
	default:
		return false;
	}
}

static bool ev_node(struct ev *e, const struct nsv_fexpr_node *n)
{
	bool r;

	if (e->abort)
		return false;
	switch (n->kind) {
	case NSV_FEXPR_AND:
		return ev_node(e, n->a) && ev_node(e, n->b);
	case NSV_FEXPR_OR:
		r = ev_node(e, n->a);
		if (e->abort)
			return false;
		return r || ev_node(e, n->b);
	case NSV_FEXPR_NOT:
		return !ev_node(e, n->a);
	case NSV_FEXPR_PRIM:
		return ev_prim(e, n);
	}
	return false;
}

bool nsv_filter_match(const struct nsv_fexpr *f, const uint8_t *buf,
		      size_t caplen, size_t wirelen)
{
	struct ev e = { .b = buf, .cap = caplen, .wire = wirelen };
	bool r;

	if (!f || !nsv_fexpr_root(f))
		return true;
	if (wirelen < NSV_MON_HDR_LEN)
		return false;
	r = ev_node(&e, nsv_fexpr_root(f));
	return r && !e.abort;
}

/* ---------------------------------------------------------------- compiler */

/*
 * Code is generated backwards, from the final return instructions up, so
 * that every jump target already has a position: positions count from the
 * end of the program. A conditional jump reaches at most 255 instructions
 * ahead; farther targets get an unconditional "ja" (32-bit offset) placed
 * right after the jump.
 */
#define TRAMPOLINES 8

struct gen {
	struct nsv_bpf_insn *ins;
	int *jt, *jf; /* target positions, -1 if none */
	int n, cap;
	int err;
	/* recent "ja" trampolines, reused while still in reach */
	struct {
		int target, pos;
	} tramp[TRAMPOLINES];
	int ntramp;
};

static int g_push(struct gen *g, uint16_t code, uint32_t k, int t, int f)
{
	if (g->err)
		return 0;
	if (g->n >= MAX_INSNS) {
		g->err = -E2BIG;
		return 0;
	}
	if (g->n == g->cap) {
		int cap = g->cap ? 2 * g->cap : 64;
		struct nsv_bpf_insn *ni = realloc(g->ins, cap * sizeof(*ni));
		int *nt, *nf;

		if (ni)
			g->ins = ni;
		nt = realloc(g->jt, cap * sizeof(*nt));
		if (nt)
			g->jt = nt;
		nf = realloc(g->jf, cap * sizeof(*nf));
		if (nf)
			g->jf = nf;
		if (!ni || !nt || !nf) {
			g->err = -ENOMEM;
			return 0;
		}
		g->cap = cap;
	}
	g->ins[g->n] = (struct nsv_bpf_insn){ .code = code, .k = k };
	g->jt[g->n] = t;
	g->jf[g->n] = f;
	return g->n++;
}

static int g_stmt(struct gen *g, uint16_t code, uint32_t k)
{
	return g_push(g, code, k, -1, -1);
}

static bool far(const struct gen *g, int target)
{
	return g->n - target - 1 > 255;
}

/* A position that jumps on to @target and is in reach from here. */
static int g_reach(struct gen *g, int target)
{
	int i, pos;

	if (!far(g, target))
		return target;
	for (i = 0; i < g->ntramp; i++)
		if (g->tramp[i].target == target && !far(g, g->tramp[i].pos))
			return g->tramp[i].pos;
	pos = g_push(g, BPF_JMP | BPF_JA, 0, target, -1);
	i = g->ntramp < TRAMPOLINES ? g->ntramp++ : pos % TRAMPOLINES;
	g->tramp[i].target = target;
	g->tramp[i].pos = pos;
	return pos;
}

static int g_cond(struct gen *g, uint16_t code, uint32_t k, int t, int f)
{
	/* a trampoline for one target may put the other out of reach */
	while (!g->err && (far(g, t) || far(g, f))) {
		t = g_reach(g, t);
		f = g_reach(g, f);
	}
	return g_push(g, BPF_JMP | code | BPF_K, k, t, f);
}

static uint16_t bswap16(uint32_t v)
{
	return (uint16_t)((v & 0xff) << 8 | (v >> 8 & 0xff));
}

static uint32_t bswap32(uint32_t v)
{
	return v >> 24 | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | v << 24;
}

/*
 * A little-endian value of @n bytes at @off into A, built from byte loads
 * (emitted backwards: the last instruction first). Returns the entry.
 */
static int g_load_le(struct gen *g, uint32_t off, int n)
{
	int i, e = 0;

	/* forward: ldb [off+n-1]; then per byte: lsh #8; tax; ldb; or x */
	for (i = 0; i < n - 1; i++) {
		g_stmt(g, BPF_ALU | BPF_OR | BPF_X, 0);
		g_stmt(g, BPF_LD | BPF_B | BPF_ABS, off + i);
		g_stmt(g, BPF_MISC | BPF_TAX, 0);
		g_stmt(g, BPF_ALU | BPF_LSH | BPF_K, 8);
	}
	e = g_stmt(g, BPF_LD | BPF_B | BPF_ABS, off + n - 1);
	return e;
}

/* Falls through to @entry only for a whole virtio header; else to @f. */
static int g_virtio_guard(struct gen *g, int entry, int f)
{
	int e;

	e = g_cond(g, BPF_JGE, NSV_VIRTIO_HDR_LEN, entry, f);
	g_load_le(g, OFF_THDR_LEN, 2);
	e = g->n - 1;
	e = g_cond(g, BPF_JEQ, bswap16(NSV_TRANSPORT_VIRTIO), e, f);
	e = g_stmt(g, BPF_LD | BPF_H | BPF_ABS, OFF_TRANSPORT);
	e = g_cond(g, BPF_JGE, VIRTIO_END, e, f);
	e = g_stmt(g, BPF_LD | BPF_W | BPF_LEN, 0);
	return e;
}

static int g_prim(struct gen *g, const struct nsv_fexpr_node *n, int t, int f)
{
	uint32_t off;
	int e = 0;

	switch (n->field) {
	case NSV_FEXPR_CID:
		off = n->dst ? OFF_DST_CID : OFF_SRC_CID;
		e = g_cond(g, BPF_JEQ, 0, t, f);
		e = g_stmt(g, BPF_LD | BPF_W | BPF_ABS, off + 4);
		e = g_cond(g, BPF_JEQ, bswap32(n->val), e, f);
		return g_stmt(g, BPF_LD | BPF_W | BPF_ABS, off);
	case NSV_FEXPR_PORT:
		off = n->dst ? OFF_DST_PORT : OFF_SRC_PORT;
		g_cond(g, BPF_JEQ, bswap32(n->val), t, f);
		return g_stmt(g, BPF_LD | BPF_W | BPF_ABS, off);
	case NSV_FEXPR_OP:
		g_cond(g, BPF_JEQ, bswap16(n->val), t, f);
		e = g_stmt(g, BPF_LD | BPF_H | BPF_ABS, OFF_V_OP);
		break;
	case NSV_FEXPR_TYPE:
		g_cond(g, BPF_JEQ, bswap16(n->val), t, f);
		e = g_stmt(g, BPF_LD | BPF_H | BPF_ABS, OFF_V_TYPE);
		break;
	case NSV_FEXPR_FLAGS:
		g_cond(g, BPF_JSET, bswap32(n->val), t, f);
		e = g_stmt(g, BPF_LD | BPF_W | BPF_ABS, OFF_V_FLAGS);
		break;
	case NSV_FEXPR_LEN:
		switch (n->cmp) {
		case NSV_FEXPR_EQ:
			g_cond(g, BPF_JEQ, n->val, t, f);
			break;
		case NSV_FEXPR_NE:
			g_cond(g, BPF_JEQ, n->val, f, t);
			break;
		case NSV_FEXPR_GT:
			g_cond(g, BPF_JGT, n->val, t, f);
			break;
		case NSV_FEXPR_GE:
			g_cond(g, BPF_JGE, n->val, t, f);
			break;
		case NSV_FEXPR_LT:
			g_cond(g, BPF_JGE, n->val, f, t);
			break;
		case NSV_FEXPR_LE:
			g_cond(g, BPF_JGT, n->val, f, t);
			break;
		}
		e = g_load_le(g, OFF_V_LEN, 4);
		break;
	case NSV_FEXPR_STATE:
		return f; /* a socket's, never in vsockdump's words */
	}
	return g_virtio_guard(g, e, f);
}

static int g_node(struct gen *g, const struct nsv_fexpr_node *n, int t, int f)
{
	int e;

	switch (n->kind) {
	case NSV_FEXPR_AND:
		e = g_node(g, n->b, t, f);
		return g_node(g, n->a, e, f);
	case NSV_FEXPR_OR:
		e = g_node(g, n->b, t, f);
		return g_node(g, n->a, t, e);
	case NSV_FEXPR_NOT:
		return g_node(g, n->a, f, t);
	case NSV_FEXPR_PRIM:
		return g_prim(g, n, t, f);
	}
	return 0;
}

int nsv_filter_compile(const struct nsv_fexpr *f, uint32_t accept,
		       struct nsv_bpf_prog *prog)
{
	struct gen g = { 0 };
	int rej, acc, e, i;

	if (!prog)
		return -EINVAL;
	prog->len = 0;
	prog->insns = NULL;
	if (!f || !nsv_fexpr_root(f)) { /* no expression: take every frame */
		prog->insns = calloc(1, sizeof(*prog->insns));
		if (!prog->insns)
			return -ENOMEM;
		prog->insns[0].code = BPF_RET | BPF_K;
		prog->insns[0].k = accept;
		prog->len = 1;
		return 0;
	}
	rej = g_stmt(&g, BPF_RET | BPF_K, 0);
	acc = g_stmt(&g, BPF_RET | BPF_K, accept);
	e = g_node(&g, nsv_fexpr_root(f), acc, rej);
	/* Anything shorter than af_vsockmon_hdr is not a vsock frame. */
	e = g_cond(&g, BPF_JGE, NSV_MON_HDR_LEN, e, rej);
	g_stmt(&g, BPF_LD | BPF_W | BPF_LEN, 0);
	if (g.err)
		goto out;

	prog->insns = calloc(g.n, sizeof(*prog->insns));
	if (!prog->insns) {
		g.err = -ENOMEM;
		goto out;
	}
	prog->len = g.n;
	for (i = 0; i < g.n; i++) {
		struct nsv_bpf_insn *in = &prog->insns[g.n - 1 - i];

		*in = g.ins[i];
		if (in->code == (BPF_JMP | BPF_JA))
			in->k = i - g.jt[i] - 1;
		else if (BPF_CLASS(in->code) == BPF_JMP) {
			in->jt = (uint8_t)(i - g.jt[i] - 1);
			in->jf = (uint8_t)(i - g.jf[i] - 1);
		}
	}
out:
	free(g.ins);
	free(g.jt);
	free(g.jf);
	return g.err;
}

void nsv_bpf_prog_free(struct nsv_bpf_prog *prog)
{
	if (!prog)
		return;
	free(prog->insns);
	prog->insns = NULL;
	prog->len = 0;
}

uint32_t nsv_bpf_reach(const struct nsv_bpf_prog *prog)
{
	static const uint32_t size[4] = { 4, 2, 1, 0 }; /* BPF_W, _H, _B */
	uint32_t reach = 0, end;
	unsigned int i;

	for (i = 0; i < prog->len; i++) {
		uint16_t code = prog->insns[i].code;

		if (BPF_CLASS(code) != BPF_LD && BPF_CLASS(code) != BPF_LDX)
			continue;
		if (BPF_MODE(code) == BPF_IND || BPF_MODE(code) == BPF_MSH)
			return UINT32_MAX;
		if (BPF_MODE(code) != BPF_ABS)
			continue; /* immediates, scratch memory, the length */
		end = prog->insns[i].k + size[BPF_SIZE(code) >> 3];
		if (end < prog->insns[i].k)
			return UINT32_MAX;
		if (end > reach)
			reach = end;
	}
	return reach;
}

/* ---------------------------------------------------------------- printers */

int nsv_bpf_dump(FILE *out, const struct nsv_bpf_prog *prog, int level)
{
	unsigned int i;

	_Static_assert(sizeof(struct nsv_bpf_insn) == sizeof(struct bpf_insn),
		       "struct nsv_bpf_insn must match struct bpf_insn");
	if (level >= 3)
		fprintf(out, "%u\n", prog->len);
	for (i = 0; i < prog->len; i++) {
		const struct nsv_bpf_insn *in = &prog->insns[i];

		if (level == 1)
			fprintf(out, "%s\n",
				bpf_image((const struct bpf_insn *)in, (int)i));
		else if (level == 2)
			fprintf(out, "{ 0x%x, %d, %d, 0x%08x },\n", in->code,
				in->jt, in->jf, in->k);
		else
			fprintf(out, "%u %u %u %u\n", in->code, in->jt, in->jf,
				in->k);
	}
	return ferror(out) ? -EIO : 0;
}

static const char *const cmp_str[] = {
	[NSV_FEXPR_EQ] = "=",  [NSV_FEXPR_NE] = "!=", [NSV_FEXPR_GT] = ">",
	[NSV_FEXPR_GE] = ">=", [NSV_FEXPR_LT] = "<",  [NSV_FEXPR_LE] = "<=",
};

static void td_node(FILE *out, const struct nsv_fexpr_node *n)
{
	uint32_t off;

	switch (n->kind) {
	case NSV_FEXPR_AND:
	case NSV_FEXPR_OR:
		fputc('(', out);
		td_node(out, n->a);
		fputs(n->kind == NSV_FEXPR_AND ? " and " : " or ", out);
		td_node(out, n->b);
		fputc(')', out);
		return;
	case NSV_FEXPR_NOT:
		fputs("not (", out);
		td_node(out, n->a);
		fputc(')', out);
		return;
	case NSV_FEXPR_PRIM:
		break;
	}
	switch (n->field) {
	case NSV_FEXPR_CID:
		off = n->dst ? OFF_DST_CID : OFF_SRC_CID;
		fprintf(out, "(link[%u:4] = 0x%08x and link[%u:4] = 0)", off,
			bswap32(n->val), off + 4);
		return;
	case NSV_FEXPR_PORT:
		off = n->dst ? OFF_DST_PORT : OFF_SRC_PORT;
		fprintf(out, "link[%u:4] = 0x%08x", off, bswap32(n->val));
		return;
	default:
		break;
	}
	fprintf(out,
		"(len >= %u and link[%u:2] = 0x%04x and "
		"link[%u] + link[%u] * 256 >= %u and ",
		VIRTIO_END, OFF_TRANSPORT, bswap16(NSV_TRANSPORT_VIRTIO),
		OFF_THDR_LEN, OFF_THDR_LEN + 1U,
		(unsigned int)NSV_VIRTIO_HDR_LEN);
	switch (n->field) {
	case NSV_FEXPR_OP:
		fprintf(out, "link[%u:2] = 0x%04x", OFF_V_OP, bswap16(n->val));
		break;
	case NSV_FEXPR_TYPE:
		fprintf(out, "link[%u:2] = 0x%04x", OFF_V_TYPE,
			bswap16(n->val));
		break;
	case NSV_FEXPR_FLAGS:
		fprintf(out, "link[%u:4] & 0x%08x != 0", OFF_V_FLAGS,
			bswap32(n->val));
		break;
	case NSV_FEXPR_LEN:
		fprintf(out,
			"link[%u] + link[%u] * 256 + link[%u] * 65536 + "
			"link[%u] * 16777216 %s %u",
			OFF_V_LEN, OFF_V_LEN + 1, OFF_V_LEN + 2, OFF_V_LEN + 3,
			cmp_str[n->cmp], n->val);
		break;
	default:
		break;
	}
	fputc(')', out);
}

int nsv_filter_print_tcpdump(FILE *out, const struct nsv_fexpr *f)
{
	if (!f || !nsv_fexpr_root(f))
		return -EINVAL;
	fprintf(out, "len >= %u and ", (unsigned int)NSV_MON_HDR_LEN);
	td_node(out, nsv_fexpr_root(f));
	fputc('\n', out);
	return ferror(out) ? -EIO : 0;
}
