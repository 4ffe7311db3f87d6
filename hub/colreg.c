/* SPDX-License-Identifier: MIT */
/* colreg.c - per-collector counters. */
#include "colreg.h"
#include "jbuf.h"
#include <stdlib.h>
#include <string.h>

void colreg_init(colreg_t *r)
{
    memset(r, 0, sizeof(*r));
}

void colreg_free(colreg_t *r)
{
    free(r->v);
    memset(r, 0, sizeof(*r));
}

/* name[0..len) as a label fit for JSON and Prometheus alike: valid UTF-8
 * (each ill-formed subpart becomes U+FFFD), controls become '_', cut at a
 * character boundary to COLREG_NAME_MAX bytes. Returns the length. */
static size_t s_clean(char *dst, const char *name, size_t len)
{
    const unsigned char *s = (const unsigned char *)name;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] < 0x80) {
            if (o + 1 > COLREG_NAME_MAX)
                break;
            dst[o++] = (s[i] < 0x20 || s[i] == 0x7f) ? '_' : (char)s[i];
            i++;
            continue;
        }
        int k = jbuf_utf8_seq(s + i, len - i);
        size_t take = k > 0 ? (size_t)k : 3;
        if (o + take > COLREG_NAME_MAX)
            break;
        if (k > 0)
            memcpy(dst + o, s + i, take);
        else
            memcpy(dst + o, "\xEF\xBF\xBD", 3);
        o += take;
        i += (size_t)(k > 0 ? k : -k);
    }
    dst[o] = '\0';
    return o;
}

int colreg_get(colreg_t *r, const char *raw, size_t rawlen)
{
    char name[COLREG_NAME_MAX + 1];
    size_t len = s_clean(name, raw, rawlen);
    /* collectors are few: a linear scan, done only when a meta arrives */
    for (uint32_t i = 0; i < r->n; i++)
        if (!strcmp(r->v[i].name, name))
            return (int)i;
    if (r->n >= COLREG_MAX)
        return -1;
    if (r->n == r->cap) {
        uint32_t cap = r->cap ? r->cap * 2 : 8;
        colreg_entry_t *v = realloc(r->v, cap * sizeof(*v));
        if (!v)
            return -1;
        r->v = v;
        r->cap = cap;
    }
    colreg_entry_t *e = &r->v[r->n];
    memset(e, 0, sizeof(*e));
    memcpy(e->name, name, len);
    e->name[len] = '\0';
    return (int)r->n++;
}

void colreg_tick(colreg_t *r, double seconds)
{
    if (seconds <= 0)
        return;
    for (uint32_t i = 0; i < r->n; i++) {
        colreg_entry_t *e = &r->v[i];
        double now = (double)(e->msgs - e->msgs_at_tick) / seconds;
        /* smooth over ~5 s so a collector at 0.2 Hz does not read 0, 1, 0 */
        e->rate = e->rate == 0 ? now : e->rate * 0.8 + now * 0.2;
        e->msgs_at_tick = e->msgs;
    }
}
