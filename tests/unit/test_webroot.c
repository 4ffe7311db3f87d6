/* SPDX-License-Identifier: MIT */
/* test_webroot.c - which static files are served: symlinks out, dotfiles,
 * package files and most of node_modules are not (on a temporary tree). */
#include "check.h"
#include "webroot.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void s_file(const char *dir, const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs("x", f);
        fclose(f);
    }
}

int main(void)
{
    char tmpl[] = "/tmp/rtdash-webroot-XXXXXX";
    char *top = mkdtemp(tmpl);
    CHECK(top != NULL);
    char root[300], cj[400], p[600], outside[300];
    snprintf(root, sizeof root, "%s/web", top);
    snprintf(outside, sizeof outside, "%s/secret.txt", top);
    mkdir(root, 0755);
    snprintf(p, sizeof p, "%s/js", root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/.git", root);
    mkdir(p, 0755);
    snprintf(cj, sizeof cj, "%s/node_modules", root);
    mkdir(cj, 0755);
    snprintf(cj, sizeof cj, "%s/node_modules/chart.js", root);
    mkdir(cj, 0755);
    snprintf(p, sizeof p, "%s/dist", cj);
    mkdir(p, 0755);
    s_file(top, "secret.txt");
    s_file(root, "index.html");
    s_file(root, "package.json");
    s_file(root, ".env");
    s_file(root, "js/main.js");
    snprintf(p, sizeof p, "%s/dist", cj);
    s_file(p, "chart.umd.min.js");
    s_file(p, "chart.umd.min.js.map");
    s_file(cj, "package.json");
    snprintf(p, sizeof p, "%s/link.txt", root);
    CHECK(symlink(outside, p) == 0);
    snprintf(p, sizeof p, "%s/etc", root);
    CHECK(symlink("/etc", p) == 0);
    snprintf(p, sizeof p, "%s/inner.html", root);
    CHECK(symlink("index.html", p) == 0);

    webroot_t *w = webroot_new(root, cj, false);
    CHECK(w != NULL);
    CHECK(webroot_allows(w, "/"));
    CHECK(webroot_allows(w, "/index.html"));
    CHECK(webroot_allows(w, "/js/main.js"));
    CHECK(webroot_allows(w, "/inner.html"));   /* a symlink that stays inside */
    CHECK(webroot_allows(w, "/missing.html")); /* lws answers 404 itself */
    CHECK(!webroot_allows(w, "/link.txt"));    /* a symlink out */
    CHECK(!webroot_allows(w, "/etc/hostname"));
    CHECK(!webroot_allows(w, "/.env"));
    CHECK(!webroot_allows(w, "/.git/config"));
    CHECK(!webroot_allows(w, "/js/../../secret.txt"));
    CHECK(!webroot_allows(w, "/package.json"));
    CHECK(!webroot_allows(w, "/node_modules/chart.js/package.json"));
    CHECK(!webroot_allows(w, "//etc/passwd"));
    CHECK(!webroot_allows(w, "relative"));
    CHECK(webroot_allows(w, "/vendor/chart.js/dist/chart.umd.min.js"));
    CHECK(!webroot_allows(w, "/vendor/chart.js/dist/chart.umd.min.js.map"));
    CHECK(!webroot_allows(w, "/vendor/chart.js/package.json"));
    CHECK(!webroot_allows(w, "/vendor/chart.js/dist/x/y.js"));
    webroot_destroy(&w);
    w = webroot_new(root, cj, true);
    CHECK(webroot_allows(w, "/vendor/chart.js/dist/chart.umd.min.js.map"));
    webroot_destroy(&w);
    CHECK(w == NULL);
    CHECK(webroot_new("/nonexistent-dir", NULL, false) == NULL);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
    CHECK(system(cmd) == 0);
    return CHECK_DONE();
}
