/* SPDX-License-Identifier: MIT */
/* test_session.c - login sessions: ids, expiry, logout, bounds. */
#include "check.h"
#include "session.h"
#include <string.h>

int main(void)
{
    sessions_t *s = sessions_new(3, 1000);
    char a[SESSION_ID_LEN + 1], b[SESSION_ID_LEN + 1], c[SESSION_ID_LEN + 1], d[SESSION_ID_LEN + 1];
    CHECK(sessions_create(s, "alice", 100, a) != NULL);
    CHECK(strlen(a) == SESSION_ID_LEN && strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
                                                   "vwxyz0123456789-_") == SESSION_ID_LEN);
    CHECK(sessions_create(s, "bob", 200, b) != NULL && strcmp(a, b));
    const session_t *e = sessions_find(s, a, strlen(a), 500);
    CHECK(e && !strcmp(e->user, "alice") && e->expires_ms == 1100);
    CHECK(sessions_find(s, a, strlen(a), 1100) == NULL); /* expired */
    CHECK(sessions_find(s, a, strlen(a) - 1, 500) == NULL);
    a[0] = a[0] == 'A' ? 'B' : 'A';
    CHECK(sessions_find(s, a, strlen(a), 500) == NULL);
    /* logout */
    CHECK(sessions_end(s, b, strlen(b)));
    CHECK(!sessions_end(s, b, strlen(b)));
    CHECK(sessions_find(s, b, strlen(b), 300) == NULL);
    /* bounded: the oldest login ends */
    CHECK(sessions_create(s, "carol", 300, c) && sessions_create(s, "carol", 400, d));
    CHECK(sessions_count(s) == 3);
    char e5[SESSION_ID_LEN + 1];
    CHECK(sessions_create(s, "dave", 500, e5));
    CHECK(sessions_count(s) == 3);
    CHECK(sessions_find(s, c, strlen(c), 600) && sessions_find(s, e5, strlen(e5), 600));
    /* a removed user's sessions end */
    CHECK(sessions_end_user(s, "carol") == 2);
    CHECK(sessions_find(s, c, strlen(c), 600) == NULL &&
          sessions_find(s, d, strlen(d), 600) == NULL);
    CHECK(sessions_expire(s, 5000) == 1 && sessions_count(s) == 0);
    sessions_destroy(&s);
    CHECK(s == NULL);
    return CHECK_DONE();
}
