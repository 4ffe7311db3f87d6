/* jsonl.c - JSON lines -> msgpack bodies for rtdash-pub (see jsonl.h).
 * jansson reads the line (duplicate keys rejected); the keys other than
 * topic, kind, ts and seq are packed at once into `rest`, in the line's
 * order, so that the size is known before the caller spends a seq number;
 * jsonl_body() writes the head into `head` and appends `rest`. */
// SPDX-License-Identifier: MIT
#include "jsonl.h"

#include "influx.h"
#include "rtdash.h"
#include "topic.h"

#include <jansson.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* map header, "kind", its value, "ts", a number, "seq", a number: at most 42 bytes */
#define HEAD_MAX 64

struct jsonl {
    json_t *root; /* the last line parsed with success, or NULL */
    jsonl_msg_t msg;
    msgpack_sbuffer head, rest; /* reused for every line */
    uint32_t nrest;             /* keys packed into rest */
};

static const char *const s_levels[] = {"info", "success", "warning", "error"};

jsonl_t *jsonl_new(void)
{
    jsonl_t *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    msgpack_sbuffer_init(&j->head);
    msgpack_sbuffer_init(&j->rest);
    return j;
}

void jsonl_destroy(jsonl_t **jp)
{
    if (!jp || !*jp)
        return;
    jsonl_t *j = *jp;
    json_decref(j->root);
    msgpack_sbuffer_destroy(&j->head);
    msgpack_sbuffer_destroy(&j->rest);
    free(j);
    *jp = NULL;
}

static bool s_is_level(const char *s)
{
    for (size_t i = 0; i < sizeof(s_levels) / sizeof(s_levels[0]); i++)
        if (strcmp(s, s_levels[i]) == 0)
            return true;
    return false;
}

/* The hub reads ts and interval_ms as int64 milliseconds: a real one must
 * fit (2^63 exclusive; it is truncated), an integer always does. */
static bool s_fits_int64(const json_t *v)
{
    return !json_is_real(v) || json_real_value(v) < 9223372036854775808.0;
}

/* jansson quotes the input near an error ("near '\"caf\\u0<LF>'"): control
 * characters become '?', so the reason stays one line. */
static void s_one_line(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

static int s_pack_str(msgpack_packer *pk, const char *s, size_t len)
{
    return msgpack_pack_str_with_body(pk, s, len);
}

/* Pack any JSON value. Returns 0, or -1 (with the reason in err) when it
 * nests deeper than JSONL_MAX_DEPTH or packing fails. */
static int s_pack_json(msgpack_packer *pk, const json_t *j, int depth, char *err, size_t errsize)
{
    if (depth > JSONL_MAX_DEPTH) {
        snprintf(err, errsize, "nested deeper than %d levels", JSONL_MAX_DEPTH);
        return -1;
    }
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *v;
        if (msgpack_pack_map(pk, (uint32_t)json_object_size(j)) != 0)
            goto oom;
        json_object_foreach((json_t *)j, key, v)
        {
            if (s_pack_str(pk, key, strlen(key)) != 0)
                goto oom;
            if (s_pack_json(pk, v, depth + 1, err, errsize) != 0)
                return -1;
        }
        return 0;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *v;
        if (msgpack_pack_array(pk, (uint32_t)json_array_size(j)) != 0)
            goto oom;
        json_array_foreach(j, i, v)
        {
            if (s_pack_json(pk, v, depth + 1, err, errsize) != 0)
                return -1;
        }
        return 0;
    }
    case JSON_STRING:
        if (s_pack_str(pk, json_string_value(j), json_string_length(j)) != 0)
            goto oom;
        return 0;
    case JSON_INTEGER:
        if (msgpack_pack_int64(pk, (int64_t)json_integer_value(j)) != 0)
            goto oom;
        return 0;
    case JSON_REAL:
        if (msgpack_pack_double(pk, json_real_value(j)) != 0)
            goto oom;
        return 0;
    case JSON_TRUE:
        return msgpack_pack_true(pk) != 0 ? (snprintf(err, errsize, "out of memory"), -1) : 0;
    case JSON_FALSE:
        return msgpack_pack_false(pk) != 0 ? (snprintf(err, errsize, "out of memory"), -1) : 0;
    case JSON_NULL:
        return msgpack_pack_nil(pk) != 0 ? (snprintf(err, errsize, "out of memory"), -1) : 0;
    }
