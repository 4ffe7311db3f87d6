/* SPDX-License-Identifier: MIT */
/* wsconn.c - the rtdash.v1 WebSocket protocol on libwebsockets. */
#include "wsconn.h"
#include "httpreq.h"
#include "rlog.h"
#include "rtclock.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

_Static_assert(JBUF_PRE >= LWS_PRE, "frames need LWS_PRE bytes of headroom");

/* An oversized message is read and dropped up to this much before the 1009
 * close, so the close frame is not lost to a TCP reset. */
#define WSCONN_DISCARD_MAX (1u << 20)

static void s_deferred_cb(lws_sorted_usec_list_t *sul);

/* Arm the shared timer for `when` unless it fires earlier already. */
static void s_arm(wsconn_env_t *env, struct lws_context *cx, lws_usec_t when, lws_usec_t now)
{
    if (env->deferred_at && env->deferred_at <= when)
        return;
    env->deferred_at = when;
    lws_sul_schedule(cx, 0, &env->sul_deferred, s_deferred_cb, when > now ? when - now : 1);
}

static void s_deferred_cb(lws_sorted_usec_list_t *sul)
{
    wsconn_env_t *env = lws_container_of(sul, wsconn_env_t, sul_deferred);
    lws_usec_t now = lws_now_usecs(), next = 0;
    env->deferred_at = 0;
    struct lws_context *cx = NULL;
    for (size_t i = 0; i < env->ndeferred;) {
        struct lws *wsi = env->deferred[i];
        wsconn_pss_t *pss = lws_wsi_user(wsi);
        /* due, or within 200 us of it: not worth another timer turn */
        if (pss && pss->defer_until > now + 200) {
            if (!next || pss->defer_until < next)
                next = pss->defer_until;
            cx = lws_get_context(wsi);
            i++;
            continue;
        }
        if (pss)
            pss->deferred = false;
        lws_callback_on_writable(wsi);
        env->deferred[i] = env->deferred[--env->ndeferred];
    }
    if (next)
        s_arm(env, cx, next, now);
}

/* Park wsi until last write + delay; -1 if out of memory (write at once). */
static int s_defer(wsconn_env_t *env, struct lws *wsi, wsconn_pss_t *pss, lws_usec_t now)
{
    if (pss->deferred)
        return 0;
    if (env->ndeferred == env->capdeferred) {
        size_t cap = env->capdeferred ? env->capdeferred * 2 : 64;
        struct lws **v = realloc(env->deferred, cap * sizeof(*v));
        if (!v)
            return -1;
        env->deferred = v;
        env->capdeferred = cap;
    }
    env->deferred[env->ndeferred++] = wsi;
    pss->deferred = true;
    pss->defer_until = pss->last_write_us + env->write_delay_us;
    s_arm(env, lws_get_context(wsi), pss->defer_until, now);
    return 0;
}

static void s_undefer(wsconn_env_t *env, struct lws *wsi, wsconn_pss_t *pss)
{
    if (!pss->deferred)
        return;
    pss->deferred = false;
    for (size_t i = 0; i < env->ndeferred; i++)
        if (env->deferred[i] == wsi) {
            env->deferred[i] = env->deferred[--env->ndeferred];
            break;
        }
}

void wsconn_env_free(wsconn_env_t *env)
{
    free(env->deferred);
    env->deferred = NULL;
    env->ndeferred = env->capdeferred = 0;
}

void wsconn_wake(void *ud, client_t *c)
{
    wsconn_env_t *env = ud;
    struct lws *wsi = c->wsi;
    if (!wsi)
        return;
    if (c->close_code) {
        /* a consumer too slow to take even the close frame is cut off */
        lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, 3);
    } else if (env->write_delay_us > 0) {
        wsconn_pss_t *pss = lws_wsi_user(wsi);
        lws_usec_t now = lws_now_usecs();
        if (pss && (pss->deferred || now - pss->last_write_us < env->write_delay_us) &&
            s_defer(env, wsi, pss, now) == 0)
            return;
    }
    lws_callback_on_writable(wsi);
}

static int s_close(struct lws *wsi, int code, const char *why)
{
    lws_close_reason(wsi, (enum lws_close_status)code, (unsigned char *)why, strlen(why));
    return -1;
}

