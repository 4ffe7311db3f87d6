/* test_sysmetrics.c - the sysmetrics modules on the fixture trees proc-a and proc-b.
 * The parsers are checked on their own, then every module runs through the
 * module table on a copy of proc-a that is rewritten with proc-b between two
 * ticks 2 s apart, and every published value is checked against the numbers
 * worked out in tests/fixtures/README.md. Usage: test_sysmetrics FIXTURES_DIR */
// SPDX-License-Identifier: MIT
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "cpu.h"
#include "disk.h"
#include "load.h"
#include "mem.h"
#include "module.h"
#include "net.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

static const char *s_fixtures;
static char s_tmp[] = "/tmp/rtdash-sysmetrics-XXXXXX";
static const char *const s_files[] = {"stat", "meminfo", "loadavg", "net/dev", "diskstats"};

/* ---- a sink that records what the modules publish ---- */

#define REC_MAX 256
#define REC_FIELDS 16
typedef struct rec {
    char kind; /* 's' sample, 'm' meta */
    char topic[160];
    size_t n;
    char names[REC_FIELDS][32];
    char labels[REC_FIELDS][32];
    double values[REC_FIELDS];
    int64_t ts;
    char title[64], unit[16], chart[16], collector[32];
    double min, max;
    int64_t interval_ms;
} rec_t;

static rec_t s_recs[REC_MAX];
static size_t s_nrecs;

static void s_copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

static void s_rec_sample(void *arg, const char *topic, const char *const *names,
                         const double *values, size_t n, int64_t ts_ms)
{
    (void)arg;
    if (s_nrecs == REC_MAX)
        abort();
    rec_t *r = &s_recs[s_nrecs++];
    memset(r, 0, sizeof(*r));
    r->kind = 's';
    s_copy(r->topic, sizeof(r->topic), topic);
    r->n = n;
    for (size_t i = 0; i < n && i < REC_FIELDS; i++) {
        s_copy(r->names[i], sizeof(r->names[i]), names[i]);
        r->values[i] = values[i];
    }
    r->ts = ts_ms;
}

static void s_rec_meta(void *arg, const char *topic, const rtdash_meta_t *m)
{
    (void)arg;
    if (s_nrecs == REC_MAX)
        abort();
    rec_t *r = &s_recs[s_nrecs++];
    memset(r, 0, sizeof(*r));
    r->kind = 'm';
    s_copy(r->topic, sizeof(r->topic), topic);
    s_copy(r->title, sizeof(r->title), m->title);
    s_copy(r->unit, sizeof(r->unit), m->unit);
    s_copy(r->chart, sizeof(r->chart), m->chart);
    s_copy(r->collector, sizeof(r->collector), m->collector);
    r->min = m->min;
    r->max = m->max;
    r->interval_ms = m->interval_ms;
    r->n = m->nfields;
    for (size_t i = 0; i < m->nfields && i < REC_FIELDS; i++) {
        s_copy(r->names[i], sizeof(r->names[i]), m->fields[i].name);
        s_copy(r->labels[i], sizeof(r->labels[i]), m->fields[i].label);
    }
}

/* The last record of this kind and topic, or NULL. */
static const rec_t *s_find(char kind, const char *topic)
{
    for (size_t i = s_nrecs; i > 0; i--)
        if (s_recs[i - 1].kind == kind && strcmp(s_recs[i - 1].topic, topic) == 0)
            return &s_recs[i - 1];
    return NULL;
}

static size_t s_count(char kind, const char *prefix)
{
    size_t n = 0;
    for (size_t i = 0; i < s_nrecs; i++)
        n += s_recs[i].kind == kind && strncmp(s_recs[i].topic, prefix, strlen(prefix)) == 0;
    return n;
}

/* The value of a field of the last sample of topic; NAN when absent. */
static double s_field(const char *topic, const char *name)
{
    const rec_t *r = s_find('s', topic);
    for (size_t i = 0; r && i < r->n; i++)
        if (strcmp(r->names[i], name) == 0)
            return r->values[i];
    return NAN;
}

/* ---- fixture files ---- */

