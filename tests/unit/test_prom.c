/* SPDX-License-Identifier: MIT */
/* test_prom.c - Prometheus text pieces: HELP/TYPE lines, label escaping. */
#include "check.h"
#include "prom.h"
#include <string.h>

int main(void)
{
    jbuf_t o;
    jbuf_init(&o, 1 << 16);
    prom_head(&o, "rtdash_x_total", "counter", "Things.");
    jbuf_putc(&o, '\0');
    CHECK_STREQ((const char *)jbuf_text(&o),
                "# HELP rtdash_x_total Things.\n# TYPE rtdash_x_total counter\n");
    jbuf_reset(&o);
    prom_label(&o, "a\"b\\c\nd");
    jbuf_putc(&o, '\0');
    CHECK_STREQ((const char *)jbuf_text(&o), "a\\\"b\\\\c\\nd");
    jbuf_free(&o);
    return CHECK_DONE();
}
