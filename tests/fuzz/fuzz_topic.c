/* SPDX-License-Identifier: MIT */
/* fuzz_topic.c - libFuzzer target for topic names and patterns. The input is
 * "P\nT" (or one string used as both). Checks the functions of topic.h
 * against a slow reference written from the header's comments, and the
 * properties that subscriptions rely on. */
#include "topic.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool s_seg_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

static bool s_ref_topic(const char *s, size_t n)
{
    if (n < 1 || n > TOPIC_MAX_LEN || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (s[i + 1] == '.')
                return false;
        } else if (!s_seg_char((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

static bool s_is_sub(const char *p, size_t n)
{
    return n >= 3 && p[n - 2] == '.' && p[n - 1] == '*';
}

static bool s_ref_pattern(const char *p, size_t n)
{
    if (n == 1 && p[0] == '*')
        return true;
    if (s_is_sub(p, n))
        return s_ref_topic(p, n - 2);
    return s_ref_topic(p, n);
}

/* valid pattern p, valid topic t */
static bool s_ref_match(const char *p, size_t pn, const char *t, size_t tn)
{
    if (pn == 1 && p[0] == '*')
        return true;
    if (s_is_sub(p, pn)) /* "a.*": t starts with "a." and has more */
        return tn > pn - 1 && memcmp(p, t, pn - 1) == 0;
    return pn == tn && memcmp(p, t, pn) == 0;
}

/* valid patterns p, q: every topic q matches, p matches */
static bool s_ref_covers(const char *p, size_t pn, const char *q, size_t qn)
{
    if (pn == 1 && p[0] == '*')
        return true;
    if (qn == 1 && q[0] == '*')
        return false;
    if (s_is_sub(q, qn)) {
        if (!s_is_sub(p, pn))
            return false;
        /* q's prefix equals p's prefix or lies under it */
        return qn >= pn && memcmp(p, q, pn - 1) == 0 && (qn == pn || q[pn - 2] == '.');
    }
    return s_ref_match(p, pn, q, qn);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *nl = memchr(s, '\n', size);
    const char *p = s, *t = s;
    size_t pn = size, tn = size;
    if (nl) {
        pn = (size_t)(nl - s);
        t = nl + 1;
        tn = size - pn - 1;
    }
    bool pt = topic_is_valid(p, pn), pp = topic_pattern_is_valid(p, pn);
    bool tt = topic_is_valid(t, tn), tp = topic_pattern_is_valid(t, tn);
    if (pt != s_ref_topic(p, pn) || tt != s_ref_topic(t, tn))
        abort();
    if (pp != s_ref_pattern(p, pn) || tp != s_ref_pattern(t, tn))
        abort();
    if ((pt && !pp) || (tt && !tp))
        abort();
    if (pp && tt && topic_match(p, pn, t, tn) != s_ref_match(p, pn, t, tn))
        abort();
    if (pt && !topic_match(p, pn, p, pn))
        abort();
    if (pp && !topic_pattern_covers(p, pn, p, pn))
        abort();
    if (pp && tp) {
        bool cov = topic_pattern_covers(p, pn, t, tn);
        if (cov != s_ref_covers(p, pn, t, tn))
            abort();
        /* covers(p, q) and match(q, x) imply match(p, x), for x = q itself
         * (exact q) or q's prefix plus one more segment ("a.*" -> "a.z") */
        if (cov) {
            char x[TOPIC_MAX_LEN + 8];
            size_t xn = 0;
            if (tn == 1 && t[0] == '*') {
                memcpy(x, "z", 1);
                xn = 1;
            } else if (s_is_sub(t, tn)) {
                memcpy(x, t, tn - 1);
                x[tn - 1] = 'z';
                xn = tn;
            } else {
                memcpy(x, t, tn);
                xn = tn;
            }
            if (xn <= TOPIC_MAX_LEN && topic_is_valid(x, xn) && topic_match(t, tn, x, xn) &&
                !topic_match(p, pn, x, xn))
                abort();
        }
    }
    return 0;
}
