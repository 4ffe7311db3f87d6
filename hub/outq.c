/* SPDX-License-Identifier: MIT */
/* outq.c - bounded per-client frame queue with the drop policy of SPEC §5. */
#include "outq.h"
#include "registry.h"
#include <assert.h>
#include <stdlib.h>

void outq_init(outq_t *q, uint32_t max_frames, size_t max_bytes)
{
    q->ring = NULL;
    q->cap = q->head = q->count = 0;
    q->bytes = q->ctl_bytes = 0;
    q->max_frames = max_frames ? max_frames : 1;
    q->max_bytes = max_bytes;
}

void outq_clear(outq_t *q)
{
    outq_pop(q, q->count);
    free(q->ring);
    q->ring = NULL;
    q->cap = q->head = 0;
}

static int s_grow(outq_t *q)
{
    uint32_t cap = q->cap ? q->cap * 2 : 8;
    frame_t **r = malloc(cap * sizeof(*r));
    if (!r)
        return -1;
    for (uint32_t i = 0; i < q->count; i++)
        r[i] = q->ring[(q->head + i) % q->cap];
    free(q->ring);
    q->ring = r;
    q->cap = cap;
    q->head = 0;
    return 0;
}

/* A frame may be dropped when a newer message of its topic exists: the
 * topic's newest gen is larger than the frame's. */
static int s_droppable(const frame_t *f)
{
    return f->kind != FRAME_CTRL && f->topic && f->gen < f->topic->last_gen;
}

static frame_t *s_pop_head(outq_t *q)
{
    frame_t *f = q->ring[q->head];
    q->ring[q->head] = NULL;
    q->head = (q->head + 1) % q->cap;
    q->count--;
    q->bytes -= f->len;
    if (f->kind == FRAME_CTRL)
        q->ctl_bytes -= f->len;
    return f;
}

static void s_push_tail(outq_t *q, frame_t *f)
{
    q->ring[(q->head + q->count) % q->cap] = f;
    q->count++;
    q->bytes += f->len;
    if (f->kind == FRAME_CTRL)
        q->ctl_bytes += f->len;
}

int outq_push(outq_t *q, frame_t *f, outq_drop_fn on_drop, void *ud)
{
    int dropped = 0;
    /* Walk from the oldest: drop what may be dropped, rotate the rest (each a
     * topic's newest or a control frame) to the tail. Rotation keeps the
     * per-topic order because a rotated frame has no newer frame of its topic
     * in the queue; at most one full turn is made. */
    uint32_t turn = q->count;
    while (turn > 0 && (q->count + 1 > q->max_frames || q->bytes + f->len > q->max_bytes)) {
        frame_t *h = s_pop_head(q);
        turn--;
        if (s_droppable(h)) {
            if (on_drop)
                on_drop(ud, h);
            frame_unref(&h);
            dropped++;
        } else {
            s_push_tail(q, h);
        }
    }
    if (q->count == q->cap && s_grow(q) < 0)
        return -1;
    s_push_tail(q, frame_ref(f));
    return dropped;
}

uint32_t outq_filter(outq_t *q, bool (*keep)(void *ud, const struct rtopic *t), void *ud)
{
    uint32_t n = q->count, gone = 0;
    for (uint32_t i = 0; i < n; i++) {
        frame_t *f = s_pop_head(q);
        if (f->topic && !keep(ud, f->topic)) {
            frame_unref(&f);
            gone++;
        } else {
            s_push_tail(q, f);
        }
    }
    return gone;
}

void outq_pop(outq_t *q, uint32_t n)
{
    assert(n <= q->count);
    while (n-- > 0 && q->count > 0) {
        frame_t *f = s_pop_head(q);
        frame_unref(&f);
    }
}
