/* SPDX-License-Identifier: MIT */
/* httpapi.c - /healthz, /metrics, /api/topics, /api/history/TOPIC. */
#include "httpapi.h"
#include "cmd.h"
#include "frame.h"
#include "httpreq.h"
#include "ingest.h"
#include "prom.h"
#include "pwcheck.h"
#include "rlog.h"
#include "rtclock.h"
#include "supervisor.h"
#include "wire.h"
#include "wsconn.h"
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#define HTTP_BODY_MAX (64u << 20)
#define HTTP_CHUNK 16384

static void s_value(jbuf_t *o, const char *name, const char *lk, const char *lv, uint64_t v)
{
    jbuf_puts(o, name);
    if (lk) {
        jbuf_putc(o, '{');
        jbuf_puts(o, lk);
        jbuf_puts(o, "=\"");
        jbuf_puts(o, lv);
        jbuf_puts(o, "\"}");
    }
    jbuf_putc(o, ' ');
    jbuf_put_u64(o, v);
    jbuf_putc(o, '\n');
}

/* `METRIC{collector="NAME"`: the caller adds more labels, then "} " and a value. */
static void s_collector_series(jbuf_t *o, const char *metric, const char *collector)
{
    jbuf_puts(o, metric);
    jbuf_puts(o, "{collector=\"");
    prom_label(o, collector);
    jbuf_putc(o, '"');
}

static void s_collector_metrics(const broker_t *b, jbuf_t *o)
{
    const colreg_t *r = broker_colreg(b);
    prom_head(o, "rtdash_collector_messages_total", "counter",
              "Samples and events received per collector (named by meta).");
    for (uint32_t i = 0; i < r->n; i++) {
        s_collector_series(o, "rtdash_collector_messages_total", r->v[i].name);
        jbuf_puts(o, "} ");
        jbuf_put_u64(o, r->v[i].msgs);
        jbuf_putc(o, '\n');
    }
    prom_head(o, "rtdash_collector_last_seen_ms", "gauge",
              "Unix time in ms of each collector's last message.");
    for (uint32_t i = 0; i < r->n; i++) {
        s_collector_series(o, "rtdash_collector_last_seen_ms", r->v[i].name);
        jbuf_puts(o, "} ");
        jbuf_put_i64(o, r->v[i].last_seen_wall);
        jbuf_putc(o, '\n');
    }
    prom_head(o, "rtdash_collector_rejected_total", "counter",
              "Messages dropped per collector, by reason.");
    for (uint32_t i = 0; i < r->n; i++) {
        for (int k = 1; k < REJ__COUNT; k++) {
            if (!r->v[i].rejected[k])
                continue;
            s_collector_series(o, "rtdash_collector_rejected_total", r->v[i].name);
            jbuf_puts(o, ",reason=\"");
            jbuf_puts(o, broker_reject_name(k));
            jbuf_puts(o, "\"} ");
            jbuf_put_u64(o, r->v[i].rejected[k]);
            jbuf_putc(o, '\n');
        }
    }
}

