/* SPDX-License-Identifier: MIT */
/* webroot.c - the static files the hub serves (see webroot.h). */
#include "webroot.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct webroot {
    char *root;    /* realpath of the web root */
    char *chartjs; /* realpath of node_modules/chart.js, or NULL */
    bool maps;
};

webroot_t *webroot_new(const char *dir, const char *chartjs_dir, bool source_maps)
{
    webroot_t *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->root = realpath(dir, NULL);
    w->chartjs = chartjs_dir ? realpath(chartjs_dir, NULL) : NULL;
    w->maps = source_maps;
    if (!w->root)
        webroot_destroy(&w);
    return w;
}

void webroot_destroy(webroot_t **pw)
{
    if (!pw || !*pw)
        return;
    free((*pw)->root);
    free((*pw)->chartjs);
    free(*pw);
    *pw = NULL;
}

/* Does a path component start with '.' (dotfiles, "..")? */
static bool s_has_dot_part(const char *p)
{
    for (const char *s = p; *s; s++)
        if (*s == '.' && (s == p || s[-1] == '/'))
            return true;
    return false;
}

static bool s_ends(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

/* Is dir/rel, symlinks resolved, inside dir? A file that does not exist is
 * (lws will 404 it); a path through a missing directory too. */
static bool s_inside(const char *dir, const char *rel)
{
    char path[PATH_MAX], real[PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/%s", dir, rel);
    if (n < 0 || (size_t)n >= sizeof path)
        return false;
    if (!realpath(path, real))
        return true; /* missing: 404 from lws */
    size_t dl = strlen(dir);
    return !strncmp(real, dir, dl) && (real[dl] == '/' || real[dl] == '\0');
}

bool webroot_allows(const webroot_t *w, const char *uri)
{
    if (!uri || uri[0] != '/' || strstr(uri, "//") || s_has_dot_part(uri))
        return false;
    static const char vendor[] = "/vendor/chart.js/";
    if (!strncmp(uri, vendor, sizeof vendor - 1)) {
        const char *rel = uri + sizeof vendor - 1;
        if (!w->chartjs || strncmp(rel, "dist/", 5) || strchr(rel + 5, '/'))
            return false;
        if (!s_ends(rel, ".js") && !(w->maps && s_ends(rel, ".map")))
            return false;
        return s_inside(w->chartjs, rel);
    }
    const char *base = strrchr(uri, '/') + 1;
    if (!strcmp(base, "package.json") || !strcmp(base, "package-lock.json") ||
        !strcmp(base, "eslint.config.js") || !strncmp(uri, "/node_modules/", 14) ||
        !strcmp(uri, "/node_modules"))
        return false;
    return s_inside(w->root, uri + 1);
}
