/* SPDX-License-Identifier: MIT */
/* json_check.h - the tests' oracle for JSON text the hub writes (header-only),
 * shared by the unit tests and the fuzz targets. */
#ifndef RTDASH_JSON_CHECK_H
#define RTDASH_JSON_CHECK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* True if text[0..n) is one valid JSON value (UTF-8 checked by jansson) with
 * no raw newline (SPEC §3: messages are split on \n); otherwise false, with
 * the reason in why[0..whylen) when why is not NULL.
 * jansson refuses U+0000 in object keys (its limit, not JSON's), so every
 * escape backslash-u0000 is checked as backslash-u0001: that keeps valid
 * text valid and invalid text invalid. */
static inline bool json_check_text(const unsigned char *text, size_t n, char *why, size_t whylen)
{
    if (n == 0 || memchr(text, '\n', n)) {
        if (why)
            snprintf(why, whylen, n ? "a raw newline" : "empty");
        return false;
    }
    char *copy = malloc(n);
    if (!copy)
        abort();
    memcpy(copy, text, n);
    for (size_t i = 0; i + 6 <= n; i++)
        if (memcmp(copy + i, "\\u0000", 6) == 0)
            copy[i + 5] = '1';
    json_error_t err;
    json_t *j =
        json_loadb(copy, n, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &err);
    free(copy);
    if (!j && why)
        snprintf(why, whylen, "%s", err.text);
    json_decref(j);
    return j != NULL;
}

#endif
