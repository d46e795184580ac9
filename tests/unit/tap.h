/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A minimal TAP producer for the unit tests (automake's tap-driver reads it). */
#ifndef NSV_TAP_H
#define NSV_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
