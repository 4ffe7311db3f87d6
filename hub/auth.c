/* SPDX-License-Identifier: MIT */
/* auth.c - credentials to access: tokens, people, sessions, JWT. */
#include "auth.h"
#include "jwt.h"
#include "ratelimit.h"
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define AUTH_FILE_MAX (1u << 20)
#define AUTH_SESSIONS_MAX 10000
#define AUTH_LOGIN_SLOTS 4096

struct auth {
    auth_cfg_t cfg;
    authdb_t *db;   /* tokens and people; NULL when neither file is given */
    jwt_key_t *jwt; /* NULL without --jwt-key */
    unsigned char metrics_digest[32];
    bool has_metrics;
    sessions_t *sessions;
    ratelimit_t *logins;
    ratelimit_t *fails; /* failed credentials per address, or NULL: no limit */
};

int auth_read_file(const char *path, size_t max, bool secret, char **buf, size_t *len, char *err,
                   size_t errlen)
{
    *buf = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    const char *why = NULL;
    if (fstat(fd, &st) < 0)
        why = strerror(errno);
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    else if (st.st_mode & (S_IWGRP | S_IWOTH))
        why = "writable by group or others (chmod go-w)";
    else if (secret && (st.st_mode & (S_IRGRP | S_IROTH)))
        why = "a secret readable by group or others (chmod 600)";
    else if (st.st_size == 0)
        why = "empty";
    else if ((size_t)st.st_size > max)
        why = "too large";
    if (why) {
        close(fd);
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    char *b = malloc((size_t)st.st_size + 1);
    ssize_t n = b ? read(fd, b, (size_t)st.st_size) : -1;
    close(fd);
    if (n != st.st_size) {
        free(b);
        snprintf(err, errlen, "%s: cannot read it", path);
        return -1;
    }
    b[n] = '\0';
    *buf = b;
    *len = (size_t)n;
    return 0;
}

/* Load every file of cfg into fresh state (nothing changes on failure). */
static int s_load(const auth_cfg_t *cfg, authdb_t **db, jwt_key_t **jwt, unsigned char md[32],
                  bool *has_md, char *err, size_t errlen)
{
    char *buf = NULL, sub[200];
    size_t len;
    *db = NULL;
    *jwt = NULL;
    *has_md = false;
    if (cfg->tokens_file || cfg->users_file) {
        if (!(*db = authdb_new())) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    if (cfg->tokens_file) {
        if (auth_read_file(cfg->tokens_file, AUTH_FILE_MAX, true, &buf, &len, err, errlen) < 0)
            goto fail;
        int n = authdb_parse_tokens(*db, buf, len, sub, sizeof sub);
        OPENSSL_cleanse(buf, len);
        free(buf);
        if (n < 0) {
            snprintf(err, errlen, "%s: %s", cfg->tokens_file, sub);
            goto fail;
        }
    }
    if (cfg->users_file) {
        if (auth_read_file(cfg->users_file, AUTH_FILE_MAX, false, &buf, &len, err, errlen) < 0)
            goto fail;
        int n = authdb_parse_users(*db, buf, len, sub, sizeof sub);
        free(buf);
        if (n < 0) {
            snprintf(err, errlen, "%s: %s", cfg->users_file, sub);
            goto fail;
        }
    }
    if (cfg->jwt_key_file) {
        if (auth_read_file(cfg->jwt_key_file, AUTH_FILE_MAX, false, &buf, &len, err, errlen) < 0)
            goto fail;
        bool pem = strstr(buf, "-----BEGIN ") != NULL;
        struct stat st;
        if (!pem && stat(cfg->jwt_key_file, &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH))) {
            OPENSSL_cleanse(buf, len);
            free(buf);
            snprintf(err, errlen, "%s: an HS256 secret readable by group or others (chmod 600)",
                     cfg->jwt_key_file);
            goto fail;
        }
        *jwt = jwt_key_new((const unsigned char *)buf, len, cfg->jwt_aud, sub, sizeof sub);
        OPENSSL_cleanse(buf, len);
        free(buf);
        if (!*jwt) {
            snprintf(err, errlen, "%s: %s", cfg->jwt_key_file, sub);
            goto fail;
        }
    }
    if (cfg->metrics_token_file) {
        if (auth_read_file(cfg->metrics_token_file, 4096, true, &buf, &len, err, errlen) < 0)
            goto fail;
        while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
            len--;
        if (len < AUTHDB_TOKEN_MIN) {
            OPENSSL_cleanse(buf, len);
            free(buf);
            snprintf(err, errlen, "%s: a token has at least %d characters", cfg->metrics_token_file,
                     AUTHDB_TOKEN_MIN);
            goto fail;
        }
        authdb_sha256(buf, len, md);
        OPENSSL_cleanse(buf, len);
        free(buf);
        *has_md = true;
    }
    return 0;
fail:
    authdb_destroy(db);
    jwt_key_destroy(jwt);
    return -1;
}

auth_t *auth_new(const auth_cfg_t *cfg, char *err, size_t errlen)
{
    auth_t *a = calloc(1, sizeof(*a));
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    a->cfg = *cfg;
    if (s_load(cfg, &a->db, &a->jwt, a->metrics_digest, &a->has_metrics, err, errlen) < 0)
        goto fail;
    a->sessions =
        sessions_new(AUTH_SESSIONS_MAX, cfg->session_ms > 0 ? cfg->session_ms : 12 * 3600 * 1000LL);
    a->logins = ratelimit_new(AUTH_LOGIN_SLOTS, cfg->login_burst > 0 ? cfg->login_burst : 5,
                              cfg->login_per_ms > 0 ? cfg->login_per_ms : 12000);
    if (cfg->fail_per_min > 0)
        a->fails = ratelimit_new(AUTH_LOGIN_SLOTS, (double)cfg->fail_per_min,
                                 60000 / cfg->fail_per_min > 0 ? 60000 / cfg->fail_per_min : 1);
    if (!a->sessions || !a->logins || (cfg->fail_per_min > 0 && !a->fails)) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    return a;
fail:
    auth_destroy(&a);
    return NULL;
}

void auth_destroy(auth_t **pa)
{
    if (!pa || !*pa)
        return;
    auth_t *a = *pa;
    authdb_destroy(&a->db);
    jwt_key_destroy(&a->jwt);
    sessions_destroy(&a->sessions);
    ratelimit_destroy(&a->logins);
    ratelimit_destroy(&a->fails);
    OPENSSL_cleanse(a->metrics_digest, sizeof a->metrics_digest);
    free(a);
    *pa = NULL;
}

bool auth_on(const auth_t *a)
{
    return a && (a->db || a->jwt);
}

bool auth_has_users(const auth_t *a)
{
    return a && a->db && authdb_nusers(a->db) > 0;
}

int auth_reload(auth_t *a, char *err, size_t errlen)
{
    authdb_t *db;
    jwt_key_t *jwt;
    unsigned char md[32];
    bool has_md;
    if (s_load(&a->cfg, &db, &jwt, md, &has_md, err, errlen) < 0)
        return -1;
    authdb_destroy(&a->db);
    jwt_key_destroy(&a->jwt);
    a->db = db;
    a->jwt = jwt;
    memcpy(a->metrics_digest, md, 32);
    a->has_metrics = has_md;
    return 0;
}

static auth_result_t s_from_entry(const authent_t *e, access_kind_t kind, access_t *out)
{
    out->kind = kind;
    out->role = e->role;
    return access_set_patterns(out, e->patterns, e->npatterns) < 0 ? AUTH_BAD : AUTH_OK;
}

auth_result_t auth_resolve(const auth_t *a, const char *bearer, size_t blen, const char *session,
                           size_t slen, int64_t now_ms, access_t *out)
{
    memset(out, 0, sizeof(*out));
    if (!auth_on(a) && !(a && a->has_metrics && bearer)) {
        out->kind = ACCESS_OPEN;
        out->role = ROLE_ADMIN;
        return AUTH_OK;
    }
    if (bearer && blen) {
        authdb_sha256(bearer, blen, out->key);
        const authent_t *e = a->db ? authdb_find_digest(a->db, out->key) : NULL;
        if (e && blen >= AUTHDB_TOKEN_MIN)
            return s_from_entry(e, ACCESS_TOKEN, out);
        if (a->has_metrics && !CRYPTO_memcmp(out->key, a->metrics_digest, 32)) {
            out->kind = ACCESS_METRICS;
            out->role = ROLE_VIEWER;
            return AUTH_OK;
        }
        if (a->jwt && memchr(bearer, '.', blen)) {
            jwt_claims_t c;
            char why[128];
            if (jwt_verify(a->jwt, bearer, blen, now_ms, &c, why, sizeof why) < 0)
                return strcmp(why, "expired") ? AUTH_BAD : AUTH_EXPIRED;
            out->kind = ACCESS_JWT;
            out->role = c.role;
            out->exp_ms = c.exp_ms;
            memcpy(out->user, c.sub, sizeof out->user);
            out->patterns = c.patterns; /* taken over */
            out->npatterns = c.npatterns;
            return AUTH_OK;
        }
        memset(out->key, 0, sizeof out->key);
        return AUTH_BAD;
    }
    if (session && slen && a->db) {
        const session_t *s = sessions_find(a->sessions, session, slen, now_ms);
        const authent_t *e = s ? authdb_find_user(a->db, s->user, strlen(s->user)) : NULL;
        if (!e)
            return AUTH_BAD;
        memcpy(out->key, s->digest, 32);
        memcpy(out->user, s->user, sizeof out->user);
        out->exp_ms = s->expires_ms;
        return s_from_entry(e, ACCESS_SESSION, out);
    }
    return AUTH_NONE;
}

auth_result_t auth_revalidate(const auth_t *a, access_t *acc, int64_t now_ms)
{
    if (acc->kind == ACCESS_OPEN)
        return AUTH_OK;
    if (acc->exp_ms && acc->exp_ms <= now_ms)
        return AUTH_EXPIRED;
    const authent_t *e = NULL;
    switch (acc->kind) {
    case ACCESS_TOKEN:
        e = a->db ? authdb_find_digest(a->db, acc->key) : NULL;
        break;
    case ACCESS_SESSION:
        /* a removed user: revoked (4403); a session ended by logout: 4401 */
        e = a->db ? authdb_find_user(a->db, acc->user, strlen(acc->user)) : NULL;
        if (e && !sessions_live(a->sessions, acc->key, now_ms))
            return AUTH_EXPIRED;
        break;
    case ACCESS_JWT:
        return a->jwt ? AUTH_OK : AUTH_BAD; /* its claims stand until exp */
    case ACCESS_METRICS:
        return a->has_metrics && !CRYPTO_memcmp(acc->key, a->metrics_digest, 32) ? AUTH_OK
                                                                                 : AUTH_BAD;
    default:
        return AUTH_BAD;
    }
    if (!e)
        return AUTH_BAD;
    acc->role = e->role;
    return access_set_patterns(acc, e->patterns, e->npatterns) < 0 ? AUTH_BAD : AUTH_OK;
}

bool auth_user_hash(const auth_t *a, const char *user, char *out, size_t outlen)
{
    const authent_t *e = a->db ? authdb_find_user(a->db, user, strlen(user)) : NULL;
    if (!e || strlen(e->hash) >= outlen)
        return false;
    memcpy(out, e->hash, strlen(e->hash) + 1);
    return true;
}

int auth_login(auth_t *a, const char *user, int64_t now_ms, char id[SESSION_ID_LEN + 1],
               int64_t *exp_ms)
{
    if (!a->db || !authdb_find_user(a->db, user, strlen(user)))
        return -1;
    const session_t *s = sessions_create(a->sessions, user, now_ms, id);
    if (!s)
        return -1;
    *exp_ms = s->expires_ms;
    return 0;
}

void auth_logout(auth_t *a, const char *id, size_t len)
{
    sessions_end(a->sessions, id, len);
}

bool auth_login_allowed(auth_t *a, const char *addr, int64_t now_ms, int64_t *retry_ms)
{
    return ratelimit_take(a->logins, addr, now_ms, retry_ms);
}

bool auth_fail_blocked(auth_t *a, const char *addr, int64_t now_ms, int64_t *retry_ms)
{
    return a->fails && !ratelimit_peek(a->fails, addr, now_ms, retry_ms);
}

void auth_fail_count(auth_t *a, const char *addr, int64_t now_ms)
{
    if (a->fails)
        (void)ratelimit_take(a->fails, addr, now_ms, NULL);
}

void auth_cron(auth_t *a, int64_t now_ms)
{
    sessions_expire(a->sessions, now_ms);
}
