// SPDX-License-Identifier: GPL-2.0-or-later
/* Golden tests of vsockdump on lab-made and hand-made captures (and --regen). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "addr.h"
#include "vsockdump/filter.h"
#include "vsockdump/pcapio.h"
#include "vsockdump/tracepoint.h"
#include "frames.h"
#include "proto.h"
#include "tap.h"

/*
 * tests/golden/vsockdump/cases lists NAME INPUT OPTIONS...; each case runs
 * the built vsockdump with "-r INPUT OPTIONS..." (TZ=UTC) and compares
 * stdout, the exit status and (on failure) stderr with NAME.out.
 * "test-vsockdump-golden --regen" rewrites the .out files instead;
 * "--inputs DIR" only writes the hand-made captures (the @NAME inputs)
 * into DIR, for valgrind and the fuzzers.
 */

static char golden[2048], tmpdir[64], tool[2048];
static bool regen;

/* ------------------------------------------------------- written inputs */

static FILE *pcap_new(const char *name, uint32_t dlt)
{
	uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 262144, dlt };
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	if (!f)
		return NULL;
	fwrite(hdr, sizeof(hdr), 1, f);
	return f;
}

static uint32_t t_usec;

static void rec(FILE *f, const uint8_t *b, uint32_t caplen, uint32_t wirelen)
{
	uint32_t h[4] = { 1700000000, t_usec += 1000, caplen, wirelen };

	fwrite(h, sizeof(h), 1, f);
	fwrite(b, caplen, 1, f);
}

/* A vsockmon frame without payload. */
static size_t mk(uint8_t *b, const struct test_frame *t)
{
	return test_frame_build(b, NSV_MON_HDR_LEN + t->thdr_len, t, NULL, 0);
}

static void write_malformed(void)
{
	static uint8_t b[512];
	FILE *f = pcap_new("malformed.pcap", NSV_DLT_VSOCK);
	size_t n;

	/* 1: shorter than af_vsockmon_hdr */
	memset(b, 0x11, 20);
	rec(f, b, 20, 20);
	/* 2: a vsockmon header announcing a virtio header that is not there */
	n = mk(b, &(struct test_frame){ 1, 1, 5, 6, 2, 44, 1, 1, 0, 0, 0, 0 });
	rec(f, b, 32, 32);
	/* 3: NO_INFO transport, 8-byte header, 3 payload bytes */
	n = mk(b,
	       &(struct test_frame){ 2, 3, 1024, 99, 1, 8, 0, 0, 0, 0, 0, 0 });
	memcpy(b + n, "abc", 3);
	rec(f, b, (uint32_t)n + 3, (uint32_t)n + 3);
	/* 4: unknown transport 7, 4-byte header */
	n = mk(b, &(struct test_frame){ 3, 2, 7, 8, 7, 4, 0, 0, 0, 0, 0, 0 });
	rec(f, b, (uint32_t)n, (uint32_t)n);
	/* 5: VIRTIO with a header too short for virtio_vsock_hdr */
	n = mk(b, &(struct test_frame){ 3, 2, 7, 8, 2, 20, 0, 0, 0, 0, 0, 0 });
	rec(f, b, (uint32_t)n, (uint32_t)n);
	/* 6: a transport header longer than the frame */
	mk(b, &(struct test_frame){ 3, 2, 7, 8, 2, 44, 0, 0, 0, 0, 0, 0 });
	nsv_put_le16(b + NSV_MON_OFF(len), 0xffff);
	rec(f, b, 100, 100);
	/* 7: len says 100, the frame holds 10 */
	n = mk(b, &(struct test_frame){ 2, 3, 1234, 4000, 2, 44, 1, 5, 100, 0,
					65536, 0 });
	memcpy(b + n, "0123456789", 10);
	rec(f, b, (uint32_t)n + 10, (uint32_t)n + 10);
	/* 8: unknown op and type, stray flags */
	n = mk(b, &(struct test_frame){ 2, 3, 1234, 4000, 2, 44, 9, 42, 0, 0x80,
					1, 2 });
	rec(f, b, (uint32_t)n, (uint32_t)n);
	/* 9: RW on STREAM with flags 0x3: no names for them there */
	n = mk(b, &(struct test_frame){ 2, 3, 1234, 4000, 2, 44, 1, 5, 0, 3, 1,
					2 });
	rec(f, b, (uint32_t)n, (uint32_t)n);
	/* 10: the two headers disagree on the destination */
	n = mk(b, &(struct test_frame){ 2, 3, 1234, 4000, 2, 44, 1, 6, 0, 0, 1,
					2 });
	nsv_put_le32(b + NSV_FRAME_VIRTIO_OFF(dst_port), 4001);
	rec(f, b, (uint32_t)n, (uint32_t)n);
	/* 11: a 64-bit CID (the header has room for one) */
	n = mk(b, &(struct test_frame){ 0x100000005ULL, 2, 1, 2, 2, 44, 1, 1, 0,
					0, 0, 0 });
	rec(f, b, (uint32_t)n, (uint32_t)n);
	/* 12: payload cut by the snap length: 100 on the wire, 20 kept */
	n = mk(b, &(struct test_frame){ 2, 3, 1234, 4000, 2, 44, 2, 5, 100, 1,
					4096, 0 });
	memset(b + n, 'q', 20);
	rec(f, b, (uint32_t)n + 20, (uint32_t)n + 100);
	/* 13: any CID, any port */
	n = mk(b, &(struct test_frame){ 0xffffffff, 1, 0xffffffff, 5, 2, 44, 1,
					3, 0, 0, 0, 0 });
	rec(f, b, (uint32_t)n, (uint32_t)n);
	/* 14: a record claiming less on the wire than it holds */
	n = mk(b, &(struct test_frame){ 2, 3, 1234, 4000, 2, 44, 1, 7, 0, 0,
					4096, 0 });
	rec(f, b, (uint32_t)n, 10);
	fclose(f);
}

