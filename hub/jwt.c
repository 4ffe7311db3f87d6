/* SPDX-License-Identifier: MIT */
/* jwt.c - JWS compact tokens verified with OpenSSL EVP (see jwt.h). */
#include "jwt.h"
#include "topic.h"
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { ALG_HS256, ALG_RS256, ALG_ES256, ALG_EDDSA } alg_t;

static const char *const s_alg_names[] = {"HS256", "RS256", "ES256", "EdDSA"};

struct jwt_key {
    alg_t alg;
    EVP_PKEY *pkey;        /* public key, or NULL for HS256 */
    unsigned char *secret; /* HS256 */
    size_t secret_len;
    char *aud;
};

void jwt_key_destroy(jwt_key_t **pk)
{
    if (!pk || !*pk)
        return;
    jwt_key_t *k = *pk;
    EVP_PKEY_free(k->pkey);
    if (k->secret) {
        OPENSSL_cleanse(k->secret, k->secret_len);
        free(k->secret);
    }
    free(k->aud);
    free(k);
    *pk = NULL;
}

const char *jwt_key_alg(const jwt_key_t *k)
{
    return s_alg_names[k->alg];
}

jwt_key_t *jwt_key_new(const unsigned char *key, size_t len, const char *aud, char *err,
                       size_t errlen)
{
    jwt_key_t *k = calloc(1, sizeof(*k));
    if (!k) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (aud && *aud && !(k->aud = strdup(aud)))
        goto oom;
    if (len > 10 && memmem(key, len, "-----BEGIN ", 11)) {
        BIO *bio = BIO_new_mem_buf(key, (int)len);
        k->pkey = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
        BIO_free(bio);
        if (!k->pkey) {
            snprintf(err, errlen, "not a PEM public key (a private key does not belong here)");
            goto fail;
        }
        switch (EVP_PKEY_get_base_id(k->pkey)) {
        case EVP_PKEY_RSA:
            if (EVP_PKEY_get_bits(k->pkey) < 2048) {
                snprintf(err, errlen, "an RSA key of fewer than 2048 bits");
                goto fail;
            }
            k->alg = ALG_RS256;
            break;
        case EVP_PKEY_EC: {
            char group[64];
            size_t gl = 0;
            if (!EVP_PKEY_get_utf8_string_param(k->pkey, "group", group, sizeof group, &gl) ||
                strcmp(group, "prime256v1")) {
                snprintf(err, errlen, "an EC key must be on P-256 (ES256)");
                goto fail;
            }
            k->alg = ALG_ES256;
            break;
        }
        case EVP_PKEY_ED25519:
            k->alg = ALG_EDDSA;
            break;
        default:
            snprintf(err, errlen,
                     "a public key of a type JWT here does not use (RSA, P-256, "
                     "Ed25519)");
            goto fail;
        }
        return k;
    }
    /* an HS256 secret: the file's bytes, without a final newline */
    while (len && (key[len - 1] == '\n' || key[len - 1] == '\r'))
        len--;
    if (len < 32) {
        snprintf(err, errlen, "an HS256 secret needs at least 32 bytes (this one %zu)", len);
        goto fail;
    }
    if (!(k->secret = malloc(len)))
        goto oom;
    memcpy(k->secret, key, len);
    k->secret_len = len;
    k->alg = ALG_HS256;
    return k;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    jwt_key_destroy(&k);
    return NULL;
}

/* base64url (no padding) s[0..n) into out (>= n * 3 / 4 + 3 bytes). Returns
 * the decoded length, or -1. */
