/* SPDX-License-Identifier: MIT */
/* fuzz_origin.c - libFuzzer target for the Origin/Host normaliser and checks
 * (hub/origin.c). The input is "ORIGIN\nHOST\nALLOWED" (missing parts empty).
 * Oracles: a normalised origin is stable (normalising it again gives the
 * same text), holds only the characters an origin may hold, and is allowed
 * once listed; the hub's own origin is allowed whenever its Host is well
 * formed; a Host that is allowed, split, is allowed again. */
#include "origin.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_part(const char **p, size_t *left, const char **s, size_t *n)
{
    const char *nl = memchr(*p, '\n', *left);
    *s = *p;
    *n = nl ? (size_t)(nl - *p) : *left;
    *p += *n + (nl ? 1 : 0);
    *left -= *n + (nl ? 1 : 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *o, *h, *a;
    size_t left = size, on, hn, an;
    s_part(&p, &left, &o, &on);
    s_part(&p, &left, &h, &hn);
    s_part(&p, &left, &a, &an);

    char norm[ORIGIN_MAX + 1], again[ORIGIN_MAX + 1];
    int n = origin_normalize(o, on, norm);
    if (n >= 0) {
        if ((size_t)n != strlen(norm) ||
            strspn(norm, "abcdefghijklmnopqrstuvwxyz0123456789-.:/[]") != (size_t)n)
            abort();
        if (origin_normalize(norm, (size_t)n, again) != n || strcmp(norm, again))
            abort();
    }
    origin_policy_t *pol = origin_policy_new();
    if (!pol)
        return 0;
    char err[160];
    (void)origin_allow_host(pol, a, an, err, sizeof err);
    bool host_ok = origin_host_ok(pol, h, hn);
    char host[ORIGIN_MAX + 1];
    unsigned port;
    int hl = origin_split_host(h, hn, host, &port);
    if (host_ok && hl >= 0 && !origin_host_ok(pol, host, (size_t)hl))
        abort();
    (void)origin_ok(pol, o, on, h, hn, size & 1);
    if (n > 0 && origin_allow_origin(pol, o, on, err, sizeof err) == 0 &&
        !origin_ok(pol, o, on, h, hn, size & 1))
        abort();
    /* the hub's own origin, built from a well-formed Host, is allowed */
    if (hl >= 0) {
        char self[ORIGIN_MAX + 32];
        int sl = snprintf(self, sizeof self, "http://%.*s", (int)hn, h);
        if (sl > 0 && (size_t)sl < sizeof self && origin_normalize(self, (size_t)sl, norm) >= 0 &&
            !origin_ok(pol, self, (size_t)sl, h, hn, false))
            abort();
    }
    origin_policy_destroy(&pol);
    return 0;
}