static void s_metrics(const broker_t *b, jbuf_t *o)
{
    const broker_stats_t *st = broker_stats(b);
    prom_head(o, "rtdash_clients", "gauge", "Connected WebSocket clients.");
    s_value(o, "rtdash_clients", NULL, NULL, broker_nclients(b));
    prom_head(o, "rtdash_connections_total", "counter", "WebSocket connections accepted.");
    s_value(o, "rtdash_connections_total", NULL, NULL, st->connections_total);
    prom_head(o, "rtdash_connections_refused_total", "counter",
              "Connections refused, by reason: WebSocket upgrades over a limit or on a wrong "
              "path; connections closed before a complete request (handshake_timeout; "
              "incomplete_request: header limit, malformed, or abandoned).");
    s_value(o, "rtdash_connections_refused_total", "reason", "max_clients",
            st->refused[REFUSE_MAX_CLIENTS]);
    s_value(o, "rtdash_connections_refused_total", "reason", "max_per_ip",
            st->refused[REFUSE_PER_IP]);
    s_value(o, "rtdash_connections_refused_total", "reason", "bad_path",
            st->refused[REFUSE_BAD_PATH]);
    s_value(o, "rtdash_connections_refused_total", "reason", "handshake_timeout",
            st->refused[REFUSE_HANDSHAKE_TIMEOUT]);
    s_value(o, "rtdash_connections_refused_total", "reason", "incomplete_request",
            st->refused[REFUSE_INCOMPLETE]);
    s_value(o, "rtdash_connections_refused_total", "reason", "host", st->refused[REFUSE_HOST]);
    s_value(o, "rtdash_connections_refused_total", "reason", "origin", st->refused[REFUSE_ORIGIN]);
    s_value(o, "rtdash_connections_refused_total", "reason", "auth", st->refused[REFUSE_AUTH]);
    s_value(o, "rtdash_connections_refused_total", "reason", "bad_upgrade",
            st->refused[REFUSE_BAD_UPGRADE]);
    prom_head(o, "rtdash_config_reloads_total", "counter",
              "Configuration files read again on SIGHUP, by result (failed: the last good one "
              "was kept).");
    s_value(o, "rtdash_config_reloads_total", "result", "ok", st->reloads_ok);
    s_value(o, "rtdash_config_reloads_total", "result", "failed", st->reloads_failed);
    prom_head(o, "rtdash_auth_failures_total", "counter",
              "Requests and upgrades refused for their credentials, by reason.");
    s_value(o, "rtdash_auth_failures_total", "reason", "missing", st->auth_failures[AUTHFAIL_NONE]);
    s_value(o, "rtdash_auth_failures_total", "reason", "invalid", st->auth_failures[AUTHFAIL_BAD]);
    s_value(o, "rtdash_auth_failures_total", "reason", "expired",
            st->auth_failures[AUTHFAIL_EXPIRED]);
    s_value(o, "rtdash_auth_failures_total", "reason", "conflict",
            st->auth_failures[AUTHFAIL_CONFLICT]);
    s_value(o, "rtdash_auth_failures_total", "reason", "limited",
            st->auth_failures[AUTHFAIL_LIMITED]);
    s_value(o, "rtdash_auth_failures_total", "reason", "forbidden",
            st->auth_failures[AUTHFAIL_FORBIDDEN]);
    s_value(o, "rtdash_auth_failures_total", "reason", "origin",
            st->auth_failures[AUTHFAIL_ORIGIN]);
    s_value(o, "rtdash_auth_failures_total", "reason", "host", st->auth_failures[AUTHFAIL_HOST]);
    prom_head(o, "rtdash_logins_total", "counter",
              "Logins (POST /api/login), by result (limited: refused by the per-address rate).");
    s_value(o, "rtdash_logins_total", "result", "ok", st->logins[LOGIN_OK]);
    s_value(o, "rtdash_logins_total", "result", "failed", st->logins[LOGIN_FAILED]);
    s_value(o, "rtdash_logins_total", "result", "limited", st->logins[LOGIN_LIMITED]);
    prom_head(o, "rtdash_topics", "gauge", "Topics known to the hub.");
    s_value(o, "rtdash_topics", NULL, NULL, registry_count(broker_registry(b)));
    prom_head(o, "rtdash_messages_in_total", "counter", "Collector messages received.");
    s_value(o, "rtdash_messages_in_total", NULL, NULL, st->msgs_in);
    prom_head(
        o, "rtdash_messages_missing_total", "counter",
        "Collector messages never accepted, from forward jumps in a topic's seq: lost "
        "before the hub (ZeroMQ high-water marks, a collector restart mid-send) or rejected.");
    s_value(o, "rtdash_messages_missing_total", NULL, NULL, st->seq_missing);
    prom_head(o, "rtdash_messages_accepted_total", "counter", "Collector messages accepted.");
    s_value(o, "rtdash_messages_accepted_total", "kind", "sample", st->samples);
    s_value(o, "rtdash_messages_accepted_total", "kind", "event", st->events);
    s_value(o, "rtdash_messages_accepted_total", "kind", "meta", st->metas);
    prom_head(o, "rtdash_messages_rejected_total", "counter",
              "Collector messages dropped, by reason.");
    for (int r = 1; r < REJ__COUNT; r++)
        s_value(o, "rtdash_messages_rejected_total", "reason", broker_reject_name(r),
                st->rejected[r]);
    prom_head(o, "rtdash_messages_out_total", "counter", "Messages written to WebSocket clients.");
    s_value(o, "rtdash_messages_out_total", NULL, NULL, st->ws_msgs);
    prom_head(o, "rtdash_ws_frames_out_total", "counter", "WebSocket text frames written.");
    s_value(o, "rtdash_ws_frames_out_total", NULL, NULL, st->ws_frames);
    prom_head(o, "rtdash_ws_bytes_out_total", "counter", "WebSocket payload bytes written.");
    s_value(o, "rtdash_ws_bytes_out_total", NULL, NULL, st->ws_bytes);
    prom_head(o, "rtdash_dropped_total", "counter", "Messages dropped for clients, by reason.");
    s_value(o, "rtdash_dropped_total", "reason", "slow_consumer", st->dropped_slow);
    prom_head(o, "rtdash_clients_closed_total", "counter", "Clients closed by the hub, by reason.");
    for (int k = 0; k < KICK__COUNT; k++)
        s_value(o, "rtdash_clients_closed_total", "reason", broker_kick_name(k), st->kicked[k]);
    prom_head(o, "rtdash_commands_total", "counter", "Browser commands received.");
    s_value(o, "rtdash_commands_total", NULL, NULL, st->cmds);
    prom_head(o, "rtdash_command_errors_total", "counter", "Browser commands refused, by code.");
    for (int e = CMD_E_BAD_REQUEST; e <= CMD_E_FORBIDDEN; e++)
        s_value(o, "rtdash_command_errors_total", "code", cmd_err_code((cmd_err_t)e),
                st->cmd_errors[e]);
    prom_head(o, "rtdash_queue_bytes", "gauge", "Bytes queued to all clients.");
    s_value(o, "rtdash_queue_bytes", NULL, NULL, broker_queued_bytes(b));
    prom_head(o, "rtdash_frames_live", "gauge", "Encoded messages held (history and queues).");
    s_value(o, "rtdash_frames_live", NULL, NULL, frame_live_count());
    prom_head(o, "rtdash_frames_live_bytes", "gauge", "Bytes of encoded messages held.");
    s_value(o, "rtdash_frames_live_bytes", NULL, NULL, frame_live_bytes());
    s_collector_metrics(b, o);
}

