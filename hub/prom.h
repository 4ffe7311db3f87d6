/* SPDX-License-Identifier: MIT */
/* prom.h - pieces of the Prometheus text format (/metrics), written into a
 * jbuf. Pure: no lws. */
#ifndef RTDASH_PROM_H
#define RTDASH_PROM_H

#include "jbuf.h"

/* "# HELP name help" and "# TYPE name type" lines. */
void prom_head(jbuf_t *o, const char *name, const char *type, const char *help);

/* A label value with backslash, quote and newline escaped (not the quotes). */
void prom_label(jbuf_t *o, const char *v);

#endif
