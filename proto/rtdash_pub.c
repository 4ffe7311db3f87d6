/* SPDX-License-Identifier: MIT */
/* rtdash_pub.c - the collector library: msgpack bodies on a ZeroMQ PUB socket.
 * A message is two frames, [topic][msgpack map] (PROTOCOL.md). The socket is
 * connected to every hub of the list and has ZMQ_LINGER 0; every send uses
 * ZMQ_DONTWAIT, so a collector never waits for a hub. One msgpack buffer is
 * reused for every message.
 * seq counters live in an open-addressing table (linear probing, deletion by
 * backward shift, no tombstones) of at most SEQ_MAX_TOPICS topics. When it is
 * full, the least recently used topic is forgotten: if it comes back, its seq
 * starts again at 1 (its ts still moves forward).
 * Why nothing arrives: ZeroMQ's socket monitor reports the PUB socket's
 * handshakes to a PAIR socket that we read now and then (at most once a
 * second while sending, and in rtdash_pub_status()), never per message. A
 * peer that answers but fails the ZeroMQ handshake (the hub's web port, or
 * any other server) is logged once per endpoint per minute; a hub that goes
 * away after a handshake is logged too. The PAIR socket's receive limit is
 * 0 (none), so the monitor never blocks libzmq's I/O thread (libzmq #3575)
 * however long the program goes without reading it.
 * CURVE: with RTDASH_CURVE_SERVERKEY (the hub's public key) and
 * RTDASH_CURVE_KEYFILE (our key pair, PUBLIC SECRET) the socket is a CURVE
 * client; a bad key, or one variable without the other, fails
 * rtdash_pub_new(). The monitor then names what a refusal means. */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* clock_gettime, clock_nanosleep, strnlen */
#endif
#include "rtdash.h"

#include "curvekey.h"
#include "opts.h"
#include "rlog.h"
#include "rtclock.h"
#include "topic.h"

#include <errno.h>
#include <math.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define SEQ_MAX_TOPICS 4096
#define SEQ_MIN_SLOTS 64
#define ENDPOINT_MAX 1024
#define MONITOR_ENDPOINT "inproc://rtdash-pub-monitor" /* one per context */
#define MONITOR_PERIOD_MS 1000 /* read the monitor at most this often while sending */
#define REPORT_PERIOD_MS 60000 /* one "not a ZeroMQ peer" line per endpoint per minute */
#define PEERS_MAX 16           /* endpoints with their own state (then shared) */
#define PEER_NAME_MAX 256

/* What the monitor told us about one endpoint. */
typedef struct peer {
    char name[PEER_NAME_MAX]; /* the endpoint as ZeroMQ reports it */
    bool up;                  /* handshake done, not disconnected since */
    bool told_mechanism;      /* "the hub wants CURVE" (or does not) was logged */
    rlog_rl_t rl;             /* the "handshake failed" line */
} peer_t;

typedef struct seq_slot {
    uint64_t seq;  /* last seq used; 0 = free slot */
    uint64_t used; /* tick of the last use, for eviction */
    uint32_t hash;
    uint8_t len;
    char topic[TOPIC_MAX_LEN];
} seq_slot_t;

struct rtdash_pub {
    void *ctx;
    void *sock;
    msgpack_sbuffer sbuf;
    msgpack_packer pk;
    seq_slot_t *slots;
    size_t nslots; /* power of two; at most half full */
    size_t count;
    uint64_t tick;
    void *mon;          /* PAIR socket of the PUB socket's events; NULL if unavailable */
    int64_t mon_polled; /* rtclock_mono_ms() of the last read */
    uint64_t sent, handshakes, bad_peers;
    peer_t peers[PEERS_MAX];
    size_t npeers;
    const char *bad_endpoint;             /* points into peers[] */
    bool curve;                           /* a CURVE client (RTDASH_CURVE_*) */
    char curve_pub[CURVEKEY_Z85_LEN + 1]; /* our public key, for the log */
};

