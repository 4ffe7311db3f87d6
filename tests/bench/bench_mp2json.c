/* SPDX-License-Identifier: MIT */
/* bench_mp2json.c - ns per message for mp2json decode + emit of a typical
 * sample (7 float64 fields, ts, seq), with short decimals (12.5) and with
 * full-precision doubles (17 digits). Not registered in ctest. Build:
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Ihub tests/bench/bench_mp2json.c hub/mp2json.c hub/jbuf.c \
 *      $(pkg-config --cflags --libs msgpack) -lm -o /tmp/bench_mp2json && /tmp/bench_mp2json */
#include "mp2json.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static size_t s_put_str(uint8_t *p, const char *s)
{
    size_t n = strlen(s);
    p[0] = (uint8_t)(0xa0 | n);
    memcpy(p + 1, s, n);
    return n + 1;
}

static size_t s_put_f64(uint8_t *p, double d)
{
    uint64_t b;
    memcpy(&b, &d, 8);
    p[0] = 0xcb;
    for (int i = 0; i < 8; i++)
        p[1 + i] = (uint8_t)(b >> (56 - 8 * i));
    return 9;
}

static size_t s_body(uint8_t *p, const double *v)
{
    static const char *names[7] = {"user", "system", "idle", "iowait", "irq", "softirq", "steal"};
    size_t n = 0;
    p[n++] = 0x84;
    n += s_put_str(p + n, "kind");
    n += s_put_str(p + n, "sample");
    n += s_put_str(p + n, "ts");
    p[n++] = 0xcf;
    uint64_t ts = 1764300000123ULL;
    for (int i = 0; i < 8; i++)
        p[n++] = (uint8_t)(ts >> (56 - 8 * i));
    n += s_put_str(p + n, "seq");
    p[n++] = 0xcd;
    p[n++] = 0x03;
    p[n++] = 0x2c;
    n += s_put_str(p + n, "fields");
    p[n++] = 0x87;
    for (int i = 0; i < 7; i++) {
        n += s_put_str(p + n, names[i]);
        n += s_put_f64(p + n, v[i]);
    }
    return n;
}

static double s_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void s_run(const char *label, const double *v)
{
    uint8_t body[256];
    size_t len = s_body(body, v);
    mp2json_t *c = mp2json_new(64 * 1024, 16);
    jbuf_t out;
    jbuf_init(&out, 1 << 20);
    const int iters = 2000000;
    size_t total = 0;
    double best = 1e30;
    for (int round = 0; round < 5; round++) {
        double t0 = s_now();
        for (int i = 0; i < iters; i++) {
            mp2json_msg_t m;
            size_t off;
            jbuf_reset(&out);
            if (mp2json_decode(c, body, len, &m) != MP2JSON_OK ||
                mp2json_emit(c, "system.cpu", 10, m.ts, m.seq, &out, &off) != MP2JSON_OK)
                return;
            total += out.len;
        }
        double ns = (s_now() - t0) / iters;
        if (ns < best)
            best = ns;
    }
    printf("%-16s %3zu B msgpack -> %3zu B JSON: %.0f ns/msg (best of 5 x %d)  %.*s\n", label, len,
           out.len, best, iters, (int)out.len, jbuf_text(&out));
    (void)total;
    jbuf_free(&out);
    mp2json_destroy(&c);
}

int main(void)
{
    const double short_v[7] = {12.5, 3.1, 80.2, 0.4, 0.0, 0.1, 2.25};
    const double full_v[7] = {
        12.345678901234567,  3.0999999999999996, 80.21311475409836, 0.41999999999999998, 0.0,
        0.10273972602739725, 2.2522522522522523};
    s_run("short decimals", short_v);
    s_run("17-digit values", full_v);
    return 0;
}
