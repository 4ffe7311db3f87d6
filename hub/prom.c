/* SPDX-License-Identifier: MIT */
/* prom.c - Prometheus text format helpers. */
#include "prom.h"

void prom_head(jbuf_t *o, const char *name, const char *type, const char *help)
{
    jbuf_puts(o, "# HELP ");
    jbuf_puts(o, name);
    jbuf_putc(o, ' ');
    jbuf_puts(o, help);
    jbuf_puts(o, "\n# TYPE ");
    jbuf_puts(o, name);
    jbuf_putc(o, ' ');
    jbuf_puts(o, type);
    jbuf_putc(o, '\n');
}

void prom_label(jbuf_t *o, const char *v)
{
    for (; *v; v++) {
        if (*v == '\n') {
            jbuf_puts(o, "\\n");
            continue;
        }
        if (*v == '\\' || *v == '"')
            jbuf_putc(o, '\\');
        jbuf_putc(o, *v);
    }
}