/*
 * A 6.1 vhost host splits a 35756-byte packet for the guest's 4 KiB
 * buffers; each fragment's frame carries the whole rest of the packet
 * while its header's len is the fragment's own (3732, last 2168).
 */
static void write_fragments(void)
{
	static uint8_t b[76 + 40000];
	FILE *f = pcap_new("fragments.pcap", NSV_DLT_VSOCK);
	uint32_t rest = 35756, fr;
	size_t n;

	n = mk(b, &(struct test_frame){ 3, 2, 50000, 1234, 2, 44, 1, 1, 0, 0,
					262144, 0 });
	rec(f, b, (uint32_t)n, (uint32_t)n);
	n = mk(b, &(struct test_frame){ 2, 3, 1234, 50000, 2, 44, 1, 2, 0, 0,
					262144, 0 });
	rec(f, b, (uint32_t)n, (uint32_t)n);
	while (rest) {
		fr = rest > 3732 ? 3732 : rest;
		n = mk(b, &(struct test_frame){ 2, 3, 1234, 50000, 2, 44, 1, 5,
						fr, 0, 262144, 0 });
		memset(b + n, 'f', rest);
		rec(f, b, (uint32_t)n + rest, (uint32_t)n + rest);
		rest -= fr;
	}
	n = mk(b, &(struct test_frame){ 3, 2, 50000, 1234, 2, 44, 1, 6, 0, 0,
					262144, 35756 });
	rec(f, b, (uint32_t)n, (uint32_t)n);
	fclose(f);
}

static int copy_cut(const char *from, const char *to, long keep)
{
	char path[4200], buf[65536];
	FILE *in, *out;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", golden, from);
	in = fopen(path, "rb");
	snprintf(path, sizeof(path), "%s/%s", tmpdir, to);
	out = fopen(path, "wb");
	if (!in || !out)
		return -1;
	n = fread(buf, 1, sizeof(buf), in);
	fwrite(buf, 1, (size_t)keep < n ? (size_t)keep : n, out);
	fclose(in);
	return fclose(out);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL;
	long n;

	*len = 0;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = malloc((size_t)n + 1);
	if (s && fread(s, 1, (size_t)n, f) == (size_t)n) {
		s[n] = '\0';
		*len = (size_t)n;
	}
	fclose(f);
	return s;
}

static uint32_t bswap(uint32_t v)
{
	return v >> 24 | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | v << 24;
}

/*
 * stream.pcap rewritten: @mode 'b' big-endian headers, 'n' nanosecond
 * time stamps, 's' a file snap length of 100 below its frames' caplen,
 * 'c' a record claiming 300000 captured bytes, 'h' cut inside a record
 * header, 'u' and 'f' the second record's fraction of a second out of
 * range (microseconds and nanoseconds). Frames stay as they are.
 */
