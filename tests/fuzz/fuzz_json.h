/* SPDX-License-Identifier: MIT */
/* fuzz_json.h - the fuzz targets' oracle for JSON text: json_check.h, which
 * the unit tests use too, turned into an abort for libFuzzer. */
#ifndef RTDASH_FUZZ_JSON_H
#define RTDASH_FUZZ_JSON_H

#include "json_check.h"

/* Abort unless text[0..n) is one valid JSON value without a raw newline. */
static inline void fuzz_check_json(const unsigned char *text, size_t n)
{
    if (!json_check_text(text, n, NULL, 0))
        abort();
}

#endif
