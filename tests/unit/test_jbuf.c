/* SPDX-License-Identifier: MIT */
/* test_jbuf.c - the JSON output buffer: growth and caps, integers, shortest
 * doubles and floats (checked against a reference written with snprintf and
 * strtod), string escaping with U+FFFD for invalid UTF-8, base64. */
#include "check.h"
#include "jbuf.h"
#include "rng.h"

#include <float.h>
#include <jansson.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t s_rng = 0x9E3779B97F4A7C15ULL;

static uint64_t s_rand64(void)
{
    return rng_next(&s_rng);
}

/* The text of b as a NUL-terminated string (static storage). */
static const char *s_text(jbuf_t *b)
{
    static char tmp[4096];
    size_t n = b->len < sizeof tmp - 1 ? b->len : sizeof tmp - 1;
    if (n)
        memcpy(tmp, jbuf_text(b), n);
    tmp[n] = '\0';
    return tmp;
}

static const char *s_dbl(double v)
{
    static jbuf_t b;
    if (!b.max)
        jbuf_init(&b, 1024);
    jbuf_reset(&b);
    jbuf_put_double(&b, v);
    return s_text(&b);
}

static const char *s_flt(float v)
{
    static jbuf_t b;
    if (!b.max)
        jbuf_init(&b, 1024);
    jbuf_reset(&b);
    jbuf_put_float(&b, v);
    return s_text(&b);
}

static const char *s_str(const char *s, size_t n)
{
    static jbuf_t b;
    if (!b.max)
        jbuf_init(&b, 1 << 20);
    jbuf_reset(&b);
    jbuf_put_jstr(&b, s, n);
    return s_text(&b);
}

/* The rule, written the slow obvious way: integers up to 2^53 as integers,
 * else the first of %.15g (%.1g for subnormals) .. %.17g that reads back. */
