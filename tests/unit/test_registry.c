/* SPDX-License-Identifier: MIT */
/* test_registry.c - topics by name, creation order, limit, meta changes. */
#include "check.h"
#include "registry.h"
#include <stdio.h>
#include <string.h>

int main(void)
{
    registry_t *r = registry_new(1000, 5);
    char name[32];
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(name, sizeof(name), "t.%d", i);
        rtopic_t *t = registry_add(r, name, (size_t)n);
        CHECK(t != NULL);
        if (t)
            CHECK(t->id == (uint32_t)i);
    }
    CHECK(registry_count(r) == 1000);
    CHECK(registry_add(r, "over", 4) == NULL); /* limit */
    for (int i = 0; i < 1000; i += 37) {
        int n = snprintf(name, sizeof(name), "t.%d", i);
        rtopic_t *t = registry_find(r, name, (size_t)n);
        CHECK(t && t->id == (uint32_t)i && !strcmp(t->name, name));
        CHECK(registry_at(r, (size_t)i) == t);
    }
    CHECK(registry_find(r, "t.1000", 6) == NULL);
    CHECK(registry_find(r, "t.1", 2) == NULL); /* prefix is not a match */

    rtopic_t *t = registry_at(r, 0);
    CHECK(registry_set_meta(t, "{\"a\":1}", 7, 100) == 1);
    CHECK(registry_set_meta(t, "{\"a\":1}", 7, 100) == 0);
    CHECK(registry_set_meta(t, "{\"a\":2}", 7, 200) == 1);
    CHECK(t->interval_ms == 200 && !strcmp(t->meta, "{\"a\":2}"));

    int dummy1, dummy2;
    CHECK(registry_sub_add(t, (struct client *)&dummy1, 0) == 0);
    CHECK(registry_sub_add(t, (struct client *)&dummy2, 3) == 0);
    CHECK(registry_sub_add(t, (struct client *)&dummy1, 0) == 0);
    CHECK(t->nsubs == 2);
    CHECK(registry_sub_find(t, (struct client *)&dummy2)->paused_gen == 3);
    registry_sub_remove(t, (struct client *)&dummy1);
    CHECK(t->nsubs == 1 && t->subs[0].c == (struct client *)&dummy2);
    registry_destroy(&r);
    CHECK(r == NULL);
    return CHECK_DONE();
}
