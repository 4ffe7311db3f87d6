/* SPDX-License-Identifier: MIT */
/* test_influx.c - the InfluxDB line protocol parser (collectors/pub/influx.c):
 * values of every type, escapes, timestamps, topic building (tag order,
 * invalid bytes, UTF-8, the 128-byte limit) and the exact "column N: reason"
 * of malformed lines. */
#include "check.h"
#include "influx.h"
#include "topic.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static influx_line_t *s_l;
static char s_err[320];

static int parse_n(const char *s, size_t len)
{
    s_err[0] = '\0';
    return influx_parse(s_l, s, len, 0, s_err, sizeof(s_err));
}

static int parse(const char *s)
{
    return parse_n(s, strlen(s));
}

/* The field called key in the last parsed line, or NULL. */
static const influx_field_t *field(const char *key)
{
    for (size_t k = 0; k < s_l->nfields; k++)
        if (strcmp(s_l->fields[k].key, key) == 0)
            return &s_l->fields[k];
    return NULL;
}

static bool is_float(const char *line, double want)
{
    if (parse(line) != 0) {
        fprintf(stderr, "  %s: %s\n", line, s_err);
        return false;
    }
    const influx_field_t *f = field("v");
    return f && f->type == INFLUX_FLOAT && f->f == want;
}

static bool is_int(const char *line, influx_type_t type, int64_t want)
{
    if (parse(line) != 0) {
        fprintf(stderr, "  %s: %s\n", line, s_err);
        return false;
    }
    const influx_field_t *f = field("v");
    if (!f || f->type != type)
        return false;
    return type == INFLUX_UINT ? f->u == (uint64_t)want : f->i == want;
}

/* line is rejected with exactly want. */
static bool is_error(const char *line, size_t len, const char *want)
{
    if (parse_n(line, len) != -1) {
        fprintf(stderr, "  accepted: %s\n", line);
        return false;
    }
    if (strcmp(s_err, want) != 0) {
        fprintf(stderr, "  %s:\n    got  %s\n    want %s\n", line, s_err, want);
        return false;
    }
    return true;
}

#define BAD(line, want) CHECK(is_error((line), strlen(line), (want)))

/* line parses and its topic is want. */
static bool has_topic(const char *line, const char *want)
{
    char t[INFLUX_TOPIC_SIZE];
    if (parse(line) != 0 || influx_topic(s_l, t, s_err, sizeof(s_err)) != 0) {
        fprintf(stderr, "  %s: %s\n", line, s_err);
        return false;
    }
    if (strcmp(t, want) != 0 || !topic_is_valid(t, strlen(t))) {
        fprintf(stderr, "  %s:\n    got  %s\n    want %s\n", line, t, want);
        return false;
    }
    return true;
}

/* line parses and its topic is rejected with exactly want. */
static bool topic_error(const char *line, const char *want)
{
    char t[INFLUX_TOPIC_SIZE];
    if (parse(line) != 0) {
        fprintf(stderr, "  %s: %s\n", line, s_err);
        return false;
    }
    if (influx_topic(s_l, t, s_err, sizeof(s_err)) != -1 || strcmp(s_err, want) != 0) {
        fprintf(stderr, "  %.60s...:\n    got  %s\n    want %s\n", line, s_err, want);
        return false;
    }
    return true;
}

