/* SPDX-License-Identifier: MIT */
/* conffile.h - the line format the hub's access files share (tokens, users,
 * CURVE clients; SPEC §7): one entry per line of blank-separated words; a
 * blank line, or one that starts with "# " (or is a lone "#"), is a
 * comment; a line ending in CR LF counts as LF; a NUL byte is an error.
 * Errors say "line N: why". Pure. */
#ifndef RTDASH_CONFFILE_H
#define RTDASH_CONFFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Called for each entry line: its text [p, end) without the line's leading
 * blanks, and its number. 0, or -1 after conffile_fail. */
typedef int (*conffile_line_fn)(void *ud, const char *p, const char *end, unsigned line, char *err,
                                size_t errlen);

/* fn for every entry line of text[0..len). 0, or -1 with the reason in err. */
int conffile_parse(const char *text, size_t len, conffile_line_fn fn, void *ud, char *err,
                   size_t errlen);

/* The next word of [*p, end) into w[0..*n) (blanks skipped); false at the end. */
bool conffile_word(const char **p, const char *end, const char **w, size_t *n);

/* "line N: " (none when line is 0) and the message into err. Returns -1. */
int conffile_fail(char *err, size_t errlen, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Append a copy of w[0..n) to the array *v of *count strings. 0, or -1 if
 * out of memory (the array unchanged). */
int conffile_add_string(char ***v, uint32_t *count, const char *w, size_t n);

/* Free an array of count strings. */
void conffile_free_strings(char **v, uint32_t count);

#endif
