/* SPDX-License-Identifier: MIT */
/* mixpub.c - the publisher of scenario E of the rtdash bench ("realistic
 * dashboard mix"; the load client is mixload.c):
 *
 *   mixpub --sys zmq|nats --rate R --duration S [...]
 *       10 "collectors" (zmq: 10 PUB sockets that connect to the hub's bound
 *       SUB; nats: 10 TCP connections) publishing to mix.c<k>.t<j>
 *       (k = 0..9, j = 0..99) at a total of R msgs/s spread evenly over the
 *       topics (token bucket, 1 ms ticks). seq counts per topic from 1; t_ns
 *       is CLOCK_REALTIME taken right before the message is handed over.
 *       zmq: 2 frames [topic][msgpack {"seq","t_ns","value"}];
 *       nats: PUB <topic> with the JSON {"seq":N,"t_ns":T,"value":V}.
 *
 * Loopback targets only; it ends by itself. Build: see mix.sh. */
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

#include "mix_common.h"

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
                fprintf(stderr, "mixpub: nats said %.*s\n", (int)(nl - line), line);
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
    fprintf(stderr,
            "usage: mixpub --sys zmq|nats --rate R --duration S\n"
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
    if (sys < 0 || rate <= 0 || rate > 1e8 || duration <= 0 || duration > 3600 ||
        o_collectors < 1 || o_collectors > 1000 || o_per < 1 || o_per > 100000 || tick_us < 10 ||
        burst_ms < 1)
        s_pub_usage();
    if (sys == SYS_ZMQ && strncmp(endpoint, "tcp://127.", 10) != 0 &&
        strncmp(endpoint, "ipc://", 6) != 0)
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
    uint64_t start = s_mono_ns(), end = start + (uint64_t)(duration * 1e9), last = start,
             next = start;
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
                if (col[k].batch.len &&
                    s_write_all(col[k].fd, col[k].batch.p, col[k].batch.len) < 0) {
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
        struct timespec ts = {.tv_sec = (time_t)(next / 1000000000ull),
                              .tv_nsec = (long)(next % 1000000000ull)};
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
    printf("{\"tool\":\"mixpub\",\"sys\":\"%s\",\"collectors\":%d,\"topics\":%d,"
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

int main(int argc, char **argv)
{
    return s_pub_main(argc - 1, argv + 1);
}
