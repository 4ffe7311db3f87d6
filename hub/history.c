/* SPDX-License-Identifier: MIT */
/* history.c - per-topic ring of frames. */
#include "history.h"
#include <stdlib.h>

struct history {
    frame_t **ring;
    size_t cap, head, count; /* head = index of the oldest */
    bool wrapped;
    /* the newest frame ever released, to tell whether a gap is real */
    int64_t gone_ts;
    uint64_t gone_seq, gone_gen;
};

static bool s_after(const frame_t *f, int64_t ts, uint64_t seq)
{
    return f->ts > ts || (f->ts == ts && f->seq > seq);
}

history_t *history_new(size_t cap)
{
    if (cap < 1)
        cap = 1;
    history_t *h = calloc(1, sizeof(*h));
    if (h)
        h->cap = cap;
    return h;
}

void history_destroy(history_t **ph)
{
    if (!ph || !*ph)
        return;
    history_t *h = *ph;
    for (size_t i = 0; i < h->count; i++)
        frame_unref(&h->ring[(h->head + i) % h->cap]);
    free(h->ring);
    free(h);
    *ph = NULL;
}

int history_push(history_t *h, frame_t *f)
{
    if (!h->ring) {
        h->ring = calloc(h->cap, sizeof(*h->ring));
        if (!h->ring)
            return -1;
    }
    if (h->count == h->cap) {
        frame_t *old = h->ring[h->head];
        if (!h->wrapped || s_after(old, h->gone_ts, h->gone_seq)) {
            h->gone_ts = old->ts;
            h->gone_seq = old->seq;
        }
        h->gone_gen = old->gen;
        frame_unref(&h->ring[h->head]);
        h->ring[h->head] = frame_ref(f);
        h->head = (h->head + 1) % h->cap;
        h->wrapped = true;
    } else {
        h->ring[(h->head + h->count) % h->cap] = frame_ref(f);
        h->count++;
    }
    return 0;
}

size_t history_count(const history_t *h)
{
    return h->count;
}

frame_t *history_at(const history_t *h, size_t i)
{
    return h->ring[(h->head + i) % h->cap];
}

bool history_wrapped(const history_t *h)
{
    return h->wrapped;
}

size_t history_after(const history_t *h, int64_t ts, uint64_t seq, bool *complete)
{
    /* Collectors send in order, but two publishers on one topic may not; a
     * linear scan from the newest end copes with both and the ring is short. */
    size_t i = h->count;
    while (i > 0 && s_after(history_at(h, i - 1), ts, seq))
        i--;
    if (complete) {
        /* vouch only for what this ring saw: it holds a point at or before
         * the position, released one there, or its first point is the very
         * next of the same counter. A hub that started after the position
         * (a restart) cannot know what came between. */
        bool held = i > 0;
        bool released = h->wrapped && (ts > h->gone_ts || (ts == h->gone_ts && seq >= h->gone_seq));
        bool next = h->count > 0 && history_at(h, 0)->seq == seq + 1 && history_at(h, 0)->ts >= ts;
        *complete = held || released || next;
    }
    return i;
}

size_t history_after_gen(const history_t *h, uint64_t gen, bool *complete)
{
    size_t i = h->count;
    while (i > 0 && history_at(h, i - 1)->gen > gen)
        i--;
    if (complete)
        *complete = !h->wrapped || gen >= h->gone_gen;
    return i;
}
