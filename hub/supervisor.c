/* SPDX-License-Identifier: MIT */
/* supervisor.c - collector processes started, logged, reaped and restarted
 * from inside the hub's lws loop (no threads, no SIGCHLD handler).
 *
 * A child is forked into its own process group so that stopping it also stops
 * whatever it started (a pipeline, a shell's children). Between fork() and
 * exec the child only calls async-signal-safe functions: the hub has ZeroMQ
 * threads, so the environment is built before fork(). Each start has its own
 * pipe (a pipe_t): the previous one may still be open when the next start
 * happens (a grandchild holding it), and is freed when lws closes it. */
#include "supervisor.h"
#include "curvekey.h"
#include "prom.h"
#include "rlog.h"
#include "rtclock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REAP_PERIOD_US (200 * LWS_US_PER_MS)
#define REAP_FAST_US (5 * LWS_US_PER_MS) /* for 1 s after a child's output ended */
#define STOP_GRACE_MS 3000
#define NAME_MAX_LEN 64
#define LOG_BURST 100 /* lines per LOG_PERIOD_MS per collector: a chatty one cannot flood */
#define LOG_PERIOD_MS 10000

extern char **environ;

typedef struct child child_t;

/* The read end of one start's stdout+stderr pipe, adopted into lws. */
typedef struct pipe {
    child_t *child; /* NULL once the supervisor is gone */
    struct lws *wsi;
    int fd;
    struct pipe *next; /* every open pipe of the supervisor */
    size_t len;        /* bytes of the current line in line[] */
    bool cut;          /* the current line was too long: discard to its end */
    char line[SUPERVISOR_LINE_MAX + 1];
} pipe_t;

struct child {
    supervisor_child_t pub; /* first: what supervisor_child() returns */
    char name[NAME_MAX_LEN];
    char *command;
    char *keyfile; /* its CURVE key file (owned path), or NULL */
    supervisor_t *sv;
    pipe_t *pipe; /* the current start's pipe, NULL when closed */
    int64_t started_mono;
    int64_t eof_mono;   /* when its output ended: it is probably exiting */
    int64_t backoff_ms; /* the next restart delay */
    lws_sorted_usec_list_t sul_restart;
    rlog_rl_t rl;
};

struct supervisor {
    char hub[256];                           /* RTDASH_HUB for the children */
    char curve_server[CURVEKEY_Z85_LEN + 1]; /* the hub's public key; "" without CURVE */
    char *keydir; /* owned: the children's key files are in it, or NULL */
    bool as_user; /* children run as uid/gid/groups (--collector-user) */
    uid_t uid;
    gid_t gid;
    gid_t *groups; /* owned */
    int ngroups;
    opt_list_t env_names; /* --collector-env: more variables the children get */
    child_t **v;
    size_t n, cap;
    struct lws_context *cx;
    struct lws_vhost *vh;
    pipe_t *pipes;
    bool started, stopped;
    int64_t first_ms, max_ms, reset_ms;
    lws_sorted_usec_list_t sul_reap;
};

/* ------------------------------------------------------------------------
 * Set-up.
 * --------------------------------------------------------------------- */

int supervisor_connect_endpoint(const char *bind, char *out, size_t size)
{
    static const struct {
        const char *from, *to;
    } any[] = {{"tcp://*:", "tcp://127.0.0.1:"},
               {"tcp://0.0.0.0:", "tcp://127.0.0.1:"},
               {"tcp://[::]:", "tcp://[::1]:"},
               {"tcp://[*]:", "tcp://[::1]:"}};
    for (size_t i = 0; i < sizeof(any) / sizeof(any[0]); i++) {
        size_t n = strlen(any[i].from);
        if (strncmp(bind, any[i].from, n) == 0) {
            int w = snprintf(out, size, "%s%s", any[i].to, bind + n);
            return w < 0 || (size_t)w >= size ? -1 : 0;
        }
    }
    int w = snprintf(out, size, "%s", bind);
    return w < 0 || (size_t)w >= size ? -1 : 0;
}

supervisor_t *supervisor_new(const char *ingest_endpoint)
{
    supervisor_t *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    if (supervisor_connect_endpoint(ingest_endpoint, s->hub, sizeof(s->hub)) < 0)
        rlog(RLOG_WARN, "supervisor: ingest endpoint too long for RTDASH_HUB: %s", ingest_endpoint);
    s->first_ms = 1000;
    s->max_ms = 30000;
    s->reset_ms = 60000;
    return s;
}

void supervisor_set_backoff(supervisor_t *s, int64_t first_ms, int64_t max_ms,
                            int64_t reset_after_ms)
{
    s->first_ms = first_ms;
    s->max_ms = max_ms;
    s->reset_ms = reset_after_ms;
    for (size_t i = 0; i < s->n; i++)
        s->v[i]->backoff_ms = first_ms;
}

