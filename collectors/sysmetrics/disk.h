/* disk.h - the "disk" module: system.disk.<dev> read/write bytes per second
 * from /proc/diskstats (sectors of 512 bytes). Skips loop*, ram*, zram* and
 * partitions whose whole device is listed too (sda1 when sda is there,
 * nvme0n1p1 when nvme0n1 is), so a byte is not counted twice. */
// SPDX-License-Identifier: MIT
#ifndef RTDASH_SYSMETRICS_DISK_H
#define RTDASH_SYSMETRICS_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "module.h"

extern const module_t disk_module;

/* Called once per device line that is not loop*, ram* or zram*: name[0..len)
 * is not NUL-ended; the counters are sectors. */
typedef void (*disk_visit_fn)(void *arg, const char *name, size_t len, uint64_t sectors_read,
                              uint64_t sectors_written);

/* Parse /proc/diskstats. Returns the number of devices visited. */
int disk_parse(const char *data, size_t len, disk_visit_fn fn, void *arg);

/* The length of the whole device's name if name[0..len) is a partition of it:
 * trailing digits removed, then a 'p' that follows a digit ("sda1" -> 3 for
 * "sda", "nvme0n1p2" -> 7 for "nvme0n1", "mmcblk0p1" -> 7). 0 when the name
 * does not end in digits ("sda"). It is only a candidate: "nvme0n1" gives 6
 * ("nvme0n"), which is not listed, so the caller keeps nvme0n1. */
size_t disk_parent_len(const char *name, size_t len);

#endif
