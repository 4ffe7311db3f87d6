/* mem.h - the "mem" module: system.memory and system.swap from /proc/meminfo.
 * Levels, not rates: published from the first tick. */
// SPDX-License-Identifier: MIT
#ifndef RTDASH_SYSMETRICS_MEM_H
#define RTDASH_SYSMETRICS_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "module.h"

extern const module_t mem_module;

/* What we need from /proc/meminfo, in bytes (the file says kB = 1024 bytes). */
typedef struct mem_info {
    uint64_t total, available, swap_total, swap_free;
} mem_info_t;

/* Parse /proc/meminfo. available is MemAvailable, or on kernels without it
 * (before 3.14) MemFree + Buffers + Cached. Swap lines missing count as 0.
 * Returns 0, or -1 if MemTotal or both MemAvailable and MemFree are missing. */
int mem_parse(const char *data, size_t len, mem_info_t *out);

/* The published values: used = total - available (never below 0),
 * percent = used / total * 100 (0 when total is 0); the same for swap. */
typedef struct mem_values {
    double used, available, total, percent;
    double swap_used, swap_total, swap_percent;
} mem_values_t;

void mem_compute(const mem_info_t *in, mem_values_t *out);

#endif
