/* pub.c - rtdash-pub: publish from the command line, or one message per line of input.
 *
 * So that any program that can print is a collector:
 *
 *     rtdash-pub room.temp 21.5
 *     rtdash-pub web.latency p50=12 p99=80
 *     rtdash-pub --event warning ops.feed Disk almost full
 *     some-program | rtdash-pub
 *     telegraf --config t.conf | rtdash-pub --format influx
 *     rtdash-pub --check --format influx < metrics.lp
 *
 * Standard input takes "topic value", "topic field=v ..." and JSON object
 * lines, which are turned into msgpack as they are (keys we do not know pass
 * through to the browser), or with --format influx InfluxDB line protocol.
 * A bad line is reported as "line N: reason" on stderr and skipped; input
 * never stops the program. Meta from the options goes out before a topic's
 * first message and every 10 s, so a hub that starts later learns the
 * topics. --check runs the same code against a socket connected to nothing.
 *
 * Layout: settings and help, small helpers, the topic table, JSON lines
 * (parsed by jsonl.c), plain lines, InfluxDB line protocol (parsed by
 * influx.c), the input loop, main(). */
// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>
#include <msgpack.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "curvekey.h"
#include "influx.h"
#include "jsonl.h"
#include "opts.h"
#include "rlog.h"
#include "rtdash.h"
#include "topic.h"

#define META_PERIOD_MS 10000
#define LINE_MAX_BYTES (256 * 1024) /* longer input lines are reported and skipped */
#define MAX_FIELDS 256              /* per plain line */
#define MAX_TOPICS 10000            /* topics whose meta we remember (SPEC §5) */
#define META_STORE_MAX (4u << 20)   /* bytes of meta lines kept for re-sending */
#define EXIT_NOT_A_HUB 3            /* sent, but what answered was no ZeroMQ hub */

/* The words of the settings that take one of a few (OPT_ENUM). */
static const opt_enum_value_t s_levels[] = {
    {"info", 0}, {"success", 1}, {"warning", 2}, {"error", 3}, {NULL, 0}};
static const opt_enum_value_t s_charts[] = {{"line", 0},  {"bar", 1},    {"area", 2},
                                            {"gauge", 3}, {"number", 4}, {NULL, 0}};
enum { FORMAT_AUTO, FORMAT_INFLUX };
static const opt_enum_value_t s_formats[] = {
    {"auto", FORMAT_AUTO}, {"influx", FORMAT_INFLUX}, {NULL, 0}};
/* --precision: its value indexes s_ts_units, which turns a timestamp into ms. */
static const opt_enum_value_t s_precisions[] = {
    {"ns", 0}, {"us", 1}, {"ms", 2}, {"s", 3}, {NULL, 0}};
static const struct {
    int64_t div, mul;
} s_ts_units[] = {{1000000, 1}, {1000, 1}, {1, 1}, {1, 1000}};

static volatile sig_atomic_t s_stop;

/* ------------------------------------------------------------------------
 * Settings and help.
 * --------------------------------------------------------------------- */

typedef struct settings {
    const char *hub, *title, *unit, *min, *max, *collector, *gen_keys;
    opt_enum_t event, chart, format, precision, log_level; /* name NULL: unset */
    long interval_ms, connect_wait_ms, linger_ms;
    int check;
} settings_t;

static const char s_usage[] = "rtdash-pub [options] TOPIC VALUE | TOPIC FIELD=VALUE... | "
                              "--event LEVEL TOPIC TEXT... | [-] | --format influx";

