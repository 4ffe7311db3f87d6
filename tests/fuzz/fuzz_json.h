/* fuzz_json.h - the fuzz targets' oracle for JSON text (header-only). */
#ifndef RTDASH_FUZZ_JSON_H
#define RTDASH_FUZZ_JSON_H

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Abort unless text[0..n) is one valid JSON value without a raw newline.
 * jansson refuses U+0000 in object keys (its limit, not JSON's), so every
 * escape backslash-u0000 is checked as backslash-u0001: that keeps valid
 * text valid and invalid text invalid. */
static inline void fuzz_check_json(const unsigned char *text, size_t n)
{
    if (n == 0)
        abort();
    if (memchr(text, '\n', n))
        abort();
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
    if (!j)
        abort();
    json_decref(j);
}

#endif
