/* SPDX-License-Identifier: MIT */
/* test_supervisor.c - the collector supervisor with real processes in a real
 * lws loop (no listening port): output lines reach the log with the
 * collector's name, long lines are cut, RTDASH_HUB is the loopback form of
 * the ingest endpoint and RTDASH_COLLECTOR the collector's name, a crashing
 * collector comes back after 1 s then 2 s, the backoff doubles to its cap and
 * resets after a long enough run, a command that cannot run (status 127 at
 * once) is not restarted, and stop ends every process group (SIGKILL for one
 * that ignores SIGTERM). Also: which commands are refused before the start. */
#include "check.h"
#include "rlog.h"
#include "rtclock.h"
#include "supervisor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const struct lws_protocols s_protocols[] = {
    {SUPERVISOR_PROTOCOL, supervisor_callback, 0, 0, 0, NULL, 0}, {NULL, NULL, 0, 0, 0, NULL, 0}};

/* True when pid no longer runs (gone, or a zombie nobody has reaped yet:
 * an orphaned grandchild in a container whose init does not reap). */
static bool s_gone(pid_t pid)
{
    if (kill(pid, 0) < 0 && errno == ESRCH)
        return true;
    char path[64], buf[256];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return true;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    return p && (p[2] == 'Z' || p[2] == 'X');
}

/* Wakes lws_service() every 50 ms, so that the loops below end on time even
 * when the supervisor has no timer pending (after a stop). */
static lws_sorted_usec_list_t s_tick;
static struct lws_context *s_cx;

static void s_tick_cb(lws_sorted_usec_list_t *sul)
{
    lws_sul_schedule(s_cx, 0, sul, s_tick_cb, 50 * LWS_US_PER_MS);
}

/* Open fds of pid: a collector gets stdin, stdout and stderr, nothing of the hub. */
static int s_count_fds(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static struct lws_context *s_context(void)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = s_protocols;
    info.vhost_name = "default";
    lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
    return lws_create_context(&info);
}

static const supervisor_child_t *s_find(const supervisor_t *s, const char *name)
{
    for (size_t i = 0; i < supervisor_count(s); i++)
        if (strcmp(supervisor_child(s, i)->name, name) == 0)
            return supervisor_child(s, i);
    return NULL;
}

/* ---------------------------------------------------------------- pure parts */

static void test_endpoints(void)
{
    char out[64];
    CHECK(supervisor_connect_endpoint("tcp://*:5556", out, sizeof(out)) == 0);
    CHECK_STREQ(out, "tcp://127.0.0.1:5556");
    CHECK(supervisor_connect_endpoint("tcp://0.0.0.0:5557", out, sizeof(out)) == 0);
    CHECK_STREQ(out, "tcp://127.0.0.1:5557");
    CHECK(supervisor_connect_endpoint("tcp://[::]:5558", out, sizeof(out)) == 0);
    CHECK_STREQ(out, "tcp://[::1]:5558");
    CHECK(supervisor_connect_endpoint("tcp://127.0.0.1:5556", out, sizeof(out)) == 0);
    CHECK_STREQ(out, "tcp://127.0.0.1:5556");
    CHECK(supervisor_connect_endpoint("ipc:///run/rtdash.sock", out, sizeof(out)) == 0);
    CHECK_STREQ(out, "ipc:///run/rtdash.sock");
    CHECK(supervisor_connect_endpoint("tcp://*:5556", out, 10) == -1);
}

