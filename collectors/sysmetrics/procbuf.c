/* procbuf.c - read a /proc file once per tick into a reused buffer, and split it.
 * Owns one descriptor and one growing buffer per file; never logs. */
// SPDX-License-Identifier: MIT
#include "procbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROCBUF_INITIAL 16384
#define PROCBUF_MAX (64u << 20) /* no /proc text we read comes near this */

struct procbuf {
    char *path;
    int fd;
    char *buf;
    size_t cap;
};

static void s_close(procbuf_t *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
}

static int s_open(procbuf_t *p)
{
    p->fd = open(p->path, O_RDONLY | O_CLOEXEC);
    return p->fd >= 0 ? 0 : -1;
}

procbuf_t *procbuf_new(const char *path)
{
    procbuf_t *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->path = strdup(path);
    p->cap = PROCBUF_INITIAL;
    p->buf = malloc(p->cap);
    if (!p->path || !p->buf) {
        free(p->path);
        free(p->buf);
        free(p);
        return NULL;
    }
    p->fd = -1;
    (void)s_open(p);
    return p;
}

void procbuf_destroy(procbuf_t **pp)
{
    if (!pp || !*pp)
        return;
    procbuf_t *p = *pp;
    s_close(p);
    free(p->path);
    free(p->buf);
    free(p);
    *pp = NULL;
}

const char *procbuf_path(const procbuf_t *p)
{
    return p->path;
}

const char *procbuf_read(procbuf_t *p, size_t *len)
{
    /* A file that was deleted (or replaced by a rename) keeps reading its old
     * contents through our descriptor: a link count of 0 says it is gone. */
    struct stat sb;
    if (p->fd >= 0 && fstat(p->fd, &sb) == 0 && sb.st_nlink == 0)
        s_close(p);
    if (p->fd < 0 && s_open(p) < 0)
        return NULL;
    /* Read until end of file: a seq_file (/proc/net/dev, /proc/diskstats)
     * returns at most about one page per read() whatever the buffer size, so
     * a short read does not mean the end. Files built in one go (/proc/stat,
     * meminfo, loadavg) take one read plus the one that returns 0. */
    size_t off = 0;
    for (;;) {
        if (off + 1 >= p->cap) {
            if (p->cap >= PROCBUF_MAX) {
                errno = EFBIG;
                s_close(p);
                return NULL;
            }
            char *nb = realloc(p->buf, p->cap * 2);
            if (!nb) {
                errno = ENOMEM;
                return NULL;
            }
            p->buf = nb;
            p->cap *= 2;
        }
        ssize_t n = pread(p->fd, p->buf + off, p->cap - 1 - off, (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            s_close(p);
            errno = e;
            return NULL;
        }
        if (n == 0)
            break;
        off += (size_t)n;
    }
    p->buf[off] = '\0';
    *len = off;
    return p->buf;
}

static bool s_is_sep(char c, const char *seps)
{
    return c == ' ' || c == '\t' || (seps && c != '\0' && strchr(seps, c));
}

int procbuf_line(const char **pos, const char *end, const char *seps, procbuf_word_t *w, int max)
{
    const char *s = *pos;
    if (s >= end)
        return -1;
    int n = 0;
    while (s < end && *s != '\n') {
        while (s < end && *s != '\n' && s_is_sep(*s, seps))
            s++;
        if (s >= end || *s == '\n')
            break;
        const char *start = s;
        while (s < end && *s != '\n' && !s_is_sep(*s, seps))
            s++;
        if (n < max) {
            w[n].s = start;
            w[n].len = (size_t)(s - start);
            n++;
        }
    }
    *pos = s < end ? s + 1 : end;
    return n;
}

bool procbuf_word_is(const procbuf_word_t *w, const char *s)
{
    size_t n = strlen(s);
    return w->len == n && memcmp(w->s, s, n) == 0;
}

int procbuf_u64(const procbuf_word_t *w, uint64_t *out)
{
    if (w->len == 0)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < w->len; i++) {
        unsigned d = (unsigned)(w->s[i] - '0');
        if (d > 9 || v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int procbuf_double(const procbuf_word_t *w, double *out)
{
    char tmp[64];
    if (w->len == 0 || w->len >= sizeof(tmp))
        return -1;
    /* The buffer is not NUL-ended after each word: copy to the stack. */
    memcpy(tmp, w->s, w->len);
    tmp[w->len] = '\0';
    char *endp;
    errno = 0;
    double v = strtod(tmp, &endp);
    if (endp != tmp + w->len || errno == ERANGE)
        return -1;
    *out = v;
    return 0;
}