static void write_variant(const char *name, char mode)
{
	size_t n, off, fourth = 0;
	char path[4200];
	uint8_t *b;
	FILE *f;
	int k;

	snprintf(path, sizeof(path), "%s/stream.pcap", golden);
	b = (uint8_t *)slurp(path, &n);
	if (!b)
		return;
	if (mode == 's')
		nsv_put_le32(b + 16, 100);
	for (off = 24, k = 0; off + 16 <= n; k++) {
		size_t rs = off;
		uint32_t r[4];
		int i;

		/* records are not aligned: copy each header out and back */
		memcpy(r, b + rs, sizeof(r));
		if (k == 3)
			fourth = rs;
		off = rs + 16 + r[2];
		if (mode == 'n' || mode == 'f')
			r[1] *= 1000;
		if (mode == 'u' && k == 1)
			r[1] += 1000000;
		if (mode == 'f' && k == 1)
			r[1] += 3000000000U;
		if (mode == 'c' && k == 2)
			r[2] = 300000;
		for (i = 0; mode == 'b' && i < 4; i++)
			r[i] = bswap(r[i]);
		memcpy(b + rs, r, sizeof(r));
		if (mode == 'c' && k == 2)
			break;
	}
	if (mode == 'b') {
		uint32_t h[6];
		uint8_t v[4] = { b[5], b[4], b[7], b[6] };

		memcpy(h, b, sizeof(h));
		h[0] = bswap(h[0]);
		h[2] = bswap(h[2]);
		h[3] = bswap(h[3]);
		h[4] = bswap(h[4]);
		h[5] = bswap(h[5]);
		memcpy(b, h, sizeof(h));
		memcpy(b + 4, v, 4);
	}
	if (mode == 'n' || mode == 'f')
		nsv_put_le32(b, 0xa1b23c4d);
	if (mode == 'h') /* 7 bytes into the fourth record's header */
		n = fourth + 7;
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	if (f) {
		fwrite(b, 1, n, f);
		fclose(f);
	}
	free(b);
}

/*
 * What -i tracepoints makes on a guest (CID 3): its own packets from alloc
 * events only (no credit fields), the host's from recv events; one
 * loopback packet that fired both; and a SEQPACKET RW sent (its EOM and
 * EOR unknown).
 */
static void write_tracepoints(void)
{
	static const struct {
		unsigned int synth;
		uint32_t scid, sport, dcid, dport;
		uint16_t op;
		uint32_t len, flags, buf_alloc, fwd_cnt;
	} ev[] = {
		{ NSV_SYNTH_ALLOC, 3, 1030, 2, 1234, 1, 0, 0, 0, 0 },
		{ NSV_SYNTH_RECV, 2, 1234, 3, 1030, 2, 0, 0, 262144, 0 },
		{ NSV_SYNTH_ALLOC, 3, 1030, 2, 1234, 5, 1000, 0, 0, 0 },
		{ NSV_SYNTH_ALLOC, 3, 1030, 2, 1234, 5, 65536, 0, 0, 0 },
		{ NSV_SYNTH_RECV, 2, 1234, 3, 1030, 6, 0, 0, 262144, 66536 },
		{ NSV_SYNTH_ALLOC, 3, 1030, 2, 1234, 4, 0, 3, 0, 0 },
		{ NSV_SYNTH_RECV, 2, 1234, 3, 1030, 3, 0, 0, 262144, 66536 },
		{ NSV_SYNTH_ALLOC | NSV_SYNTH_RECV, 1, 40000, 1, 1240, 1, 0, 0,
		  65536, 0 },
		{ NSV_SYNTH_ALLOC, 3, 1031, 2, 1235, 5, 8, 0, 0, 0 },
	};
	uint8_t b[NSV_TP_FRAME_LEN];
	FILE *f = pcap_new("tp-guest.pcap", NSV_DLT_VSOCK);
	size_t i;

	for (i = 0; f && i < sizeof(ev) / sizeof(ev[0]); i++) {
		struct nsv_tp_frame fr = {
			.ev = { .src_cid = ev[i].scid,
				.src_port = ev[i].sport,
				.dst_cid = ev[i].dcid,
				.dst_port = ev[i].dport,
				.len = ev[i].len,
				.type = ev[i].dport == 1235 ?
						NSV_VIRTIO_TYPE_SEQPACKET :
						NSV_VIRTIO_TYPE_STREAM,
				.op = ev[i].op,
				.flags = ev[i].flags,
				.buf_alloc = ev[i].buf_alloc,
				.fwd_cnt = ev[i].fwd_cnt },
			.synth = ev[i].synth,
		};
		uint32_t wire;

		nsv_tp_frame_build(&fr, b, &wire);
		rec(f, b, sizeof(b), wire);
	}
	if (f)
		fclose(f);
}

/*
 * What --hybrid records: a host-initiated connection to guest port 52, a
 * guest-initiated one to host port 7000 (the guest's port unknown), and a
 * request the VMM refused.
 */
