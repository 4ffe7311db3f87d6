/* SPDX-License-Identifier: MIT */
/* authdb.c - tokens and people, their roles and topic patterns. */
#include "authdb.h"
#include "conffile.h"
#include "topic.h"
#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct authdb {
    authent_t *v; /* owned */
    size_t n, cap;
    size_t ntokens, nusers;
};

/* argon2id cost of new hashes: OWASP's minimum (19 MiB, 2 passes, 1 lane). */
#define HASH_T_COST 2
#define HASH_M_COST (19 * 1024)
#define HASH_LANES 1
#define HASH_SALT 16
#define HASH_LEN 32

const char *role_name(role_t r)
{
    switch (r) {
    case ROLE_VIEWER:
        return "viewer";
    case ROLE_EDITOR:
        return "editor";
    case ROLE_ADMIN:
        return "admin";
    default:
        return "none";
    }
}

authdb_t *authdb_new(void)
{
    return calloc(1, sizeof(authdb_t));
}

static void s_free_entry(authent_t *e)
{
    conffile_free_strings(e->patterns, e->npatterns);
    free(e->hash);
}

void authdb_destroy(authdb_t **pdb)
{
    if (!pdb || !*pdb)
        return;
    authdb_t *db = *pdb;
    for (size_t i = 0; i < db->n; i++)
        s_free_entry(&db->v[i]);
    free(db->v);
    free(db);
    *pdb = NULL;
}

void authdb_sha256(const void *data, size_t len, unsigned char out[32])
{
    unsigned int n = 32;
    if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1)
        memset(out, 0, 32); /* cannot happen with a working libcrypto */
}

static bool s_is_token_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '~' || c == '-';
}

static int s_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static role_t s_role(const char *w, size_t n)
{
    if (n == 6 && !memcmp(w, "viewer", 6))
        return ROLE_VIEWER;
    if (n == 6 && !memcmp(w, "editor", 6))
        return ROLE_EDITOR;
    if (n == 5 && !memcmp(w, "admin", 5))
        return ROLE_ADMIN;
    return ROLE_NONE;
}

/* The shape of an argon2id PHC string: $argon2id$v=19$m=N,t=N,p=N$SALT$HASH
 * (libargon2 checks the rest when it verifies). */
static bool s_is_argon2id(const char *w, size_t n)
{
    static const char head[] = "$argon2id$v=19$m=";
    if (n < sizeof head || n > 512 || memcmp(w, head, sizeof head - 1))
        return false;
    unsigned dollars = 0;
    for (size_t i = sizeof head - 1; i < n; i++) {
        char c = w[i];
        if (c == '$')
            dollars++;
        else if (!s_is_token_char(c) && c != '+' && c != '/' && c != ',' && c != '=')
            return false;
    }
    return dollars == 2;
}

static authent_t *s_add(authdb_t *db)
{
    if (db->n == db->cap) {
        size_t cap = db->cap ? db->cap * 2 : 8;
        authent_t *v = realloc(db->v, cap * sizeof(*v));
        if (!v)
            return NULL;
        db->v = v;
        db->cap = cap;
    }
    authent_t *e = &db->v[db->n++];
    memset(e, 0, sizeof(*e));
    return e;
}

/* The role (the word w[0..n)) and the patterns that follow at *p: fills e. */
static int s_role_patterns(authent_t *e, const char *w, size_t n, const char **p, const char *end,
                           unsigned line, char *err, size_t errlen)
{
    e->role = s_role(w, n);
    if (e->role == ROLE_NONE)
        return conffile_fail(err, errlen, line, "unknown role \"%.*s\" (viewer, editor or admin)",
                             (int)(n > 32 ? 32 : n), w);
    while (conffile_word(p, end, &w, &n)) {
        if (!topic_pattern_is_valid(w, n))
            return conffile_fail(err, errlen, line, "bad topic pattern \"%.*s\"",
                                 (int)(n > 64 ? 64 : n), w);
        if (e->npatterns == AUTHDB_PATTERNS_MAX)
            return conffile_fail(err, errlen, line, "more than %d patterns", AUTHDB_PATTERNS_MAX);
        if (conffile_add_string(&e->patterns, &e->npatterns, w, n) < 0)
            return conffile_fail(err, errlen, line, "out of memory");
    }
    if (e->npatterns == 0) {
        if (e->role != ROLE_ADMIN)
            return conffile_fail(err, errlen, line, "a %s needs topic patterns",
                                 role_name(e->role));
        if (conffile_add_string(&e->patterns, &e->npatterns, "*", 1) < 0)
            return conffile_fail(err, errlen, line, "out of memory");
    }
    return 0;
}

