/* SPDX-License-Identifier: MIT */
/* client.c - subscriptions, pause state and gap marks of one browser. */
#include "client.h"
#include <assert.h>
#include <stdlib.h>
#include <string.h>

client_t *client_new(uint64_t id, uint32_t max_frames, size_t max_bytes)
{
    client_t *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->id = id;
    outq_init(&c->q, max_frames, max_bytes);
    return c;
}

static void s_free_strv(char **v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void client_destroy(client_t **pc)
{
    if (!pc || !*pc)
        return;
    client_t *c = *pc;
    for (uint32_t i = 0; i < c->ntopics; i++)
        registry_sub_remove(c->topics[i], c);
    free(c->topics);
    outq_clear(&c->q);
    s_free_strv(c->patterns, c->npatterns);
    for (uint32_t i = 0; i < c->nrules; i++)
        free(c->rules[i].pattern);
    free(c->rules);
    free(c->gaps);
    access_clear(&c->access);
    free(c);
    *pc = NULL;
}

/* Grow an array of pointers by doubling; 0 or -1. */
static int s_reserve(void *parr, uint32_t n, uint32_t *cap)
{
    void ***arr = parr;
    if (n < *cap)
        return 0;
    uint32_t nc = *cap ? *cap * 2 : 4;
    void **a = realloc(*arr, nc * sizeof(void *));
    if (!a)
        return -1;
    *arr = a;
    *cap = nc;
    return 0;
}

static bool s_match(const char *p, const rtopic_t *t)
{
    return topic_match(p, strlen(p), t->name, t->name_len);
}

static bool s_any_match(char *const *pats, uint32_t n, const char *name, size_t len)
{
    for (uint32_t i = 0; i < n; i++)
        if (topic_match(pats[i], strlen(pats[i]), name, len))
            return true;
    return false;
}

bool client_matches(const client_t *c, const char *name, size_t len)
{
    return s_any_match(c->patterns, c->npatterns, name, len);
}

static bool s_rule_paused(const client_t *c, const rtopic_t *t)
{
    for (uint32_t i = c->nrules; i-- > 0;)
        if (s_match(c->rules[i].pattern, t))
            return c->rules[i].pause;
    return false;
}

static int s_join(client_t *c, rtopic_t *t, uint64_t gen_now)
{
    if (registry_sub_find(t, c))
        return 0;
    if (s_reserve(&c->topics, c->ntopics, &c->topcap) < 0)
        return -1;
    uint64_t paused = s_rule_paused(c, t) ? gen_now : 0;
    if (registry_sub_add(t, c, paused) < 0)
        return -1;
    c->topics[c->ntopics++] = t;
    return 0;
}

#ifndef NDEBUG
/* client.h's invariant: t is in c->topics exactly when c is in t->subs and
 * one of c's patterns matches t (with r: every matching topic is joined).
 * O(topics x patterns): debug builds only (the sanitizer builds of CI). */
static bool s_invariant(const client_t *c, const registry_t *r)
{
    for (uint32_t i = 0; i < c->ntopics; i++) {
        rtopic_t *t = c->topics[i];
        if (!registry_sub_find(t, c) || !client_matches(c, t->name, t->name_len))
            return false;
    }
    size_t n = r ? registry_count(r) : 0, joined = 0;
    for (size_t i = 0; i < n; i++) {
        rtopic_t *t = registry_at(r, i);
        bool member = registry_sub_find(t, c) != NULL;
        if (member != client_matches(c, t->name, t->name_len))
            return false;
        joined += member;
    }
    return !r || joined == c->ntopics;
}
#endif

static client_err_t s_subscribe(client_t *c, registry_t *r, const char *p, uint32_t max_patterns,
                                uint64_t gen_now);

client_err_t client_subscribe(client_t *c, registry_t *r, const char *p, uint32_t max_patterns,
                              uint64_t gen_now)
{
    client_err_t e = s_subscribe(c, r, p, max_patterns, gen_now);
    assert(e != CLIENT_OK || s_invariant(c, r));
    return e;
}

static client_err_t s_subscribe(client_t *c, registry_t *r, const char *p, uint32_t max_patterns,
                                uint64_t gen_now)
{
    for (uint32_t i = 0; i < c->npatterns; i++)
        if (!strcmp(c->patterns[i], p))
            return CLIENT_OK;
    if (c->npatterns >= max_patterns)
        return CLIENT_E_LIMIT;
    if (s_reserve(&c->patterns, c->npatterns, &c->patcap) < 0)
        return CLIENT_E_OOM;
    char *dup = strdup(p);
    if (!dup)
        return CLIENT_E_OOM;
    c->patterns[c->npatterns++] = dup;
    size_t n = registry_count(r);
    for (size_t i = 0; i < n; i++) {
        rtopic_t *t = registry_at(r, i);
        if (s_match(p, t) && s_join(c, t, gen_now) < 0)
            return CLIENT_E_OOM;
    }
    return CLIENT_OK;
}

void client_unsubscribe(client_t *c, const char *p)
{
    size_t plen = strlen(p);
    uint32_t k = 0;
    for (uint32_t i = 0; i < c->npatterns; i++) {
        if (topic_pattern_covers(p, plen, c->patterns[i], strlen(c->patterns[i])))
            free(c->patterns[i]);
        else
            c->patterns[k++] = c->patterns[i];
    }
    c->npatterns = k;
    k = 0;
    for (uint32_t i = 0; i < c->ntopics; i++) {
        rtopic_t *t = c->topics[i];
        if (client_matches(c, t->name, t->name_len)) {
            c->topics[k++] = t;
        } else {
            registry_sub_remove(t, c);
            for (uint32_t g = 0; g < c->ngaps; g++)
                if (c->gaps[g] == t)
                    c->gaps[g] = c->gaps[--c->ngaps];
        }
    }
    c->ntopics = k;
    assert(s_invariant(c, NULL));
}

bool client_topic_added(client_t *c, rtopic_t *t, uint64_t gen_now)
{
    if (!client_matches(c, t->name, t->name_len))
        return false;
    return s_join(c, t, gen_now) == 0;
}

/* Forget the rules p covers, then append (p, pause) unless it would be the
 * first rule and a resume (no rule = live). */
static client_err_t s_add_rule(client_t *c, const char *p, bool pause)
{
    size_t plen = strlen(p);
    uint32_t k = 0;
    for (uint32_t i = 0; i < c->nrules; i++) {
        if (topic_pattern_covers(p, plen, c->rules[i].pattern, strlen(c->rules[i].pattern)))
            free(c->rules[i].pattern);
        else
            c->rules[k++] = c->rules[i];
    }
    c->nrules = k;
    if (!pause && c->nrules == 0)
        return CLIENT_OK;
    if (c->nrules >= CLIENT_MAX_RULES)
        return CLIENT_E_LIMIT;
    if (c->nrules == c->rulecap) {
        uint32_t cap = c->rulecap ? c->rulecap * 2 : 4;
        client_rule_t *r = realloc(c->rules, cap * sizeof(*r));
        if (!r)
            return CLIENT_E_OOM;
        c->rules = r;
        c->rulecap = cap;
    }
    char *dup = strdup(p);
    if (!dup)
        return CLIENT_E_OOM;
    c->rules[c->nrules].pattern = dup;
    c->rules[c->nrules].pause = pause;
    c->nrules++;
    return CLIENT_OK;
}

/* Pause (since gen_now) or resume the subscribed topics matched by p (NULL =
 * all), after remembering the rule for later topics; a resumed topic that was
 * paused is reported to fn. */
static client_err_t s_pause_resume(client_t *c, const char *p, bool pause, uint64_t gen_now,
                                   void (*fn)(void *ud, client_t *c, rtopic_t *t, uint64_t g),
                                   void *ud)
{
    const char *pat = p ? p : "*";
    client_err_t e = s_add_rule(c, pat, pause);
    if (e != CLIENT_OK)
        return e;
    for (uint32_t i = 0; i < c->ntopics; i++) {
        rtopic_t *t = c->topics[i];
        rsub_t *s = s_match(pat, t) ? registry_sub_find(t, c) : NULL;
        if (!s || (s->paused_gen != 0) == pause)
            continue; /* not matched, or already as asked */
        uint64_t was = s->paused_gen;
        s->paused_gen = pause ? gen_now : 0;
        if (!pause && fn)
            fn(ud, c, t, was);
    }
    return CLIENT_OK;
}

client_err_t client_pause(client_t *c, const char *p, uint64_t gen_now)
{
    return s_pause_resume(c, p, true, gen_now, NULL, NULL);
}

client_err_t client_resume(client_t *c, const char *p,
                           void (*fn)(void *ud, client_t *c, rtopic_t *t, uint64_t paused_gen),
                           void *ud)
{
    return s_pause_resume(c, p, false, 0, fn, ud);
}

bool client_take_gap(client_t *c, const rtopic_t *t)
{
    for (uint32_t i = 0; i < c->ngaps; i++) {
        if (c->gaps[i] == t) {
            c->gaps[i] = c->gaps[--c->ngaps];
            return true;
        }
    }
    return false;
}

void client_mark_gap(client_t *c, rtopic_t *t)
{
    for (uint32_t i = 0; i < c->ngaps; i++)
        if (c->gaps[i] == t)
            return;
    if (s_reserve(&c->gaps, c->ngaps, &c->gapcap) < 0)
        return; /* out of memory: the gap mark is lost, the data loss is counted */
    c->gaps[c->ngaps++] = t;
}