static const char *const s_levels[] = {"info", "success", "warning", "error"};

/* FNV-1a: short keys, no allocation, good enough spread for linear probing. */
static uint32_t s_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

static size_t s_find_slot(const rtdash_pub_t *p, const char *topic, size_t len, uint32_t h,
                          bool *found)
{
    size_t mask = p->nslots - 1;
    size_t i = h & mask;
    while (p->slots[i].seq != 0) {
        const seq_slot_t *s = &p->slots[i];
        if (s->hash == h && s->len == len && memcmp(s->topic, topic, len) == 0) {
            *found = true;
            return i;
        }
        i = (i + 1) & mask;
    }
    *found = false;
    return i;
}

/* Remove slot i and shift later members of its cluster back, so that every
 * remaining key stays reachable from its home slot. */
static void s_remove_slot(rtdash_pub_t *p, size_t i)
{
    size_t mask = p->nslots - 1;
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (p->slots[j].seq == 0)
            break;
        size_t home = p->slots[j].hash & mask;
        /* Move j into the hole at i unless its home lies cyclically in (i, j]. */
        bool home_between = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (!home_between) {
            p->slots[i] = p->slots[j];
            i = j;
        }
    }
    p->slots[i].seq = 0;
    p->count--;
}

static int s_grow(rtdash_pub_t *p)
{
    size_t nslots = p->nslots ? p->nslots * 2 : SEQ_MIN_SLOTS;
    seq_slot_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return -1;
    seq_slot_t *old = p->slots;
    size_t oldn = p->nslots;
    p->slots = slots;
    p->nslots = nslots;
    for (size_t k = 0; k < oldn; k++) {
        if (old[k].seq == 0)
            continue;
        size_t i = old[k].hash & (nslots - 1);
        while (slots[i].seq != 0)
            i = (i + 1) & (nslots - 1);
        slots[i] = old[k];
    }
    free(old);
    return 0;
}

static void s_evict_lru(rtdash_pub_t *p)
{
    size_t victim = 0;
    uint64_t oldest = UINT64_MAX;
    for (size_t k = 0; k < p->nslots; k++) {
        if (p->slots[k].seq != 0 && p->slots[k].used < oldest) {
            oldest = p->slots[k].used;
            victim = k;
        }
    }
    if (oldest != UINT64_MAX)
        s_remove_slot(p, victim);
}

/* Next seq for a valid topic of len bytes; 0 if out of memory. */
static uint64_t s_next_seq(rtdash_pub_t *p, const char *topic, size_t len)
{
    uint32_t h = s_hash(topic, len);
    bool found = false;
    size_t i = 0;
    if (p->nslots) {
        i = s_find_slot(p, topic, len, h, &found);
        if (found) {
            p->slots[i].used = ++p->tick;
            return ++p->slots[i].seq;
        }
    }
    if (p->count >= SEQ_MAX_TOPICS)
        s_evict_lru(p);
    if ((p->count + 1) * 2 > p->nslots) {
        if (s_grow(p) != 0) {
            rlog(RLOG_ERROR, "rtdash: out of memory for seq counters");
            return 0;
        }
    }
    i = s_find_slot(p, topic, len, h, &found);
    seq_slot_t *s = &p->slots[i];
    s->seq = 1;
    s->used = ++p->tick;
    s->hash = h;
    s->len = (uint8_t)len;
    memcpy(s->topic, topic, len);
    p->count++;
    return 1;
}

int64_t rtdash_now_ms(void)
{
    return rtclock_wall_ms();
}

static volatile sig_atomic_t *s_stop_flag;

static void s_on_stop_signal(int sig)
{
    (void)sig;
    if (s_stop_flag)
        *s_stop_flag = 1;
}

int rtdash_stop_on_signals(volatile sig_atomic_t *stop)
{
    s_stop_flag = stop;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_stop_signal; /* no SA_RESTART: sleeps and poll() must end */
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGINT, &sa, NULL) == 0 && sigaction(SIGTERM, &sa, NULL) == 0 ? 0 : -1;
}

