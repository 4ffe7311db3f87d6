/* SPDX-License-Identifier: MIT */
/* tlscheck.h - the TLS certificate and key checked before the hub starts
 * (SPEC §7): lws would only fail later, with a vaguer message, or accept a
 * key anyone on the machine can read. */
#ifndef RTDASH_TLSCHECK_H
#define RTDASH_TLSCHECK_H

#include <stddef.h>

/* 0 when cert (PEM, chain allowed) and key (PEM) can serve TLS: both
 * readable regular files, not writable by group or others, the key not
 * readable by them, the key matching the certificate. -1 with the reason
 * in err. An expired certificate passes with a warning in warn (or ""). */
int tlscheck_files(const char *cert, const char *key, char *err, size_t errlen, char *warn,
                   size_t warnlen);

#endif
