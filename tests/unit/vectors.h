/* vectors.h - reading proto/vectors/ from the C unit tests.
 * The same files drive the Python tests, so the two sides cannot drift. */
#ifndef RTDASH_TEST_VECTORS_H
#define RTDASH_TEST_VECTORS_H
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
