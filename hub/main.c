/* SPDX-License-Identifier: MIT */
/* main.c - rtdash-hub: settings -> hub_new -> hub_run -> hub_destroy. */
#include "auth.h"
#include "hub.h"
#include "opts.h"
#include "origin.h"
#include "rlog.h"
#include "supervisor.h"
#include "tlscheck.h"
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef RTDASH_WEB_ROOT_DEFAULT
#define RTDASH_WEB_ROOT_DEFAULT "web"
#endif

static void s_on_signal(int sig)
{
    if (sig == SIGHUP)
        hub_request_reload();
    else
        hub_request_stop();
}

/* rtdash-hub --hash-password: the argon2id line of the users file for the
 * password read from standard input (a terminal, a pipe or a file). */
static int s_hash_password(void)
{
    char pw[1024], hash[256];
    if (isatty(0))
        fprintf(stderr, "password: ");
    if (!fgets(pw, sizeof pw, stdin)) {
        fprintf(stderr, "rtdash-hub: --hash-password reads the password from standard input\n");
        return 2;
    }
    size_t n = strcspn(pw, "\r\n");
    int rc = 0;
    if (n == 0) {
        fprintf(stderr, "rtdash-hub: an empty password\n");
        rc = 2;
    } else if (authdb_hash_password(pw, n, hash, sizeof hash) < 0) {
        fprintf(stderr, "rtdash-hub: cannot hash the password\n");
        rc = 1;
    } else {
        printf("%s\n", hash);
    }
    OPENSSL_cleanse(pw, sizeof pw);
    return rc;
}

/* rtdash-hub --gen-token: a random token, and the sha256: form to put in the
 * --auth file instead of the token itself. */
static int s_gen_token(void)
{
    unsigned char raw[32], b64[48], digest[32];
    char tok[48];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return 1;
    EVP_EncodeBlock(b64, raw, sizeof raw);
    size_t n = 0;
    for (; n < 43; n++)
        tok[n] = b64[n] == '+' ? '-' : b64[n] == '/' ? '_' : (char)b64[n];
    tok[n] = '\0';
    authdb_sha256(tok, n, digest);
    printf("token:  %s\nfile:   sha256:", tok);
    for (int i = 0; i < 32; i++)
        printf("%02x", digest[i]);
    printf(" viewer PATTERN...   (or editor / admin)\n");
    OPENSSL_cleanse(raw, sizeof raw);
    return 0;
}

/* Read the auth files and the Origin/Host lists into cfg. 0, or -1 after
 * saying why on stderr (the hub does not start: exit 2). */
static int s_load_security(hub_cfg_t *cfg, const auth_cfg_t *ac, const char *origins,
                           const char *hosts)
{
    char err[512];
    cfg->auth = auth_new(ac, err, sizeof err);
    if (!cfg->auth) {
        fprintf(stderr, "rtdash-hub: %s\n", err);
        return -1;
    }
    cfg->origin = origin_policy_new();
    if (!cfg->origin)
        return -1;
    const char *pos = origins ? origins : "", *item;
    size_t len;
    while ((item = opts_list_next(&pos, &len)) != NULL) {
        if (origin_allow_origin(cfg->origin, item, len, err, sizeof err) < 0) {
            fprintf(stderr, "rtdash-hub: --allow-origin: %s\n", err);
            return -1;
        }
    }
    pos = hosts ? hosts : "";
    while ((item = opts_list_next(&pos, &len)) != NULL) {
        if (origin_allow_host(cfg->origin, item, len, err, sizeof err) < 0) {
            fprintf(stderr, "rtdash-hub: --allow-host: %s\n", err);
            return -1;
        }
    }
    /* the machine's own name is a Host a browser may use */
    char name[256];
    if (gethostname(name, sizeof name) == 0) {
        name[sizeof name - 1] = '\0';
        (void)origin_allow_host(cfg->origin, name, strlen(name), err, sizeof err);
    }
    if (origin_any_origin(cfg->origin))
        rlog(RLOG_WARN, "--allow-origin '*': any web page may open the WebSocket");
    if (origin_any_host(cfg->origin))
        rlog(RLOG_WARN, "--allow-host '*': the Host check against DNS rebinding is off");
    return 0;
}

