/* SPDX-License-Identifier: MIT */
/* broker.c - conversion, history, subscriptions and fan-out; no sockets. */
#include "broker.h"
#include "cmd.h"
#include "rlog.h"
#include "rtclock.h"
#include "wire.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define CTL_MAX (16u << 20) /* largest control frame (a welcome with every topic) */

struct broker {
    broker_cfg_t cfg;
    registry_t *reg;
    mp2json_t *conv;
    jbuf_t msg; /* conversion scratch */
    jbuf_t ctl; /* control-frame scratch */
    jbuf_t tx;  /* batch scratch: lws copies what the kernel does not take */
    uint64_t gen;
    client_t *clients; /* doubly linked, newest first */
    size_t nclients;
    size_t clients_peak; /* most clients at once since the last memory hand-back */
    size_t clients_sent; /* the count last broadcast */
    uint64_t next_client_id;
    client_t **dirty;
    size_t ndirty, dirtycap;
    char epoch[17];
    int64_t started_wall;
    broker_stats_t st;
    colreg_t colreg;                 /* collectors by name (from meta) */
    rlog_rl_t rl_reject[REJ__COUNT]; /* log rate, per reason */
    int64_t last_cron_mono;
    void (*wake)(void *ud, client_t *c);
    void *wake_ud;
};

static const char *const s_kick_names[KICK__COUNT] = {
    "slow_consumer", "command_flood", "message_too_big", "invalid_utf8", "shutdown",
    "memory_limit",  "idle_timeout",  "out_of_memory",   "revoked"};

const char *broker_reject_name(int reason)
{
    if (reason >= 0 && reason < MP2JSON_E__COUNT)
        return mp2json_err_name((mp2json_err_t)reason);
    switch (reason) {
    case REJ_BAD_TOPIC:
        return "bad_topic";
    case REJ_TOPIC_LIMIT:
        return "topic_limit";
    case REJ_BAD_FRAMES:
        return "bad_frames";
    case REJ_FORBIDDEN_TOPIC:
        return "forbidden_topic";
    default:
        return "unknown";
    }
}

const char *broker_kick_name(int kick)
{
    return kick >= 0 && kick < KICK__COUNT ? s_kick_names[kick] : "unknown";
}

static void s_make_epoch(char out[17])
{
    uint64_t r = 0;
    if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
        r = (uint64_t)getpid() * 0x9E3779B97F4A7C15ULL ^ (uint64_t)(uintptr_t)out;
    snprintf(out, 17, "%016llx", (unsigned long long)r);
}

broker_t *broker_new(const broker_cfg_t *cfg, void (*wake)(void *ud, client_t *c), void *ud)
{
    broker_t *b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    b->cfg = *cfg;
    b->reg = registry_new(cfg->max_topics, cfg->history);
    b->conv = mp2json_new(cfg->max_body, cfg->max_depth);
    if (!b->reg || !b->conv) {
        broker_destroy(&b);
        return NULL;
    }
    /* a converted message is at most a few times its body (escapes, base64) */
    jbuf_init(&b->msg, cfg->max_body * 8 + 1024);
    jbuf_init(&b->ctl, CTL_MAX);
    jbuf_init(&b->tx, cfg->batch_bytes + 256);
    b->gen = 1; /* 0 means "live" in pause state */
    b->next_client_id = 1;
    b->wake = wake;
    b->wake_ud = ud;
    s_make_epoch(b->epoch);
    b->started_wall = rtclock_wall_ms();
    return b;
}

void broker_destroy(broker_t **pb)
{
    if (!pb || !*pb)
        return;
    broker_t *b = *pb;
    while (b->clients) {
        client_t *c = b->clients;
        broker_client_close(b, &c);
    }
    registry_destroy(&b->reg);
    colreg_free(&b->colreg);
    mp2json_destroy(&b->conv);
    jbuf_free(&b->msg);
    jbuf_free(&b->ctl);
    jbuf_free(&b->tx);
    free(b->dirty);
    free(b);
    *pb = NULL;
}

