/* SPDX-License-Identifier: MIT */
/* rng.h - a small deterministic generator for the unit tests (xorshift64*),
 * so a failure reproduces exactly. */
#ifndef RTDASH_TEST_RNG_H
#define RTDASH_TEST_RNG_H

#include <stdint.h>

/* The next number of the sequence kept in *state (never 0). */
static inline uint64_t rng_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

#endif
