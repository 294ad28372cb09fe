/* SPDX-License-Identifier: MIT */
/* stack_active.c: whether a stack line is active: its @if= conditions,
 * evaluated once the modules have declared the options' types. */
#include "autoconf.h"

#include <string.h>
#include <strings.h>

#include "internal.h"

/*
 * Whether the option's value is one of the listed ones, compared as the
 * declared type says.  A listed value the type could never take is the
 * stack's mistake and is reported as such.
 */
static int matches_listed(credstack_handle *h, const cs_line *line,
                          const cs_cond *c, const struct credstack_option *o,
                          const char *value, unsigned vline, int *match)
{
    char err[CS_ERRLEN];
    long have = 0, want = 0;
    int ret;

    *match = 0;
    if (o->type == CREDSTACK_OPTION_STRING ||
        o->type == CREDSTACK_OPTION_PATH) {
        for (size_t i = 0; i < c->nvalues; i++)
            *match |= strcasecmp(value, c->values[i]) == 0;
        return CREDSTACK_OK;
    }
    ret = cs_option_parse(h, o, c->section, value, vline, &have, err,
                          sizeof(err));
    if (ret != CREDSTACK_OK)
        return ret; /* reported where the values are checked */
    for (size_t i = 0; i < c->nvalues; i++) {
        if (cs_option_parse(h, o, c->section, c->values[i], 0, &want, err,
                            sizeof(err)) != CREDSTACK_OK) {
            cs_problem(h,
                       "%s:%u: @if=%s.%s: '%s' is not a value %s.%s can "
                       "take",
                       line->file, line->lineno, c->section, c->option,
                       c->values[i], c->section, c->option);
            return CREDSTACK_ERR_STACK;
        }
        *match |= have == want;
    }
    return CREDSTACK_OK;
}

static int cond_holds(credstack_handle *h, const cs_line *line,
                      const cs_cond *c, int *holds)
{
    const struct credstack_option *o =
        cs_option_any_decl(h, c->section, c->option);
    const char *value = NULL;
    unsigned vline = 0;
    long num = 0;
    char err[CS_ERRLEN];
    int ret;

    *holds = 0;
    if (o == NULL) {
        cs_problem(h,
                   "%s:%u: @if=%s.%s: no module of this stack declares "
                   "that option",
                   line->file, line->lineno, c->section, c->option);
        return CREDSTACK_ERR_STACK;
    }
    ret = cs_option_value(h, c->section, c->option, &value, &vline);
    /* The effective value: an absent option (or a "$" no secret source
     * supplied) takes its declared default. */
    if (ret == CREDSTACK_ERR_NOTFOUND ||
        (ret == CREDSTACK_OK &&
         cs_value_is_store_ref(h, c->section, c->option))) {
        value = o->def;
        vline = 0;
        ret = CREDSTACK_OK;
    }
    if (ret != CREDSTACK_OK)
        return ret;
    if (c->nvalues > 0) {
        if (value == NULL) {
            *holds = c->negate;
            return CREDSTACK_OK;
        }
        ret = matches_listed(h, line, c, o, value, vline, holds);
    } else if (value == NULL || *value == '\0') {
        *holds = 0;
    } else if (o->type == CREDSTACK_OPTION_BOOL) {
        ret = cs_option_parse(h, o, c->section, value, vline, &num, err,
                              sizeof(err));
        *holds = num != 0;
    } else {
        *holds = 1;
    }
    if (c->negate)
        *holds = !*holds;
    return ret;
}

int cs_line_conditions_hold(credstack_handle *h, const cs_line *line,
                            int *active_out)
{
    int ret = CREDSTACK_OK;

    *active_out = 1;
    for (size_t i = 0; i < line->nconds; i++) {
        int holds = 0;
        int r = cond_holds(h, line, &line->conds[i], &holds);

        if (r != CREDSTACK_OK) {
            ret = r;
            continue;
        }
        if (!holds)
            *active_out = 0;
    }
    return ret;
}
