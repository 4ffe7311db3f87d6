/* SPDX-License-Identifier: MIT */
/* test_pub.c - the collector library against real ZeroMQ SUB sockets
 * (proto/rtdash_pub.c): two frames, msgpack bodies decoded with msgpack-c,
 * per-topic seq, publishing to every hub of a list, never blocking; what
 * rtdash_pub_status() learns from ZeroMQ's handshakes (a hub, a server that
 * is not ZeroMQ, nobody); and the collectors' aligned tick,
 * rtdash_tick_wait(), with rtdash_stop_on_signals(). */
#include "check.h"
#include "rtclock.h"
#include "rtdash.h"
#include "topic.h"

#include <arpa/inet.h>
#include <math.h>
#include <msgpack.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

static void *s_ctx;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A SUB socket bound on an ephemeral loopback port; its endpoint in ep. */
static void *bind_sub(char *ep, size_t size)
{
    void *s = zmq_socket(s_ctx, ZMQ_SUB);
    int timeout = 2000, linger = 0;
    zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    CHECK(zmq_bind(s, "tcp://127.0.0.1:*") == 0);
    CHECK(zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, ep, &size) == 0);
    CHECK(strncmp(ep, "tcp://127.0.0.1:", 16) == 0);
    return s;
}

/* One received message: topic frame, body bytes and the decoded body. */
typedef struct msg {
    bool ok;
    char topic[256];
    size_t body_len;
    char *body; /* owned; the unpacked strings point into it */
    msgpack_unpacked up;
    const msgpack_object *root;
} msg_t;

static void msg_free(msg_t *m)
{
    if (m->ok)
        msgpack_unpacked_destroy(&m->up);
    free(m->body);
    memset(m, 0, sizeof *m);
}

/* Receive two frames and decode the body. m->ok is false on timeout or on
 * anything else than exactly [topic][one msgpack object]. */
static void recv_any(void *sub, msg_t *m)
{
    memset(m, 0, sizeof *m);
    zmq_msg_t f;
    zmq_msg_init(&f);
    if (zmq_msg_recv(&f, sub, 0) < 0) {
        zmq_msg_close(&f);
        return;
    }
    size_t tl = zmq_msg_size(&f);
    if (tl < sizeof m->topic) {
        memcpy(m->topic, zmq_msg_data(&f), tl);
        m->topic[tl] = '\0';
    }
    bool more = zmq_msg_more(&f);
    zmq_msg_close(&f);
    CHECK(more);
    if (!more)
        return;
    zmq_msg_init(&f);
    if (zmq_msg_recv(&f, sub, 0) < 0) {
        zmq_msg_close(&f);
        return;
    }
    CHECK(!zmq_msg_more(&f));
    m->body_len = zmq_msg_size(&f);
    m->body = malloc(m->body_len ? m->body_len : 1);
    memcpy(m->body, zmq_msg_data(&f), m->body_len);
    zmq_msg_close(&f);

    msgpack_unpacked_init(&m->up);
    size_t off = 0;
    msgpack_unpack_return rc = msgpack_unpack_next(&m->up, m->body, m->body_len, &off);
    if (rc != MSGPACK_UNPACK_SUCCESS || off != m->body_len) {
        msgpack_unpacked_destroy(&m->up);
        return;
    }
    m->root = &m->up.data;
    m->ok = true;
}

/* The same message must arrive on both subscribers, byte for byte; the
 * first one's copy is returned in *m. */
/* Like recv_any, but skips late copies of the connection probes. */
static void recv_msg(void *sub, msg_t *m)
{
    for (;;) {
        recv_any(sub, m);
        if (strcmp(m->topic, "probe.x") != 0)
            return;
        msg_free(m);
    }
}

/* Wait until p's messages reach sub (slow joiner). A bound SUB only sends its
 * subscription once it has processed the new connection, which happens while
 * it receives, so publish a probe (its own topic, its own seq) every 100 ms
 * until one arrives, at most 5 s. Returns true when connected. */