static void test_names_and_dir(void)
{
    supervisor_t *s = supervisor_new("tcp://127.0.0.1:5556");
    CHECK(s != NULL);
    CHECK(supervisor_add(s, NULL, "  /usr/local/bin/rtdash-demo --interval-ms 200") == 0);
    CHECK(supervisor_add(s, NULL, "rtdash-demo") == 0);
    CHECK(supervisor_add(s, "mine", "echo hi") == 0);
    CHECK(supervisor_add(s, NULL, "   ") == -1);
    CHECK(supervisor_count(s) == 3);
    CHECK_STREQ(supervisor_child(s, 0)->name, "rtdash-demo");
    CHECK_STREQ(supervisor_child(s, 1)->name, "rtdash-demo#2");
    CHECK_STREQ(supervisor_child(s, 2)->name, "mine");
    CHECK_STREQ(supervisor_child(s, 2)->command, "echo hi");
    CHECK(supervisor_child(s, 0)->pid == 0 && supervisor_child(s, 0)->starts == 0);
    CHECK(supervisor_child(s, 3) == NULL);
    /* an interpreter's script names the collector, not the interpreter */
    const char *cmds[][2] = {
        {"/usr/bin/python3 -u collectors/examples/python/processes.py", "processes.py"},
        {"node url-latency.mjs --url http://x/", "url-latency.mjs"},
        {"RTDASH_INTERVAL_MS=500 exec ./bin/rtdash-example-c", "rtdash-example-c"},
        {"sh", "sh"},
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        CHECK(supervisor_add(s, NULL, cmds[i][0]) == 0);
        CHECK_STREQ(supervisor_child(s, supervisor_count(s) - 1)->name, cmds[i][1]);
    }

    char dir[] = "/tmp/rtdash-sv-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    const char *files[] = {"b-collector", "a 'quoted' one", "notes.txt", ".hidden"};
    const mode_t modes[] = {0755, 0755, 0644, 0755};
    char path[256];
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        FILE *f = fopen(path, "w");
        CHECK(f != NULL);
        if (f) {
            fputs("#!/bin/sh\necho hi\n", f);
            fclose(f);
        }
        chmod(path, modes[i]);
    }
    snprintf(path, sizeof(path), "%s/subdir", dir);
    mkdir(path, 0755);
    /* StrictModes (SECURITY.md S6): a world-writable file, a symlink and a
     * file owned by another user are skipped; the others still run */
    const char *bad[] = {"c-writable", "d-link", "e-others"};
    snprintf(path, sizeof(path), "%s/%s", dir, bad[0]);
    FILE *wf = fopen(path, "w");
    if (wf)
        fclose(wf);
    chmod(path, 0777);
    char target[256];
    snprintf(target, sizeof(target), "%s/b-collector", dir);
    snprintf(path, sizeof(path), "%s/%s", dir, bad[1]);
    CHECK(symlink(target, path) == 0);
    snprintf(path, sizeof(path), "%s/%s", dir, bad[2]);
    FILE *of = fopen(path, "w");
    if (of)
        fclose(of);
    chmod(path, 0755);
    bool other = geteuid() == 0 && chown(path, 65534, 65534) == 0; /* nobody, as root */
    if (!other)
        unlink(path);
    CHECK(supervisor_add_dir(s, dir, false) == 2);
    CHECK(supervisor_count(s) == 9);
    CHECK_STREQ(supervisor_child(s, 7)->name, "a 'quoted' one");
    CHECK_STREQ(supervisor_child(s, 8)->name, "b-collector");
    char want[256];
    snprintf(want, sizeof(want), "'%s/a '\\''quoted'\\'' one'", dir);
    CHECK_STREQ(supervisor_child(s, 7)->command, want);
    CHECK(supervisor_add_dir(s, "/nonexistent/rtdash", false) == -1);
    /* with follow, the symlink runs (its target is fine) */
    supervisor_t *s2 = supervisor_new("tcp://127.0.0.1:5556");
    CHECK(supervisor_add_dir(s2, dir, true) == 3);
    supervisor_destroy(&s2);
    /* a directory writable by others: refused whole */
    chmod(dir, 0777);
    s2 = supervisor_new("tcp://127.0.0.1:5556");
    CHECK(supervisor_add_dir(s2, dir, false) == -1);
    supervisor_destroy(&s2);
    chmod(dir, 0700);
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, bad[i]);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/subdir", dir);
    rmdir(path);
    rmdir(dir);
    supervisor_destroy(&s);
    CHECK(s == NULL);
    supervisor_destroy(&s); /* NULL-safe */
}

/* What the shell could not run is refused before the start, with the reason;
 * what this cannot follow passes (its run will tell). */
