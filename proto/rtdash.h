/* SPDX-License-Identifier: MIT */
/* rtdash.h - the collector library: publish samples, events and meta to hubs.
 * A publisher owns one ZeroMQ context and one PUB socket connected to every
 * endpoint of RTDASH_HUB (comma-separated). Sending never blocks: while no hub
 * is there, messages are dropped by ZeroMQ (PUB semantics) and a hub that
 * appears later receives what is sent from then on. Each topic gets its own
 * seq counter, starting at 1. Not thread-safe: one publisher per thread.
 * A peer that answers but is not a ZeroMQ hub (e.g. the hub's web port given
 * instead of its ingest) is logged, once per endpoint per minute, and a hub
 * that goes away is logged once; see rtdash_pub_status().
 * CURVE (SPEC §7): with RTDASH_CURVE_SERVERKEY (the hub's public key, Z85)
 * and RTDASH_CURVE_KEYFILE (this collector's key file, one line PUBLIC
 * SECRET, written by `rtdash-pub --gen-keys FILE`) set, the publisher
 * authenticates to the hub, and a refusal is logged with what it means (the
 * hub refused our key, the wrong server key, a hub without CURVE). */
#ifndef RTDASH_H
#define RTDASH_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define RTDASH_DEFAULT_HUB "tcp://127.0.0.1:5556"
#define RTDASH_MAX_MESSAGE (64 * 1024) /* the hub drops larger bodies */
#define RTDASH_MAX_TEXT 1024           /* longest event text */
/* A collector's first tick waits at least this long, so that a hub its PUB
 * socket has just connected to has subscribed (ZeroMQ's slow joiner) before
 * the first message. */
#define RTDASH_FIRST_TICK_MIN_MS 100

/* Every collector's --hub row of its opts table (opts.h); hubs is a
 * const char ** that receives the list. */
#define RTDASH_OPT_HUB(hubs)                                                                       \
    {                                                                                              \
        "hub", OPT_STR, RTDASH_DEFAULT_HUB, 0, 0, (hubs),                                          \
            "ZeroMQ endpoints of the hubs to publish to, comma-separated"                          \
    }

typedef struct rtdash_pub rtdash_pub_t;

/* Create a publisher connected to every endpoint of `hubs` (comma-separated);
 * NULL means $RTDASH_HUB, or RTDASH_DEFAULT_HUB when that is unset.
 * Returns NULL (and logs why) if an endpoint is malformed, ZeroMQ fails, or
 * the RTDASH_CURVE_* variables are set but wrong (one without the other, a
 * server key that is not 40 Z85 characters, a key file that is missing,
 * unparsable, readable or writable by group or others, or whose public key
 * is not its secret key's).
 * Caller owns the result: rtdash_pub_destroy(). */
rtdash_pub_t *rtdash_pub_new(const char *hubs);

/* Close the socket (pending messages are discarded) and free. NULL-safe;
 * sets *p to NULL. */
void rtdash_pub_destroy(rtdash_pub_t **p);

/* Publish a sample: n fields names[i] = values[i]. ts_ms 0 means "now".
 * Returns 0, or -1 on a bad topic/argument or a ZeroMQ error (not when no hub
 * is listening: that is not an error). */
int rtdash_pub_sample(rtdash_pub_t *p, const char *topic, const char *const *names,
                      const double *values, size_t n, int64_t ts_ms);

/* Publish an event with level "info", "success", "warning" or "error".
 * Text longer than RTDASH_MAX_TEXT bytes is cut at a UTF-8 boundary.
 * Returns 0 or -1 as above. */
int rtdash_pub_event(rtdash_pub_t *p, const char *topic, const char *level, const char *text,
                     int64_t ts_ms);

/* Description of one field for meta. All strings optional (NULL = omitted). */
typedef struct rtdash_field_meta {
    const char *name;
    const char *label;
    const char *unit;
    const char *color;
} rtdash_field_meta_t;

/* Description of a topic (SPEC §2 meta). Strings NULL and numbers NaN /
 * 0 (interval_ms) are omitted. */
typedef struct rtdash_meta {
    const char *title;
    const char *unit;
    const char *chart; /* line, bar, area, gauge, number */
    double min, max;   /* NaN = omitted */
    int64_t interval_ms;
    const char *collector;
    const rtdash_field_meta_t *fields;
    size_t nfields;
} rtdash_meta_t;

/* Initialise *m with everything omitted (min/max NaN). */
void rtdash_meta_init(rtdash_meta_t *m);

/* Publish meta for a topic. Collectors send it at start and every 10 s.
 * When m->collector is set and the environment has RTDASH_COLLECTOR (the
 * name the hub gives a collector it runs), that name is announced instead.
 * Returns 0 or -1 as above. */
int rtdash_pub_meta(rtdash_pub_t *p, const char *topic, const rtdash_meta_t *m);

/* Publish a ready msgpack body as is (the caller is responsible for the
 * contents; used by rtdash-pub for JSON lines). Returns 0 or -1. */
int rtdash_pub_raw(rtdash_pub_t *p, const char *topic, const void *body, size_t len);

/* The next seq this publisher would use for topic (and consume it).
 * For callers that build bodies themselves with rtdash_pub_raw(). */
uint64_t rtdash_pub_next_seq(rtdash_pub_t *p, const char *topic);

/* What a publisher knows about its hubs, from ZeroMQ's socket events. */
typedef struct rtdash_pub_status {
    uint64_t sent;            /* messages handed to ZeroMQ (sent, or dropped by PUB: no hub) */
    uint64_t handshakes;      /* ZeroMQ handshakes completed, with any endpoint */
    uint64_t bad_peers;       /* handshakes that failed: something answered that is not a hub's
                                 ingest (the hub's web port, another server) */
    const char *bad_endpoint; /* the last endpoint that failed, as ZeroMQ names it, or NULL;
                                 valid until the publisher is destroyed */
} rtdash_pub_status_t;

/* Read the socket events that arrived since the last look (logging what
 * they say, as sending does at most once a second) and fill *st. For a
 * program about to exit: sent > 0 with handshakes == 0 and bad_peers > 0
 * means that nothing it sent can have reached a hub, and why. With nothing
 * listening at all, bad_peers stays 0: messages are dropped, which is normal
 * for a collector that starts before its hub. */
void rtdash_pub_status(rtdash_pub_t *p, rtdash_pub_status_t *st);

/* Current wall-clock time in Unix milliseconds. */
int64_t rtdash_now_ms(void);

/* A collector's tick: sleep until the next multiple of interval_ms of the
 * wall clock that is at least min_ms away (pass RTDASH_FIRST_TICK_MIN_MS the
 * first time, 0 after), so that samples of every collector line up at
 * :00.000, :01.000... Sleeps on the monotonic clock in slices, so a wall
 * clock stepped backwards costs at most one interval before it realigns.
 * Returns 1 at the tick, or 0 as soon as *stop is non-zero: set it from a
 * signal handler installed without SA_RESTART, and the sleep ends at once.
 * stop may be NULL. interval_ms below 1 counts as 1. */
int rtdash_tick_wait(int64_t interval_ms, int64_t min_ms, const volatile sig_atomic_t *stop);

/* Make SIGINT and SIGTERM set *stop to 1 (one flag per process; a later call
 * replaces it), without SA_RESTART, so that rtdash_tick_wait(), poll() and
 * sleeps end at once. Returns 0, or -1 if sigaction() failed. */
int rtdash_stop_on_signals(volatile sig_atomic_t *stop);

#endif
