/* rates.c - devices with two byte counters, published as rates. */
// SPDX-License-Identifier: MIT
#include "rates.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rlog.h"

rates_state_t *rates_new(const rates_kind_t *kind, procbuf_t *pb, const char *prefix, size_t max)
{
    rates_state_t *st = calloc(1, sizeof(*st));
    if (!st) {
        rlog(RLOG_ERROR, "%s: out of memory", kind->name);
        procbuf_destroy(&pb);
        return NULL;
    }
    st->kind = kind;
    st->pb = pb;
    devtab_init(&st->tab, prefix, max);
    return st;
}

static void s_visit(void *arg, const char *name, size_t len, uint64_t a, uint64_t b)
{
    rates_state_t *st = arg;
    (void)devtab_seen(&st->tab, name, len, a, b);
}

static void s_meta(const rates_state_t *st, const module_ctx_t *ctx, devtab_entry_t *e)
{
    char title[DEVTAB_NAME_MAX + 32];
    snprintf(title, sizeof(title), "%s %s", st->kind->title, e->name);
    rtdash_meta_t m;
    module_meta_init(&m, ctx, title, "B/s", "line");
    m.min = 0;
    m.fields = st->kind->fields;
    m.nfields = 2;
    ctx->meta(ctx->arg, e->topic, &m);
    e->announced = true;
}

static void s_publish(rates_state_t *st, const module_ctx_t *ctx)
{
    const char *const names[] = {st->kind->fields[0].name, st->kind->fields[1].name};
    for (size_t i = 0; i < st->tab.n; i++) {
        devtab_entry_t *e = &st->tab.v[i];
        if (e->skip)
            continue;
        if (!e->announced)
            s_meta(st, ctx, e);
        if (!e->have_prev)
            continue;
        int64_t dt = ctx->mono_ns - e->prev_ns;
        double a = module_rate(e->prev_a, e->a, dt), b = module_rate(e->prev_b, e->b, dt);
        if (a < 0 || b < 0) /* a counter reset: no rate this tick */
            continue;
        double v[2] = {a * st->kind->scale, b * st->kind->scale};
        ctx->sample(ctx->arg, e->topic, names, v, 2, ctx->ts_ms);
    }
    devtab_commit(&st->tab, ctx->mono_ns);
}

int rates_collect(rates_state_t *st, const module_ctx_t *ctx, rates_parse_fn parse,
                  void (*mark)(rates_state_t *st))
{
    size_t len;
    const char *data = procbuf_read(st->pb, &len);
    if (!data) {
        RLOG_RL(RLOG_WARN, "%s: cannot read %s: %s", st->kind->name, procbuf_path(st->pb),
                strerror(errno));
        return 0;
    }
    devtab_begin(&st->tab);
    (void)parse(data, len, s_visit, st);
    devtab_sweep(&st->tab);
    if (mark)
        mark(st);
    s_publish(st, ctx);
    return 0;
}

void rates_send_meta(void *state, const module_ctx_t *ctx)
{
    rates_state_t *st = state;
    for (size_t i = 0; i < st->tab.n; i++)
        if (!st->tab.v[i].skip)
            s_meta(st, ctx, &st->tab.v[i]);
}

void rates_cleanup(void *state)
{
    rates_state_t *st = state;
    if (!st)
        return;
    procbuf_destroy(&st->pb);
    devtab_free(&st->tab);
    free(st);
}
