/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnsvsock: the monotonic clock, and sleeping that signals do not cut short. */
#ifndef NSV_CLOCK_H
#define NSV_CLOCK_H

#include <stdint.h>

/** nsv_clock_ns - CLOCK_MONOTONIC in nanoseconds */
int64_t nsv_clock_ns(void);

static inline int64_t nsv_clock_us(void)
{
	return nsv_clock_ns() / 1000;
}

static inline int64_t nsv_clock_ms(void)
{
	return nsv_clock_ns() / 1000000;
}

/**
 * nsv_sleep_ns - sleep @ns nanoseconds, the rest again after a signal
 *
 * Returns at once for @ns <= 0.
 */
void nsv_sleep_ns(int64_t ns);

static inline void nsv_sleep_ms(int64_t ms)
{
	nsv_sleep_ns(ms * 1000000);
}

#endif /* NSV_CLOCK_H */
