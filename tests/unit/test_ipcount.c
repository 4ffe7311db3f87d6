/* SPDX-License-Identifier: MIT */
/* test_ipcount.c - connections per address: counts, deletion keeps lookups. */
#include "check.h"
#include "ipcount.h"
#include <stdio.h>

int main(void)
{
    ipcount_t t;
    ipcount_init(&t);
    CHECK(ipcount_get(&t, "127.0.0.1") == 0);
    CHECK(ipcount_add(&t, "127.0.0.1") == 1);
    CHECK(ipcount_add(&t, "127.0.0.1") == 2);
    CHECK(ipcount_add(&t, "::1") == 1);
    ipcount_del(&t, "127.0.0.1");
    CHECK(ipcount_get(&t, "127.0.0.1") == 1);
    ipcount_del(&t, "10.9.9.9"); /* never counted: no-op */
    CHECK(t.used == 2);

    /* many addresses, then remove every other one: the rest stay findable */
    char a[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(a, sizeof(a), "10.0.%d.%d", i / 256, i % 256);
        CHECK(ipcount_add(&t, a) == 1);
    }
    for (int i = 0; i < 2000; i += 2) {
        snprintf(a, sizeof(a), "10.0.%d.%d", i / 256, i % 256);
        ipcount_del(&t, a);
    }
    int ok = 1;
    for (int i = 0; i < 2000; i++) {
        snprintf(a, sizeof(a), "10.0.%d.%d", i / 256, i % 256);
        if (ipcount_get(&t, a) != (uint32_t)(i % 2))
            ok = 0;
    }
    CHECK(ok);
    CHECK(t.used == 1000 + 2);
    CHECK(ipcount_get(&t, "127.0.0.1") == 1 && ipcount_get(&t, "::1") == 1);
    ipcount_free(&t);
    CHECK(t.cap == 0);
    return CHECK_DONE();
}
