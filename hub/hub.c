/* hub.c - lifecycle of rtdash-hub: lws context, mounts, ingest, cron, stop. */
#include "hub.h"
#include "broker.h"
#include "httpapi.h"
#include "ingest.h"
#include "rlog.h"
#include "rtclock.h"
#include "supervisor.h"
#include "wsconn.h"
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct hub {
    wsconn_env_t env; /* the lws context user (info.user) */
    hub_cfg_t cfg;
    struct lws_context *cx;
    ingest_t *ingest;
    supervisor_t *sv; /* NULL without --collector / --collectors-dir */
    lws_sorted_usec_list_t sul_cron;
    char vendor[PATH_MAX];
    struct lws_http_mount m_root, m_vendor, m_api, m_healthz, m_metrics;
    lws_retry_bo_t retry;
};

static volatile sig_atomic_t s_stop, s_reload;

void hub_request_stop(void)
{
    s_stop = 1;
}

void hub_request_reload(void)
{
    s_reload = 1;
}

/* What ingest_new() is given for the hub's settings. */
static ingest_cfg_t s_ingest_cfg(const hub_cfg_t *cfg)
{
    ingest_cfg_t ic = {
        .endpoint = cfg->ingest,
        /* the topic frame and ZeroMQ's own framing ride on top of the body */
        .max_wire = (size_t)cfg->max_message * 4 + 4096,
        .curve_secret = cfg->curve_secret,
        .curve_clients = cfg->curve_clients,
        .insecure = cfg->ingest_insecure != 0,
    };
    return ic;
}

int hub_check_cfg(const hub_cfg_t *cfg, char *err, size_t errlen)
{
    ingest_cfg_t ic = s_ingest_cfg(cfg);
    return ingest_check_cfg(&ic, err, errlen);
}

/* SIGHUP: read the reloadable files again. */
static void s_reload_now(hub_t *h)
{
    s_reload = 0;
    if (ingest_reload(h->ingest) > 0)
        rlog(RLOG_NOTICE, "SIGHUP: nothing to reload (no --curve-clients)");
}

static const struct lws_protocol_vhost_options s_mime_svg = {NULL, NULL, ".svg", "image/svg+xml"};
static const struct lws_protocol_vhost_options s_mime_mjs = {&s_mime_svg, NULL, ".mjs",
                                                             "text/javascript"};
static const struct lws_protocol_vhost_options s_mime_map = {&s_mime_mjs, NULL, ".map",
                                                             "application/json"};
static const struct lws_protocol_vhost_options s_mime_webm = {&s_mime_map, NULL, ".webmanifest",
                                                              "application/manifest+json"};

/* Largest batched text frame (SPEC §3: several messages, one frame). */
#define HUB_BATCH_BYTES (64 * 1024)

static const struct lws_protocols s_protocols[] = {
    /* first = the default: browsers that offer no subprotocol land here,
     * and static files fall through to lws's HTTP handling. lws gives every
     * connection an rx buffer of this size: commands are small, and 512
     * bytes (not 4 KiB) keeps an idle client near 2 KiB. tx_packet_size
     * must be set: left at 0, lws caps every send() at the rx buffer size
     * and would cut each 64 KiB batch into 128 syscalls of 512 bytes. */
    {"rtdash.v1", wsconn_callback, sizeof(wsconn_pss_t), 512, 0, NULL, HUB_BATCH_BYTES + 16},
    {"rtdash-http", httpapi_callback, sizeof(httpapi_pss_t), 0, 0, NULL, 0},
    {"rtdash-ingest", ingest_callback, 0, 0, 0, NULL, 0},
    {SUPERVISOR_PROTOCOL, supervisor_callback, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}};

static void s_lws_log(int level, const char *line)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    RLOG_RL(level & LLL_ERR ? RLOG_ERROR : RLOG_WARN, "lws: %.*s", (int)n, line);
}

