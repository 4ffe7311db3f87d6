/* SPDX-License-Identifier: MIT */
/* ingest.c - ZeroMQ SUB socket drained inside the lws loop; CURVE and ZAP. */
#include "ingest.h"
#include "curve.h"
#include "prom.h"
#include "rlog.h"
#include "rtclock.h"
#include "topic.h"
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

/* Messages per loop turn. Small enough that one WebSocket frame (64 KiB) can
 * carry a turn's worth to a client, so under a flood the writes keep pace
 * with the drain instead of the client queues overflowing. */
#define INGEST_BUDGET 128

/* RFC 27: where libzmq sends its authentication requests, in our context. */
#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define MONITOR_ENDPOINT "inproc://rtdash-ingest-monitor"
/* The ZAP reply's metadata property that carries the key in Z85. ZAP's own
 * properties win over any of that name a client declares (libzmq inserts
 * them first), so it cannot be forged. */
#define KEY_PROPERTY "X-Rtdash-Key"
/* Keys the hub made itself (supervised collectors): at most this many. */
#define OWN_KEYS_MAX 256

/* Why a collector was refused under CURVE (rtdash_ingest_auth_failures_total). */
enum {
    AUTH_UNKNOWN_KEY = 0, /* ZAP: a key not in the allow-list */
    AUTH_REVOKED_KEY,     /* a message from a key no longer listed (after a reload) */
    AUTH_FORBIDDEN_TOPIC, /* a message on a topic outside its key's patterns */
    AUTH_PLAINTEXT,       /* a handshake without CURVE (NULL or PLAIN mechanism) */
    AUTH_BAD_HANDSHAKE,   /* a CURVE handshake that failed: the wrong server key, not ZeroMQ */
    AUTH__COUNT
};
static const char *const s_auth_names[AUTH__COUNT] = {
    "unknown_key", "revoked_key", "forbidden_topic", "plaintext", "bad_handshake"};

typedef struct own_key {
    uint8_t pub[CURVEKEY_BYTES];
    char name[CURVE_NAME_MAX + 1];
} own_key_t;

struct ingest {
    ingest_cfg_t cfg;
    void *zctx;
    void *sock;
    broker_t *broker;
    struct lws_context *cx;
    struct lws *wsi;
    lws_sorted_usec_list_t sul_more;   /* continuation after a full budget */
    lws_sorted_usec_list_t sul_safety; /* slow safety net against a lost edge */
    bool more_pending;                 /* a continuation is scheduled: it drains, not the fd wake */
    /* CURVE: everything below stays empty without it */
    bool curve;
    void *zap; /* REP socket answering libzmq's ZAP requests */
    struct lws *zap_wsi;
    void *mon;      /* PAIR socket: the SUB socket's failed handshakes */
    curve_t *allow; /* owned: the allow-list in force */
    /* the last message's key property and its entry: messages come in runs
     * from one connection, whose metadata (and so the property's address)
     * stays put; NULL whenever the list changes */
    const char *last_kz;
    const curve_client_t *last_e;
    own_key_t *own; /* owned: keys made by the hub, re-added on reload */
    size_t nown;
    char server_z85[CURVEKEY_Z85_LEN + 1];
    uint64_t auth_failures[AUTH__COUNT];
    rlog_rl_t rl_auth[AUTH__COUNT];
};

/* ---- settings ------------------------------------------------------------ */

/* Is the text h[0..n) a loopback host: a name of it, or an address in it? */
static bool s_host_is_loopback(const char *h, size_t n)
{
    char host[INET6_ADDRSTRLEN + 8];
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    if (n == 0 || n >= sizeof host)
        return false;
    memcpy(host, h, n);
    host[n] = '\0';
    if (!strcmp(host, "localhost") || !strcmp(host, "lo"))
        return true;
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &a6) != 1)
        return false;
    static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (IN6_IS_ADDR_LOOPBACK(&a6))
        return true;
    return !memcmp(a6.s6_addr, v4mapped, 12) && a6.s6_addr[12] == 127;
}

