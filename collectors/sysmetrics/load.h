/* load.h - the "load" module: system.load from /proc/loadavg. */
// SPDX-License-Identifier: MIT
#ifndef RTDASH_SYSMETRICS_LOAD_H
#define RTDASH_SYSMETRICS_LOAD_H

#include <stddef.h>

#include "module.h"

extern const module_t load_module;

/* Parse the first three numbers of /proc/loadavg into out[0..2]
 * (1, 5 and 15 minutes). Returns 0, or -1 if they are not there. */
int load_parse(const char *data, size_t len, double out[3]);

#endif