/* ---- queueing ---------------------------------------------------------- */

static void s_dirty(broker_t *b, client_t *c)
{
    if (c->dirty)
        return;
    if (b->ndirty == b->dirtycap) {
        size_t cap = b->dirtycap ? b->dirtycap * 2 : 64;
        client_t **d = realloc(b->dirty, cap * sizeof(*d));
        if (!d) {
            b->wake(b->wake_ud, c); /* cannot defer: wake now */
            return;
        }
        b->dirty = d;
        b->dirtycap = cap;
    }
    c->dirty = true;
    b->dirty[b->ndirty++] = c;
}

void broker_flush(broker_t *b)
{
    for (size_t i = 0; i < b->ndirty; i++) {
        client_t *c = b->dirty[i];
        c->dirty = false;
        b->wake(b->wake_ud, c);
    }
    b->ndirty = 0;
}

static void s_on_drop(void *ud, frame_t *f)
{
    client_t *c = ud;
    if (f->topic)
        client_mark_gap(c, f->topic);
}

/* The one way the broker closes a client: mark it, count why, and wake its
 * connection, which sends the close frame at its next chance (never freed
 * here: the socket side owns that moment, like Redis's freeClientAsync). */
static void s_close(broker_t *b, client_t *c, int kick, int code, const char *why)
{
    if (c->close_code)
        return;
    b->st.kicked[kick]++;
    c->close_code = code;
    c->close_reason = why;
    b->wake(b->wake_ud, c);
}

static void s_enqueue(broker_t *b, client_t *c, frame_t *f, int64_t now_mono)
{
    if (c->close_code)
        return;
    int dropped = outq_push(&c->q, f, s_on_drop, c);
    if (dropped < 0) {
        /* out of memory: treat like a slow consumer that cannot be served */
        s_close(b, c, KICK_OOM, 1008, "out of memory");
        return;
    }
    b->st.queued++;
    if (dropped > 0) {
        b->st.dropped_slow += (uint64_t)dropped;
        if (!c->full_since_mono)
            c->full_since_mono = now_mono ? now_mono : 1;
    }
    s_dirty(b, c);
}

/* May c see topic t? (Its access patterns; always when auth is off.) */
static bool s_permits(const void *ud, const rtopic_t *t)
{
    const client_t *c = ud;
    return access_permits_topic(&c->access, t->name, t->name_len);
}

/* Make a control frame of the ctl scratch text and queue it to c (or, when c
 * is NULL, to every client that may see topic t; all when t is NULL). */
static void s_send_ctl_about(broker_t *b, client_t *c, const rtopic_t *t)
{
    if (jbuf_failed(&b->ctl)) {
        RLOG_RL(RLOG_WARN, "control message over %u bytes not sent", CTL_MAX);
        return;
    }
    frame_t *f = frame_new(FRAME_CTRL, jbuf_text(&b->ctl), b->ctl.len);
    if (!f)
        return;
    if (c) {
        s_enqueue(b, c, f, 0);
    } else {
        for (client_t *x = b->clients; x; x = x->next)
            if (!t || s_permits(x, t))
                s_enqueue(b, x, f, 0);
    }
    frame_unref(&f);
}

static void s_send_ctl(broker_t *b, client_t *c)
{
    s_send_ctl_about(b, c, NULL);
}

static void s_error(broker_t *b, client_t *c, cmd_err_t e, const char *msg)
{
    b->st.cmd_errors[e]++;
    jbuf_reset(&b->ctl);
    wire_put_error(&b->ctl, cmd_err_code(e), msg);
    s_send_ctl(b, c);
}

static void s_topic_msg(broker_t *b, const rtopic_t *t)
{
    jbuf_reset(&b->ctl);
    wire_put_topic(&b->ctl, t);
    s_send_ctl_about(b, NULL, t);
}

static void s_history_msg(broker_t *b, client_t *c, const rtopic_t *t, size_t from, bool complete)
{
    jbuf_reset(&b->ctl);
    wire_put_history(&b->ctl, t, from, complete);
    s_send_ctl(b, c);
}

