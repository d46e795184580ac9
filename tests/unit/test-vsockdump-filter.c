// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: the filter language, its cBPF compiler and the evaluator. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include <pcap/pcap.h>

#include "vsockdump/filter.h"
#include "vsockdump/pcapio.h"
#include "frames.h"
#include "names.h"
#include "proto.h"
#include "tap.h"

/* A virtio frame of @t (which has no payload); returns its length. */
static size_t mk(uint8_t *b, const struct test_frame *t)
{
	struct test_frame v = *t;

	v.transport = NSV_TRANSPORT_VIRTIO;
	v.thdr_len = NSV_VIRTIO_HDR_LEN;
	return test_frame_build(b, NSV_MON_HDR_LEN + NSV_VIRTIO_HDR_LEN, &v,
				NULL, 0);
}

/*
 * The same with the vsockmon header saying what @t says about the
 * transport: a virtio header behind a header that denies it.
 */
static size_t mk_declared(uint8_t *b, const struct test_frame *t)
{
	size_t n = mk(b, t);

	nsv_put_le16(b + NSV_MON_OFF(transport), t->transport);
	nsv_put_le16(b + NSV_MON_OFF(len), t->thdr_len);
	return n;
}

/* Run a compiled program the way libpcap does on files. */
static bool run_bpf(const struct nsv_bpf_prog *prog, const uint8_t *b,
		    uint32_t caplen, uint32_t wirelen)
{
	struct bpf_program bp = { prog->len, (struct bpf_insn *)prog->insns };
	struct pcap_pkthdr h = { .caplen = caplen, .len = wirelen };

	return pcap_offline_filter(&bp, &h, b) != 0;
}

/* Structural checks the kernel's verifier makes too. */
static bool valid(const struct nsv_bpf_prog *p)
{
	unsigned int i;

	if (!p->len || p->len > 4096 ||
	    BPF_CLASS(p->insns[p->len - 1].code) != BPF_RET)
		return false;
	for (i = 0; i < p->len; i++) {
		const struct nsv_bpf_insn *in = &p->insns[i];

		if (BPF_CLASS(in->code) != BPF_JMP)
			continue;
		if (BPF_OP(in->code) == BPF_JA) {
			if (i + 1 + in->k >= p->len)
				return false;
		} else if (i + 1 + in->jt >= p->len ||
			   i + 1 + in->jf >= p->len) {
			return false;
		}
	}
	return true;
}

/* ------------------------------------------------------------- semantics */

static void test_semantics(void)
{
	/* host:1234 > 3:4000, STREAM RW of 100 bytes */
	static const struct {
		const char *expr;
		bool want;
	} t[] = {
		{ "cid 2", true },
		{ "cid host", true },
		{ "cid 3", true },
		{ "cid 4", false },
		{ "src cid 2", true },
		{ "src cid 3", false },
		{ "dst cid 3", true },
		{ "port 1234", true },
		{ "port 4000", true },
		{ "src port 4000", false },
		{ "dst port 4000", true },
		{ "op rw", true },
		{ "op RW", true },
		{ "op 5", true },
		{ "op request", false },
		{ "type stream", true },
		{ "type seqpacket", false },
		{ "type 1", true },
		{ "len > 99", true },
		{ "len > 100", false },
		{ "len >= 100", true },
		{ "len < 100", false },
		{ "len <= 100", true },
		{ "len = 100", true },
		{ "len == 100", true },
		{ "len != 100", false },
		{ "len>99", true },
		{ "flags eom", true },
		{ "flags eor", false },
		{ "flags rcv", false },
		{ "flags 1", true },
		{ "flags 2", false },
		{ "not op rw", false },
		{ "! op rw", false },
		{ "port 1 or port 1234", true },
		{ "port 1 || port 1234", true },
		{ "port 1234 and op rw", true },
		{ "port 1234 && op shutdown", false },
		{ "port 1 or port 1234 and op request", false },
		{ "port 1 or (port 1234 and op rw)", true },
		{ "not (port 1 or port 2)", true },
		{ "PORT 1234 AND NOT TYPE SEQPACKET", true },
	};
	uint8_t b[200];
	size_t i, n;

	n = mk(b, &(struct test_frame){ 2, 3, 1234, 4000, 2, 44, 1, 5, 100, 1,
					0, 0 });
	memset(b + n, 'x', 100);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct nsv_fexpr *f = NULL;
		struct nsv_bpf_prog prog = { 0 };
		bool a = false, e = false;
		int r;

		r = nsv_filter_parse(t[i].expr, NULL, NULL, &f, NULL);
		if (!r)
			r = nsv_filter_compile(f, 262144, &prog);
		if (!r) {
			a = run_bpf(&prog, b, (uint32_t)n + 100,
				    (uint32_t)n + 100);
			e = nsv_filter_match(f, b, n + 100, n + 100);
		}
		tap_ok(!r && a == t[i].want && e == t[i].want && valid(&prog),
		       "'%s' is %s (BPF %d, evaluator %d)", t[i].expr,
		       t[i].want ? "true" : "false", a, e);
		nsv_bpf_prog_free(&prog);
		nsv_fexpr_free(f);
	}
}