bool ingest_endpoint_is_local(const char *ep)
{
    if (!ep)
        return false;
    if (!strncmp(ep, "ipc://", 6) || !strncmp(ep, "inproc://", 9))
        return true;
    if (strncmp(ep, "tcp://", 6))
        return false;
    const char *host = ep + 6, *colon = strrchr(host, ':');
    return colon && s_host_is_loopback(host, (size_t)(colon - host));
}

/* Read and check the hub's key file. */
static int s_load_secret(const char *path, curvekey_pair_t *kp, char *err, size_t errlen)
{
    char *buf, why[300];
    size_t len;
    if (curvekey_read_file(path, CURVEKEY_FILE_MAX, true, &buf, &len, err, errlen) < 0)
        return -1;
    int rc = curvekey_parse(buf, len, kp, why, sizeof why);
    curvekey_wipe(buf, len);
    free(buf);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    if (curvekey_check_pair(kp, why, sizeof why) < 0) {
        curvekey_wipe(kp, sizeof *kp);
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    return 0;
}

/* Read and parse the allow-list: a new list, or NULL with err. */
static curve_t *s_load_clients(const char *path, char *err, size_t errlen)
{
    char *buf, why[300];
    size_t len;
    if (curvekey_read_file(path, CURVEKEY_FILE_MAX, false, &buf, &len, err, errlen) < 0)
        return NULL;
    curve_t *c = curve_new();
    int rc = c ? curve_parse_clients(c, buf, len, why, sizeof why) : -1;
    free(buf);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", path, c ? why : "out of memory");
        curve_destroy(&c);
    }
    return c;
}

/* An ipc:// endpoint with a file (not Linux's abstract namespace, @name). */
static bool s_is_ipc_file(const char *ep)
{
    return ep && !strncmp(ep, "ipc://", 6) && ep[6] != '@';
}

int ingest_check_cfg(const ingest_cfg_t *cfg, char *err, size_t errlen)
{
    if (cfg->ipc_group && *cfg->ipc_group) {
        if (!s_is_ipc_file(cfg->endpoint)) {
            snprintf(err, errlen,
                     "--ingest-group sets the group of an ipc:// socket file; the ingest %s "
                     "has none",
                     cfg->endpoint);
            return -1;
        }
        if (!getgrnam(cfg->ipc_group)) {
            snprintf(err, errlen, "--ingest-group %s: no such group", cfg->ipc_group);
            return -1;
        }
    }
    bool has_secret = cfg->curve_secret && *cfg->curve_secret;
    bool has_clients = cfg->curve_clients && *cfg->curve_clients;
    if (has_secret != has_clients) {
        snprintf(err, errlen,
                 "%s needs %s too (CURVE takes the hub's key file and the list of "
                 "collectors' keys)",
                 has_secret ? "--curve-secret" : "--curve-clients",
                 has_secret ? "--curve-clients" : "--curve-secret");
        return -1;
    }
    if (!has_secret) {
        if (!cfg->insecure && !ingest_endpoint_is_local(cfg->endpoint)) {
            snprintf(err, errlen,
                     "ingest %s is reachable beyond this machine without authentication: give "
                     "--curve-secret and --curve-clients, bind a loopback or ipc:// endpoint, or "
                     "set --ingest-insecure",
                     cfg->endpoint);
            return -1;
        }
        return 0;
    }
    int major, minor, patch;
    zmq_version(&major, &minor, &patch);
    if (!zmq_has("curve")) {
        snprintf(err, errlen, "CURVE: this libzmq (%d.%d.%d) was built without it", major, minor,
                 patch);
        return -1;
    }
    if (major * 10000 + minor * 100 + patch < 40303) {
        snprintf(err, errlen,
                 "CURVE: libzmq %d.%d.%d is too old: 4.3.3 or later is needed "
                 "(CVE-2019-13132, CVE-2020-15166)",
                 major, minor, patch);
        return -1;
    }
    curvekey_pair_t kp;
    if (s_load_secret(cfg->curve_secret, &kp, err, errlen) < 0)
        return -1;
    curvekey_wipe(&kp, sizeof kp);
    curve_t *c = s_load_clients(cfg->curve_clients, err, errlen);
    if (!c)
        return -1;
    curve_destroy(&c);
    return 0;
}

