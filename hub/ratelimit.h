/* SPDX-License-Identifier: MIT */
/* ratelimit.h - a token bucket per peer address (login attempts, SPEC §7).
 * A fixed table of `slots` buckets: an address that is not in it takes the
 * bucket used least recently, so memory stays bounded whatever peers do, and
 * an attacker cycling through addresses only forgets his own old buckets.
 * Pure: no sockets. */
#ifndef RTDASH_RATELIMIT_H
#define RTDASH_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_ADDR_MAX 63

typedef struct ratelimit ratelimit_t;

/* burst attempts at once, then one per per_ms. NULL if out of memory.
 * Caller owns: ratelimit_destroy(). */
ratelimit_t *ratelimit_new(size_t slots, double burst, int64_t per_ms);
void ratelimit_destroy(ratelimit_t **r);

/* May addr make one more attempt at now_ms? Takes a token if so; otherwise
 * *retry_ms (if not NULL) says when the next one will be there. */
bool ratelimit_take(ratelimit_t *r, const char *addr, int64_t now_ms, int64_t *retry_ms);
/* Would ratelimit_take() allow addr now? Takes nothing (an address not in
 * the table has a full bucket); *retry_ms as there. */
bool ratelimit_peek(ratelimit_t *r, const char *addr, int64_t now_ms, int64_t *retry_ms);

#endif
