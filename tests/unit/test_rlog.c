/* SPDX-License-Identifier: MIT */
/* test_rlog.c - the logger's line format, level filter and rate limiter
 * (proto/rlog.c). stderr is redirected into a temporary file to read back
 * what was written. */
#include "capture.h"
#include "check.h"
#include "rlog.h"

#include <regex.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Capture what is written to stderr. */
static void capture_begin(void)
{
    capture_fd_begin(2);
}

static bool matches(const char *re, const char *text)
{
    regex_t rx;
    if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB | REG_NEWLINE) != 0)
        return false;
    bool ok = regexec(&rx, text, 0, NULL, 0) == 0;
    regfree(&rx);
    return ok;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void test_format(void)
{
    rlog_set_prog("rtdash-test");
    rlog_set_level(RLOG_NOTICE);
    capture_begin();
    rlog(RLOG_NOTICE, "hello %d", 42);
    rlog(RLOG_ERROR, "bad %s", "thing");
    rlog(RLOG_INFO, "not shown");
    rlog(RLOG_DEBUG, "not shown either");
    rlog(RLOG_WARN, "two\nlines\tand\x1b escape");
    char *out = capture_end();
    CHECK(count_lines(out) == 3);
    CHECK(matches("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
                  "rtdash-test notice: hello 42$",
                  out));
    CHECK(matches("^[0-9T:.-]{23}Z rtdash-test error: bad thing$", out));
    CHECK(matches("^[0-9T:.-]{23}Z rtdash-test warn: two\\?lines\\?and\\? escape$", out));
    CHECK(strstr(out, "not shown") == NULL);
    free(out);

    /* The year in the line is this year (UTC). */
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char year[16];
    snprintf(year, sizeof year, "%04d-", tm.tm_year + 1900);
    capture_begin();
    rlog(RLOG_ERROR, "x");
    out = capture_end();
    CHECK(strncmp(out, year, 5) == 0);
    free(out);

    /* A very long message is cut, still one line, ending in "...". */
    char big[5000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    capture_begin();
    rlog(RLOG_ERROR, "%s", big);
    out = capture_end();
    CHECK(count_lines(out) == 1);
    CHECK(strlen(out) <= 2048);
    CHECK(strlen(out) > 2000);
    CHECK(strstr(out, "...\n") != NULL);
    free(out);
}

static void test_levels(void)
{
    CHECK(rlog_set_level_name("debug") == 0);
    CHECK(rlog_level_current == RLOG_DEBUG);
    CHECK(rlog_set_level_name("error") == 0);
    CHECK(rlog_level_current == RLOG_ERROR);
    CHECK(rlog_set_level_name("warn") == 0);
    CHECK(rlog_level_current == RLOG_WARN);
    CHECK(rlog_set_level_name("info") == 0);
    CHECK(rlog_level_current == RLOG_INFO);
    CHECK(rlog_set_level_name("notice") == 0);
    CHECK(rlog_level_current == RLOG_NOTICE);
    CHECK(rlog_set_level_name("loud") == -1);
    CHECK(rlog_level_current == RLOG_NOTICE);
    CHECK(rlog_set_level_name("") == -1);
    CHECK(rlog_set_level_name(NULL) == -1);
    CHECK(rlog_level_current == RLOG_NOTICE);

    rlog_set_level(RLOG_ERROR);
    capture_begin();
    rlog(RLOG_WARN, "hidden");
    rlog(RLOG_ERROR, "shown");
    char *out = capture_end();
    CHECK(count_lines(out) == 1);
    CHECK(strstr(out, "error: shown") != NULL);
    free(out);

    /* A disabled line does not even evaluate its arguments. */
    int evaluated = 0;
    rlog(RLOG_DEBUG, "%d", ++evaluated);
    CHECK(evaluated == 0);
    rlog_set_level(RLOG_NOTICE);
}

static void test_rate_limiter(void)
{
    rlog_rl_t rl = {0};
    uint32_t supp = 99;

    /* A burst of 3 per 300 ms: three allowed, then dropped and counted. */
    for (int i = 0; i < 3; i++) {
        supp = 99;
        CHECK(rlog_rl_allow(&rl, 3, 300, &supp) == 1);
        CHECK(supp == 0);
    }
    for (int i = 0; i < 7; i++)
        CHECK(rlog_rl_allow(&rl, 3, 300, &supp) == 0);
    CHECK(rl.suppressed == 7);

    /* After the period, the first line reports the 7 suppressed ones, once. */
    sleep_ms(350);
    CHECK(rlog_rl_allow(&rl, 3, 300, &supp) == 1);
    CHECK(supp == 7);
    CHECK(rlog_rl_allow(&rl, 3, 300, &supp) == 1);
    CHECK(supp == 0);
    CHECK(rlog_rl_allow(&rl, 3, 300, &supp) == 1);
    CHECK(supp == 0);
    CHECK(rlog_rl_allow(&rl, 3, 300, &supp) == 0);

    /* The one dropped above is reported; a window that dropped nothing reports 0. */
    sleep_ms(350);
    CHECK(rlog_rl_allow(&rl, 3, 300, &supp) == 1);
    CHECK(supp == 1);
    sleep_ms(350);
    CHECK(rlog_rl_allow(&rl, 3, 300, &supp) == 1);
    CHECK(supp == 0);

    /* Within the window, nothing resets early. */
    rlog_rl_t rl2 = {0};
    CHECK(rlog_rl_allow(&rl2, 1, 10000, &supp) == 1);
    CHECK(rlog_rl_allow(&rl2, 1, 10000, &supp) == 0);
    sleep_ms(50);
    CHECK(rlog_rl_allow(&rl2, 1, 10000, &supp) == 0);
    CHECK(rl2.suppressed == 2);

    /* burst 0 never allows; NULL suppressed pointer is accepted. */
    rlog_rl_t rl3 = {0};
    CHECK(rlog_rl_allow(&rl3, 0, 1000, NULL) == 0);
    CHECK(rlog_rl_allow(&rl3, 0, 1000, NULL) == 0);
}

/* One call site of RLOG_RL in a loop: 5 lines per 10 s get through. */
static void s_flood(int n)
{
    for (int i = 0; i < n; i++)
        RLOG_RL(RLOG_WARN, "flood %d", i);
}

static void test_rl_macro(void)
{
    rlog_set_level(RLOG_NOTICE);
    capture_begin();
    s_flood(100);
    char *out = capture_end();
    CHECK(count_lines(out) == 5);
    CHECK(strstr(out, "flood 0\n") != NULL);
    CHECK(strstr(out, "flood 4\n") != NULL);
    CHECK(strstr(out, "flood 5\n") == NULL);
    CHECK(strstr(out, "suppressed") == NULL);
    free(out);

    /* Below the level nothing is counted or written. */
    rlog_set_level(RLOG_ERROR);
    capture_begin();
    s_flood(3);
    out = capture_end();
    CHECK(out[0] == '\0');
    free(out);
    rlog_set_level(RLOG_NOTICE);
}

/* RLOG_RL_ON with one limiter per reason: a flood of one reason leaves the
 * other's lines through. */
static void test_rl_per_reason(void)
{
    rlog_rl_t rl[2] = {{0}};
    rlog_set_level(RLOG_NOTICE);
    capture_begin();
    for (int i = 0; i < 50; i++)
        RLOG_RL_ON(&rl[0], RLOG_WARN, "reason a %d", i);
    RLOG_RL_ON(&rl[1], RLOG_WARN, "reason b");
    char *out = capture_end();
    CHECK(count_lines(out) == 6);
    CHECK(strstr(out, "reason b\n") != NULL);
    free(out);
}

static void test_quote(void)
{
    char q[32];
    CHECK_STREQ(rlog_quote(q, sizeof(q), "demo.sales", 10), "demo.sales");
    CHECK_STREQ(rlog_quote(q, sizeof(q), "a\"b\\c", 5), "a\\\"b\\\\c");
    CHECK_STREQ(rlog_quote(q, sizeof(q), "sys tem\n\xff", 9), "sys tem\\x0a\\xff");
    CHECK_STREQ(rlog_quote(q, sizeof(q), "a\0b", 3), "a\\x00b");
    /* cut where dst is full, never inside an escape */
    const char *longer = "0123456789012345678901234567890123456789";
    CHECK_STREQ(rlog_quote(q, sizeof(q), longer, 40), "0123456789012345678901234567...");
    CHECK_STREQ(rlog_quote(q, 8, "\x01\x02", 2), "\\x01...");
    CHECK(strlen(rlog_quote(q, sizeof(q), "\x01\x01\x01\x01\x01\x01\x01\x01", 8)) < sizeof(q));
}

int main(void)
{
    test_format();
    test_levels();
    test_rate_limiter();
    test_rl_macro();
    test_rl_per_reason();
    test_quote();
    return CHECK_DONE();
}
