/* SPDX-License-Identifier: MIT */
/* test_origin.c - Origin and Host checks (SECURITY.md S3's cases). */
#include "check.h"
#include "origin.h"
#include <string.h>

#define S(x) x, strlen(x)

static void test_normalize(void)
{
    char out[ORIGIN_MAX + 1];
    CHECK(origin_normalize(S("HTTP://LocalHost:8080"), out) > 0);
    CHECK_STREQ(out, "http://localhost:8080");
    CHECK(origin_normalize(S("https://Dash.Example:443"), out) > 0);
    CHECK_STREQ(out, "https://dash.example");
    CHECK(origin_normalize(S("http://dash.example:80"), out) > 0);
    CHECK_STREQ(out, "http://dash.example");
    CHECK(origin_normalize(S("http://[::1]:8080"), out) > 0);
    CHECK_STREQ(out, "http://[::1]:8080");
    CHECK(origin_normalize(S("http://[0:0:0:0:0:0:0:1]"), out) > 0);
    CHECK(origin_normalize(S("null"), out) == 4);
    /* not origins */
    CHECK(origin_normalize(S("http://evil.example/?http://localhost:8080"), out) < 0);
    CHECK(origin_normalize(S("http://user@localhost:8080"), out) < 0);
    CHECK(origin_normalize(S("ftp://localhost"), out) < 0);
    CHECK(origin_normalize(S("http://localhost:0"), out) < 0);
    CHECK(origin_normalize(S("http://localhost:65536"), out) < 0);
    CHECK(origin_normalize(S("http://localhost:"), out) < 0);
    CHECK(origin_normalize(S("http://"), out) < 0);
    CHECK(origin_normalize(S("http://[::1"), out) < 0);
    CHECK(origin_normalize(S("http://[zz::1]"), out) < 0);
    CHECK(origin_normalize(S("http://a b"), out) < 0);
    CHECK(origin_normalize(S("http://localhost:8080, http://evil.example"), out) < 0);
    char big[8192];
    memcpy(big, "http://", 7);
    memset(big + 7, 'a', sizeof big - 7);
    CHECK(origin_normalize(big, sizeof big, out) < 0);
}

static void test_origin(void)
{
    origin_policy_t *p = origin_policy_new();
    const char *host = "localhost:8080";
    size_t hl = strlen(host);
    /* answered 403 */
    CHECK(!origin_ok(p, S("https://evil.example"), host, hl, false));
    CHECK(!origin_ok(p, S("http://localhost:8080.evil.example"), host, hl, false));
    CHECK(!origin_ok(p, S("http://evil.example/?http://localhost:8080"), host, hl, false));
    CHECK(!origin_ok(p, S("null"), host, hl, false));
    CHECK(!origin_ok(p, S("http://localhost:8081"), host, hl, false));
    CHECK(!origin_ok(p, S("https://localhost:8080"), host, hl, false));
    CHECK(!origin_ok(p, S("http://localhost:8080, http://localhost:8080"), host, hl, false));
    /* its own origin, whatever the case; no Origin at all */
    CHECK(origin_ok(p, S("http://LOCALHOST:8080"), host, hl, false));
    CHECK(origin_ok(p, NULL, 0, host, hl, false));
    CHECK(origin_ok(p, S("https://localhost:8080"), host, hl, true));
    CHECK(!origin_ok(p, S("http://localhost:8080"), host, hl, true));
    CHECK(origin_ok(p, S("http://127.0.0.1"), S("127.0.0.1:80"), false));
    CHECK(!origin_ok(p, S("http://localhost:8080"), NULL, 0, false));
    /* listed origins */
    char err[128];
    CHECK(origin_allow_origin(p, S("https://Dash.Example"), err, sizeof err) == 0);
    CHECK(origin_ok(p, S("https://dash.example:443"), host, hl, false));
    CHECK(!origin_ok(p, S("http://dash.example"), host, hl, false));
    CHECK(origin_allow_origin(p, S("null"), err, sizeof err) == 0);
    CHECK(origin_ok(p, S("null"), host, hl, false));
    CHECK(origin_allow_origin(p, S("dash.example"), err, sizeof err) < 0);
    CHECK(strstr(err, "not an origin") != NULL);
    CHECK(!origin_any_origin(p));
    CHECK(origin_allow_origin(p, S("*"), err, sizeof err) == 0);
    CHECK(origin_any_origin(p) && origin_ok(p, S("https://evil.example"), host, hl, false));
    origin_policy_destroy(&p);
    CHECK(p == NULL);
}

static void test_host(void)
{
    origin_policy_t *p = origin_policy_new();
    CHECK(origin_host_ok(p, S("localhost:8080")));
    CHECK(origin_host_ok(p, S("LOCALHOST")));
    CHECK(origin_host_ok(p, S("app.localhost:8080")));
    CHECK(origin_host_ok(p, S("127.0.0.1:8080")));
    CHECK(origin_host_ok(p, S("[::1]:8080")));
    CHECK(origin_host_ok(p, S("10.1.2.3")));
    CHECK(origin_host_ok(p, NULL, 0));
    CHECK(!origin_host_ok(p, S("attacker.example")));
    CHECK(!origin_host_ok(p, S("attacker.example:8080")));
    CHECK(!origin_host_ok(p, S("localhost.attacker.example")));
    CHECK(!origin_host_ok(p, S("")));
    CHECK(!origin_host_ok(p, S("localhost:99999")));
    CHECK(!origin_host_ok(p, S("127.0.0.1 ")));
    char err[128];
    CHECK(origin_allow_host(p, S("Dash.Example"), err, sizeof err) == 0);
    CHECK(origin_host_ok(p, S("dash.example:8443")));
    CHECK(origin_allow_host(p, S("dash.example:80"), err, sizeof err) < 0);
    /* an allowed origin's host is an allowed Host */
    CHECK(origin_allow_origin(p, S("https://grafana.example:3000"), err, sizeof err) == 0);
    CHECK(origin_host_ok(p, S("grafana.example")));
    CHECK(origin_allow_host(p, S("*"), err, sizeof err) == 0);
    CHECK(origin_any_host(p) && origin_host_ok(p, S("attacker.example")));
    origin_policy_destroy(&p);
}

int main(void)
{
    test_normalize();
    test_origin();
    test_host();
    return CHECK_DONE();
}
