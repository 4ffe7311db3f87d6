/* SPDX-License-Identifier: MIT */
/* cmd.c - browser -> hub commands (SPEC §4), parsed and validated with jansson.
 * Every refusal gets a one-line message meant for the peer; bytes that came
 * from the peer are quoted in it only as printable ASCII, and shortened. */
#include "cmd.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CMD_QUOTE_MAX 64 /* peer bytes quoted in a message */

const char *cmd_err_code(cmd_err_t e)
{
    switch (e) {
    case CMD_OK:
        return "";
    case CMD_E_BAD_REQUEST:
        return "bad_request";
    case CMD_E_UNKNOWN_TYPE:
        return "unknown_type";
    case CMD_E_BAD_TOPIC:
        return "bad_topic";
    case CMD_E_LIMIT:
        return "limit";
    case CMD_E_FORBIDDEN:
        return "forbidden";
    }
    return "bad_request";
}

/* Peer bytes s[0..n) made safe to quote: printable ASCII except '"' and '\\'
 * (others become '?'), at most CMD_QUOTE_MAX bytes, then "...". dst must hold
 * CMD_QUOTE_MAX + 4 bytes. */
static const char *s_quote(char *dst, const char *s, size_t n)
{
    size_t k = n > CMD_QUOTE_MAX ? CMD_QUOTE_MAX : n;
    for (size_t i = 0; i < k; i++) {
        unsigned char ch = (unsigned char)s[i];
        dst[i] = (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') ? (char)ch : '?';
    }
    if (k < n) {
        memcpy(dst + k, "...", 4);
    } else {
        dst[k] = '\0';
    }
    return dst;
}

/* Write the reason into msg and return e. The whole message is made
 * printable ASCII, whatever the format arguments held. */
static cmd_err_t s_fail(char *msg, size_t msglen, cmd_err_t e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static cmd_err_t s_fail(char *msg, size_t msglen, cmd_err_t e, const char *fmt, ...)
{
    if (!msg || msglen == 0)
        return e;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, msglen, fmt, ap);
    va_end(ap);
    if (n < 0)
        msg[0] = '\0';
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            *p = '?';
    return e;
}

void cmd_free(cmd_t *c)
{
    if (!c)
        return;
    if (c->topics) {
        for (size_t i = 0; i < c->ntopics; i++)
            free(c->topics[i]);
        free(c->topics);
    }
    free(c->since);
    memset(c, 0, sizeof *c);
}

static const struct {
    const char *name;
    cmd_type_t type;
} s_types[] = {
    {"subscribe", CMD_SUBSCRIBE}, {"unsubscribe", CMD_UNSUBSCRIBE},
    {"pause", CMD_PAUSE},         {"resume", CMD_RESUME},
    {"ping", CMD_PING},
};

/* "topics": an array of valid patterns, copied into c. */
static cmd_err_t s_parse_topics(json_t *root, size_t max_topics, cmd_t *c, char *msg, size_t msglen)
{
    json_t *tl = json_object_get(root, "topics");
    bool required = c->type == CMD_SUBSCRIBE || c->type == CMD_UNSUBSCRIBE;
    if (!tl) {
        if (required)
            return s_fail(msg, msglen, CMD_E_BAD_REQUEST, "topics is required");
        return CMD_OK;
    }
    if (!json_is_array(tl))
        return s_fail(msg, msglen, CMD_E_BAD_REQUEST, "topics must be an array of strings");
    size_t n = json_array_size(tl);
    if (n == 0 && required)
        return s_fail(msg, msglen, CMD_E_BAD_REQUEST, "topics must not be empty");
    if (n > max_topics)
        return s_fail(msg, msglen, CMD_E_LIMIT, "too many topics: %zu > %zu", n, max_topics);
    for (size_t i = 0; i < n; i++)
        if (!json_is_string(json_array_get(tl, i)))
            return s_fail(msg, msglen, CMD_E_BAD_REQUEST, "topics must be an array of strings");
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(tl, i);
        const char *p = json_string_value(s);
        size_t len = json_string_length(s);
        if (!topic_pattern_is_valid(p, len)) {
            char q[CMD_QUOTE_MAX + 4];
            return s_fail(msg, msglen, CMD_E_BAD_TOPIC, "bad topic pattern \"%s\"",
                          s_quote(q, p, len));
        }
    }
    c->has_topics = true;
    if (n == 0)
        return CMD_OK;
    c->topics = calloc(n, sizeof *c->topics);
    if (!c->topics)
        return s_fail(msg, msglen, CMD_E_LIMIT, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(tl, i);
        size_t len = json_string_length(s);
        char *copy = malloc(len + 1);
        if (!copy)
            return s_fail(msg, msglen, CMD_E_LIMIT, "out of memory");
        memcpy(copy, json_string_value(s), len);
        copy[len] = '\0';
        c->topics[c->ntopics++] = copy;
    }
    return CMD_OK;
}