static int s_b64url(const char *s, size_t n, unsigned char *out)
{
    if (n % 4 == 1)
        return -1;
    size_t padded = (n + 3) / 4 * 4;
    char *tmp = malloc(padded + 1);
    if (!tmp)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '-')
            c = '+';
        else if (c == '_')
            c = '/';
        else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
            free(tmp);
            return -1; /* '=', '+', '/' and anything else are not base64url */
        }
        tmp[i] = c;
    }
    for (size_t i = n; i < padded; i++)
        tmp[i] = '=';
    int got = EVP_DecodeBlock(out, (const unsigned char *)tmp, (int)padded);
    free(tmp);
    if (got < 0)
        return -1;
    return got - (int)(padded - n); /* EVP_DecodeBlock counts the padding as zero bytes */
}

static int s_fail(char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s", why);
    return -1;
}

/* A JOSE ES256 signature is r||s (64 bytes); OpenSSL wants DER. */
static unsigned char *s_es256_der(const unsigned char *sig, size_t len, size_t *dlen)
{
    if (len != 64)
        return NULL;
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
    unsigned char *der = NULL;
    if (es && r && s && ECDSA_SIG_set0(es, r, s)) {
        r = s = NULL; /* owned by es now */
        int n = i2d_ECDSA_SIG(es, &der);
        if (n <= 0)
            der = NULL;
        else
            *dlen = (size_t)n;
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    return der;
}

static bool s_signature_ok(const jwt_key_t *k, const char *signed_part, size_t sl,
                           const unsigned char *sig, size_t siglen)
{
    if (k->alg == ALG_HS256) {
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int ml = 0;
        if (!HMAC(EVP_sha256(), k->secret, (int)k->secret_len, (const unsigned char *)signed_part,
                  sl, mac, &ml))
            return false;
        return siglen == ml && CRYPTO_memcmp(mac, sig, ml) == 0;
    }
    unsigned char *der = NULL;
    if (k->alg == ALG_ES256) {
        der = s_es256_der(sig, siglen, &siglen);
        if (!der)
            return false;
        sig = der;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx &&
              EVP_DigestVerifyInit(ctx, NULL, k->alg == ALG_EDDSA ? NULL : EVP_sha256(), NULL,
                                   k->pkey) == 1 &&
              EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)signed_part, sl) == 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    return ok;
}

