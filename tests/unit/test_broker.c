/* SPDX-License-Identifier: MIT */
/* test_broker.c - the hub's logic end to end, without sockets: ingest,
 * fan-out, commands, history, pause/resume, slow clients, batching, cron. */
#include "broker.h"
#include "check.h"
#include "cmd.h"
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int s_wakes;
static void s_wake(void *ud, client_t *c)
{
    (void)ud;
    (void)c;
    s_wakes++;
}

static msgpack_sbuffer s_buf;

/* A sample body {kind, ts, seq, fields:{v}} (ts/seq omitted when 0). */
static void s_sample(broker_t *b, const char *topic, int64_t ts, uint64_t seq, double v)
{
    msgpack_sbuffer_clear(&s_buf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &s_buf, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2 + (ts != 0) + (seq != 0));
    msgpack_pack_str_with_body(&pk, "kind", 4);
    msgpack_pack_str_with_body(&pk, "sample", 6);
    if (ts) {
        msgpack_pack_str_with_body(&pk, "ts", 2);
        msgpack_pack_int64(&pk, ts);
    }
    if (seq) {
        msgpack_pack_str_with_body(&pk, "seq", 3);
        msgpack_pack_uint64(&pk, seq);
    }
    msgpack_pack_str_with_body(&pk, "value", 5);
    msgpack_pack_double(&pk, v);
    broker_ingest(b, topic, strlen(topic), (const uint8_t *)s_buf.data, s_buf.size, 5000, 100);
    broker_flush(b);
}

static void s_meta(broker_t *b, const char *topic, int64_t interval_ms)
{
    msgpack_sbuffer_clear(&s_buf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &s_buf, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 3);
    msgpack_pack_str_with_body(&pk, "kind", 4);
    msgpack_pack_str_with_body(&pk, "meta", 4);
    msgpack_pack_str_with_body(&pk, "title", 5);
    msgpack_pack_str_with_body(&pk, "T", 1);
    msgpack_pack_str_with_body(&pk, "interval_ms", 11);
    msgpack_pack_int64(&pk, interval_ms);
    broker_ingest(b, topic, strlen(topic), (const uint8_t *)s_buf.data, s_buf.size, 5000, 100);
    broker_flush(b);
}

/* Drain everything queued for c into one string of lines (caller frees). */
static char *s_drain(broker_t *b, client_t *c)
{
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    out[0] = '\0';
    unsigned char *text;
    size_t n;
    uint32_t frames;
    while ((frames = broker_next_write(b, c, &text, &n)) > 0) {
        while (len + n + 2 > cap)
            out = realloc(out, cap *= 2);
        memcpy(out + len, text, n);
        len += n;
        out[len++] = '\n';
        out[len] = '\0';
        broker_wrote(b, c, frames, n);
    }
    return out;
}

static int s_count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void s_cmd(broker_t *b, client_t *c, const char *json)
{
    broker_command(b, c, json, strlen(json), 1000);
}

/* The configuration every scenario starts from. */
static broker_cfg_t s_cfg(void)
{
    broker_cfg_t cfg = {.history = 5,
                        .max_topics = 100,
                        .max_subs = 10,
                        .max_body = 65536,
                        .max_depth = 16,
                        .queue_frames = 8,
                        .queue_bytes = 1 << 20,
                        .slow_ms = 30000,
                        .cmd_rate = 20,
                        .cmd_burst = 40,
                        .cmd_flood = 50,
                        .batch_bytes = 65536};
    return cfg;
}

/* A client that has read its welcome and subscribed to pattern (history off). */
static client_t *s_client(broker_t *b, const char *pattern)
{
    client_t *c = broker_client_open(b, NULL, NULL);
    free(s_drain(b, c));
    if (pattern) {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "{\"type\":\"subscribe\",\"topics\":[\"%s\"]}", pattern);
        s_cmd(b, c, cmd);
        free(s_drain(b, c));
    }
    return c;
}

/* broker_recheck_access's check: give every client these patterns, or
 * answer s_check_code. */