/* Parse text with fn for each entry line; the file must add an entry of
 * its kind (*count grows), or it is an error: a file of comments allows
 * nobody (Mosquitto CVE-2018-12550). */
static int s_parse(authdb_t *db, const char *text, size_t len, conffile_line_fn fn, size_t *count,
                   const char *what, char *err, size_t errlen)
{
    size_t before = *count;
    if (conffile_parse(text, len, fn, db, err, errlen) < 0)
        return -1;
    if (*count == before)
        return conffile_fail(err, errlen, 0, "no %s in it (a file of comments allows nobody)",
                             what);
    return (int)(*count - before);
}

static int s_token_line(void *ud, const char *p, const char *end, unsigned line, char *err,
                        size_t errlen)
{
    authdb_t *db = ud;
    const char *w = NULL;
    size_t n = 0;
    conffile_word(&p, end, &w, &n);
    unsigned char digest[32];
    if (n == 7 + 64 && !memcmp(w, "sha256:", 7)) {
        for (int i = 0; i < 32; i++) {
            int hi = s_hexval(w[7 + 2 * i]), lo = s_hexval(w[8 + 2 * i]);
            if (hi < 0 || lo < 0)
                return conffile_fail(err, errlen, line, "sha256: needs 64 hex digits");
            digest[i] = (unsigned char)(hi << 4 | lo);
        }
    } else {
        if (n < AUTHDB_TOKEN_MIN || n > AUTHDB_TOKEN_MAX)
            return conffile_fail(err, errlen, line,
                                 "a token has %d to %d characters (this one %zu)", AUTHDB_TOKEN_MIN,
                                 AUTHDB_TOKEN_MAX, n);
        for (size_t i = 0; i < n; i++)
            if (!s_is_token_char(w[i]))
                return conffile_fail(
                    err, errlen, line,
                    "a token is made of A-Z a-z 0-9 . _ ~ - (character %zu is not)", i + 1);
        authdb_sha256(w, n, digest);
    }
    if (authdb_find_digest(db, digest))
        return conffile_fail(err, errlen, line, "the same token twice");
    authent_t *e = s_add(db);
    if (!e)
        return conffile_fail(err, errlen, line, "out of memory");
    memcpy(e->digest, digest, 32);
    db->ntokens++;
    if (!conffile_word(&p, end, &w, &n))
        return conffile_fail(err, errlen, line, "TOKEN ROLE [PATTERN...]: missing the role");
    return s_role_patterns(e, w, n, &p, end, line, err, errlen);
}

