/* SPDX-License-Identifier: MIT */
/* client.h - one browser connection's state, without the socket.
 * Subscriptions (patterns), the topics they currently select, pause state,
 * the outgoing queue and gap marks. The lws side (wsconn.c) owns the socket
 * and calls in here; everything here is pure so it is unit-tested directly.
 * gen_now arguments are the hub's current gen, always >= 1 (0 means "live").
 * Invariant: c is in t->subs exactly when t is in c->topics, which is exactly
 * when one of c's patterns matches t. */
#ifndef RTDASH_CLIENT_H
#define RTDASH_CLIENT_H

#include "access.h"
#include "outq.h"
#include "registry.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One pause or resume command. A topic that appears later starts paused when
 * the last rule whose pattern matches it is a pause. */
typedef struct client_rule {
    char *pattern; /* owned */
    bool pause;
} client_rule_t;

#define CLIENT_MAX_RULES 1024

typedef struct client {
    uint64_t id;
    void *wsi;       /* the lws connection (opaque here) */
    access_t access; /* what it may see (owned; ACCESS_OPEN when auth is off) */
    outq_t q;
    char **patterns; /* owned subscription patterns */
    uint32_t npatterns, patcap;
    struct client_rule
        *rules; /* pause/resume history: decides whether a later topic starts paused */
    uint32_t nrules, rulecap;
    rtopic_t **topics; /* topics c is subscribed to (borrowed) */
    uint32_t ntopics, topcap;
    rtopic_t **gaps; /* topics whose next message carries "gap":true (borrowed) */
    uint32_t ngaps, gapcap;
    /* command intake (the broker's rate limit; the socket side stamps last_rx_mono) */
    int64_t last_rx_mono; /* the last frame or pong from the browser */
    double tokens;
    int64_t tokens_mono;
    uint32_t refused_in_row;
    /* delivery state (broker.c) */
    int64_t full_since_mono; /* 0 = not dropping */
    bool dirty;              /* queued since the last writable request */
    int close_code;          /* != 0: close with this code at the next chance */
    const char *close_reason;
    struct client *next, *prev; /* the broker's list of clients */
} client_t;

/* Result of client_subscribe / limits. */
typedef enum { CLIENT_OK = 0, CLIENT_E_LIMIT = -2, CLIENT_E_OOM = -1 } client_err_t;

/* New client with an empty queue bounded by max_frames / max_bytes.
 * Returns NULL if out of memory. Caller owns: client_destroy(). */
client_t *client_new(uint64_t id, uint32_t max_frames, size_t max_bytes);

/* Leave every topic (removing c from their subscriber lists), release the
 * queue and free. NULL-safe; sets *c to NULL. */
void client_destroy(client_t **c);

/* Add pattern p (valid) unless present (then it is a no-op) and join every
 * existing topic it matches; a joined topic matched by a pause pattern starts
 * paused at gen_now. At most max_patterns patterns: CLIENT_E_LIMIT. */
client_err_t client_subscribe(client_t *c, registry_t *r, const char *p, uint32_t max_patterns,
                              uint64_t gen_now);

/* Remove every pattern that p covers and leave the topics no remaining
 * pattern matches. */
void client_unsubscribe(client_t *c, const char *p);

/* A new topic t appeared: join it if a pattern matches (paused if a pause
 * pattern matches, since gen_now). Returns true if joined. */
bool client_topic_added(client_t *c, rtopic_t *t, uint64_t gen_now);

/* Pause the subscribed topics matched by p (NULL = all) at gen_now, and
 * remember p so later topics start paused. CLIENT_E_LIMIT when
 * CLIENT_MAX_RULES pause/resume patterns are in force. */
client_err_t client_pause(client_t *c, const char *p, uint64_t gen_now);

/* Resume the paused topics matched by p (NULL = all), whatever pattern paused
 * them. For each topic resumed, fn(ud, c, t, paused_gen) is called so the
 * caller can send what was missed. Later topics matched by p start live.
 * CLIENT_E_LIMIT as for client_pause (nothing resumed then). */
client_err_t client_resume(client_t *c, const char *p,
                           void (*fn)(void *ud, client_t *c, rtopic_t *t, uint64_t paused_gen),
                           void *ud);

/* True if t's next message to c must carry "gap":true; clears the mark. */
bool client_take_gap(client_t *c, const rtopic_t *t);

/* Mark t so its next message to c carries "gap":true. */
void client_mark_gap(client_t *c, rtopic_t *t);

/* True if one of c's patterns matches topic name[0..len). */
bool client_matches(const client_t *c, const char *name, size_t len);

#endif