/* "since": {"topic": [ts, seq], ...} with valid exact topics, any int64 ts
 * and a non-negative integer seq. */
static cmd_err_t s_parse_since(json_t *root, size_t max_topics, cmd_t *c, char *msg, size_t msglen)
{
    json_t *since = json_object_get(root, "since");
    if (!since)
        return CMD_OK;
    if (!json_is_object(since))
        return s_fail(msg, msglen, CMD_E_BAD_REQUEST,
                      "since must be an object of topic: [ts, seq]");
    size_t n = json_object_size(since);
    if (n > max_topics)
        return s_fail(msg, msglen, CMD_E_LIMIT, "too many since entries: %zu > %zu", n, max_topics);
    if (n == 0)
        return CMD_OK;
    c->since = calloc(n, sizeof *c->since);
    if (!c->since)
        return s_fail(msg, msglen, CMD_E_LIMIT, "out of memory");
    const char *key;
    json_t *val;
    char q[CMD_QUOTE_MAX + 4];
    json_object_foreach(since, key, val)
    {
        size_t klen = strlen(key); /* jansson keys hold no NUL (no JSON_ALLOW_NUL) */
        if (!topic_is_valid(key, klen))
            return s_fail(msg, msglen, CMD_E_BAD_TOPIC, "bad topic \"%s\" in since",
                          s_quote(q, key, klen));
        json_t *ts = json_array_get(val, 0);
        json_t *seq = json_array_get(val, 1);
        if (!json_is_array(val) || json_array_size(val) != 2 || !json_is_integer(ts) ||
            !json_is_integer(seq) || json_integer_value(seq) < 0)
            return s_fail(msg, msglen, CMD_E_BAD_REQUEST,
                          "since[\"%s\"] must be [ts, seq] with integer ts and integer seq >= 0",
                          s_quote(q, key, klen));
        cmd_since_t *s = &c->since[c->nsince++];
        memcpy(s->topic, key, klen + 1);
        s->ts = (int64_t)json_integer_value(ts);
        s->seq = (uint64_t)json_integer_value(seq);
    }
    return CMD_OK;
}

static cmd_err_t s_parse(json_t *root, size_t max_topics, cmd_t *c, char *msg, size_t msglen)
{
    if (!json_is_object(root))
        return s_fail(msg, msglen, CMD_E_BAD_REQUEST, "command must be a JSON object");
    json_t *type = json_object_get(root, "type");
    if (!type)
        return s_fail(msg, msglen, CMD_E_BAD_REQUEST, "missing \"type\"");
    if (!json_is_string(type))
        return s_fail(msg, msglen, CMD_E_BAD_REQUEST, "\"type\" must be a string");
    const char *name = json_string_value(type);
    size_t nlen = json_string_length(type);
    size_t i;
    for (i = 0; i < sizeof s_types / sizeof s_types[0]; i++)
        if (strlen(s_types[i].name) == nlen && memcmp(s_types[i].name, name, nlen) == 0)
            break;
    if (i == sizeof s_types / sizeof s_types[0]) {
        char q[CMD_QUOTE_MAX + 4];
        return s_fail(msg, msglen, CMD_E_UNKNOWN_TYPE, "unknown type \"%s\"",
                      s_quote(q, name, nlen));
    }
    c->type = s_types[i].type;
    if (c->type == CMD_PING)
        return CMD_OK;

    cmd_err_t e = s_parse_topics(root, max_topics, c, msg, msglen);
    if (e != CMD_OK || c->type != CMD_SUBSCRIBE)
        return e;

    json_t *history = json_object_get(root, "history");
    if (history) {
        if (!json_is_boolean(history))
            return s_fail(msg, msglen, CMD_E_BAD_REQUEST, "history must be true or false");
        c->history = json_is_true(history);
    }
    return s_parse_since(root, max_topics, c, msg, msglen);
}

cmd_err_t cmd_parse(const char *data, size_t len, size_t max_topics, cmd_t *out, char *msg,
                    size_t msglen)
{
    memset(out, 0, sizeof *out);
    if (msg && msglen)
        msg[0] = '\0';
    json_error_t jerr;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return s_fail(msg, msglen, CMD_E_BAD_REQUEST, "invalid JSON: %s", jerr.text);
    cmd_err_t e = s_parse(root, max_topics, out, msg, msglen);
    json_decref(root);
    if (e != CMD_OK)
        cmd_free(out);
    return e;
}
