// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: vsockstat's filter expressions (ss's words and vsockdump's), against an evaluation of their own. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "vsockstat/diag.h"
#include "vsockstat/sockexpr.h"
#include "names.h"
#include "tap.h"

#define ANY 0xffffffffU

static bool match(const char *expr, const struct nsv_diag_sock *s, int *r)
{
	struct nsv_fexpr *e = NULL;
	bool m = false;

	*r = nsv_sockexpr_parse(expr, NULL, NULL, &e, NULL);
	if (!*r)
		m = nsv_sockexpr_match(e, s);
	nsv_fexpr_free(e);
	return m;
}

/* ----------------------------------------------------- words, one by one */

static void test_words(void)
{
	/* local *:1030 connected to 3:2000, ESTAB, SEQPACKET */
	static const struct nsv_diag_sock s = {
		.type = 5,
		.state = NSV_SS_ESTABLISHED,
		.src_cid = ANY,
		.src_port = 1030,
		.dst_cid = 3,
		.dst_port = 2000,
	};
	static const struct {
		const char *expr;
		bool want;
	} t[] = {
		{ "dport = 2000", true },
		{ "dport == 2000", true },
		{ "dport eq 2000", true },
		{ "dport 2000", true },
		{ "dport = :2000", true },
		{ "dport=:2000", true },
		{ "dport != 2000", false },
		{ "dport neq 2000", false },
		{ "dport ne 2000", false },
		{ "dport > 1999", true },
		{ "dport gt 2000", false },
		{ "dport >= 2000", true },
		{ "dport ge 2001", false },
		{ "dport < 2001", true },
		{ "dport lt 2000", false },
		{ "dport <= 2000", true },
		{ "dport le 1999", false },
		{ "dport leq 2000", true },
		{ "dport geq 2000", true },
		{ "sport = 1030", true },
		{ "sport = 2000", false },
		{ "sport > 1023", true },
		{ "sport = *", false },
		{ "dport = any", false },
		{ "src *:1030", true },
		{ "src :1030", true },
		{ "src = *:1030", true },
		{ "src any:1030", true },
		{ "src 3:1030", false },
		{ "src any", true },
		{ "dst 3", true },
		{ "dst 3:2000", true },
		{ "dst 3:*", true },
		{ "dst vsock:3:2000", true },
		{ "dst 3:2001", false },
		{ "dst host", false },
		{ "dst 0x3", true },
		{ "dst cid 3", true },
		{ "dst host 3", true },
		{ "dst port 2000", true },
		{ "src port 2000", false },
		{ "src cid any", true },
		{ "cid 3", true },
		{ "host 3", true },
		{ "cid any", true },
		{ "cid 2", false },
		{ "port 1030", true },
		{ "port 2000", true },
		{ "port 2001", false },
		{ "state established", true },
		{ "state ESTAB", true },
		{ "state connected", true },
		{ "state synchronized", true },
		{ "state listening", false },
		{ "state listen,established", true },
		{ "type seqpacket", true },
		{ "type stream", false },
		{ "type 5", true },
		{ "not type stream", true },
		{ "! state listening", true },
		{ "dport = 1 or dport = 2000", true },
		{ "dport = 1 || dport = 2000", true },
		{ "dport = 2000 and state listening", false },
		{ "dport = 2000 && cid 3", true },
		/* and/or bind equally, left to right, as in ss and tcpdump */
		{ "dport = 2000 or cid 9 and type stream", false },
		{ "dport = 2000 or (cid 9 and type stream)", true },
		{ "not (dport = 1 or dport = 2)", true },
		{ "DPORT = 2000 AND NOT TYPE STREAM", true },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int r;
		bool m = match(t[i].expr, &s, &r);

		tap_ok(!r && m == t[i].want, "'%s' is %s", t[i].expr,
		       t[i].want ? "true" : "false");
	}
}

/* ---------------------------------------------------------------- errors */