static bool s_name_taken(const supervisor_t *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i]->name, name) == 0)
            return true;
    return false;
}

/* The name shown in the log: the base name of the command's program, or of
 * the script an interpreter runs ("python3 -u x/processes.py" is
 * "processes.py"); variable assignments and options are skipped. */
static void s_derive_name(const char *command, char *out, size_t size)
{
    static const char *const runners[] = {"sh",      "bash", "dash",   "env",    "exec", "nice",
                                          "nohup",   "node", "python", "perl",   "ruby", "php",
                                          "python3", "deno", "stdbuf", "timeout"};
    const char *first = NULL, *pick = NULL;
    size_t first_n = 0, pick_n = 0;
    const char *p = command;
    while (*p && !pick) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *end = p;
        while (*end && *end != ' ' && *end != '\t')
            end++;
        const char *base = p;
        for (const char *q = p; q < end; q++)
            if (*q == '/')
                base = q + 1;
        /* quotes around a word are not part of the name */
        const char *stop = end;
        while (stop > base && (stop[-1] == '\'' || stop[-1] == '"'))
            stop--;
        while (base < stop && (*base == '\'' || *base == '"'))
            base++;
        size_t n = (size_t)(stop - base);
        bool skip = n == 0 || *p == '-' || memchr(p, '=', (size_t)(end - p)) != NULL;
        for (size_t k = 0; !skip && k < sizeof(runners) / sizeof(runners[0]); k++)
            skip = strlen(runners[k]) == n && memcmp(base, runners[k], n) == 0;
        if (n && !first) {
            first = base;
            first_n = n;
        }
        if (!skip) {
            pick = base;
            pick_n = n;
        }
        p = end;
    }
    if (!pick) {
        pick = first ? first : "collector";
        pick_n = first ? first_n : strlen(pick);
    }
    snprintf(out, size, "%.*s", (int)(pick_n < size ? pick_n : size - 1), pick);
}

int supervisor_add(supervisor_t *s, const char *name, const char *command)
{
    if (!command || !command[strspn(command, " \t")]) {
        rlog(RLOG_ERROR, "supervisor: empty collector command");
        return -1;
    }
    if (s->started) {
        rlog(RLOG_ERROR, "supervisor: collectors are added before the start");
        return -1;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        child_t **v = realloc(s->v, cap * sizeof(*v));
        if (!v)
            goto oom;
        s->v = v;
        s->cap = cap;
    }
    child_t *c = calloc(1, sizeof(*c));
    if (!c)
        goto oom;
    c->command = strdup(command);
    if (!c->command) {
        free(c);
        goto oom;
    }
    char base[NAME_MAX_LEN - 12]; /* room for "#N" */
    if (name && *name)
        snprintf(base, sizeof(base), "%s", name);
    else
        s_derive_name(command, base, sizeof(base));
    snprintf(c->name, sizeof(c->name), "%s", base);
    for (int k = 2; s_name_taken(s, c->name); k++)
        snprintf(c->name, sizeof(c->name), "%s#%d", base, k);
    c->sv = s;
    c->backoff_ms = s->first_ms;
    c->pub.name = c->name;
    c->pub.command = c->command;
    c->pub.exit_code = -1;
    s->v[s->n++] = c;
    return 0;
oom:
    rlog(RLOG_ERROR, "supervisor: out of memory");
    return -1;
}

/* ------------------------------------------------------------------------
 * Can the shell run a command? Checked before the start.
 * --------------------------------------------------------------------- */

static bool s_is_name(const char *s, size_t n)
{
    if (!n || !(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!(s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= '0' && s[i] <= '9')))
            return false;
    return true;
}

/* The first word of a /bin/sh -c command that names a program, unquoted,
 * into out: variable assignments (NAME=value) and `exec` are skipped. Returns
 * 1 when found; 0 when the command starts with what this does not follow (an
 * operator, `(`, a redirection, an expansion, a glob, a function definition,
 * an unfinished quote); -1 when the word does not fit in out. */
static int s_first_program(const char *cmd, char *out, size_t size)
{
    const char *p = cmd;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        size_t n = 0;
        bool quoted = false, assign = false;
        while (*p && !strchr(" \t\n;&|<>()", *p)) {
            char ch = *p++;
            if (ch == '\'' || ch == '"') { /* '...' is literal; "..." too, bar expansions */
                quoted = true;
                while (*p && *p != ch) {
                    if (ch == '"' && !assign && (*p == '$' || *p == '`'))
                        return 0;
                    if (ch == '"' && *p == '\\' && p[1] && strchr("$`\"\\\n", p[1]))
                        p++;
                    if (!assign && n + 1 < size)
                        out[n] = *p;
                    n++;
                    p++;
                }
                if (*p++ != ch)
                    return 0;
                continue;
            }
            if (ch == '\\') {
                if (!*p)
                    return 0;
                ch = *p++;
                quoted = true;
            } else if (!assign && strchr("$`*?[~", ch)) {
                return 0;
            } else if (ch == '=' && !assign && !quoted && s_is_name(out, n < size ? n : 0)) {
                assign = true;
            }
            if (!assign && n + 1 < size)
                out[n] = ch;
            n++;
        }
        if (n == 0 || *p == '(')
            return 0;
        if (*p == '<' || *p == '>') /* "2>file cmd": a redirection first */
            return 0;
        if (assign)
            continue;
        if (n >= size)
            return -1;
        out[n] = '\0';
        if (!quoted && strcmp(out, "exec") == 0)
            continue;
        return 1;
    }
}