static char **s_check_patterns;
static uint32_t s_check_n;
static int s_check_code;
static int s_check(void *ud, access_t *acc)
{
    (void)ud;
    if (s_check_code)
        return s_check_code;
    if (acc->kind != ACCESS_OPEN)
        CHECK(access_set_patterns(acc, s_check_patterns, s_check_n) == 0);
    return 0;
}

/* Destroy b and check that no frame outlives it. */
static void s_done(broker_t **b)
{
    broker_destroy(b);
    CHECK(*b == NULL);
    CHECK(frame_live_count() == 0);
}

/* The welcome, subscribe with history, live delivery batched with \n, the
 * zero-copy single frame, and a new topic announced before its sample. */
static void test_welcome_subscribe_live(void)
{
    broker_cfg_t cfg = s_cfg();
    broker_t *b = broker_new(&cfg, s_wake, NULL);
    CHECK(b != NULL);
    s_sample(b, "demo.sales", 1000, 1, 1.5);
    CHECK(broker_stats(b)->samples == 1 && registry_count(broker_registry(b)) == 1);

    client_t *c = broker_client_open(b, NULL, NULL);
    CHECK(c && c->id == 1 && s_wakes > 0);
    char *out = s_drain(b, c);
    CHECK(strstr(out, "{\"type\":\"welcome\",\"server\":\"rtdash-hub\"") == out);
    CHECK(strstr(out,
                 "\"client_id\":1,\"clients\":1,\"topics\":[{\"topic\":\"demo.sales\",\"meta\":"
                 "null,\"last\":{\"topic\":\"demo.sales\",\"ts\":1000,\"seq\":1,\"fields\":{"
                 "\"value\":1.5}},\"stale\":false}]}"));
    free(out);

    /* nothing is delivered before subscribing */
    s_sample(b, "demo.sales", 1001, 2, 2);
    CHECK(c->q.count == 0);

    s_cmd(b, c, "{\"type\":\"subscribe\",\"topics\":[\"demo.*\",\"demo.sales\"],\"history\":true}");
    out = s_drain(b, c);
    CHECK(strstr(out,
                 "{\"type\":\"subscribed\",\"topics\":[\"demo.*\",\"demo.sales\"]}\n"
                 "{\"type\":\"history\",\"topic\":\"demo.sales\",\"complete\":true,\"points\":"
                 "[{\"topic\":\"demo.sales\",\"ts\":1000,\"seq\":1,\"fields\":{\"value\":1.5}},"
                 "{\"topic\":\"demo.sales\",\"ts\":1001,\"seq\":2,\"fields\":{\"value\":2}}]}") ==
          out);
    free(out);

    /* live, delivered once although two patterns match; batched with \n */
    s_sample(b, "demo.sales", 1002, 3, 3);
    s_sample(b, "demo.sales", 1003, 4, 4);
    unsigned char *text;
    size_t n;
    uint64_t msgs0 = broker_stats(b)->ws_msgs, frames0 = broker_stats(b)->ws_frames;
    CHECK(broker_next_write(b, c, &text, &n) == 2);
    CHECK(n == strlen("{\"type\":\"sample\",\"topic\":\"demo.sales\",\"ts\":1002,\"seq\":3,"
                      "\"fields\":{\"value\":3}}\n{\"type\":\"sample\",\"topic\":\"demo.sales\","
                      "\"ts\":1003,\"seq\":4,\"fields\":{\"value\":4}}"));
    broker_wrote(b, c, 2, n);
    /* a single queued frame is written zero-copy from the shared frame */
    s_sample(b, "demo.sales", 1004, 5, 5);
    CHECK(broker_next_write(b, c, &text, &n) == 1);
    frame_t *last = history_at(registry_at(broker_registry(b), 0)->hist, 4);
    CHECK(text == frame_text(last));
    broker_wrote(b, c, 1, n);
    CHECK(broker_stats(b)->ws_msgs == msgs0 + 3 && broker_stats(b)->ws_frames == frames0 + 2);

    /* a new matching topic: topic message, then its sample */
    s_sample(b, "demo.users", 0, 0, 7);
    out = s_drain(b, c);
    CHECK(strstr(out,
                 "{\"type\":\"topic\",\"topic\":\"demo.users\",\"meta\":null}\n"
                 "{\"type\":\"sample\",\"topic\":\"demo.users\",\"ts\":5000,\"seq\":1,") == out);
    free(out);
    s_done(&b);
}

