/* SPDX-License-Identifier: MIT */
/* broker.h - the hub's logic without sockets: topics, conversion, history,
 * subscriptions, fan-out, commands, stale topics, slow clients, counters.
 * ingest.c feeds it collector messages; wsconn.c feeds it browser commands
 * and drains each client's queue; httpapi.c reads it. It never touches a
 * socket: when a client has something to send it calls the wake callback
 * once per client per call into the broker. Single-threaded by design. */
#ifndef RTDASH_BROKER_H
#define RTDASH_BROKER_H

#include "client.h"
#include "colreg.h"
#include "jbuf.h"
#include "mp2json.h"
#include "registry.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct broker_cfg {
    size_t history;        /* points per topic */
    size_t max_topics;     /* topics kept */
    size_t max_subs;       /* subscription patterns per client */
    size_t max_body;       /* collector message body bytes */
    int max_depth;         /* collector message nesting */
    uint32_t queue_frames; /* per-client queue bound, frames */
    size_t queue_bytes;    /* per-client queue bound, bytes */
    int64_t slow_ms;       /* a queue dropping this long is closed (1008) */
    double cmd_rate;       /* commands per second per client ... */
    double cmd_burst;      /* ... with this burst */
    uint32_t cmd_flood;    /* refused-for-rate commands in a row before 1008 */
    size_t batch_bytes;    /* largest batched text frame */
    size_t total_bytes;    /* all client queues together: over it, the largest are closed */
} broker_cfg_t;

/* Why a collector message was dropped: mp2json_err_t values, then these. */
enum {
    REJ_BAD_TOPIC = MP2JSON_E__COUNT,
    REJ_TOPIC_LIMIT,
    REJ_BAD_FRAMES,
    REJ_FORBIDDEN_TOPIC, /* CURVE: a topic outside the key's patterns (counted by ingest.c) */
    REJ__COUNT
};
_Static_assert(REJ__COUNT <= COLREG_REASONS, "colreg counts every reject reason");
/* Why a connection was refused: a WebSocket upgrade over a limit or on the
 * wrong path, or a connection closed before it completed a request. */
enum {
    REFUSE_MAX_CLIENTS = 0,
    REFUSE_PER_IP,
    REFUSE_BAD_PATH,
    REFUSE_HANDSHAKE_TIMEOUT, /* request headers not complete in time (slowloris) */
    REFUSE_INCOMPLETE,        /* closed earlier: header limit, malformed, or given up */
    REFUSE_HOST,              /* a Host that is not allowed (421) */
    REFUSE_ORIGIN,            /* an Origin that is not allowed (403) */
    REFUSE_AUTH,              /* no valid credentials (401) */
    REFUSE_BAD_UPGRADE,       /* no Sec-WebSocket-Key (400), a version not 13 (426) */
    REFUSE__COUNT
};

/* Why a request's credentials were refused (WebSocket upgrades and API). */
enum {
    AUTHFAIL_NONE = 0,  /* no credentials */
    AUTHFAIL_BAD,       /* an unknown token, a bad JWT, an ended session */
    AUTHFAIL_EXPIRED,   /* a JWT or session past its end */
    AUTHFAIL_CONFLICT,  /* two different tokens, or a malformed one (400) */
    AUTHFAIL_LIMITED,   /* not looked at: too many failures from the address (429) */
    AUTHFAIL_FORBIDDEN, /* a subscribe outside the caller's patterns, a viewer at /metrics */
    AUTHFAIL_ORIGIN,    /* an Origin that is not allowed (403) */
    AUTHFAIL_HOST,      /* a Host that is not allowed (421) */
    AUTHFAIL__COUNT
};

/* How a login ended. */
enum { LOGIN_OK = 0, LOGIN_FAILED, LOGIN_LIMITED, LOGIN__COUNT };

/* Why a client was closed by the hub. */
enum {
    KICK_SLOW = 0,
    KICK_FLOOD,
    KICK_TOO_BIG,
    KICK_BAD_UTF8,
    KICK_SHUTDOWN,
    KICK_MEMORY,
    KICK_IDLE,
    KICK_OOM,     /* the hub could not queue to it: out of memory */
    KICK_REVOKED, /* its token or user is gone (4403), or it expired (4401) */
    KICK__COUNT
};

typedef struct broker_stats {
    uint64_t msgs_in, samples, events, metas;
    uint64_t seq_missing; /* collector seq numbers skipped: lost before the hub, or rejected */
    uint64_t rejected[REJ__COUNT];
    uint64_t queued;       /* frame references queued to clients */
    uint64_t dropped_slow; /* frames dropped from slow clients' queues */
    uint64_t ws_frames, ws_msgs, ws_bytes;
    uint64_t cmds, cmd_errors[6]; /* indexed by cmd_err_t */
    uint64_t kicked[KICK__COUNT];
    uint64_t connections_total;
    uint64_t refused[REFUSE__COUNT];
    uint64_t reloads_ok, reloads_failed; /* configuration files read again (SIGHUP) */
    uint64_t logins[LOGIN__COUNT];
    uint64_t auth_failures[AUTHFAIL__COUNT];
} broker_stats_t;

