/* SPDX-License-Identifier: MIT */
/* fuzz_http.c - libFuzzer target for the HTTP API paths (httpapi_route).
 * Input: "URI\n" then one selector byte for the format= argument (0 none,
 * 1 json, 2 csv, 3 empty, other: that byte as the value), then a collector
 * message body. The body is ingested into a fresh broker as f.x (three
 * times) and f.y (as an event when it is a map), next to a known sample on
 * f.s, so the history export (JSON and CSV) runs over whatever the
 * converter accepts. Then GET URI is routed. The status must be 200, 400 or
 * 404; a JSON response must be one valid JSON value and a newline; a CSV or
 * metrics response must be valid UTF-8 ending in a newline, and CSV must be
 * well-quoted with as many cells in every record as in the header;
 * otherwise abort(). */
#include "broker.h"
#include "frame.h"
#include "fuzz_json.h"
#include "httpapi.h"
#include "jbuf.h"

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define URI_MAX 255 /* what the hub copies from lws */

static void s_nop_wake(void *ud, client_t *c)
{
    (void)ud;
    (void)c;
}

static bool s_utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t k;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            k = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            k = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            k = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + k >= n)
            return false;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + j] & 0x3f);
        }
        if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += k + 1;
    }
    return true;
}

/* RFC 4180: quoted cells double their quotes; every record ends in CRLF
 * and has as many cells as the header. */
