/* test_broker.c - the hub's logic end to end, without sockets: ingest,
 * fan-out, commands, history, pause/resume, slow clients, batching, cron. */
#include "broker.h"
#include "check.h"
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
        broker_wrote(b, c, frames, n, 100);
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

int main(void)
{
    msgpack_sbuffer_init(&s_buf);
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
    broker_t *b = broker_new(&cfg, s_wake, NULL);
    CHECK(b != NULL);

    s_sample(b, "demo.sales", 1000, 1, 1.5);
    CHECK(b->st.samples == 1 && registry_count(b->reg) == 1);

    client_t *c = broker_client_open(b, NULL);
    CHECK(c && c->id == 1 && s_wakes > 0);
    char *out = s_drain(b, c);
    CHECK(strstr(out, "{\"type\":\"welcome\",\"server\":\"rtdash-hub\"") == out);
    CHECK(strstr(out, "\"client_id\":1,\"clients\":1,\"topics\":[{\"topic\":\"demo.sales\",\"meta\":"
                      "null,\"last\":{\"topic\":\"demo.sales\",\"ts\":1000,\"seq\":1,\"fields\":{"
                      "\"value\":1.5}},\"stale\":false}]}"));
    free(out);

    /* nothing is delivered before subscribing */
    s_sample(b, "demo.sales", 1001, 2, 2);
    CHECK(c->q.count == 0);

    s_cmd(b, c, "{\"type\":\"subscribe\",\"topics\":[\"demo.*\",\"demo.sales\"],\"history\":true}");
    out = s_drain(b, c);
    CHECK(strstr(out, "{\"type\":\"subscribed\",\"topics\":[\"demo.*\",\"demo.sales\"]}\n"
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
    CHECK(broker_next_write(b, c, &text, &n) == 2);
    CHECK(n == strlen("{\"type\":\"sample\",\"topic\":\"demo.sales\",\"ts\":1002,\"seq\":3,"
                      "\"fields\":{\"value\":3}}\n{\"type\":\"sample\",\"topic\":\"demo.sales\","
                      "\"ts\":1003,\"seq\":4,\"fields\":{\"value\":4}}"));
    broker_wrote(b, c, 2, n, 100);
    /* a single queued frame is written zero-copy from the shared frame */
    s_sample(b, "demo.sales", 1004, 5, 5);
    CHECK(broker_next_write(b, c, &text, &n) == 1);
    frame_t *last = history_at(registry_at(b->reg, 0)->hist, 4);
    CHECK(text == frame_text(last));
    broker_wrote(b, c, 1, n, 100);

    /* a new matching topic: topic message, then its sample */
    s_sample(b, "demo.users", 0, 0, 7);
    out = s_drain(b, c);
    CHECK(strstr(out, "{\"type\":\"topic\",\"topic\":\"demo.users\",\"meta\":null}\n"
                      "{\"type\":\"sample\",\"topic\":\"demo.users\",\"ts\":5000,\"seq\":1,") == out);
    free(out);

    /* since: exactly the points after (ts, seq) */
    client_t *c2 = broker_client_open(b, NULL);
    free(s_drain(b, c2));
    s_cmd(b, c2, "{\"type\":\"subscribe\",\"topics\":[\"demo.sales\"],\"since\":{\"demo.sales\":"
                 "[1002,3]}}");
    out = s_drain(b, c2);
    CHECK(s_count(out, "\"seq\":") == 2 && strstr(out, "\"seq\":4") && strstr(out, "\"seq\":5"));
    CHECK(strstr(out, "\"complete\":true"));
    free(out);
    /* since older than the ring (5 points: seq 1..5 kept, so far complete) */
    s_sample(b, "demo.sales", 1005, 6, 6);
    s_sample(b, "demo.sales", 1006, 7, 7);
    free(s_drain(b, c));
    free(s_drain(b, c2));
    s_cmd(b, c2, "{\"type\":\"unsubscribe\",\"topics\":[\"demo.sales\"]}");
    s_cmd(b, c2, "{\"type\":\"subscribe\",\"topics\":[\"demo.sales\"],\"since\":{\"demo.sales\":"
                 "[1000,1]}}");
    out = s_drain(b, c2);
    CHECK(strstr(out, "\"complete\":false"));
    CHECK(s_count(out, "\"seq\":") == 5);
    free(out);

    /* pause / resume: exactly the missed points */
    s_cmd(b, c, "{\"type\":\"pause\"}");
    free(s_drain(b, c));
    s_sample(b, "demo.sales", 1007, 8, 8);
    s_sample(b, "demo.sales", 1008, 9, 9);
    CHECK(c->q.count == 0);
    CHECK(c2->q.count == 2); /* others unaffected */
    free(s_drain(b, c2));
    s_cmd(b, c, "{\"type\":\"resume\"}");
    out = s_drain(b, c);
    CHECK(strstr(out, "{\"type\":\"resumed\",\"topics\":[\"*\"]}\n") == out);
    CHECK(strstr(out, "\"topic\":\"demo.sales\",\"complete\":true,\"points\":[{\"topic\":\"demo."
                      "sales\",\"ts\":1007,\"seq\":8,"));
    CHECK(s_count(out, "\"seq\":") == 2);
    CHECK(strstr(out, "{\"type\":\"history\",\"topic\":\"demo.users\",\"complete\":true,"
                      "\"points\":[]}"));
    free(out);
    s_sample(b, "demo.sales", 1009, 10, 10);
    CHECK(c->q.count == 1);
    free(s_drain(b, c));

    /* slow client: queue bound 8; newest kept, gap flagged */
    for (int i = 0; i < 20; i++)
        s_sample(b, "demo.sales", 2000 + i, (uint64_t)(100 + i), i);
    s_sample(b, "demo.users", 0, 0, 1);
    CHECK(c->q.count == 8);
    CHECK(b->st.dropped_slow >= 13);
    CHECK(c->full_since_mono != 0);
    out = s_drain(b, c);
    CHECK(strstr(out, "{\"type\":\"sample\",\"gap\":true,\"topic\":\"demo.sales\""));
    CHECK(s_count(out, "\"gap\":true") == 1);
    CHECK(strstr(out, "\"seq\":119")); /* the newest of demo.sales */
    CHECK(strstr(out, "\"topic\":\"demo.users\""));
    CHECK(c->full_since_mono == 0);
    free(out);
    free(s_drain(b, c2));

    /* commands: errors keep the connection, each with its code */
    s_cmd(b, c, "nope");
    s_cmd(b, c, "{\"type\":\"dance\"}");
    s_cmd(b, c, "{\"type\":\"subscribe\",\"topics\":[\"a..b\"]}");
    s_cmd(b, c, "{\"type\":\"ping\"}");
    out = s_drain(b, c);
    CHECK(strstr(out, "\"code\":\"bad_request\""));
    CHECK(strstr(out, "\"code\":\"unknown_type\""));
    CHECK(strstr(out, "\"code\":\"bad_topic\""));
    CHECK(strstr(out, "{\"type\":\"pong\"}"));
    CHECK(c->close_code == 0);
    free(out);
    /* subscription limit (10 patterns), all or nothing */
    s_cmd(b, c2, "{\"type\":\"subscribe\",\"topics\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\","
                 "\"h\",\"i\",\"j\"]}");
    out = s_drain(b, c2);
    CHECK(strstr(out, "\"code\":\"limit\""));
    CHECK(c2->npatterns == 1);
    free(out);
    /* command rate: the burst is 40, then "limit" */
    client_t *c3 = broker_client_open(b, NULL);
    for (int i = 0; i < 45; i++)
        s_cmd(b, c3, "{\"type\":\"ping\"}");
    out = s_drain(b, c3);
    CHECK(s_count(out, "pong") == 40);
    CHECK(s_count(out, "too many commands") == 5);
    free(out);
    for (int i = 0; i < 60 && !c3->close_code; i++)
        s_cmd(b, c3, "{\"type\":\"ping\"}");
    CHECK(c3->close_code == 1008 && b->st.kicked[KICK_FLOOD] == 1);

    /* cron: clients count (3) once, stale after 3 x interval */
    s_meta(b, "demo.sales", 100);
    free(s_drain(b, c));
    broker_cron(b, 9000, 100 + 301);
    out = s_drain(b, c);
    CHECK(strstr(out, "{\"type\":\"clients\",\"count\":3}"));
    CHECK(strstr(out, "{\"type\":\"stale\",\"topic\":\"demo.sales\",\"since\":8699}"));
    free(out);
    broker_cron(b, 9500, 900);
    out = s_drain(b, c);
    CHECK(strcmp(out, "") == 0); /* nothing new: coalesced, stale sent once */
    free(out);

    /* a collector named by meta gets its topics' messages and rejects */
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
    CHECK(b->colreg.n == 1 && !strcmp(b->colreg.v[0].name, "demo"));
    CHECK(b->colreg.v[0].msgs == 1 && b->colreg.v[0].metas == 1);
    CHECK(b->colreg.v[0].rejected[MP2JSON_E_KIND] == 1);
    CHECK(b->colreg.v[0].ntopics == 1 && b->colreg.v[0].last_seen_wall == 5000);
    jbuf_t cj;
    jbuf_init(&cj, 1 << 20);
    broker_put_collectors(b, &cj);
    jbuf_putc(&cj, '\0');
    CHECK(strstr((const char *)jbuf_text(&cj), "{\"name\":\"demo\",\"topics\":[\"demo.users\"],"
                                               "\"last_seen\":5000,\"messages\":1,\"metas\":1,"));
    CHECK(strstr((const char *)jbuf_text(&cj), "\"rejected\":{\"bad_kind\":1}}]"));
    jbuf_free(&cj);
    free(s_drain(b, c));

    /* rejected collector input is counted, not fatal */
    broker_ingest(b, "bad..topic", 10, (const uint8_t *)"\x80", 1, 0, 0);
    broker_ingest(b, "ok", 2, (const uint8_t *)"\xdd\xff\xff\xff\xff", 5, 0, 0);
    broker_ingest(b, "ok", 2, (const uint8_t *)"\x81\xa4kind\xa4nope", 11, 0, 0);
    CHECK(b->st.rejected[REJ_BAD_TOPIC] == 1);
    CHECK(b->st.rejected[MP2JSON_E_DECLARED] == 1);
    CHECK(b->st.rejected[MP2JSON_E_KIND] == 2);

    broker_client_close(b, &c3);
    broker_client_close(b, &c2);
    CHECK(b->nclients == 1);
    broker_destroy(&b); /* closes the remaining client */
    CHECK(b == NULL);
    CHECK(frame_live_count() == 0);

    /* all queues together over total_bytes: the largest client is closed */
    cfg.total_bytes = 2000;
    cfg.queue_frames = 1000;
    b = broker_new(&cfg, s_wake, NULL);
    client_t *small = broker_client_open(b, NULL), *big = broker_client_open(b, NULL);
    free(s_drain(b, small));
    free(s_drain(b, big));
    s_cmd(b, small, "{\"type\":\"subscribe\",\"topics\":[\"m.a\"]}");
    s_cmd(b, big, "{\"type\":\"subscribe\",\"topics\":[\"m.*\"]}");
    free(s_drain(b, small));
    free(s_drain(b, big));
    for (int i = 0; i < 40; i++) {
        s_sample(b, "m.b", 0, 0, i);
        if (i % 8 == 0)
            s_sample(b, "m.a", 0, 0, i);
    }
    CHECK(broker_queued_bytes(b) > 2000);
    broker_cron(b, 0, 200);
    CHECK(big->close_code == 1008 && small->close_code == 0);
    CHECK(b->st.kicked[KICK_MEMORY] == 1);
    broker_destroy(&b);
    CHECK(frame_live_count() == 0);

    /* a client on many topics may hold more than its byte bound in data
     * (each frame a topic's newest) without being closed; control frames
     * piled past four times the bound close it */
    cfg.total_bytes = 0;
    cfg.queue_bytes = 200;
    b = broker_new(&cfg, s_wake, NULL);
    char tn[16];
    for (int i = 0; i < 30; i++) { /* topics known before the client comes */
        snprintf(tn, sizeof(tn), "k.t%d", i);
        s_sample(b, tn, 1000, 1, i);
    }
    client_t *many = broker_client_open(b, NULL);
    free(s_drain(b, many));
    s_cmd(b, many, "{\"type\":\"subscribe\",\"topics\":[\"k.*\"]}");
    free(s_drain(b, many));
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
    broker_destroy(&b);
    CHECK(frame_live_count() == 0);
    cfg.queue_bytes = 1 << 20;

    /* forward jumps in a topic's own seq are counted as missing; a step back
     * (restarted collector) and messages without seq are not */
    b = broker_new(&cfg, s_wake, NULL);
    s_sample(b, "g.a", 1000, 1, 0);
    s_sample(b, "g.a", 1001, 2, 0);
    CHECK(b->st.seq_missing == 0);
    s_sample(b, "g.a", 1002, 6, 0); /* 3, 4, 5 never came */
    CHECK(b->st.seq_missing == 3);
    s_sample(b, "g.a", 1003, 1, 0); /* restart */
    s_sample(b, "g.a", 1004, 2, 0);
    s_sample(b, "g.b", 1004, 40, 0); /* first seen: no baseline */
    s_sample(b, "g.b", 1005, 0, 0);  /* no seq: the hub assigns one */
    CHECK(b->st.seq_missing == 3);
    s_sample(b, "g.a", 1005, 4, 0);
    CHECK(b->st.seq_missing == 4);
    broker_destroy(&b);
    CHECK(frame_live_count() == 0);

    msgpack_sbuffer_destroy(&s_buf);
    return CHECK_DONE();
}
