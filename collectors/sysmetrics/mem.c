/* mem.c - the "mem" module: system.memory and system.swap from /proc/meminfo. */
// SPDX-License-Identifier: MIT
#include "mem.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "procbuf.h"
#include "rlog.h"

#define MEM_TOPIC "system.memory"
#define SWAP_TOPIC "system.swap"

typedef struct mem_state {
    procbuf_t *pb;
    mem_info_t last;
    bool have_last;
} mem_state_t;

int mem_parse(const char *data, size_t len, mem_info_t *out)
{
    enum { TOTAL, AVAIL, FREE, BUFFERS, CACHED, SWAPTOTAL, SWAPFREE, NKEYS };
    static const char *const keys[NKEYS] = {"MemTotal", "MemAvailable", "MemFree", "Buffers",
                                            "Cached",   "SwapTotal",    "SwapFree"};
    uint64_t v[NKEYS] = {0};
    bool seen[NKEYS] = {false};
    const char *pos = data, *end = data + len;
    procbuf_word_t w[3];
    int n;
    while ((n = procbuf_line(&pos, end, ":", w, 3)) >= 0) {
        if (n < 2)
            continue;
        for (int k = 0; k < NKEYS; k++) {
            if (!seen[k] && procbuf_word_is(&w[0], keys[k])) {
                uint64_t kb;
                if (procbuf_u64(&w[1], &kb) == 0 && kb <= UINT64_MAX / 1024) {
                    v[k] = kb * 1024;
                    seen[k] = true;
                }
                break;
            }
        }
    }
    if (!seen[TOTAL] || (!seen[AVAIL] && !seen[FREE]))
        return -1;
    out->total = v[TOTAL];
    out->available = seen[AVAIL] ? v[AVAIL] : v[FREE] + v[BUFFERS] + v[CACHED];
    out->swap_total = v[SWAPTOTAL];
    out->swap_free = v[SWAPFREE];
    return 0;
}

void mem_compute(const mem_info_t *in, mem_values_t *out)
{
    uint64_t used = in->total > in->available ? in->total - in->available : 0;
    uint64_t sused = in->swap_total > in->swap_free ? in->swap_total - in->swap_free : 0;
    out->total = (double)in->total;
    out->available = (double)in->available;
    out->used = (double)used;
    out->percent = in->total ? (double)used * 100.0 / (double)in->total : 0;
    out->swap_total = (double)in->swap_total;
    out->swap_used = (double)sused;
    out->swap_percent = in->swap_total ? (double)sused * 100.0 / (double)in->swap_total : 0;
}

static void s_send_meta(void *state, const module_ctx_t *ctx)
{
    mem_state_t *st = state;
    if (!st->have_last)
        return;
    rtdash_meta_t m;
    rtdash_field_meta_t f[4] = {
        {"used", "Used", "bytes", module_color(0)},
        {"available", "Available", "bytes", module_color(1)},
        {"total", "Total", "bytes", "#6b7280"},
        {"percent", "Used %", "%", module_color(2)},
    };
    /* A gauge of "used" between 0 and the memory size; percent rides along. */
    module_meta_init(&m, ctx, "Memory", "bytes", "gauge");
    m.min = 0;
    m.max = (double)st->last.total;
    m.fields = f;
    m.nfields = 4;
    ctx->meta(ctx->arg, MEM_TOPIC, &m);

    rtdash_field_meta_t sf[3] = {
        {"used", "Used", "bytes", module_color(3)},
        {"total", "Total", "bytes", "#6b7280"},
        {"percent", "Used %", "%", module_color(2)},
    };
    module_meta_init(&m, ctx, "Swap", "bytes", "gauge");
    m.min = 0;
    if (st->last.swap_total)
        m.max = (double)st->last.swap_total;
    m.fields = sf;
    m.nfields = 3;
    ctx->meta(ctx->arg, SWAP_TOPIC, &m);
}

static void *s_init(const module_ctx_t *ctx)
{
    char path[PATH_MAX];
    if (module_path(ctx, "meminfo", path, sizeof(path)) < 0) {
        rlog(RLOG_ERROR, "mem: path too long under %s", ctx->proc);
        return NULL;
    }
    mem_state_t *st = calloc(1, sizeof(*st));
    if (!st || !(st->pb = procbuf_new(path))) {
        rlog(RLOG_ERROR, "mem: out of memory");
        free(st);
        return NULL;
    }
    size_t len;
    mem_info_t mi;
    const char *data = procbuf_read(st->pb, &len);
    if (!data || mem_parse(data, len, &mi) < 0) {
        if (!data)
            rlog(RLOG_ERROR, "mem: cannot read %s: %s", path, strerror(errno));
        else
            rlog(RLOG_ERROR, "mem: no MemTotal/MemAvailable in %s", path);
        procbuf_destroy(&st->pb);
        free(st);
        return NULL;
    }
    return st;
}

static int s_collect(void *state, const module_ctx_t *ctx)
{
    mem_state_t *st = state;
    size_t len;
    const char *data = procbuf_read(st->pb, &len);
    if (!data) {
        RLOG_RL(RLOG_WARN, "mem: cannot read %s: %s", procbuf_path(st->pb), strerror(errno));
        return 0;
    }
    mem_info_t mi;
    if (mem_parse(data, len, &mi) < 0) {
        RLOG_RL(RLOG_WARN, "mem: no MemTotal/MemAvailable in %s", procbuf_path(st->pb));
        return 0;
    }
    bool first = !st->have_last;
    /* The gauge's max is the memory size: announce again when it changes. */
    bool resized =
        st->have_last && (mi.total != st->last.total || mi.swap_total != st->last.swap_total);
    st->last = mi;
    st->have_last = true;
    if (first || resized)
        s_send_meta(st, ctx);

    mem_values_t v;
    mem_compute(&mi, &v);
    static const char *const names[] = {"used", "available", "total", "percent"};
    double mv[4] = {v.used, v.available, v.total, v.percent};
    ctx->sample(ctx->arg, MEM_TOPIC, names, mv, 4, ctx->ts_ms);
    static const char *const snames[] = {"used", "total", "percent"};
    double sv[3] = {v.swap_used, v.swap_total, v.swap_percent};
    ctx->sample(ctx->arg, SWAP_TOPIC, snames, sv, 3, ctx->ts_ms);
    return 0;
}

static void s_cleanup(void *state)
{
    mem_state_t *st = state;
    if (!st)
        return;
    procbuf_destroy(&st->pb);
    free(st);
}

const module_t mem_module = {"mem", s_init, s_collect, s_send_meta, s_cleanup};