/* lws 4.1's own value for a close frame (lws-write.h keeps 4 for it: "is
 * handled by lws_close_reason()", which sends it only as the socket closes).
 * Pinned by Debian 12's lws; test_ws's close-code tests catch a change. */
#define WSCONN_WRITE_CLOSE ((enum lws_write_protocol)4)

/* Write a close frame with code and reason (at most 123 bytes). 0, or -1
 * when it cannot be written (then the connection just closes). */
static int s_send_close(struct lws *wsi, int code, const char *why)
{
    unsigned char buf[LWS_PRE + 125];
    size_t rl = why ? strlen(why) : 0;
    if (rl > 123)
        rl = 123;
    buf[LWS_PRE] = (unsigned char)(code >> 8);
    buf[LWS_PRE + 1] = (unsigned char)(code & 0xff);
    if (rl)
        memcpy(buf + LWS_PRE + 2, why, rl);
    return lws_write(wsi, buf + LWS_PRE, rl + 2, WSCONN_WRITE_CLOSE) < 0 ? -1 : 0;
}

/* Take one chunk of a (possibly fragmented) command; process complete ones.
 * lws hands a message over in chunks of at most rx_buffer_size bytes, one
 * callback each; a message may take at most max_fragments callbacks, so a
 * flood of tiny continuation frames is cut off (npm ws GHSA-96hv-2xvq-fx4p).
 * Returns 0, or -1 to close (reason set). */
static int s_receive(struct lws *wsi, wsconn_env_t *env, wsconn_pss_t *pss, const void *in,
                     size_t len)
{
    client_t *c = pss->c;
    size_t left = lws_remaining_packet_payload(wsi);
    int final = lws_is_final_fragment(wsi) && left == 0;
    if (c->close_code == LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE) {
        /* Read the rest of the oversized message before closing: closing a
         * socket with unread input makes the kernel send RST, and the peer
         * would lose the 1009 close frame. Bounded: 1 MiB, then cut off. */
        pss->rxdiscard += len;
        if (pss->rxdiscard > WSCONN_DISCARD_MAX || ++pss->rxfrags > 4 * env->max_fragments)
            return -1;
        if (final)
            lws_callback_on_writable(wsi);
        return 0;
    }
    if (lws_is_first_fragment(wsi)) {
        pss->rxlen = 0;
        pss->rxfrags = 0;
        if (final && !lws_frame_is_binary(wsi)) {
            /* the common case: one command in one chunk, no copy */
            broker_command(env->broker, c, in, len, rtclock_mono_ms());
            return 0;
        }
    }
    if (++pss->rxfrags > env->max_fragments || pss->rxlen + len + left > env->max_message) {
        broker_count_kick(env->broker, KICK_TOO_BIG);
        if (left > WSCONN_DISCARD_MAX) {
            /* declared far past the budget: do not wait for it to arrive */
            c->close_code = LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE;
            return s_close(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too big");
        }
        c->close_code = LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE;
        c->close_reason = "message too big";
        free(pss->rx);
        pss->rx = NULL;
        pss->rxlen = 0;
        lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, 3);
        if (final)
            lws_callback_on_writable(wsi);
        return 0;
    }
    if (lws_frame_is_binary(wsi)) {
        if (final)
            broker_command(env->broker, c, "", 0, rtclock_mono_ms()); /* answers bad_request */
        return 0;
    }
    if (!pss->rx) {
        pss->rx = malloc(env->max_message);
        if (!pss->rx)
            return s_close(wsi, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
    }
    memcpy(pss->rx + pss->rxlen, in, len);
    pss->rxlen += len;
    if (final) {
        broker_command(env->broker, c, (const char *)pss->rx, pss->rxlen, rtclock_mono_ms());
        pss->rxlen = 0;
        /* fragmented commands are rare: give the buffer back */
        free(pss->rx);
        pss->rx = NULL;
    }
    return 0;
}

static int s_uri_is(struct lws *wsi, const char *want)
{
    char uri[64];
    int n = lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI);
    return n > 0 && !strcmp(uri, want);
}

/* lws closes a connection whose request never completes (handshake timeout,
 * header limit, malformed) without telling the protocol why. To count those,
 * a new connection carries its accept time as its opaque user data until a
 * request completes; the low bit set marks it (no object pointer is odd). */
static void s_pending_mark(struct lws *wsi)
{
    lws_set_opaque_user_data(wsi, (void *)(uintptr_t)(((uint64_t)rtclock_mono_ms() << 1) | 1));
}

