/* SPDX-License-Identifier: MIT */
/* colreg.h - what the hub knows about each collector (issue 4).
 * A collector is named by the `collector` key of its topics' meta; every
 * message and every rejected message on such a topic is counted for it, so
 * /api/collectors and /metrics can show last seen, messages per second,
 * rejects by reason and topics. Bounded: names are cut to 64 bytes and at
 * most COLREG_MAX collectors are kept (later names are not tracked).
 * Pure: no lws, no ZeroMQ. */
#ifndef RTDASH_COLREG_H
#define RTDASH_COLREG_H

#include <stddef.h>
#include <stdint.h>

#define COLREG_MAX 1000
#define COLREG_NAME_MAX 64
#define COLREG_REASONS 32 /* >= the broker's REJ__COUNT */

typedef struct colreg_entry {
    char name[COLREG_NAME_MAX + 1];
    uint64_t msgs; /* samples and events */
    uint64_t metas;
    uint64_t rejected[COLREG_REASONS]; /* by the broker's reject reason */
    int64_t last_seen_wall;            /* ms, 0 = never */
    uint64_t msgs_at_tick;             /* msgs at the last colreg_tick */
    double rate;                       /* messages per second, smoothed */
    uint32_t ntopics;
} colreg_entry_t;

typedef struct colreg {
    colreg_entry_t *v; /* owned */
    uint32_t n, cap;
} colreg_t;

/* Initialise an empty registry (no allocation yet). */
void colreg_init(colreg_t *r);
/* Free the storage; r can be initialised again. */
void colreg_free(colreg_t *r);

/* Index of the collector called name[0..len), created if new. The name is
 * kept as a clean label: invalid UTF-8 becomes U+FFFD, controls '_', and it
 * is cut at a character boundary to COLREG_NAME_MAX bytes. Returns -1 when COLREG_MAX are known or
 * out of memory. */
int colreg_get(colreg_t *r, const char *name, size_t len);

/* Once a second: update each collector's messages-per-second figure. */
void colreg_tick(colreg_t *r, double seconds);

#endif
