/* SPDX-License-Identifier: MIT */
/* mp2json.c - collector message (msgpack) -> JSON text, once per message.
 *
 * Three steps per body:
 *  1. s_prescan: one non-recursive pass over the raw bytes with an explicit
 *     stack. It bounds size and depth and checks that all items still
 *     declared by the open containers fit in the bytes left (each item takes
 *     at least one byte), so msgpack-c never allocates from a hostile count.
 *  2. msgpack_unpack into a long-lived zone (cleared per message: no malloc in
 *     steady state; str/bin point into the body).
 *  3. Validation (decode) and emission (emit). The emitter recurses, but only
 *     as deep as the pre-scan allowed (max_depth). */
#include "mp2json.h"
#include "rlog.h"

#include <math.h>
#include <msgpack.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MP2JSON_ZONE_CHUNK (16 * 1024)
#define MP2JSON_TEXT_MAX 1024

/* String keys the hub interprets. */
typedef enum {
    K_OTHER = 0,
    K_KIND,
    K_TS,
    K_SEQ,
    K_FIELDS,
    K_VALUE,
    K_TEXT,
    K_LEVEL,
    K_INTERVAL,
    K_COLLECTOR,
    K_TYPE,  /* hub-owned in live messages: never passed through */
    K_TOPIC, /* idem */
    K_GAP,   /* idem (Decision 16) */
    K__COUNT
} key_id_t;

typedef struct {
    uint64_t left; /* items (maps: keys + values) not yet started */
} scan_level_t;

struct mp2json {
    size_t max_body;
    int max_depth;
    scan_level_t *stack; /* max_depth + 1 levels for the pre-scan */
    msgpack_zone zone;
    msgpack_object root;
    bool have; /* root holds a validated message */
    msg_kind_t kind;
    const msgpack_object *key[K__COUNT]; /* value of each interpreted key */
    const msgpack_object *level;         /* event: NULL = "info" */
    bool shorthand;                      /* sample: fields from "value" */
    jbuf_t scratch;                      /* container keys as text */
    char detail[160];                    /* why the last decode failed, or "" */
};

static const char *const s_err_names[MP2JSON_E__COUNT] = {
    [MP2JSON_OK] = "ok",
    [MP2JSON_E_TOO_LARGE] = "too_large",
    [MP2JSON_E_DEPTH] = "too_deep",
    [MP2JSON_E_DECLARED] = "bad_length",
    [MP2JSON_E_PARSE] = "unreadable",
    [MP2JSON_E_NOT_MAP] = "not_map",
    [MP2JSON_E_KIND] = "bad_kind",
    [MP2JSON_E_FIELDS] = "bad_fields",
    [MP2JSON_E_TEXT] = "bad_text",
    [MP2JSON_E_LEVEL] = "bad_level",
    [MP2JSON_E_TS] = "bad_ts",
    [MP2JSON_E_SEQ] = "bad_seq",
    [MP2JSON_E_META] = "bad_meta",
    [MP2JSON_E_OOM] = "oom",
};

/* Say why decode fails (the detail names the key and what it holds), and
 * return e. Only on the error path: the hot path never formats. */
static mp2json_err_t s_fail(mp2json_t *c, mp2json_err_t e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static mp2json_err_t s_fail(mp2json_t *c, mp2json_err_t e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->detail, sizeof c->detail, fmt, ap);
    va_end(ap);
    return e;
}

/* What a msgpack value is, in words, for a detail. */
static const char *s_type_name(const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        return "nil";
    case MSGPACK_OBJECT_BOOLEAN:
        return "a boolean";
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return "an integer";
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return "a float";
    case MSGPACK_OBJECT_STR:
        return "a string";
    case MSGPACK_OBJECT_ARRAY:
        return "an array";
    case MSGPACK_OBJECT_MAP:
        return "a map";
    case MSGPACK_OBJECT_BIN:
        return "binary";
    default:
        return "an ext value";
    }
}

/* A map key quoted for a detail ("?" for a key that is not a string). */
static const char *s_key_text(char *dst, size_t size, const msgpack_object *k)
{
    if (k->type != MSGPACK_OBJECT_STR)
        return "(a key that is not a string)";
    return rlog_quote(dst, size, k->via.str.ptr, k->via.str.size);
}