static const char s_help_tail[] =
    "\n"
    "Forms:\n"
    "  rtdash-pub TOPIC VALUE                  one sample with the field \"value\"\n"
    "      rtdash-pub room.temp 21.5\n"
    "  rtdash-pub TOPIC FIELD=VALUE...         one sample with these fields\n"
    "      rtdash-pub web.latency p50=12 p99=80.5\n"
    "  rtdash-pub --event LEVEL TOPIC TEXT...  one event; LEVEL is info, success, warning or "
    "error\n"
    "      rtdash-pub --event warning ops.feed Disk /var is 91% full\n"
    "  rtdash-pub [-]                          one message per line of standard input:\n"
    "      room.temp 21.5\n"
    "      web.latency p50=12 p99=80.5\n"
    "      {\"topic\":\"room.temp\",\"value\":21.5}\n"
    "      {\"topic\":\"web.latency\",\"fields\":{\"p50\":12,\"p99\":80.5},\"host\":\"web-1\"}\n"
    "      {\"topic\":\"ops.feed\",\"kind\":\"event\",\"text\":\"Backup done\","
    "\"level\":\"success\"}\n"
    "      {\"topic\":\"room.temp\",\"kind\":\"meta\",\"title\":\"Room\",\"unit\":\"C\","
    "\"chart\":\"line\"}\n"
    "    Empty lines and lines starting with '#' are skipped. A JSON line is an object\n"
    "    with \"topic\"; \"kind\" is sample (the default), event or meta; every other key\n"
    "    is sent as it is. ts (now) and seq (this program's per-topic counter) are\n"
    "    added to samples and events that lack them. Meta lines are re-sent every 10 s.\n"
    "    A bad line is reported on stderr as \"rtdash-pub: line N: reason\" and skipped.\n"
    "  rtdash-pub --format influx              one message per line of InfluxDB line protocol:\n"
    "      cpu,host=web-1,cpu=cpu0 usage_user=12.5,usage_idle=80.1 1700000000000000000\n"
    "      disk,host=web-1,path=/var used=1234i,ro=false,fs=\"ext4\"\n"
    "    (topics cpu.cpu0.web-1 and disk.web-1._var). The topic is the measurement, then\n"
    "    the tag values in the order of the tag keys, joined by '.'; a character other\n"
    "    than A-Z a-z 0-9 _ - becomes '_'. Floats, integers (3i, 3u) and booleans (t, true,\n"
    "    f, false...: 1 or 0) are the sample's fields; string fields go along as the key\n"
    "    \"strings\" ({\"fs\":\"ext4\"}), and a line with no number is an error. The\n"
    "    timestamp is in nanoseconds (--precision us, ms or s for others) and becomes\n"
    "    milliseconds; without one, now. Escapes as in InfluxDB: \\, \\= \\space and \\\\ in\n"
    "    names and tags, \\\" and \\\\ in strings. From Telegraf: an [[outputs.file]]\n"
    "    with files = [\"stdout\"] and data_format = \"influx\", piped in.\n"
    "  rtdash-pub --check [--format influx] < FILE\n"
    "    Validates standard input and publishes nothing: each bad line is reported on\n"
    "    stderr as above (influx errors with the column), each good one on stdout as\n"
    "    \"line N: ok: TOPIC KIND\", then \"N lines: N valid, N with errors\". Exit status\n"
    "    1 if any line was bad. With TOPIC VALUE... it checks the command line only.\n"
    "\n"
    "Meta: with any of --title, --unit, --chart, --min, --max or --meta-interval-ms, a meta\n"
    "message for the topic goes out before its first message, and every 10 s while\n"
    "standard input stays open (not for a topic that got its own meta line). From\n"
    "standard input, in any format, every topic gets the same meta.\n"
    "  rtdash-pub --title Temperature --unit C --chart line --min -20 --max 50 room.temp 21.5\n"
    "  telegraf --config t.conf | rtdash-pub --format influx --unit % --chart line\n"
    "\n"
    "Keys (CURVE, when the hub has --curve-secret and --curve-clients):\n"
    "  rtdash-pub --gen-keys FILE              write a new key pair to FILE (mode 0600,\n"
    "    never over an existing file) as one line PUBLIC SECRET, and print PUBLIC. List\n"
    "    \"PUBLIC NAME [PATTERN...]\" in the hub's --curve-clients file; then give this and\n"
    "    every collector RTDASH_CURVE_SERVERKEY (the hub's public key, the first word of\n"
    "    its key file) and RTDASH_CURVE_KEYFILE=FILE. The hub's own key file is made the\n"
    "    same way.\n"
    "\n"
    "Timing: ZeroMQ connects in the background, and messages sent before the hub has\n"
    "subscribed are lost, so the first message waits --connect-wait-ms. The library\n"
    "discards unsent messages when it closes, so before exiting rtdash-pub waits\n"
    "--linger-ms for queued messages to leave. With no hub listening, messages are\n"
    "dropped and rtdash-pub still succeeds, saying so on stderr when it exits.\n"
    "Something listening that is not a hub (the hub's web port, 8080, instead of\n"
    "its ingest, 5556) fails the ZeroMQ handshake: that is reported, and with no\n"
    "hub reached the exit status is 3.\n"
    "\n"
    "Exit status: 0 when the message was sent, or when standard input had at least one\n"
    "valid message (or none at all: empty input, only comments); 1 when standard input\n"
    "had message lines but none was valid (with --check: any bad line), or the publisher\n"
    "could not start; 2 for a usage error (unknown option, bad topic, value or level on\n"
    "the command line); 3 when messages were sent but cannot have reached a hub: no\n"
    "endpoint completed the ZeroMQ handshake and one answered that is not a ZeroMQ peer\n"
    "(e.g. the hub's web port instead of its ingest endpoint).\n";

/* True if --help or -h came before the first positional argument. */
static bool s_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
        if (strcmp(argv[i], "--") == 0)
            return false;
    }
    return false;
}

/* ------------------------------------------------------------------------
 * Helpers.
 * --------------------------------------------------------------------- */

static void s_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR && !s_stop) {
    }
}

static int s_pack_str(msgpack_packer *pk, const char *s, size_t len)
{
    return msgpack_pack_str_with_body(pk, s, len);
}

/* A finite number, the whole of s. */
static bool s_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
        return false;
    *out = v;
    return true;
}

