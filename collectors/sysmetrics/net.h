/* net.h - the "net" module: system.net.<iface> rx/tx bytes per second from
 * /proc/net/dev, every interface but "lo". Reads <proc>/1/net/dev when it can
 * (the network namespace of that /proc's init: the host's, for a container
 * given the host's /proc), else <proc>/net/dev. Rates need two readings, so an
 * interface is published from its second reading on; its meta goes out when
 * it is first seen. */
// SPDX-License-Identifier: MIT
#ifndef RTDASH_SYSMETRICS_NET_H
#define RTDASH_SYSMETRICS_NET_H

#include <stddef.h>
#include <stdint.h>

#include "module.h"

extern const module_t net_module;

/* Called once per interface line: name[0..len) is not NUL-ended. */
typedef void (*net_visit_fn)(void *arg, const char *name, size_t len, uint64_t rx_bytes,
                             uint64_t tx_bytes);

/* Parse /proc/net/dev, calling fn for every interface except "lo".
 * Returns the number of interfaces visited. */
int net_parse(const char *data, size_t len, net_visit_fn fn, void *arg);

#endif
