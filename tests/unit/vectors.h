/* SPDX-License-Identifier: MIT */
/* vectors.h - reading proto/vectors/ from the C unit tests.
 * The same files drive the Python tests, so the two sides cannot drift. */
#ifndef RTDASH_TEST_VECTORS_H
#define RTDASH_TEST_VECTORS_H
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

/* Path of a vectors file: $RTDASH_SRC/proto/vectors/NAME, else
 * ../proto/vectors/NAME (relative to the working directory). */
static inline void vectors_path(char *out, size_t len, const char *name)
{
    const char *src = getenv("RTDASH_SRC");
    if (src && *src)
        snprintf(out, len, "%s/proto/vectors/%s", src, name);
    else
        snprintf(out, len, "../proto/vectors/%s", name);
}

/* The JSON array of vectors file NAME, or NULL (after saying why on stderr).
 * Caller owns the result: json_decref(). */
static inline json_t *vectors_load(const char *name)
{
    char path[4096];
    vectors_path(path, sizeof path, name);
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    if (!root)
        fprintf(stderr, "cannot load %s: %s (set RTDASH_SRC)\n", path, err.text);
    else if (!json_is_array(root)) {
        fprintf(stderr, "%s: not a JSON array\n", path);
        json_decref(root);
        root = NULL;
    }
    return root;
}

/* Value of one hex digit, or -1. */
static inline int vectors_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
#endif
