/* SPDX-License-Identifier: MIT */
/* test_wire.c - the hub's own JSON messages against proto/vectors/wire.json,
 * whose expected texts are written from SPEC by make_vectors.py. */
#include "check.h"
#include "vectors.h"
#include "wire.h"
#include <stdlib.h>
#include <string.h>

#define OUT_MAX (1u << 20)

static const char *s_str(const json_t *v, const char *key)
{
    const char *s = json_string_value(json_object_get(v, key));
    return s ? s : "";
}

/* Text of a JSON value as the hub keeps meta (compact, keys in order). */
static char *s_dump(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
}

/* Give topic t the meta and history frames of vector input `in`. */
static void s_fill(rtopic_t *t, const json_t *in)
{
    const json_t *meta = json_object_get(in, "meta");
    if (meta && !json_is_null(meta)) {
        char *m = s_dump(meta);
        CHECK(registry_set_meta(t, m, strlen(m), 0) == 1);
        free(m);
    }
    size_t i;
    const json_t *p;
    json_array_foreach(json_object_get(in, "points"), i, p)
    {
        const char *text = json_string_value(p);
        const char *topic = strstr(text, "\"topic\"");
        frame_t *f = frame_new(strstr(text, "\"type\":\"event\"") ? FRAME_EVENT : FRAME_SAMPLE,
                               text, strlen(text));
        f->topic = t;
        f->body_off = (uint32_t)(topic - text);
        CHECK(history_push(t->hist, f) == 0);
        frame_unref(&f);
    }
    t->stale = json_is_true(json_object_get(in, "stale"));
}

static rtopic_t *s_topic(registry_t *r, const json_t *in)
{
    const char *name = s_str(in, "topic");
    rtopic_t *t = registry_add(r, name, strlen(name));
    CHECK(t != NULL);
    s_fill(t, in);
    return t;
}

/* Run one vector's function into o. Returns false for an unknown fn. */
static bool s_run(const json_t *v, jbuf_t *o)
{
    const char *fn = s_str(v, "fn");
    registry_t *r = registry_new(16, 8);
    bool known = true;
    if (!strcmp(fn, "error")) {
        wire_put_error(o, s_str(v, "code"), s_str(v, "message"));
    } else if (!strcmp(fn, "http_error")) {
        wire_put_http_error(o, s_str(v, "code"), s_str(v, "message"));
    } else if (!strcmp(fn, "ack")) {
        const json_t *topics = json_object_get(v, "topics");
        const char *list[16];
        size_t n = json_array_size(topics);
        for (size_t i = 0; i < n && i < 16; i++)
            list[i] = json_string_value(json_array_get(topics, i));
        wire_put_ack(o, s_str(v, "type"), json_is_null(topics) ? NULL : list, n);
    } else if (!strcmp(fn, "pong")) {
        wire_put_pong(o);
    } else if (!strcmp(fn, "clients")) {
        wire_put_clients(o, (uint64_t)json_integer_value(json_object_get(v, "count")));
    } else if (!strcmp(fn, "stale")) {
        wire_put_stale(o, s_topic(r, v), json_integer_value(json_object_get(v, "since")));
    } else if (!strcmp(fn, "topic")) {
        wire_put_topic(o, s_topic(r, v));
    } else if (!strcmp(fn, "topic_info")) {
        wire_put_topic_info(o, s_topic(r, v));
    } else if (!strcmp(fn, "history")) {
        wire_put_history(o, s_topic(r, v), (size_t)json_integer_value(json_object_get(v, "start")),
                         json_is_true(json_object_get(v, "complete")));
    } else if (!strcmp(fn, "history_doc")) {
        wire_put_history_doc(o, s_topic(r, v));
    } else if (!strcmp(fn, "with_gap")) {
        rtopic_t *t = s_topic(r, v);
        wire_put_with_gap(o, history_at(t->hist, 0));
    } else if (!strcmp(fn, "welcome")) {
        size_t i;
        const json_t *t;
        json_array_foreach(json_object_get(v, "topics"), i, t) s_topic(r, t);
        wire_put_welcome(
            o, s_str(v, "epoch"), (uint64_t)json_integer_value(json_object_get(v, "client_id")),
            (uint64_t)json_integer_value(json_object_get(v, "clients")), r, NULL, NULL);
    } else if (!strcmp(fn, "health")) {
        wire_put_health(o, s_str(v, "epoch"), json_integer_value(json_object_get(v, "uptime_s")),
                        (uint64_t)json_integer_value(json_object_get(v, "clients")),
                        (uint64_t)json_integer_value(json_object_get(v, "topics")));
    } else {
        known = false;
    }
    registry_destroy(&r);
    return known;
}

/* The expected text with "VERSION" replaced by the hub's version. */
static char *s_expected(const char *json)
{
    size_t n = strlen(json) + sizeof(RTDASH_VERSION);
    char *out = malloc(n);
    const char *at = strstr(json, "\"VERSION\"");
    if (!at) {
        memcpy(out, json, strlen(json) + 1);
        return out;
    }
    snprintf(out, n, "%.*s\"%s\"%s", (int)(at - json), json, RTDASH_VERSION, at + 9);
    return out;
}

static void test_vectors(void)
{
    json_t *root = vectors_load("wire.json");
    CHECK(root != NULL);
    if (!root)
        return;
    CHECK(json_array_size(root) >= 20);
    jbuf_t o;
    jbuf_init(&o, OUT_MAX);
    size_t i;
    json_t *v;
    json_array_foreach(root, i, v)
    {
        jbuf_reset(&o);
        const char *name = s_str(v, "name");
        bool known = s_run(v, &o);
        if (!known)
            fprintf(stderr, "%s: unknown fn %s\n", name, s_str(v, "fn"));
        CHECK(known && !jbuf_failed(&o));
        char *want = s_expected(s_str(v, "json"));
        bool same = o.len == strlen(want) && memcmp(jbuf_text(&o), want, o.len) == 0;
        if (!same)
            fprintf(stderr, "%s:\n  got  %.*s\n  want %s\n", name, (int)o.len,
                    (const char *)jbuf_text(&o), want);
        CHECK(same);
        /* every message the hub writes is one line of valid JSON */
        json_t *parsed = json_loadb((const char *)jbuf_text(&o), o.len, 0, NULL);
        CHECK(parsed != NULL && !memchr(jbuf_text(&o), '\n', o.len));
        json_decref(parsed);
        free(want);
    }
    jbuf_free(&o);
    json_decref(root);
    CHECK(frame_live_count() == 0);
}

int main(void)
{
    test_vectors();
    return CHECK_DONE();
}
