// SPDX-License-Identifier: GPL-2.0-or-later
/* Fuzz target: vsock-hosts files, the CID names every tool reads. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "names.h"

/*
 * The input is a vsock-hosts file. Promises: the count of refused lines is
 * the number of lines reported bad; every name taken is one
 * nsv_names_check() allows and looks up (in any case) to its CID, which is
 * never "any"; a CID with a name prints as its first name and fits the
 * buffers the header promises; the table written back out as
 * "CID NAME" lines reads back to the same table with nothing refused.
 */

struct seen {
	unsigned int bad, lines;
	char *text; /* the table written out */
	size_t len, cap;
	const struct nsv_names *n;
};

static int on_bad(unsigned int line, const char *why, void *data)
{
	struct seen *s = data;

	NSV_FUZZ_CHECK(line >= 1 && line <= s->lines);
	NSV_FUZZ_CHECK(why && why[0]);
	s->bad++;
	return 0;
}

static int each(uint32_t cid, const char *name, void *data)
{
	struct seen *s = data;
	char up[NSV_NAME_MAX + 1], buf[NSV_NAME_MAX + 1];
	char addr[NSV_NAMES_ADDR_STRLEN];
	uint32_t got = 0;
	const char *shown;
	size_t i, l = strlen(name);
	int r;

	NSV_FUZZ_CHECK(cid != NSV_CID_ANY);
	NSV_FUZZ_CHECK(l <= NSV_NAME_MAX && !nsv_names_check(name));
	for (i = 0; i <= l; i++)
		up[i] = (char)toupper((unsigned char)name[i]);
	NSV_FUZZ_CHECK(nsv_names_cid(s->n, name, &got) == 0 && got == cid);
	got = 0;
	NSV_FUZZ_CHECK(nsv_names_cid(s->n, up, &got) == 0 && got == cid);
	shown = nsv_names_name(s->n, cid);
	NSV_FUZZ_CHECK(shown);
	r = nsv_names_cid_format(s->n, cid, 0, buf, sizeof(buf));
	NSV_FUZZ_CHECK(r > 0 && !strcmp(buf, shown));
	r = nsv_names_addr_format(s->n, cid, 0xffffffffU - 1, 0, addr,
				  sizeof(addr));
	NSV_FUZZ_CHECK(r > 0 && (size_t)r < sizeof(addr));

	if (s->len + l + 16 > s->cap) {
		s->cap = 2 * (s->len + l + 16);
		s->text = realloc(s->text, s->cap);
		if (!s->text)
			abort();
	}
	s->len += (size_t)snprintf(s->text + s->len, s->cap - s->len, "%u %s\n",
				   cid, name);
	return 0;
}

/* Both tables hold the same names, in the same order. */
struct pair {
	const struct nsv_names *other;
	uint32_t *cids;
	char **names;
	size_t n, cap;
};

static int collect(uint32_t cid, const char *name, void *data)
{
	struct pair *p = data;

	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 16;
		p->cids = realloc(p->cids, p->cap * sizeof(*p->cids));
		p->names = realloc(p->names, p->cap * sizeof(*p->names));
		if (!p->cids || !p->names)
			abort();
	}
	p->cids[p->n] = cid;
	p->names[p->n] = strdup(name);
	if (!p->names[p->n])
		abort();
	p->n++;
	return 0;
}

static void same(const struct nsv_names *a, const struct nsv_names *b)
{
	struct pair x = { 0 }, y = { 0 };
	size_t i;

	nsv_names_each(a, collect, &x);
	nsv_names_each(b, collect, &y);
	NSV_FUZZ_CHECK(x.n == y.n);
	for (i = 0; i < x.n; i++) {
		NSV_FUZZ_CHECK(x.cids[i] == y.cids[i] &&
			       !strcmp(x.names[i], y.names[i]));
		NSV_FUZZ_CHECK(!strcmp(nsv_names_name(a, x.cids[i]),
				       nsv_names_name(b, y.cids[i])));
	}
	for (i = 0; i < x.n; i++)
		free(x.names[i]);
	for (i = 0; i < y.n; i++)
		free(y.names[i]);
	free(x.cids);
	free(x.names);
	free(y.cids);
	free(y.names);
}

static int one(const uint8_t *data, size_t size)
{
	struct nsv_names *n, *back;
	struct seen s = { 0 }, s2 = { 0 };
	char *text;
	size_t i;
	int r;

	text = malloc(size ? size : 1); /* exact size: ASan sees overreads */
	if (!text)
		abort();
	memcpy(text, data, size);
	s.lines = 1;
	for (i = 0; i < size; i++)
		s.lines += text[i] == '\n';
	if (nsv_names_new(&n) < 0)
		abort();
	r = nsv_names_parse(n, text, size, on_bad, &s);
	NSV_FUZZ_CHECK(r == -ENOMEM || (r >= 0 && (unsigned int)r == s.bad));
	s.n = n;
	nsv_names_each(n, each, &s);

	if (nsv_names_new(&back) < 0)
		abort();
	s2.lines = 1;
	for (i = 0; i < s.len; i++)
		s2.lines += s.text[i] == '\n';
	r = nsv_names_parse(back, s.text ? s.text : "", s.len, on_bad, &s2);
	NSV_FUZZ_CHECK(r == 0 && s2.bad == 0);
	same(n, back);
	nsv_names_free(back);
	nsv_names_free(n);
	free(s.text);
	free(text);
	return 0;
}

static const char *const files[] = {
	"# the lab's machines\n3 web web.lab\n4 db\t# the database\n"
	"0x10 build build-1 build-2\n",
	"5 a\n5 b\n6 a\n",
	"4294967295 anyone\n",
	"4294967296 big\n",
	"7 1abc\n7 any\n7 HOST\n7 and\n7 -x\n",
	"8 Mixed.Case_name-1\n9 mixed.case_NAME-1\n",
	"\n\n   \n#\n",
	"9\n",
	"0x 10\n",
	"10 abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl\n",
	"11 abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk\n",
	"13 x\r\n14 y",
	NULL,
};

static void gen(nsv_fuzz_emit emit, void *ctx)
{
	nsv_fuzz_emit_strings(emit, ctx, files);
}

static const struct nsv_fuzz_target target = {
	.name = "names",
	.one = one,
	.gen = gen,
};
NSV_FUZZ_TARGET(target)