static void test_basic(void)
{
    const char *line =
        "cpu,host=web-1,cpu=cpu0 usage_user=12.5,usage_idle=80.1 1700000000000000000";
    CHECK(parse(line) == 0);
    CHECK_STREQ(s_l->measurement, "cpu");
    CHECK(s_l->ntags == 2);
    CHECK_STREQ(s_l->tags[0].key, "host");
    CHECK_STREQ(s_l->tags[0].value, "web-1");
    CHECK_STREQ(s_l->tags[1].key, "cpu");
    CHECK_STREQ(s_l->tags[1].value, "cpu0");
    CHECK(s_l->nfields == 2 && s_l->nnumeric == 2);
    CHECK_STREQ(s_l->fields[0].key, "usage_user");
    CHECK(s_l->fields[0].type == INFLUX_FLOAT && s_l->fields[0].f == 12.5);
    CHECK_STREQ(s_l->fields[1].key, "usage_idle");
    CHECK(s_l->fields[1].type == INFLUX_FLOAT && s_l->fields[1].f == 80.1);
    CHECK(s_l->has_ts && s_l->ts == 1700000000000000000LL);

    /* no tags, no timestamp; the same line object is reused */
    CHECK(parse("mem used=1234i") == 0);
    CHECK_STREQ(s_l->measurement, "mem");
    CHECK(s_l->ntags == 0 && s_l->nfields == 1 && !s_l->has_ts);

    /* spaces: several between the parts, trailing after the fields or the timestamp */
    CHECK(parse("m   v=1   42   ") == 0);
    CHECK(s_l->nfields == 1 && s_l->has_ts && s_l->ts == 42);
    CHECK(parse("m v=1 ") == 0);
    CHECK(!s_l->has_ts);
    CHECK(parse("m v=1 -5") == 0);
    CHECK(s_l->has_ts && s_l->ts == -5);
    CHECK(parse("m v=1 0") == 0);
    CHECK(s_l->has_ts && s_l->ts == 0);
    CHECK(parse("m v=1 9223372036854775807") == 0);
    CHECK(s_l->ts == INT64_MAX);
}

static void test_numbers(void)
{
    CHECK(is_float("m v=1", 1.0));
    CHECK(is_float("m v=-1.5", -1.5));
    CHECK(is_float("m v=+2.25", 2.25));
    CHECK(is_float("m v=.5", 0.5));
    CHECK(is_float("m v=5.", 5.0));
    CHECK(is_float("m v=-2e3", -2000.0));
    CHECK(is_float("m v=1E-2", 1e-2));
    CHECK(is_float("m v=1.5e+3", 1500.0));
    CHECK(is_float("m v=-0", 0.0));
    CHECK(is_int("m v=3i", INFLUX_INT, 3));
    CHECK(is_int("m v=-3i", INFLUX_INT, -3));
    CHECK(is_int("m v=9223372036854775807i", INFLUX_INT, INT64_MAX));
    CHECK(is_int("m v=-9223372036854775808i", INFLUX_INT, INT64_MIN));
    CHECK(is_int("m v=3u", INFLUX_UINT, 3));
    CHECK(parse("m v=18446744073709551615u") == 0);
    CHECK(field("v")->type == INFLUX_UINT && field("v")->u == UINT64_MAX);

    static const char *const trues[] = {"t", "T", "true", "True", "TRUE"};
    static const char *const falses[] = {"f", "F", "false", "False", "FALSE"};
    char line[32];
    for (size_t k = 0; k < 5; k++) {
        snprintf(line, sizeof(line), "m v=%s", trues[k]);
        CHECK(is_int(line, INFLUX_BOOL, 1));
        snprintf(line, sizeof(line), "m v=%s", falses[k]);
        CHECK(is_int(line, INFLUX_BOOL, 0));
    }

    /* every type in one line, in the line's order */
    CHECK(parse("m a=1.5,b=2i,c=3u,d=t,e=\"x\",f=false") == 0);
    CHECK(s_l->nfields == 6 && s_l->nnumeric == 5);
    static const influx_type_t types[] = {INFLUX_FLOAT, INFLUX_INT,    INFLUX_UINT,
                                          INFLUX_BOOL,  INFLUX_STRING, INFLUX_BOOL};
    for (size_t k = 0; k < 6; k++)
        CHECK(s_l->fields[k].type == types[k]);
    CHECK(s_l->fields[5].i == 0);
}

static void test_strings(void)
{
    CHECK(parse("m s=\"hello world, a=b\",v=1") == 0);
    const influx_field_t *f = field("s");
    CHECK(f && f->type == INFLUX_STRING);
    CHECK_STREQ(f->s, "hello world, a=b");
    CHECK(f->slen == 16);
    CHECK(s_l->nfields == 2 && s_l->nnumeric == 1);

    /* \" and \\ are escapes; any other backslash is itself */
    CHECK(parse("m s=\"say \\\"hi\\\" c:\\\\dir \\n\",v=1") == 0);
    f = field("s");
    CHECK(f && f->type == INFLUX_STRING);
    CHECK_STREQ(f->s, "say \"hi\" c:\\dir \\n");
    CHECK(f->slen == strlen("say \"hi\" c:\\dir \\n"));

    CHECK(parse("m s=\"\",v=1") == 0);
    f = field("s");
    CHECK(f && f->slen == 0 && f->s[0] == '\0');

    /* a string last, then the timestamp */
    CHECK(parse("m v=1,s=\"x y\" 17") == 0);
    CHECK_STREQ(field("s")->s, "x y");
    CHECK(s_l->has_ts && s_l->ts == 17);
}

