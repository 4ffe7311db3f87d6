/* SPDX-License-Identifier: MIT */
/* httpapi.h - the hub's dynamic HTTP paths (SPEC §6): /healthz, /metrics,
 * /api/topics, /api/history/TOPIC?format=json|csv. Each response is built
 * whole from the broker, then written in chunks as the socket takes them. */
#ifndef RTDASH_HTTPAPI_H
#define RTDASH_HTTPAPI_H

#include "access.h"
#include "broker.h"
#include <libwebsockets.h>

typedef struct httpapi_pss {
    jbuf_t body; /* the response */
    size_t sent;
    bool head;     /* a HEAD request: headers only */
    int post_kind; /* 1: POST /api/login, 2: POST /api/logout */
    jbuf_t post;   /* the request body (bounded) */
    bool post_too_big;
    uint64_t login_id; /* the password check under way (pwcheck) */
    char login_user[65];
    char retry_after[24]; /* a 429's Retry-After (seconds), or "" */
} httpapi_pss_t;

struct supervisor;

/* The response to GET uri (path only, already URL-decoded by lws; fmt is the
 * value of the format= query argument, or NULL) for a caller with access acc
 * (NULL: none, with auth on; users: people can log in): the body is
 * appended to o, *ctype set, the HTTP status returned (200, 400, 401, 403 or
 * 404). sv may be NULL. No sockets: the fuzz target calls it directly. */
int httpapi_route(const broker_t *b, const struct supervisor *sv, const access_t *acc, bool users,
                  const char *uri, const char *fmt, jbuf_t *o, const char **ctype);

/* The lws callback of the "rtdash-http" protocol; the context user must be a
 * wsconn_env_t * (its broker is read). */
int httpapi_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                     size_t len);

#endif
