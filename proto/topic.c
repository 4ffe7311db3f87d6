/* SPDX-License-Identifier: MIT */
/* topic.c - topic names and subscription patterns (SPEC §2, §4).
 * Everything here runs on bytes straight from the wire (ZeroMQ frames,
 * browser commands), so it never reads past len, never allocates, never
 * recurses, and needs no NUL terminator. */
#include "topic.h"

#include <string.h>

static bool s_is_segment_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

/* "PREFIX.*": the pattern is a subtree wildcard (its prefix is not checked). */
static bool s_is_subtree(const char *p, size_t plen)
{
    return plen >= 3 && p[plen - 1] == '*' && p[plen - 2] == '.';
}

static bool s_is_all(const char *p, size_t plen)
{
    return plen == 1 && p[0] == '*';
}

/* Why s[0..len) is not a valid topic, the byte where it goes wrong in *at;
 * NULL if it is valid. */
static inline const char *s_check(const char *s, size_t len, size_t *at)
{
    *at = 0;
    if (!s || len == 0)
        return "empty";
    if (len > TOPIC_MAX_LEN) {
        *at = TOPIC_MAX_LEN;
        return "longer than 128 bytes";
    }
    /* seg_len counts the bytes of the current segment; a '.' is only legal
     * after a non-empty segment, and the topic may not end on one. */
    size_t seg_len = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (seg_len == 0) {
                *at = i;
                return "empty segment";
            }
            seg_len = 0;
        } else if (s_is_segment_char(c)) {
            seg_len++;
        } else {
            *at = i;
            return "a character other than a letter, digit, '_', '-' or '.'";
        }
    }
    if (seg_len == 0) {
        *at = len;
        return "empty segment";
    }
    return NULL;
}

bool topic_is_valid(const char *s, size_t len)
{
    size_t at;
    return s_check(s, len, &at) == NULL;
}

const char *topic_invalid_why(const char *s, size_t len, size_t *at)
{
    size_t where;
    const char *why = s_check(s, len, &where);
    if (at)
        *at = where;
    return why;
}

bool topic_pattern_is_valid(const char *s, size_t len)
{
    if (!s)
        return false;
    if (s_is_all(s, len))
        return true;
    if (s_is_subtree(s, len))
        return topic_is_valid(s, len - 2);
    return topic_is_valid(s, len);
}

bool topic_match(const char *p, size_t plen, const char *t, size_t tlen)
{
    if (!p || !t)
        return false;
    if (s_is_all(p, plen))
        return true;
    if (s_is_subtree(p, plen)) {
        /* "a.*" keeps "a." and needs at least one more byte: it matches
         * "a.b" and "a.b.c", never "a" itself nor "ab.c". */
        size_t keep = plen - 1;
        return tlen > keep && memcmp(p, t, keep) == 0;
    }
    return plen == tlen && memcmp(p, t, plen) == 0;
}

bool topic_pattern_covers(const char *p, size_t plen, const char *q, size_t qlen)
{
    if (!p || !q)
        return false;
    if (s_is_all(p, plen))
        return true;
    if (s_is_all(q, qlen))
        return false;
    if (!s_is_subtree(p, plen))
        return plen == qlen && memcmp(p, q, plen) == 0;
    /* p is "A.*". A subtree "B.*" lies inside it when B is A or under A;
     * an exact topic when p matches it. */
    if (s_is_subtree(q, qlen)) {
        size_t qprefix = qlen - 2;
        if (qprefix == plen - 2 && memcmp(p, q, qprefix) == 0)
            return true;
        return topic_match(p, plen, q, qprefix);
    }
    return topic_match(p, plen, q, qlen);
}
