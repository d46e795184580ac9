// SPDX-License-Identifier: LGPL-2.1-or-later
/* The vsockdump filter language: parser, classic BPF compiler, evaluator. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
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
#define MAX_DEPTH 128 /* nesting of ( and not */

enum kind { N_AND, N_OR, N_NOT, N_PRIM };
enum field { F_CID, F_PORT, F_OP, F_TYPE, F_FLAGS, F_LEN };
enum cmp { C_EQ, C_NE, C_GT, C_GE, C_LT, C_LE };

struct node {
	enum kind kind;
	struct node *a, *b;
	enum field field;
	int dst; /* F_CID, F_PORT: 0 source, 1 destination */
	enum cmp cmp; /* F_LEN */
	uint32_t val; /* F_FLAGS: the mask */
};

struct nsv_filter {
	struct node *root;
	struct node **nodes; /* every node, to free them */
	size_t n, cap;
};

/* ------------------------------------------------------------- tokenizer */

enum tok {
	T_END,
	T_WORD,
	T_LPAREN,
	T_RPAREN,
	T_NOT,
	T_AND,
	T_OR,
	T_CMP,
};

struct parser {
	const char *s;
	size_t pos;
	/* the current token */
	enum tok tok;
	size_t toff, tlen;
	enum cmp tcmp;
	struct nsv_filter *f;
	struct nsv_filter_error *err;
	int depth;
};

static bool is_word_char(char c)
{
	return c && !isspace((unsigned char)c) && !strchr("()!&|<>=", c);
}

static bool tok_is(const struct parser *p, const char *w)
{
	return p->tok == T_WORD && strlen(w) == p->tlen &&
	       !strncasecmp(p->s + p->toff, w, p->tlen);
}

