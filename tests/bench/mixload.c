/* mixload.c - scenario E of the rtdash bench, "realistic dashboard mix":
 * 1000 topics from 10 collectors, N WebSocket clients each subscribed to its
 * own 20 topics. One program, two roles:
 *
 *   mixload pub  --sys zmq|nats --rate R --duration S [...]
 *       10 "collectors" (zmq: 10 PUB sockets that connect to the hub's bound
 *       SUB; nats: 10 TCP connections) publishing to mix.c<k>.t<j>
 *       (k = 0..9, j = 0..99) at a total of R msgs/s spread evenly over the
 *       topics (token bucket, 1 ms ticks). seq counts per topic from 1; t_ns
 *       is CLOCK_REALTIME taken right before the message is handed over.
 *       zmq: 2 frames [topic][msgpack {"seq","t_ns","value"}];
 *       nats: PUB <topic> with the JSON {"seq":N,"t_ns":T,"value":V}.
 *
 *   mixload load --proto rtdash|nats --url ws://127.0.0.1:PORT/PATH --clients N [...]
 *       N WebSocket clients (RFC 6455 client: masked frames, 16/64-bit
 *       lengths, fragmentation, ping -> pong, close). Client i subscribes to
 *       20 distinct topics drawn by a PRNG seeded with (--seed, i), so every
 *       topic has ~20 x N / 1000 subscribers. rtdash: one subscribe command,
 *       ready on "subscribed"; nats: CONNECT, one SUB per topic (sid = slot),
 *       PING, ready on PONG. After all clients are ready it waits for the
 *       first data message, runs --warmup seconds, then measures --duration
 *       seconds: delivered msgs, latency (receive time - t_ns), loss (seq
 *       gaps per client per topic, counted from each topic's first message in
 *       the window), its own CPU, the busy share of its core, and CPU / RSS
 *       of --watch-pid. Everything before the window (welcome, history,
 *       data of the warm-up) is ignored. Prints one JSON line.
 *
 * Loopback targets only; every phase has a deadline, so both roles end by
 * themselves. Build: cc -O2 -std=c11 mixload.c $(pkg-config --cflags --libs libzmq msgpack) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <msgpack.h>
#include <zmq.h>

/* ------------------------------------------------------------------ common */

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

static void s_die(const char *what)
{
    fprintf(stderr, "mixload: %s\n", what);
    exit(2);
}

static uint64_t s_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t s_real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double s_self_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

/* splitmix64: seeds; xorshift64*: masks and keys */
static uint64_t s_splitmix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t s_rng(uint64_t *st)
{
    uint64_t x = *st;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *st = x;
    return x * 2685821657736338717ull;
}

/* topics: g = k * per + j  <->  "mix.c<k>.t<j>" */
static int o_collectors = 10, o_per = 100;

static int s_topic_name(int g, char *out, size_t cap)
{
    return snprintf(out, cap, "mix.c%d.t%d", g / o_per, g % o_per);
}

/* -1 if the name is not one of ours */
static int s_topic_index(const char *p, size_t n)
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

static bool s_loopback(const char *host)
{
    struct in_addr a;
    return inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

static char *s_u64(char *p, uint64_t v)
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
static bool s_find_u64(const char *p, size_t n, const char *key, size_t klen, uint64_t *out)
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

static void s_reserve(buf_t *b, size_t need)
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

static void s_append(buf_t *b, const void *d, size_t n)
{
    s_reserve(b, (size_t)b->len + n);
    memcpy(b->p + b->len, d, n);
    b->len += (uint32_t)n;
}

static void s_consume(buf_t *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->p, b->p + n, b->len - n);
    b->len -= (uint32_t)n;
}

/* ------------------------------------------------------------------- pub */

enum { SYS_ZMQ, SYS_NATS };

typedef struct {
    int fd;         /* nats */
    void *zsock;    /* zmq */
    buf_t batch;    /* nats: the PUBs of one tick */
    char rbuf[512]; /* nats: server lines (PING), carried over */
    size_t rlen;
} collector_t;

static int s_write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR && !s_stop)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int s_tcp_connect(const char *host, int port, double timeout_s)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &a.sin_addr);
    uint64_t deadline = s_mono_ns() + (uint64_t)(timeout_s * 1e9);
    for (;;) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            s_die("socket");
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            return fd;
        }
        close(fd);
        if (s_mono_ns() > deadline || s_stop)
            s_die("could not connect");
        usleep(50000);
    }
}

/* blocking: one line (without CR LF) into out */
static int s_read_line(int fd, char *out, size_t cap)
{
    size_t n = 0;
    for (;;) {
        char ch;
        ssize_t r = recv(fd, &ch, 1, 0);
        if (r <= 0)
            return -1;
        if (ch == '\n')
            break;
        if (ch != '\r' && n + 1 < cap)
            out[n++] = ch;
    }
    out[n] = 0;
    return (int)n;
}

/* nats: answer PINGs, report -ERR; never blocks */
static uint64_t s_pub_errors;

static void s_nats_poll(collector_t *c)
{
    for (;;) {
        ssize_t r = recv(c->fd, c->rbuf + c->rlen, sizeof c->rbuf - 1 - c->rlen, MSG_DONTWAIT);
        if (r <= 0)
            return;
        c->rlen += (size_t)r;
        char *line = c->rbuf, *end = c->rbuf + c->rlen, *nl;
        while ((nl = memchr(line, '\n', (size_t)(end - line)))) {
            if (!strncmp(line, "PING", 4))
                s_write_all(c->fd, "PONG\r\n", 6);
            else if (!strncmp(line, "-ERR", 4)) {
                s_pub_errors++;
                fprintf(stderr, "mixload pub: nats said %.*s\n", (int)(nl - line), line);
            }
            line = nl + 1;
        }
        c->rlen = (size_t)(end - line);
        memmove(c->rbuf, line, c->rlen);
        if (c->rlen >= sizeof c->rbuf - 1)
            c->rlen = 0; /* a line longer than we care about (INFO) */
    }
}

static void s_pub_usage(void)
{
    fprintf(stderr, "usage: mixload pub --sys zmq|nats --rate R --duration S\n"
                    "  [--endpoint tcp://127.0.0.1:5556] (zmq)  [--host 127.0.0.1 --port 14222] (nats)\n"
                    "  [--collectors 10] [--topics-per 100] [--connect-wait 0.5] [--hwm 1000000]\n"
                    "  [--tick-us 1000] [--burst-ms 100]\n");
    exit(2);
}

