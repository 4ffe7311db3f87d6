/* SPDX-License-Identifier: MIT */
/* rlog.h - the one logger: levels, stderr, rate limiting for peer-triggered lines.
 * rlog() tests the level before formatting, so disabled lines cost a compare.
 * Anything a peer (collector, browser) can trigger again and again must go
 * through RLOG_RL so a flood cannot fill the disk or stall the loop. */
#ifndef RTDASH_RLOG_H
#define RTDASH_RLOG_H

#include "opts.h"

#include <stddef.h>
#include <stdint.h>

typedef enum { RLOG_ERROR = 0, RLOG_WARN, RLOG_NOTICE, RLOG_INFO, RLOG_DEBUG } rlog_level_t;

extern rlog_level_t rlog_level_current;

/* The levels by name ("warning" is an alias of "warn"), for every program's
 * --log-level: an OPT_ENUM setting whose value goes to rlog_set_level(). */
extern const opt_enum_value_t rlog_level_values[];
/* Every program's --log-level row of its opts table; level is an opt_enum_t *
 * whose values are rlog_level_values. */
#define RLOG_OPT_LEVEL(level)                                                                      \
    {                                                                                              \
        "log-level", OPT_ENUM, "notice", 0, 0, (level), "how much to log"                          \
    }

/* Set the level from a name ("error", "warn", "notice", "info", "debug").
 * Returns 0, or -1 if the name is unknown (level unchanged). */
int rlog_set_level_name(const char *name);
void rlog_set_level(rlog_level_t level);
/* Program name printed in front of each line; borrowed, must outlive logging. */
void rlog_set_prog(const char *prog);

void rlog_write(rlog_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define rlog(level, ...)                                                                           \
    do {                                                                                           \
        if ((level) <= rlog_level_current)                                                         \
            rlog_write((level), __VA_ARGS__);                                                      \
    } while (0)

/* Rate limiter state for one call site: at most `burst` lines per `period_ms`;
 * the first line after a quiet period says how many were suppressed. */
typedef struct rlog_rl {
    int64_t window_start_ms;
    uint32_t count;
    uint32_t suppressed;
} rlog_rl_t;

/* Returns 1 if the caller may log now (and the number suppressed before it in
 * *suppressed), 0 if this line must be dropped (it is counted). */
int rlog_rl_allow(rlog_rl_t *rl, uint32_t burst, int64_t period_ms, uint32_t *suppressed);

/* Log at most 5 lines per 10 s against the limiter *rl (one per reason, say,
 * so a flood of one kind of error cannot hide another kind). */
#define RLOG_RL_ON(rl, level, ...)                                                                 \
    do {                                                                                           \
        uint32_t rl_supp_;                                                                         \
        if ((level) <= rlog_level_current && rlog_rl_allow((rl), 5, 10000, &rl_supp_)) {           \
            if (rl_supp_)                                                                          \
                rlog_write((level), "(%u similar lines suppressed)", rl_supp_);                    \
            rlog_write((level), __VA_ARGS__);                                                      \
        }                                                                                          \
    } while (0)

/* Log at most 5 lines per 10 s from this call site. */
#define RLOG_RL(level, ...)                                                                        \
    do {                                                                                           \
        static rlog_rl_t rl_state_;                                                                \
        RLOG_RL_ON(&rl_state_, level, __VA_ARGS__);                                                \
    } while (0)

/* Peer bytes s[0..len) made fit to quote in a log line, in dst (size >= 8):
 * printable ASCII as it is, '"' and '\\' escaped, any other byte as \xNN,
 * cut with "..." where dst is full. Returns dst. */
const char *rlog_quote(char *dst, size_t size, const char *s, size_t len);

#endif
