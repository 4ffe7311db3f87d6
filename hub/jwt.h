/* SPDX-License-Identifier: MIT */
/* jwt.h - JSON Web Tokens for embedding rtdash in another application
 * (SPEC §7 --jwt-key). The algorithm is fixed by the key, never taken from
 * the token: a file holding a PEM public key means RS256 (RSA), ES256 (P-256)
 * or EdDSA (Ed25519); any other file is an HS256 secret (at least 32 bytes).
 * A token whose header names another algorithm - "none" included, or HS256
 * signed with a public key's bytes (algorithm confusion) - is refused.
 * Claims: exp (required), nbf, aud (checked when the hub has one), role
 * (viewer, editor or admin), topics (an array of patterns; an admin without
 * it has "*"), sub (shown by /api/whoami). Verified with OpenSSL EVP.
 * Pure: no sockets. */
#ifndef RTDASH_JWT_H
#define RTDASH_JWT_H

#include "authdb.h"
#include <stddef.h>
#include <stdint.h>

#define JWT_MAX 8192      /* longest token accepted */
#define JWT_SKEW_MS 30000 /* nbf and iat may be this much in the future */

typedef struct jwt_key jwt_key_t;

/* A key from the file's bytes key[0..len): a PEM public key or an HS256
 * secret. aud: the audience tokens must name, or NULL. Returns NULL with the
 * reason in err. Caller owns: jwt_key_destroy(). */
jwt_key_t *jwt_key_new(const unsigned char *key, size_t len, const char *aud, char *err,
                       size_t errlen);
void jwt_key_destroy(jwt_key_t **k);

/* "HS256", "RS256", "ES256" or "EdDSA". */
const char *jwt_key_alg(const jwt_key_t *k);

/* What a valid token grants. */
typedef struct jwt_claims {
    role_t role;
    char sub[AUTHDB_NAME_MAX + 1]; /* "" when absent */
    int64_t exp_ms;
    char **patterns; /* owned */
    uint32_t npatterns;
} jwt_claims_t;

/* Verify tok[0..len) at now_ms. Returns 0 and fills *c (free it with
 * jwt_claims_free), or -1 with a short reason in err (never the token). */
int jwt_verify(const jwt_key_t *k, const char *tok, size_t len, int64_t now_ms, jwt_claims_t *c,
               char *err, size_t errlen);
void jwt_claims_free(jwt_claims_t *c);

#endif
