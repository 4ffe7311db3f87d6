/* load.c - the "load" module: system.load from /proc/loadavg. */
// SPDX-License-Identifier: MIT
#include "load.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "procbuf.h"
#include "rlog.h"

#define LOAD_TOPIC "system.load"

typedef struct load_state {
    procbuf_t *pb;
    bool announced;
} load_state_t;

int load_parse(const char *data, size_t len, double out[3])
{
    const char *pos = data;
    procbuf_word_t w[3];
    if (procbuf_line(&pos, data + len, NULL, w, 3) < 3)
        return -1;
    for (int i = 0; i < 3; i++)
        if (procbuf_double(&w[i], &out[i]) < 0 || !(out[i] >= 0))
            return -1;
    return 0;
}

static void s_send_meta(void *state, const module_ctx_t *ctx)
{
    load_state_t *st = state;
    rtdash_field_meta_t f[3] = {
        {"load1", "1 min", NULL, module_color(0)},
        {"load5", "5 min", NULL, module_color(1)},
        {"load15", "15 min", NULL, module_color(2)},
    };
    rtdash_meta_t m;
    module_meta_init(&m, ctx, "Load average", NULL, "line");
    m.min = 0;
    m.fields = f;
    m.nfields = 3;
    ctx->meta(ctx->arg, LOAD_TOPIC, &m);
    st->announced = true;
}

static void *s_init(const module_ctx_t *ctx)
{
    char path[PATH_MAX];
    if (module_path(ctx, "loadavg", path, sizeof(path)) < 0) {
        rlog(RLOG_ERROR, "load: path too long under %s", ctx->proc);
        return NULL;
    }
    load_state_t *st = calloc(1, sizeof(*st));
    if (!st || !(st->pb = procbuf_new(path))) {
        rlog(RLOG_ERROR, "load: out of memory");
        free(st);
        return NULL;
    }
    size_t len;
    double v[3];
    const char *data = procbuf_read(st->pb, &len);
    if (!data || load_parse(data, len, v) < 0) {
        if (!data)
            rlog(RLOG_ERROR, "load: cannot read %s: %s", path, strerror(errno));
        else
            rlog(RLOG_ERROR, "load: no load averages in %s", path);
        procbuf_destroy(&st->pb);
        free(st);
        return NULL;
    }
    return st;
}

static int s_collect(void *state, const module_ctx_t *ctx)
{
    load_state_t *st = state;
    size_t len;
    double v[3];
    const char *data = procbuf_read(st->pb, &len);
    if (!data) {
        RLOG_RL(RLOG_WARN, "load: cannot read %s: %s", procbuf_path(st->pb), strerror(errno));
        return 0;
    }
    if (load_parse(data, len, v) < 0) {
        RLOG_RL(RLOG_WARN, "load: no load averages in %s", procbuf_path(st->pb));
        return 0;
    }
    if (!st->announced)
        s_send_meta(st, ctx);
    static const char *const names[] = {"load1", "load5", "load15"};
    ctx->sample(ctx->arg, LOAD_TOPIC, names, v, 3, ctx->ts_ms);
    return 0;
}

static void s_cleanup(void *state)
{
    load_state_t *st = state;
    if (!st)
        return;
    procbuf_destroy(&st->pb);
    free(st);
}

const module_t load_module = {"load", s_init, s_collect, s_send_meta, s_cleanup};
