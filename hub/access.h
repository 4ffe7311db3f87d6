/* SPDX-License-Identifier: MIT */
/* access.h - what one connection or request may do (SPEC §7): a role and
 * the topic patterns it may see, and what gave it (a token, a login session,
 * a JWT). auth.c makes them from credentials; the broker and the HTTP API
 * only ask them questions. Checked when a client connects or subscribes,
 * never per message. Pure. */
#ifndef RTDASH_ACCESS_H
#define RTDASH_ACCESS_H

#include "authdb.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What gave a request its access. */
typedef enum {
    ACCESS_OPEN = 0, /* auth is off */
    ACCESS_TOKEN,
    ACCESS_SESSION,
    ACCESS_JWT,
    ACCESS_METRICS, /* the --metrics-token: /metrics only */
} access_kind_t;

/* What one connection or request may do. Owns its patterns. */
typedef struct access {
    access_kind_t kind;
    role_t role;
    char user[AUTHDB_NAME_MAX + 1]; /* a person, or a JWT's sub; "" otherwise */
    unsigned char key[32];          /* the token's or the session id's SHA-256 */
    int64_t exp_ms;                 /* when it ends (session, JWT); 0 = never */
    char **patterns;                /* owned */
    uint32_t npatterns;
} access_t;

/* Release what a holds (its patterns); a can be filled again. */
void access_clear(access_t *a);

/* Replace a's patterns by a copy of p[0..n). 0, or -1 if out of memory
 * (a unchanged). */
int access_set_patterns(access_t *a, char *const *p, uint32_t n);

/* A copy of src into dst (dst empty). 0, or -1 if out of memory. */
int access_copy(access_t *dst, const access_t *src);

/* May a subscribe pattern p be asked for? (Every topic it can match is one
 * of a's patterns.) Always for ACCESS_OPEN. */
bool access_permits_pattern(const access_t *a, const char *p, size_t len);

/* May topic t be seen? */
bool access_permits_topic(const access_t *a, const char *t, size_t len);

/* {"user":..,"role":..,"patterns":[..],"exp":..} of GET /api/whoami, into a
 * NUL-terminated string (caller frees), or NULL if out of memory. */
char *access_whoami_json(const access_t *a);

#endif