static int fail(struct parser *p, size_t off, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (p->err) {
		p->err->off = off;
		p->err->len = len;
		va_start(ap, fmt);
		vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Fail at the current token, quoting it. */
static int fail_tok(struct parser *p, const char *what)
{
	if (p->tok == T_END)
		return fail(p, p->toff, 0, "%s at the end of the expression",
			    what);
	return fail(p, p->toff, p->tlen, "%s, not '%.*s'", what, (int)p->tlen,
		    p->s + p->toff);
}

static int next(struct parser *p)
{
	const char *s = p->s;
	size_t i = p->pos;

	while (isspace((unsigned char)s[i]))
		i++;
	p->toff = i;
	p->tlen = 1;
	switch (s[i]) {
	case '\0':
		p->tok = T_END;
		p->tlen = 0;
		break;
	case '(':
		p->tok = T_LPAREN;
		break;
	case ')':
		p->tok = T_RPAREN;
		break;
	case '!':
		if (s[i + 1] == '=') {
			p->tok = T_CMP;
			p->tcmp = C_NE;
			p->tlen = 2;
		} else {
			p->tok = T_NOT;
		}
		break;
	case '&':
	case '|':
		if (s[i + 1] != s[i])
			return fail(p, i, 1, "'%c' must be doubled ('%c%c')",
				    s[i], s[i], s[i]);
		p->tok = s[i] == '&' ? T_AND : T_OR;
		p->tlen = 2;
		break;
	case '<':
	case '>':
		p->tok = T_CMP;
		if (s[i + 1] == '=') {
			p->tcmp = s[i] == '<' ? C_LE : C_GE;
			p->tlen = 2;
		} else {
			p->tcmp = s[i] == '<' ? C_LT : C_GT;
		}
		break;
	case '=':
		p->tok = T_CMP;
		p->tcmp = C_EQ;
		if (s[i + 1] == '=')
			p->tlen = 2;
		break;
	default:
		p->tok = T_WORD;
		while (is_word_char(s[i + p->tlen]))
			p->tlen++;
		if (tok_is(p, "and"))
			p->tok = T_AND;
		else if (tok_is(p, "or"))
			p->tok = T_OR;
		else if (tok_is(p, "not"))
			p->tok = T_NOT;
	}
	p->pos = p->toff + p->tlen;
	return 0;
}

/* ------------------------------------------------------------------ parser */

static struct node *node_new(struct parser *p, enum kind k)
{
	struct nsv_filter *f = p->f;
	struct node *n;

	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 16;
		struct node **nn = realloc(f->nodes, cap * sizeof(*nn));

		if (!nn)
			return NULL;
		f->nodes = nn;
		f->cap = cap;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	f->nodes[f->n++] = n;
	n->kind = k;
	return n;
}

static struct node *bin(struct parser *p, enum kind k, struct node *a,
			struct node *b)
{
	struct node *n = node_new(p, k);

	if (n) {
		n->a = a;
		n->b = b;
	}
	return n;
}

static struct node *prim(struct parser *p, enum field fld, int dst,
			 uint32_t val)
{
	struct node *n = node_new(p, N_PRIM);

	if (n) {
		n->field = fld;
		n->dst = dst;
		n->val = val;
	}
	return n;
}

/* Copy the current word into @buf, NUL-terminated; false if too long. */
static bool word(const struct parser *p, char *buf, size_t len)
{
	if (p->tlen >= len)
		return false;
	memcpy(buf, p->s + p->toff, p->tlen);
	buf[p->tlen] = '\0';
	return true;
}

static int number(const char *w, uint32_t max, uint32_t *v)
{
	unsigned long long n;
	char *end;

	if (!isdigit((unsigned char)w[0]))
		return -EINVAL;
	errno = 0;
	n = strtoull(w, &end, 0);
	if (errno || *end || n > max)
		return -EINVAL;
	*v = (uint32_t)n;
	return 0;
}

static int value_word(struct parser *p, const char *what, char *buf, size_t len)
{
	int r = next(p);

	if (r < 0)
		return r;
	if (p->tok != T_WORD || !word(p, buf, len))
		return fail_tok(p, what);
	return 0;
}

static int parse_op(struct parser *p, uint32_t *v)
{
	char w[32], *c;
	int r = value_word(p, "expected an op name or number after 'op'", w,
			   sizeof(w));

	if (r < 0)
		return r;
	for (c = w; *c; c++)
		if (*c == '-')
			*c = '_';
	r = nsv_virtio_op_lookup(w);
	if (r >= 0) {
		*v = (uint32_t)r;
		return 0;
	}
	if (!number(w, 0xffff, v))
		return 0;
	return fail(p, p->toff, p->tlen,
		    "unknown op '%s' (request, response, rst, shutdown, rw, "
		    "credit_update, credit_request, or a number)",
		    w);
}

static int parse_type(struct parser *p, uint32_t *v)
{
	char w[32];
	int r = value_word(p,
			   "expected stream, seqpacket or a number "
			   "after 'type'",
			   w, sizeof(w));

	if (r < 0)
		return r;
	r = nsv_virtio_type_lookup(w);
	if (r >= 0) {
		*v = (uint32_t)r;
		return 0;
	}
	if (!number(w, 0xffff, v))
		return 0;
	return fail(p, p->toff, p->tlen,
		    "unknown type '%s' (stream, seqpacket, or a number)", w);
}

/* flags NAME: a shutdown or SEQPACKET flag names its op too. */
static struct node *parse_flags(struct parser *p, int *r)
{
	static const struct {
		const char *name;
		uint16_t op;
		uint32_t mask;
	} names[] = {
		{ "rcv", NSV_VIRTIO_OP_SHUTDOWN, NSV_VIRTIO_SHUTDOWN_RCV },
		{ "send", NSV_VIRTIO_OP_SHUTDOWN, NSV_VIRTIO_SHUTDOWN_SEND },
		{ "eom", NSV_VIRTIO_OP_RW, NSV_VIRTIO_SEQ_EOM },
		{ "eor", NSV_VIRTIO_OP_RW, NSV_VIRTIO_SEQ_EOR },
	};
	struct node *m;
	char w[32];
	uint32_t v;
	size_t i;

	*r = value_word(p,
			"expected rcv, send, eom, eor or a bit mask "
			"after 'flags'",
			w, sizeof(w));
	if (*r < 0)
		return NULL;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(w, names[i].name))
			continue;
		m = prim(p, F_FLAGS, 0, names[i].mask);
		return m ? bin(p, N_AND, prim(p, F_OP, 0, names[i].op), m) :
			   NULL;
	}
	if (!number(w, 0xffffffff, &v) && v)
		return prim(p, F_FLAGS, 0, v);
	*r = fail(p, p->toff, p->tlen,
		  "unknown flag '%s' (rcv, send, eom, eor, or a non-zero "
		  "bit mask)",
		  w);
	return NULL;
}

static struct node *parse_len(struct parser *p, int *r)
{
	enum cmp c;
	char w[32];
	uint32_t v;
	struct node *n;

