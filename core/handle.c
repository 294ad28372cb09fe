/* SPDX-License-Identifier: MIT */
/* handle.c: opening a handle (configuration, stack, modules), printing its
 * stack, closing it. */
#include "autoconf.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#ifndef CREDSTACK_MODULEDIR
#define CREDSTACK_MODULEDIR "/usr/local/lib/credstack/modules"
#endif

static const char *env(const char *name)
{
#ifdef HAVE_SECURE_GETENV
    return secure_getenv(name);
#else
    return getenv(name);
#endif
}

/* log_level of the later generation ([logging]) wins over the seed's
 * ([plugin]). */
static int read_log_level(credstack_handle *h)
{
    static const char *const sections[] = {"logging", "plugin"};

    for (size_t i = 0; i < 2; i++) {
        const char *v = NULL;
        int ret = cs_config_lookup(h, NULL, sections[i], "log_level", &v);
        if (ret == CREDSTACK_ERR_NOTFOUND)
            continue;
        if (ret != CREDSTACK_OK)
            return ret;
        if (cs_log_level_parse(v, &h->log_level) != CREDSTACK_OK) {
            cs_set_error(h,
                         "%s:%u: %s.log_level: '%s' is not a log level (use "
                         "debug, info, warning, error, critical or 10..50)",
                         cs_config_path(h->cfg),
                         cs_config_line(h->cfg, sections[i], "log_level"),
                         sections[i], v);
            return CREDSTACK_ERR_CONFIG;
        }
        return CREDSTACK_OK;
    }
    return CREDSTACK_OK;
}

/*
 * [logging] destination, as the vendor SDK: stderr (SPS forwards a plugin's
 * stderr to its system log) or messages (syslog); syslog is accepted too.
 */
static int read_log_destination(credstack_handle *h)
{
    static const char *const choices[] = {"stderr", "messages", "syslog", NULL};
    const char *v = NULL;
    int which = 0;
    int ret = cs_config_lookup(h, NULL, "logging", "destination", &v);

    if (ret == CREDSTACK_ERR_NOTFOUND)
        return CREDSTACK_OK;
    if (ret != CREDSTACK_OK)
        return ret;
    ret = cs_config_parse_enum(h->cfg, "logging", "destination", v, choices,
                               &which, h->err, sizeof(h->err));
    if (ret == CREDSTACK_OK)
        h->log_stderr = which == 0;
    return ret;
}

/* A relative path in the configuration is relative to the configuration file.
 */
static char *relative_to_config(const cs_config *cfg, const char *path)
{
    char *copy = NULL, *out = NULL;
    const char *dir;

    if (path[0] == '/')
        return strdup(path);
    copy = strdup(cs_config_path(cfg));
    if (copy == NULL)
        return NULL;
    dir = dirname(copy);
    if (asprintf(&out, "%s/%s", dir, path) < 0)
        out = NULL;
    free(copy);
    return out;
}

static int choose_module_dir(credstack_handle *h)
{
    const char *v = env("CREDSTACK_MODULE_DIR");
    int ret;

    if (v == NULL || *v == '\0') {
        ret = cs_config_lookup(h, NULL, "credstack", "module_dir", &v);
        if (ret == CREDSTACK_ERR_NOTFOUND)
            v = CREDSTACK_MODULEDIR;
        else if (ret != CREDSTACK_OK)
            return ret;
    }
    h->module_dir = relative_to_config(h->cfg, v);
    return h->module_dir ? CREDSTACK_OK : CREDSTACK_ERR_NOMEM;
}

static int read_stack(credstack_handle *h, const char *stack_path)
{
    char *owned = NULL;
    const char *v = NULL;
    int ret;

    if (stack_path == NULL) {
        ret = cs_config_lookup(h, NULL, "credstack", "stack", &v);
        if (ret == CREDSTACK_ERR_NOTFOUND)
            return cs_stack_derive(h, &h->stack);
        if (ret != CREDSTACK_OK)
            return ret;
        owned = relative_to_config(h->cfg, v);
        if (owned == NULL)
            return CREDSTACK_ERR_NOMEM;
        stack_path = owned;
    }
    ret = cs_stack_parse_file(stack_path, &h->stack, h->err, sizeof(h->err));
    free(owned);
    return ret;
}

