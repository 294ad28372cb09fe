/* SPDX-License-Identifier: MIT */
/* stack_parse.c: reads a stack file into lines with action tables; every
 * malformed line is an error naming file:line. */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_FIELDS 64
#define MAX_LINE 4096

static int valid_name(const char *s, const char *extra)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              strchr(extra, *s) != NULL))
            return 0;
    }
    return 1;
}

/*
 * Split one line into fields: whitespace-separated, a field starting with
 * '[' runs to the matching ']', double quotes group a value (with \" and \\),
 * '#' outside quotes starts a comment.  Fields are written into buf.
 */
static int split_fields(const char *line, char *buf, char **fields,
                        size_t *nfields, char *err, size_t errlen)
{
    const char *p = line;
    char *out = buf;
    size_t n = 0;

    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '#')
            break;
        if (n == MAX_FIELDS) {
            snprintf(err, errlen, "more than %d fields", MAX_FIELDS);
            return CREDSTACK_ERR_STACK;
        }
        fields[n++] = out;
        if (*p == '[') {
            while (*p && *p != ']')
                *out++ = *p++;
            if (*p != ']') {
                snprintf(err, errlen, "control list lacks its closing ']'");
                return CREDSTACK_ERR_STACK;
            }
            *out++ = *p++;
        } else {
            int quoted = 0;
            while (*p && (quoted || (*p != ' ' && *p != '\t'))) {
                if (*p == '"') {
                    quoted = !quoted;
                    p++;
                    continue;
                }
                if (quoted && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
                    p++;
                *out++ = *p++;
            }
            if (quoted) {
                snprintf(err, errlen, "unterminated double quote");
                return CREDSTACK_ERR_STACK;
            }
        }
        *out++ = '\0';
        if (*p != '\0' && *p != ' ' && *p != '\t' && *p != '#') {
            snprintf(err, errlen, "no space after field '%s'", fields[n - 1]);
            return CREDSTACK_ERR_STACK;
        }
    }
    *nfields = n;
    return CREDSTACK_OK;
}

const char *cs_line_arg(const cs_line *line, const char *key)
{
    for (size_t i = 0; i < line->nargs; i++)
        if (strcmp(line->args[i].key, key) == 0)
            return line->args[i].value;
    return NULL;
}

static void line_clear(cs_line *l)
{
    free(l->stage);
    free(l->control);
    free(l->module);
    free(l->file);
    for (size_t i = 0; i < l->nargs; i++) {
        free(l->args[i].key);
        free(l->args[i].value);
    }
    free(l->args);
    for (size_t i = 0; i < l->nconds; i++)
        cs_cond_clear(&l->conds[i]);
    free(l->conds);
    memset(l, 0, sizeof(*l));
}

void cs_stack_clear(cs_stack *stack)
{
    for (size_t i = 0; i < stack->nlines; i++)
        line_clear(&stack->lines[i]);
    free(stack->lines);
    free(stack->path);
    free(stack->chosen_by);
    memset(stack, 0, sizeof(*stack));
}

/* A line's @if=... directive: one more condition on it. */
static int add_condition(cs_line *l, const char *text, const char *file,
                         unsigned lineno, char *err, size_t errlen)
{
    char inner[CS_ERRLEN];
    cs_cond *grown = realloc(l->conds, (l->nconds + 1) * sizeof(*grown));

    if (grown == NULL)
        return CREDSTACK_ERR_NOMEM;
    l->conds = grown;
    memset(&l->conds[l->nconds], 0, sizeof(*grown));
    if (cs_cond_parse(text, &l->conds[l->nconds], inner, sizeof(inner)) !=
        CREDSTACK_OK) {
        snprintf(err, errlen, "%s:%u: @if=%s: %s", file, lineno, text, inner);
        return CREDSTACK_ERR_STACK;
    }
    l->nconds++;
    return CREDSTACK_OK;
}