static void s_check_csv(const unsigned char *s, size_t n)
{
    size_t cells = 1, want = 0, i = 0;
    bool quoted = false, at_start = true;
    while (i < n) {
        unsigned char c = s[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 < n && s[i + 1] == '"') {
                    i += 2;
                    continue;
                }
                quoted = false;
                if (i + 1 < n && s[i + 1] != ',' && s[i + 1] != '\r')
                    abort(); /* text after a closing quote */
            }
            i++;
            continue;
        }
        if (c == '"') {
            if (!at_start)
                abort(); /* a quote inside an unquoted cell */
            if (i + 1 < n && strchr("=+-@\t\r", s[i + 1]) && s[i + 1])
                abort(); /* a quoted formula: it needs its apostrophe */
            quoted = true;
            at_start = false;
        } else if (c == ',') {
            cells++;
            at_start = true;
            i++;
            continue;
        } else if (c == '\r') {
            if (i + 1 >= n || s[i + 1] != '\n')
                abort();
            if (want == 0)
                want = cells;
            else if (cells != want)
                abort();
            cells = 1;
            at_start = true;
            i += 2;
            continue;
        } else if (c == '\n') {
            abort(); /* a bare newline outside quotes */
        } else {
            /* an unquoted cell that a spreadsheet would run: only a negative
             * number may start with '-' */
            if (at_start && (strchr("=+@\t", c) ||
                             (c == '-' && !(i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9'))))
                abort();
            at_start = false;
        }
        i++;
    }
    if (quoted || want == 0 || !at_start || cells != 1)
        abort(); /* unterminated: the last record must end in CRLF */
}

static void s_ingest_sample(broker_t *b)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    msgpack_pack_str_with_body(&pk, "seq", 3);
    msgpack_pack_uint64(&pk, 7);
    msgpack_pack_str_with_body(&pk, "fields", 6);
    msgpack_pack_map(&pk, 2);
    msgpack_pack_str_with_body(&pk, "a,b", 3);
    msgpack_pack_double(&pk, 1.5);
    msgpack_pack_str_with_body(&pk, "q\"\n", 3);
    msgpack_pack_int64(&pk, -3);
    broker_ingest(b, "f.s", 3, (const uint8_t *)sb.data, sb.size, 1000, 1);
    msgpack_sbuffer_destroy(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl)
        return 0;
    size_t ulen = (size_t)(nl - data);
    if (ulen > URI_MAX)
        ulen = URI_MAX;
    char uri[URI_MAX + 1];
    memcpy(uri, data, ulen);
    uri[ulen] = '\0'; /* lws hands over a C string: it ends at a NUL */
    const uint8_t *rest = nl + 1;
    size_t rlen = size - (size_t)(rest - data);
    char fmtbuf[2] = {0, 0};
    const char *fmt = NULL;
    if (rlen) {
        switch (rest[0]) {
        case 0:
            break;
        case 1:
            fmt = "json";
            break;
        case 2:
            fmt = "csv";
            break;
        case 3:
            fmt = "";
            break;
        default:
            fmtbuf[0] = (char)rest[0];
            fmt = fmtbuf;
        }
        rest++;
        rlen--;
    }

    broker_cfg_t cfg = {.history = 4,
                        .max_topics = 16,
                        .max_subs = 8,
                        .max_body = 65536,
                        .max_depth = 16,
                        .queue_frames = 8,
                        .queue_bytes = 1 << 16,
                        .slow_ms = 30000,
                        .cmd_rate = 20,
                        .cmd_burst = 40,
                        .cmd_flood = 50,
                        .batch_bytes = 65536};
    broker_t *b = broker_new(&cfg, s_nop_wake, NULL);
    if (!b)
        abort();
    s_ingest_sample(b);
    for (int i = 0; i < 3; i++)
        broker_ingest(b, "f.x", 3, rest, rlen, 2000 + i, 2 + i);
    broker_ingest(b, "f.y", 3, rest, rlen, 3000, 5);

    jbuf_t o;
    jbuf_init(&o, 1 << 20);
    const char *ctype = NULL;
    /* who asks, by the length of the URI: auth off, a viewer of f.x only,
     * or nobody (auth on, no credentials) */
    char *only_fx[] = {"f.x"};
    access_t viewer = {.kind = ACCESS_TOKEN, .role = ROLE_VIEWER};
    if (access_set_patterns(&viewer, only_fx, 1) < 0)
        abort();
    access_t open = {.kind = ACCESS_OPEN};
    int who = (int)(strlen(uri) % 3);
    const access_t *acc = who == 0 ? &open : who == 1 ? &viewer : NULL;
    int status = httpapi_route(b, NULL, acc, true, uri, fmt, &o, &ctype);
    if (status != 200 && status != 400 && status != 404 && status != 401 && status != 403)
        abort();
    if ((status == 401) != (acc == NULL && strcmp(uri, "/healthz")))
        abort(); /* nobody gets nothing but /healthz; everyone else is not 401 */
    /* a viewer of f.x never sees f.y or f.s: its catalog lists f.x alone and
     * their histories are missing */
    if (acc == &viewer) {
        if ((!strncmp(uri, "/api/history/f.y", 16) || !strncmp(uri, "/api/history/f.s", 16)) &&
            status == 200)
            abort();
        if (!strcmp(uri, "/api/topics")) {
            json_t *cat = json_loadb((const char *)jbuf_text(&o), o.len, 0, NULL);
            size_t i;
            json_t *e;
            json_array_foreach(cat, i, e)
            {
                const char *t = json_string_value(json_object_get(e, "topic"));
                if (!t || strcmp(t, "f.x"))
                    abort();
            }
            json_decref(cat);
        }
    }
    access_clear(&viewer);
    if (!ctype || jbuf_failed(&o) || o.len == 0)
        abort();
    const unsigned char *text = (const unsigned char *)jbuf_text(&o);
    if (!strcmp(ctype, "application/json")) {
        if (o.len < 2 || text[o.len - 1] != '\n')
            abort();
        fuzz_check_json(text, o.len - 1); /* one JSON value, then a newline */
    } else {
        if (status != 200 || text[o.len - 1] != '\n' || !s_utf8_ok(text, o.len) ||
            memchr(text, '\0', o.len))
            abort();
        if (!strncmp(ctype, "text/csv", 8))
            s_check_csv(text, o.len);
    }
    jbuf_free(&o);
    broker_destroy(&b);
    if (frame_live_count() != 0)
        abort();
    return 0;
}