/* since: exactly the points after (ts, seq); older than the ring: incomplete. */
static void test_since(void)
{
    broker_cfg_t cfg = s_cfg();
    broker_t *b = broker_new(&cfg, s_wake, NULL);
    for (int i = 1; i <= 5; i++)
        s_sample(b, "demo.sales", 999 + i, (uint64_t)i, i);
    client_t *c2 = s_client(b, NULL);
    s_cmd(b, c2,
          "{\"type\":\"subscribe\",\"topics\":[\"demo.sales\"],\"since\":{\"demo.sales\":"
          "[1002,3]}}");
    char *out = s_drain(b, c2);
    CHECK(s_count(out, "\"seq\":") == 2 && strstr(out, "\"seq\":4") && strstr(out, "\"seq\":5"));
    CHECK(strstr(out, "\"complete\":true"));
    free(out);
    /* since older than the ring (5 points: seq 3..7 kept) */
    s_sample(b, "demo.sales", 1005, 6, 6);
    s_sample(b, "demo.sales", 1006, 7, 7);
    free(s_drain(b, c2));
    s_cmd(b, c2, "{\"type\":\"unsubscribe\",\"topics\":[\"demo.sales\"]}");
    s_cmd(b, c2,
          "{\"type\":\"subscribe\",\"topics\":[\"demo.sales\"],\"since\":{\"demo.sales\":"
          "[1000,1]}}");
    out = s_drain(b, c2);
    CHECK(strstr(out, "\"complete\":false"));
    CHECK(s_count(out, "\"seq\":") == 5);
    free(out);
    s_done(&b);
}

/* pause / resume: exactly the missed points, other clients unaffected. */
static void test_pause_resume(void)
{
    broker_cfg_t cfg = s_cfg();
    broker_t *b = broker_new(&cfg, s_wake, NULL);
    s_sample(b, "demo.sales", 1000, 1, 1);
    s_sample(b, "demo.users", 1000, 1, 1);
    client_t *c = s_client(b, "demo.*"), *c2 = s_client(b, "demo.sales");
    s_cmd(b, c, "{\"type\":\"pause\"}");
    free(s_drain(b, c));
    s_sample(b, "demo.sales", 1007, 8, 8);
    s_sample(b, "demo.sales", 1008, 9, 9);
    CHECK(c->q.count == 0);
    CHECK(c2->q.count == 2); /* others unaffected */
    free(s_drain(b, c2));
    s_cmd(b, c, "{\"type\":\"resume\"}");
    char *out = s_drain(b, c);
    CHECK(strstr(out, "{\"type\":\"resumed\",\"topics\":[\"*\"]}\n") == out);
    CHECK(strstr(out, "\"topic\":\"demo.sales\",\"complete\":true,\"points\":[{\"topic\":\"demo."
                      "sales\",\"ts\":1007,\"seq\":8,"));
    CHECK(s_count(out, "\"seq\":") == 2);
    CHECK(strstr(out, "{\"type\":\"history\",\"topic\":\"demo.users\",\"complete\":true,"
                      "\"points\":[]}"));
    free(out);
    s_sample(b, "demo.sales", 1009, 10, 10);
    CHECK(c->q.count == 1);
    s_done(&b);
}

