/* SPDX-License-Identifier: MIT */
/* jbuf.c - growable output buffer for JSON text, with headroom in front.
 * The hot appends (integers, doubles, strings) write straight into the
 * storage after one capacity check; snprintf is only used for the rare
 * doubles that need more than 15 significant digits. */
#include "jbuf.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JBUF_MIN_CAP 256

void jbuf_init(jbuf_t *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->failed = false;
}

void jbuf_free(jbuf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = false;
}

void jbuf_reset(jbuf_t *b)
{
    b->len = 0;
    b->failed = false;
}

/* Grow so that at least extra more bytes fit. Returns 0, or -1 when that
 * would pass max or malloc fails; does NOT mark the buffer failed, so callers
 * can try a tighter path first. */
static int s_grow(jbuf_t *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return -1;
    size_t need = b->len + extra;
    size_t cap = b->cap ? b->cap : JBUF_MIN_CAP;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > b->max)
        cap = b->max;
    unsigned char *p = realloc(b->data, JBUF_PRE + cap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

/* Make room for extra bytes. Returns 0, or -1 (buffer marked failed). */
static inline int s_reserve(jbuf_t *b, size_t extra)
{
    if (b->failed)
        return -1;
    if (b->cap - b->len >= extra)
        return 0;
    if (s_grow(b, extra) == 0)
        return 0;
    b->failed = true;
    return -1;
}

/* Where the next text byte goes (after s_reserve). */
static inline unsigned char *s_end(jbuf_t *b)
{
    return b->data + JBUF_PRE + b->len;
}

int jbuf_put(jbuf_t *b, const void *p, size_t n)
{
    if (s_reserve(b, n) < 0)
        return -1;
    if (n) {
        memcpy(s_end(b), p, n);
        b->len += n;
    }
    return 0;
}

int jbuf_putc(jbuf_t *b, char c)
{
    if (s_reserve(b, 1) < 0)
        return -1;
    *s_end(b) = (unsigned char)c;
    b->len++;
    return 0;
}

int jbuf_puts(jbuf_t *b, const char *s)
{
    return jbuf_put(b, s, strlen(s));
}

/* ---------------------------------------------------------------- integers */

static const char s_digits2[201] = "00010203040506070809"
                                   "10111213141516171819"
                                   "20212223242526272829"
                                   "30313233343536373839"
                                   "40414243444546474849"
                                   "50515253545556575859"
                                   "60616263646566676869"
                                   "70717273747576777879"
                                   "80818283848586878889"
                                   "90919293949596979899";

/* Write the decimal digits of v ending just before end; returns the start. */
static inline char *s_utoa_rev(char *end, uint64_t v)
{
    char *p = end;
    while (v >= 100) {
        unsigned i = (unsigned)(v % 100) * 2;
        v /= 100;
        *--p = s_digits2[i + 1];
        *--p = s_digits2[i];
    }
    if (v >= 10) {
        unsigned i = (unsigned)v * 2;
        *--p = s_digits2[i + 1];
        *--p = s_digits2[i];
    } else {
        *--p = (char)('0' + v);
    }
    return p;
}

/* Append '-' (if neg) and the digits of mag. */
static int s_put_mag(jbuf_t *b, bool neg, uint64_t mag)
{
    char tmp[24];
    char *end = tmp + sizeof tmp;
    char *p = s_utoa_rev(end, mag);
    if (neg)
        *--p = '-';
    return jbuf_put(b, p, (size_t)(end - p));
}

int jbuf_put_u64(jbuf_t *b, uint64_t v)
{
    return s_put_mag(b, false, v);
}

int jbuf_put_i64(jbuf_t *b, int64_t v)
{
    /* 0 - (uint64_t)v is the magnitude even for INT64_MIN. */
    return v < 0 ? s_put_mag(b, true, 0 - (uint64_t)v) : s_put_mag(b, false, (uint64_t)v);
}

/* ----------------------------------------------------------------- doubles */

#ifdef __SIZEOF_INT128__
typedef unsigned __int128 u128_t;

#define S_E19 10000000000000000000ULL
/* 10^0 .. 10^22, exact */
static const u128_t s_pow10[23] = {
    1ULL,
    10ULL,
    100ULL,
    1000ULL,
    10000ULL,
    100000ULL,
    1000000ULL,
    10000000ULL,
    100000000ULL,
    1000000000ULL,
    10000000000ULL,
    100000000000ULL,
    1000000000000ULL,
    10000000000000ULL,
    100000000000000ULL,
    1000000000000000ULL,
    10000000000000000ULL,
    100000000000000000ULL,
    1000000000000000000ULL,
    S_E19,
    (u128_t)S_E19 * 10,
    (u128_t)S_E19 * 100,
    (u128_t)S_E19 * 1000,
};

/* Does r = round(v * 10^k) (ties to even) read back as v = m * 2^-s? It does
 * exactly when r lies in v's rounding interval: within half a unit in the
 * last place (a quarter below a power of two, where the next lower value is
 * closer), boundaries included when m is even (strtod rounds ties to even).
 * *out receives r. */
static bool s_reads_back(uint64_t m, int s, bool pow2, int k, u128_t *out)
{
    const u128_t one = 1;
    u128_t n = (u128_t)m * s_pow10[k]; /* v * 10^k * 2^s, exact */
    u128_t r = n >> s;
    u128_t rem = n & ((one << s) - 1);
    u128_t half = one << (s - 1);
    bool up = rem > half || (rem == half && (r & 1));
    u128_t d = up ? (one << s) - rem : rem; /* |r' * 2^s - n| */
    *out = up ? r + 1 : r;
    /* |r' - v*10^k| <= 10^k * ulp/2  <=>  2d <= 10^k (4d on the narrow side) */
    u128_t lhs = (pow2 && !up && rem != 0) ? 4 * d : 2 * d;
    return (m & 1) == 0 ? lhs <= s_pow10[k] : lhs < s_pow10[k];
}

/* Shortest fixed-notation text of the positive non-integer value
 * v = m * 2^-s (m a normal mantissa of `bits` bits, 1 <= s <= 66) that reads
 * back as v, in exact integer arithmetic (no snprintf, no strtod).
 *
 * The fewest decimals k for which round(v * 10^k) reads back gives the fewest
 * significant digits. Reading back is monotonic in k (if r works for k, the
 * nearest value for k+1 is at least as close as 10r), so after trying k = 1..3
 * (short decimals, the common case) a binary search finds it. With up to 15
 * digits (6 for floats) only one decimal reads back, and with more, r is the
 * correctly rounded one, so the text is exactly what the first of %.15g,
 * %.16g, %.17g that reads back would print (%.6g..%.9g for floats), as long
 * as that is fixed notation: callers keep v within [1e-4, 1e15) for doubles
 * and [1e-4, 1e5) for floats, where kmax decimals always read back.
 * Writes into out (>= 48 bytes) and returns the length, or 0 if it gives up. */
static size_t s_shortest_fixed(uint64_t m, int s, int bits, int kmax, char *out)
{
    const bool pow2 = m == (1ULL << (bits - 1));
    u128_t r = 0;
    int k = 1;
    while (k <= 3 && !s_reads_back(m, s, pow2, k, &r))
        k++;
    if (k > 3) {
        int lo = 4, hi = kmax;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (s_reads_back(m, s, pow2, mid, &r))
                hi = mid;
            else
                lo = mid + 1;
        }
        k = lo;
        if (!s_reads_back(m, s, pow2, k, &r))
            return 0; /* cannot happen for the ranges callers use */
    }
    if (r >= (u128_t)S_E19)
        return 0; /* idem */
    /* the digits of r, then the point k digits from the right */
    char tmp[48];
    char *end = tmp + sizeof tmp;
    char *p = s_utoa_rev(end, (uint64_t)r);
    while (end - p <= k)
        *--p = '0'; /* at least one digit before the point */
    size_t ndig = (size_t)(end - p), nint = ndig - (size_t)k;
    for (size_t i = 0; i < nint; i++)
        out[i] = p[i];
    out[nint] = '.';
    for (size_t i = nint; i < ndig; i++)
        out[i + 1] = p[i];
    return ndig + 1;
}
#endif