static int s_pub_main(int argc, char **argv)
{
    int sys = -1, port = 14222, hwm = 1000000;
    const char *endpoint = "tcp://127.0.0.1:5556", *host = "127.0.0.1";
    double rate = 1000, duration = 5, connect_wait = 0.5, tick_us = 1000, burst_ms = 100;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            s_pub_usage();
        i++;
        if (!strcmp(a, "--sys"))
            sys = !strcmp(v, "zmq") ? SYS_ZMQ : !strcmp(v, "nats") ? SYS_NATS : -2;
        else if (!strcmp(a, "--rate"))
            rate = atof(v);
        else if (!strcmp(a, "--duration"))
            duration = atof(v);
        else if (!strcmp(a, "--endpoint"))
            endpoint = v;
        else if (!strcmp(a, "--host"))
            host = v;
        else if (!strcmp(a, "--port"))
            port = atoi(v);
        else if (!strcmp(a, "--collectors"))
            o_collectors = atoi(v);
        else if (!strcmp(a, "--topics-per"))
            o_per = atoi(v);
        else if (!strcmp(a, "--connect-wait"))
            connect_wait = atof(v);
        else if (!strcmp(a, "--hwm"))
            hwm = atoi(v);
        else if (!strcmp(a, "--tick-us"))
            tick_us = atof(v);
        else if (!strcmp(a, "--burst-ms"))
            burst_ms = atof(v);
        else
            s_pub_usage();
    }
    if (sys < 0 || rate <= 0 || rate > 1e8 || duration <= 0 || duration > 3600 || o_collectors < 1 ||
        o_collectors > 1000 || o_per < 1 || o_per > 100000 || tick_us < 10 || burst_ms < 1)
        s_pub_usage();
    if (sys == SYS_ZMQ && strncmp(endpoint, "tcp://127.", 10) != 0 && strncmp(endpoint, "ipc://", 6) != 0)
        s_die("zmq endpoint must be tcp://127.x.x.x:PORT or ipc://");
    if (sys == SYS_NATS && !s_loopback(host))
        s_die("host must be a numeric loopback address");

    struct sigaction sa = {.sa_handler = s_on_signal}; /* no SA_RESTART */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    const int ntopics = o_collectors * o_per;
    collector_t *col = calloc((size_t)o_collectors, sizeof *col);
    uint64_t *seq = calloc((size_t)ntopics, sizeof *seq);
    char(*names)[32] = calloc((size_t)ntopics, sizeof *names);
    uint8_t *name_len = calloc((size_t)ntopics, 1);
    if (!col || !seq || !names || !name_len)
        s_die("out of memory");
    for (int g = 0; g < ntopics; g++)
        name_len[g] = (uint8_t)s_topic_name(g, names[g], sizeof names[g]);

    void *zctx = NULL;
    if (sys == SYS_ZMQ) {
        zctx = zmq_ctx_new();
        for (int k = 0; k < o_collectors; k++) {
            col[k].zsock = zmq_socket(zctx, ZMQ_PUB);
            int linger = 1000;
            zmq_setsockopt(col[k].zsock, ZMQ_SNDHWM, &hwm, sizeof hwm);
            zmq_setsockopt(col[k].zsock, ZMQ_LINGER, &linger, sizeof linger);
            if (zmq_connect(col[k].zsock, endpoint) != 0)
                s_die("zmq_connect failed");
        }
        /* PUB/SUB: the hub's subscription must reach every PUB first */
        if (connect_wait > 0)
            usleep((useconds_t)(connect_wait * 1e6));
    } else {
        for (int k = 0; k < o_collectors; k++) {
            char line[8192];
            col[k].fd = s_tcp_connect(host, port, 10);
            if (s_read_line(col[k].fd, line, sizeof line) < 0 || strncmp(line, "INFO", 4) != 0)
                s_die("nats: no INFO");
            const char *hello = "CONNECT {\"verbose\":false}\r\nPING\r\n";
            s_write_all(col[k].fd, hello, strlen(hello));
            for (;;) {
                if (s_read_line(col[k].fd, line, sizeof line) < 0)
                    s_die("nats: connection closed");
                if (!strncmp(line, "PONG", 4))
                    break;
                if (!strncmp(line, "-ERR", 4))
                    s_die(line);
            }
        }
    }

    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);

    const uint64_t tick_ns = (uint64_t)(tick_us * 1000);
    const double burst = rate * burst_ms / 1000.0 > 16 ? rate * burst_ms / 1000.0 : 16;
    uint64_t start = s_mono_ns(), end = start + (uint64_t)(duration * 1e9), last = start, next = start;
    uint64_t last_poll = start, sent = 0, cursor = 0;
    double tokens = 1;
    bool failed = false;
    while (!s_stop && !failed) {
        uint64_t now = s_mono_ns();
        if (now >= end)
            break;
        /* the bucket holds at most burst_ms of tokens: a short stall is caught
         * up, a publisher held back for longer (back-pressure) falls behind */
        tokens += (double)(now - last) / 1e9 * rate;
        last = now;
        if (tokens > burst)
            tokens = burst;
        long n = (long)tokens;
        tokens -= (double)n;
        for (long m = 0; m < n && !failed; m++) {
            /* consecutive messages go to different collectors; every topic
             * gets rate / ntopics */
            int c = (int)(cursor++ % (uint64_t)ntopics);
            int k = c % o_collectors, g = k * o_per + c / o_collectors;
            uint64_t s = ++seq[g];
            double value = (double)(s % 1000) / 10.0;
            uint64_t t = s_real_ns();
            if (sys == SYS_ZMQ) {
                msgpack_sbuffer_clear(&sb);
                msgpack_pack_map(&pk, 3);
                msgpack_pack_str(&pk, 3);
                msgpack_pack_str_body(&pk, "seq", 3);
                msgpack_pack_uint64(&pk, s);
                msgpack_pack_str(&pk, 4);
                msgpack_pack_str_body(&pk, "t_ns", 4);
                msgpack_pack_uint64(&pk, t);
                msgpack_pack_str(&pk, 5);
                msgpack_pack_str_body(&pk, "value", 5);
                msgpack_pack_double(&pk, value);
                if (zmq_send(col[k].zsock, names[g], name_len[g], ZMQ_SNDMORE) < 0 ||
                    zmq_send(col[k].zsock, sb.data, sb.size, 0) < 0) {
                    if (errno == EINTR && s_stop)
                        break;
                    s_pub_errors++;
                }
            } else {
                char pl[96], *q = pl;
                memcpy(q, "{\"seq\":", 7);
                q = s_u64(q + 7, s);
                memcpy(q, ",\"t_ns\":", 8);
                q = s_u64(q + 8, t);
                memcpy(q, ",\"value\":", 9);
                q = s_u64(q + 9, s % 1000 / 10);
                *q++ = '.';
                *q++ = (char)('0' + s % 10);
                *q++ = '}';
                char hd[64], *h = hd;
                memcpy(h, "PUB ", 4);
                memcpy(h + 4, names[g], name_len[g]);
                h += 4 + name_len[g];
                *h++ = ' ';
                h = s_u64(h, (uint64_t)(q - pl));
                *h++ = '\r';
                *h++ = '\n';
                *q++ = '\r';
                *q++ = '\n';
                s_append(&col[k].batch, hd, (size_t)(h - hd));
                s_append(&col[k].batch, pl, (size_t)(q - pl));
            }
            sent++;
        }
        if (sys == SYS_NATS)
            for (int k = 0; k < o_collectors; k++) {
                if (col[k].batch.len && s_write_all(col[k].fd, col[k].batch.p, col[k].batch.len) < 0) {
                    if (!s_stop)
                        failed = true;
                    break;
                }
                col[k].batch.len = 0;
            }
        if (sys == SYS_NATS && now - last_poll > 20000000ull) {
            last_poll = now;
            for (int k = 0; k < o_collectors; k++)
                s_nats_poll(&col[k]);
        }
        /* sleep to the next tick (absolute: the ticks do not drift) */
        next += tick_ns;
        now = s_mono_ns();
        if (next < now)
            next = now;
        struct timespec ts = {.tv_sec = (time_t)(next / 1000000000ull), .tv_nsec = (long)(next % 1000000000ull)};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    }
    uint64_t stop = s_mono_ns();
    double el = (double)(stop - start) / 1e9, cpu = s_self_cpu_s();
    if (sys == SYS_ZMQ) {
        for (int k = 0; k < o_collectors; k++)
            zmq_close(col[k].zsock);
        zmq_ctx_term(zctx);
    } else {
        for (int k = 0; k < o_collectors; k++) {
            shutdown(col[k].fd, SHUT_WR);
            close(col[k].fd);
            free(col[k].batch.p);
        }
    }
    msgpack_sbuffer_destroy(&sb);
    printf("{\"tool\":\"mixload\",\"role\":\"pub\",\"sys\":\"%s\",\"collectors\":%d,\"topics\":%d,"
           "\"target_rate\":%.0f,\"duration_s\":%.3f,\"elapsed_s\":%.3f,\"sent\":%" PRIu64
           ",\"rate\":%.1f,\"errors\":%" PRIu64 ",\"failed\":%s,\"cpu_pct\":%.1f}\n",
           sys == SYS_ZMQ ? "zmq" : "nats", o_collectors, ntopics, rate, duration, el, sent,
           el > 0 ? (double)sent / el : 0.0, s_pub_errors, failed ? "true" : "false",
           el > 0 ? 100.0 * cpu / el : 0.0);
    free(col);
    free(seq);
    free(names);
    free(name_len);
    return 0;
}