/* One CSV cell of text. A cell that a spreadsheet would run as a formula
 * (it starts with = + - @ TAB or CR) gets a leading apostrophe (OWASP's CSV
 * injection advice); numbers are not written through here and stay numbers. */
static void s_csv_cell(jbuf_t *o, const char *s)
{
    bool formula = strchr("=+-@\t\r", s[0]) && s[0];
    if (!formula && !strpbrk(s, ",\"\r\n")) {
        jbuf_puts(o, s);
        return;
    }
    jbuf_putc(o, '"');
    if (formula)
        jbuf_putc(o, '\'');
    for (; *s; s++) {
        if (*s == '"')
            jbuf_putc(o, '"');
        jbuf_putc(o, *s);
    }
    jbuf_putc(o, '"');
}

static void s_csv_json(jbuf_t *o, json_t *v)
{
    if (!v || json_is_null(v))
        return;
    if (json_is_string(v)) {
        s_csv_cell(o, json_string_value(v));
        return;
    }
    /* numbers as in the JSON: exact integers, shortest round-trip reals */
    if (json_is_integer(v)) {
        jbuf_put_i64(o, (int64_t)json_integer_value(v));
        return;
    }
    if (json_is_real(v)) {
        jbuf_put_double(o, json_real_value(v));
        return;
    }
    char *txt = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(17));
    if (txt) {
        s_csv_cell(o, txt);
        free(txt);
    }
}

/* CSV of a topic's history: ts,seq, every field seen (first-seen order), and
 * level,text when the topic carries events. Built from the frames' JSON. */
