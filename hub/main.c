/* main.c - rtdash-hub: settings -> hub_new -> hub_run -> hub_destroy. */
#include "hub.h"
#include "opts.h"
#include "rlog.h"
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

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

int main(int argc, char **argv)
{
    hub_cfg_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    opt_enum_t log_level = {rlog_level_values, 0, NULL};
    const opt_t table[] = {
        {"port", OPT_INT, "8080", 1, 65535, &cfg.port, "HTTP + WebSocket port"},
        {"host", OPT_STR, NULL, 0, 0, &cfg.host, "interface to listen on (default: all)"},
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
        {"collector", OPT_LIST, NULL, 0, 0, &cfg.collectors,
         "run this collector command (sh -c, no comma in it), restart it when it exits"},
        {"collectors-dir", OPT_STR, NULL, 0, 0, &cfg.collectors_dir,
         "run every executable file of this directory as a supervised collector"},
        {"curve-secret", OPT_STR, NULL, 0, 0, &cfg.curve_secret,
         "the hub's CURVE key file (PUBLIC SECRET, mode 0600; rtdash-pub --gen-keys writes "
         "one): with --curve-clients, collectors must authenticate"},
        {"curve-clients", OPT_STR, NULL, 0, 0, &cfg.curve_clients,
         "collectors allowed to publish: a line PUBLICKEY NAME [PATTERN...] each (SIGHUP "
         "reloads it)"},
        {"ingest-insecure", OPT_BOOL, "0", 0, 0, &cfg.ingest_insecure,
         "allow a tcp:// ingest beyond loopback without CURVE (anyone who reaches it can "
         "publish)"},
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
    char eff[1024], why[600];
    opts_describe(table, n, eff, sizeof(eff));
    rlog(RLOG_INFO, "settings: %s", eff);
    if (hub_check_cfg(&cfg, why, sizeof why) < 0) {
        fprintf(stderr, "rtdash-hub: %s\n", why);
        return 2;
    }

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