const char *mp2json_err_detail(const mp2json_t *c)
{
    return c->detail;
}

const char *mp2json_err_name(mp2json_err_t e)
{
    if ((unsigned)e >= MP2JSON_E__COUNT)
        return "unknown";
    return s_err_names[e];
}

mp2json_t *mp2json_new(size_t max_body, int max_depth)
{
    if (max_depth < 0)
        max_depth = 0;
    mp2json_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->max_body = max_body;
    c->max_depth = max_depth;
    c->stack = calloc((size_t)max_depth + 1, sizeof *c->stack);
    if (!c->stack || !msgpack_zone_init(&c->zone, MP2JSON_ZONE_CHUNK)) {
        free(c->stack);
        free(c);
        return NULL;
    }
    jbuf_init(&c->scratch, 0);
    return c;
}

void mp2json_destroy(mp2json_t **pc)
{
    if (!pc || !*pc)
        return;
    mp2json_t *c = *pc;
    msgpack_zone_destroy(&c->zone);
    jbuf_free(&c->scratch);
    free(c->stack);
    free(c);
    *pc = NULL;
}

/* ---------------------------------------------------------------- pre-scan */

static inline uint32_t s_be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static inline uint32_t s_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Check that p[0..len) is exactly one msgpack object within the limits.
 * No recursion, no allocation; O(len). */
static mp2json_err_t s_prescan(mp2json_t *c, const uint8_t *p, size_t len)
{
    if (len > c->max_body)
        return MP2JSON_E_TOO_LARGE;
    scan_level_t *st = c->stack;
    int depth = 0;         /* open containers */
    uint64_t declared = 0; /* sum of st[i].left */
    size_t pos = 0;
    for (;;) {
        if (pos >= len)
            return MP2JSON_E_PARSE; /* truncated */
        if (depth > 0) {
            st[depth - 1].left--;
            declared--;
        }
        uint8_t b = p[pos];
        size_t left = len - pos;
        size_t hdr = 1;       /* header bytes */
        uint64_t payload = 0; /* bytes after the header */
        uint64_t items = 0;   /* container items (maps: 2 per entry) */
        bool container = false;
        if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
            /* fixint, nil, bool */
        } else if (b <= 0x8f) {
            container = true;
            items = 2u * (b & 0x0f);
        } else if (b <= 0x9f) {
            container = true;
            items = b & 0x0f;
        } else if (b <= 0xbf) {
            payload = b & 0x1f;
        } else {
            switch (b) {
            case 0xc4: /* bin8 */
            case 0xd9: /* str8 */
                hdr = 2;
                if (left < hdr)
                    return MP2JSON_E_PARSE;
                payload = p[pos + 1];
                break;
            case 0xc5: /* bin16 */
            case 0xda: /* str16 */
                hdr = 3;
                if (left < hdr)
                    return MP2JSON_E_PARSE;
                payload = s_be16(p + pos + 1);
                break;
            case 0xc6: /* bin32 */
            case 0xdb: /* str32 */
                hdr = 5;
                if (left < hdr)
                    return MP2JSON_E_PARSE;
                payload = s_be32(p + pos + 1);
                break;
            case 0xc7: /* ext8: len, type */
                hdr = 3;
                if (left < hdr)
                    return MP2JSON_E_PARSE;
                payload = p[pos + 1];
                break;
            case 0xc8: /* ext16 */
                hdr = 4;
                if (left < hdr)
                    return MP2JSON_E_PARSE;
                payload = s_be16(p + pos + 1);
                break;
            case 0xc9: /* ext32 */
                hdr = 6;
                if (left < hdr)
                    return MP2JSON_E_PARSE;
                payload = s_be32(p + pos + 1);
                break;
            case 0xca: /* float32 */
            case 0xce: /* uint32 */
            case 0xd2: /* int32 */
                payload = 4;
                break;
            case 0xcb: /* float64 */
            case 0xcf: /* uint64 */
            case 0xd3: /* int64 */
                payload = 8;
                break;
            case 0xcc: /* uint8 */
            case 0xd0: /* int8 */
                payload = 1;
                break;
            case 0xcd: /* uint16 */
            case 0xd1: /* int16 */
                payload = 2;
                break;
            case 0xd4: /* fixext1..16: type + data */
                payload = 2;
                break;
            case 0xd5:
                payload = 3;
                break;
            case 0xd6:
                payload = 5;
                break;
            case 0xd7:
                payload = 9;
                break;
            case 0xd8:
                payload = 17;
                break;
            case 0xdc: /* array16 */
                hdr = 3;
                if (left < hdr)
                    return MP2JSON_E_PARSE;
                container = true;
                items = s_be16(p + pos + 1);
                break;
            case 0xdd: /* array32 */
                hdr = 5;
                if (left < hdr)
                    return MP2JSON_E_PARSE;
                container = true;
                items = s_be32(p + pos + 1);
                break;
            case 0xde: /* map16 */
                hdr = 3;
                if (left < hdr)
                    return MP2JSON_E_PARSE;
                container = true;
                items = 2u * (uint64_t)s_be16(p + pos + 1);
                break;
            case 0xdf: /* map32 */
                hdr = 5;
                if (left < hdr)
                    return MP2JSON_E_PARSE;
                container = true;
                items = 2u * (uint64_t)s_be32(p + pos + 1);
                break;
            default: /* 0xc1: never used */
                return MP2JSON_E_PARSE;
            }
        }
        if (hdr > left || payload > left - hdr)
            return MP2JSON_E_PARSE;
        pos += hdr + (size_t)payload;
        if (container) {
            if (depth + 1 > c->max_depth)
                return MP2JSON_E_DEPTH;
            if (items > (uint64_t)(len - pos) - declared)
                return MP2JSON_E_DECLARED;
            if (items > 0) {
                st[depth++].left = items;
                declared += items;
                continue;
            }
        }
        /* An item is complete: close every container it completed. */
        while (depth > 0 && st[depth - 1].left == 0)
            depth--;
        if (depth == 0)
            return pos == len ? MP2JSON_OK : MP2JSON_E_PARSE;
    }
}

