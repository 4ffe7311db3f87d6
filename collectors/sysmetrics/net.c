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
#include "rates.h"
#include "rlog.h"

#define NET_PREFIX "system.net."
#define NET_MAX_IFACES 1024

static const rates_kind_t s_kind = {
    "net",
    "Network",
    /* module_color(0) and (2) */
    {{"rx", "Received", "B/s", "#3b82f6"}, {"tx", "Sent", "B/s", "#f59e0b"}},
    1};

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
    procbuf_t *pb = s_open_first(ctx, candidates, 2);
    if (!pb)
        return NULL;
    rlog(RLOG_INFO, "net: reading %s", procbuf_path(pb));
    return rates_new(&s_kind, pb, NET_PREFIX, NET_MAX_IFACES);
}

static int s_collect(void *state, const module_ctx_t *ctx)
{
    return rates_collect(state, ctx, net_parse, NULL);
}

const module_t net_module = {"net", s_init, s_collect, rates_send_meta, rates_cleanup};
