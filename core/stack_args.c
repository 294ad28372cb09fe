/* SPDX-License-Identifier: MIT */
/* stack_args.c: ${section.option} in a stack line's arguments, replaced by the
 * option's effective value once the configuration has been checked. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "internal.h"

/* The option's effective text: supplied, configured, or declared default. */
static const char *effective(credstack_handle *h,
                             const struct credstack_option *o,
                             const char *section, const char *name)
{
    const char *v = NULL;

    if (cs_option_value(h, section, name, &v, NULL) == CREDSTACK_OK &&
        !cs_value_is_store_ref(h, section, name))
        return v;
    return o->def ? o->def : "";
}

/* Expand one argument value; *out is new (free()), NULL on a problem. */
static int expand_one(credstack_handle *h, const cs_line *l, const char *in,
                      char **out)
{
    struct cs_config_buf b = {NULL, 0, 0};
    const char *p = in;

    *out = NULL;
    while (*p) {
        const char *start = strstr(p, "${");
        const char *end, *dot;
        const struct credstack_option *o;
        char section[128], name[128];

        if (start == NULL) {
            if (cs_config_buf_add(&b, p, strlen(p)) != CREDSTACK_OK)
                goto oom;
            break;
        }
        if (cs_config_buf_add(&b, p, (size_t)(start - p)) != CREDSTACK_OK)
            goto oom;
        end = strchr(start, '}');
        dot = end ? memchr(start, '.', (size_t)(end - start)) : NULL;
        if (end == NULL || dot == NULL ||
            (size_t)(dot - start - 2) >= sizeof(section) ||
            (size_t)(end - dot - 1) >= sizeof(name) || dot == start + 2 ||
            end == dot + 1) {
            cs_problem(h, "%s:%u: %s: '%s': expected ${section.option}",
                       l->file, l->lineno, l->module, in);
            cs_config_buf_wipe(&b);
            return CREDSTACK_ERR_STACK;
        }
        snprintf(section, sizeof(section), "%.*s", (int)(dot - start - 2),
                 start + 2);
        snprintf(name, sizeof(name), "%.*s", (int)(end - dot - 1), dot + 1);
        o = cs_option_any_decl(h, section, name);
        if (o == NULL || (o->flags & CREDSTACK_OPTION_SECRET)) {
            cs_problem(h, "%s:%u: %s: ${%s.%s}: %s", l->file, l->lineno,
                       l->module, section, name,
                       o ? "a secret option cannot be an argument"
                         : "no module of this stack declares that option");
            cs_config_buf_wipe(&b);
            return CREDSTACK_ERR_STACK;
        }
        p = effective(h, o, section, name);
        if (cs_config_buf_add(&b, p, strlen(p)) != CREDSTACK_OK)
            goto oom;
        p = end + 1;
    }
    if (b.p == NULL && cs_config_buf_add(&b, "", 0) != CREDSTACK_OK)
        goto oom;
    *out = strdup(b.p);
    cs_config_buf_wipe(&b);
    return *out ? CREDSTACK_OK : CREDSTACK_ERR_NOMEM;
oom:
    cs_config_buf_wipe(&b);
    return CREDSTACK_ERR_NOMEM;
}

int cs_args_expand(credstack_handle *h)
{
    int ret = CREDSTACK_OK;

    for (size_t i = 0; i < h->stack.nlines; i++) {
        cs_line *l = &h->stack.lines[i];

        for (size_t a = 0; a < l->nargs; a++) {
            char *v = NULL;
            int r;

            if (strstr(l->args[a].value, "${") == NULL)
                continue;
            r = expand_one(h, l, l->args[a].value, &v);
            if (r != CREDSTACK_OK) {
                ret = r;
                continue;
            }
            free(l->args[a].value);
            l->args[a].value = v;
        }
    }
    return ret;
}
