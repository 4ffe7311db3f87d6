/* SPDX-License-Identifier: MIT */
/* supervisor.h - the hub starts, watches and restarts collector processes.
 * Each collector runs as `/bin/sh -c COMMAND` in its own process group, with
 * RTDASH_HUB set to the hub's ingest endpoint and RTDASH_COLLECTOR to its
 * name (which a collector announces as the `collector` of its meta, so
 * /metrics and /api/collectors name it alike); its stdout and stderr (one
 * pipe) are read inside the hub's lws loop as a raw file and logged line by
 * line as "[collector NAME] line". When it exits it is restarted after a
 * backoff (1 s doubling to 30 s, back to 1 s once a run lasted 60 s), except
 * when it exits with status 126 or 127 (the shell could not run the command)
 * within SUPERVISOR_CANNOT_RUN_MS of its start: that would fail again, so it
 * is logged and left stopped. No threads and no SIGCHLD handler: children are
 * reaped by a 200 ms lws_sul timer with waitpid(WNOHANG), only the pids this
 * module started. Never blocks the loop; only supervisor_stop() waits (up to
 * 3 s + KILL). */
#ifndef RTDASH_SUPERVISOR_H
#define RTDASH_SUPERVISOR_H

#include "jbuf.h"
#include "opts.h"
#include <libwebsockets.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The lws protocol name for the pipes: put
 * {SUPERVISOR_PROTOCOL, supervisor_callback, 0, 0, 0, NULL, 0}
 * in the vhost's protocol list. */
#define SUPERVISOR_PROTOCOL "rtdash-supervisor"

/* Longest logged line of a collector; the rest of a longer line is cut. */
#define SUPERVISOR_LINE_MAX 1024

/* A run that ends with status 126 or 127 sooner than this after its start is
 * a command that cannot run: it is not restarted. */
#define SUPERVISOR_CANNOT_RUN_MS 2000

/* One supervised collector as /metrics and /api may show it. Read-only for
 * callers; valid until supervisor_destroy(). */
typedef struct supervisor_child {
    const char *name;       /* "rtdash-demo", a file name of --collectors-dir, ... */
    const char *command;    /* as given to /bin/sh -c */
    pid_t pid;              /* 0 while not running */
    uint64_t starts;        /* processes started (restarts = starts - 1) */
    int64_t started_ms;     /* wall clock of the last start, Unix ms; 0 never */
    int64_t exited_ms;      /* wall clock of the last exit, Unix ms; 0 never */
    int exit_code;          /* last exit status, -1 if none or killed */
    int exit_signal;        /* signal that killed the last run, 0 if none */
    int64_t next_start_ms;  /* wall clock of the pending restart, 0 if none */
    uint64_t lines;         /* output lines logged */
    uint64_t lines_dropped; /* output lines not logged (rate limit) */
    bool failed;            /* could not run (126/127 at once): not restarted */
} supervisor_child_t;

typedef struct supervisor supervisor_t;

/* Create a supervisor whose collectors publish to the hub bound at
 * ingest_endpoint (what --ingest says). A bind to every interface becomes
 * loopback for the children: host '*' or 0.0.0.0 becomes 127.0.0.1 (so
 * tcp://0.0.0.0:5556 becomes tcp://127.0.0.1:5556), [::] or [*] becomes [::1].
 * Returns NULL when out of memory. Caller owns: supervisor_destroy(). */
supervisor_t *supervisor_new(const char *ingest_endpoint);

/* The endpoint a process on this machine connects to for a bind endpoint, as
 * above, into out (always NUL-terminated). Returns 0, or -1 if it does not fit. */
int supervisor_connect_endpoint(const char *bind_endpoint, char *out, size_t size);

/* Add a collector: command runs under /bin/sh -c. name is used in the log and
 * in /metrics; NULL or "" derives it from the command's first word (its base
 * name), and a name already taken gets "#2", "#3"... Before supervisor_start()
 * only. Returns 0, or -1 (logged) if out of memory or the command is empty. */
int supervisor_add(supervisor_t *s, const char *name, const char *command);

/* Check, before the start, that the shell can run command: the first
 * program it names (after variable assignments and `exec`) must be a shell
 * builtin or keyword, an executable file on PATH, or, when it contains a '/',
 * an executable file at that path. A command that starts with something
 * this does not follow (`if`, `(`, `{`, a redirection, `$VAR`...) passes; its
 * failure is seen when it runs. Returns 0, or -1 with the reason in why
 * ("tcp://b:2: No such file or directory"), always NUL-terminated. Runs /bin/sh (to ask
 * `command -v`) for a word that is not on PATH: call it before the hub has
 * threads. */
