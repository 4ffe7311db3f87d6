/* SPDX-License-Identifier: MIT */
/* wire.h - the JSON text of every message the hub writes itself (SPEC §3
 * hub -> browser, and the JSON bodies of the HTTP API), apart from samples and
 * events, which mp2json writes once per collector message.
 * Pure: each function appends to a jbuf_t and touches nothing else, so each
 * is tested against proto/vectors/wire.json, written from SPEC. Topic names
 * are valid topics (no escaping needed); any other text is escaped. */
#ifndef RTDASH_WIRE_H
#define RTDASH_WIRE_H

#include "colreg.h"
#include "frame.h"
#include "jbuf.h"
#include "registry.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* {"type":"error","code":CODE,"message":MESSAGE} */
void wire_put_error(jbuf_t *o, const char *code, const char *message);

/* {"type":TYPE,"topics":[...]}: an acknowledgement (subscribed, paused...);
 * topics == NULL stands for all topics and is written ["*"]. */
void wire_put_ack(jbuf_t *o, const char *type, const char *const *topics, size_t n);

/* {"type":"pong"} */
void wire_put_pong(jbuf_t *o);

/* {"type":"clients","count":N} */
void wire_put_clients(jbuf_t *o, uint64_t count);

/* {"type":"stale","topic":T,"since":MS} */
void wire_put_stale(jbuf_t *o, const rtopic_t *t, int64_t since);

/* {"type":"topic","topic":T,"meta":META|null} */
void wire_put_topic(jbuf_t *o, const rtopic_t *t);

/* {"topic":T,"meta":META|null,"last":POINT|null,"stale":BOOL}: one catalog
 * entry (welcome, /api/topics). */
void wire_put_topic_info(jbuf_t *o, const rtopic_t *t);

/* Which topics a reader may see (NULL: all). */
typedef bool (*wire_permit_fn)(const void *ud, const rtopic_t *t);

/* [TOPIC_INFO,...]: the topics permit allows, in creation order (welcome,
 * /api/topics). */
void wire_put_catalog(jbuf_t *o, const registry_t *reg, wire_permit_fn permit, const void *ud);

/* One history point: the frame's message without its "type" key. */
void wire_put_point(jbuf_t *o, const frame_t *f);

/* [POINT,...]: t's history from index `from` (oldest first). */
void wire_put_points(jbuf_t *o, const rtopic_t *t, size_t from);

/* {"type":"history","topic":T,"complete":BOOL,"points":[...]} */
void wire_put_history(jbuf_t *o, const rtopic_t *t, size_t from, bool complete);

/* {"topic":T,"complete":BOOL,"points":[...]}: GET /api/history/T, the whole
 * ring, complete when it has not wrapped. */
void wire_put_history_doc(jbuf_t *o, const rtopic_t *t);

/* f's message with "gap":true after its "type" key (a sample or event whose
 * topic lost messages to a full queue). */
void wire_put_with_gap(jbuf_t *o, const frame_t *f);

/* {"type":"welcome","server":"rtdash-hub","version":V,"epoch":E,
 *  "client_id":ID,"clients":N,"topics":[TOPIC_INFO,...]} */
void wire_put_welcome(jbuf_t *o, const char *epoch, uint64_t client_id, uint64_t clients,
                      const registry_t *reg, wire_permit_fn permit, const void *ud);

/* GET /healthz: {"status":"ok","server":"rtdash-hub","version":V,"epoch":E,
 * "uptime_s":S,"clients":N,"topics":N} */
void wire_put_health(jbuf_t *o, const char *epoch, int64_t uptime_s, uint64_t clients,
                     uint64_t topics);

/* GET /api/collectors: [{"name","topics":[..],"last_seen","messages","metas",
 * "rate","rejected":{reason:n}}], reasons named by reason_name(index) and
 * listed only when non-zero. */
void wire_put_collectors(jbuf_t *o, const colreg_t *cr, const registry_t *reg, int nreasons,
                         const char *(*reason_name)(int));

/* {"error":CODE,"message":MESSAGE}: the body of an HTTP API error. */
void wire_put_http_error(jbuf_t *o, const char *code, const char *message);

#endif