/* ------------------------------------------------------------------ SHA-1 */
/* only for the handshake's Sec-WebSocket-Accept (RFC 6455 4.1, FIPS 180-4) */

static uint32_t s_rol(uint32_t v, int n)
{
    return (v << n) | (v >> (32 - n));
}

static void s_sha1_block(uint32_t st[5], const uint8_t blk[64])
{
    uint32_t w[80];
    for (int t = 0; t < 16; t++)
        w[t] = (uint32_t)blk[4 * t] << 24 | (uint32_t)blk[4 * t + 1] << 16 | (uint32_t)blk[4 * t + 2] << 8 |
               blk[4 * t + 3];
    for (int t = 16; t < 80; t++)
        w[t] = s_rol(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    uint32_t a = st[0], b = st[1], c = st[2], d = st[3], e = st[4];
    for (int t = 0; t < 80; t++) {
        uint32_t f, k;
        if (t < 20)
            f = (b & c) | (~b & d), k = 0x5a827999;
        else if (t < 40)
            f = b ^ c ^ d, k = 0x6ed9eba1;
        else if (t < 60)
            f = (b & c) | (b & d) | (c & d), k = 0x8f1bbcdc;
        else
            f = b ^ c ^ d, k = 0xca62c1d6;
        uint32_t tmp = s_rol(a, 5) + f + e + k + w[t];
        e = d;
        d = c;
        c = s_rol(b, 30);
        b = a;
        a = tmp;
    }
    st[0] += a, st[1] += b, st[2] += c, st[3] += d, st[4] += e;
}

static void s_sha1(const void *data, size_t len, uint8_t out[20])
{
    uint32_t st[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
    const uint8_t *p = data;
    size_t full = len / 64 * 64;
    for (size_t off = 0; off < full; off += 64)
        s_sha1_block(st, p + off);
    uint8_t last[128] = {0};
    size_t rest = len - full, padded = rest < 56 ? 64 : 128;
    memcpy(last, p + full, rest);
    last[rest] = 0x80;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        last[padded - 1 - i] = (uint8_t)(bits >> (8 * i));
    for (size_t off = 0; off < padded; off += 64)
        s_sha1_block(st, last + off);
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 4; j++)
            out[4 * i + j] = (uint8_t)(st[i] >> (24 - 8 * j));
}

static void s_base64(const uint8_t *in, size_t n, char *out)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        out[o++] = al[v >> 18 & 63];
        out[o++] = al[v >> 12 & 63];
        out[o++] = i + 1 < n ? al[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? al[v & 63] : '=';
    }
    out[o] = 0;
}

/* ------------------------------------------------------------------ load */

enum { PROTO_RTDASH, PROTO_NATS };
enum { ST_CONNECTING, ST_HANDSHAKE, ST_OPEN, ST_DEAD };

typedef struct {
    int fd, idx;
    uint8_t state, ready, frag_op, out_armed, at_win, hello;
    uint64_t t_start;
    buf_t in;   /* socket bytes not yet parsed */
    buf_t frag; /* a fragmented message being assembled */
    buf_t app;  /* nats: protocol bytes carried across frames */
    buf_t out;  /* bytes waiting for the socket */
    uint64_t msgs_win;
    char accept[32]; /* expected Sec-WebSocket-Accept */
} conn_t;

static int o_proto = PROTO_RTDASH, o_clients = 1000, o_subs = 20, o_port = 8080, o_max_pending = 500;
static int o_dump, o_verbose, o_watch = -1, o_client_cpu = -1;
static uint64_t o_seed = 1;
static double o_connect_rate = 2000, o_connect_timeout = 30, o_data_timeout = 20, o_warmup = 1, o_duration = 3;
static char o_host[64] = "127.0.0.1", o_path[256] = "/";
static const char *o_ready_file, *o_label = "";

static conn_t *s_conns;
static uint16_t *s_sub_topic; /* [client * o_subs + slot] */
static uint64_t *s_sub_last;  /* last seq seen in the window, 0 = none yet */
static int s_ep;
static struct sockaddr_in s_addr;
static uint64_t s_rng_state = 0x2545f4914f6cdd1dull;
static uint64_t s_recv_real; /* CLOCK_REALTIME of the last recv() */
static bool s_in_window, s_got_data;

/* counters */
static int n_started, n_pending, n_open, n_ready, n_failed, n_closed_srv, n_ws_err, n_proto_err;
static int n_close_frames, s_close_code; /* close frames from the server, and the last one's code */
static uint64_t n_win_msgs, n_win_bytes, n_lost, n_ooo, n_gap_marks, n_unexpected, n_pre_window, n_other,
    n_no_seq, n_no_t;

/* latency histogram: 10 us buckets up to 30 s, exact max */
#define LAT_RES_US 10
#define LAT_BUCKETS (30 * 1000000 / LAT_RES_US)
static uint32_t *s_lat;
static uint64_t s_lat_count, s_lat_max_us, s_lat_sum_us;

static void s_lat_add(uint64_t us)
{
    uint64_t b = us / LAT_RES_US;
    s_lat[b < LAT_BUCKETS ? b : LAT_BUCKETS - 1]++;
    s_lat_count++;
    s_lat_sum_us += us;
    if (us > s_lat_max_us)
        s_lat_max_us = us;
}

