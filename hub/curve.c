/* SPDX-License-Identifier: MIT */
/* curve.c - the CURVE allow-list: keys, names, topic patterns. */
#include "curve.h"
#include "conffile.h"
#include "topic.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Entries live in an array in file order; a hash index (open addressing,
 * linear probing, at most half full, never deleted from) finds a key. Keys
 * are random bytes, so their first four bytes are the hash. */
struct curve {
    curve_client_t *v; /* owned */
    size_t n, cap;
    uint32_t *index; /* owned: entry number + 1, 0 = free */
    size_t nindex;   /* power of two, >= 2 * n */
};

curve_t *curve_new(void)
{
    return calloc(1, sizeof(curve_t));
}

static void s_free_entry(curve_client_t *e)
{
    conffile_free_strings(e->patterns, e->npatterns);
}

void curve_destroy(curve_t **pc)
{
    if (!pc || !*pc)
        return;
    curve_t *c = *pc;
    for (size_t i = 0; i < c->n; i++)
        s_free_entry(&c->v[i]);
    free(c->v);
    free(c->index);
    free(c);
    *pc = NULL;
}

size_t curve_count(const curve_t *c)
{
    return c->n;
}

const curve_client_t *curve_at(const curve_t *c, size_t i)
{
    return i < c->n ? &c->v[i] : NULL;
}

static size_t s_home(const uint8_t key[CURVEKEY_BYTES], size_t nindex)
{
    uint32_t h =
        (uint32_t)key[0] | (uint32_t)key[1] << 8 | (uint32_t)key[2] << 16 | (uint32_t)key[3] << 24;
    return h & (nindex - 1);
}

const curve_client_t *curve_find(const curve_t *c, const uint8_t key[CURVEKEY_BYTES])
{
    if (!c->nindex)
        return NULL;
    size_t mask = c->nindex - 1;
    for (size_t i = s_home(key, c->nindex);; i = (i + 1) & mask) {
        uint32_t k = c->index[i];
        if (!k)
            return NULL;
        if (!memcmp(c->v[k - 1].key, key, CURVEKEY_BYTES))
            return &c->v[k - 1];
    }
}

const curve_client_t *curve_find_z85(const curve_t *c, const char *z85, size_t len)
{
    uint8_t key[CURVEKEY_BYTES];
    return curvekey_z85_decode(z85, len, key) ? curve_find(c, key) : NULL;
}

bool curve_permits(const curve_client_t *e, const char *t, size_t len)
{
    for (uint32_t i = 0; i < e->npatterns; i++)
        if (topic_match(e->patterns[i], strlen(e->patterns[i]), t, len))
            return true;
    return false;
}

bool curve_name_is_valid(const char *s, size_t len)
{
    if (len == 0 || len > CURVE_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        bool alnum =
            (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
        if (!alnum && (ch == '\0' || !strchr("._-~@#:+", ch)))
            return false;
    }
    return true;
}

/* Rebuild the index for at least want entries. */
static int s_reindex(curve_t *c, size_t want)
{
    size_t nindex = c->nindex ? c->nindex : 16;
    while (nindex < 2 * want)
        nindex *= 2;
    if (nindex == c->nindex)
        return 0;
    uint32_t *index = calloc(nindex, sizeof(*index));
    if (!index)
        return -1;
    for (size_t k = 0; k < c->n; k++) {
        size_t i = s_home(c->v[k].key, nindex);
        while (index[i])
            i = (i + 1) & (nindex - 1);
        index[i] = (uint32_t)k + 1;
    }
    free(c->index);
    c->index = index;
    c->nindex = nindex;
    return 0;
}

/* A new entry for key (not listed yet), indexed; NULL if out of memory. */
static curve_client_t *s_add(curve_t *c, const uint8_t key[CURVEKEY_BYTES])
{
    if (c->n >= UINT32_MAX - 1 || s_reindex(c, c->n + 1) < 0)
        return NULL;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        curve_client_t *v = realloc(c->v, cap * sizeof(*v));
        if (!v)
            return NULL;
        c->v = v;
        c->cap = cap;
    }
    curve_client_t *e = &c->v[c->n];
    memset(e, 0, sizeof(*e));
    memcpy(e->key, key, CURVEKEY_BYTES);
    curvekey_z85_encode(key, e->z85);
    size_t i = s_home(key, c->nindex);
    while (c->index[i])
        i = (i + 1) & (c->nindex - 1);
    c->index[i] = (uint32_t)++c->n;
    return e;
}

