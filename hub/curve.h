/* SPDX-License-Identifier: MIT */
/* curve.h - the collectors allowed to publish under CURVE (SPEC §7).
 * The allow-list file (--curve-clients) has one line per collector:
 * `PUBLICKEY NAME [PATTERN...]`, PUBLICKEY in Z85 (40 characters), NAME the
 * collector's name (what the hub calls it; a message's own meta `collector`
 * no longer counts), each PATTERN a topic pattern the key may publish on
 * (`demo.*`, `system.cpu`, `*`); no pattern means `*`. A blank line, or one
 * that starts with "# ", is a comment. Anything else - a bad key, a name
 * used twice, a key listed twice, a bad pattern, a file with no entry - is an
 * error naming its line: a broken file never means "allow all" (Mosquitto
 * CVE-2018-12550). Lookups by key are one hash probe: the ingest does one
 * per message. Pure: no ZeroMQ, no lws. */
#ifndef RTDASH_CURVE_H
#define RTDASH_CURVE_H

#include "curvekey.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest NAME (a collector name, as /metrics labels it), and the most
 * patterns on one line. */
#define CURVE_NAME_MAX 64
#define CURVE_PATTERNS_MAX 256

/* One allowed key. Read-only for callers. */
typedef struct curve_client {
    uint8_t key[CURVEKEY_BYTES];
    char z85[CURVEKEY_Z85_LEN + 1];
    char name[CURVE_NAME_MAX + 1];
    char **patterns; /* owned, valid patterns, at least one */
    uint32_t npatterns;
} curve_client_t;

typedef struct curve curve_t;

/* An empty list (allows nobody). NULL if out of memory.
 * Caller owns the result: curve_destroy(). */
curve_t *curve_new(void);

/* Free the list. NULL-safe; sets *c to NULL. */
void curve_destroy(curve_t **c);

/* Add the entries of an allow-list file's text[0..len). Returns the number
 * added (>= 1), or -1 with "line N: why" (or "no collector in it ...") in err;
 * after -1 the list is unusable: destroy it. */
int curve_parse_clients(curve_t *c, const char *text, size_t len, char *err, size_t errlen);

/* Add one key that the hub made itself (a supervised collector's), allowed
 * the topics of pattern. name must be 1..CURVE_NAME_MAX bytes; it may repeat
 * a name of the file. Returns 0, or -1 with why in err (a key already
 * listed, a bad name or pattern, out of memory). */
int curve_add(curve_t *c, const uint8_t key[CURVEKEY_BYTES], const char *name, const char *pattern,
              char *err, size_t errlen);

/* Entries in the list. */
size_t curve_count(const curve_t *c);

/* The i-th entry (0 <= i < curve_count()), in the order added. Borrowed. */
const curve_client_t *curve_at(const curve_t *c, size_t i);

/* The entry of key, or NULL. Borrowed: valid until c changes. */
const curve_client_t *curve_find(const curve_t *c, const uint8_t key[CURVEKEY_BYTES]);

/* The same for a key in Z85, z85[0..len); NULL when it is not a Z85 key. */
const curve_client_t *curve_find_z85(const curve_t *c, const char *z85, size_t len);

/* May e publish on topic t[0..len)? (One of its patterns matches.) */
bool curve_permits(const curve_client_t *e, const char *t, size_t len);

/* Is s[0..len) a valid NAME: 1..CURVE_NAME_MAX bytes of A-Z a-z 0-9 . _ - ~ @ # : + */
bool curve_name_is_valid(const char *s, size_t len);

#endif