int rtdash_tick_wait(int64_t interval_ms, int64_t min_ms, const volatile sig_atomic_t *stop)
{
    if (interval_ms < 1)
        interval_ms = 1;
    int64_t now = rtdash_now_ms();
    int64_t next = now - now % interval_ms + interval_ms;
    while (next - now < min_ms)
        next += interval_ms;
    while (!stop || !*stop) {
        now = rtdash_now_ms();
        if (now >= next)
            return 1;
        if (next - now > interval_ms + min_ms) /* the clock went back: realign */
            next = now - now % interval_ms + interval_ms;
        int64_t d = next - now;
        struct timespec ts = {(time_t)(d / 1000), (long)(d % 1000) * 1000000L};
        (void)clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL); /* EINTR: the loop checks stop */
    }
    return 0;
}

/* Connect to each item of the comma-separated list (opts_list_next: spaces
 * around items are ignored). Returns the number connected, or -1 on the
 * first failure. */
static int s_connect_all(void *sock, const char *hubs)
{
    int n = 0;
    const char *pos = hubs, *item;
    size_t len;
    while ((item = opts_list_next(&pos, &len)) != NULL) {
        char ep[ENDPOINT_MAX];
        if (len >= sizeof ep) {
            rlog(RLOG_ERROR, "rtdash: hub endpoint too long (%zu bytes)", len);
            return -1;
        }
        memcpy(ep, item, len);
        ep[len] = '\0';
        if (zmq_connect(sock, ep) != 0) {
            rlog(RLOG_ERROR, "rtdash: cannot connect to hub '%s': %s", ep,
                 zmq_strerror(zmq_errno()));
            return -1;
        }
        n++;
    }
    return n;
}

/* Watch the PUB socket's handshakes. Failing is not fatal: the publisher
 * then works as before, only without the diagnosis. */
static void s_monitor_start(rtdash_pub_t *p)
{
    int events = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                 ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                 ZMQ_EVENT_DISCONNECTED;
    if (zmq_socket_monitor(p->sock, MONITOR_ENDPOINT, events) != 0) {
        rlog(RLOG_INFO, "rtdash: no socket monitor: %s", zmq_strerror(zmq_errno()));
        return;
    }
    p->mon = zmq_socket(p->ctx, ZMQ_PAIR);
    int zero = 0;
    if (!p->mon || zmq_setsockopt(p->mon, ZMQ_RCVHWM, &zero, sizeof zero) != 0 ||
        zmq_setsockopt(p->mon, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_connect(p->mon, MONITOR_ENDPOINT) != 0) {
        rlog(RLOG_INFO, "rtdash: no socket monitor: %s", zmq_strerror(zmq_errno()));
        zmq_socket_monitor(p->sock, NULL, 0);
        if (p->mon)
            zmq_close(p->mon);
        p->mon = NULL;
    }
}

static peer_t *s_peer(rtdash_pub_t *p, const char *name, size_t len)
{
    if (len >= PEER_NAME_MAX)
        len = PEER_NAME_MAX - 1;
    for (size_t i = 0; i < p->npeers; i++)
        if (strncmp(p->peers[i].name, name, len) == 0 && p->peers[i].name[len] == '\0')
            return &p->peers[i];
    peer_t *e = &p->peers[p->npeers < PEERS_MAX ? p->npeers++ : PEERS_MAX - 1];
    memset(e, 0, sizeof *e);
    memcpy(e->name, name, len);
    return e;
}

/* A failed handshake that CURVE explains, logged; false when it is not one.
 * A mechanism mismatch is said once per endpoint, whatever the rate limit
 * let through before it (libzmq may report the closed connection first). */
static bool s_curve_failure(const rtdash_pub_t *p, uint16_t event, uint32_t value, peer_t *e)
{
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL &&
        value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH) {
        if (e->told_mechanism)
            return true;
        e->told_mechanism = true;
        if (p->curve)
            rlog(RLOG_ERROR,
                 "rtdash: %s: the hub does not use CURVE: unset RTDASH_CURVE_SERVERKEY and "
                 "RTDASH_CURVE_KEYFILE, or start the hub with --curve-secret and --curve-clients",
                 e->name);
        else
            rlog(RLOG_ERROR,
                 "rtdash: %s: the hub wants CURVE: set RTDASH_CURVE_SERVERKEY (the hub's public "
                 "key) and RTDASH_CURVE_KEYFILE (this collector's key file)",
                 e->name);
        return true;
    }
    if (!p->curve)
        return false;
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
        rlog(RLOG_ERROR,
             "rtdash: %s: the hub refused our key (ZAP %u): add the line \"%s NAME\" to its "
             "--curve-clients file, then send it SIGHUP",
             e->name, value, p->curve_pub);
    else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL ||
             value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC)
        rlog(RLOG_ERROR,
             "rtdash: %s: the CURVE handshake failed: wrong server key? RTDASH_CURVE_SERVERKEY "
             "must be this hub's public key (the first word of its --curve-secret file); or "
             "this is not the hub's ingest port",
             e->name);
    else
        return false;
    return true;
}

