/* cpu.c - the "cpu" module: system.cpu and system.cpu.cores from /proc/stat.
 * Keeps two readings (previous and current) of the total and of every core;
 * arrays grow only when a core with a higher number appears. */
// SPDX-License-Identifier: MIT
#include "cpu.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procbuf.h"
#include "rlog.h"

#define CPU_MAX_CORES 8192
#define CPU_TOPIC "system.cpu"
#define CPU_CORES_TOPIC "system.cpu.cores"

typedef struct cpu_state {
    procbuf_t *pb;
    size_t cap;            /* capacity of the per-core arrays */
    size_t top[2];         /* 1 + highest core number, per reading */
    cpu_times_t total[2];  /* [cur] and [!cur] */
    cpu_times_t *cores[2]; /* cap entries each */
    bool *present[2];      /* cap entries each */
    int cur;               /* index of the reading being filled */
    bool have_prev;        /* a previous reading exists */
    bool total_announced;  /* meta for system.cpu sent */
    bool *announced;       /* cores listed in the last meta of system.cpu.cores */
    bool cores_announced;  /* meta for system.cpu.cores sent at least once */
    char (*names)[16];     /* "cpuN", cap entries */
    const char **fnames;   /* field names of one sample */
    double *fvalues;       /* field values of one sample */
    rtdash_field_meta_t *fmeta;
    char (*labels)[16]; /* "CPU N" */
} cpu_state_t;

static int s_words_times(const procbuf_word_t *w, int n, cpu_times_t *t)
{
    uint64_t v[8] = {0};
    if (n < 5) /* user nice system idle at least; older kernels stop early */
        return -1;
    for (int i = 1; i < n && i <= 8; i++)
        if (procbuf_u64(&w[i], &v[i - 1]) < 0)
            return -1;
    t->user = v[0];
    t->nice = v[1];
    t->system = v[2];
    t->idle = v[3];
    t->iowait = v[4];
    t->irq = v[5];
    t->softirq = v[6];
    t->steal = v[7];
    return 0;
}

int cpu_parse(const char *data, size_t len, cpu_times_t *total, cpu_times_t *cores, bool *present,
              size_t max, size_t *top)
{
    const char *pos = data, *end = data + len;
    procbuf_word_t w[12];
    int n;
    bool have_total = false;
    if (present)
        memset(present, 0, max * sizeof(*present));
    *top = 0;
    while ((n = procbuf_line(&pos, end, NULL, w, 12)) >= 0) {
        if (n == 0 || w[0].len < 3 || memcmp(w[0].s, "cpu", 3) != 0)
            continue;
        if (w[0].len == 3) {
            if (s_words_times(w, n, total) == 0)
                have_total = true;
            continue;
        }
        procbuf_word_t num = {w[0].s + 3, w[0].len - 3};
        uint64_t idx;
        cpu_times_t t;
        if (procbuf_u64(&num, &idx) < 0 || idx >= CPU_MAX_CORES || s_words_times(w, n, &t) < 0)
            continue;
        if (idx + 1 > *top)
            *top = (size_t)idx + 1;
        if (idx < max) {
            cores[idx] = t;
            present[idx] = true;
        }
    }
    return have_total ? 0 : -1;
}

static uint64_t s_delta(uint64_t a, uint64_t b)
{
    return b > a ? b - a : 0;
}

void cpu_percent(const cpu_times_t *prev, const cpu_times_t *cur, cpu_pct_t *out)
{
    uint64_t user = s_delta(prev->user, cur->user) + s_delta(prev->nice, cur->nice);
    uint64_t system = s_delta(prev->system, cur->system) + s_delta(prev->irq, cur->irq) +
                      s_delta(prev->softirq, cur->softirq);
    uint64_t idle = s_delta(prev->idle, cur->idle);
    uint64_t iowait = s_delta(prev->iowait, cur->iowait);
    uint64_t steal = s_delta(prev->steal, cur->steal);
    uint64_t all = user + system + idle + iowait + steal;
    memset(out, 0, sizeof(*out));
    if (all == 0)
        return;
    /* x * 100 / all, not x * (100 / all): whole percentages come out exact. */
    double a = (double)all;
    out->user = (double)user * 100.0 / a;
    out->system = (double)system * 100.0 / a;
    out->iowait = (double)iowait * 100.0 / a;
    out->steal = (double)steal * 100.0 / a;
    out->usage = 100.0 - (double)idle * 100.0 / a - out->iowait;
    if (out->usage < 0)
        out->usage = 0;
}

