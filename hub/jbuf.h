/* SPDX-License-Identifier: MIT */
/* jbuf.h - growable output buffer for JSON text, with headroom in front.
 * The first JBUF_PRE bytes of data are reserved so the text can be handed to
 * lws_write() without a copy (it writes the frame header there). A jbuf has a
 * size cap: once an append would pass it, the buffer is marked failed and every
 * later append is a no-op, so callers check jbuf_failed() once at the end.
 * Pure: no lws, no ZeroMQ. */
#ifndef RTDASH_JBUF_H
#define RTDASH_JBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JBUF_PRE 16 /* >= LWS_PRE; checked where lws is included */

typedef struct jbuf {
    unsigned char *data; /* JBUF_PRE headroom, then len bytes of text */
    size_t len;          /* text bytes (excluding headroom) */
    size_t cap;          /* text capacity (excluding headroom) */
    size_t max;          /* text may not grow past this */
    bool failed;         /* an append hit max or malloc failed */
} jbuf_t;

/* Initialise an empty buffer that may hold up to max bytes of text. No
 * allocation yet. */
void jbuf_init(jbuf_t *b, size_t max);
/* Free the storage; b can be initialised again. */
void jbuf_free(jbuf_t *b);
/* Drop the text, keep the storage, clear the failed mark. */
void jbuf_reset(jbuf_t *b);
/* Text start (after headroom). Valid until the next append. */
static inline unsigned char *jbuf_text(const jbuf_t *b)
{
    return b->data ? b->data + JBUF_PRE : NULL;
}
static inline bool jbuf_failed(const jbuf_t *b)
{
    return b->failed;
}

/* Appends. Each returns 0, or -1 (and marks the buffer failed). */
int jbuf_put(jbuf_t *b, const void *p, size_t n);
int jbuf_putc(jbuf_t *b, char c);
int jbuf_puts(jbuf_t *b, const char *s);
int jbuf_put_i64(jbuf_t *b, int64_t v);
int jbuf_put_u64(jbuf_t *b, uint64_t v);
/* Shortest text that reads back as the same double; NaN and +-Inf -> null. */
int jbuf_put_double(jbuf_t *b, double v);
/* Same for a float32 value (shortest text that reads back as the same float). */
int jbuf_put_float(jbuf_t *b, float v);
/* A JSON string "..." from bytes s[0..n): escapes '"', '\\' and controls,
 * replaces every invalid UTF-8 sequence by U+FFFD. */
int jbuf_put_jstr(jbuf_t *b, const char *s, size_t n);
/* Length of the well-formed UTF-8 sequence at s[0..n) (n >= 1, s[0] >= 0x80),
 * or minus the length of its maximal ill-formed subpart (one U+FFFD each). */
int jbuf_utf8_seq(const unsigned char *s, size_t n);
/* A JSON string holding standard base64 of p[0..n). */
int jbuf_put_b64str(jbuf_t *b, const void *p, size_t n);

#endif
