/* SPDX-License-Identifier: MIT */
/* wire.c - JSON text of the hub's own messages (see wire.h). */
#include "wire.h"
#include <string.h>

static void s_key_str(jbuf_t *o, const char *key, const char *val)
{
    jbuf_putc(o, '"');
    jbuf_puts(o, key);
    jbuf_puts(o, "\":");
    jbuf_put_jstr(o, val, strlen(val));
}

/* "topic":"NAME" (a valid topic needs no escaping) */
static void s_topic_key(jbuf_t *o, const rtopic_t *t)
{
    jbuf_puts(o, "\"topic\":\"");
    jbuf_put(o, t->name, t->name_len);
    jbuf_putc(o, '"');
}

static void s_meta_key(jbuf_t *o, const rtopic_t *t)
{
    jbuf_puts(o, ",\"meta\":");
    if (t->meta)
        jbuf_put(o, t->meta, t->meta_len);
    else
        jbuf_puts(o, "null");
}

void wire_put_error(jbuf_t *o, const char *code, const char *message)
{
    jbuf_puts(o, "{\"type\":\"error\",");
    s_key_str(o, "code", code);
    jbuf_putc(o, ',');
    s_key_str(o, "message", message);
    jbuf_putc(o, '}');
}

void wire_put_ack(jbuf_t *o, const char *type, const char *const *topics, size_t n)
{
    jbuf_puts(o, "{\"type\":\"");
    jbuf_puts(o, type);
    jbuf_puts(o, "\",\"topics\":[");
    if (!topics) {
        jbuf_puts(o, "\"*\"");
    } else {
        for (size_t i = 0; i < n; i++) {
            if (i)
                jbuf_putc(o, ',');
            jbuf_put_jstr(o, topics[i], strlen(topics[i]));
        }
    }
    jbuf_puts(o, "]}");
}

void wire_put_pong(jbuf_t *o)
{
    jbuf_puts(o, "{\"type\":\"pong\"}");
}

void wire_put_clients(jbuf_t *o, uint64_t count)
{
    jbuf_puts(o, "{\"type\":\"clients\",\"count\":");
    jbuf_put_u64(o, count);
    jbuf_putc(o, '}');
}

void wire_put_stale(jbuf_t *o, const rtopic_t *t, int64_t since)
{
    jbuf_puts(o, "{\"type\":\"stale\",");
    s_topic_key(o, t);
    jbuf_puts(o, ",\"since\":");
    jbuf_put_i64(o, since);
    jbuf_putc(o, '}');
}

void wire_put_topic(jbuf_t *o, const rtopic_t *t)
{
    jbuf_puts(o, "{\"type\":\"topic\",");
    s_topic_key(o, t);
    s_meta_key(o, t);
    jbuf_putc(o, '}');
}

void wire_put_point(jbuf_t *o, const frame_t *f)
{
    jbuf_putc(o, '{');
    jbuf_put(o, frame_ctext(f) + f->body_off, f->len - f->body_off);
}

void wire_put_topic_info(jbuf_t *o, const rtopic_t *t)
{
    jbuf_putc(o, '{');
    s_topic_key(o, t);
    s_meta_key(o, t);
    jbuf_puts(o, ",\"last\":");
    size_t n = history_count(t->hist);
    if (n)
        wire_put_point(o, history_at(t->hist, n - 1));
    else
        jbuf_puts(o, "null");
    jbuf_puts(o, t->stale ? ",\"stale\":true}" : ",\"stale\":false}");
}

void wire_put_points(jbuf_t *o, const rtopic_t *t, size_t from)
{
    size_t n = history_count(t->hist);
    jbuf_putc(o, '[');
    for (size_t i = from; i < n; i++) {
        if (i > from)
            jbuf_putc(o, ',');
        wire_put_point(o, history_at(t->hist, i));
    }
    jbuf_putc(o, ']');
}

void wire_put_history(jbuf_t *o, const rtopic_t *t, size_t from, bool complete)
{
    jbuf_puts(o, "{\"type\":\"history\",");
    s_topic_key(o, t);
    jbuf_puts(o, complete ? ",\"complete\":true,\"points\":" : ",\"complete\":false,\"points\":");
    wire_put_points(o, t, from);
    jbuf_putc(o, '}');
}

void wire_put_history_doc(jbuf_t *o, const rtopic_t *t)
{
    jbuf_putc(o, '{');
    s_topic_key(o, t);
    jbuf_puts(o, history_wrapped(t->hist) ? ",\"complete\":false,\"points\":"
                                          : ",\"complete\":true,\"points\":");
    wire_put_points(o, t, 0);
    jbuf_putc(o, '}');
}