static void s_free_arrays(cpu_state_t *st)
{
    for (int i = 0; i < 2; i++) {
        free(st->cores[i]);
        free(st->present[i]);
    }
    free(st->announced);
    free(st->names);
    free(st->fnames);
    free(st->fvalues);
    free(st->fmeta);
    free(st->labels);
}

/* Grow the per-core arrays to hold cap cores, keeping what they hold. */
static int s_grow(cpu_state_t *st, size_t cap)
{
    cpu_state_t n = *st;
    memset(n.cores, 0, sizeof(n.cores));
    memset(n.present, 0, sizeof(n.present));
    for (int i = 0; i < 2; i++) {
        n.cores[i] = calloc(cap, sizeof(cpu_times_t));
        n.present[i] = calloc(cap, sizeof(bool));
    }
    n.announced = calloc(cap, sizeof(bool));
    n.names = calloc(cap, sizeof(*n.names));
    n.labels = calloc(cap, sizeof(*n.labels));
    n.fnames = calloc(cap, sizeof(*n.fnames));
    n.fvalues = calloc(cap, sizeof(*n.fvalues));
    n.fmeta = calloc(cap, sizeof(*n.fmeta));
    if (!n.cores[0] || !n.cores[1] || !n.present[0] || !n.present[1] || !n.announced || !n.names ||
        !n.labels || !n.fnames || !n.fvalues || !n.fmeta) {
        s_free_arrays(&n);
        return -1;
    }
    for (int i = 0; i < 2 && st->cap; i++) {
        memcpy(n.cores[i], st->cores[i], st->cap * sizeof(cpu_times_t));
        memcpy(n.present[i], st->present[i], st->cap * sizeof(bool));
    }
    if (st->cap)
        memcpy(n.announced, st->announced, st->cap * sizeof(bool));
    for (size_t i = 0; i < cap; i++) {
        snprintf(n.names[i], sizeof(n.names[i]), "cpu%u", (unsigned)(i % CPU_MAX_CORES));
        snprintf(n.labels[i], sizeof(n.labels[i]), "CPU %u", (unsigned)(i % CPU_MAX_CORES));
    }
    s_free_arrays(st);
    n.cap = cap;
    *st = n;
    return 0;
}

static void s_meta_total(cpu_state_t *st, const module_ctx_t *ctx)
{
    static const char *const names[] = {"usage", "user", "system", "iowait", "steal"};
    static const char *const labels[] = {"Usage", "User", "System", "I/O wait", "Steal"};
    rtdash_field_meta_t f[5];
    for (size_t i = 0; i < 5; i++)
        f[i] = (rtdash_field_meta_t){names[i], labels[i], "%", module_color(i)};
    rtdash_meta_t m;
    module_meta_init(&m, ctx, "CPU", "%", "area");
    m.min = 0;
    m.max = 100;
    m.fields = f;
    m.nfields = 5;
    ctx->meta(ctx->arg, CPU_TOPIC, &m);
    st->total_announced = true;
}

/* Meta for the cores present in reading r. */
static void s_meta_cores(cpu_state_t *st, const module_ctx_t *ctx, int r)
{
    const bool *present = st->present[r];
    size_t n = 0;
    for (size_t i = 0; i < st->top[r] && i < st->cap; i++) {
        st->announced[i] = present[i];
        if (present[i])
            st->fmeta[n++] =
                (rtdash_field_meta_t){st->names[i], st->labels[i], "%", module_color(i)};
    }
    for (size_t i = st->top[r]; i < st->cap; i++)
        st->announced[i] = false;
    rtdash_meta_t m;
    module_meta_init(&m, ctx, "CPU per core", "%", "line");
    m.min = 0;
    m.max = 100;
    m.fields = st->fmeta;
    m.nfields = n;
    ctx->meta(ctx->arg, CPU_CORES_TOPIC, &m);
    st->cores_announced = true;
}

