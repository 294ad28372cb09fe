/* SPDX-License-Identifier: MIT */
/* module_api.c: the services the core offers to modules (module.h). */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config_int.h"
#include "internal.h"

const char *credstack_module_name(const credstack_module *mod)
{
    return mod ? mod->line->module : NULL;
}

const char *credstack_module_arg(const credstack_module *mod, const char *key)
{
    return (mod && key) ? cs_line_arg(mod->line, key) : NULL;
}

credstack_handle *credstack_module_handle(credstack_module *mod)
{
    return mod ? mod->h : NULL;
}

/* Per-request overrides first (secret sources), then the file. */
int cs_config_lookup(credstack_handle *h, credstack_request *req,
                     const char *section, const char *option,
                     const char **value_out)
{
    char err[CS_ERRLEN] = "";
    int ret;

    if (req != NULL) {
        for (const cs_override *o = req->overrides; o; o = o->next) {
            if (strcmp(o->section, section) == 0 &&
                strcasecmp(o->option, option) == 0) {
                *value_out = o->value;
                return CREDSTACK_OK;
            }
        }
    }
    ret = cs_config_get(h->cfg, section, option, value_out, err, sizeof(err));
    if (ret != CREDSTACK_OK && ret != CREDSTACK_ERR_NOTFOUND)
        cs_set_error(h, "%s", err);
    return ret;
}

/* A configuration error decides the run as CREDSTACK_ERR_CONFIG. */
static int config_failed(credstack_module *mod, int ret)
{
    if (ret != CREDSTACK_OK && ret != CREDSTACK_ERR_NOTFOUND) {
        mod->rc = ret;
        snprintf(mod->note, sizeof(mod->note), "%s", mod->h->err);
    }
    return ret;
}

int credstack_module_config_string(credstack_module *mod, const char *section,
                                   const char *option, const char **value_out)
{
    if (mod == NULL || section == NULL || option == NULL || value_out == NULL)
        return CREDSTACK_ERR_INVALID;
    return config_failed(
        mod, cs_config_lookup(mod->h, mod->req, section, option, value_out));
}

int credstack_module_config_bool(credstack_module *mod, const char *section,
                                 const char *option, int def, int *value_out)
{
    const char *v = NULL;
    int ret = credstack_module_config_string(mod, section, option, &v);

    if (ret == CREDSTACK_ERR_NOTFOUND) {
        *value_out = def;
        return CREDSTACK_OK;
    }
    if (ret != CREDSTACK_OK)
        return ret;
    return config_failed(mod, cs_config_parse_bool(mod->h->cfg, section, option,
                                                   v, value_out, mod->h->err,
                                                   sizeof(mod->h->err)));
}

int credstack_module_config_int(credstack_module *mod, const char *section,
                                const char *option, long def, long min,
                                long max, long *value_out)
{
    const char *v = NULL;
    int ret = credstack_module_config_string(mod, section, option, &v);

    if (ret == CREDSTACK_ERR_NOTFOUND) {
        *value_out = def;
        return CREDSTACK_OK;
    }
    if (ret != CREDSTACK_OK)
        return ret;
    return config_failed(
        mod, cs_config_parse_int(mod->h->cfg, section, option, v, min, max,
                                 value_out, mod->h->err, sizeof(mod->h->err)));
}

int credstack_module_config_enum(credstack_module *mod, const char *section,
                                 const char *option, const char *const *choices,
                                 int def_index, int *index_out)
{
    const char *v = NULL;
    int ret = credstack_module_config_string(mod, section, option, &v);

    if (ret == CREDSTACK_ERR_NOTFOUND && def_index >= 0) {
        *index_out = def_index;
        return CREDSTACK_OK;
    }
    if (ret == CREDSTACK_ERR_NOTFOUND) {
        cs_set_error(mod->h, "%s: %s.%s is required",
                     cs_config_path(mod->h->cfg), section, option);
        return config_failed(mod, CREDSTACK_ERR_CONFIG);
    }
    if (ret != CREDSTACK_OK)
        return ret;
    return config_failed(
        mod, cs_config_parse_enum(mod->h->cfg, section, option, v, choices,
                                  index_out, mod->h->err, sizeof(mod->h->err)));
}

void credstack_module_log(credstack_module *mod, int level, const char *fmt,
                          ...)
{
    va_list ap;

    va_start(ap, fmt);
    cs_vlog(mod ? mod->h : NULL, level, mod ? mod->line->module : NULL, fmt,
            ap);
    va_end(ap);
}

/* The format attribute lets clang's -Wformat-nonliteral see fmt checked at the
 * callers. */
static void verror(credstack_module *mod, int rc, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void verror(credstack_module *mod, int rc, const char *fmt, va_list ap)
{
    char msg[CS_ERRLEN];

    if (mod == NULL)
        return;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    mod->rc = (rc > CREDSTACK_ERR_DENIED && rc < CREDSTACK_ERR_COUNT)
                  ? rc
                  : CREDSTACK_ERR_MODULE;
    snprintf(mod->note, sizeof(mod->note), "%s", msg);
    cs_set_error(mod->h, "%s (%s:%u): %s", mod->line->module, mod->line->file,
                 mod->line->lineno, msg);
    cs_log(mod->h, CREDSTACK_LOG_ERROR, mod->line->module, "%s", msg);
}

void credstack_module_error(credstack_module *mod, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    verror(mod, CREDSTACK_ERR_MODULE, fmt, ap);
    va_end(ap);
}

void credstack_module_error_rc(credstack_module *mod, int rc, const char *fmt,
                               ...)
{
    va_list ap;

    va_start(ap, fmt);
    verror(mod, rc, fmt, ap);
    va_end(ap);
}

void credstack_module_note(credstack_module *mod, const char *fmt, ...)
{
    va_list ap;

    if (mod == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(mod->note, sizeof(mod->note), fmt, ap);
    va_end(ap);
    cs_log(mod->h, CREDSTACK_LOG_INFO, mod->line->module, "%s", mod->note);
}

typedef struct store_ref_visit {
    credstack_handle *h;
    credstack_store_ref_fn fn;
    void *user;
} store_ref_visit;

/*
 * A value is a store reference when it is "$" after interpolation and before
 * the "$$" rule (which the reader applies): raw "$", or "%(x)s" with x = "$".
 */
static void store_ref_visit_one(const char *section, const char *option,
                                unsigned line, void *user)
{
    store_ref_visit *v = user;
    const char *raw;
    char *value = NULL;
    char err[CS_ERRLEN];

    (void)line;
    if (strcmp(section, "DEFAULT") == 0)
        return;
    raw = cs_config_raw(v->h->cfg, section, option);
    if (raw == NULL)
        return;
    if (strcmp(raw, "$") == 0) {
        v->fn(section, option, v->user);
        return;
    }
    if (strchr(raw, '%') == NULL ||
        cs_config_interpolate(v->h->cfg, section, option, raw, &value, err,
                              sizeof(err)) != CREDSTACK_OK)
        return;
    if (strcmp(value, "$") == 0)
        v->fn(section, option, v->user);
    cs_config_free_secret(value);
}

void cs_config_store_refs(credstack_handle *h, credstack_store_ref_fn fn,
                          void *user)
{
    store_ref_visit v = {h, fn, user};

    cs_config_foreach(h->cfg, store_ref_visit_one, &v);
}

int credstack_module_config_store_refs(credstack_module *mod,
                                       credstack_store_ref_fn fn, void *user)
{
    if (mod == NULL || fn == NULL)
        return CREDSTACK_ERR_INVALID;
    cs_config_store_refs(mod->h, fn, user);
    return CREDSTACK_OK;
}
