/* SPDX-License-Identifier: MIT */
/* test_opts.c - the settings table: defaults < environment < flags, value
 * forms, errors, lists, positional arguments, --help/--version and the
 * effective-settings line (proto/opts.c). */
#include "capture.h"
#include "check.h"
#include "opts.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

/* The settings of an imaginary program. */
static long port, interval;
static const char *host, *title;
static int verbose;
static opt_list_t origins;
enum { LOW = 10, MID = 20, HIGH = 30 };
static const opt_enum_value_t speeds[] = {
    {"low", LOW}, {"mid", MID}, {"medium", MID}, {"high", HIGH}, {NULL, 0}};
static opt_enum_t speed = {speeds, 0, NULL}, shape = {speeds, 0, NULL};

static const opt_t table[] = {
    {"port", OPT_INT, "8080", 1, 65535, &port, "HTTP and WebSocket port"},
    {"interval-ms", OPT_INT, "1000", 10, 3600000, &interval, "collection period"},
    {"host", OPT_STR, NULL, 0, 0, &host, "interface to listen on"},
    {"title", OPT_STR, "rtdash", 0, 0, &title, "page title"},
    {"verbose", OPT_BOOL, "false", 0, 0, &verbose, "log more"},
    {"allow-origin", OPT_LIST, "http://localhost:8080", 0, 0, &origins, "allowed Origin"},
    {"speed", OPT_ENUM, "mid", 0, 0, &speed, "how fast"},
    {"shape", OPT_ENUM, NULL, 0, 0, &shape, "unset by default"},
};
#define NOPTS (sizeof table / sizeof table[0])

static void clear_env(void)
{
    unsetenv("RTDASH_PORT");
    unsetenv("RTDASH_INTERVAL_MS");
    unsetenv("RTDASH_HOST");
    unsetenv("RTDASH_TITLE");
    unsetenv("RTDASH_VERBOSE");
    unsetenv("RTDASH_ALLOW_ORIGIN");
    unsetenv("RTDASH_SPEED");
    unsetenv("RTDASH_SHAPE");
}

/* Parse argv (NULL-terminated list after the program name) with stderr
 * captured into *err (caller frees, may pass NULL). */