/* Refuse a collector command the shell cannot run, now: restarted, it would
 * fail forever. The environment form is split at commas, so a comma inside a
 * command there leaves a piece that is not a command: say so. */
static int s_check_collectors(const opt_list_t *l)
{
    const char *env = getenv("RTDASH_COLLECTOR");
    uintptr_t env_lo = (uintptr_t)env, env_hi = env ? env_lo + strlen(env) : 0;
    for (size_t i = 0; i < l->n; i++) {
        char *cmd = strndup(l->v[i], l->len[i]);
        char why[1200];
        int rc = cmd ? supervisor_check_command(cmd, why, sizeof(why)) : 0;
        if (rc < 0) {
            bool from_env = (uintptr_t)l->v[i] >= env_lo && (uintptr_t)l->v[i] < env_hi;
            fprintf(stderr, "rtdash-hub: %s: collector '%s' cannot run: %s\n",
                    from_env ? "RTDASH_COLLECTOR" : "--collector", cmd, why);
            if (from_env && strchr(env, ','))
                fprintf(stderr, "rtdash-hub: RTDASH_COLLECTOR is split at every comma; a "
                                "command with a comma in it goes in a --collector flag, whose "
                                "value is one command\n");
        }
        free(cmd);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    hub_cfg_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    opt_enum_t log_level = {rlog_level_values, 0, NULL};
    auth_cfg_t ac;
    memset(&ac, 0, sizeof(ac));
    const char *origins = NULL, *hosts = NULL;
    long session_h = 12;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--hash-password"))
            return s_hash_password();
        if (!strcmp(argv[i], "--gen-token"))
            return s_gen_token();
    }
    const opt_t table[] = {
        {"port", OPT_INT, "8080", 1, 65535, &cfg.port, "HTTP + WebSocket port"},
        {"host", OPT_STR, NULL, 0, 0, &cfg.host,
         "address to listen on (default: loopback, 127.0.0.1 and ::1; with --auth, --users or "
         "--jwt-key: all)"},
        {"ingest", OPT_STR, "tcp://127.0.0.1:5556", 0, 0, &cfg.ingest,
         "ZeroMQ endpoint collectors publish to (the hub binds it)"},
        {"history", OPT_INT, "50", 1, 100000, &cfg.history, "points kept per topic"},
        {"web-root", OPT_STR, RTDASH_WEB_ROOT_DEFAULT, 0, 0, &cfg.web_root,
         "directory of the dashboard's files"},
        {"max-topics", OPT_INT, "10000", 1, 10000000, &cfg.max_topics, "topics kept"},
        {"max-subs", OPT_INT, "1000", 1, 1000000, &cfg.max_subs,
         "subscription patterns per client"},
        {"max-clients", OPT_INT, "10000", 1, 1000000, &cfg.max_clients,
         "WebSocket clients at once"},
        {"max-message", OPT_INT, "65536", 64, 16777216, &cfg.max_message,
         "largest collector message body, bytes"},
        {"max-ws-message", OPT_INT, "65536", 64, 16777216, &cfg.max_ws_message,
         "largest browser message, bytes (more: close 1009)"},
        {"max-fragments", OPT_INT, "256", 1, 100000, &cfg.max_fragments,
         "pieces per browser message: frames, and 512-byte chunks of them (more: close 1009)"},
        {"queue-frames", OPT_INT, "4096", 16, 10000000, &cfg.queue_frames,
         "per-client queue bound, messages"},
        {"queue-bytes", OPT_INT, "1048576", 4096, 1073741824, &cfg.queue_bytes,
         "per-client queue bound, bytes"},
        {"queue-total-bytes", OPT_INT, "268435456", 0, 68719476736L, &cfg.queue_total_bytes,
         "all client queues together; over it the largest are closed (0 = no bound)"},
        {"max-per-ip", OPT_INT, "0", 0, 1000000, &cfg.max_per_ip,
         "WebSocket clients from one address (0 = no bound; behind a proxy all share one)"},
        {"handshake-timeout-s", OPT_INT, "10", 1, 600, &cfg.handshake_s,
         "an HTTP request or WebSocket upgrade must complete within this"},
        {"max-header-bytes", OPT_INT, "4096", 512, 65535, &cfg.max_header_bytes,
         "request headers larger than this are refused"},
        {"slow-timeout-s", OPT_INT, "30", 1, 86400, &cfg.slow_timeout_s,
         "close a client that keeps dropping this long (1008)"},
        {"cmd-rate", OPT_INT, "20", 1, 100000, &cfg.cmd_rate, "commands per second per client"},
        {"cmd-burst", OPT_INT, "40", 1, 100000, &cfg.cmd_burst, "command burst per client"},
        {"write-delay-ms", OPT_INT, "5", 0, 1000, &cfg.write_delay_ms,
         "a client written to less than this ago is written again only this long after, so "
         "what arrives meanwhile shares one frame (0 = write at once)"},
        {"ping-s", OPT_INT, "30", 1, 3600, &cfg.ping_s, "WebSocket ping after this much silence"},
        {"idle-s", OPT_INT, "75", 2, 7200, &cfg.idle_s,
         "close a connection silent this long (no pong)"},
        RLOG_OPT_LEVEL(&log_level),
        {"auth", OPT_STR, NULL, 0, 0, &ac.tokens_file,
         "tokens file: TOKEN ROLE [PATTERN...] per line (mode 600)"},
        {"users", OPT_STR, NULL, 0, 0, &ac.users_file,
         "users file: NAME ROLE HASH [PATTERN...] per line (hash: rtdash-hub --hash-password)"},
        {"jwt-key", OPT_STR, NULL, 0, 0, &ac.jwt_key_file,
         "accept JWTs signed with this key: a PEM public key (RS256, ES256, EdDSA) or an HS256 "
         "secret"},
        {"jwt-aud", OPT_STR, "rtdash", 0, 0, &ac.jwt_aud, "the aud a JWT must name"},
        {"metrics-token", OPT_STR, NULL, 0, 0, &ac.metrics_token_file,
         "file holding a token that may read /metrics only (for Prometheus)"},
        {"session-hours", OPT_INT, "12", 1, 8760, &session_h, "how long a login lasts"},
        {"auth-fail-limit", OPT_INT, "20", 0, 100000, &ac.fail_per_min,
         "failed credentials an address may send per minute; past them it is answered 429 "
         "until it may again (0: no limit)"},
        {"tls-cert", OPT_STR, NULL, 0, 0, &cfg.tls_cert,
         "serve https and wss with this PEM certificate (chain included) and --tls-key"},
        {"tls-key", OPT_STR, NULL, 0, 0, &cfg.tls_key,
         "the certificate's PEM private key (mode 600)"},
        {"serve-source-maps", OPT_BOOL, "0", 0, 0, &cfg.source_maps,
         "serve Chart.js's source maps at /vendor/ (for debugging the page)"},
        {"allow-origin", OPT_STR, NULL, 0, 0, &origins,
         "web origins besides the hub's own that may open the WebSocket and call the API "
         "(comma-separated scheme://host[:port]; '*' = any)"},
        {"allow-host", OPT_STR, NULL, 0, 0, &hosts,
         "Host names besides localhost, IP literals, this machine's name and the allowed "
         "origins' (comma-separated; '*' = any)"},
        {"collector", OPT_LIST, NULL, OPT_LIST_WHOLE, 0, &cfg.collectors,
         "run this collector command (sh -c), restart it when it exits; a flag is one "
         "command, RTDASH_COLLECTOR is split at commas"},
        {"collectors-dir", OPT_STR, NULL, 0, 0, &cfg.collectors_dir,
         "run every executable file of this directory as a supervised collector (files "
         "owned by this user or root and writable by nobody else; the directory too)"},
        {"collectors-follow-symlinks", OPT_BOOL, "0", 0, 0, &cfg.collectors_follow,
         "also run symlinks of --collectors-dir (their targets are checked)"},
        {"collector-user", OPT_STR, NULL, 0, 0, &cfg.collector_user,
         "run supervised collectors as this user (needed when the hub runs as root; "
         "'root' runs them as root, knowingly)"},
        {"collector-env", OPT_LIST, NULL, 0, 0, &cfg.collector_env,
         "a variable of the hub's environment its collectors get too (repeatable; besides "
         "PATH, HOME, LANG, LC_*, TZ and the collectors' RTDASH_* settings)"},
        {"curve-secret", OPT_STR, NULL, 0, 0, &cfg.curve_secret,
         "the hub's CURVE key file (PUBLIC SECRET, mode 0600; rtdash-pub --gen-keys writes "
         "one): with --curve-clients, collectors must authenticate"},
        {"curve-clients", OPT_STR, NULL, 0, 0, &cfg.curve_clients,
         "collectors allowed to publish: a line PUBLICKEY NAME [PATTERN...] each (SIGHUP "
         "reloads it)"},
        {"ingest-insecure", OPT_BOOL, "0", 0, 0, &cfg.ingest_insecure,
         "allow a tcp:// ingest beyond loopback without CURVE (anyone who reaches it can "
         "publish)"},
        {"ingest-group", OPT_STR, NULL, 0, 0, &cfg.ingest_group,
         "an ipc:// ingest's socket file gets this group and mode 0660 (else 0600: only "
         "this user's collectors can connect)"},
    };
    const size_t n = sizeof(table) / sizeof(table[0]);
    rlog_set_prog("rtdash-hub");
    int rc = opts_parse(table, n, argc, argv, "rtdash-hub [options]", NULL);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    rlog_set_level((rlog_level_t)log_level.value);
    cfg.log_level = log_level.name;
    if (cfg.idle_s <= cfg.ping_s) {
        fprintf(stderr, "rtdash-hub: --idle-s must be larger than --ping-s\n");
        return 2;
    }
    if (s_check_collectors(&cfg.collectors) < 0)
        return 2;
    struct stat cdst;
    if (cfg.collectors_dir && cfg.collectors_dir[0] && stat(cfg.collectors_dir, &cdst) == 0 &&
        (cdst.st_mode & (S_IWGRP | S_IWOTH))) {
        fprintf(stderr,
                "rtdash-hub: --collectors-dir %s is writable by group or others: anyone "
                "could plant a collector there (chmod go-w)\n",
                cfg.collectors_dir);
        return 2;
    }
    if ((cfg.collectors.n || (cfg.collectors_dir && cfg.collectors_dir[0])) && geteuid() == 0 &&
        !(cfg.collector_user && cfg.collector_user[0])) {
        fprintf(stderr, "rtdash-hub: running as root, supervised collectors need "
                        "--collector-user USER (a user of their own, or root to run them as "
                        "root knowingly)\n");
        return 2;
    }
    ac.session_ms = session_h * 3600 * 1000;
    if (!cfg.tls_cert != !cfg.tls_key) {
        fprintf(stderr, "rtdash-hub: --tls-cert and --tls-key go together\n");
        return 2;
    }
    if (cfg.tls_cert) {
        char err[512], warn[256];
        if (tlscheck_files(cfg.tls_cert, cfg.tls_key, err, sizeof err, warn, sizeof warn) < 0) {
            fprintf(stderr, "rtdash-hub: %s\n", err);
            return 2;
        }
        if (warn[0])
            rlog(RLOG_WARN, "%s", warn);
    }
    char why[600];
    if (hub_check_cfg(&cfg, why, sizeof why) < 0) {
        fprintf(stderr, "rtdash-hub: %s\n", why);
        return 2;
    }
    if (s_load_security(&cfg, &ac, origins, hosts) < 0) {
        auth_destroy(&cfg.auth);
        origin_policy_destroy(&cfg.origin);
        return 2;
    }
    char eff[2048];
    opts_describe(table, n, eff, sizeof(eff));
    rlog(RLOG_INFO, "settings: %s", eff);

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = s_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* every browser is a file descriptor: take the hard limit, as servers do */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    hub_t *h = hub_new(&cfg);
    if (!h)
        return 1;
    rc = hub_run(h);
    hub_destroy(&h);
    rlog(RLOG_NOTICE, "stopped");
    return rc == 0 ? 0 : 1;
}
