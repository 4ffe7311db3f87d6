/* SPDX-License-Identifier: MIT */
/* httpreq.c - credentials, Host/Origin checks and refusals for lws requests. */
#include "httpreq.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Trim blanks around s[0..*n). */
static const char *s_trim(const char *s, size_t *n)
{
    while (*n && (*s == ' ' || *s == '\t')) {
        s++;
        (*n)--;
    }
    while (*n && (s[*n - 1] == ' ' || s[*n - 1] == '\t'))
        (*n)--;
    return s;
}

/* Take token v[0..n) as the bearer unless another, different one is there. */
static int s_offer(httpreq_creds_t *c, const char *v, size_t n)
{
    if (n == 0)
        return 0; /* ?token= or "Bearer " with nothing: no token (a 401) */
    if (n > HTTPREQ_BEARER_MAX)
        return -1;
    if (c->blen && (c->blen != n || memcmp(c->bearer, v, n)))
        return -1; /* two places, two tokens */
    memcpy(c->bearer, v, n);
    c->bearer[n] = '\0';
    c->blen = n;
    return 0;
}

int httpreq_creds(struct lws *wsi, httpreq_creds_t *c)
{
    char buf[HTTPREQ_BEARER_MAX + 64];
    memset(c, 0, sizeof(*c));
    /* Sec-WebSocket-Protocol: rtdash.v1, bearer.TOKEN */
    int n = lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_PROTOCOL);
    if (n < 0)
        return -1;
    for (char *p = buf; n > 0 && *p;) {
        char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const char *w = s_trim(p, &len);
        if (len > 7 && !strncmp(w, "bearer.", 7) && s_offer(c, w + 7, len - 7) < 0)
            return -1;
        p = comma ? comma + 1 : p + strlen(p);
    }
    /* Authorization: Bearer TOKEN */
    n = lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_AUTHORIZATION);
    if (n < 0)
        return -1;
    if (n > 0) {
        size_t len = (size_t)n;
        const char *w = s_trim(buf, &len);
        bool bare = len == 6 && !strncasecmp(w, "Bearer", 6); /* "Bearer " trimmed: no token */
        if (!bare && (len < 8 || strncasecmp(w, "Bearer ", 7)))
            return -1;
        size_t tl = bare ? 0 : len - 7;
        const char *t = bare ? w : s_trim(w + 7, &tl);
        if (s_offer(c, t, tl) < 0)
            return -1;
    }
    /* ?token=TOKEN */
    const char *q = lws_get_urlarg_by_name(wsi, "token=", buf, sizeof buf);
    if (q && s_offer(c, q, strlen(q)) < 0)
        return -1;
    /* Cookie: ...; rtdash_session=ID; ... (lws's own parser matches names
     * inside other names, so this one is ours) */
    n = lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_COOKIE);
    for (char *p = buf; n > 0 && *p;) {
        char *semi = strchr(p, ';');
        size_t len = semi ? (size_t)(semi - p) : strlen(p);
        const char *w = s_trim(p, &len);
        size_t nl = sizeof(HTTPREQ_COOKIE) - 1;
        if (len > nl + 1 && !strncmp(w, HTTPREQ_COOKIE "=", nl + 1) &&
            len - nl - 1 == SESSION_ID_LEN) {
            memcpy(c->session, w + nl + 1, SESSION_ID_LEN);
            c->session[SESSION_ID_LEN] = '\0';
            c->slen = SESSION_ID_LEN;
        }
        p = semi ? semi + 1 : p + strlen(p);
    }
    return 0;
}

int httpreq_refuse(struct lws *wsi, unsigned status, const char *hname, const char *hval,
                   const char *code, const char *message)
{
    char body[320];
    int bl = snprintf(body, sizeof body, "{\"error\":\"%s\",\"message\":\"%s\"}\n", code, message);
    if (bl < 0 || (size_t)bl >= sizeof body)
        bl = (int)strlen(body);
    unsigned char buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *p = start,
                                       *end = buf + sizeof buf - 1;
    if (lws_add_http_header_status(wsi, status, &p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                     (const unsigned char *)"application/json", 16, &p, end) ||
        lws_add_http_header_content_length(wsi, (lws_filepos_t)bl, &p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                     (const unsigned char *)"no-store", 8, &p, end) ||
        (hname &&
         lws_add_http_header_by_name(wsi, (const unsigned char *)hname, (const unsigned char *)hval,
                                     (int)strlen(hval), &p, end)) ||
        lws_finalize_http_header(wsi, &p, end) || end - p < bl)
        return -1;
    memcpy(p, body, (size_t)bl);
    p += bl;
    int n = (int)(p - start);
    return lws_write(wsi, start, (size_t)n, LWS_WRITE_HTTP) == n ? 1 : -1;
}

unsigned httpreq_check_host_origin(struct lws *wsi, const origin_policy_t *pol, bool tls,
                                   const char **why)
{
    char host[512], origin[512];
    int hl = lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST);
    if (hl < 0 || (hl > 0 && !origin_host_ok(pol, host, (size_t)hl))) {
        *why = "this Host is not allowed (--allow-host)";
        return 421;
    }
    int ol = lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN);
    if (ol < 0 || (ol > 0 && !origin_ok(pol, origin, (size_t)ol, hl > 0 ? host : NULL,
                                        (size_t)(hl > 0 ? hl : 0), tls))) {
        *why = "this Origin is not allowed (--allow-origin)";
        return 403;
    }
    return 0;
}

const char *httpreq_peer(struct lws *wsi, char *buf, size_t len)
{
    if (!lws_get_peer_simple(wsi, buf, len))
        snprintf(buf, len, "?");
    return buf;
}
