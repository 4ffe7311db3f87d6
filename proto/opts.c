/* SPDX-License-Identifier: MIT */
/* opts.c - settings from a table: defaults, RTDASH_* environment, flags, --help.
 * Allocates nothing: string values point into argv, the environment or the
 * table. Errors are one line on stderr, "PROG: what is wrong", and the parse
 * stops at the first one. Rules beyond opts.h (see PROTOCOL.md, Decisions):
 *  - an empty environment variable counts as unset;
 *  - a value that starts with "--" is never taken as the value of the flag
 *    before it ("--host --port 1" is a missing value); use --host=--x;
 *  - a boolean takes a value only as --name=VALUE; --no-name sets it to 0;
 *  - list values are split on ',' from flags as well as from the
 *    environment, except a flag's value of an OPT_LIST_WHOLE list, which is
 *    one item; the first list flag on the command line replaces the
 *    environment's (or default's) values, later ones append;
 *  - OPT_INT with min == max == 0 has no range check;
 *  - an OPT_ENUM word matches without regard to case; its error line and
 *    --help name the allowed words (aliases left out);
 *  - parsing stops at the first positional argument (or after "--").
 * --help and --version are looked for first, so they work even when another
 * setting is wrong. */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* strcasecmp */
#endif
#include "opts.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef RTDASH_VERSION
#define RTDASH_VERSION "unknown"
#endif

/* Longest environment variable name we build ("RTDASH_" + name). */
#define OPTS_ENV_MAX 96

static bool s_starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static const char *s_basename(int argc, char **argv)
{
    if (argc < 1 || !argv || !argv[0] || !*argv[0])
        return "rtdash";
    const char *slash = strrchr(argv[0], '/');
    return slash && slash[1] ? slash + 1 : argv[0];
}

/* "interval-ms" -> "RTDASH_INTERVAL_MS". Returns 0, or -1 if it does not fit. */
static int s_env_name(const char *name, char *buf, size_t size)
{
    static const char prefix[] = "RTDASH_";
    size_t plen = sizeof prefix - 1;
    size_t nlen = strlen(name);
    if (plen + nlen + 1 > size)
        return -1;
    memcpy(buf, prefix, plen);
    for (size_t i = 0; i < nlen; i++) {
        char c = name[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        else if (c == '-')
            c = '_';
        buf[plen + i] = c;
    }
    buf[plen + nlen] = '\0';
    return 0;
}

static const opt_t *s_find(const opt_t *table, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        if (strlen(table[i].name) == len && memcmp(table[i].name, name, len) == 0)
            return &table[i];
    }
    return NULL;
}

static bool s_has_range(const opt_t *o)
{
    return !(o->min == 0 && o->max == 0);
}

/* Parse a boolean word. Returns 0 or 1, or -1 if it is not one. */
static int s_parse_bool(const char *v)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0)
            return 1;
        if (strcasecmp(v, no[i]) == 0)
            return 0;
    }
    return -1;
}

const char *opts_list_next(const char **pos, size_t *len)
{
    const char *p = *pos;
    while (*p) {
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        const char *a = p, *b = end;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        p = *end ? end + 1 : end;
        if (b > a) {
            *pos = p;
            *len = (size_t)(b - a);
            return a;
        }
    }
    *pos = p;
    *len = 0;
    return NULL;
}

/* Append the items of the ','-separated list v (opts_list_next) to the list. */
static int s_list_add(opt_list_t *list, const char *v, const char *prog, const char *where)
{
    const char *pos = v, *item;
    size_t len;
    while ((item = opts_list_next(&pos, &len)) != NULL) {
        if (list->n == OPT_LIST_MAX) {
            fprintf(stderr, "%s: %s: more than %d values\n", prog, where, OPT_LIST_MAX);
            return -1;
        }
        list->v[list->n] = item;
        list->len[list->n] = len;
        list->n++;
    }
    return 0;
}

/* The allowed words of an enum, aliases left out: "a, b or c" (for errors)
 * or "a|b|c" (for --help), cut to fit buf. */
static void s_enum_words(const opt_enum_value_t *values, bool for_help, char *buf, size_t size)
{
    size_t pos = 0, count = 0;
    buf[0] = '\0';
    for (size_t i = 0; values[i].name; i++)
        count += i == 0 || values[i].value != values[i - 1].value;
    for (size_t i = 0, k = 0; values[i].name && pos < size; i++) {
        if (i > 0 && values[i].value == values[i - 1].value)
            continue; /* an alias */
        const char *sep = k == 0 ? "" : for_help ? "|" : k + 1 == count ? " or " : ", ";
        int w = snprintf(buf + pos, size - pos, "%s%s", sep, values[i].name);
        pos = w < 0 ? size : pos + (size_t)w;
        k++;
    }
}