/* ------------------------------------------------------------------------
 * Topics seen on standard input, for meta: an open-addressing table
 * (linear probing, never shrinks, at most MAX_TOPICS entries).
 * --------------------------------------------------------------------- */

typedef struct topic_entry {
    char name[TOPIC_MAX_LEN + 1]; /* "" = free slot */
    bool opt_meta;                /* announce with the options' meta */
    char *meta;                   /* the last meta line's msgpack body, owned */
    size_t meta_len;
} topic_entry_t;

typedef struct topics {
    topic_entry_t *v;
    size_t cap, n;
    size_t meta_bytes;
    bool full_logged;
} topics_t;

static uint32_t s_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The entry for topic; *is_new says whether it was just added. NULL when the
 * table is full (the topic then gets no meta from us) or out of memory. */
static topic_entry_t *s_topic(topics_t *t, const char *topic, bool *is_new)
{
    *is_new = false;
    for (size_t i = t->cap ? s_hash(topic) & (t->cap - 1) : 0; t->cap && t->v[i].name[0];
         i = (i + 1) & (t->cap - 1))
        if (strcmp(t->v[i].name, topic) == 0)
            return &t->v[i];
    if (t->n >= MAX_TOPICS) {
        if (!t->full_logged)
            fprintf(stderr, "rtdash-pub: more than %d topics: the others are not remembered\n",
                    MAX_TOPICS);
        t->full_logged = true;
        return NULL;
    }
    if ((t->n + 1) * 2 > t->cap) { /* keep it at most half full */
        size_t cap = t->cap ? t->cap * 2 : 64;
        topic_entry_t *v = calloc(cap, sizeof(*v));
        if (!v)
            return NULL;
        for (size_t k = 0; k < t->cap; k++) {
            if (!t->v[k].name[0])
                continue;
            size_t i = s_hash(t->v[k].name) & (cap - 1);
            while (v[i].name[0])
                i = (i + 1) & (cap - 1);
            v[i] = t->v[k];
        }
        free(t->v);
        t->v = v;
        t->cap = cap;
    }
    size_t i = s_hash(topic) & (t->cap - 1);
    while (t->v[i].name[0])
        i = (i + 1) & (t->cap - 1);
    snprintf(t->v[i].name, sizeof(t->v[i].name), "%s", topic);
    t->n++;
    *is_new = true;
    return &t->v[i];
}

static void s_topics_free(topics_t *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->v[i].meta);
    free(t->v);
    memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------------------
 * The publisher with the options' meta.
 * --------------------------------------------------------------------- */

typedef struct app {
    settings_t cfg;
    rtdash_pub_t *pub;
    bool has_meta; /* a meta option was given */
    double min, max;
    topics_t topics;
    jsonl_t *jsonl;                   /* JSON lines: the parser, reused; owned */
    msgpack_sbuffer head, rest;       /* influx: reused for every line */
    bool influx;                      /* --format influx */
    influx_line_t *iline;             /* influx: the parsed line, reused; owned */
    int64_t ts_div, ts_mul;           /* influx: --precision -> ms */
    char ok_topic[TOPIC_MAX_LEN + 1]; /* --check: what the last valid line was */
    const char *ok_kind;
} app_t;

/* A line was valid: remember what it was for --check's report. */
static void s_set_ok(app_t *a, const char *topic, const char *kind)
{
    snprintf(a->ok_topic, sizeof(a->ok_topic), "%s", topic);
    /* kind may point into a JSON line that is about to be freed */
    a->ok_kind = strcmp(kind, "meta") == 0    ? "meta"
                 : strcmp(kind, "event") == 0 ? "event"
                                              : "sample";
}

static void s_send_opt_meta(app_t *a, const char *topic)
{
    if (!a->has_meta)
        return;
    rtdash_meta_t m;
    rtdash_meta_init(&m);
    m.title = a->cfg.title;
    m.unit = a->cfg.unit;
    m.chart = a->cfg.chart.name;
    m.min = a->min;
    m.max = a->max;
    m.interval_ms = a->cfg.interval_ms;
    m.collector = a->cfg.collector;
    if (rtdash_pub_meta(a->pub, topic, &m) < 0)
        fprintf(stderr, "rtdash-pub: cannot publish the meta of %s\n", topic);
}

/* Before a sample or event of topic from standard input: announce a topic
 * seen for the first time with the options' meta. */
static void s_before_message(app_t *a, const char *topic)
{
    if (!a->has_meta)
        return; /* nothing to announce: no need to remember the topic */
    bool is_new;
    topic_entry_t *e = s_topic(&a->topics, topic, &is_new);
    if (!e) {
        /* Table full: a topic we cannot remember gets the meta every time
         * rather than never. */
        s_send_opt_meta(a, topic);
        return;
    }
    if (is_new) {
        e->opt_meta = true;
        s_send_opt_meta(a, topic);
    }
}

