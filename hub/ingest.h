/* SPDX-License-Identifier: MIT */
/* ingest.h - the ZeroMQ SUB socket collectors publish to, inside the lws loop.
 * A dup() of ZMQ_FD is adopted as a raw file; every wake-up (and a safety-net
 * timer) drains messages until ZMQ_EVENTS shows no input, at most a budget
 * per turn, scheduling an immediate continuation when the budget runs out
 * (ZMQ_FD is edge-triggered).
 * With a key file and an allow-list (--curve-secret, --curve-clients) the
 * socket is a CURVE server: a ZAP handler (RFC 27, a REP socket on
 * inproc://zeromq.zap.01, drained in the same loop) admits the listed keys
 * only, and each message is checked again against the current list and its
 * key's topic patterns, so a key removed by a reload is refused at once
 * (SUB cannot disconnect one peer). Without CURVE, a tcp:// bind beyond
 * loopback needs --ingest-insecure (SPEC §7, secure defaults). */
#ifndef RTDASH_INGEST_H
#define RTDASH_INGEST_H

#include "broker.h"
#include "curvekey.h"
#include "jbuf.h"
#include <libwebsockets.h>
#include <stdbool.h>

/* Messages libzmq may hold per connected collector before it drops
 * (ZMQ_RCVHWM). Worst case per peer: this many messages of two frames of
 * up to max_wire bytes each (PROTOCOL.md, "Ingest memory"). */
#define INGEST_RCVHWM 10000

/* The ZAP domain of the CURVE ingest. */
#define INGEST_ZAP_DOMAIN "rtdash"

typedef struct ingest_cfg {
    const char *endpoint;      /* e.g. tcp://127.0.0.1:5556 */
    size_t max_wire;           /* ZMQ_MAXMSGSIZE: larger frames end the connection */
    const char *curve_secret;  /* the hub's key file (--curve-secret), or NULL */
    const char *curve_clients; /* the allow-list (--curve-clients), or NULL */
    bool insecure;             /* --ingest-insecure: a wide bind without CURVE */
    const char *ipc_group;     /* --ingest-group: an ipc:// socket file's group, or NULL */
} ingest_cfg_t;

typedef struct ingest ingest_t;

/* Is endpoint reachable from this machine only? ipc:// and inproc://, and
 * tcp:// on a loopback address (127.0.0.0/8, ::1, localhost, lo). A tcp
 * wildcard (the star, 0.0.0.0, [::]), any other address, name or transport:
 * false. */
bool ingest_endpoint_is_local(const char *endpoint);

/* Check the settings before anything starts: both CURVE files or neither;
 * with them, libzmq with CURVE and >= 4.3.3, and files that read and parse
 * (present, not empty, not writable by group or others, the key file not
 * readable by them, the key pair consistent); without them, a local
 * endpoint unless insecure; ipc_group only with an ipc:// endpoint and
 * naming a group. Returns 0, or -1 with one line in err (the hub then
 * exits 2). */
int ingest_check_cfg(const ingest_cfg_t *cfg, char *err, size_t errlen);

/* Create a SUB socket bound to cfg->endpoint, subscribed to everything,
 * refusing frames larger than cfg->max_wire at the transport; with CURVE,
 * first the ZAP handler, then the socket as a CURVE server. An ipc:// socket
 * file is created 0600 (0660 and of cfg->ipc_group with one). Returns NULL and
 * logs why on failure. Caller owns: ingest_destroy(). */
ingest_t *ingest_new(const ingest_cfg_t *cfg, broker_t *b);

/* Adopt the sockets' fds into the context's loop and drain once.
 * Returns 0 or -1. */
int ingest_attach(ingest_t *in, struct lws_context *cx, struct lws_vhost *vh);

/* Is the ingest a CURVE server? */
bool ingest_curve_on(const ingest_t *in);

/* The hub's public key in Z85 (what collectors put in
 * RTDASH_CURVE_SERVERKEY), or NULL without CURVE. Borrowed. */
const char *ingest_curve_server_key(const ingest_t *in);

/* Allow one more key, made by the hub (a supervised collector's), to publish
 * any topic as collector name; kept across reloads. Returns 0, or -1
 * (logged) without CURVE, for a key already listed or out of memory. */
int ingest_curve_allow(ingest_t *in, const uint8_t pub[CURVEKEY_BYTES], const char *name);

/* Read the allow-list again (SIGHUP). Returns 0 (the new list is in force),
 * 1 when there is nothing to reload (no CURVE), or -1 (logged: the last good
 * list stays). The hub counts it in rtdash_config_reloads_total. */
int ingest_reload(ingest_t *in);

/* Append the ingest's counters to o (Prometheus text, for /metrics):
 * rtdash_ingest_auth_failures_total{reason} and rtdash_ingest_curve_keys.
 * Nothing without CURVE or when in is NULL. */
void ingest_put_metrics(const ingest_t *in, jbuf_t *o);

/* Close the sockets and the ZeroMQ context. NULL-safe; sets *in to NULL.
 * Call after the lws context is destroyed (lws closes the dup'd fds). */
void ingest_destroy(ingest_t **in);

/* The lws callback of the "rtdash-ingest" raw-file protocol. */
int ingest_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len);

#endif