static int parse(char **err, int *first_pos, const char *a0, ...)
{
    static char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"/usr/bin/rtdash-test";
    va_list ap;
    va_start(ap, a0);
    for (const char *a = a0; a && argc < 31; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    capture_fd_begin(2);
    int rc = opts_parse(table, NOPTS, argc, argv, "[options] TOPIC VALUE", first_pos);
    char *text = capture_end();
    if (err)
        *err = text;
    else
        free(text);
    return rc;
}

static bool list_is(const opt_list_t *l, size_t i, const char *s)
{
    return i < l->n && l->len[i] == strlen(s) && memcmp(l->v[i], s, l->len[i]) == 0;
}

static void test_defaults(void)
{
    clear_env();
    port = interval = -1;
    host = title = "garbage";
    verbose = 7;
    origins.n = 9;
    CHECK(parse(NULL, NULL, NULL) == 0);
    CHECK(port == 8080);
    CHECK(interval == 1000);
    CHECK(host == NULL);
    CHECK_STREQ(title, "rtdash");
    CHECK(verbose == 0);
    CHECK(origins.n == 1);
    CHECK(list_is(&origins, 0, "http://localhost:8080"));
}

static void test_precedence(void)
{
    clear_env();
    setenv("RTDASH_PORT", "9000", 1);
    setenv("RTDASH_INTERVAL_MS", "250", 1);
    setenv("RTDASH_HOST", "127.0.0.1", 1);
    setenv("RTDASH_VERBOSE", "yes", 1);

    CHECK(parse(NULL, NULL, NULL) == 0);
    CHECK(port == 9000);
    CHECK(interval == 250);
    CHECK(host && strcmp(host, "127.0.0.1") == 0);
    CHECK(verbose == 1);

    /* A flag wins over the environment, in both forms. */
    CHECK(parse(NULL, NULL, "--port", "9100", "--interval-ms=500", "--host=::1", NULL) == 0);
    CHECK(port == 9100);
    CHECK(interval == 500);
    CHECK_STREQ(host, "::1");
    CHECK(verbose == 1);

    /* An empty variable counts as unset: the default applies. */
    setenv("RTDASH_PORT", "", 1);
    CHECK(parse(NULL, NULL, NULL) == 0);
    CHECK(port == 8080);

    /* A bad environment value is an error naming the variable. */
    char *err = NULL;
    setenv("RTDASH_PORT", "80x", 1);
    CHECK(parse(&err, NULL, NULL) == -1);
    CHECK(strstr(err, "RTDASH_PORT") != NULL);
    CHECK(strstr(err, "80x") != NULL);
    CHECK(count_lines(err) == 1);
    free(err);
    /* ... even when a flag would override it (the environment is read first). */
    CHECK(parse(NULL, NULL, "--port", "1", NULL) == -1);
    clear_env();
}

static void test_forms(void)
{
    clear_env();
    /* "--x=y" keeps everything after the first '=', including more '='. */
    CHECK(parse(NULL, NULL, "--title=a=b", NULL) == 0);
    CHECK_STREQ(title, "a=b");
    CHECK(parse(NULL, NULL, "--title=", NULL) == 0);
    CHECK_STREQ(title, "");
    CHECK(parse(NULL, NULL, "--title", "two words", NULL) == 0);
    CHECK_STREQ(title, "two words");
    /* A value may start with a single '-' (negative numbers, "-" for stdin). */
    CHECK(parse(NULL, NULL, "--title", "-", NULL) == 0);
    CHECK_STREQ(title, "-");
    /* Last one wins for single-valued settings. */
    CHECK(parse(NULL, NULL, "--port", "1", "--port", "2", NULL) == 0);
    CHECK(port == 2);
    /* A value starting with "--" must use the '=' form. */
    CHECK(parse(NULL, NULL, "--title=--x", NULL) == 0);
    CHECK_STREQ(title, "--x");
}

static void test_numbers(void)
{
    clear_env();
    char *err = NULL;
    CHECK(parse(NULL, NULL, "--port", "1", NULL) == 0);
    CHECK(port == 1);
    CHECK(parse(NULL, NULL, "--port", "65535", NULL) == 0);
    CHECK(port == 65535);
    CHECK(parse(NULL, NULL, "--port=+80", NULL) == 0);
    CHECK(port == 80);

    CHECK(parse(&err, NULL, "--port", "0", NULL) == -1);
    CHECK(strstr(err, "--port") && strstr(err, "out of range") && strstr(err, "1..65535"));
    CHECK(count_lines(err) == 1);
    free(err);
    CHECK(parse(&err, NULL, "--port=65536", NULL) == -1);
    CHECK(strstr(err, "out of range") != NULL);
    free(err);
    CHECK(parse(&err, NULL, "--port=-1", NULL) == -1);
    CHECK(strstr(err, "out of range") != NULL);
    free(err);
    CHECK(parse(&err, NULL, "--port=99999999999999999999999", NULL) == -1);
    CHECK(strstr(err, "out of range") != NULL);
    free(err);

    static const char *const bad[] = {"", "abc", "80x", "8 0", " 80", "0x50", "1e3", "-", "+"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        port = 4242;
        CHECK(parse(&err, NULL, "--port", bad[i], NULL) == -1);
        CHECK(strstr(err, "not a whole number") != NULL);
        CHECK(count_lines(err) == 1);
        free(err);
    }
    /* "--port=" is an empty value, not a missing one. */
    CHECK(parse(&err, NULL, "--port=", NULL) == -1);
    CHECK(strstr(err, "not a whole number") != NULL);
    free(err);
}

static void test_bools(void)
{
    clear_env();
    static const char *const yes[] = {"--verbose=1", "--verbose=true", "--verbose=yes",
                                      "--verbose=on", "--verbose=TRUE"};
    static const char *const no[] = {"--verbose=0", "--verbose=false", "--verbose=no",
                                     "--verbose=off", "--verbose=Off"};
    for (size_t i = 0; i < 5; i++) {
        verbose = 0;
        CHECK(parse(NULL, NULL, yes[i], NULL) == 0);
        CHECK(verbose == 1);
        verbose = 1;
        CHECK(parse(NULL, NULL, no[i], NULL) == 0);
        CHECK(verbose == 0);
    }
    CHECK(parse(NULL, NULL, "--verbose", NULL) == 0);
    CHECK(verbose == 1);
    /* A bool takes no separate value: "false" here is a positional argument. */
    int first = -1;
    verbose = 0;
    CHECK(parse(NULL, &first, "--verbose", "false", NULL) == 0);
    CHECK(verbose == 1 && first == 2);
    CHECK(parse(NULL, NULL, "--verbose", "false", NULL) == -1);
    /* A bool alone does not swallow the next argument. */
    CHECK(parse(NULL, NULL, "--verbose", "--port", "5", NULL) == 0);
    CHECK(verbose == 1 && port == 5);

    setenv("RTDASH_VERBOSE", "on", 1);
    CHECK(parse(NULL, NULL, NULL) == 0);
    CHECK(verbose == 1);
    CHECK(parse(NULL, NULL, "--no-verbose", NULL) == 0);
    CHECK(verbose == 0);
    setenv("RTDASH_VERBOSE", "off", 1);
    CHECK(parse(NULL, NULL, NULL) == 0);
    CHECK(verbose == 0);

    char *err = NULL;
    setenv("RTDASH_VERBOSE", "maybe", 1);
    CHECK(parse(&err, NULL, NULL) == -1);
    CHECK(strstr(err, "RTDASH_VERBOSE") && strstr(err, "not a boolean"));
    free(err);
    clear_env();
    CHECK(parse(&err, NULL, "--verbose=2", NULL) == -1);
    CHECK(strstr(err, "not a boolean") != NULL);
    free(err);
    CHECK(parse(&err, NULL, "--no-verbose=1", NULL) == -1);
    CHECK(strstr(err, "takes no value") != NULL);
    free(err);
    /* --no- only exists for booleans. */
    CHECK(parse(&err, NULL, "--no-port", NULL) == -1);
    CHECK(strstr(err, "unknown flag --no-port") != NULL);
    free(err);
}

static void test_lists(void)
{
    clear_env();
    /* The environment is split on ','; spaces around items and empty items go. */
    setenv("RTDASH_ALLOW_ORIGIN", "http://a, http://b,,http://c ", 1);
    CHECK(parse(NULL, NULL, NULL) == 0);
    CHECK(origins.n == 3);
    CHECK(list_is(&origins, 0, "http://a"));
    CHECK(list_is(&origins, 1, "http://b"));
    CHECK(list_is(&origins, 2, "http://c"));

    /* The first flag replaces the environment's values; later flags append. */
    CHECK(parse(NULL, NULL, "--allow-origin", "http://x", "--port", "1",
                "--allow-origin=http://y,http://z", NULL) == 0);
    CHECK(origins.n == 3);
    CHECK(list_is(&origins, 0, "http://x"));
    CHECK(list_is(&origins, 1, "http://y"));
    CHECK(list_is(&origins, 2, "http://z"));
    clear_env();

    /* Default list, then one flag. */
    CHECK(parse(NULL, NULL, "--allow-origin=http://only", NULL) == 0);
    CHECK(origins.n == 1);
    CHECK(list_is(&origins, 0, "http://only"));

    /* At most OPT_LIST_MAX values. */
    char many[OPT_LIST_MAX * 3 + 8];
    size_t pos = 0;
    for (int i = 0; i < OPT_LIST_MAX; i++)
        pos += (size_t)snprintf(many + pos, sizeof many - pos, "%s%c", i ? "," : "", 'a' + i % 26);
    CHECK(parse(NULL, NULL, "--allow-origin", many, NULL) == 0);
    CHECK(origins.n == OPT_LIST_MAX);
    snprintf(many + pos, sizeof many - pos, ",q");
    char *err = NULL;
    CHECK(parse(&err, NULL, "--allow-origin", many, NULL) == -1);
    CHECK(strstr(err, "more than 32 values") != NULL);
    free(err);
}

/* The splitter behind lists (and the collector library's hub list). */
static void test_list_next(void)
{
    const char *pos = " a ,,\tbb\t, ,c", *item;
    size_t len = 99;
    item = opts_list_next(&pos, &len);
    CHECK(item && len == 1 && item[0] == 'a');
    item = opts_list_next(&pos, &len);
    CHECK(item && len == 2 && memcmp(item, "bb", 2) == 0);
    item = opts_list_next(&pos, &len);
    CHECK(item && len == 1 && item[0] == 'c');
    CHECK(opts_list_next(&pos, &len) == NULL);
    CHECK(len == 0 && *pos == '\0');
    CHECK(opts_list_next(&pos, &len) == NULL); /* stays at the end */

    static const char *const empty[] = {"", ",", " , ,\t", ",,,"};
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        pos = empty[i];
        CHECK(opts_list_next(&pos, &len) == NULL);
    }
    /* Spaces inside an item stay; a trailing comma adds nothing. */
    pos = "tcp://h:1 x,";
    item = opts_list_next(&pos, &len);
    CHECK(item && len == 11 && memcmp(item, "tcp://h:1 x", 11) == 0);
    CHECK(opts_list_next(&pos, &len) == NULL);
}

