/* SPDX-License-Identifier: MIT */
/* hub.h - rtdash-hub: one process, one libwebsockets-owned event loop.
 * hub_t owns the lws context (HTTP + WebSocket on one port), the ZeroMQ
 * ingest adopted into that loop, the broker, and the 1 s cron. Everything
 * that can fail at start-up happens in hub_new() with normal unwinding. */
#ifndef RTDASH_HUB_H
#define RTDASH_HUB_H

#include "auth.h"
#include "opts.h"
#include "origin.h"
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hub_cfg {
    long port;
    const char *host; /* NULL or "" = loopback (127.0.0.1 and ::1), or all with auth */
    const char *ingest;
    long history;
    const char *web_root;
    long max_topics;
    long max_subs;
    long max_clients;
    long max_message;    /* collector body bytes */
    long max_ws_message; /* browser message bytes after reassembly */
    long max_fragments;  /* fragments per browser message */
    long queue_frames;
    long queue_bytes;
    long queue_total_bytes;
    long slow_timeout_s;
    long cmd_rate;
    long cmd_burst;
    long ping_s;           /* WebSocket ping after this much silence */
    long idle_s;           /* close after this much silence */
    long max_per_ip;       /* WebSocket clients per address, 0 = no bound */
    long handshake_s;      /* an HTTP request or upgrade must complete within this */
    long max_header_bytes; /* request headers larger than this are refused */
    long write_delay_ms;   /* coalescing window for clients written to recently */
    const char *log_level;
    opt_list_t collectors;      /* --collector: commands to run and supervise */
    const char *collectors_dir; /* --collectors-dir: run every executable in it */
    int collectors_follow;      /* --collectors-follow-symlinks */
    const char *collector_user; /* --collector-user: the children's user */
    opt_list_t collector_env;   /* --collector-env: more variables the children get */
    auth_t *auth;               /* credentials; taken over by hub_new (NULL = none) */
    origin_policy_t *origin;    /* allowed Origin/Host; taken over by hub_new */
    const char *tls_cert;       /* --tls-cert / --tls-key: https and wss (both or none) */
    const char *tls_key;
    int source_maps;           /* serve Chart.js's .map files too */
    const char *curve_secret;  /* --curve-secret: the hub's CURVE key file, or NULL */
    const char *curve_clients; /* --curve-clients: the collectors' keys, or NULL */
    int ingest_insecure;       /* --ingest-insecure: a wide ingest without CURVE */
    const char *ingest_group;  /* --ingest-group: an ipc:// socket file's group */
} hub_cfg_t;

typedef struct hub hub_t;

/* Check what can be checked before anything starts (the ingest's secure
 * default, the CURVE files). Returns 0, or -1 with one line in err: the
 * settings are wrong, and the hub exits 2. */
int hub_check_cfg(const hub_cfg_t *cfg, char *err, size_t errlen);

/* Create the hub: bind the web port and the ingest endpoint, load nothing
 * lazily. Takes over cfg->auth and cfg->origin, even when it fails. Returns
 * NULL and logs why (port in use, bad endpoint, web root missing...).
 * Caller owns the result: hub_destroy(). */
hub_t *hub_new(const hub_cfg_t *cfg);

/* Run the loop until hub_request_stop(); then close every client with 1001
 * (waiting up to 2 s for them to go). Returns 0, or -1 if the loop failed. */
int hub_run(hub_t *h);

/* Ask the loop to stop. Async-signal-safe. */
void hub_request_stop(void);

/* Ask the loop to read its configuration files again (SIGHUP): the auth
 * files and the CURVE allow-list. Async-signal-safe. */
void hub_request_reload(void);

/* Free everything. NULL-safe; sets *h to NULL. */
void hub_destroy(hub_t **h);

#endif
