/* SPDX-License-Identifier: MIT */
/* ratelimit.c - token buckets per address in a bounded table. */
#include "ratelimit.h"
#include <stdlib.h>
#include <string.h>

typedef struct bucket {
    char addr[RATELIMIT_ADDR_MAX + 1]; /* "" = free */
    double tokens;
    int64_t last_ms; /* last refill, and last use */
} bucket_t;

struct ratelimit {
    bucket_t *v;
    size_t n;
    double burst;
    int64_t per_ms;
};

ratelimit_t *ratelimit_new(size_t slots, double burst, int64_t per_ms)
{
    ratelimit_t *r = calloc(1, sizeof(*r));
    if (!r || !(r->v = calloc(slots ? slots : 1, sizeof(bucket_t)))) {
        free(r);
        return NULL;
    }
    r->n = slots ? slots : 1;
    r->burst = burst;
    r->per_ms = per_ms > 0 ? per_ms : 1;
    return r;
}

void ratelimit_destroy(ratelimit_t **pr)
{
    if (!pr || !*pr)
        return;
    free((*pr)->v);
    free(*pr);
    *pr = NULL;
}

/* The bucket of addr, refilled to now_ms, or NULL. */
static bucket_t *s_find(ratelimit_t *r, const char *addr, int64_t now_ms)
{
    for (size_t i = 0; i < r->n; i++) {
        bucket_t *b = &r->v[i];
        if (!b->addr[0] || strncmp(b->addr, addr, RATELIMIT_ADDR_MAX))
            continue;
        if (now_ms > b->last_ms) {
            b->tokens += (double)(now_ms - b->last_ms) / (double)r->per_ms;
            if (b->tokens > r->burst)
                b->tokens = r->burst;
            b->last_ms = now_ms;
        }
        return b;
    }
    return NULL;
}

bool ratelimit_peek(ratelimit_t *r, const char *addr, int64_t now_ms, int64_t *retry_ms)
{
    bucket_t *b = s_find(r, addr, now_ms);
    if (!b || b->tokens >= 1.0)
        return true;
    if (retry_ms)
        *retry_ms = (int64_t)((1.0 - b->tokens) * (double)r->per_ms) + 1;
    return false;
}

bool ratelimit_take(ratelimit_t *r, const char *addr, int64_t now_ms, int64_t *retry_ms)
{
    bucket_t *b = NULL, *victim = NULL; /* a free slot, else the least recently used */
    for (size_t i = 0; i < r->n && !b; i++) {
        bucket_t *x = &r->v[i];
        if (x->addr[0] && !strncmp(x->addr, addr, RATELIMIT_ADDR_MAX))
            b = x;
        else if (!victim || (victim->addr[0] && (!x->addr[0] || x->last_ms < victim->last_ms)))
            victim = x;
    }
    if (!b) {
        b = victim;
        strncpy(b->addr, addr, RATELIMIT_ADDR_MAX);
        b->addr[RATELIMIT_ADDR_MAX] = '\0';
        b->tokens = r->burst;
        b->last_ms = now_ms;
    }
    if (now_ms > b->last_ms) {
        b->tokens += (double)(now_ms - b->last_ms) / (double)r->per_ms;
        if (b->tokens > r->burst)
            b->tokens = r->burst;
    }
    b->last_ms = now_ms;
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        return true;
    }
    if (retry_ms)
        *retry_ms = (int64_t)((1.0 - b->tokens) * (double)r->per_ms) + 1;
    return false;
}