/* printf-family output in the current locale -> C locale text: every run of
 * bytes that is not a digit, sign or exponent mark is the decimal point.
 * Returns the new length. */
static size_t s_delocalize(char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch >= '0' && ch <= '9') || ch == '-' || ch == '+' || ch == 'e') {
            s[o++] = (char)ch;
            i++;
        } else {
            s[o++] = '.';
            while (i < n &&
                   !((s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '+' || s[i] == 'e'))
                i++;
        }
    }
    return o;
}

int jbuf_put_double(jbuf_t *b, double v)
{
    if (!isfinite(v))
        return jbuf_put(b, "null", 4);
    double a = fabs(v);
    /* Integers up to 2^53 (also -0.0 -> "0"). */
    if (a <= 9007199254740992.0 && v == (double)(int64_t)v)
        return jbuf_put_i64(b, (int64_t)v);
    char out[48];
    size_t n = 0;
#ifdef __SIZEOF_INT128__
    if (a >= 1e-4 && a < 1e15) {
        uint64_t bits;
        memcpy(&bits, &a, sizeof bits);
        int e = (int)(bits >> 52); /* biased exponent: normal here */
        uint64_t m = (bits & ((1ULL << 52) - 1)) | (1ULL << 52);
        out[0] = '-';
        size_t neg = v < 0;
        n = s_shortest_fixed(m, 1075 - e, 53, 21, out + neg);
        if (n)
            n += neg;
    }
#endif
    if (!n) {
        /* Rare: needs 16-17 digits, or very large / very small. The strtod
         * check runs in the same locale as snprintf, so it is consistent.
         * Subnormals have fewer significant bits, so a 15-digit text is not
         * the shortest there: start from one digit. */
        for (int prec = a < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
            int len = snprintf(out, sizeof out, "%.*g", prec, v);
            if (len <= 0 || (size_t)len >= sizeof out)
                return jbuf_put(b, "null", 4); /* cannot happen */
            n = (size_t)len;
            if (prec == 17 || strtod(out, NULL) == v)
                break;
        }
        n = s_delocalize(out, n);
    }
    return jbuf_put(b, out, n);
}

