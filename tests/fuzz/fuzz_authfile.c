/* SPDX-License-Identifier: MIT */
/* fuzz_authfile.c - libFuzzer target for the tokens and users files
 * (hub/authdb.c). The first byte picks the file kind, the rest is the file.
 * Oracles: a file is accepted only with at least one entry; every entry
 * accepted has a role and at least one valid pattern; a viewer or editor
 * never gets a pattern the file did not name; an error names its line. */
#include "authdb.h"
#include "topic.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool users = data[0] & 1;
    size_t len = size - 1;
    char *text = malloc(len + 1); /* NUL-ended, for the oracle's string calls */
    if (!text)
        return 0;
    memcpy(text, data + 1, len);
    text[len] = '\0';
    authdb_t *db = authdb_new();
    if (!db) {
        free(text);
        return 0;
    }
    char err[256] = "";
    int n = users ? authdb_parse_users(db, text, len, err, sizeof err)
                  : authdb_parse_tokens(db, text, len, err, sizeof err);
    if (n == 0)
        abort(); /* accepted with no entry: would allow nobody, must be an error */
    if (n < 0 && !err[0])
        abort();
    if (n > 0) {
        if ((users ? authdb_nusers(db) : authdb_ntokens(db)) != (size_t)n)
            abort();
        /* every literal token of the file is found again by its text */
        const char *p = text, *end = text + len;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *le = nl ? nl : end;
            size_t wl = strcspn(p, " \t\r\n");
            if (wl > (size_t)(le - p))
                wl = (size_t)(le - p);
            if (!users && wl >= AUTHDB_TOKEN_MIN && strncmp(p, "sha256:", 7) && p[0] != '#') {
                const authent_t *e = authdb_find_token(db, p, wl);
                if (!e || e->role == ROLE_NONE || e->npatterns == 0)
                    abort();
                for (uint32_t i = 0; i < e->npatterns; i++)
                    if (!topic_pattern_is_valid(e->patterns[i], strlen(e->patterns[i])))
                        abort();
                if (e->role != ROLE_ADMIN && !strcmp(e->patterns[0], "*") &&
                    !memmem(p, (size_t)(le - p), " *", 2) && !memmem(p, (size_t)(le - p), "\t*", 2))
                    abort();
            }
            p = nl ? nl + 1 : end;
        }
    }
    authdb_destroy(&db);
    free(text);
    return 0;
}
