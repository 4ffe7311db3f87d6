/* SPDX-License-Identifier: MIT */
/* frame.c - reference-counted immutable message frames. */
#include "frame.h"
#include <stdlib.h>
#include <string.h>

/* Process-wide gauges; the hub is single-threaded (one lws loop). */
static uint64_t s_live_count, s_live_bytes;

frame_t *frame_new(frame_kind_t kind, const void *text, size_t len)
{
    frame_t *f = malloc(sizeof(*f) + JBUF_PRE + len + 1);
    if (!f)
        return NULL;
    memset(f, 0, sizeof(*f));
    f->refs = 1;
    f->kind = (uint8_t)kind;
    f->len = len;
    memcpy(f->buf + JBUF_PRE, text, len);
    f->buf[JBUF_PRE + len] = '\0';
    s_live_count++;
    s_live_bytes += len;
    return f;
}

void frame_unref(frame_t **pf)
{
    if (!pf || !*pf)
        return;
    frame_t *f = *pf;
    *pf = NULL;
    if (--f->refs == 0) {
        s_live_count--;
        s_live_bytes -= f->len;
        free(f);
    }
}

uint64_t frame_live_count(void)
{
    return s_live_count;
}

uint64_t frame_live_bytes(void)
{
    return s_live_bytes;
}