/* Pre-scan, then let msgpack-c build the object tree in the zone. */
static mp2json_err_t s_unpack(mp2json_t *c, const uint8_t *data, size_t len)
{
    c->have = false;
    mp2json_err_t e = s_prescan(c, data, len);
    if (e != MP2JSON_OK)
        return e;
    msgpack_zone_clear(&c->zone);
    size_t off = 0;
    msgpack_unpack_return r = msgpack_unpack((const char *)data, len, &off, &c->zone, &c->root);
    if (r != MSGPACK_UNPACK_SUCCESS || off != len)
        return r == MSGPACK_UNPACK_NOMEM_ERROR ? MP2JSON_E_OOM : MP2JSON_E_PARSE;
    return MP2JSON_OK;
}

/* ----------------------------------------------------------------- emitter */

static mp2json_err_t s_emit(mp2json_t *c, const msgpack_object *o, jbuf_t *out);

/* A map key as a JSON string: str as is, bin as base64, anything else as its
 * JSON text ("1", "-7", "2.5", "true", "null", "[1,2]"). */
static void s_emit_key(mp2json_t *c, const msgpack_object *k, jbuf_t *out)
{
    switch (k->type) {
    case MSGPACK_OBJECT_STR:
        jbuf_put_jstr(out, k->via.str.ptr, k->via.str.size);
        return;
    case MSGPACK_OBJECT_BIN:
        jbuf_put_b64str(out, k->via.bin.ptr, k->via.bin.size);
        return;
    case MSGPACK_OBJECT_ARRAY:
    case MSGPACK_OBJECT_MAP: {
        /* Write the JSON text at the end of out, move it to scratch, and
         * write it back as a string. Inner container keys finish with scratch
         * before this one uses it, so one scratch serves every depth. */
        size_t mark = out->len;
        s_emit(c, k, out);
        if (jbuf_failed(out))
            return;
        c->scratch.max = out->max;
        jbuf_reset(&c->scratch);
        if (jbuf_put(&c->scratch, jbuf_text(out) + mark, out->len - mark) < 0) {
            out->failed = true;
            return;
        }
        out->len = mark;
        jbuf_put_jstr(out, (const char *)jbuf_text(&c->scratch), c->scratch.len);
        return;
    }
    default:
        /* Scalars: their JSON text never needs escaping. */
        jbuf_putc(out, '"');
        s_emit(c, k, out);
        jbuf_putc(out, '"');
        return;
    }
}

