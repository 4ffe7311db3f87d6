/* SPDX-License-Identifier: MIT */
/* test_outq.c - the per-client queue's bounds and drop policy (SPEC §5). */
#include "check.h"
#include "outq.h"
#include "registry.h"
#include <string.h>

static uint64_t s_gen;
static int s_drops;
static const rtopic_t *s_last_drop;

static frame_t *s_sample(rtopic_t *t, frame_kind_t kind)
{
    frame_t *f = frame_new(kind, "0123456789", 10);
    f->topic = t;
    f->gen = ++s_gen;
    if (t)
        t->last_gen = f->gen;
    return f;
}

static void s_on_drop(void *ud, frame_t *f)
{
    (void)ud;
    s_drops++;
    s_last_drop = f->topic;
}

static void s_push(outq_t *q, frame_t *f)
{
    outq_push(q, f, s_on_drop, NULL);
    frame_unref(&f);
}

int main(void)
{
    registry_t *r = registry_new(16, 4);
    rtopic_t *a = registry_add(r, "a", 1), *b = registry_add(r, "b", 1);
    outq_t q;
    outq_init(&q, 4, 1 << 20);

    /* within bounds: nothing dropped, FIFO */
    for (int i = 0; i < 4; i++)
        s_push(&q, s_sample(a, FRAME_SAMPLE));
    CHECK(q.count == 4 && s_drops == 0);
    CHECK(q.bytes == 40);
    /* full: the oldest sample of a (a has newer) is dropped */
    frame_t *f = s_sample(a, FRAME_SAMPLE);
    uint64_t newest = f->gen;
    s_push(&q, f);
    CHECK(q.count == 4 && s_drops == 1 && s_last_drop == a);
    CHECK(outq_peek_at(&q, 3)->gen == newest);
    CHECK(outq_peek_at(&q, 0)->gen == 2);

    /* the newest of a topic is never dropped: fill with control frames and
     * one b sample, then push more b: the old b goes, a's newest stays */
    outq_clear(&q);
    outq_init(&q, 3, 1 << 20);
    s_drops = 0;
    frame_t *a_last = s_sample(a, FRAME_SAMPLE);
    s_push(&q, a_last);
    s_push(&q, s_sample(NULL, FRAME_CTRL));
    s_push(&q, s_sample(b, FRAME_SAMPLE));
    s_push(&q, s_sample(b, FRAME_SAMPLE));
    CHECK(s_drops == 1 && s_last_drop == b);
    CHECK(q.count == 3);
    int has_a = 0, ctrl = 0;
    for (uint32_t i = 0; i < q.count; i++) {
        has_a += outq_peek_at(&q, i)->topic == a;
        ctrl += outq_peek_at(&q, i)->kind == FRAME_CTRL;
    }
    CHECK(has_a == 1 && ctrl == 1);

    /* nothing droppable: the queue grows past its bound instead of losing a
     * topic's newest value or a control frame */
    rtopic_t *c = registry_add(r, "c", 1);
    s_push(&q, s_sample(c, FRAME_SAMPLE));
    CHECK(q.count == 4);
    CHECK(s_drops == 1);

    /* per-topic order is kept after rotation */
    uint64_t prev_b = 0, prev_c = 0;
    for (uint32_t i = 0; i < q.count; i++) {
        frame_t *x = outq_peek_at(&q, i);
        if (x->topic == b) {
            CHECK(x->gen > prev_b);
            prev_b = x->gen;
        }
        if (x->topic == c) {
            CHECK(x->gen > prev_c);
            prev_c = x->gen;
        }
    }

    /* byte bound */
    outq_clear(&q);
    outq_init(&q, 1000, 25);
    s_drops = 0;
    s_push(&q, s_sample(a, FRAME_SAMPLE));
    s_push(&q, s_sample(a, FRAME_SAMPLE));
    CHECK(q.bytes == 20 && s_drops == 0);
    s_push(&q, s_sample(a, FRAME_SAMPLE));
    CHECK(q.bytes == 20 && s_drops == 1);
    CHECK(q.count < q.max_frames && q.bytes < q.max_bytes);

    /* events are dropped like samples when a newer message exists */
    s_push(&q, s_sample(b, FRAME_EVENT));
    CHECK(s_drops == 2);

    outq_pop(&q, 1);
    CHECK(q.count == 1 && q.bytes == 10);

    /* control bytes are counted apart, through drops and rotation */
    CHECK(q.ctl_bytes == 0);
    s_push(&q, s_sample(NULL, FRAME_CTRL));
    CHECK(q.ctl_bytes == 10);
    s_push(&q, s_sample(c, FRAME_SAMPLE)); /* over 25 bytes: rotates, drops nothing */
    s_push(&q, s_sample(c, FRAME_SAMPLE)); /* drops c's older one */
    CHECK(q.ctl_bytes == 10 && q.bytes == 30);
    outq_pop(&q, q.count);
    CHECK(q.ctl_bytes == 0 && q.bytes == 0);
    outq_clear(&q);
    CHECK(q.count == 0 && q.ring == NULL);
    registry_destroy(&r);
    CHECK(frame_live_count() == 0);
    return CHECK_DONE();
}
