/* SPDX-License-Identifier: MIT */
/* mixload.c - the WebSocket load client of scenario E of the rtdash bench
 * ("realistic dashboard mix": 1000 topics from 10 collectors, N clients each
 * subscribed to its own 20 topics; the publisher is mixpub.c):
 *
 *   mixload --proto rtdash|nats --url ws://127.0.0.1:PORT/PATH --clients N [...]
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
 * Loopback targets only; every phase has a deadline. The handshake's
 * Sec-WebSocket-Accept is checked with libcrypto's SHA-1. Build: see mix.sh. */
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

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "mix_common.h"

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

static int o_proto = PROTO_RTDASH, o_clients = 1000, o_subs = 20, o_port = 8080,
           o_max_pending = 500;
static int o_dump, o_verbose, o_watch = -1, o_client_cpu = -1;
static uint64_t o_seed = 1;
static double o_connect_rate = 2000, o_connect_timeout = 30, o_data_timeout = 20, o_warmup = 1,
              o_duration = 3;
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
static uint64_t n_win_msgs, n_win_bytes, n_lost, n_ooo, n_gap_marks, n_unexpected, n_pre_window,
    n_other, n_no_seq, n_no_t;

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
    fprintf(stderr, "mixload: client %d %s (%zu bytes): %.*s\n", c->idx, what, n,
            (int)(n > 300 ? 300 : n), p);
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
    bool is_data =
        (rest >= 7 && !memcmp(t, "sample\"", 7)) || (rest >= 6 && !memcmp(t, "event\"", 6));
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
                s_topic_index(tok[0], tl[0]) !=
                    s_sub_topic[(size_t)c->idx * (size_t)o_subs + (size_t)slot])
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
            fprintf(stderr, "mixload: client %d closed by the server: %d %.*s\n", c->idx,
                    s_close_code, (int)(n > 2 ? n - 2 : 0), p + 2);
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
            int l = s_topic_name(s_sub_topic[(size_t)c->idx * (size_t)o_subs + (size_t)s], name,
                                 sizeof name);
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
        EVP_EncodeBlock((unsigned char *)key, raw, 16);
        int kl = snprintf(cat, sizeof cat, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
        SHA1((const unsigned char *)cat, (size_t)kl, dig);
        EVP_EncodeBlock((unsigned char *)c->accept, dig, 20);
        char req[512];
        int n = snprintf(
            req, sizeof req,
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
    /* after "comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime
     * stime */
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
        if (sscanf(p, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
                   &v[5], &v[6], &v[7]) < 4)
            break;
        busy[n++] = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
    }
    fclose(f);
    return n - 1;
}

static void s_load_usage(void)
{
    fprintf(stderr,
            "usage: mixload --proto rtdash|nats --url ws://127.0.0.1:PORT/PATH [options]\n"
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
    if (o_proto < 0 || o_clients < 1 || o_clients > 100000 || o_subs < 1 || o_subs > 1000 ||
        ntopics < o_subs || ntopics > 65535 || o_duration <= 0 || o_duration > 600 ||
        o_warmup < 0 || o_warmup > 600 || o_connect_rate <= 0 || o_max_pending < 1 ||
        o_connect_timeout <= 0 || o_connect_timeout > 600 || o_data_timeout <= 0 ||
        o_data_timeout > 600)
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
            while (n_started < o_clients && (uint64_t)n_started < allowed &&
                   n_pending < o_max_pending)
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
        if (phase == PH_WAIT_DATA &&
            (s_got_data || s_stop || now >= t_ready + (uint64_t)(o_data_timeout * 1e9))) {
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
            fprintf(stderr,
                    "mixload: t=%.1f s open=%d ready=%d failed=%d window msgs=%" PRIu64 "\n",
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
    printf("\",\"proto\":\"%s\",\"url\":\"ws://"
           "%s:%d%s\",\"clients\":%d,\"subs_per_client\":%d,\"topics\":%d,"
           "\"subscribers_per_topic\":{\"min\":%d,\"max\":%d,\"mean\":%.2f},",
           o_proto == PROTO_NATS ? "nats" : "rtdash", o_host, o_port, o_path, o_clients, o_subs,
           ntopics, tmin, tmax, (double)o_clients * o_subs / ntopics);
    printf(
        "\"ready\":%d,\"ready_at_window\":%d,\"subscriptions_at_window\":%d,\"open_at_end\":%d,"
        "\"conn_failures\":%d,\"closed_by_server\":%d,\"close_frames\":%d,\"last_close_code\":%d,"
        "\"ws_errors\":%d,\"proto_errors\":%d,"
        "\"ramp_s\":%.3f,\"wait_data_s\":%.3f,\"warmup_s\":%.3f,\"window_s\":%.3f,",
        n_ready, ready_at_win, ready_at_win * o_subs, n_open, n_failed, n_closed_srv,
        n_close_frames, s_close_code, n_ws_err, n_proto_err, (double)(t_ready - t0) / 1e9,
        (double)(t_data - t_ready) / 1e9, o_warmup, win);
    printf("\"msgs\":%" PRIu64 ",\"msgs_per_s\":%.1f,\"bytes_per_s\":%.1f,"
           "\"per_client_msgs_per_s\":{\"min\":%.2f,\"max\":%.2f},\"clients_zero_msgs\":%" PRIu64
           ",",
           n_win_msgs, (double)n_win_msgs / win, (double)n_win_bytes / win, (double)cmin / win,
           (double)cmax / win, zero);
    printf("\"latency_ms\":{\"count\":%" PRIu64
           ",\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f,"
           "\"mean\":%.3f},",
           s_lat_count, s_lat_pct_ms(50), s_lat_pct_ms(90), s_lat_pct_ms(99),
           (double)s_lat_max_us / 1000.0,
           s_lat_count ? (double)s_lat_sum_us / (double)s_lat_count / 1000.0 : 0.0);
    printf("\"lost\":%" PRIu64 ",\"out_of_order\":%" PRIu64 ",\"gap_marks\":%" PRIu64
           ",\"unexpected\":%" PRIu64 ",\"no_seq\":%" PRIu64 ",\"no_t_ns\":%" PRIu64
           ",\"pre_window_msgs\":%" PRIu64 ",\"other_msgs\":%" PRIu64 ",",
           n_lost, n_ooo, n_gap_marks, n_unexpected, n_no_seq, n_no_t, n_pre_window, n_other);
    printf("\"client_cpu_pct\":%.1f,\"client_idle_pct\":%.1f,\"client_core\":%d,\"client_core_busy_"
           "pct\":%.1f,"
           "\"client_limited\":%s,\"host_busy_pct\":%.1f,\"client_rss_kb\":%ld,",
           self, 100.0 * (double)idle_ns / 1e9 / win, o_client_cpu, core,
           limited ? "true" : "false", host, s_proc_rss_kb(getpid()));
    printf("\"watch\":{\"pid\":%d,\"cpu_pct\":%.1f,\"rss_kb_start\":%ld,\"rss_kb\":%ld}}\n",
           o_watch, w_ok ? 100.0 * (w1 - w0) / win : -1.0, rss0, rss1);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    return s_load_main(argc - 1, argv + 1);
}
