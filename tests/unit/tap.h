/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A minimal TAP producer for the unit tests (automake's tap-driver reads it). */
#ifndef NSV_TAP_H
#define NSV_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int tap_n, tap_failed;

static inline void tap_plan(int n)
{
	printf("1..%d\n", n);
}

__attribute__((format(printf, 2, 3))) static inline int
tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	return cond;
}

static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* A test that cannot run here: counted as skipped, never as passed. */
__attribute__((format(printf, 1, 2))) static inline void
tap_skip(const char *fmt, ...)
{
	va_list ap;

	printf("ok %d # SKIP ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/*
 * A command line for a parser: @line split at blanks into @argv (at most
 * @max - 1 words, NULL after them). @line is cut up; returns argc.
 */
static inline int tap_argv(char *line, char **argv, int max)
{
	char *p, *save = NULL;
	int argc = 0;

	for (p = strtok_r(line, " ", &save); p && argc < max - 1;
	     p = strtok_r(NULL, " ", &save))
		argv[argc++] = p;
	argv[argc] = NULL;
	return argc;
}

/* What the code under test writes on stdout and stderr, off the TAP stream. */
struct tap_capture {
	FILE *tmp;
	int out, err;
};

static inline void tap_capture_begin(struct tap_capture *c)
{
	fflush(stdout);
	fflush(stderr);
	c->tmp = tmpfile();
	c->out = dup(1);
	c->err = dup(2);
	dup2(fileno(c->tmp), 1);
	dup2(fileno(c->tmp), 2);
}

/* ... into @buf, NUL-terminated and without its last newline. */
static inline void tap_capture_end(struct tap_capture *c, char *buf,
				   size_t size)
{
	size_t n;

	fflush(stdout);
	fflush(stderr);
	dup2(c->out, 1);
	dup2(c->err, 2);
	close(c->out);
	close(c->err);
	rewind(c->tmp);
	n = fread(buf, 1, size - 1, c->tmp);
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	fclose(c->tmp);
}

/* Every test program ends with this: the plan is printed last. */
static inline int tap_done(void)
{
	tap_plan(tap_n);
	return tap_failed ? 1 : 0;
}

#define tap_is_int(got, want, ...)                                 \
	({                                                         \
		long long _g = (got), _w = (want);                 \
		int _r = tap_ok(_g == _w, __VA_ARGS__);            \
		if (!_r)                                           \
			tap_diag("  got %lld, want %lld", _g, _w); \
		_r;                                                \
	})

#define tap_is_str(got, want, ...)                                            \
	({                                                                    \
		const char *_g = (got), *_w = (want);                         \
		int _r = tap_ok(_g && _w && !strcmp(_g, _w), __VA_ARGS__);    \
		if (!_r)                                                      \
			tap_diag("  got '%s', want '%s'", _g ? _g : "(null)", \
				 _w ? _w : "(null)");                         \
		_r;                                                           \
	})

#endif