/*
 * Append one line; args are "key=value" strings, NULL-terminated.  An
 * argument "@if=..." is a condition of the line, not the module's.
 */
static int cs_stack_append(cs_stack *stack, const char *stage,
                           const char *control, const char *module,
                           const char *const *args, const char *file,
                           unsigned lineno, char *err, size_t errlen)
{
    cs_line l = {0};
    cs_line *grown = NULL;
    size_t nargs = 0;
    int ret = CREDSTACK_ERR_STACK;

    /* Stage names are the stack's own words; the core knows none of them. */
    if (!valid_name(stage, "-_")) {
        snprintf(err, errlen,
                 "%s:%u: bad stage name '%s' (lower-case letters, digits, "
                 "'-' and '_' only)",
                 file, lineno, stage);
        goto done;
    }
    if (cs_actions_from_control(control, l.actions, err, errlen) != 0) {
        char inner[CS_ERRLEN];
        snprintf(inner, sizeof(inner), "%s", err);
        snprintf(err, errlen, "%s:%u: %s", file, lineno, inner);
        goto done;
    }
    if (!valid_name(module, "-_")) {
        snprintf(err, errlen,
                 "%s:%u: bad module name '%s' (lower-case letters, digits, "
                 "'-' and '_' only)",
                 file, lineno, module);
        goto done;
    }
    while (args && args[nargs])
        nargs++;
    ret = CREDSTACK_ERR_NOMEM;
    l.stage = strdup(stage);
    l.control = strdup(control);
    l.module = strdup(module);
    l.file = strdup(file);
    l.lineno = lineno;
    l.args = calloc(nargs ? nargs : 1, sizeof(*l.args));
    if (!l.stage || !l.control || !l.module || !l.file || !l.args)
        goto done;
    for (size_t i = 0; i < nargs; i++) {
        const char *eq = strchr(args[i], '=');
        if (strncmp(args[i], "@if=", 4) == 0) {
            ret = add_condition(&l, args[i] + 4, file, lineno, err, errlen);
            if (ret != CREDSTACK_OK)
                goto done;
            continue;
        }
        if (args[i][0] == '@') {
            snprintf(err, errlen,
                     "%s:%u: unknown directive '%s' (only @if=... is known)",
                     file, lineno, args[i]);
            ret = CREDSTACK_ERR_STACK;
            goto done;
        }
        if (eq == NULL || eq == args[i]) {
            snprintf(err, errlen, "%s:%u: argument '%s' of %s is not key=value",
                     file, lineno, args[i], module);
            ret = CREDSTACK_ERR_STACK;
            goto done;
        }
        ret = CREDSTACK_ERR_NOMEM;
        cs_arg *a = &l.args[l.nargs];
        a->key = strndup(args[i], (size_t)(eq - args[i]));
        a->value = strdup(eq + 1);
        l.nargs++;
        if (!a->key || !a->value)
            goto done;
        ret = CREDSTACK_ERR_STACK;
        if (!valid_name(a->key, "_-")) {
            snprintf(err, errlen, "%s:%u: bad argument name '%s' of %s", file,
                     lineno, a->key, module);
            goto done;
        }
        for (size_t j = 0; j + 1 < l.nargs; j++) {
            if (strcmp(l.args[j].key, a->key) == 0) {
                snprintf(err, errlen, "%s:%u: argument '%s' of %s given twice",
                         file, lineno, a->key, module);
                goto done;
            }
        }
    }
    grown = realloc(stack->lines, (stack->nlines + 1) * sizeof(*grown));
    if (grown == NULL)
        goto done;
    stack->lines = grown;
    stack->lines[stack->nlines++] = l;
    memset(&l, 0, sizeof(l));
    ret = CREDSTACK_OK;
done:
    line_clear(&l);
    return ret;
}

