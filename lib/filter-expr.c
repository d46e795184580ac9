// SPDX-License-Identifier: LGPL-2.1-or-later
/* Filter expressions: the tokenizer and parser vsockdump and vsockstat share. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "filter-expr.h"
#include "proto.h"

#define MAX_DEPTH 128 /* nesting of ( and not */

struct nsv_fexpr {
	struct nsv_fexpr_node *root;
	struct nsv_fexpr_node **nodes; /* every node, to free them */
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
	enum nsv_fexpr_cmp tcmp;
	const struct nsv_fexpr_lang *lang;
	struct nsv_fexpr *e;
	struct nsv_fexpr_error *err;
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

static bool allows(const struct parser *p, unsigned int words)
{
	return p->lang->words & words;
}

static int fail(struct parser *p, size_t off, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

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
			p->tcmp = NSV_FEXPR_NE;
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
			p->tcmp = s[i] == '<' ? NSV_FEXPR_LE : NSV_FEXPR_GE;
			p->tlen = 2;
		} else {
			p->tcmp = s[i] == '<' ? NSV_FEXPR_LT : NSV_FEXPR_GT;
		}
		break;
	case '=':
		p->tok = T_CMP;
		p->tcmp = NSV_FEXPR_EQ;
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

/* Whether the token after the current one is a word; nothing moves. */
static bool next_is_word(struct parser *p)
{
	struct parser save = *p;
	struct nsv_fexpr_error *err = p->err;
	bool word;

	p->err = NULL; /* a bad token there is reported when it is reached */
	word = next(p) == 0 && p->tok == T_WORD;
	*p = save;
	p->err = err;
	return word;
}

/* ------------------------------------------------------------------ parser */

static struct nsv_fexpr_node *node_new(struct parser *p, enum nsv_fexpr_kind k)
{
	struct nsv_fexpr *e = p->e;
	struct nsv_fexpr_node *n;

	if (e->n == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 16;
		struct nsv_fexpr_node **nn =
			realloc(e->nodes, cap * sizeof(*nn));

		if (!nn)
			return NULL;
		e->nodes = nn;
		e->cap = cap;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	e->nodes[e->n++] = n;
	n->kind = k;
	return n;
}

static struct nsv_fexpr_node *bin(struct parser *p, enum nsv_fexpr_kind k,
				  struct nsv_fexpr_node *a,
				  struct nsv_fexpr_node *b)
{
	struct nsv_fexpr_node *n;