/* An executable regular file? */
static bool s_executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* prog (no '/') is an executable file in a directory of PATH. */
static bool s_on_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"; /* sh's */
    while (1) {
        const char *end = strchr(path, ':');
        size_t len = end ? (size_t)(end - path) : strlen(path);
        char file[4096];
        int w = len ? snprintf(file, sizeof(file), "%.*s/%s", (int)len, path, prog)
                    : snprintf(file, sizeof(file), "%s", prog); /* empty: the current directory */
        if (w > 0 && (size_t)w < sizeof(file) && s_executable(file))
            return true;
        if (!end)
            return false;
        path = end + 1;
    }
}

/* /bin/sh knows word as a builtin or a keyword (`command -v`). True as well
 * when the shell cannot be asked: the run will tell. */
static bool s_shell_knows(const char *word)
{
    char *const argv[] = {"sh", "-c",         "command -v -- \"$1\" >/dev/null 2>&1",
                          "sh", (char *)word, NULL};
    pid_t pid;
    if (posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ) != 0)
        return true;
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return true;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int supervisor_check_command(const char *command, char *why, size_t size)
{
    char prog[1024];
    if (size)
        why[0] = '\0';
    if (!command || !command[strspn(command, " \t\n")]) {
        snprintf(why, size, "the command is empty");
        return -1;
    }
    int r = s_first_program(command, prog, sizeof(prog));
    if (r == 0)
        return 0;
    if (r < 0) {
        snprintf(why, size, "its program's name is longer than %zu bytes", sizeof(prog) - 1);
        return -1;
    }
    if (strchr(prog, '/')) {
        struct stat st;
        if (stat(prog, &st) != 0)
            snprintf(why, size, "%s: %s", prog, strerror(errno));
        else if (S_ISDIR(st.st_mode))
            snprintf(why, size, "%s: is a directory", prog);
        else if (!S_ISREG(st.st_mode) || access(prog, X_OK) != 0)
            snprintf(why, size, "%s: not an executable file", prog);
        else
            return 0;
        return -1;
    }
    if (s_on_path(prog) || s_shell_knows(prog))
        return 0;
    snprintf(why, size, "%s: not found (not on PATH, not a shell builtin)", prog);
    return -1;
}

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* path between single quotes for /bin/sh, each ' written as '\'' */
static char *s_shell_quote(const char *path)
{
    size_t n = 3;
    for (const char *p = path; *p; p++)
        n += *p == '\'' ? 4 : 1;
    char *out = malloc(n);
    if (!out)
        return NULL;
    char *o = out;
    *o++ = '\'';
    for (const char *p = path; *p; p++) {
        if (*p == '\'') {
            memcpy(o, "'\\''", 4);
            o += 4;
        } else {
            *o++ = *p;
        }
    }
    *o++ = '\'';
    *o = '\0';
    return out;
}

/* Why path (an entry of a collectors directory) must not run, or NULL. */
static const char *s_admit(const char *path, bool follow)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return strerror(errno);
    if (S_ISLNK(st.st_mode)) {
        if (!follow)
            return "a symlink (--collectors-follow-symlinks to run them)";
        if (stat(path, &st) != 0)
            return "a symlink to nothing";
    }
    if (!S_ISREG(st.st_mode))
        return "not a regular file";
    if (st.st_uid != geteuid() && st.st_uid != 0)
        return "owned by another user";
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return "writable by group or others";
    if (access(path, X_OK) != 0)
        return "not executable";
    return NULL;
}

int supervisor_add_dir(supervisor_t *s, const char *dir, bool follow_symlinks)
{
    struct stat dst;
    if (stat(dir, &dst) == 0 && S_ISDIR(dst.st_mode) && (dst.st_mode & (S_IWGRP | S_IWOTH))) {
        rlog(RLOG_ERROR,
             "supervisor: the collectors directory %s is writable by group or "
             "others: anyone could plant a collector there (chmod go-w)",
             dir);
        return -1;
    }
    DIR *d = opendir(dir);
    if (!d) {
        rlog(RLOG_ERROR, "supervisor: cannot read the collectors directory %s: %s", dir,
             strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int added = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **v = realloc(names, cap * sizeof(*v));
            if (!v)
                break;
            names = v;
        }
        if (!(names[n] = strdup(e->d_name)))
            break;
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), s_cmp_str);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        int w = snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        const char *why =
            w > 0 && (size_t)w < sizeof(path) ? s_admit(path, follow_symlinks) : "a path too long";
        if (!why) {
            char *cmd = s_shell_quote(path);
            if (cmd && supervisor_add(s, names[i], cmd) == 0)
                added++;
            free(cmd);
        } else {
            rlog(RLOG_WARN, "supervisor: %s skipped: %s", path, why);
        }
        free(names[i]);
    }
    free(names);
    if (added == 0)
        rlog(RLOG_WARN, "supervisor: no executable file in %s", dir);
    return added;
}