oom:
    snprintf(err, errsize, "out of memory");
    return -1;
}

/* Check a JSON object line against what the hub accepts. Sets *topic and
 * *kind ("sample", "event", "meta", static). Returns 0, or -1 with the
 * reason in err. */
static int s_check(const json_t *root, const char **topic, const char **kind, char *err,
                   size_t errsize)
{
    char q[48];
    const json_t *t = json_object_get(root, "topic");
    if (!json_is_string(t)) {
        snprintf(err, errsize, "a JSON line needs \"topic\" (a string)");
        return -1;
    }
    *topic = json_string_value(t);
    if (!topic_is_valid(*topic, json_string_length(t))) {
        snprintf(err, errsize, "invalid topic '%s'",
                 influx_quote(q, sizeof(q), *topic, json_string_length(t)));
        return -1;
    }
    const json_t *k = json_object_get(root, "kind");
    *kind = "sample";
    if (k) {
        const char *ks = json_is_string(k) ? json_string_value(k) : "";
        if (strcmp(ks, "sample") == 0)
            *kind = "sample";
        else if (strcmp(ks, "event") == 0)
            *kind = "event";
        else if (strcmp(ks, "meta") == 0)
            *kind = "meta";
        else {
            snprintf(err, errsize, "\"kind\" must be \"sample\", \"event\" or \"meta\"");
            return -1;
        }
    }
    const json_t *ts = json_object_get(root, "ts");
    if (ts && (!json_is_number(ts) || json_number_value(ts) < 0)) {
        snprintf(err, errsize, "\"ts\" must be a number of milliseconds");
        return -1;
    }
    if (ts && !s_fits_int64(ts)) {
        snprintf(err, errsize, "\"ts\" must be below 2^63 milliseconds");
        return -1;
    }
    const json_t *seq = json_object_get(root, "seq");
    if (seq && (!json_is_integer(seq) || json_integer_value(seq) < 0)) {
        snprintf(err, errsize, "\"seq\" must be a whole number >= 0");
        return -1;
    }
    if (strcmp(*kind, "sample") == 0) {
        const json_t *fields = json_object_get(root, "fields");
        const json_t *value = json_object_get(root, "value");
        if (!fields && !value) {
            snprintf(err, errsize, "a sample needs \"value\" or \"fields\"");
            return -1;
        }
        if (value && !json_is_number(value) && !json_is_null(value)) {
            snprintf(err, errsize, "\"value\" must be a number");
            return -1;
        }
        if (fields) {
            const char *key;
            json_t *v;
            if (!json_is_object(fields) || json_object_size(fields) == 0) {
                snprintf(err, errsize, "\"fields\" must be an object with at least one field");
                return -1;
            }
            json_object_foreach((json_t *)fields, key, v)
            {
                if (!json_is_number(v) && !json_is_null(v)) {
                    snprintf(err, errsize, "field '%s' is not a number",
                             influx_quote(q, sizeof(q), key, strlen(key)));
                    return -1;
                }
            }
        }
    } else if (strcmp(*kind, "event") == 0) {
        const json_t *text = json_object_get(root, "text");
        const json_t *level = json_object_get(root, "level");
        if (!json_is_string(text)) {
            snprintf(err, errsize, "an event needs \"text\" (a string)");
            return -1;
        }
        if (json_string_length(text) > RTDASH_MAX_TEXT) {
            snprintf(err, errsize, "\"text\" is longer than %d bytes", RTDASH_MAX_TEXT);
            return -1;
        }
        if (level && (!json_is_string(level) || !s_is_level(json_string_value(level)))) {
            snprintf(err, errsize, "\"level\" must be info, success, warning or error");
            return -1;
        }
    } else { /* meta */
        const json_t *iv = json_object_get(root, "interval_ms");
        if (iv && (!json_is_number(iv) || json_number_value(iv) < 0 || !s_fits_int64(iv))) {
            snprintf(err, errsize, "\"interval_ms\" must be a number of milliseconds, 0 to 2^63");
            return -1;
        }
        const json_t *fields = json_object_get(root, "fields");
        if (fields && !json_is_object(fields)) {
            snprintf(err, errsize, "a meta's \"fields\" must be an object (field -> its meta)");
            return -1;
        }
    }
    return 0;
}

