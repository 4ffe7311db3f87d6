/* SPDX-License-Identifier: MIT */
/* capture.h - what a unit test's code wrote to a file descriptor (stderr,
 * stdout), captured through a temporary file (header-only). */
#ifndef RTDASH_TEST_CAPTURE_H
#define RTDASH_TEST_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static FILE *capture_file_;
static int capture_fd_ = -1, capture_saved_ = -1;

/* Start sending what is written to fd (1 or 2) into a temporary file. */
static inline void capture_fd_begin(int fd)
{
    fflush(stdout);
    fflush(stderr);
    capture_fd_ = fd;
    capture_file_ = tmpfile();
    capture_saved_ = dup(fd);
    dup2(fileno(capture_file_), fd);
}

/* Stop capturing; what was written (caller frees). */
static inline char *capture_end(void)
{
    fflush(stdout);
    fflush(stderr);
    dup2(capture_saved_, capture_fd_);
    close(capture_saved_);
    long n = ftell(capture_file_);
    char *text = calloc(1, (size_t)(n > 0 ? n : 0) + 1);
    rewind(capture_file_);
    size_t got = n > 0 ? fread(text, 1, (size_t)n, capture_file_) : 0;
    text[got] = '\0';
    fclose(capture_file_);
    return text;
}

/* Lines (newlines) in s. */
static inline int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

#endif
