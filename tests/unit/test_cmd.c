/* SPDX-License-Identifier: MIT */
/* test_cmd.c - browser command parsing against proto/vectors/commands.json,
 * plus limits, message buffers and ownership. */
#include "check.h"
#include "cmd.h"
#include "vectors.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOPICS 1000

static char *s_unhex(const char *hex, size_t *n)
{
    size_t len = strlen(hex);
    char *out = malloc(len / 2 + 1);
    for (size_t i = 0; i < len / 2; i++)
        out[i] = (char)(vectors_hexval(hex[2 * i]) << 4 | vectors_hexval(hex[2 * i + 1]));
    *n = len / 2;
    return out;
}

static const char *s_type_name(cmd_type_t t)
{
    switch (t) {
    case CMD_SUBSCRIBE:
        return "subscribe";
    case CMD_UNSUBSCRIBE:
        return "unsubscribe";
    case CMD_PAUSE:
        return "pause";
    case CMD_RESUME:
        return "resume";
    case CMD_PING:
        return "ping";
    }
    return "?";
}

/* Does the parsed command match the vector's "ok" object? */
static bool s_same(const char *name, const cmd_t *c, json_t *ok)
{
    bool same = true;
    const char *type = json_string_value(json_object_get(ok, "type"));
    if (!type || strcmp(type, s_type_name(c->type)) != 0) {
        fprintf(stderr, "%s: type %s, want %s\n", name, s_type_name(c->type), type);
        same = false;
    }
    json_t *topics = json_object_get(ok, "topics");
    if (topics && json_is_array(topics)) {
        if (!c->has_topics || c->ntopics != json_array_size(topics)) {
            fprintf(stderr, "%s: %zu topics\n", name, c->ntopics);
            same = false;
        } else {
            for (size_t i = 0; i < c->ntopics; i++)
                if (strcmp(c->topics[i], json_string_value(json_array_get(topics, i))) != 0) {
                    fprintf(stderr, "%s: topic %zu is %s\n", name, i, c->topics[i]);
                    same = false;
                }
        }
    } else if (c->has_topics || c->ntopics || c->topics) {
        fprintf(stderr, "%s: has topics, want none\n", name);
        same = false;
    }
    if (c->history != json_is_true(json_object_get(ok, "history"))) {
        fprintf(stderr, "%s: history %d\n", name, c->history);
        same = false;
    }
    json_t *since = json_object_get(ok, "since");
    size_t nsince = since ? json_object_size(since) : 0;
    if (c->nsince != nsince) {
        fprintf(stderr, "%s: %zu since entries, want %zu\n", name, c->nsince, nsince);
        same = false;
    } else {
        for (size_t i = 0; i < c->nsince; i++) {
            json_t *want = json_object_get(since, c->since[i].topic);
            if (!want || json_integer_value(json_array_get(want, 0)) != c->since[i].ts ||
                (uint64_t)json_integer_value(json_array_get(want, 1)) != c->since[i].seq) {
                fprintf(stderr, "%s: since %s wrong\n", name, c->since[i].topic);
                same = false;
            }
        }
    }
    return same;
}

