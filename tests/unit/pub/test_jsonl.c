/* SPDX-License-Identifier: MIT */
/* test_jsonl.c - rtdash-pub's JSON lines (collectors/pub/jsonl.c): what a
 * good line becomes (head first, ts and seq added only where missing, every
 * other key passed through in order, decoded with msgpack-c) and the exact
 * reason for each kind of bad line. */
#include "check.h"
#include "jsonl.h"
#include "rtdash.h"

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static jsonl_t *s_j;
static jsonl_msg_t s_m;
static char s_err[320];

static int parse(const char *line)
{
    s_err[0] = '\0';
    memset(&s_m, 0, sizeof s_m);
    return jsonl_parse(s_j, line, strlen(line), &s_m, s_err, sizeof s_err);
}

/* line is rejected with exactly want. */
static bool rejects(const char *line, const char *want)
{
    if (parse(line) == 0) {
        fprintf(stderr, "  accepted: %s\n", line);
        return false;
    }
    if (strcmp(s_err, want) != 0) {
        fprintf(stderr, "  %s\n    got:  %s\n    want: %s\n", line, s_err, want);
        return false;
    }
    return true;
}

/* The body of the last good line, unpacked. */
typedef struct body {
    msgpack_unpacked up;
    const msgpack_object *root;
    size_t len;
} body_t;

static bool body_of(body_t *b, int64_t ts, uint64_t seq)
{
    const char *data;
    size_t len;
    memset(b, 0, sizeof *b);
    msgpack_unpacked_init(&b->up);
    if (jsonl_body(s_j, ts, seq, &data, &len, s_err, sizeof s_err) != 0)
        return false;
    size_t off = 0;
    if (msgpack_unpack_next(&b->up, data, len, &off) != MSGPACK_UNPACK_SUCCESS || off != len)
        return false;
    b->root = &b->up.data;
    b->len = len;
    return b->root->type == MSGPACK_OBJECT_MAP;
}

static bool key_is(const body_t *b, uint32_t i, const char *key)
{
    if (!b->root || i >= b->root->via.map.size)
        return false;
    const msgpack_object *k = &b->root->via.map.ptr[i].key;
    return k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(key) &&
           memcmp(k->via.str.ptr, key, k->via.str.size) == 0;
}

static const msgpack_object *val(const body_t *b, uint32_t i)
{
    return &b->root->via.map.ptr[i].val;
}

static bool str_is(const msgpack_object *o, const char *s)
{
    return o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) &&
           memcmp(o->via.str.ptr, s, o->via.str.size) == 0;
}

static bool uint_is(const msgpack_object *o, uint64_t v)
{
    return o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 == v;
}

static void test_sample(void)
{
    CHECK(parse("{\"topic\":\"room.temp\",\"value\":21.5,\"host\":\"h1\"}") == 0);
    CHECK_STREQ(s_m.topic, "room.temp");
    CHECK_STREQ(s_m.kind, "sample");
    CHECK(s_m.needs_ts && s_m.needs_seq);
    body_t b;
    CHECK(body_of(&b, 1764300000123, 7));
    CHECK(b.root && b.root->via.map.size == 5);
    if (b.root && b.root->via.map.size == 5) {
        CHECK(key_is(&b, 0, "kind") && str_is(val(&b, 0), "sample"));
        CHECK(key_is(&b, 1, "ts") && uint_is(val(&b, 1), 1764300000123));
        CHECK(key_is(&b, 2, "seq") && uint_is(val(&b, 2), 7));
        CHECK(key_is(&b, 3, "value") && val(&b, 3)->type == MSGPACK_OBJECT_FLOAT64 &&
              val(&b, 3)->via.f64 == 21.5);
        CHECK(key_is(&b, 4, "host") && str_is(val(&b, 4), "h1"));
    }
    msgpack_unpacked_destroy(&b.up);

    /* The line's own ts and seq, wherever they are, and kind said outright;
     * fields with null; passthrough of every JSON type, nested, in order. */
    CHECK(parse("{\"z\":[1,-2,2.5,true,false,null,\"s\",{\"y\":{}}],\"seq\":41,"
                "\"fields\":{\"a\":1,\"b\":null},\"kind\":\"sample\",\"ts\":1764300000000.5,"
                "\"topic\":\"j.f\"}") == 0);
    CHECK(!s_m.needs_ts && !s_m.needs_seq);
    CHECK(body_of(&b, 1, 1));
    CHECK(b.root && b.root->via.map.size == 5);
    if (b.root && b.root->via.map.size == 5) {
        CHECK(key_is(&b, 0, "kind") && str_is(val(&b, 0), "sample"));
        CHECK(key_is(&b, 1, "ts") && val(&b, 1)->type == MSGPACK_OBJECT_FLOAT64 &&
              val(&b, 1)->via.f64 == 1764300000000.5);
        CHECK(key_is(&b, 2, "seq") && uint_is(val(&b, 2), 41));
        CHECK(key_is(&b, 3, "z"));
        const msgpack_object *z = val(&b, 3);
        CHECK(z->type == MSGPACK_OBJECT_ARRAY && z->via.array.size == 8);
        if (z->type == MSGPACK_OBJECT_ARRAY && z->via.array.size == 8) {
            const msgpack_object *e = z->via.array.ptr;
            CHECK(uint_is(&e[0], 1));
            CHECK(e[1].type == MSGPACK_OBJECT_NEGATIVE_INTEGER && e[1].via.i64 == -2);
            CHECK(e[2].type == MSGPACK_OBJECT_FLOAT64 && e[2].via.f64 == 2.5);
            CHECK(e[3].type == MSGPACK_OBJECT_BOOLEAN && e[3].via.boolean);
            CHECK(e[4].type == MSGPACK_OBJECT_BOOLEAN && !e[4].via.boolean);
            CHECK(e[5].type == MSGPACK_OBJECT_NIL);
            CHECK(str_is(&e[6], "s"));
            CHECK(e[7].type == MSGPACK_OBJECT_MAP && e[7].via.map.size == 1);
        }
        CHECK(key_is(&b, 4, "fields") && val(&b, 4)->type == MSGPACK_OBJECT_MAP);
    }
    msgpack_unpacked_destroy(&b.up);
}