/* ------------------------------------------------- host, and CID names */

static void test_names(void)
{
	static const struct {
		const char *expr;
		bool want;
	} t[] = {
		{ "host web3", true },	    { "dst host web3", true },
		{ "src host web3", false }, { "cid WEB3 and port 4000", true },
		{ "host hv", true },	    { "src cid hv", true },
	};
	struct nsv_names *names = NULL;
	uint8_t b[200];
	size_t i, n;

	nsv_names_new(&names);
	nsv_names_add(names, 3, "web3");
	nsv_names_add(names, 2, "hv");
	/* host:1234 > 3:4000 */
	n = mk(b, &(struct test_frame){ 2, 3, 1234, 4000, 2, 44, 1, 5, 0, 0, 0,
					0 });
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct nsv_fexpr *f = NULL;
		struct nsv_bpf_prog prog = { 0 };
		bool a = false, e = false;
		int r;

		r = nsv_filter_parse(t[i].expr, nsv_names_lookup, names, &f,
				     NULL);
		if (!r)
			r = nsv_filter_compile(f, 262144, &prog);
		if (!r) {
			a = run_bpf(&prog, b, (uint32_t)n, (uint32_t)n);
			e = nsv_filter_match(f, b, n, n);
		}
		tap_ok(!r && a == t[i].want && e == t[i].want,
		       "'%s' with names is %s (BPF %d, evaluator %d)",
		       t[i].expr, t[i].want ? "true" : "false", a, e);
		nsv_bpf_prog_free(&prog);
		nsv_fexpr_free(f);
	}
	tap_is_int(nsv_filter_parse("host web3", NULL, NULL,
				    &(struct nsv_fexpr *){ NULL }, NULL),
		   -EINVAL, "without a lookup, names are not CIDs");
	nsv_names_free(names);
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
		{ "   ", 0, 0, "empty" },
		{ "port", 4, 0, "expected a port after 'port'" },
		{ "port x", 5, 1, "'x' is not a port" },
		{ "port 99999999999", 5, 11, "not a port" },
		{ "cid foo", 4, 3, "'foo' is not a CID" },
		{ "op foo", 3, 3, "unknown op 'foo'" },
		{ "type dgram", 5, 5, "unknown type 'dgram'" },
		{ "flags foo", 6, 3, "unknown flag 'foo'" },
		{ "flags 0", 6, 1, "unknown flag '0'" },
		{ "len 5", 4, 1, "expected >, <" },
		{ "len >", 5, 0, "expected a number of bytes" },
		{ "len > x", 6, 1, "'x' is not a length" },
		{ "src foo", 4, 3, "expected 'cid' or 'port'" },
		{ "dst", 3, 0, "expected 'cid' or 'port'" },
		{ "port 1 & port 2", 7, 1, "must be doubled" },
		{ "port 1 | port 2", 7, 1, "must be doubled" },
		{ "(port 1", 0, 1, "never closed" },
		{ "port 1)", 6, 1, "unbalanced ')'" },
		{ "port 1 port 2", 7, 4, "expected and/or" },
		{ "port 1 and", 10, 0, "expected an expression" },
		{ "not", 3, 0, "expected cid, port" },
		{ "foo", 0, 3, "expected cid, port" },
		{ "port 1 and (op rw or bar)", 21, 3, "expected cid, port" },
		{ "()", 1, 1, "expected cid, port" },
		{ "port and", 5, 3, "expected a port" },
		{ "op", 2, 0, "expected an op" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct nsv_fexpr_error err = { 0 };
		struct nsv_fexpr *f = NULL;
		int r = nsv_filter_parse(t[i].expr, NULL, NULL, &f, &err);

		tap_ok(r == -EINVAL && !f && err.off == t[i].off &&
			       err.len == t[i].len && strstr(err.msg, t[i].msg),
		       "'%s': error at %zu+%zu: %s", t[i].expr, err.off,
		       err.len, err.msg);
	}
}

