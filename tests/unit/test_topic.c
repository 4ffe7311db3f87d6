/* SPDX-License-Identifier: MIT */
/* test_topic.c - topic names, patterns, matching and covering (proto/topic.c). */
#include "check.h"
#include "topic.h"
#include <string.h>

/* One check for a loop of many: counted once, failing cases printed. */
static int s_mismatch;
#define CHECK_SILENT_EQ(a, b)                                                                      \
    do {                                                                                           \
        if ((a) != (b) && s_mismatch++ < 5)                                                        \
            fprintf(stderr, "mismatch at %s:%d\n", __FILE__, __LINE__);                            \
    } while (0)

#include <string.h>

/* NUL-terminated helpers for readability; the functions under test never
 * need the terminator. */
static bool valid(const char *s)
{
    return topic_is_valid(s, strlen(s));
}

static bool pvalid(const char *s)
{
    return topic_pattern_is_valid(s, strlen(s));
}

static bool match(const char *p, const char *t)
{
    return topic_match(p, strlen(p), t, strlen(t));
}

static bool covers(const char *p, const char *q)
{
    return topic_pattern_covers(p, strlen(p), q, strlen(q));
}

static void test_valid(void)
{
    CHECK(valid("system.cpu"));
    CHECK(valid("system.net.eth0"));
    CHECK(valid("demo.sales"));
    CHECK(valid("a"));
    CHECK(valid("A-Z_09.x-y_z"));
    CHECK(valid("-._"));
    CHECK(valid("---"));

    CHECK(!valid(""));
    CHECK(!topic_is_valid(NULL, 0));
    CHECK(!topic_is_valid(NULL, 3));
    CHECK(!valid("."));
    CHECK(!valid(".a"));
    CHECK(!valid("a."));
    CHECK(!valid("a..b"));
    CHECK(!valid("a b"));
    CHECK(!valid("a/b"));
    CHECK(!valid("*"));
    CHECK(!valid("a.*"));
    CHECK(!valid("a*"));
    CHECK(!valid("a\tb"));
    CHECK(!valid("caf\xc3\xa9"));      /* UTF-8 e-acute: not in [A-Za-z0-9_-] */
    CHECK(!valid("\xe2\x82\xac.a"));   /* euro sign */
    CHECK(!valid("a.\xff"));           /* not UTF-8 at all */
    CHECK(!topic_is_valid("a\0b", 3)); /* embedded NUL */
    /* Only len bytes are looked at: a valid prefix of a longer string. */
    CHECK(topic_is_valid("abc.def!!!", 7));
    CHECK(!topic_is_valid("abc.def!!!", 8));
    CHECK(!topic_is_valid("abc.", 4));
    CHECK(topic_is_valid("abc.", 3));

    /* 128 bytes is the longest topic; 129 is one too many. */
    char buf[200];
    memset(buf, 'x', sizeof buf);
    CHECK(topic_is_valid(buf, 128));
    CHECK(!topic_is_valid(buf, 129));
    CHECK(topic_is_valid(buf, 1));
    buf[63] = '.';
    CHECK(topic_is_valid(buf, 128));
    CHECK(!topic_is_valid(buf, 129));
    CHECK(!topic_is_valid(buf, 64)); /* ends on the dot */
    CHECK(topic_is_valid(buf, 65));
    CHECK(TOPIC_MAX_LEN == 128);
}

static void test_pattern_valid(void)
{
    CHECK(pvalid("*"));
    CHECK(pvalid("a"));
    CHECK(pvalid("a.b"));
    CHECK(pvalid("a.*"));
    CHECK(pvalid("a.b.*"));
    CHECK(pvalid("system.net.*"));

    CHECK(!pvalid(""));
    CHECK(!topic_pattern_is_valid(NULL, 0));
    CHECK(!pvalid(".*"));
    CHECK(!pvalid("*.a"));
    CHECK(!pvalid("a.*.b"));
    CHECK(!pvalid("a.*.*"));
    CHECK(!pvalid("a*"));
    CHECK(!pvalid("a.b*"));
    CHECK(!pvalid("**"));
    CHECK(!pvalid("a..*"));
    CHECK(!pvalid("a."));
    CHECK(!pvalid(".a"));
    CHECK(!pvalid("a..b"));
    CHECK(!pvalid("*."));
    CHECK(!pvalid("\xc3\xa9.*"));
    CHECK(!topic_pattern_is_valid("*\0", 2));

    /* PREFIX.* with a 128-byte prefix is valid (130 bytes); 129 is not. */
    char buf[200];
    memset(buf, 'y', sizeof buf);
    CHECK(topic_pattern_is_valid(buf, 128));
    CHECK(!topic_pattern_is_valid(buf, 129));
    buf[128] = '.';
    buf[129] = '*';
    CHECK(topic_pattern_is_valid(buf, 130));
    memset(buf, 'y', sizeof buf);
    buf[129] = '.';
    buf[130] = '*';
    CHECK(!topic_pattern_is_valid(buf, 131));
}

