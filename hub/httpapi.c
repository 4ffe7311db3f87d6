/* httpapi.c - /healthz, /metrics, /api/topics, /api/history/TOPIC. */
#include "httpapi.h"
#include "cmd.h"
#include "frame.h"
#include "ingest.h"
#include "rtclock.h"
#include "prom.h"
#include "supervisor.h"
#include "wire.h"
#include "wsconn.h"
#include <jansson.h>
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
    prom_head(o, "rtdash_topics", "gauge", "Topics known to the hub.");
    s_value(o, "rtdash_topics", NULL, NULL, registry_count(broker_registry(b)));
    prom_head(o, "rtdash_messages_in_total", "counter", "Collector messages received.");
    s_value(o, "rtdash_messages_in_total", NULL, NULL, st->msgs_in);
    prom_head(o, "rtdash_messages_missing_total", "counter",
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
    for (int e = CMD_E_BAD_REQUEST; e <= CMD_E_LIMIT; e++)
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

static void s_csv_cell(jbuf_t *o, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        jbuf_puts(o, s);
        return;
    }
    jbuf_putc(o, '"');
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

int httpapi_route(const broker_t *b, const struct supervisor *sv, const char *uri,
                  const char *fmt, jbuf_t *o, const char **ctype)
{
    *ctype = "application/json";
    const registry_t *reg = broker_registry(b);
    if (!strcmp(uri, "/healthz")) {
        wire_put_health(o, broker_epoch(b), (rtclock_wall_ms() - broker_started_wall(b)) / 1000,
                        broker_nclients(b), registry_count(reg));
        jbuf_putc(o, '\n');
        return 200;
    }
    if (!strcmp(uri, "/metrics")) {
        *ctype = "text/plain; version=0.0.4; charset=utf-8";
        s_metrics(b, o);
        supervisor_put_metrics(sv, o);
        return 200;
    }
    if (!strcmp(uri, "/api/topics")) {
        wire_put_catalog(o, reg);
        jbuf_putc(o, '\n');
        return 200;
    }
    if (!strcmp(uri, "/api/collectors")) {
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
        if (!t) {
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

int httpapi_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                     size_t len)
{
    wsconn_env_t *env = lws_context_user(lws_get_context(wsi));
    httpapi_pss_t *pss = user;

    switch (reason) {
    case LWS_CALLBACK_HTTP: {
        char uri[256];
        const char *ctype;
        int status;
        jbuf_init(&pss->body, HTTP_BODY_MAX);
        pss->sent = 0;
        if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0) {
            s_error(&pss->body, "bad_request", "GET only");
            ctype = "application/json";
            status = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0 ? 414 : 405;
        } else {
            char fmt[16];
            int has_fmt = s_query_format(wsi, fmt, sizeof(fmt));
            status = httpapi_route(env->broker, env->sv, uri, has_fmt ? fmt : NULL, &pss->body,
                                   &ctype);
            if (status == 200 && !strcmp(uri, "/metrics"))
                ingest_put_metrics(env->ingest, &pss->body); /* CURVE's counters, when on */
        }
        if (jbuf_failed(&pss->body)) {
            jbuf_reset(&pss->body);
            s_error(&pss->body, "internal", "response too large");
            status = 500;
        }
        unsigned char hdr[LWS_PRE + 1024], *start = hdr + LWS_PRE, *p = start,
                                          *end = hdr + sizeof(hdr) - 1;
        if (lws_add_http_common_headers(wsi, (unsigned int)status, ctype, pss->body.len, &p,
                                        end) ||
            lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                         (const unsigned char *)"no-store", 8, &p, end) ||
            lws_finalize_write_http_header(wsi, start, &p, end))
            return 1;
        lws_callback_on_writable(wsi);
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
        if (lws_http_transaction_completed(wsi))
            return -1;
        return 0;
    }
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (pss)
            jbuf_free(&pss->body);
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}