int supervisor_set_child(supervisor_t *s, const char *user, const opt_list_t *env_names)
{
    if (env_names)
        s->env_names = *env_names;
    if (!user || !*user)
        return 0;
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        rlog(RLOG_ERROR, "supervisor: --collector-user %s: no such user", user);
        return -1;
    }
    int ng = 64;
    gid_t *g = malloc((size_t)ng * sizeof(*g));
    if (g && getgrouplist(user, pw->pw_gid, g, &ng) < 0) {
        gid_t *more = realloc(g, (size_t)ng * sizeof(*g));
        if (!more || getgrouplist(user, pw->pw_gid, more, &ng) < 0) {
            free(more ? more : g);
            g = NULL;
        } else {
            g = more;
        }
    }
    if (!g) {
        rlog(RLOG_ERROR, "supervisor: --collector-user %s: cannot read its groups", user);
        return -1;
    }
    free(s->groups);
    s->groups = g;
    s->ngroups = ng;
    s->uid = pw->pw_uid;
    s->gid = pw->pw_gid;
    s->as_user = true;
    if (pw->pw_uid == 0)
        rlog(RLOG_WARN, "supervisor: collectors run as root (--collector-user %s)", user);
    return 0;
}

size_t supervisor_count(const supervisor_t *s)
{
    return s ? s->n : 0;
}

const supervisor_child_t *supervisor_child(const supervisor_t *s, size_t i)
{
    return s && i < s->n ? &s->v[i]->pub : NULL;
}

/* name{name="..."} v, the label value escaped as Prometheus wants */
static void s_metric_line(jbuf_t *o, const char *metric, const char *name, int64_t v)
{
    jbuf_puts(o, metric);
    jbuf_puts(o, "{name=\"");
    prom_label(o, name);
    jbuf_puts(o, "\"} ");
    jbuf_put_i64(o, v);
    jbuf_putc(o, '\n');
}

void supervisor_put_metrics(const supervisor_t *s, jbuf_t *o)
{
    static const struct {
        const char *name, *type, *help;
    } m[] = {
        {"rtdash_supervised_up", "gauge", "Supervised collector running (1) or not (0)."},
        {"rtdash_supervised_starts_total", "counter", "Times the collector was started."},
        {"rtdash_supervised_restarts_total", "counter", "Times the collector was restarted."},
        {"rtdash_supervised_last_exit_code", "gauge",
         "Exit status of the collector's last run (-1: none yet or killed by a signal)."},
        {"rtdash_supervised_last_exit_signal", "gauge",
         "Signal that ended the collector's last run (0: none)."},
        {"rtdash_supervised_log_lines_dropped_total", "counter",
         "Output lines of the collector not logged (rate limit)."},
        {"rtdash_supervised_failed", "gauge",
         "1: the collector's command could not run (exit 126 or 127 at once) and it is not "
         "restarted."},
    };
    if (!s || !s->n)
        return;
    for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
        prom_head(o, m[k].name, m[k].type, m[k].help);
        for (size_t i = 0; i < s->n; i++) {
            const supervisor_child_t *c = &s->v[i]->pub;
            int64_t v = k == 0   ? c->pid != 0
                        : k == 1 ? (int64_t)c->starts
                        : k == 2 ? (c->starts ? (int64_t)c->starts - 1 : 0)
                        : k == 3 ? c->exit_code
                        : k == 4 ? c->exit_signal
                        : k == 5 ? (int64_t)c->lines_dropped
                                 : c->failed;
            s_metric_line(o, m[k].name, c->name, v);
        }
    }
}

/* ------------------------------------------------------------------------
 * Output: lines of the pipe into the log.
 * --------------------------------------------------------------------- */

static void s_log_line(child_t *c, const char *line, size_t len, bool cut)
{
    if (len && line[len - 1] == '\r') /* CRLF output */
        len--;
    uint32_t suppressed;
    if (!rlog_rl_allow(&c->rl, LOG_BURST, LOG_PERIOD_MS, &suppressed)) {
        c->pub.lines_dropped++;
        return;
    }
    c->pub.lines++;
    if (suppressed)
        rlog(RLOG_NOTICE, "[collector %s] (%u lines not logged)", c->name, suppressed);
    rlog(RLOG_NOTICE, "[collector %s] %.*s%s", c->name, (int)len, line, cut ? "... (cut)" : "");
}