/* One event of the monitor: what happened to which endpoint. */
static void s_monitor_event(rtdash_pub_t *p, uint16_t event, uint32_t value, peer_t *e)
{
    uint32_t suppressed = 0;
    switch (event) {
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
        p->handshakes++;
        e->up = true;
        rlog(RLOG_INFO, "rtdash: %s: connected to the hub", e->name);
        break;
    case ZMQ_EVENT_DISCONNECTED:
        if (e->up)
            RLOG_RL(RLOG_NOTICE,
                    "rtdash: %s: the hub went away; messages are dropped until it is back",
                    e->name);
        e->up = false;
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        p->bad_peers++;
        p->bad_endpoint = e->name;
        if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL &&
            value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH) {
            s_curve_failure(p, event, value, e);
            break;
        }
        if (!rlog_rl_allow(&e->rl, 1, REPORT_PERIOD_MS, &suppressed))
            break;
        if (s_curve_failure(p, event, value, e))
            break;
        if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL && suppressed)
            rlog(RLOG_ERROR,
                 "rtdash: %s: not a ZeroMQ peer (handshake failed %u more times): is this the "
                 "hub's ingest port? the web port is not",
                 e->name, suppressed);
        else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
            rlog(RLOG_ERROR,
                 "rtdash: %s: not a ZeroMQ peer (handshake failed): is this the hub's ingest "
                 "port? the web port is not%s",
                 e->name,
                 p->curve ? ""
                          : "; or a hub that wants CURVE (set RTDASH_CURVE_SERVERKEY and "
                            "RTDASH_CURVE_KEYFILE)");
        else
            rlog(RLOG_ERROR,
                 "rtdash: %s: the ZeroMQ handshake failed (%s 0x%x): is this the hub's ingest "
                 "endpoint?",
                 e->name, event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ? "authentication" : "protocol",
                 value);
        break;
    default:
        break;
    }
}

/* Read every event the monitor has queued. */
static void s_monitor_poll(rtdash_pub_t *p)
{
    p->mon_polled = rtclock_mono_ms();
    if (!p->mon)
        return;
    for (;;) {
        zmq_msg_t head, addr;
        zmq_msg_init(&head);
        if (zmq_msg_recv(&head, p->mon, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&head);
            return;
        }
        uint16_t event = 0;
        uint32_t value = 0;
        if (zmq_msg_size(&head) >= 6) {
            memcpy(&event, zmq_msg_data(&head), 2);
            memcpy(&value, (const char *)zmq_msg_data(&head) + 2, 4);
        }
        bool more = zmq_msg_more(&head);
        zmq_msg_close(&head);
        if (!more)
            continue;
        zmq_msg_init(&addr);
        if (zmq_msg_recv(&addr, p->mon, ZMQ_DONTWAIT) >= 0)
            s_monitor_event(p, event, value, s_peer(p, zmq_msg_data(&addr), zmq_msg_size(&addr)));
        zmq_msg_close(&addr);
    }
}