static void test_escapes(void)
{
    CHECK(parse("my\\ meas\\,ure,ta\\=g\\ k=v\\,a\\ l\\=ue f\\ 1\\=x\\,y=2") == 0);
    CHECK_STREQ(s_l->measurement, "my meas,ure");
    CHECK(s_l->ntags == 1);
    CHECK_STREQ(s_l->tags[0].key, "ta=g k");
    CHECK_STREQ(s_l->tags[0].value, "v,a l=ue");
    CHECK(s_l->nfields == 1);
    CHECK_STREQ(s_l->fields[0].key, "f 1=x,y");
    CHECK(s_l->fields[0].f == 2.0);

    /* \\ is one backslash; a backslash before anything else stays */
    CHECK(parse("a\\\\b\\c,t=x\\y v=1") == 0);
    CHECK_STREQ(s_l->measurement, "a\\b\\c");
    CHECK_STREQ(s_l->tags[0].value, "x\\y");
    /* a backslash last in a name (before the space) escapes it */
    CHECK(parse("m\\ v=1 w=2") == 0);
    CHECK_STREQ(s_l->measurement, "m v=1");
    CHECK_STREQ(s_l->fields[0].key, "w");
}

static void test_topics(void)
{
    CHECK(has_topic("cpu,host=web-1,cpu=cpu0 usage=1", "cpu.cpu0.web-1"));
    CHECK(
        has_topic("disk,host=web-1,path=/var used=1234i,ro=false,fs=\"ext4\"", "disk.web-1._var"));
    CHECK(has_topic("m v=1", "m"));
    /* tags in the byte-wise order of their keys, and left sorted */
    CHECK(has_topic("m,b=2,a=1,c=3,B=0 v=1", "m.0.1.2.3"));
    CHECK_STREQ(s_l->tags[0].key, "B");
    CHECK_STREQ(s_l->tags[1].key, "a");
    CHECK_STREQ(s_l->tags[3].key, "c");
    /* bytes outside [A-Za-z0-9_-] become '_', '.' included */
    CHECK(has_topic("m.x,t=a/b:c v=1", "m_x.a_b_c"));
    CHECK(has_topic("my\\ m,t=a\\ b\\,c\\=d v=1", "my_m.a_b_c_d"));
    CHECK(has_topic("Az09_-,t=~!@#$%^&*()+ v=1", "Az09_-.____________"));
    /* one '_' per UTF-8 character, whatever its length */
    CHECK(has_topic("temp\xc3\xa9rature,lieu=cuisine v=1", "temp_rature.cuisine"));
    CHECK(has_topic("\xc3\xa9\xc3\xa9,c=\xe2\x82\xac,e=x\xf0\x9f\x98\x80y v=1", "__._.x_y"));
    CHECK(has_topic("\x80\x80,t=\xff v=1", "_._"));

    /* 128 bytes is the limit, separators included */
    char line[600], want[200], a[200];
    memset(a, 'a', 129);
    a[129] = '\0';
    snprintf(line, sizeof(line), "%.128s v=1", a);
    CHECK(has_topic(line, a + 1));
    snprintf(line, sizeof(line), "%.126s,t=b v=1", a);
    snprintf(want, sizeof(want), "%.126s.b", a);
    CHECK(has_topic(line, want));
    snprintf(want, sizeof(want), "the topic '%.40s...' would be longer than 128 bytes", a);
    snprintf(line, sizeof(line), "%.129s v=1", a);
    CHECK(topic_error(line, want));
    snprintf(line, sizeof(line), "%.127s,t=b v=1", a);
    CHECK(topic_error(line, want));
    snprintf(line, sizeof(line), "%.128s,t=b v=1", a);
    CHECK(topic_error(line, want));
    /* a multibyte character counts as its one '_' */
    snprintf(line, sizeof(line), "%.127s\xe2\x82\xac v=1", a);
    snprintf(want, sizeof(want), "%.127s_", a);
    CHECK(has_topic(line, want));
    /* many short tags */
    strcpy(line, "m");
    for (int k = 0; k < 64; k++)
        snprintf(line + strlen(line), sizeof(line) - strlen(line), ",t%02d=x", k);
    strcat(line, " v=1");
    /* "m" and 64 ".x" are 129 bytes; the message quotes the first 40 */
    CHECK(topic_error(line, "the topic 'm.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x....' would be "
                            "longer than 128 bytes"));
}

