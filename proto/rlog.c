/* SPDX-License-Identifier: MIT */
/* rlog.c - the one logger: one line per call on stderr, levels, rate limiter.
 * A line is "2026-11-28T05:50:24.123Z rtdash-hub notice: text": UTC time with
 * milliseconds, program name, level, message. Each line is formatted into a
 * stack buffer and written with a single fwrite(), so lines from several
 * threads never interleave. Control characters in the message (which may come
 * from a peer) are replaced by '?' so one call is always exactly one line. */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* clock_gettime, gmtime_r, strcasecmp */
#endif
#include "rlog.h"
#include "rtclock.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Longest line written, newline included; longer messages end in "...". */
#define RLOG_LINE_MAX 2048

rlog_level_t rlog_level_current = RLOG_NOTICE;

static const char *s_prog = "rtdash";

static const char *const s_level_names[] = {"error", "warn", "notice", "info", "debug"};

const opt_enum_value_t rlog_level_values[] = {
    {"error", RLOG_ERROR},
    {"warn", RLOG_WARN},
    {"warning", RLOG_WARN},
    {"notice", RLOG_NOTICE},
    {"info", RLOG_INFO},
    {"debug", RLOG_DEBUG},
    {NULL, 0},
};

int rlog_set_level_name(const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; rlog_level_values[i].name; i++) {
        if (strcasecmp(name, rlog_level_values[i].name) == 0) {
            rlog_level_current = (rlog_level_t)rlog_level_values[i].value;
            return 0;
        }
    }
    return -1;
}

void rlog_set_level(rlog_level_t level)
{
    if (level < RLOG_ERROR)
        level = RLOG_ERROR;
    if (level > RLOG_DEBUG)
        level = RLOG_DEBUG;
    rlog_level_current = level;
}

void rlog_set_prog(const char *prog)
{
    s_prog = (prog && *prog) ? prog : "rtdash";
}

void rlog_write(rlog_level_t level, const char *fmt, ...)
{
    if (level < RLOG_ERROR || level > RLOG_DEBUG)
        level = RLOG_ERROR;

    char line[RLOG_LINE_MAX];
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    size_t n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    int k = snprintf(line + n, sizeof line - n, ".%03ldZ %s %s: ", now.tv_nsec / 1000000L, s_prog,
                     s_level_names[level]);
    if (k < 0)
        return;
    size_t head = n + (size_t)k;
    if (head >= sizeof line - 1)
        head = sizeof line - 2; /* absurdly long program name: keep a valid line */

    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + head, sizeof line - head, fmt, ap);
    va_end(ap);
    if (m < 0)
        m = 0;
    size_t len = head + (size_t)m;
    if (len > sizeof line - 2) {
        /* Truncated: end on "..." and leave room for the newline. */
        len = sizeof line - 2;
        memcpy(line + len - 3, "...", 3);
    }
    for (size_t i = head; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c < 0x20 || c == 0x7f)
            line[i] = '?';
    }
    line[len++] = '\n';
    fwrite(line, 1, len, stderr);
}

int rlog_rl_allow(rlog_rl_t *rl, uint32_t burst, int64_t period_ms, uint32_t *suppressed)
{
    int64_t now = rtclock_mono_ms();
    /* A zeroed state (count 0) starts its first window now, whatever the
     * monotonic clock reads. */
    if (rl->count == 0 || now - rl->window_start_ms >= period_ms) {
        rl->window_start_ms = now;
        rl->count = 0;
    }
    if (rl->count < burst) {
        rl->count++;
        if (suppressed)
            *suppressed = rl->suppressed;
        rl->suppressed = 0;
        return 1;
    }
    if (rl->suppressed < UINT32_MAX)
        rl->suppressed++;
    if (suppressed)
        *suppressed = 0;
    return 0;
}

const char *rlog_quote(char *dst, size_t size, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0, room = size - 4; /* keep room for "..." and the NUL */
    size_t i = 0;
    for (; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        size_t need = (ch >= 0x20 && ch < 0x7f) ? (ch == '"' || ch == '\\' ? 2 : 1) : 4;
        if (o + need > room)
            break;
        if (need == 1) {
            dst[o++] = (char)ch;
        } else if (need == 2) {
            dst[o++] = '\\';
            dst[o++] = (char)ch;
        } else {
            dst[o++] = '\\';
            dst[o++] = 'x';
            dst[o++] = hex[ch >> 4];
            dst[o++] = hex[ch & 15];
        }
    }
    if (i < len) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
    return dst;
}