static void s_pending_clear(struct lws *wsi)
{
    if ((uintptr_t)lws_get_opaque_user_data(wsi) & 1)
        lws_set_opaque_user_data(wsi, NULL);
}

static void s_pending_count(struct lws *wsi, wsconn_env_t *env)
{
    uintptr_t tag = (uintptr_t)lws_get_opaque_user_data(wsi);
    if (!(tag & 1))
        return;
    lws_set_opaque_user_data(wsi, NULL);
    int64_t age = rtclock_mono_ms() - (int64_t)(tag >> 1);
    bool timed_out = age >= env->handshake_ms - 250;
    broker_count_refused(env->broker, timed_out ? REFUSE_HANDSHAKE_TIMEOUT : REFUSE_INCOMPLETE);
}

/* Paths answered by httpapi rather than by a file. */
static bool s_is_dynamic(const char *uri)
{
    static const char *const prefixes[] = {"/api", "/healthz", "/metrics", "/node_modules"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t n = strlen(prefixes[i]);
        if (!strncmp(uri, prefixes[i], n) && (uri[n] == '\0' || uri[n] == '/'))
            return true;
    }
    return false;
}

/* Refuse an upgrade with status (counted as reason): 1, the "answered" value
 * of LWS_CALLBACK_HTTP_CONFIRM_UPGRADE, or -1 to hang up. */
static int s_refuse(struct lws *wsi, wsconn_env_t *env, int reason, unsigned status,
                    const char *code, const char *msg)
{
    broker_count_refused(env->broker, reason);
    return httpreq_refuse(wsi, status, NULL, NULL, code, msg);
}

/* Everything about a WebSocket upgrade, checked before any 101 so that each
 * refusal is a plain HTTP answer the client can read: the path, Host and
 * Origin (DNS rebinding, cross-site hijacking), the handshake headers lws
 * leaves unchecked, the credentials, the limits. 0 lets the upgrade go on. */
