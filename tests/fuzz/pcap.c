// SPDX-License-Identifier: GPL-2.0-or-later
/* Fuzz target: pcap and pcapng files read by vsockdump -r, and written back. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "proto.h"
#include "vsockdump/filter.h"
#include "vsockdump/flow.h"
#include "vsockdump/pcapio.h"
#include "vsockdump/print.h"
#include "vsockdump/savefile.h"

/*
 * The input is a file. Read through vsockdump's reader (a classic pcap file
 * is walked in a mapping of our own, anything else by libpcap), every frame
 * is decoded, followed and printed from an exact-size copy, and a filter
 * runs on it. Promises: no frame is longer than the snap length; a failed
 * read says why; the frames read, written as pcap and as pcapng and read
 * again, come back the same (to the microsecond in classic pcap, to the
 * nanosecond in pcapng).
 */

struct frame {
	int64_t sec;
	uint32_t nsec, caplen, wirelen;
	uint8_t *data;
};

struct run {
	struct nsv_flows *flows;
	struct nsv_printer *pr[2];
	struct frame *v;
	size_t n, cap;
	unsigned int snaplen;
	bool keep;
};

static FILE *sink;

static void on_frame(const struct nsv_pkt *pkt, void *user)
{
	struct run *r = user;
	struct nsv_flow_note note;
	struct nsv_frame f;
	struct nsv_pkt p = *pkt;
	uint8_t *copy;
	size_t i;

	NSV_FUZZ_CHECK(pkt->caplen <= r->snaplen || !r->snaplen);
	NSV_FUZZ_CHECK(pkt->caplen <= pkt->wirelen);
	copy = malloc(pkt->caplen ? pkt->caplen : 1);
	if (!copy)
		abort();
	memcpy(copy, pkt->data, pkt->caplen);
	p.data = copy;
	nsv_frame_decode(copy, p.caplen, p.wirelen, &f);
	NSV_FUZZ_CHECK(nsv_flows_update(r->flows, &p, &f, &note) == 0);
	for (i = 0; i < 2; i++)
		nsv_print_frame(r->pr[i], r->n + 1, &p, &f, &note);
	if (!r->keep) {
		free(copy);
		return;
	}
	if (r->n == r->cap) {
		size_t c = r->cap ? 2 * r->cap : 16;
		struct frame *v = realloc(r->v, c * sizeof(*v));

		if (!v)
			abort();
		r->v = v;
		r->cap = c;
	}
	r->v[r->n++] = (struct frame){ pkt->sec, pkt->nsec, pkt->caplen,
				       pkt->wirelen, copy };
}