static void s_ref_double(double v, char *out, size_t len)
{
    if (!isfinite(v)) {
        snprintf(out, len, "null");
        return;
    }
    if (fabs(v) <= 9007199254740992.0 && v == trunc(v)) {
        snprintf(out, len, "%lld", (long long)v);
        return;
    }
    for (int p = fabs(v) < DBL_MIN ? 1 : 15; p <= 17; p++) {
        snprintf(out, len, "%.*g", p, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

static void s_ref_float(float v, char *out, size_t len)
{
    if (!isfinite(v)) {
        snprintf(out, len, "null");
        return;
    }
    if (fabsf(v) <= 16777216.0f && v == truncf(v)) {
        snprintf(out, len, "%lld", (long long)v);
        return;
    }
    for (int p = fabsf(v) < FLT_MIN ? 1 : 6; p <= 9; p++) {
        snprintf(out, len, "%.*g", p, (double)v);
        if (strtof(out, NULL) == v)
            return;
    }
}

/* Number of significant digits in a %g-style text. */
static int s_sig_digits(const char *s)
{
    int n = 0, started = 0, pending_zeros = 0;
    for (; *s && *s != 'e'; s++) {
        if (*s >= '1' && *s <= '9') {
            n += pending_zeros + 1;
            pending_zeros = 0;
            started = 1;
        } else if (*s == '0' && started) {
            pending_zeros++;
        }
    }
    return n ? n : 1;
}

/* Fewest %.Ng digits that read back as v (brute force). */
static int s_min_digits(double v)
{
    char tmp[64];
    for (int p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*g", p, v);
        if (strtod(tmp, NULL) == v)
            return p;
    }
    return 17;
}

/* A JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int s_is_json_number(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (*s >= '1' && *s <= '9')
        while (*s >= '0' && *s <= '9')
            s++;
    else
        return 0;
    if (*s == '.') {
        s++;
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

static void test_buffer(void)
{
    jbuf_t b;
    jbuf_init(&b, 10);
    CHECK(jbuf_text(&b) == NULL);
    CHECK(b.len == 0 && !jbuf_failed(&b));
    CHECK(jbuf_puts(&b, "hello") == 0);
    CHECK(b.data != NULL && jbuf_text(&b) == b.data + JBUF_PRE);
    CHECK(jbuf_putc(&b, ',') == 0);
    CHECK(jbuf_put(&b, "abcd", 4) == 0);
    CHECK(b.len == 10);
    CHECK(memcmp(jbuf_text(&b), "hello,abcd", 10) == 0);
    CHECK(jbuf_putc(&b, 'x') == -1); /* over max */
    CHECK(jbuf_failed(&b));
    CHECK(jbuf_puts(&b, "") == -1); /* failed stays failed */
    CHECK(b.len == 10);
    jbuf_reset(&b);
    CHECK(!jbuf_failed(&b) && b.len == 0);
    CHECK(jbuf_put(&b, "0123456789a", 11) == -1);
    CHECK(b.len == 0 && jbuf_failed(&b));
    jbuf_reset(&b);
    CHECK(jbuf_put(&b, NULL, 0) == 0);
    jbuf_free(&b);
    CHECK(b.data == NULL && b.len == 0);

    /* growth keeps the content */
    jbuf_init(&b, 1 << 20);
    for (int i = 0; i < 100000; i++)
        jbuf_putc(&b, (char)('a' + i % 26));
    CHECK(b.len == 100000 && !jbuf_failed(&b));
    int good = 1;
    for (int i = 0; i < 100000; i++)
        good &= jbuf_text(&b)[i] == 'a' + i % 26;
    CHECK(good);
    CHECK(b.cap <= b.max);
    jbuf_free(&b);
    jbuf_free(&b); /* twice is fine */
}

static void test_integers(void)
{
    jbuf_t b;
    jbuf_init(&b, 1024);
    static const struct {
        int64_t v;
        const char *s;
    } iv[] = {
        {0, "0"},
        {1, "1"},
        {-1, "-1"},
        {9, "9"},
        {10, "10"},
        {99, "99"},
        {100, "100"},
        {-100, "-100"},
        {1234567890123LL, "1234567890123"},
        {INT64_MAX, "9223372036854775807"},
        {INT64_MIN, "-9223372036854775808"},
    };
    for (size_t i = 0; i < sizeof iv / sizeof iv[0]; i++) {
        jbuf_reset(&b);
        jbuf_put_i64(&b, iv[i].v);
        CHECK_STREQ(s_text(&b), iv[i].s);
    }
    jbuf_reset(&b);
    jbuf_put_u64(&b, UINT64_MAX);
    CHECK_STREQ(s_text(&b), "18446744073709551615");
    jbuf_reset(&b);
    jbuf_put_u64(&b, 0);
    CHECK_STREQ(s_text(&b), "0");
    /* random against snprintf */
    int bad = 0;
    for (int i = 0; i < 100000; i++) {
        uint64_t r = s_rand64() >> (s_rand64() % 64);
        char ref[32];
        jbuf_reset(&b);
        jbuf_put_u64(&b, r);
        snprintf(ref, sizeof ref, "%llu", (unsigned long long)r);
        bad += strcmp(s_text(&b), ref) != 0;
        jbuf_reset(&b);
        jbuf_put_i64(&b, (int64_t)r * ((i & 1) ? -1 : 1));
        snprintf(ref, sizeof ref, "%lld", (long long)((int64_t)r * ((i & 1) ? -1 : 1)));
        bad += strcmp(s_text(&b), ref) != 0;
    }
    CHECK(bad == 0);
    jbuf_free(&b);
}

static void test_doubles_table(void)
{
    static const struct {
        double v;
        const char *s;
    } dv[] = {
        {0.0, "0"},
        {-0.0, "0"},
        {3.0, "3"},
        {-42.0, "-42"},
        {0.1, "0.1"},
        {-0.1, "-0.1"},
        {12.5, "12.5"},
        {3.1, "3.1"},
        {0.42, "0.42"},
        {0.1 + 0.2, "0.30000000000000004"},
        {1e300, "1e+300"},
        {-1e300, "-1e+300"},
        {1e15, "1000000000000000"},
        {1e16, "1e+16"},
        {9007199254740992.0, "9007199254740992"},
        {9007199254740994.0, "9007199254740994"},
        {1000000000000000.5, "1000000000000000.5"},
        {123456.789, "123456.789"},
        {0.0001, "0.0001"},
        {0.00012345, "0.00012345"},
        {0.00001, "1e-05"},
        {1.5e-7, "1.5e-07"},
        {123456789.12345679, "123456789.12345679"},
        {5e-324, "5e-324"},
        {2.2250738585072014e-308, "2.2250738585072014e-308"},
        {DBL_MAX, "1.7976931348623157e+308"},
        {99999999999999.9, "99999999999999.9"},
        {999999999999999.9, "999999999999999.9"},
        {NAN, "null"},
        {INFINITY, "null"},
        {-INFINITY, "null"},
    };
    for (size_t i = 0; i < sizeof dv / sizeof dv[0]; i++) {
        const char *got = s_dbl(dv[i].v);
        if (strcmp(got, dv[i].s) != 0)
            fprintf(stderr, "double %.17g: got %s want %s\n", dv[i].v, got, dv[i].s);
        CHECK_STREQ(got, dv[i].s);
    }
}

/* 100k doubles from random bits and 100k "decimal-looking" ones (the fast
 * path): each must read back exactly, have the fewest digits, be a JSON
 * number, and equal the reference rule's text. */
static void test_doubles_random(void)
{
    int bad_rt = 0, bad_ref = 0, bad_short = 0, bad_json = 0, n = 0;
    char ref[64];
    for (int i = 0; i < 600000; i++) {
        double v;
        if (i % 3 == 0) {
            uint64_t bits = s_rand64();
            memcpy(&v, &bits, sizeof v);
            if (!isfinite(v))
                continue;
        } else if (i % 3 == 1) {
            /* m / 10^k with m up to 17 digits, k 0..20, random sign */
            uint64_t m = s_rand64() % (1 + (s_rand64() % 100000000000000000ULL));
            int k = (int)(s_rand64() % 21);
            v = (double)m / pow(10, k);
            if (s_rand64() & 1)
                v = -v;
        } else {
            /* any mantissa, magnitude 2^-16 .. 2^52 (the usual range) */
            uint64_t bits = (s_rand64() & ((1ULL << 52) - 1)) |
                            (uint64_t)(1023 - 16 + (int)(s_rand64() % 69)) << 52;
            memcpy(&v, &bits, sizeof v);
        }
        n++;
        const char *got = s_dbl(v);
        if (strtod(got, NULL) != v)
            bad_rt++;
        s_ref_double(v, ref, sizeof ref);
        if (strcmp(got, ref) != 0) {
            if (bad_ref < 5)
                fprintf(stderr, "double %a: got %s ref %s\n", v, got, ref);
            bad_ref++;
        }
        if (!s_is_json_number(got))
            bad_json++;
        /* shortest: no text with fewer significant digits reads back (the
         * integer rule may print more digits than needed, e.g. 1e15) */
        if (!(fabs(v) <= 9007199254740992.0 && v == trunc(v)) &&
            s_sig_digits(got) != s_min_digits(v))
            bad_short++;
    }
    CHECK(n > 550000);
    CHECK(bad_rt == 0);
    CHECK(bad_ref == 0);
    CHECK(bad_short == 0);
    CHECK(bad_json == 0);
}

/* Powers of two and their neighbours (where the rounding interval is
 * lopsided), and decimal-looking values next to their neighbours, against
 * the reference rule. */
static void test_doubles_edges(void)
{
    int bad = 0, n = 0;
    char ref[64];
    for (int e = -1074; e <= 1023; e++) {
        double p = ldexp(1.0, e);
        double vs[5] = {p, nextafter(p, 0), nextafter(p, INFINITY), -p, p * 1.5};
        for (int i = 0; i < 5; i++) {
            if (!isfinite(vs[i]))
                continue;
            n++;
            s_ref_double(vs[i], ref, sizeof ref);
            const char *got = s_dbl(vs[i]);
            if (strcmp(got, ref) != 0) {
                if (bad < 5)
                    fprintf(stderr, "double %a: got %s ref %s\n", vs[i], got, ref);
                bad++;
            }
        }
        float f = ldexpf(1.0f, e < -149 ? -149 : e > 127 ? 127 : e);
        float fs[4] = {f, nextafterf(f, 0), nextafterf(f, INFINITY), f * 1.5f};
        for (int i = 0; i < 4; i++) {
            if (!isfinite(fs[i]))
                continue;
            s_ref_float(fs[i], ref, sizeof ref);
            const char *got = s_flt(fs[i]);
            if (strcmp(got, ref) != 0) {
                if (bad < 5)
                    fprintf(stderr, "float %a: got %s ref %s\n", (double)fs[i], got, ref);
                bad++;
            }
        }
    }
    /* short decimals and the doubles right next to them (17 digits) */
    for (int i = 0; i < 200000; i++) {
        double v = (double)(s_rand64() % 100000000) / pow(10, (double)(s_rand64() % 12));
        double vs[3] = {v, nextafter(v, 0), nextafter(v, INFINITY)};
        for (int j = 0; j < 3; j++) {
            s_ref_double(vs[j], ref, sizeof ref);
            bad += strcmp(s_dbl(vs[j]), ref) != 0;
            n++;
        }
        float f = (float)v;
        float fs[3] = {f, nextafterf(f, 0), nextafterf(f, INFINITY)};
        for (int j = 0; j < 3; j++) {
            s_ref_float(fs[j], ref, sizeof ref);
            bad += strcmp(s_flt(fs[j]), ref) != 0;
        }
    }
    CHECK(n > 600000);
    CHECK(bad == 0);
}

static void test_floats(void)
{
    CHECK_STREQ(s_flt(0.1f), "0.1");
    CHECK_STREQ(s_flt(1.5f), "1.5");
    CHECK_STREQ(s_flt(-0.0f), "0");
    CHECK_STREQ(s_flt(16777216.0f), "16777216");
    CHECK_STREQ(s_flt(3.14159274101257324f), "3.1415927");
    CHECK_STREQ(s_flt(FLT_MAX), "3.4028235e+38");
    CHECK_STREQ(s_flt(1e-45f), "1e-45");
    CHECK_STREQ(s_flt(1e10f), "1e+10");
    CHECK_STREQ(s_flt(NAN), "null");
    CHECK_STREQ(s_flt(-INFINITY), "null");
    int bad_rt = 0, bad_ref = 0, bad_json = 0;
    char ref[64];
    for (int i = 0; i < 500000; i++) {
        uint32_t bits = (uint32_t)s_rand64();
        float v;
        memcpy(&v, &bits, sizeof v);
        if (!isfinite(v))
            continue;
        const char *got = s_flt(v);
        if (strtof(got, NULL) != v)
            bad_rt++;
        s_ref_float(v, ref, sizeof ref);
        bad_ref += strcmp(got, ref) != 0;
        bad_json += !s_is_json_number(got);
    }
    CHECK(bad_rt == 0);
    CHECK(bad_ref == 0);
    CHECK(bad_json == 0);
}

#define STR(lit) s_str(lit, sizeof(lit) - 1)

static void test_strings(void)
{
    CHECK_STREQ(STR(""), "\"\"");
    CHECK_STREQ(STR("plain ascii"), "\"plain ascii\"");
    CHECK_STREQ(STR("q\"b\\s/"), "\"q\\\"b\\\\s/\"");
    CHECK_STREQ(STR("\n\t\r\b\f"), "\"\\n\\t\\r\\b\\f\"");
    CHECK_STREQ(STR("\x01\x1f\x7f"), "\"\\u0001\\u001f\x7f\"");
    CHECK_STREQ(STR("a\0b"), "\"a\\u0000b\"");
    CHECK_STREQ(STR("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
                "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
    CHECK_STREQ(STR("\xe2\x80\xa8"), "\"\xe2\x80\xa8\"");         /* U+2028 kept */
    CHECK_STREQ(STR("\xef\xbf\xbd"), "\"\xef\xbf\xbd\"");         /* U+FFFD itself */
    CHECK_STREQ(STR("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\""); /* U+10FFFF */
    CHECK_STREQ(STR("\xed\x9f\xbf"), "\"\xed\x9f\xbf\"");         /* U+D7FF */
    CHECK_STREQ(STR("\xee\x80\x80"), "\"\xee\x80\x80\"");         /* U+E000 */
    /* invalid: one U+FFFD per maximal subpart */
#define R "\xef\xbf\xbd"
    CHECK_STREQ(STR("\xff"), "\"" R "\"");
    CHECK_STREQ(STR("\x80"), "\"" R "\"");
    CHECK_STREQ(STR("\xc0\x80"), "\"" R R "\"");             /* overlong NUL */
    CHECK_STREQ(STR("\xc1\xbf"), "\"" R R "\"");             /* overlong */
    CHECK_STREQ(STR("\xe0\x80\xaf"), "\"" R R R "\"");       /* overlong 3-byte */
    CHECK_STREQ(STR("\xf0\x80\x80\xaf"), "\"" R R R R "\""); /* overlong 4-byte */
    CHECK_STREQ(STR("\xed\xa0\x80"), "\"" R R R "\"");       /* surrogate D800 */
    CHECK_STREQ(STR("\xed\xbf\xbf"), "\"" R R R "\"");       /* surrogate DFFF */
    CHECK_STREQ(STR("\xf4\x90\x80\x80"), "\"" R R R R "\""); /* > U+10FFFF */
    CHECK_STREQ(STR("\xf5\x80\x80\x80"), "\"" R R R R "\"");
    CHECK_STREQ(STR("\xe2\x82"), "\"" R "\"");   /* truncated at end */
    CHECK_STREQ(STR("\xe2\x82x"), "\"" R "x\""); /* truncated mid-string */
    CHECK_STREQ(STR("\xf0\x9f\x98"), "\"" R "\"");
    CHECK_STREQ(STR("\xf0\x9f\x98\""), "\"" R "\\\"\"");
    CHECK_STREQ(STR("\xc3"), "\"" R "\"");
    CHECK_STREQ(STR("a\xc3\xc3\xa9"), "\"a" R "\xc3\xa9\"");
#undef R

    /* near the cap: the exact-length path */
    jbuf_t b;
    jbuf_init(&b, 12);
    CHECK(jbuf_put_jstr(&b, "0123456789", 10) == 0); /* 12 bytes: fits exactly */
    CHECK(b.len == 12 && !jbuf_failed(&b));
    jbuf_reset(&b);
    CHECK(jbuf_put_jstr(&b, "0123456789a", 11) == -1);
    CHECK(jbuf_failed(&b));
    jbuf_reset(&b);
    CHECK(jbuf_put_jstr(&b, "\n\n\n\n\n", 5) == 0); /* 12 */
    CHECK(b.len == 12);
    jbuf_reset(&b);
    CHECK(jbuf_put_jstr(&b, "\x01\x01", 2) == -1); /* 14 > 12 */
    CHECK(jbuf_failed(&b));
    jbuf_free(&b);
}

/* Random byte strings: the output is always one valid JSON string (jansson
 * checks UTF-8 and escapes), and valid UTF-8 input comes back unchanged. */
static void test_strings_random(void)
{
    jbuf_t b;
    jbuf_init(&b, 1 << 20);
    unsigned char in[64];
    int bad = 0, bad_rt = 0, valid_inputs = 0;
    for (int i = 0; i < 50000; i++) {
        size_t n = s_rand64() % sizeof in;
        for (size_t j = 0; j < n; j++) {
            uint64_t r = s_rand64();
            /* bias towards UTF-8-ish bytes */
            in[j] = (r & 3) == 0   ? (unsigned char)(0x80 | (r >> 8 & 0x3f))
                    : (r & 3) == 1 ? (unsigned char)(0xc0 | (r >> 8 & 0x3f))
                                   : (unsigned char)(r >> 8);
        }
        jbuf_reset(&b);
        jbuf_put_jstr(&b, (const char *)in, n);
        json_error_t err;
        json_t *j =
            json_loadb((const char *)jbuf_text(&b), b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
        if (!j || !json_is_string(j)) {
            bad++;
        } else {
            /* does the input itself decode as UTF-8? ask jansson */
            jbuf_t raw;
            jbuf_init(&raw, 1024);
            jbuf_putc(&raw, '"');
            for (size_t k = 0; k < n; k++) {
                if (in[k] < 0x20 || in[k] == '"' || in[k] == '\\') {
                    char esc[8];
                    snprintf(esc, sizeof esc, "\\u%04x", in[k]);
                    jbuf_puts(&raw, esc);
                } else {
                    jbuf_putc(&raw, (char)in[k]);
                }
            }
            jbuf_putc(&raw, '"');
            json_t *r = json_loadb((const char *)jbuf_text(&raw), raw.len,
                                   JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
            if (r) {
                valid_inputs++;
                if (json_string_length(j) != n || memcmp(json_string_value(j), in, n) != 0)
                    bad_rt++;
                json_decref(r);
            }
            jbuf_free(&raw);
        }
        json_decref(j);
    }
    CHECK(bad == 0);
    CHECK(bad_rt == 0);
    CHECK(valid_inputs > 1000);
    jbuf_free(&b);
}

static void test_base64(void)
{
    static const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *out[] = {"\"\"",         "\"Zg==\"",     "\"Zm8=\"",    "\"Zm9v\"",
                                "\"Zm9vYg==\"", "\"Zm9vYmE=\"", "\"Zm9vYmFy\""};
    jbuf_t b;
    jbuf_init(&b, 1024);
    for (int i = 0; i < 7; i++) {
        jbuf_reset(&b);
        CHECK(jbuf_put_b64str(&b, in[i], strlen(in[i])) == 0);
        CHECK_STREQ(s_text(&b), out[i]);
    }
    jbuf_reset(&b);
    CHECK(jbuf_put_b64str(&b, "\x00\x01\x02\xff\xfe\xfb", 6) == 0);
    CHECK_STREQ(s_text(&b), "\"AAEC//77\"");
    jbuf_free(&b);
    jbuf_init(&b, 5);
    CHECK(jbuf_put_b64str(&b, "abc", 3) == -1); /* 6 bytes > 5 */
    CHECK(jbuf_failed(&b));
    jbuf_free(&b);
}

int main(void)
{
    /* Whatever locale the process runs in, the text is the same. */
    setlocale(LC_ALL, "");
    test_buffer();
    test_integers();
    test_doubles_table();
    test_doubles_random();
    test_doubles_edges();
    test_floats();
    test_strings();
    test_strings_random();
    test_base64();
    return CHECK_DONE();
}
