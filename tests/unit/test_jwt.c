/* SPDX-License-Identifier: MIT */
/* test_jwt.c - JWT verification: each algorithm by its key, and the classic
 * attacks (alg none, HS256 with a public key's bytes, expired, nbf, aud, a
 * flipped bit, padding). Tokens are signed here with OpenSSL. */
#include "check.h"
#include "jwt.h"
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1764300000000LL

static void s_b64url(const unsigned char *in, size_t n, char *out)
{
    unsigned char tmp[4096];
    int l = EVP_EncodeBlock(tmp, in, (int)n);
    int o = 0;
    for (int i = 0; i < l && tmp[i] != '='; i++)
        out[o++] = tmp[i] == '+' ? '-' : tmp[i] == '/' ? '_' : (char)tmp[i];
    out[o] = '\0';
}

/* header.payload (base64url) into out */
static void s_unsigned(const char *hdr, const char *payload, char *out)
{
    char h[1024], p[2048];
    s_b64url((const unsigned char *)hdr, strlen(hdr), h);
    s_b64url((const unsigned char *)payload, strlen(payload), p);
    sprintf(out, "%s.%s", h, p);
}

static void s_append_sig(char *tok, const unsigned char *sig, size_t n)
{
    char b[1024];
    s_b64url(sig, n, b);
    strcat(tok, ".");
    strcat(tok, b);
}

static void s_hs256(const unsigned char *key, size_t kl, const char *hdr, const char *pl, char *tok)
{
    s_unsigned(hdr, pl, tok);
    unsigned char mac[32];
    unsigned int ml = 32;
    HMAC(EVP_sha256(), key, (int)kl, (const unsigned char *)tok, strlen(tok), mac, &ml);
    s_append_sig(tok, mac, ml);
}

static void s_sign(EVP_PKEY *k, bool eddsa, bool es256, const char *hdr, const char *pl, char *tok)
{
    s_unsigned(hdr, pl, tok);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char sig[1024];
    size_t sl = sizeof sig;
    EVP_DigestSignInit(ctx, NULL, eddsa ? NULL : EVP_sha256(), NULL, k);
    EVP_DigestSign(ctx, sig, &sl, (const unsigned char *)tok, strlen(tok));
    EVP_MD_CTX_free(ctx);
    if (es256) { /* DER -> r||s */
        const unsigned char *p = sig;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)sl);
        unsigned char rs[64];
        BN_bn2binpad(ECDSA_SIG_get0_r(es), rs, 32);
        BN_bn2binpad(ECDSA_SIG_get0_s(es), rs + 32, 32);
        ECDSA_SIG_free(es);
        s_append_sig(tok, rs, 64);
    } else {
        s_append_sig(tok, sig, sl);
    }
}

static size_t s_pub_pem(EVP_PKEY *k, char *out, size_t n)
{
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(b, k);
    int l = BIO_read(b, out, (int)n - 1);
    BIO_free(b);
    out[l > 0 ? l : 0] = '\0';
    return l > 0 ? (size_t)l : 0;
}

static int s_verify(const jwt_key_t *k, const char *tok, jwt_claims_t *c, char *err)
{
    int rc = jwt_verify(k, tok, strlen(tok), NOW, c, err, 128);
    if (rc == 0)
        jwt_claims_free(c);
    return rc;
}

static const char *PL = "{\"sub\":\"grafana\",\"role\":\"viewer\",\"topics\":[\"demo.*\"],"
                        "\"exp\":1764303600,\"aud\":\"rtdash\"}";
static const char *HS = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