static void write_relay(void)
{
	static const struct {
		uint8_t conn;
		uint32_t scid, sport, dcid, dport;
		uint16_t op;
		const char *data;
		uint32_t more; /* bytes on the wire past @data */
	} fr[] = {
		{ 1, 2, 1073741824, 3, 52, NSV_MON_OP_CONNECT, "CONNECT 52\n",
		  0 },
		{ 1, 3, 52, 2, 1073741824, NSV_MON_OP_CONNECT,
		  "OK 1073741824\n", 0 },
		{ 2, 3, NSV_PORT_ANY, 2, 7000, NSV_MON_OP_CONNECT, "", 0 },
		{ 2, 2, 7000, 3, NSV_PORT_ANY, NSV_MON_OP_CONNECT, "", 0 },
		{ 1, 2, 1073741824, 3, 52, NSV_MON_OP_PAYLOAD, "GET /\r\n", 0 },
		{ 2, 3, NSV_PORT_ANY, 2, 7000, NSV_MON_OP_PAYLOAD, "hello",
		  1000 },
		{ 1, 3, 52, 2, 1073741824, NSV_MON_OP_PAYLOAD, "200 OK\r\n",
		  0 },
		{ 1, 2, 1073741824, 3, 52, NSV_MON_OP_DISCONNECT, "", 0 },
		{ 3, 2, NSV_PORT_ANY, 3, 5, NSV_MON_OP_CONNECT, "CONNECT 5\n",
		  0 },
		{ 3, 3, 5, 2, NSV_PORT_ANY, NSV_MON_OP_DISCONNECT,
		  "ERR no such port\n", 0 },
		{ 1, 3, 52, 2, 1073741824, NSV_MON_OP_DISCONNECT, "", 0 },
		{ 2, 2, 7000, 3, NSV_PORT_ANY, NSV_MON_OP_PAYLOAD, "hi", 0 },
		{ 2, 3, NSV_PORT_ANY, 2, 7000, NSV_MON_OP_DISCONNECT, "", 0 },
		{ 2, 2, 7000, 3, NSV_PORT_ANY, NSV_MON_OP_DISCONNECT, "", 0 },
	};
	uint8_t b[NSV_MON_HDR_LEN + 64];
	FILE *f = pcap_new("relay.pcap", NSV_DLT_VSOCK);
	size_t i, n;

	for (i = 0; f && i < sizeof(fr) / sizeof(fr[0]); i++) {
		struct nsv_frame h = {
			.src_cid = fr[i].scid,
			.dst_cid = fr[i].dcid,
			.src_port = fr[i].sport,
			.dst_port = fr[i].dport,
			.op = fr[i].op,
			.transport = NSV_TRANSPORT_NO_INFO,
			.reserved = (uint16_t)(NSV_SYNTH | NSV_SYNTH_RELAY |
					       fr[i].conn << 8),
		};

		nsv_frame_encode(&h, b, sizeof(b));
		n = strlen(fr[i].data);
		memcpy(b + NSV_MON_HDR_LEN, fr[i].data, n);
		rec(f, b, (uint32_t)(NSV_MON_HDR_LEN + n),
		    (uint32_t)(NSV_MON_HDR_LEN + n + fr[i].more));
	}
	if (f)
		fclose(f);
}

/* @from's records dealt in turn to @a and @b: a capture split in two. */
static void write_split(const char *from, const char *a, const char *b)
{
	char path[4200];
	size_t n, off;
	uint8_t *d;
	FILE *f[2];
	int k;

	snprintf(path, sizeof(path), "%s/%s", golden, from);
	d = (uint8_t *)slurp(path, &n);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, a);
	f[0] = fopen(path, "wb");
	snprintf(path, sizeof(path), "%s/%s", tmpdir, b);
	f[1] = fopen(path, "wb");
	if (d && f[0] && f[1] && n >= 24) {
		fwrite(d, 24, 1, f[0]);
		fwrite(d, 24, 1, f[1]);
		for (off = 24, k = 0; off + 16 <= n; k ^= 1) {
			uint32_t r[4];

			memcpy(r, d + off, sizeof(r));
			fwrite(d + off, 16 + r[2], 1, f[k]);
			off += 16 + r[2];
		}
	}
	if (f[0])
		fclose(f[0]);
	if (f[1])
		fclose(f[1]);
	free(d);
}