/* ---- start and stop ------------------------------------------------------ */

/* The ZAP handler and the handshake monitor, before the SUB socket binds:
 * libzmq asks the handler about every CURVE connection, from the first. */
static int s_curve_setup(ingest_t *in)
{
    char err[512];
    curvekey_pair_t kp;
    if (s_load_secret(in->cfg.curve_secret, &kp, err, sizeof err) < 0 ||
        !(in->allow = s_load_clients(in->cfg.curve_clients, err, sizeof err))) {
        curvekey_wipe(&kp, sizeof kp);
        rlog(RLOG_ERROR, "%s", err);
        return -1;
    }
    memcpy(in->server_z85, kp.pub_z85, sizeof in->server_z85);
    int one = 1, zero = 0, linger = 0;
    in->zap = zmq_socket(in->zctx, ZMQ_REP);
    in->mon = zmq_socket(in->zctx, ZMQ_PAIR);
    int rc = -1;
    if (in->zap && in->mon && !zmq_setsockopt(in->zap, ZMQ_LINGER, &linger, sizeof linger) &&
        !zmq_bind(in->zap, ZAP_ENDPOINT) &&
        !zmq_socket_monitor(in->sock, MONITOR_ENDPOINT,
                            ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                                ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) &&
        /* no receive bound: the monitor must never block libzmq's I/O thread */
        !zmq_setsockopt(in->mon, ZMQ_RCVHWM, &zero, sizeof zero) &&
        !zmq_setsockopt(in->mon, ZMQ_LINGER, &linger, sizeof linger) &&
        !zmq_connect(in->mon, MONITOR_ENDPOINT) &&
        !zmq_setsockopt(in->sock, ZMQ_CURVE_SERVER, &one, sizeof one) &&
        !zmq_setsockopt(in->sock, ZMQ_CURVE_SECRETKEY, kp.sec, sizeof kp.sec) &&
        !zmq_setsockopt(in->sock, ZMQ_ZAP_DOMAIN, INGEST_ZAP_DOMAIN, strlen(INGEST_ZAP_DOMAIN)))
        rc = 0;
    else
        rlog(RLOG_ERROR, "CURVE set-up failed: %s", zmq_strerror(errno));
    curvekey_wipe(&kp, sizeof kp);
    in->curve = rc == 0;
    return rc;
}

/* Bind the SUB socket. An ipc:// file is born 0600 (the umask covers the
 * moment between its creation and the chmod; libzmq creates it in this
 * thread, and no other thread of the hub creates files), then gets its
 * group and 0660 with --ingest-group. */
static int s_bind(ingest_t *in)
{
    const char *ep = in->cfg.endpoint;
    bool ipc = s_is_ipc_file(ep);
    mode_t old = ipc ? umask(077) : 0;
    int rc = zmq_bind(in->sock, ep), err = errno;
    if (ipc)
        umask(old);
    if (rc) {
        rlog(RLOG_ERROR, "cannot bind ingest %s: %s", ep, zmq_strerror(err));
        return -1;
    }
    if (!ipc)
        return 0;
    /* the real path: libzmq names the file of a wildcard ipc endpoint */
    char last[1024];
    size_t len = sizeof last;
    if (zmq_getsockopt(in->sock, ZMQ_LAST_ENDPOINT, last, &len) || strncmp(last, "ipc://", 6)) {
        rlog(RLOG_ERROR, "ingest %s: cannot read the bound path: %s", ep, zmq_strerror(errno));
        return -1;
    }
    const char *path = last + 6, *group = in->cfg.ipc_group;
    mode_t mode = 0600;
    if (group && *group) {
        struct group *gr = getgrnam(group);
        if (!gr || chown(path, (uid_t)-1, gr->gr_gid) < 0) {
            rlog(RLOG_ERROR, "ingest %s: cannot give it group %s: %s", path, group,
                 gr ? strerror(errno) : "no such group");
            return -1;
        }
        mode = 0660;
    }
    if (chmod(path, mode) < 0) {
        rlog(RLOG_ERROR, "ingest %s: chmod %o: %s", path, (unsigned)mode, strerror(errno));
        return -1;
    }
    rlog(RLOG_INFO, "ingest %s: mode %o%s%s", path, (unsigned)mode,
         group && *group ? ", group " : "", group && *group ? group : "");
    return 0;
}