static void test_nesting(void)
{
	struct nsv_fexpr_error err = { 0 };
	struct nsv_fexpr *f = NULL;
	char s[1024];
	int i, n = 0;

	for (i = 0; i < 200; i++)
		s[n++] = '(';
	memcpy(s + n, "port 1", 6);
	n += 6;
	for (i = 0; i < 200; i++)
		s[n++] = ')';
	s[n] = '\0';
	tap_ok(nsv_filter_parse(s, NULL, NULL, &f, &err) == -EINVAL &&
		       strstr(err.msg, "nested too deeply"),
	       "200 parentheses deep is refused: %s", err.msg);
	for (n = 0, i = 0; i < 200; i++)
		n += sprintf(s + n, "not ");
	sprintf(s + n, "port 1");
	tap_ok(nsv_filter_parse(s, NULL, NULL, &f, &err) == -EINVAL &&
		       strstr(err.msg, "nested too deeply"),
	       "200 nots deep are refused too");
	for (n = 0, i = 0; i < 100; i++)
		n += sprintf(s + n, "(");
	sprintf(s + n, "port 1");
	for (i = 0; i < 100; i++)
		strcat(s, ")");
	tap_ok(nsv_filter_parse(s, NULL, NULL, &f, &err) == 0,
	       "100 deep is fine");
	nsv_fexpr_free(f);
}

/* -------------------------------------------------- programs, big and odd */

static void test_far_jumps(void)
{
	struct nsv_fexpr *f = NULL;
	struct nsv_bpf_prog prog = { 0 };
	uint8_t b[100];
	char *s = malloc(20000);
	size_t n = 0, len;
	int i, ok = 1, r;

	/* 300 ports: the last primitive is too far for an 8-bit jump */
	n += (size_t)sprintf(s + n, "op rw and (");
	for (i = 0; i < 300; i++)
		n += (size_t)sprintf(s + n, "%sport %d", i ? " or " : "",
				     10000 + i);
	sprintf(s + n, ") and len > 10");
	r = nsv_filter_parse(s, NULL, NULL, &f, NULL);
	if (!r)
		r = nsv_filter_compile(f, 262144, &prog);
	tap_ok(!r && prog.len > 600 && valid(&prog),
	       "a 300-port filter compiles to %u valid instructions", prog.len);
	len = mk(b, &(struct test_frame){ 2, 3, 1, 10299, 2, 44, 1, 5, 11, 0, 0,
					  0 });
	ok &= run_bpf(&prog, b, (uint32_t)len, (uint32_t)len) == 1;
	nsv_put_le32(b + NSV_MON_OFF(dst_port), 10000);
	ok &= run_bpf(&prog, b, (uint32_t)len, (uint32_t)len) == 1;
	nsv_put_le32(b + NSV_MON_OFF(dst_port), 10300);
	ok &= run_bpf(&prog, b, (uint32_t)len, (uint32_t)len) == 0;
	nsv_put_le32(b + NSV_MON_OFF(dst_port), 10150);
	nsv_put_le32(b + NSV_FRAME_VIRTIO_OFF(len), 10);
	ok &= run_bpf(&prog, b, (uint32_t)len, (uint32_t)len) == 0;
	tap_ok(ok, "... and its far jumps land: first, last, none, len");
	nsv_bpf_prog_free(&prog);
	nsv_fexpr_free(f);

	/* more than BPF_MAXINSNS */
	n = 0;
	for (i = 0; i < 600; i++)
		n += (size_t)sprintf(s + n, "%scid %d", i ? " or " : "", i);
	r = nsv_filter_parse(s, NULL, NULL, &f, NULL);
	tap_ok(!r, "600 cid primitives parse");
	tap_is_int(nsv_filter_compile(f, 262144, &prog), -E2BIG,
		   "... but are more than 4096 instructions: -E2BIG");
	nsv_fexpr_free(f);
	free(s);

	tap_ok(nsv_filter_compile(NULL, 65535, &prog) == 0 && prog.len == 1 &&
		       prog.insns[0].code == (BPF_RET | BPF_K) &&
		       prog.insns[0].k == 65535,
	       "no expression: one 'ret #snaplen'");
	nsv_bpf_prog_free(&prog);
}

