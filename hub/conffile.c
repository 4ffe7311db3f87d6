/* SPDX-License-Identifier: MIT */
/* conffile.c - lines, words and errors of the hub's access files. */
#include "conffile.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int conffile_fail(char *err, size_t errlen, unsigned line, const char *fmt, ...)
{
    int n = line ? snprintf(err, errlen, "line %u: ", line) : 0;
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < errlen)
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

bool conffile_word(const char **p, const char *end, const char **w, size_t *n)
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

int conffile_parse(const char *text, size_t len, conffile_line_fn fn, void *ud, char *err,
                   size_t errlen)
{
    unsigned line = 0;
    for (const char *p = text, *end = text + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *b = p;
        p = nl ? nl + 1 : end;
        line++;
        if (le > b && le[-1] == '\r')
            le--;
        while (b < le && (*b == ' ' || *b == '\t'))
            b++;
        if (b == le || (le - b >= 2 && b[0] == '#' && b[1] == ' ') || (le - b == 1 && b[0] == '#'))
            continue;
        if (memchr(b, '\0', (size_t)(le - b)))
            return conffile_fail(err, errlen, line, "a NUL byte");
        if (fn(ud, b, le, line, err, errlen) < 0)
            return -1;
    }
    return 0;
}

int conffile_add_string(char ***v, uint32_t *count, const char *w, size_t n)
{
    char *copy = strndup(w, n);
    char **nv = copy ? realloc(*v, (*count + 1) * sizeof(**v)) : NULL;
    if (!nv) {
        free(copy);
        return -1;
    }
    nv[*count] = copy;
    *v = nv;
    (*count)++;
    return 0;
}

void conffile_free_strings(char **v, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        free(v[i]);
    free(v);
}