static void test_vectors(void)
{
    json_t *root = vectors_load("commands.json");
    CHECK(root != NULL);
    if (!root)
        return;
    CHECK(json_array_size(root) >= 40);
    size_t i;
    json_t *v;
    json_array_foreach(root, i, v)
    {
        const char *name = json_string_value(json_object_get(v, "name"));
        json_t *in = json_object_get(v, "input");
        json_t *hex = json_object_get(v, "input_hex");
        json_t *mt = json_object_get(v, "max_topics");
        size_t max_topics = mt ? (size_t)json_integer_value(mt) : MAX_TOPICS;
        json_t *ok = json_object_get(v, "ok");
        const char *want_err = json_string_value(json_object_get(v, "error"));
        const char *want_msg = json_string_value(json_object_get(v, "message"));
        CHECK(name && (in || hex) && (ok || want_err));
        if (!name || !(in || hex))
            continue;
        char *data;
        size_t len;
        if (hex) {
            data = s_unhex(json_string_value(hex), &len);
        } else {
            len = json_string_length(in);
            data = malloc(len + 1);
            memcpy(data, json_string_value(in), len);
        }
        cmd_t c;
        char msg[256];
        memset(msg, 'Z', sizeof msg);
        cmd_err_t e = cmd_parse(data, len, max_topics, &c, msg, sizeof msg);
        CHECK(memchr(msg, '\0', sizeof msg) != NULL);
        for (const char *p = msg; *p; p++)
            CHECK((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
        if (ok) {
            if (e != CMD_OK)
                fprintf(stderr, "%s: refused (%s: %s)\n", name, cmd_err_code(e), msg);
            CHECK(e == CMD_OK);
            if (e == CMD_OK) {
                CHECK(s_same(name, &c, ok));
                cmd_free(&c);
                CHECK(c.topics == NULL && c.since == NULL && c.ntopics == 0);
            }
        } else {
            if (strcmp(cmd_err_code(e), want_err) != 0)
                fprintf(stderr, "%s: got %s (%s), want %s\n", name, cmd_err_code(e), msg, want_err);
            CHECK_STREQ(cmd_err_code(e), want_err);
            CHECK(msg[0] != '\0');
            if (want_msg && strcmp(msg, want_msg) != 0)
                fprintf(stderr, "%s: message \"%s\", want \"%s\"\n", name, msg, want_msg);
            if (want_msg)
                CHECK_STREQ(msg, want_msg);
            /* nothing to free on error */
            CHECK(c.topics == NULL && c.since == NULL && c.ntopics == 0 && c.nsince == 0);
        }
        free(data);
    }
    json_decref(root);
}

/* {"type":"subscribe","topics":["t0","t1",...]} with n topics */
static char *s_many(size_t n, size_t *len)
{
    char *s = malloc(64 + n * 16);
    size_t k = (size_t)sprintf(s, "{\"type\":\"subscribe\",\"topics\":[");
    for (size_t i = 0; i < n; i++)
        k += (size_t)sprintf(s + k, "%s\"t%zu\"", i ? "," : "", i);
    k += (size_t)sprintf(s + k, "]}");
    *len = k;
    return s;
}

static void test_limits(void)
{
    cmd_t c;
    char msg[128];
    size_t len;
    char *s = s_many(1200, &len);
    CHECK(cmd_parse(s, len, MAX_TOPICS, &c, msg, sizeof msg) == CMD_E_LIMIT);
    CHECK_STREQ(msg, "too many topics: 1200 > 1000");
    CHECK_STREQ(cmd_err_code(CMD_E_LIMIT), "limit");
    free(s);
    s = s_many(1000, &len);
    CHECK(cmd_parse(s, len, MAX_TOPICS, &c, msg, sizeof msg) == CMD_OK);
    CHECK(c.ntopics == 1000 && strcmp(c.topics[999], "t999") == 0);
    /* the caller may take a topic and leave NULL behind */
    char *taken = c.topics[5];
    c.topics[5] = NULL;
    cmd_free(&c);
    free(taken);
    free(s);
}

static void test_msg_buffers(void)
{
    cmd_t c;
    char small[8];
    const char *bad = "{\"type\":\"foo\"}";
    CHECK(cmd_parse(bad, strlen(bad), 10, &c, small, sizeof small) == CMD_E_UNKNOWN_TYPE);
    CHECK(strlen(small) == 7 && strncmp(small, "unknown", 7) == 0);
    CHECK(cmd_parse(bad, strlen(bad), 10, &c, NULL, 0) == CMD_E_UNKNOWN_TYPE);
    char one[1] = {'x'};
    CHECK(cmd_parse(bad, strlen(bad), 10, &c, one, 1) == CMD_E_UNKNOWN_TYPE);
    CHECK(one[0] == '\0');
    /* not NUL-terminated input: only len bytes are read */
    const char buf[] = {'{', '"', 't', 'y', 'p', 'e', '"', ':', '"', 'p', 'i', 'n', 'g', '"', '}'};
    CHECK(cmd_parse(buf, sizeof buf, 10, &c, small, sizeof small) == CMD_OK);
    CHECK(c.type == CMD_PING);
    cmd_free(&c);
    CHECK(cmd_parse(buf, sizeof buf - 1, 10, &c, small, sizeof small) == CMD_E_BAD_REQUEST);
    /* a zeroed command frees fine, twice */
    cmd_t z;
    memset(&z, 0, sizeof z);
    cmd_free(&z);
    cmd_free(&z);
    cmd_free(NULL);
    CHECK_STREQ(cmd_err_code(CMD_OK), "");
    CHECK_STREQ(cmd_err_code(CMD_E_BAD_REQUEST), "bad_request");
    CHECK_STREQ(cmd_err_code(CMD_E_UNKNOWN_TYPE), "unknown_type");
    CHECK_STREQ(cmd_err_code(CMD_E_BAD_TOPIC), "bad_topic");
}

/* Failures after some topics were copied free them (checked by ASan). */
static void test_error_paths_free(void)
{
    cmd_t c;
    char msg[128];
    const char *s[] = {
        "{\"type\":\"subscribe\",\"topics\":[\"a\",\"b\"],\"history\":3}",
        "{\"type\":\"subscribe\",\"topics\":[\"a\",\"b\"],\"since\":{\"a\":[1,2],\"b\":[1]}}",
        "{\"type\":\"subscribe\",\"topics\":[\"a\",\"b\"],\"since\":{\"a\":[1,2],\"b..\":[1,2]}}",
        "{\"type\":\"subscribe\",\"topics\":[\"a\",\"b\"],\"since\":{\"a\":[1,2],\"b\":[1,2]}}",
    };
    CHECK(cmd_parse(s[0], strlen(s[0]), 10, &c, msg, sizeof msg) == CMD_E_BAD_REQUEST);
    CHECK(cmd_parse(s[1], strlen(s[1]), 10, &c, msg, sizeof msg) == CMD_E_BAD_REQUEST);
    CHECK(cmd_parse(s[2], strlen(s[2]), 10, &c, msg, sizeof msg) == CMD_E_BAD_TOPIC);
    CHECK(cmd_parse(s[3], strlen(s[3]), 10, &c, msg, sizeof msg) == CMD_OK);
    CHECK(c.nsince == 2 && strcmp(c.since[1].topic, "b") == 0 && c.since[1].seq == 2);
    cmd_free(&c);
}

int main(void)
{
    test_vectors();
    test_limits();
    test_msg_buffers();
    test_error_paths_free();
    return CHECK_DONE();
}
