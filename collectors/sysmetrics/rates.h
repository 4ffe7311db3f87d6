/* rates.h - what the disk and net modules share: a /proc file of devices,
 * each with two byte counters, published per device as a two-field rate
 * (bytes per second) on PREFIX + device, with its meta. */
// SPDX-License-Identifier: MIT
#ifndef RTDASH_SYSMETRICS_RATES_H
#define RTDASH_SYSMETRICS_RATES_H

#include <stddef.h>

#include "devtab.h"
#include "module.h"
#include "procbuf.h"

/* What a kind of device is called and shown as. */
typedef struct rates_kind {
    const char *name;              /* "disk": in log lines */
    const char *title;             /* "Disk": the meta title is "Disk sda" */
    rtdash_field_meta_t fields[2]; /* the two counters' field names, labels, colours */
    double scale;                  /* bytes per counted unit */
} rates_kind_t;

/* A module's state: its file, its devices. */
typedef struct rates_state {
    const rates_kind_t *kind; /* borrowed, static */
    procbuf_t *pb;            /* owned */
    devtab_t tab;
} rates_state_t;

/* New state reading pb (taken over), topics prefix + device, at most max
 * devices. NULL (logged) if out of memory; pb is freed then. */
rates_state_t *rates_new(const rates_kind_t *kind, procbuf_t *pb, const char *prefix, size_t max);

/* What a parser calls for each device of the file, and the parser. */
typedef void (*rates_visit_fn)(void *arg, const char *name, size_t len, uint64_t a, uint64_t b);
typedef int (*rates_parse_fn)(const char *data, size_t len, rates_visit_fn fn, void *arg);

/* A tick (module_t.collect): read the file, parse it, and publish meta for
 * new devices and a sample of the rates of every device read twice; mark
 * (may be NULL) may set devices' skip first. Returns 0 (a file that cannot
 * be read this tick is logged at a limited rate). */
int rates_collect(rates_state_t *st, const module_ctx_t *ctx, rates_parse_fn parse,
                  void (*mark)(rates_state_t *st));

/* module_t.send_meta and module_t.cleanup of such a module. */
void rates_send_meta(void *state, const module_ctx_t *ctx);
void rates_cleanup(void *state);

#endif
