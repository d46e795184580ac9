// SPDX-License-Identifier: LGPL-2.1-or-later
/* A small streaming JSON writer: valid output by construction, to a FILE. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "digits.h"
#include "json.h"

void nsv_json_init(struct nsv_json *j, FILE *f, bool pretty)
{
	j->f = f;
	j->depth = 0;
	j->pretty = pretty;
	memset(j->first, 0, sizeof(j->first));
	j->first[0] = true;
	j->err = 0;
	j->len = 0;
}

static void flush_buf(struct nsv_json *j)
{
	if (j->len && fwrite(j->buf, 1, j->len, j->f) != j->len)
		j->err = -EIO;
	j->len = 0;
}

/* Where @n (at most NSV_JSON_BUF) more bytes go. */
static inline char *room(struct nsv_json *j, size_t n)
{
	if (j->len + n > NSV_JSON_BUF)
		flush_buf(j);
	return j->buf + j->len;
}

static inline void put(struct nsv_json *j, const char *s, size_t n)
{
	if (n > NSV_JSON_BUF / 2) {
		flush_buf(j);
		if (fwrite(s, 1, n, j->f) != n)
			j->err = -EIO;
		return;
	}
	memcpy(room(j, n), s, n);
	j->len += n;
}

#define PUTS(j, lit) put((j), (lit), sizeof(lit) - 1)

static inline void put_ch(struct nsv_json *j, char c)
{
	*room(j, 1) = c;
	j->len++;
}

/* Bytes a JSON string holds as they are: printable ASCII but '"' and '\\'. */
static const uint8_t plain[256] = {
	[0x20 ... 0x21] = 1, /* '"' is 0x22 */
	[0x23 ... 0x5b] = 1, /* '\\' is 0x5c */
	[0x5d ... 0x7e] = 1,
};

/* @len bytes as a JSON string, quotes included. */
static void escape(struct nsv_json *j, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run;

	put_ch(j, '"');
	while (i < len) {
		char *e;

		/* plain bytes go out in one copy */
		for (run = i; run < len && plain[u[run]]; run++)
			;
		if (run > i) {
			put(j, s + i, run - i);
			i = run;
			continue;
		}
		switch (u[i]) {
		case '"':
			PUTS(j, "\\\"");
			break;
		case '\\':
			PUTS(j, "\\\\");
			break;
		case '\n':
			PUTS(j, "\\n");
			break;
		case '\r':
			PUTS(j, "\\r");
			break;
		case '\t':
			PUTS(j, "\\t");
			break;
		default:
			/* Control bytes and everything non-ASCII as \u00XX, so the
			 * output is valid whatever bytes the input holds. */
			e = room(j, 6);
			memcpy(e, "\\u00", 4);
			e[4] = hex[u[i] >> 4];
			e[5] = hex[u[i] & 15];
			j->len += 6;
		}
		i++;
	}
	put_ch(j, '"');
}

static void indent(struct nsv_json *j)
{
	int i;

	if (!j->pretty)
		return;
	put_ch(j, '\n');
	for (i = 0; i < j->depth; i++)
		PUTS(j, "  ");
}

/* Comma, newline and key before a value. */
static int member(struct nsv_json *j, const char *key)
{
	if (j->depth >= NSV_JSON_MAX_DEPTH)
		return -E2BIG;
	if (!j->first[j->depth])
		put_ch(j, ',');
	j->first[j->depth] = false;
	if (j->depth)
		indent(j);
	if (key) {
		escape(j, key, strlen(key));
		if (j->pretty)
			PUTS(j, ": ");
		else
			put_ch(j, ':');
	}
	return 0;
}

/* A value written: at the top level, it goes to the stream. */
static int done(struct nsv_json *j)
{
	int r;

	if (j->depth)
		return 0;
	flush_buf(j);
	r = j->err ? j->err : ferror(j->f) ? -EIO : 0;
	j->err = 0;
	return r;
}

static int open_(struct nsv_json *j, const char *key, char c)
{
	int r = member(j, key);

	if (r < 0)
		return r;
	if (j->depth + 1 >= NSV_JSON_MAX_DEPTH)
		return -E2BIG;
	put_ch(j, c);
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
	put_ch(j, c);
	if (j->depth == 0) {
		put_ch(j, '\n');
		j->first[0] = true; /* the next top-level value is a new line */
	}
	return done(j);
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
	if (!v)
		PUTS(j, "null");
	else
		escape(j, v, strlen(v));
	return done(j);
}

int nsv_json_strn(struct nsv_json *j, const char *key, const char *v,
		  size_t len)
{
	int r = member(j, key);

	if (r < 0)
		return r;
	escape(j, v, len);
	return done(j);
}

/* Digits without printf: big captures are mostly numbers. */
static void put_u64(struct nsv_json *j, bool neg, uint64_t v)
{
	char b[1 + NSV_UTOA_MAX];

	b[0] = '-';
	put(j, b + !neg, neg + nsv_utoa(b + 1, v));
}

int nsv_json_u64(struct nsv_json *j, const char *key, uint64_t v)
{
	int r = member(j, key);

	if (r < 0)
		return r;
	put_u64(j, false, v);
	return done(j);
}

int nsv_json_i64(struct nsv_json *j, const char *key, int64_t v)
{
	int r = member(j, key);

	if (r < 0)
		return r;
	put_u64(j, v < 0, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
	return done(j);
}

int nsv_json_double(struct nsv_json *j, const char *key, double v)
{
	char b[40];
	int r = member(j, key), n;

	if (r < 0)
		return r;
	/* JSON has no NaN or infinity. */
	if (v != v || v > 1e308 || v < -1e308) {
		PUTS(j, "null");
	} else {
		n = snprintf(b, sizeof(b), "%.6g", v);
		put(j, b, n > 0 && (size_t)n < sizeof(b) ? (size_t)n : 0);
	}
	return done(j);
}

int nsv_json_bool(struct nsv_json *j, const char *key, bool v)
{
	int r = member(j, key);

	if (r < 0)
		return r;
	if (v)
		PUTS(j, "true");
	else
		PUTS(j, "false");
	return done(j);
}

int nsv_json_null(struct nsv_json *j, const char *key)
{
	int r = member(j, key);

	if (r < 0)
		return r;
	PUTS(j, "null");
	return done(j);
}