static void s_history_csv(const rtopic_t *t, jbuf_t *o)
{
    size_t n = history_count(t->hist);
    json_t **pts = calloc(n ? n : 1, sizeof(*pts));
    json_t *cols = json_array();
    int events = 0;
    if (!pts || !cols) {
        free(pts);
        json_decref(cols);
        o->failed = true;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        frame_t *f = history_at(t->hist, i);
        /* integers exact; one beyond int64 (a uint64 the collector sent)
         * makes jansson refuse the text, so then read them all as reals */
        pts[i] = json_loadb((const char *)frame_text(f), f->len, JSON_ALLOW_NUL, NULL);
        if (!pts[i])
            pts[i] = json_loadb((const char *)frame_text(f), f->len,
                                JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, NULL);
        json_t *fields = json_object_get(pts[i], "fields");
        const char *k;
        json_t *v;
        json_object_foreach(fields, k, v)
        {
            size_t c, m = json_array_size(cols);
            for (c = 0; c < m; c++)
                if (!strcmp(json_string_value(json_array_get(cols, c)), k))
                    break;
            if (c == m)
                json_array_append_new(cols, json_string(k));
        }
        if (json_object_get(pts[i], "text"))
            events = 1;
    }
    size_t ncols = json_array_size(cols);
    jbuf_puts(o, "ts,seq");
    for (size_t c = 0; c < ncols; c++) {
        jbuf_putc(o, ',');
        s_csv_cell(o, json_string_value(json_array_get(cols, c)));
    }
    if (events)
        jbuf_puts(o, ",level,text");
    jbuf_puts(o, "\r\n");
    for (size_t i = 0; i < n; i++) {
        frame_t *f = history_at(t->hist, i);
        jbuf_put_i64(o, f->ts);
        jbuf_putc(o, ',');
        jbuf_put_u64(o, f->seq);
        json_t *fields = json_object_get(pts[i], "fields");
        for (size_t c = 0; c < ncols; c++) {
            jbuf_putc(o, ',');
            s_csv_json(o, json_object_get(fields, json_string_value(json_array_get(cols, c))));
        }
        if (events) {
            jbuf_putc(o, ',');
            s_csv_json(o, json_object_get(pts[i], "level"));
            jbuf_putc(o, ',');
            s_csv_json(o, json_object_get(pts[i], "text"));
        }
        jbuf_puts(o, "\r\n");
        json_decref(pts[i]);
    }
    free(pts);
    json_decref(cols);
}

/* An HTTP API error body, one line. */
static void s_error(jbuf_t *o, const char *code, const char *message)
{
    wire_put_http_error(o, code, message);
    jbuf_putc(o, '\n');
}

static int s_query_format(struct lws *wsi, char *out, size_t outlen)
{
    char frag[64];
    out[0] = '\0';
    for (int i = 0; lws_hdr_copy_fragment(wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, i) > 0;
         i++) {
        if (!strncmp(frag, "format=", 7)) {
            size_t n = strlen(frag + 7);
            if (n >= outlen)
                n = outlen - 1; /* too long to be json or csv anyway */
            memcpy(out, frag + 7, n);
            out[n] = '\0';
            return 1;
        }
    }
    return 0;
}

/* The topic-permission test of wire_put_catalog for the caller's access. */
static bool s_permits(const void *ud, const rtopic_t *t)
{
    return access_permits_topic(ud, t->name, t->name_len);
}

/* Refuse a caller without access (401) or with too little (403). */
static int s_denied(jbuf_t *o, const access_t *acc, bool users)
{
    if (!acc) {
        jbuf_puts(o, users ? "{\"error\":\"unauthorized\",\"message\":\"log in\",\"login\":true}\n"
                           : "{\"error\":\"unauthorized\",\"message\":\"give a token\","
                             "\"login\":false}\n");
        return 401;
    }
    s_error(o, "forbidden", "this needs the admin role");
    return 403;
}

static bool s_is_admin(const access_t *acc)
{
    return acc &&
           (acc->kind == ACCESS_OPEN || (acc->role == ROLE_ADMIN && acc->kind != ACCESS_METRICS));
}