/* Pack every key but the head into j->rest, in the line's order. */
static int s_pack_rest(jsonl_t *j, char *err, size_t errsize)
{
    msgpack_packer pk;
    msgpack_sbuffer_clear(&j->rest);
    msgpack_packer_init(&pk, &j->rest, msgpack_sbuffer_write);
    const char *key;
    json_t *v;
    j->nrest = 0;
    json_object_foreach(j->root, key, v)
    {
        if (strcmp(key, "topic") == 0 || strcmp(key, "kind") == 0 || strcmp(key, "ts") == 0 ||
            strcmp(key, "seq") == 0)
            continue;
        if (s_pack_str(&pk, key, strlen(key)) != 0) {
            snprintf(err, errsize, "out of memory");
            return -1;
        }
        if (s_pack_json(&pk, v, 2, err, errsize) < 0)
            return -1;
        j->nrest++;
    }
    if (j->rest.size + HEAD_MAX > RTDASH_MAX_MESSAGE) {
        snprintf(err, errsize, "message of %zu bytes is over the %d byte limit",
                 j->rest.size + HEAD_MAX, RTDASH_MAX_MESSAGE);
        return -1;
    }
    return 0;
}

int jsonl_parse(jsonl_t *j, const char *line, size_t len, jsonl_msg_t *msg, char *err,
                size_t errsize)
{
    json_decref(j->root);
    j->root = NULL;
    json_error_t jerr;
    json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(err, errsize, "invalid JSON at column %d: %s", jerr.column, jerr.text);
        s_one_line(err);
        return -1;
    }
    j->root = root;
    jsonl_msg_t m;
    if (!json_is_object(root)) {
        snprintf(err, errsize, "a JSON line must be an object");
        goto bad;
    }
    if (s_check(root, &m.topic, &m.kind, err, errsize) < 0 || s_pack_rest(j, err, errsize) < 0)
        goto bad;
    bool is_meta = strcmp(m.kind, "meta") == 0;
    m.needs_ts = !is_meta && !json_object_get(root, "ts");
    m.needs_seq = !is_meta && !json_object_get(root, "seq");
    j->msg = m;
    *msg = m;
    return 0;
bad:
    json_decref(j->root);
    j->root = NULL;
    return -1;
}

int jsonl_body(jsonl_t *j, int64_t ts_ms, uint64_t seq, const char **body, size_t *len, char *err,
               size_t errsize)
{
    if (!j->root) {
        snprintf(err, errsize, "no line to send");
        return -1;
    }
    const jsonl_msg_t *m = &j->msg;
    const json_t *ts = json_object_get(j->root, "ts"), *lseq = json_object_get(j->root, "seq");
    bool has_ts = ts || m->needs_ts, has_seq = lseq || m->needs_seq;
    msgpack_packer pk;
    msgpack_sbuffer_clear(&j->head);
    msgpack_packer_init(&pk, &j->head, msgpack_sbuffer_write);
    int prc = msgpack_pack_map(&pk, j->nrest + 1 + has_ts + has_seq);
    prc |= s_pack_str(&pk, "kind", 4) | s_pack_str(&pk, m->kind, strlen(m->kind));
    if (has_ts) {
        prc |= s_pack_str(&pk, "ts", 2);
        if (m->needs_ts)
            prc |= msgpack_pack_int64(&pk, ts_ms);
        else if (s_pack_json(&pk, ts, 2, err, errsize) < 0)
            return -1;
    }
    if (has_seq) {
        prc |= s_pack_str(&pk, "seq", 3);
        prc |= msgpack_pack_uint64(&pk, m->needs_seq ? seq : (uint64_t)json_integer_value(lseq));
    }
    if (prc != 0 || msgpack_sbuffer_write(&j->head, j->rest.data, j->rest.size) != 0) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    *body = j->head.data;
    *len = j->head.size;
    return 0;
}
