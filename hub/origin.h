/* SPDX-License-Identifier: MIT */
/* origin.h - which Origin and Host a request may carry (SPEC §7, SECURITY.md
 * S3): the defence against cross-site WebSocket hijacking (Origin) and DNS
 * rebinding (Host), which an Origin check alone cannot stop, because after a
 * rebinding the attacker's page is same-origin with the hub.
 *
 * Origins are compared exactly after normalisation: scheme and host in lower
 * case, the scheme's default port removed, IPv6 in brackets, nothing after
 * the port. A request without an Origin header (a program, not a browser)
 * passes; "null" passes only when listed; "*" allows any origin.
 * Hosts: localhost (and *.localhost), any IP literal, the names added with
 * origin_allow_host (the machine's own names, --allow-host) and the hosts of
 * the allowed origins; "*" allows any Host. The Host's port is not checked.
 * Pure: no sockets, no lws. */
#ifndef RTDASH_ORIGIN_H
#define RTDASH_ORIGIN_H

#include <stdbool.h>
#include <stddef.h>

/* Longest normalised origin or host kept (longer input is refused). */
#define ORIGIN_MAX 255

typedef struct origin_policy origin_policy_t;

/* An empty policy: the hub's own origin, local and IP-literal hosts.
 * Returns NULL if out of memory. Caller owns: origin_policy_destroy(). */
origin_policy_t *origin_policy_new(void);
void origin_policy_destroy(origin_policy_t **p);

/* Allow the origin s[0..len) ("https://dash.example", "null" or "*"), and
 * its host as a Host. Returns 0, or -1 with the reason in err. */
int origin_allow_origin(origin_policy_t *p, const char *s, size_t len, char *err, size_t errlen);

/* Allow the host name s[0..len) (no port; "*" = any Host). 0 or -1 (err). */
int origin_allow_host(origin_policy_t *p, const char *s, size_t len, char *err, size_t errlen);

/* True when "*" was given for origins (any_origin) or hosts (any_host). */
bool origin_any_origin(const origin_policy_t *p);
bool origin_any_host(const origin_policy_t *p);

/* Normalise the origin s[0..len) into out (ORIGIN_MAX + 1 bytes): "null", or
 * scheme://host[:port] with scheme http or https. Returns the length, or -1
 * when it is not such an origin (a path, userinfo, a bad port...). */
int origin_normalize(const char *s, size_t len, char *out);

/* The host of a Host header value s[0..len) ("Example.com:8080",
 * "[::1]:80") in lower case, into out (ORIGIN_MAX + 1 bytes), and its port in
 * *port (0 when absent). Returns the host's length, or -1 if malformed. */
int origin_split_host(const char *s, size_t len, char *out, unsigned *port);

/* May a request carry this Host header value? (NULL = none: yes.) */
bool origin_host_ok(const origin_policy_t *p, const char *host, size_t len);

/* May a request on a connection (TLS or not) whose Host header is host carry
 * this Origin header value? NULL origin = none: yes. An origin is allowed
 * when listed, or when it is the hub's own: the connection's scheme and the
 * request's host and port. */
bool origin_ok(const origin_policy_t *p, const char *origin, size_t olen, const char *host,
               size_t hlen, bool tls);

#endif