int httpapi_route(const broker_t *b, const struct supervisor *sv, const access_t *acc, bool users,
                  const char *uri, const char *fmt, jbuf_t *o, const char **ctype)
{
    *ctype = "application/json";
    const registry_t *reg = broker_registry(b);
    if (!strcmp(uri, "/healthz")) {
        /* open to all (load balancers); the details only to whom may see them */
        if (!s_is_admin(acc)) {
            jbuf_puts(o, "{\"status\":\"ok\"}\n");
            return 200;
        }
        wire_put_health(o, broker_epoch(b), (rtclock_wall_ms() - broker_started_wall(b)) / 1000,
                        broker_nclients(b), registry_count(reg));
        jbuf_putc(o, '\n');
        return 200;
    }
    if (!strcmp(uri, "/metrics")) {
        if (!s_is_admin(acc) && !(acc && acc->kind == ACCESS_METRICS))
            return s_denied(o, acc, users);
        *ctype = "text/plain; version=0.0.4; charset=utf-8";
        s_metrics(b, o);
        supervisor_put_metrics(sv, o);
        return 200;
    }
    if (!acc || acc->kind == ACCESS_METRICS)
        return s_denied(o, acc, users);
    if (!strcmp(uri, "/api/whoami")) {
        char *w = access_whoami_json(acc);
        if (!w) {
            s_error(o, "internal", "out of memory");
            return 500;
        }
        jbuf_puts(o, w);
        jbuf_putc(o, '\n');
        free(w);
        return 200;
    }
    if (!strcmp(uri, "/api/topics")) {
        wire_put_catalog(o, reg, s_permits, acc);
        jbuf_putc(o, '\n');
        return 200;
    }
    if (!strcmp(uri, "/api/collectors")) {
        if (!s_is_admin(acc))
            return s_denied(o, acc, users);
        broker_put_collectors(b, o);
        jbuf_putc(o, '\n');
        return 200;
    }
    if (!strncmp(uri, "/api/history/", 13)) {
        const char *name = uri + 13;
        size_t len = strlen(name);
        if (!topic_is_valid(name, len)) {
            s_error(o, "bad_topic", "not a valid topic name");
            return 400;
        }
        if (!fmt)
            fmt = "";
        if (fmt[0] && strcmp(fmt, "json") && strcmp(fmt, "csv")) {
            s_error(o, "bad_request", "format must be json or csv");
            return 400;
        }
        const rtopic_t *t = registry_find(reg, name, len);
        /* a forbidden topic answers exactly as a missing one: no oracle */
        if (!t || !access_permits_topic(acc, name, len)) {
            s_error(o, "not_found", "no such topic");
            return 404;
        }
        if (!strcmp(fmt, "csv")) {
            *ctype = "text/csv; charset=utf-8";
            s_history_csv(t, o);
            return 200;
        }
        wire_put_history_doc(o, t);
        jbuf_putc(o, '\n');
        return 200;
    }
    s_error(o, "not_found", "no such path");
    return 404;
}

/* ---- the lws side ------------------------------------------------------- */

#define LOGIN_BODY_MAX 4096
#define LOGIN_PENDING_MAX 32

/* A dummy hash checked for an unknown user, so that a login for a name that
 * does not exist takes as long as one with a wrong password. */
static char s_dummy_hash[160];

static void s_pending_del(wsconn_env_t *env, struct lws *wsi)
{
    for (size_t i = 0; i < HTTPAPI_PENDING_MAX; i++)
        if (env->login_pending[i].wsi == wsi)
            env->login_pending[i].wsi = NULL;
}

/* Start writing the response in pss->body: headers now, the body as the
 * socket takes it. extra: further header lines (name: value\r\n...) or NULL. */
