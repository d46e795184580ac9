// SPDX-License-Identifier: LGPL-2.1-or-later
/* Retrying a connect: which errors are worth it, and the backoff. */
#include "config.h"

#include <errno.h>

#include "clock.h"
#include "retry.h"

bool nsv_retryable(int err, unsigned int flags)
{
	switch (err) {
	case -ECONNREFUSED:
	case -ECONNRESET:
	case -ETIMEDOUT:
	case -ENOENT:
	case -EAGAIN:
		return true;
	case -ENODEV:
		return flags & NSV_RETRY_GUEST;
	default:
		return false;
	}
}

void nsv_retry_init(struct nsv_retry *r, int retry_ms, unsigned int flags,
		    nsv_retry_fn on_retry, void *arg)
{
	r->retry_ms = retry_ms;
	r->deadline_ms = nsv_clock_ms() + (retry_ms > 0 ? retry_ms : 0);
	r->pause_ms = 50;
	r->attempt = 0;
	r->flags = flags;
	r->on_retry = on_retry;
	r->arg = arg;
}

bool nsv_retry_wait(struct nsv_retry *r, int err)
{
	int64_t left;

	if (r->retry_ms <= 0 || !nsv_retryable(err, r->flags))
		return false;
	left = r->deadline_ms - nsv_clock_ms();
	if (left <= 0)
		return false;
	if (r->on_retry)
		r->on_retry(err, ++r->attempt, r->arg);
	if (r->pause_ms > left)
		r->pause_ms = left;
	nsv_sleep_ms(r->pause_ms);
	if (r->pause_ms < 500)
		r->pause_ms *= 2;
	return true;
}
