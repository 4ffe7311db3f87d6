/* SPDX-License-Identifier: MIT */
/* cmd.h - browser -> hub commands (SPEC §4), parsed and validated with jansson.
 * Parsing is strict about shape and types and gives a clear message for each
 * refusal; it never trusts sizes from the peer (the caller caps the frame
 * size, cmd_parse caps the number of topics). Pure: no lws, no globals. */
#ifndef RTDASH_CMD_H
#define RTDASH_CMD_H

#include "topic.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { CMD_SUBSCRIBE, CMD_UNSUBSCRIBE, CMD_PAUSE, CMD_RESUME, CMD_PING } cmd_type_t;

/* Error codes; cmd_err_code() gives SPEC's error.code text. */
typedef enum {
    CMD_OK = 0,
    CMD_E_BAD_REQUEST,  /* "bad_request": not JSON, not an object, wrong field types */
    CMD_E_UNKNOWN_TYPE, /* "unknown_type": "type" is a string we do not know */
    CMD_E_BAD_TOPIC,    /* "bad_topic": a topic or pattern is not valid */
    CMD_E_LIMIT,        /* "limit": more topics than allowed in one command */
    CMD_E_FORBIDDEN,    /* "forbidden": outside the caller's topic patterns (SPEC §7) */
} cmd_err_t;

typedef struct cmd_since {
    char topic[TOPIC_MAX_LEN + 1];
    int64_t ts;
    uint64_t seq;
} cmd_since_t;

typedef struct cmd {
    cmd_type_t type;
    bool has_topics; /* "topics" was given; pause/resume without it mean all */
    size_t ntopics;
    char **topics;      /* ntopics valid patterns, NUL-terminated; owned */
    bool history;       /* subscribe: "history": true */
    size_t nsince;      /* subscribe: "since": {"topic": [ts, seq], ...} */
    cmd_since_t *since; /* owned; each topic is a valid exact topic */
} cmd_t;

/* Parse one command from data[0..len) (need not be NUL-terminated).
 * "topics" must be an array of pattern strings (subscribe/unsubscribe: required
 * and non-empty); more than max_topics entries is CMD_E_LIMIT. Unknown keys are
 * ignored. On CMD_OK *out is filled and the caller must cmd_free() it; on error
 * *out needs no freeing and msg receives a one-line human-readable reason
 * (always NUL-terminated). */
cmd_err_t cmd_parse(const char *data, size_t len, size_t max_topics, cmd_t *out, char *msg,
                    size_t msglen);

/* Free what a successful cmd_parse() allocated; *c is zeroed. */
void cmd_free(cmd_t *c);

/* SPEC §4 error code text for e ("bad_request", ...); "" for CMD_OK. */
const char *cmd_err_code(cmd_err_t e);

#endif