/* Store v (NUL-terminated) into o's variable. `where` names the source for
 * messages ("--port", "RTDASH_PORT", "default of --port"). */
static int s_set(const opt_t *o, const char *v, const char *prog, const char *where)
{
    switch (o->type) {
    case OPT_INT: {
        char *end = NULL;
        errno = 0;
        long x = strtol(v, &end, 10);
        bool digits = v[0] == '-' || v[0] == '+' ? (v[1] >= '0' && v[1] <= '9')
                                                 : (v[0] >= '0' && v[0] <= '9');
        if (!digits || *end != '\0') {
            fprintf(stderr, "%s: %s: '%s' is not a whole number\n", prog, where, v);
            return -1;
        }
        if (errno == ERANGE || (s_has_range(o) && (x < o->min || x > o->max))) {
            if (s_has_range(o))
                fprintf(stderr, "%s: %s: %s is out of range (%ld..%ld)\n", prog, where, v, o->min,
                        o->max);
            else
                fprintf(stderr, "%s: %s: %s is out of range\n", prog, where, v);
            return -1;
        }
        *(long *)o->ptr = x;
        return 0;
    }
    case OPT_STR:
        *(const char **)o->ptr = v;
        return 0;
    case OPT_BOOL: {
        int b = s_parse_bool(v);
        if (b < 0) {
            fprintf(stderr,
                    "%s: %s: '%s' is not a boolean (use 1/0, true/false, yes/no or on/off)\n", prog,
                    where, v);
            return -1;
        }
        *(int *)o->ptr = b;
        return 0;
    }
    case OPT_LIST:
        return s_list_add((opt_list_t *)o->ptr, v, prog, where);
    case OPT_ENUM: {
        opt_enum_t *e = (opt_enum_t *)o->ptr;
        assert(e->values && e->values[0].name);
        for (size_t i = 0; e->values[i].name; i++) {
            if (strcasecmp(v, e->values[i].name) == 0) {
                e->value = e->values[i].value;
                e->name = e->values[i].name;
                return 0;
            }
        }
        char words[512];
        s_enum_words(e->values, false, words, sizeof words);
        fprintf(stderr, "%s: %s: '%s' is not %s\n", prog, where, v, words);
        return -1;
    }
    }
    return -1;
}

static int s_set_default(const opt_t *o, const char *prog)
{
    switch (o->type) {
    case OPT_INT:
        *(long *)o->ptr = 0;
        break;
    case OPT_STR:
        *(const char **)o->ptr = NULL;
        break;
    case OPT_BOOL:
        *(int *)o->ptr = 0;
        break;
    case OPT_LIST:
        ((opt_list_t *)o->ptr)->n = 0;
        break;
    case OPT_ENUM:
        ((opt_enum_t *)o->ptr)->value = 0;
        ((opt_enum_t *)o->ptr)->name = NULL;
        break;
    }
    if (!o->def)
        return 0;
    char where[160];
    snprintf(where, sizeof where, "default of --%s", o->name);
    return s_set(o, o->def, prog, where);
}

/* True if the flag for list option o already appeared in argv[1..i). Values
 * never start with "--", so every such argument before i is a flag. */
static bool s_list_seen_before(const opt_t *o, int i, char **argv)
{
    size_t len = strlen(o->name);
    for (int j = 1; j < i; j++) {
        const char *a = argv[j];
        if (s_starts_with(a, "--") && strncmp(a + 2, o->name, len) == 0 &&
            (a[2 + len] == '\0' || a[2 + len] == '='))
            return true;
    }
    return false;
}

/* Look for --help / -h / --version among the flags, skipping flag values the
 * same way the parse does. Returns 1 if one was handled, else 0. */
