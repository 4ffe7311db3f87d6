/* open-files.c - an rtdash collector in C: open files of the whole system.
 *
 * Every interval it reads /proc/sys/fs/file-nr ("allocated  unused  maximum"
 * file handles of the kernel) and publishes one sample with the field "open"
 * (allocated - unused) on its topic: --topic (RTDASH_TOPIC), by default
 * example.PROGRAM.HOST (the program's name and the host name, so a copy
 * built as my-collector publishes example.my-collector.HOST). The
 * collector's name in its meta is --collector (RTDASH_COLLECTOR, which a
 * supervising hub sets to the name it shows), by default the program's name.
 * It uses the proto/ library (rtdash.h), which connects one ZeroMQ PUB socket
 * to every hub of RTDASH_HUB and never waits for one: before a hub has
 * connected the messages are dropped; while a hub that was connected is away,
 * up to ZeroMQ's high-water mark (1000 messages per hub) wait for it and go to
 * it when it is back. A second collector on this machine that publishes the
 * same topic to the same hub is refused at start (the seq numbers of two
 * publishers would interleave). Meta goes out at start and every 10 s.
 * SIGTERM or Ctrl-C stops it.
 *
 *     build/bin/rtdash-example-c
 *     RTDASH_HUB=tcp://127.0.0.1:5556 RTDASH_INTERVAL_MS=500 build/bin/rtdash-example-c
 *
 * Outside the CMake build (from the repository root, after `make`):
 *
 *     cc -std=c11 -Iproto my-collector.c build/proto/librtdash_proto.a \
 *        $(pkg-config --libs libzmq msgpack) -lm -o my-collector
 *
 * Copy it, change s_read(), s_send_meta() and the topic, and you have your
 * own collector. */
// SPDX-License-Identifier: MIT
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* sigaction with -std=c11 */
#endif
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "opts.h"
#include "rlog.h"
#include "rtdash.h"

#define META_PERIOD_MS 10000

static volatile sig_atomic_t s_stop;
static const char *s_collector; /* the collector's name in the meta */

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
    m.collector = s_collector;
    m.fields = fields;
    m.nfields = 1;
    rtdash_pub_meta(pub, topic, &m);
}

/* Every character of s that a topic segment may not have becomes '_'. */
static void s_clean(char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            *s = '_';
}

/* example.PROGRAM.HOST into out: another program, or another host, gets
 * another topic. */
static void s_default_topic(const char *program, char *out, size_t size)
{
    char prog[41], host[65] = "";
    snprintf(prog, sizeof(prog), "%s", program);
    if (gethostname(host, sizeof(host) - 1) != 0 || !host[0])
        strcpy(host, "localhost");
    host[strcspn(host, ".")] = '\0';
    s_clean(prog);
    s_clean(host);
    snprintf(out, size, "example.%s.%s", prog, host);
}

/* One publisher per topic and hub: hold an abstract Unix socket named after
 * (topic, hub) while we run, so that a second copy on this machine fails here
 * rather than interleaving its seq numbers with ours. The kernel frees it
 * when the process ends, however it ends. The name is the same in every
 * example: "rtdash-topic-" and the 64-bit FNV-1a hash of "TOPIC HUB".
 * Returns 0, or -1 (said on stderr) if another one holds it. */
static int s_claim(const char *topic, const char *hubs)
{
    for (const char *p = hubs; *p;) {
        size_t len = strcspn(p, ","), a = 0, b = len;
        while (a < b && (p[a] == ' ' || p[a] == '\t'))
            a++;
        while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t'))
            b--;
        if (b > a) {
            uint64_t h = 0xcbf29ce484222325u;
            for (const char *t = topic; *t; t++)
                h = (h ^ (unsigned char)*t) * 0x100000001b3u;
            h = (h ^ ' ') * 0x100000001b3u;
            for (size_t i = a; i < b; i++)
                h = (h ^ (unsigned char)p[i]) * 0x100000001b3u;
            struct sockaddr_un addr = {.sun_family = AF_UNIX};
            int n = snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, "rtdash-topic-%016llx",
                             (unsigned long long)h);
            int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0); /* kept open while we run */
            if (fd >= 0 &&
                bind(fd, (struct sockaddr *)&addr, (socklen_t)(sizeof(sa_family_t) + 1 + n)) != 0) {
                rlog(RLOG_ERROR,
                     "another collector on this machine already publishes %s to %.*s: give this "
                     "one its own --topic",
                     topic, (int)(b - a), p + a);
                return -1;
            }
        }
        p += len + (p[len] == ',');
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *hub = NULL, *topic = NULL, *path = NULL;
    long interval_ms = 1000;
    /* The program's name ("rtdash-example-c", "my-collector"), as the hub's
     * supervisor names it, and the topic made of it. */
    const char *program = argc > 0 && argv[0][0] ? argv[0] : "collector";
    program = strrchr(program, '/') ? strrchr(program, '/') + 1 : program;
    char default_topic[128];
    s_default_topic(program, default_topic, sizeof(default_topic));
    /* Each setting is a flag and an environment variable: --hub / RTDASH_HUB. */
    const opt_t table[] = {
        {"hub", OPT_STR, RTDASH_DEFAULT_HUB, 0, 0, &hub, "hubs to publish to, comma-separated"},
        {"interval-ms", OPT_INT, "1000", 50, 3600000, &interval_ms, "milliseconds between samples"},
        {"topic", OPT_STR, default_topic, 0, 0, &topic, "topic to publish on"},
        {"collector", OPT_STR, program, 0, 0, &s_collector, "the collector's name in its meta"},
        {"file-nr", OPT_STR, "/proc/sys/fs/file-nr", 0, 0, &path, "the kernel's file-nr file"},
    };
    rlog_set_prog(program);
    int r = opts_parse(table, sizeof(table) / sizeof(table[0]), argc, argv, "[options]", NULL);
    if (r != 0)
        return r > 0 ? 0 : 2;
    if (s_claim(topic, hub) != 0)
        return 1;

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
