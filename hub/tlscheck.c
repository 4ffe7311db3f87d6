/* SPDX-License-Identifier: MIT */
/* tlscheck.c - TLS files checked with OpenSSL before lws loads them. */
#include "tlscheck.h"
#include "auth.h"
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TLS_FILE_MAX (1u << 20)

int tlscheck_files(const char *cert, const char *key, char *err, size_t errlen, char *warn,
                   size_t warnlen)
{
    char *cb = NULL, *kb = NULL;
    size_t cl, kl;
    int rc = -1;
    X509 *x = NULL;
    EVP_PKEY *k = NULL;
    warn[0] = '\0';
    if (auth_read_file(cert, TLS_FILE_MAX, false, &cb, &cl, err, errlen) < 0 ||
        auth_read_file(key, TLS_FILE_MAX, true, &kb, &kl, err, errlen) < 0)
        goto out;
    BIO *b = BIO_new_mem_buf(cb, (int)cl);
    x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (!x) {
        snprintf(err, errlen, "%s: not a PEM certificate", cert);
        goto out;
    }
    b = BIO_new_mem_buf(kb, (int)kl);
    k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (!k) {
        snprintf(err, errlen, "%s: not a PEM private key (or one with a passphrase)", key);
        goto out;
    }
    if (X509_check_private_key(x, k) != 1) {
        snprintf(err, errlen, "%s does not match the certificate %s", key, cert);
        goto out;
    }
    if (X509_cmp_current_time(X509_get0_notAfter(x)) < 0)
        snprintf(warn, warnlen, "%s has expired: browsers will refuse it", cert);
    else if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0)
        snprintf(warn, warnlen, "%s is not valid yet", cert);
    rc = 0;
out:
    X509_free(x);
    EVP_PKEY_free(k);
    if (kb) {
        OPENSSL_cleanse(kb, kl);
        free(kb);
    }
    free(cb);
    return rc;
}
