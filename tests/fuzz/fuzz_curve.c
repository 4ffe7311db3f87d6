/* SPDX-License-Identifier: MIT */
/* fuzz_curve.c - libFuzzer target for the CURVE allow-list (hub/curve.c) and
 * key files (proto/curvekey.c). The first byte picks what the rest is: an
 * allow-list file (even), or a key file (odd). Oracles: a file is accepted
 * only with at least one entry, and an error names its line; every accepted
 * entry is found again by its key and by its Z85 text, has a valid name
 * that no other entry has, and at least one valid pattern; a Z85 key read
 * from the input encodes back to the same text (one spelling per key). */
#include "curve.h"
#include "curvekey.h"
#include "topic.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* raw[0..len) is the input as given (so ASan sees reads past its end), text
 * the same bytes NUL-ended for the oracles. */
static void s_clients(const char *raw, const char *text, size_t len)
{
    curve_t *c = curve_new();
    if (!c)
        return;
    char err[256] = "";
    int n = curve_parse_clients(c, raw, len, err, sizeof err);
    if (n == 0)
        abort(); /* accepted with no entry: would allow nobody, must be an error */
    if (n < 0 && strncmp(err, "line ", 5) && !strstr(err, "no collector"))
        abort();
    if (n > 0) {
        if (curve_count(c) != (size_t)n)
            abort();
        for (size_t i = 0; i < curve_count(c); i++) {
            const curve_client_t *e = curve_at(c, i);
            uint8_t key[CURVEKEY_BYTES];
            char z[CURVEKEY_Z85_LEN + 1];
            if (curve_find(c, e->key) != e || curve_find_z85(c, e->z85, strlen(e->z85)) != e)
                abort();
            if (!curvekey_z85_decode(e->z85, strlen(e->z85), key) || memcmp(key, e->key, 32))
                abort();
            curvekey_z85_encode(e->key, z);
            if (strcmp(z, e->z85) || !memmem(text, len, z, CURVEKEY_Z85_LEN))
                abort();
            if (!curve_name_is_valid(e->name, strlen(e->name)) || e->npatterns == 0)
                abort();
            for (uint32_t k = 0; k < e->npatterns; k++)
                if (!topic_pattern_is_valid(e->patterns[k], strlen(e->patterns[k])))
                    abort();
            for (size_t j = 0; j < i; j++)
                if (!strcmp(curve_at(c, j)->name, e->name))
                    abort();
        }
    }
    curve_destroy(&c);
}

static void s_keyfile(const char *raw, const char *text, size_t len)
{
    curvekey_pair_t kp;
    char err[256] = "";
    if (curvekey_parse(raw, len, &kp, err, sizeof err) < 0) {
        if (!err[0])
            abort();
        return;
    }
    char z[CURVEKEY_Z85_LEN + 1];
    curvekey_z85_encode(kp.pub, z);
    if (strcmp(z, kp.pub_z85) || !memmem(text, len, z, CURVEKEY_Z85_LEN))
        abort();
    curvekey_z85_encode(kp.sec, z);
    if (!memmem(text, len, z, CURVEKEY_Z85_LEN))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t len = size - 1;
    char *text = malloc(len + 1); /* NUL-ended, for the oracles' string calls */
    if (!text)
        return 0;
    memcpy(text, data + 1, len);
    text[len] = '\0';
    const char *raw = (const char *)data + 1;
    if (data[0] & 1)
        s_keyfile(raw, text, len);
    else
        s_clients(raw, text, len);
    free(text);
    return 0;
}
