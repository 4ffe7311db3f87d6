/* SPDX-License-Identifier: MIT */
/* fuzz_jwt.c - libFuzzer target for JWT verification (hub/jwt.c) with an
 * HS256 key: the input is the token. Signatures a fuzzer cannot forge, so
 * it exercises what comes before and around them (splitting, base64url,
 * JSON, alg). Oracles: no crash, no leak (ASan), and nothing is accepted:
 * the fuzzer does not know the key. A second pass verifies the input as
 * the payload of a correctly signed token, to reach the claim checks, and
 * then checks what was granted. */
#include "jwt.h"
#include "topic.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char KEY[] = "fuzz-secret-fuzz-secret-fuzz-secret!";

static size_t s_b64url(const unsigned char *in, size_t n, char *out)
{
    unsigned char *tmp = malloc(n * 4 / 3 + 8);
    int l = EVP_EncodeBlock(tmp, in, (int)n);
    size_t o = 0;
    for (int i = 0; i < l && tmp[i] != '='; i++)
        out[o++] = tmp[i] == '+' ? '-' : tmp[i] == '/' ? '_' : (char)tmp[i];
    out[o] = '\0';
    free(tmp);
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > JWT_MAX)
        return 0;
    char err[128];
    jwt_key_t *k = jwt_key_new(KEY, sizeof KEY - 1, "rtdash", err, sizeof err);
    if (!k)
        abort();
    jwt_claims_t c;
    if (jwt_verify(k, (const char *)data, size, 1764300000000LL, &c, err, sizeof err) == 0)
        abort(); /* forged */
    /* the input as a signed payload */
    char *tok = malloc(size * 2 + 256);
    size_t n = s_b64url((const unsigned char *)"{\"alg\":\"HS256\"}", 15, tok);
    tok[n++] = '.';
    n += s_b64url(data, size, tok + n);
    unsigned char mac[32];
    unsigned int ml = 32;
    HMAC(EVP_sha256(), KEY, sizeof KEY - 1, (unsigned char *)tok, n, mac, &ml);
    tok[n++] = '.';
    n += s_b64url(mac, ml, tok + n);
    if (jwt_verify(k, tok, n, 1764300000000LL, &c, err, sizeof err) == 0) {
        if (c.role == ROLE_NONE || c.npatterns == 0 || c.exp_ms <= 1764300000000LL)
            abort();
        for (uint32_t i = 0; i < c.npatterns; i++)
            if (!topic_pattern_is_valid(c.patterns[i], strlen(c.patterns[i])))
                abort();
        jwt_claims_free(&c);
    }
    free(tok);
    jwt_key_destroy(&k);
    return 0;
}