/* Caller owns the result. */
static char *s_read(const char *dir, const char *rel, size_t *len)
{
    char path[512];
    int pl = snprintf(path, sizeof(path), "%s/%s", dir, rel);
    FILE *f = pl > 0 && (size_t)pl < sizeof(path) ? fopen(path, "r") : NULL;
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    char *buf = malloc(65536);
    *len = fread(buf, 1, 65535, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* Copy every fixture file of tree ("proc-a") over the temporary tree, in
 * place (same inodes), as the kernel would change them. */
static void s_install(const char *tree)
{
    char src[512], dst[512];
    snprintf(src, sizeof(src), "%s/%s", s_fixtures, tree);
    for (size_t i = 0; i < sizeof(s_files) / sizeof(s_files[0]); i++) {
        size_t len;
        char *data = s_read(src, s_files[i], &len);
        snprintf(dst, sizeof(dst), "%s/%s", s_tmp, s_files[i]);
        FILE *f = fopen(dst, "w");
        if (!f || fwrite(data, 1, len, f) != len)
            exit(1);
        fclose(f);
        free(data);
    }
}

/* ---- parsers ---- */

static void test_parsers(void)
{
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/proc-a", s_fixtures);
    size_t len, top;
    char *d = s_read(dir, "stat", &len);
    cpu_times_t total, cores[4];
    bool present[4];
    CHECK(cpu_parse(d, len, &total, cores, present, 4, &top) == 0);
    CHECK(top == 2 && present[0] && present[1] && !present[2]);
    CHECK(total.user == 10000 && total.nice == 500 && total.system == 3000);
    CHECK(total.idle == 50000 && total.iowait == 1000 && total.irq == 200);
    CHECK(total.softirq == 300 && total.steal == 400);
    CHECK(cores[1].user == 5000 && cores[1].steal == 200);
    /* A core beyond max still counts in top, so the caller can grow. */
    CHECK(cpu_parse(d, len, &total, cores, present, 1, &top) == 0 && top == 2 && present[0]);
    free(d);
    const char *old = "cpu  1 2 3 4\ncpu0 1 2 3 4\n"; /* before iowait existed */
    CHECK(cpu_parse(old, strlen(old), &total, cores, present, 4, &top) == 0);
    CHECK(total.idle == 4 && total.iowait == 0 && total.steal == 0 && top == 1);
    CHECK(cpu_parse("intr 1 2\n", 9, &total, cores, present, 4, &top) == -1);
    CHECK(cpu_parse("cpu 1 x 3 4\n", 12, &total, cores, present, 4, &top) == -1);

    cpu_times_t a = {100, 0, 0, 100, 0, 0, 0, 0}, b = a;
    cpu_pct_t pct;
    cpu_percent(&a, &b, &pct); /* no tick passed */
    CHECK(pct.usage == 0 && pct.user == 0);
    b.iowait = 0;
    a.iowait = 10; /* iowait can go backwards on some kernels */
    b.user = 150;
    b.idle = 150;
    cpu_percent(&a, &b, &pct);
    CHECK(NEAR(pct.usage, 50) && NEAR(pct.user, 50) && pct.iowait == 0);

    d = s_read(dir, "meminfo", &len);
    mem_info_t mi;
    CHECK(mem_parse(d, len, &mi) == 0);
    CHECK(mi.total == 16000000ull * 1024 && mi.available == 12000000ull * 1024);
    CHECK(mi.swap_total == 4000000ull * 1024 && mi.swap_free == 3000000ull * 1024);
    free(d);
    const char *no_avail = "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 20 kB\nCached: 30 kB\n";
    CHECK(mem_parse(no_avail, strlen(no_avail), &mi) == 0);
    CHECK(mi.available == 150 * 1024 && mi.swap_total == 0);
    mem_values_t mv;
    mem_compute(&mi, &mv);
    CHECK(NEAR(mv.percent, 85) && mv.swap_percent == 0 && mv.used == 850 * 1024);
    mi.available = mi.total + 1; /* odd containers: never a negative "used" */
    mem_compute(&mi, &mv);
    CHECK(mv.used == 0 && mv.percent == 0);
    CHECK(mem_parse("MemFree: 1 kB\n", 14, &mi) == -1);

    double l[3];
    d = s_read(dir, "loadavg", &len);
    CHECK(load_parse(d, len, l) == 0 && l[0] == 0.5 && l[1] == 0.4 && l[2] == 0.3);
    free(d);
    CHECK(load_parse("0.1 0.2\n", 8, l) == -1);
    CHECK(load_parse("a b c\n", 6, l) == -1);

    CHECK(disk_parent_len("sda1", 4) == 3);
    CHECK(disk_parent_len("sda", 3) == 0);
    CHECK(disk_parent_len("nvme0n1p2", 9) == 7);
    CHECK(disk_parent_len("nvme0n1", 7) == 6); /* "nvme0n": never listed */
    CHECK(disk_parent_len("mmcblk0p12", 10) == 7);
    CHECK(disk_parent_len("md127", 5) == 2);
    CHECK(disk_parent_len("123", 3) == 0);

    char t[200];
    CHECK(module_topic(t, sizeof(t), "system.net.", "wlan0.1", 7) == 0);
    CHECK_STREQ(t, "system.net.wlan0_1");
    CHECK(module_topic(t, sizeof(t), "system.disk.", "cciss/c0d0", 10) == 0);
    CHECK_STREQ(t, "system.disk.cciss_c0d0");
    CHECK(module_topic(t, sizeof(t), "system.net.", "", 0) == -1);
    char longname[300];
    memset(longname, 'x', sizeof(longname));
    CHECK(module_topic(t, sizeof(t), "system.net.", longname, sizeof(longname)) == 0);
    CHECK(strlen(t) == 128);
    CHECK(module_rate(100, 300, 2000000000) == 100);
    CHECK(module_rate(300, 100, 2000000000) == -1 && module_rate(1, 2, 0) == -1);
}

/* Parsers that call back once per device. */
static int s_visits;
static char s_visited[512];
static void s_visit(void *arg, const char *name, size_t len, uint64_t a, uint64_t b)
{
    (void)arg;
    (void)a;
    (void)b;
    s_visits++;
    strncat(s_visited, name, len);
    strcat(s_visited, " ");
}

static void test_device_parsers(void)
{
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/proc-a", s_fixtures);
    size_t len;
    char *d = s_read(dir, "net/dev", &len);
    s_visits = 0;
    s_visited[0] = '\0';
    CHECK(net_parse(d, len, s_visit, NULL) == 5 && s_visits == 5);
    CHECK_STREQ(s_visited, "eth0 eth1 eth2 wlan0.1 veth1 ");
    free(d);
    d = s_read(dir, "diskstats", &len);
    s_visits = 0;
    s_visited[0] = '\0';
    CHECK(disk_parse(d, len, s_visit, NULL) == 8);
    CHECK_STREQ(s_visited, "sda sda1 sdb1 nvme0n1 nvme0n1p1 mmcblk0 mmcblk0p1 dm-0 ");
    free(d);
}

/* ---- the modules through the module table ---- */

static const module_t *const s_modules[] = {&cpu_module, &mem_module, &load_module, &net_module,
                                            &disk_module};
#define NMOD (sizeof(s_modules) / sizeof(s_modules[0]))

static void s_tick(module_ctx_t *ctx, void **state, int64_t mono_ns)
{
    ctx->mono_ns = mono_ns;
    ctx->ts_ms = 1700000000000 + mono_ns / 1000000;
    s_nrecs = 0;
    for (size_t i = 0; i < NMOD; i++)
        CHECK(s_modules[i]->collect(state[i], ctx) == 0);
}

static void s_check_meta(const char *topic, const char *chart, const char *unit, size_t nfields)
{
    const rec_t *m = s_find('m', topic);
    CHECK(m != NULL);
    if (!m) {
        fprintf(stderr, "  no meta for %s\n", topic);
        return;
    }
    CHECK_STREQ(m->chart, chart);
    CHECK_STREQ(m->unit, unit);
    CHECK(m->n == nfields);
    CHECK(m->interval_ms == 500);
    CHECK_STREQ(m->collector, "sysmetrics");
    CHECK(m->title[0] != '\0');
}

static void test_modules(void)
{
    char sub[600];
    snprintf(sub, sizeof(sub), "%s/net", s_tmp);
    mkdir(sub, 0700);
    s_install("proc-a");
    module_ctx_t ctx = {
        .proc = s_tmp, .interval_ms = 500, .sample = s_rec_sample, .meta = s_rec_meta};
    void *state[NMOD];
    for (size_t i = 0; i < NMOD; i++) {
        state[i] = s_modules[i]->init(&ctx);
        CHECK(state[i] != NULL);
        if (!state[i])
            return;
    }

    /* Tick 1: levels published, rates not yet; meta for every topic seen. */
    s_tick(&ctx, state, 1000000000);
    CHECK(s_find('s', "system.cpu") == NULL && s_find('s', "system.cpu.cores") == NULL);
    CHECK(s_count('s', "system.net.") == 0 && s_count('s', "system.disk.") == 0);
    CHECK(s_field("system.memory", "total") == 16000000.0 * 1024);
    CHECK(s_field("system.memory", "available") == 12000000.0 * 1024);
    CHECK(s_field("system.memory", "used") == 4000000.0 * 1024);
    CHECK(NEAR(s_field("system.memory", "percent"), 25));
    CHECK(s_field("system.swap", "used") == 1000000.0 * 1024);
    CHECK(s_field("system.swap", "total") == 4000000.0 * 1024);
    CHECK(NEAR(s_field("system.swap", "percent"), 25));
    CHECK(s_field("system.load", "load1") == 0.5 && s_field("system.load", "load15") == 0.3);
    CHECK(s_find('s', "system.load")->ts == 1700000001000);

    s_check_meta("system.cpu", "area", "%", 5);
    const rec_t *m = s_find('m', "system.cpu");
    CHECK(m && m->min == 0 && m->max == 100 && strcmp(m->names[0], "usage") == 0);
    s_check_meta("system.cpu.cores", "line", "%", 2);
    m = s_find('m', "system.cpu.cores");
    CHECK(m && strcmp(m->names[1], "cpu1") == 0 && strcmp(m->labels[1], "CPU 1") == 0);
    s_check_meta("system.memory", "gauge", "bytes", 4);
    m = s_find('m', "system.memory");
    CHECK(m && m->min == 0 && m->max == 16000000.0 * 1024);
    s_check_meta("system.swap", "gauge", "bytes", 3);
    s_check_meta("system.load", "line", "", 3);
    const char *nets[] = {"eth0", "eth1", "eth2", "wlan0_1", "veth1"};
    for (size_t i = 0; i < 5; i++) {
        char t[64];
        snprintf(t, sizeof(t), "system.net.%s", nets[i]);
        s_check_meta(t, "line", "B/s", 2);
    }
    CHECK(s_count('m', "system.net.") == 5); /* not lo */
    const char *disks[] = {"sda", "sdb1", "nvme0n1", "mmcblk0", "dm-0"};
    for (size_t i = 0; i < 5; i++) {
        char t[64];
        snprintf(t, sizeof(t), "system.disk.%s", disks[i]);
        s_check_meta(t, "line", "B/s", 2);
    }
    CHECK(s_count('m', "system.disk.") == 5); /* no partition of a listed disk, no loop/ram */
    m = s_find('m', "system.disk.sda");
    CHECK(m && strcmp(m->title, "Disk sda") == 0 && strcmp(m->names[0], "read") == 0);

    /* Tick 2, 2 s later, on proc-b. */
    s_install("proc-b");
    s_tick(&ctx, state, 3000000000);
    CHECK(NEAR(s_field("system.cpu", "usage"), 45));
    CHECK(NEAR(s_field("system.cpu", "user"), 25));
    CHECK(NEAR(s_field("system.cpu", "system"), 15));
    CHECK(NEAR(s_field("system.cpu", "iowait"), 5));
    CHECK(NEAR(s_field("system.cpu", "steal"), 5));
    CHECK(NEAR(s_field("system.cpu.cores", "cpu0"), 50));
    CHECK(NEAR(s_field("system.cpu.cores", "cpu1"), 40));
    CHECK(isnan(s_field("system.cpu.cores", "cpu2"))); /* new: no previous reading */
    s_check_meta("system.cpu.cores", "line", "%", 3);  /* re-announced with cpu2 */
    CHECK(s_find('m', "system.cpu") == NULL);          /* unchanged: not re-sent */

    CHECK(s_field("system.memory", "used") == 6000000.0 * 1024);
    CHECK(NEAR(s_field("system.memory", "percent"), 37.5));
    CHECK(s_field("system.swap", "total") == 0 && s_field("system.swap", "percent") == 0);
    m = s_find('m', "system.swap"); /* swap size changed: re-announced without max */
    CHECK(m && isnan(m->max));
    CHECK(s_field("system.load", "load1") == 1.25 && s_field("system.load", "load5") == 0.75);

    CHECK(s_field("system.net.eth0", "rx") == 1000000 && s_field("system.net.eth0", "tx") == 50000);
    CHECK(s_field("system.net.eth1", "rx") == 500 && s_field("system.net.eth1", "tx") == 1000);
    CHECK(s_find('s', "system.net.eth2") == NULL); /* counter reset */
    CHECK(s_field("system.net.wlan0_1", "rx") == 2048 && s_field("system.net.wlan0_1", "tx") == 0);
    CHECK(s_find('s', "system.net.veth1") == NULL && s_find('s', "system.net.lo") == NULL);
    CHECK(s_find('s', "system.net.docker0") == NULL);
    s_check_meta("system.net.docker0", "line", "B/s", 2);
    CHECK(s_count('m', "system.net.") == 1);
    CHECK(s_count('s', "system.net.") == 3);

    CHECK(s_field("system.disk.sda", "read") == 1024000);
    CHECK(s_field("system.disk.sda", "write") == 512000);
    CHECK(s_field("system.disk.sdb1", "read") == 0 &&
          s_field("system.disk.sdb1", "write") == 524288);
    CHECK(s_field("system.disk.nvme0n1", "read") == 2048000);
    CHECK(s_field("system.disk.nvme0n1", "write") == 0);
    CHECK(s_field("system.disk.mmcblk0", "read") == 0 && s_field("system.disk.dm-0", "write") == 0);
    CHECK(s_find('s', "system.disk.sda1") == NULL && s_find('s', "system.disk.loop0") == NULL);
    CHECK(s_find('s', "system.disk.sdc") == NULL);
    s_check_meta("system.disk.sdc", "line", "B/s", 2);
    CHECK(s_count('s', "system.disk.") == 5);
    CHECK(s_find('s', "system.disk.sda")->ts == 1700000003000);

    /* The 10 s re-announcement covers every current topic and no other. */
    s_nrecs = 0;
    for (size_t i = 0; i < NMOD; i++)
        s_modules[i]->send_meta(state[i], &ctx);
    CHECK(s_count('m', "") == 5 + 5 + 6); /* 5 system + net eth0,1,2 wlan0_1 docker0 + 6 disks */
    CHECK(s_find('m', "system.net.veth1") == NULL && s_find('m', "system.net.docker0") != NULL);
    CHECK(s_find('m', "system.cpu.cores")->n == 3);

    /* Tick 3, nothing changed in 1 s: zero rates; eth2 has a baseline again. */
    s_tick(&ctx, state, 4000000000);
    CHECK(NEAR(s_field("system.cpu", "usage"), 0));
    CHECK(s_field("system.net.eth0", "rx") == 0 && s_field("system.net.eth2", "rx") == 0);
    CHECK(s_field("system.disk.sdc", "read") == 0);
    CHECK(s_count('m', "") == 0);

    /* A file that vanishes is a transient failure; it is reopened when back. */
    char path[600];
    snprintf(path, sizeof(path), "%s/loadavg", s_tmp);
    unlink(path);
    s_tick(&ctx, state, 5000000000);
    CHECK(s_find('s', "system.load") == NULL && s_find('s', "system.memory") != NULL);
    s_install("proc-a");
    s_tick(&ctx, state, 6000000000);
    CHECK(s_field("system.load", "load1") == 0.5);

    for (size_t i = 0; i < NMOD; i++)
        s_modules[i]->cleanup(state[i]);
    for (size_t i = 0; i < NMOD; i++)
        s_modules[i]->cleanup(NULL); /* NULL-safe */
}

/* <proc>/1/net/dev (init's network namespace) wins over <proc>/net/dev. */
static void test_net_prefers_init_namespace(void)
{
    char path[700];
    const char *dev = "Inter-|\n face |\n  host0: 1 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0\n";
    snprintf(path, sizeof(path), "%s/ns", s_tmp);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/ns/1", s_tmp);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/ns/1/net", s_tmp);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/ns/1/net/dev", s_tmp);
    FILE *f = fopen(path, "w");
    if (!f || fputs(dev, f) < 0)
        exit(1);
    fclose(f);
    snprintf(path, sizeof(path), "%s/ns", s_tmp);
    module_ctx_t ctx = {
        .proc = path, .interval_ms = 500, .sample = s_rec_sample, .meta = s_rec_meta, .mono_ns = 1};
    void *st = net_module.init(&ctx);
    CHECK(st != NULL);
    s_nrecs = 0;
    CHECK(st && net_module.collect(st, &ctx) == 0);
    CHECK(s_find('m', "system.net.host0") != NULL && s_count('m', "") == 1);
    net_module.cleanup(st);
}

static void test_init_fails_without_proc(void)
{
    module_ctx_t ctx = {.proc = "/nonexistent/rtdash",
                        .interval_ms = 1000,
                        .sample = s_rec_sample,
                        .meta = s_rec_meta};
    for (size_t i = 0; i < NMOD; i++)
        CHECK(s_modules[i]->init(&ctx) == NULL);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FIXTURES_DIR\n", argv[0]);
        return 2;
    }
    s_fixtures = argv[1];
    if (!mkdtemp(s_tmp)) {
        perror("mkdtemp");
        return 1;
    }
    test_parsers();
    test_device_parsers();
    test_modules();
    test_net_prefers_init_namespace();
    test_init_fails_without_proc();
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s_tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", s_tmp);
    return CHECK_DONE();
}