/* A JSON object from base64url s[0..n). */
static json_t *s_json_part(const char *s, size_t n)
{
    unsigned char *buf = malloc(n * 3 / 4 + 3);
    if (!buf)
        return NULL;
    int bl = s_b64url(s, n, buf);
    json_t *j =
        bl > 0 ? json_loadb((const char *)buf, (size_t)bl, JSON_REJECT_DUPLICATES, NULL) : NULL;
    free(buf);
    if (j && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

void jwt_claims_free(jwt_claims_t *c)
{
    for (uint32_t i = 0; i < c->npatterns; i++)
        free(c->patterns[i]);
    free(c->patterns);
    c->patterns = NULL;
    c->npatterns = 0;
}

static bool s_aud_ok(const json_t *aud, const char *want)
{
    if (json_is_string(aud))
        return !strcmp(json_string_value(aud), want);
    size_t i;
    json_t *v;
    json_array_foreach(aud, i,
                       v) if (json_is_string(v) && !strcmp(json_string_value(v), want)) return true;
    return false;
}

/* NumericDate (seconds, maybe fractional) as ms; false if not a number. */
static bool s_date_ms(const json_t *v, int64_t *ms)
{
    if (!json_is_number(v))
        return false;
    double d = json_number_value(v);
    if (!(d > -1e15 && d < 1e15))
        return false;
    *ms = (int64_t)(d * 1000.0);
    return true;
}

static int s_claims(const jwt_key_t *k, json_t *pl, int64_t now_ms, jwt_claims_t *c, char *err,
                    size_t errlen)
{
    int64_t exp, nbf;
    if (!s_date_ms(json_object_get(pl, "exp"), &exp))
        return s_fail(err, errlen, "no exp");
    if (exp <= now_ms)
        return s_fail(err, errlen, "expired");
    json_t *v = json_object_get(pl, "nbf");
    /* clocks differ: 30 s of skew, as JWT libraries allow */
    if (v && (!s_date_ms(v, &nbf) || nbf > now_ms + JWT_SKEW_MS))
        return s_fail(err, errlen, "not valid yet (nbf)");
    v = json_object_get(pl, "iat");
    if (v && (!s_date_ms(v, &nbf) || nbf > now_ms + JWT_SKEW_MS))
        return s_fail(err, errlen, "issued in the future (iat)");
    if (k->aud && !s_aud_ok(json_object_get(pl, "aud"), k->aud))
        return s_fail(err, errlen, "wrong aud");
    const char *role = json_string_value(json_object_get(pl, "role"));
    c->role = !role                     ? ROLE_NONE
              : !strcmp(role, "viewer") ? ROLE_VIEWER
              : !strcmp(role, "editor") ? ROLE_EDITOR
              : !strcmp(role, "admin")  ? ROLE_ADMIN
                                        : ROLE_NONE;
    if (c->role == ROLE_NONE)
        return s_fail(err, errlen, "role is not viewer, editor or admin");
    const char *sub = json_string_value(json_object_get(pl, "sub"));
    if (sub && strlen(sub) <= AUTHDB_NAME_MAX)
        strcpy(c->sub, sub);
    json_t *topics = json_object_get(pl, "topics");
    if (topics && (!json_is_array(topics) || json_array_size(topics) > AUTHDB_PATTERNS_MAX))
        return s_fail(err, errlen, "topics is not an array of patterns");
    size_t n = json_array_size(topics);
    if (n == 0 && c->role != ROLE_ADMIN)
        return s_fail(err, errlen, "no topics");
    c->patterns = calloc(n ? n : 1, sizeof(char *));
    if (!c->patterns)
        return s_fail(err, errlen, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *p = json_string_value(json_array_get(topics, i));
        if (!p || !topic_pattern_is_valid(p, strlen(p)))
            return s_fail(err, errlen, "a bad topic pattern in topics");
        if (!(c->patterns[c->npatterns] = strdup(p)))
            return s_fail(err, errlen, "out of memory");
        c->npatterns++;
    }
    if (n == 0) {
        if (!(c->patterns[0] = strdup("*")))
            return s_fail(err, errlen, "out of memory");
        c->npatterns = 1;
    }
    c->exp_ms = exp;
    return 0;
}

int jwt_verify(const jwt_key_t *k, const char *tok, size_t len, int64_t now_ms, jwt_claims_t *c,
               char *err, size_t errlen)
{
    memset(c, 0, sizeof(*c));
    if (len > JWT_MAX)
        return s_fail(err, errlen, "too long");
    const char *d1 = memchr(tok, '.', len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - tok)) : NULL;
    if (!d1 || !d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - tok)))
        return s_fail(err, errlen, "not three parts");
    json_t *hdr = s_json_part(tok, (size_t)(d1 - tok));
    const char *alg = json_string_value(json_object_get(hdr, "alg"));
    if (!hdr || !alg || strcmp(alg, s_alg_names[k->alg]) || json_object_get(hdr, "crit")) {
        json_decref(hdr);
        return s_fail(err, errlen, "alg is not the key's");
    }
    json_decref(hdr);
    size_t sl = len - (size_t)(d2 + 1 - tok);
    unsigned char *sig = malloc(sl * 3 / 4 + 3);
    int siglen = sig ? s_b64url(d2 + 1, sl, sig) : -1;
    bool ok = siglen > 0 && s_signature_ok(k, tok, (size_t)(d2 - tok), sig, (size_t)siglen);
    free(sig);
    if (!ok)
        return s_fail(err, errlen, "bad signature");
    json_t *pl = s_json_part(d1 + 1, (size_t)(d2 - d1 - 1));
    if (!pl)
        return s_fail(err, errlen, "payload is not a JSON object");
    int rc = s_claims(k, pl, now_ms, c, err, errlen);
    json_decref(pl);
    if (rc < 0)
        jwt_claims_free(c);
    return rc;
}