static void s_ack(broker_t *b, client_t *c, const char *type, const cmd_t *cmd)
{
    jbuf_reset(&b->ctl);
    wire_put_ack(&b->ctl, type, cmd->has_topics ? (const char *const *)cmd->topics : NULL,
                 cmd->ntopics);
    s_send_ctl(b, c);
}

/* ---- ingest ------------------------------------------------------------- */

/* Count a dropped collector message, for the hub and (when its topic is
 * known and named) for its collector, and say why in the log: the topic,
 * the reason and what was wrong, at most 5 lines per 10 s per reason, so a
 * flood of one mistake cannot hide another. */
static void s_reject(broker_t *b, int reason, const char *topic, size_t tlen, const char *detail)
{
    b->st.rejected[reason]++;
    rtopic_t *known = topic ? registry_find(b->reg, topic, tlen) : NULL;
    if (known && known->coll)
        b->colreg.v[known->coll - 1].rejected[reason]++;
    char q[TOPIC_MAX_LEN + 16];
    RLOG_RL_ON(&b->rl_reject[reason], RLOG_WARN, "dropped a collector message on \"%s\": %s%s%s",
               topic ? rlog_quote(q, sizeof q, topic, tlen) : "?", broker_reject_name(reason),
               detail && *detail ? ": " : "", detail ? detail : "");
}

void broker_reject(broker_t *b, int reason)
{
    if (reason == REJ_BAD_FRAMES)
        s_reject(b, reason, NULL, 0, "a message must have two frames, topic and body");
    else if (reason == REJ_FORBIDDEN_TOPIC)
        b->st.rejected[reason]++;
    else if (reason >= 0 && reason < REJ__COUNT)
        s_reject(b, reason, NULL, 0, NULL);
}

static void s_join_new_topic(broker_t *b, rtopic_t *t)
{
    for (client_t *c = b->clients; c; c = c->next)
        client_topic_added(c, t, b->gen);
}

void broker_ingest(broker_t *b, const char *topic, size_t tlen, const uint8_t *body, size_t blen,
                   int64_t now_wall, int64_t now_mono)
{
    broker_ingest_from(b, topic, tlen, body, blen, now_wall, now_mono, NULL);
}

