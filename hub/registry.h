/* SPDX-License-Identifier: MIT */
/* registry.h - the hub's topics: name, meta, history, subscribers, stale state.
 * Topics are created on their first message and live until the hub stops
 * (their number is capped), so frames and clients may hold borrowed pointers
 * to them. Each topic keeps the list of clients it is delivered to, so
 * fan-out walks one short list per message instead of matching every pattern
 * of every client. Pure: no lws, no ZeroMQ. */
#ifndef RTDASH_REGISTRY_H
#define RTDASH_REGISTRY_H

#include "history.h"
#include "topic.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct client;

/* One client a topic is delivered to. paused_gen != 0: paused since that gen. */
typedef struct rsub {
    struct client *c;
    uint64_t paused_gen;
} rsub_t;

typedef struct rtopic {
    char name[TOPIC_MAX_LEN + 1];
    uint32_t name_len;
    uint32_t id;     /* creation order, 0-based */
    history_t *hist; /* owned */
    char *meta;      /* owned JSON object text, NULL until a meta arrives */
    size_t meta_len;
    int64_t interval_ms;  /* from meta; 0 = unknown (never stale) */
    uint64_t auto_seq;    /* last seq the hub assigned or saw */
    uint64_t last_seq;    /* the collector's own seq on its previous message, 0 = none */
    uint64_t last_gen;    /* gen of the newest sample/event */
    int64_t last_rx_mono; /* monotonic ms of the newest sample/event */
    bool stale;
    int64_t stale_since; /* wall ms, valid when stale */
    uint64_t msgs;       /* samples/events received */
    uint32_t coll;       /* its collector: colreg index + 1, 0 = not named */
    rsub_t *subs;        /* owned array */
    uint32_t nsubs, subcap;
} rtopic_t;

typedef struct registry registry_t;

/* New empty registry for up to max_topics topics with history_depth points
 * each. Returns NULL if out of memory. Caller owns: registry_destroy(). */
registry_t *registry_new(size_t max_topics, size_t history_depth);

/* Free every topic (their frames too). NULL-safe; sets *r to NULL. */
void registry_destroy(registry_t **r);

/* The topic named name[0..len), or NULL. Borrowed. */
rtopic_t *registry_find(const registry_t *r, const char *name, size_t len);

/* Create the topic name[0..len) (a valid topic not yet present). Returns it
 * (borrowed), or NULL when the topic limit is reached or out of memory. */
rtopic_t *registry_add(registry_t *r, const char *name, size_t len);

size_t registry_count(const registry_t *r);

/* The i-th topic in creation order (borrowed; i < registry_count()). */
rtopic_t *registry_at(const registry_t *r, size_t i);

/* Replace t's meta by json[0..len). Returns 1 if it changed, 0 if it is the
 * same text, -1 if out of memory (old meta kept). */
int registry_set_meta(rtopic_t *t, const char *json, size_t len, int64_t interval_ms);

/* The subscriber entry of c in t, or NULL. Borrowed until t's subs change. */
rsub_t *registry_sub_find(rtopic_t *t, const struct client *c);

/* Add c to t's subscribers (no-op if present). Returns 0, or -1 if out of memory. */
int registry_sub_add(rtopic_t *t, struct client *c, uint64_t paused_gen);

/* Remove c from t's subscribers (no-op if absent). */
void registry_sub_remove(rtopic_t *t, const struct client *c);

#endif