int jbuf_put_float(jbuf_t *b, float v)
{
    if (!isfinite(v))
        return jbuf_put(b, "null", 4);
    float a = fabsf(v);
    if (a <= 16777216.0f && v == (float)(int32_t)v)
        return jbuf_put_i64(b, (int64_t)(int32_t)v);
    char out[48];
    size_t n = 0;
#ifdef __SIZEOF_INT128__
    if (a >= 1e-4f && a < 1e5f) {
        uint32_t bits;
        memcpy(&bits, &a, sizeof bits);
        int e = (int)(bits >> 23); /* biased exponent: normal here */
        uint64_t m = (bits & ((1U << 23) - 1)) | (1U << 23);
        out[0] = '-';
        size_t neg = v < 0;
        n = s_shortest_fixed(m, 150 - e, 24, 13, out + neg);
        if (n)
            return jbuf_put(b, out, n + neg);
    }
#endif
    for (int prec = a < FLT_MIN ? 1 : 6; prec <= 9; prec++) {
        int len = snprintf(out, sizeof out, "%.*g", prec, (double)v);
        if (len <= 0 || (size_t)len >= sizeof out)
            return jbuf_put(b, "null", 4); /* cannot happen */
        n = (size_t)len;
        if (prec == 9 || strtof(out, NULL) == v)
            break;
    }
    n = s_delocalize(out, n);
    return jbuf_put(b, out, n);
}

/* ----------------------------------------------------------------- strings */

/* Byte classes for the string escaper: 0 = copy as is (ASCII), 1 = needs an
 * escape (controls, '"', '\\'), 2 = start of a multi-byte sequence or an
 * invalid byte. */
static const unsigned char s_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 00 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 10 */
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 20 '"' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 30 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 40 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 50 '\\' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 60 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 70 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 80 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 90 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* a0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* b0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* c0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* d0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* e0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* f0 */
};

/* Length of the well-formed UTF-8 sequence at s[0..n) (n >= 1, s[0] >= 0x80),
 * or minus the length of its maximal ill-formed subpart (Unicode 3.9, Table
 * 3-7; the policy of the WHATWG decoder): each such subpart becomes one
 * U+FFFD. Rejects overlongs, surrogates and code points above U+10FFFF. */
static int s_utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    int need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return -1; /* 80..C1, F5..FF: never a lead byte */
    }
    if (n < 2 || s[1] < lo || s[1] > hi)
        return -1;
    for (int i = 2; i < need; i++)
        if ((size_t)i >= n || (s[i] & 0xC0) != 0x80)
            return -i;
    return need;
}

int jbuf_utf8_seq(const unsigned char *s, size_t n)
{
    return s_utf8_seq(s, n);
}

static const char s_hex[] = "0123456789abcdef";

/* Escape s[0..n) into dst, which has room for 6 * n bytes. Returns the number
 * of bytes written. */
