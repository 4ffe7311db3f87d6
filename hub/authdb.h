/* SPDX-License-Identifier: MIT */
/* authdb.h - who may connect, and what each may see (SPEC §7).
 * Two files feed it: the machines' tokens (--auth: `TOKEN ROLE [PATTERN...]`,
 * TOKEN literal or sha256:HEX) and the people (--users: `NAME ROLE HASH
 * [PATTERN...]`, HASH an argon2id string). A blank line or one starting with
 * "# " is a comment. A role is viewer, editor or admin; a viewer or editor
 * needs patterns, an admin without patterns has "*". Anything else - an
 * unknown role, a bad pattern, a duplicate, a file with no entry - is an
 * error: a broken file never means "allow all" (Mosquitto CVE-2018-12550).
 * Tokens are kept and looked up only as SHA-256 digests.
 * Pure but for libcrypto (SHA-256) and libargon2 (password check). */
#ifndef RTDASH_AUTHDB_H
#define RTDASH_AUTHDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { ROLE_NONE = 0, ROLE_VIEWER, ROLE_EDITOR, ROLE_ADMIN } role_t;

/* "viewer", "editor", "admin" (or "none"). */
const char *role_name(role_t r);

/* Shortest and longest literal token (RFC 6455 subprotocol characters
 * A-Za-z0-9._~- so that it can travel as "bearer.TOKEN"). */
#define AUTHDB_TOKEN_MIN 16
#define AUTHDB_TOKEN_MAX 512
#define AUTHDB_NAME_MAX 64
#define AUTHDB_PATTERNS_MAX 256

/* One entry: a token or a person. */
typedef struct authent {
    role_t role;
    char name[AUTHDB_NAME_MAX + 1]; /* a person's name; "" for a token */
    unsigned char digest[32];       /* a token's SHA-256 */
    char *hash;                     /* a person's argon2id string (owned) */
    char **patterns;                /* owned, valid patterns */
    uint32_t npatterns;
} authent_t;

typedef struct authdb authdb_t;

/* Empty database. NULL if out of memory. Caller owns: authdb_destroy(). */
authdb_t *authdb_new(void);
void authdb_destroy(authdb_t **db);

/* Add the entries of a tokens file (text[0..len)). Returns the number added
 * (>= 1), or -1 with "line N: why" in err (then db is unusable: destroy it). */
int authdb_parse_tokens(authdb_t *db, const char *text, size_t len, char *err, size_t errlen);

/* The same for a users file. */
int authdb_parse_users(authdb_t *db, const char *text, size_t len, char *err, size_t errlen);

/* Entries by kind. */
size_t authdb_ntokens(const authdb_t *db);
size_t authdb_nusers(const authdb_t *db);

/* The token entry whose token is tok[0..len), or NULL. Borrowed. */
const authent_t *authdb_find_token(const authdb_t *db, const char *tok, size_t len);

/* The token entry with this digest (a token that may have been revoked). */
const authent_t *authdb_find_digest(const authdb_t *db, const unsigned char digest[32]);

/* The person called name[0..len), or NULL. Borrowed. */
const authent_t *authdb_find_user(const authdb_t *db, const char *name, size_t len);

/* Does pw[0..len) match the person's hash? Slow on purpose (argon2id): call
 * it off the event loop. */
bool authdb_password_ok(const char *hash, const char *pw, size_t len);

/* An argon2id string for pw (a fresh random salt) into out (>= 128 bytes).
 * Returns 0 or -1. */
int authdb_hash_password(const char *pw, size_t len, char *out, size_t outlen);

/* SHA-256 of data[0..len) into out. */
void authdb_sha256(const void *data, size_t len, unsigned char out[32]);

/* Does pattern p[0..len) (subscribe grammar) ask only for topics that one of
 * the patterns covers? An empty list covers nothing. */
bool authdb_covers(char *const *patterns, uint32_t n, const char *p, size_t len);

/* Does one of the patterns match topic t[0..len)? */
bool authdb_matches(char *const *patterns, uint32_t n, const char *t, size_t len);

#endif
