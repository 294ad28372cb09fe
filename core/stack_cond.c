/* SPDX-License-Identifier: MIT */
/* stack_cond.c: a stack line's @if= conditions on configuration options,
 * parsed with the stack and evaluated once the modules have declared the
 * options' types. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

void cs_cond_clear(cs_cond *cond)
{
    free(cond->section);
    free(cond->option);
    for (size_t i = 0; i < cond->nvalues; i++)
        free(cond->values[i]);
    free(cond->values);
    memset(cond, 0, sizeof(*cond));
}

static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static int all_name_chars(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!name_char(s[i]))
            return 0;
    return 1;
}

/* "[!]section.option[=value|value...]" */
int cs_cond_parse(const char *text, cs_cond *cond, char *err, size_t errlen)
{
    const char *p = text, *dot, *eq;
    int ret = CREDSTACK_ERR_STACK;

    memset(cond, 0, sizeof(*cond));
    if (*p == '!') {
        cond->negate = 1;
        p++;
    }
    dot = strchr(p, '.');
    eq = strchr(p, '=');
    if (dot == NULL || (eq != NULL && eq < dot) ||
        !all_name_chars(p, (size_t)(dot - p)) ||
        !all_name_chars(dot + 1,
                        (size_t)((eq ? eq : dot + strlen(dot)) - (dot + 1)))) {
        snprintf(err, errlen,
                 "expected [!]section.option or section.option=value|value");
        goto done;
    }
    ret = CREDSTACK_ERR_NOMEM;
    cond->section = strndup(p, (size_t)(dot - p));
    cond->option =
        eq ? strndup(dot + 1, (size_t)(eq - dot - 1)) : strdup(dot + 1);
    if (cond->section == NULL || cond->option == NULL)
        goto done;
    for (char *o = cond->option; *o; o++)
        if (*o >= 'A' && *o <= 'Z')
            *o = (char)(*o - 'A' + 'a');
    for (const char *v = eq ? eq + 1 : NULL; v != NULL;) {
        const char *bar = strchr(v, '|');
        size_t n = bar ? (size_t)(bar - v) : strlen(v);
        char **grown;

        if (n == 0) {
            snprintf(err, errlen, "an empty value in the list");
            ret = CREDSTACK_ERR_STACK;
            goto done;
        }
        grown = realloc(cond->values, (cond->nvalues + 1) * sizeof(*grown));
        if (grown == NULL)
            goto done;
        cond->values = grown;
        if ((cond->values[cond->nvalues] = strndup(v, n)) == NULL)
            goto done;
        cond->nvalues++;
        v = bar ? bar + 1 : NULL;
    }
    return CREDSTACK_OK;
done:
    cs_cond_clear(cond);
    return ret;
}

void cs_cond_print(FILE *out, const cs_cond *cond)
{
    fprintf(out, " @if=%s%s.%s", cond->negate ? "!" : "", cond->section,
            cond->option);
    for (size_t i = 0; i < cond->nvalues; i++)
        fprintf(out, "%c%s", i == 0 ? '=' : '|', cond->values[i]);
}