ingest_t *ingest_new(const ingest_cfg_t *cfg, broker_t *b)
{
    ingest_t *in = calloc(1, sizeof(*in));
    if (!in)
        return NULL;
    in->cfg = *cfg;
    in->broker = b;
    in->zctx = zmq_ctx_new();
    if (!in->zctx)
        goto fail;
    in->sock = zmq_socket(in->zctx, ZMQ_SUB);
    if (!in->sock)
        goto fail;
    int hwm = INGEST_RCVHWM, linger = 0;
    int64_t maxmsg = (int64_t)cfg->max_wire;
    if (zmq_setsockopt(in->sock, ZMQ_RCVHWM, &hwm, sizeof(hwm)) ||
        zmq_setsockopt(in->sock, ZMQ_LINGER, &linger, sizeof(linger)) ||
        zmq_setsockopt(in->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) ||
        zmq_setsockopt(in->sock, ZMQ_SUBSCRIBE, "", 0))
        goto fail;
    if (cfg->curve_secret && *cfg->curve_secret && s_curve_setup(in) < 0)
        goto fail_quiet;
    if (s_bind(in) < 0)
        goto fail_quiet;
    if (in->curve)
        rlog(RLOG_NOTICE, "ingest %s: CURVE, %zu collector keys from %s; the hub's key %s",
             cfg->endpoint, curve_count(in->allow), cfg->curve_clients, in->server_z85);
    else if (!ingest_endpoint_is_local(cfg->endpoint))
        rlog(RLOG_WARN,
             "ingest %s accepts any publisher without authentication (--ingest-insecure): "
             "anyone who reaches it can publish any topic; use --curve-secret and "
             "--curve-clients",
             cfg->endpoint);
    return in;
fail:
    rlog(RLOG_ERROR, "ZeroMQ set-up failed: %s", zmq_strerror(errno));
fail_quiet:
    ingest_destroy(&in);
    return NULL;
}

void ingest_destroy(ingest_t **pin)
{
    if (!pin || !*pin)
        return;
    ingest_t *in = *pin;
    if (in->mon) {
        zmq_socket_monitor(in->sock, NULL, 0);
        zmq_close(in->mon);
    }
    if (in->zap)
        zmq_close(in->zap);
    if (in->sock)
        zmq_close(in->sock);
    if (in->zctx)
        zmq_ctx_term(in->zctx);
    curve_destroy(&in->allow);
    free(in->own);
    free(in);
    *pin = NULL;
}

bool ingest_curve_on(const ingest_t *in)
{
    return in && in->curve;
}

const char *ingest_curve_server_key(const ingest_t *in)
{
    return in && in->curve ? in->server_z85 : NULL;
}

int ingest_curve_allow(ingest_t *in, const uint8_t pub[CURVEKEY_BYTES], const char *name)
{
    char err[200];
    if (!in->curve || in->nown == OWN_KEYS_MAX) {
        rlog(RLOG_ERROR, "CURVE: cannot allow a key for %s (%s)", name,
             in->curve ? "too many" : "CURVE is off");
        return -1;
    }
    in->last_e = NULL; /* curve_add() may move the entries */
    if (curve_add(in->allow, pub, name, "*", err, sizeof err) < 0) {
        rlog(RLOG_ERROR, "CURVE: cannot allow a key for %s: %s", name, err);
        return -1;
    }
    own_key_t *v = realloc(in->own, (in->nown + 1) * sizeof(*v));
    if (!v) {
        rlog(RLOG_ERROR, "CURVE: out of memory");
        return -1;
    }
    in->own = v;
    memcpy(v[in->nown].pub, pub, CURVEKEY_BYTES);
    snprintf(v[in->nown].name, sizeof v[in->nown].name, "%s", name);
    in->nown++;
    return 0;
}