void broker_ingest_from(broker_t *b, const char *topic, size_t tlen, const uint8_t *body,
                        size_t blen, int64_t now_wall, int64_t now_mono, const char *collector)
{
    b->st.msgs_in++;
    if (!topic_is_valid(topic, tlen)) {
        size_t at = 0;
        const char *why = topic_invalid_why(topic, tlen, &at);
        char detail[96];
        snprintf(detail, sizeof detail, "%s at byte %zu", why ? why : "invalid", at);
        s_reject(b, REJ_BAD_TOPIC, topic, tlen, detail);
        return;
    }
    mp2json_msg_t m;
    mp2json_err_t err = mp2json_decode(b->conv, body, blen, &m);
    if (err != MP2JSON_OK) {
        s_reject(b, err, topic, tlen, mp2json_err_detail(b->conv));
        return;
    }
    rtopic_t *t = registry_find(b->reg, topic, tlen);
    bool fresh = false;
    if (!t) {
        t = registry_add(b->reg, topic, tlen);
        if (!t) {
            char detail[64];
            snprintf(detail, sizeof detail, "the hub keeps at most %zu topics (--max-topics)",
                     b->cfg.max_topics);
            s_reject(b, REJ_TOPIC_LIMIT, topic, tlen, detail);
            return;
        }
        fresh = true;
        s_join_new_topic(b, t);
    }
    /* a key's name on every message (one compare once attributed), or what
     * meta says */
    if (collector ? !t->coll || strcmp(b->colreg.v[t->coll - 1].name, collector)
                  : m.kind == MSG_META && m.collector) {
        int ci = collector ? colreg_get(&b->colreg, collector, strlen(collector))
                           : colreg_get(&b->colreg, m.collector, m.collector_len);
        if (ci >= 0 && t->coll != (uint32_t)ci + 1) {
            if (t->coll)
                b->colreg.v[t->coll - 1].ntopics--;
            t->coll = (uint32_t)ci + 1;
            b->colreg.v[ci].ntopics++;
        }
    }
    if (t->coll) {
        colreg_entry_t *ce = &b->colreg.v[t->coll - 1];
        ce->last_seen_wall = now_wall;
        if (m.kind == MSG_META)
            ce->metas++;
        else
            ce->msgs++;
    }
    if (m.kind == MSG_META) {
        b->st.metas++;
        jbuf_reset(&b->msg);
        if (mp2json_emit_meta(b->conv, &b->msg) != MP2JSON_OK || jbuf_failed(&b->msg)) {
            s_reject(b, MP2JSON_E_OOM, topic, tlen, "out of memory");
            return;
        }
        int changed =
            registry_set_meta(t, (const char *)jbuf_text(&b->msg), b->msg.len, m.interval_ms);
        if (changed > 0 || fresh)
            s_topic_msg(b, t);
        broker_flush(b);
        return;
    }
    if (fresh)
        s_topic_msg(b, t);

    int64_t ts = m.has_ts ? m.ts : now_wall;
    /* a missing seq continues after the largest seen on the topic; after
     * UINT64_MAX it starts again at 1 rather than repeat (Decision 2) */
    uint64_t seq = m.has_seq ? m.seq : (t->auto_seq == UINT64_MAX ? 1 : t->auto_seq + 1);
    if (!m.has_seq || seq > t->auto_seq)
        t->auto_seq = seq;
    if (m.has_seq) {
        /* a forward jump in the collector's own seq counts what never made it
         * through (ZeroMQ high-water marks, a rejected message); a step back
         * is a restarted collector, not a loss */
        if (t->last_seq && seq > t->last_seq + 1)
            b->st.seq_missing += seq - t->last_seq - 1;
        t->last_seq = seq;
    }
    size_t body_off = 0;
    jbuf_reset(&b->msg);
    if (mp2json_emit(b->conv, topic, tlen, ts, seq, &b->msg, &body_off) != MP2JSON_OK ||
        jbuf_failed(&b->msg)) {
        s_reject(b, MP2JSON_E_OOM, topic, tlen, "out of memory");
        return;
    }
    frame_t *f =
        frame_new(m.kind == MSG_EVENT ? FRAME_EVENT : FRAME_SAMPLE, jbuf_text(&b->msg), b->msg.len);
    if (!f) {
        s_reject(b, MP2JSON_E_OOM, topic, tlen, "out of memory");
        return;
    }
    f->topic = t;
    f->gen = ++b->gen;
    f->ts = ts;
    f->seq = seq;
    f->body_off = (uint32_t)body_off;
    if (m.kind == MSG_EVENT)
        b->st.events++;
    else
        b->st.samples++;
    t->last_gen = f->gen;
    t->msgs++;
    t->last_rx_mono = now_mono;
    t->stale = false;
    if (history_push(t->hist, f) < 0)
        RLOG_RL(RLOG_WARN, "out of memory: a message on %s is delivered but not kept in history",
                t->name);
    for (uint32_t i = 0; i < t->nsubs; i++) {
        if (t->subs[i].paused_gen == 0)
            s_enqueue(b, t->subs[i].c, f, now_mono);
    }
    frame_unref(&f);
}

/* ---- clients ------------------------------------------------------------- */

client_t *broker_client_open(broker_t *b, void *wsi, access_t *acc)
{
    client_t *c = client_new(b->next_client_id, b->cfg.queue_frames, b->cfg.queue_bytes);
    if (!c)
        return NULL;
    if (acc) { /* taken over */
        c->access = *acc;
        memset(acc, 0, sizeof(*acc));
    }
    b->next_client_id++;
    c->wsi = wsi;
    c->tokens = b->cfg.cmd_burst;
    c->next = b->clients;
    if (b->clients)
        b->clients->prev = c;
    b->clients = c;
    b->nclients++;
    if (b->nclients > b->clients_peak)
        b->clients_peak = b->nclients;
    b->st.connections_total++;

    jbuf_reset(&b->ctl);
    wire_put_welcome(&b->ctl, b->epoch, c->id, b->nclients, b->reg, s_permits, c);
    s_send_ctl(b, c);
    broker_flush(b);
    return c;
}