/* Split what was read into lines; bytes of a line past SUPERVISOR_LINE_MAX
 * are dropped (the line is logged once, cut). */
static void s_feed(pipe_t *p, const char *data, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char ch = data[i];
        if (ch == '\n') {
            if (p->child && !p->cut)
                s_log_line(p->child, p->line, p->len, false);
            p->len = 0;
            p->cut = false;
            continue;
        }
        if (p->cut)
            continue;
        if (p->len == SUPERVISOR_LINE_MAX) {
            if (p->child)
                s_log_line(p->child, p->line, p->len, true);
            p->cut = true;
            continue;
        }
        p->line[p->len++] = ch;
    }
}

/* Read what is there without blocking. Returns 1 at end of file (or error),
 * 0 otherwise. */
static int s_drain(pipe_t *p, int rounds)
{
    char buf[4096];
    for (int k = 0; k < rounds; k++) {
        ssize_t r = read(p->fd, buf, sizeof(buf));
        if (r > 0) {
            s_feed(p, buf, (size_t)r);
            continue;
        }
        if (r < 0 && (errno == EINTR))
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        return 1;
    }
    return 0;
}

static void s_reap_cb(lws_sorted_usec_list_t *sul);

static void s_pipe_unlink(pipe_t *p)
{
    supervisor_t *s = p->child ? p->child->sv : NULL;
    if (!s)
        return;
    for (pipe_t **pp = &s->pipes; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    }
    if (p->child->pipe == p)
        p->child->pipe = NULL;
}

/* The output of a start ended (end of file or hang-up): its process is most
 * likely exiting (the fds close just before it can be reaped), so poll for
 * it every few ms for a moment rather than at the next 200 ms. Not once
 * stopped: the context may be going away. */
static void s_output_ended(pipe_t *p)
{
    child_t *c = p->child;
    if (!c || c->pipe != p || !c->pub.pid || c->sv->stopped || !c->sv->cx)
        return;
    c->eof_mono = rtclock_mono_ms();
    lws_sul_schedule(c->sv->cx, 0, &c->sv->sul_reap, s_reap_cb, REAP_FAST_US);
}

int supervisor_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                        size_t len)
{
    pipe_t *p = lws_get_opaque_user_data(wsi); /* NULL during adoption */
    switch (reason) {
    case LWS_CALLBACK_RAW_RX_FILE:
        /* a few reads per wake-up: the loop is level-triggered, the rest
         * comes next turn, and a chatty child cannot starve the browsers */
        return p && s_drain(p, 4) ? -1 : 0; /* -1 at the end: lws closes it */
    case LWS_CALLBACK_RAW_CLOSE_FILE:
        if (p) {
            s_output_ended(p);
            if (p->len && p->child && !p->cut)
                s_log_line(p->child, p->line, p->len, false);
            s_pipe_unlink(p);
            lws_set_opaque_user_data(wsi, NULL);
            free(p);
        }
        return 0;
    default:
        return 0;
    }
}

/* ------------------------------------------------------------------------
 * Starting, reaping, restarting.
 * --------------------------------------------------------------------- */

static void s_start(child_t *c);

static void s_restart_cb(lws_sorted_usec_list_t *sul)
{
    child_t *c = lws_container_of(sul, child_t, sul_restart);
    c->pub.next_start_ms = 0;
    if (!c->sv->stopped)
        s_start(c);
}

static void s_schedule_restart(child_t *c)
{
    supervisor_t *s = c->sv;
    int64_t delay = c->backoff_ms;
    c->pub.next_start_ms = rtclock_wall_ms() + delay;
    c->backoff_ms = delay * 2 > s->max_ms ? s->max_ms : delay * 2;
    lws_sul_schedule(s->cx, 0, &c->sul_restart, s_restart_cb, delay * LWS_US_PER_MS);
}

/* Is the variable e (NAME=value) one a child gets from the hub's
 * environment (SECURITY.md S6.2)? The basics of a process, the sanitizers'
 * options, the collectors' own RTDASH_* settings and the names given with
 * --collector-env; never the hub's files, tokens, keys or web settings. */