static double s_lat_pct_ms(double pct)
{
    if (!s_lat_count)
        return 0;
    uint64_t want = (uint64_t)(pct / 100.0 * (double)s_lat_count + 0.5);
    if (want < 1)
        want = 1;
    uint64_t acc = 0;
    for (uint64_t b = 0; b < LAT_BUCKETS; b++) {
        acc += s_lat[b];
        if (acc >= want) {
            uint64_t us = b * LAT_RES_US + LAT_RES_US / 2;
            return (double)(us < s_lat_max_us ? us : s_lat_max_us) / 1000.0;
        }
    }
    return (double)s_lat_max_us / 1000.0;
}

static void s_conn_close(conn_t *c, bool by_server);

static void s_set_out(conn_t *c, bool on)
{
    if (c->out_armed == on || c->fd < 0)
        return;
    struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(s_ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->out_armed = on;
}

static void s_flush(conn_t *c)
{
    size_t off = 0;
    while (off < c->out.len) {
        ssize_t n = send(c->fd, c->out.p + off, c->out.len - off, MSG_NOSIGNAL);
        if (n > 0)
            off += (size_t)n;
        else if (n < 0 && errno == EINTR)
            continue;
        else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        else {
            s_conn_close(c, true);
            return;
        }
    }
    s_consume(&c->out, off);
    s_set_out(c, c->out.len > 0);
}

/* a client frame: always masked (RFC 6455 5.3) */
static void s_ws_send(conn_t *c, int op, const void *data, size_t len)
{
    if (c->state == ST_DEAD)
        return;
    uint8_t hd[14];
    size_t h = 0;
    hd[h++] = (uint8_t)(0x80 | op);
    if (len < 126)
        hd[h++] = (uint8_t)(0x80 | len);
    else if (len < 65536) {
        hd[h++] = 0x80 | 126;
        hd[h++] = (uint8_t)(len >> 8);
        hd[h++] = (uint8_t)len;
    } else {
        hd[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            hd[h++] = (uint8_t)((uint64_t)len >> (8 * i));
    }
    uint32_t m32 = (uint32_t)s_rng(&s_rng_state);
    uint8_t mask[4];
    memcpy(mask, &m32, 4);
    memcpy(hd + h, mask, 4);
    h += 4;
    s_append(&c->out, hd, h);
    s_reserve(&c->out, (size_t)c->out.len + len);
    uint8_t *dst = (uint8_t *)c->out.p + c->out.len;
    const uint8_t *src = data;
    for (size_t i = 0; i < len; i++)
        dst[i] = src[i] ^ mask[i & 3];
    c->out.len += (uint32_t)len;
    if (!c->out_armed)
        s_flush(c);
}

static void s_mark_ready(conn_t *c)
{
    if (c->ready)
        return;
    c->ready = 1;
    n_ready++;
    n_pending--;
}

/* one data message of subscription slot `slot` of client c */
static void s_data(conn_t *c, int slot, const char *p, size_t n, bool gap)
{
    s_got_data = true;
    if (!s_in_window) {
        n_pre_window++;
        return;
    }
    c->msgs_win++;
    n_win_msgs++;
    n_win_bytes += n;
    if (gap)
        n_gap_marks++;
    uint64_t seq, t;
    if (s_find_u64(p, n, "\"seq\":", 6, &seq)) {
        uint64_t *last = &s_sub_last[(size_t)c->idx * (size_t)o_subs + (size_t)slot];
        if (*last) {
            if (seq > *last + 1)
                n_lost += seq - *last - 1;
            else if (seq <= *last)
                n_ooo++;
        }
        if (seq > *last)
            *last = seq;
    } else
        n_no_seq++;
    if (s_find_u64(p, n, "\"t_ns\":", 7, &t))
        s_lat_add(s_recv_real > t ? (s_recv_real - t) / 1000 : 0);
    else
        n_no_t++;
}

static void s_dump(conn_t *c, const char *what, const char *p, size_t n)
{
    if (o_dump <= 0)
        return;
    o_dump--;
    fprintf(stderr, "mixload: client %d %s (%zu bytes): %.*s\n", c->idx, what, n, (int)(n > 300 ? 300 : n), p);
}

/* rtdash: one JSON message (a line of a text frame) */
static void s_rtdash_line(conn_t *c, const char *p, size_t n)
{
    static const char pfx[] = "{\"type\":\"";
    s_dump(c, "line", p, n);
    if (n < 9 || memcmp(p, pfx, 9) != 0) {
        n_other++;
        return;
    }
    const char *t = p + 9;
    size_t rest = n - 9;
    bool is_data = (rest >= 7 && !memcmp(t, "sample\"", 7)) || (rest >= 6 && !memcmp(t, "event\"", 6));
    if (is_data) {
        /* {"type":"sample"[,"gap":true],"topic":"T","ts":..,"seq":N,...,"t_ns":T} */
        bool gap = rest > 20 && memmem(t, 20, "\"gap\":true", 10) != NULL;
        const char *tp = memmem(p, n, "\"topic\":\"", 9);
        if (!tp) {
            n_unexpected++;
            return;
        }
        tp += 9;
        const char *te = memchr(tp, '"', (size_t)(p + n - tp));
        int g = te ? s_topic_index(tp, (size_t)(te - tp)) : -1;
        const uint16_t *mine = &s_sub_topic[(size_t)c->idx * (size_t)o_subs];
        int slot = -1;
        for (int s = 0; g >= 0 && s < o_subs; s++)
            if (mine[s] == g) {
                slot = s;
                break;
            }
        if (slot < 0) {
            n_unexpected++;
            return;
        }
        s_data(c, slot, te, (size_t)(p + n - te), gap);
    } else if (rest >= 11 && !memcmp(t, "subscribed\"", 11))
        s_mark_ready(c);
    else if (rest >= 6 && !memcmp(t, "error\"", 6)) {
        n_proto_err++;
        if (n_proto_err <= 3)
            fprintf(stderr, "mixload: client %d got %.*s\n", c->idx, (int)(n > 300 ? 300 : n), p);
    } else
        n_other++; /* welcome, clients, topic, history, stale, pong, ... */
}

static void s_nats_hello(conn_t *c)
{
    buf_t m = {0};
    const char *hello = "CONNECT {\"verbose\":false,\"pedantic\":false}\r\n";
    s_append(&m, hello, strlen(hello));
    for (int s = 0; s < o_subs; s++) {
        char line[96], name[32];
        s_topic_name(s_sub_topic[(size_t)c->idx * (size_t)o_subs + (size_t)s], name, sizeof name);
        int l = snprintf(line, sizeof line, "SUB %s %d\r\n", name, s + 1);
        s_append(&m, line, (size_t)l);
    }
    s_append(&m, "PING\r\n", 6);
    s_ws_send(c, 1, m.p, m.len);
    free(m.p);
}

/* nats: parse what is complete in p[0..n), return the bytes used */
static size_t s_nats_parse(conn_t *c, const char *p, size_t n)
{
    size_t off = 0;
    while (off < n && c->state == ST_OPEN) {
        const char *line = p + off;
        const char *cr = memmem(line, n - off, "\r\n", 2);
        if (!cr) {
            if (n - off > 65536) {
                n_proto_err++;
                s_conn_close(c, false);
            }
            break;
        }
        size_t ll = (size_t)(cr - line);
        if (ll > 4 && !memcmp(line, "MSG ", 4)) {
            /* MSG <subject> <sid> [reply-to] <#bytes> */
            const char *tok[5];
            size_t tl[5];
            int nt = 0;
            for (const char *q = line + 4; q < cr && nt < 5;) {
                while (q < cr && *q == ' ')
                    q++;
                if (q >= cr)
                    break;
                const char *s = q;
                while (q < cr && *q != ' ')
                    q++;
                tok[nt] = s;
                tl[nt++] = (size_t)(q - s);
            }
            if (nt < 3) {
                n_proto_err++;
                s_conn_close(c, false);
                break;
            }
            size_t nb = 0, sid = 0;
            for (size_t i = 0; i < tl[nt - 1]; i++)
                nb = nb * 10 + (size_t)(tok[nt - 1][i] - '0');
            for (size_t i = 0; i < tl[1]; i++)
                sid = sid * 10 + (size_t)(tok[1][i] - '0');
            size_t need = ll + 2 + nb + 2;
            if (n - off < need)
                break;
            s_dump(c, "MSG", line, need);
            int slot = (int)sid - 1;
            if (slot < 0 || slot >= o_subs ||
                s_topic_index(tok[0], tl[0]) != s_sub_topic[(size_t)c->idx * (size_t)o_subs + (size_t)slot])
                n_unexpected++;
            else
                s_data(c, slot, cr + 2, nb, false);
            off += need;
            continue;
        }
        if (ll >= 4 && !memcmp(line, "PING", 4))
            s_ws_send(c, 1, "PONG\r\n", 6);
        else if (ll >= 4 && !memcmp(line, "PONG", 4))
            s_mark_ready(c);
        else if (ll >= 4 && !memcmp(line, "INFO", 4)) {
            if (!c->hello) {
                c->hello = 1;
                s_nats_hello(c);
            }
        } else if (ll >= 4 && !memcmp(line, "-ERR", 4)) {
            n_proto_err++;
            if (n_proto_err <= 3)
                fprintf(stderr, "mixload: client %d got %.*s\n", c->idx, (int)ll, line);
        } else
            n_other++;
        off += ll + 2;
    }
    return off;
}

/* one complete WebSocket data message */
static void s_message(conn_t *c, const char *p, size_t n)
{
    if (o_proto == PROTO_NATS) {
        /* the NATS stream runs across frames: parse it as bytes */
        if (c->app.len == 0) {
            size_t used = s_nats_parse(c, p, n);
            if (c->state == ST_OPEN && used < n)
                s_append(&c->app, p + used, n - used);
        } else {
            s_append(&c->app, p, n);
            size_t used = s_nats_parse(c, c->app.p, c->app.len);
            if (c->state == ST_OPEN)
                s_consume(&c->app, used);
        }
        return;
    }
    /* rtdash: several JSON messages per frame, joined by '\n' */
    while (n > 0 && c->state == ST_OPEN) {
        const char *nl = memchr(p, '\n', n);
        size_t l = nl ? (size_t)(nl - p) : n;
        if (l)
            s_rtdash_line(c, p, l);
        if (!nl)
            break;
        p += l + 1;
        n -= l + 1;
    }
}

/* returns false when the connection is gone */
static bool s_frame(conn_t *c, bool fin, int op, const char *p, size_t n)
{
    switch (op) {
    case 8: { /* close: answer with the same code, then drop */
        uint8_t code[2] = {0x03, 0xe8};
        if (n >= 2)
            memcpy(code, p, 2);
        n_close_frames++;
        s_close_code = code[0] << 8 | code[1];
        if (o_verbose)
            fprintf(stderr, "mixload: client %d closed by the server: %d %.*s\n", c->idx, s_close_code,
                    (int)(n > 2 ? n - 2 : 0), p + 2);
        s_ws_send(c, 8, code, 2);
        s_conn_close(c, true);
        return false;
    }
    case 9:
        if (n > 125) {
            n_ws_err++;
            s_conn_close(c, false);
            return false;
        }
        s_ws_send(c, 10, p, n);
        return c->state == ST_OPEN;
    case 10:
        return true;
    case 1:
    case 2:
        if (c->frag_op) { /* a new message inside a fragmented one */
            n_ws_err++;
            s_conn_close(c, false);
            return false;
        }
        if (fin) {
            s_message(c, p, n);
            return c->state == ST_OPEN;
        }
        c->frag_op = (uint8_t)op;
        c->frag.len = 0;
        s_append(&c->frag, p, n);
        return true;
    case 0:
        if (!c->frag_op) {
            n_ws_err++;
            s_conn_close(c, false);
            return false;
        }
        s_append(&c->frag, p, n);
        if (fin) {
            c->frag_op = 0;
            s_message(c, c->frag.p, c->frag.len);
            c->frag.len = 0;
        }
        return c->state == ST_OPEN;
    default:
        n_ws_err++;
        s_conn_close(c, false);
        return false;
    }
}

static void s_parse_frames(conn_t *c)
{
    size_t off = 0;
    while (c->state == ST_OPEN && c->in.len - off >= 2) {
        uint8_t *h = (uint8_t *)c->in.p + off;
        size_t avail = c->in.len - off, hl = 2;
        uint64_t plen = h[1] & 0x7f;
        if (h[0] & 0x70) { /* no extension was negotiated */
            n_ws_err++;
            s_conn_close(c, false);
            return;
        }
        if (plen == 126) {
            if (avail < 4)
                break;
            plen = (uint64_t)h[2] << 8 | h[3];
            hl = 4;
        } else if (plen == 127) {
            if (avail < 10)
                break;
            plen = 0;
            for (int i = 0; i < 8; i++)
                plen = plen << 8 | h[2 + i];
            hl = 10;
        }
        bool masked = h[1] & 0x80;
        if (masked)
            hl += 4;
        if (plen > (64u << 20)) {
            n_ws_err++;
            s_conn_close(c, false);
            return;
        }
        if (avail < hl + plen) {
            s_reserve(&c->in, (size_t)(c->in.len - off + hl + plen)); /* after the memmove below */
            break;
        }
        char *pl = (char *)h + hl;
        if (masked) { /* a server must not mask; accept it anyway */
            const uint8_t *mk = h + hl - 4;
            for (uint64_t i = 0; i < plen; i++)
                pl[i] ^= (char)mk[i & 3];
        }
        if (!s_frame(c, h[0] & 0x80, h[0] & 0x0f, pl, (size_t)plen))
            return;
        off += hl + (size_t)plen;
    }
    if (c->state == ST_OPEN)
        s_consume(&c->in, off);
}

/* 1 = done, 0 = need more, -1 = refused */
static int s_handshake(conn_t *c)
{
    char *end = memmem(c->in.p, c->in.len, "\r\n\r\n", 4);
    if (!end)
        return c->in.len > 16384 ? -1 : 0;
    if (c->in.len < 12 || memcmp(c->in.p, "HTTP/1.1 101", 12) != 0)
        return -1;
    bool ok = false;
    size_t alen = strlen(c->accept);
    for (char *l = c->in.p; l < end;) {
        char *nl = memmem(l, (size_t)(end - l) + 2, "\r\n", 2);
        if (!nl)
            break;
        if (nl - l > 21 && !strncasecmp(l, "Sec-WebSocket-Accept:", 21)) {
            char *v = l + 21;
            while (v < nl && *v == ' ')
                v++;
            size_t vl = (size_t)(nl - v);
            while (vl && v[vl - 1] == ' ')
                vl--;
            ok = vl == alen && !memcmp(v, c->accept, vl);
        }
        l = nl + 2;
    }
    if (!ok)
        return -1;
    s_consume(&c->in, (size_t)(end - c->in.p) + 4);
    return 1;
}

static void s_on_open(conn_t *c)
{
    c->state = ST_OPEN;
    n_open++;
    if (o_proto == PROTO_RTDASH) {
        buf_t m = {0};
        s_append(&m, "{\"type\":\"subscribe\",\"topics\":[", 30);
        for (int s = 0; s < o_subs; s++) {
            char name[32];
            int l = s_topic_name(s_sub_topic[(size_t)c->idx * (size_t)o_subs + (size_t)s], name, sizeof name);
            s_append(&m, s ? ",\"" : "\"", s ? 2 : 1);
            s_append(&m, name, (size_t)l);
            s_append(&m, "\"", 1);
        }
        s_append(&m, "]}", 2);
        s_ws_send(c, 1, m.p, m.len);
        free(m.p);
    }
    /* nats: wait for INFO */
}

static void s_conn_close(conn_t *c, bool by_server)
{
    if (c->state == ST_DEAD)
        return;
    if (c->state == ST_OPEN)
        n_open--;
    if (!c->ready) {
        n_pending--;
        n_failed++;
    } else if (by_server)
        n_closed_srv++;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->state = ST_DEAD;
    c->in.len = c->out.len = c->frag.len = c->app.len = 0;
}

static void s_on_readable(conn_t *c)
{
    for (int iter = 0; iter < 8 && (c->state == ST_HANDSHAKE || c->state == ST_OPEN); iter++) {
        if (c->in.cap - c->in.len < 4096)
            s_reserve(&c->in, c->in.cap < 16384 ? 16384 : (size_t)c->in.cap * 2);
        size_t room = c->in.cap - c->in.len;
        ssize_t n = recv(c->fd, c->in.p + c->in.len, room, 0);
        if (n > 0) {
            s_recv_real = s_real_ns();
            c->in.len += (uint32_t)n;
            if (c->state == ST_HANDSHAKE) {
                int r = s_handshake(c);
                if (r < 0) {
                    n_ws_err++;
                    s_conn_close(c, false);
                    return;
                }
                if (r == 0)
                    continue;
                s_on_open(c);
            }
            s_parse_frames(c);
            if ((size_t)n < room)
                return;
        } else if (n == 0) {
            s_conn_close(c, true);
            return;
        } else if (errno == EINTR)
            continue;
        else if (errno == EAGAIN || errno == EWOULDBLOCK)
            return;
        else {
            s_conn_close(c, true);
            return;
        }
    }
}

static void s_start_conn(conn_t *c)
{
    c->t_start = s_mono_ns();
    n_started++;
    n_pending++;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        s_conn_close(c, false);
        return;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->state = ST_CONNECTING;
    if (connect(c->fd, (struct sockaddr *)&s_addr, sizeof s_addr) < 0 && errno != EINPROGRESS) {
        s_conn_close(c, false);
        return;
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(s_ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
        s_conn_close(c, false);
        return;
    }
    c->out_armed = 1;
}

static void s_on_event(conn_t *c, uint32_t evs)
{
    if (c->state == ST_CONNECTING) {
        int err = 0;
        socklen_t el = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
        if (err) {
            s_conn_close(c, false);
            return;
        }
        if (!(evs & EPOLLOUT))
            return;
        uint8_t raw[16];
        for (int i = 0; i < 16; i++)
            raw[i] = (uint8_t)s_rng(&s_rng_state);
        char key[32], cat[96];
        uint8_t dig[20];
        s_base64(raw, 16, key);
        int kl = snprintf(cat, sizeof cat, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
        s_sha1(cat, (size_t)kl, dig);
        s_base64(dig, 20, c->accept);
        char req[512];
        int n = snprintf(req, sizeof req,
                         "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
                         o_path, o_host, o_port, key);
        c->state = ST_HANDSHAKE;
        s_append(&c->out, req, (size_t)n);
        s_flush(c);
        return;
    }
    if (evs & (EPOLLIN | EPOLLERR | EPOLLHUP))
        s_on_readable(c);
    if (c->state != ST_DEAD && (evs & EPOLLOUT))
        s_flush(c);
}

/* /proc readers */
static bool s_proc_cpu_s(int pid, double *out)
{
    char path[64], b[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, b, sizeof b - 1);
    close(fd);
    if (n <= 0)
        return false;
    b[n] = 0;
    char *p = strrchr(b, ')');
    unsigned long long ut, st;
    /* after "comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return false;
    *out = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
    return true;
}

static long s_proc_rss_kb(int pid)
{
    char path[64], b[4096];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, b, sizeof b - 1);
    close(fd);
    if (n <= 0)
        return -1;
    b[n] = 0;
    char *p = strstr(b, "VmRSS:");
    return p ? strtol(p + 6, NULL, 10) : -1;
}

/* busy jiffies (all but idle, iowait) of every CPU: [0] = total, [1 + i] = cpu i */
#define MAX_CPUS 64
static int s_cpu_busy(unsigned long long busy[MAX_CPUS + 1])
{
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return 0;
    char line[512];
    int n = 0;
    while (n <= MAX_CPUS && fgets(line, sizeof line, f) && !strncmp(line, "cpu", 3)) {
        unsigned long long v[8] = {0};
        char *p = line + 3;
        while (*p && *p != ' ')
            p++;
        if (sscanf(p, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
                   &v[7]) < 4)
            break;
        busy[n++] = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
    }
    fclose(f);
    return n - 1;
}

static void s_load_usage(void)
{
    fprintf(stderr,
            "usage: mixload load --proto rtdash|nats --url ws://127.0.0.1:PORT/PATH [options]\n"
            "  --clients N (1000)  --subs 20  --seed 1  --collectors 10  --topics-per 100\n"
            "  --connect-rate 2000  --max-pending 500  --connect-timeout 30  --data-timeout 20\n"
            "  --warmup 1  --duration 3  --ready-file PATH  --watch-pid PID  --client-cpu N\n"
            "  --label TEXT  --dump N  -v\n");
    exit(2);
}

static void s_parse_url(const char *u)
{
    if (strncmp(u, "ws://", 5) != 0)
        s_die("only ws:// URLs");
    u += 5;
    const char *slash = strchr(u, '/'), *colon = strchr(u, ':');
    size_t hl = slash ? (size_t)(slash - u) : strlen(u);
    o_port = 80;
    if (colon && (!slash || colon < slash)) {
        hl = (size_t)(colon - u);
        o_port = atoi(colon + 1);
    }
    if (hl == 0 || hl >= sizeof o_host)
        s_die("bad host");
    memcpy(o_host, u, hl);
    o_host[hl] = 0;
    snprintf(o_path, sizeof o_path, "%s", slash ? slash : "/");
}

static int s_load_main(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-v")) {
            o_verbose = 1;
            continue;
        }
        const char *v = i + 1 < argc ? argv[++i] : NULL;
        if (!v)
            s_load_usage();
        if (!strcmp(a, "--proto"))
            o_proto = !strcmp(v, "rtdash") ? PROTO_RTDASH : !strcmp(v, "nats") ? PROTO_NATS : -1;
        else if (!strcmp(a, "--url"))
            s_parse_url(v);
        else if (!strcmp(a, "--clients"))
            o_clients = atoi(v);
        else if (!strcmp(a, "--subs"))
            o_subs = atoi(v);
        else if (!strcmp(a, "--seed"))
            o_seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--collectors"))
            o_collectors = atoi(v);
        else if (!strcmp(a, "--topics-per"))
            o_per = atoi(v);
        else if (!strcmp(a, "--connect-rate"))
            o_connect_rate = atof(v);
        else if (!strcmp(a, "--max-pending"))
            o_max_pending = atoi(v);
        else if (!strcmp(a, "--connect-timeout"))
            o_connect_timeout = atof(v);
        else if (!strcmp(a, "--data-timeout"))
            o_data_timeout = atof(v);
        else if (!strcmp(a, "--warmup"))
            o_warmup = atof(v);
        else if (!strcmp(a, "--duration"))
            o_duration = atof(v);
        else if (!strcmp(a, "--ready-file"))
            o_ready_file = v;
        else if (!strcmp(a, "--watch-pid"))
            o_watch = atoi(v);
        else if (!strcmp(a, "--client-cpu"))
            o_client_cpu = atoi(v);
        else if (!strcmp(a, "--label"))
            o_label = v;
        else if (!strcmp(a, "--dump"))
            o_dump = atoi(v);
        else
            s_load_usage();
    }
    const int ntopics = o_collectors * o_per;
    if (o_proto < 0 || o_clients < 1 || o_clients > 100000 || o_subs < 1 || o_subs > 1000 || ntopics < o_subs ||
        ntopics > 65535 || o_duration <= 0 || o_duration > 600 || o_warmup < 0 || o_warmup > 600 ||
        o_connect_rate <= 0 || o_max_pending < 1 || o_connect_timeout <= 0 || o_connect_timeout > 600 ||
        o_data_timeout <= 0 || o_data_timeout > 600)
        s_load_usage();
    if (!strcmp(o_host, "localhost"))
        strcpy(o_host, "127.0.0.1");
    if (!s_loopback(o_host))
        s_die("host must be a numeric loopback address (127.0.0.0/8)");
    s_addr.sin_family = AF_INET;
    s_addr.sin_port = htons((uint16_t)o_port);
    inet_pton(AF_INET, o_host, &s_addr.sin_addr);
    if (o_client_cpu < 0) { /* pinned to exactly one CPU: that is the client core */
        cpu_set_t set;
        if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) == 1)
            for (int i = 0; i < CPU_SETSIZE; i++)
                if (CPU_ISSET(i, &set)) {
                    o_client_cpu = i;
                    break;
                }
    }

    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < (rlim_t)o_clients + 64) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < (rlim_t)o_clients + 64)
            s_die("ulimit -n too low for --clients");
    }
    struct sigaction sa = {.sa_handler = s_on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    s_rng_state ^= s_real_ns() ^ ((uint64_t)getpid() << 32);

    s_conns = calloc((size_t)o_clients, sizeof *s_conns);
    s_sub_topic = calloc((size_t)o_clients * (size_t)o_subs, sizeof *s_sub_topic);
    s_sub_last = calloc((size_t)o_clients * (size_t)o_subs, sizeof *s_sub_last);
    s_lat = calloc(LAT_BUCKETS, sizeof *s_lat);
    int *per_topic = calloc((size_t)ntopics, sizeof *per_topic);
    if (!s_conns || !s_sub_topic || !s_sub_last || !s_lat || !per_topic)
        s_die("out of memory");
    /* client i: o_subs distinct topics from a PRNG seeded with (seed, i) */
    for (int i = 0; i < o_clients; i++) {
        uint64_t st = s_splitmix(o_seed * 0x100000001b3ull ^ (uint64_t)i) | 1;
        uint16_t *mine = &s_sub_topic[(size_t)i * (size_t)o_subs];
        for (int s = 0; s < o_subs;) {
            uint16_t g = (uint16_t)(s_rng(&st) % (uint64_t)ntopics);
            bool dup = false;
            for (int q = 0; q < s; q++)
                dup |= mine[q] == g;
            if (!dup) {
                mine[s++] = g;
                per_topic[g]++;
            }
        }
        s_conns[i].fd = -1;
        s_conns[i].idx = i;
    }
    int tmin = o_clients, tmax = 0;
    for (int g = 0; g < ntopics; g++) {
        tmin = per_topic[g] < tmin ? per_topic[g] : tmin;
        tmax = per_topic[g] > tmax ? per_topic[g] : tmax;
    }
    free(per_topic);
    s_ep = epoll_create1(EPOLL_CLOEXEC);
    if (s_ep < 0)
        s_die("epoll_create1");

    enum { PH_RAMP, PH_WAIT_DATA, PH_WARM, PH_WIN, PH_DONE } phase = PH_RAMP;
    uint64_t t0 = s_mono_ns(), t_ready = 0, t_data = 0, t_win = 0, t_end = 0;
    double cpu0 = 0, cpu1 = 0, w0 = 0, w1 = 0;
    bool w_ok = false;
    long rss0 = -1, rss1 = -1;
    unsigned long long hb0[MAX_CPUS + 1] = {0}, hb1[MAX_CPUS + 1] = {0};
    int ncpu = 0, ready_at_win = 0;
    uint64_t last_prog = t0, idle_ns = 0;
    struct epoll_event evs[512];
    while (phase != PH_DONE) {
        uint64_t now = s_mono_ns();
        if (phase == PH_RAMP) {
            uint64_t allowed = (uint64_t)((double)(now - t0) / 1e9 * o_connect_rate) + 1;
            while (n_started < o_clients && (uint64_t)n_started < allowed && n_pending < o_max_pending)
                s_start_conn(&s_conns[n_started]);
            bool all = n_started == o_clients && n_pending == 0;
            if (all || s_stop || now >= t0 + (uint64_t)(o_connect_timeout * 1e9)) {
                for (int i = 0; i < o_clients; i++) /* late ones count as failures */
                    if (s_conns[i].state != ST_DEAD && !s_conns[i].ready)
                        s_conn_close(&s_conns[i], false);
                n_failed += o_clients - n_started;
                n_started = o_clients;
                phase = PH_WAIT_DATA;
                t_ready = now;
                if (o_verbose)
                    fprintf(stderr, "mixload: ready %d/%d in %.2f s\n", n_ready, o_clients,
                            (double)(now - t0) / 1e9);
                if (o_ready_file) {
                    char tmp[1024];
                    snprintf(tmp, sizeof tmp, "%s.tmp", o_ready_file);
                    FILE *f = fopen(tmp, "w");
                    if (f) {
                        fprintf(f, "ready %d failed %d\n", n_ready, n_failed);
                        fclose(f);
                        rename(tmp, o_ready_file);
                    }
                }
            }
        }
        if (phase == PH_WAIT_DATA && (s_got_data || s_stop || now >= t_ready + (uint64_t)(o_data_timeout * 1e9))) {
            phase = PH_WARM;
            t_data = now;
        }
        if (phase == PH_WARM && (s_stop || now >= t_data + (uint64_t)(o_warmup * 1e9))) {
            phase = PH_WIN;
            t_win = now;
            s_in_window = true;
            cpu0 = s_self_cpu_s();
            ncpu = s_cpu_busy(hb0);
            if (o_watch > 0) {
                w_ok = s_proc_cpu_s(o_watch, &w0);
                rss0 = s_proc_rss_kb(o_watch);
            }
            for (int i = 0; i < o_clients; i++)
                if (s_conns[i].ready && s_conns[i].state == ST_OPEN) {
                    s_conns[i].at_win = 1;
                    ready_at_win++;
                }
        }
        if (phase == PH_WIN && (s_stop || now >= t_win + (uint64_t)(o_duration * 1e9))) {
            t_end = now;
            s_in_window = false;
            cpu1 = s_self_cpu_s();
            if (s_cpu_busy(hb1) != ncpu)
                ncpu = 0;
            if (o_watch > 0) {
                w_ok = w_ok && s_proc_cpu_s(o_watch, &w1);
                rss1 = s_proc_rss_kb(o_watch);
            }
            phase = PH_DONE;
            break;
        }
        if (o_verbose && now - last_prog > 1000000000ull) {
            last_prog = now;
            fprintf(stderr, "mixload: t=%.1f s open=%d ready=%d failed=%d window msgs=%" PRIu64 "\n",
                    (double)(now - t0) / 1e9, n_open, n_ready, n_failed, n_win_msgs);
        }
        int n = epoll_wait(s_ep, evs, 512, phase == PH_RAMP ? 1 : 5);
        if (phase == PH_WIN) /* time blocked for want of data: the client kept up */
            idle_ns += s_mono_ns() - now;
        for (int i = 0; i < n; i++) {
            conn_t *c = evs[i].data.ptr;
            if (c->state != ST_DEAD)
                s_on_event(c, evs[i].events);
        }
    }

    double win = (double)(t_end - t_win) / 1e9;
    if (win <= 0)
        win = 1e-9;
    uint64_t cmin = UINT64_MAX, cmax = 0, zero = 0;
    for (int i = 0; i < o_clients; i++) {
        const conn_t *c = &s_conns[i];
        if (!c->at_win)
            continue;
        cmin = c->msgs_win < cmin ? c->msgs_win : cmin;
        cmax = c->msgs_win > cmax ? c->msgs_win : cmax;
        zero += c->msgs_win == 0;
    }
    if (cmin == UINT64_MAX)
        cmin = 0;
    double tck = (double)sysconf(_SC_CLK_TCK);
    double self = 100.0 * (cpu1 - cpu0) / win;
    double core = -1;
    if (ncpu && o_client_cpu >= 0 && o_client_cpu < ncpu)
        core = 100.0 * (double)(hb1[1 + o_client_cpu] - hb0[1 + o_client_cpu]) / tck / win;
    double host = ncpu ? 100.0 * (double)(hb1[0] - hb0[0]) / tck / win : -1;
    bool limited = self >= 90 || core >= 90;

    printf("{\"tool\":\"mixload\",\"role\":\"load\",\"label\":\"");
    for (const char *s = o_label; *s; s++)
        if (*s != '"' && *s != '\\' && (unsigned char)*s >= 0x20)
            putchar(*s);
    printf("\",\"proto\":\"%s\",\"url\":\"ws://%s:%d%s\",\"clients\":%d,\"subs_per_client\":%d,\"topics\":%d,"
           "\"subscribers_per_topic\":{\"min\":%d,\"max\":%d,\"mean\":%.2f},",
           o_proto == PROTO_NATS ? "nats" : "rtdash", o_host, o_port, o_path, o_clients, o_subs, ntopics, tmin,
           tmax, (double)o_clients * o_subs / ntopics);
    printf("\"ready\":%d,\"ready_at_window\":%d,\"subscriptions_at_window\":%d,\"open_at_end\":%d,"
           "\"conn_failures\":%d,\"closed_by_server\":%d,\"close_frames\":%d,\"last_close_code\":%d,"
           "\"ws_errors\":%d,\"proto_errors\":%d,"
           "\"ramp_s\":%.3f,\"wait_data_s\":%.3f,\"warmup_s\":%.3f,\"window_s\":%.3f,",
           n_ready, ready_at_win, ready_at_win * o_subs, n_open, n_failed, n_closed_srv, n_close_frames,
           s_close_code, n_ws_err, n_proto_err,
           (double)(t_ready - t0) / 1e9, (double)(t_data - t_ready) / 1e9, o_warmup, win);
    printf("\"msgs\":%" PRIu64 ",\"msgs_per_s\":%.1f,\"bytes_per_s\":%.1f,"
           "\"per_client_msgs_per_s\":{\"min\":%.2f,\"max\":%.2f},\"clients_zero_msgs\":%" PRIu64 ",",
           n_win_msgs, (double)n_win_msgs / win, (double)n_win_bytes / win, (double)cmin / win,
           (double)cmax / win, zero);
    printf("\"latency_ms\":{\"count\":%" PRIu64 ",\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f,"
           "\"mean\":%.3f},",
           s_lat_count, s_lat_pct_ms(50), s_lat_pct_ms(90), s_lat_pct_ms(99), (double)s_lat_max_us / 1000.0,
           s_lat_count ? (double)s_lat_sum_us / (double)s_lat_count / 1000.0 : 0.0);
    printf("\"lost\":%" PRIu64 ",\"out_of_order\":%" PRIu64 ",\"gap_marks\":%" PRIu64 ",\"unexpected\":%" PRIu64
           ",\"no_seq\":%" PRIu64 ",\"no_t_ns\":%" PRIu64 ",\"pre_window_msgs\":%" PRIu64 ",\"other_msgs\":%" PRIu64
           ",",
           n_lost, n_ooo, n_gap_marks, n_unexpected, n_no_seq, n_no_t, n_pre_window, n_other);
    printf("\"client_cpu_pct\":%.1f,\"client_idle_pct\":%.1f,\"client_core\":%d,\"client_core_busy_pct\":%.1f,"
           "\"client_limited\":%s,\"host_busy_pct\":%.1f,\"client_rss_kb\":%ld,",
           self, 100.0 * (double)idle_ns / 1e9 / win, o_client_cpu, core, limited ? "true" : "false", host,
           s_proc_rss_kb(getpid()));
    printf("\"watch\":{\"pid\":%d,\"cpu_pct\":%.1f,\"rss_kb_start\":%ld,\"rss_kb\":%ld}}\n", o_watch,
           w_ok ? 100.0 * (w1 - w0) / win : -1.0, rss0, rss1);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "pub"))
        return s_pub_main(argc - 2, argv + 2);
    if (argc >= 2 && !strcmp(argv[1], "load"))
        return s_load_main(argc - 2, argv + 2);
    fprintf(stderr, "usage: mixload pub --sys zmq|nats ...   |   mixload load --proto rtdash|nats ...\n"
                    "       mixload pub --help / mixload load --help for the options\n");
    return 2;
}