static int parse_line(cs_stack *stack, const char *text, const char *name,
                      unsigned lineno, char *err, size_t errlen)
{
    char *buf = NULL;
    /* One more than split_fields() fills, for the NULL after the arguments. */
    char *fields[MAX_FIELDS + 1];
    size_t n = 0;
    int ret;

    buf = malloc(strlen(text) + 1);
    if (buf == NULL)
        return CREDSTACK_ERR_NOMEM;
    ret = split_fields(text, buf, fields, &n, err, errlen);
    if (ret != CREDSTACK_OK) {
        char inner[CS_ERRLEN];
        snprintf(inner, sizeof(inner), "%s", err);
        snprintf(err, errlen, "%s:%u: %s", name, lineno, inner);
        goto done;
    }
    if (n == 0)
        goto done;
    if (n < 3) {
        snprintf(err, errlen,
                 "%s:%u: expected 'stage control module [key=value ...]', "
                 "got %zu field%s",
                 name, lineno, n, n == 1 ? "" : "s");
        ret = CREDSTACK_ERR_STACK;
        goto done;
    }
    fields[n] = NULL;
    ret = cs_stack_append(stack, fields[0], fields[1], fields[2],
                          (const char *const *)&fields[3], name, lineno, err,
                          errlen);
done:
    free(buf);
    return ret;
}

int cs_stack_parse_string(const char *text, const char *name, cs_stack *stack,
                          char *err, size_t errlen)
{
    const char *p = text;
    unsigned lineno = 0;
    int ret = CREDSTACK_OK;

    while (*p && ret == CREDSTACK_OK) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *line = NULL;

        lineno++;
        if (len > MAX_LINE) {
            snprintf(err, errlen, "%s:%u: line longer than %d bytes", name,
                     lineno, MAX_LINE);
            ret = CREDSTACK_ERR_STACK;
            break;
        }
        line = strndup(p, len);
        if (line == NULL)
            return CREDSTACK_ERR_NOMEM;
        if (len && line[len - 1] == '\r')
            line[len - 1] = '\0';
        ret = parse_line(stack, line, name, lineno, err, errlen);
        free(line);
        p = nl ? nl + 1 : p + len;
    }
    if (ret == CREDSTACK_OK && stack->nlines == 0) {
        snprintf(err, errlen, "%s: the stack has no module lines", name);
        ret = CREDSTACK_ERR_STACK;
    }
    if (ret != CREDSTACK_OK)
        cs_stack_clear(stack);
    return ret;
}

int cs_stack_parse_file(const char *path, cs_stack *stack, char *err,
                        size_t errlen)
{
    FILE *f = fopen(path, "re");
    int ret;

    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open stack file: %s", path,
                 strerror(errno));
        return CREDSTACK_ERR_IO;
    }
    ret = cs_stack_parse_stream(f, path, stack, err, errlen);
    fclose(f);
    return ret;
}

int cs_stack_parse_stream(FILE *f, const char *path, cs_stack *stack, char *err,
                          size_t errlen)
{
    char *text = NULL;
    size_t len = 0, cap = 0;
    int ret = CREDSTACK_ERR_IO;

    for (;;) {
        size_t got;
        if (cap - len < 4096) {
            char *grown;
            cap = cap ? cap * 2 : 8192;
            if (cap > (1u << 20)) {
                snprintf(err, errlen, "%s: stack file larger than 1 MiB", path);
                ret = CREDSTACK_ERR_STACK;
                goto done;
            }
            grown = realloc(text, cap);
            if (grown == NULL) {
                ret = CREDSTACK_ERR_NOMEM;
                goto done;
            }
            text = grown;
        }
        got = fread(text + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        goto done;
    }
    text[len] = '\0';
    if (strlen(text) != len) {
        snprintf(err, errlen, "%s: NUL byte in stack file", path);
        ret = CREDSTACK_ERR_STACK;
        goto done;
    }
    ret = cs_stack_parse_string(text, path, stack, err, errlen);
    if (ret == CREDSTACK_OK && (stack->path = strdup(path)) == NULL)
        ret = CREDSTACK_ERR_NOMEM;
done:
    free(text);
    return ret;
}
