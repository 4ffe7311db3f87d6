/* SPDX-License-Identifier: MIT */
/* fuzz_jsonl.c - libFuzzer target for rtdash-pub's JSON lines
 * (collectors/pub/jsonl.c). The input is one line. A bad line must get a
 * one-line reason; a good one must become a body the hub accepts: it is
 * decoded with the hub's own converter (mp2json, the hub's limits), and
 * abort() is called when the hub would drop it, when its kind differs, when
 * ts/seq are not those given for a line that lacked them, or when the
 * body's first key is not "kind". That is jsonl.h's promise: a mistake is
 * reported by rtdash-pub, never a silent drop in the hub. */
#include "jsonl.h"
#include "mp2json.h"
#include "rtdash.h"
#include "topic.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_TS 1764300000123LL
#define FUZZ_SEQ 4242u

static jsonl_t *s_j;
static mp2json_t *s_hub;

/* A reason is one line of text: no control characters at all. */
static void s_check_err(const char *err)
{
    size_t n = strnlen(err, 320);
    if (n == 0 || n >= 320)
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)err[i] < 0x20 || err[i] == 0x7f)
            abort();
}

static msg_kind_t s_kind(const char *k)
{
    return strcmp(k, "sample") == 0  ? MSG_SAMPLE
           : strcmp(k, "event") == 0 ? MSG_EVENT
           : strcmp(k, "meta") == 0  ? MSG_META
                                     : (msg_kind_t)0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!s_j) {
        s_j = jsonl_new();
        s_hub = mp2json_new(RTDASH_MAX_MESSAGE, JSONL_MAX_DEPTH);
        if (!s_j || !s_hub)
            abort();
    }
    char err[320];
    jsonl_msg_t m;
    if (jsonl_parse(s_j, (const char *)data, size, &m, err, sizeof err) != 0) {
        s_check_err(err);
        return 0;
    }
    if (!m.topic || !topic_is_valid(m.topic, strlen(m.topic)))
        abort();
    msg_kind_t kind = s_kind(m.kind);
    if (kind == 0 || (kind == MSG_META && (m.needs_ts || m.needs_seq)))
        abort();
    const char *body;
    size_t len;
    if (jsonl_body(s_j, FUZZ_TS, FUZZ_SEQ, &body, &len, err, sizeof err) != 0) {
        s_check_err(err); /* only "out of memory" may fail here */
        if (strcmp(err, "out of memory") != 0)
            abort();
        return 0;
    }
    if (len > RTDASH_MAX_MESSAGE)
        abort();
    /* A map whose first key is "kind", with the kind's name. */
    uint8_t b0 = (uint8_t)body[0];
    size_t h = (b0 & 0xf0) == 0x80 ? 1 : b0 == 0xde ? 3 : b0 == 0xdf ? 5 : 0;
    size_t klen = strlen(m.kind);
    if (h == 0 || len < h + 6 + klen || memcmp(body + h, "\xa4kind", 5) != 0 ||
        (uint8_t)body[h + 5] != (0xa0 | klen) || memcmp(body + h + 6, m.kind, klen) != 0)
        abort();
    mp2json_msg_t hub;
    mp2json_err_t e = mp2json_decode(s_hub, (const uint8_t *)body, len, &hub);
    if (e != MP2JSON_OK) {
        fprintf(stderr, "the hub drops what jsonl accepted: %s\n", mp2json_err_name(e));
        abort();
    }
    if (hub.kind != kind)
        abort();
    if (m.needs_ts && (!hub.has_ts || hub.ts != FUZZ_TS))
        abort();
    if (m.needs_seq && (!hub.has_seq || hub.seq != FUZZ_SEQ))
        abort();
    return 0;
}