void broker_client_close(broker_t *b, client_t **pc)
{
    client_t *c = *pc;
    if (!c)
        return;
    if (c->dirty) {
        for (size_t i = 0; i < b->ndirty; i++)
            if (b->dirty[i] == c)
                b->dirty[i] = b->dirty[--b->ndirty];
    }
    if (c->prev)
        c->prev->next = c->next;
    else
        b->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    b->nclients--;
    client_destroy(pc);
}

/* ---- commands -------------------------------------------------------------- */

static bool s_cmd_matches(const cmd_t *cmd, const rtopic_t *t)
{
    for (size_t i = 0; i < cmd->ntopics; i++)
        if (topic_match(cmd->topics[i], strlen(cmd->topics[i]), t->name, t->name_len))
            return true;
    return false;
}

static void s_subscribe(broker_t *b, client_t *c, const cmd_t *cmd)
{
    /* all or nothing: check access and the limit before changing anything */
    char msg[TOPIC_MAX_LEN + 64];
    for (size_t i = 0; i < cmd->ntopics; i++) {
        if (!access_permits_pattern(&c->access, cmd->topics[i], strlen(cmd->topics[i]))) {
            snprintf(msg, sizeof(msg), "%s is outside your topics", cmd->topics[i]);
            s_error(b, c, CMD_E_FORBIDDEN, msg);
            b->st.auth_failures[AUTHFAIL_FORBIDDEN]++;
            return;
        }
    }
    for (size_t i = 0; i < cmd->nsince; i++) {
        if (!access_permits_topic(&c->access, cmd->since[i].topic, strlen(cmd->since[i].topic))) {
            snprintf(msg, sizeof(msg), "%s is outside your topics", cmd->since[i].topic);
            s_error(b, c, CMD_E_FORBIDDEN, msg);
            b->st.auth_failures[AUTHFAIL_FORBIDDEN]++;
            return;
        }
    }
    size_t fresh = 0;
    for (size_t i = 0; i < cmd->ntopics; i++) {
        bool have = false;
        for (uint32_t k = 0; k < c->npatterns && !have; k++)
            have = !strcmp(c->patterns[k], cmd->topics[i]);
        for (size_t k = 0; k < i && !have; k++)
            have = !strcmp(cmd->topics[k], cmd->topics[i]);
        fresh += !have;
    }
    if (c->npatterns + fresh > b->cfg.max_subs) {
        snprintf(msg, sizeof(msg), "too many subscriptions: %zu > %zu", c->npatterns + fresh,
                 b->cfg.max_subs);
        s_error(b, c, CMD_E_LIMIT, msg);
        return;
    }
    for (size_t i = 0; i < cmd->ntopics; i++) {
        if (client_subscribe(c, b->reg, cmd->topics[i], (uint32_t)b->cfg.max_subs, b->gen) !=
            CLIENT_OK) {
            s_error(b, c, CMD_E_LIMIT, "out of memory");
            return;
        }
    }
    s_ack(b, c, "subscribed", cmd);
    for (uint32_t i = 0; i < c->ntopics; i++) {
        rtopic_t *t = c->topics[i];
        if (!s_cmd_matches(cmd, t))
            continue;
        const cmd_since_t *since = NULL;
        for (size_t k = 0; k < cmd->nsince && !since; k++)
            if (!strcmp(cmd->since[k].topic, t->name))
                since = &cmd->since[k];
        if (since) {
            bool complete = true;
            size_t from = history_after(t->hist, since->ts, since->seq, &complete);
            s_history_msg(b, c, t, from, complete);
        } else if (cmd->history) {
            s_history_msg(b, c, t, 0, !history_wrapped(t->hist));
        }
    }
}

