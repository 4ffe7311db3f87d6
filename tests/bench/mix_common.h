/* SPDX-License-Identifier: MIT */
/* mix_common.h - what the scenario E publisher (mixpub.c) and load client
 * (mixload.c) share: clocks, the PRNG, the topic names mix.c<k>.t<j> and
 * their index, a growable buffer. Header-only (static inline): each is a
 * program of its own, built by mix.sh. */
#ifndef RTDASH_MIX_COMMON_H
#define RTDASH_MIX_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static volatile sig_atomic_t s_stop; /* each program has its own */

static inline void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

static inline void s_die(const char *what)
{
    fprintf(stderr, "mix: %s\n", what);
    exit(2);
}

static inline uint64_t s_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t s_real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline double s_self_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* splitmix64: seeds; xorshift64*: masks and keys */
static inline uint64_t s_splitmix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static inline uint64_t s_rng(uint64_t *st)
{
    uint64_t x = *st;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *st = x;
    return x * 2685821657736338717ull;
}

/* topics: g = k * per + j  <->  "mix.c<k>.t<j>" */
static int o_collectors = 10, o_per = 100; /* set by each program's options */

static inline int s_topic_name(int g, char *out, size_t cap)
{
    return snprintf(out, cap, "mix.c%d.t%d", g / o_per, g % o_per);
}

/* -1 if the name is not one of ours */
static inline int s_topic_index(const char *p, size_t n)
{
    if (n < 9 || memcmp(p, "mix.c", 5) != 0)
        return -1;
    size_t i = 5;
    int k = 0, j = 0, dk = 0, dj = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9' && dk < 6)
        k = k * 10 + (p[i++] - '0'), dk++;
    if (!dk || i + 2 >= n || p[i] != '.' || p[i + 1] != 't')
        return -1;
    i += 2;
    while (i < n && p[i] >= '0' && p[i] <= '9' && dj < 6)
        j = j * 10 + (p[i++] - '0'), dj++;
    if (!dj || i != n || k >= o_collectors || j >= o_per)
        return -1;
    return k * o_per + j;
}

static inline bool s_loopback(const char *host)
{
    struct in_addr a;
    return inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

static inline char *s_u64(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* the unsigned integer after `key` (e.g. "\"seq\":") in p[0..n) */
static inline bool s_find_u64(const char *p, size_t n, const char *key, size_t klen, uint64_t *out)
{
    const char *k = memmem(p, n, key, klen);
    if (!k)
        return false;
    const char *q = k + klen, *e = p + n;
    while (q < e && *q == ' ')
        q++;
    if (q >= e || *q < '0' || *q > '9')
        return false;
    uint64_t v = 0;
    while (q < e && *q >= '0' && *q <= '9')
        v = v * 10 + (uint64_t)(*q++ - '0');
    *out = v;
    return true;
}

/* growable byte buffer */
typedef struct {
    char *p;
    uint32_t len, cap;
} buf_t;

static inline void s_reserve(buf_t *b, size_t need)
{
    if (b->cap >= need)
        return;
    if (need > (256u << 20))
        s_die("buffer over 256 MiB");
    size_t nc = b->cap ? b->cap : 4096;
    while (nc < need)
        nc *= 2;
    char *q = realloc(b->p, nc);
    if (!q)
        s_die("out of memory");
    b->p = q;
    b->cap = (uint32_t)nc;
}

static inline void s_append(buf_t *b, const void *d, size_t n)
{
    s_reserve(b, (size_t)b->len + n);
    memcpy(b->p + b->len, d, n);
    b->len += (uint32_t)n;
}

static inline void s_consume(buf_t *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->p, b->p + n, b->len - n);
    b->len -= (uint32_t)n;
}

#endif
