/* SPDX-License-Identifier: MIT */
/* topic.h - topic names and subscription patterns (SPEC §2, §4).
 * Pure functions over bytes: no allocation, no globals, no recursion, so they
 * are safe on peer input and fuzzed as they are. Shared by hub and collectors. */
#ifndef RTDASH_TOPIC_H
#define RTDASH_TOPIC_H

#include <stdbool.h>
#include <stddef.h>

/* Longest topic in bytes (SPEC §2). */
#define TOPIC_MAX_LEN 128

/* True if s[0..len) is a valid topic: 1..128 bytes, segments of
 * [A-Za-z0-9_-]+ joined by '.', no empty segment. */
bool topic_is_valid(const char *s, size_t len);

/* Why s[0..len) is not a valid topic ("empty", "empty segment", ...), with
 * the offset of the first byte at fault in *at (may be NULL); NULL when it
 * is valid. For error messages: the text names no byte values. */
const char *topic_invalid_why(const char *s, size_t len, size_t *at);

/* True if s[0..len) is a valid subscription pattern: a valid topic (exact),
 * "PREFIX.*" where PREFIX is a valid topic (every topic under PREFIX at any
 * depth), or "*" (every topic). */
bool topic_pattern_is_valid(const char *s, size_t len);

/* True if the valid pattern p matches the valid topic t. "a.*" matches "a.b"
 * and "a.b.c" but not "a" nor "ab.c"; "*" matches all. */
bool topic_match(const char *p, size_t plen, const char *t, size_t tlen);

/* True if every topic matched by pattern q is also matched by pattern p
 * ("*" covers all; "a.*" covers "a.b", "a.b.*"; a pattern covers itself). */
bool topic_pattern_covers(const char *p, size_t plen, const char *q, size_t qlen);

#endif