/* libpcap itself accepts our programs (it runs bpf_validate()). */
static void test_libpcap_validates(void)
{
	static const char *const exprs[] = {
		"port 1",
		"op rw and len > 10",
		"not flags eom",
		"(cid 3 or cid 4) and type seqpacket",
	};
	/* a dead handle takes no filter: an empty capture file does */
	uint32_t hdr[6] = {
		0xa1b2c3d4, 0x00040002, 0, 0, 262144, NSV_DLT_VSOCK
	};
	struct nsv_bpf_insn bad[2] = { { BPF_JMP | BPF_JEQ | BPF_K, 7, 0, 1 },
				       { BPF_RET | BPF_K, 0, 0, 1 } };
	struct bpf_program badp = { 2, (struct bpf_insn *)bad };
	char ebuf[PCAP_ERRBUF_SIZE];
	FILE *tmp = tmpfile();
	pcap_t *p;
	size_t i;

	fwrite(hdr, sizeof(hdr), 1, tmp);
	rewind(tmp);
	p = pcap_fopen_offline(tmp, ebuf);
	if (!tap_ok(p != NULL, "an empty capture to set filters on"))
		return;
	tap_ok(pcap_setfilter(p, &badp) < 0,
	       "libpcap refuses a jump out of the program");

	for (i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		struct nsv_fexpr *f = NULL;
		struct nsv_bpf_prog prog = { 0 };
		struct bpf_program bp;
		int r;

		r = nsv_filter_parse(exprs[i], NULL, NULL, &f, NULL);
		if (!r)
			r = nsv_filter_compile(f, 262144, &prog);
		bp.bf_len = prog.len;
		bp.bf_insns = (struct bpf_insn *)prog.insns;
		tap_ok(!r && pcap_setfilter(p, &bp) == 0,
		       "libpcap takes the program for '%s'", exprs[i]);
		nsv_bpf_prog_free(&prog);
		nsv_fexpr_free(f);
	}
	pcap_close(p);
}

/* ----------------------------------------------- random differential test */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 11) % n);
}

static const char *const prims[] = {
	"cid 1",	"cid 2",       "src cid 3",	 "dst cid 3",
	"cid any",	"port 1234",   "src port 4000",	 "dst port 1234",
	"port *",	"op rw",       "op request",	 "op rst",
	"op 9",		"type stream", "type seqpacket", "type 9",
	"len > 100",	"len < 8",     "len = 0",	 "len != 4096",
	"len >= 65536", "len <= 13",   "flags eom",	 "flags eor",
	"flags rcv",	"flags send",  "flags 0x80",	 "flags 3",
};

static size_t gen_expr(char *s, int depth)
{
	size_t n = 0;

	switch (depth > 3 ? 0 : rnd(5)) {
	case 0:
	case 1:
		return (size_t)sprintf(
			s, "%s", prims[rnd(sizeof(prims) / sizeof(prims[0]))]);
	case 2:
		n = (size_t)sprintf(s, "not ");
		return n + gen_expr(s + n, depth + 1);
	default:
		s[n++] = '(';
		n += gen_expr(s + n, depth + 1);
		n += (size_t)sprintf(s + n, rnd(2) ? " and " : " or ");
		n += gen_expr(s + n, depth + 1);
		s[n++] = ')';
		s[n] = '\0';
		return n;
	}
}

