/* devtab.c - named counters that come and go: network interfaces, disks. */
// SPDX-License-Identifier: MIT
#include "devtab.h"

#include <stdlib.h>
#include <string.h>

#include "module.h"
#include "rlog.h"

void devtab_init(devtab_t *t, const char *prefix, size_t max)
{
    memset(t, 0, sizeof(*t));
    t->prefix = prefix;
    t->max = max;
}

void devtab_free(devtab_t *t)
{
    free(t->v);
    t->v = NULL;
    t->n = t->cap = 0;
}

void devtab_begin(devtab_t *t)
{
    t->gen++;
}

devtab_entry_t *devtab_find(devtab_t *t, const char *name, size_t len)
{
    for (size_t i = 0; i < t->n; i++) {
        devtab_entry_t *e = &t->v[i];
        if (e->gen == t->gen && strlen(e->name) == len && memcmp(e->name, name, len) == 0)
            return e;
    }
    return NULL;
}

devtab_entry_t *devtab_seen(devtab_t *t, const char *name, size_t len, uint64_t a, uint64_t b)
{
    if (len == 0 || len >= DEVTAB_NAME_MAX)
        return NULL;
    devtab_entry_t *e = NULL;
    for (size_t i = 0; i < t->n && !e; i++)
        if (strlen(t->v[i].name) == len && memcmp(t->v[i].name, name, len) == 0)
            e = &t->v[i];
    if (e && e->gen == t->gen)
        return NULL; /* listed twice: keep the first */
    if (!e) {
        if (t->n == t->max) {
            if (!t->full_logged)
                rlog(RLOG_WARN, "more than %zu devices under %s*: ignoring the others", t->max,
                     t->prefix);
            t->full_logged = true;
            return NULL;
        }
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 8;
            devtab_entry_t *v = realloc(t->v, cap * sizeof(*v));
            if (!v)
                return NULL;
            t->v = v;
            t->cap = cap;
        }
        e = &t->v[t->n];
        memset(e, 0, sizeof(*e));
        if (module_topic(e->topic, sizeof(e->topic), t->prefix, name, len) < 0)
            return NULL;
        memcpy(e->name, name, len);
        e->name[len] = '\0';
        t->n++;
    }
    e->a = a;
    e->b = b;
    e->gen = t->gen;
    e->skip = false;
    return e;
}

void devtab_sweep(devtab_t *t)
{
    size_t o = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].gen == t->gen)
            t->v[o++] = t->v[i];
    t->n = o;
}

void devtab_commit(devtab_t *t, int64_t now_ns)
{
    for (size_t i = 0; i < t->n; i++) {
        devtab_entry_t *e = &t->v[i];
        if (e->gen != t->gen)
            continue;
        e->prev_a = e->a;
        e->prev_b = e->b;
        e->prev_ns = now_ns;
        e->have_prev = true;
    }
}