static void test_event_and_meta(void)
{
    CHECK(parse("{\"topic\":\"ops.feed\",\"kind\":\"event\",\"text\":\"Backup done\","
                "\"level\":\"success\"}") == 0);
    CHECK_STREQ(s_m.kind, "event");
    CHECK(s_m.needs_ts && s_m.needs_seq);
    body_t b;
    CHECK(body_of(&b, 5, 6));
    CHECK(b.root && b.root->via.map.size == 5);
    if (b.root && b.root->via.map.size == 5) {
        CHECK(str_is(val(&b, 0), "event"));
        CHECK(key_is(&b, 3, "text") && str_is(val(&b, 3), "Backup done"));
        CHECK(key_is(&b, 4, "level") && str_is(val(&b, 4), "success"));
    }
    msgpack_unpacked_destroy(&b.up);
    /* No level is fine (the hub says info); text of exactly the limit too. */
    char line[RTDASH_MAX_TEXT + 64];
    snprintf(line, sizeof line, "{\"topic\":\"a.b\",\"kind\":\"event\",\"text\":\"%0*d\"}",
             RTDASH_MAX_TEXT, 0);
    CHECK(parse(line) == 0);

    /* Meta gets neither ts nor seq, and keeps its keys in order. */
    CHECK(parse("{\"topic\":\"room.temp\",\"kind\":\"meta\",\"title\":\"Room\",\"unit\":\"C\","
                "\"chart\":\"line\",\"fields\":{\"v\":{\"label\":\"V\"}}}") == 0);
    CHECK_STREQ(s_m.kind, "meta");
    CHECK(!s_m.needs_ts && !s_m.needs_seq);
    CHECK(body_of(&b, 5, 6));
    CHECK(b.root && b.root->via.map.size == 5);
    if (b.root && b.root->via.map.size == 5) {
        CHECK(key_is(&b, 0, "kind") && str_is(val(&b, 0), "meta"));
        CHECK(key_is(&b, 1, "title") && key_is(&b, 2, "unit") && key_is(&b, 3, "chart"));
        CHECK(key_is(&b, 4, "fields"));
    }
    msgpack_unpacked_destroy(&b.up);
}

