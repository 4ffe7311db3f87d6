/* module.h - the sysmetrics module table: one /proc source per module.
 * In the manner of Netdata's proc.plugin: each module opens its file once in
 * init(), re-reads and parses it in collect() without allocating in the steady
 * state, and hands samples and meta to the sinks in module_ctx_t (the
 * publisher in the program, a recorder in the tests). Modules never touch
 * ZeroMQ and never sleep. */
// SPDX-License-Identifier: MIT
#ifndef RTDASH_SYSMETRICS_MODULE_H
#define RTDASH_SYSMETRICS_MODULE_H

#include <stddef.h>
#include <stdint.h>

#include "rtdash.h"

#define MODULE_COLLECTOR "sysmetrics"

/* Where a module sends what it computed. Arguments are borrowed for the call. */
typedef void (*module_sample_fn)(void *arg, const char *topic, const char *const *names,
                                 const double *values, size_t n, int64_t ts_ms);
typedef void (*module_meta_fn)(void *arg, const char *topic, const rtdash_meta_t *m);

/* What a tick knows; filled by the caller before every collect(). */
typedef struct module_ctx {
    const char *proc;        /* root of the proc tree, "/proc" or a host's mounted elsewhere */
    long interval_ms;        /* the tick, announced in meta */
    int64_t mono_ns;         /* monotonic time of this tick: rates */
    int64_t ts_ms;           /* wall-clock time of this tick: the samples' ts */
    module_sample_fn sample; /* required */
    module_meta_fn meta;     /* required */
    void *arg;               /* passed to sample() and meta() */
} module_ctx_t;

/* One source. init() returns the module's state, or NULL if the source cannot
 * work here (it logs why). collect() returns 0 when fine or after a transient
 * failure (try again next tick), -1 when the module must be disabled (it logs
 * why, once). A topic's meta goes out from collect() the first time the topic
 * is seen, and from send_meta() for every current topic (every 10 s).
 * cleanup() frees the state; NULL-safe. */
typedef struct module {
    const char *name;
    void *(*init)(const module_ctx_t *ctx);
    int (*collect)(void *state, const module_ctx_t *ctx);
    void (*send_meta)(void *state, const module_ctx_t *ctx);
    void (*cleanup)(void *state);
} module_t;

/* Write "<ctx->proc>/<rel>" into buf. Returns 0, or -1 if it does not fit. */
int module_path(const module_ctx_t *ctx, const char *rel, char *buf, size_t size);

/* Bytes (or ticks) per second between two counter readings dt_ns apart.
 * Returns -1 when there is no rate: dt_ns <= 0 or the counter went backwards
 * (reset, wrap, device replaced). */
double module_rate(uint64_t prev, uint64_t cur, int64_t dt_ns);

/* Write prefix + name into dst as a valid topic: every byte of name outside
 * [A-Za-z0-9_-] becomes '_', and the result is cut at TOPIC_MAX_LEN bytes.
 * Returns 0, or -1 if name is empty or dst is too small. */
int module_topic(char *dst, size_t size, const char *prefix, const char *name, size_t len);

/* Initialise m for a topic of this collector: title, unit, chart, interval_ms
 * and collector set, min/max omitted, no fields. Strings are borrowed. */
void module_meta_init(rtdash_meta_t *m, const module_ctx_t *ctx, const char *title,
                      const char *unit, const char *chart);

/* A colour for the i-th series of a chart (borrowed, static). */
const char *module_color(size_t i);

#endif
