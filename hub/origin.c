/* SPDX-License-Identifier: MIT */
/* origin.c - Origin and Host allow-lists (see origin.h). */
#include "origin.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct origin_policy {
    char **origins; /* normalised, owned */
    size_t norigins;
    char **hosts; /* lower case, owned */
    size_t nhosts;
    bool any_origin, any_host;
};

origin_policy_t *origin_policy_new(void)
{
    return calloc(1, sizeof(origin_policy_t));
}

static void s_free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void origin_policy_destroy(origin_policy_t **pp)
{
    if (!pp || !*pp)
        return;
    s_free_list((*pp)->origins, (*pp)->norigins);
    s_free_list((*pp)->hosts, (*pp)->nhosts);
    free(*pp);
    *pp = NULL;
}

static int s_push(char ***v, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*v)[i], s))
            return 0;
    char **nv = realloc(*v, (*n + 1) * sizeof(**v));
    if (!nv)
        return -1;
    *v = nv;
    if (!(nv[*n] = strdup(s)))
        return -1;
    (*n)++;
    return 0;
}

static char s_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool s_is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static bool s_is_v6_char(char c)
{
    return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9') || c == ':' || c == '.';
}

/* Parse "host[:port]" at s[0..len): host (lower case; "[v6]" kept with its
 * brackets) into out, port into *port (0 = absent). -1 if malformed. */
static int s_host_port(const char *s, size_t len, char *out, unsigned *port)
{
    size_t i = 0, o = 0;
    *port = 0;
    if (len == 0)
        return -1;
    if (s[0] == '[') {
        out[o++] = '[';
        for (i = 1; i < len && s[i] != ']'; i++) {
            char c = s_lower(s[i]);
            if (!s_is_v6_char(c) || o >= ORIGIN_MAX - 1)
                return -1;
            out[o++] = c;
        }
        if (i >= len || o == 1)
            return -1;
        out[o++] = ']';
        i++;
        char tmp[ORIGIN_MAX + 1];
        memcpy(tmp, out + 1, o - 2);
        tmp[o - 2] = '\0';
        struct in6_addr a6;
        if (inet_pton(AF_INET6, tmp, &a6) != 1)
            return -1;
    } else {
        for (; i < len && s[i] != ':'; i++) {
            char c = s_lower(s[i]);
            if (!s_is_name_char(c) || o >= ORIGIN_MAX)
                return -1;
            out[o++] = c;
        }
        if (o == 0)
            return -1;
    }
    if (i < len) {
        if (s[i] != ':' || i + 1 == len || len - i - 1 > 5)
            return -1;
        unsigned v = 0;
        for (i++; i < len; i++) {
            if (s[i] < '0' || s[i] > '9')
                return -1;
            v = v * 10 + (unsigned)(s[i] - '0');
        }
        if (v == 0 || v > 65535)
            return -1;
        *port = v;
    }
    out[o] = '\0';
    return (int)o;
}

int origin_split_host(const char *s, size_t len, char *out, unsigned *port)
{
    return s_host_port(s, len, out, port);
}

int origin_normalize(const char *s, size_t len, char *out)
{
    if (len == 4 && !strncmp(s, "null", 4)) {
        memcpy(out, "null", 5);
        return 4;
    }
    const char *scheme;
    size_t skip;
    if (len >= 7 && !strncasecmp(s, "http://", 7)) {
        scheme = "http";
        skip = 7;
    } else if (len >= 8 && !strncasecmp(s, "https://", 8)) {
        scheme = "https";
        skip = 8;
    } else {
        return -1;
    }
    char host[ORIGIN_MAX + 1];
    unsigned port;
    int hl = s_host_port(s + skip, len - skip, host, &port);
    if (hl < 0)
        return -1;
    unsigned def = scheme[4] == 's' ? 443 : 80;
    int n = port && port != def ? snprintf(out, ORIGIN_MAX + 1, "%s://%s:%u", scheme, host, port)
                                : snprintf(out, ORIGIN_MAX + 1, "%s://%s", scheme, host);
    return n > ORIGIN_MAX ? -1 : n;
}

int origin_allow_origin(origin_policy_t *p, const char *s, size_t len, char *err, size_t errlen)
{
    if (len == 1 && s[0] == '*') {
        p->any_origin = true;
        return 0;
    }
    char norm[ORIGIN_MAX + 1];
    int n = origin_normalize(s, len, norm);
    if (n < 0) {
        snprintf(err, errlen, "not an origin (scheme://host[:port], \"null\" or \"*\"): %.*s",
                 (int)(len > 80 ? 80 : len), s);
        return -1;
    }
    if (s_push(&p->origins, &p->norigins, norm) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (n == 4)
        return 0; /* "null" has no host */
    const char *h = strstr(norm, "://") + 3;
    char host[ORIGIN_MAX + 1];
    unsigned port;
    if (s_host_port(h, strlen(h), host, &port) < 0 || s_push(&p->hosts, &p->nhosts, host) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int origin_allow_host(origin_policy_t *p, const char *s, size_t len, char *err, size_t errlen)
{
    if (len == 1 && s[0] == '*') {
        p->any_host = true;
        return 0;
    }
    char host[ORIGIN_MAX + 1];
    unsigned port;
    if (s_host_port(s, len, host, &port) < 0 || port) {
        snprintf(err, errlen, "not a host name (no port): %.*s", (int)(len > 80 ? 80 : len), s);
        return -1;
    }
    if (s_push(&p->hosts, &p->nhosts, host) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

bool origin_any_origin(const origin_policy_t *p)
{
    return p->any_origin;
}

bool origin_any_host(const origin_policy_t *p)
{
    return p->any_host;
}

/* localhost, *.localhost (RFC 6761), or an IP literal. */
static bool s_local_or_ip(const char *host)
{
    size_t n = strlen(host);
    if (!strcmp(host, "localhost") || (n > 10 && !strcmp(host + n - 10, ".localhost")))
        return true;
    struct in_addr a4;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return true;
    return host[0] == '['; /* s_host_port checked it with inet_pton */
}

bool origin_host_ok(const origin_policy_t *p, const char *s, size_t len)
{
    if (!s)
        return true;
    char host[ORIGIN_MAX + 1];
    unsigned port;
    if (s_host_port(s, len, host, &port) < 0)
        return false;
    if (p->any_host || s_local_or_ip(host))
        return true;
    for (size_t i = 0; i < p->nhosts; i++)
        if (!strcmp(p->hosts[i], host))
            return true;
    return false;
}

bool origin_ok(const origin_policy_t *p, const char *origin, size_t olen, const char *host,
               size_t hlen, bool tls)
{
    if (!origin)
        return true;
    if (p->any_origin)
        return true;
    char norm[ORIGIN_MAX + 1];
    if (origin_normalize(origin, olen, norm) < 0)
        return false;
    for (size_t i = 0; i < p->norigins; i++)
        if (!strcmp(p->origins[i], norm))
            return true;
    /* the hub's own origin: this connection's scheme, the request's Host */
    if (!host || !strcmp(norm, "null"))
        return false;
    char self[ORIGIN_MAX + 16];
    int n = snprintf(self, sizeof self, "%s://%.*s", tls ? "https" : "http", (int)hlen, host);
    char self_norm[ORIGIN_MAX + 1];
    if (n < 0 || (size_t)n >= sizeof self || origin_normalize(self, (size_t)n, self_norm) < 0)
        return false;
    return !strcmp(self_norm, norm);
}
