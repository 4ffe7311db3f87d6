/* demo.c - rtdash-demo: random demo series and a live feed, in one file.
 *
 * Four topics (demo.sales, demo.users, demo.requests, demo.views) each carry a
 * field "value" that moves as a random walk inside a plausible range, and
 * demo.feed gets an event of any of the four levels every few ticks, with
 * texts like the ones a real shop would log. --seed makes the values and the
 * events the same from one run to the next (only ts differs).
 *
 * Layout, top to bottom: the random generator, the series, the feed, meta,
 * the tick loop and main(). Like every collector it never waits for a hub:
 * with no hub the messages are dropped, and meta goes out every 10 s so a hub
 * that starts later learns the topics. */
// SPDX-License-Identifier: MIT
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "opts.h"
#include "rlog.h"
#include "rtdash.h"

#define META_PERIOD_MS 10000
#define FEED_TOPIC "demo.feed"

/* ------------------------------------------------------------------------
 * Random numbers: splitmix64, so a seed gives the same run on every libc.
 * --------------------------------------------------------------------- */

static uint64_t s_rng;

static uint64_t s_rand(void)
{
    uint64_t z = (s_rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double s_unit(void)
{
    return (double)(s_rand() >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform integer in [lo, hi]. */
static int s_between(int lo, int hi)
{
    return lo + (int)(s_rand() % (uint64_t)(hi - lo + 1));
}

#define PICK(array) (array[s_rand() % (sizeof(array) / sizeof(array[0]))])

/* ------------------------------------------------------------------------
 * The series: a random walk pulled gently back towards the middle of its
 * range, so it wanders without getting stuck at an edge.
 * --------------------------------------------------------------------- */

typedef struct series {
    const char *topic, *title, *unit, *chart, *color;
    double min, max; /* the plausible range */
    double step;     /* largest move per tick */
    double scale;    /* values are whole multiples of 1/scale: 100 = cents, 1 = whole */
    double value;
} series_t;

static series_t s_series[] = {
    {"demo.sales", "Sales", "$", "line", "#10b981", 0, 10000, 400, 100, 0},
    {"demo.users", "Users", "users", "bar", "#3b82f6", 0, 5000, 150, 1, 0},
    {"demo.requests", "Requests", "req/s", "area", "#f59e0b", 0, 2000, 120, 1, 0},
    {"demo.views", "Views", "views", "number", "#8b5cf6", 0, 50000, 1500, 1, 0},
};
#define NSERIES (sizeof(s_series) / sizeof(s_series[0]))

/* Round to a multiple of 1/scale: dividing (not multiplying by 0.01) gives
 * the double nearest to the decimal, so 4823.19 is not sent as 4823.1900000000005. */
static double s_round(double v, double scale)
{
    return (double)(int64_t)(v * scale + (v >= 0 ? 0.5 : -0.5)) / scale;
}

static void s_series_init(void)
{
    for (size_t i = 0; i < NSERIES; i++) {
        series_t *s = &s_series[i];
        double span = s->max - s->min;
        s->value = s_round(s->min + span * (0.3 + 0.4 * s_unit()), s->scale);
    }
}

static void s_series_step(series_t *s)
{
    double mid = (s->min + s->max) / 2;
    double v = s->value + (s_unit() * 2 - 1) * s->step + (mid - s->value) * 0.02;
    if (v < s->min) /* bounce off the edges */
        v = s->min + (s->min - v);
    if (v > s->max)
        v = s->max - (v - s->max);
    v = s_round(v, s->scale);
    s->value = v < s->min ? s->min : v > s->max ? s->max : v;
}

/* ------------------------------------------------------------------------
 * The feed: one event every 2 to 5 ticks; mostly good news.
 * --------------------------------------------------------------------- */

static const char *const s_people[] = {"alice", "bob", "carol", "dave", "erin", "frank", "grace"};
static const char *const s_cities[] = {"Berlin", "Lisbon", "Osaka", "Toronto", "Nairobi", "Lima"};
static const char *const s_hosts[] = {"db-1", "api-2", "cache-3", "search-1", "worker-4"};
static const char *const s_reports[] = {"Weekly sales", "Churn by region", "Top products"};

/* Write a random event of a random level into text; return the level. */
static const char *s_feed_event(char *text, size_t size)
{
    int roll = s_between(1, 100);
    int kind = s_between(0, 4);
    if (roll <= 40) {
        switch (kind) {
        case 0:
            snprintf(text, size, "User %s signed in from %s", PICK(s_people), PICK(s_cities));
            break;
        case 1:
            snprintf(text, size, "Order #%d placed (%d items)", s_between(1000, 9999),
                     s_between(1, 12));
            break;
        case 2:
            snprintf(text, size, "Cache warmed in %d ms", s_between(40, 900));
            break;
        case 3:
            snprintf(text, size, "New subscriber: %s@example.com", PICK(s_people));
            break;
        default:
            snprintf(text, size, "Report \"%s\" generated", PICK(s_reports));
        }
        return "info";
    }
    if (roll <= 70) {
        switch (kind) {
        case 0:
            snprintf(text, size, "Order #%d shipped", s_between(1000, 9999));
            break;
        case 1:
            snprintf(text, size, "Deploy v1.%d.%d finished", s_between(0, 9), s_between(0, 20));
            break;
        case 2:
            snprintf(text, size, "Backup completed (%d.%d GB)", s_between(1, 80), s_between(0, 9));
            break;
        case 3:
            snprintf(text, size, "Payment #%d captured", s_between(10000, 99999));
            break;
        default:
            snprintf(text, size, "All %d health checks passing", s_between(8, 40));
        }
        return "success";
    }
    if (roll <= 90) {
        switch (kind) {
        case 0:
            snprintf(text, size, "Disk latency above %d ms on %s", s_between(2, 9) * 50,
                     PICK(s_hosts));
            break;
        case 1:
            snprintf(text, size, "Queue depth at %d messages", s_between(500, 20000));
            break;
        case 2:
            snprintf(text, size, "Certificate for shop.example.com expires in %d days",
                     s_between(3, 14));
            break;
        case 3:
            snprintf(text, size, "Memory use at %d%% on %s", s_between(85, 97), PICK(s_hosts));
            break;
        default:
            snprintf(text, size, "Slow query: %d ms on %s", s_between(800, 5000), PICK(s_hosts));
        }
        return "warning";
    }
    switch (kind) {
    case 0:
        snprintf(text, size, "Payment #%d declined by the bank", s_between(10000, 99999));
        break;
    case 1:
        snprintf(text, size, "Worker %d crashed (exit code %d)", s_between(1, 16),
                 s_between(1, 139));
        break;
    case 2:
        snprintf(text, size, "Cannot reach %s: timeout after %d ms", PICK(s_hosts),
                 s_between(1, 10) * 1000);
        break;
    case 3:
        snprintf(text, size, "Deploy v1.%d.%d rolled back", s_between(0, 9), s_between(0, 20));
        break;
    default:
        snprintf(text, size, "HTTP 500 rate at %d.%d%%", s_between(2, 15), s_between(0, 9));
    }
    return "error";
}

/* ------------------------------------------------------------------------
 * Meta: what the dashboard needs to draw each topic.
 * --------------------------------------------------------------------- */

static void s_send_meta(rtdash_pub_t *pub, long interval_ms)
{
    for (size_t i = 0; i < NSERIES; i++) {
        const series_t *s = &s_series[i];
        rtdash_field_meta_t f = {"value", s->title, s->unit, s->color};
        rtdash_meta_t m;
        rtdash_meta_init(&m);
        m.title = s->title;
        m.unit = s->unit;
        m.chart = s->chart;
        m.min = s->min;
        m.max = s->max;
        m.interval_ms = interval_ms;
        m.collector = "demo";
        m.fields = &f;
        m.nfields = 1;
        if (rtdash_pub_meta(pub, s->topic, &m) < 0)
            RLOG_RL(RLOG_WARN, "cannot publish the meta of %s", s->topic);
    }
    /* Events come at irregular times: no interval_ms, so the hub never calls
     * the feed stale. */
    rtdash_meta_t m;
    rtdash_meta_init(&m);
    m.title = "Live feed";
    m.collector = "demo";
    if (rtdash_pub_meta(pub, FEED_TOPIC, &m) < 0)
        RLOG_RL(RLOG_WARN, "cannot publish the meta of %s", FEED_TOPIC);
}

/* ------------------------------------------------------------------------
 * The loop.
 * --------------------------------------------------------------------- */

static volatile sig_atomic_t s_stop;

int main(int argc, char **argv)
{
    const char *hub = NULL;
    long interval_ms = 1000, seed = 0;
    opt_enum_t level = {rlog_level_values, 0, NULL};
    const opt_t table[] = {
        RTDASH_OPT_HUB(&hub),
        {"interval-ms", OPT_INT, "1000", 50, 3600000, &interval_ms,
         "milliseconds between samples, aligned to the wall clock"},
        {"seed", OPT_INT, "0", 0, 2147483647, &seed,
         "random seed: the same seed gives the same values and events (0: from the clock)"},
        RLOG_OPT_LEVEL(&level),
    };
    const size_t ntable = sizeof(table) / sizeof(table[0]);
    rlog_set_prog("rtdash-demo");
    int r = opts_parse(table, ntable, argc, argv, "rtdash-demo [options]", NULL);
    if (r != 0)
        return r > 0 ? 0 : 2;
    rlog_set_level((rlog_level_t)level.value);
    s_rng = seed ? (uint64_t)seed : (uint64_t)rtdash_now_ms() ^ ((uint64_t)getpid() << 32);
    char desc[512];
    (void)opts_describe(table, ntable, desc, sizeof(desc));
    rlog(RLOG_NOTICE, "starting: %s", desc);

    rtdash_pub_t *pub = rtdash_pub_new(hub);
    if (!pub)
        return 1;
    rtdash_stop_on_signals(&s_stop);

    s_series_init();
    uint64_t tick = 0, next_event = 1;
    int64_t last_meta = 0;
    long min_wait = RTDASH_FIRST_TICK_MIN_MS;
    while (rtdash_tick_wait(interval_ms, min_wait, &s_stop)) {
        min_wait = 0;
        int64_t now = rtdash_now_ms();
        if (tick == 0 || now - last_meta >= META_PERIOD_MS || now < last_meta) {
            s_send_meta(pub, interval_ms);
            last_meta = now;
        }
        static const char *const names[] = {"value"};
        for (size_t i = 0; i < NSERIES; i++) {
            series_t *s = &s_series[i];
            if (tick > 0)
                s_series_step(s);
            if (rtdash_pub_sample(pub, s->topic, names, &s->value, 1, now) < 0)
                RLOG_RL(RLOG_WARN, "cannot publish a sample of %s", s->topic);
        }
        if (tick == next_event) {
            char text[256];
            const char *lvl = s_feed_event(text, sizeof(text));
            if (rtdash_pub_event(pub, FEED_TOPIC, lvl, text, now) < 0)
                RLOG_RL(RLOG_WARN, "cannot publish an event of %s", FEED_TOPIC);
            rlog(RLOG_DEBUG, "%s %s: %s", FEED_TOPIC, lvl, text);
            next_event = tick + (uint64_t)s_between(2, 5);
        }
        tick++;
    }
    rlog(RLOG_NOTICE, "stopping");
    rtdash_pub_destroy(&pub);
    return 0;
}
