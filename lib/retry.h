/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnsvsock: retrying a connect that may work later, with one list of errors. */
#ifndef NSV_RETRY_H
#define NSV_RETRY_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Called before each retry of a connect that may succeed later (nothing
 * listening yet, guest not there yet): @err is the -errno of the attempt.
 */
typedef void (*nsv_retry_fn)(int err, unsigned int attempt, void *arg);

/* nsv_retryable() flags */
#define NSV_RETRY_GUEST 0x1 /* the peer is a guest vhost may not know yet */

/**
 * nsv_retryable - whether a connect that failed with @err may work later
 *
 * Yes for nothing listening yet (-ECONNREFUSED; vsock loopback and virtio
 * answer -ECONNRESET), no answer in time (-ETIMEDOUT), a Unix socket file
 * not created yet (-ENOENT) or a Unix listener with a full backlog
 * (-EAGAIN); with NSV_RETRY_GUEST also -ENODEV, which vhost gives for a
 * guest CID it does not know yet (a VM still booting). No for the rest.
 */
bool nsv_retryable(int err, unsigned int flags);

/* One connect being retried; nsv_retry_init() fills it. */
struct nsv_retry {
	int retry_ms; /* how long to keep trying, <= 0: never retry */
	int64_t deadline_ms; /* on nsv_clock_ms() */
	int64_t pause_ms; /* the next pause */
	unsigned int attempt;
	unsigned int flags; /* for nsv_retryable() */
	nsv_retry_fn on_retry;
	void *arg;
};

/**
 * nsv_retry_init - start retrying for @retry_ms from now
 * @flags: NSV_RETRY_* for nsv_retryable()
 * @on_retry: called before each retry (may be NULL)
 */
void nsv_retry_init(struct nsv_retry *r, int retry_ms, unsigned int flags,
		    nsv_retry_fn on_retry, void *arg);

/**
 * nsv_retry_wait - after an attempt failed with @err, wait to try again
 *
 * Returns false at once when @err is not retryable or the time is up.
 * Otherwise calls the on_retry hook, sleeps (50 ms, doubling up to 800 ms,
 * never past the deadline) and returns true. The loop it serves:
 *
 *	do
 *		fd = attempt();
 *	while (fd < 0 && nsv_retry_wait(&r, fd));
 */
bool nsv_retry_wait(struct nsv_retry *r, int err);

#endif /* NSV_RETRY_H */