int supervisor_check_command(const char *command, char *why, size_t size);

/* Add every executable regular file of dir (not those starting with '.'), in
 * name order, each named by its file name, admitted as sshd's StrictModes
 * would (SECURITY.md S6): a regular file by lstat (a symlink only with
 * follow_symlinks, and then its target is checked), owned by the hub's user
 * or root, not writable by group or others; anything else is skipped with
 * the reason logged. Returns the number added (0 is not an error, but
 * logged), or -1 (logged) if dir cannot be read or is itself writable by
 * group or others (the hub must not start: anyone could plant a collector). */
int supervisor_add_dir(supervisor_t *s, const char *dir, bool follow_symlinks);

/* Run the children as user (its uid, gid and groups, looked up now), and
 * pass them these extra environment variable names besides the allowed ones
 * (PATH, HOME, LANG, LC_*, TZ, TMPDIR, USER, LOGNAME, the sanitizers'
 * *_OPTIONS, and the collectors' RTDASH_* settings; never the hub's files,
 * tokens or keys). user NULL: as the hub. 0, or -1 (logged) for an unknown
 * user. Before supervisor_start() only. */
int supervisor_set_child(supervisor_t *s, const char *user, const opt_list_t *env_names);

/* Tune the restart backoff (for tests): first delay, largest delay, and how
 * long a run must last for the delay to go back to the first. Defaults
 * 1000, 30000, 60000 ms. Before supervisor_start() only. */
void supervisor_set_backoff(supervisor_t *s, int64_t first_ms, int64_t max_ms,
                            int64_t reset_after_ms);

/* CURVE for the collectors (SPEC §7): make a key pair for each one added so
 * far, write it as a key file in a new private directory (mode 0700, under
 * $TMPDIR or /tmp; each file 0600), call allow(ud, public key, name) so that
 * the hub lists the key, and give each child RTDASH_CURVE_SERVERKEY=server_z85
 * and RTDASH_CURVE_KEYFILE=its file. Keys live as long as the hub: a restart
 * of a collector keeps its key; supervisor_destroy() removes the files.
 * Before supervisor_start(), after the last supervisor_add(). Returns 0, or
 * -1 (logged). Without it, children get no RTDASH_CURVE_* at all (the hub's
 * own are never passed on). */
int supervisor_use_curve(supervisor_t *s, const char *server_z85,
                         int (*allow)(void *ud, const uint8_t *pub, const char *name), void *ud);

/* Start every collector in the loop of cx; the pipes are adopted on vh, which
 * must have the SUPERVISOR_PROTOCOL protocol. Call once, after the context
 * exists and before lws_service(). A collector that cannot be started (fork or
 * pipe failure) is logged and retried with backoff. Returns 0, or -1 if s, cx
 * or vh is NULL. */
int supervisor_start(supervisor_t *s, struct lws_context *cx, struct lws_vhost *vh);

/* Stop every collector: SIGTERM to each one's process group, wait up to 3 s
 * (logging what they still print), then SIGKILL the groups that remain, and
 * reap. No restart happens after this. Blocks up to ~3 s: call it after the
 * loop has stopped, and always before lws_context_destroy() (it cancels its
 * timers). Safe to call twice or without supervisor_start(). */
void supervisor_stop(supervisor_t *s);

/* Number of collectors, and the i-th (0 <= i < count), for /metrics. */
size_t supervisor_count(const supervisor_t *s);
const supervisor_child_t *supervisor_child(const supervisor_t *s, size_t i);

/* Append Prometheus text for every collector to o (for /metrics): gauges
 * rtdash_supervised_up, rtdash_supervised_last_exit_code (-1: none or killed),
 * rtdash_supervised_last_exit_signal, rtdash_supervised_failed (1: it could
 * not run and is not restarted), counters rtdash_supervised_starts_total,
 * rtdash_supervised_restarts_total, rtdash_supervised_log_lines_dropped_total,
 * each labelled {name="..."} (escaped). Nothing when s is NULL or empty. */
void supervisor_put_metrics(const supervisor_t *s, jbuf_t *o);

/* Stop (if not done) and free. Call after lws_context_destroy(): lws closes
 * the pipes it adopted and calls supervisor_callback for each. NULL-safe; sets
 * *s to NULL. */
void supervisor_destroy(supervisor_t **s);

/* The lws callback of the SUPERVISOR_PROTOCOL raw-file protocol. */
int supervisor_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                        size_t len);

#endif