	*r = next(p);
	if (*r < 0)
		return NULL;
	if (p->tok != T_CMP) {
		*r = fail_tok(p, "expected >, <, >=, <=, =, == or != after "
				 "'len'");
		return NULL;
	}
	c = p->tcmp;
	*r = value_word(p, "expected a number of bytes", w, sizeof(w));
	if (*r < 0)
		return NULL;
	if (number(w, 0xffffffff, &v)) {
		*r = fail(p, p->toff, p->tlen,
			  "'%s' is not a length (0 to 4294967295)", w);
		return NULL;
	}
	n = prim(p, F_LEN, 0, v);
	if (n)
		n->cmp = c;
	return n;
}

static struct node *parse_prim(struct parser *p, int *r)
{
	int dir = -1; /* -1: either end */
	char w[64];
	uint32_t v;

	*r = 0;
	if (tok_is(p, "src") || tok_is(p, "dst")) {
		dir = tok_is(p, "dst");
		*r = next(p);
		if (*r < 0)
			return NULL;
		if (!tok_is(p, "cid") && !tok_is(p, "port")) {
			*r = fail_tok(p, "expected 'cid' or 'port' after "
					 "'src'/'dst'");
			return NULL;
		}
	}
	if (tok_is(p, "cid")) {
		*r = value_word(p, "expected a CID after 'cid'", w, sizeof(w));
		if (*r < 0)
			return NULL;
		if (nsv_cid_parse(w, &v)) {
			*r = fail(p, p->toff, p->tlen,
				  "'%s' is not a CID (a number, host, local, "
				  "hypervisor or any)",
				  w);
			return NULL;
		}
		if (dir >= 0)
			return prim(p, F_CID, dir, v);
		return bin(p, N_OR, prim(p, F_CID, 0, v), prim(p, F_CID, 1, v));
	}
	if (tok_is(p, "port")) {
		*r = value_word(p, "expected a port after 'port'", w,
				sizeof(w));
		if (*r < 0)
			return NULL;
		if (nsv_port_parse(w, &v)) {
			*r = fail(p, p->toff, p->tlen,
				  "'%s' is not a port (0 to 4294967295)", w);
			return NULL;
		}
		if (dir >= 0)
			return prim(p, F_PORT, dir, v);
		return bin(p, N_OR, prim(p, F_PORT, 0, v),
			   prim(p, F_PORT, 1, v));
	}
	if (tok_is(p, "op")) {
		*r = parse_op(p, &v);
		return *r < 0 ? NULL : prim(p, F_OP, 0, v);
	}
	if (tok_is(p, "type")) {
		*r = parse_type(p, &v);
		return *r < 0 ? NULL : prim(p, F_TYPE, 0, v);
	}
	if (tok_is(p, "flags"))
		return parse_flags(p, r);
	if (tok_is(p, "len"))
		return parse_len(p, r);
	*r = fail_tok(p, "expected cid, port, src, dst, op, type, flags, "
			 "len, not or '('");
	return NULL;
}

static struct node *parse_or(struct parser *p, int *r);

static struct node *parse_unary(struct parser *p, int *r)
{
	struct node *n;
	size_t off = p->toff;

	if (++p->depth > MAX_DEPTH) {
		*r = fail(p, p->toff, p->tlen, "expression nested too deeply");
		return NULL;
	}
	if (p->tok == T_NOT) {
		*r = next(p);
		if (*r < 0)
			return NULL;
		n = parse_unary(p, r);
		n = n ? bin(p, N_NOT, n, NULL) : NULL;
	} else if (p->tok == T_LPAREN) {
		*r = next(p);
		if (*r < 0)
			return NULL;
		n = parse_or(p, r);
		if (!n)
			return NULL;
		if (p->tok != T_RPAREN) {
			*r = p->tok == T_END ?
				     fail(p, off, 1,
					  "this '(' is never closed") :
				     fail_tok(p, "expected ')' or and/or");
			return NULL;
		}
		*r = next(p);
	} else {
		n = parse_prim(p, r);
		if (n && !*r)
			*r = next(p);
	}
	p->depth--;
	if (!n && !*r)
		*r = -ENOMEM;
	return *r < 0 ? NULL : n;
}

/*
 * As in tcpdump, "and" and "or" bind equally and associate left to right:
 * "a or b and c" is "(a or b) and c".
 */
static struct node *parse_or(struct parser *p, int *r)
{
	struct node *n = parse_unary(p, r), *m;

	while (n && (p->tok == T_AND || p->tok == T_OR)) {
		enum kind k = p->tok == T_AND ? N_AND : N_OR;

		*r = next(p);
		if (*r < 0)
			return NULL;
		if (p->tok == T_END) {
			*r = fail(p, p->toff, 0,
				  "expected an expression after and/or");
			return NULL;
		}
		m = parse_unary(p, r);
		if (!m)
			return NULL;
		n = bin(p, k, n, m);
		if (!n)
			*r = -ENOMEM;
	}
	return n;
}

