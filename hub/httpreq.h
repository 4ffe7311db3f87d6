/* SPDX-License-Identifier: MIT */
/* httpreq.h - what the hub reads from an HTTP request and how it refuses
 * one, shared by the WebSocket upgrade (wsconn.c) and the API (httpapi.c):
 * the credentials a request carries, the Host and Origin checks, and an
 * error answer written whole (status, headers, a JSON body) so that a
 * keep-alive client never waits for a body that is not coming. */
#ifndef RTDASH_HTTPREQ_H
#define RTDASH_HTTPREQ_H

#include "auth.h"
#include "origin.h"
#include <libwebsockets.h>
#include <stdbool.h>

#define HTTPREQ_COOKIE "rtdash_session"
#define HTTPREQ_BEARER_MAX 8192

/* The credentials of a request. */
typedef struct httpreq_creds {
    char bearer[HTTPREQ_BEARER_MAX + 1]; /* "" = none */
    size_t blen;
    char session[SESSION_ID_LEN + 1]; /* "" = none */
    size_t slen;
} httpreq_creds_t;

/* Read the bearer token (subprotocol "bearer.X", "Authorization: Bearer X" or
 * ?token=X) and the session cookie. Returns 0, or -1 when two of the token's
 * places disagree or one is malformed (answer 400). */
int httpreq_creds(struct lws *wsi, httpreq_creds_t *c);

/* Write a whole error answer: status, an optional extra header (name with
 * its colon, e.g. "Allow:"), and {"error":code,"message":message}. Returns 1
 * (the LWS_CALLBACK_HTTP_CONFIRM_UPGRADE "answered" value), or -1 if the
 * write failed (hang up). */
int httpreq_refuse(struct lws *wsi, unsigned status, const char *hname, const char *hval,
                   const char *code, const char *message);

/* The Host and Origin checks (SPEC §7): 0 when they pass, else the status to
 * answer (421 for a Host, 403 for an Origin), with the reason in *why. */
unsigned httpreq_check_host_origin(struct lws *wsi, const origin_policy_t *p, bool tls,
                                   const char **why);

/* The peer's address as text ("?" if unknown) into buf. */
const char *httpreq_peer(struct lws *wsi, char *buf, size_t len);

#endif