/* RTDASH_CURVE_SERVERKEY and RTDASH_CURVE_KEYFILE: make the socket a CURVE
 * client. Returns 0 (also when neither is set), or -1 (logged). */
static int s_curve_setup(rtdash_pub_t *p)
{
    const char *sk = getenv("RTDASH_CURVE_SERVERKEY"), *kf = getenv("RTDASH_CURVE_KEYFILE");
    bool has_sk = sk && *sk, has_kf = kf && *kf;
    if (!has_sk && !has_kf)
        return 0;
    if (!has_sk || !has_kf) {
        rlog(RLOG_ERROR,
             "rtdash: %s is set but %s is not: CURVE needs both, the hub's public key "
             "and this collector's key file",
             has_sk ? "RTDASH_CURVE_SERVERKEY" : "RTDASH_CURVE_KEYFILE",
             has_sk ? "RTDASH_CURVE_KEYFILE" : "RTDASH_CURVE_SERVERKEY");
        return -1;
    }
    uint8_t server[CURVEKEY_BYTES];
    size_t sklen = strlen(sk);
    while (sklen && (sk[sklen - 1] == '\n' || sk[sklen - 1] == ' '))
        sklen--; /* $(cat FILE) or a trailing blank: forgiven */
    if (!curvekey_z85_decode(sk, sklen, server)) {
        rlog(RLOG_ERROR,
             "rtdash: RTDASH_CURVE_SERVERKEY is not a key of 40 Z85 characters: it is the hub's "
             "public key, the first word of the hub's --curve-secret file");
        return -1;
    }
    char *buf, err[600], why[300];
    size_t len;
    curvekey_pair_t kp;
    if (curvekey_read_file(kf, CURVEKEY_FILE_MAX, true, &buf, &len, err, sizeof err) != 0) {
        rlog(RLOG_ERROR, "rtdash: RTDASH_CURVE_KEYFILE %s", err);
        return -1;
    }
    int rc = curvekey_parse(buf, len, &kp, why, sizeof why);
    curvekey_wipe(buf, len);
    free(buf);
    if (rc == 0)
        rc = curvekey_check_pair(&kp, why, sizeof why);
    if (rc != 0) {
        curvekey_wipe(&kp, sizeof kp);
        rlog(RLOG_ERROR, "rtdash: RTDASH_CURVE_KEYFILE %s: %s", kf, why);
        return -1;
    }
    rc = zmq_setsockopt(p->sock, ZMQ_CURVE_SERVERKEY, server, sizeof server) ||
         zmq_setsockopt(p->sock, ZMQ_CURVE_PUBLICKEY, kp.pub, sizeof kp.pub) ||
         zmq_setsockopt(p->sock, ZMQ_CURVE_SECRETKEY, kp.sec, sizeof kp.sec);
    memcpy(p->curve_pub, kp.pub_z85, sizeof p->curve_pub);
    curvekey_wipe(&kp, sizeof kp);
    if (rc) {
        rlog(RLOG_ERROR, "rtdash: CURVE: %s", zmq_strerror(zmq_errno()));
        return -1;
    }
    p->curve = true;
    rlog(RLOG_INFO, "rtdash: CURVE client, key %s", p->curve_pub);
    return 0;
}

void rtdash_pub_status(rtdash_pub_t *p, rtdash_pub_status_t *st)
{
    s_monitor_poll(p);
    st->sent = p->sent;
    st->handshakes = p->handshakes;
    st->bad_peers = p->bad_peers;
    st->bad_endpoint = p->bad_endpoint;
}