static void gen_frame(uint8_t *b, uint32_t *caplen, uint32_t *wirelen)
{
	static const uint64_t cids[] = { 1, 2, 3, 0xffffffff, 0x100000003ULL };
	static const uint32_t ports[] = { 1234, 4000, 0xffffffff, 7 };
	static const uint16_t transports[] = { 2, 2, 2, 1, 0, 7 };
	static const uint16_t hlens[] = { 44, 44, 44, 48, 20, 0, 0xffff };
	static const uint32_t lens[] = { 0, 8, 13, 100, 101, 4096, 65536 };
	size_t n, i;

	n = mk_declared(b,
			&(struct test_frame){
				cids[rnd(5)], cids[rnd(5)], ports[rnd(4)],
				ports[rnd(4)], transports[rnd(6)],
				hlens[rnd(7)], (uint16_t)(1 + rnd(3)),
				(uint16_t)rnd(9), lens[rnd(7)],
				(uint32_t)rnd(4) | (rnd(8) ? 0 : 0x80), 0, 0 });
	for (i = n; i < 200; i++)
		b[i] = (uint8_t)rnd(256);
	/* sometimes a short frame, sometimes cut by the snap length */
	switch (rnd(6)) {
	case 0:
		*wirelen = rnd(90);
		break;
	default:
		*wirelen = 76 + rnd(120);
	}
	*caplen = rnd(4) ? *wirelen : rnd(*wirelen + 1);
}

static void test_random(void)
{
	static uint8_t b[256];
	unsigned long frames = 0, bad = 0, matched = 0;
	char expr[4096];
	int i, k;

	for (i = 0; i < 400; i++) {
		struct nsv_fexpr *f = NULL;
		struct nsv_bpf_prog prog = { 0 };

		gen_expr(expr, 0);
		if (nsv_filter_parse(expr, NULL, NULL, &f, NULL) ||
		    nsv_filter_compile(f, 262144, &prog) || !valid(&prog)) {
			tap_diag("cannot compile '%s'", expr);
			bad++;
			nsv_fexpr_free(f);
			continue;
		}
		for (k = 0; k < 500; k++) {
			uint32_t cap, wire;
			bool a, e;
			uint8_t *copy;

			gen_frame(b, &cap, &wire);
			/* an exact-size copy: ASan sees any overread */
			copy = malloc(cap ? cap : 1);
			memcpy(copy, b, cap);
			a = run_bpf(&prog, copy, cap, wire);
			e = nsv_filter_match(f, copy, cap, wire);
			free(copy);
			frames++;
			matched += a;
			if (a != e && bad++ < 5)
				tap_diag("'%s' cap %u wire %u: BPF %d, "
					 "evaluator %d",
					 expr, cap, wire, a, e);
		}
		nsv_bpf_prog_free(&prog);
		nsv_fexpr_free(f);
	}
	tap_ok(bad == 0 && matched > frames / 50 && matched < frames,
	       "400 random expressions x 500 random frames: BPF and "
	       "evaluator agree (%lu of %lu match)",
	       matched, frames);
}

/* -------------------------------------------------------------- printers */

static char *capture_text(int which, const char *expr, int level)
{
	struct nsv_fexpr *f = NULL;
	struct nsv_bpf_prog prog = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (nsv_filter_parse(expr, NULL, NULL, &f, NULL) == 0) {
		if (which)
			nsv_filter_print_tcpdump(m, f);
		else if (nsv_filter_compile(f, 262144, &prog) == 0)
			nsv_bpf_dump(m, &prog, level);
	}
	fclose(m);
	nsv_bpf_prog_free(&prog);
	nsv_fexpr_free(f);
	return buf;
}

static void test_printers(void)
{
	char *s;

	s = capture_text(1, "not src port 1234", 0);
	tap_is_str(s, "len >= 32 and not (link[16:4] = 0xd2040000)\n",
		   "tcpdump form of 'not src port 1234'");
	free(s);
	s = capture_text(1, "dst cid 3 or len < 5", 0);
	tap_is_str(s,
		   "len >= 32 and ((link[8:4] = 0x03000000 and link[12:4] = 0)"
		   " or (len >= 76 and link[26:2] = 0x0200 and link[28] + "
		   "link[29] * 256 >= 44 and link[56] + link[57] * 256 + "
		   "link[58] * 65536 + link[59] * 16777216 < 5))\n",
		   "tcpdump form of 'dst cid 3 or len < 5'");
	free(s);
	s = capture_text(0, "port 1", 1);
	tap_ok(s && !strncmp(s,
			     "(000) ld       #pktlen\n"
			     "(001) jge      #0x20            jt 2\tjf 7\n"
			     "(002) ld       [16]\n",
			     79),
	       "-d: tcpdump's listing");
	free(s);
	s = capture_text(0, "port 1", 2);
	tap_ok(s && !strncmp(s, "{ 0x80, 0, 0, 0x00000000 },\n", 28),
	       "-dd: C initializers");
	free(s);
	s = capture_text(0, "port 1", 3);
	tap_ok(s && !strncmp(s, "8\n128 0 0 0\n", 12), "-ddd: decimal");
	free(s);
}