static void write_inputs(void)
{
	char path[4200];
	FILE *f;

	write_malformed();
	write_fragments();
	write_tracepoints();
	write_relay();
	/* stream.pcap cut inside its fifth frame */
	copy_cut("stream.pcap", "cut.pcap", 24 + 4 * (16 + 76) + 16 + 30);
	f = pcap_new("ethernet.pcap", 1 /* DLT_EN10MB */);
	if (f)
		fclose(f);
	write_variant("swapped.pcap", 'b');
	write_variant("nano.pcap", 'n');
	write_variant("usec-range.pcap", 'u');
	write_variant("nsec-range.pcap", 'f');
	write_variant("snap100.pcap", 's');
	write_variant("bigcap.pcap", 'c');
	write_variant("cuthdr.pcap", 'h');
	write_split("credit.pcap", "credit-odd.pcap", "credit-even.pcap");
	write_split("seqpacket.pcap", "seq-odd.pcap", "seq-even.pcap");
	snprintf(path, sizeof(path), "%s/not-pcap.pcap", tmpdir);
	f = fopen(path, "w");
	if (f) {
		fputs("this is not a capture file, just some text\n", f);
		fclose(f);
	}
}

/* ------------------------------------------------------------ running */

static const char *run_stdin; /* a file for the next run()'s stdin */
static const char *run_hosts =
	"/dev/null"; /* NSV_VSOCK_HOSTS of the next run() */

