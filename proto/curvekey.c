/* curvekey.c - Z85 keys, key files, and reading a file only its owner controls. */
#include "curvekey.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char s_z85[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                            ".-:+=^!/*?&<>()[]{}@%$#";

/* The value of a Z85 character, or -1. */
static int s_z85_value(char c)
{
    const char *p = c ? strchr(s_z85, c) : NULL;
    return p ? (int)(p - s_z85) : -1;
}

bool curvekey_z85_decode(const char *s, size_t len, uint8_t out[CURVEKEY_BYTES])
{
    if (!s || len != CURVEKEY_Z85_LEN)
        return false;
    for (size_t g = 0; g < CURVEKEY_Z85_LEN / 5; g++) {
        uint64_t v = 0;
        for (size_t i = 0; i < 5; i++) {
            int d = s_z85_value(s[g * 5 + i]);
            if (d < 0)
                return false;
            v = v * 85 + (uint64_t)d;
        }
        if (v > UINT32_MAX)
            return false;
        out[g * 4] = (uint8_t)(v >> 24);
        out[g * 4 + 1] = (uint8_t)(v >> 16);
        out[g * 4 + 2] = (uint8_t)(v >> 8);
        out[g * 4 + 3] = (uint8_t)v;
    }
    return true;
}

void curvekey_z85_encode(const uint8_t key[CURVEKEY_BYTES], char out[CURVEKEY_Z85_LEN + 1])
{
    for (size_t g = 0; g < CURVEKEY_BYTES / 4; g++) {
        uint32_t v = (uint32_t)key[g * 4] << 24 | (uint32_t)key[g * 4 + 1] << 16 |
                     (uint32_t)key[g * 4 + 2] << 8 | key[g * 4 + 3];
        for (int i = 4; i >= 0; i--) {
            out[g * 5 + (size_t)i] = s_z85[v % 85];
            v /= 85;
        }
    }
    out[CURVEKEY_Z85_LEN] = '\0';
}

/* One word of [*p, end): skips blanks first. */
static bool s_word(const char **p, const char *end, const char **w, size_t *n)
{
    while (*p < end && (**p == ' ' || **p == '\t'))
        (*p)++;
    if (*p == end)
        return false;
    *w = *p;
    while (*p < end && **p != ' ' && **p != '\t')
        (*p)++;
    *n = (size_t)(*p - *w);
    return true;
}

int curvekey_parse(const char *text, size_t len, curvekey_pair_t *out, char *err, size_t errlen)
{
    static const char shape[] = "a key file is one line PUBLIC SECRET, two Z85 keys of 40 "
                                "characters (rtdash-pub --gen-keys FILE writes one)";
    const char *end = text + len;
    /* one line end is allowed, nothing after it */
    if (end > text && end[-1] == '\n')
        end--;
    if (end > text && end[-1] == '\r')
        end--;
    if (memchr(text, '\n', (size_t)(end - text)) || memchr(text, '\r', (size_t)(end - text)) ||
        memchr(text, '\0', (size_t)(end - text))) {
        snprintf(err, errlen, "more than one line: %s", shape);
        return -1;
    }
    const char *p = text, *w[3];
    size_t n[3], words = 0;
    while (words < 3 && s_word(&p, end, &w[words], &n[words]))
        words++;
    if (words != 2) {
        snprintf(err, errlen, "%s: %s", words < 2 ? "fewer than two words" : "more than two words",
                 shape);
        return -1;
    }
    if (!curvekey_z85_decode(w[0], n[0], out->pub)) {
        snprintf(err, errlen, "the public key is not 40 Z85 characters: %s", shape);
        return -1;
    }
    if (!curvekey_z85_decode(w[1], n[1], out->sec)) {
        curvekey_wipe(out->sec, sizeof out->sec);
        snprintf(err, errlen, "the secret key is not 40 Z85 characters: %s", shape);
        return -1;
    }
    memcpy(out->pub_z85, w[0], CURVEKEY_Z85_LEN);
    out->pub_z85[CURVEKEY_Z85_LEN] = '\0';
    return 0;
}

int curvekey_read_file(const char *path, size_t max, bool secret, char **buf, size_t *len,
                       char *err, size_t errlen)
{
    *buf = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    const char *why = NULL;
    if (fstat(fd, &st) < 0)
        why = strerror(errno);
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    else if (st.st_mode & (S_IWGRP | S_IWOTH))
        why = "writable by group or others (chmod go-w)";
    else if (secret && (st.st_mode & (S_IRGRP | S_IROTH)))
        why = "a secret readable by group or others (chmod 600)";
    else if (st.st_size == 0)
        why = "empty";
    else if ((size_t)st.st_size > max)
        why = "too large";
    if (why) {
        close(fd);
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    size_t want = (size_t)st.st_size;
    char *b = malloc(want + 1);
    size_t got = 0;
    while (b && got < want) {
        ssize_t r = read(fd, b + got, want - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!b || got != want) {
        if (b)
            curvekey_wipe(b, want);
        free(b);
        snprintf(err, errlen, "%s: cannot read it", path);
        return -1;
    }
    b[got] = '\0';
    *buf = b;
    *len = got;
    return 0;
}

void curvekey_wipe(void *p, size_t n)
{
    if (!p)
        return;
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
}