static bool s_env_allowed(const supervisor_t *s, const char *e)
{
    static const char *const basics[] = {"PATH",          "HOME",         "LANG",    "TZ",
                                         "TMPDIR",        "USER",         "LOGNAME", "ASAN_OPTIONS",
                                         "UBSAN_OPTIONS", "LSAN_OPTIONS", NULL};
    /* the collectors' settings (SPEC §1), by their variables */
    static const char *const collector[] = {"RTDASH_INTERVAL_MS", "RTDASH_LOG_LEVEL", "RTDASH_PROC",
                                            "RTDASH_TOPIC", NULL};
    size_t n = strcspn(e, "=");
    for (int i = 0; basics[i]; i++)
        if (strlen(basics[i]) == n && !strncmp(e, basics[i], n))
            return true;
    if (n > 3 && !strncmp(e, "LC_", 3))
        return true;
    for (int i = 0; collector[i]; i++)
        if (strlen(collector[i]) == n && !strncmp(e, collector[i], n))
            return true;
    for (size_t i = 0; i < s->env_names.n; i++)
        if (s->env_names.len[i] == n && !strncmp(e, s->env_names.v[i], n))
            return true;
    return false;
}

/* The environment of a child: the allowed part of ours, then vars (its
 * RTDASH_HUB, RTDASH_COLLECTOR name and its own RTDASH_CURVE_*). The array
 * is allocated, its strings are not (but vars[0..nvars), which are the
 * caller's). */
static char **s_child_env(const supervisor_t *s, char *const *vars, size_t nvars)
{
    size_t n = 0;
    for (char **e = environ; e && *e; e++)
        n++;
    char **env = malloc((n + nvars + 1) * sizeof(*env));
    if (!env)
        return NULL;
    size_t o = 0;
    for (char **e = environ; e && *e; e++)
        if (s_env_allowed(s, *e))
            env[o++] = *e;
    for (size_t i = 0; i < nvars; i++)
        env[o++] = vars[i];
    env[o] = NULL;
    return env;
}

int supervisor_use_curve(supervisor_t *s, const char *server_z85,
                         int (*allow)(void *ud, const uint8_t *pub, const char *name), void *ud)
{
    const char *tmp = getenv("TMPDIR");
    char dir[PATH_MAX], err[PATH_MAX + 128];
    snprintf(dir, sizeof dir, "%s/rtdash-hub-keys.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) { /* mode 0700 */
        rlog(RLOG_ERROR, "supervisor: cannot make a directory for the collectors' keys: %s: %s",
             dir, strerror(errno));
        return -1;
    }
    if (!(s->keydir = strdup(dir))) {
        rmdir(dir);
        rlog(RLOG_ERROR, "supervisor: out of memory");
        return -1;
    }
    snprintf(s->curve_server, sizeof s->curve_server, "%s", server_z85);
    for (size_t i = 0; i < s->n; i++) {
        child_t *c = s->v[i];
        char path[PATH_MAX + 48];
        curvekey_pair_t kp;
        snprintf(path, sizeof path, "%s/collector-%u.key", dir, (unsigned)(i + 1));
        int rc = curvekey_generate(&kp, err, sizeof err);
        if (rc == 0)
            rc = curvekey_write_file(path, &kp, err, sizeof err);
        curvekey_wipe(kp.sec, sizeof kp.sec);
        if (rc == 0 && !(c->keyfile = strdup(path))) {
            unlink(path);
            snprintf(err, sizeof err, "out of memory");
            rc = -1;
        }
        if (rc != 0) {
            rlog(RLOG_ERROR, "[collector %s] no CURVE key: %s", c->name, err);
            return -1;
        }
        if (allow(ud, kp.pub, c->name) < 0)
            return -1;
    }
    rlog(RLOG_INFO, "supervisor: a CURVE key for each of %zu collectors in %s", s->n, dir);
    return 0;
}

/* Remove the children's key files and their directory. */
static void s_remove_keys(supervisor_t *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->v[i]->keyfile)
            unlink(s->v[i]->keyfile);
        free(s->v[i]->keyfile);
        s->v[i]->keyfile = NULL;
    }
    if (s->keydir && rmdir(s->keydir) != 0)
        rlog(RLOG_WARN, "supervisor: cannot remove %s: %s", s->keydir, strerror(errno));
    free(s->keydir);
    s->keydir = NULL;
}

/* In the child, between fork() and exec: async-signal-safe calls only. */
static void s_exec_child(const supervisor_t *s, int wfd, const char *command, char **env,
                         int max_fd)
{
    setpgid(0, 0);
    /* --collector-user: groups, then gid, then uid (looked up before fork) */
    if (s->as_user && (setgroups((size_t)s->ngroups, s->groups) < 0 || setgid(s->gid) < 0 ||
                       setuid(s->uid) < 0)) {
        static const char msg[] = "cannot switch to --collector-user\n";
        ssize_t w = write(wfd, msg, sizeof(msg) - 1);
        (void)w;
        _exit(126);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) /* the hub ignores SIGPIPE and handles TERM */
        sigaction(sig, &sa, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0 && devnull != 0) {
        dup2(devnull, 0);
        close(devnull);
    }
    dup2(wfd, 1);
    dup2(wfd, 2);
    /* the hub's sockets, ZeroMQ's and lws's fds stay out of the collector */
    if (close_range(3, ~0U, 0) < 0)
        for (int fd = 3; fd < max_fd; fd++)
            close(fd);
    char *const argv[] = {"sh", "-c", (char *)command, NULL};
    execve("/bin/sh", argv, env);
    static const char msg[] = "cannot run /bin/sh\n";
    ssize_t w = write(2, msg, sizeof(msg) - 1);
    (void)w;
    _exit(127);
}