/* A slow client (queue bound 8) keeps each topic's newest, flags the gap. */
static void test_slow_client(void)
{
    broker_cfg_t cfg = s_cfg();
    broker_t *b = broker_new(&cfg, s_wake, NULL);
    s_sample(b, "demo.sales", 1000, 1, 1);
    s_sample(b, "demo.users", 1000, 1, 1);
    client_t *c = s_client(b, "demo.*");
    for (int i = 0; i < 20; i++)
        s_sample(b, "demo.sales", 2000 + i, (uint64_t)(100 + i), i);
    s_sample(b, "demo.users", 0, 0, 1);
    CHECK(c->q.count == 8);
    CHECK(broker_stats(b)->dropped_slow >= 13);
    CHECK(c->full_since_mono != 0);
    char *out = s_drain(b, c);
    CHECK(strstr(out, "{\"type\":\"sample\",\"gap\":true,\"topic\":\"demo.sales\""));
    CHECK(s_count(out, "\"gap\":true") == 1);
    CHECK(strstr(out, "\"seq\":119")); /* the newest of demo.sales */
    CHECK(strstr(out, "\"topic\":\"demo.users\""));
    CHECK(c->full_since_mono == 0);
    free(out);
    /* dropping for slow_ms closes it with 1008, counted once */
    for (int i = 0; i < 20; i++)
        s_sample(b, "demo.sales", 3000 + i, (uint64_t)(200 + i), i);
    CHECK(c->full_since_mono == 100);
    broker_cron(b, 0, 100 + cfg.slow_ms - 1);
    CHECK(c->close_code == 0);
    broker_cron(b, 0, 100 + cfg.slow_ms);
    CHECK(c->close_code == 1008 && !strcmp(c->close_reason, "slow consumer"));
    broker_cron(b, 0, 200 + cfg.slow_ms);
    CHECK(broker_stats(b)->kicked[KICK_SLOW] == 1);
    s_done(&b);
}

/* Commands: errors keep the connection, each with its code; limits. */
static void test_commands(void)
{
    broker_cfg_t cfg = s_cfg();
    broker_t *b = broker_new(&cfg, s_wake, NULL);
    client_t *c = s_client(b, NULL), *c2 = s_client(b, "demo.sales");
    s_cmd(b, c, "nope");
    s_cmd(b, c, "{\"type\":\"dance\"}");
    s_cmd(b, c, "{\"type\":\"subscribe\",\"topics\":[\"a..b\"]}");
    s_cmd(b, c, "{\"type\":\"ping\"}");
    char *out = s_drain(b, c);
    CHECK(strstr(out, "\"code\":\"bad_request\""));
    CHECK(strstr(out, "\"code\":\"unknown_type\""));
    CHECK(strstr(out, "\"code\":\"bad_topic\""));
    CHECK(strstr(out, "{\"type\":\"pong\"}"));
    CHECK(c->close_code == 0);
    CHECK(broker_stats(b)->cmd_errors[CMD_E_BAD_REQUEST] == 1);
    free(out);
    /* subscription limit (10 patterns), all or nothing */
    s_cmd(b, c2,
          "{\"type\":\"subscribe\",\"topics\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\","
          "\"h\",\"i\",\"j\"]}");
    out = s_drain(b, c2);
    CHECK(strstr(out, "\"code\":\"limit\""));
    CHECK(c2->npatterns == 1);
    free(out);
    /* command rate: the burst is 40, then "limit", then 1008 */
    client_t *c3 = s_client(b, NULL);
    for (int i = 0; i < 45; i++)
        s_cmd(b, c3, "{\"type\":\"ping\"}");
    out = s_drain(b, c3);
    CHECK(s_count(out, "pong") == 40);
    CHECK(s_count(out, "too many commands") == 5);
    free(out);
    for (int i = 0; i < 60 && !c3->close_code; i++)
        s_cmd(b, c3, "{\"type\":\"ping\"}");
    CHECK(c3->close_code == 1008 && broker_stats(b)->kicked[KICK_FLOOD] == 1);
    broker_client_close(b, &c3);
    broker_client_close(b, &c2);
    CHECK(broker_nclients(b) == 1);
    s_done(&b); /* closes the remaining client */
}

/* cron: the clients count once, stale after 3 x interval, once. */
static void test_cron(void)
{
    broker_cfg_t cfg = s_cfg();
    broker_t *b = broker_new(&cfg, s_wake, NULL);
    s_sample(b, "demo.sales", 1000, 1, 1);
    client_t *c = s_client(b, "demo.*");
    s_client(b, NULL);
    s_client(b, NULL);
    s_meta(b, "demo.sales", 100);
    free(s_drain(b, c));
    broker_cron(b, 9000, 100 + 301);
    char *out = s_drain(b, c);
    CHECK(strstr(out, "{\"type\":\"clients\",\"count\":3}"));
    CHECK(strstr(out, "{\"type\":\"stale\",\"topic\":\"demo.sales\",\"since\":8699}"));
    free(out);
    broker_cron(b, 9500, 900);
    out = s_drain(b, c);
    CHECK(strcmp(out, "") == 0); /* nothing new: coalesced, stale sent once */
    free(out);
    s_done(&b);
}

