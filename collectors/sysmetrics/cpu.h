/* cpu.h - the "cpu" module: system.cpu and system.cpu.cores from /proc/stat.
 * Percentages are shares of the ticks that passed between two readings, so
 * both topics are published from the second tick on. */
// SPDX-License-Identifier: MIT
#ifndef RTDASH_SYSMETRICS_CPU_H
#define RTDASH_SYSMETRICS_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "module.h"

extern const module_t cpu_module;

/* Cumulative ticks of one "cpu" line. guest and guest_nice are left out:
 * the kernel already counts them in user and nice. */
typedef struct cpu_times {
    uint64_t user, nice, system, idle, iowait, irq, softirq, steal;
} cpu_times_t;

/* Percent of the ticks between two readings, each 0..100:
 * user = user + nice, system = system + irq + softirq, iowait, steal, and
 * usage = 100 - idle - iowait. All 0 when no tick passed. */
typedef struct cpu_pct {
    double usage, user, system, iowait, steal;
} cpu_pct_t;

/* Parse /proc/stat: the "cpu" line into *total, each "cpuN" line into
 * cores[N] with present[N] = true when N < max (present[] is cleared first).
 * *top is 1 + the highest N seen, even if N >= max, so the caller can grow.
 * Returns 0, or -1 if there is no valid "cpu" line. */
int cpu_parse(const char *data, size_t len, cpu_times_t *total, cpu_times_t *cores, bool *present,
              size_t max, size_t *top);

/* Percentages between two readings of the same CPU (counters that went
 * backwards count as no change). */
void cpu_percent(const cpu_times_t *prev, const cpu_times_t *cur, cpu_pct_t *out);

#endif