static void test_hs256(void)
{
    const unsigned char secret[] = "0123456789abcdef0123456789abcdef\n";
    char err[128], tok[8192];
    jwt_key_t *k = jwt_key_new(secret, sizeof secret - 1, "rtdash", err, sizeof err);
    CHECK(k && !strcmp(jwt_key_alg(k), "HS256"));
    jwt_claims_t c;
    s_hs256(secret, 32, HS, PL, tok);
    CHECK(jwt_verify(k, tok, strlen(tok), NOW, &c, err, sizeof err) == 0);
    CHECK(c.role == ROLE_VIEWER && !strcmp(c.sub, "grafana") && c.npatterns == 1 &&
          !strcmp(c.patterns[0], "demo.*") && c.exp_ms == 1764303600000LL);
    jwt_claims_free(&c);
    /* expired, not yet valid, wrong aud, no exp, bad role, bad topics */
    CHECK(jwt_verify(k, tok, strlen(tok), 1764303600000LL, &c, err, sizeof err) < 0 &&
          !strcmp(err, "expired"));
    s_hs256(secret, 32, HS,
            "{\"role\":\"admin\",\"exp\":1764303600,\"nbf\":1764303000,\"aud\":\"rtdash\"}", tok);
    CHECK(s_verify(k, tok, &c, err) < 0 && strstr(err, "nbf"));
    s_hs256(secret, 32, HS, "{\"role\":\"admin\",\"exp\":1764303600,\"aud\":\"other\"}", tok);
    CHECK(s_verify(k, tok, &c, err) < 0 && !strcmp(err, "wrong aud"));
    s_hs256(secret, 32, HS, "{\"role\":\"admin\",\"exp\":1764303600,\"aud\":[\"x\",\"rtdash\"]}",
            tok);
    CHECK(s_verify(k, tok, &c, err) == 0);
    s_hs256(secret, 32, HS, "{\"role\":\"admin\",\"aud\":\"rtdash\"}", tok);
    CHECK(s_verify(k, tok, &c, err) < 0 && !strcmp(err, "no exp"));
    s_hs256(secret, 32, HS, "{\"role\":\"root\",\"exp\":1764303600,\"aud\":\"rtdash\"}", tok);
    CHECK(s_verify(k, tok, &c, err) < 0 && strstr(err, "role"));
    s_hs256(secret, 32, HS, "{\"role\":\"viewer\",\"exp\":1764303600,\"aud\":\"rtdash\"}", tok);
    CHECK(s_verify(k, tok, &c, err) < 0 && !strcmp(err, "no topics"));
    s_hs256(secret, 32, HS,
            "{\"role\":\"viewer\",\"topics\":\"demo.*\",\"exp\":1764303600,\"aud\":\"rtdash\"}",
            tok);
    CHECK(s_verify(k, tok, &c, err) < 0 && strstr(err, "topics"));
    s_hs256(secret, 32, HS,
            "{\"role\":\"viewer\",\"role\":\"admin\",\"topics\":[\"a\"],\"exp\":1764303600,"
            "\"aud\":\"rtdash\"}",
            tok);
    CHECK(s_verify(k, tok, &c, err) < 0); /* duplicate keys */
    /* alg none, another alg, a flipped bit, padding, wrong secret */
    s_unsigned("{\"alg\":\"none\"}", PL, tok);
    strcat(tok, ".");
    CHECK(s_verify(k, tok, &c, err) < 0 && strstr(err, "alg"));
    s_hs256(secret, 32, "{\"alg\":\"HS512\"}", PL, tok);
    CHECK(s_verify(k, tok, &c, err) < 0);
    s_hs256(secret, 32, HS, PL, tok);
    size_t n = strlen(tok);
    tok[n - 2] = tok[n - 2] == 'A' ? 'B' : 'A';
    CHECK(s_verify(k, tok, &c, err) < 0 && !strcmp(err, "bad signature"));
    s_hs256(secret, 32, HS, PL, tok);
    strcat(tok, "=");
    CHECK(s_verify(k, tok, &c, err) < 0);
    s_hs256((const unsigned char *)"another secret, 32 bytes or more", 32, HS, PL, tok);
    CHECK(s_verify(k, tok, &c, err) < 0);
    CHECK(s_verify(k, "a.b", &c, err) < 0 && s_verify(k, "a.b.c.d", &c, err) < 0);
    char big[JWT_MAX + 10];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK(s_verify(k, big, &c, err) < 0 && !strcmp(err, "too long"));
    jwt_key_destroy(&k);
    CHECK(!jwt_key_new((const unsigned char *)"short", 5, NULL, err, sizeof err));
}

static void test_public_keys(void)
{
    char err[128], tok[8192], pem[4096];
    struct {
        EVP_PKEY *k;
        const char *alg;
        bool eddsa, es256;
    } keys[] = {{EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"), "ES256", false, true},
                {EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), "EdDSA", true, false},
                {EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048), "RS256", false, false}};
    for (size_t i = 0; i < 3; i++) {
        size_t pl = s_pub_pem(keys[i].k, pem, sizeof pem);
        jwt_key_t *k = jwt_key_new((const unsigned char *)pem, pl, NULL, err, sizeof err);
        CHECK(k && !strcmp(jwt_key_alg(k), keys[i].alg));
        if (!k)
            continue;
        char hdr[64];
        snprintf(hdr, sizeof hdr, "{\"alg\":\"%s\"}", keys[i].alg);
        jwt_claims_t c;
        s_sign(keys[i].k, keys[i].eddsa, keys[i].es256, hdr, PL, tok);
        CHECK(s_verify(k, tok, &c, err) == 0);
        /* algorithm confusion: HS256 keyed with the public key's PEM bytes */
        s_hs256((const unsigned char *)pem, pl, HS, PL, tok);
        CHECK(s_verify(k, tok, &c, err) < 0 && strstr(err, "alg"));
        /* signed by another key of the same kind */
        EVP_PKEY *other = i == 0   ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
                          : i == 1 ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")
                                   : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
        s_sign(other, keys[i].eddsa, keys[i].es256, hdr, PL, tok);
        CHECK(s_verify(k, tok, &c, err) < 0 && !strcmp(err, "bad signature"));
        EVP_PKEY_free(other);
        jwt_key_destroy(&k);
    }
    /* a private key or garbage PEM is refused */
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, keys[0].k, NULL, NULL, 0, NULL, NULL);
    int l = BIO_read(b, pem, sizeof pem - 1);
    BIO_free(b);
    CHECK(!jwt_key_new((const unsigned char *)pem, (size_t)l, NULL, err, sizeof err));
    CHECK(!jwt_key_new((const unsigned char *)"-----BEGIN PUBLIC KEY-----\nxx\n", 30, NULL, err,
                       sizeof err));
    for (size_t i = 0; i < 3; i++)
        EVP_PKEY_free(keys[i].k);
}

int main(void)
{
    test_hs256();
    test_public_keys();
    return CHECK_DONE();
}
