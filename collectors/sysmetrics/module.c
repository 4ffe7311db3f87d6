/* module.c - helpers shared by the sysmetrics modules: paths, rates, topic names, meta. */
// SPDX-License-Identifier: MIT
#include "module.h"

#include <stdio.h>
#include <string.h>

#include "topic.h"

int module_path(const module_ctx_t *ctx, const char *rel, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s/%s", ctx->proc, rel);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

double module_rate(uint64_t prev, uint64_t cur, int64_t dt_ns)
{
    if (dt_ns <= 0 || cur < prev)
        return -1;
    return (double)(cur - prev) * 1e9 / (double)dt_ns;
}

int module_topic(char *dst, size_t size, const char *prefix, const char *name, size_t len)
{
    size_t plen = strlen(prefix);
    if (len == 0 || plen + 2 > size)
        return -1;
    size_t max = size - 1 < TOPIC_MAX_LEN ? size - 1 : TOPIC_MAX_LEN;
    memcpy(dst, prefix, plen);
    size_t o = plen;
    for (size_t i = 0; i < len && o < max; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        dst[o++] = ok ? c : '_';
    }
    if (o == plen)
        return -1;
    dst[o] = '\0';
    return 0;
}

void module_meta_init(rtdash_meta_t *m, const module_ctx_t *ctx, const char *title,
                      const char *unit, const char *chart)
{
    rtdash_meta_init(m);
    m->title = title;
    m->unit = unit;
    m->chart = chart;
    m->interval_ms = ctx->interval_ms;
    m->collector = MODULE_COLLECTOR;
}

const char *module_color(size_t i)
{
    static const char *const palette[] = {"#3b82f6", "#10b981", "#f59e0b", "#ef4444",
                                          "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16"};
    return palette[i % (sizeof(palette) / sizeof(palette[0]))];
}