static void test_errors(void)
{
    BAD("", "column 1: missing measurement name");
    BAD(",t=1 v=1", "column 1: missing measurement name");
    BAD(" v=1", "column 1: missing measurement name");
    BAD("m", "column 2: missing fields (a space, then field=value)");
    BAD("m,t=1", "column 6: missing fields (a space, then field=value)");
    BAD("m ", "column 3: empty field key");
    BAD("m =1", "column 3: empty field key");
    BAD("m v=1,", "column 7: empty field key");
    BAD("m v", "column 4: field 'v' needs '=value'");
    BAD("m v=", "column 5: field 'v' has no value");
    BAD("m v=,w=1", "column 5: field 'v' has no value");
    BAD("m v=1 w=2", "column 7: timestamp 'w=2' is not a whole number");

    /* bad numbers */
    BAD("m v=abc",
        "column 5: field 'v': 'abc' is not a number (1.5, 3i, 3u), a boolean or a \"string\"");
    BAD("m v=tRUE",
        "column 5: field 'v': 'tRUE' is not a number (1.5, 3i, 3u), a boolean or a \"string\"");
    BAD("m v=i",
        "column 5: field 'v': 'i' is not a number (1.5, 3i, 3u), a boolean or a \"string\"");
    BAD("m v=1\"x\"",
        "column 5: field 'v': '1\"x\"' is not a number (1.5, 3i, 3u), a boolean or a \"string\"");
    BAD("m v=a\tb",
        "column 5: field 'v': 'a?b' is not a number (1.5, 3i, 3u), a boolean or a \"string\"");
    BAD("m v=1.2.3", "column 5: field 'v': '1.2.3' is not a valid number");
    BAD("m v=--1", "column 5: field 'v': '--1' is not a valid number");
    BAD("m v=1e999", "column 5: field 'v': '1e999' is not a valid number");
    BAD("m v=1.5i", "column 5: field 'v': '1.5i' is not a valid integer");
    BAD("m v=-3u", "column 5: field 'v': '-3u' is not a valid unsigned integer");
    BAD("m a=1,v=99999999999999999999i",
        "column 9: field 'v': '99999999999999999999i' is out of range");
    BAD("m v=18446744073709551616u",
        "column 5: field 'v': '18446744073709551616u' is out of range");
    char line[4096], want[400], x[80];
    memset(x, '1', 70);
    x[70] = '\0';
    snprintf(line, sizeof(line), "m v=%s", x);
    snprintf(want, sizeof(want),
             "column 5: field 'v': '%.40s...' is not a number (1.5, 3i, 3u), a boolean or a "
             "\"string\"",
             x);
    CHECK(is_error(line, strlen(line), want)); /* 64 bytes or more: not a number */

    /* strings */
    BAD("m s=\"abc", "column 5: string value of field 's' has no closing '\"'");
    BAD("m v=1,s=\"abc\\\"", "column 9: string value of field 's' has no closing '\"'");
    BAD("m s=\"x\"y", "column 8: expected ',' or a space after a field value");
    BAD("m s=\"x\"", "column 1: no number among the fields (string fields alone make no sample)");
    BAD("m s=\"x\",t=\"y\" 5",
        "column 1: no number among the fields (string fields alone make no sample)");

    /* duplicates */
    BAD("m a=1,b=2,a=3", "column 11: field 'a' given twice");
    BAD("m,t=1,t=2 v=1", "column 7: tag 't' given twice");

    /* tags */
    BAD("m,=v v=1", "column 3: empty tag key");
    BAD("m, v=1", "column 3: empty tag key");
    BAD("m,t v=1", "column 4: tag 't' needs '=value'");
    BAD("m,t=a=b v=1", "column 6: tag 't': '=' in a value must be written '\\='");
    BAD("m,t= v=1", "column 5: tag 't' has an empty value");

    /* timestamps and what follows */
    BAD("m v=1 123 x", "column 11: unexpected text after the timestamp");
    BAD("m v=1 12a", "column 7: timestamp '12a' is not a whole number");
    BAD("m v=1 -", "column 7: timestamp '-' is not a whole number");
    BAD("m v=1 1-2", "column 7: timestamp '1-2' is not a whole number");
    BAD("m v=1 1.5", "column 7: timestamp '1.5' is not a whole number");
    BAD("m v=1 99999999999999999999", "column 7: timestamp '99999999999999999999' is out of range");
    BAD("m v=1 123456789012345678901234567890123",
        "column 7: timestamp '123456789012345678901234567890123' is not a whole number");

    /* a NUL byte inside the given length */
    CHECK(is_error("m v=1\0x", 7, "column 6: NUL byte in the line"));

    /* too many tags: the 65th */
    strcpy(line, "m");
    for (int k = 0; k < 65; k++)
        snprintf(line + strlen(line), sizeof(line) - strlen(line), ",t%d=v", k);
    strcat(line, " v=1");
    snprintf(want, sizeof(want), "column %zu: more than 64 tags",
             (size_t)(strstr(line, ",t64=") - line) + 2);
    CHECK(is_error(line, strlen(line), want));
    /* 64 are fine */
    *strstr(line, ",t64=") = '\0';
    strcat(line, " v=1");
    CHECK(parse(line) == 0 && s_l->ntags == 64);

    /* too many fields: the 257th */
    strcpy(line, "m ");
    for (int k = 0; k < 257; k++)
        snprintf(line + strlen(line), sizeof(line) - strlen(line), "%sf%d=1", k ? "," : "", k);
    snprintf(want, sizeof(want), "column %zu: more than 256 fields",
             (size_t)(strstr(line, ",f256=") - line) + 2);
    CHECK(is_error(line, strlen(line), want));
    *strstr(line, ",f256=") = '\0';
    CHECK(parse(line) == 0 && s_l->nfields == 256 && s_l->nnumeric == 256);
}