static void *s_init(const module_ctx_t *ctx)
{
    char path[PATH_MAX];
    if (module_path(ctx, "stat", path, sizeof(path)) < 0) {
        rlog(RLOG_ERROR, "cpu: path too long under %s", ctx->proc);
        return NULL;
    }
    cpu_state_t *st = calloc(1, sizeof(*st));
    if (!st || !(st->pb = procbuf_new(path)) || s_grow(st, 64) < 0) {
        rlog(RLOG_ERROR, "cpu: out of memory");
        goto fail;
    }
    size_t len, top;
    const char *data = procbuf_read(st->pb, &len);
    if (!data) {
        rlog(RLOG_ERROR, "cpu: cannot read %s: %s", path, strerror(errno));
        goto fail;
    }
    cpu_times_t total;
    if (cpu_parse(data, len, &total, st->cores[0], st->present[0], st->cap, &top) < 0) {
        rlog(RLOG_ERROR, "cpu: no \"cpu\" line in %s", path);
        goto fail;
    }
    if (top > st->cap && s_grow(st, top) < 0) {
        rlog(RLOG_ERROR, "cpu: out of memory");
        goto fail;
    }
    return st;
fail:
    if (st) {
        procbuf_destroy(&st->pb);
        s_free_arrays(st);
        free(st);
    }
    return NULL;
}

static int s_collect(void *state, const module_ctx_t *ctx)
{
    cpu_state_t *st = state;
    size_t len;
    const char *data = procbuf_read(st->pb, &len);
    if (!data) {
        RLOG_RL(RLOG_WARN, "cpu: cannot read %s: %s", procbuf_path(st->pb), strerror(errno));
        return 0;
    }
    int c = st->cur, p = !c;
    if (cpu_parse(data, len, &st->total[c], st->cores[c], st->present[c], st->cap, &st->top[c]) <
        0) {
        RLOG_RL(RLOG_WARN, "cpu: no \"cpu\" line in %s", procbuf_path(st->pb));
        return 0;
    }
    if (st->top[c] > st->cap) {
        if (s_grow(st, st->top[c]) < 0) {
            RLOG_RL(RLOG_WARN, "cpu: out of memory for %zu cores", st->top[c]);
            return 0;
        }
        (void)cpu_parse(data, len, &st->total[c], st->cores[c], st->present[c], st->cap,
                        &st->top[c]);
    }
    if (!st->total_announced)
        s_meta_total(st, ctx);
    bool changed = !st->cores_announced;
    for (size_t i = 0; i < st->cap && !changed; i++)
        changed = st->announced[i] != st->present[c][i];
    if (changed)
        s_meta_cores(st, ctx, c);

    if (st->have_prev) {
        cpu_pct_t pct;
        cpu_percent(&st->total[p], &st->total[c], &pct);
        static const char *const names[] = {"usage", "user", "system", "iowait", "steal"};
        double v[5] = {pct.usage, pct.user, pct.system, pct.iowait, pct.steal};
        ctx->sample(ctx->arg, CPU_TOPIC, names, v, 5, ctx->ts_ms);

        size_t n = 0;
        for (size_t i = 0; i < st->top[c]; i++) {
            if (!st->present[c][i] || i >= st->top[p] || !st->present[p][i])
                continue;
            cpu_percent(&st->cores[p][i], &st->cores[c][i], &pct);
            st->fnames[n] = st->names[i];
            st->fvalues[n++] = pct.usage;
        }
        if (n)
            ctx->sample(ctx->arg, CPU_CORES_TOPIC, st->fnames, st->fvalues, n, ctx->ts_ms);
    }
    st->have_prev = true;
    st->cur = p;
    return 0;
}

static void s_send_meta(void *state, const module_ctx_t *ctx)
{
    cpu_state_t *st = state;
    if (!st->have_prev)
        return; /* nothing seen yet: the first collect() announces */
    /* The last complete reading is in [!cur]: announce what it held. */
    s_meta_total(st, ctx);
    s_meta_cores(st, ctx, !st->cur);
}

static void s_cleanup(void *state)
{
    cpu_state_t *st = state;
    if (!st)
        return;
    procbuf_destroy(&st->pb);
    s_free_arrays(st);
    free(st);
}

const module_t cpu_module = {"cpu", s_init, s_collect, s_send_meta, s_cleanup};
