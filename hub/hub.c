/* SPDX-License-Identifier: MIT */
/* hub.c - lifecycle of rtdash-hub: lws context, mounts, ingest, cron, stop. */
#include "hub.h"
#include "broker.h"
#include "curve.h"
#include "httpapi.h"
#include "ingest.h"
#include "pwcheck.h"
#include "rlog.h"
#include "rtclock.h"
#include "supervisor.h"
#include "wsconn.h"
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <openssl/ssl.h>
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
    struct lws_http_mount m_root, m_vendor, m_modules, m_api, m_healthz, m_metrics;
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

/* Headers on every response (lws's "best practices" set, but a CSP whose
 * connect-src is 'self' - the page talks to its own hub only - instead of any
 * ws: or wss: host, and no deprecated x-xss-protection); HSTS under TLS. */
static const struct lws_protocol_vhost_options s_hdr_hsts = {
    NULL, NULL, "strict-transport-security:", "max-age=31536000"};
static const struct lws_protocol_vhost_options s_hdr_referrer = {NULL, NULL,
                                                                 "referrer-policy:", "no-referrer"};
static const struct lws_protocol_vhost_options s_hdr_frame = {&s_hdr_referrer, NULL,
                                                              "x-frame-options:", "deny"};
static const struct lws_protocol_vhost_options s_hdr_nosniff = {
    &s_hdr_frame, NULL, "x-content-type-options:", "nosniff"};
static const struct lws_protocol_vhost_options s_hdr_csp = {
    &s_hdr_nosniff, NULL, "content-security-policy:",
    "default-src 'none'; img-src 'self' data:; script-src 'self'; font-src 'self'; "
    "style-src 'self'; connect-src 'self'; manifest-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"};
/* the same list with HSTS at its end (lws walks it from the head) */
static struct lws_protocol_vhost_options s_hdr_tls[5];

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
        .ipc_group = cfg->ingest_group,
    };
    return ic;
}

/* A supervised collector's key: allowed every topic, as collector name (a
 * command the operator gave the hub runs with the hub's own trust). A name
 * the allow-list would refuse is listed with '_' for what it cannot have. */
static int s_allow_key(void *ud, const uint8_t *pub, const char *name)
{
    char clean[CURVE_NAME_MAX + 1];
    size_t n = 0;
    for (; name[n] && n < CURVE_NAME_MAX; n++)
        clean[n] = curve_name_is_valid(&name[n], 1) ? name[n] : '_';
    clean[n] = '\0';
    return ingest_curve_allow(ud, pub, n ? clean : "collector");
}