rtdash_pub_t *rtdash_pub_new(const char *hubs)
{
    if (!hubs) {
        hubs = getenv("RTDASH_HUB");
        if (!hubs || !*hubs)
            hubs = RTDASH_DEFAULT_HUB;
    }
    rtdash_pub_t *p = calloc(1, sizeof *p);
    if (!p) {
        rlog(RLOG_ERROR, "rtdash: out of memory");
        return NULL;
    }
    msgpack_sbuffer_init(&p->sbuf);
    msgpack_packer_init(&p->pk, &p->sbuf, msgpack_sbuffer_write);

    p->ctx = zmq_ctx_new();
    if (!p->ctx) {
        rlog(RLOG_ERROR, "rtdash: zmq_ctx_new: %s", zmq_strerror(zmq_errno()));
        rtdash_pub_destroy(&p);
        return NULL;
    }
    p->sock = zmq_socket(p->ctx, ZMQ_PUB);
    if (!p->sock) {
        rlog(RLOG_ERROR, "rtdash: zmq_socket: %s", zmq_strerror(zmq_errno()));
        rtdash_pub_destroy(&p);
        return NULL;
    }
    int linger = 0;
    if (zmq_setsockopt(p->sock, ZMQ_LINGER, &linger, sizeof linger) != 0) {
        rlog(RLOG_ERROR, "rtdash: ZMQ_LINGER: %s", zmq_strerror(zmq_errno()));
        rtdash_pub_destroy(&p);
        return NULL;
    }
    if (s_curve_setup(p) != 0) {
        rtdash_pub_destroy(&p);
        return NULL;
    }
    s_monitor_start(p);
    int n = s_connect_all(p->sock, hubs);
    if (n == 0)
        rlog(RLOG_ERROR, "rtdash: no hub endpoint in '%s'", hubs);
    if (n <= 0) {
        rtdash_pub_destroy(&p);
        return NULL;
    }
    return p;
}

void rtdash_pub_destroy(rtdash_pub_t **pp)
{
    if (!pp || !*pp)
        return;
    rtdash_pub_t *p = *pp;
    if (p->mon) {
        s_monitor_poll(p); /* a short-lived program still hears why */
        zmq_socket_monitor(p->sock, NULL, 0);
        zmq_close(p->mon);
    }
    if (p->sock)
        zmq_close(p->sock);
    if (p->ctx) {
        while (zmq_ctx_term(p->ctx) != 0 && zmq_errno() == EINTR) {
        }
    }
    msgpack_sbuffer_destroy(&p->sbuf);
    free(p->slots);
    free(p);
    *pp = NULL;
}

static bool s_topic_ok(const rtdash_pub_t *p, const char *topic)
{
    if (!p || !topic)
        return false;
    size_t len = strnlen(topic, TOPIC_MAX_LEN + 1);
    if (!topic_is_valid(topic, len)) {
        RLOG_RL(RLOG_ERROR, "rtdash: invalid topic '%.*s'", TOPIC_MAX_LEN, topic);
        return false;
    }
    return true;
}

/* Send [topic][body] without waiting. EAGAIN (nobody to take it now) is not
 * an error for a collector. */