/* Run vsockdump in @dir with @argv; returns "stdout# exit N\n[stderr]". */
static char *run(const char *dir, char **argv)
{
	char out[128], err[128], *o, *e, *res;
	size_t ol, el;
	int status = -1;
	pid_t pid;

	snprintf(out, sizeof(out), "%s/stdout", tmpdir);
	snprintf(err, sizeof(err), "%s/stderr", tmpdir);
	pid = fork();
	if (pid == 0) {
		int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fo < 0 || fe < 0 || chdir(dir))
			_exit(127);
		if (run_stdin) {
			int fi = open(run_stdin, O_RDONLY);

			if (fi < 0)
				_exit(127);
			dup2(fi, 0);
		}
		dup2(fo, 1);
		dup2(fe, 2);
		setenv("TZ", "UTC", 1);
		setenv("LC_ALL", "C", 1);
		/* neither /etc/vsock-hosts nor this machine's VMs show */
		setenv("NSV_VSOCK_HOSTS", run_hosts, 1);
		execv(tool, argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	o = slurp(out, &ol);
	e = slurp(err, &el);
	res = malloc(ol + el + 64);
	if (res) {
		int code = WIFEXITED(status) ? WEXITSTATUS(status) :
					       128 + WTERMSIG(status);

		snprintf(res, ol + el + 64, "%s# exit %d\n%s", o ? o : "", code,
			 code ? (e ? e : "") : "");
	}
	free(o);
	free(e);
	return res;
}

static void first_diff(const char *got, const char *want)
{
	int line = 1;
	const char *g = got, *w = want;

	while (*g && *g == *w) {
		if (*g == '\n')
			line++;
		g++;
		w++;
	}
	while (g > got && g[-1] != '\n')
		g--;
	while (w > want && w[-1] != '\n')
		w--;
	tap_diag("  first difference on line %d:", line);
	tap_diag("  got:  %.*s", (int)strcspn(g, "\n"), g);
	tap_diag("  want: %.*s", (int)strcspn(w, "\n"), w);
}

static void run_cases(void)
{
	char path[4200], line[1024];
	FILE *cases;

	snprintf(path, sizeof(path), "%s/cases", golden);
	cases = fopen(path, "r");
	tap_ok(cases != NULL, "read %s", path);
	if (!cases)
		return;
	while (fgets(line, sizeof(line), cases)) {
		char *argv[64], *name, *input, *tok, *res, *want;
		char hosts[4200] = "/dev/null";
		const char *dir = golden;
		int argc = 0;
		size_t wl;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		name = strtok(line, " \t\n");
		input = strtok(NULL, " \t\n");
		if (!name || !input)
			continue;
		argv[argc++] = "vsockdump";
		argv[argc++] = "-r";
		if (input[0] == '@') {
			input++;
			dir = tmpdir;
		}
		argv[argc++] = input;
		while ((tok = strtok(NULL, " \t\n")) && argc < 63) {
			/* relative to the golden directory, as messages quote it */
			if (!strncmp(tok, "@hosts=", 7) && dir == golden)
				snprintf(hosts, sizeof(hosts), "%s", tok + 7);
			else if (!strncmp(tok, "@hosts=", 7))
				snprintf(hosts, sizeof(hosts), "%s/%s", golden,
					 tok + 7);
			else
				argv[argc++] = tok;
		}
		argv[argc] = NULL;
		run_hosts = hosts;
		res = run(dir, argv);
		snprintf(path, sizeof(path), "%s/%s.out", golden, name);
		if (regen) {
			FILE *f = fopen(path, "w");

			tap_ok(f && res && fputs(res, f) >= 0 && !fclose(f),
			       "wrote %s.out", name);
			free(res);
			continue;
		}
		want = slurp(path, &wl);
		if (!tap_ok(res && want && !strcmp(res, want), "golden %s",
			    name)) {
			if (!want)
				tap_diag("  %s missing: run regen", path);
			else if (res)
				first_diff(res, want);
		}
		free(res);
		free(want);
	}
	fclose(cases);
}

/* ----------------------------------------------- filters on the fixtures */

/*
 * Every primitive on every lab-made capture: the compiled program (run by
 * libpcap's own BPF interpreter) and the reference evaluator agree, and the
 * primitive selects some frames of the captures but not all of them.
 */
static const char *const exprs[] = {
	"cid 1",
	"src cid local",
	"dst cid 1",
	"cid 3",
	"port 1234",
	"src port 1234",
	"dst port 1235",
	"op request",
	"op response",
	"op rst",
	"op shutdown",
	"op rw",
	"op credit_update",
	"type stream",
	"type seqpacket",
	"len > 100",
	"len < 13",
	"len >= 4096",
	"len <= 8",
	"len = 700",
	"len != 0",
	"flags rcv",
	"flags send",
	"flags eom",
	"flags eor",
	"flags 3",
	"not op rw",
	"op rw and (len > 100 or flags eor)",
	"! port 1234 && len == 0",
	"src port 1234 or dst port 1299",
};

/* lab-made, then written by this test ('@'): other CIDs, odd frames */
static const char *const fixtures[] = {
	"stream.pcap",	  "seqpacket.pcap",  "refused.pcap",
	"credit.pcap",	  "snap60.pcap",     "snap90.pcap",
	"vhost-6.1.pcap", "@fragments.pcap", "@malformed.pcap",
};

struct tally {
	unsigned long frames, matched, disagree;
};

static void filter_fixture(const char *expr, const char *file, struct tally *t)
{
	char ebuf[PCAP_ERRBUF_SIZE], path[4200];
	struct nsv_fexpr *f = NULL;
	struct nsv_bpf_prog prog;
	struct bpf_program bp;
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p;

	if (file[0] == '@')
		snprintf(path, sizeof(path), "%s/%s", tmpdir, file + 1);
	else
		snprintf(path, sizeof(path), "%s/%s", golden, file);
	p = pcap_open_offline(path, ebuf);
	if (!p || nsv_filter_parse(expr, NULL, NULL, &f, NULL) ||
	    nsv_filter_compile(f, 262144, &prog)) {
		t->disagree++;
		if (p)
			pcap_close(p);
		nsv_fexpr_free(f);
		return;
	}
	bp.bf_len = prog.len;
	bp.bf_insns = (struct bpf_insn *)prog.insns;
	while (pcap_next_ex(p, &h, &d) == 1) {
		bool a = pcap_offline_filter(&bp, h, d) != 0;
		bool b = nsv_filter_match(f, d, h->caplen, h->len);

		t->frames++;
		t->matched += a;
		t->disagree += a != b;
	}
	pcap_close(p);
	nsv_bpf_prog_free(&prog);
	nsv_fexpr_free(f);
}

static void run_filters(void)
{
	size_t i, k;

	for (i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		struct tally t = { 0 };

		for (k = 0; k < sizeof(fixtures) / sizeof(fixtures[0]); k++)
			filter_fixture(exprs[i], fixtures[k], &t);
		tap_ok(t.disagree == 0 && t.matched > 0 && t.matched < t.frames,
		       "filter '%s': BPF and evaluator agree on %lu frames, "
		       "%lu match",
		       exprs[i], t.frames, t.matched);
	}
}

/* ---------------------------------------------- tcpdump, independently */

static char *capture_lines(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *s = NULL;
	size_t cap = 0, n = 0, m;

	if (!p)
		return NULL;
	do {
		if (n + 4096 >= cap) {
			char *ns;

			cap = cap ? 2 * cap : 65536;
			ns = realloc(s, cap);
			if (!ns) {
				free(s);
				s = NULL;
				break;
			}
			s = ns;
		}
		m = fread(s + n, 1, cap - n - 1, p);
		n += m;
	} while (m);
	if (s)
		s[n] = '\0';
	pclose(p);
	return s;
}

/*
 * --tcpdump-filter's expression, compiled by libpcap's own compiler inside
 * tcpdump, picks the same frames as ours (compared by time stamp).
 */
static void run_tcpdump(void)
{
	static const char *const fx[] = { "stream.pcap", "seqpacket.pcap",
					  "credit.pcap", "refused.pcap" };
	char cmd[16384];
	size_t i, k;

	if (system("tcpdump --version >/dev/null 2>&1")) {
		printf("ok %d - tcpdump agrees # SKIP no tcpdump\n", ++tap_n);
		return;
	}
	for (i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		bool same = true;

		for (k = 0; k < sizeof(fx) / sizeof(fx[0]); k++) {
			char *ours, *theirs;

			snprintf(cmd, sizeof(cmd),
				 "cd '%s' && '%s' -r %s -tt '%s' 2>/dev/null | "
				 "cut -d' ' -f1",
				 golden, tool, fx[k], exprs[i]);
			ours = capture_lines(cmd);
			snprintf(cmd, sizeof(cmd),
				 "cd '%s' && tcpdump -r %s -tt \"$('%s' "
				 "--tcpdump-filter '%s')\" 2>/dev/null | "
				 "cut -d' ' -f1",
				 golden, fx[k], tool, exprs[i]);
			theirs = capture_lines(cmd);
			if (!ours || !theirs || strcmp(ours, theirs)) {
				same = false;
				tap_diag("  %s: ours:\n%s\n  tcpdump's:\n%s",
					 fx[k], ours, theirs);
			}
			free(ours);
			free(theirs);
		}
		tap_ok(same,
		       "tcpdump with --tcpdump-filter '%s' picks the "
		       "same frames",
		       exprs[i]);
	}
}

/* ------------------------------------------------------------- -C and -W */

static long frames_in(const char *path)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p = pcap_open_offline(path, ebuf);
	long n = 0;

	if (!p)
		return -1;
	if (pcap_datalink(p) != NSV_DLT_VSOCK)
		n = -1000;
	while (pcap_next_ex(p, &h, &d) == 1)
		n++;
	pcap_close(p);
	return n;
}

