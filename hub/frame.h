/* SPDX-License-Identifier: MIT */
/* frame.h - one encoded message, immutable once published, reference-counted.
 * A collector message is converted to JSON once into a frame; the topic's
 * history ring and every client queue that carries it hold references to the
 * same frame, never copies. The text has JBUF_PRE bytes of headroom so it can
 * be written to a WebSocket without a copy. Pure: no lws, no ZeroMQ. */
#ifndef RTDASH_FRAME_H
#define RTDASH_FRAME_H

#include "jbuf.h"
#include <stddef.h>
#include <stdint.h>

typedef enum {
    FRAME_SAMPLE = 1, /* live data; may be dropped for slow clients if not the newest */
    FRAME_EVENT = 2,  /* feed message; dropped like a sample */
    FRAME_CTRL = 3,   /* welcome, acks, history, topic, clients...: never dropped */
} frame_kind_t;

struct rtopic;

typedef struct frame {
    uint32_t refs;
    uint8_t kind;         /* frame_kind_t */
    uint32_t body_off;    /* sample/event: offset of the "topic" key in the text */
    struct rtopic *topic; /* sample/event: its topic (borrowed; topics outlive frames) */
    uint64_t gen;         /* hub-wide arrival number, increasing */
    int64_t ts;           /* sample/event: ts written in the text */
    uint64_t seq;         /* sample/event: seq written in the text */
    size_t len;           /* text length */
    unsigned char buf[];  /* JBUF_PRE headroom, text, NUL */
} frame_t;

/* New frame with one reference holding a copy of text[0..len). Other fields
 * are zero. Returns NULL if out of memory. Caller owns the result:
 * frame_unref(). */
frame_t *frame_new(frame_kind_t kind, const void *text, size_t len);

/* Text of the frame (NUL-terminated; JBUF_PRE writable bytes before it). */
static inline unsigned char *frame_text(frame_t *f)
{
    return f->buf + JBUF_PRE;
}

/* The same, read-only. */
static inline const unsigned char *frame_ctext(const frame_t *f)
{
    return f->buf + JBUF_PRE;
}

/* Take one more reference. Returns f. */
static inline frame_t *frame_ref(frame_t *f)
{
    f->refs++;
    return f;
}

/* Drop one reference; frees the frame at zero. NULL-safe; sets *f to NULL. */
void frame_unref(frame_t **f);

/* Frames alive and their bytes (for /metrics). */
uint64_t frame_live_count(void);
uint64_t frame_live_bytes(void);

#endif
