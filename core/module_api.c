/* SPDX-License-Identifier: MIT */
/* module_api.c: the services the core offers to modules (module.h): declared
 * options, secret supply, logging and problems, probes. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_int.h"
#include "internal.h"

const char *credstack_module_name(const credstack_module *mod)
{
    return mod ? mod->line->module : NULL;
}

const char *credstack_module_config_path(const credstack_module *mod)
{
    return mod ? cs_config_path(mod->h->cfg) : NULL;
}

unsigned credstack_module_option_line(credstack_module *mod,
                                      const char *section, const char *name)
{
    if (mod == NULL || name == NULL)
        return 0;
    if (section == NULL)
        return mod->line->lineno;
    return cs_config_line(mod->h->cfg, section, name);
}

/* Keep a string the core made for a module until the handle closes. */
static const char *own(credstack_handle *h, char *s)
{
    cs_owned *o;

    if (s == NULL)
        return NULL;
    o = calloc(1, sizeof(*o));
    if (o == NULL) {
        free(s);
        return NULL;
    }
    o->s = s;
    o->next = h->owned;
    h->owned = o;
    return s;
}

static int type_fits(credstack_option_type have, int want)
{
    switch (want) {
    case CREDSTACK_OPTION_STRING:
        return have == CREDSTACK_OPTION_STRING ||
               have == CREDSTACK_OPTION_PATH ||
               have == CREDSTACK_OPTION_PRIVATE_KEY ||
               have == CREDSTACK_OPTION_KNOWN_HOSTS ||
               have == CREDSTACK_OPTION_ENUM;
    case CREDSTACK_OPTION_INT:
        return have == CREDSTACK_OPTION_INT || have == CREDSTACK_OPTION_PORT;
    default:
        return (int)have == want;
    }
}

/*
 * The declared option's text value: the stack line's argument, a supplied
 * value, the configuration's, or the default.  *decl_out is the
 * declaration.  NOTFOUND when absent with no default.
 */
static int option_text(credstack_module *mod, const char *section,
                       const char *name, int want, const char **value_out,
                       unsigned *line_out,
                       const struct credstack_option **decl_out)
{
    const struct credstack_option *o = NULL;
    int ret;

    *value_out = NULL;
    *line_out = 0;
    if (mod == NULL || name == NULL)
        return CREDSTACK_ERR_INVALID;
    o = cs_option_decl(mod, section, name);
    if (o == NULL || !type_fits(o->type, want)) {
        cs_problem(mod->h,
                   "%s:%u: module %s reads option %s.%s, which it did not "
                   "declare%s (a bug in the module)",
                   mod->line->file, mod->line->lineno, mod->line->module,
                   section ? section : "(argument)", name,
                   o ? " with that type" : "");
        return CREDSTACK_ERR_INVALID;
    }
    *decl_out = o;
    if (section == NULL) {
        *value_out = cs_line_arg(mod->line, name);
        *line_out = 0;
        ret = *value_out ? CREDSTACK_OK : CREDSTACK_ERR_NOTFOUND;
    } else {
        ret = cs_option_value(mod->h, section, name, value_out, line_out);
        if (ret == CREDSTACK_OK && **value_out == '\0' &&
            o->type != CREDSTACK_OPTION_STRING)
            ret = CREDSTACK_ERR_NOTFOUND;
    }
    if (ret == CREDSTACK_ERR_NOTFOUND && o->def != NULL) {
        *value_out = o->def;
        *line_out = 0;
        ret = CREDSTACK_OK;
    }
    if (ret == CREDSTACK_ERR_NOTFOUND)
        *value_out = NULL;
    return ret;
}

/* Parse a typed option; a value that does not parse is a problem. */
static int option_num(credstack_module *mod, const char *section,
                      const char *name, int want, long *num_out)
{
    const struct credstack_option *o = NULL;
    const char *v = NULL;
    unsigned line = 0;
    char err[CS_ERRLEN];
    int ret = option_text(mod, section, name, want, &v, &line, &o);

    *num_out = 0;
    if (ret != CREDSTACK_OK)
        return ret;
    ret = cs_option_parse(mod->h, o, section ? section : mod->line->module, v,
                          line, num_out, err, sizeof(err));
    if (ret != CREDSTACK_OK)
        cs_problem(mod->h, "%s", err);
    return ret;
}

int credstack_module_option_string(credstack_module *mod, const char *section,
                                   const char *name, const char **value_out)
{
    const struct credstack_option *o = NULL;
    unsigned line = 0;
    int ret;

    if (value_out == NULL)
        return CREDSTACK_ERR_INVALID;
    ret = option_text(mod, section, name, CREDSTACK_OPTION_STRING, value_out,
                      &line, &o);
    if (ret == CREDSTACK_OK && o->type == CREDSTACK_OPTION_PATH) {
        *value_out =
            own(mod->h,
                cs_path_relative_to(cs_config_path(mod->h->cfg), *value_out));
        if (*value_out == NULL)
            ret = CREDSTACK_ERR_NOMEM;
    }
    return ret;
}