static int s_send(rtdash_pub_t *p, const char *topic, const void *body, size_t len)
{
    if (len > RTDASH_MAX_MESSAGE) {
        RLOG_RL(RLOG_ERROR, "rtdash: %s: body of %zu bytes is over the %d byte limit", topic, len,
                RTDASH_MAX_MESSAGE);
        return -1;
    }
    size_t tlen = strlen(topic);
    int rc;
    do {
        rc = zmq_send(p->sock, topic, tlen, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    } while (rc < 0 && zmq_errno() == EINTR);
    if (rc < 0) {
        if (zmq_errno() == EAGAIN)
            return 0;
        RLOG_RL(RLOG_ERROR, "rtdash: send %s: %s", topic, zmq_strerror(zmq_errno()));
        return -1;
    }
    do {
        rc = zmq_send(p->sock, body, len, ZMQ_DONTWAIT);
    } while (rc < 0 && zmq_errno() == EINTR);
    if (rc < 0 && zmq_errno() != EAGAIN) {
        RLOG_RL(RLOG_ERROR, "rtdash: send %s: %s", topic, zmq_strerror(zmq_errno()));
        return -1;
    }
    p->sent++;
    if (rtclock_mono_ms() - p->mon_polled >= MONITOR_PERIOD_MS)
        s_monitor_poll(p);
    return 0;
}

static int s_pack_cstr(msgpack_packer *pk, const char *s)
{
    size_t len = strlen(s);
    return msgpack_pack_str_with_body(pk, s, len);
}

static int s_pack_kv_str(msgpack_packer *pk, const char *key, const char *value)
{
    return s_pack_cstr(pk, key) | s_pack_cstr(pk, value);
}

/* The common head of samples and events: kind, ts, seq. Returns 0 or -1. */
static int s_pack_head(rtdash_pub_t *p, uint32_t nkeys, const char *kind, const char *topic,
                       int64_t ts_ms)
{
    uint64_t seq = s_next_seq(p, topic, strlen(topic));
    if (seq == 0)
        return -1;
    msgpack_sbuffer_clear(&p->sbuf);
    int rc = msgpack_pack_map(&p->pk, nkeys);
    rc |= s_pack_kv_str(&p->pk, "kind", kind);
    rc |= s_pack_cstr(&p->pk, "ts");
    rc |= msgpack_pack_int64(&p->pk, ts_ms ? ts_ms : rtdash_now_ms());
    rc |= s_pack_cstr(&p->pk, "seq");
    rc |= msgpack_pack_uint64(&p->pk, seq);
    return rc ? -1 : 0;
}

static int s_finish(rtdash_pub_t *p, const char *topic, int rc)
{
    if (rc) {
        rlog(RLOG_ERROR, "rtdash: %s: out of memory while encoding", topic);
        return -1;
    }
    return s_send(p, topic, p->sbuf.data, p->sbuf.size);
}

int rtdash_pub_sample(rtdash_pub_t *p, const char *topic, const char *const *names,
                      const double *values, size_t n, int64_t ts_ms)
{
    if (!s_topic_ok(p, topic))
        return -1;
    if (n == 0 || !names || !values || n > UINT32_MAX) {
        RLOG_RL(RLOG_ERROR, "rtdash: %s: a sample needs at least one field", topic);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!names[i] || !*names[i]) {
            RLOG_RL(RLOG_ERROR, "rtdash: %s: field %zu has no name", topic, i);
            return -1;
        }
    }
    int rc = s_pack_head(p, 4, "sample", topic, ts_ms);
    rc |= s_pack_cstr(&p->pk, "fields");
    rc |= msgpack_pack_map(&p->pk, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        rc |= s_pack_cstr(&p->pk, names[i]);
        rc |= msgpack_pack_double(&p->pk, values[i]);
    }
    return s_finish(p, topic, rc);
}

/* Length of text cut to at most max bytes without splitting a UTF-8 sequence. */
static size_t s_utf8_cut(const char *text, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t cut = max;
    /* Back up over continuation bytes so text[cut] starts a character. */
    while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
        cut--;
    return cut;
}

int rtdash_pub_event(rtdash_pub_t *p, const char *topic, const char *level, const char *text,
                     int64_t ts_ms)
{
    if (!s_topic_ok(p, topic))
        return -1;
    if (!text) {
        RLOG_RL(RLOG_ERROR, "rtdash: %s: an event needs a text", topic);
        return -1;
    }
    if (!level)
        level = "info";
    bool known = false;
    for (size_t i = 0; i < sizeof s_levels / sizeof s_levels[0]; i++)
        known = known || strcmp(level, s_levels[i]) == 0;
    if (!known) {
        RLOG_RL(RLOG_ERROR, "rtdash: %s: unknown event level '%.32s'", topic, level);
        return -1;
    }
    size_t tlen = s_utf8_cut(text, strlen(text), RTDASH_MAX_TEXT);
    int rc = s_pack_head(p, 5, "event", topic, ts_ms);
    rc |= s_pack_cstr(&p->pk, "text");
    rc |= msgpack_pack_str_with_body(&p->pk, text, tlen);
    rc |= s_pack_kv_str(&p->pk, "level", level);
    return s_finish(p, topic, rc);
}