static void run_rotation(void)
{
	char path[4200], out[4200];
	char *argv[] = { "vsockdump", "-r", "credit.pcap", "-w", out,
			 "-C",	      "5k", NULL,	   NULL, NULL };
	char *res;
	long total = 0, n;
	int files = 0, i;

	/* -C 5k: a new file once one is past 5120 bytes: rot, rot1, rot2 */
	snprintf(out, sizeof(out), "%s/rot", tmpdir);
	res = run(golden, argv);
	tap_ok(res && strstr(res, "# exit 0"), "-w -C 5k exits 0");
	free(res);
	for (i = 0; i < 10; i++) {
		if (i)
			snprintf(path, sizeof(path), "%s/rot%d", tmpdir, i);
		else
			snprintf(path, sizeof(path), "%s/rot", tmpdir);
		n = frames_in(path);
		if (n < 0)
			break;
		files++;
		total += n;
	}
	tap_is_int(files, 3, "-C 5k splits credit.pcap into rot, rot1, rot2");
	tap_is_int(total, 12, "the rotated files hold all 12 frames");

	/* -W 2: rot0 and rot1 in turn; the newest frames survive */
	snprintf(out, sizeof(out), "%s/ring", tmpdir);
	argv[7] = "-W";
	argv[8] = "2";
	res = run(golden, argv);
	tap_ok(res && strstr(res, "# exit 0"), "-w -C 5k -W 2 exits 0");
	free(res);
	snprintf(path, sizeof(path), "%s/ring2", tmpdir);
	tap_ok(access(path, F_OK) != 0, "-W 2 never writes a third file");
	snprintf(path, sizeof(path), "%s/ring0", tmpdir);
	n = frames_in(path);
	snprintf(path, sizeof(path), "%s/ring1", tmpdir);
	total = frames_in(path);
	tap_ok(n > 0 && total > 0 && n + total < 12,
	       "-W 2 keeps two files, older frames overwritten (%ld + %ld)", n,
	       total);

	/* what -w wrote reads back frame for frame */
	snprintf(out, sizeof(out), "%s/copy.pcap", tmpdir);
	argv[5] = NULL;
	res = run(golden, argv);
	free(res);
	{
		char *a, *b;
		char *ra[] = { "vsockdump", "-r", "credit.pcap",
			       "-v",	    "-X", NULL };
		char *rb[] = { "vsockdump", "-r", out, "-v", "-X", NULL };

		a = run(golden, ra);
		b = run(golden, rb);
		tap_ok(a && b && !strcmp(a, b),
		       "-w then -r prints the same as the original");
		free(a);
		free(b);
	}
}

/*
 * A capture split in two, frame by frame, and read back with two -r: the
 * same frames, flows and credit as the whole, in either order of files.
 */
