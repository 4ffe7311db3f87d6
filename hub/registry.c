/* SPDX-License-Identifier: MIT */
/* registry.c - topics by name (open addressing) and in creation order. */
#include "registry.h"
#include <stdlib.h>
#include <string.h>

struct registry {
    rtopic_t **topics; /* creation order */
    size_t count, cap, max;
    rtopic_t **slots; /* hash table, power-of-two size, NULL = empty */
    size_t nslots;
    size_t depth;
};

static uint64_t s_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

registry_t *registry_new(size_t max_topics, size_t history_depth)
{
    registry_t *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->max = max_topics;
    r->depth = history_depth;
    r->nslots = 64;
    r->slots = calloc(r->nslots, sizeof(*r->slots));
    if (!r->slots) {
        free(r);
        return NULL;
    }
    return r;
}

void registry_destroy(registry_t **pr)
{
    if (!pr || !*pr)
        return;
    registry_t *r = *pr;
    for (size_t i = 0; i < r->count; i++) {
        rtopic_t *t = r->topics[i];
        history_destroy(&t->hist);
        free(t->meta);
        free(t->subs);
        free(t);
    }
    free(r->topics);
    free(r->slots);
    free(r);
    *pr = NULL;
}

static size_t s_slot(const registry_t *r, const char *name, size_t len)
{
    size_t mask = r->nslots - 1;
    size_t i = (size_t)s_hash(name, len) & mask;
    while (r->slots[i] && !(r->slots[i]->name_len == len && !memcmp(r->slots[i]->name, name, len)))
        i = (i + 1) & mask;
    return i;
}

rtopic_t *registry_find(const registry_t *r, const char *name, size_t len)
{
    return r->slots[s_slot(r, name, len)];
}

static int s_grow(registry_t *r)
{
    size_t n = r->nslots * 2;
    rtopic_t **slots = calloc(n, sizeof(*slots));
    if (!slots)
        return -1;
    rtopic_t **old = r->slots;
    r->slots = slots;
    r->nslots = n;
    for (size_t i = 0; i < r->count; i++) {
        rtopic_t *t = r->topics[i];
        r->slots[s_slot(r, t->name, t->name_len)] = t;
    }
    free(old);
    return 0;
}

rtopic_t *registry_add(registry_t *r, const char *name, size_t len)
{
    if (r->count >= r->max || len > TOPIC_MAX_LEN)
        return NULL;
    if ((r->count + 1) * 2 > r->nslots && s_grow(r) < 0)
        return NULL;
    if (r->count == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        rtopic_t **tp = realloc(r->topics, cap * sizeof(*tp));
        if (!tp)
            return NULL;
        r->topics = tp;
        r->cap = cap;
    }
    rtopic_t *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->hist = history_new(r->depth);
    if (!t->hist) {
        free(t);
        return NULL;
    }
    memcpy(t->name, name, len);
    t->name[len] = '\0';
    t->name_len = (uint32_t)len;
    t->id = (uint32_t)r->count;
    r->topics[r->count++] = t;
    r->slots[s_slot(r, name, len)] = t;
    return t;
}

size_t registry_count(const registry_t *r)
{
    return r->count;
}

rtopic_t *registry_at(const registry_t *r, size_t i)
{
    return r->topics[i];
}

int registry_set_meta(rtopic_t *t, const char *json, size_t len, int64_t interval_ms)
{
    t->interval_ms = interval_ms;
    if (t->meta && t->meta_len == len && !memcmp(t->meta, json, len))
        return 0;
    char *m = malloc(len + 1);
    if (!m)
        return -1;
    memcpy(m, json, len);
    m[len] = '\0';
    free(t->meta);
    t->meta = m;
    t->meta_len = len;
    return 1;
}

rsub_t *registry_sub_find(rtopic_t *t, const struct client *c)
{
    for (uint32_t i = 0; i < t->nsubs; i++)
        if (t->subs[i].c == c)
            return &t->subs[i];
    return NULL;
}

int registry_sub_add(rtopic_t *t, struct client *c, uint64_t paused_gen)
{
    if (registry_sub_find(t, c))
        return 0;
    if (t->nsubs == t->subcap) {
        uint32_t cap = t->subcap ? t->subcap * 2 : 4;
        rsub_t *s = realloc(t->subs, cap * sizeof(*s));
        if (!s)
            return -1;
        t->subs = s;
        t->subcap = cap;
    }
    t->subs[t->nsubs].c = c;
    t->subs[t->nsubs].paused_gen = paused_gen;
    t->nsubs++;
    return 0;
}

void registry_sub_remove(rtopic_t *t, const struct client *c)
{
    for (uint32_t i = 0; i < t->nsubs; i++) {
        if (t->subs[i].c == c) {
            /* order of delivery across clients does not matter: swap-remove */
            t->subs[i] = t->subs[--t->nsubs];
            return;
        }
    }
}
