/* SPDX-License-Identifier: MIT */
/* rtclock.h - the clocks every rtdash program reads, in one place.
 * rtclock_mono_*: the monotonic clock, for intervals, timeouts and rate
 * limits only; it never jumps, and its zero means nothing.
 * rtclock_wall_ms: Unix time in milliseconds, for timestamps that leave the
 * process (a sample's ts, a start time); it may jump when the clock is set.
 * Inline because the hub reads the clock several times per message. */
#ifndef RTDASH_RTCLOCK_H
#define RTDASH_RTCLOCK_H

#include <stdint.h>
#include <time.h>

/* Nanoseconds of the monotonic clock. */
static inline int64_t rtclock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Milliseconds of the monotonic clock. */
static inline int64_t rtclock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds since the Unix epoch (the real-time clock). */
static inline int64_t rtclock_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