/* A meta line was sent: keep its body to send again every 10 s. */
static void s_keep_meta(app_t *a, const char *topic, const char *body, size_t len)
{
    bool is_new;
    topic_entry_t *e = s_topic(&a->topics, topic, &is_new);
    if (!e)
        return;
    e->opt_meta = false; /* the input describes this topic itself */
    size_t budget = a->topics.meta_bytes - e->meta_len;
    if (budget + len > META_STORE_MAX) {
        RLOG_RL(RLOG_WARN, "meta lines over %u bytes in all: %s's is not re-sent", META_STORE_MAX,
                topic);
        return;
    }
    char *copy = malloc(len);
    if (!copy)
        return;
    memcpy(copy, body, len);
    free(e->meta);
    e->meta = copy;
    a->topics.meta_bytes = budget + len;
    e->meta_len = len;
}

static void s_resend_meta(app_t *a)
{
    for (size_t i = 0; i < a->topics.cap; i++) {
        topic_entry_t *e = &a->topics.v[i];
        if (!e->name[0])
            continue;
        if (e->meta)
            (void)rtdash_pub_raw(a->pub, e->name, e->meta, e->meta_len);
        else if (e->opt_meta)
            s_send_opt_meta(a, e->name);
    }
}

/* ------------------------------------------------------------------------
 * JSON lines, parsed and packed by jsonl.c.
 * --------------------------------------------------------------------- */

/* Publish one JSON object line. Returns 0, or -1 with the reason in err. */
static int s_json_line(app_t *a, const char *line, size_t len, char *err, size_t errsize)
{
    jsonl_msg_t m;
    if (jsonl_parse(a->jsonl, line, len, &m, err, errsize) < 0)
        return -1;
    bool is_meta = strcmp(m.kind, "meta") == 0;
    if (!is_meta)
        s_before_message(a, m.topic);
    int64_t ts = m.needs_ts ? rtdash_now_ms() : 0;
    uint64_t seq = m.needs_seq ? rtdash_pub_next_seq(a->pub, m.topic) : 0;
    const char *body;
    size_t blen;
    if (jsonl_body(a->jsonl, ts, seq, &body, &blen, err, errsize) < 0)
        return -1;
    if (rtdash_pub_raw(a->pub, m.topic, body, blen) < 0) {
        snprintf(err, errsize, "cannot publish (see above)");
        return -1;
    }
    if (is_meta)
        s_keep_meta(a, m.topic, body, blen);
    s_set_ok(a, m.topic, m.kind);
    return 0;
}

/* ------------------------------------------------------------------------
 * Plain lines and command-line samples: "TOPIC VALUE", "TOPIC F=V ...".
 * --------------------------------------------------------------------- */

/* Fill names/values from words: one bare number, or NAME=NUMBER each.
 * Words are modified ('=' becomes NUL). Returns the number of fields, or -1
 * with the reason in err. */
static int s_fields(char **words, int n, const char **names, double *values, char *err,
                    size_t errsize)
{
    char q[48], q2[48];
    if (n == 0) {
        snprintf(err, errsize, "missing value after the topic");
        return -1;
    }
    if (n > MAX_FIELDS) {
        snprintf(err, errsize, "more than %d fields", MAX_FIELDS);
        return -1;
    }
    if (n == 1 && !strchr(words[0], '=')) {
        if (!s_number(words[0], &values[0])) {
            snprintf(err, errsize, "'%s' is not a number",
                     influx_quote(q, sizeof(q), words[0], strlen(words[0])));
            return -1;
        }
        names[0] = "value";
        return 1;
    }
    for (int i = 0; i < n; i++) {
        char *eq = strchr(words[i], '=');
        if (!eq || eq == words[i]) {
            snprintf(err, errsize, "'%s' is not FIELD=VALUE",
                     influx_quote(q, sizeof(q), words[i], strlen(words[i])));
            return -1;
        }
        *eq = '\0';
        if (!s_number(eq + 1, &values[i])) {
            snprintf(err, errsize, "field '%s': '%s' is not a number",
                     influx_quote(q, sizeof(q), words[i], strlen(words[i])),
                     influx_quote(q2, sizeof(q2), eq + 1, strlen(eq + 1)));
            return -1;
        }
        names[i] = words[i];
    }
    return n;
}

static int s_check_topic(const char *topic, char *err, size_t errsize)
{
    char q[48];
    if (!topic_is_valid(topic, strlen(topic))) {
        snprintf(err, errsize, "invalid topic '%s' (segments of A-Z a-z 0-9 _ - joined by '.')",
                 influx_quote(q, sizeof(q), topic, strlen(topic)));
        return -1;
    }
    return 0;
}

