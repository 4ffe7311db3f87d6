/* procbuf.h - read a /proc file once per tick into a reused buffer, and split it.
 * A procbuf opens its file once and re-reads it from offset 0 on every call into
 * a buffer that only grows, so a steady-state tick allocates nothing. If the file
 * cannot be read (it was never there, or a read fails) or has vanished (deleted
 * or replaced: its link count dropped to 0), the descriptor is closed and the
 * path opened again, on this read or the next. The word splitter points into the
 * buffer: parsers never copy or allocate. Never logs: callers decide. */
// SPDX-License-Identifier: MIT
#ifndef RTDASH_SYSMETRICS_PROCBUF_H
#define RTDASH_SYSMETRICS_PROCBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct procbuf procbuf_t;

/* Create a reader for `path` (copied) and try to open it now; a path that
 * cannot be opened yet is not an error here: procbuf_read() retries.
 * Returns NULL only if out of memory. Caller owns the result: procbuf_destroy(). */
procbuf_t *procbuf_new(const char *path);

/* Close and free. NULL-safe; sets *p to NULL. */
void procbuf_destroy(procbuf_t **p);

/* Read the whole file. Returns its contents, NUL-terminated, with the length
 * in *len; borrowed, valid until the next procbuf_read() or procbuf_destroy().
 * Returns NULL (errno set) if the file cannot be opened or read; the descriptor
 * is then closed and the next call reopens the path. */
const char *procbuf_read(procbuf_t *p, size_t *len);

/* The path this reader was created with (borrowed). */
const char *procbuf_path(const procbuf_t *p);

/* One word of a line: a pointer into the buffer and a length (not NUL-ended). */
typedef struct procbuf_word {
    const char *s;
    size_t len;
} procbuf_word_t;

/* Split the line that starts at *pos (before end) into words separated by
 * spaces, tabs and any character of `seps` (NULL: none). At most max words are
 * stored; further words are skipped. *pos moves past the line's newline.
 * Returns the number of words stored, or -1 when *pos is at end. */
int procbuf_line(const char **pos, const char *end, const char *seps, procbuf_word_t *w, int max);

/* True if the word is exactly the string s. */
bool procbuf_word_is(const procbuf_word_t *w, const char *s);

/* Parse a word as a decimal unsigned integer / a floating point number.
 * Returns 0 and sets *out, or -1 if the whole word is not such a number
 * (the unsigned parser also rejects overflow). */
int procbuf_u64(const procbuf_word_t *w, uint64_t *out);
int procbuf_double(const procbuf_word_t *w, double *out);

#endif