static void test_columns_and_buffers(void)
{
    /* col0: the columns of the caller's line */
    CHECK(influx_parse(s_l, "m", 1, 4, s_err, sizeof(s_err)) == -1);
    CHECK_STREQ(s_err, "column 6: missing fields (a space, then field=value)");
    CHECK(influx_parse(s_l, "m v=x", 5, 2, s_err, sizeof(s_err)) == -1);
    CHECK(strncmp(s_err, "column 7: ", 10) == 0);
    /* s need not end with a NUL: only len bytes are read */
    CHECK(influx_parse(s_l, "m v=1 123garbage", 9, 0, s_err, sizeof(s_err)) == 0);
    CHECK(s_l->ts == 123);

    /* a short error buffer still ends with a NUL */
    char small[8];
    CHECK(influx_parse(s_l, "m", 1, 0, small, sizeof(small)) == -1);
    CHECK_STREQ(small, "column ");
    char tiny[20];
    CHECK(influx_parse(s_l, "m", 1, 0, tiny, sizeof(tiny)) == -1);
    CHECK_STREQ(tiny, "column 2: missing f");

    /* lines longer than the line was made for are refused */
    influx_line_t *l = influx_line_new(4);
    CHECK(l != NULL);
    CHECK(influx_parse(l, "m v=1", 5, 0, s_err, sizeof(s_err)) == -1);
    CHECK_STREQ(s_err, "column 1: line longer than 4 bytes");
    CHECK(influx_parse(l, "m v=", 4, 0, s_err, sizeof(s_err)) == -1);
    CHECK_STREQ(s_err, "column 5: field 'v' has no value");
    /* a line of exactly max_len bytes fits its scratch buffer (ASan would tell) */
    influx_line_t *w = influx_line_new(9);
    CHECK(w != NULL);
    CHECK(influx_parse(w, "a,b=c d=1", 9, 0, s_err, sizeof(s_err)) == 0);
    influx_line_destroy(&w);
    CHECK(w == NULL);
    influx_line_destroy(&l);
    CHECK(l == NULL);
    influx_line_destroy(&l); /* NULL-safe */
    influx_line_destroy(NULL);
    CHECK(influx_line_new(SIZE_MAX) == NULL);
}

int main(void)
{
    s_l = influx_line_new(64 * 1024);
    if (!s_l)
        return 1;
    test_basic();
    test_numbers();
    test_strings();
    test_escapes();
    test_topics();
    test_errors();
    test_columns_and_buffers();
    influx_line_destroy(&s_l);
    return CHECK_DONE();
}
