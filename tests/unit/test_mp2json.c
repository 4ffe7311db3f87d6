/* SPDX-License-Identifier: MIT */
/* test_mp2json.c - msgpack -> JSON against proto/vectors/vectors.json (the
 * expected text is written from the rules, not from this code), plus focused
 * checks: limits, the pre-scan, output caps, shortest doubles through the
 * whole path, and random mutations of the vectors. */
#include "check.h"
#include "json_check.h"
#include "mp2json.h"
#include "rng.h"
#include "vectors.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BODY (64 * 1024)
#define MAX_DEPTH 16
#define OUT_MAX (4 * 1024 * 1024)

static uint64_t s_rng = 0x2545F4914F6CDD1DULL;

static uint64_t s_rand64(void)
{
    return rng_next(&s_rng);
}

/* Decode hex into a malloc'd buffer; *n gets its length. NULL on bad hex. */
static uint8_t *s_unhex(const char *hex, size_t *n)
{
    size_t len = strlen(hex);
    if (len % 2)
        return NULL;
    uint8_t *out = malloc(len / 2 + 1);
    for (size_t i = 0; i < len / 2; i++) {
        int hi = vectors_hexval(hex[2 * i]), lo = vectors_hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(out);
            return NULL;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *n = len / 2;
    return out;
}

/* Is text[0..n) one valid JSON value (UTF-8 checked by jansson), with no raw
 * newline (SPEC §3: messages are split on \n)? */
static bool s_valid_json(const unsigned char *text, size_t n)
{
    char why[160];
    bool ok = json_check_text(text, n, why, sizeof why);
    if (!ok)
        fprintf(stderr, "invalid JSON (%s): %.*s\n", why, (int)(n > 300 ? 300 : n), text);
    return ok;
}

static bool s_is_framing_error(const char *name)
{
    return !strcmp(name, "too_large") || !strcmp(name, "too_deep") || !strcmp(name, "bad_length") ||
           !strcmp(name, "unreadable");
}

static void test_vectors(mp2json_t *c)
{
    json_t *root = vectors_load("vectors.json");
    CHECK(root != NULL);
    if (!root)
        return;
    CHECK(json_array_size(root) >= 40);
    jbuf_t out, val;
    jbuf_init(&out, OUT_MAX);
    jbuf_init(&val, OUT_MAX);
    size_t i;
    json_t *v;
    int nok = 0, nerr = 0;
    json_array_foreach(root, i, v)
    {
        const char *name = json_string_value(json_object_get(v, "name"));
        const char *topic = json_string_value(json_object_get(v, "topic"));
        const char *hex = json_string_value(json_object_get(v, "msgpack_hex"));
        json_t *jnow = json_object_get(v, "now_ms");
        json_t *jseq = json_object_get(v, "auto_seq");
        const char *want = json_string_value(json_object_get(v, "json"));
        size_t want_len = json_string_length(json_object_get(v, "json"));
        const char *want_err = json_string_value(json_object_get(v, "error"));
        CHECK(name && topic && hex && json_is_integer(jnow) && json_is_integer(jseq));
        CHECK((want != NULL) != (want_err != NULL));
        if (!name || !topic || !hex || !jnow || !jseq || (!want && !want_err))
            continue;
        size_t n = 0;
        uint8_t *body = s_unhex(hex, &n);
        CHECK(body != NULL);
        if (!body)
            continue;

        mp2json_msg_t msg;
        mp2json_err_t e = mp2json_decode(c, body, n, &msg);
        const char *got_err = mp2json_err_name(e);
        if (want_err) {
            nerr++;
            if (strcmp(got_err, want_err) != 0)
                fprintf(stderr, "vector %s: got %s, want error %s\n", name, got_err, want_err);
            CHECK_STREQ(got_err, want_err);
        } else if (e != MP2JSON_OK) {
            fprintf(stderr, "vector %s: got error %s\n", name, got_err);
            CHECK(e == MP2JSON_OK);
        } else {
            nok++;
            jbuf_reset(&out);
            size_t body_off = 0;
            mp2json_err_t ee;
            if (msg.kind == MSG_META) {
                ee = mp2json_emit_meta(c, &out);
            } else {
                int64_t ts = msg.has_ts ? msg.ts : (int64_t)json_integer_value(jnow);
                uint64_t seq = msg.has_seq ? msg.seq : (uint64_t)json_integer_value(jseq);
                ee = mp2json_emit(c, topic, strlen(topic), ts, seq, &out, &body_off);
            }
            CHECK(ee == MP2JSON_OK);
            bool same = out.len == want_len && memcmp(jbuf_text(&out), want, want_len) == 0;
            if (!same)
                fprintf(stderr, "vector %s:\n  got  %.*s\n  want %s\n", name, (int)out.len,
                        jbuf_text(&out), want);
            CHECK(same);
            CHECK(s_valid_json(jbuf_text(&out), out.len));
            if (msg.kind != MSG_META) {
                /* '{' + text[body_off..] is the history point: the message
                 * without its first key */
                const char *t = (const char *)jbuf_text(&out);
                const char *pre =
                    msg.kind == MSG_SAMPLE ? "{\"type\":\"sample\"," : "{\"type\":\"event\",";
                CHECK(body_off == strlen(pre));
                CHECK(strncmp(t, pre, strlen(pre)) == 0);
                CHECK(strncmp(t + body_off, "\"topic\":", 8) == 0);
            }
        }

        /* The generic converter: same framing errors, else valid JSON. */
        jbuf_reset(&val);
        mp2json_err_t ve = mp2json_value(c, body, n, &val);
        if (want_err && s_is_framing_error(want_err)) {
            CHECK_STREQ(mp2json_err_name(ve), want_err);
        } else {
            CHECK(ve == MP2JSON_OK);
            CHECK(s_valid_json(jbuf_text(&val), val.len));
        }
        free(body);
    }
    CHECK(nok >= 20 && nerr >= 20);
    jbuf_free(&out);
    jbuf_free(&val);
    json_decref(root);
}

static void test_err_names(void)
{
    for (int e = 0; e < MP2JSON_E__COUNT; e++) {
        const char *s = mp2json_err_name((mp2json_err_t)e);
        CHECK(s && *s && strcmp(s, "unknown") != 0);
        for (int f = 0; f < e; f++)
            CHECK(strcmp(s, mp2json_err_name((mp2json_err_t)f)) != 0);
    }
    CHECK_STREQ(mp2json_err_name(MP2JSON_E_DECLARED), "bad_length");
    CHECK_STREQ(mp2json_err_name((mp2json_err_t)999), "unknown");
}

static mp2json_err_t s_value(mp2json_t *c, const void *p, size_t n, jbuf_t *out)
{
    jbuf_reset(out);
    return mp2json_value(c, p, n, out);
}

/* Body = str32 holding `len - 5` 'x' (a scalar of exactly len bytes). */
static uint8_t *s_str_body(size_t len)
{
    uint8_t *b = malloc(len);
    size_t n = len - 5;
    b[0] = 0xdb;
    b[1] = (uint8_t)(n >> 24);
    b[2] = (uint8_t)(n >> 16);
    b[3] = (uint8_t)(n >> 8);
    b[4] = (uint8_t)n;
    memset(b + 5, 'x', n);
    return b;
}

static void test_limits(mp2json_t *c)
{
    jbuf_t out;
    jbuf_init(&out, OUT_MAX);
    /* size: exactly max_body is fine, one more is not */
    uint8_t *b = s_str_body(MAX_BODY);
    CHECK(s_value(c, b, MAX_BODY, &out) == MP2JSON_OK);
    CHECK(out.len == MAX_BODY - 5 + 2);
    free(b);
    b = s_str_body(MAX_BODY + 1);
    CHECK(s_value(c, b, MAX_BODY + 1, &out) == MP2JSON_E_TOO_LARGE);
    free(b);

    /* depth: a scalar is depth 0, [] depth 1, 16 nested ok, 17 not */
    CHECK(s_value(c, "\x01", 1, &out) == MP2JSON_OK);
    uint8_t deep[40];
    memset(deep, 0x91, sizeof deep); /* [ [ [ ... */
    for (int d = 1; d <= 20; d++) {
        deep[d - 1] = 0x90; /* innermost: empty array */
        mp2json_err_t e = s_value(c, deep, (size_t)d, &out);
        CHECK(e == (d <= MAX_DEPTH ? MP2JSON_OK : MP2JSON_E_DEPTH));
        deep[d - 1] = 0x91;
    }
    /* maps count too: {"":{"":...}} */
    mp2json_t *c0 = mp2json_new(MAX_BODY, 0);
    CHECK(c0 != NULL);
    CHECK(s_value(c0, "\x2a", 1, &out) == MP2JSON_OK);
    CHECK(s_value(c0, "\x90", 1, &out) == MP2JSON_E_DEPTH);
    mp2json_destroy(&c0);
    CHECK(c0 == NULL);
    mp2json_destroy(&c0); /* NULL-safe */

    /* declared counts: every container checked against the bytes left */
    CHECK(s_value(c, "\xdd\xff\xff\xff\xff", 5, &out) == MP2JSON_E_DECLARED);
    CHECK(s_value(c, "\xdf\x7f\xff\xff\xff", 5, &out) == MP2JSON_E_DECLARED);
    CHECK(s_value(c, "\x92\xc0", 2, &out) == MP2JSON_E_DECLARED);
    CHECK(s_value(c, "\x92\xc0\xc0", 3, &out) == MP2JSON_OK);
    CHECK(s_value(c, "\x81\xc0", 2, &out) == MP2JSON_E_DECLARED); /* a map entry is 2 items */
    /* nested: the outer array still needs 3 bytes after the inner one */
    CHECK(s_value(c, "\x94\x93\xc0\xc0\xc0\xc0\xc0", 7, &out) == MP2JSON_E_DECLARED);
    CHECK(s_value(c, "\x94\x93\xc0\xc0\xc0\xc0\xc0\xc0", 8, &out) == MP2JSON_OK);
    /* truncations and trailing bytes */
    CHECK(s_value(c, "", 0, &out) == MP2JSON_E_PARSE);
    CHECK(s_value(c, "\xcb\x00", 2, &out) == MP2JSON_E_PARSE);
    CHECK(s_value(c, "\xd9", 1, &out) == MP2JSON_E_PARSE);
    CHECK(s_value(c,
                  "\xd9\x05"
                  "ab",
                  4, &out) == MP2JSON_E_PARSE);
    CHECK(s_value(c, "\xc6\xff\xff\xff\xff", 5, &out) == MP2JSON_E_PARSE);
    CHECK(s_value(c, "\xc9\x00\x00\x00\x01\x05", 6, &out) == MP2JSON_E_PARSE);
    CHECK(s_value(c, "\xd8\x01", 2, &out) == MP2JSON_E_PARSE);
    CHECK(s_value(c, "\xc0\xc0", 2, &out) == MP2JSON_E_PARSE);
    CHECK(s_value(c, "\xc1", 1, &out) == MP2JSON_E_PARSE);
    CHECK(s_value(c, "\x90\x90", 2, &out) == MP2JSON_E_PARSE);

    /* 65 530 nils in one array16... array32 (items take one byte each) */
    size_t nn = MAX_BODY - 5;
    b = malloc(MAX_BODY);
    b[0] = 0xdd;
    b[1] = (uint8_t)(nn >> 24);
    b[2] = (uint8_t)(nn >> 16);
    b[3] = (uint8_t)(nn >> 8);
    b[4] = (uint8_t)nn;
    memset(b + 5, 0xc0, nn);
    CHECK(s_value(c, b, MAX_BODY, &out) == MP2JSON_OK);
    CHECK(out.len == 2 + nn * 5 - 1);
    CHECK(s_value(c, b, MAX_BODY - 1, &out) == MP2JSON_E_DECLARED);
    free(b);
    jbuf_free(&out);
}

static void test_scalars(mp2json_t *c)
{
    jbuf_t out;
    jbuf_init(&out, OUT_MAX);
    static const struct {
        const char *mp;
        size_t n;
        const char *json;
    } sv[] = {
        {"\xc0", 1, "null"},
        {"\xc2", 1, "false"},
        {"\xc3", 1, "true"},
        {"\x7f", 1, "127"},
        {"\xe0", 1, "-32"},
        {"\xcf\xff\xff\xff\xff\xff\xff\xff\xff", 9, "18446744073709551615"},
        {"\xd3\x80\x00\x00\x00\x00\x00\x00\x00", 9, "-9223372036854775808"},
        {"\xcb\x3f\xb9\x99\x99\x99\x99\x99\x9a", 9, "0.1"},
        {"\xca\x3d\xcc\xcc\xcd", 5, "0.1"},
        {"\xcb\x80\x00\x00\x00\x00\x00\x00\x00", 9, "0"},
        {"\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00", 9, "null"},
        {"\xa3\x61\x0a\x62", 4, "\"a\\nb\""},
        {"\xc4\x03\x66\x6f\x6f", 5, "\"Zm9v\""},
        {"\xd4\x01\x02", 3, "null"},
        {"\x92\x01\xa1\x78", 4, "[1,\"x\"]"},
        {"\x80", 1, "{}"},
        {"\x81\x01\x02", 3, "{\"1\":2}"},
        {"\x81\x90\x02", 3, "{\"[]\":2}"},
        {"\x81\x80\x02", 3, "{\"{}\":2}"},
        {"\x81\xcb\x3f\xb9\x99\x99\x99\x99\x99\x9a\xc0", 11, "{\"0.1\":null}"},
    };
    for (size_t i = 0; i < sizeof sv / sizeof sv[0]; i++) {
        CHECK(s_value(c, sv[i].mp, sv[i].n, &out) == MP2JSON_OK);
        bool same =
            out.len == strlen(sv[i].json) && memcmp(jbuf_text(&out), sv[i].json, out.len) == 0;
        if (!same)
            fprintf(stderr, "scalar %zu: got %.*s want %s\n", i, (int)out.len, jbuf_text(&out),
                    sv[i].json);
        CHECK(same);
    }
    /* value appends at out->len */
    jbuf_reset(&out);
    jbuf_puts(&out, "x=");
    CHECK(mp2json_value(c, (const uint8_t *)"\x05", 1, &out) == MP2JSON_OK);
    CHECK(out.len == 3 && memcmp(jbuf_text(&out), "x=5", 3) == 0);
    jbuf_free(&out);
}

/* Shortest doubles through the whole path: 100k random float64 bodies. */
static void test_random_doubles(mp2json_t *c)
{
    jbuf_t out;
    jbuf_init(&out, 1024);
    int bad = 0, n = 0;
    for (int i = 0; i < 100000; i++) {
        uint64_t bits = s_rand64();
        double d;
        memcpy(&d, &bits, sizeof d);
        uint8_t body[9] = {0xcb};
        for (int k = 0; k < 8; k++)
            body[1 + k] = (uint8_t)(bits >> (56 - 8 * k));
        if (s_value(c, body, 9, &out) != MP2JSON_OK) {
            bad++;
            continue;
        }
        char tmp[64];
        size_t len = out.len < sizeof tmp - 1 ? out.len : sizeof tmp - 1;
        memcpy(tmp, jbuf_text(&out), len);
        tmp[len] = '\0';
        if (!isfinite(d)) {
            bad += strcmp(tmp, "null") != 0;
            continue;
        }
        n++;
        bad += strtod(tmp, NULL) != d || strchr(tmp, ',') != NULL || len > 24;
    }
    CHECK(n > 90000);
    CHECK(bad == 0);
    jbuf_free(&out);
}

/* Output cap: a message that does not fit gives MP2JSON_E_OOM, and a body
 * whose keys are containers nested 16 deep (text escaped at every level)
 * stays within the cap. */
static void test_output_cap(mp2json_t *c)
{
    jbuf_t out;
    jbuf_init(&out, 32);
    mp2json_msg_t msg;
    /* {"kind":"event","text":"<40 x>"} */
    uint8_t body[128];
    size_t n = 0;
    memcpy(body,
           "\x82\xa4kind\xa5"
           "event\xa4text\xd9\x28",
           19);
    n = 19;
    memset(body + n, 'x', 40);
    n += 40;
    CHECK(mp2json_decode(c, body, n, &msg) == MP2JSON_OK);
    size_t off;
    CHECK(mp2json_emit(c, "a.b", 3, 1, 1, &out, &off) == MP2JSON_E_OOM);
    CHECK(jbuf_failed(&out));
    jbuf_free(&out);

    /* keys: {{{...{"\\\\": 1}: 1}...}: 1} 15 deep under a top map */
    uint8_t kb[256];
    size_t k = 0;
    for (int d = 0; d < 15; d++)
        kb[k++] = 0x81; /* map with one entry whose key is the next map */
    kb[k++] = 0xa4;
    memcpy(kb + k, "\\\\\"\"", 4);
    k += 4;
    kb[k++] = 0x01;
    for (int d = 0; d < 14; d++)
        kb[k++] = 0x01; /* each enclosing map's value */
    jbuf_init(&out, 1 << 20);
    mp2json_err_t e = s_value(c, kb, k, &out);
    CHECK(e == MP2JSON_OK || e == MP2JSON_E_OOM);
    CHECK(out.len <= out.max);
    if (e == MP2JSON_OK)
        CHECK(s_valid_json(jbuf_text(&out), out.len));
    jbuf_free(&out);
    jbuf_init(&out, 4096);
    CHECK(s_value(c, kb, k, &out) == MP2JSON_E_OOM);
    jbuf_free(&out);
}

/* emit / emit_meta refuse the wrong kind and decode failures reset state. */
static void test_api(mp2json_t *c)
{
    jbuf_t out;
    jbuf_init(&out, 1024);
    mp2json_msg_t msg;
    size_t off;
    CHECK(mp2json_decode(c, (const uint8_t *)"\x81\xa4kind\xa4meta", 11, &msg) == MP2JSON_OK);
    CHECK(msg.kind == MSG_META && !msg.has_ts && !msg.has_seq && msg.interval_ms == 0);
    CHECK(mp2json_emit(c, "a", 1, 0, 0, &out, &off) != MP2JSON_OK);
    CHECK(mp2json_emit_meta(c, &out) == MP2JSON_OK);
    CHECK(mp2json_decode(c, (const uint8_t *)"\xc1", 1, &msg) == MP2JSON_E_PARSE);
    CHECK(mp2json_emit_meta(c, &out) != MP2JSON_OK);
    /* interval_ms and truncated float ts */
    static const uint8_t m[] = "\x83\xa4kind\xa4meta\xabinterval_ms\xcd\x03\xe8\xa2ts\xcb"
                               "\xc0\x00\x00\x00\x00\x00\x00\x00";
    CHECK(mp2json_decode(c, m, sizeof m - 1, &msg) == MP2JSON_OK);
    CHECK(msg.interval_ms == 1000 && msg.has_ts && msg.ts == -2);
    static const uint8_t m2[] = "\x82\xa4kind\xa4meta\xabinterval_ms\xcb\x40\x04\x00\x00\x00\x00"
                                "\x00\x00";
    CHECK(mp2json_decode(c, m2, sizeof m2 - 1, &msg) == MP2JSON_OK);
    CHECK(msg.interval_ms == 2);
    jbuf_free(&out);
}

/* Random mutations of every vector body and random bytes: never a crash or
 * sanitizer report; whatever is accepted converts to valid JSON. */
static void test_mutations(mp2json_t *c)
{
    char path[4096];
    vectors_path(path, sizeof path, "vectors.json");
    json_t *root = json_load_file(path, 0, NULL);
    if (!root)
        return;
    jbuf_t out;
    jbuf_init(&out, OUT_MAX);
    int bad = 0, accepted = 0;
    size_t i;
    json_t *v;
    json_array_foreach(root, i, v)
    {
        size_t n = 0;
        uint8_t *body = s_unhex(json_string_value(json_object_get(v, "msgpack_hex")), &n);
        if (!body || n > 4096) {
            free(body);
            continue;
        }
        uint8_t *m = malloc(n + 8);
        for (int r = 0; r < 300; r++) {
            size_t mn = n;
            memcpy(m, body, n);
            int edits = 1 + (int)(s_rand64() % 4);
            for (int e = 0; e < edits; e++) {
                uint64_t x = s_rand64();
                if ((x & 7) == 0 && mn > 0)
                    mn = (size_t)(x >> 8) % mn; /* truncate */
                else if ((x & 7) == 1 && mn < n + 8)
                    m[mn++] = (uint8_t)(x >> 8); /* append */
                else if (mn > 0)
                    m[(x >> 16) % mn] = (uint8_t)(x >> 8); /* replace */
            }
            mp2json_msg_t msg;
            if (mp2json_decode(c, m, mn, &msg) == MP2JSON_OK) {
                accepted++;
                jbuf_reset(&out);
                size_t off;
                mp2json_err_t e = msg.kind == MSG_META
                                      ? mp2json_emit_meta(c, &out)
                                      : mp2json_emit(c, "t", 1, msg.ts, msg.seq, &out, &off);
                bad += e != MP2JSON_OK || !s_valid_json(jbuf_text(&out), out.len);
            }
            jbuf_reset(&out);
            if (mp2json_value(c, m, mn, &out) == MP2JSON_OK)
                bad += !s_valid_json(jbuf_text(&out), out.len);
        }
        free(m);
        free(body);
    }
    CHECK(bad == 0);
    CHECK(accepted > 1000);
    jbuf_free(&out);
    json_decref(root);
}

int main(void)
{
    mp2json_t *c = mp2json_new(MAX_BODY, MAX_DEPTH);
    CHECK(c != NULL);
    if (!c)
        return CHECK_DONE();
    test_err_names();
    test_vectors(c);
    test_limits(c);
    test_scalars(c);
    test_random_doubles(c);
    test_output_cap(c);
    test_api(c);
    test_mutations(c);
    mp2json_destroy(&c);
    return CHECK_DONE();
}
