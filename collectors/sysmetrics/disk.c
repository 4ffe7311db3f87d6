/* disk.c - the "disk" module: system.disk.<dev> read/write bytes per second from /proc/diskstats.
 */
// SPDX-License-Identifier: MIT
#include "disk.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devtab.h"
#include "procbuf.h"
#include "rlog.h"

#define DISK_PREFIX "system.disk."
#define DISK_MAX_DEVICES 1024
#define DISK_SECTOR 512 /* /proc/diskstats counts 512-byte sectors whatever the device */

typedef struct disk_state {
    procbuf_t *pb;
    devtab_t tab;
} disk_state_t;

static bool s_starts(const procbuf_word_t *w, const char *p)
{
    size_t n = strlen(p);
    return w->len >= n && memcmp(w->s, p, n) == 0;
}

int disk_parse(const char *data, size_t len, disk_visit_fn fn, void *arg)
{
    const char *pos = data, *end = data + len;
    procbuf_word_t w[10];
    int n, count = 0;
    /* major minor name reads merged SECTORS_READ ms writes merged SECTORS_WRITTEN ... */
    while ((n = procbuf_line(&pos, end, NULL, w, 10)) >= 0) {
        uint64_t rd, wr;
        if (n < 10 || procbuf_u64(&w[5], &rd) < 0 || procbuf_u64(&w[9], &wr) < 0)
            continue;
        if (s_starts(&w[2], "loop") || s_starts(&w[2], "ram") || s_starts(&w[2], "zram"))
            continue;
        fn(arg, w[2].s, w[2].len, rd, wr);
        count++;
    }
    return count;
}

size_t disk_parent_len(const char *name, size_t len)
{
    size_t i = len;
    while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9')
        i--;
    if (i == len || i == 0)
        return 0;
    if (i >= 2 && name[i - 1] == 'p' && name[i - 2] >= '0' && name[i - 2] <= '9')
        i--;
    return i;
}

static void s_meta(const module_ctx_t *ctx, devtab_entry_t *e)
{
    char title[DEVTAB_NAME_MAX + 16];
    snprintf(title, sizeof(title), "Disk %s", e->name);
    rtdash_field_meta_t f[2] = {
        {"read", "Read", "B/s", module_color(1)},
        {"write", "Write", "B/s", module_color(3)},
    };
    rtdash_meta_t m;
    module_meta_init(&m, ctx, title, "B/s", "line");
    m.min = 0;
    m.fields = f;
    m.nfields = 2;
    ctx->meta(ctx->arg, e->topic, &m);
    e->announced = true;
}

static void s_visit(void *arg, const char *name, size_t len, uint64_t rd, uint64_t wr)
{
    disk_state_t *st = arg;
    (void)devtab_seen(&st->tab, name, len, rd, wr);
}

static void *s_init(const module_ctx_t *ctx)
{
    char path[PATH_MAX];
    if (module_path(ctx, "diskstats", path, sizeof(path)) < 0) {
        rlog(RLOG_ERROR, "disk: path too long under %s", ctx->proc);
        return NULL;
    }
    disk_state_t *st = calloc(1, sizeof(*st));
    if (!st || !(st->pb = procbuf_new(path))) {
        rlog(RLOG_ERROR, "disk: out of memory");
        free(st);
        return NULL;
    }
    devtab_init(&st->tab, DISK_PREFIX, DISK_MAX_DEVICES);
    size_t len;
    if (!procbuf_read(st->pb, &len)) {
        rlog(RLOG_ERROR, "disk: cannot read %s: %s", path, strerror(errno));
        procbuf_destroy(&st->pb);
        free(st);
        return NULL;
    }
    return st;
}

static int s_collect(void *state, const module_ctx_t *ctx)
{
    disk_state_t *st = state;
    size_t len;
    const char *data = procbuf_read(st->pb, &len);
    if (!data) {
        RLOG_RL(RLOG_WARN, "disk: cannot read %s: %s", procbuf_path(st->pb), strerror(errno));
        return 0;
    }
    devtab_begin(&st->tab);
    (void)disk_parse(data, len, s_visit, st);
    devtab_sweep(&st->tab);
    /* Partitions: only now is the whole list known. */
    for (size_t i = 0; i < st->tab.n; i++) {
        devtab_entry_t *e = &st->tab.v[i];
        size_t plen = disk_parent_len(e->name, strlen(e->name));
        e->skip = plen > 0 && devtab_find(&st->tab, e->name, plen) != NULL;
    }
    static const char *const names[] = {"read", "write"};
    for (size_t i = 0; i < st->tab.n; i++) {
        devtab_entry_t *e = &st->tab.v[i];
        if (e->skip)
            continue;
        if (!e->announced)
            s_meta(ctx, e);
        if (!e->have_prev)
            continue;
        int64_t dt = ctx->mono_ns - e->prev_ns;
        double rd = module_rate(e->prev_a, e->a, dt), wr = module_rate(e->prev_b, e->b, dt);
        if (rd < 0 || wr < 0) /* a counter reset: no rate this tick */
            continue;
        double v[2] = {rd * DISK_SECTOR, wr * DISK_SECTOR};
        ctx->sample(ctx->arg, e->topic, names, v, 2, ctx->ts_ms);
    }
    devtab_commit(&st->tab, ctx->mono_ns);
    return 0;
}

static void s_send_meta(void *state, const module_ctx_t *ctx)
{
    disk_state_t *st = state;
    for (size_t i = 0; i < st->tab.n; i++)
        if (!st->tab.v[i].skip)
            s_meta(ctx, &st->tab.v[i]);
}

static void s_cleanup(void *state)
{
    disk_state_t *st = state;
    if (!st)
        return;
    procbuf_destroy(&st->pb);
    devtab_free(&st->tab);
    free(st);
}

const module_t disk_module = {"disk", s_init, s_collect, s_send_meta, s_cleanup};
