/* SPDX-License-Identifier: MIT */
/* test_history.c - the per-topic ring: order, wrap, since (ts, seq), gen. */
#include "check.h"
#include "history.h"

static frame_t *s_frame(int64_t ts, uint64_t seq, uint64_t gen)
{
    frame_t *f = frame_new(FRAME_SAMPLE, "{}", 2);
    f->ts = ts;
    f->seq = seq;
    f->gen = gen;
    return f;
}

int main(void)
{
    history_t *h = history_new(3);
    CHECK(h != NULL);
    CHECK(history_count(h) == 0);
    bool complete = true;
    /* an empty ring cannot vouch for anything (the hub may have restarted) */
    CHECK(history_after(h, 0, 0, &complete) == 0 && !complete);

    for (int i = 1; i <= 2; i++) {
        frame_t *f = s_frame(1000 + i, (uint64_t)i, (uint64_t)(10 + i));
        CHECK(history_push(h, f) == 0);
        frame_unref(&f);
    }
    CHECK(history_count(h) == 2);
    CHECK(!history_wrapped(h));
    CHECK(history_at(h, 0)->seq == 1 && history_at(h, 1)->seq == 2);
    CHECK(history_after(h, 1001, 1, &complete) == 1 && complete);
    CHECK(history_after(h, 0, 0, &complete) == 0 && complete);
    CHECK(history_after(h, 5000, 0, &complete) == 2 && complete);
    /* a position before the ring's first point: only the very next seq counts */
    CHECK(history_after(h, 1000, 0, &complete) == 0 && complete);
    CHECK(history_after(h, 900, 7, &complete) == 0 && !complete);
    /* same ts, larger seq comes after */
    CHECK(history_after(h, 1002, 1, &complete) == 1);

    for (int i = 3; i <= 5; i++) {
        frame_t *f = s_frame(1000 + i, (uint64_t)i, (uint64_t)(10 + i));
        history_push(h, f);
        frame_unref(&f);
    }
    /* holds 3,4,5; 1 and 2 were released */
    CHECK(history_count(h) == 3);
    CHECK(history_wrapped(h));
    CHECK(history_at(h, 0)->seq == 3 && history_at(h, 2)->seq == 5);
    CHECK(frame_live_count() == 3);
    /* a client at seq 2 misses nothing: 3 is the oldest kept */
    CHECK(history_after(h, 1002, 2, &complete) == 0 && complete);
    /* a client at seq 1 missed seq 2, which is gone */
    CHECK(history_after(h, 1001, 1, &complete) == 0 && !complete);
    CHECK(history_after(h, 1004, 4, &complete) == 2 && complete);
    CHECK(history_after_gen(h, 12, &complete) == 0 && complete);
    CHECK(history_after_gen(h, 11, &complete) == 0 && !complete);
    CHECK(history_after_gen(h, 14, &complete) == 2 && complete);
    CHECK(history_after_gen(h, 15, &complete) == 3 && complete);

    history_destroy(&h);
    CHECK(h == NULL);
    CHECK(frame_live_count() == 0);
    history_destroy(&h); /* NULL-safe */
    return CHECK_DONE();
}
