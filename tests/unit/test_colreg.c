/* SPDX-License-Identifier: MIT */
/* test_colreg.c - collector registry: names, bound, rates. */
#include "check.h"
#include "colreg.h"
#include <stdio.h>
#include <string.h>

int main(void)
{
    colreg_t r;
    colreg_init(&r);
    CHECK(colreg_get(&r, "demo", 4) == 0);
    CHECK(colreg_get(&r, "sysmetrics", 10) == 1);
    CHECK(colreg_get(&r, "demo", 4) == 0);
    CHECK(colreg_get(&r, "dem", 3) == 2); /* a prefix is another name */
    char longname[200];
    memset(longname, 'x', sizeof(longname));
    int i = colreg_get(&r, longname, sizeof(longname));
    CHECK(i == 3 && strlen(r.v[i].name) == COLREG_NAME_MAX);
    CHECK(colreg_get(&r, longname, 100) == 3); /* same after the cut */

    r.v[0].msgs = 50;
    colreg_tick(&r, 1.0);
    CHECK(r.v[0].rate == 50.0);
    r.v[0].msgs = 60;
    colreg_tick(&r, 1.0);
    CHECK(r.v[0].rate > 10.0 && r.v[0].rate < 50.0);
    CHECK(r.v[1].rate == 0.0);

    /* names are kept as clean labels: valid UTF-8, no controls, cut whole */
    i = colreg_get(&r, "m\xc3\xa9t\xe9o\n\x00x", 9);
    CHECK(i >= 0 && !strcmp(r.v[i].name, "m\xc3\xa9t\xef\xbf\xbdo__x"));
    CHECK(colreg_get(&r, "m\xc3\xa9t\xe9o\n\x00x", 9) == i);
    char cut[COLREG_NAME_MAX + 4];
    memset(cut, 'a', COLREG_NAME_MAX - 1);
    memcpy(cut + COLREG_NAME_MAX - 1, "\xe2\x82\xac!", 4); /* a euro sign across the cut */
    i = colreg_get(&r, cut, sizeof(cut));
    CHECK(i >= 0 && strlen(r.v[i].name) == COLREG_NAME_MAX - 1);

    char name[16];
    for (int k = 0; k < COLREG_MAX + 10; k++) {
        int n = snprintf(name, sizeof(name), "c%d", k);
        colreg_get(&r, name, (size_t)n);
    }
    CHECK(r.n == COLREG_MAX);
    CHECK(colreg_get(&r, "one-more", 8) == -1);
    colreg_free(&r);
    CHECK(r.n == 0 && r.v == NULL);
    return CHECK_DONE();
}