int ingest_reload(ingest_t *in)
{
    if (!in || !in->curve)
        return 1;
    char err[512];
    curve_t *c = s_load_clients(in->cfg.curve_clients, err, sizeof err);
    size_t nfile = c ? curve_count(c) : 0;
    for (size_t i = 0; c && i < in->nown; i++) {
        char why[200];
        /* a key the hub made that the file lists too (it cannot, in practice:
         * they are made at random): the file's line stands */
        if (curve_add(c, in->own[i].pub, in->own[i].name, "*", why, sizeof why) < 0 &&
            !curve_find(c, in->own[i].pub)) {
            snprintf(err, sizeof err, "%s", why);
            curve_destroy(&c);
        }
    }
    if (!c) {
        rlog(RLOG_ERROR, "reload: %s; the last good list of %zu keys stays in force", err,
             curve_count(in->allow));
        return -1;
    }
    curve_destroy(&in->allow);
    in->allow = c;
    in->last_e = NULL;
    rlog(RLOG_NOTICE, "reload: %s: %zu collector keys", in->cfg.curve_clients, nfile);
    return 0;
}

/* ---- the ZAP handler ------------------------------------------------------ */

static void s_auth_failed(ingest_t *in, int why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Count a refusal and log it, at most 5 lines per 10 s per reason. */
static void s_auth_failed(ingest_t *in, int why, const char *fmt, ...)
{
    in->auth_failures[why]++;
    uint32_t supp;
    if (RLOG_WARN > rlog_level_current || !rlog_rl_allow(&in->rl_auth[why], 5, 10000, &supp))
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (supp)
        rlog_write(RLOG_WARN, "(%u similar lines suppressed)", supp);
    rlog_write(RLOG_WARN, "ingest: %s: %s", s_auth_names[why], line);
}

/* One ZAP reply: version, request id, status, text, user id, metadata. */
static void s_zap_reply(ingest_t *in, zmq_msg_t *reqid, const char *status, const char *text,
                        const curve_client_t *e)
{
    uint8_t meta[1 + sizeof KEY_PROPERTY + 4 + CURVEKEY_Z85_LEN];
    size_t mlen = 0;
    if (e) {
        /* ZMTP metadata: name length (1 byte), name, value length (4, big endian), value */
        meta[mlen++] = (uint8_t)(sizeof KEY_PROPERTY - 1);
        memcpy(meta + mlen, KEY_PROPERTY, sizeof KEY_PROPERTY - 1);
        mlen += sizeof KEY_PROPERTY - 1;
        meta[mlen++] = 0;
        meta[mlen++] = 0;
        meta[mlen++] = 0;
        meta[mlen++] = CURVEKEY_Z85_LEN;
        memcpy(meta + mlen, e->z85, CURVEKEY_Z85_LEN);
        mlen += CURVEKEY_Z85_LEN;
    }
    const char *user = e ? e->name : "";
    if (zmq_send(in->zap, "1.0", 3, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_msg_send(reqid, in->zap, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(in->zap, status, strlen(status), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(in->zap, text, strlen(text), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(in->zap, user, strlen(user), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(in->zap, meta, mlen, ZMQ_DONTWAIT) < 0)
        RLOG_RL(RLOG_ERROR, "ingest: cannot answer a ZAP request: %s", zmq_strerror(errno));
}

/* Frames of a ZAP request (RFC 27): version, request id, domain, address,
 * identity, mechanism, credentials (CURVE: the client's 32-byte key). */
enum { ZAP_VERSION, ZAP_REQID, ZAP_DOMAIN, ZAP_ADDRESS, ZAP_IDENTITY, ZAP_MECH, ZAP_CRED, ZAP_N };

/* Does frame m hold exactly the text s? */
static bool s_frame_is(zmq_msg_t *m, const char *s)
{
    size_t n = strlen(s);
    return zmq_msg_size(m) == n && !memcmp(zmq_msg_data(m), s, n);
}

/* Answer every pending ZAP request. Requests come from libzmq itself, one
 * per handshake, so this is not the hot path. */
static void s_zap_drain(ingest_t *in)
{
    for (;;) {
        zmq_msg_t f[ZAP_N];
        size_t n = 0;
        bool more = true;
        while (more) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, in->zap, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&m);
                break;
            }
            more = zmq_msg_more(&m);
            if (n < ZAP_N) {
                zmq_msg_init(&f[n]);
                zmq_msg_move(&f[n++], &m);
            }
            zmq_msg_close(&m); /* a frame past the credentials: dropped */
        }
        if (n == 0)
            return; /* EAGAIN: nothing pending, and the fd's edge is re-armed */
        const curve_client_t *e = NULL;
        const char *status = "400", *text = "unknown key";
        char addr[64] = "?";
        if (n > ZAP_ADDRESS)
            snprintf(addr, sizeof addr, "%.*s", (int)zmq_msg_size(&f[ZAP_ADDRESS]),
                     (const char *)zmq_msg_data(&f[ZAP_ADDRESS]));
        if (n == ZAP_N && s_frame_is(&f[ZAP_VERSION], "1.0") &&
            s_frame_is(&f[ZAP_DOMAIN], INGEST_ZAP_DOMAIN) && s_frame_is(&f[ZAP_MECH], "CURVE") &&
            zmq_msg_size(&f[ZAP_CRED]) == CURVEKEY_BYTES) {
            e = curve_find(in->allow, zmq_msg_data(&f[ZAP_CRED]));
            if (e) {
                status = "200";
                text = "OK";
            } else {
                char z[CURVEKEY_Z85_LEN + 1];
                curvekey_z85_encode(zmq_msg_data(&f[ZAP_CRED]), z);
                s_auth_failed(in, AUTH_UNKNOWN_KEY,
                              "refused a collector from %s: its key %s is not in %s", addr, z,
                              in->cfg.curve_clients);
            }
        } else {
            text = "CURVE in domain " INGEST_ZAP_DOMAIN " only";
            s_auth_failed(in, AUTH_UNKNOWN_KEY,
                          "refused a collector from %s: not a ZAP 1.0 CURVE request of domain "
                          "\"" INGEST_ZAP_DOMAIN "\"",
                          addr);
        }
        if (n > ZAP_REQID) {
            s_zap_reply(in, &f[ZAP_REQID], status, text, e);
        } else {
            /* REP must answer what it received; libzmq then drops the malformed exchange */
            zmq_msg_t empty;
            zmq_msg_init(&empty);
            s_zap_reply(in, &empty, "500", "malformed", NULL);
            zmq_msg_close(&empty);
        }
        for (size_t i = 0; i < n; i++)
            zmq_msg_close(&f[i]);
    }
}

/* Count the handshakes that failed before ZAP was asked (the monitor's
 * events, read by the safety-net timer: a few a second at most matter). */
static void s_monitor_drain(ingest_t *in)
{
    for (;;) {
        zmq_msg_t head, addr;
        zmq_msg_init(&head);
        if (zmq_msg_recv(&head, in->mon, ZMQ_DONTWAIT) < 0) {
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
        char peer[128] = "?";
        if (more) {
            zmq_msg_init(&addr);
            if (zmq_msg_recv(&addr, in->mon, ZMQ_DONTWAIT) >= 0)
                snprintf(peer, sizeof peer, "%.*s", (int)zmq_msg_size(&addr),
                         (const char *)zmq_msg_data(&addr));
            zmq_msg_close(&addr);
        }
        if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL &&
            value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
            s_auth_failed(in, AUTH_PLAINTEXT,
                          "a publisher on %s without CURVE: give it RTDASH_CURVE_SERVERKEY and "
                          "RTDASH_CURVE_KEYFILE",
                          peer);
        else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
                 event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
            s_auth_failed(
                in, AUTH_BAD_HANDSHAKE,
                "a handshake on %s failed (%s 0x%x): a collector with the wrong "
                "RTDASH_CURVE_SERVERKEY, or not ZeroMQ",
                peer, value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC ? "cryptographic" : "protocol",
                value);
    }
}

/* ---- the messages ---------------------------------------------------------- */

static void s_drain(ingest_t *in);

static void s_more_cb(lws_sorted_usec_list_t *sul)
{
    ingest_t *in = lws_container_of(sul, ingest_t, sul_more);
    in->more_pending = false;
    s_drain(in);
}

static void s_safety_cb(lws_sorted_usec_list_t *sul)
{
    ingest_t *in = lws_container_of(sul, ingest_t, sul_safety);
    if (in->curve) {
        s_zap_drain(in);
        s_monitor_drain(in);
    }
    s_drain(in);
    lws_sul_schedule(in->cx, 0, &in->sul_safety, s_safety_cb, 250 * LWS_US_PER_MS);
}

/* Under CURVE: the name of the collector that sent this message, or NULL
 * (counted and logged) when it may not publish it. The key comes from the
 * ZAP reply's metadata and is looked up in the list in force now: one hash
 * probe, and a reload takes effect from the next message. */
static const char *s_sender(ingest_t *in, zmq_msg_t *topic)
{
    const char *kz = zmq_msg_gets(topic, KEY_PROPERTY);
    const curve_client_t *e = in->last_e;
    /* the same key as the last message's: compared, so a reused address
     * cannot pass for another key */
    if (!e || kz != in->last_kz || memcmp(kz, e->z85, CURVEKEY_Z85_LEN + 1)) {
        e = kz ? curve_find_z85(in->allow, kz, strlen(kz)) : NULL;
        in->last_kz = kz;
        in->last_e = e;
    }
    if (!e) {
        const char *user = zmq_msg_gets(topic, "User-Id");
        s_auth_failed(in, AUTH_REVOKED_KEY,
                      "dropped a message from \"%s\": key %s is no longer "
                      "listed",
                      user ? user : "?", kz ? kz : "?");
        return NULL;
    }
    const char *t = zmq_msg_data(topic);
    size_t tlen = zmq_msg_size(topic);
    /* an invalid topic is the broker's to count (bad_topic) */
    if (!curve_permits(e, t, tlen) && topic_is_valid(t, tlen)) {
        broker_reject(in->broker, REJ_FORBIDDEN_TOPIC);
        char q[TOPIC_MAX_LEN + 16];
        s_auth_failed(in, AUTH_FORBIDDEN_TOPIC, "\"%s\" may not publish on \"%s\" (%s%s)", e->name,
                      rlog_quote(q, sizeof q, t, tlen), e->patterns[0],
                      e->npatterns > 1 ? " ..." : "");
        return NULL;
    }
    return e->name;
}

static void s_drain(ingest_t *in)
{
    broker_t *b = in->broker;
    int64_t wall = rtclock_wall_ms(), mono = rtclock_mono_ms();
    zmq_msg_t topic, body;
    int budget = INGEST_BUDGET;
    /* Receive until EAGAIN rather than asking ZMQ_EVENTS per message: every
     * ZMQ_EVENTS query makes libzmq poll() its mailbox, while a receive that
     * finds a message waiting does not. EAGAIN also re-arms the ZMQ_FD edge. */
    for (;;) {
        if (budget-- == 0) {
            in->more_pending = true;
            lws_sul_schedule(in->cx, 0, &in->sul_more, s_more_cb, 1);
            break;
        }
        zmq_msg_init(&topic);
        if (zmq_msg_recv(&topic, in->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&topic);
            break;
        }
        if (!zmq_msg_more(&topic)) {
            broker_reject(b, REJ_BAD_FRAMES);
            zmq_msg_close(&topic);
            continue;
        }
        zmq_msg_init(&body);
        if (zmq_msg_recv(&body, in->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&body);
            zmq_msg_close(&topic);
            break;
        }
        if (zmq_msg_more(&body)) {
            /* a third frame: read the rest of this message and drop it all */
            broker_reject(b, REJ_BAD_FRAMES);
            int more = 1;
            while (more) {
                zmq_msg_t extra;
                zmq_msg_init(&extra);
                if (zmq_msg_recv(&extra, in->sock, ZMQ_DONTWAIT) < 0)
                    more = 0;
                else
                    more = zmq_msg_more(&extra);
                zmq_msg_close(&extra);
            }
        } else {
            const char *from = in->curve ? s_sender(in, &topic) : NULL;
            if (!in->curve || from)
                broker_ingest_from(b, zmq_msg_data(&topic), zmq_msg_size(&topic),
                                   zmq_msg_data(&body), zmq_msg_size(&body), wall, mono, from);
        }
        zmq_msg_close(&body);
        zmq_msg_close(&topic);
    }
    broker_flush(b);
}

/* Adopt a dup() of sock's ZMQ_FD into the loop: lws close()s what it adopts,
 * and libzmq must keep its own fd. */
static struct lws *s_adopt(ingest_t *in, void *sock, struct lws_vhost *vh, const char *what)
{
    int zfd;
    size_t sz = sizeof(zfd);
    if (zmq_getsockopt(sock, ZMQ_FD, &zfd, &sz)) {
        rlog(RLOG_ERROR, "ZMQ_FD of the %s: %s", what, zmq_strerror(errno));
        return NULL;
    }
    lws_sock_file_fd_type u;
    u.filefd = dup(zfd);
    if (u.filefd < 0) {
        rlog(RLOG_ERROR, "dup(ZMQ_FD) of the %s: %s", what, strerror(errno));
        return NULL;
    }
    struct lws *wsi =
        lws_adopt_descriptor_vhost(vh, LWS_ADOPT_RAW_FILE_DESC, u, "rtdash-ingest", NULL);
    if (!wsi) {
        close(u.filefd);
        rlog(RLOG_ERROR, "cannot adopt the %s's fd into the event loop", what);
        return NULL;
    }
    lws_set_opaque_user_data(wsi, in);
    return wsi;
}

int ingest_attach(ingest_t *in, struct lws_context *cx, struct lws_vhost *vh)
{
    in->cx = cx;
    if (in->curve && !(in->zap_wsi = s_adopt(in, in->zap, vh, "ZAP handler")))
        return -1;
    if (!(in->wsi = s_adopt(in, in->sock, vh, "ingest")))
        return -1;
    /* messages may already be queued with no edge pending */
    lws_sul_schedule(cx, 0, &in->sul_more, s_more_cb, 1);
    lws_sul_schedule(cx, 0, &in->sul_safety, s_safety_cb, 250 * LWS_US_PER_MS);
    if (in->curve)
        s_zap_drain(in);
    return 0;
}

int ingest_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *data,
                    size_t len)
{
    ingest_t *in = lws_get_opaque_user_data(wsi);
    switch (reason) {
    case LWS_CALLBACK_RAW_RX_FILE:
        if (in && wsi == in->zap_wsi)
            s_zap_drain(in);
        /* one drain per turn: with a continuation pending, it does the work */
        else if (in && !in->more_pending)
            s_drain(in);
        return 0;
    case LWS_CALLBACK_RAW_CLOSE_FILE:
        if (in && wsi == in->zap_wsi) {
            in->zap_wsi = NULL;
        } else if (in) {
            lws_sul_cancel(&in->sul_more);
            lws_sul_cancel(&in->sul_safety);
            in->wsi = NULL;
        }
        return 0;
    default:
        return 0;
    }
}

/* ---- counters ---------------------------------------------------------------- */

static void s_series(jbuf_t *o, const char *metric, const char *labels, uint64_t v)
{
    jbuf_puts(o, metric);
    jbuf_puts(o, labels);
    jbuf_putc(o, ' ');
    jbuf_put_u64(o, v);
    jbuf_putc(o, '\n');
}

void ingest_put_metrics(const ingest_t *in, jbuf_t *o)
{
    if (!in || !in->curve)
        return;
    prom_head(o, "rtdash_ingest_auth_failures_total", "counter",
              "Collectors and messages refused under CURVE, by reason.");
    for (int i = 0; i < AUTH__COUNT; i++) {
        char labels[64];
        snprintf(labels, sizeof labels, "{reason=\"%s\"}", s_auth_names[i]);
        s_series(o, "rtdash_ingest_auth_failures_total", labels, in->auth_failures[i]);
    }
    prom_head(o, "rtdash_ingest_curve_keys", "gauge",
              "Collector keys allowed now (the allow-list and the hub's own).");
    s_series(o, "rtdash_ingest_curve_keys", "", curve_count(in->allow));
}