void wire_put_with_gap(jbuf_t *o, const frame_t *f)
{
    jbuf_put(o, frame_ctext(f), f->body_off);
    jbuf_puts(o, "\"gap\":true,");
    jbuf_put(o, frame_ctext(f) + f->body_off, f->len - f->body_off);
}

void wire_put_catalog(jbuf_t *o, const registry_t *reg, wire_permit_fn permit, const void *ud)
{
    jbuf_putc(o, '[');
    size_t n = registry_count(reg), k = 0;
    for (size_t i = 0; i < n; i++) {
        const rtopic_t *t = registry_at(reg, i);
        if (permit && !permit(ud, t))
            continue;
        if (k++)
            jbuf_putc(o, ',');
        wire_put_topic_info(o, t);
    }
    jbuf_putc(o, ']');
}

void wire_put_welcome(jbuf_t *o, const char *epoch, uint64_t client_id, uint64_t clients,
                      const registry_t *reg, wire_permit_fn permit, const void *ud)
{
    jbuf_puts(o, "{\"type\":\"welcome\",\"server\":\"rtdash-hub\",\"version\":\"" RTDASH_VERSION
                 "\",");
    s_key_str(o, "epoch", epoch);
    jbuf_puts(o, ",\"client_id\":");
    jbuf_put_u64(o, client_id);
    jbuf_puts(o, ",\"clients\":");
    jbuf_put_u64(o, clients);
    jbuf_puts(o, ",\"topics\":");
    wire_put_catalog(o, reg, permit, ud);
    jbuf_putc(o, '}');
}

void wire_put_health(jbuf_t *o, const char *epoch, int64_t uptime_s, uint64_t clients,
                     uint64_t topics)
{
    jbuf_puts(o,
              "{\"status\":\"ok\",\"server\":\"rtdash-hub\",\"version\":\"" RTDASH_VERSION "\",");
    s_key_str(o, "epoch", epoch);
    jbuf_puts(o, ",\"uptime_s\":");
    jbuf_put_i64(o, uptime_s);
    jbuf_puts(o, ",\"clients\":");
    jbuf_put_u64(o, clients);
    jbuf_puts(o, ",\"topics\":");
    jbuf_put_u64(o, topics);
    jbuf_putc(o, '}');
}

void wire_put_collectors(jbuf_t *o, const colreg_t *cr, const registry_t *reg, int nreasons,
                         const char *(*reason_name)(int))
{
    jbuf_putc(o, '[');
    for (uint32_t i = 0; i < cr->n; i++) {
        const colreg_entry_t *e = &cr->v[i];
        if (i)
            jbuf_putc(o, ',');
        jbuf_putc(o, '{');
        s_key_str(o, "name", e->name);
        jbuf_puts(o, ",\"topics\":[");
        size_t n = registry_count(reg), k = 0;
        for (size_t j = 0; j < n; j++) {
            const rtopic_t *t = registry_at(reg, j);
            if (t->coll != i + 1)
                continue;
            if (k++)
                jbuf_putc(o, ',');
            jbuf_putc(o, '"');
            jbuf_put(o, t->name, t->name_len);
            jbuf_putc(o, '"');
        }
        jbuf_puts(o, "],\"last_seen\":");
        jbuf_put_i64(o, e->last_seen_wall);
        jbuf_puts(o, ",\"messages\":");
        jbuf_put_u64(o, e->msgs);
        jbuf_puts(o, ",\"metas\":");
        jbuf_put_u64(o, e->metas);
        jbuf_puts(o, ",\"rate\":");
        jbuf_put_double(o, e->rate);
        jbuf_puts(o, ",\"rejected\":{");
        int first = 1;
        for (int r = 1; r < nreasons && r < COLREG_REASONS; r++) {
            if (!e->rejected[r])
                continue;
            if (!first)
                jbuf_putc(o, ',');
            first = 0;
            jbuf_put_jstr(o, reason_name(r), strlen(reason_name(r)));
            jbuf_putc(o, ':');
            jbuf_put_u64(o, e->rejected[r]);
        }
        jbuf_puts(o, "}}");
    }
    jbuf_putc(o, ']');
}

void wire_put_http_error(jbuf_t *o, const char *code, const char *message)
{
    jbuf_putc(o, '{');
    s_key_str(o, "error", code);
    jbuf_putc(o, ',');
    s_key_str(o, "message", message);
    jbuf_putc(o, '}');
}