static void test_errors(void)
{
    CHECK(rejects("{\"topic\":\"a.b\",\"value\":1", "invalid JSON at column 24: '}' expected "
                                                    "near end of file"));
    CHECK(rejects("{\"topic\":\"a.b\",\"value\":01}",
                  "invalid JSON at column 24: invalid token near '0'"));
    CHECK(rejects("{\"topic\":\"a.b\",\"value\":1,\"value\":2}",
                  "invalid JSON at column 32: duplicate object key near '\"value\"'"));
    /* Found by fuzz_jsonl: jansson quotes the input near the error, control
     * characters too, so a reason could span two lines on stderr. */
    static const char raw[] = "{\"topic\":\"a.b\",\"kind\":\"event\",\"text\":\"caf\\u0\n\0009(\"}";
    CHECK(jsonl_parse(s_j, raw, sizeof raw - 1, &s_m, s_err, sizeof s_err) == -1);
    CHECK_STREQ(s_err, "invalid JSON at column 0: invalid escape near '\"caf\\u0?'");
    CHECK(rejects("[1,2]", "a JSON line must be an object"));
    CHECK(rejects("{\"value\":1}", "a JSON line needs \"topic\" (a string)"));
    CHECK(rejects("{\"topic\":5,\"value\":1}", "a JSON line needs \"topic\" (a string)"));
    CHECK(rejects("{\"topic\":\"a..b\",\"value\":1}", "invalid topic 'a..b'"));
    CHECK(rejects("{\"topic\":\"a\\tb\",\"value\":1}", "invalid topic 'a?b'"));
    CHECK(rejects("{\"topic\":\"a.b\",\"kind\":\"samples\",\"value\":1}",
                  "\"kind\" must be \"sample\", \"event\" or \"meta\""));
    CHECK(rejects("{\"topic\":\"a.b\",\"kind\":1,\"value\":1}",
                  "\"kind\" must be \"sample\", \"event\" or \"meta\""));
    CHECK(rejects("{\"topic\":\"a.b\",\"value\":1,\"ts\":-1}",
                  "\"ts\" must be a number of milliseconds"));
    CHECK(rejects("{\"topic\":\"a.b\",\"value\":1,\"ts\":\"now\"}",
                  "\"ts\" must be a number of milliseconds"));
    /* Found by fuzz_jsonl: a real ts that does not fit int64 went out and
     * the hub dropped it (bad_ts). The largest integer still passes. */
    CHECK(rejects("{\"topic\":\"a.b\",\"value\":1,\"ts\":1.9e31}",
                  "\"ts\" must be below 2^63 milliseconds"));
    CHECK(rejects("{\"topic\":\"a.b\",\"value\":1,\"ts\":9223372036854775808.0}",
                  "\"ts\" must be below 2^63 milliseconds"));
    CHECK(parse("{\"topic\":\"a.b\",\"value\":1,\"ts\":9223372036854775807}") == 0);
    CHECK(parse("{\"topic\":\"a.b\",\"value\":1,\"ts\":9223372036854774784.0}") == 0);
    CHECK(rejects("{\"topic\":\"a.b\",\"value\":1,\"seq\":1.5}",
                  "\"seq\" must be a whole number >= 0"));
    CHECK(rejects("{\"topic\":\"a.b\",\"value\":1,\"seq\":-1}",
                  "\"seq\" must be a whole number >= 0"));
    CHECK(rejects("{\"topic\":\"a.b\"}", "a sample needs \"value\" or \"fields\""));
    CHECK(rejects("{\"topic\":\"a.b\",\"value\":\"1\"}", "\"value\" must be a number"));
    CHECK(rejects("{\"topic\":\"a.b\",\"fields\":{}}",
                  "\"fields\" must be an object with at least one field"));
    CHECK(rejects("{\"topic\":\"a.b\",\"fields\":[1]}",
                  "\"fields\" must be an object with at least one field"));
    CHECK(rejects("{\"topic\":\"a.b\",\"fields\":{\"ok\":1,\"bad\":true}}",
                  "field 'bad' is not a number"));
    CHECK(rejects("{\"topic\":\"a.b\",\"kind\":\"event\"}", "an event needs \"text\" (a string)"));
    CHECK(rejects("{\"topic\":\"a.b\",\"kind\":\"event\",\"text\":\"t\",\"level\":\"Info\"}",
                  "\"level\" must be info, success, warning or error"));
    /* Found by fuzz_jsonl: a meta whose interval_ms the hub cannot read was
     * sent and dropped there (bad_meta). */
    CHECK(rejects("{\"topic\":\"a.b\",\"kind\":\"meta\",\"interval_ms\":10009.3e18}",
                  "\"interval_ms\" must be a number of milliseconds, 0 to 2^63"));
    CHECK(rejects("{\"topic\":\"a.b\",\"kind\":\"meta\",\"interval_ms\":-0.5}",
                  "\"interval_ms\" must be a number of milliseconds, 0 to 2^63"));
    CHECK(rejects("{\"topic\":\"a.b\",\"kind\":\"meta\",\"interval_ms\":\"1s\"}",
                  "\"interval_ms\" must be a number of milliseconds, 0 to 2^63"));
    /* Found by fuzz_jsonl: a meta whose "fields" is not an object, dropped by
     * the hub (bad_meta). */
    CHECK(rejects("{\"topic\":\"j\",\"fields\":\"roomp\",\"kind\":\"meta\"}",
                  "a meta's \"fields\" must be an object (field -> its meta)"));
    CHECK(rejects("{\"topic\":\"j\",\"kind\":\"meta\",\"fields\":[]}",
                  "a meta's \"fields\" must be an object (field -> its meta)"));
    CHECK(parse("{\"topic\":\"j\",\"kind\":\"meta\",\"fields\":{}}") == 0);
    CHECK(parse("{\"topic\":\"a.b\",\"kind\":\"meta\",\"interval_ms\":1500.5}") == 0);
    CHECK(parse("{\"topic\":\"a.b\",\"kind\":\"meta\",\"interval_ms\":0}") == 0);
    char line[RTDASH_MAX_TEXT + 64];
    snprintf(line, sizeof line, "{\"topic\":\"a.b\",\"kind\":\"event\",\"text\":\"%0*d\"}",
             RTDASH_MAX_TEXT + 1, 0);
    CHECK(rejects(line, "\"text\" is longer than 1024 bytes"));
}