/* Any msgpack object as JSON (SPEC §2). Depth is bounded by the pre-scan. */
static mp2json_err_t s_emit(mp2json_t *c, const msgpack_object *o, jbuf_t *out)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        jbuf_put(out, "null", 4);
        break;
    case MSGPACK_OBJECT_BOOLEAN:
        if (o->via.boolean)
            jbuf_put(out, "true", 4);
        else
            jbuf_put(out, "false", 5);
        break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        jbuf_put_u64(out, o->via.u64);
        break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        jbuf_put_i64(out, o->via.i64);
        break;
    case MSGPACK_OBJECT_FLOAT32:
        jbuf_put_float(out, (float)o->via.f64);
        break;
    case MSGPACK_OBJECT_FLOAT64:
        jbuf_put_double(out, o->via.f64);
        break;
    case MSGPACK_OBJECT_STR:
        jbuf_put_jstr(out, o->via.str.ptr, o->via.str.size);
        break;
    case MSGPACK_OBJECT_BIN:
        jbuf_put_b64str(out, o->via.bin.ptr, o->via.bin.size);
        break;
    case MSGPACK_OBJECT_ARRAY:
        jbuf_putc(out, '[');
        for (uint32_t i = 0; i < o->via.array.size && !jbuf_failed(out); i++) {
            if (i)
                jbuf_putc(out, ',');
            s_emit(c, &o->via.array.ptr[i], out);
        }
        jbuf_putc(out, ']');
        break;
    case MSGPACK_OBJECT_MAP:
        jbuf_putc(out, '{');
        for (uint32_t i = 0; i < o->via.map.size && !jbuf_failed(out); i++) {
            if (i)
                jbuf_putc(out, ',');
            s_emit_key(c, &o->via.map.ptr[i].key, out);
            jbuf_putc(out, ':');
            s_emit(c, &o->via.map.ptr[i].val, out);
        }
        jbuf_putc(out, '}');
        break;
    default: /* EXT (Decision 7) */
        jbuf_put(out, "null", 4);
        break;
    }
    return jbuf_failed(out) ? MP2JSON_E_OOM : MP2JSON_OK;
}

mp2json_err_t mp2json_value(mp2json_t *c, const uint8_t *data, size_t len, jbuf_t *out)
{
    mp2json_err_t e = s_unpack(c, data, len);
    if (e != MP2JSON_OK)
        return e;
    return s_emit(c, &c->root, out);
}

/* ---------------------------------------------------------------- messages */

static bool s_str_is(const msgpack_object *o, const char *lit, size_t n)
{
    return o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
           memcmp(o->via.str.ptr, lit, n) == 0;
}

#define S_IS(o, lit) s_str_is((o), lit, sizeof(lit) - 1)

static key_id_t s_key_id(const msgpack_object *k)
{
    if (k->type != MSGPACK_OBJECT_STR)
        return K_OTHER;
    const char *s = k->via.str.ptr;
    switch (k->via.str.size) {
    case 2:
        return memcmp(s, "ts", 2) == 0 ? K_TS : K_OTHER;
    case 3:
        if (memcmp(s, "seq", 3) == 0)
            return K_SEQ;
        return memcmp(s, "gap", 3) == 0 ? K_GAP : K_OTHER;
    case 4:
        if (memcmp(s, "kind", 4) == 0)
            return K_KIND;
        if (memcmp(s, "text", 4) == 0)
            return K_TEXT;
        return memcmp(s, "type", 4) == 0 ? K_TYPE : K_OTHER;
    case 5:
        if (memcmp(s, "value", 5) == 0)
            return K_VALUE;
        if (memcmp(s, "level", 5) == 0)
            return K_LEVEL;
        return memcmp(s, "topic", 5) == 0 ? K_TOPIC : K_OTHER;
    case 6:
        return memcmp(s, "fields", 6) == 0 ? K_FIELDS : K_OTHER;
    case 9:
        return memcmp(s, "collector", 9) == 0 ? K_COLLECTOR : K_OTHER;
    case 11:
        return memcmp(s, "interval_ms", 11) == 0 ? K_INTERVAL : K_OTHER;
    default:
        return K_OTHER;
    }
}