typedef struct broker broker_t;

/* Names for /metrics labels. */
const char *broker_reject_name(int reason);
const char *broker_kick_name(int kick);

/* New broker. wake(ud, c) is called when c has frames to send or must be
 * closed (c->close_code set). Returns NULL if out of memory.
 * Caller owns: broker_destroy(). */
broker_t *broker_new(const broker_cfg_t *cfg, void (*wake)(void *ud, client_t *c), void *ud);

/* Free everything. Clients must have been closed first. NULL-safe. */
void broker_destroy(broker_t **b);

/* One collector message (topic frame, body frame). Converted once, kept in
 * history and queued to every subscriber; rejects are counted. */
void broker_ingest(broker_t *b, const char *topic, size_t tlen, const uint8_t *body, size_t blen,
                   int64_t now_wall, int64_t now_mono);

/* The same for a message whose collector the hub knows (its CURVE key's
 * name): the topic is attributed to collector, whatever its meta says.
 * collector NULL is broker_ingest(): the name comes from meta. */
void broker_ingest_from(broker_t *b, const char *topic, size_t tlen, const uint8_t *body,
                        size_t blen, int64_t now_wall, int64_t now_mono, const char *collector);

/* Count a message that had the wrong number of frames (REJ_BAD_FRAMES,
 * logged here) or a topic its key may not publish (REJ_FORBIDDEN_TOPIC, not
 * logged: the caller knows the key and logs it). */
void broker_reject(broker_t *b, int reason);

/* Call wake for every client that got frames since the last flush. */
void broker_flush(broker_t *b);

/* A browser connected: new client with a welcome queued, which lists only
 * the topics acc permits (acc is taken over and cleared; NULL = auth off).
 * NULL if out of memory. The broker owns the client until
 * broker_client_close(). */
client_t *broker_client_open(broker_t *b, void *wsi, access_t *acc);

/* A browser's connection ended: forget and free it. Sets *c to NULL. */
void broker_client_close(broker_t *b, client_t **c);

/* One complete command text from c. Replies are queued (and flushed). */
void broker_command(broker_t *b, client_t *c, const char *data, size_t len, int64_t now_mono);

/* What to write next to c: up to cfg.batch_bytes of queued messages, joined by
 * '\n', with "gap":true where due. Returns the number of frames it covers
 * (0 = nothing queued); *text and *len point to text with JBUF_PRE writable bytes
 * before it, valid until the next broker call. After writing, call
 * broker_wrote(b, c, n). */
uint32_t broker_next_write(broker_t *b, client_t *c, unsigned char **text, size_t *len);
void broker_wrote(broker_t *b, client_t *c, uint32_t n, size_t len);

/* Once a second: stale topics, the clients count, slow clients. Returns
 * true once after a wave of clients has left (at least 1000 at once, now
 * fewer than half of that), when the caller may hand freed heap back to the
 * system (malloc_trim). */
bool broker_cron(broker_t *b, int64_t now_wall, int64_t now_mono);

/* Ask every client to close with code (e.g. 1001 at shutdown), counted as
 * kick (KICK_SHUTDOWN). */
void broker_close_all(broker_t *b, int kick, int code, const char *reason);

/* After a reload, or once a second: check(ud, acc) for every client, which
 * brings acc's patterns up to date and returns 0, or a close code (4403: its
 * token or user is gone; 4401: expired). A client whose patterns narrowed
 * loses the subscriptions they no longer cover ("unsubscribed"), and the
 * frames of those topics already queued to it. */
void broker_recheck_access(broker_t *b, int (*check)(void *ud, access_t *acc), void *ud);

/* Bytes queued to all clients (sum of their queues). */
size_t broker_queued_bytes(const broker_t *b);

/* ---- what the rest of the hub reads and counts ------------------------ */

/* The counters (for /metrics). Borrowed; valid while b lives. */
const broker_stats_t *broker_stats(const broker_t *b);

/* The topics (for /api/topics, /api/history). Borrowed. */
const registry_t *broker_registry(const broker_t *b);

/* The collectors named by meta (for /api/collectors, /metrics). Borrowed. */
const colreg_t *broker_colreg(const broker_t *b);

/* Clients connected now. */
size_t broker_nclients(const broker_t *b);

/* The hub's epoch (16 hex digits, chosen at broker_new) and its start time
 * (wall ms). */
const char *broker_epoch(const broker_t *b);
int64_t broker_started_wall(const broker_t *b);

/* Count a connection refused (REFUSE_*) or a client closed by the socket
 * side (KICK_*: a message too big, an idle timeout lws enforced). */
void broker_count_refused(broker_t *b, int reason);
void broker_count_kick(broker_t *b, int kick);

/* Count credentials refused (AUTHFAIL_*). */
void broker_count_auth_failure(broker_t *b, int why);

/* Count a login by how it ended (LOGIN_*). */
void broker_count_login(broker_t *b, int how);

/* Count a configuration reload that worked or failed. */
void broker_count_reload(broker_t *b, bool ok);

/* Append /api/collectors to out. */
void broker_put_collectors(const broker_t *b, jbuf_t *out);

#endif
