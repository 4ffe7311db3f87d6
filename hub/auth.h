/* SPDX-License-Identifier: MIT */
/* auth.h - who is asking, and what they may see (SPEC §7).
 * auth_t owns what decides it: the tokens (--auth), the people (--users) and
 * their login sessions, an optional JWT key (--jwt-key), the Prometheus token
 * (--metrics-token) and the login rate limit. It turns the credentials of a
 * request - a bearer token, a session cookie - into an access_t: a role and
 * the topic patterns of that role. With none of these files, auth is off and
 * every request has full access (the hub then listens on loopback only).
 * Files are read at start (any problem: an error, the hub does not start)
 * and again on SIGHUP (a problem keeps the last good configuration). */
#ifndef RTDASH_AUTH_H
#define RTDASH_AUTH_H

#include "access.h"
#include "authdb.h"
#include "session.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct auth_cfg {
    const char *tokens_file;  /* --auth */
    const char *users_file;   /* --users */
    const char *jwt_key_file; /* --jwt-key */
    const char *jwt_aud;      /* --jwt-aud */
    const char *metrics_token_file;
    int64_t session_ms;   /* how long a login lasts */
    double login_burst;   /* login attempts per address at once ... */
    int64_t login_per_ms; /* ... then one per this */
    long fail_per_min;    /* failed credentials per address per minute, then 429; 0: no limit */
} auth_cfg_t;

typedef struct auth auth_t;

/* Read the files named in cfg. NULL with the reason in err: a file missing,
 * empty, unparsable, writable by group or others (a key: also readable by
 * them). Caller owns the result: auth_destroy(). */
auth_t *auth_new(const auth_cfg_t *cfg, char *err, size_t errlen);
void auth_destroy(auth_t **a);

/* Is any credential configured (tokens, users or JWT)? */
bool auth_on(const auth_t *a);
/* Are people configured (login and logout exist)? */
bool auth_has_users(const auth_t *a);

/* Read the files again. 0, or -1 with err (the last good set is kept). */
int auth_reload(auth_t *a, char *err, size_t errlen);

/* What a request's credentials give. bearer: a token or JWT (from the
 * subprotocol bearer.X, an Authorization header or ?token=), session: the
 * cookie's session id; each may be NULL. */
typedef enum {
    AUTH_OK = 0,
    AUTH_NONE,    /* no credentials at all */
    AUTH_BAD,     /* unknown token, bad JWT, ended session */
    AUTH_EXPIRED, /* a JWT or session that has ended */
} auth_result_t;

auth_result_t auth_resolve(const auth_t *a, const char *bearer, size_t blen, const char *session,
                           size_t slen, int64_t now_ms, access_t *out);

/* Is access still granted after a reload or at now_ms? Its patterns are
 * brought up to date. AUTH_OK, AUTH_BAD (its token or user is gone: close
 * with 4403) or AUTH_EXPIRED (close with 4401). */
auth_result_t auth_revalidate(const auth_t *a, access_t *acc, int64_t now_ms);

/* Log in, in two steps: the stored hash of user (copied, for the slow
 * argon2id check off the loop: authdb_password_ok), or false if unknown; */
bool auth_user_hash(const auth_t *a, const char *user, char *out, size_t outlen);
/* Open a session for user (known): its id in id. Returns 0 or -1. */
int auth_login(auth_t *a, const char *user, int64_t now_ms, char id[SESSION_ID_LEN + 1],
               int64_t *exp_ms);
/* End the session with this id. */
void auth_logout(auth_t *a, const char *id, size_t len);

/* May addr try to log in now? (*retry_ms: when it may again.) */
bool auth_login_allowed(auth_t *a, const char *addr, int64_t now_ms, int64_t *retry_ms);

/* Failed credentials (an unknown token, a bad JWT, an ended session, two
 * tokens): has addr used up its cfg.fail_per_min (*retry_ms: until when)?
 * Such an address is answered 429 before its credentials are looked at, so
 * guessing stops there. */
bool auth_fail_blocked(auth_t *a, const char *addr, int64_t now_ms, int64_t *retry_ms);
/* Count one failed credential from addr. */
void auth_fail_count(auth_t *a, const char *addr, int64_t now_ms);

/* Once a second: forget ended sessions. */
void auth_cron(auth_t *a, int64_t now_ms);

/* Read a configuration file of at most max bytes into *buf (NUL-ended,
 * caller frees): refuses a missing, non-regular or empty file, one writable
 * by group or others, and when secret, one readable by them. 0 or -1 (err). */
int auth_read_file(const char *path, size_t max, bool secret, char **buf, size_t *len, char *err,
                   size_t errlen);

#endif
