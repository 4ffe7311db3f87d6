/* SPDX-License-Identifier: MIT */
/* curvekey.h - ZeroMQ CURVE keys as rtdash writes them (SPEC §7).
 * A key is 32 bytes, written in Z85 as 40 characters. A key file is one line
 * `PUBLIC SECRET`, both in Z85, as `rtdash-pub --gen-keys FILE` writes it:
 * the hub's own (--curve-secret) and each collector's (RTDASH_CURVE_KEYFILE).
 * Shared by the hub and the collector library, so both read key files the
 * same way. The parsers are pure (no allocation, no globals) and fuzzed;
 * curvekey_read_file() is the one place that opens a key or allow-list file
 * and refuses one that others could change or read, curvekey_write_file()
 * the one that writes a key file, and curvekey_generate() and
 * curvekey_check_pair() use libzmq's CURVE (libsodium or tweetnacl). */
#ifndef RTDASH_CURVEKEY_H
#define RTDASH_CURVEKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CURVEKEY_BYTES 32
#define CURVEKEY_Z85_LEN 40
/* The largest key or allow-list file read. */
#define CURVEKEY_FILE_MAX (1u << 20)

/* A key pair from a key file. */
typedef struct curvekey_pair {
    uint8_t pub[CURVEKEY_BYTES];
    uint8_t sec[CURVEKEY_BYTES];
    char pub_z85[CURVEKEY_Z85_LEN + 1];
} curvekey_pair_t;

/* Decode s[0..len), exactly 40 Z85 characters, into out. Returns false for
 * any other length, a character outside the Z85 alphabet, or a group of five
 * whose value does not fit 32 bits (so each key has one spelling). */
bool curvekey_z85_decode(const char *s, size_t len, uint8_t out[CURVEKEY_BYTES]);

/* Encode key as 40 Z85 characters and a NUL into out. */
void curvekey_z85_encode(const uint8_t key[CURVEKEY_BYTES], char out[CURVEKEY_Z85_LEN + 1]);

/* Parse a key file's text[0..len): one line `PUBLIC SECRET` (blanks between,
 * an optional line end). Returns 0 and fills *out, or -1 with why in err.
 * Does not check that PUBLIC belongs to SECRET (that takes the crypto
 * library: zmq_curve_public()). */
int curvekey_parse(const char *text, size_t len, curvekey_pair_t *out, char *err, size_t errlen);

/* Read the file at path, at most max bytes, into *buf (NUL-ended; caller
 * owns it: free it, after wiping it when it held a secret). Refuses a
 * missing, non-regular, empty or larger file, one writable by group or
 * others, and, when secret, one readable by them. Returns 0, or -1 with
 * "PATH: why" in err. */
int curvekey_read_file(const char *path, size_t max, bool secret, char **buf, size_t *len,
                       char *err, size_t errlen);

/* A fresh key pair (zmq_curve_keypair). Returns 0, or -1 with why in err
 * (a libzmq without CURVE). */
int curvekey_generate(curvekey_pair_t *out, char *err, size_t errlen);

/* Does kp->pub belong to kp->sec (zmq_curve_public)? Returns 0, or -1 with
 * why in err. */
int curvekey_check_pair(const curvekey_pair_t *kp, char *err, size_t errlen);

/* Write kp as a key file at path, mode 0600, refusing to replace a file that
 * exists. Returns 0, or -1 with "PATH: why" in err (nothing is left behind). */
int curvekey_write_file(const char *path, const curvekey_pair_t *kp, char *err, size_t errlen);

/* Wipe n bytes at p (not optimised away). NULL-safe. */
void curvekey_wipe(void *p, size_t n);

#endif
