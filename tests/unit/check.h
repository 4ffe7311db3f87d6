/* SPDX-License-Identifier: MIT */
/* check.h - a ten-line test harness in the manner of Redis's testhelp.h.
 * CHECK(cond) records a pass or a failure with its line; CHECK_DONE() prints
 * "N passed, N failed" and returns non-zero from main if anything failed. */
#ifndef RTDASH_CHECK_H
#define RTDASH_CHECK_H
#include <stdio.h>
#include <string.h>
static int check_passed_, check_failed_;
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            check_passed_++;                                                                       \
        } else {                                                                                   \
            check_failed_++;                                                                       \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                        \
        }                                                                                          \
    } while (0)
#define CHECK_STREQ(a, b) CHECK(strcmp((a), (b)) == 0)
#define CHECK_DONE()                                                                               \
    (printf("%d passed, %d failed\n", check_passed_, check_failed_), check_failed_ ? 1 : 0)
#endif
