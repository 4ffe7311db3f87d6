/* SPDX-License-Identifier: MIT */
/* wsconn.h - the "rtdash.v1" WebSocket protocol for libwebsockets.
 * Per connection: reassemble commands (bounded size and fragments), hand them
 * to the broker, and write the broker's queued frames, one lws_write() per
 * WRITEABLE callback. Also the fall-through for static HTTP files. */
#ifndef RTDASH_WSCONN_H
#define RTDASH_WSCONN_H

#include "auth.h"
#include "broker.h"
#include "ipcount.h"
#include "origin.h"
#include "webroot.h"
#include <libwebsockets.h>

#define HTTPAPI_PENDING_MAX 32 /* logins waiting for their password check */

/* What the protocol needs from the hub: the lws context user (the hub sets
 * info.user to its wsconn_env_t). */
typedef struct wsconn_env wsconn_env_t;
struct wsconn_env {
    broker_t *broker;
    size_t max_message; /* reassembled command bytes: more closes with 1009 */
    uint32_t max_fragments;
    size_t max_clients;
    int64_t idle_ms;         /* lws closes a connection silent this long (no pong) */
    int64_t handshake_ms;    /* lws closes a connection with no complete request by then */
    size_t max_per_ip;       /* WebSocket clients per peer address, 0 = no bound */
    ipcount_t per_ip;        /* counted only when max_per_ip is set */
    struct supervisor *sv;   /* supervised collectors for /metrics, or NULL */
    struct ingest *ingest;   /* its CURVE counters for /metrics */
    auth_t *auth;            /* credentials (owned by the hub); auth_on() false = open */
    origin_policy_t *origin; /* allowed Origin and Host (owned by the hub) */
    bool tls;                /* the port serves https/wss */
    webroot_t *web;          /* which static files are served (owned by the hub) */
    struct pwcheck *pw;      /* password checks off the loop (with --users), or NULL */
    struct {
        struct lws *wsi; /* a login waiting for its check; NULL = free */
        uint64_t id;
    } login_pending[HTTPAPI_PENDING_MAX];
    /* check every client's access again now (after a logout); set by the hub */
    void (*recheck_access)(struct wsconn_env *env);
    /* write coalescing: a client written to less than write_delay_us ago
     * waits in deferred[] until one timer wakes them all */
    lws_usec_t write_delay_us;
    struct lws **deferred; /* owned array */
    size_t ndeferred, capdeferred;
    lws_sorted_usec_list_t sul_deferred;
    lws_usec_t deferred_at; /* when sul_deferred fires; 0 = not armed */
};

/* Per-session data lws allocates for us. */
typedef struct wsconn_pss {
    client_t *c;
    lws_usec_t last_write_us; /* lws_now_usecs() of the last data write */
    lws_usec_t defer_until;   /* when deferred: last_write_us + write_delay_us */
    bool deferred;            /* in env->deferred, waiting for the timer */
    /* command intake: reassembly of a fragmented command */
    unsigned char *rx; /* owned: malloc'ed on a command's second fragment, freed
                          when it completes and in LWS_CALLBACK_CLOSED */
    size_t rxlen;
    uint32_t rxfrags;
    size_t rxdiscard; /* bytes of an oversized message read and dropped before closing */
    char ip[IPCOUNT_ADDR_MAX + 1]; /* counted in per_ip when set */
    access_t acc;    /* what the upgrade's credentials gave, until ESTABLISHED takes it */
    bool close_sent; /* our close frame is out: reading until the peer's */
} wsconn_pss_t;

/* The lws protocol callback; the context user must be a wsconn_env_t *. */
int wsconn_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len);

/* Broker wake-up: ask lws for a WRITEABLE callback on c's connection (ud is
 * the wsconn_env_t); a client written to less than write_delay_us ago is
 * deferred to a shared timer instead, so what arrives meanwhile goes out in
 * the same frame. When c must be closed, bound how long that may take. */
void wsconn_wake(void *ud, client_t *c);

/* Release the deferred list (at shutdown, after the lws context is gone). */
void wsconn_env_free(wsconn_env_t *env);

#endif