/* A collector named by meta gets its topics' messages and rejects. */
static void test_collectors(void)
{
    broker_cfg_t cfg = s_cfg();
    broker_t *b = broker_new(&cfg, s_wake, NULL);
    msgpack_sbuffer_clear(&s_buf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &s_buf, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    msgpack_pack_str_with_body(&pk, "kind", 4);
    msgpack_pack_str_with_body(&pk, "meta", 4);
    msgpack_pack_str_with_body(&pk, "collector", 9);
    msgpack_pack_str_with_body(&pk, "demo", 4);
    broker_ingest(b, "demo.users", 10, (const uint8_t *)s_buf.data, s_buf.size, 7000, 100);
    s_sample(b, "demo.users", 0, 0, 3);
    broker_ingest(b, "demo.users", 10, (const uint8_t *)"\x81\xa4kind\xa4nope", 11, 0, 0);
    const colreg_t *cr = broker_colreg(b);
    CHECK(cr->n == 1 && !strcmp(cr->v[0].name, "demo"));
    CHECK(cr->v[0].msgs == 1 && cr->v[0].metas == 1);
    CHECK(cr->v[0].rejected[MP2JSON_E_KIND] == 1);
    CHECK(cr->v[0].ntopics == 1 && cr->v[0].last_seen_wall == 5000);
    jbuf_t cj;
    jbuf_init(&cj, 1 << 20);
    broker_put_collectors(b, &cj);
    jbuf_putc(&cj, '\0');
    CHECK(strstr((const char *)jbuf_text(&cj), "{\"name\":\"demo\",\"topics\":[\"demo.users\"],"
                                               "\"last_seen\":5000,\"messages\":1,\"metas\":1,"));
    CHECK(strstr((const char *)jbuf_text(&cj), "\"rejected\":{\"bad_kind\":1}}]"));
    jbuf_free(&cj);
    s_done(&b);
}

/* Rejected collector input is counted, not fatal. */
static void test_rejects(void)
{
    broker_cfg_t cfg = s_cfg();
    broker_t *b = broker_new(&cfg, s_wake, NULL);
    broker_ingest(b, "bad..topic", 10, (const uint8_t *)"\x80", 1, 0, 0);
    broker_ingest(b, "ok", 2, (const uint8_t *)"\xdd\xff\xff\xff\xff", 5, 0, 0);
    broker_ingest(b, "ok", 2, (const uint8_t *)"\x81\xa4kind\xa4nope", 11, 0, 0);
    broker_ingest(b, "ok", 2, (const uint8_t *)"\x81\xa4kind\xa4nope", 11, 0, 0);
    const broker_stats_t *st = broker_stats(b);
    CHECK(st->rejected[REJ_BAD_TOPIC] == 1);
    CHECK(st->rejected[MP2JSON_E_DECLARED] == 1);
    CHECK(st->rejected[MP2JSON_E_KIND] == 2);
    CHECK(st->msgs_in == 4 && registry_count(broker_registry(b)) == 0);
    s_done(&b);
}

/* All queues together over total_bytes: the largest client is closed. */
static void test_memory_limit(void)
{
    broker_cfg_t cfg = s_cfg();
    cfg.total_bytes = 2000;
    cfg.queue_frames = 1000;
    broker_t *b = broker_new(&cfg, s_wake, NULL);
    client_t *small = s_client(b, "m.a"), *big = s_client(b, "m.*");
    for (int i = 0; i < 40; i++) {
        s_sample(b, "m.b", 0, 0, i);
        if (i % 8 == 0)
            s_sample(b, "m.a", 0, 0, i);
    }
    CHECK(broker_queued_bytes(b) > 2000);
    broker_cron(b, 0, 200);
    CHECK(big->close_code == 1008 && small->close_code == 0);
    CHECK(broker_stats(b)->kicked[KICK_MEMORY] == 1);
    s_done(&b);
}

/* A client on many topics may hold more than its byte bound in data (each
 * frame a topic's newest) without being closed; control frames piled past
 * four times the bound close it. */
static void test_many_topics_bound(void)
{
    broker_cfg_t cfg = s_cfg();
    cfg.queue_bytes = 200;
    broker_t *b = broker_new(&cfg, s_wake, NULL);
    char tn[16];
    for (int i = 0; i < 30; i++) { /* topics known before the client comes */
        snprintf(tn, sizeof(tn), "k.t%d", i);
        s_sample(b, tn, 1000, 1, i);
    }
    client_t *many = s_client(b, "k.*");
    for (int i = 0; i < 30; i++) {
        snprintf(tn, sizeof(tn), "k.t%d", i);
        s_sample(b, tn, 1001, 2, i);
    }
    CHECK(many->q.bytes > 4 * 200 && many->q.ctl_bytes < 4 * 200);
    broker_cron(b, 0, 200);
    CHECK(many->close_code == 0);
    for (int i = 0; i < 30; i++)
        s_cmd(b, many, "{\"type\":\"subscribe\",\"topics\":[\"k.*\"]}");
    CHECK(many->q.ctl_bytes > 4 * 200);
    broker_cron(b, 0, 300);
    CHECK(many->close_code == 1008);
    CHECK(broker_stats(b)->kicked[KICK_SLOW] == 1);
    s_done(&b);
}

/* Forward jumps in a topic's own seq are counted as missing; a step back
 * (restarted collector) and messages without seq are not. */
static void test_seq_missing(void)
{
    broker_cfg_t cfg = s_cfg();
    broker_t *b = broker_new(&cfg, s_wake, NULL);
    const broker_stats_t *st = broker_stats(b);
    s_sample(b, "g.a", 1000, 1, 0);
    s_sample(b, "g.a", 1001, 2, 0);
    CHECK(st->seq_missing == 0);
    s_sample(b, "g.a", 1002, 6, 0); /* 3, 4, 5 never came */
    CHECK(st->seq_missing == 3);
    s_sample(b, "g.a", 1003, 1, 0); /* restart */
    s_sample(b, "g.a", 1004, 2, 0);
    s_sample(b, "g.b", 1004, 40, 0); /* first seen: no baseline */
    s_sample(b, "g.b", 1005, 0, 0);  /* no seq: the hub assigns one */
    CHECK(st->seq_missing == 3);
    s_sample(b, "g.a", 1005, 4, 0);
    CHECK(st->seq_missing == 4);
    s_done(&b);
}

/* Shutdown: every client is asked to close once, each counted. */
static void test_close_all(void)
{
    broker_cfg_t cfg = s_cfg();
    broker_t *b = broker_new(&cfg, s_wake, NULL);
    client_t *c1 = s_client(b, NULL), *c2 = s_client(b, NULL);
    int wakes = s_wakes;
    broker_close_all(b, KICK_SHUTDOWN, 1001, "hub shutting down");
    broker_close_all(b, KICK_SHUTDOWN, 1001, "hub shutting down");
    CHECK(c1->close_code == 1001 && c2->close_code == 1001);
    CHECK(s_wakes == wakes + 2);
    CHECK(broker_stats(b)->kicked[KICK_SHUTDOWN] == 2);
    /* a closing client ignores commands and gets no more frames */
    s_cmd(b, c1, "{\"type\":\"ping\"}");
    CHECK(c1->q.count == 0);
    s_done(&b);
}

/* A wave of clients leaving lets the caller hand memory back, once. */
static void test_memory_handback(void)
{
    broker_cfg_t cfg = s_cfg();
    broker_t *b = broker_new(&cfg, s_wake, NULL);
    enum { N = 1000 };
    client_t **v = calloc(N, sizeof(*v));
    for (int i = 0; i < N; i++)
        v[i] = broker_client_open(b, NULL, NULL);
    CHECK(!broker_cron(b, 0, 100));
    for (int i = 0; i < N / 2 + 1; i++)
        broker_client_close(b, &v[i]);
    CHECK(broker_cron(b, 0, 1100));
    CHECK(!broker_cron(b, 0, 2100));
    free(v);
    s_done(&b);
}

/* A client with access patterns sees, subscribes and keeps only those. */
static void test_access(void)
{
    broker_cfg_t cfg = s_cfg();
    broker_t *b = broker_new(&cfg, s_wake, NULL);
    s_sample(b, "demo.sales", 1000, 1, 1);
    s_sample(b, "system.cpu", 1000, 1, 1);
    char *pats[] = {"demo.*", "ops.feed"};
    access_t acc = {.kind = ACCESS_TOKEN, .role = ROLE_VIEWER};
    CHECK(access_set_patterns(&acc, pats, 2) == 0);
    client_t *c = broker_client_open(b, NULL, &acc);
    CHECK(acc.patterns == NULL && c->access.npatterns == 2); /* taken over */
    char *out = s_drain(b, c);
    CHECK(strstr(out, "\"demo.sales\"") && !strstr(out, "system.cpu"));
    free(out);
    /* a subscribe or since outside its patterns is refused whole */
    s_cmd(b, c, "{\"type\":\"subscribe\",\"topics\":[\"demo.*\",\"system.*\"]}");
    s_cmd(b, c, "{\"type\":\"subscribe\",\"topics\":[\"*\"]}");
    s_cmd(b, c,
          "{\"type\":\"subscribe\",\"topics\":[\"demo.sales\"],\"since\":"
          "{\"system.cpu\":[1,1]}}");
    out = s_drain(b, c);
    CHECK(s_count(out, "\"code\":\"forbidden\"") == 3 && c->npatterns == 0);
    free(out);
    CHECK(broker_stats(b)->cmd_errors[CMD_E_FORBIDDEN] == 3);
    s_cmd(b, c, "{\"type\":\"subscribe\",\"topics\":[\"demo.*\",\"ops.feed\"]}");
    out = s_drain(b, c);
    CHECK(strstr(out, "{\"type\":\"subscribed\""));
    free(out);
    /* a new topic is announced only to those who may see it */
    client_t *open = s_client(b, NULL);
    s_sample(b, "system.mem", 1000, 1, 1);
    s_sample(b, "demo.users", 1000, 1, 1);
    out = s_drain(b, c);
    CHECK(!strstr(out, "system.mem") &&
          strstr(out, "{\"type\":\"topic\",\"topic\":\"demo.users\""));
    free(out);
    out = s_drain(b, open);
    CHECK(strstr(out, "system.mem") && strstr(out, "demo.users"));
    free(out);
    /* narrowed on reload: the pattern goes, queued frames of it too */
    s_sample(b, "demo.sales", 1001, 2, 2);
    CHECK(c->q.count == 1);
    char *narrow[] = {"ops.feed"};
    s_check_patterns = narrow;
    s_check_n = 1;
    s_check_code = 0;
    broker_recheck_access(b, s_check, NULL);
    out = s_drain(b, c);
    CHECK(!strstr(out, "demo.sales") && strstr(out, "{\"type\":\"unsubscribed\",\"topics\":"
                                                    "[\"demo.*\"]}"));
    CHECK(c->npatterns == 1 && c->ntopics == 0);
    free(out);
    s_sample(b, "demo.sales", 1002, 3, 3);
    CHECK(c->q.count == 0);
    /* revoked: closed with the code the check gives, counted */
    s_check_code = 4403;
    broker_recheck_access(b, s_check, NULL);
    CHECK(c->close_code == 4403 && broker_stats(b)->kicked[KICK_REVOKED] == 2);
    CHECK(open->close_code == 4403); /* the check said so for every client */
    s_done(&b);
}

int main(void)
{
    msgpack_sbuffer_init(&s_buf);
    test_welcome_subscribe_live();
    test_since();
    test_pause_resume();
    test_slow_client();
    test_commands();
    test_cron();
    test_collectors();
    test_rejects();
    test_memory_limit();
    test_many_topics_bound();
    test_seq_missing();
    test_close_all();
    test_memory_handback();
    test_access();
    msgpack_sbuffer_destroy(&s_buf);
    return CHECK_DONE();
}
