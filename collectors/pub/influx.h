/* SPDX-License-Identifier: MIT */
/* influx.h - InfluxDB line protocol, one line at a time (pure: no I/O, no
 * globals; the only allocation is influx_line_new()).
 *
 *     measurement[,tag=value...] field=value[,field=value...] [timestamp]
 *
 * influx_parse() splits a line into its measurement, tags, fields and
 * timestamp; influx_topic() turns them into an rtdash topic. Fields: floats
 * (1.5, -2e3), integers (3i), unsigned integers (3u), booleans (t, T, true,
 * True, TRUE, f, F, false, False, FALSE) and quoted strings ("text"). A line
 * needs at least one field that is not a string. Escapes: in the
 * measurement, tag keys, tag values and field keys a backslash makes the
 * next ',', '=', ' ' or '\' literal; in a string "\"" and "\\"; any other
 * backslash is itself. The timestamp is a whole number in whatever unit the
 * caller chose; the parser does not convert it.
 *
 * Errors are "column N: reason", N counted from 1 in the caller's line. */
#ifndef RTDASH_INFLUX_H
#define RTDASH_INFLUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topic.h"

#define INFLUX_MAX_TAGS 64    /* more is an error */
#define INFLUX_MAX_FIELDS 256 /* more is an error */
/* Bytes of the buffer influx_topic() writes: the longest topic and its NUL. */
#define INFLUX_TOPIC_SIZE (TOPIC_MAX_LEN + 1)

typedef enum {
    INFLUX_FLOAT,  /* f */
    INFLUX_INT,    /* i, from "3i" */
    INFLUX_UINT,   /* u, from "3u" */
    INFLUX_BOOL,   /* i, 1 or 0 */
    INFLUX_STRING, /* s and slen */
} influx_type_t;

typedef struct influx_field {
    const char *key; /* unescaped, NUL-terminated */
    influx_type_t type;
    double f;
    int64_t i;
    uint64_t u;
    const char *s; /* INFLUX_STRING: unescaped text, slen bytes plus a NUL */
    size_t slen;
} influx_field_t;

typedef struct influx_tag {
    const char *key, *value; /* unescaped, NUL-terminated, never empty */
} influx_tag_t;

/* A parsed line: plain data to read after influx_parse() returned 0. Every
 * string points into the line's own scratch buffer and stays valid until the
 * next influx_parse() or influx_line_destroy() of the same line; none points
 * into the input. */
typedef struct influx_line {
    const char *measurement; /* never empty */
    influx_tag_t tags[INFLUX_MAX_TAGS];
    size_t ntags; /* in the line's order; influx_topic() sorts them by key */
    influx_field_t fields[INFLUX_MAX_FIELDS];
    size_t nfields;  /* in the line's order */
    size_t nnumeric; /* fields that are not INFLUX_STRING, >= 1 */
    bool has_ts;
    int64_t ts; /* as written, when has_ts */
    /* private */
    char *scratch; /* unescaped strings, NUL-separated */
    size_t scratch_size, used, max_len;
} influx_line_t;

/* A line to parse lines of at most max_len bytes into (its scratch buffer
 * takes max_len * 2 + 2 bytes). Returns NULL if out of memory.
 * Caller owns the result: influx_line_destroy(). */
/* Copy s[0..len) into dst (size >= 8) for an error message: at most 40 bytes,
 * control characters as '?', "..." when cut. Returns dst. rtdash-pub quotes
 * input the same way for its other formats, so all its messages read alike. */
const char *influx_quote(char *dst, size_t size, const char *s, size_t len);

influx_line_t *influx_line_new(size_t max_len);

/* Free the line. NULL-safe; sets *l to NULL. */
void influx_line_destroy(influx_line_t **l);

/* Parse s[0..len) into l, replacing what l held. s need not be
 * NUL-terminated (a NUL byte inside it is an error) and is borrowed for the
 * call only. col0 is the column of s[0] in the caller's line (0 if s is the
 * whole line), so that columns in errors match what the user wrote.
 * Returns 0, or -1 with "column N: reason" in err (errsize bytes, always
 * NUL-terminated when errsize > 0). l's contents are unspecified after -1. */
int influx_parse(influx_line_t *l, const char *s, size_t len, size_t col0, char *err,
                 size_t errsize);

/* The topic of a line that influx_parse() accepted, into topic
 * (INFLUX_TOPIC_SIZE bytes): the measurement, then the tag values in the
 * byte-wise order of their keys, joined by '.'; in each part a byte outside
 * [A-Za-z0-9_-] becomes '_', one '_' per UTF-8 character. Sorts l->tags by
 * key in place. Returns 0 (topic is then valid for topic_is_valid()), or -1
 * with the reason in err when the topic would be longer than TOPIC_MAX_LEN
 * bytes. */
int influx_topic(influx_line_t *l, char *topic, char *err, size_t errsize);

#endif