/* Publish one plain line (modified in place). Returns 0, or -1 with the reason. */
static int s_plain_line(app_t *a, char *line, char *err, size_t errsize)
{
    static char *words[MAX_FIELDS + 2];
    static const char *names[MAX_FIELDS];
    static double values[MAX_FIELDS];
    int n = 0;
    for (char *save = NULL, *w = strtok_r(line, " \t", &save); w;
         w = strtok_r(NULL, " \t", &save)) {
        if (n == MAX_FIELDS + 2) {
            snprintf(err, errsize, "more than %d fields", MAX_FIELDS);
            return -1;
        }
        words[n++] = w;
    }
    if (s_check_topic(words[0], err, errsize) < 0)
        return -1;
    int nf = s_fields(words + 1, n - 1, names, values, err, errsize);
    if (nf < 0)
        return -1;
    s_before_message(a, words[0]);
    if (rtdash_pub_sample(a->pub, words[0], names, values, (size_t)nf, 0) < 0) {
        snprintf(err, errsize, "cannot publish (see above)");
        return -1;
    }
    s_set_ok(a, words[0], "sample");
    return 0;
}

/* ------------------------------------------------------------------------
 * InfluxDB line protocol (--format influx), parsed by influx.c:
 *
 *     measurement[,tag=value...] field=value[,field=value...] [timestamp]
 *
 * topic = influx_topic(): the measurement, then the tag values in the order
 * of their keys, joined by '.'. Floats, integers (3i), unsigned integers (3u)
 * and booleans (sent as 1/0) are the sample's fields; string fields ("text")
 * are not numbers, so they travel as the passthrough key "strings"
 * ({"key":"text"}). The timestamp is in --precision units (ns by default) and
 * becomes ms; absent: now.
 * --------------------------------------------------------------------- */

/* A timestamp in --precision units as Unix ms; false if out of range. */
static bool s_to_ms(const app_t *a, int64_t ts, int64_t *ms)
{
    if (a->ts_mul > 1 && (ts > INT64_MAX / a->ts_mul || ts < INT64_MIN / a->ts_mul))
        return false;
    *ms = ts / a->ts_div * a->ts_mul;
    return true;
}

/* Publish one line of line protocol. Returns 0, or -1 with the reason. */
static int s_influx_line(app_t *a, const char *line, size_t len, size_t col0, char *err,
                         size_t errsize)
{
    influx_line_t *l = a->iline;
    if (influx_parse(l, line, len, col0, err, errsize) < 0)
        return -1;
    char topic[INFLUX_TOPIC_SIZE];
    if (influx_topic(l, topic, err, errsize) < 0)
        return -1;
    int64_t ts = rtdash_now_ms();
    if (l->has_ts && !s_to_ms(a, l->ts, &ts)) {
        snprintf(err, errsize, "timestamp %lld %s is out of range", (long long)l->ts,
                 a->cfg.precision.name);
        return -1;
    }
    /* fields and strings first, so that a message over the limit costs no seq */
    size_t nstrings = l->nfields - l->nnumeric;
    msgpack_packer pk;
    msgpack_sbuffer_clear(&a->rest);
    msgpack_packer_init(&pk, &a->rest, msgpack_sbuffer_write);
    int rc = s_pack_str(&pk, "fields", 6) | msgpack_pack_map(&pk, (uint32_t)l->nnumeric);
    for (size_t k = 0; k < l->nfields; k++) {
        const influx_field_t *f = &l->fields[k];
        if (f->type == INFLUX_STRING)
            continue;
        rc |= s_pack_str(&pk, f->key, strlen(f->key));
        if (f->type == INFLUX_FLOAT)
            rc |= msgpack_pack_double(&pk, f->f);
        else if (f->type == INFLUX_UINT)
            rc |= msgpack_pack_uint64(&pk, f->u);
        else
            rc |= msgpack_pack_int64(&pk, f->i);
    }
    if (nstrings) {
        rc |= s_pack_str(&pk, "strings", 7) | msgpack_pack_map(&pk, (uint32_t)nstrings);
        for (size_t k = 0; k < l->nfields; k++) {
            const influx_field_t *f = &l->fields[k];
            if (f->type == INFLUX_STRING)
                rc |= s_pack_str(&pk, f->key, strlen(f->key)) | s_pack_str(&pk, f->s, f->slen);
        }
    }
    if (rc != 0) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    size_t head_max = 48; /* map header, kind, ts and seq */
    if (a->rest.size + head_max > RTDASH_MAX_MESSAGE) {
        snprintf(err, errsize, "message of %zu bytes is over the %d byte limit",
                 a->rest.size + head_max, RTDASH_MAX_MESSAGE);
        return -1;
    }
    s_before_message(a, topic);
    msgpack_sbuffer_clear(&a->head);
    msgpack_packer_init(&pk, &a->head, msgpack_sbuffer_write);
    rc = msgpack_pack_map(&pk, 4 + (nstrings > 0));
    rc |= s_pack_str(&pk, "kind", 4) | s_pack_str(&pk, "sample", 6);
    rc |= s_pack_str(&pk, "ts", 2) | msgpack_pack_int64(&pk, ts);
    rc |= s_pack_str(&pk, "seq", 3);
    rc |= msgpack_pack_uint64(&pk, rtdash_pub_next_seq(a->pub, topic));
    if (rc != 0 || msgpack_sbuffer_write(&a->head, a->rest.data, a->rest.size) != 0) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    if (rtdash_pub_raw(a->pub, topic, a->head.data, a->head.size) < 0) {
        snprintf(err, errsize, "cannot publish (see above)");
        return -1;
    }
    s_set_ok(a, topic, "sample");
    return 0;
}

