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
#include "rates.h"
#include "rlog.h"

#define DISK_PREFIX "system.disk."
#define DISK_MAX_DEVICES 1024
#define DISK_SECTOR 512 /* /proc/diskstats counts 512-byte sectors whatever the device */

static const rates_kind_t s_kind = {
    "disk",
    "Disk",
    /* module_color(1) and (3) */
    {{"read", "Read", "B/s", "#10b981"}, {"write", "Write", "B/s", "#ef4444"}},
    DISK_SECTOR};

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

static void *s_init(const module_ctx_t *ctx)
{
    char path[PATH_MAX];
    if (module_path(ctx, "diskstats", path, sizeof(path)) < 0) {
        rlog(RLOG_ERROR, "disk: path too long under %s", ctx->proc);
        return NULL;
    }
    procbuf_t *pb = procbuf_new(path);
    size_t len;
    if (!pb || !procbuf_read(pb, &len)) {
        rlog(RLOG_ERROR, "disk: cannot read %s: %s", path, pb ? strerror(errno) : "no memory");
        procbuf_destroy(&pb);
        return NULL;
    }
    return rates_new(&s_kind, pb, DISK_PREFIX, DISK_MAX_DEVICES);
}

/* Partitions are not published: only once the whole list is read is it
 * known which devices are a listed disk's partitions. */
static void s_mark_partitions(rates_state_t *st)
{
    for (size_t i = 0; i < st->tab.n; i++) {
        devtab_entry_t *e = &st->tab.v[i];
        size_t plen = disk_parent_len(e->name, strlen(e->name));
        e->skip = plen > 0 && devtab_find(&st->tab, e->name, plen) != NULL;
    }
}

static int s_collect(void *state, const module_ctx_t *ctx)
{
    return rates_collect(state, ctx, disk_parse, s_mark_partitions);
}

const module_t disk_module = {"disk", s_init, s_collect, rates_send_meta, rates_cleanup};