int credstack_module_option_bool(credstack_module *mod, const char *section,
                                 const char *name, int *value_out)
{
    long n = 0;
    int ret;

    if (value_out == NULL)
        return CREDSTACK_ERR_INVALID;
    ret = option_num(mod, section, name, CREDSTACK_OPTION_BOOL, &n);
    *value_out = (int)n;
    return ret;
}

int credstack_module_option_int(credstack_module *mod, const char *section,
                                const char *name, long *value_out)
{
    if (value_out == NULL)
        return CREDSTACK_ERR_INVALID;
    return option_num(mod, section, name, CREDSTACK_OPTION_INT, value_out);
}

int credstack_module_option_enum(credstack_module *mod, const char *section,
                                 const char *name, int *index_out)
{
    long n = -1;
    int ret;

    if (index_out == NULL)
        return CREDSTACK_ERR_INVALID;
    ret = option_num(mod, section, name, CREDSTACK_OPTION_ENUM, &n);
    *index_out = ret == CREDSTACK_OK ? (int)n : -1;
    return ret;
}

/* ---- Secret supply ---- */

static cs_value *value_new(const char *section, const char *option,
                           const char *value)
{
    cs_value *v = calloc(1, sizeof(*v));

    if (v == NULL)
        return NULL;
    v->section = strdup(section);
    v->option = strdup(option);
    v->value = strdup(value);
    if (!v->section || !v->option || !v->value) {
        free(v->section);
        free(v->option);
        cs_free_secret(v->value);
        free(v);
        return NULL;
    }
    return v;
}

int credstack_module_supply(credstack_module *mod, const char *section,
                            const char *option, const char *value)
{
    cs_value *v;

    if (mod == NULL || section == NULL || option == NULL || value == NULL)
        return CREDSTACK_ERR_INVALID;
    if (mod->initialised ||
        !(mod->dso->ops->flags & CREDSTACK_MODULE_SECRET_SOURCE)) {
        cs_problem(mod->h,
                   "%s:%u: module %s supplies %s.%s outside a secret "
                   "source's init() (a bug in the module)",
                   mod->line->file, mod->line->lineno, mod->line->module,
                   section, option);
        return CREDSTACK_ERR_INVALID;
    }
    v = value_new(section, option, value);
    if (v == NULL)
        return CREDSTACK_ERR_NOMEM;
    v->next = mod->h->supplied;
    mod->h->supplied = v;
    mod->h->nsupplied++;
    return CREDSTACK_OK;
}

size_t credstack_module_supplied_count(const credstack_module *mod)
{
    return mod ? mod->h->nsupplied : 0;
}

const char *credstack_module_caller_value(const credstack_module *mod,
                                          const char *section,
                                          const char *option)
{
    if (mod == NULL || section == NULL || option == NULL)
        return NULL;
    for (const cs_value *v = mod->h->caller_values; v; v = v->next)
        if (strcmp(v->section, section) == 0 &&
            strcasecmp(v->option, option) == 0)
            return v->value;
    return NULL;
}

/* ---- Logging and problems ---- */

void credstack_module_log(credstack_module *mod, int level, const char *fmt,
                          ...)
{
    va_list ap;

    va_start(ap, fmt);
    cs_vlog(mod ? mod->h : NULL, level, mod ? mod->line->module : NULL, fmt,
            ap);
    va_end(ap);
}

void credstack_module_error(credstack_module *mod, const char *fmt, ...)
{
    char msg[CS_ERRLEN];
    va_list ap;

    if (mod == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (mod->h->probing == mod) {
        credstack_module_probe_report(mod, CREDSTACK_PROBE_FAIL, "module", NULL,
                                      "%s", msg);
        return;
    }
    cs_problem(mod->h, "%s:%u: %s: %s", mod->line->file, mod->line->lineno,
               mod->line->module, msg);
}

void credstack_module_option_error(credstack_module *mod, const char *section,
                                   const char *option, const char *fmt, ...)
{
    char msg[CS_ERRLEN];
    unsigned line;
    va_list ap;

    if (mod == NULL || option == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (section == NULL) {
        cs_problem(mod->h, "%s:%u: %s.%s: %s", mod->line->file,
                   mod->line->lineno, mod->line->module, option, msg);
        return;
    }
    line = cs_config_line(mod->h->cfg, section, option);
    if (line > 0)
        cs_problem(mod->h, "%s:%u: %s.%s: %s", cs_config_path(mod->h->cfg),
                   line, section, option, msg);
    else
        cs_problem(mod->h, "%s: %s.%s: %s", cs_config_path(mod->h->cfg),
                   section, option, msg);
}

int credstack_module_config_store_refs(credstack_module *mod,
                                       credstack_store_ref_fn fn, void *user)
{
    if (mod == NULL || fn == NULL)
        return CREDSTACK_ERR_INVALID;
    cs_config_store_refs(mod->h, fn, user);
    return CREDSTACK_OK;
}

void credstack_module_set_budget(credstack_module *mod, long ms)
{
    if (mod != NULL && ms > 0)
        mod->budget_ms = ms;
}