/* ------------------------------------------------------------------------
 * Standard input.
 * --------------------------------------------------------------------- */

typedef struct input {
    unsigned long lineno;
    unsigned long valid, invalid;
} input_t;

static void s_line(app_t *a, input_t *in, char *line, size_t len)
{
    char err[320];
    in->lineno++;
    while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
        len--;
    line[len] = '\0';
    size_t lead = 0; /* for the column numbers of influx errors */
    while (*line == ' ' || *line == '\t') {
        line++;
        len--;
        lead++;
    }
    if (len == 0 || line[0] == '#')
        return;
    bool json = line[0] == '{' || line[0] == '['; /* '[': to say it must be an object */
    int rc = a->influx ? s_influx_line(a, line, len, lead, err, sizeof(err))
             : json    ? s_json_line(a, line, len, err, sizeof(err))
                       : s_plain_line(a, line, err, sizeof(err));
    if (rc == 0) {
        in->valid++;
        if (a->cfg.check)
            printf("line %lu: ok: %s %s\n", in->lineno, a->ok_topic, a->ok_kind);
    } else {
        in->invalid++;
        fprintf(stderr, "rtdash-pub: line %lu: %s\n", in->lineno, err);
    }
}

/* Read standard input to its end (or a signal). Returns the exit status. */
static int s_read_input(app_t *a)
{
    char *buf = malloc(LINE_MAX_BYTES + 1);
    if (!buf) {
        fprintf(stderr, "rtdash-pub: out of memory\n");
        return 1;
    }
    input_t in = {0};
    size_t len = 0;
    bool skipping = false; /* inside a line that was too long */
    int64_t last_meta = rtdash_now_ms();
    for (;;) {
        int64_t now = rtdash_now_ms();
        if (now - last_meta >= META_PERIOD_MS || now < last_meta) {
            s_resend_meta(a);
            last_meta = now;
        }
        if (s_stop)
            break;
        struct pollfd pfd = {STDIN_FILENO, POLLIN, 0};
        int timeout = (int)(last_meta + META_PERIOD_MS - now);
        int pr = poll(&pfd, 1, timeout < 0 ? 0 : timeout);
        if (pr < 0 && errno != EINTR) {
            fprintf(stderr, "rtdash-pub: standard input: %s\n", strerror(errno));
            break;
        }
        if (pr <= 0)
            continue;
        ssize_t r = read(STDIN_FILENO, buf + len, LINE_MAX_BYTES - len);
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            fprintf(stderr, "rtdash-pub: standard input: %s\n", strerror(errno));
            break;
        }
        if (r == 0) {
            if (len && !skipping) /* a last line without a newline */
                s_line(a, &in, buf, len);
            break;
        }
        size_t scan = len;
        len += (size_t)r;
        size_t start = 0;
        for (size_t i = scan; i < len; i++) {
            if (buf[i] != '\n')
                continue;
            if (skipping)
                skipping = false;
            else
                s_line(a, &in, buf + start, i - start);
            start = i + 1;
        }
        memmove(buf, buf + start, len - start);
        len -= start;
        if (len == LINE_MAX_BYTES) {
            in.lineno++;
            in.invalid++;
            fprintf(stderr, "rtdash-pub: line %lu: longer than %d bytes\n", in.lineno,
                    LINE_MAX_BYTES);
            skipping = true;
            len = 0;
        }
    }
    free(buf);
    if (a->cfg.check) {
        printf("%lu lines: %lu valid, %lu with errors\n", in.lineno, in.valid, in.invalid);
        return in.invalid > 0 ? 1 : 0;
    }
    rlog(RLOG_INFO, "%lu lines, %lu sent, %lu skipped", in.lineno, in.valid, in.invalid);
    return in.valid == 0 && in.invalid > 0 ? 1 : 0;
}

/* ------------------------------------------------------------------------
 * main
 * --------------------------------------------------------------------- */

/* Before exiting: if messages went out, no endpoint completed the ZeroMQ
 * handshake and one that answered failed it, nothing can have arrived: say
 * so and return EXIT_NOT_A_HUB. Nobody listening at all stays a success (a
 * hub may start later; the messages are dropped, as documented), said on
 * stderr. */
