/* SPDX-License-Identifier: MIT */
/* webroot.h - which static files the hub serves (SPEC §7, SECURITY.md S7.1).
 * lws's file mount serves whatever the path names, symlinks followed; the
 * hub asks here first. Served: files inside the web root that are not
 * dotfiles (nor in a dot-directory) nor package.json, package-lock.json or
 * eslint.config.js, whose real path (symlinks resolved) stays inside the web
 * root; and, under /vendor/chart.js/, only the .js files of Chart.js's dist (and
 * its .map files with --serve-source-maps). A path that is not served answers
 * 404 like a missing one. The dynamic paths (/api, /healthz, /metrics) are
 * not this module's. */
#ifndef RTDASH_WEBROOT_H
#define RTDASH_WEBROOT_H

#include <stdbool.h>

typedef struct webroot webroot_t;

/* For the web root dir and the Chart.js package dir (may be missing).
 * NULL if dir does not exist or out of memory. Caller owns: webroot_destroy(). */
webroot_t *webroot_new(const char *dir, const char *chartjs_dir, bool source_maps);
void webroot_destroy(webroot_t **w);

/* Is the URL path uri (decoded, starting with '/') one the hub serves as a
 * file? ("/" is the index.) A path whose file does not exist is "served":
 * lws answers it with its 404. */
bool webroot_allows(const webroot_t *w, const char *uri);

#endif