int hub_check_cfg(const hub_cfg_t *cfg, char *err, size_t errlen)
{
    ingest_cfg_t ic = s_ingest_cfg(cfg);
    return ingest_check_cfg(&ic, err, errlen);
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

/* broker_recheck_access's check after a reload or a logout: is the access
 * still granted (its patterns brought up to date)? */
static int s_check_full(void *ud, access_t *acc)
{
    hub_t *h = ud;
    switch (auth_revalidate(h->env.auth, acc, rtclock_wall_ms())) {
    case AUTH_OK:
        return 0;
    case AUTH_EXPIRED:
        return 4401;
    default:
        return 4403;
    }
}

/* Once a second: has a session or a JWT ended? (No allocation.) */
static int s_check_expiry(void *ud, access_t *acc)
{
    (void)ud;
    return acc->exp_ms && acc->exp_ms <= rtclock_wall_ms() ? 4401 : 0;
}

static void s_recheck_access(wsconn_env_t *env)
{
    hub_t *h = lws_container_of(env, hub_t, env);
    broker_recheck_access(env->broker, s_check_full, h);
}

/* SIGHUP: read the configuration files again; a bad one keeps the last good
 * configuration (and is counted), a good one applies to every client at once. */
static void s_reload_config(hub_t *h)
{
    char err[512];
    /* the CURVE allow-list (it logs what it did); 1: there is none */
    int curve = ingest_reload(h->ingest);
    if (!h->env.auth) {
        if (curve <= 0)
            broker_count_reload(h->env.broker, curve == 0);
        return;
    }
    if (auth_reload(h->env.auth, err, sizeof err) < 0) {
        broker_count_reload(h->env.broker, false);
        rlog(RLOG_ERROR, "reload failed, keeping the last good configuration: %s", err);
        return;
    }
    broker_count_reload(h->env.broker, curve >= 0);
    rlog(RLOG_NOTICE, "configuration reloaded%s",
         curve < 0 ? ", but for the CURVE allow-list (above)" : "");
    broker_recheck_access(h->env.broker, s_check_full, h);
}

static void s_cron(lws_sorted_usec_list_t *sul)
{
    hub_t *h = lws_container_of(sul, hub_t, sul_cron);
    if (h->env.auth && auth_on(h->env.auth)) {
        auth_cron(h->env.auth, rtclock_wall_ms());
        broker_recheck_access(h->env.broker, s_check_expiry, h);
    }
    if (broker_cron(h->env.broker, rtclock_wall_ms(), rtclock_mono_ms()))
        malloc_trim(0); /* a wave of clients has left: hand their heap back */
    lws_sul_schedule(h->cx, 0, &h->sul_cron, s_cron, LWS_US_PER_SEC);
}

/* Is iface a loopback address (127.0.0.0/8, ::1, localhost)? */
static bool s_is_loopback(const char *iface)
{
    return iface &&
           (!strncmp(iface, "127.", 4) || !strcmp(iface, "::1") || !strcmp(iface, "localhost"));
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
    hub_t *h = calloc(1, sizeof(*h));
    if (!h) {
        auth_t *a = cfg->auth;
        origin_policy_t *o = cfg->origin;
        auth_destroy(&a);
        origin_policy_destroy(&o);
        return NULL;
    }
    h->cfg = *cfg; /* takes over cfg->auth and cfg->origin: freed by hub_destroy */
    struct stat st;
    if (stat(cfg->web_root, &st) || !S_ISDIR(st.st_mode)) {
        rlog(RLOG_ERROR, "web root %s is not a directory (set --web-root)", cfg->web_root);
        goto fail;
    }
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
    h->env.auth = cfg->auth;
    h->env.recheck_access = s_recheck_access;
    h->env.origin = cfg->origin;
    h->cfg.auth = NULL;
    h->cfg.origin = NULL;
    ipcount_init(&h->env.per_ip);
    if (!h->env.origin && !(h->env.origin = origin_policy_new()))
        goto fail;
    if (!h->env.broker)
        goto fail;
    ingest_cfg_t ic = s_ingest_cfg(cfg);
    h->ingest = ingest_new(&ic, h->env.broker);
    if (!h->ingest)
        goto fail;
    h->env.ingest = h->ingest;

    /* Of web/node_modules only Chart.js is served (at /vendor/chart.js/): the
     * rest, such as the page's linter (a devDependency), is not; the web
     * root's own node_modules/ gets the API's 404. */
    snprintf(h->vendor, sizeof(h->vendor), "%s/node_modules/chart.js", cfg->web_root);
    if (!(h->env.web = webroot_new(cfg->web_root, h->vendor, cfg->source_maps)))
        goto fail;
    s_mount(&h->m_modules, "/node_modules", "rtdash-http", LWSMPRO_CALLBACK, NULL, NULL);
    s_mount(&h->m_metrics, "/metrics", "rtdash-http", LWSMPRO_CALLBACK, NULL, &h->m_modules);
    s_mount(&h->m_healthz, "/healthz", "rtdash-http", LWSMPRO_CALLBACK, NULL, &h->m_metrics);
    s_mount(&h->m_api, "/api", "rtdash-http", LWSMPRO_CALLBACK, NULL, &h->m_healthz);
    s_mount(&h->m_vendor, "/vendor/chart.js", h->vendor, LWSMPRO_FILE, NULL, &h->m_api);
    s_mount(&h->m_root, "/", cfg->web_root, LWSMPRO_FILE, "index.html", &h->m_vendor);

    h->retry.secs_since_valid_ping = (uint16_t)cfg->ping_s;
    h->retry.secs_since_valid_hangup = (uint16_t)cfg->idle_s;

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = (int)cfg->port;
    /* SPEC §7: without auth, loopback only unless --host says otherwise */
    bool host_given = cfg->host && cfg->host[0];
    bool loopback = !host_given && !auth_on(h->env.auth);
    info.iface = host_given ? cfg->host : loopback ? "127.0.0.1" : NULL;
    info.protocols = s_protocols;
    info.mounts = &h->m_root;
    info.user = &h->env; /* what wsconn and httpapi callbacks read */
    info.timeout_secs = (unsigned int)cfg->handshake_s;
    /* the wait for request headers is this one (lws's default is 10 s) */
    info.timeout_secs_ah_idle = (unsigned int)cfg->handshake_s;
    info.max_http_header_data = (unsigned short)cfg->max_header_bytes;
    info.retry_and_idle_policy = &h->retry;
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
    info.headers = &s_hdr_csp;
    if (cfg->tls_cert) {
        /* TLS 1.2 or later, HTTP/1.1 only (the API reads HTTP/1 request
         * lines; h2 would bring :path), plain HTTP on this port refused */
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = cfg->tls_cert;
        info.ssl_private_key_filepath = cfg->tls_key;
        info.ssl_options_set = SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1;
        info.alpn = "http/1.1";
        size_t i = 0;
        for (const struct lws_protocol_vhost_options *o = &s_hdr_csp; o; o = o->next, i++) {
            s_hdr_tls[i] = *o;
            s_hdr_tls[i].next = &s_hdr_tls[i + 1];
        }
        s_hdr_tls[i - 1].next = &s_hdr_hsts;
        info.headers = &s_hdr_tls[0];
        h->env.tls = true;
    }
    info.vhost_name = "default";
    lws_set_log_level(LLL_ERR | LLL_WARN, s_lws_log);
    /* the context alone, then each listening vhost with its own options:
     * lws binds an IPv4 literal on an IPv6 socket as "::" - every interface
     * (the v4 address lands in sin6_flowinfo) - so an IPv4 address is bound
     * with IPv6 off for its vhost only, which a context-wide option cannot do */
    uint64_t base = info.options;
    info.options = base | LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
    h->cx = lws_create_context(&info);
    if (!h->cx)
        goto fail;
    struct in_addr a4;
    info.options = base;
    if (info.iface && inet_pton(AF_INET, info.iface, &a4) == 1)
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    if (!lws_create_vhost(h->cx, &info)) {
        rlog(RLOG_ERROR, "cannot listen on %s port %ld (in use?)",
             info.iface ? info.iface : "every interface,", cfg->port);
        goto fail;
    }
    if (loopback) {
        /* the same site on IPv6's loopback, when the machine has one */
        info.iface = "::1";
        info.vhost_name = "default6";
        info.options = base;
        if (!lws_create_vhost(h->cx, &info))
            rlog(RLOG_NOTICE, "no IPv6 loopback: serving on 127.0.0.1 only");
        info.iface = "127.0.0.1";
    }
    if (auth_has_users(h->env.auth) && !(h->env.pw = pwcheck_new(h->cx, HTTPAPI_PENDING_MAX)))
        goto fail;
    struct lws_vhost *vh = lws_get_vhost_by_name(h->cx, "default");
    if (!vh || ingest_attach(h->ingest, h->cx, vh))
        goto fail;
    if (cfg->collectors.n || (cfg->collectors_dir && cfg->collectors_dir[0])) {
        h->sv = supervisor_new(cfg->ingest);
        if (!h->sv || supervisor_set_child(h->sv, cfg->collector_user, &cfg->collector_env) < 0)
            goto fail;
        for (size_t i = 0; i < cfg->collectors.n; i++) {
            char *cmd = strndup(cfg->collectors.v[i], cfg->collectors.len[i]);
            int rc = cmd ? supervisor_add(h->sv, NULL, cmd) : -1;
            free(cmd);
            if (rc < 0)
                goto fail;
        }
        if (cfg->collectors_dir && cfg->collectors_dir[0] &&
            supervisor_add_dir(h->sv, cfg->collectors_dir, cfg->collectors_follow) < 0)
            goto fail;
        /* under CURVE each collector gets a key of its own, listed for it */
        if (ingest_curve_on(h->ingest) &&
            supervisor_use_curve(h->sv, ingest_curve_server_key(h->ingest), s_allow_key,
                                 h->ingest) < 0)
            goto fail;
        if (supervisor_start(h->sv, h->cx, vh) < 0)
            goto fail;
        h->env.sv = h->sv;
    }
    lws_sul_schedule(h->cx, 0, &h->sul_cron, s_cron, LWS_US_PER_SEC);
    const char *scheme = cfg->tls_cert ? "https" : "http";
    if (loopback)
        rlog(RLOG_NOTICE,
             "rtdash-hub %s: %s://127.0.0.1:%ld/ and %s://[::1]:%ld/ (loopback "
             "only), ingest %s, web root %s",
             RTDASH_VERSION, scheme, cfg->port, scheme, cfg->port, cfg->ingest, cfg->web_root);
    else
        rlog(RLOG_NOTICE, "rtdash-hub %s: %s://%s:%ld/ (%s), ingest %s, web root %s",
             RTDASH_VERSION, scheme, info.iface ? info.iface : "*", cfg->port,
             info.iface ? "this address" : "every interface", cfg->ingest, cfg->web_root);
    if (auth_on(h->env.auth) && !cfg->tls_cert && !s_is_loopback(info.iface))
        rlog(RLOG_WARN, "tokens and passwords travel in cleartext: give --tls-cert/--tls-key, "
                        "or put a TLS proxy in front");
    if (!auth_on(h->env.auth) && !loopback && !s_is_loopback(info.iface))
        rlog(RLOG_WARN,
             "anonymous read access to every topic on %s:%ld: give --auth or --users "
             "to put the hub on a network",
             info.iface ? info.iface : "*", cfg->port);
    return h;
fail:
    hub_destroy(&h);
    return NULL;
}

int hub_run(hub_t *h)
{
    int rc = 0;
    while (!s_stop) {
        if (s_reload) { /* the signal ended lws's poll(): act on it now */
            s_reload = 0;
            s_reload_config(h);
        }
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
    /* the worker wakes the context: it stops first */
    pwcheck_destroy(&h->env.pw);
    if (h->cx) {
        lws_sul_cancel(&h->sul_cron);
        lws_sul_cancel(&h->env.sul_deferred);
        supervisor_stop(h->sv);     /* before the context: it cancels its timers */
        lws_context_destroy(h->cx); /* closes the remaining connections and pipes */
    }
    supervisor_destroy(&h->sv); /* after the context: lws called back for the pipes */
    ingest_destroy(&h->ingest);
    broker_destroy(&h->env.broker);
    ipcount_free(&h->env.per_ip);
    auth_destroy(&h->env.auth);
    webroot_destroy(&h->env.web);
    origin_policy_destroy(&h->env.origin);
    auth_destroy(&h->cfg.auth);
    origin_policy_destroy(&h->cfg.origin);
    wsconn_env_free(&h->env);
    free(h);
    *ph = NULL;
}