static void s_cron(lws_sorted_usec_list_t *sul)
{
    hub_t *h = lws_container_of(sul, hub_t, sul_cron);
    if (broker_cron(h->env.broker, rtclock_wall_ms(), rtclock_mono_ms()))
        malloc_trim(0); /* a wave of clients has left: hand their heap back */
    lws_sul_schedule(h->cx, 0, &h->sul_cron, s_cron, LWS_US_PER_SEC);
}

static void s_mount(struct lws_http_mount *m, const char *point, const char *origin,
                    unsigned char kind, const char *def, struct lws_http_mount *next)
{
    memset(m, 0, sizeof(*m));
    m->mount_next = next;
    m->mountpoint = point;
    m->mountpoint_len = (unsigned char)strlen(point);
    m->origin = origin;
    m->origin_protocol = kind;
    m->def = def;
    if (kind == LWSMPRO_FILE)
        m->extra_mimetypes = &s_mime_webm;
}

hub_t *hub_new(const hub_cfg_t *cfg)
{
    struct stat st;
    if (stat(cfg->web_root, &st) || !S_ISDIR(st.st_mode)) {
        rlog(RLOG_ERROR, "web root %s is not a directory (set --web-root)", cfg->web_root);
        return NULL;
    }
    hub_t *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->cfg = *cfg;
    broker_cfg_t bc = {
        .history = (size_t)cfg->history,
        .max_topics = (size_t)cfg->max_topics,
        .max_subs = (size_t)cfg->max_subs,
        .max_body = (size_t)cfg->max_message,
        .max_depth = 16,
        .queue_frames = (uint32_t)cfg->queue_frames,
        .queue_bytes = (size_t)cfg->queue_bytes,
        .slow_ms = cfg->slow_timeout_s * 1000,
        .cmd_rate = (double)cfg->cmd_rate,
        .cmd_burst = (double)cfg->cmd_burst,
        .cmd_flood = 50,
        .batch_bytes = HUB_BATCH_BYTES,
        .total_bytes = (size_t)cfg->queue_total_bytes,
    };
    h->env.broker = broker_new(&bc, wsconn_wake, &h->env);
    h->env.max_message = (size_t)cfg->max_ws_message;
    h->env.max_fragments = (uint32_t)cfg->max_fragments;
    h->env.max_clients = (size_t)cfg->max_clients;
    h->env.idle_ms = cfg->idle_s * 1000;
    h->env.handshake_ms = cfg->handshake_s * 1000;
    h->env.write_delay_us = (lws_usec_t)cfg->write_delay_ms * 1000;
    h->env.max_per_ip = (size_t)cfg->max_per_ip;
    ipcount_init(&h->env.per_ip);
    if (!h->env.broker)
        goto fail;
    ingest_cfg_t ic = s_ingest_cfg(cfg);
    h->ingest = ingest_new(&ic, h->env.broker);
    if (!h->ingest)
        goto fail;
    h->env.ingest = h->ingest;

    snprintf(h->vendor, sizeof(h->vendor), "%s/node_modules", cfg->web_root);
    s_mount(&h->m_metrics, "/metrics", "rtdash-http", LWSMPRO_CALLBACK, NULL, NULL);
    s_mount(&h->m_healthz, "/healthz", "rtdash-http", LWSMPRO_CALLBACK, NULL, &h->m_metrics);
    s_mount(&h->m_api, "/api", "rtdash-http", LWSMPRO_CALLBACK, NULL, &h->m_healthz);
    s_mount(&h->m_vendor, "/vendor", h->vendor, LWSMPRO_FILE, NULL, &h->m_api);
    s_mount(&h->m_root, "/", cfg->web_root, LWSMPRO_FILE, "index.html", &h->m_vendor);

    h->retry.secs_since_valid_ping = (uint16_t)cfg->ping_s;
    h->retry.secs_since_valid_hangup = (uint16_t)cfg->idle_s;

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = (int)cfg->port;
    info.iface = cfg->host && cfg->host[0] ? cfg->host : NULL;
    info.protocols = s_protocols;
    info.mounts = &h->m_root;
    info.user = &h->env; /* what wsconn and httpapi callbacks read */
    info.timeout_secs = (unsigned int)cfg->handshake_s;
    /* the wait for request headers is this one (lws's default is 10 s) */
    info.timeout_secs_ah_idle = (unsigned int)cfg->handshake_s;
    info.max_http_header_data = (unsigned short)cfg->max_header_bytes;
    info.retry_and_idle_policy = &h->retry;
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 |
                   LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE;
    info.vhost_name = "default";
    lws_set_log_level(LLL_ERR | LLL_WARN, s_lws_log);
    h->cx = lws_create_context(&info);
    if (!h->cx) {
        rlog(RLOG_ERROR, "cannot listen on port %ld (in use?)", cfg->port);
        goto fail;
    }
    struct lws_vhost *vh = lws_get_vhost_by_name(h->cx, "default");
    if (!vh || ingest_attach(h->ingest, h->cx, vh))
        goto fail;
    if (cfg->collectors.n || (cfg->collectors_dir && cfg->collectors_dir[0])) {
        h->sv = supervisor_new(cfg->ingest);
        if (!h->sv)
            goto fail;
        for (size_t i = 0; i < cfg->collectors.n; i++) {
            char *cmd = strndup(cfg->collectors.v[i], cfg->collectors.len[i]);
            int rc = cmd ? supervisor_add(h->sv, NULL, cmd) : -1;
            free(cmd);
            if (rc < 0)
                goto fail;
        }
        if (cfg->collectors_dir && cfg->collectors_dir[0] &&
            supervisor_add_dir(h->sv, cfg->collectors_dir) < 0)
            goto fail;
        if (supervisor_start(h->sv, h->cx, vh) < 0)
            goto fail;
        h->env.sv = h->sv;
    }
    lws_sul_schedule(h->cx, 0, &h->sul_cron, s_cron, LWS_US_PER_SEC);
    rlog(RLOG_NOTICE, "rtdash-hub %s: http://%s:%ld/ ingest %s, web root %s", RTDASH_VERSION,
         info.iface ? info.iface : "localhost", cfg->port, cfg->ingest, cfg->web_root);
    return h;
fail:
    hub_destroy(&h);
    return NULL;
}

