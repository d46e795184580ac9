// SPDX-License-Identifier: GPL-2.0-or-later
/* Fuzz target: sock_diag replies and vsockstat recordings, replayed and printed. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"
#include "vsockstat/diag.h"
#include "vsockstat/socktab.h"

/*
 * The input is a recording as vsockstat --record writes it (or a bare
 * sock_diag reply, which is one too). Promises: the reply parser reports
 * each socket once and ends with 0, 1 or -errno; a replayed table adds up
 * (each namespace's count is its sockets, each socket's namespace exists,
 * each namespace's error is an errno) and prints as text, summary and
 * JSON; a failed replay says where, inside the input.
 */

static FILE *sink;

static int count(const struct nsv_diag_sock *s, void *data)
{
	(*(size_t *)data)++;
	return 0;
}

static void print_all(const struct nsv_socktab *t)
{
	static const unsigned int flags[] = {
		0,
		NSV_FMT_NUMERIC | NSV_STAT_NETNS,
		NSV_STAT_NETNS | NSV_STAT_NOHEADER,
	};
	struct nsv_json j;
	size_t i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		NSV_FUZZ_CHECK(nsv_socktab_print(sink, t, flags[i]) == 0);
		NSV_FUZZ_CHECK(nsv_socktab_summary(sink, t, flags[i]) == 0);
		nsv_json_init(&j, sink, false);
		NSV_FUZZ_CHECK(nsv_socktab_json(&j, t, flags[i], false) == 0);
		nsv_json_init(&j, sink, true);
		NSV_FUZZ_CHECK(nsv_socktab_json(&j, t, flags[i], true) == 0);
	}
}

static int one(const uint8_t *data, size_t size)
{
	struct nsv_sockfilter f = { .states = 1U << NSV_SS_LISTEN };
	struct nsv_socktab t;
	size_t n = 0, sum, i, off = (size_t)-1;
	int r;

	if (!sink) {
		sink = fopen("/dev/null", "w");
		if (!sink)
			abort();
	}
	r = nsv_diag_parse(data, size, count, &n);
	NSV_FUZZ_CHECK(r == 0 || r == 1 || (r < 0 && r >= -4095));

	nsv_socktab_init(&t);
	r = nsv_socktab_replay(&t, data, size, NULL, &off);
	if (r == 0) {
		sum = 0;
		for (i = 0; i < t.nns; i++) {
			sum += t.ns[i].nsocks;
			NSV_FUZZ_CHECK(t.ns[i].err <= 0 &&
				       t.ns[i].err >= -4095);
		}
		NSV_FUZZ_CHECK(sum == t.nsocks);
		for (i = 0; i < t.nsocks; i++)
			NSV_FUZZ_CHECK(t.socks[i].ns < t.nns);
		print_all(&t);
		/* a filter only ever takes sockets away */
		n = t.nsocks;
		NSV_FUZZ_CHECK(nsv_socktab_replay(&t, data, size, &f, NULL) ==
			       0);
		NSV_FUZZ_CHECK(t.nsocks <= n);
		for (i = 0; i < t.nsocks; i++)
			NSV_FUZZ_CHECK(t.socks[i].d.state == NSV_SS_LISTEN);
	} else {
		NSV_FUZZ_CHECK(r == -EBADMSG || r == -ENOMEM);
		NSV_FUZZ_CHECK(off <= size);
	}
	nsv_socktab_free(&t);
	return 0;
}

static const char *const seeds[] = {
	"tests/golden/vsockstat/*.diag",
	NULL,
};

static const struct nsv_fuzz_target target = {
	.name = "diag",
	.one = one,
	.seeds = seeds,
};
NSV_FUZZ_TARGET(target)