void nsv_filter_free(struct nsv_filter *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->n; i++)
		free(f->nodes[i]);
	free(f->nodes);
	free(f);
}

int nsv_filter_parse(const char *expr, struct nsv_filter **out,
		     struct nsv_filter_error *err)
{
	struct parser p = { .s = expr, .err = err };
	struct node *root;
	int r = 0;

	if (!expr || !out)
		return -EINVAL;
	*out = NULL;
	p.f = calloc(1, sizeof(*p.f));
	if (!p.f)
		return -ENOMEM;
	r = next(&p);
	if (r < 0)
		goto fail;
	if (p.tok == T_END) {
		r = fail(&p, 0, 0, "empty filter expression");
		goto fail;
	}
	root = parse_or(&p, &r);
	if (!root)
		goto fail;
	if (p.tok != T_END) {
		r = fail_tok(&p, p.tok == T_RPAREN ?
					 "unbalanced ')'" :
					 "expected and/or between primitives");
		goto fail;
	}
	p.f->root = root;
	*out = p.f;
	return 0;
fail:
	nsv_filter_free(p.f);
	return r < 0 ? r : -EINVAL;
}

char *nsv_filter_join(int argc, char *const *argv)
{
	size_t len = 1, n = 0;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]);

		if (i)
			s[n++] = ' ';
		memcpy(s + n, argv[i], l + 1);
		n += l;
	}
	return s;
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

static bool ev_prim(struct ev *e, const struct node *n)
{
	size_t off;
	uint32_t v;

	switch (n->field) {
	case F_CID:
		off = n->dst ? OFF_DST_CID : OFF_SRC_CID;
		if (!have(e, off, 4) || nsv_le32(e->b + off) != n->val)
			return false;
		return have(e, off + 4, 4) && nsv_le32(e->b + off + 4) == 0;
	case F_PORT:
		off = n->dst ? OFF_DST_PORT : OFF_SRC_PORT;
		return have(e, off, 4) && nsv_le32(e->b + off) == n->val;
	default:
		break;
	}
	if (!virtio_guard(e))
		return false;
	switch (n->field) {
	case F_OP:
		return have(e, OFF_V_OP, 2) &&
		       nsv_le16(e->b + OFF_V_OP) == n->val;
	case F_TYPE:
		return have(e, OFF_V_TYPE, 2) &&
		       nsv_le16(e->b + OFF_V_TYPE) == n->val;
	case F_FLAGS:
		return have(e, OFF_V_FLAGS, 4) &&
		       (nsv_le32(e->b + OFF_V_FLAGS) & n->val);
	case F_LEN:
		if (!have(e, OFF_V_LEN, 4))
			return false;
		v = nsv_le32(e->b + OFF_V_LEN);
		switch (n->cmp) {
		case C_EQ:
			return v == n->val;
		case C_NE:
			return v != n->val;
		case C_GT:
			return v > n->val;
		case C_GE:
			return v >= n->val;
		case C_LT:
			return v < n->val;
		case C_LE:
			return v <= n->val;
		}
		return false;
	default:
		return false;
	}
}

static bool ev_node(struct ev *e, const struct node *n)
{
	bool r;

	if (e->abort)
		return false;
	switch (n->kind) {
	case N_AND:
		return ev_node(e, n->a) && ev_node(e, n->b);
	case N_OR:
		r = ev_node(e, n->a);
		if (e->abort)
			return false;
		return r || ev_node(e, n->b);
	case N_NOT:
		return !ev_node(e, n->a);
	case N_PRIM:
		return ev_prim(e, n);
	}
	return false;
}

