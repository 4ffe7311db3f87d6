/* SPDX-License-Identifier: MIT */
/* test_ratelimit.c - token buckets per address, bounded. */
#include "check.h"
#include "ratelimit.h"
#include <stdio.h>

int main(void)
{
    ratelimit_t *r = ratelimit_new(4, 3, 1000); /* 3 at once, then 1 a second */
    int64_t retry = 0;
    for (int i = 0; i < 3; i++)
        CHECK(ratelimit_take(r, "10.0.0.1", 0, NULL));
    CHECK(!ratelimit_take(r, "10.0.0.1", 0, &retry));
    CHECK(retry > 0 && retry <= 1001);
    CHECK(ratelimit_take(r, "10.0.0.2", 0, NULL)); /* others unaffected */
    CHECK(!ratelimit_take(r, "10.0.0.1", 500, NULL));
    CHECK(ratelimit_take(r, "10.0.0.1", 1001, NULL)); /* refilled one */
    CHECK(!ratelimit_take(r, "10.0.0.1", 1002, NULL));
    /* many addresses: the table stays at 4 slots; the busy address keeps its
     * empty bucket while it is among the most recent */
    char a[32];
    for (int i = 0; i < 2; i++) {
        snprintf(a, sizeof a, "192.168.0.%d", i);
        CHECK(ratelimit_take(r, a, 1003, NULL));
    }
    CHECK(!ratelimit_take(r, "10.0.0.1", 1004, NULL));
    for (int i = 0; i < 100; i++) {
        snprintf(a, sizeof a, "172.16.0.%d", i);
        ratelimit_take(r, a, 2000 + i, NULL);
    }
    CHECK(ratelimit_take(r, "10.0.0.1", 2200, NULL)); /* forgotten: a new bucket */
    ratelimit_destroy(&r);
    CHECK(r == NULL);

    /* peek takes nothing: an unknown address has a full bucket */
    r = ratelimit_new(4, 2, 1000);
    CHECK(ratelimit_peek(r, "10.0.0.9", 0, NULL));
    CHECK(ratelimit_peek(r, "10.0.0.9", 0, NULL));
    CHECK(ratelimit_take(r, "10.0.0.9", 0, NULL));
    CHECK(ratelimit_peek(r, "10.0.0.9", 0, NULL)); /* one left */
    CHECK(ratelimit_take(r, "10.0.0.9", 0, NULL));
    retry = 0;
    CHECK(!ratelimit_peek(r, "10.0.0.9", 10, &retry));
    CHECK(retry > 0 && retry <= 1001);
    CHECK(!ratelimit_peek(r, "10.0.0.9", 500, NULL)); /* half a token */
    CHECK(ratelimit_peek(r, "10.0.0.9", 1001, NULL)); /* refilled */
    CHECK(ratelimit_take(r, "10.0.0.9", 1001, NULL));
    CHECK(!ratelimit_take(r, "10.0.0.9", 1001, NULL));
    ratelimit_destroy(&r);
    return CHECK_DONE();
}
