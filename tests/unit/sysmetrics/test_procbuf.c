/* test_procbuf.c - procbuf: whole-file reads, growth, reopening, the word splitter. */
// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "procbuf.h"

static char s_dir[] = "/tmp/rtdash-procbuf-XXXXXX";

static void s_write(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "w"); /* truncates in place: same inode */
    if (!f)
        abort();
    if (fwrite(data, 1, len, f) != len)
        abort();
    fclose(f);
}

/* The whole file through stdio, for comparison. Caller owns the result. */
static char *s_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, r;
    char *buf = malloc(cap);
    while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    *len = n;
    return buf;
}

static void test_read_and_reread(void)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/file", s_dir);
    s_write(path, "hello\nworld 42\n", 15);
    procbuf_t *pb = procbuf_new(path);
    CHECK(pb != NULL);
    CHECK_STREQ(procbuf_path(pb), path);
    size_t len = 0;
    const char *d = procbuf_read(pb, &len);
    CHECK(d && len == 15 && strcmp(d, "hello\nworld 42\n") == 0);

    /* Rewritten in place, the same descriptor sees the new contents. */
    s_write(path, "x\n", 2);
    d = procbuf_read(pb, &len);
    CHECK(d && len == 2 && strcmp(d, "x\n") == 0);

    /* Larger than the initial buffer: it grows and reads everything. */
    size_t big = 100000;
    char *b = malloc(big);
    for (size_t i = 0; i < big; i++)
        b[i] = (char)('a' + i % 26);
    b[big - 1] = '\n';
    s_write(path, b, big);
    d = procbuf_read(pb, &len);
    CHECK(d && len == big && memcmp(d, b, big) == 0 && d[big] == '\0');
    free(b);

    /* Empty file: an empty string, not a failure. */
    s_write(path, "", 0);
    d = procbuf_read(pb, &len);
    CHECK(d && len == 0 && d[0] == '\0');

    /* Deleted: the old inode is not read any more; recreated: read again. */
    unlink(path);
    errno = 0;
    CHECK(procbuf_read(pb, &len) == NULL);
    CHECK(errno == ENOENT);
    s_write(path, "back\n", 5);
    d = procbuf_read(pb, &len);
    CHECK(d && len == 5 && strcmp(d, "back\n") == 0);

    /* Replaced by a rename: the new file is read. */
    char tmp[300];
    snprintf(tmp, sizeof(tmp), "%s/file.new", s_dir);
    s_write(tmp, "renamed\n", 8);
    CHECK(rename(tmp, path) == 0);
    d = procbuf_read(pb, &len);
    CHECK(d && len == 8 && strcmp(d, "renamed\n") == 0);
    unlink(path);

    procbuf_destroy(&pb);
    CHECK(pb == NULL);
    procbuf_destroy(&pb); /* NULL-safe */
    procbuf_destroy(NULL);
}

static void test_missing_then_created(void)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/later", s_dir);
    procbuf_t *pb = procbuf_new(path);
    CHECK(pb != NULL);
    size_t len;
    CHECK(procbuf_read(pb, &len) == NULL);
    CHECK(procbuf_read(pb, &len) == NULL);
    s_write(path, "now\n", 4);
    const char *d = procbuf_read(pb, &len);
    CHECK(d && len == 4 && strcmp(d, "now\n") == 0);
    unlink(path);
    procbuf_destroy(&pb);
}

/* A seq_file gives about a page per read(): the reader must go on to EOF. */
static void test_real_proc(void)
{
    const char *path = "/proc/self/mountinfo";
    size_t want_len;
    char *want = s_slurp(path, &want_len);
    if (!want) {
        printf("skip: no %s\n", path);
        return;
    }
    procbuf_t *pb = procbuf_new(path);
    size_t len = 0;
    const char *d = procbuf_read(pb, &len);
    CHECK(d && len == want_len && memcmp(d, want, len) == 0);
    d = procbuf_read(pb, &len); /* and again, from the start */
    CHECK(d && len == want_len && memcmp(d, want, len) == 0);
    procbuf_destroy(&pb);
    free(want);
}

static void test_words(void)
{
    const char *text = "  cpu0 12 34\tx\n\neth0:100 200\nlast";
    const char *pos = text, *end = text + strlen(text);
    procbuf_word_t w[3];
    int n = procbuf_line(&pos, end, NULL, w, 3);
    CHECK(n == 3);
    CHECK(procbuf_word_is(&w[0], "cpu0") && procbuf_word_is(&w[1], "12"));
    CHECK(procbuf_word_is(&w[2], "34"));             /* "x" is beyond max: skipped */
    CHECK(procbuf_line(&pos, end, NULL, w, 3) == 0); /* empty line */
    n = procbuf_line(&pos, end, ":", w, 3);
    CHECK(n == 3 && procbuf_word_is(&w[0], "eth0") && procbuf_word_is(&w[1], "100"));
    n = procbuf_line(&pos, end, NULL, w, 3); /* no final newline */
    CHECK(n == 1 && procbuf_word_is(&w[0], "last"));
    CHECK(procbuf_line(&pos, end, NULL, w, 3) == -1);
    CHECK(!procbuf_word_is(&w[0], "las") && !procbuf_word_is(&w[0], "lastx"));

    uint64_t u;
    procbuf_word_t num = {"18446744073709551615", 20};
    CHECK(procbuf_u64(&num, &u) == 0 && u == UINT64_MAX);
    procbuf_word_t over = {"18446744073709551616", 20};
    CHECK(procbuf_u64(&over, &u) == -1);
    procbuf_word_t bad = {"12a", 3}, empty = {"", 0}, neg = {"-1", 2};
    CHECK(procbuf_u64(&bad, &u) == -1 && procbuf_u64(&empty, &u) == -1);
    CHECK(procbuf_u64(&neg, &u) == -1);
    procbuf_word_t part = {"123456", 3}; /* only the first 3 bytes are the word */
    CHECK(procbuf_u64(&part, &u) == 0 && u == 123);

    double v;
    procbuf_word_t f = {"0.75 1.5", 4};
    CHECK(procbuf_double(&f, &v) == 0 && v == 0.75);
    procbuf_word_t g = {"1.5x", 4};
    CHECK(procbuf_double(&g, &v) == -1 && procbuf_double(&empty, &v) == -1);
}

int main(void)
{
    if (!mkdtemp(s_dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_read_and_reread();
    test_missing_then_created();
    test_real_proc();
    test_words();
    rmdir(s_dir);
    return CHECK_DONE();
}