static int s_help_or_version(const opt_t *table, size_t n, int argc, char **argv, const char *usage,
                             const char *prog)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            opts_print_help(stdout, table, n, prog, usage);
            fflush(stdout);
            return 1;
        }
        if (strcmp(a, "--version") == 0) {
            printf("%s %s\n", prog, RTDASH_VERSION);
            fflush(stdout);
            return 1;
        }
        if (strcmp(a, "--") == 0 || !s_starts_with(a, "--"))
            return 0;
        if (!strchr(a, '=')) {
            const opt_t *o = s_find(table, n, a + 2, strlen(a + 2));
            if (o && o->type != OPT_BOOL && i + 1 < argc && !s_starts_with(argv[i + 1], "--"))
                i++;
        }
    }
    return 0;
}

int opts_parse(const opt_t *table, size_t n, int argc, char **argv, const char *usage,
               int *first_positional)
{
    const char *prog = s_basename(argc, argv);
    if (first_positional)
        *first_positional = argc;

    if (s_help_or_version(table, n, argc, argv, usage, prog))
        return 1;

    for (size_t k = 0; k < n; k++) {
        assert(table[k].name && table[k].ptr);
        if (s_set_default(&table[k], prog) != 0)
            return -1;
    }

    for (size_t k = 0; k < n; k++) {
        char env[OPTS_ENV_MAX];
        if (s_env_name(table[k].name, env, sizeof env) != 0) {
            fprintf(stderr, "%s: setting name too long: %s\n", prog, table[k].name);
            return -1;
        }
        const char *v = getenv(env);
        if (!v || !*v)
            continue;
        if (table[k].type == OPT_LIST)
            ((opt_list_t *)table[k].ptr)->n = 0;
        if (s_set(&table[k], v, prog, env) != 0)
            return -1;
    }

    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (!s_starts_with(a, "--"))
            break;
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        char where[160];
        snprintf(where, sizeof where, "--%.*s", (int)nlen, name);

        int flag_at = i;
        const opt_t *o = s_find(table, n, name, nlen);
        if (!o && nlen > 3 && strncmp(name, "no-", 3) == 0) {
            const opt_t *neg = s_find(table, n, name + 3, nlen - 3);
            if (neg && neg->type == OPT_BOOL) {
                if (eq) {
                    fprintf(stderr, "%s: %s takes no value\n", prog, where);
                    return -1;
                }
                *(int *)neg->ptr = 0;
                continue;
            }
        }
        if (!o) {
            fprintf(stderr, "%s: unknown flag %s (see --help)\n", prog, where);
            return -1;
        }

        const char *v;
        if (eq) {
            v = eq + 1;
        } else if (o->type == OPT_BOOL) {
            v = "1";
        } else {
            if (i + 1 >= argc || s_starts_with(argv[i + 1], "--")) {
                fprintf(stderr, "%s: %s needs a value\n", prog, where);
                return -1;
            }
            v = argv[++i];
        }
        if (o->type == OPT_LIST && !s_list_seen_before(o, flag_at, argv))
            ((opt_list_t *)o->ptr)->n = 0;
        if (o->type == OPT_LIST && o->min == OPT_LIST_WHOLE) {
            opt_list_t *list = (opt_list_t *)o->ptr;
            if (list->n == OPT_LIST_MAX) {
                fprintf(stderr, "%s: %s: more than %d values\n", prog, where, OPT_LIST_MAX);
                return -1;
            }
            list->v[list->n] = v;
            list->len[list->n++] = strlen(v);
        } else if (s_set(o, v, prog, where) != 0) {
            return -1;
        }
    }

    if (i < argc) {
        if (!first_positional) {
            fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n", prog, argv[i]);
            return -1;
        }
        *first_positional = i;
    }
    return 0;
}

static const char *s_placeholder(opt_type_t type)
{
    switch (type) {
    case OPT_INT:
        return " N";
    case OPT_STR:
        return " TEXT";
    case OPT_LIST:
        return " A,B,...";
    case OPT_ENUM:
        return " WORD";
    case OPT_BOOL:
        return "";
    }
    return "";
}

/* The default as shown by --help. */
static const char *s_default_text(const opt_t *o)
{
    if (o->type == OPT_BOOL) {
        int b = o->def ? s_parse_bool(o->def) : 0;
        return b == 1 ? "true" : b == 0 ? "false" : o->def;
    }
    if (!o->def)
        return o->type == OPT_INT ? "0" : o->type == OPT_LIST ? "(none)" : "(unset)";
    if (!*o->def)
        return "\"\"";
    return o->def;
}