static int s_add_pattern(curve_client_t *e, const char *w, size_t n)
{
    return conffile_add_string(&e->patterns, &e->npatterns, w, n);
}

static bool s_name_taken(const curve_t *c, const char *name, size_t len)
{
    for (size_t i = 0; i < c->n; i++)
        if (strlen(c->v[i].name) == len && !memcmp(c->v[i].name, name, len))
            return true;
    return false;
}

static int s_line(void *ud, const char *p, const char *end, unsigned line, char *err, size_t errlen)
{
    curve_t *c = ud;
    const char *w = NULL, *name;
    size_t n = 0, nn = 0;
    uint8_t key[CURVEKEY_BYTES];
    conffile_word(&p, end, &w, &n);
    if (!curvekey_z85_decode(w, n, key))
        return conffile_fail(
            err, errlen, line,
            "the key is not 40 Z85 characters (PUBLICKEY NAME [PATTERN...]; the first "
            "word of a collector's key file)");
    if (curve_find(c, key))
        return conffile_fail(err, errlen, line, "the same key twice");
    if (!conffile_word(&p, end, &name, &nn))
        return conffile_fail(err, errlen, line, "PUBLICKEY NAME [PATTERN...]: missing the name");
    if (!curve_name_is_valid(name, nn))
        return conffile_fail(err, errlen, line,
                             "a name has 1 to %d characters of A-Z a-z 0-9 . _ - ~ @ # : +",
                             CURVE_NAME_MAX);
    if (s_name_taken(c, name, nn))
        return conffile_fail(err, errlen, line, "the name \"%.*s\" twice", (int)nn, name);
    curve_client_t *e = s_add(c, key);
    if (!e)
        return conffile_fail(err, errlen, line, "out of memory");
    memcpy(e->name, name, nn);
    e->name[nn] = '\0';
    while (conffile_word(&p, end, &w, &n)) {
        if (!topic_pattern_is_valid(w, n))
            return conffile_fail(err, errlen, line, "bad topic pattern \"%.*s\"",
                                 (int)(n > 64 ? 64 : n), w);
        if (e->npatterns == CURVE_PATTERNS_MAX)
            return conffile_fail(err, errlen, line, "more than %d patterns", CURVE_PATTERNS_MAX);
        if (s_add_pattern(e, w, n) < 0)
            return conffile_fail(err, errlen, line, "out of memory");
    }
    if (e->npatterns == 0 && s_add_pattern(e, "*", 1) < 0)
        return conffile_fail(err, errlen, line, "out of memory");
    return 0;
}

int curve_parse_clients(curve_t *c, const char *text, size_t len, char *err, size_t errlen)
{
    size_t before = c->n;
    if (conffile_parse(text, len, s_line, c, err, errlen) < 0)
        return -1;
    if (c->n == before)
        return conffile_fail(err, errlen, 0,
                             "no collector in it (a file of comments allows nobody)");
    return (int)(c->n - before);
}

int curve_add(curve_t *c, const uint8_t key[CURVEKEY_BYTES], const char *name, const char *pattern,
              char *err, size_t errlen)
{
    size_t nn = name ? strlen(name) : 0;
    if (!curve_name_is_valid(name, nn))
        return conffile_fail(err, errlen, 0, "bad collector name");
    if (!pattern || !topic_pattern_is_valid(pattern, strlen(pattern)))
        return conffile_fail(err, errlen, 0, "bad topic pattern");
    if (curve_find(c, key))
        return conffile_fail(err, errlen, 0, "the key is already listed");
    curve_client_t *e = s_add(c, key);
    if (!e)
        return conffile_fail(err, errlen, 0, "out of memory");
    memcpy(e->name, name, nn + 1);
    if (s_add_pattern(e, pattern, strlen(pattern)) < 0)
        return conffile_fail(err, errlen, 0, "out of memory");
    return 0;
}