static int s_check_delivery(app_t *a, int status)
{
    rtdash_pub_status_t st;
    rtdash_pub_status(a->pub, &st);
    if (a->cfg.check || st.sent == 0 || st.handshakes > 0)
        return status;
    if (st.bad_peers == 0) {
        /* nothing listening: normal for a collector that starts before its
         * hub, so still a success, but a person at a terminal learns why
         * nothing shows up */
        fprintf(stderr,
                "rtdash-pub: no hub reached at %s: the %llu message%s dropped (is the hub "
                "running, and is this its --ingest endpoint? See its start line)\n",
                a->cfg.hub, (unsigned long long)st.sent, st.sent == 1 ? " was" : "s were");
        return status;
    }
    fprintf(stderr,
            "rtdash-pub: no hub received the %llu message%s: %s answered but is not a ZeroMQ "
            "peer (the handshake failed); publish to the hub's ingest endpoint (its --ingest, "
            "%s by default), not to its web port\n",
            (unsigned long long)st.sent, st.sent == 1 ? "" : "s",
            st.bad_endpoint ? st.bad_endpoint : "an endpoint", RTDASH_DEFAULT_HUB);
    return EXIT_NOT_A_HUB;
}

/* Check the options that opts.h cannot (numbers that are not whole). */
static int s_check_settings(app_t *a)
{
    settings_t *c = &a->cfg;
    a->min = a->max = NAN;
    if (c->min && !s_number(c->min, &a->min)) {
        fprintf(stderr, "rtdash-pub: --min: '%s' is not a number\n", c->min);
        return -1;
    }
    if (c->max && !s_number(c->max, &a->max)) {
        fprintf(stderr, "rtdash-pub: --max: '%s' is not a number\n", c->max);
        return -1;
    }
    rlog_set_level((rlog_level_t)c->log_level.value);
    a->influx = c->format.value == FORMAT_INFLUX;
    a->ts_div = s_ts_units[c->precision.value].div;
    a->ts_mul = s_ts_units[c->precision.value].mul;
    a->has_meta = c->title || c->unit || c->chart.name || c->min || c->max || c->interval_ms > 0;
    return 0;
}

/* --gen-keys FILE: a new key pair in FILE, its public key on stdout.
 * Returns the exit status. */
static int s_gen_keys(const char *path, int npos)
{
    if (npos > 0 || !*path) {
        fprintf(stderr, "rtdash-pub: --gen-keys FILE takes nothing else\n");
        return 2;
    }
    curvekey_pair_t kp;
    char err[600];
    int rc = curvekey_generate(&kp, err, sizeof err);
    if (rc == 0)
        rc = curvekey_write_file(path, &kp, err, sizeof err);
    curvekey_wipe(kp.sec, sizeof kp.sec);
    if (rc != 0) {
        fprintf(stderr, "rtdash-pub: %s\n", err);
        return 1;
    }
    printf("%s\n", kp.pub_z85);
    return 0;
}