static int s_respond(struct lws *wsi, httpapi_pss_t *pss, unsigned status, const char *ctype,
                     const char *cookie)
{
    if (jbuf_failed(&pss->body)) {
        jbuf_reset(&pss->body);
        s_error(&pss->body, "internal", "response too large");
        status = 500;
    }
    unsigned char hdr[LWS_PRE + 1024], *start = hdr + LWS_PRE, *p = start,
                                       *end = hdr + sizeof(hdr) - 1;
    if (lws_add_http_common_headers(wsi, status, ctype, pss->body.len, &p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                     (const unsigned char *)"no-store", 8, &p, end) ||
        (cookie && lws_add_http_header_by_name(
                       wsi, (const unsigned char *)"set-cookie:", (const unsigned char *)cookie,
                       (int)strlen(cookie), &p, end)) ||
        (pss->retry_after[0] &&
         lws_add_http_header_by_name(
             wsi, (const unsigned char *)"retry-after:", (const unsigned char *)pss->retry_after,
             (int)strlen(pss->retry_after), &p, end)) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return 1;
    if (pss->head) /* HEAD: the same headers, no body */
        pss->sent = pss->body.len;
    lws_callback_on_writable(wsi);
    return 0;
}

/* s_access(): the address has had too many failed credentials (a 429). */
#define ACCESS_LIMITED (-2)

/* The caller's access: AUTH_OK (acc filled), or why not - AUTH_NONE,
 * AUTH_BAD, AUTH_EXPIRED - or -1 for two different tokens (a 400), or
 * ACCESS_LIMITED with pss->retry_after set. Refusals are counted; failed
 * credentials also against the caller's address. */
static int s_access(struct lws *wsi, wsconn_env_t *env, httpapi_pss_t *pss, access_t *acc)
{
    char ip[64];
    int64_t now = rtclock_wall_ms(), retry = 0;
    httpreq_peer(wsi, ip, sizeof ip);
    if (auth_fail_blocked(env->auth, ip, now, &retry)) {
        snprintf(pss->retry_after, sizeof pss->retry_after, "%lld",
                 (long long)(retry + 999) / 1000);
        broker_count_auth_failure(env->broker, AUTHFAIL_LIMITED);
        RLOG_RL(RLOG_WARN, "refusing credentials from %s for %s s: too many failed", ip,
                pss->retry_after);
        return ACCESS_LIMITED;
    }
    httpreq_creds_t *cr = malloc(sizeof(*cr));
    if (!cr)
        return AUTH_BAD;
    int r = httpreq_creds(wsi, cr) < 0
                ? -1
                : (int)auth_resolve(env->auth, cr->blen ? cr->bearer : NULL, cr->blen,
                                    cr->slen ? cr->session : NULL, cr->slen, now, acc);
    free(cr);
    if (r != AUTH_OK)
        broker_count_auth_failure(env->broker, r < 0               ? AUTHFAIL_CONFLICT
                                               : r == AUTH_NONE    ? AUTHFAIL_NONE
                                               : r == AUTH_EXPIRED ? AUTHFAIL_EXPIRED
                                                                   : AUTHFAIL_BAD);
    if (r < 0 || r == AUTH_BAD)
        auth_fail_count(env->auth, ip, now);
    return r;
}

/* POST /api/login's body is in pss->post: check it, then queue the password
 * check on the worker (the answer is written when it is done). */
static int s_login_start(struct lws *wsi, wsconn_env_t *env, httpapi_pss_t *pss)
{
    char ip[64], hash[256];
    int64_t retry = 0;
    if (!auth_has_users(env->auth)) {
        s_error(&pss->body, "not_found", "no users are configured (--users)");
        return s_respond(wsi, pss, 404, "application/json", NULL);
    }
    if (!auth_login_allowed(env->auth, httpreq_peer(wsi, ip, sizeof ip), rtclock_wall_ms(),
                            &retry)) {
        char msg[96];
        snprintf(msg, sizeof msg, "too many login attempts: try again in %lld s",
                 (long long)(retry + 999) / 1000);
        broker_count_login(env->broker, LOGIN_LIMITED);
        s_error(&pss->body, "limit", msg);
        snprintf(pss->retry_after, sizeof pss->retry_after, "%lld",
                 (long long)(retry + 999) / 1000);
        return s_respond(wsi, pss, 429, "application/json", NULL);
    }
    json_t *j = json_loadb((const char *)jbuf_text(&pss->post), pss->post.len, 0, NULL);
    const char *user = json_string_value(json_object_get(j, "user"));
    const char *pw = json_string_value(json_object_get(j, "password"));
    size_t pwlen = pw ? json_string_length(json_object_get(j, "password")) : 0;
    if (!user || !pw || strlen(user) > AUTHDB_NAME_MAX) {
        json_decref(j);
        s_error(&pss->body, "bad_request", "send {\"user\":..,\"password\":..}");
        return s_respond(wsi, pss, 400, "application/json", NULL);
    }
    bool known = auth_user_hash(env->auth, user, hash, sizeof hash);
    if (!known) {
        if (!s_dummy_hash[0])
            authdb_hash_password("x", 1, s_dummy_hash, sizeof s_dummy_hash);
        snprintf(hash, sizeof hash, "%s", s_dummy_hash);
    }
    snprintf(pss->login_user, sizeof pss->login_user, "%s", known ? user : "");
    uint64_t id = env->pw ? pwcheck_submit(env->pw, hash, pw, pwlen) : 0;
    json_decref(j); /* the password's copy goes with it */
    size_t slot = HTTPAPI_PENDING_MAX;
    for (size_t i = 0; id && i < HTTPAPI_PENDING_MAX && slot == HTTPAPI_PENDING_MAX; i++)
        if (!env->login_pending[i].wsi)
            slot = i;
    if (!id || slot == HTTPAPI_PENDING_MAX) {
        s_error(&pss->body, "unavailable", "too many logins at once: try again");
        return s_respond(wsi, pss, 503, "application/json", NULL);
    }
    env->login_pending[slot].wsi = wsi;
    env->login_pending[slot].id = id;
    pss->login_id = id;
    return 0;
}

/* The worker's verdict for pss: open the session, or 401. */
static int s_login_finish(struct lws *wsi, wsconn_env_t *env, httpapi_pss_t *pss, bool ok)
{
    char id[SESSION_ID_LEN + 1], cookie[256];
    int64_t exp = 0, now = rtclock_wall_ms();
    pss->login_id = 0;
    if (!ok || !pss->login_user[0] || auth_login(env->auth, pss->login_user, now, id, &exp) < 0) {
        broker_count_login(env->broker, LOGIN_FAILED);
        rlog(RLOG_NOTICE, "login failed for \"%s\"", pss->login_user);
        s_error(&pss->body, "unauthorized", "wrong user or password");
        return s_respond(wsi, pss, 401, "application/json", NULL);
    }
    broker_count_login(env->broker, LOGIN_OK);
    rlog(RLOG_INFO, "login: %s", pss->login_user);
    snprintf(cookie, sizeof cookie,
             HTTPREQ_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; "
                            "Max-Age=%lld%s",
             id, (long long)((exp - now) / 1000), env->tls ? "; Secure" : "");
    OPENSSL_cleanse(id, sizeof id);
    access_t acc;
    char *w = NULL;
    if (auth_resolve(env->auth, NULL, 0, cookie + sizeof(HTTPREQ_COOKIE), SESSION_ID_LEN, now,
                     &acc) == AUTH_OK) {
        w = access_whoami_json(&acc);
        access_clear(&acc);
    }
    jbuf_puts(&pss->body, w ? w : "{}");
    jbuf_putc(&pss->body, '\n');
    free(w);
    int rc = s_respond(wsi, pss, 200, "application/json", cookie);
    OPENSSL_cleanse(cookie, sizeof cookie);
    return rc;
}

static int s_logout(struct lws *wsi, wsconn_env_t *env, httpapi_pss_t *pss)
{
    httpreq_creds_t *cr = malloc(sizeof(*cr));
    if (cr && httpreq_creds(wsi, cr) == 0 && cr->slen) {
        auth_logout(env->auth, cr->session, cr->slen);
        if (env->recheck_access)
            env->recheck_access(env); /* its WebSockets close with 4401 */
    }
    free(cr);
    jbuf_puts(&pss->body, "{\"status\":\"logged out\"}\n");
    return s_respond(wsi, pss, 200, "application/json",
                     HTTPREQ_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

int httpapi_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                     size_t len)
{
    wsconn_env_t *env = lws_context_user(lws_get_context(wsi));
    httpapi_pss_t *pss = user;

    switch (reason) {
    case LWS_CALLBACK_HTTP: {
        char uri[256];
        const char *ctype = "application/json";
        int status;
        if (pss->body.data) {
            /* the last answer is not all written: a pipelined request, which
             * lws 4.1 would have us answer out of turn; end the connection
             * rather than send mixed-up answers */
            rlog(RLOG_DEBUG, "http: a request before the last answer was written: closing");
            return -1;
        }
        jbuf_init(&pss->body, HTTP_BODY_MAX);
        pss->sent = 0;
        pss->retry_after[0] = '\0';
        pss->head = lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0;
        bool post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
        int ul = lws_hdr_copy(wsi, uri, sizeof(uri),
                              post        ? WSI_TOKEN_POST_URI
                              : pss->head ? WSI_TOKEN_HEAD_URI
                                          : WSI_TOKEN_GET_URI);
        if (ul <= 0 && (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0 || post || pss->head)) {
            s_error(&pss->body, "bad_request", "URI too long");
            return s_respond(wsi, pss, 414, ctype, NULL);
        }
        if (post && (!strcmp(uri, "/api/login") || !strcmp(uri, "/api/logout"))) {
            pss->post_kind = !strcmp(uri, "/api/login") ? 1 : 2;
            jbuf_free(&pss->post);
            jbuf_init(&pss->post, LOGIN_BODY_MAX);
            if (!lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) && pss->post_kind == 2)
                return s_logout(wsi, env, pss); /* no body to wait for */
            return 0;                           /* the body comes in LWS_CALLBACK_HTTP_BODY */
        }
        if (ul <= 0 || post) {
            /* PUT, DELETE, PATCH, OPTIONS... or POST elsewhere: a whole 405 */
            int rc = httpreq_refuse(wsi, 405, "allow:", post ? "GET, HEAD, POST" : "GET, HEAD",
                                    "method_not_allowed", "this path is read with GET");
            return rc < 0 ? 1 : lws_http_transaction_completed(wsi);
        }
        char fmt[16];
        int has_fmt = s_query_format(wsi, fmt, sizeof(fmt));
        access_t acc;
        int r = s_access(wsi, env, pss, &acc);
        bool have = r == AUTH_OK;
        if (r == ACCESS_LIMITED) {
            s_error(&pss->body, "limit", "too many failed credentials from your address");
            return s_respond(wsi, pss, 429, ctype, NULL);
        }
        if (r < 0) {
            s_error(&pss->body, "bad_request", "two different tokens, or a malformed one");
            return s_respond(wsi, pss, 400, ctype, NULL);
        }
        status = httpapi_route(env->broker, env->sv, have ? &acc : NULL, auth_has_users(env->auth),
                               uri, has_fmt ? fmt : NULL, &pss->body, &ctype);
        if (status == 403)
            broker_count_auth_failure(env->broker, AUTHFAIL_FORBIDDEN);
        if (status == 401 && r != AUTH_NONE) {
            /* credentials were given but are no good: say so */
            jbuf_reset(&pss->body);
            jbuf_puts(&pss->body, r == AUTH_EXPIRED ? "{\"error\":\"unauthorized\",\"message\":"
                                                      "\"credentials expired: log in again\""
                                                    : "{\"error\":\"unauthorized\",\"message\":"
                                                      "\"unknown or ended credentials\"");
            jbuf_puts(&pss->body,
                      auth_has_users(env->auth) ? ",\"login\":true}\n" : ",\"login\":false}\n");
        }
        if (status == 200 && !strcmp(uri, "/metrics"))
            ingest_put_metrics(env->ingest, &pss->body); /* CURVE's counters, when on */
        if (have)
            access_clear(&acc);
        return s_respond(wsi, pss, (unsigned)status, ctype, NULL);
    }
    case LWS_CALLBACK_HTTP_BODY:
        if (pss->post_kind && jbuf_put(&pss->post, in, len) < 0)
            pss->post_too_big = true;
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (pss->post_kind == 2)
            return s_logout(wsi, env, pss);
        if (pss->post_too_big || jbuf_failed(&pss->post)) {
            s_error(&pss->body, "too_large", "a login body has at most 4096 bytes");
            return s_respond(wsi, pss, 413, "application/json", NULL);
        }
        return s_login_start(wsi, env, pss);
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED: {
        uint64_t id;
        bool ok;
        while (env->pw && pwcheck_take(env->pw, &id, &ok)) {
            for (size_t i = 0; i < HTTPAPI_PENDING_MAX; i++) {
                if (env->login_pending[i].wsi && env->login_pending[i].id == id) {
                    struct lws *w = env->login_pending[i].wsi;
                    httpapi_pss_t *p = lws_wsi_user(w);
                    env->login_pending[i].wsi = NULL;
                    if (p && s_login_finish(w, env, p, ok))
                        lws_set_timeout(w, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
                }
            }
        }
        return 0;
    }
    case LWS_CALLBACK_HTTP_WRITEABLE: {
        unsigned char buf[LWS_PRE + HTTP_CHUNK];
        size_t left = pss->body.len - pss->sent;
        size_t n = left > HTTP_CHUNK ? HTTP_CHUNK : left;
        int final = n == left;
        if (n)
            memcpy(buf + LWS_PRE, jbuf_text(&pss->body) + pss->sent, n);
        if (lws_write(wsi, buf + LWS_PRE, n, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
            (int)n)
            return 1;
        pss->sent += n;
        if (!final) {
            lws_callback_on_writable(wsi);
            return 0;
        }
        jbuf_free(&pss->body);
        jbuf_free(&pss->post);
        pss->post_kind = 0;
        pss->post_too_big = false;
        if (lws_http_transaction_completed(wsi))
            return -1;
        return 0;
    }
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (pss) {
            s_pending_del(env, wsi);
            jbuf_free(&pss->body);
            jbuf_free(&pss->post);
            pss->post_kind = 0;
        }
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}