static bool wait_connected(rtdash_pub_t *p, void *sub)
{
    const char *names[] = {"probe"};
    const double values[] = {0};
    int old = 0, shortwait = 100;
    size_t sz = sizeof old;
    zmq_getsockopt(sub, ZMQ_RCVTIMEO, &old, &sz);
    zmq_setsockopt(sub, ZMQ_RCVTIMEO, &shortwait, sizeof shortwait);
    bool ok = false;
    for (int i = 0; i < 50 && !ok; i++) {
        rtdash_pub_sample(p, "probe.x", names, values, 1, 0);
        msg_t m;
        recv_any(sub, &m);
        ok = m.ok && strcmp(m.topic, "probe.x") == 0;
        msg_free(&m);
    }
    zmq_setsockopt(sub, ZMQ_RCVTIMEO, &old, sizeof old);
    return ok;
}

static void recv_both(void *a, void *b, msg_t *m)
{
    msg_t other;
    recv_msg(a, m);
    recv_msg(b, &other);
    CHECK(m->ok && other.ok);
    CHECK(strcmp(m->topic, other.topic) == 0);
    CHECK(m->body_len == other.body_len && m->body && other.body &&
          memcmp(m->body, other.body, m->body_len) == 0);
    msg_free(&other);
}

static const msgpack_object *get(const msgpack_object *map, const char *key)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t kl = strlen(key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == kl &&
            memcmp(k->via.str.ptr, key, kl) == 0)
            return &map->via.map.ptr[i].val;
    }
    return NULL;
}

static uint32_t map_size(const msgpack_object *o)
{
    return o && o->type == MSGPACK_OBJECT_MAP ? o->via.map.size : UINT32_MAX;
}

static bool is_str(const msgpack_object *o, const char *s)
{
    return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) &&
           memcmp(o->via.str.ptr, s, o->via.str.size) == 0;
}

static bool is_uint(const msgpack_object *o, uint64_t v)
{
    return o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 == v;
}