static int load_modules(credstack_handle *h)
{
    int ret;

    ret = cs_loader_init();
    if (ret != CREDSTACK_OK) {
        cs_set_error(h, "libltdl could not be initialised");
        return ret;
    }
    h->loader_up = 1;
    h->mods = calloc(h->stack.nlines, sizeof(*h->mods));
    if (h->mods == NULL)
        return CREDSTACK_ERR_NOMEM;
    for (size_t i = 0; i < h->stack.nlines; i++) {
        credstack_module *mod = &h->mods[i];
        const cs_line *l = &h->stack.lines[i];

        mod->h = h;
        mod->line = l;
        ret = cs_dso_load(h, l->module, &mod->dso);
        if (ret != CREDSTACK_OK) {
            char inner[CS_ERRLEN];
            snprintf(inner, sizeof(inner), "%s", h->err);
            cs_set_error(h, "%s:%u: %s", l->file, l->lineno, inner);
            return ret;
        }
    }
    /* Initialise only once every module loaded, so nothing half-starts. */
    for (size_t i = 0; i < h->stack.nlines; i++) {
        credstack_module *mod = &h->mods[i];

        mod->rc = CREDSTACK_ERR_MODULE;
        if (mod->dso->ops->init != NULL) {
            h->err[0] = '\0';
            ret = mod->dso->ops->init(mod, &mod->data);
            if (ret != CREDSTACK_OK) {
                if (h->err[0] == '\0')
                    cs_set_error(h, "%s (%s:%u): initialisation failed: %s",
                                 mod->line->module, mod->line->file,
                                 mod->line->lineno, credstack_strerror(ret));
                return ret > CREDSTACK_ERR_DENIED && ret < CREDSTACK_ERR_COUNT
                           ? ret
                           : CREDSTACK_ERR_MODULE;
            }
        }
        mod->initialised = 1;
    }
    return CREDSTACK_OK;
}

int credstack_open(credstack_handle **h_out, const char *config_path,
                   const char *stack_path, unsigned flags)
{
    credstack_handle *h = NULL;
    int ret;

    if (h_out == NULL)
        return CREDSTACK_ERR_INVALID;
    *h_out = NULL;
    h = calloc(1, sizeof(*h));
    if (h == NULL)
        return CREDSTACK_ERR_NOMEM;
    *h_out = h;
    h->log_level = CREDSTACK_LOG_INFO;
    h->log_stderr = (flags & CREDSTACK_OPEN_LOG_STDERR) != 0;
    if (config_path == NULL) {
        cs_set_error(h, "no configuration file given");
        return CREDSTACK_ERR_INVALID;
    }
    ret = cs_config_load_file(config_path, &h->cfg, h->err, sizeof(h->err));
    if (ret != CREDSTACK_OK)
        return ret;
    if ((ret = read_log_level(h)) != CREDSTACK_OK ||
        (ret = read_log_destination(h)) != CREDSTACK_OK)
        return ret;
    cs_config_check(h);
    if ((ret = choose_module_dir(h)) != CREDSTACK_OK)
        return ret;
    if ((ret = read_stack(h, stack_path)) != CREDSTACK_OK)
        return ret;
    if (flags & CREDSTACK_OPEN_NO_LOAD)
        return CREDSTACK_OK;
    return load_modules(h);
}

void credstack_close(credstack_handle *h)
{
    if (h == NULL)
        return;
    if (h->mods != NULL) {
        for (size_t i = h->stack.nlines; i-- > 0;) {
            credstack_module *mod = &h->mods[i];
            if (mod->initialised && mod->dso->ops->fini != NULL)
                mod->dso->ops->fini(mod->data);
        }
        free(h->mods);
    }
    cs_dso_unload_all(h);
    if (h->loader_up)
        cs_loader_exit();
    cs_stack_clear(&h->stack);
    cs_config_free(h->cfg);
    free(h->module_dir);
    credstack_wipe(h->err, sizeof(h->err));
    free(h);
}

void credstack_set_trace(credstack_handle *h, FILE *trace)
{
    if (h != NULL)
        h->trace = trace;
}

void credstack_set_log_level(credstack_handle *h, int level)
{
    if (h != NULL)
        h->log_level = level;
}

/* Quote an argument value when it needs it, so the output reads back as a stack
 * file. */
static void print_value(FILE *out, const char *v)
{
    if (*v != '\0' && strpbrk(v, " \t\"#\\[") == NULL) {
        fputs(v, out);
        return;
    }
    fputc('"', out);
    for (; *v; v++) {
        if (*v == '"' || *v == '\\')
            fputc('\\', out);
        fputc(*v, out);
    }
    fputc('"', out);
}

int credstack_print_stack(const credstack_handle *h, FILE *out)
{
    if (h == NULL || out == NULL)
        return CREDSTACK_ERR_INVALID;
    if (h->stack.derived)
        fprintf(out, "# derived from the [tpam] options of %s\n",
                cs_config_path(h->cfg));
    else if (h->stack.nlines > 0)
        fprintf(out, "# read from %s\n", h->stack.lines[0].file);
    fprintf(out, "# module directory: %s\n", h->module_dir);
    for (size_t i = 0; i < h->stack.nlines; i++) {
        const cs_line *l = &h->stack.lines[i];

        fprintf(out, "%-10s %-11s %s", l->stage, l->control, l->module);
        for (size_t a = 0; a < l->nargs; a++) {
            fprintf(out, " %s=", l->args[a].key);
            print_value(out, l->args[a].value);
        }
        fputc('\n', out);
    }
    return ferror(out) ? CREDSTACK_ERR_IO : CREDSTACK_OK;
}