static void test_enums(void)
{
    clear_env();
    /* The default, and unset: name NULL, value 0. */
    speed.value = -1;
    shape.value = -1;
    shape.name = "garbage";
    CHECK(parse(NULL, NULL, NULL) == 0);
    CHECK(speed.value == MID);
    CHECK_STREQ(speed.name, "mid");
    CHECK(shape.value == 0 && shape.name == NULL);

    /* A valid word, in either form, any case; name is the table's word. */
    CHECK(parse(NULL, NULL, "--speed", "high", NULL) == 0);
    CHECK(speed.value == HIGH && speed.name == speeds[3].name);
    CHECK(parse(NULL, NULL, "--speed=LOW", NULL) == 0);
    CHECK(speed.value == LOW);
    CHECK_STREQ(speed.name, "low");
    /* An alias gives its entry's value. */
    CHECK(parse(NULL, NULL, "--speed", "Medium", NULL) == 0);
    CHECK(speed.value == MID);
    CHECK_STREQ(speed.name, "medium");

    /* An invalid word: one line naming the flag, the word and the allowed
     * words (aliases left out). */
    char *err = NULL;
    speed.value = LOW;
    CHECK(parse(&err, NULL, "--speed", "warp", NULL) == -1);
    CHECK_STREQ(err, "rtdash-test: --speed: 'warp' is not low, mid or high\n");
    CHECK(count_lines(err) == 1);
    free(err);
    static const char *const bad[] = {"", "lo", "low ", "highest", "mid,high"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(parse(&err, NULL, "--shape", bad[i], NULL) == -1);
        CHECK(strstr(err, "--shape") && strstr(err, "is not low, mid or high"));
        CHECK(count_lines(err) == 1);
        free(err);
    }

    /* The environment: valid, then checked like a flag, naming the variable. */
    setenv("RTDASH_SPEED", "HIGH", 1);
    CHECK(parse(NULL, NULL, NULL) == 0);
    CHECK(speed.value == HIGH);
    CHECK(parse(NULL, NULL, "--speed", "low", NULL) == 0); /* the flag wins */
    CHECK(speed.value == LOW);
    setenv("RTDASH_SPEED", "fast", 1);
    CHECK(parse(&err, NULL, NULL) == -1);
    CHECK_STREQ(err, "rtdash-test: RTDASH_SPEED: 'fast' is not low, mid or high\n");
    free(err);
    /* ... even when a flag would override it (the environment is read first). */
    CHECK(parse(NULL, NULL, "--speed", "low", NULL) == -1);
    clear_env();

    /* A single-word table and a two-word one read naturally. */
    static const opt_enum_value_t one[] = {{"only", 1}, {NULL, 0}};
    static const opt_enum_value_t two[] = {{"auto", 0}, {"influx", 1}, {NULL, 0}};
    opt_enum_t e1 = {one, 0, NULL}, e2 = {two, 0, NULL};
    const opt_t t2[] = {{"one", OPT_ENUM, NULL, 0, 0, &e1, ""},
                        {"two", OPT_ENUM, NULL, 0, 0, &e2, ""}};
    char *argv[] = {(char *)"rtdash-test", (char *)"--one=x", NULL};
    capture_fd_begin(2);
    CHECK(opts_parse(t2, 2, 2, argv, NULL, NULL) == -1);
    err = capture_end();
    CHECK_STREQ(err, "rtdash-test: --one: 'x' is not only\n");
    free(err);
    argv[1] = (char *)"--two=x";
    capture_fd_begin(2);
    CHECK(opts_parse(t2, 2, 2, argv, NULL, NULL) == -1);
    err = capture_end();
    CHECK_STREQ(err, "rtdash-test: --two: 'x' is not auto or influx\n");
    free(err);
}