void rtdash_meta_init(rtdash_meta_t *m)
{
    memset(m, 0, sizeof *m);
    m->min = NAN;
    m->max = NAN;
}

int rtdash_pub_meta(rtdash_pub_t *p, const char *topic, const rtdash_meta_t *m)
{
    if (!s_topic_ok(p, topic))
        return -1;
    if (!m || (m->nfields && !m->fields) || m->nfields > UINT32_MAX) {
        RLOG_RL(RLOG_ERROR, "rtdash: %s: bad meta", topic);
        return -1;
    }
    for (size_t i = 0; i < m->nfields; i++) {
        if (!m->fields[i].name || !*m->fields[i].name) {
            RLOG_RL(RLOG_ERROR, "rtdash: %s: meta field %zu has no name", topic, i);
            return -1;
        }
    }
    /* a collector the hub runs is named by the hub (PROTOCOL.md Decision 25):
     * it sets RTDASH_COLLECTOR in the child's environment, and that name is
     * announced, so /metrics and /api/collectors say the same */
    const char *named = m->collector ? getenv("RTDASH_COLLECTOR") : NULL;
    if (named && (!*named || strlen(named) > 64 || strchr(named, ' ')))
        named = NULL;
    const char *const skeys[] = {"title", "unit", "chart", "collector"};
    const char *const svals[] = {m->title, m->unit, m->chart, named ? named : m->collector};
    uint32_t nkeys = 1 + !isnan(m->min) + !isnan(m->max) + (m->interval_ms > 0) + (m->nfields > 0);
    for (size_t i = 0; i < 4; i++)
        nkeys += svals[i] != NULL;

    msgpack_sbuffer_clear(&p->sbuf);
    msgpack_packer *pk = &p->pk;
    int rc = msgpack_pack_map(pk, nkeys);
    rc |= s_pack_kv_str(pk, "kind", "meta");
    for (size_t i = 0; i < 4; i++) {
        if (svals[i])
            rc |= s_pack_kv_str(pk, skeys[i], svals[i]);
    }
    if (!isnan(m->min))
        rc |= s_pack_cstr(pk, "min") | msgpack_pack_double(pk, m->min);
    if (!isnan(m->max))
        rc |= s_pack_cstr(pk, "max") | msgpack_pack_double(pk, m->max);
    if (m->interval_ms > 0)
        rc |= s_pack_cstr(pk, "interval_ms") | msgpack_pack_int64(pk, m->interval_ms);
    if (m->nfields > 0) {
        rc |= s_pack_cstr(pk, "fields");
        rc |= msgpack_pack_map(pk, (uint32_t)m->nfields);
        for (size_t i = 0; i < m->nfields; i++) {
            const rtdash_field_meta_t *f = &m->fields[i];
            rc |= s_pack_cstr(pk, f->name);
            rc |= msgpack_pack_map(
                pk, (uint32_t)((f->label != NULL) + (f->unit != NULL) + (f->color != NULL)));
            if (f->label)
                rc |= s_pack_kv_str(pk, "label", f->label);
            if (f->unit)
                rc |= s_pack_kv_str(pk, "unit", f->unit);
            if (f->color)
                rc |= s_pack_kv_str(pk, "color", f->color);
        }
    }
    return s_finish(p, topic, rc);
}

int rtdash_pub_raw(rtdash_pub_t *p, const char *topic, const void *body, size_t len)
{
    if (!s_topic_ok(p, topic))
        return -1;
    if (!body || len == 0) {
        RLOG_RL(RLOG_ERROR, "rtdash: %s: empty body", topic);
        return -1;
    }
    return s_send(p, topic, body, len);
}

uint64_t rtdash_pub_next_seq(rtdash_pub_t *p, const char *topic)
{
    if (!s_topic_ok(p, topic))
        return 0;
    return s_next_seq(p, topic, strlen(topic));
}
