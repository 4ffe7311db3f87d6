/* open-files.c - an rtdash collector in C: open files of the whole system.
 *
 * Every interval it reads /proc/sys/fs/file-nr ("allocated  unused  maximum"
 * file handles of the kernel) and publishes one sample on the topic
 * example.open_files with the field "open" (allocated - unused).
 * It uses the proto/ library (rtdash.h), which connects one ZeroMQ PUB socket
 * to every hub of RTDASH_HUB and never waits for one: with no hub there, the
 * messages are dropped. Meta goes out at start and every 10 s. SIGTERM or
 * Ctrl-C stops it.
 *
 *     build/bin/rtdash-example-c
 *     RTDASH_HUB=tcp://127.0.0.1:5556 RTDASH_INTERVAL_MS=500 build/bin/rtdash-example-c
 *
 * Outside the CMake build (from the repository root, after `make`):
 *
 *     cc -std=c11 -Iproto my-collector.c build/proto/librtdash_proto.a \
 *        $(pkg-config --libs libzmq msgpack) -lm -o my-collector
 *
 * Copy it, change s_read() and s_send_meta(), and you have your own collector. */
// SPDX-License-Identifier: MIT
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* sigaction with -std=c11 */
#endif
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "opts.h"
#include "rlog.h"
#include "rtdash.h"

#define META_PERIOD_MS 10000

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

/* Read the open file handles. Returns 0, or -1 if the file is not there or
 * not as expected (the sample is then skipped). */
static int s_read(const char *path, double *out)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    unsigned long long allocated, unused;
    int n = fscanf(f, "%llu %llu", &allocated, &unused);
    fclose(f);
    if (n != 2)
        return -1;
    *out = (double)(allocated - unused);
    return 0;
}

static void s_send_meta(rtdash_pub_t *pub, const char *topic, long interval_ms)
{
    const rtdash_field_meta_t fields[] = {{"open", "Open", "files", "#8b5cf6"}};
    rtdash_meta_t m;
    rtdash_meta_init(&m);
    m.title = "Open files";
    m.unit = "files";
    m.chart = "line";
    m.min = 0;
    m.interval_ms = interval_ms;
    m.collector = "example-c";
    m.fields = fields;
    m.nfields = 1;
    rtdash_pub_meta(pub, topic, &m);
}

int main(int argc, char **argv)
{
    const char *hub = NULL, *topic = NULL, *path = NULL;
    long interval_ms = 1000;
    /* Each setting is a flag and an environment variable: --hub / RTDASH_HUB. */
    const opt_t table[] = {
        {"hub", OPT_STR, RTDASH_DEFAULT_HUB, 0, 0, &hub, "hubs to publish to, comma-separated"},
        {"interval-ms", OPT_INT, "1000", 50, 3600000, &interval_ms, "milliseconds between samples"},
        {"topic", OPT_STR, "example.open_files", 0, 0, &topic, "topic to publish on"},
        {"file-nr", OPT_STR, "/proc/sys/fs/file-nr", 0, 0, &path, "the kernel's file-nr file"},
    };
    rlog_set_prog("rtdash-example-c");
    int r = opts_parse(table, sizeof(table) / sizeof(table[0]), argc, argv, "[options]", NULL);
    if (r != 0)
        return r > 0 ? 0 : 2;

    rtdash_pub_t *pub = rtdash_pub_new(hub);
    if (!pub)
        return 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = s_on_signal; /* no SA_RESTART: the sleep must end */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    /* One sample per tick of the wall clock; the first tick waits a little
     * so the hubs subscribe first: PUB drops what it sends before that. */
    int64_t last_meta = 0, min_wait = RTDASH_FIRST_TICK_MIN_MS;
    while (rtdash_tick_wait(interval_ms, min_wait, &s_stop)) {
        min_wait = 0;
        int64_t now = rtdash_now_ms();
        if (last_meta == 0 || now - last_meta >= META_PERIOD_MS || now < last_meta) {
            s_send_meta(pub, topic, interval_ms);
            last_meta = now;
        }
        static const char *const names[] = {"open"};
        double open_files;
        if (s_read(path, &open_files) == 0)
            rtdash_pub_sample(pub, topic, names, &open_files, 1, now);
        else
            RLOG_RL(RLOG_WARN, "cannot read %s", path);
    }
    rtdash_pub_destroy(&pub);
    return 0;
}