static void test_check_command(void)
{
    char why[256];
    static const char *const ok[] = {
        "echo boom >&2; exit 7",                         /* builtins */
        "sleep 60",                                      /* on PATH */
        "/bin/sh -c 'echo a,b'",                         /* a path */
        "  RTDASH_INTERVAL_MS=500 X='a b' exec sleep 1", /* assignments, exec */
        "'/bin/true' --x",                               /* quoted */
        "while :; do sleep 1; done",                     /* a keyword */
        "[ -f /x ] && echo y",                           /* `[`: not followed */
        "2>/dev/null nosuch-rtdash-x",                   /* a redirection first: not followed */
        "$HOME/bin/x",                                   /* an expansion: not followed */
        "(cd /tmp && nosuch-rtdash-x)",                  /* a subshell: not followed */
        "f() { x; }; f",                                 /* a function: not followed */
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        int rc = supervisor_check_command(ok[i], why, sizeof(why));
        if (rc != 0)
            fprintf(stderr, "refused: %s (%s)\n", ok[i], why);
        CHECK(rc == 0);
    }
    static const char *const bad[][2] = {
        {"tcp://b:2", "tcp://b:2: No such file or directory"}, /* the rest of a split command */
        {"nosuch-rtdash-x --hub tcp://a:1", "nosuch-rtdash-x: not found (not on PATH, not a "
                                            "shell builtin)"},
        {"X=1 exec \"nosuch rtdash\" a", "nosuch rtdash: not found (not on PATH, not a shell "
                                         "builtin)"},
        {"./nosuch-rtdash-x", "./nosuch-rtdash-x: No such file or directory"},
        {"/tmp --x", "/tmp: is a directory"},
        {"/etc/passwd", "/etc/passwd: not an executable file"},
        {"   ", "the command is empty"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(supervisor_check_command(bad[i][0], why, sizeof(why)) == -1);
        if (strcmp(why, bad[i][1]) != 0)
            fprintf(stderr, "'%s': '%s', want '%s'\n", bad[i][0], why, bad[i][1]);
        CHECK_STREQ(why, bad[i][1]);
    }
}

/* ---------------------------------------------------------------- real processes */

static char *s_read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return strdup("");
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

static void test_processes(void)
{
    char dir[] = "/tmp/rtdash-sv-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char logpath[256], gpidpath[256], cmd[512];
    snprintf(logpath, sizeof(logpath), "%s/log", dir);
    snprintf(gpidpath, sizeof(gpidpath), "%s/gpid", dir);

    /* The hub's log (stderr) goes to a file while the loop runs. */
    fflush(stderr);
    int saved = dup(2);
    int logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(logfd, 2);
    close(logfd);

    struct lws_context *cx = s_context();
    CHECK(cx != NULL);
    s_cx = cx;
    lws_sul_schedule(cx, 0, &s_tick, s_tick_cb, 50 * LWS_US_PER_MS);
    struct lws_vhost *vh = cx ? lws_get_vhost_by_name(cx, "default") : NULL;
    CHECK(vh != NULL);
    supervisor_t *s = supervisor_new("tcp://*:5599");
    supervisor_add(s, "crasher", "echo hello >&2; exit 3");
    snprintf(cmd, sizeof(cmd),
             "echo \"hub=$RTDASH_HUB name=$RTDASH_COLLECTOR\"; sleep 60 & echo $! > %s; wait",
             gpidpath);
    setenv("RTDASH_COLLECTOR", "the hub's own list", 1); /* not what a child sees */
    supervisor_add(s, "runner", cmd);
    supervisor_add(s, "stubborn", "trap '' TERM; echo stubborn; while :; do sleep 0.1; done");
    supervisor_add(s, "longline",
                   "head -c 5000 /dev/zero | tr '\\0' x; echo; echo after; "
                   "printf 'no newline at the end'; exec sleep 60");
    /* cannot run: 127 at once, not restarted; 127 after 2.1 s is a crash */
    supervisor_add(s, "missing", "true; nosuch-rtdash-command");
    supervisor_add(s, "late127", "sleep 2.1; exit 127");
    /* A second supervisor with a quick backoff: 100 ms doubling to 400 ms,
     * reset after a 300 ms run. */
    supervisor_t *q = supervisor_new("tcp://127.0.0.1:5599");
    supervisor_add(q, "quick", "exit 1");
    supervisor_add(q, "steady", "sleep 0.5; exit 0");
    supervisor_set_backoff(q, 100, 400, 300);

    CHECK(supervisor_start(NULL, cx, vh) == -1);
    CHECK(supervisor_start(s, cx, vh) == 0);
    CHECK(supervisor_start(s, cx, vh) == -1); /* once */
    CHECK(supervisor_start(q, cx, vh) == 0);
    const supervisor_child_t *crasher = s_find(s, "crasher"), *runner = s_find(s, "runner");
    const supervisor_child_t *stubborn = s_find(s, "stubborn"), *quick = s_find(q, "quick");
    const supervisor_child_t *steady = s_find(q, "steady");
    CHECK(crasher->pid > 0 && runner->pid > 0 && stubborn->pid > 0);
    const supervisor_child_t *missing = s_find(s, "missing"), *late = s_find(s, "late127");

    /* Run the loop 4.6 s, noting when the crasher and quick start. */
    int64_t t0 = rtclock_mono_ms(), crasher_starts[8] = {0}, quick_starts[32] = {0};
    uint64_t seen_c = 0, seen_q = 0;
    while (rtclock_mono_ms() - t0 < 4600) {
        lws_service(cx, 0);
        if (crasher->starts != seen_c && seen_c < 8)
            crasher_starts[seen_c++] = rtclock_mono_ms() - t0;
        if (quick->starts != seen_q && seen_q < 32)
            quick_starts[seen_q++] = rtclock_mono_ms() - t0;
    }
    pid_t runner_pid = runner->pid, stubborn_pid = stubborn->pid;
    int runner_fds = s_count_fds(runner_pid);
    uint64_t crasher_n = crasher->starts, quick_n = quick->starts, steady_n = steady->starts;
    int crasher_code = crasher->exit_code;
    uint64_t missing_n = missing->starts, late_n = late->starts;
    bool missing_failed = missing->failed, late_failed = late->failed;
    int missing_code = missing->exit_code;
    int64_t missing_next = missing->next_start_ms;
    int64_t q_gaps[3] = {0};
    for (int i = 0; i < 3 && i + 1 < (int)seen_q; i++)
        q_gaps[i] = quick_starts[i + 1] - quick_starts[i];
    /* steady ran 0.5 s each time (> 300 ms): always the first delay, 100 ms,
     * so about one start per 0.6-0.8 s */
    uint64_t steady_starts = steady->starts;

    supervisor_stop(q);
    int64_t t1 = rtclock_mono_ms();
    supervisor_stop(s);
    int64_t stop_ms = rtclock_mono_ms() - t1;
    supervisor_stop(s); /* twice is fine */
    bool all_stopped = crasher->pid == 0 && runner->pid == 0 && stubborn->pid == 0;
    uint64_t after_stop = crasher->starts;
    int64_t t2 = rtclock_mono_ms();
    while (rtclock_mono_ms() - t2 < 1500) /* no restart after stop */
        lws_service(cx, 0);
    lws_sul_cancel(&s_tick);
    lws_context_destroy(cx);
    bool no_restart = crasher->starts == after_stop && crasher->pid == 0;
    jbuf_t m;
    jbuf_init(&m, 1 << 20);
    supervisor_put_metrics(s, &m);
    jbuf_putc(&m, '\0');
    char *metrics = strdup(m.data ? (const char *)jbuf_text(&m) : "");
    jbuf_free(&m);
    supervisor_destroy(&s);
    supervisor_destroy(&q);

    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char *log = s_read_file(logpath);
    char *gp = s_read_file(gpidpath);
    pid_t gpid = (pid_t)atoi(gp);

    /* crasher: start at 0, back after 1 s, then after 2 s more (the reaper
     * notices an exit within 200 ms; the upper bounds leave room for a
     * loaded CI machine, the lower ones are the backoff itself) */
    CHECK(crasher_n == 3);
    CHECK(seen_c == 3);
    if (seen_c == 3) {
        int64_t g1 = crasher_starts[1] - crasher_starts[0],
                g2 = crasher_starts[2] - crasher_starts[1];
        printf("crasher restarts after %lld ms and %lld ms\n", (long long)g1, (long long)g2);
        CHECK(g1 >= 950 && g1 <= 1800);
        CHECK(g2 >= 1950 && g2 <= 2800);
    }
    CHECK(crasher_code == 3);
    CHECK(strstr(log, "[collector crasher] hello\n") != NULL);
    CHECK(strstr(log, "[collector crasher] exited with status 3 after") != NULL);
    CHECK(strstr(log, "restarting in 1.0 s") != NULL);
    CHECK(strstr(log, "restarting in 2.0 s") != NULL);
    CHECK(strstr(log, "[collector runner] hub=tcp://127.0.0.1:5599 name=runner\n") != NULL);
    unsetenv("RTDASH_COLLECTOR");
    /* missing: started once, given up; late127 ran 2.1 s: restarted */
    CHECK(missing_n == 1 && missing_failed && missing_code == 127 && missing_next == 0);
    CHECK(strstr(log, "[collector missing] exited with status 127 after ") != NULL);
    CHECK(strstr(log, "the command cannot run (not found); not restarted") != NULL);
    CHECK(late_n == 2 && !late_failed);
    CHECK(strstr(log, "[collector stubborn] stubborn\n") != NULL);
    /* nothing of the hub's leaks into a collector: stdin, the pipe twice */
    CHECK(runner_fds == 3);
    /* the long line: its first SUPERVISOR_LINE_MAX bytes, marked as cut */
    char want[SUPERVISOR_LINE_MAX + 64];
    int o = snprintf(want, sizeof(want), "[collector longline] ");
    memset(want + o, 'x', SUPERVISOR_LINE_MAX);
    snprintf(want + o + SUPERVISOR_LINE_MAX, sizeof(want) - (size_t)o - SUPERVISOR_LINE_MAX,
             "... (cut)\n");
    CHECK(strstr(log, want) != NULL);
    CHECK(strstr(log, "[collector longline] after\n") != NULL);
    CHECK(strstr(log, "[collector longline] no newline at the end\n") != NULL);

    /* quick: 100, 200, 400, 400 ms (+ the time to notice each exit: a few ms
     * after its output ends, at most 200 ms) */
    printf("quick: %llu starts, gaps %lld %lld %lld ms; steady: %llu starts\n",
           (unsigned long long)quick_n, (long long)q_gaps[0], (long long)q_gaps[1],
           (long long)q_gaps[2], (unsigned long long)steady_n);
    CHECK(q_gaps[0] >= 100 && q_gaps[0] <= 650);
    CHECK(q_gaps[1] >= 200 && q_gaps[1] <= 750);
    CHECK(q_gaps[2] >= 400 && q_gaps[2] <= 950);
    CHECK(quick_n >= 6 && quick_n <= 14);
    CHECK(steady_starts >= 5);

    /* stop: TERM to every group; stubborn ignores it and gets KILL at 3 s */
    printf("stop took %lld ms\n", (long long)stop_ms);
    CHECK(stop_ms >= 2900 && stop_ms <= 5000);
    CHECK(all_stopped);
    CHECK(no_restart);
    CHECK(strstr(log, "[collector stubborn] still running 3 s after SIGTERM: SIGKILL") != NULL);
    CHECK(runner_pid > 0 && s_gone(runner_pid));
    CHECK(stubborn_pid > 0 && s_gone(stubborn_pid));
    CHECK(gpid > 0 && s_gone(gpid)); /* the runner's own child, in its group */
    /* /metrics */
    CHECK(strstr(metrics, "# TYPE rtdash_supervised_up gauge\n") != NULL);
    CHECK(strstr(metrics, "rtdash_supervised_up{name=\"runner\"} 0\n") != NULL);
    CHECK(strstr(metrics, "rtdash_supervised_starts_total{name=\"crasher\"} 3\n") != NULL);
    CHECK(strstr(metrics, "rtdash_supervised_restarts_total{name=\"crasher\"} 2\n") != NULL);
    CHECK(strstr(metrics, "rtdash_supervised_last_exit_code{name=\"crasher\"} 3\n") != NULL);
    CHECK(strstr(metrics, "rtdash_supervised_last_exit_signal{name=\"stubborn\"} 9\n") != NULL);
    CHECK(strstr(metrics, "# TYPE rtdash_supervised_failed gauge\n") != NULL);
    CHECK(strstr(metrics, "rtdash_supervised_failed{name=\"missing\"} 1\n") != NULL);
    CHECK(strstr(metrics, "rtdash_supervised_failed{name=\"crasher\"} 0\n") != NULL);
    CHECK(strstr(metrics, "rtdash_supervised_restarts_total{name=\"missing\"} 0\n") != NULL);
    if (check_failed_)
        fprintf(stderr, "---- log ----\n%s----\n---- metrics ----\n%s----\n", log, metrics);
    free(metrics);
    free(log);
    free(gp);
    unlink(logpath);
    unlink(gpidpath);
    rmdir(dir);
}

int main(void)
{
    rlog_set_prog("test_supervisor");
    test_endpoints();
    test_names_and_dir();
    test_check_command();
    test_processes();
    return CHECK_DONE();
}
