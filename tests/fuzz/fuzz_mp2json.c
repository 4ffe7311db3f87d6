/* SPDX-License-Identifier: MIT */
/* fuzz_mp2json.c - libFuzzer target for the collector message converter.
 * Every input goes through mp2json_decode (+ emit / emit_meta when accepted)
 * and mp2json_value, on a converter with the hub's limits and on a small one
 * (so the size and depth limits are reached too). Whatever is written must be
 * valid UTF-8 and valid JSON without a raw newline; otherwise abort().
 * The first 8 (4) input bytes are also taken as a double (float) whose text
 * must equal the rule's reference: the first of %.15g..%.17g (%.6g..%.9g)
 * that reads back, integers up to 2^53 (2^24) as integers. */
#include "fuzz_json.h"
#include "jbuf.h"
#include "mp2json.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mp2json_t *s_big, *s_small;
static jbuf_t s_out;

static bool s_is_framing(mp2json_err_t e)
{
    return e == MP2JSON_E_TOO_LARGE || e == MP2JSON_E_DEPTH || e == MP2JSON_E_DECLARED ||
           e == MP2JSON_E_PARSE;
}

static void s_one(mp2json_t *c, const uint8_t *data, size_t size)
{
    mp2json_msg_t msg;
    mp2json_err_t e = mp2json_decode(c, data, size, &msg);
    if ((unsigned)e >= MP2JSON_E__COUNT)
        abort();
    if (e == MP2JSON_OK) {
        jbuf_reset(&s_out);
        if (msg.kind == MSG_META) {
            if (msg.interval_ms < 0)
                abort();
            e = mp2json_emit_meta(c, &s_out);
        } else {
            size_t off = 0;
            e = mp2json_emit(c, "fuzz.topic", 10, msg.has_ts ? msg.ts : 1, msg.seq, &s_out, &off);
            if (e == MP2JSON_OK) {
                const char *pre =
                    msg.kind == MSG_SAMPLE ? "{\"type\":\"sample\"," : "{\"type\":\"event\",";
                if (off != strlen(pre) || memcmp(jbuf_text(&s_out), pre, off) != 0 ||
                    memcmp(jbuf_text(&s_out) + off, "\"topic\":", 8) != 0)
                    abort();
            }
        }
        if (e == MP2JSON_OK)
            fuzz_check_json(jbuf_text(&s_out), s_out.len);
        else if (e != MP2JSON_E_OOM)
            abort();
    }
    mp2json_err_t framing = s_is_framing(e) ? e : MP2JSON_OK;

    jbuf_reset(&s_out);
    mp2json_err_t v = mp2json_value(c, data, size, &s_out);
    if (v == MP2JSON_OK)
        fuzz_check_json(jbuf_text(&s_out), s_out.len);
    else if (!s_is_framing(v) && v != MP2JSON_E_OOM)
        abort();
    /* decode and value share the pre-scan and the unpacker */
    if (framing != MP2JSON_OK && v != framing)
        abort();
}

/* Differential check of the number printers against snprintf + strtod. */
static void s_check_numbers(const uint8_t *data, size_t size)
{
    char ref[64];
    if (size >= 8) {
        double v;
        memcpy(&v, data, sizeof v);
        if (!isfinite(v)) {
            snprintf(ref, sizeof ref, "null");
        } else if (fabs(v) <= 9007199254740992.0 && v == trunc(v)) {
            snprintf(ref, sizeof ref, "%lld", (long long)v);
        } else {
            for (int p = fabs(v) < DBL_MIN ? 1 : 15; p <= 17; p++) {
                snprintf(ref, sizeof ref, "%.*g", p, v);
                if (strtod(ref, NULL) == v)
                    break;
            }
        }
        jbuf_reset(&s_out);
        jbuf_put_double(&s_out, v);
        if (s_out.len != strlen(ref) || memcmp(jbuf_text(&s_out), ref, s_out.len) != 0)
            abort();
    }
    if (size >= 4) {
        float f;
        memcpy(&f, data, sizeof f);
        if (!isfinite(f)) {
            snprintf(ref, sizeof ref, "null");
        } else if (fabsf(f) <= 16777216.0f && f == truncf(f)) {
            snprintf(ref, sizeof ref, "%lld", (long long)f);
        } else {
            for (int p = fabsf(f) < FLT_MIN ? 1 : 6; p <= 9; p++) {
                snprintf(ref, sizeof ref, "%.*g", p, (double)f);
                if (strtof(ref, NULL) == f)
                    break;
            }
        }
        jbuf_reset(&s_out);
        jbuf_put_float(&s_out, f);
        if (s_out.len != strlen(ref) || memcmp(jbuf_text(&s_out), ref, s_out.len) != 0)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!s_big) {
        s_big = mp2json_new(64 * 1024, 16);
        s_small = mp2json_new(256, 4);
        jbuf_init(&s_out, 8 * 64 * 1024 + 1024); /* what the hub gives it */
        if (!s_big || !s_small)
            abort();
    }
    s_one(s_big, data, size);
    s_one(s_small, data, size);
    s_check_numbers(data, size);
    return 0;
}