static void test_errors(void)
{
    clear_env();
    char *err = NULL;
    CHECK(parse(&err, NULL, "--bogus", NULL) == -1);
    CHECK(strstr(err, "rtdash-test: unknown flag --bogus") != NULL);
    CHECK(count_lines(err) == 1);
    free(err);
    CHECK(parse(&err, NULL, "--bogus=1", NULL) == -1);
    CHECK(strstr(err, "unknown flag --bogus ") != NULL);
    free(err);
    CHECK(parse(&err, NULL, "--", "x", NULL) == -1); /* positional not allowed */
    CHECK(strstr(err, "unexpected argument 'x'") != NULL);
    free(err);
    CHECK(parse(&err, NULL, "--port", NULL) == -1);
    CHECK(strstr(err, "--port needs a value") != NULL);
    CHECK(count_lines(err) == 1);
    free(err);
    CHECK(parse(&err, NULL, "--host", "--port", "1", NULL) == -1);
    CHECK(strstr(err, "--host needs a value") != NULL);
    free(err);
    CHECK(parse(&err, NULL, "--port-", "1", NULL) == -1);
    CHECK(strstr(err, "unknown flag --port-") != NULL);
    free(err);
    CHECK(parse(&err, NULL, "--por", "1", NULL) == -1); /* no prefix abbreviations */
    free(err);
    CHECK(parse(&err, NULL, "positional", NULL) == -1);
    CHECK(strstr(err, "unexpected argument 'positional'") != NULL);
    free(err);
}