static void s_resumed_topic(void *ud, client_t *c, rtopic_t *t, uint64_t paused_gen)
{
    broker_t *b = ud;
    bool complete = true;
    size_t from = history_after_gen(t->hist, paused_gen, &complete);
    s_history_msg(b, c, t, from, complete);
}

void broker_command(broker_t *b, client_t *c, const char *data, size_t len, int64_t now_mono)
{
    if (c->close_code)
        return; /* closing: nothing it says matters any more */
    b->st.cmds++;
    /* token bucket: cfg.cmd_rate per second, cfg.cmd_burst at most */
    double dt = (double)(now_mono - c->tokens_mono) / 1000.0;
    c->tokens_mono = now_mono;
    if (dt > 0) {
        c->tokens += dt * b->cfg.cmd_rate;
        if (c->tokens > b->cfg.cmd_burst)
            c->tokens = b->cfg.cmd_burst;
    }
    if (c->tokens < 1.0) {
        if (++c->refused_in_row >= b->cfg.cmd_flood) {
            s_close(b, c, KICK_FLOOD, 1008, "command flood");
            return;
        }
        s_error(b, c, CMD_E_LIMIT, "too many commands: slow down");
        broker_flush(b);
        return;
    }
    c->tokens -= 1.0;
    c->refused_in_row = 0;

    cmd_t cmd;
    char msg[160];
    cmd_err_t e = cmd_parse(data, len, b->cfg.max_subs, &cmd, msg, sizeof(msg));
    if (e != CMD_OK) {
        s_error(b, c, e, msg);
        broker_flush(b);
        return;
    }
    switch (cmd.type) {
    case CMD_SUBSCRIBE:
        s_subscribe(b, c, &cmd);
        break;
    case CMD_UNSUBSCRIBE:
        for (size_t i = 0; i < cmd.ntopics; i++)
            client_unsubscribe(c, cmd.topics[i]);
        s_ack(b, c, "unsubscribed", &cmd);
        break;
    case CMD_PAUSE:
    case CMD_RESUME: {
        bool pause = cmd.type == CMD_PAUSE;
        client_err_t ce = CLIENT_OK;
        s_ack(b, c, pause ? "paused" : "resumed", &cmd);
        for (size_t i = 0; ce == CLIENT_OK && i < (cmd.has_topics ? cmd.ntopics : 1); i++) {
            const char *p = cmd.has_topics ? cmd.topics[i] : NULL;
            ce = pause ? client_pause(c, p, b->gen) : client_resume(c, p, s_resumed_topic, b);
        }
        if (ce != CLIENT_OK)
            s_error(b, c, CMD_E_LIMIT, "too many pause/resume patterns in force");
        break;
    }
    case CMD_PING:
        jbuf_reset(&b->ctl);
        wire_put_pong(&b->ctl);
        s_send_ctl(b, c);
        break;
    }
    cmd_free(&cmd);
    broker_flush(b);
}

/* ---- writing ------------------------------------------------------------- */

uint32_t broker_next_write(broker_t *b, client_t *c, unsigned char **text, size_t *len)
{
    outq_t *q = &c->q;
    if (q->count == 0)
        return 0;
    frame_t *first = outq_peek_at(q, 0);
    bool gap0 = first->topic && client_take_gap(c, first->topic);
    frame_t *second = outq_peek_at(q, 1);
    if (!gap0 && (!second || first->len + 1 + second->len > b->cfg.batch_bytes)) {
        *text = frame_text(first); /* zero-copy: the shared frame itself */
        *len = first->len;
        return 1;
    }
    jbuf_t *tx = &b->tx;
    jbuf_reset(tx);
    uint32_t n = 0;
    for (; n < q->count; n++) {
        frame_t *f = outq_peek_at(q, n);
        if (n > 0 && tx->len + 1 + f->len > b->cfg.batch_bytes)
            break;
        if (n > 0)
            jbuf_putc(tx, '\n');
        bool gap = n == 0 ? gap0 : (f->topic && c->ngaps && client_take_gap(c, f->topic));
        if (gap)
            wire_put_with_gap(tx, f);
        else
            jbuf_put(tx, frame_text(f), f->len);
    }
    if (jbuf_failed(tx)) {
        /* a single huge frame: send it alone, uncopied (gap mark is lost) */
        *text = frame_text(first);
        *len = first->len;
        return 1;
    }
    *text = jbuf_text(tx);
    *len = tx->len;
    return n;
}