static int s_user_line(void *ud, const char *p, const char *end, unsigned line, char *err,
                       size_t errlen)
{
    authdb_t *db = ud;
    const char *name = NULL, *role, *hash;
    size_t nn = 0, rn = 0, hn = 0;
    conffile_word(&p, end, &name, &nn);
    if (!conffile_word(&p, end, &role, &rn) || !conffile_word(&p, end, &hash, &hn))
        return conffile_fail(err, errlen, line, "NAME ROLE HASH [PATTERN...]: missing the %s",
                             rn ? "hash" : "role");
    if (nn > AUTHDB_NAME_MAX)
        return conffile_fail(err, errlen, line, "a user name has at most %d characters",
                             AUTHDB_NAME_MAX);
    for (size_t i = 0; i < nn; i++)
        if (!s_is_token_char(name[i]) && name[i] != '@')
            return conffile_fail(err, errlen, line, "a user name is made of A-Z a-z 0-9 . _ ~ - @");
    if (authdb_find_user(db, name, nn))
        return conffile_fail(err, errlen, line, "user \"%.*s\" twice", (int)nn, name);
    if (!s_is_argon2id(hash, hn))
        return conffile_fail(
            err, errlen, line,
            "the hash is not an argon2id string (rtdash-hub --hash-password prints one)");
    authent_t *e = s_add(db);
    if (!e)
        return conffile_fail(err, errlen, line, "out of memory");
    memcpy(e->name, name, nn);
    e->name[nn] = '\0';
    if (!(e->hash = strndup(hash, hn)))
        return conffile_fail(err, errlen, line, "out of memory");
    db->nusers++;
    return s_role_patterns(e, role, rn, &p, end, line, err, errlen);
}

int authdb_parse_tokens(authdb_t *db, const char *text, size_t len, char *err, size_t errlen)
{
    return s_parse(db, text, len, s_token_line, &db->ntokens, "token", err, errlen);
}

int authdb_parse_users(authdb_t *db, const char *text, size_t len, char *err, size_t errlen)
{
    return s_parse(db, text, len, s_user_line, &db->nusers, "user", err, errlen);
}

size_t authdb_ntokens(const authdb_t *db)
{
    return db->ntokens;
}

size_t authdb_nusers(const authdb_t *db)
{
    return db->nusers;
}

const authent_t *authdb_find_digest(const authdb_t *db, const unsigned char digest[32])
{
    for (size_t i = 0; i < db->n; i++)
        if (!db->v[i].name[0] && !db->v[i].hash && !CRYPTO_memcmp(db->v[i].digest, digest, 32))
            return &db->v[i];
    return NULL;
}

const authent_t *authdb_find_token(const authdb_t *db, const char *tok, size_t len)
{
    if (len < AUTHDB_TOKEN_MIN || len > AUTHDB_TOKEN_MAX)
        return NULL;
    unsigned char d[32];
    authdb_sha256(tok, len, d);
    return authdb_find_digest(db, d);
}

const authent_t *authdb_find_user(const authdb_t *db, const char *name, size_t len)
{
    if (len == 0 || len > AUTHDB_NAME_MAX)
        return NULL;
    for (size_t i = 0; i < db->n; i++)
        if (db->v[i].hash && strlen(db->v[i].name) == len && !memcmp(db->v[i].name, name, len))
            return &db->v[i];
    return NULL;
}

bool authdb_password_ok(const char *hash, const char *pw, size_t len)
{
    return hash && argon2id_verify(hash, pw, len) == ARGON2_OK;
}

int authdb_hash_password(const char *pw, size_t len, char *out, size_t outlen)
{
    unsigned char salt[HASH_SALT];
    if (RAND_bytes(salt, sizeof salt) != 1)
        return -1;
    size_t need =
        argon2_encodedlen(HASH_T_COST, HASH_M_COST, HASH_LANES, HASH_SALT, HASH_LEN, Argon2_id);
    if (need > outlen)
        return -1;
    return argon2id_hash_encoded(HASH_T_COST, HASH_M_COST, HASH_LANES, pw, len, salt, sizeof salt,
                                 HASH_LEN, out, outlen) == ARGON2_OK
               ? 0
               : -1;
}

bool authdb_covers(char *const *patterns, uint32_t n, const char *p, size_t len)
{
    for (uint32_t i = 0; i < n; i++)
        if (topic_pattern_covers(patterns[i], strlen(patterns[i]), p, len))
            return true;
    return false;
}

bool authdb_matches(char *const *patterns, uint32_t n, const char *t, size_t len)
{
    for (uint32_t i = 0; i < n; i++)
        if (topic_match(patterns[i], strlen(patterns[i]), t, len))
            return true;
    return false;
}