static void test_positional(void)
{
    clear_env();
    int first = -1;
    CHECK(parse(NULL, &first, "--port", "1", "demo.sales", "42", NULL) == 0);
    CHECK(first == 3);
    CHECK(port == 1);

    /* None: argc. */
    first = -1;
    CHECK(parse(NULL, &first, "--port", "2", NULL) == 0);
    CHECK(first == 3);

    /* Parsing stops at the first positional: later "--flags" are positional. */
    first = -1;
    CHECK(parse(NULL, &first, "demo.temp", "-3.5", "--port", "9", NULL) == 0);
    CHECK(first == 1);
    CHECK(port == 8080);

    /* "--" ends the flags; what follows is positional even if it looks like one. */
    first = -1;
    CHECK(parse(NULL, &first, "--port=3", "--", "--port", "4", NULL) == 0);
    CHECK(first == 3);
    CHECK(port == 3);
    first = -1;
    CHECK(parse(NULL, &first, "--", NULL) == 0);
    CHECK(first == 2);

    /* A value that does not start with "--" is taken by the flag, not positional. */
    first = -1;
    CHECK(parse(NULL, &first, "--title", "t", "x", NULL) == 0);
    CHECK(first == 3);
    CHECK_STREQ(title, "t");
}

static void test_help(void)
{
    clear_env();
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    opts_print_help(f, table, NOPTS, "rtdash-test", "[options] TOPIC VALUE");
    fclose(f);
    CHECK(strncmp(buf, "Usage: rtdash-test [options] TOPIC VALUE\n", 41) == 0);
    /* One line per setting with flag, variable and default. */
    static const char *const rows[][3] = {
        {"--port N", "RTDASH_PORT", "8080"},
        {"--interval-ms N", "RTDASH_INTERVAL_MS", "1000"},
        {"--host TEXT", "RTDASH_HOST", "(unset)"},
        {"--title TEXT", "RTDASH_TITLE", "rtdash"},
        {"--verbose", "RTDASH_VERBOSE", "false"},
        {"--allow-origin A,B,...", "RTDASH_ALLOW_ORIGIN", "http://localhost:8080"},
        {"--speed WORD", "RTDASH_SPEED", "mid"},
        {"--shape WORD", "RTDASH_SHAPE", "(unset)"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *line = strstr(buf, rows[i][0]);
        CHECK(line != NULL);
        if (!line)
            continue;
        const char *eol = strchr(line, '\n');
        const char *env = strstr(line, rows[i][1]);
        const char *def = env ? strstr(env + strlen(rows[i][1]), rows[i][2]) : NULL;
        CHECK(env && env < eol);
        CHECK(def && def < eol);
        CHECK(strstr(line, table[i].help) && strstr(line, table[i].help) < eol);
    }
    CHECK(strstr(buf, "[1..65535]") != NULL);
    /* An enum's line ends with its words, aliases left out. */
    static const char speed_tail[] = "how fast [low|mid|high]\n";
    const char *sp = strstr(buf, "--speed WORD");
    const char *sp_end = sp ? strchr(sp, '\n') + 1 : NULL;
    CHECK(sp && strncmp(sp_end - strlen(speed_tail), speed_tail, strlen(speed_tail)) == 0);
    CHECK(strstr(buf, "--help") != NULL);
    CHECK(strstr(buf, "--version") != NULL);
    CHECK(count_lines(buf) == 4 + (int)NOPTS + 2);
    free(buf);

    /* --help through opts_parse: stdout, returns 1, even with a bad setting
     * in the environment; -h too. */
    char *argv[] = {(char *)"/x/rtdash-test", (char *)"--port", (char *)"5", (char *)"--help",
                    NULL};
    setenv("RTDASH_PORT", "nonsense", 1);
    capture_fd_begin(1);
    int rc = opts_parse(table, NOPTS, 4, argv, "[options]", NULL);
    char *out = capture_end();
    CHECK(rc == 1);
    CHECK(strncmp(out, "Usage: rtdash-test [options]\n", 29) == 0);
    CHECK(strstr(out, "RTDASH_INTERVAL_MS") != NULL);
    free(out);
    clear_env();

    char *argv2[] = {(char *)"rtdash-test", (char *)"-h", NULL};
    capture_fd_begin(1);
    rc = opts_parse(table, NOPTS, 2, argv2, "[options]", NULL);
    out = capture_end();
    CHECK(rc == 1);
    CHECK(strstr(out, "Usage:") == out);
    free(out);

    /* "--help" as the value of a flag is a value, not a request for help. */
    char *argv3[] = {(char *)"rtdash-test", (char *)"--title=--help", NULL};
    CHECK(opts_parse(table, NOPTS, 2, argv3, "[options]", NULL) == 0);
    CHECK_STREQ(title, "--help");

    char *argv4[] = {(char *)"rtdash-test", (char *)"--version", NULL};
    capture_fd_begin(1);
    rc = opts_parse(table, NOPTS, 2, argv4, "[options]", NULL);
    out = capture_end();
    CHECK(rc == 1);
    CHECK_STREQ(out, "rtdash-test " RTDASH_VERSION "\n");
    free(out);
}

static void test_describe(void)
{
    clear_env();
    CHECK(parse(NULL, NULL, "--port=81", "--verbose", "--allow-origin=a,b", "--speed=MID", NULL) ==
          0);
    char buf[512];
    size_t n = opts_describe(table, NOPTS, buf, sizeof buf);
    const char *want = "port=81 interval-ms=1000 host=(unset) title=rtdash verbose=true "
                       "allow-origin=a,b speed=mid shape=(unset)";
    CHECK_STREQ(buf, want);
    CHECK(n == strlen(want));

    /* Truncation: always NUL-terminated, returns the full length. */
    char small[10];
    memset(small, 'Q', sizeof small);
    CHECK(opts_describe(table, NOPTS, small, sizeof small) == strlen(want));
    CHECK(small[9] == '\0');
    CHECK(strncmp(small, want, 9) == 0);
    CHECK(opts_describe(table, NOPTS, NULL, 0) == strlen(want));
}

int main(void)
{
    test_defaults();
    test_precedence();
    test_forms();
    test_numbers();
    test_bools();
    test_lists();
    test_list_next();
    test_enums();
    test_errors();
    test_positional();
    test_help();
    test_describe();
    return CHECK_DONE();
}