static void test_limits(void)
{
    /* Nesting: a value of the message is at depth 2; containers down to
     * depth 16 pass, one more level is refused. */
    char deep[256];
    int n = 14; /* arrays at depths 2..15, a scalar inside */
    int pos = snprintf(deep, sizeof deep, "{\"topic\":\"a.b\",\"value\":1,\"x\":");
    for (int i = 0; i < n; i++)
        deep[pos++] = '[';
    deep[pos++] = '1';
    for (int i = 0; i < n; i++)
        deep[pos++] = ']';
    snprintf(deep + pos, sizeof deep - (size_t)pos, "}");
    CHECK(parse(deep) == 0);
    pos = snprintf(deep, sizeof deep, "{\"topic\":\"a.b\",\"value\":1,\"x\":");
    for (int i = 0; i < 16; i++)
        deep[pos++] = '[';
    for (int i = 0; i < 16; i++)
        deep[pos++] = ']';
    snprintf(deep + pos, sizeof deep - (size_t)pos, "}");
    CHECK(rejects(deep, "nested deeper than 16 levels"));

    /* Size: the body must stay under the hub's limit, head included. */
    size_t big = RTDASH_MAX_MESSAGE;
    char *line = malloc(big + 100);
    CHECK(line != NULL);
    if (!line)
        return;
    int head = snprintf(line, 100, "{\"topic\":\"a.b\",\"value\":1,\"s\":\"");
    memset(line + head, 'x', big);
    strcpy(line + head + big, "\"}");
    CHECK(parse(line) == -1);
    CHECK(strstr(s_err, "is over the 65536 byte limit") != NULL);
    /* A line well under the limit passes. */
    strcpy(line + head + big - 200, "\"}");
    CHECK(parse(line) == 0);
    body_t b;
    CHECK(body_of(&b, 1, 1));
    CHECK(b.len <= RTDASH_MAX_MESSAGE);
    msgpack_unpacked_destroy(&b.up);
    free(line);
}

/* jsonl_body() needs a good line; a bad one leaves nothing to send. */
static void test_body_needs_a_line(void)
{
    jsonl_t *j = jsonl_new();
    CHECK(j != NULL);
    const char *data = NULL;
    size_t len = 0;
    char err[64];
    CHECK(jsonl_body(j, 1, 1, &data, &len, err, sizeof err) == -1);
    jsonl_destroy(&j);
    CHECK(j == NULL);
    jsonl_destroy(&j);
    jsonl_destroy(NULL);

    CHECK(parse("{\"topic\":\"a.b\",\"value\":1}") == 0);
    CHECK(parse("{\"topic\":\"a.b\"}") == -1);
    CHECK(jsonl_body(s_j, 1, 1, &data, &len, err, sizeof err) == -1);
    CHECK_STREQ(err, "no line to send");
}

int main(void)
{
    s_j = jsonl_new();
    if (!s_j)
        return 1;
    test_sample();
    test_event_and_meta();
    test_errors();
    test_limits();
    test_body_needs_a_line();
    jsonl_destroy(&s_j);
    return CHECK_DONE();
}