static size_t s_escape(unsigned char *dst, const unsigned char *s, size_t n)
{
    unsigned char *o = dst;
    size_t i = 0;
    while (i < n) {
        /* plain ASCII run */
        size_t j = i;
        while (j < n && s_class[s[j]] == 0)
            j++;
        if (j > i) {
            memcpy(o, s + i, j - i);
            o += j - i;
            i = j;
            if (i == n)
                break;
        }
        unsigned char c = s[i];
        if (s_class[c] == 1) {
            *o++ = '\\';
            switch (c) {
            case '"':
                *o++ = '"';
                break;
            case '\\':
                *o++ = '\\';
                break;
            case '\n':
                *o++ = 'n';
                break;
            case '\t':
                *o++ = 't';
                break;
            case '\r':
                *o++ = 'r';
                break;
            case '\b':
                *o++ = 'b';
                break;
            case '\f':
                *o++ = 'f';
                break;
            default:
                o[0] = 'u';
                o[1] = '0';
                o[2] = '0';
                o[3] = (unsigned char)s_hex[c >> 4];
                o[4] = (unsigned char)s_hex[c & 15];
                o += 5;
                break;
            }
            i++;
        } else {
            int k = s_utf8_seq(s + i, n - i);
            if (k > 0) {
                memcpy(o, s + i, (size_t)k);
                o += k;
                i += (size_t)k;
            } else {
                o[0] = 0xEF; /* U+FFFD */
                o[1] = 0xBF;
                o[2] = 0xBD;
                o += 3;
                i += (size_t)-k;
            }
        }
    }
    return (size_t)(o - dst);
}

/* Exact escaped length of s[0..n) (for the slow path near the cap). */
static size_t s_escape_len(const unsigned char *s, size_t n)
{
    size_t len = 0;
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (s_class[c] == 0) {
            len++;
            i++;
        } else if (s_class[c] == 1) {
            len += (c == '"' || c == '\\' || c == '\n' || c == '\t' || c == '\r' || c == '\b' ||
                    c == '\f')
                       ? 2
                       : 6;
            i++;
        } else {
            int k = s_utf8_seq(s + i, n - i);
            if (k > 0) {
                len += (size_t)k;
                i += (size_t)k;
            } else {
                len += 3;
                i += (size_t)-k;
            }
        }
    }
    return len;
}

int jbuf_put_jstr(jbuf_t *b, const char *s, size_t n)
{
    if (b->failed)
        return -1;
    const unsigned char *u = (const unsigned char *)s;
    size_t worst = n <= (SIZE_MAX - 2) / 6 ? 6 * n + 2 : SIZE_MAX;
    if (b->cap - b->len < worst && s_grow(b, worst) < 0) {
        /* Near the cap: reserve exactly what is needed (or fail). */
        worst = s_escape_len(u, n) + 2;
        if (s_reserve(b, worst) < 0)
            return -1;
        /* s_escape needs 6n of room only in the worst case; with the exact
         * length reserved it writes exactly that many bytes. */
    }
    unsigned char *o = s_end(b);
    *o++ = '"';
    if (n)
        o += s_escape(o, u, n);
    *o++ = '"';
    b->len = (size_t)(o - (b->data + JBUF_PRE));
    return 0;
}

/* ------------------------------------------------------------------ base64 */

static const char s_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int jbuf_put_b64str(jbuf_t *b, const void *p, size_t n)
{
    const unsigned char *s = p;
    if (n > (SIZE_MAX - 8) / 4 * 3)
        return s_reserve(b, SIZE_MAX);
    size_t out = (n + 2) / 3 * 4 + 2;
    if (s_reserve(b, out) < 0)
        return -1;
    unsigned char *o = s_end(b);
    *o++ = '"';
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        o[0] = (unsigned char)s_b64[v >> 18];
        o[1] = (unsigned char)s_b64[(v >> 12) & 63];
        o[2] = (unsigned char)s_b64[(v >> 6) & 63];
        o[3] = (unsigned char)s_b64[v & 63];
        o += 4;
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)s[i] << 16;
        o[0] = (unsigned char)s_b64[v >> 18];
        o[1] = (unsigned char)s_b64[(v >> 12) & 63];
        o[2] = '=';
        o[3] = '=';
        o += 4;
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
        o[0] = (unsigned char)s_b64[v >> 18];
        o[1] = (unsigned char)s_b64[(v >> 12) & 63];
        o[2] = (unsigned char)s_b64[(v >> 6) & 63];
        o[3] = '=';
        o += 4;
    }
    *o++ = '"';
    b->len += out;
    return 0;
}