int main(int argc, char **argv)
{
    app_t a;
    memset(&a, 0, sizeof(a));
    settings_t *c = &a.cfg;
    c->event.values = s_levels;
    c->chart.values = s_charts;
    c->format.values = s_formats;
    c->precision.values = s_precisions;
    c->log_level.values = rlog_level_values;
    const opt_t table[] = {
        RTDASH_OPT_HUB(&c->hub),
        {"event", OPT_ENUM, NULL, 0, 0, &c->event, "publish an event of this level: TOPIC TEXT..."},
        {"title", OPT_STR, NULL, 0, 0, &c->title, "meta: the topic's title"},
        {"unit", OPT_STR, NULL, 0, 0, &c->unit, "meta: the unit of the values"},
        {"chart", OPT_ENUM, NULL, 0, 0, &c->chart, "meta: how to draw the topic"},
        {"min", OPT_STR, NULL, 0, 0, &c->min, "meta: the lowest value"},
        {"max", OPT_STR, NULL, 0, 0, &c->max, "meta: the highest value"},
        {"meta-interval-ms", OPT_INT, "0", 0, 86400000, &c->interval_ms,
         "meta: interval_ms, how often the topic is published (stale after 3x); 0: unset"},
        {"collector", OPT_STR, "rtdash-pub", 0, 0, &c->collector, "meta: the collector's name"},
        {"connect-wait-ms", OPT_INT, "300", 0, 60000, &c->connect_wait_ms,
         "wait this long after connecting before the first message"},
        {"linger-ms", OPT_INT, "200", 0, 60000, &c->linger_ms,
         "wait this long before exiting so queued messages leave"},
        {"format", OPT_ENUM, "auto", 0, 0, &c->format,
         "standard input: auto (plain and JSON lines) or influx (InfluxDB line protocol)"},
        {"precision", OPT_ENUM, "ns", 0, 0, &c->precision, "influx: unit of the timestamps"},
        {"check", OPT_BOOL, "0", 0, 0, &c->check,
         "validate only: report each line, publish nothing; exit 1 if any line is bad"},
        {"gen-keys", OPT_STR, NULL, 0, 0, &c->gen_keys,
         "write a new CURVE key pair to this file (0600, not over an existing one), print "
         "its public key, and exit"},
        RLOG_OPT_LEVEL(&c->log_level),
    };
    const size_t ntable = sizeof(table) / sizeof(table[0]);
    rlog_set_prog("rtdash-pub");
    int first = argc;
    int r = opts_parse(table, ntable, argc, argv, s_usage, &first);
    if (r > 0) {
        if (s_wants_help(argc, argv))
            fputs(s_help_tail, stdout);
        return 0;
    }
    if (r < 0 || s_check_settings(&a) < 0)
        return 2;
    if (c->gen_keys)
        return s_gen_keys(c->gen_keys, argc - first);

    /* Work out the command-line message before connecting: a usage error
     * costs no wait. */
    char err[256];
    char **pos = argv + first;
    int npos = argc - first;
    const char *event = c->event.name; /* NULL: not an event */
    bool from_stdin = !event && (npos == 0 || (npos == 1 && strcmp(pos[0], "-") == 0));
    if (a.influx && !from_stdin) {
        fprintf(stderr, "rtdash-pub: --format influx reads standard input only: "
                        "echo 'cpu,host=a usage=1.5' | rtdash-pub --format influx\n");
        return 2;
    }
    static const char *names[MAX_FIELDS];
    static double values[MAX_FIELDS];
    int nfields = 0;
    char text[RTDASH_MAX_TEXT * 4 + 1];
    if (event) {
        if (npos < 2) {
            fprintf(stderr, "rtdash-pub: --event LEVEL needs TOPIC TEXT... (see --help)\n");
            return 2;
        }
        size_t o = 0;
        for (int i = 1; i < npos; i++) {
            int w = snprintf(text + o, sizeof(text) - o, "%s%s", i > 1 ? " " : "", pos[i]);
            o = w < 0 || (size_t)w >= sizeof(text) - o ? sizeof(text) - 1 : o + (size_t)w;
        }
    } else if (!from_stdin) {
        for (int i = 1; i < npos; i++) {
            if (strncmp(pos[i], "--", 2) == 0) {
                fprintf(stderr, "rtdash-pub: options go before TOPIC (found '%s' after it)\n",
                        pos[i]);
                return 2;
            }
        }
        nfields = s_fields(pos + 1, npos - 1, names, values, err, sizeof(err));
        if (nfields < 0) {
            fprintf(stderr, "rtdash-pub: %s (see --help)\n", err);
            return 2;
        }
    }
    if (!from_stdin && s_check_topic(pos[0], err, sizeof(err)) < 0) {
        fprintf(stderr, "rtdash-pub: %s\n", err);
        return 2;
    }
    if (!from_stdin && c->check) {
        printf("ok: %s %s\n", pos[0], event ? "event" : "sample");
        return 0;
    }
    if (a.influx) {
        a.iline = influx_line_new(LINE_MAX_BYTES);
        if (!a.iline) {
            fprintf(stderr, "rtdash-pub: out of memory\n");
            return 1;
        }
    } else if (from_stdin) {
        a.jsonl = jsonl_new();
        if (!a.jsonl) {
            fprintf(stderr, "rtdash-pub: out of memory\n");
            return 1;
        }
    }

    /* --check goes through the very same code, with a socket connected to an
     * in-process endpoint nobody binds: nothing leaves the process. */
    a.pub = rtdash_pub_new(c->check ? "inproc://rtdash-pub-check" : c->hub);
    if (!a.pub) {
        influx_line_destroy(&a.iline);
        jsonl_destroy(&a.jsonl);
        return 1;
    }
    if (c->check) {
        c->connect_wait_ms = c->linger_ms = 0;
        setvbuf(stdout, NULL, _IOLBF, 0); /* in step with the errors on stderr */
    }
    rtdash_stop_on_signals(&s_stop); /* poll() and sleeps end at once */
    msgpack_sbuffer_init(&a.head);
    msgpack_sbuffer_init(&a.rest);

    /* ZeroMQ's slow joiner: the hub's subscription reaches us a moment after
     * the connection, and PUB drops whatever it sends before that. */
    s_sleep_ms(c->connect_wait_ms);
    int status = 0;
    if (from_stdin) {
        status = s_read_input(&a);
    } else {
        s_send_opt_meta(&a, pos[0]);
        int rc = event ? rtdash_pub_event(a.pub, pos[0], event, text, 0)
                       : rtdash_pub_sample(a.pub, pos[0], names, values, (size_t)nfields, 0);
        status = rc < 0 ? 1 : 0;
    }
    /* The publisher closes with ZMQ_LINGER 0, which discards what is still
     * queued: give the I/O thread a moment to send it first. */
    s_sleep_ms(c->linger_ms);
    status = s_check_delivery(&a, status);
    rtdash_pub_destroy(&a.pub);
    influx_line_destroy(&a.iline);
    jsonl_destroy(&a.jsonl);
    s_topics_free(&a.topics);
    msgpack_sbuffer_destroy(&a.head);
    msgpack_sbuffer_destroy(&a.rest);
    return status;
}