void broker_wrote(broker_t *b, client_t *c, uint32_t n, size_t len)
{
    b->st.ws_frames++;
    b->st.ws_msgs += n;
    b->st.ws_bytes += len;
    outq_pop(&c->q, n);
    if (c->full_since_mono && c->q.count < c->q.max_frames / 2 && c->q.bytes < c->q.max_bytes / 2)
        c->full_since_mono = 0;
}

/* ---- periodic ------------------------------------------------------------ */

bool broker_cron(broker_t *b, int64_t now_wall, int64_t now_mono)
{
    if (b->last_cron_mono)
        colreg_tick(&b->colreg, (double)(now_mono - b->last_cron_mono) / 1000.0);
    b->last_cron_mono = now_mono;
    if (b->nclients != b->clients_sent) {
        b->clients_sent = b->nclients;
        jbuf_reset(&b->ctl);
        wire_put_clients(&b->ctl, b->nclients);
        s_send_ctl(b, NULL);
    }
    size_t n = registry_count(b->reg);
    for (size_t i = 0; i < n; i++) {
        rtopic_t *t = registry_at(b->reg, i);
        if (t->stale || t->interval_ms <= 0 || t->msgs == 0)
            continue;
        int64_t quiet = now_mono - t->last_rx_mono;
        if (quiet <= 3 * t->interval_ms)
            continue;
        t->stale = true;
        t->stale_since = now_wall - quiet;
        jbuf_reset(&b->ctl);
        wire_put_stale(&b->ctl, t, t->stale_since);
        frame_t *f = frame_new(FRAME_CTRL, jbuf_text(&b->ctl), b->ctl.len);
        if (!f)
            continue;
        for (uint32_t k = 0; k < t->nsubs; k++)
            if (t->subs[k].paused_gen == 0)
                s_enqueue(b, t->subs[k].c, f, 0);
        frame_unref(&f);
    }
    for (client_t *c = b->clients; c; c = c->next) {
        if (c->close_code)
            continue;
        bool slow = c->full_since_mono && now_mono - c->full_since_mono >= b->cfg.slow_ms;
        /* control frames are never dropped; a client that lets them pile up
         * past four times its bound is as slow as one that drops for 30 s.
         * (Data frames over the bound are each a topic's newest: a client on
         * many topics legitimately holds more; the 30 s and the all-queues
         * bound apply to it.) */
        if (slow || c->q.ctl_bytes > 4 * c->q.max_bytes) {
            rlog(RLOG_NOTICE, "closing client %llu: slow consumer (%u frames, %zu bytes queued)",
                 (unsigned long long)c->id, c->q.count, c->q.bytes);
            s_close(b, c, KICK_SLOW, 1008, "slow consumer");
        }
    }
    /* all queues together over their bound: close the largest first (Redis
     * maxmemory-clients), so one burst cannot take the hub's memory */
    if (b->cfg.total_bytes) {
        size_t total = broker_queued_bytes(b);
        while (total > b->cfg.total_bytes) {
            client_t *big = NULL;
            for (client_t *c = b->clients; c; c = c->next)
                if (!c->close_code && (!big || c->q.bytes > big->q.bytes))
                    big = c;
            if (!big || big->q.bytes == 0)
                break;
            total -= big->q.bytes;
            rlog(RLOG_NOTICE, "closing client %llu: all queues over %zu bytes",
                 (unsigned long long)big->id, b->cfg.total_bytes);
            s_close(b, big, KICK_MEMORY, 1008, "hub memory limit");
        }
    }
    broker_flush(b);
    /* glibc keeps freed heap; after a wave of clients has left, it may be
     * handed back (10 000 idle clients: RSS 65 MB -> 9 MB), once per wave */
    if (b->clients_peak >= 1000 && b->nclients < b->clients_peak / 2) {
        b->clients_peak = b->nclients;
        return true;
    }
    return false;
}

