/* SPDX-License-Identifier: MIT */
/* history.h - a topic's ring of its last N frames (SPEC §5), oldest first.
 * The ring holds references; pushing past capacity releases the oldest.
 * Queries by (ts, seq) serve resume-with-since, queries by gen serve
 * pause/resume. Pure: no lws, no ZeroMQ. */
#ifndef RTDASH_HISTORY_H
#define RTDASH_HISTORY_H

#include "frame.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct history history_t;

/* New empty ring for up to cap frames (cap >= 1); storage is allocated on the
 * first push. Returns NULL if out of memory. Caller owns: history_destroy(). */
history_t *history_new(size_t cap);

/* Release every reference and free. NULL-safe; sets *h to NULL. */
void history_destroy(history_t **h);

/* Append f (the ring takes its own reference), releasing the oldest frame if
 * full. Returns 0, or -1 if out of memory (nothing changed). */
int history_push(history_t *h, frame_t *f);

/* Number of frames held. */
size_t history_count(const history_t *h);

/* The i-th frame, 0 = oldest (borrowed; i < history_count()). */
frame_t *history_at(const history_t *h, size_t i);

/* True if a frame was ever released because the ring was full. */
bool history_wrapped(const history_t *h);

/* Index of the first frame ordered after (ts, seq) — compared as the pair
 * (ts, seq) — or history_count() when there is none. *complete is set to true
 * when the ring can vouch that nothing after (ts, seq) was lost: it holds a
 * frame at or before (ts, seq), every frame it released is at or before it, or
 * its oldest frame is seq + 1. */
size_t history_after(const history_t *h, int64_t ts, uint64_t seq, bool *complete);

/* Index of the first frame with gen > gen, or history_count(). *complete as
 * above: no frame with a larger gen was released. */
size_t history_after_gen(const history_t *h, uint64_t gen, bool *complete);

#endif