static void s_start(child_t *c)
{
    supervisor_t *s = c->sv;
    int fds[2] = {-1, -1};
    char hub_var[sizeof(s->hub) + 16], name_var[NAME_MAX_LEN + 24];
    char server_var[CURVEKEY_Z85_LEN + 32], key_var[PATH_MAX + 80];
    snprintf(hub_var, sizeof(hub_var), "RTDASH_HUB=%s", s->hub);
    snprintf(name_var, sizeof(name_var), "RTDASH_COLLECTOR=%s", c->name);
    snprintf(server_var, sizeof(server_var), "RTDASH_CURVE_SERVERKEY=%s", s->curve_server);
    snprintf(key_var, sizeof(key_var), "RTDASH_CURVE_KEYFILE=%s", c->keyfile ? c->keyfile : "");
    char *vars[] = {hub_var, name_var, server_var, key_var};
    char **env = s_child_env(s, vars, c->keyfile ? 4 : 2);
    pipe_t *p = calloc(1, sizeof(*p));
    struct rlimit rl;
    int max_fd =
        getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 65536
            ? (int)rl.rlim_cur
            : 65536;
    if (!env || !p || pipe2(fds, O_CLOEXEC) < 0) {
        rlog(RLOG_ERROR, "[collector %s] cannot start: %s", c->name,
             !env || !p ? "out of memory" : strerror(errno));
        goto retry;
    }
    pid_t pid = fork();
    if (pid < 0) {
        rlog(RLOG_ERROR, "[collector %s] cannot start: fork: %s", c->name, strerror(errno));
        goto retry;
    }
    if (pid == 0)
        s_exec_child(s, fds[1], c->command, env, max_fd);
    setpgid(pid, pid); /* also here: no race with the kill of an early stop */
    close(fds[1]);
    fds[1] = -1;
    free(env);
    env = NULL;
    c->pub.pid = pid;
    c->eof_mono = 0;
    c->pub.starts++;
    c->pub.started_ms = rtclock_wall_ms();
    c->started_mono = rtclock_mono_ms();
    /* the command itself only at info: it may hold what an operator typed */
    rlog(RLOG_NOTICE, "[collector %s] started (pid %d)", c->name, (int)pid);
    rlog(RLOG_INFO, "[collector %s] command: %s", c->name, c->command);

    /* The pipe goes into the loop. If that fails the child still runs,
     * unlogged, rather than being killed for our problem. */
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    lws_sock_file_fd_type u;
    u.filefd = fds[0];
    p->fd = fds[0];
    p->child = c;
    p->wsi =
        lws_adopt_descriptor_vhost(s->vh, LWS_ADOPT_RAW_FILE_DESC, u, SUPERVISOR_PROTOCOL, NULL);
    if (!p->wsi) {
        rlog(RLOG_ERROR, "[collector %s] cannot watch its output", c->name);
        close(fds[0]);
        free(p);
    } else {
        lws_set_opaque_user_data(p->wsi, p);
        p->next = s->pipes;
        s->pipes = p;
        c->pipe = p;
    }
    lws_sul_schedule(s->cx, 0, &s->sul_reap, s_reap_cb, REAP_PERIOD_US);
    return;
retry:
    free(env);
    free(p);
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    s_schedule_restart(c);
}

static void s_describe_exit(const child_t *c, char *buf, size_t size)
{
    if (c->pub.exit_signal)
        snprintf(buf, size, "killed by signal %d (%s)", c->pub.exit_signal,
                 strsignal(c->pub.exit_signal));
    else
        snprintf(buf, size, "exited with status %d", c->pub.exit_code);
}

/* A child of ours has ended (status from waitpid). */
static void s_exited(child_t *c, int status)
{
    supervisor_t *s = c->sv;
    pid_t pid = c->pub.pid;
    c->pub.pid = 0;
    c->pub.exited_ms = rtclock_wall_ms();
    c->pub.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    c->pub.exit_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    /* whatever it left running in its group goes too, or every restart
     * would leave one more behind */
    kill(-pid, SIGTERM);
    int64_t ran = rtclock_mono_ms() - c->started_mono;
    char why[96];
    s_describe_exit(c, why, sizeof(why));
    if (s->stopped) {
        rlog(RLOG_INFO, "[collector %s] %s", c->name, why);
        return;
    }
    if ((c->pub.exit_code == 126 || c->pub.exit_code == 127) && ran < SUPERVISOR_CANNOT_RUN_MS) {
        /* the shell could not run the command: it would not run next time */
        c->pub.failed = true;
        rlog(RLOG_ERROR,
             "[collector %s] %s after %.1f s: the command cannot run (%s); not restarted: %s",
             c->name, why, (double)ran / 1000.0,
             c->pub.exit_code == 127 ? "not found" : "not executable", c->command);
        return;
    }
    if (ran >= s->reset_ms)
        c->backoff_ms = s->first_ms;
    rlog(RLOG_WARN, "[collector %s] %s after %.1f s; restarting in %.1f s", c->name, why,
         (double)ran / 1000.0, (double)c->backoff_ms / 1000.0);
    s_schedule_restart(c);
}