void opts_print_help(FILE *out, const opt_t *table, size_t n, const char *prog, const char *usage)
{
    if (!prog || !*prog)
        prog = "rtdash";
    if (!usage || !*usage)
        fprintf(out, "Usage: %s [options]\n", prog);
    else if (s_starts_with(usage, prog) && usage[strlen(prog)] == ' ')
        fprintf(out, "Usage: %s\n", usage);
    else
        fprintf(out, "Usage: %s %s\n", prog, usage);

    int wflag = (int)strlen("--help, -h"), wenv = 0, wdef = 0;
    for (size_t k = 0; k < n; k++) {
        char env[OPTS_ENV_MAX];
        if (s_env_name(table[k].name, env, sizeof env) != 0)
            env[0] = '\0';
        int f = (int)(2 + strlen(table[k].name) + strlen(s_placeholder(table[k].type)));
        int e = (int)strlen(env);
        int d = (int)strlen(s_default_text(&table[k]));
        wflag = f > wflag ? f : wflag;
        wenv = e > wenv ? e : wenv;
        wdef = d > wdef ? d : wdef;
    }
    if (wdef < (int)strlen("default"))
        wdef = (int)strlen("default");

    fprintf(out, "\nSettings: a flag wins over its environment variable, which wins over the "
                 "default.\n");
    fprintf(out, "  %-*s  %-*s  %-*s  %s\n", wflag, "flag", wenv, "environment", wdef, "default",
            "meaning");
    for (size_t k = 0; k < n; k++) {
        const opt_t *o = &table[k];
        char flag[160], env[OPTS_ENV_MAX];
        snprintf(flag, sizeof flag, "--%s%s", o->name, s_placeholder(o->type));
        if (s_env_name(o->name, env, sizeof env) != 0)
            env[0] = '\0';
        fprintf(out, "  %-*s  %-*s  %-*s  %s", wflag, flag, wenv, env, wdef, s_default_text(o),
                o->help ? o->help : "");
        if (o->type == OPT_INT && s_has_range(o)) {
            fprintf(out, " [%ld..%ld]", o->min, o->max);
        } else if (o->type == OPT_ENUM) {
            char words[512];
            s_enum_words(((const opt_enum_t *)o->ptr)->values, true, words, sizeof words);
            fprintf(out, " [%s]", words);
        } else if (o->type == OPT_LIST) {
            fprintf(out, " (repeatable)");
        }
        fputc('\n', out);
    }
    fprintf(out, "  %-*s  %-*s  %-*s  %s\n", wflag, "--help, -h", wenv, "", wdef, "",
            "print this help and exit");
    fprintf(out, "  %-*s  %-*s  %-*s  %s\n", wflag, "--version", wenv, "", wdef, "",
            "print the version and exit");
}

/* Append s[0..len) to buf at *pos, truncating; *pos counts every byte. */
static void s_put(char *buf, size_t size, size_t *pos, const char *s, size_t len)
{
    if (*pos < size) {
        size_t room = size - *pos;
        memcpy(buf + *pos, s, len < room ? len : room);
    }
    *pos += len;
}

static void s_puts(char *buf, size_t size, size_t *pos, const char *s)
{
    s_put(buf, size, pos, s, strlen(s));
}

size_t opts_describe(const opt_t *table, size_t n, char *buf, size_t size)
{
    size_t pos = 0;
    for (size_t k = 0; k < n; k++) {
        const opt_t *o = &table[k];
        if (k)
            s_puts(buf, size, &pos, " ");
        s_puts(buf, size, &pos, o->name);
        s_puts(buf, size, &pos, "=");
        switch (o->type) {
        case OPT_INT: {
            char num[32];
            snprintf(num, sizeof num, "%ld", *(const long *)o->ptr);
            s_puts(buf, size, &pos, num);
            break;
        }
        case OPT_STR:
        case OPT_ENUM: {
            const char *s = o->type == OPT_STR ? *(const char *const *)o->ptr
                                               : ((const opt_enum_t *)o->ptr)->name;
            s_puts(buf, size, &pos, s ? s : "(unset)");
            break;
        }
        case OPT_BOOL:
            s_puts(buf, size, &pos, *(const int *)o->ptr ? "true" : "false");
            break;
        case OPT_LIST: {
            const opt_list_t *l = (const opt_list_t *)o->ptr;
            for (size_t j = 0; j < l->n; j++) {
                if (j)
                    s_puts(buf, size, &pos, ",");
                s_put(buf, size, &pos, l->v[j], l->len[j]);
            }
            break;
        }
        }
    }
    if (size)
        buf[pos < size ? pos : size - 1] = '\0';
    return pos;
}
