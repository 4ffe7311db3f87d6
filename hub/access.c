/* SPDX-License-Identifier: MIT */
/* access.c - a role and topic patterns, and the questions asked of them. */
#include "access.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void access_clear(access_t *a)
{
    for (uint32_t i = 0; i < a->npatterns; i++)
        free(a->patterns[i]);
    free(a->patterns);
    memset(a, 0, sizeof(*a));
}

int access_set_patterns(access_t *a, char *const *p, uint32_t n)
{
    char **v = calloc(n ? n : 1, sizeof(char *));
    if (!v)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        if (!(v[i] = strdup(p[i]))) {
            while (i--)
                free(v[i]);
            free(v);
            return -1;
        }
    }
    for (uint32_t i = 0; i < a->npatterns; i++)
        free(a->patterns[i]);
    free(a->patterns);
    a->patterns = v;
    a->npatterns = n;
    return 0;
}

int access_copy(access_t *dst, const access_t *src)
{
    *dst = *src;
    dst->patterns = NULL;
    dst->npatterns = 0;
    return access_set_patterns(dst, src->patterns, src->npatterns);
}

bool access_permits_pattern(const access_t *a, const char *p, size_t len)
{
    if (!a || a->kind == ACCESS_OPEN)
        return true;
    if (a->kind == ACCESS_METRICS)
        return false;
    return authdb_covers(a->patterns, a->npatterns, p, len);
}

bool access_permits_topic(const access_t *a, const char *t, size_t len)
{
    if (!a || a->kind == ACCESS_OPEN)
        return true;
    if (a->kind == ACCESS_METRICS)
        return false;
    return authdb_matches(a->patterns, a->npatterns, t, len);
}

char *access_whoami_json(const access_t *a)
{
    json_t *o = json_object(), *pats = json_array();
    if (!o || !pats) {
        json_decref(o);
        json_decref(pats);
        return NULL;
    }
    json_object_set_new(o, "user",
                        a->user[0] && a->kind != ACCESS_TOKEN ? json_string(a->user) : json_null());
    json_object_set_new(o, "role",
                        json_string(a->kind == ACCESS_OPEN ? "admin" : role_name(a->role)));
    if (a->kind == ACCESS_OPEN)
        json_array_append_new(pats, json_string("*"));
    for (uint32_t i = 0; i < a->npatterns; i++)
        json_array_append_new(pats, json_string(a->patterns[i]));
    json_object_set_new(o, "patterns", pats);
    json_object_set_new(o, "exp", a->exp_ms ? json_integer(a->exp_ms / 1000) : json_null());
    json_object_set_new(o, "auth", json_boolean(a->kind != ACCESS_OPEN));
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}
