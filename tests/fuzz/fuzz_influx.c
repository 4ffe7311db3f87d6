/* SPDX-License-Identifier: MIT */
/* fuzz_influx.c - libFuzzer target for the InfluxDB line protocol parser
 * (collectors/pub/influx.c). The input is one line. Parses it into a line
 * sized exactly for it (so ASan sees any write past the scratch buffer),
 * builds the topic, and aborts when a promise of influx.h is broken: an
 * error that is not "column N: ..." with N inside the line, a parsed line
 * with empty names or no number, a topic that topic_is_valid() rejects or
 * whose segments are not the measurement and one per tag, tags not sorted
 * after influx_topic(). */
#include "influx.h"
#include "topic.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* err is "column N: ..." with 1 <= N <= size + 1. */
static void s_check_column(const char *err, size_t size)
{
    unsigned long long col = 0;
    int used = 0;
    if (sscanf(err, "column %llu: %n", &col, &used) != 1 || used == 0)
        abort();
    if (col < 1 || col > (unsigned long long)size + 1)
        abort();
}

static void s_check_line(const influx_line_t *l)
{
    if (!l->measurement[0] || l->ntags > INFLUX_MAX_TAGS || l->nfields > INFLUX_MAX_FIELDS)
        abort();
    if (l->nfields == 0 || l->nnumeric == 0 || l->nnumeric > l->nfields)
        abort();
    size_t numeric = 0;
    for (size_t k = 0; k < l->ntags; k++)
        if (!l->tags[k].key[0] || !l->tags[k].value[0])
            abort();
    for (size_t k = 0; k < l->nfields; k++) {
        const influx_field_t *f = &l->fields[k];
        if (!f->key[0])
            abort();
        if (f->type == INFLUX_STRING) {
            if (!f->s || strlen(f->s) != f->slen) /* a NUL in the line is an error */
                abort();
        } else {
            numeric++;
        }
        if (f->type == INFLUX_BOOL && f->i != 0 && f->i != 1)
            abort();
    }
    if (numeric != l->nnumeric)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    influx_line_t *l = influx_line_new(size);
    if (!l)
        return 0;
    char err[320];
    const char *s = (const char *)data;
    if (influx_parse(l, s, size, 0, err, sizeof(err)) != 0) {
        s_check_column(err, size);
        influx_line_destroy(&l);
        return 0;
    }
    s_check_line(l);
    char topic[INFLUX_TOPIC_SIZE];
    if (influx_topic(l, topic, err, sizeof(err)) == 0) {
        size_t n = strlen(topic), dots = 0;
        if (!topic_is_valid(topic, n))
            abort();
        for (size_t i = 0; i < n; i++)
            dots += topic[i] == '.';
        if (dots != l->ntags)
            abort();
    } else if (strncmp(err, "the topic '", 11) != 0) {
        abort();
    }
    for (size_t k = 1; k < l->ntags; k++)
        if (strcmp(l->tags[k - 1].key, l->tags[k].key) >= 0)
            abort();
    influx_line_destroy(&l);
    return 0;
}
