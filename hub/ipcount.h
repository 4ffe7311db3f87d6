/* SPDX-License-Identifier: MIT */
/* ipcount.h - connections per peer address, for --max-per-ip.
 * A small open-addressing table of address text -> count; entries vanish when
 * their count drops to zero, so its size follows the addresses connected now.
 * Pure: no lws, no sockets. */
#ifndef RTDASH_IPCOUNT_H
#define RTDASH_IPCOUNT_H

#include <stddef.h>
#include <stdint.h>

#define IPCOUNT_ADDR_MAX 63 /* longer address texts are cut */

typedef struct ipcount_slot {
    char addr[IPCOUNT_ADDR_MAX + 1]; /* "" = empty */
    uint32_t n;
} ipcount_slot_t;

typedef struct ipcount {
    ipcount_slot_t *v; /* owned */
    size_t cap, used;
} ipcount_t;

/* Initialise an empty table (no allocation yet). */
void ipcount_init(ipcount_t *t);
/* Free the storage; t can be initialised again. */
void ipcount_free(ipcount_t *t);

/* Connections now counted for addr. */
uint32_t ipcount_get(const ipcount_t *t, const char *addr);

/* Count one more connection from addr. Returns the new count, or 0 if out of
 * memory (nothing counted). */
uint32_t ipcount_add(ipcount_t *t, const char *addr);

/* Count one connection from addr less (no-op if none is counted). */
void ipcount_del(ipcount_t *t, const char *addr);

#endif