static void test_errors(void)
{
	static const struct {
		const char *expr;
		size_t off, len;
		const char *msg;
	} t[] = {
		{ "", 0, 0, "empty" },
		{ "sport", 5, 0, "expected a port after 'sport'" },
		{ "dport =", 7, 0, "expected a port after 'dport'" },
		{ "dport = x", 8, 1, "'x' is not a port" },
		{ "dport = :x", 8, 2, "':x' is not a port" },
		{ "dport > (", 8, 1, "expected a port" },
		{ "src", 3, 0, "expected an address" },
		{ "src =", 5, 0, "expected an address" },
		{ "dst foo:1", 4, 5, "'foo' is not a CID" },
		{ "dst 3:x", 4, 3, "'x' is not a port" },
		{ "dst *", 4, 1, "matches every socket" },
		{ "dst :", 4, 1, "matches every socket" },
		{ "dst *:*", 4, 3, "matches every socket" },
		{ "state", 5, 0, "expected a state" },
		{ "state bogus", 6, 5, "unknown state 'bogus'" },
		{ "type raw", 5, 3,
		  "unknown type 'raw' (stream, seqpacket, dgram" },
		{ "cid", 3, 0, "expected a CID after 'cid'" },
		{ "host", 4, 0, "expected a CID after 'host'" },
		{ "cid web1", 4, 4, "'web1' is not a CID" },
		{ "op rw", 0, 2, "expected sport, dport, src, dst, state" },
		{ "len > 5", 0, 3, "expected sport, dport" },
		{ "dport = 1 dport = 2", 10, 5, "expected and/or" },
		{ "( dport = 1", 0, 1, "never closed" },
		{ "dport = 1 )", 10, 1, "unbalanced ')'" },
		{ "dport = 1 &", 10, 1, "must be doubled" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct nsv_fexpr_error err = { 0 };
		struct nsv_fexpr *e = NULL;
		int r = nsv_sockexpr_parse(t[i].expr, NULL, NULL, &e, &err);

		tap_ok(r == -EINVAL && !e && err.off == t[i].off &&
			       err.len == t[i].len && strstr(err.msg, t[i].msg),
		       "'%s': error at %zu+%zu: %s", t[i].expr, err.off,
		       err.len, err.msg);
	}
}

static void test_names(void)
{
	static const struct nsv_diag_sock s = {
		.type = 1,
		.state = NSV_SS_ESTABLISHED,
		.src_cid = 2,
		.src_port = 1030,
		.dst_cid = 7,
		.dst_port = 22,
	};
	struct nsv_names *n = NULL;
	struct nsv_fexpr *e = NULL;
	int r;

	nsv_names_new(&n);
	nsv_names_add(n, 7, "web7");
	nsv_names_add(n, 7, "www");
	r = nsv_sockexpr_parse("dst web7:22 and cid WWW", nsv_names_lookup, n,
			       &e, NULL);
	tap_ok(!r && nsv_sockexpr_match(e, &s),
	       "names in addresses and after cid");
	nsv_fexpr_free(e);
	r = nsv_sockexpr_parse("src host and cid 7", nsv_names_lookup, n, &e,
			       NULL);
	tap_ok(!r && nsv_sockexpr_match(e, &s),
	       "'src host' followed by and: the address host (CID 2)");
	nsv_fexpr_free(e);
	nsv_names_free(n);
}

static void test_states(void)
{
	static const struct {
		const char *expr;
		uint32_t want;
	} t[] = {
		{ "dport = 1", NSV_SS_ALL },
		{ "state listening", 1U << NSV_SS_LISTEN },
		{ "state listening and dport = 1", 1U << NSV_SS_LISTEN },
		{ "state listening or state closing",
		  1U << NSV_SS_LISTEN | 1U << NSV_SS_CLOSING },
		{ "state listening or dport = 1", NSV_SS_ALL },
		{ "state listening and state closing", 0 },
		{ "not state listening", NSV_SS_ALL & ~(1U << NSV_SS_LISTEN) },
		{ "not (state listening and dport = 1)", NSV_SS_ALL },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct nsv_fexpr *e = NULL;
		uint32_t got = 0;

		if (!nsv_sockexpr_parse(t[i].expr, NULL, NULL, &e, NULL))
			got = nsv_sockexpr_states(e);
		tap_ok(got == t[i].want,
		       "states the kernel is asked for, '%s': 0x%x", t[i].expr,
		       got);
		nsv_fexpr_free(e);
	}
	tap_ok(nsv_sockexpr_states(NULL) == NSV_SS_ALL &&
		       nsv_sockexpr_match(NULL, &(struct nsv_diag_sock){ 0 }),
	       "no expression: every state, every socket");
}

/* ------------------------------------------------- random, checked twice */

/*
 * The test's own expression trees: printed as text for the parser, and
 * evaluated here on the socket fields directly. Both answers must agree,
 * and for the states the kernel is asked for, no matching socket may be in
 * a state left out.
 */
enum tnode {
	T_AND,
	T_OR,
	T_NOT,
	T_SPORT,
	T_DPORT,
	T_SRC,
	T_DST,
	T_CID,
	T_PORT,
	T_STATE,
	T_TYPE
};

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static const uint32_t cids[] = { 1, 2, 3, 7, ANY };
static const uint32_t ports[] = { 22, 1023, 1024, 2000, 40000, ANY };
static const unsigned int states[] = { NSV_SS_ESTABLISHED, NSV_SS_SYN_SENT,
				       NSV_SS_CLOSE, NSV_SS_LISTEN,
				       NSV_SS_CLOSING };
static const char *const state_words[] = { "established", "syn-sent", "unconn",
					   "listening", "closing" };
static const unsigned int types[] = { 1, 2, 5 };
static const char *const type_words[] = { "stream", "dgram", "seqpacket" };
static const char *const cmp_words[] = { "=",  "!=", ">",  ">=", "<",  "<=",
					 "eq", "ne", "gt", "ge", "lt", "le" };

static bool cmp(int c, uint32_t a, uint32_t b)
{
	switch (c % 6) {
	case 0:
		return a == b;
	case 1:
		return a != b;
	case 2:
		return a > b;
	case 3:
		return a >= b;
	case 4:
		return a < b;
	default:
		return a <= b;
	}
}

static void port_text(char *s, uint32_t v)
{
	if (v == ANY)
		strcpy(s, rnd(2) ? "*" : "any");
	else
		sprintf(s, rnd(2) ? ":%u" : "%u", v);
}

/* Appends a random expression to @s; returns its value on @k. */
static bool gen(char *s, int depth, const struct nsv_diag_sock *k)
{
	int t = depth > 3 ? T_SPORT + (int)rnd(8) : (int)rnd(11);
	uint32_t c, p, v;
	char w[32];
	bool a, b;
	int op, end;

	switch (t) {
	case T_AND:
	case T_OR:
		strcat(s, "(");
		a = gen(s, depth + 1, k);
		strcat(s, t == T_AND ? (rnd(2) ? " and " : " && ") :
				       (rnd(2) ? " or " : " || "));
		b = gen(s, depth + 1, k);
		strcat(s, ")");
		return t == T_AND ? a && b : a || b;
	case T_NOT:
		strcat(s, rnd(2) ? "not " : "! ");
		return !gen(s, depth + 1, k);
	case T_SPORT:
	case T_DPORT:
		op = (int)rnd(12);
		v = ports[rnd(6)];
		port_text(w, v);
		if (v == ANY && w[0] == '*')
			strcpy(w, "4294967295");
		sprintf(s + strlen(s), "%s %s %s",
			t == T_SPORT ? "sport" : "dport", cmp_words[op], w);
		return cmp(op, t == T_SPORT ? k->src_port : k->dst_port, v);
	case T_SRC:
	case T_DST:
		c = cids[rnd(5)];
		p = ports[rnd(6)];
		end = t == T_DST;
		/* a CID alone, a port alone, or both */
		switch (rnd(3)) {
		case 0:
			sprintf(s + strlen(s), "%s %u", end ? "dst" : "src", c);
			return (end ? k->dst_cid : k->src_cid) == c;
		case 1:
			if (p == ANY)
				p = 2000;
			sprintf(s + strlen(s), "%s *:%u", end ? "dst" : "src",
				p);
			return (end ? k->dst_port : k->src_port) == p;
		default:
			if (p == ANY)
				p = 22;
			sprintf(s + strlen(s), "%s = %u:%u",
				end ? "dst" : "src", c, p);
			return (end ? k->dst_cid : k->src_cid) == c &&
			       (end ? k->dst_port : k->src_port) == p;
		}
	case T_CID:
		c = cids[rnd(5)];
		end = (int)rnd(3) - 1;
		sprintf(s + strlen(s), "%s%s %u",
			end < 0 ? "" :
			end	? "dst " :
				  "src ",
			rnd(2) ? "cid" : "host", c);
		if (end < 0)
			return k->src_cid == c || k->dst_cid == c;
		return (end ? k->dst_cid : k->src_cid) == c;
	case T_PORT:
		p = ports[rnd(6)];
		end = (int)rnd(3) - 1;
		sprintf(s + strlen(s), "%sport %u",
			end < 0 ? "" :
			end	? "dst " :
				  "src ",
			p);
		if (end < 0)
			return k->src_port == p || k->dst_port == p;
		return (end ? k->dst_port : k->src_port) == p;
	case T_STATE:
		v = rnd(5);
		sprintf(s + strlen(s), "state %s", state_words[v]);
		return k->state == states[v];
	default:
		v = rnd(3);
		sprintf(s + strlen(s), "type %s", type_words[v]);
		return k->type == types[v];
	}
}

static void test_random(void)
{
	int i, bad = 0, parsed = 0, matched = 0, leaked = 0;
	const int n = 50000;

	for (i = 0; i < n; i++) {
		struct nsv_diag_sock k = {
			.type = (uint8_t)types[rnd(3)],
			.state = (uint8_t)states[rnd(5)],
			.src_cid = cids[rnd(5)],
			.src_port = ports[rnd(6)],
			.dst_cid = cids[rnd(5)],
			.dst_port = ports[rnd(6)],
		};
		struct nsv_fexpr *e = NULL;
		char s[4096] = "";
		bool want = gen(s, 0, &k), got;

		if (nsv_sockexpr_parse(s, NULL, NULL, &e, NULL)) {
			if (bad++ < 5)
				tap_diag("cannot parse '%s'", s);
			continue;
		}
		parsed++;
		got = nsv_sockexpr_match(e, &k);
		if (got != want && bad++ < 5)
			tap_diag("'%s': evaluator %d, the test's own %d", s,
				 got, want);
		if (got && !(nsv_sockexpr_states(e) & 1U << k.state))
			leaked++;
		matched += got;
		nsv_fexpr_free(e);
	}
	tap_ok(!bad && parsed == n && matched > n / 20 && matched < n - n / 20,
	       "%d random expressions on random sockets: parsed %d, %d "
	       "matched, %d disagreements",
	       n, parsed, matched, bad);
	tap_ok(!leaked,
	       "no matching socket is in a state the kernel is not asked for");
}

int main(void)
{
	test_words();
	test_errors();
	test_names();
	test_states();
	test_random();
	return tap_done();
}
