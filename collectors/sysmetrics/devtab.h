/* devtab.h - named counters that come and go: network interfaces, disks.
 * Each entry keeps the previous reading of two counters and its time, so the
 * caller can compute rates; entries not seen in a reading are removed by
 * devtab_sweep(), so a device that returns starts over (new meta, no rate on
 * its first reading). The table grows only when a new name appears, up to a
 * fixed maximum. */
// SPDX-License-Identifier: MIT
#ifndef RTDASH_SYSMETRICS_DEVTAB_H
#define RTDASH_SYSMETRICS_DEVTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topic.h"

#define DEVTAB_NAME_MAX 64

typedef struct devtab_entry {
    char name[DEVTAB_NAME_MAX];    /* as the kernel writes it */
    char topic[TOPIC_MAX_LEN + 1]; /* prefix + sanitized name */
    uint64_t a, b;                 /* counters of the current reading */
    uint64_t prev_a, prev_b;       /* counters of the previous reading */
    int64_t prev_ns;               /* monotonic time of the previous reading */
    bool have_prev;                /* prev_* are valid */
    bool announced;                /* meta sent */
    bool skip;                     /* the caller decided not to publish it */
    unsigned gen;                  /* reading in which it was last seen */
} devtab_entry_t;

typedef struct devtab {
    devtab_entry_t *v;
    size_t n, cap, max;
    unsigned gen; /* the current reading */
    const char *prefix;
    bool full_logged;
} devtab_t;

/* Initialise an empty table for topics prefix + name (prefix borrowed,
 * e.g. "system.net."), holding at most max entries. */
void devtab_init(devtab_t *t, const char *prefix, size_t max);

/* Free the entries. The table can be initialised again. */
void devtab_free(devtab_t *t);

/* Start a new reading: entries not touched by devtab_seen() until the next
 * devtab_sweep() are removed then. */
void devtab_begin(devtab_t *t);

/* Record counters a and b for name[0..len) in the current reading, adding the
 * entry if it is new. Returns the entry (borrowed, valid until the next
 * devtab_seen() or devtab_sweep()), or NULL if the name is too long, gives no
 * valid topic, was already seen in this reading, or the table is full. */
devtab_entry_t *devtab_seen(devtab_t *t, const char *name, size_t len, uint64_t a, uint64_t b);

/* The entry for name if it was seen in the current reading, else NULL. */
devtab_entry_t *devtab_find(devtab_t *t, const char *name, size_t len);

/* Remove the entries not seen in the current reading. */
void devtab_sweep(devtab_t *t);

/* After publishing: make the current reading the previous one, at now_ns. */
void devtab_commit(devtab_t *t, int64_t now_ns);

#endif
