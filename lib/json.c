// SPDX-License-Identifier: LGPL-2.1-or-later
/* A small streaming JSON writer: valid output by construction, to a FILE. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "json.h"

void nsv_json_init(struct nsv_json *j, FILE *f, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty = pretty;
	j->first[0] = true;
}

int nsv_json_escape(FILE *f, const char *s, size_t len)
{
	size_t i;

	if (putc('"', f) == EOF)
		return -EIO;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t run;

		/* plain bytes go out in one write, not a putc() each */
		for (run = i; run < len && (unsigned char)s[run] >= 0x20 &&
			      (unsigned char)s[run] < 0x7f && s[run] != '"' &&
			      s[run] != '\\';
		     run++)
			;
		if (run > i) {
			fwrite(s + i, 1, run - i, f);
			i = run - 1;
			continue;
		}
		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			/* Control bytes and everything non-ASCII as \u00XX, so the
			 * output is valid whatever bytes the input holds. */
			if (c < 0x20 || c >= 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				putc(c, f);
		}
	}
	if (putc('"', f) == EOF)
		return -EIO;
	return 0;
}

static void indent(struct nsv_json *j)
{
	int i;

	if (!j->pretty)
		return;
	putc('\n', j->f);
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Comma, newline and key before a value. */
static int member(struct nsv_json *j, const char *key)
{
	if (j->depth >= NSV_JSON_MAX_DEPTH)
		return -E2BIG;
	if (!j->first[j->depth])
		putc(',', j->f);
	j->first[j->depth] = false;
	if (j->depth)
		indent(j);
	if (key) {
		nsv_json_escape(j->f, key, strlen(key));
		fputs(j->pretty ? ": " : ":", j->f);
	}
	return 0;
}

static int open_(struct nsv_json *j, const char *key, char c)
{
	int r = member(j, key);

	if (r < 0)
		return r;
	if (j->depth + 1 >= NSV_JSON_MAX_DEPTH)
		return -E2BIG;
	putc(c, j->f);
	j->first[++j->depth] = true;
	return 0;
}

static int close_(struct nsv_json *j, char c)
{
	bool empty;

	if (j->depth == 0)
		return -EINVAL;
	empty = j->first[j->depth];
	j->depth--;
	if (!empty)
		indent(j);
	putc(c, j->f);
	if (j->depth == 0) {
		putc('\n', j->f);
		j->first[0] = true; /* the next top-level value is a new line */
	}
	return ferror(j->f) ? -EIO : 0;
}

int nsv_json_obj_begin(struct nsv_json *j, const char *key)
{
	return open_(j, key, '{');
}

int nsv_json_obj_end(struct nsv_json *j)
{
	return close_(j, '}');
}

int nsv_json_arr_begin(struct nsv_json *j, const char *key)
{
	return open_(j, key, '[');
}

int nsv_json_arr_end(struct nsv_json *j)
{
	return close_(j, ']');
}

int nsv_json_str(struct nsv_json *j, const char *key, const char *v)
{
	int r = member(j, key);

	if (r < 0)
		return r;
	if (!v) {
		fputs("null", j->f);
		return 0;
	}
	return nsv_json_escape(j->f, v, strlen(v));
}

int nsv_json_strn(struct nsv_json *j, const char *key, const char *v,
		  size_t len)
{
	int r = member(j, key);

	if (r < 0)
		return r;
	return nsv_json_escape(j->f, v, len);
}

/* Digits without printf: JSON output of big captures is mostly numbers. */
static void put_u64(FILE *f, bool neg, uint64_t v)
{
	char b[24];
	int i = (int)sizeof(b);

	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (neg)
		b[--i] = '-';
	fwrite(b + i, 1, sizeof(b) - (size_t)i, f);
}

int nsv_json_u64(struct nsv_json *j, const char *key, uint64_t v)
{
	int r = member(j, key);

	if (r < 0)
		return r;
	put_u64(j->f, false, v);
	return 0;
}

int nsv_json_i64(struct nsv_json *j, const char *key, int64_t v)
{
	int r = member(j, key);

	if (r < 0)
		return r;
	put_u64(j->f, v < 0, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
	return 0;
}

int nsv_json_double(struct nsv_json *j, const char *key, double v)
{
	int r = member(j, key);

	if (r < 0)
		return r;
	/* JSON has no NaN or infinity. */
	if (v != v || v > 1e308 || v < -1e308)
		fputs("null", j->f);
	else
		fprintf(j->f, "%.6g", v);
	return 0;
}

int nsv_json_bool(struct nsv_json *j, const char *key, bool v)
{
	int r = member(j, key);

	if (r < 0)
		return r;
	fputs(v ? "true" : "false", j->f);
	return 0;
}

int nsv_json_null(struct nsv_json *j, const char *key)
{
	int r = member(j, key);

	if (r < 0)
		return r;
	fputs("null", j->f);
	return 0;
}
