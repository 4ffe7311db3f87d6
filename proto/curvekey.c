/* SPDX-License-Identifier: MIT */
/* curvekey.c - Z85 keys, key files, and reading a file only its owner controls. */
#include "curvekey.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

static const char s_z85[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                            ".-:+=^!/*?&<>()[]{}@%$#";

/* The value + 1 of each Z85 character, 0 for any other byte: decoding a key
 * costs a table look-up per character (the ingest decodes one per message). */
static const uint8_t s_z85_dec[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['g'] = 17, ['h'] = 18, ['i'] = 19, ['j'] = 20, ['k'] = 21, ['l'] = 22, ['m'] = 23, ['n'] = 24,
    ['o'] = 25, ['p'] = 26, ['q'] = 27, ['r'] = 28, ['s'] = 29, ['t'] = 30, ['u'] = 31, ['v'] = 32,
    ['w'] = 33, ['x'] = 34, ['y'] = 35, ['z'] = 36, ['A'] = 37, ['B'] = 38, ['C'] = 39, ['D'] = 40,
    ['E'] = 41, ['F'] = 42, ['G'] = 43, ['H'] = 44, ['I'] = 45, ['J'] = 46, ['K'] = 47, ['L'] = 48,
    ['M'] = 49, ['N'] = 50, ['O'] = 51, ['P'] = 52, ['Q'] = 53, ['R'] = 54, ['S'] = 55, ['T'] = 56,
    ['U'] = 57, ['V'] = 58, ['W'] = 59, ['X'] = 60, ['Y'] = 61, ['Z'] = 62, ['.'] = 63, ['-'] = 64,
    [':'] = 65, ['+'] = 66, ['='] = 67, ['^'] = 68, ['!'] = 69, ['/'] = 70, ['*'] = 71, ['?'] = 72,
    ['&'] = 73, ['<'] = 74, ['>'] = 75, ['('] = 76, [')'] = 77, ['['] = 78, [']'] = 79, ['{'] = 80,
    ['}'] = 81, ['@'] = 82, ['%'] = 83, ['$'] = 84, ['#'] = 85};

/* The value of a Z85 character, or -1. */
static int s_z85_value(char c)
{
    return (int)s_z85_dec[(unsigned char)c] - 1;
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

int curvekey_generate(curvekey_pair_t *out, char *err, size_t errlen)
{
    char pub[CURVEKEY_Z85_LEN + 1], sec[CURVEKEY_Z85_LEN + 1];
    int rc = -1;
    if (zmq_curve_keypair(pub, sec) != 0)
        snprintf(err, errlen, "cannot make a CURVE key pair: %s", zmq_strerror(zmq_errno()));
    else if (!curvekey_z85_decode(pub, CURVEKEY_Z85_LEN, out->pub) ||
             !curvekey_z85_decode(sec, CURVEKEY_Z85_LEN, out->sec))
        snprintf(err, errlen, "libzmq made a key that is not Z85");
    else
        rc = 0;
    if (rc == 0)
        memcpy(out->pub_z85, pub, sizeof out->pub_z85);
    curvekey_wipe(sec, sizeof sec);
    return rc;
}

int curvekey_check_pair(const curvekey_pair_t *kp, char *err, size_t errlen)
{
    char sec[CURVEKEY_Z85_LEN + 1], pub[CURVEKEY_Z85_LEN + 1], want[CURVEKEY_Z85_LEN + 1];
    curvekey_z85_encode(kp->sec, sec);
    curvekey_z85_encode(kp->pub, want);
    int rc = zmq_curve_public(pub, sec);
    curvekey_wipe(sec, sizeof sec);
    if (rc != 0) {
        snprintf(err, errlen, "cannot check the key pair: %s", zmq_strerror(zmq_errno()));
        return -1;
    }
    if (strcmp(pub, want) != 0) {
        snprintf(err, errlen,
                 "the public key is not the secret key's (write the file again "
                 "with rtdash-pub --gen-keys)");
        return -1;
    }
    return 0;
}

int curvekey_write_file(const char *path, const curvekey_pair_t *kp, char *err, size_t errlen)
{
    char line[2 * CURVEKEY_Z85_LEN + 3];
    memcpy(line, kp->pub_z85, CURVEKEY_Z85_LEN);
    line[CURVEKEY_Z85_LEN] = ' ';
    curvekey_z85_encode(kp->sec, line + CURVEKEY_Z85_LEN + 1);
    line[2 * CURVEKEY_Z85_LEN + 1] = '\n';
    line[2 * CURVEKEY_Z85_LEN + 2] = '\0';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        curvekey_wipe(line, sizeof line);
        snprintf(err, errlen, "%s: %s", path,
                 errno == EEXIST ? "exists already (a key file is never replaced)"
                                 : strerror(errno));
        return -1;
    }
    size_t len = sizeof line - 1, done = 0;
    while (done < len) {
        ssize_t w = write(fd, line + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    curvekey_wipe(line, sizeof line);
    /* the mode is 0600 whatever the umask asked for */
    bool ok = done == len && fchmod(fd, 0600) == 0 && fsync(fd) == 0;
    int saved = ok ? 0 : errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (!ok) {
        unlink(path);
        snprintf(err, errlen, "%s: cannot write it: %s", path,
                 saved ? strerror(saved) : "short write");
        return -1;
    }
    return 0;
}
