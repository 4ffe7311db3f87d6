/* SPDX-License-Identifier: MIT */
/* outq.h - a client's bounded queue of shared frames (SPEC §5).
 * Holds references, never copies. Over its frame or byte bound it drops the
 * oldest sample or event whose topic has a newer message (so a topic's newest
 * value is never dropped) and reports each drop, so the client can mark the
 * topic's next message with "gap":true. Control frames (welcome, acks,
 * history) are never dropped. Pure: no lws, no ZeroMQ. */
#ifndef RTDASH_OUTQ_H
#define RTDASH_OUTQ_H

#include "frame.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct outq {
    frame_t **ring; /* owned; grows on demand up to what the bounds need */
    uint32_t cap, head, count;
    size_t bytes;     /* sum of the queued frames' text lengths */
    size_t ctl_bytes; /* the part of bytes in control frames (never dropped) */
    uint32_t max_frames;
    size_t max_bytes;
} outq_t;

/* Called for each frame dropped, before its reference is released. */
typedef void (*outq_drop_fn)(void *ud, frame_t *f);

/* Initialise an empty queue; no allocation until the first push. */
void outq_init(outq_t *q, uint32_t max_frames, size_t max_bytes);

/* Release every reference and the storage; q can be initialised again. */
void outq_clear(outq_t *q);

/* Append a reference to f, first dropping droppable frames while the queue
 * would be over a bound. If nothing can be dropped the frame is queued anyway:
 * what remains is at most one frame per topic plus control frames, which the
 * topic limit bounds. Returns the number of frames dropped (>= 0), or -1 if
 * out of memory (f not queued). */
int outq_push(outq_t *q, frame_t *f, outq_drop_fn on_drop, void *ud);

/* The i-th oldest frame (0 = the oldest; borrowed), or NULL past the end. */
static inline frame_t *outq_peek_at(const outq_t *q, uint32_t i)
{
    return i < q->count ? q->ring[(q->head + i) % q->cap] : NULL;
}

/* Remove every queued frame whose topic keep(ud, topic) refuses (control
 * frames, which have no topic, stay), keeping the order of the rest.
 * Returns how many were removed. */
uint32_t outq_filter(outq_t *q, bool (*keep)(void *ud, const struct rtopic *t), void *ud);

/* Remove the oldest n frames (n <= count), releasing their references. */
void outq_pop(outq_t *q, uint32_t n);

#endif
