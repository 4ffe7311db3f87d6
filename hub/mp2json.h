/* SPDX-License-Identifier: MIT */
/* mp2json.h - collector message (msgpack) -> JSON text, once per message.
 * The hot path of the hub. A converter is reused for every message: it keeps
 * one msgpack zone that it clears, so converting allocates nothing in steady
 * state. Before msgpack-c sees a body, a non-recursive pre-scan checks size,
 * depth and that every declared array/map count fits in the bytes left, so a
 * 5-byte message cannot make msgpack-c allocate gigabytes (msgpack-c #985).
 * Pure: no lws, no ZeroMQ, no globals. */
#ifndef RTDASH_MP2JSON_H
#define RTDASH_MP2JSON_H

#include "jbuf.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why a message was rejected; names are the `reason` labels in /metrics. */
typedef enum {
    MP2JSON_OK = 0,
    MP2JSON_E_TOO_LARGE, /* "too_large": body over the size limit */
    MP2JSON_E_DEPTH,     /* "too_deep": nesting over the depth limit */
    MP2JSON_E_DECLARED,  /* "bad_length": a container declares more items than bytes left */
    MP2JSON_E_PARSE,     /* "unreadable": not one complete msgpack object */
    MP2JSON_E_NOT_MAP,   /* "not_map": body is not a map */
    MP2JSON_E_KIND,      /* "bad_kind": kind missing or not sample/event/meta */
    MP2JSON_E_FIELDS,    /* "bad_fields": sample without fields/value, or a non-number value */
    MP2JSON_E_TEXT,      /* "bad_text": event text missing, not a string, or over 1024 bytes */
    MP2JSON_E_LEVEL,     /* "bad_level": event level not info/success/warning/error */
    MP2JSON_E_TS,        /* "bad_ts": ts not a finite number that fits int64 milliseconds */
    MP2JSON_E_SEQ,       /* "bad_seq": seq not a non-negative integer */
    MP2JSON_E_META,      /* "bad_meta": a meta key of the wrong type (interval_ms, fields) */
    MP2JSON_E_OOM,       /* "oom": output over its cap or out of memory */
    MP2JSON_E__COUNT
} mp2json_err_t;

/* Stable snake_case name of an error (for /metrics and logs). */
const char *mp2json_err_name(mp2json_err_t e);

typedef enum { MSG_SAMPLE = 1, MSG_EVENT = 2, MSG_META = 3 } msg_kind_t;

/* What decode learned about a message. */
typedef struct mp2json_msg {
    msg_kind_t kind;
    bool has_ts;
    int64_t ts; /* ms; valid if has_ts (floats are truncated toward zero) */
    bool has_seq;
    uint64_t seq;          /* valid if has_seq */
    int64_t interval_ms;   /* meta only: its interval_ms, 0 if absent */
    const char *collector; /* meta only: its "collector" string (into the body, not
                              NUL-terminated), NULL if absent or not a string */
    size_t collector_len;
} mp2json_msg_t;

typedef struct mp2json mp2json_t;

/* New converter. max_body: largest body accepted (64 KiB by SPEC);
 * max_depth: deepest nesting accepted (16 by SPEC; a scalar body has depth 0,
 * a map of scalars depth 1). Returns NULL if out of memory.
 * Caller owns the result: mp2json_destroy(). */
mp2json_t *mp2json_new(size_t max_body, int max_depth);
void mp2json_destroy(mp2json_t **c);

/* Decode and validate one body. On MP2JSON_OK *msg is filled and the decoded
 * message stays in the converter (pointing into body, which must stay valid
 * and unchanged) until the next decode. */
mp2json_err_t mp2json_decode(mp2json_t *c, const uint8_t *body, size_t len, mp2json_msg_t *msg);

/* After a failed decode: why, in words that name the key at fault, e.g.
 * `field "cpu" is a string, not a number` (peer bytes quoted by rlog_quote);
 * "" when there is nothing to add to the error's name. Borrowed, valid until
 * the next decode. */
const char *mp2json_err_detail(const mp2json_t *c);

/* Write the last decoded sample or event as one JSON object into out
 * (appended at out->len; the caller normally resets out first):
 *   {"type":"sample","topic":T,"ts":ts,"seq":seq,"fields":{...},<other keys>}
 *   {"type":"event","topic":T,"ts":ts,"seq":seq,"text":"...","level":"info",<other keys>}
 * ts and seq are the values to write (the hub fills them when absent). A
 * `value: v` shorthand becomes "fields":{"value":v}; if both fields and value
 * are present, fields wins and value passes through. "kind", "ts" and "seq"
 * keys of the body are not repeated; every other key passes through in body
 * order. *body_off receives the offset (from jbuf_text(out)) of the "topic"
 * key, so that '{' + text[body_off..] is the same message without "type"
 * (a history point). The topic must be valid (no escaping is done).
 * Returns MP2JSON_OK or MP2JSON_E_OOM. */
mp2json_err_t mp2json_emit(mp2json_t *c, const char *topic, size_t topic_len, int64_t ts,
                           uint64_t seq, jbuf_t *out, size_t *body_off);

/* Write the last decoded meta as a JSON object of all its keys except "kind",
 * "ts" and "seq". Returns MP2JSON_OK or MP2JSON_E_OOM. */
mp2json_err_t mp2json_emit_meta(mp2json_t *c, jbuf_t *out);

/* Convert any msgpack object to JSON (the generic rules of SPEC §2), after the
 * same pre-scan. For tests and tools. */
mp2json_err_t mp2json_value(mp2json_t *c, const uint8_t *data, size_t len, jbuf_t *out);

#endif
