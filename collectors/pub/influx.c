/* influx.c - InfluxDB line protocol, one line at a time: see influx.h.
 *
 * A line is parsed with a cursor (icur_t) that knows the column of its first
 * byte, so every error names the column where the user should look. Names
 * and strings are unescaped into the line's scratch buffer, which never needs
 * more than twice the input plus 2: each name or string takes at most the
 * bytes it consumed plus a NUL, and only the last one of a line can be empty
 * (an empty name is an error). */
// SPDX-License-Identifier: MIT
#include "influx.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topic.h"

influx_line_t *influx_line_new(size_t max_len)
{
    if (max_len > (SIZE_MAX - 2) / 2)
        return NULL;
    influx_line_t *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->scratch_size = max_len * 2 + 2;
    l->scratch = malloc(l->scratch_size);
    if (!l->scratch) {
        free(l);
        return NULL;
    }
    l->max_len = max_len;
    return l;
}

void influx_line_destroy(influx_line_t **l)
{
    if (!l || !*l)
        return;
    free((*l)->scratch);
    free(*l);
    *l = NULL;
}

const char *influx_quote(char *dst, size_t size, const char *s, size_t len)
{
    size_t o = 0, max = size - 4 < 40 ? size - 4 : 40;
    for (size_t i = 0; i < len && o < max; i++)
        dst[o++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    if (len > max) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
    return dst;
}

/* A cursor over one line; col0 is the column of s[0] in the input line. */
typedef struct icur {
    const char *s;
    size_t len, i, col0;
} icur_t;

static int s_ierr(const icur_t *c, char *err, size_t errsize, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "column N: reason" into err; returns -1. */
static int s_ierr(const icur_t *c, char *err, size_t errsize, const char *fmt, ...)
{
    int n = snprintf(err, errsize, "column %zu: ", c->col0 + c->i + 1);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < errsize)
        vsnprintf(err + n, errsize - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Read a name (measurement, tag key or value, field key) up to an unescaped
 * byte of `stops` or the end, unescaping into the scratch buffer. Returns the
 * NUL-terminated name (possibly empty). */
static const char *s_iname(icur_t *c, influx_line_t *l, const char *stops)
{
    char *out = l->scratch + l->used;
    size_t o = 0;
    while (c->i < c->len) {
        char ch = c->s[c->i];
        if (ch == '\\' && c->i + 1 < c->len && strchr(",= \\", c->s[c->i + 1])) {
            out[o++] = c->s[c->i + 1];
            c->i += 2;
            continue;
        }
        if (strchr(stops, ch))
            break;
        out[o++] = ch;
        c->i++;
    }
    out[o] = '\0';
    l->used += o + 1;
    return out;
}

static bool s_iat(const icur_t *c, char ch)
{
    return c->i < c->len && c->s[c->i] == ch;
}

/* A quoted string field value, the cursor on the opening quote. */
static int s_istring(icur_t *c, influx_line_t *l, influx_field_t *f, char *err, size_t errsize)
{
    size_t start = c->i++;
    char *out = l->scratch + l->used;
    size_t o = 0;
    for (;;) {
        if (c->i >= c->len) {
            c->i = start;
            return s_ierr(c, err, errsize, "string value of field '%s' has no closing '\"'",
                          f->key);
        }
        char ch = c->s[c->i];
        if (ch == '"') {
            c->i++;
            break;
        }
        if (ch == '\\' && c->i + 1 < c->len && (c->s[c->i + 1] == '"' || c->s[c->i + 1] == '\\')) {
            out[o++] = c->s[c->i + 1];
            c->i += 2;
            continue;
        }
        out[o++] = ch;
        c->i++;
    }
    out[o] = '\0';
    l->used += o + 1;
    f->type = INFLUX_STRING;
    f->s = out;
    f->slen = o;
    return 0;
}

static bool s_is_bool_word(const char *v, size_t n, bool *out)
{
    static const char *const t[] = {"t", "T", "true", "True", "TRUE"};
    static const char *const f[] = {"f", "F", "false", "False", "FALSE"};
    for (size_t k = 0; k < 5; k++) {
        if (strlen(t[k]) == n && memcmp(v, t[k], n) == 0) {
            *out = true;
            return true;
        }
        if (strlen(f[k]) == n && memcmp(v, f[k], n) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* A number or boolean field value: up to the next ',' or ' '. */
static int s_ivalue(icur_t *c, influx_field_t *f, char *err, size_t errsize)
{
    char q[48];
    size_t start = c->i;
    while (c->i < c->len && c->s[c->i] != ',' && c->s[c->i] != ' ')
        c->i++;
    const char *v = c->s + start;
    size_t n = c->i - start;
    icur_t at = *c;
    at.i = start;
    if (n == 0)
        return s_ierr(&at, err, errsize, "field '%s' has no value", f->key);
    bool b;
    if (s_is_bool_word(v, n, &b)) {
        f->type = INFLUX_BOOL;
        f->i = b;
        return 0;
    }
    char num[64];
    char last = v[n - 1];
    size_t digits = last == 'i' || last == 'u' ? n - 1 : n;
    bool ok = digits > 0 && digits < sizeof(num);
    for (size_t k = 0; ok && k < digits; k++)
        ok = strchr("0123456789+-.eE", v[k]) != NULL;
    if (!ok)
        return s_ierr(&at, err, errsize,
                      "field '%s': '%s' is not a number (1.5, 3i, 3u), a boolean or a \"string\"",
                      f->key, influx_quote(q, sizeof(q), v, n));
    memcpy(num, v, digits);
    num[digits] = '\0';
    char *end;
    errno = 0;
    if (last == 'i') {
        f->type = INFLUX_INT;
        f->i = strtoll(num, &end, 10);
    } else if (last == 'u') {
        f->type = INFLUX_UINT;
        f->u = strtoull(num, &end, 10);
        if (num[0] == '-') /* strtoull would wrap it around */
            end = num;
    } else {
        f->type = INFLUX_FLOAT;
        f->f = strtod(num, &end);
    }
    if (end != num + digits || (f->type == INFLUX_FLOAT && !isfinite(f->f)))
        return s_ierr(&at, err, errsize, "field '%s': '%s' is not a valid %s", f->key,
                      influx_quote(q, sizeof(q), v, n),
                      last == 'i'   ? "integer"
                      : last == 'u' ? "unsigned integer"
                                    : "number");
    if (errno == ERANGE)
        return s_ierr(&at, err, errsize, "field '%s': '%s' is out of range", f->key,
                      influx_quote(q, sizeof(q), v, n));
    return 0;
}

int influx_parse(influx_line_t *l, const char *s, size_t len, size_t col0, char *err,
                 size_t errsize)
{
    icur_t c = {s, len, 0, col0};
    l->ntags = l->nfields = l->nnumeric = 0;
    l->has_ts = false;
    l->used = 0;
    if (len > l->max_len) /* the scratch buffer holds len * 2 + 2 bytes */
        return s_ierr(&c, err, errsize, "line longer than %zu bytes", l->max_len);
    const char *nul = memchr(s, '\0', len);
    if (nul) {
        c.i = (size_t)(nul - s);
        return s_ierr(&c, err, errsize, "NUL byte in the line");
    }
    l->measurement = s_iname(&c, l, ", ");
    if (!l->measurement[0])
        return s_ierr(&c, err, errsize, "missing measurement name");
    while (s_iat(&c, ',')) {
        c.i++;
        if (l->ntags == INFLUX_MAX_TAGS)
            return s_ierr(&c, err, errsize, "more than %d tags", INFLUX_MAX_TAGS);
        influx_tag_t *t = &l->tags[l->ntags];
        size_t key_at = c.i;
        t->key = s_iname(&c, l, ",= ");
        if (!t->key[0])
            return s_ierr(&c, err, errsize, "empty tag key");
        if (!s_iat(&c, '='))
            return s_ierr(&c, err, errsize, "tag '%s' needs '=value'", t->key);
        c.i++;
        t->value = s_iname(&c, l, ",= ");
        if (s_iat(&c, '='))
            return s_ierr(&c, err, errsize, "tag '%s': '=' in a value must be written '\\='",
                          t->key);
        if (!t->value[0])
            return s_ierr(&c, err, errsize, "tag '%s' has an empty value", t->key);
        for (size_t k = 0; k < l->ntags; k++) {
            if (strcmp(l->tags[k].key, t->key) == 0) {
                c.i = key_at;
                return s_ierr(&c, err, errsize, "tag '%s' given twice", t->key);
            }
        }
        l->ntags++;
    }
    if (!s_iat(&c, ' '))
        return s_ierr(&c, err, errsize, "missing fields (a space, then field=value)");
    while (s_iat(&c, ' '))
        c.i++;
    for (;;) {
        if (l->nfields == INFLUX_MAX_FIELDS)
            return s_ierr(&c, err, errsize, "more than %d fields", INFLUX_MAX_FIELDS);
        influx_field_t *f = &l->fields[l->nfields];
        memset(f, 0, sizeof(*f));
        size_t key_at = c.i;
        f->key = s_iname(&c, l, ",= ");
        if (!f->key[0])
            return s_ierr(&c, err, errsize, "empty field key");
        if (!s_iat(&c, '='))
            return s_ierr(&c, err, errsize, "field '%s' needs '=value'", f->key);
        c.i++;
        int rc = s_iat(&c, '"') ? s_istring(&c, l, f, err, errsize) : s_ivalue(&c, f, err, errsize);
        if (rc < 0)
            return -1;
        for (size_t k = 0; k < l->nfields; k++) {
            if (strcmp(l->fields[k].key, f->key) == 0) {
                c.i = key_at;
                return s_ierr(&c, err, errsize, "field '%s' given twice", f->key);
            }
        }
        l->nfields++;
        l->nnumeric += f->type != INFLUX_STRING;
        if (!s_iat(&c, ','))
            break;
        c.i++;
    }
    if (c.i < c.len && c.s[c.i] != ' ')
        return s_ierr(&c, err, errsize, "expected ',' or a space after a field value");
    while (s_iat(&c, ' '))
        c.i++;
    if (c.i < c.len) {
        char num[32];
        size_t start = c.i;
        while (c.i < c.len && c.s[c.i] != ' ')
            c.i++;
        size_t n = c.i - start;
        icur_t at = c;
        at.i = start;
        bool ok = n < sizeof(num) && n > 0;
        for (size_t k = 0; ok && k < n; k++)
            ok = isdigit((unsigned char)s[start + k]) || (k == 0 && s[start] == '-' && n > 1);
        char q[48];
        if (!ok)
            return s_ierr(&at, err, errsize, "timestamp '%s' is not a whole number",
                          influx_quote(q, sizeof(q), s + start, n));
        memcpy(num, s + start, n);
        num[n] = '\0';
        errno = 0;
        l->ts = strtoll(num, NULL, 10);
        if (errno == ERANGE)
            return s_ierr(&at, err, errsize, "timestamp '%s' is out of range", num);
        l->has_ts = true;
        while (s_iat(&c, ' '))
            c.i++;
        if (c.i < c.len)
            return s_ierr(&c, err, errsize, "unexpected text after the timestamp");
    }
    if (l->nnumeric == 0) {
        c.i = 0;
        return s_ierr(&c, err, errsize,
                      "no number among the fields (string fields alone make no sample)");
    }
    return 0;
}

/* Append a topic part to t (o bytes used): invalid bytes become '_', one per
 * UTF-8 character. Returns the new length, or TOPIC_MAX_LEN + 1 if too long. */
static size_t s_topic_part(char *t, size_t o, const char *part)
{
    bool in_multibyte = false;
    for (const unsigned char *p = (const unsigned char *)part; *p; p++) {
        if ((*p & 0xC0) == 0x80 && in_multibyte)
            continue;
        in_multibyte = *p >= 0x80;
        char ch = isalnum(*p) && *p < 0x80 ? (char)*p : *p == '-' ? '-' : '_';
        if (o >= TOPIC_MAX_LEN)
            return TOPIC_MAX_LEN + 1;
        t[o++] = ch;
    }
    return o;
}

static int s_tag_cmp(const void *x, const void *y)
{
    return strcmp(((const influx_tag_t *)x)->key, ((const influx_tag_t *)y)->key);
}

int influx_topic(influx_line_t *l, char *t, char *err, size_t errsize)
{
    char q[48];
    qsort(l->tags, l->ntags, sizeof(l->tags[0]), s_tag_cmp);
    size_t o = s_topic_part(t, 0, l->measurement);
    for (size_t k = 0; k < l->ntags && o <= TOPIC_MAX_LEN; k++) {
        if (o < TOPIC_MAX_LEN)
            t[o] = '.';
        o = s_topic_part(t, o + 1, l->tags[k].value);
    }
    if (o > TOPIC_MAX_LEN) {
        snprintf(err, errsize, "the topic '%s' would be longer than %d bytes",
                 influx_quote(q, sizeof(q), t, TOPIC_MAX_LEN), TOPIC_MAX_LEN);
        return -1;
    }
    t[o] = '\0';
    if (!topic_is_valid(t, o)) { /* not expected: every part is [A-Za-z0-9_-]+ */
        snprintf(err, errsize, "invalid topic '%s' (segments of A-Z a-z 0-9 _ - joined by '.')",
                 influx_quote(q, sizeof(q), t, o));
        return -1;
    }
    return 0;
}
