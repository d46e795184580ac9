// SPDX-License-Identifier: GPL-2.0-or-later
/* Fuzz target: vncat's CID lists (--allow-cid, --deny-cid). */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "vncat/sock.h"

/*
 * The input is one --allow-cid argument, parsed into a list that already
 * holds one range. Promises: a failure leaves the list as it was; success
 * adds one range per comma-separated item, each with lo <= hi, and every
 * range's ends are in the list.
 */
static int one(const uint8_t *data, size_t size)
{
	struct nsv_cidlist l = { 0 };
	size_t items = 1, i;
	char *s;
	int r;

	s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	NSV_FUZZ_CHECK(nsv_cidlist_parse(&l, "100-200") == 0 && l.n == 1);
	for (i = 0; s[i]; i++)
		items += s[i] == ',';
	r = nsv_cidlist_parse(&l, s);
	if (r < 0) {
		NSV_FUZZ_CHECK(l.n == 1 && l.v[0].lo == 100 &&
			       l.v[0].hi == 200);
	} else {
		NSV_FUZZ_CHECK(l.n == 1 + items);
		for (i = 0; i < l.n; i++) {
			NSV_FUZZ_CHECK(l.v[i].lo <= l.v[i].hi);
			NSV_FUZZ_CHECK(nsv_cidlist_has(&l, l.v[i].lo));
			NSV_FUZZ_CHECK(nsv_cidlist_has(&l, l.v[i].hi));
			NSV_FUZZ_CHECK(!nsv_cid_allowed(NULL, &l, l.v[i].lo));
		}
	}
	nsv_cidlist_free(&l);
	free(s);
	return 0;
}

static const char *const words[] = {
	"3",
	"3,5-9,host",
	"any",
	"*",
	"0-4294967295",
	"local-host",
	"9-5",
	"5-",
	"-5",
	"1-2-3",
	",",
	"3,,4",
	"0x10-0x20,hypervisor",
	"4294967295-4294967295",
	"any-3",
	"",
	NULL,
};

static void gen(nsv_fuzz_emit emit, void *ctx)
{
	nsv_fuzz_emit_strings(emit, ctx, words);
}

static const struct nsv_fuzz_target target = {
	.name = "cidlist",
	.one = one,
	.gen = gen,
};
NSV_FUZZ_TARGET(target)
