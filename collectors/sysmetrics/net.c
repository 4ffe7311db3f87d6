/* net.c - the "net" module: system.net.<iface> rx/tx bytes per second from /proc/net/dev. */
// SPDX-License-Identifier: MIT
#include "net.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devtab.h"
#include "procbuf.h"
#include "rlog.h"

#define NET_PREFIX "system.net."
#define NET_MAX_IFACES 1024

typedef struct net_state {
    procbuf_t *pb;
    devtab_t tab;
} net_state_t;

int net_parse(const char *data, size_t len, net_visit_fn fn, void *arg)
{
    const char *pos = data, *end = data + len;
    procbuf_word_t w[17];
    int n, count = 0;
    /* "  eth0: rx_bytes rx_packets ... (8 receive columns) tx_bytes ..."; the
     * two header lines have no ':' right after the first word. */
    while (pos < end) {
        const char *line = pos;
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *colon = memchr(line, ':', (size_t)((nl ? nl : end) - line));
        n = procbuf_line(&pos, end, ":", w, 17);
        if (!colon || n < 10 || w[0].s > colon)
            continue;
        uint64_t rx, tx;
        if (procbuf_word_is(&w[0], "lo") || procbuf_u64(&w[1], &rx) < 0 ||
            procbuf_u64(&w[9], &tx) < 0)
            continue;
        fn(arg, w[0].s, w[0].len, rx, tx);
        count++;
    }
    return count;
}

static void s_meta(const module_ctx_t *ctx, devtab_entry_t *e)
{
    char title[DEVTAB_NAME_MAX + 16];
    snprintf(title, sizeof(title), "Network %s", e->name);
    rtdash_field_meta_t f[2] = {
        {"rx", "Received", "B/s", module_color(0)},
        {"tx", "Sent", "B/s", module_color(2)},
    };
    rtdash_meta_t m;
    module_meta_init(&m, ctx, title, "B/s", "line");
    m.min = 0;
    m.fields = f;
    m.nfields = 2;
    ctx->meta(ctx->arg, e->topic, &m);
    e->announced = true;
}

static void s_visit(void *arg, const char *name, size_t len, uint64_t rx, uint64_t tx)
{
    net_state_t *st = arg;
    (void)devtab_seen(&st->tab, name, len, rx, tx);
}

/* Open the first of the candidate files that can be read. */
static procbuf_t *s_open_first(const module_ctx_t *ctx, const char *const *rel, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX];
        size_t len;
        if (module_path(ctx, rel[i], path, sizeof(path)) < 0)
            continue;
        procbuf_t *pb = procbuf_new(path);
        if (pb && procbuf_read(pb, &len))
            return pb;
        if (i + 1 == n)
            rlog(RLOG_ERROR, "net: cannot read %s: %s", path, pb ? strerror(errno) : "no memory");
        procbuf_destroy(&pb);
    }
    return NULL;
}

static void *s_init(const module_ctx_t *ctx)
{
    /* <proc>/net is a link to self/net: the network namespace of whoever
     * reads it, so a container reading the host's /proc mounted elsewhere
     * would see its own interfaces. <proc>/1/net/dev is the namespace of the
     * init process of that /proc: the host's when the host's /proc is
     * mounted, ours otherwise. net/dev is the fallback (hidepid, fixtures). */
    static const char *const candidates[] = {"1/net/dev", "net/dev"};
    net_state_t *st = calloc(1, sizeof(*st));
    if (!st) {
        rlog(RLOG_ERROR, "net: out of memory");
        return NULL;
    }
    st->pb = s_open_first(ctx, candidates, 2);
    if (!st->pb) {
        free(st);
        return NULL;
    }
    rlog(RLOG_INFO, "net: reading %s", procbuf_path(st->pb));
    devtab_init(&st->tab, NET_PREFIX, NET_MAX_IFACES);
    return st;
}

static int s_collect(void *state, const module_ctx_t *ctx)
{
    net_state_t *st = state;
    size_t len;
    const char *data = procbuf_read(st->pb, &len);
    if (!data) {
        RLOG_RL(RLOG_WARN, "net: cannot read %s: %s", procbuf_path(st->pb), strerror(errno));
        return 0;
    }
    devtab_begin(&st->tab);
    (void)net_parse(data, len, s_visit, st);
    devtab_sweep(&st->tab);
    static const char *const names[] = {"rx", "tx"};
    for (size_t i = 0; i < st->tab.n; i++) {
        devtab_entry_t *e = &st->tab.v[i];
        if (!e->announced)
            s_meta(ctx, e);
        if (!e->have_prev)
            continue;
        double v[2] = {module_rate(e->prev_a, e->a, ctx->mono_ns - e->prev_ns),
                       module_rate(e->prev_b, e->b, ctx->mono_ns - e->prev_ns)};
        if (v[0] >= 0 && v[1] >= 0) /* a counter reset: no rate this tick */
            ctx->sample(ctx->arg, e->topic, names, v, 2, ctx->ts_ms);
    }
    devtab_commit(&st->tab, ctx->mono_ns);
    return 0;
}

static void s_send_meta(void *state, const module_ctx_t *ctx)
{
    net_state_t *st = state;
    for (size_t i = 0; i < st->tab.n; i++)
        s_meta(ctx, &st->tab.v[i]);
}

static void s_cleanup(void *state)
{
    net_state_t *st = state;
    if (!st)
        return;
    procbuf_destroy(&st->pb);
    devtab_free(&st->tab);
    free(st);
}

const module_t net_module = {"net", s_init, s_collect, s_send_meta, s_cleanup};