static void test_join(void)
{
	char *argv[] = { "port", "1234", "and", "(op", "rw)" };
	char *s = nsv_fexpr_join(5, argv);

	tap_is_str(s, "port 1234 and (op rw)", "words join with spaces");
	free(s);
	s = nsv_fexpr_join(0, argv);
	tap_is_str(s, "", "no words join to the empty string");
	free(s);
}

/*
 * nsv_bpf_reach: past the bytes it names, nothing changes a program's
 * answer, so the hybrid relay may leave them in a pipe. Checked on a
 * virtio frame and on a relay frame (no transport header) whose payload
 * happens to hold, where virtio fields would be, values the primitives
 * test for.
 */
static void test_reach(void)
{
	struct nsv_bpf_insn ind[2] = { { BPF_LD | BPF_B | BPF_IND, 0, 0, 7 },
				       { BPF_RET | BPF_A, 0, 0, 0 } };
	struct nsv_bpf_prog indp = { 2, ind };
	struct nsv_bpf_prog prog = { 0 };
	uint8_t b[2][200];
	size_t i, k, n[2];
	bool same = true;
	uint32_t reach, hdr_max = 0;

	tap_ok(nsv_filter_compile(NULL, 262144, &prog) == 0 &&
		       nsv_bpf_reach(&prog) == 0,
	       "reach: no expression reads nothing");
	nsv_bpf_prog_free(&prog);
	tap_ok(nsv_bpf_reach(&indp) == UINT32_MAX,
	       "reach: a load at a computed offset may read anything");

	n[0] = mk(b[0], &(struct test_frame){ 2, 3, 1234, 4000, 2, 44, 1, 5,
					      100, 1, 0, 0 });
	memset(b[0] + n[0], 'x', 100);
	n[1] = mk(b[1],
		  &(struct test_frame){ 2, 3, 1234, 4000, NSV_TRANSPORT_NO_INFO,
					0, 0, 0, 0, 0, 0, 0 });
	/* virtio's op RW (5), type STREAM (1), flags EOM (1) */
	memset(b[1] + n[1], 0, 100);
	b[1][n[1] + NSV_FRAME_VIRTIO_OFF(op) - NSV_MON_HDR_LEN] = 5;
	b[1][n[1] + NSV_FRAME_VIRTIO_OFF(type) - NSV_MON_HDR_LEN] = 1;
	b[1][n[1] + NSV_FRAME_VIRTIO_OFF(flags) - NSV_MON_HDR_LEN] = 1;
	for (i = 0; i < sizeof(prims) / sizeof(prims[0]); i++) {
		struct nsv_fexpr *f = NULL;

		if (nsv_filter_parse(prims[i], NULL, NULL, &f, NULL) ||
		    nsv_filter_compile(f, 262144, &prog)) {
			same = false;
			continue;
		}
		reach = nsv_bpf_reach(&prog);
		if (!strncmp(prims[i], "cid", 3) || strstr(prims[i], "cid ") ||
		    strstr(prims[i], "port "))
			hdr_max = reach > hdr_max ? reach : hdr_max;
		for (k = 0; k < 2; k++) {
			uint32_t len = (uint32_t)n[k] + 100;
			uint32_t cut = reach < len ? reach : len;

			if (run_bpf(&prog, b[k], len, len) !=
			    run_bpf(&prog, b[k], cut, len)) {
				tap_diag("'%s' on frame %zu: reach %u",
					 prims[i], k, reach);
				same = false;
			}
		}
		nsv_bpf_prog_free(&prog);
		nsv_fexpr_free(f);
	}
	tap_ok(same, "reach: each primitive answers the same on frames cut "
		     "after its reach");
	tap_ok(hdr_max > 0 && hdr_max <= NSV_MON_HDR_LEN,
	       "reach: cid and port read only the vsockmon header (%u)",
	       hdr_max);
}

int main(void)
{
	test_semantics();
	test_names();
	test_errors();
	test_nesting();
	test_far_jumps();
	test_libpcap_validates();
	test_random();
	test_printers();
	test_join();
	test_reach();
	return tap_done();
}