	if (!a || (k != NSV_FEXPR_NOT && !b))
		return NULL;
	n = node_new(p, k);
	if (n) {
		n->a = a;
		n->b = b;
	}
	return n;
}

static struct nsv_fexpr_node *prim(struct parser *p, enum nsv_fexpr_field fld,
				   int dst, uint32_t val)
{
	struct nsv_fexpr_node *n = node_new(p, NSV_FEXPR_PRIM);

	if (n) {
		n->field = fld;
		n->dst = dst;
		n->val = val;
	}
	return n;
}

/* A primitive of one end, or of either end (-1): "port 5" is src or dst. */
static struct nsv_fexpr_node *ends(struct parser *p, enum nsv_fexpr_field fld,
				   int dst, enum nsv_fexpr_cmp cmp,
				   uint32_t val)
{
	struct nsv_fexpr_node *a, *b;

	a = prim(p, fld, dst < 0 ? 0 : dst, val);
	if (a)
		a->cmp = cmp;
	if (dst >= 0)
		return a;
	b = prim(p, fld, 1, val);
	if (b)
		b->cmp = cmp;
	return bin(p, NSV_FEXPR_OR, a, b);
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

/* A CID word: a number or built-in name, else one of the tool's names. */
static int cid_value(const struct parser *p, const char *w, uint32_t *v)
{
	if (!nsv_cid_parse(w, v))
		return 0;
	if (!p->lang->cid)
		return -EINVAL;
	return p->lang->cid(w, v, p->lang->cid_data) < 0 ? -EINVAL : 0;
}

static int bad_cid(struct parser *p, const char *w)
{
	if (p->lang->cid)
		return fail(p, p->toff, p->tlen,
			    "'%s' is not a CID (a number, host, local, "
			    "hypervisor, any, or a name: see vsock-hosts(5))",
			    w);
	return fail(p, p->toff, p->tlen,
		    "'%s' is not a CID (a number, host, local, hypervisor "
		    "or any)",
		    w);
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
	const struct nsv_fexpr_lang *l = p->lang;
	char w[32], what[128];
	int r;

	snprintf(what, sizeof(what), "expected %s or a number after 'type'",
		 l->type_names);
	r = value_word(p, what, w, sizeof(w));
	if (r < 0)
		return r;
	if (!l->type(w, v, NULL))
		return 0;
	if (!number(w, 0xffff, v))
		return 0;
	return fail(p, p->toff, p->tlen, "unknown type '%s' (%s, or a number)",
		    w, l->type_names);
}

/* flags NAME: a shutdown or SEQPACKET flag names its op too. */
static struct nsv_fexpr_node *parse_flags(struct parser *p, int *r)
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
		return bin(p, NSV_FEXPR_AND,
			   prim(p, NSV_FEXPR_OP, 0, names[i].op),
			   prim(p, NSV_FEXPR_FLAGS, 0, names[i].mask));
	}
	if (!number(w, 0xffffffff, &v) && v)
		return prim(p, NSV_FEXPR_FLAGS, 0, v);
	*r = fail(p, p->toff, p->tlen,
		  "unknown flag '%s' (rcv, send, eom, eor, or a non-zero "
		  "bit mask)",
		  w);
	return NULL;
}

static struct nsv_fexpr_node *parse_len(struct parser *p, int *r)
{
	struct nsv_fexpr_node *n;
	enum nsv_fexpr_cmp c;
	char w[32];
	uint32_t v;

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
	n = prim(p, NSV_FEXPR_LEN, 0, v);
	if (n)
		n->cmp = c;
	return n;
}

/* ss's comparison words, beside the symbols the tokenizer knows. */
static bool cmp_word(const struct parser *p, enum nsv_fexpr_cmp *c)
{
	static const struct {
		const char *w;
		enum nsv_fexpr_cmp c;
	} words[] = {
		{ "eq", NSV_FEXPR_EQ },	 { "ne", NSV_FEXPR_NE },
		{ "neq", NSV_FEXPR_NE }, { "gt", NSV_FEXPR_GT },
		{ "ge", NSV_FEXPR_GE },	 { "geq", NSV_FEXPR_GE },
		{ "lt", NSV_FEXPR_LT },	 { "le", NSV_FEXPR_LE },
		{ "leq", NSV_FEXPR_LE },
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (tok_is(p, words[i].w)) {
			*c = words[i].c;
			return true;
		}
	return false;
}

/* sport|dport [CMP] [:]PORT, as ss writes them ("dport = :1234"). */
static struct nsv_fexpr_node *parse_ss_port(struct parser *p, int *r)
{
	enum nsv_fexpr_cmp c = NSV_FEXPR_EQ;
	int dst = tok_is(p, "dport");
	char what[64], w[64];
	const char *v;
	uint32_t port;

	snprintf(what, sizeof(what), "expected a port after '%s'",
		 dst ? "dport" : "sport");
	*r = next(p);
	if (*r < 0)
		return NULL;
	if (p->tok == T_CMP || cmp_word(p, &c)) {
		if (p->tok == T_CMP)
			c = p->tcmp;
		*r = value_word(p, what, w, sizeof(w));
	} else if (p->tok != T_WORD || !word(p, w, sizeof(w))) {
		*r = fail_tok(p, what);
	}
	if (*r < 0)
		return NULL;
	v = w[0] == ':' ? w + 1 : w;
	if (nsv_port_parse(v, &port)) {
		*r = fail(p, p->toff, p->tlen,
			  "'%s' is not a port (0 to 4294967295)", w);
		return NULL;
	}
	return ends(p, NSV_FEXPR_PORT, dst, c, port);
}

/* src|dst [=] CID[:PORT]: ss's address, '*' or nothing for either part. */
static struct nsv_fexpr_node *parse_ss_addr(struct parser *p, int dst, int *r)
{
	char w[300], *s, *colon, *port_s = NULL;
	bool has_cid, has_port;
	uint32_t cid = 0, port = 0;

	if (p->tok == T_CMP && p->tcmp == NSV_FEXPR_EQ) {
		*r = next(p);
		if (*r < 0)
			return NULL;
	}
	if (p->tok != T_WORD || !word(p, w, sizeof(w))) {
		*r = fail_tok(p,
			      "expected an address (CID, CID:PORT or :PORT), "
			      "cid or port after 'src'/'dst'");
		return NULL;
	}
	s = w;
	if (!strncasecmp(s, "vsock:", 6))
		s += 6;
	colon = strrchr(s, ':');
	if (colon) {
		*colon = '\0';
		port_s = colon + 1;
	}
	has_cid = *s && strcmp(s, "*");
	has_port = port_s && *port_s && strcmp(port_s, "*");
	if (!has_cid && !has_port) {
		*r = fail(p, p->toff, p->tlen,
			  "'%.*s' matches every socket: name a CID or a port",
			  (int)p->tlen, p->s + p->toff);
		return NULL;
	}
	if (has_cid && cid_value(p, s, &cid)) {
		*r = bad_cid(p, s);
		return NULL;
	}
	if (has_port && nsv_port_parse(port_s, &port)) {
		*r = fail(p, p->toff, p->tlen,
			  "'%s' is not a port (0 to 4294967295)", port_s);
		return NULL;
	}
	if (!has_port)
		return prim(p, NSV_FEXPR_CID, dst, cid);
	if (!has_cid)
		return ends(p, NSV_FEXPR_PORT, dst, NSV_FEXPR_EQ, port);
	return bin(p, NSV_FEXPR_AND, prim(p, NSV_FEXPR_CID, dst, cid),
		   prim(p, NSV_FEXPR_PORT, dst, port));
}

static struct nsv_fexpr_node *parse_state(struct parser *p, int *r)
{
	char w[128];
	uint32_t mask;

	*r = value_word(p, "expected a state after 'state'", w, sizeof(w));
	if (*r < 0)
		return NULL;
	if (p->lang->state(w, &mask, NULL) || !mask) {
		*r = fail(p, p->toff, p->tlen,
			  "unknown state '%s' (listening, established, "
			  "syn-sent, closing, unconn, connected, ...)",
			  w);
		return NULL;
	}
	return prim(p, NSV_FEXPR_STATE, 0, mask);
}

static struct nsv_fexpr_node *parse_cid(struct parser *p, int dir, int *r)
{
	char w[256], what[40];
	uint32_t v;

	snprintf(what, sizeof(what), "expected a CID after '%.*s'",
		 (int)p->tlen, p->s + p->toff);
	*r = value_word(p, what, w, sizeof(w));
	if (*r < 0)
		return NULL;
	if (cid_value(p, w, &v)) {
		*r = bad_cid(p, w);
		return NULL;
	}
	return ends(p, NSV_FEXPR_CID, dir, NSV_FEXPR_EQ, v);
}

static struct nsv_fexpr_node *parse_port(struct parser *p, int dir, int *r)
{
	char w[64];
	uint32_t v;

	*r = value_word(p, "expected a port after 'port'", w, sizeof(w));
	if (*r < 0)
		return NULL;
	if (nsv_port_parse(w, &v)) {
		*r = fail(p, p->toff, p->tlen,
			  "'%s' is not a port (0 to 4294967295)", w);
		return NULL;
	}
	return ends(p, NSV_FEXPR_PORT, dir, NSV_FEXPR_EQ, v);
}

/* "cid" or "host", "port": a keyword that takes a value next. */
static bool end_keyword(const struct parser *p)
{
	return (allows(p, NSV_FEXPR_W_CID) &&
		(tok_is(p, "cid") || tok_is(p, "host"))) ||
	       (allows(p, NSV_FEXPR_W_PORT) && tok_is(p, "port"));
}

static struct nsv_fexpr_node *parse_prim(struct parser *p, int *r)
{
	bool ss = allows(p, NSV_FEXPR_W_SS);
	int dir = -1; /* -1: either end */
	uint32_t v;

	*r = 0;
	if ((ss || allows(p, NSV_FEXPR_W_CID | NSV_FEXPR_W_PORT)) &&
	    (tok_is(p, "src") || tok_is(p, "dst"))) {
		dir = tok_is(p, "dst");
		*r = next(p);
		if (*r < 0)
			return NULL;
		/* ss: "dst host" is the address host, "dst host 3" CID 3 */
		if (ss && !(end_keyword(p) && next_is_word(p)))
			return parse_ss_addr(p, dir, r);
		if (!end_keyword(p)) {
			*r = fail_tok(p, "expected 'cid' or 'port' after "
					 "'src'/'dst'");
			return NULL;
		}
	}
	if (allows(p, NSV_FEXPR_W_CID) &&
	    (tok_is(p, "cid") || tok_is(p, "host")))
		return parse_cid(p, dir, r);
	if (allows(p, NSV_FEXPR_W_PORT) && tok_is(p, "port"))
		return parse_port(p, dir, r);
	if (ss && (tok_is(p, "sport") || tok_is(p, "dport")))
		return parse_ss_port(p, r);
	if (ss && tok_is(p, "state"))
		return parse_state(p, r);
	if (allows(p, NSV_FEXPR_W_OP) && tok_is(p, "op")) {
		*r = parse_op(p, &v);
		return *r < 0 ? NULL : prim(p, NSV_FEXPR_OP, 0, v);
	}
	if (allows(p, NSV_FEXPR_W_TYPE) && tok_is(p, "type")) {
		*r = parse_type(p, &v);
		return *r < 0 ? NULL : prim(p, NSV_FEXPR_TYPE, 0, v);
	}
	if (allows(p, NSV_FEXPR_W_FLAGS) && tok_is(p, "flags"))
		return parse_flags(p, r);
	if (allows(p, NSV_FEXPR_W_LEN) && tok_is(p, "len"))
		return parse_len(p, r);
	*r = fail_tok(p, p->lang->expected);
	return NULL;
}

static struct nsv_fexpr_node *parse_or(struct parser *p, int *r);

static struct nsv_fexpr_node *parse_unary(struct parser *p, int *r)
{
	struct nsv_fexpr_node *n;
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
		n = n ? bin(p, NSV_FEXPR_NOT, n, NULL) : NULL;
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
 * As in tcpdump (and ss's grammar), "and" and "or" bind equally and
 * associate left to right: "a or b and c" is "(a or b) and c".
 */
static struct nsv_fexpr_node *parse_or(struct parser *p, int *r)
{
	struct nsv_fexpr_node *n = parse_unary(p, r), *m;

	while (n && (p->tok == T_AND || p->tok == T_OR)) {
		enum nsv_fexpr_kind k = p->tok == T_AND ? NSV_FEXPR_AND :
							  NSV_FEXPR_OR;

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

void nsv_fexpr_free(struct nsv_fexpr *e)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < e->n; i++)
		free(e->nodes[i]);
	free(e->nodes);
	free(e);
}

const struct nsv_fexpr_node *nsv_fexpr_root(const struct nsv_fexpr *e)
{
	return e ? e->root : NULL;
}

int nsv_fexpr_parse(const char *expr, const struct nsv_fexpr_lang *lang,
		    struct nsv_fexpr **out, struct nsv_fexpr_error *err)
{
	struct parser p = { .s = expr, .lang = lang, .err = err };
	struct nsv_fexpr_node *root;
	int r = 0;

	if (!expr || !lang || !out)
		return -EINVAL;
	*out = NULL;
	p.e = calloc(1, sizeof(*p.e));
	if (!p.e)
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
	p.e->root = root;
	*out = p.e;
	return 0;
fail:
	nsv_fexpr_free(p.e);
	return r < 0 ? r : -EINVAL;
}

char *nsv_fexpr_join(int argc, char *const *argv)
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

/* No expression is this long: one would compile to far more than 4096 insns. */
#define FEXPR_FILE_MAX (1024 * 1024)

char *nsv_fexpr_read_file(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	size_t cap = 0, n = 0;
	char *s = NULL, *p;
	int e = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t m;

		if (n + 4096 + 1 > cap) {
			cap = cap ? 2 * cap : 8192;
			p = realloc(s, cap);
			if (!p) {
				e = ENOMEM;
				break;
			}
			s = p;
		}
		errno = 0;
		m = fread(s + n, 1, 4096, f);
		n += m;
		if (n > FEXPR_FILE_MAX) {
			e = EFBIG;
			break;
		}
		if (m < 4096) {
			/* a directory, an I/O error: never "no filter" */
			if (ferror(f))
				e = errno ? errno : EIO;
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	if (e) {
		free(s);
		errno = e;
		return NULL;
	}
	s[n] = '\0';
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
	return s;
}

bool nsv_fexpr_cmp_apply(enum nsv_fexpr_cmp cmp, uint32_t a, uint32_t b)
{
	switch (cmp) {
	case NSV_FEXPR_EQ:
		return a == b;
	case NSV_FEXPR_NE:
		return a != b;
	case NSV_FEXPR_GT:
		return a > b;
	case NSV_FEXPR_GE:
		return a >= b;
	case NSV_FEXPR_LT:
		return a < b;
	case NSV_FEXPR_LE:
		return a <= b;
	}
	return false;
}
