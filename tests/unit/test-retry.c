// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: which errors are retried, the backoff, the monotonic clock. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "clock.h"
#include "retry.h"
#include "tap.h"

/*
 * The whole list, written out: a change to nsv_retryable() must change this
 * test too, so that it is a decision and not an accident. Every lab test of
 * --retry (vncat, hybrid, Unix relays) rests on it.
 */
static void test_list(void)
{
	static const int always[] = { ECONNREFUSED, ECONNRESET, ETIMEDOUT,
				      ENOENT, EAGAIN };
	int e, extra = 0, missing = 0;
	size_t i;

	for (e = 1; e < 4096; e++) {
		bool want = false;

		for (i = 0; i < sizeof(always) / sizeof(always[0]); i++)
			want |= e == always[i];
		if (nsv_retryable(-e, 0) != want ||
		    nsv_retryable(-e, NSV_RETRY_GUEST) !=
			    (want || e == ENODEV)) {
			tap_diag("errno %d (%s): retryable %d, %d with "
				 "NSV_RETRY_GUEST",
				 e, strerror(e), nsv_retryable(-e, 0),
				 nsv_retryable(-e, NSV_RETRY_GUEST));
			if (want)
				missing++;
			else
				extra++;
		}
	}
	tap_ok(!extra && !missing,
	       "retried: ECONNREFUSED ECONNRESET ETIMEDOUT ENOENT EAGAIN, "
	       "and ENODEV for a guest; nothing else of errno 1..4095");
	tap_ok(!nsv_retryable(0, NSV_RETRY_GUEST) &&
		       !nsv_retryable(ECONNREFUSED, NSV_RETRY_GUEST),
	       "0 and positive errno values are not errors to retry");
}

struct calls {
	int n;
	int last_err;
	unsigned int last_attempt;
};

static void count(int err, unsigned int attempt, void *arg)
{
	struct calls *c = arg;

	c->n++;
	c->last_err = err;
	c->last_attempt = attempt;
}

static void test_wait(void)
{
	struct calls c = { 0 };
	struct nsv_retry r;
	int64_t t0, ms;
	int tries = 0;

	nsv_retry_init(&r, 0, 0, count, &c);
	tap_ok(!nsv_retry_wait(&r, -ECONNREFUSED) && c.n == 0,
	       "no retry time: no retry, no call");

	nsv_retry_init(&r, 10000, 0, count, &c);
	t0 = nsv_clock_ms();
	tap_ok(!nsv_retry_wait(&r, -EACCES) && c.n == 0 &&
		       nsv_clock_ms() - t0 < 200,
	       "an error not on the list ends at once, without a call");
	tap_ok(!nsv_retry_wait(&r, -ENODEV) && c.n == 0,
	       "ENODEV without NSV_RETRY_GUEST is not retried");

	/* 50 + 100 + the 150 left of 300 ms: three waits, then the end */
	nsv_retry_init(&r, 300, NSV_RETRY_GUEST, count, &c);
	t0 = nsv_clock_ms();
	while (nsv_retry_wait(&r, -ENODEV) && tries < 100)
		tries++;
	ms = nsv_clock_ms() - t0;
	tap_ok(ms >= 300 && ms < 3000,
	       "retrying for 300 ms takes as long (%lld ms)", (long long)ms);
	tap_ok(tries >= 2 && tries <= 4 && c.n == tries &&
		       c.last_attempt == (unsigned int)tries &&
		       c.last_err == -ENODEV,
	       "backoff 50, 100, 200 ms: %d waits, each announced with its "
	       "attempt number and error",
	       tries);
}

static void test_clock(void)
{
	int64_t a, b, c;

	a = nsv_clock_ns();
	nsv_sleep_ms(20);
	b = nsv_clock_ns();
	nsv_sleep_ns(0);
	nsv_sleep_ns(-5);
	c = nsv_clock_ns();
	tap_ok(b - a >= 20000000, "sleeping 20 ms takes at least 20 ms");
	tap_ok(c >= b && c - b < 100000000,
	       "sleeping 0 or a negative time returns at once");
	tap_ok(nsv_clock_ms() >= b / 1000000 && nsv_clock_us() >= b / 1000,
	       "ms and us come from the same clock");
}

int main(void)
{
	test_list();
	test_wait();
	test_clock();
	return tap_done();
}