static bool s_is_number(const msgpack_object *o)
{
    return o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ||
           o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER || o->type == MSGPACK_OBJECT_FLOAT32 ||
           o->type == MSGPACK_OBJECT_FLOAT64;
}

/* A sample value: a number or nil (Decision 4). */
static bool s_is_sample_value(const msgpack_object *o)
{
    return o->type == MSGPACK_OBJECT_NIL || s_is_number(o);
}

/* An int64 from an int, or a finite float truncated toward zero.
 * Returns false if it does not fit. */
static bool s_to_i64(const msgpack_object *o, int64_t *v)
{
    switch (o->type) {
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (o->via.u64 > (uint64_t)INT64_MAX)
            return false;
        *v = (int64_t)o->via.u64;
        return true;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        *v = o->via.i64;
        return true;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: {
        double d = o->via.f64;
        /* -2^63 <= d < 2^63 (NaN fails both) */
        if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
            return false;
        *v = (int64_t)d;
        return true;
    }
    default:
        return false;
    }
}

mp2json_err_t mp2json_decode(mp2json_t *c, const uint8_t *body, size_t len, mp2json_msg_t *msg)
{
    c->detail[0] = '\0';
    mp2json_err_t e = s_unpack(c, body, len);
    if (e == MP2JSON_E_TOO_LARGE)
        return s_fail(c, e, "%zu bytes, over the %zu-byte limit", len, c->max_body);
    if (e == MP2JSON_E_DEPTH)
        return s_fail(c, e, "nested deeper than %d levels", c->max_depth);
    if (e != MP2JSON_OK)
        return e;
    const msgpack_object *root = &c->root;
    if (root->type != MSGPACK_OBJECT_MAP)
        return s_fail(c, MP2JSON_E_NOT_MAP, "the body is %s, not a map", s_type_name(root));

    /* One pass: remember each interpreted key's value and count repeats. A
     * repeated interpreted key is an error of that key: the message would
     * otherwise mean different things to different readers. */
    unsigned count[K__COUNT] = {0};
    memset(c->key, 0, sizeof c->key);
    for (uint32_t i = 0; i < root->via.map.size; i++) {
        const msgpack_object_kv *kv = &root->via.map.ptr[i];
        key_id_t id = s_key_id(&kv->key);
        if (id == K_OTHER)
            continue;
        count[id]++;
        c->key[id] = &kv->val;
    }

    const msgpack_object *kind = c->key[K_KIND];
    char q[72];
    if (count[K_KIND] > 1)
        return s_fail(c, MP2JSON_E_KIND, "\"kind\" appears twice");
    if (!kind) {
        /* Decision 24: the smallest useful message is {"value": v} */
        if (!c->key[K_VALUE] && !c->key[K_FIELDS])
            return s_fail(c, MP2JSON_E_KIND, "no \"kind\" (and no \"value\" or \"fields\")");
        c->kind = MSG_SAMPLE;
    } else if (S_IS(kind, "sample"))
        c->kind = MSG_SAMPLE;
    else if (S_IS(kind, "event"))
        c->kind = MSG_EVENT;
    else if (S_IS(kind, "meta"))
        c->kind = MSG_META;
    else if (kind->type == MSGPACK_OBJECT_STR)
        return s_fail(c, MP2JSON_E_KIND, "kind \"%s\" is not sample, event or meta",
                      rlog_quote(q, sizeof q, kind->via.str.ptr, kind->via.str.size));
    else
        return s_fail(c, MP2JSON_E_KIND, "kind is %s, not a string", s_type_name(kind));

    memset(msg, 0, sizeof *msg);
    msg->kind = c->kind;
    if (c->key[K_TS]) {
        if (count[K_TS] > 1 || !s_to_i64(c->key[K_TS], &msg->ts))
            return s_fail(c, MP2JSON_E_TS, "ts is %s, not ms since the epoch",
                          count[K_TS] > 1 ? "given twice" : s_type_name(c->key[K_TS]));
        msg->has_ts = true;
    }
    if (c->key[K_SEQ]) {
        const msgpack_object *s = c->key[K_SEQ];
        if (count[K_SEQ] > 1 || s->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            return s_fail(c, MP2JSON_E_SEQ, "seq is %s, not an integer >= 0",
                          count[K_SEQ] > 1 ? "given twice" : s_type_name(s));
        msg->seq = s->via.u64;
        msg->has_seq = true;
    }

    switch (c->kind) {
    case MSG_SAMPLE: {
        const msgpack_object *f = c->key[K_FIELDS];
        if (f) {
            if (count[K_FIELDS] > 1 || f->type != MSGPACK_OBJECT_MAP)
                return s_fail(c, MP2JSON_E_FIELDS, "fields is %s, not a map",
                              count[K_FIELDS] > 1 ? "given twice" : s_type_name(f));
            for (uint32_t i = 0; i < f->via.map.size; i++)
                if (!s_is_sample_value(&f->via.map.ptr[i].val))
                    return s_fail(c, MP2JSON_E_FIELDS, "field \"%s\" is %s, not a number",
                                  s_key_text(q, sizeof q, &f->via.map.ptr[i].key),
                                  s_type_name(&f->via.map.ptr[i].val));
            c->shorthand = false;
        } else {
            const msgpack_object *v = c->key[K_VALUE];
            if (!v)
                return s_fail(c, MP2JSON_E_FIELDS, "a sample with neither fields nor value");
            if (count[K_VALUE] > 1 || !s_is_sample_value(v))
                return s_fail(c, MP2JSON_E_FIELDS, "value is %s, not a number",
                              count[K_VALUE] > 1 ? "given twice" : s_type_name(v));
            c->shorthand = true;
        }
        break;
    }
    case MSG_EVENT: {
        const msgpack_object *t = c->key[K_TEXT];
        if (!t)
            return s_fail(c, MP2JSON_E_TEXT, "an event without text");
        if (count[K_TEXT] > 1 || t->type != MSGPACK_OBJECT_STR)
            return s_fail(c, MP2JSON_E_TEXT, "text is %s, not a string",
                          count[K_TEXT] > 1 ? "given twice" : s_type_name(t));
        if (t->via.str.size > MP2JSON_TEXT_MAX)
            return s_fail(c, MP2JSON_E_TEXT, "text of %u bytes, over %d", t->via.str.size,
                          MP2JSON_TEXT_MAX);
        const msgpack_object *l = c->key[K_LEVEL];
        if (l && (count[K_LEVEL] > 1 || !(S_IS(l, "info") || S_IS(l, "success") ||
                                          S_IS(l, "warning") || S_IS(l, "error"))))
            return s_fail(c, MP2JSON_E_LEVEL, "level \"%s\" is not info, success, warning or error",
                          l->type == MSGPACK_OBJECT_STR
                              ? rlog_quote(q, sizeof q, l->via.str.ptr, l->via.str.size)
                              : s_type_name(l));
        c->level = l;
        break;
    }
    case MSG_META: {
        const msgpack_object *iv = c->key[K_INTERVAL];
        if (iv) {
            int64_t ms;
            bool neg_float =
                (iv->type == MSGPACK_OBJECT_FLOAT32 || iv->type == MSGPACK_OBJECT_FLOAT64) &&
                iv->via.f64 < 0;
            if (count[K_INTERVAL] > 1 || !s_to_i64(iv, &ms) || ms < 0 || neg_float)
                return s_fail(c, MP2JSON_E_META, "interval_ms is %s, not a number of ms >= 0",
                              count[K_INTERVAL] > 1 ? "given twice" : s_type_name(iv));
            msg->interval_ms = ms;
        }
        const msgpack_object *f = c->key[K_FIELDS];
        if (f && (count[K_FIELDS] > 1 || f->type != MSGPACK_OBJECT_MAP))
            return s_fail(c, MP2JSON_E_META, "meta fields is %s, not a map",
                          count[K_FIELDS] > 1 ? "given twice" : s_type_name(f));
        const msgpack_object *col = c->key[K_COLLECTOR];
        if (col && col->type == MSGPACK_OBJECT_STR) {
            msg->collector = col->via.str.ptr;
            msg->collector_len = col->via.str.size;
        }
        break;
    }
    }
    c->have = true;
    return MP2JSON_OK;
}

/* Append a literal. */
#define S_LIT(out, lit) jbuf_put((out), lit, sizeof(lit) - 1)

/* Should key id be left out of a live message of this kind? */
static bool s_skip(const mp2json_t *c, key_id_t id)
{
    switch (id) {
    case K_KIND:
    case K_TS:
    case K_SEQ:
    case K_TYPE:
    case K_TOPIC:
    case K_GAP:
        return true;
    case K_FIELDS:
        return c->kind == MSG_SAMPLE;
    case K_VALUE:
        return c->kind == MSG_SAMPLE && c->shorthand;
    case K_TEXT:
    case K_LEVEL:
        return c->kind == MSG_EVENT;
    default:
        return false;
    }
}

mp2json_err_t mp2json_emit(mp2json_t *c, const char *topic, size_t topic_len, int64_t ts,
                           uint64_t seq, jbuf_t *out, size_t *body_off)
{
    if (!c->have || c->kind == MSG_META)
        return MP2JSON_E_KIND; /* programmer error: nothing to emit */
    if (c->kind == MSG_SAMPLE)
        S_LIT(out, "{\"type\":\"sample\",");
    else
        S_LIT(out, "{\"type\":\"event\",");
    if (body_off)
        *body_off = out->len;
    S_LIT(out, "\"topic\":\"");
    jbuf_put(out, topic, topic_len);
    S_LIT(out, "\",\"ts\":");
    jbuf_put_i64(out, ts);
    S_LIT(out, ",\"seq\":");
    jbuf_put_u64(out, seq);
    if (c->kind == MSG_SAMPLE) {
        S_LIT(out, ",\"fields\":");
        if (c->shorthand) {
            S_LIT(out, "{\"value\":");
            s_emit(c, c->key[K_VALUE], out);
            jbuf_putc(out, '}');
        } else {
            s_emit(c, c->key[K_FIELDS], out);
        }
    } else {
        S_LIT(out, ",\"text\":");
        const msgpack_object *t = c->key[K_TEXT];
        jbuf_put_jstr(out, t->via.str.ptr, t->via.str.size);
        S_LIT(out, ",\"level\":");
        if (c->level)
            jbuf_put_jstr(out, c->level->via.str.ptr, c->level->via.str.size);
        else
            S_LIT(out, "\"info\"");
    }
    const msgpack_object_map *m = &c->root.via.map;
    for (uint32_t i = 0; i < m->size && !jbuf_failed(out); i++) {
        const msgpack_object_kv *kv = &m->ptr[i];
        if (s_skip(c, s_key_id(&kv->key)))
            continue;
        jbuf_putc(out, ',');
        s_emit_key(c, &kv->key, out);
        jbuf_putc(out, ':');
        s_emit(c, &kv->val, out);
    }
    jbuf_putc(out, '}');
    return jbuf_failed(out) ? MP2JSON_E_OOM : MP2JSON_OK;
}

mp2json_err_t mp2json_emit_meta(mp2json_t *c, jbuf_t *out)
{
    if (!c->have || c->kind != MSG_META)
        return MP2JSON_E_KIND; /* programmer error: nothing to emit */
    const msgpack_object_map *m = &c->root.via.map;
    bool first = true;
    jbuf_putc(out, '{');
    for (uint32_t i = 0; i < m->size && !jbuf_failed(out); i++) {
        const msgpack_object_kv *kv = &m->ptr[i];
        key_id_t id = s_key_id(&kv->key);
        if (id == K_KIND || id == K_TS || id == K_SEQ)
            continue;
        if (!first)
            jbuf_putc(out, ',');
        first = false;
        s_emit_key(c, &kv->key, out);
        jbuf_putc(out, ':');
        s_emit(c, &kv->val, out);
    }
    jbuf_putc(out, '}');
    return jbuf_failed(out) ? MP2JSON_E_OOM : MP2JSON_OK;
}
