/* main.c - rtdash-sysmetrics: CPU, memory, swap, load, network and disk from /proc.
 * Settings, the module table, a wall-clock-aligned tick, meta every 10 s.
 * Everything that reads /proc lives in the modules; this file only schedules
 * them and hands their output to the publisher. Never blocks on the hub. */
// SPDX-License-Identifier: MIT
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cpu.h"
#include "disk.h"
#include "load.h"
#include "mem.h"
#include "module.h"
#include "net.h"
#include "opts.h"
#include "rlog.h"
#include "rtclock.h"
#include "rtdash.h"

#define META_PERIOD_NS (10 * 1000000000LL)

static const module_t *const s_modules[] = {&cpu_module, &mem_module, &load_module, &net_module,
                                            &disk_module};
#define NMODULES (sizeof(s_modules) / sizeof(s_modules[0]))

static volatile sig_atomic_t s_stop;

static void s_sample(void *arg, const char *topic, const char *const *names, const double *values,
                     size_t n, int64_t ts_ms)
{
    if (rtdash_pub_sample(arg, topic, names, values, n, ts_ms) < 0)
        RLOG_RL(RLOG_WARN, "cannot publish a sample of %s", topic);
}

static void s_meta(void *arg, const char *topic, const rtdash_meta_t *m)
{
    if (rtdash_pub_meta(arg, topic, m) < 0)
        RLOG_RL(RLOG_WARN, "cannot publish the meta of %s", topic);
}

int main(int argc, char **argv)
{
    const char *hub = NULL, *proc = NULL;
    long interval_ms = 1000;
    opt_enum_t level = {rlog_level_values, 0, NULL};
    const opt_t table[] = {
        RTDASH_OPT_HUB(&hub),
        {"interval-ms", OPT_INT, "1000", 50, 3600000, &interval_ms,
         "milliseconds between readings, aligned to the wall clock"},
        {"proc", OPT_STR, "/proc", 0, 0, &proc,
         "where proc is mounted (a container reads the host's /proc mounted elsewhere)"},
        RLOG_OPT_LEVEL(&level),
    };
    const size_t ntable = sizeof(table) / sizeof(table[0]);
    rlog_set_prog("rtdash-sysmetrics");
    int r = opts_parse(table, ntable, argc, argv, "rtdash-sysmetrics [options]", NULL);
    if (r != 0)
        return r > 0 ? 0 : 2;
    rlog_set_level((rlog_level_t)level.value);
    char desc[1024];
    (void)opts_describe(table, ntable, desc, sizeof(desc));
    rlog(RLOG_NOTICE, "starting: %s", desc);

    rtdash_pub_t *pub = rtdash_pub_new(hub);
    if (!pub)
        return 1;

    module_ctx_t ctx = {
        .proc = proc, .interval_ms = interval_ms, .sample = s_sample, .meta = s_meta, .arg = pub};
    void *state[NMODULES];
    size_t enabled = 0;
    for (size_t i = 0; i < NMODULES; i++) {
        state[i] = s_modules[i]->init(&ctx);
        if (state[i])
            enabled++;
        else
            rlog(RLOG_WARN, "module %s disabled", s_modules[i]->name);
    }
    int status = 0;
    if (!enabled) {
        rlog(RLOG_ERROR, "no module can read %s: exiting", proc);
        status = 1;
    }

    rtdash_stop_on_signals(&s_stop);

    int64_t last_meta = rtclock_mono_ns();
    long min_wait = RTDASH_FIRST_TICK_MIN_MS;
    while (enabled && rtdash_tick_wait(interval_ms, min_wait, &s_stop)) {
        min_wait = 0;
        ctx.ts_ms = rtdash_now_ms();
        ctx.mono_ns = rtclock_mono_ns();
        for (size_t i = 0; i < NMODULES; i++) {
            if (!state[i] || s_modules[i]->collect(state[i], &ctx) == 0)
                continue;
            rlog(RLOG_WARN, "module %s disabled", s_modules[i]->name);
            s_modules[i]->cleanup(state[i]);
            state[i] = NULL;
            if (--enabled == 0)
                rlog(RLOG_ERROR, "every module is disabled: exiting");
        }
        if (ctx.mono_ns - last_meta >= META_PERIOD_NS) {
            last_meta = ctx.mono_ns;
            for (size_t i = 0; i < NMODULES; i++)
                if (state[i])
                    s_modules[i]->send_meta(state[i], &ctx);
        }
    }
    if (enabled == 0 && status == 0)
        status = 1;
    rlog(RLOG_NOTICE, "stopping");
    for (size_t i = 0; i < NMODULES; i++)
        if (s_modules[i] && state[i])
            s_modules[i]->cleanup(state[i]);
    rtdash_pub_destroy(&pub);
    return status;
}