/* ts is written as an int (positive ints are "positive integer" in msgpack-c). */
static int64_t as_i64(const msgpack_object *o)
{
    if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        return (int64_t)o->via.u64;
    if (o && o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        return o->via.i64;
    return INT64_MIN;
}

static bool is_double(const msgpack_object *o, double v)
{
    return o && (o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32) &&
           o->via.f64 == v;
}

static void test_two_hubs(void)
{
    char ep1[256], ep2[256], list[600];
    void *sub1 = bind_sub(ep1, sizeof ep1);
    void *sub2 = bind_sub(ep2, sizeof ep2);
    snprintf(list, sizeof list, "%s, %s", ep1, ep2);
    rtdash_pub_t *p = rtdash_pub_new(list);
    CHECK(p != NULL);
    if (!p)
        return;
    sleep_ms(300); /* slow joiner: let both connections and subscriptions settle */
    CHECK(wait_connected(p, sub1));
    CHECK(wait_connected(p, sub2));

    msg_t m;
    const char *names[] = {"user", "system"};
    const double values[] = {12.5, 3.25};

    /* A sample with an explicit ts. */
    CHECK(rtdash_pub_sample(p, "test.cpu", names, values, 2, 1764300000000) == 0);
    recv_both(sub1, sub2, &m);
    CHECK(m.ok);
    CHECK_STREQ(m.topic, "test.cpu");
    CHECK(map_size(m.root) == 4);
    CHECK(is_str(get(m.root, "kind"), "sample"));
    CHECK(as_i64(get(m.root, "ts")) == 1764300000000);
    CHECK(is_uint(get(m.root, "seq"), 1));
    const msgpack_object *fields = get(m.root, "fields");
    CHECK(map_size(fields) == 2);
    CHECK(is_double(get(fields, "user"), 12.5));
    CHECK(is_double(get(fields, "system"), 3.25));
    /* Keys in the documented order: kind, ts, seq, fields. */
    CHECK(m.ok && is_str(&m.root->via.map.ptr[0].key, "kind"));
    CHECK(m.ok && is_str(&m.root->via.map.ptr[3].key, "fields"));
    msg_free(&m);

    /* ts 0 = now; seq moves on per topic. */
    int64_t before = rtdash_now_ms();
    CHECK(rtdash_pub_sample(p, "test.cpu", names, values, 1, 0) == 0);
    int64_t after = rtdash_now_ms();
    recv_both(sub1, sub2, &m);
    CHECK(is_uint(get(m.root, "seq"), 2));
    int64_t ts = as_i64(get(m.root, "ts"));
    CHECK(ts >= before && ts <= after);
    CHECK(before > 1700000000000); /* a Unix time in ms, not seconds */
    CHECK(map_size(get(m.root, "fields")) == 1);
    msg_free(&m);

    /* Another topic has its own counter. NaN and negative values go as doubles. */
    const char *one[] = {"v"};
    const double nan_value[] = {NAN};
    const double neg_value[] = {-7};
    CHECK(rtdash_pub_sample(p, "test.mem", one, nan_value, 1, 5) == 0);
    recv_both(sub1, sub2, &m);
    CHECK_STREQ(m.topic, "test.mem");
    CHECK(is_uint(get(m.root, "seq"), 1));
    CHECK(as_i64(get(m.root, "ts")) == 5);
    const msgpack_object *v = get(get(m.root, "fields"), "v");
    CHECK(v && v->type == MSGPACK_OBJECT_FLOAT64 && isnan(v->via.f64));
    msg_free(&m);
    CHECK(rtdash_pub_sample(p, "test.mem", one, neg_value, 1, -5) == 0);
    recv_both(sub1, sub2, &m);
    CHECK(is_uint(get(m.root, "seq"), 2));
    CHECK(as_i64(get(m.root, "ts")) == -5);
    CHECK(is_double(get(get(m.root, "fields"), "v"), -7.0));
    msg_free(&m);

    /* Events. */
    CHECK(rtdash_pub_event(p, "test.feed", "warning", "disk almost full", 123) == 0);
    recv_both(sub1, sub2, &m);
    CHECK_STREQ(m.topic, "test.feed");
    CHECK(map_size(m.root) == 5);
    CHECK(is_str(get(m.root, "kind"), "event"));
    CHECK(as_i64(get(m.root, "ts")) == 123);
    CHECK(is_uint(get(m.root, "seq"), 1));
    CHECK(is_str(get(m.root, "text"), "disk almost full"));
    CHECK(is_str(get(m.root, "level"), "warning"));
    msg_free(&m);
    CHECK(rtdash_pub_event(p, "test.feed", NULL, "", 0) == 0);
    recv_both(sub1, sub2, &m);
    CHECK(is_uint(get(m.root, "seq"), 2));
    CHECK(is_str(get(m.root, "level"), "info"));
    CHECK(is_str(get(m.root, "text"), ""));
    msg_free(&m);
    static const char *const levels[] = {"info", "success", "warning", "error"};
    for (int i = 0; i < 4; i++) {
        CHECK(rtdash_pub_event(p, "test.feed", levels[i], "x", 0) == 0);
        recv_both(sub1, sub2, &m);
        CHECK(is_str(get(m.root, "level"), levels[i]));
        CHECK(is_uint(get(m.root, "seq"), (uint64_t)(3 + i)));
        msg_free(&m);
    }

    /* Long text is cut to 1024 bytes at a UTF-8 boundary: "a" then 1000 x
     * U+00E9 (2 bytes each) puts byte 1024 in the middle of a character. */
    char longtext[1 + 2000 + 1];
    longtext[0] = 'a';
    for (int i = 0; i < 1000; i++) {
        longtext[1 + 2 * i] = (char)0xC3;
        longtext[2 + 2 * i] = (char)0xA9;
    }
    longtext[2001] = '\0';
    CHECK(rtdash_pub_event(p, "test.feed", "info", longtext, 0) == 0);
    recv_both(sub1, sub2, &m);
    const msgpack_object *text = get(m.root, "text");
    CHECK(text && text->type == MSGPACK_OBJECT_STR && text->via.str.size == 1023);
    CHECK(text && memcmp(text->via.str.ptr, longtext, 1023) == 0);
    msg_free(&m);
    char exact[RTDASH_MAX_TEXT + 1];
    memset(exact, 'e', RTDASH_MAX_TEXT);
    exact[RTDASH_MAX_TEXT] = '\0';
    CHECK(rtdash_pub_event(p, "test.feed", "info", exact, 0) == 0);
    recv_both(sub1, sub2, &m);
    text = get(m.root, "text");
    CHECK(text && text->via.str.size == RTDASH_MAX_TEXT);
    msg_free(&m);

    /* Meta: every item set. No ts/seq, and it does not use a seq. */
    rtdash_meta_t meta;
    rtdash_meta_init(&meta);
    CHECK(isnan(meta.min) && isnan(meta.max));
    CHECK(meta.title == NULL && meta.interval_ms == 0 && meta.nfields == 0);
    const rtdash_field_meta_t fm[] = {{"user", "User", "%", "#ff0000"},
                                      {"system", NULL, NULL, NULL}};
    meta.title = "CPU";
    meta.unit = "%";
    meta.chart = "line";
    meta.min = 0;
    meta.max = 100;
    meta.interval_ms = 1000;
    meta.collector = "test_pub";
    meta.fields = fm;
    meta.nfields = 2;
    CHECK(rtdash_pub_meta(p, "test.cpu", &meta) == 0);
    recv_both(sub1, sub2, &m);
    CHECK_STREQ(m.topic, "test.cpu");
    CHECK(map_size(m.root) == 9);
    CHECK(is_str(get(m.root, "kind"), "meta"));
    CHECK(is_str(get(m.root, "title"), "CPU"));
    CHECK(is_str(get(m.root, "unit"), "%"));
    CHECK(is_str(get(m.root, "chart"), "line"));
    CHECK(is_str(get(m.root, "collector"), "test_pub"));
    CHECK(is_double(get(m.root, "min"), 0.0));
    CHECK(is_double(get(m.root, "max"), 100.0));
    CHECK(is_uint(get(m.root, "interval_ms"), 1000));
    CHECK(get(m.root, "ts") == NULL && get(m.root, "seq") == NULL);
    fields = get(m.root, "fields");
    CHECK(map_size(fields) == 2);
    const msgpack_object *fu = get(fields, "user");
    CHECK(map_size(fu) == 3);
    CHECK(is_str(get(fu, "label"), "User"));
    CHECK(is_str(get(fu, "unit"), "%"));
    CHECK(is_str(get(fu, "color"), "#ff0000"));
    CHECK(map_size(get(fields, "system")) == 0);
    msg_free(&m);

    /* Meta with everything omitted is just the kind. */
    rtdash_meta_init(&meta);
    CHECK(rtdash_pub_meta(p, "test.cpu", &meta) == 0);
    recv_both(sub1, sub2, &m);
    CHECK(map_size(m.root) == 1);
    CHECK(is_str(get(m.root, "kind"), "meta"));
    msg_free(&m);

    CHECK(rtdash_pub_sample(p, "test.cpu", names, values, 2, 0) == 0);
    recv_both(sub1, sub2, &m);
    CHECK(is_uint(get(m.root, "seq"), 3));
    msg_free(&m);

    /* Refusals send nothing: the next message received is the sentinel. */
    char big[RTDASH_MAX_MESSAGE + 1];
    memset(big, 0xc0, sizeof big); /* msgpack nil bytes */
    CHECK(rtdash_pub_sample(p, "a..b", names, values, 2, 0) == -1);
    CHECK(rtdash_pub_sample(p, "", names, values, 2, 0) == -1);
    CHECK(rtdash_pub_sample(p, "test.*", names, values, 2, 0) == -1);
    CHECK(rtdash_pub_sample(p, NULL, names, values, 2, 0) == -1);
    CHECK(rtdash_pub_sample(NULL, "test.cpu", names, values, 2, 0) == -1);
    CHECK(rtdash_pub_sample(p, "test.cpu", names, values, 0, 0) == -1);
    CHECK(rtdash_pub_sample(p, "test.cpu", NULL, values, 2, 0) == -1);
    const char *noname[] = {"ok", NULL};
    CHECK(rtdash_pub_sample(p, "test.cpu", noname, values, 2, 0) == -1);
    CHECK(rtdash_pub_event(p, "test.feed", "fatal", "x", 0) == -1);
    CHECK(rtdash_pub_event(p, "test.feed", "info", NULL, 0) == -1);
    CHECK(rtdash_pub_event(p, "bad topic", "info", "x", 0) == -1);
    CHECK(rtdash_pub_meta(p, "test.cpu", NULL) == -1);
    meta.nfields = 1;
    meta.fields = NULL;
    CHECK(rtdash_pub_meta(p, "test.cpu", &meta) == -1);
    CHECK(rtdash_pub_raw(p, "test.raw", big, sizeof big) == -1);
    CHECK(rtdash_pub_raw(p, "test.raw", big, 0) == -1);
    CHECK(rtdash_pub_raw(p, "test.raw", NULL, 3) == -1);
    char longtopic[TOPIC_MAX_LEN + 2];
    memset(longtopic, 'x', sizeof longtopic - 1);
    longtopic[sizeof longtopic - 1] = '\0'; /* 129 bytes */
    CHECK(rtdash_pub_sample(p, longtopic, names, values, 1, 0) == -1);
    longtopic[128] = '\0'; /* 128 bytes: fine */
    CHECK(rtdash_pub_sample(p, longtopic, names, values, 1, 0) == 0);
    recv_both(sub1, sub2, &m);
    CHECK(strlen(m.topic) == 128);
    CHECK(is_uint(get(m.root, "seq"), 1));
    msg_free(&m);

    /* A refused sample did not consume a seq. */
    CHECK(rtdash_pub_sample(p, "test.cpu", names, values, 2, 0) == 0);
    recv_both(sub1, sub2, &m);
    CHECK(is_uint(get(m.root, "seq"), 4));
    msg_free(&m);

    /* Raw bodies go out unchanged; next_seq shares the topic's counter. */
    CHECK(rtdash_pub_next_seq(p, "test.cpu") == 5);
    CHECK(rtdash_pub_next_seq(p, "test.raw") == 1);
    CHECK(rtdash_pub_next_seq(p, "test.raw") == 2);
    CHECK(rtdash_pub_next_seq(p, "no..pe") == 0);
    CHECK(rtdash_pub_next_seq(NULL, "test.raw") == 0);
    const char raw[] = "\x82\xa4kind\xa6sample\xa5value\x2a"; /* {kind:"sample",value:42} */
    CHECK(rtdash_pub_raw(p, "test.raw", raw, sizeof raw - 1) == 0);
    recv_both(sub1, sub2, &m);
    CHECK_STREQ(m.topic, "test.raw");
    CHECK(m.body_len == sizeof raw - 1 && memcmp(m.body, raw, m.body_len) == 0);
    CHECK(is_uint(get(m.root, "value"), 42));
    msg_free(&m);
    /* The largest body allowed still goes. */
    CHECK(rtdash_pub_raw(p, "test.raw", big, RTDASH_MAX_MESSAGE) == 0);
    recv_msg(sub1, &m);
    CHECK(m.body_len == RTDASH_MAX_MESSAGE);
    msg_free(&m);
    recv_msg(sub2, &m);
    CHECK(m.body_len == RTDASH_MAX_MESSAGE);
    msg_free(&m);

    rtdash_pub_destroy(&p);
    CHECK(p == NULL);
    rtdash_pub_destroy(&p); /* NULL-safe */
    rtdash_pub_destroy(NULL);

    /* NULL hubs = $RTDASH_HUB: only the first subscriber hears this one. */
    setenv("RTDASH_HUB", ep1, 1);
    p = rtdash_pub_new(NULL);
    CHECK(p != NULL);
    sleep_ms(300);
    CHECK(wait_connected(p, sub1));
    CHECK(rtdash_pub_event(p, "test.env", "success", "via env", 0) == 0);
    recv_msg(sub1, &m);
    CHECK(m.ok);
    CHECK_STREQ(m.topic, "test.env");
    CHECK(is_str(get(m.root, "text"), "via env"));
    CHECK(is_uint(get(m.root, "seq"), 1)); /* a new publisher starts again at 1 */
    msg_free(&m);
    int shortwait = 300;
    zmq_setsockopt(sub2, ZMQ_RCVTIMEO, &shortwait, sizeof shortwait);
    recv_msg(sub2, &m);
    CHECK(!m.ok && m.body == NULL);
    msg_free(&m);
    rtdash_pub_destroy(&p);
    unsetenv("RTDASH_HUB");

    zmq_close(sub1);
    zmq_close(sub2);
}

/* With no hub anywhere, creating, sending and destroying never wait. */
static void test_no_hub(void)
{
    int64_t t0 = rtclock_mono_ms();
    rtdash_pub_t *p = rtdash_pub_new("tcp://127.0.0.1:1,tcp://127.0.0.1:2");
    CHECK(p != NULL);
    if (!p)
        return;
    const char *names[] = {"value"};
    const double values[] = {1.0};
    int failures = 0;
    for (int i = 0; i < 20000; i++) {
        failures += rtdash_pub_sample(p, "nohub.x", names, values, 1, 0) != 0;
        failures += rtdash_pub_event(p, "nohub.y", "info", "hello", 0) != 0;
    }
    CHECK(failures == 0);
    CHECK(rtdash_pub_next_seq(p, "nohub.x") == 20001);
    rtdash_meta_t meta;
    rtdash_meta_init(&meta);
    meta.title = "nobody listens";
    CHECK(rtdash_pub_meta(p, "nohub.x", &meta) == 0);
    CHECK(rtdash_pub_raw(p, "nohub.x", "\x81\xa4kind\xa4meta", 11) == 0);
    rtdash_pub_destroy(&p);
    int64_t elapsed = rtclock_mono_ms() - t0;
    CHECK(elapsed < 3000);
    if (elapsed >= 3000)
        fprintf(stderr, "no-hub publishing took %lld ms\n", (long long)elapsed);

    /* The default endpoint (nobody listens there in tests, or the hub does):
     * creating it works either way. */
    unsetenv("RTDASH_HUB");
    p = rtdash_pub_new(NULL);
    CHECK(p != NULL);
    rtdash_pub_destroy(&p);
}

static void test_bad_endpoints(void)
{
    fprintf(stderr, "(the next error lines are expected)\n");
    CHECK(rtdash_pub_new("nonsense") == NULL);
    CHECK(rtdash_pub_new("") == NULL);
    CHECK(rtdash_pub_new(" , ,") == NULL);
    CHECK(rtdash_pub_new("tcp://127.0.0.1:5556,bogus://x") == NULL);
    CHECK(rtdash_pub_new("tcp://127.0.0.1") == NULL); /* no port */
    char huge[2100];
    memset(huge, 'h', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    memcpy(huge, "tcp://", 6);
    CHECK(rtdash_pub_new(huge) == NULL);
}

/* The seq table is bounded: with far more topics than it holds, recently
 * used topics keep counting and long-unused ones start again at 1. */
static void test_seq_table(void)
{
    rtdash_pub_t *p = rtdash_pub_new("tcp://127.0.0.1:1");
    CHECK(p != NULL);
    if (!p)
        return;
    char topic[64];
    int wrong = 0;
    uint64_t hot = 0;
    for (int i = 0; i < 20000; i++) {
        snprintf(topic, sizeof topic, "t.%d", i);
        wrong += rtdash_pub_next_seq(p, topic) != 1;
        if (i % 50 == 0)
            hot = rtdash_pub_next_seq(p, "hot.topic");
    }
    CHECK(wrong == 0);
    CHECK(hot == 400);
    CHECK(rtdash_pub_next_seq(p, "hot.topic") == 401);
    /* The 4000 most recent topics are all still known (the table holds 4096),
     * looked up in reverse order. */
    wrong = 0;
    for (int i = 19999; i >= 16000; i--) {
        snprintf(topic, sizeof topic, "t.%d", i);
        wrong += rtdash_pub_next_seq(p, topic) != 2;
    }
    CHECK(wrong == 0);
    /* Long forgotten: starts again. */
    CHECK(rtdash_pub_next_seq(p, "t.0") == 1);
    CHECK(rtdash_pub_next_seq(p, "t.0") == 2);
    rtdash_pub_destroy(&p);
}

/* Publish one sample and read the status until done(st) or 3 s pass; a
 * listening TCP socket lfd (if >= 0) accepts and closes every connection,
 * like a server that does not speak ZeroMQ. */
static void status_until(rtdash_pub_t *p, int lfd, rtdash_pub_status_t *st,
                         bool (*done)(const rtdash_pub_status_t *))
{
    const char *names[] = {"value"};
    const double values[] = {1.0};
    CHECK(rtdash_pub_sample(p, "status.x", names, values, 1, 0) == 0);
    int64_t end = rtclock_mono_ms() + 3000;
    do {
        if (lfd >= 0) {
            struct pollfd pfd = {lfd, POLLIN, 0};
            if (poll(&pfd, 1, 20) == 1) {
                int c = accept(lfd, NULL, NULL);
                if (c >= 0)
                    close(c);
            }
        } else {
            sleep_ms(20);
        }
        rtdash_pub_status(p, st);
    } while (!done(st) && rtclock_mono_ms() < end);
}

static bool has_bad_peer(const rtdash_pub_status_t *st)
{
    return st->bad_peers > 0;
}

static bool has_handshake(const rtdash_pub_status_t *st)
{
    return st->handshakes > 0;
}

static bool never(const rtdash_pub_status_t *st)
{
    (void)st;
    return false;
}

static void test_status(void)
{
    /* A server that is not ZeroMQ: every handshake fails, none succeeds. */
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t salen = sizeof sa;
    CHECK(bind(lfd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(lfd, 16) == 0);
    CHECK(getsockname(lfd, (struct sockaddr *)&sa, &salen) == 0);
    char ep[64];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%u", (unsigned)ntohs(sa.sin_port));
    fprintf(stderr, "(the next 'not a ZeroMQ peer' line is expected)\n");
    rtdash_pub_t *p = rtdash_pub_new(ep);
    CHECK(p != NULL);
    rtdash_pub_status_t st;
    if (p) {
        status_until(p, lfd, &st, has_bad_peer);
        CHECK(st.sent == 1);
        CHECK(st.bad_peers >= 1 && st.handshakes == 0);
        CHECK(st.bad_endpoint && strcmp(st.bad_endpoint, ep) == 0);
        rtdash_pub_destroy(&p);
    }
    close(lfd);

    /* A SUB socket, as the hub binds: a handshake, nothing bad. */
    void *sub = bind_sub(ep, sizeof ep);
    p = rtdash_pub_new(ep);
    CHECK(p != NULL);
    if (p) {
        status_until(p, -1, &st, has_handshake);
        CHECK(st.sent == 1 && st.handshakes == 1 && st.bad_peers == 0 && !st.bad_endpoint);
        rtdash_pub_destroy(&p);
    }
    zmq_close(sub);

    /* Nobody listening: neither, whatever the time (a hub may come later). */
    p = rtdash_pub_new("tcp://127.0.0.1:1");
    CHECK(p != NULL);
    if (p) {
        status_until(p, -1, &st, never);
        CHECK(st.sent == 1 && st.handshakes == 0 && st.bad_peers == 0);
        rtdash_pub_destroy(&p);
    }
}

static volatile sig_atomic_t s_alarm;

static void on_alarm(int sig)
{
    (void)sig;
    s_alarm = 1;
}

/* The tick lands on multiples of the interval of the wall clock, waits at
 * least min_ms, and ends at once when the stop flag is set by a signal. */
static void test_tick(void)
{
    const int64_t iv = 200, slack = 80; /* slack: a busy, shared machine */
    volatile sig_atomic_t stop = 1;
    int64_t t0 = rtclock_mono_ms();
    CHECK(rtdash_tick_wait(10000, 0, &stop) == 0);
    CHECK(rtclock_mono_ms() - t0 < 50);

    stop = 0;
    int64_t start = rtdash_now_ms(), prev = 0;
    for (int i = 0; i < 3; i++) {
        CHECK(rtdash_tick_wait(iv, i == 0 ? 150 : 0, &stop) == 1);
        int64_t now = rtdash_now_ms();
        CHECK(now % iv < slack);
        if (now % iv >= slack)
            fprintf(stderr, "tick %d: %lld ms past the boundary\n", i, (long long)(now % iv));
        if (i == 0)
            CHECK(now - start >= 150);
        else
            CHECK(now / iv > prev / iv); /* a later boundary every time */
        prev = now;
    }
    CHECK(rtdash_tick_wait(iv, 0, NULL) == 1); /* no stop flag at all */
    CHECK(rtdash_now_ms() % iv < slack);

    /* A signal that sets the flag ends a long wait at once. */
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, &old);
    struct itimerval it = {{0, 0}, {0, 100000}};
    s_alarm = 0;
    t0 = rtclock_mono_ms();
    setitimer(ITIMER_REAL, &it, NULL);
    CHECK(rtdash_tick_wait(3600000, 0, &s_alarm) == 0);
    int64_t waited = rtclock_mono_ms() - t0;
    CHECK(waited >= 90 && waited < 1000);
    sigaction(SIGALRM, &old, NULL);

    /* rtdash_stop_on_signals(): SIGTERM and SIGINT set the flag, nothing else. */
    volatile sig_atomic_t flag = 0;
    CHECK(rtdash_stop_on_signals(&flag) == 0);
    raise(SIGTERM);
    CHECK(flag == 1);
    flag = 0;
    raise(SIGINT);
    CHECK(flag == 1);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
}

int main(void)
{
    s_ctx = zmq_ctx_new();
    test_two_hubs();
    test_no_hub();
    test_bad_endpoints();
    test_seq_table();
    test_status();
    test_tick();
    zmq_ctx_term(s_ctx);
    return CHECK_DONE();
}