/* Reap the children that have ended. Returns how many still run; *exiting
 * (may be NULL) says whether one of them has just closed its output (it is
 * probably on its way out: look again soon). */
static size_t s_reap_all(supervisor_t *s, bool *exiting)
{
    size_t running = 0;
    int64_t now = rtclock_mono_ms();
    for (size_t i = 0; i < s->n; i++) {
        child_t *c = s->v[i];
        if (!c->pub.pid)
            continue;
        int status;
        pid_t r = waitpid(c->pub.pid, &status, WNOHANG);
        if (r == c->pub.pid || (r < 0 && errno == ECHILD)) { /* ECHILD: reaped elsewhere */
            s_exited(c, r < 0 ? 0 : status);
        } else {
            running++;
            if (exiting && c->eof_mono && now - c->eof_mono < 1000)
                *exiting = true;
        }
    }
    return running;
}

/* Reap our children that have ended; again in 200 ms while any runs. */
static void s_reap_cb(lws_sorted_usec_list_t *sul)
{
    supervisor_t *s = lws_container_of(sul, supervisor_t, sul_reap);
    bool exiting = false;
    if (s_reap_all(s, &exiting) && !s->stopped)
        lws_sul_schedule(s->cx, 0, &s->sul_reap, s_reap_cb,
                         exiting ? REAP_FAST_US : REAP_PERIOD_US);
}

int supervisor_start(supervisor_t *s, struct lws_context *cx, struct lws_vhost *vh)
{
    if (!s || !cx || !vh || s->started)
        return -1;
    s->cx = cx;
    s->vh = vh;
    s->started = true;
    for (size_t i = 0; i < s->n; i++)
        s_start(s->v[i]);
    if (s->n)
        rlog(RLOG_NOTICE, "supervisor: %zu collectors, RTDASH_HUB=%s", s->n, s->hub);
    return 0;
}

/* ------------------------------------------------------------------------
 * Stopping.
 * --------------------------------------------------------------------- */

/* Stop the processes; touch_lws: cancel our timers (the context still
 * exists). */
static void s_stop(supervisor_t *s, bool touch_lws)
{
    if (!s || s->stopped)
        return;
    s->stopped = true;
    if (s->cx && touch_lws)
        lws_sul_cancel(&s->sul_reap);
    size_t running = 0;
    for (size_t i = 0; i < s->n; i++) {
        child_t *c = s->v[i];
        if (s->cx && touch_lws)
            lws_sul_cancel(&c->sul_restart);
        c->pub.next_start_ms = 0;
        if (c->pub.pid) {
            kill(-c->pub.pid, SIGTERM);
            running++;
        }
    }
    if (!running)
        return;
    rlog(RLOG_NOTICE, "supervisor: stopping %zu running collector%s", running,
         running == 1 ? "" : "s");
    int64_t until = rtclock_mono_ms() + STOP_GRACE_MS;
    while ((running = s_reap_all(s, NULL)) > 0 && rtclock_mono_ms() < until) {
        for (pipe_t *p = s->pipes; p; p = p->next) /* their last words */
            (void)s_drain(p, 4);
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    for (size_t i = 0; i < s->n; i++) {
        child_t *c = s->v[i];
        if (!c->pub.pid)
            continue;
        rlog(RLOG_WARN, "[collector %s] still running %d s after SIGTERM: SIGKILL", c->name,
             STOP_GRACE_MS / 1000);
        kill(-c->pub.pid, SIGKILL);
        int status;
        while (waitpid(c->pub.pid, &status, 0) < 0 && errno == EINTR) {
        }
        s_exited(c, status);
    }
}

void supervisor_stop(supervisor_t *s)
{
    s_stop(s, true);
}

void supervisor_destroy(supervisor_t **ps)
{
    if (!ps || !*ps)
        return;
    supervisor_t *s = *ps;
    s_stop(s, false); /* the context is gone: so are our timers */
    s_remove_keys(s); /* every child has stopped: nobody reads them any more */
    /* pipes lws has not closed yet (context still alive): orphaned, freed by
     * their close callback */
    for (pipe_t *p = s->pipes; p; p = p->next)
        p->child = NULL;
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i]->command);
        free(s->v[i]);
    }
    free(s->v);
    free(s->groups);
    free(s);
    *ps = NULL;
}
