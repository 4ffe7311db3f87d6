/* SPDX-License-Identifier: MIT */
/* pwcheck.h - password checks off the event loop. An argon2id check takes
 * tens of milliseconds of CPU by design; done in the loop, one login would
 * stall every browser. One worker thread takes the checks from a bounded
 * queue and wakes the loop (lws_cancel_service, the lws threads pattern)
 * when one is done; the loop takes the results with pwcheck_take(). The
 * worker touches nothing of lws but that wake-up. */
#ifndef RTDASH_PWCHECK_H
#define RTDASH_PWCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lws_context;
typedef struct pwcheck pwcheck_t;

/* Start the worker; at most max_pending checks wait at once. NULL if it
 * cannot start. Caller owns the result: pwcheck_destroy(). */
pwcheck_t *pwcheck_new(struct lws_context *cx, size_t max_pending);

/* Stop the worker (a check under way finishes first) and free. NULL-safe. */
void pwcheck_destroy(pwcheck_t **p);

/* Queue a check of pw[0..len) against hash (both copied, then wiped). Returns
 * its id (> 0), or 0 when max_pending checks already wait (answer 503). */
uint64_t pwcheck_submit(pwcheck_t *p, const char *hash, const char *pw, size_t len);

/* A finished check, if any: its id and whether the password matched. Loop
 * thread only. */
bool pwcheck_take(pwcheck_t *p, uint64_t *id, bool *ok);

#endif