static void test_match(void)
{
    CHECK(match("*", "a"));
    CHECK(match("*", "a.b.c"));
    CHECK(match("a", "a"));
    CHECK(!match("a", "ab"));
    CHECK(!match("ab", "a"));
    CHECK(!match("a", "a.b"));
    CHECK(!match("a.b", "a"));

    CHECK(match("a.*", "a.b"));
    CHECK(match("a.*", "a.b.c"));
    CHECK(match("a.*", "a.-"));
    CHECK(!match("a.*", "a"));
    CHECK(!match("a.*", "ab.c"));
    CHECK(!match("a.*", "ab"));
    CHECK(!match("a.*", "b.a"));
    CHECK(match("system.*", "system.cpu"));
    CHECK(match("system.net.*", "system.net.eth0"));
    CHECK(!match("system.net.*", "system.netx.eth0"));
    CHECK(!match("system.net.*", "system.cpu"));
    CHECK(!match("system.net.*", "system.net"));
    CHECK(match("a.b.*", "a.b.c.d"));
    CHECK(!match("a.b.*", "a.bc"));

    /* Exact patterns compare whole bytes, lengths included. */
    CHECK(topic_match("a.b", 3, "a.b.c", 3));
    CHECK(!topic_match("a.b", 3, "a.b.c", 5));
    CHECK(!topic_match(NULL, 0, "a", 1));
    CHECK(!topic_match("a", 1, NULL, 0));
}

static void test_covers(void)
{
    CHECK(covers("*", "*"));
    CHECK(covers("*", "a"));
    CHECK(covers("*", "a.*"));
    CHECK(!covers("a.*", "*"));
    CHECK(!covers("a", "*"));

    CHECK(covers("a", "a"));
    CHECK(!covers("a", "b"));
    CHECK(!covers("a", "a.*"));
    CHECK(!covers("a", "a.b"));

    CHECK(covers("a.*", "a.*"));
    CHECK(covers("a.*", "a.b"));
    CHECK(covers("a.*", "a.b.c"));
    CHECK(covers("a.*", "a.b.*"));
    CHECK(covers("a.*", "a.b.c.*"));
    CHECK(!covers("a.*", "a"));
    CHECK(!covers("a.*", "ab.*"));
    CHECK(!covers("a.*", "ab.c"));
    CHECK(!covers("a.*", "b.*"));
    CHECK(!covers("a.b.*", "a.*"));
    CHECK(!covers("a.b.*", "a.b"));
    CHECK(covers("a.b.*", "a.b.c"));
    CHECK(!covers("a.b.*", "a.bc.*"));

    /* The decision-11 example: demo.* covers demo.* / demo.sales / demo.x.*. */
    CHECK(covers("demo.*", "demo.*"));
    CHECK(covers("demo.*", "demo.sales"));
    CHECK(covers("demo.*", "demo.x.*"));
    CHECK(!covers("demo.*", "system.*"));
    CHECK(!covers("demo.sales", "demo.*"));
    CHECK(!topic_pattern_covers(NULL, 0, "a", 1));
    CHECK(!topic_pattern_covers("a", 1, NULL, 0));
}

/* covers(p, q) must agree with match(): for every topic t of a small set, if p
 * covers q and q matches t, then p matches t. */
static void test_covers_consistent(void)
{
    static const char *const pats[] = {"*",    "a", "a.*", "a.b",   "a.b.*", "ab",
                                       "ab.*", "b", "b.*", "a.b.c", "a-b.*", "a_b"};
    static const char *const topics[] = {"a",   "ab",  "a.b",   "a.b.c", "ab.c",   "b",
                                         "b.a", "a.c", "a-b.c", "a_b",   "a.b.c.d"};
    size_t np = sizeof pats / sizeof pats[0], nt = sizeof topics / sizeof topics[0];
    int violations = 0;
    for (size_t i = 0; i < np; i++) {
        CHECK(pvalid(pats[i]));
        for (size_t j = 0; j < np; j++) {
            if (!covers(pats[i], pats[j]))
                continue;
            for (size_t k = 0; k < nt; k++) {
                if (match(pats[j], topics[k]) && !match(pats[i], topics[k])) {
                    fprintf(stderr, "covers(%s,%s) but %s misses %s\n", pats[i], pats[j], pats[i],
                            topics[k]);
                    violations++;
                }
            }
        }
    }
    for (size_t k = 0; k < nt; k++)
        CHECK(valid(topics[k]));
    CHECK(violations == 0);
}

static void test_why(void)
{
    size_t at = 99;
    CHECK(topic_invalid_why("system.cpu", 10, &at) == NULL);
    CHECK_STREQ(topic_invalid_why("", 0, &at), "empty");
    CHECK(at == 0);
    CHECK_STREQ(topic_invalid_why("a..b", 4, &at), "empty segment");
    CHECK(at == 2);
    CHECK_STREQ(topic_invalid_why("a.", 2, &at), "empty segment");
    CHECK(at == 2);
    CHECK(strstr(topic_invalid_why("sys tem", 7, &at), "other than a letter") != NULL);
    CHECK(at == 3);
    char big[200];
    memset(big, 'a', sizeof(big));
    CHECK_STREQ(topic_invalid_why(big, 129, NULL), "longer than 128 bytes");
    CHECK(topic_invalid_why(big, 128, NULL) == NULL);
    /* the same verdict as topic_is_valid on every short byte string */
    for (unsigned v = 0; v < 65536; v++) {
        char t[2] = {(char)(v & 0xff), (char)(v >> 8)};
        CHECK_SILENT_EQ(topic_invalid_why(t, 2, NULL) == NULL, topic_is_valid(t, 2));
    }
}

int main(void)
{
    test_why();
    test_valid();
    test_pattern_valid();
    test_match();
    test_covers();
    test_covers_consistent();
    CHECK(s_mismatch == 0);
    return CHECK_DONE();
}