int hub_run(hub_t *h)
{
    int rc = 0;
    while (!s_stop) {
        if (s_reload) /* the signal ended lws's poll(): act on it now */
            s_reload_now(h);
        if (lws_service(h->cx, 0) < 0) {
            rc = -1;
            break;
        }
    }
    rlog(RLOG_NOTICE, "stopping: closing %zu clients", broker_nclients(h->env.broker));
    broker_close_all(h->env.broker, KICK_SHUTDOWN, 1001, "hub shutting down");
    int64_t until = rtclock_mono_ms() + 2000;
    while (broker_nclients(h->env.broker) > 0 && rtclock_mono_ms() < until) {
        if (lws_service(h->cx, 0) < 0)
            break;
    }
    supervisor_stop(h->sv); /* TERM, up to 3 s, KILL */
    return rc;
}

void hub_destroy(hub_t **ph)
{
    if (!ph || !*ph)
        return;
    hub_t *h = *ph;
    if (h->cx) {
        lws_sul_cancel(&h->sul_cron);
        lws_sul_cancel(&h->env.sul_deferred);
        supervisor_stop(h->sv); /* before the context: it cancels its timers */
        lws_context_destroy(h->cx); /* closes the remaining connections and pipes */
    }
    supervisor_destroy(&h->sv); /* after the context: lws called back for the pipes */
    ingest_destroy(&h->ingest);
    broker_destroy(&h->env.broker);
    ipcount_free(&h->env.per_ip);
    wsconn_env_free(&h->env);
    free(h);
    *ph = NULL;
}
