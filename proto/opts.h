/* SPDX-License-Identifier: MIT */
/* opts.h - one table of settings per program: flags, RTDASH_* environment, --help.
 * The same table drives parsing, validation, --help with defaults, and the
 * "effective settings" line. Precedence: default < environment < flag.
 * A setting "interval-ms" is the flag --interval-ms and the variable
 * RTDASH_INTERVAL_MS. Parsing allocates nothing: string values point into
 * argv, the environment or the table's default. */
#ifndef RTDASH_OPTS_H
#define RTDASH_OPTS_H

#include <stddef.h>
#include <stdio.h>

typedef enum {
    OPT_INT,  /* long *ptr, checked against [min, max] */
    OPT_STR,  /* const char **ptr */
    OPT_BOOL, /* int *ptr; flag alone = 1; =1/0/true/false/yes/no/on/off */
    OPT_LIST, /* opt_list_t *ptr: repeatable flag; environment value is split on ',' */
    OPT_ENUM, /* opt_enum_t *ptr: one word of its table of allowed values */
} opt_type_t;

/* An OPT_LIST whose min is OPT_LIST_WHOLE takes each flag value whole, as one
 * item (a command may contain commas); its environment value is still split
 * on ','. */
#define OPT_LIST_WHOLE 1

/* One allowed value of an OPT_ENUM setting: its word and the number it stands
 * for. An entry with the same value as the entry before it is an alias: it is
 * accepted, but --help and error messages list only the first word. */
typedef struct opt_enum_value {
    const char *name;
    int value;
} opt_enum_value_t;

/* What the ptr of an OPT_ENUM row points to. The caller sets `values` (a
 * table ended by {NULL, 0}); opts_parse() sets `value` and `name` (the
 * table's own word, so it outlives argv). Words match without regard to
 * case, as in Redis's enum configs. While the setting is unset (def NULL and
 * neither variable nor flag), name is NULL and value 0. */
typedef struct opt_enum {
    const opt_enum_value_t *values;
    int value;
    const char *name;
} opt_enum_t;

/* Values of a repeatable setting; points into argv / environment / default. */
#define OPT_LIST_MAX 32
typedef struct opt_list {
    size_t n;
    const char *v[OPT_LIST_MAX];
    size_t len[OPT_LIST_MAX]; /* length of each value (env items are not NUL-ended) */
} opt_list_t;

typedef struct opt {
    const char *name; /* "port" -> --port / RTDASH_PORT */
    opt_type_t type;
    const char *def; /* default as text, NULL = unset (string stays NULL) */
    long min, max;   /* OPT_INT: the range; OPT_LIST: min may be OPT_LIST_WHOLE */
    void *ptr;
    const char *help;
} opt_t;

/* The next item of a ','-separated list: skips empty items, trims spaces and
 * tabs around the item, and returns a pointer to it (into the list, not
 * NUL-terminated) with its length in *len; *pos moves past it. Returns NULL
 * when no item is left. Allocates nothing.
 *     const char *pos = list, *item;
 *     size_t len;
 *     while ((item = opts_list_next(&pos, &len)) != NULL)
 *         use(item, len);
 */
const char *opts_list_next(const char **pos, size_t *len);

/* Parse defaults, then the environment, then argv[1..]. Accepts "--name value"
 * and "--name=value". "--help"/"-h" prints opts_print_help() to stdout and
 * returns 1; "--version" prints the version and returns 1. An unknown flag, a
 * missing value, an out-of-range number or a word that is not among an
 * OPT_ENUM's values (the line names them) prints one clear line to stderr and
 * returns -1. Arguments after "--" or not starting with "--" are positional:
 * their index in argv is stored in *first_positional (argc when none); if
 * first_positional is NULL, a positional argument is an error.
 * `usage` is a one-line synopsis printed at the top of --help.
 * Returns 0 on success. */
int opts_parse(const opt_t *table, size_t n, int argc, char **argv, const char *usage,
               int *first_positional);

/* Print --help: the usage line, then one line per setting with flag,
 * variable, default and help text; a range [min..max] after an OPT_INT's
 * help, the allowed words [a|b|c] after an OPT_ENUM's. */
void opts_print_help(FILE *out, const opt_t *table, size_t n, const char *prog, const char *usage);

/* Write "name=value name=value ..." (the effective settings) into buf; always
 * NUL-terminated. Returns the length that would have been written. */
size_t opts_describe(const opt_t *table, size_t n, char *buf, size_t size);

#endif