static void run_merge(void)
{
	static const struct {
		const char *whole, *a, *b, *opts[4];
	} m[] = {
		{ "credit.pcap",
		  "credit-odd.pcap",
		  "credit-even.pcap",
		  { "-v", "--flows", "-#", NULL } },
		{ "seqpacket.pcap",
		  "seq-odd.pcap",
		  "seq-even.pcap",
		  { "-X", "-vv", "--flows", NULL } },
	};
	size_t i, k;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		char *w[12] = { "vsockdump", "-r", (char *)m[i].whole };
		char *ab[12] = { "vsockdump", "-r", (char *)m[i].a, "-r",
				 (char *)m[i].b };
		char *ba[12] = { "vsockdump", "-r", (char *)m[i].b, "-r",
				 (char *)m[i].a };
		char *rw, *rab, *rba;

		for (k = 0; m[i].opts[k]; k++) {
			w[3 + k] = (char *)m[i].opts[k];
			ab[5 + k] = ba[5 + k] = (char *)m[i].opts[k];
		}
		rw = run(golden, w);
		rab = run(tmpdir, ab);
		rba = run(tmpdir, ba);
		if (!tap_ok(rw && rab && !strcmp(rw, rab),
			    "%s split in two and merged by -r -r reads as the "
			    "whole",
			    m[i].whole) &&
		    rw && rab)
			first_diff(rab, rw);
		tap_ok(rw && rba && !strcmp(rw, rba),
		       "%s: the halves in the other order too", m[i].whole);
		free(rw);
		free(rab);
		free(rba);
	}
}

/* Drop what names the file ("-" on stdin): the reading-from line and
 * the "vsockdump: NAME: " before an error. */
static void drop_name(char *s, const char *name)
{
	char *l = s ? strstr(s, "reading from file ") : NULL, *e;
	char pre[128];

	if (l && (e = strchr(l, '\n')))
		memmove(l, e + 1, strlen(e + 1) + 1);
	snprintf(pre, sizeof(pre), "vsockdump: %s: ", name);
	l = s ? strstr(s, pre) : NULL;
	if (l)
		memmove(l, l + strlen(pre), strlen(l + strlen(pre)) + 1);
}

/*
 * A classic pcap file is walked in a mapping, stdin through libpcap's own
 * reader: both must give the same frames, counts and errors.
 */
static void run_readers(void)
{
	static const char *const files[] = {
		"stream.pcap",	 "seqpacket.pcap",  "credit.pcap",
		"snap60.pcap",	 "@malformed.pcap", "@fragments.pcap",
		"@cut.pcap",	 "@swapped.pcap",   "@nano.pcap",
		"@snap100.pcap", "@bigcap.pcap",    "@cuthdr.pcap",
	};
	char path[4200], name[64];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const char *file = files[i], *dir = golden;
		char *argv_f[] = { "vsockdump", "-r",	   name,     "-vv",
				   "-XX",	"--flows", "--nano", NULL };
		char *argv_s[] = { "vsockdump", "-r",	   "-",	     "-vv",
				   "-XX",	"--flows", "--nano", NULL };
		char *a, *b;

		if (file[0] == '@') {
			dir = tmpdir;
			file++;
		}
		snprintf(name, sizeof(name), "%s", file);
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		a = run(dir, argv_f);
		run_stdin = path;
		b = run(dir, argv_s);
		run_stdin = NULL;
		drop_name(a, name);
		drop_name(b, "-");
		if (!tap_ok(a && b && !strcmp(a, b),
			    "%s: the mapped file reads as libpcap reads it",
			    files[i]) &&
		    a && b)
			first_diff(a, b);
		free(a);
		free(b);
	}
}

int main(int argc, char **argv)
{
	const char *src = getenv("abs_top_srcdir");
	const char *build = getenv("abs_top_builddir");

	if (argc == 3 && !strcmp(argv[1], "--inputs")) {
		if (strlen(argv[2]) >= sizeof(tmpdir)) {
			fprintf(stderr, "%s: too long a path\n", argv[2]);
			return 2;
		}
		snprintf(tmpdir, sizeof(tmpdir), "%s", argv[2]);
		snprintf(golden, sizeof(golden), "%s/tests/golden/vsockdump",
			 src ? src : ".");
		write_inputs();
		return 0;
	}
	regen = argc > 1 && !strcmp(argv[1], "--regen");
	snprintf(golden, sizeof(golden), "%s/tests/golden/vsockdump",
		 src ? src : ".");
	snprintf(tool, sizeof(tool), "%s/vsockdump/vsockdump",
		 build ? build : ".");
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vsockdump-golden.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	write_inputs();
	run_cases();
	if (!regen) {
		run_filters();
		run_tcpdump();
		run_rotation();
		run_merge();
		run_readers();
	}
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd))
			tap_diag("could not remove %s", tmpdir);
	}
	return tap_done();
}