void broker_close_all(broker_t *b, int kick, int code, const char *reason)
{
    for (client_t *c = b->clients; c; c = c->next)
        s_close(b, c, kick, code, reason);
}

void broker_put_collectors(const broker_t *b, jbuf_t *out)
{
    wire_put_collectors(out, &b->colreg, b->reg, REJ__COUNT, broker_reject_name);
}

/* Is t still within c's access and subscriptions? (frames of others go) */
static bool s_keep(void *ud, const rtopic_t *t)
{
    client_t *c = ud;
    return s_permits(c, t) && client_matches(c, t->name, t->name_len);
}

void broker_recheck_access(broker_t *b, int (*check)(void *ud, access_t *acc), void *ud)
{
    for (client_t *c = b->clients; c; c = c->next) {
        if (c->close_code)
            continue;
        int code = check(ud, &c->access);
        if (code) {
            s_close(b, c, KICK_REVOKED, code, code == 4401 ? "expired" : "access revoked");
            continue;
        }
        /* narrowed patterns: drop what they no longer cover (the Mosquitto
         * CVE-2021-34434 lesson: paused ones and queued frames too) */
        for (uint32_t i = 0; i < c->npatterns;) {
            const char *p = c->patterns[i];
            if (access_permits_pattern(&c->access, p, strlen(p))) {
                i++;
                continue;
            }
            char *gone = strdup(p);
            if (!gone)
                break;                   /* out of memory: the next check tries again */
            client_unsubscribe(c, gone); /* frees p: pass the copy */
            const char *list[1] = {gone};
            jbuf_reset(&b->ctl);
            wire_put_ack(&b->ctl, "unsubscribed", list, 1);
            free(gone);
            outq_filter(&c->q, s_keep, c);
            s_send_ctl(b, c);
        }
    }
    broker_flush(b);
}

size_t broker_queued_bytes(const broker_t *b)
{
    size_t n = 0;
    for (const client_t *c = b->clients; c; c = c->next)
        n += c->q.bytes;
    return n;
}

const broker_stats_t *broker_stats(const broker_t *b)
{
    return &b->st;
}

const registry_t *broker_registry(const broker_t *b)
{
    return b->reg;
}

const colreg_t *broker_colreg(const broker_t *b)
{
    return &b->colreg;
}

size_t broker_nclients(const broker_t *b)
{
    return b->nclients;
}

const char *broker_epoch(const broker_t *b)
{
    return b->epoch;
}

int64_t broker_started_wall(const broker_t *b)
{
    return b->started_wall;
}

void broker_count_refused(broker_t *b, int reason)
{
    if (reason >= 0 && reason < REFUSE__COUNT)
        b->st.refused[reason]++;
    /* a refused Host or Origin is also a refused credential (SPEC §7) */
    if (reason == REFUSE_ORIGIN)
        b->st.auth_failures[AUTHFAIL_ORIGIN]++;
    else if (reason == REFUSE_HOST)
        b->st.auth_failures[AUTHFAIL_HOST]++;
}

void broker_count_kick(broker_t *b, int kick)
{
    if (kick >= 0 && kick < KICK__COUNT)
        b->st.kicked[kick]++;
}

void broker_count_reload(broker_t *b, bool ok)
{
    if (ok)
        b->st.reloads_ok++;
    else
        b->st.reloads_failed++;
}

void broker_count_login(broker_t *b, int how)
{
    if (how >= 0 && how < LOGIN__COUNT)
        b->st.logins[how]++;
}

void broker_count_auth_failure(broker_t *b, int why)
{
    if (why >= 0 && why < AUTHFAIL__COUNT)
        b->st.auth_failures[why]++;
}
