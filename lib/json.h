/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnsvsock: a streaming JSON writer (NDJSON). */
#ifndef NSV_JSON_H
#define NSV_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define NSV_JSON_MAX_DEPTH 16
#define NSV_JSON_BUF 4096

/*
 * A streaming writer: each top-level value ends with a newline (NDJSON).
 * It collects a value in its own buffer and hands it to the stream when the
 * value is complete (or the buffer full): a value is one write to the
 * stream, not a call for each comma and digit. Write nothing else to the
 * stream while a value is open.
 */
struct nsv_json {
	FILE *f;
	int depth;
	bool pretty;
	bool first[NSV_JSON_MAX_DEPTH];
	int err; /* 0 or -EIO: a write to the stream failed */
	size_t len; /* bytes in buf */
	char buf[NSV_JSON_BUF];
};

void nsv_json_init(struct nsv_json *j, FILE *f, bool pretty);
/* @key is the member name inside an object, NULL inside an array or at top. */
int nsv_json_obj_begin(struct nsv_json *j, const char *key);
int nsv_json_obj_end(struct nsv_json *j);
int nsv_json_arr_begin(struct nsv_json *j, const char *key);
int nsv_json_arr_end(struct nsv_json *j);
int nsv_json_str(struct nsv_json *j, const char *key, const char *v);
int nsv_json_strn(struct nsv_json *j, const char *key, const char *v,
		  size_t len);
int nsv_json_u64(struct nsv_json *j, const char *key, uint64_t v);
int nsv_json_i64(struct nsv_json *j, const char *key, int64_t v);
int nsv_json_double(struct nsv_json *j, const char *key, double v);
int nsv_json_bool(struct nsv_json *j, const char *key, bool v);
int nsv_json_null(struct nsv_json *j, const char *key);

#endif /* NSV_JSON_H */
