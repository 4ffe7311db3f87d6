/* SPDX-License-Identifier: MIT */
/* jsonl.h - rtdash-pub's JSON lines, one line at a time (pure: no I/O, no
 * clock, no globals; the parse and the two reused buffers are the only
 * allocations).
 *
 *     {"topic":"room.temp","value":21.5}
 *     {"topic":"web.latency","fields":{"p50":12,"p99":80.5},"host":"web-1"}
 *     {"topic":"ops.feed","kind":"event","text":"Backup done","level":"success"}
 *     {"topic":"room.temp","kind":"meta","title":"Room","unit":"C","chart":"line"}
 *
 * A line is a JSON object with "topic"; "kind" is sample (the default),
 * event or meta; every other key is sent as it is. jsonl_parse() checks the
 * line against what the hub accepts, so that the user hears about a mistake
 * here rather than as a silent drop in the hub, and packs the message's keys
 * into msgpack. jsonl_body() then puts the head in front: "kind", then "ts"
 * and "seq", the line's own or, for a sample or event that lacks them, the
 * ones the caller gives (now, and the publisher's counter). Two steps, so
 * that a line that is bad costs the caller no seq number.
 *
 * Errors are one line of text in the caller's buffer (errsize bytes, always
 * NUL-terminated when errsize > 0), e.g. "a sample needs \"value\" or
 * \"fields\"". */
#ifndef RTDASH_JSONL_H
#define RTDASH_JSONL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSONL_MAX_DEPTH 16 /* the hub drops deeper messages (SPEC §2) */

typedef struct jsonl jsonl_t;

/* What jsonl_parse() found in a good line. */
typedef struct jsonl_msg {
    const char *topic; /* valid, NUL-terminated; borrowed from the jsonl_t until
                          its next jsonl_parse() or jsonl_destroy() */
    const char *kind;  /* "sample", "event" or "meta" (static strings) */
    bool needs_ts;     /* a sample or event without "ts": jsonl_body() adds ts_ms */
    bool needs_seq;    /* a sample or event without "seq": jsonl_body() adds seq */
} jsonl_msg_t;

/* A parser with its buffers. Returns NULL if out of memory.
 * Caller owns the result: jsonl_destroy(). */
jsonl_t *jsonl_new(void);

/* Free it. NULL-safe; sets *j to NULL. */
void jsonl_destroy(jsonl_t **j);

/* Parse and check line[0..len) (need not be NUL-terminated; borrowed for the
 * call only). Returns 0 and fills *msg, or -1 with the reason in err: not
 * JSON (with the column), not an object, no valid topic, a key of the wrong
 * type for its kind, nested deeper than JSONL_MAX_DEPTH, or a message over
 * RTDASH_MAX_MESSAGE bytes. */
int jsonl_parse(jsonl_t *j, const char *line, size_t len, jsonl_msg_t *msg, char *err,
                size_t errsize);

/* The msgpack body of the line last parsed with success: a map of "kind",
 * "ts" and "seq" (the line's, or ts_ms and seq where msg->needs_ts /
 * needs_seq said so; not for meta), then every other key in the line's
 * order. *body stays valid until the next call on j. Returns 0, or -1 with
 * the reason in err (out of memory, or no good line parsed). */
int jsonl_body(jsonl_t *j, int64_t ts_ms, uint64_t seq, const char **body, size_t *len, char *err,
               size_t errsize);

#endif
