/* SPDX-License-Identifier: MIT */
/* test_authdb.c - the tokens and users files, lookups, patterns, passwords. */
#include "authdb.h"
#include "check.h"
#include <stdlib.h>
#include <string.h>

#define S(x) x, strlen(x)

static int s_tokens(const char *text, char *err)
{
    authdb_t *db = authdb_new();
    int n = authdb_parse_tokens(db, text, strlen(text), err, 200);
    authdb_destroy(&db);
    return n;
}

static void test_tokens(void)
{
    char err[200];
    authdb_t *db = authdb_new();
    const char *text = "# machines\n"
                       "\n"
                       "grafana-0123456789abcdef viewer demo.* system.cpu\r\n"
                       "  sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 "
                       "admin\n"
                       "#\n"
                       "editor-token-0123456789 editor web.*\n";
    CHECK(authdb_parse_tokens(db, text, strlen(text), err, sizeof err) == 3);
    CHECK(authdb_ntokens(db) == 3 && authdb_nusers(db) == 0);
    const authent_t *e = authdb_find_token(db, S("grafana-0123456789abcdef"));
    CHECK(e && e->role == ROLE_VIEWER && e->npatterns == 2);
    CHECK(e && !strcmp(e->patterns[0], "demo.*") && !strcmp(e->patterns[1], "system.cpu"));
    /* sha256:HEX of "test" is 9f86d0...; but a token is 16+ characters, so
     * only its digest can match */
    unsigned char d[32];
    authdb_sha256(S("test"), d);
    e = authdb_find_digest(db, d);
    CHECK(e && e->role == ROLE_ADMIN && e->npatterns == 1 && !strcmp(e->patterns[0], "*"));
    CHECK(authdb_find_token(db, S("test")) == NULL); /* too short to be a token */
    CHECK(authdb_find_token(db, S("grafana-0123456789abcdeF")) == NULL);
    CHECK(authdb_find_token(db, S("")) == NULL);
    CHECK(authdb_find_user(db, S("grafana-0123456789abcdef")) == NULL);
    authdb_destroy(&db);
    CHECK(db == NULL);

    /* errors name the line, and no broken file allows anybody */
    CHECK(s_tokens("", err) < 0 && strstr(err, "no token"));
    CHECK(s_tokens("# only\n\n#\n", err) < 0 && strstr(err, "allows nobody"));
    CHECK(s_tokens("short viewer a\n", err) < 0 && strstr(err, "line 1: a token has 16"));
    CHECK(s_tokens("# c\ntoken-with-a-slash/0123 viewer a\n", err) < 0 && strstr(err, "line 2"));
    CHECK(s_tokens("token-0123456789abcd boss\n", err) < 0 && strstr(err, "unknown role"));
    CHECK(s_tokens("token-0123456789abcd\n", err) < 0 && strstr(err, "missing the role"));
    CHECK(s_tokens("token-0123456789abcd viewer\n", err) < 0 && strstr(err, "needs topic"));
    CHECK(s_tokens("token-0123456789abcd editor\n", err) < 0 && strstr(err, "needs topic"));
    CHECK(s_tokens("token-0123456789abcd viewer a..b\n", err) < 0 && strstr(err, "bad topic"));
    CHECK(s_tokens("token-0123456789abcd viewer a\ntoken-0123456789abcd admin\n", err) < 0 &&
          strstr(err, "line 2: the same token twice"));
    CHECK(s_tokens("sha256:12 admin\n", err) < 0);
    CHECK(
        s_tokens("sha256:zz86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 admin\n",
                 err) < 0 &&
        strstr(err, "64 hex"));
    CHECK(s_tokens("#comment-without-space viewer a\n", err) < 0);
    char nul[] = "token-0123456789abcd viewer a\0b\n";
    authdb_t *db2 = authdb_new();
    CHECK(authdb_parse_tokens(db2, nul, sizeof nul - 1, err, sizeof err) < 0);
    authdb_destroy(&db2);
}

static void test_users(void)
{
    char hash[256], err[200], line[1200];
    CHECK(authdb_hash_password(S("correct horse"), hash, sizeof hash) == 0);
    CHECK(!strncmp(hash, S("$argon2id$v=19$m=19456,t=2,p=1$")));
    CHECK(authdb_password_ok(hash, S("correct horse")));
    CHECK(!authdb_password_ok(hash, S("correct hors")));
    CHECK(!authdb_password_ok(hash, S("")));
    CHECK(!authdb_password_ok("$argon2id$garbage", S("x")));
    CHECK(!authdb_password_ok(NULL, S("x")));
    char hash2[256];
    CHECK(authdb_hash_password(S("correct horse"), hash2, sizeof hash2) == 0);
    CHECK(strcmp(hash, hash2) != 0); /* a fresh salt each time */

    snprintf(line, sizeof line, "alice admin %s\nbob viewer %s demo.* system.*\n", hash, hash2);
    authdb_t *db = authdb_new();
    CHECK(authdb_parse_users(db, line, strlen(line), err, sizeof err) == 2);
    const authent_t *a = authdb_find_user(db, S("alice")), *b = authdb_find_user(db, S("bob"));
    CHECK(a && a->role == ROLE_ADMIN && !strcmp(a->patterns[0], "*"));
    CHECK(b && b->role == ROLE_VIEWER && b->npatterns == 2);
    CHECK(b && authdb_password_ok(b->hash, S("correct horse")));
    CHECK(authdb_find_user(db, S("carol")) == NULL && authdb_find_user(db, S("ali")) == NULL);
    authdb_destroy(&db);

    db = authdb_new();
    snprintf(line, sizeof line, "alice admin %s\nalice viewer %s a\n", hash, hash);
    CHECK(authdb_parse_users(db, line, strlen(line), err, sizeof err) < 0 && strstr(err, "twice"));
    authdb_destroy(&db);
    db = authdb_new();
    CHECK(authdb_parse_users(db, S("alice admin plaintext-password\n"), err, sizeof err) < 0 &&
          strstr(err, "not an argon2id"));
    authdb_destroy(&db);
    db = authdb_new();
    snprintf(line, sizeof line, "al/ice admin %s\n", hash);
    CHECK(authdb_parse_users(db, line, strlen(line), err, sizeof err) < 0);
    authdb_destroy(&db);
    db = authdb_new();
    CHECK(authdb_parse_users(db, S("alice\n"), err, sizeof err) < 0 &&
          strstr(err, "missing the role"));
    authdb_destroy(&db);
}

static void test_patterns(void)
{
    char *pats[] = {"demo.*", "system.cpu"};
    CHECK(authdb_covers(pats, 2, S("demo.*")));
    CHECK(authdb_covers(pats, 2, S("demo.sales")));
    CHECK(authdb_covers(pats, 2, S("demo.a.*")));
    CHECK(authdb_covers(pats, 2, S("system.cpu")));
    CHECK(!authdb_covers(pats, 2, S("system.*")));
    CHECK(!authdb_covers(pats, 2, S("*")));
    CHECK(!authdb_covers(pats, 2, S("demo")));
    CHECK(!authdb_covers(pats, 0, S("demo.sales")));
    CHECK(authdb_matches(pats, 2, S("demo.x.y")));
    CHECK(!authdb_matches(pats, 2, S("system.mem")));
    char *all[] = {"*"};
    CHECK(authdb_covers(all, 1, S("*")) && authdb_matches(all, 1, S("anything")));
}

int main(void)
{
    test_tokens();
    test_users();
    test_patterns();
    return CHECK_DONE();
}