static int s_confirm_upgrade(struct lws *wsi, wsconn_env_t *env, const char *upgrade)
{
    char buf[64], ip[IPCOUNT_ADDR_MAX + 1];
    if (!upgrade || strcasecmp(upgrade, "websocket"))
        return s_refuse(wsi, env, REFUSE_BAD_UPGRADE, 400, "bad_request",
                        "only WebSocket upgrades are served");
    if (!s_uri_is(wsi, "/ws"))
        return s_refuse(wsi, env, REFUSE_BAD_PATH, 404, "not_found", "the WebSocket is at /ws");
    const char *why;
    unsigned st = httpreq_check_host_origin(wsi, env->origin, env->tls, &why);
    if (st)
        return s_refuse(wsi, env, st == 421 ? REFUSE_HOST : REFUSE_ORIGIN, st,
                        st == 421 ? "misdirected" : "forbidden", why);
    if (lws_hdr_total_length(wsi, WSI_TOKEN_PROTOCOL) > 127)
        /* lws 4.1 copies the list into 128 bytes and hangs up past them */
        return s_refuse(wsi, env, REFUSE_BAD_UPGRADE, 400, "bad_request",
                        "Sec-WebSocket-Protocol over 127 bytes: send a long token (a JWT) as "
                        "?token= or Authorization: Bearer");
    if (lws_hdr_total_length(wsi, WSI_TOKEN_KEY) <= 0)
        return s_refuse(wsi, env, REFUSE_BAD_UPGRADE, 400, "bad_request", "no Sec-WebSocket-Key");
    if (lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_VERSION) <= 0 || strcmp(buf, "13")) {
        broker_count_refused(env->broker, REFUSE_BAD_UPGRADE);
        return httpreq_refuse(wsi, 426, "Sec-WebSocket-Version:", "13", "upgrade_required",
                              "Sec-WebSocket-Version must be 13");
    }
    if (auth_on(env->auth)) {
        int64_t now = rtclock_wall_ms(), retry = 0;
        httpreq_peer(wsi, ip, sizeof ip);
        if (auth_fail_blocked(env->auth, ip, now, &retry)) {
            char after[24];
            snprintf(after, sizeof after, "%lld", (long long)(retry + 999) / 1000);
            broker_count_auth_failure(env->broker, AUTHFAIL_LIMITED);
            broker_count_refused(env->broker, REFUSE_AUTH);
            RLOG_RL(RLOG_WARN, "refusing credentials from %s for %s s: too many failed", ip, after);
            return httpreq_refuse(wsi, 429, "retry-after:", after, "limit",
                                  "too many failed credentials from your address");
        }
        httpreq_creds_t *cr = malloc(sizeof(*cr));
        if (!cr)
            return -1;
        access_t acc;
        int bad = httpreq_creds(wsi, cr);
        auth_result_t r = bad ? AUTH_BAD
                              : auth_resolve(env->auth, cr->blen ? cr->bearer : NULL, cr->blen,
                                             cr->slen ? cr->session : NULL, cr->slen, now, &acc);
        free(cr);
        if (bad || r != AUTH_OK)
            broker_count_auth_failure(env->broker, bad                 ? AUTHFAIL_CONFLICT
                                                   : r == AUTH_NONE    ? AUTHFAIL_NONE
                                                   : r == AUTH_EXPIRED ? AUTHFAIL_EXPIRED
                                                                       : AUTHFAIL_BAD);
        if (bad || r == AUTH_BAD)
            auth_fail_count(env->auth, ip, now);
        if (bad)
            return s_refuse(wsi, env, REFUSE_AUTH, 400, "bad_request",
                            "two different tokens, or a malformed one");
        if (r != AUTH_OK)
            return s_refuse(wsi, env, REFUSE_AUTH, 401, "unauthorized",
                            r == AUTH_EXPIRED ? "credentials expired: log in again"
                            : r == AUTH_NONE  ? "log in, or give a token"
                                              : "unknown or ended credentials");
        bool metrics_only = acc.kind == ACCESS_METRICS;
        access_clear(&acc);
        if (metrics_only) {
            broker_count_auth_failure(env->broker, AUTHFAIL_FORBIDDEN);
            return s_refuse(wsi, env, REFUSE_AUTH, 403, "forbidden",
                            "the metrics token reads /metrics only");
        }
    }
    if (broker_nclients(env->broker) >= env->max_clients) {
        RLOG_RL(RLOG_WARN, "refusing a WebSocket: %zu clients connected", env->max_clients);
        return s_refuse(wsi, env, REFUSE_MAX_CLIENTS, 503, "unavailable",
                        "too many clients connected");
    }
    if (env->max_per_ip &&
        ipcount_get(&env->per_ip, httpreq_peer(wsi, ip, sizeof ip)) >= env->max_per_ip) {
        RLOG_RL(RLOG_WARN, "refusing a WebSocket from %s: %zu connected from there", ip,
                env->max_per_ip);
        return s_refuse(wsi, env, REFUSE_PER_IP, 429, "limit",
                        "too many connections from your address");
    }
    return 0;
}

