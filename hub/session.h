/* SPDX-License-Identifier: MIT */
/* session.h - people's login sessions (SPEC §7): a random id in an
 * HttpOnly cookie, the user it belongs to, when it ends. Kept in memory only
 * as the SHA-256 of its id (a dump of the hub's memory reveals no cookie).
 * Bounded: at most `max` sessions; a new one past that ends the oldest.
 * Pure but for libcrypto (random bytes, SHA-256, base64). */
#ifndef RTDASH_SESSION_H
#define RTDASH_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SESSION_ID_LEN 43 /* 32 random bytes, base64url without padding */
#define SESSION_USER_MAX 64

typedef struct session {
    unsigned char digest[32]; /* SHA-256 of the id */
    char user[SESSION_USER_MAX + 1];
    int64_t created_ms, expires_ms; /* wall clock */
} session_t;

typedef struct sessions sessions_t;

/* At most max sessions, each valid ttl_ms after its login. NULL if out of
 * memory. Caller owns: sessions_destroy(). */
sessions_t *sessions_new(size_t max, int64_t ttl_ms);
void sessions_destroy(sessions_t **s);

/* A new session for user, from now_ms: its id (NUL-terminated) in
 * id[SESSION_ID_LEN + 1]. Returns it (borrowed until the next change), or
 * NULL if no random bytes could be had. */
const session_t *sessions_create(sessions_t *s, const char *user, int64_t now_ms,
                                 char id[SESSION_ID_LEN + 1]);

/* The live session whose id is id[0..len), or NULL (unknown, ended or
 * expired at now_ms). Borrowed until the next change. */
const session_t *sessions_find(const sessions_t *s, const char *id, size_t len, int64_t now_ms);

/* Is the session whose id has this SHA-256 still live at now_ms? */
bool sessions_live(const sessions_t *s, const unsigned char digest[32], int64_t now_ms);

/* End the session with this id (logout); true if there was one. */
bool sessions_end(sessions_t *s, const char *id, size_t len);

/* End every session of user (the user was removed). Returns how many. */
size_t sessions_end_user(sessions_t *s, const char *user);

/* Forget the sessions expired at now_ms. Returns how many. */
size_t sessions_expire(sessions_t *s, int64_t now_ms);

size_t sessions_count(const sessions_t *s);

#endif