/* @size bytes as a file; returns its /proc/self/fd path in @path. */
static int memfile(const uint8_t *data, size_t size, char *path, size_t len)
{
	int fd = memfd_create("nsv-fuzz", MFD_CLOEXEC);

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

/* Reads @path; fills @r and returns what nsv_pcap_loop() did, or -1. */
static long read_all(const char *path, struct run *r, bool filter)
{
	static const struct nsv_print_opts opts[2] = {
		{ .verbose = 2, .hex = 2, .tstamp = NSV_TS_DELTA },
		{ .json = true, .hex = 1 },
	};
	struct nsv_fexpr *flt = NULL;
	struct nsv_fexpr_error fe;
	struct nsv_bpf_prog prog = { 0 };
	char err[4096];
	struct nsv_pcap *p;
	long n;
	int e;

	e = nsv_pcap_open_file(&p, path, err, sizeof(err));
	if (e < 0) {
		NSV_FUZZ_CHECK(err[0]);
		return -1;
	}
	r->snaplen = nsv_pcap_snaplen(p);
	if (filter) {
		NSV_FUZZ_CHECK(
			nsv_filter_parse("port 1234 or op rw and len > 3", NULL,
					 NULL, &flt, &fe) == 0);
		NSV_FUZZ_CHECK(
			nsv_filter_compile(flt, NSV_SNAPLEN_MAX, &prog) == 0);
		NSV_FUZZ_CHECK(nsv_pcap_set_filter(p, &prog) == 0);
	}
	if (nsv_flows_new(&r->flows) < 0 ||
	    nsv_printer_new(&r->pr[0], sink, &opts[0]) < 0 ||
	    nsv_printer_new(&r->pr[1], sink, &opts[1]) < 0)
		abort();
	n = nsv_pcap_loop(p, 0, on_frame, r);
	if (n < 0)
		NSV_FUZZ_CHECK(nsv_pcap_error(p) && nsv_pcap_error(p)[0]);
	else
		NSV_FUZZ_CHECK(filter || (size_t)n == r->n);
	nsv_flows_print(sink, r->flows, &opts[0]);
	nsv_printer_free(r->pr[0]);
	nsv_printer_free(r->pr[1]);
	nsv_flows_free(r->flows);
	nsv_pcap_close(p);
	nsv_bpf_prog_free(&prog);
	nsv_fexpr_free(flt);
	return n;
}

static void drop(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->v[i].data);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* The seconds whose nanoseconds all fit pcapng's 64-bit time stamp. */
#define PCAPNG_SEC_MAX ((int64_t)(UINT64_MAX / 1000000000 - 1))

/* The frames of @a written as pcap or pcapng and read back: the same. */
static void roundtrip(struct run *a, enum nsv_savefile_format fmt)
{
	struct nsv_savefile_iface iface = { .name = "vsockmon0",
					    .snaplen = a->snaplen };
	struct nsv_savefile *sf;
	struct run b = { .keep = true };
	char path[64];
	size_t i;
	FILE *f;
	int fd;

	fd = memfile(NULL, 0, path, sizeof(path));
	f = fopen(path, "wb");
	NSV_FUZZ_CHECK(f);
	NSV_FUZZ_CHECK(nsv_savefile_open(&sf, f, fmt, &iface, 1, "fuzz") == 0);
	for (i = 0; i < a->n; i++) {
		struct nsv_pkt p = { .sec = a->v[i].sec,
				     .nsec = a->v[i].nsec,
				     .caplen = a->v[i].caplen,
				     .wirelen = a->v[i].wirelen,
				     .data = a->v[i].data };

		NSV_FUZZ_CHECK(nsv_savefile_write(sf, 0, &p) == 0);
	}
	NSV_FUZZ_CHECK(nsv_savefile_close(sf) == 0);
	NSV_FUZZ_CHECK(read_all(path, &b, false) == (long)a->n);
	for (i = 0; i < a->n; i++) {
		struct frame *x = &a->v[i], *y = &b.v[i];

		/*
		 * pcap keeps 32 bits of seconds and microseconds; pcapng
		 * 64 bits of nanoseconds since 1970, where they fit
		 */
		if (fmt == NSV_SAVEFILE_PCAP) {
			NSV_FUZZ_CHECK((uint32_t)x->sec == (uint32_t)y->sec);
			NSV_FUZZ_CHECK(x->nsec / 1000 == y->nsec / 1000);
		} else if (x->sec >= 0 && x->sec < PCAPNG_SEC_MAX &&
			   x->nsec < 1000000000) {
			NSV_FUZZ_CHECK(x->sec == y->sec && x->nsec == y->nsec);
		}
		NSV_FUZZ_CHECK(x->caplen == y->caplen &&
			       x->wirelen == y->wirelen);
		NSV_FUZZ_CHECK(!memcmp(x->data, y->data, x->caplen));
	}
	drop(&b);
	close(fd);
}

static int one(const uint8_t *data, size_t size)
{
	struct run a = { .keep = true }, f = { 0 };
	char path[64];
	long n;
	int fd;

	if (!sink) {
		sink = fopen("/dev/null", "w");
		if (!sink)
			abort();
	}
	fd = memfile(data, size, path, sizeof(path));
	n = read_all(path, &a, false);
	if (n >= 0) {
		roundtrip(&a, NSV_SAVEFILE_PCAP);
		roundtrip(&a, NSV_SAVEFILE_PCAPNG);
	}
	drop(&a);
	read_all(path, &f, true);
	close(fd);
	return 0;
}

static const char *const seeds[] = {
	"tests/golden/vsockdump/*.pcap",
	"tests/golden/vsockdump/*.pcapng",
	NULL,
};

static const struct nsv_fuzz_target target = {
	.name = "pcap",
	.one = one,
	.seeds = seeds,
};
NSV_FUZZ_TARGET(target)