int wsconn_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    wsconn_env_t *env = lws_context_user(lws_get_context(wsi));
    wsconn_pss_t *pss = user;

    switch (reason) {
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
        s_pending_mark(wsi);
        return 0;

    case LWS_CALLBACK_FILTER_HTTP_CONNECTION: {
        /* every plain request (page, API) passes the Host and Origin checks
         * (DNS rebinding, cross-site reads); upgrades are checked apart */
        s_pending_clear(wsi);
        const char *why;
        unsigned st = httpreq_check_host_origin(wsi, env->origin, env->tls, &why);
        if (st) {
            broker_count_refused(env->broker, st == 421 ? REFUSE_HOST : REFUSE_ORIGIN);
            httpreq_refuse(wsi, st, NULL, NULL, st == 421 ? "misdirected" : "forbidden", why);
            return 1;
        }
        const char *uri = in;
        int ulen = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI);
        if (ulen <= 0)
            ulen = lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI);
        if (uri && ulen > 0 && strlen(uri) < (size_t)ulen) {
            /* %00 decoded: the C string ends early and would name another
             * file (lws keeps the NUL in the header) */
            httpreq_refuse(wsi, 404, NULL, NULL, "not_found", "no such file");
            return 1;
        }
        if (uri && !s_is_dynamic(uri)) {
            /* a static file: GET or HEAD, and only what webroot allows */
            if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0 &&
                lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) <= 0) {
                httpreq_refuse(wsi, 405, "allow:", "GET, HEAD", "method_not_allowed",
                               "files are read with GET");
                return 1;
            }
            if (env->web && !webroot_allows(env->web, uri)) {
                httpreq_refuse(wsi, 404, NULL, NULL, "not_found", "no such file");
                return 1;
            }
        }
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }

    case LWS_CALLBACK_WSI_DESTROY:
        s_pending_count(wsi, env);
        return lws_callback_http_dummy(wsi, reason, user, in, len);

    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        s_pending_clear(wsi);
        return s_confirm_upgrade(wsi, env, (const char *)in);

    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
        /* s_confirm_upgrade has checked everything and answered any refusal
         * with a status; this only takes the access the credentials give */
        if (!auth_on(env->auth))
            return 0; /* pss->acc is zeroed by lws: ACCESS_OPEN */
        httpreq_creds_t *cr = malloc(sizeof(*cr));
        int ok = cr && httpreq_creds(wsi, cr) == 0 &&
                 auth_resolve(env->auth, cr->blen ? cr->bearer : NULL, cr->blen,
                              cr->slen ? cr->session : NULL, cr->slen, rtclock_wall_ms(),
                              &pss->acc) == AUTH_OK;
        free(cr);
        return ok ? 0 : 1;
    }

    case LWS_CALLBACK_ESTABLISHED:
        if (env->max_per_ip) {
            if (!lws_get_peer_simple(wsi, pss->ip, sizeof(pss->ip)))
                snprintf(pss->ip, sizeof(pss->ip), "?");
            if (!ipcount_add(&env->per_ip, pss->ip))
                pss->ip[0] = '\0'; /* out of memory: not counted */
        }
        pss->c = broker_client_open(env->broker, wsi, &pss->acc);
        if (!pss->c)
            return s_close(wsi, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
        pss->c->last_rx_mono = rtclock_mono_ms();
        return 0;

    case LWS_CALLBACK_RECEIVE:
        if (!pss->c)
            return -1;
        pss->c->last_rx_mono = rtclock_mono_ms();
        return s_receive(wsi, env, pss, in, len);

    case LWS_CALLBACK_RECEIVE_PONG:
        if (pss->c)
            pss->c->last_rx_mono = rtclock_mono_ms();
        return 0;

    case LWS_CALLBACK_SERVER_WRITEABLE: {
        client_t *c = pss->c;
        if (!c)
            return -1;
        if (c->close_code) {
            /* A policy close (flood, slow consumer, 1009, 4401, 4403) must
             * reach the client: lws 4.1 closes its socket right after its
             * own close frame, and with the peer still sending, the kernel's
             * RST throws the frame away (the client saw 1006). So the frame
             * is ours, the socket stays open and read until the peer's close
             * answers (WS_PEER_INITIATED_CLOSE), at most 3 s. */
            if (!pss->close_sent) {
                pss->close_sent = true;
                lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, 3);
                return s_send_close(wsi, c->close_code, c->close_reason);
            }
            return 0;
        }
        unsigned char *text;
        size_t n;
        uint32_t frames = broker_next_write(env->broker, c, &text, &n);
        if (frames == 0)
            return 0;
        /* lws takes all of it or fails; what the kernel does not take lws keeps */
        if (lws_write(wsi, text, n, LWS_WRITE_TEXT) < (int)n)
            return -1;
        pss->last_write_us = lws_now_usecs();
        broker_wrote(env->broker, c, frames, n);
        if (c->q.count)
            lws_callback_on_writable(wsi);
        return 0;
    }

    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        /* the answer to our close frame: nothing unread is left, hang up */
        return pss->close_sent ? -1 : 0;

    case LWS_CALLBACK_CLOSED:
        s_undefer(env, wsi, pss);
        if (pss->ip[0]) {
            ipcount_del(&env->per_ip, pss->ip);
            pss->ip[0] = '\0';
        }
        /* lws itself closes a connection that answered no ping for idle_ms;
         * it does not say so, but the silence does */
        if (pss->c && !pss->c->close_code &&
            rtclock_mono_ms() - pss->c->last_rx_mono >= env->idle_ms - 250)
            broker_count_kick(env->broker, KICK_IDLE);
        free(pss->rx); /* a command cut off mid-way */
        pss->rx = NULL;
        access_clear(&pss->acc); /* when ESTABLISHED never took it */
        if (pss->c) {
            pss->c->wsi = NULL;
            broker_client_close(env->broker, &pss->c);
        }
        return 0;

    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}
