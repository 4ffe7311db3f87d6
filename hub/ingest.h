/* ingest.h - the ZeroMQ SUB socket collectors publish to, inside the lws loop.
 * A dup() of ZMQ_FD is adopted as a raw file; every wake-up (and a safety-net
 * timer) drains messages until ZMQ_EVENTS shows no input, at most a budget
 * per turn, scheduling an immediate continuation when the budget runs out
 * (ZMQ_FD is edge-triggered). */
#ifndef RTDASH_INGEST_H
#define RTDASH_INGEST_H

#include "broker.h"
#include <libwebsockets.h>

typedef struct ingest ingest_t;

/* Create a SUB socket bound to endpoint (e.g. tcp://127.0.0.1:5556),
 * subscribed to everything, refusing multipart messages larger than
 * max_wire bytes at the transport. Returns NULL and logs why on failure.
 * Caller owns: ingest_destroy(). */
ingest_t *ingest_new(const char *endpoint, size_t max_wire, broker_t *b);

/* Adopt the socket's fd into the context's loop and drain once.
 * Returns 0 or -1. */
int ingest_attach(ingest_t *in, struct lws_context *cx, struct lws_vhost *vh);

/* Close the socket and the ZeroMQ context. NULL-safe; sets *in to NULL.
 * Call after the lws context is destroyed (lws closes the dup'd fd). */
void ingest_destroy(ingest_t **in);

/* The lws callback of the "rtdash-ingest" raw-file protocol. */
int ingest_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len);

#endif
