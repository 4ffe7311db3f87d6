/* SPDX-License-Identifier: MIT */
/* session.c - login sessions, kept by the digest of their id. */
#include "session.h"
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

struct sessions {
    session_t *v; /* owned, unordered */
    size_t n, max;
    int64_t ttl_ms;
};

sessions_t *sessions_new(size_t max, int64_t ttl_ms)
{
    sessions_t *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->v = calloc(max ? max : 1, sizeof(session_t));
    if (!s->v) {
        free(s);
        return NULL;
    }
    s->max = max ? max : 1;
    s->ttl_ms = ttl_ms;
    return s;
}

void sessions_destroy(sessions_t **ps)
{
    if (!ps || !*ps)
        return;
    OPENSSL_cleanse((*ps)->v, (*ps)->max * sizeof(session_t));
    free((*ps)->v);
    free(*ps);
    *ps = NULL;
}

static void s_digest(const char *id, size_t len, unsigned char out[32])
{
    unsigned int n = 32;
    if (EVP_Digest(id, len, out, &n, EVP_sha256(), NULL) != 1)
        memset(out, 0, 32);
}

static void s_remove(sessions_t *s, size_t i)
{
    s->v[i] = s->v[--s->n];
    memset(&s->v[s->n], 0, sizeof(session_t));
}

const session_t *sessions_create(sessions_t *s, const char *user, int64_t now_ms,
                                 char id[SESSION_ID_LEN + 1])
{
    unsigned char raw[32], b64[48];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return NULL;
    EVP_EncodeBlock(b64, raw, sizeof raw); /* 44 characters, one '=' */
    for (int i = 0; i < SESSION_ID_LEN; i++)
        id[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : (char)b64[i];
    id[SESSION_ID_LEN] = '\0';
    OPENSSL_cleanse(raw, sizeof raw);
    sessions_expire(s, now_ms);
    if (s->n == s->max) { /* full: the oldest login ends */
        size_t old = 0;
        for (size_t i = 1; i < s->n; i++)
            if (s->v[i].created_ms < s->v[old].created_ms)
                old = i;
        s_remove(s, old);
    }
    session_t *e = &s->v[s->n++];
    s_digest(id, SESSION_ID_LEN, e->digest);
    strncpy(e->user, user, SESSION_USER_MAX);
    e->user[SESSION_USER_MAX] = '\0';
    e->created_ms = now_ms;
    e->expires_ms = now_ms + s->ttl_ms;
    return e;
}

static ssize_t s_index(const sessions_t *s, const char *id, size_t len)
{
    if (len != SESSION_ID_LEN)
        return -1;
    unsigned char d[32];
    s_digest(id, len, d);
    for (size_t i = 0; i < s->n; i++)
        if (!CRYPTO_memcmp(s->v[i].digest, d, 32))
            return (ssize_t)i;
    return -1;
}

const session_t *sessions_find(const sessions_t *s, const char *id, size_t len, int64_t now_ms)
{
    ssize_t i = s_index(s, id, len);
    return i >= 0 && s->v[i].expires_ms > now_ms ? &s->v[i] : NULL;
}

bool sessions_live(const sessions_t *s, const unsigned char digest[32], int64_t now_ms)
{
    for (size_t i = 0; i < s->n; i++)
        if (!CRYPTO_memcmp(s->v[i].digest, digest, 32))
            return s->v[i].expires_ms > now_ms;
    return false;
}

bool sessions_end(sessions_t *s, const char *id, size_t len)
{
    ssize_t i = s_index(s, id, len);
    if (i < 0)
        return false;
    s_remove(s, (size_t)i);
    return true;
}

size_t sessions_end_user(sessions_t *s, const char *user)
{
    size_t gone = 0;
    for (size_t i = 0; i < s->n;) {
        if (!strcmp(s->v[i].user, user)) {
            s_remove(s, i);
            gone++;
        } else {
            i++;
        }
    }
    return gone;
}

size_t sessions_expire(sessions_t *s, int64_t now_ms)
{
    size_t gone = 0;
    for (size_t i = 0; i < s->n;) {
        if (s->v[i].expires_ms <= now_ms) {
            s_remove(s, i);
            gone++;
        } else {
            i++;
        }
    }
    return gone;
}

size_t sessions_count(const sessions_t *s)
{
    return s->n;
}
