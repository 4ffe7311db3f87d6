/* SPDX-License-Identifier: MIT */
/* ipcount.c - connections per address (linear probing, backward-shift delete). */
#include "ipcount.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ipcount_init(ipcount_t *t)
{
    memset(t, 0, sizeof(*t));
}

void ipcount_free(ipcount_t *t)
{
    free(t->v);
    memset(t, 0, sizeof(*t));
}

static size_t s_hash(const char *s)
{
    size_t h = 5381;
    for (; *s; s++)
        h = h * 33 + (unsigned char)*s;
    return h;
}

/* Slot holding addr, or the empty slot where it would go. cap > used. */
static size_t s_find(const ipcount_t *t, const char *addr)
{
    size_t i = s_hash(addr) & (t->cap - 1);
    while (t->v[i].addr[0] && strcmp(t->v[i].addr, addr))
        i = (i + 1) & (t->cap - 1);
    return i;
}

uint32_t ipcount_get(const ipcount_t *t, const char *addr)
{
    char key[IPCOUNT_ADDR_MAX + 1];
    if (!t->cap)
        return 0;
    snprintf(key, sizeof(key), "%s", addr);
    return t->v[s_find(t, key)].n;
}

static int s_grow(ipcount_t *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    ipcount_slot_t *old = t->v;
    size_t oldcap = t->cap;
    t->v = calloc(cap, sizeof(*t->v));
    if (!t->v) {
        t->v = old;
        return -1;
    }
    t->cap = cap;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].addr[0])
            t->v[s_find(t, old[i].addr)] = old[i];
    free(old);
    return 0;
}

uint32_t ipcount_add(ipcount_t *t, const char *addr)
{
    char key[IPCOUNT_ADDR_MAX + 1];
    snprintf(key, sizeof(key), "%s", addr[0] ? addr : "?");
    if ((t->used + 1) * 2 > t->cap && s_grow(t) < 0)
        return 0;
    ipcount_slot_t *s = &t->v[s_find(t, key)];
    if (!s->addr[0]) {
        memcpy(s->addr, key, sizeof(key));
        t->used++;
    }
    return ++s->n;
}

void ipcount_del(ipcount_t *t, const char *addr)
{
    char key[IPCOUNT_ADDR_MAX + 1];
    if (!t->cap)
        return;
    snprintf(key, sizeof(key), "%s", addr[0] ? addr : "?");
    size_t i = s_find(t, key);
    if (!t->v[i].addr[0] || --t->v[i].n > 0)
        return;
    /* empty the slot, then move back any later entry that probed past it */
    t->v[i].addr[0] = '\0';
    t->used--;
    size_t j = i;
    for (;;) {
        j = (j + 1) & (t->cap - 1);
        if (!t->v[j].addr[0])
            break;
        size_t home = s_hash(t->v[j].addr) & (t->cap - 1);
        /* j's entry may fill the hole at i if its home is not in (i, j] */
        if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
            t->v[i] = t->v[j];
            t->v[j].addr[0] = '\0';
            t->v[j].n = 0;
            i = j;
        }
    }
}