bool nsv_filter_match(const struct nsv_filter *f, const uint8_t *buf,
		      size_t caplen, size_t wirelen)
{
	struct ev e = { .b = buf, .cap = caplen, .wire = wirelen };
	bool r;

	if (!f || !f->root)
		return true;
	if (wirelen < NSV_MON_HDR_LEN)
		return false;
	r = ev_node(&e, f->root);
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

static int g_prim(struct gen *g, const struct node *n, int t, int f)
{
	uint32_t off;
	int e = 0;

	switch (n->field) {
	case F_CID:
		off = n->dst ? OFF_DST_CID : OFF_SRC_CID;
		e = g_cond(g, BPF_JEQ, 0, t, f);
		e = g_stmt(g, BPF_LD | BPF_W | BPF_ABS, off + 4);
		e = g_cond(g, BPF_JEQ, bswap32(n->val), e, f);
		return g_stmt(g, BPF_LD | BPF_W | BPF_ABS, off);
	case F_PORT:
		off = n->dst ? OFF_DST_PORT : OFF_SRC_PORT;
		g_cond(g, BPF_JEQ, bswap32(n->val), t, f);
		return g_stmt(g, BPF_LD | BPF_W | BPF_ABS, off);
	case F_OP:
		g_cond(g, BPF_JEQ, bswap16(n->val), t, f);
		e = g_stmt(g, BPF_LD | BPF_H | BPF_ABS, OFF_V_OP);
		break;
	case F_TYPE:
		g_cond(g, BPF_JEQ, bswap16(n->val), t, f);
		e = g_stmt(g, BPF_LD | BPF_H | BPF_ABS, OFF_V_TYPE);
		break;
	case F_FLAGS:
		g_cond(g, BPF_JSET, bswap32(n->val), t, f);
		e = g_stmt(g, BPF_LD | BPF_W | BPF_ABS, OFF_V_FLAGS);
		break;
	case F_LEN:
		switch (n->cmp) {
		case C_EQ:
			g_cond(g, BPF_JEQ, n->val, t, f);
			break;
		case C_NE:
			g_cond(g, BPF_JEQ, n->val, f, t);
			break;
		case C_GT:
			g_cond(g, BPF_JGT, n->val, t, f);
			break;
		case C_GE:
			g_cond(g, BPF_JGE, n->val, t, f);
			break;
		case C_LT:
			g_cond(g, BPF_JGE, n->val, f, t);
			break;
		case C_LE:
			g_cond(g, BPF_JGT, n->val, f, t);
			break;
		}
		e = g_load_le(g, OFF_V_LEN, 4);
		break;
	}
	return g_virtio_guard(g, e, f);
}

static int g_node(struct gen *g, const struct node *n, int t, int f)
{
	int e;

	switch (n->kind) {
	case N_AND:
		e = g_node(g, n->b, t, f);
		return g_node(g, n->a, e, f);
	case N_OR:
		e = g_node(g, n->b, t, f);
		return g_node(g, n->a, t, e);
	case N_NOT:
		return g_node(g, n->a, f, t);
	case N_PRIM:
		return g_prim(g, n, t, f);
	}
	return 0;
}

int nsv_filter_compile(const struct nsv_filter *f, uint32_t accept,
		       struct nsv_bpf_prog *prog)
{
	struct gen g = { 0 };
	int rej, acc, e, i;

	if (!prog)
		return -EINVAL;
	prog->len = 0;
	prog->insns = NULL;
	if (!f || !f->root) { /* no expression: take every frame */
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
	e = g_node(&g, f->root, acc, rej);
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
	[C_EQ] = "=",  [C_NE] = "!=", [C_GT] = ">",
	[C_GE] = ">=", [C_LT] = "<",  [C_LE] = "<=",
};

static void td_node(FILE *out, const struct node *n)
{
	uint32_t off;

	switch (n->kind) {
	case N_AND:
	case N_OR:
		fputc('(', out);
		td_node(out, n->a);
		fputs(n->kind == N_AND ? " and " : " or ", out);
		td_node(out, n->b);
		fputc(')', out);
		return;
	case N_NOT:
		fputs("not (", out);
		td_node(out, n->a);
		fputc(')', out);
		return;
	case N_PRIM:
		break;
	}
	switch (n->field) {
	case F_CID:
		off = n->dst ? OFF_DST_CID : OFF_SRC_CID;
		fprintf(out, "(link[%u:4] = 0x%08x and link[%u:4] = 0)", off,
			bswap32(n->val), off + 4);
		return;
	case F_PORT:
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
	case F_OP:
		fprintf(out, "link[%u:2] = 0x%04x", OFF_V_OP, bswap16(n->val));
		break;
	case F_TYPE:
		fprintf(out, "link[%u:2] = 0x%04x", OFF_V_TYPE,
			bswap16(n->val));
		break;
	case F_FLAGS:
		fprintf(out, "link[%u:4] & 0x%08x != 0", OFF_V_FLAGS,
			bswap32(n->val));
		break;
	case F_LEN:
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

int nsv_filter_print_tcpdump(FILE *out, const struct nsv_filter *f)
{
	if (!f || !f->root)
		return -EINVAL;
	fprintf(out, "len >= %u and ", (unsigned int)NSV_MON_HDR_LEN);
	td_node(out, f->root);
	fputc('\n', out);
	return ferror(out) ? -EIO : 0;
}
