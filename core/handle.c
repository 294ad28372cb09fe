/* SPDX-License-Identifier: MIT */
/* handle.c: opening a handle (configuration, stack, modules, the check of
 * every declared option, init), printing its stack, closing it. */
#include "autoconf.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#ifndef CREDSTACK_MODULEDIR
#define CREDSTACK_MODULEDIR "/usr/local/lib/credstack/modules"
#endif

static int choose_module_dir(credstack_handle *h)
{
    const char *v = credstack_getenv("CREDSTACK_MODULE_DIR");

    if (v == NULL || *v == '\0') {
        if (cs_option_value(h, "credstack", "module_dir", &v, NULL) !=
                CREDSTACK_OK ||
            *v == '\0')
            v = CREDSTACK_MODULEDIR;
    }
    h->module_dir = cs_path_relative_to(cs_config_path(h->cfg), v);
    return h->module_dir ? CREDSTACK_OK : CREDSTACK_ERR_NOMEM;
}

/* Load every line's module; each failure is a problem naming its line. */
static int load_modules(credstack_handle *h)
{
    int ret = CREDSTACK_OK;

    if (cs_loader_init() != CREDSTACK_OK) {
        cs_problem(h, "libltdl could not be initialised");
        return CREDSTACK_ERR_MODULE;
    }
    h->loader_up = 1;
    h->mods = calloc(h->stack.nlines, sizeof(*h->mods));
    if (h->mods == NULL)
        return CREDSTACK_ERR_NOMEM;
    for (size_t i = 0; i < h->stack.nlines; i++) {
        credstack_module *mod = &h->mods[i];
        const cs_line *l = &h->stack.lines[i];
        char err[CS_ERRLEN];
        int r;

        mod->h = h;
        mod->line = l;
        r = cs_dso_load(h, l->module, &mod->dso, err, sizeof(err));
        if (r != CREDSTACK_OK) {
            cs_problem(h, "%s:%u: %s", l->file, l->lineno, err);
            ret = r == CREDSTACK_ERR_NOMEM ? r : CREDSTACK_ERR_MODULE;
        }
    }
    return ret;
}

static int is_secret_source(const credstack_module *mod)
{
    return (mod->dso->ops->flags & CREDSTACK_MODULE_SECRET_SOURCE) != 0;
}

/* Run one module's init(); a failure it did not explain gets a message. */
static int init_module(credstack_handle *h, credstack_module *mod)
{
    unsigned long before = h->problem_reports;
    int ret = CREDSTACK_OK;

    if (mod->dso->ops->init != NULL)
        ret = mod->dso->ops->init(mod, &mod->data);
    if (ret == CREDSTACK_OK) {
        mod->initialised = 1;
        return CREDSTACK_OK;
    }
    /* A module that explained itself (even in words another module used
     * already) gets no second, vaguer line. */
    if (h->problem_reports == before)
        cs_problem(h, "%s:%u: module %s: initialisation failed: %s",
                   mod->line->file, mod->line->lineno, mod->line->module,
                   credstack_strerror(ret));
    return ret > CREDSTACK_ERR_DENIED && ret < CREDSTACK_ERR_COUNT
               ? ret
               : CREDSTACK_ERR_MODULE;
}

static void set_active(credstack_handle *h, credstack_module *mod, int *ret)
{
    int r = cs_line_conditions_hold(h, mod->line, &mod->active);

    /* A condition that cannot be decided: checked as if active, so that
     * every problem of its options is reported too. */
    if (r != CREDSTACK_OK) {
        mod->active = 1;
        /* A bad option value (CONFIG) or a condition the stack got wrong. */
        if (*ret == CREDSTACK_OK)
            *ret = r;
    }
}

/*
 * Secret sources first (they supply option values), then every declared
 * option is checked, then the other active modules are initialised.  Every
 * problem is collected; the first failing step's code is returned.
 */
static int start_modules(credstack_handle *h)
{
    int ret = CREDSTACK_OK, secret_failed = 0;

    if ((ret = cs_options_check_decls(h)) != CREDSTACK_OK)
        return ret;
    for (size_t i = 0; i < h->stack.nlines; i++) {
        credstack_module *mod = &h->mods[i];
        int r;

        if (!is_secret_source(mod))
            continue;
        set_active(h, mod, &ret);
        if (!mod->active)
            continue;
        r = init_module(h, mod);
        if (r != CREDSTACK_OK) {
            secret_failed = 1;
            if (ret == CREDSTACK_OK)
                ret = r;
        }
    }
    for (size_t i = 0; i < h->stack.nlines; i++)
        if (!is_secret_source(&h->mods[i]))
            set_active(h, &h->mods[i], &ret);
    if (cs_args_expand(h) != CREDSTACK_OK && ret == CREDSTACK_OK)
        ret = CREDSTACK_ERR_STACK;
    cs_options_check_values(h, 1, secret_failed);
    cs_options_check_unknown(h);
    if (h->nproblems > 0)
        return ret != CREDSTACK_OK ? ret : CREDSTACK_ERR_CONFIG;
    for (size_t i = 0; i < h->stack.nlines; i++) {
        credstack_module *mod = &h->mods[i];
        int r;

        if (!mod->active || is_secret_source(mod))
            continue;
        r = init_module(h, mod);
        if (r != CREDSTACK_OK && ret == CREDSTACK_OK)
            ret = r;
    }
    return ret;
}

static int copy_caller_values(credstack_handle *h,
                              const struct credstack_open_args *args)
{
    for (size_t i = 0; i < args->ncaller_values; i++) {
        const credstack_value *v = &args->caller_values[i];
        cs_value *c;

        if (v->section == NULL || v->option == NULL || v->value == NULL)
            return CREDSTACK_ERR_INVALID;
        c = calloc(1, sizeof(*c));
        if (c == NULL)
            return CREDSTACK_ERR_NOMEM;
        c->next = h->caller_values;
        h->caller_values = c;
        if ((c->section = strdup(v->section)) == NULL ||
            (c->option = strdup(v->option)) == NULL ||
            (c->value = strdup(v->value)) == NULL)
            return CREDSTACK_ERR_NOMEM;
    }
    return CREDSTACK_OK;
}

static int open_with(credstack_handle *h,
                     const struct credstack_open_args *args,
                     credstack_config *given);

/* Problems in a stack that a section chose: say which line chose it. */
static void note_chosen_stack(credstack_handle *h)
{
    const char *path = h->stack.path;

    if (h->problems == NULL || h->stack.chosen_by == NULL || path == NULL)
        return;
    for (const char *p = h->problems; (p = strstr(p, path)) != NULL; p++) {
        if (p == h->problems || p[-1] == '\n') {
            cs_problem(h, "%s: the stack that %s selects", path,
                       h->stack.chosen_by);
            return;
        }
    }
}

int credstack_open_with(credstack_handle **h_out,
                        const struct credstack_open_args *args)
{
    /* Taken over whatever happens (credstack.h). */
    credstack_config *given =
        args != NULL &&
                args->size >= offsetof(struct credstack_open_args, config) +
                                  sizeof(args->config)
            ? args->config
            : NULL;
    int ret;

    if (h_out == NULL || args == NULL ||
        args->size < offsetof(struct credstack_open_args, ncaller_values) +
                         sizeof(args->ncaller_values)) {
        if (h_out != NULL)
            *h_out = NULL;
        credstack_config_free(given);
        return CREDSTACK_ERR_INVALID;
    }
    *h_out = calloc(1, sizeof(**h_out));
    if (*h_out == NULL) {
        credstack_config_free(given);
        return CREDSTACK_ERR_NOMEM;
    }
    if (args->size >=
            offsetof(struct credstack_open_args, log) + sizeof(args->log) &&
        args->log != NULL)
        cs_log_capture(args->log, 0);
    (*h_out)->opening = 1;
    ret = open_with(*h_out, args, given);
    credstack_config_free(given);
    (*h_out)->opening = 0;
    cs_log_capture(NULL, 0);
    note_chosen_stack(*h_out);
    /* Problems in file and line order, whichever check found them. */
    cs_problems_sort(*h_out);
    return ret;
}

/*
 * The configuration: the one the caller read (its stat record taken before
 * it was read), else config_path, recorded, then read.
 */
static int read_config(credstack_handle *h,
                       const struct credstack_open_args *args,
                       credstack_config *given)
{
    char err[CS_ERRLEN];
    int ret;

    if (given != NULL) {
        if (given->path == NULL) {
            cs_problem(h, "%s", given->err);
            return given->rc != CREDSTACK_OK ? given->rc : CREDSTACK_ERR_NOMEM;
        }
        if ((ret = cs_input_add_seen(h, given->path, "configuration",
                                     &given->seen, given->seen_err)) !=
            CREDSTACK_OK)
            return ret;
        if (given->rc != CREDSTACK_OK) {
            cs_problem(h, "%s", given->err);
            return given->rc;
        }
        h->cfg = given->cfg;
        given->cfg = NULL;
        return CREDSTACK_OK;
    }
    if (args->config_path == NULL) {
        cs_problem(h, "no configuration file given");
        return CREDSTACK_ERR_INVALID;
    }
    /* Recorded before it is read, as every input (inputs.c). */
    if ((ret = cs_input_add(h, args->config_path, "configuration")) !=
        CREDSTACK_OK)
        return ret;
    ret = cs_config_load_file(args->config_path, &h->cfg, err, sizeof(err));
    if (ret != CREDSTACK_OK)
        cs_problem(h, "%s", err);
    return ret;
}

/* The application's declarations, copied entry by entry (each as large as
 * both sides know). */
static int copy_app_options(credstack_handle *h,
                            const struct credstack_open_args *args)
{
    size_t n = 0, size;
    const char *base;

    if (args->size < offsetof(struct credstack_open_args, app_option_size) +
                         sizeof(args->app_option_size) ||
        args->app_options == NULL)
        return CREDSTACK_OK;
    size = args->app_option_size;
    if (size < CS_OPTION_SIZE_MIN) {
        cs_problem(h,
                   "the application's option_size %zu is smaller than a "
                   "declaration (%zu)",
                   size, (size_t)CS_OPTION_SIZE_MIN);
        return CREDSTACK_ERR_INVALID;
    }
    base = (const char *)args->app_options;
    while (((const struct credstack_option *)(const void *)(base + n * size))
               ->name != NULL)
        n++;
    h->app_options = calloc(n + 1, sizeof(*h->app_options));
    if (h->app_options == NULL)
        return CREDSTACK_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        memcpy(&h->app_options[i], base + i * size,
               size < sizeof(*h->app_options) ? size : sizeof(*h->app_options));
    return CREDSTACK_OK;
}

static int open_with(credstack_handle *h,
                     const struct credstack_open_args *args,
                     credstack_config *given)
{
    int ret;

    pthread_mutex_init(&h->lock, NULL);
    h->log_level = CREDSTACK_LOG_INFO;
    h->log_stderr = (args->flags & CREDSTACK_OPEN_LOG_STDERR) != 0;
    if (given == NULL && args->config_path == NULL) {
        cs_problem(h, "no configuration file given");
        return CREDSTACK_ERR_INVALID;
    }
    if ((ret = copy_caller_values(h, args)) != CREDSTACK_OK) {
        cs_problem(h, "bad caller values: %s", credstack_strerror(ret));
        return ret;
    }
    if ((ret = copy_app_options(h, args)) != CREDSTACK_OK)
        return ret;
    if ((ret = read_config(h, args, given)) != CREDSTACK_OK)
        return ret;
    /* Early, so that what opening logs follows the configured level. */
    cs_core_options_read(h);
    if ((ret = choose_module_dir(h)) != CREDSTACK_OK)
        return ret;
    if ((ret = cs_stack_select(h, args->stack_path)) != CREDSTACK_OK)
        return ret;
    if (args->flags & CREDSTACK_OPEN_NO_LOAD)
        return CREDSTACK_OK;
    if ((ret = load_modules(h)) != CREDSTACK_OK)
        return ret;
    ret = start_modules(h);
    /* Every library the modules pulled in, at init() too. */
    if (ret == CREDSTACK_OK)
        cs_inputs_add_loaded(h);
    return ret;
}

int credstack_open(credstack_handle **h_out, const char *config_path,
                   const char *stack_path, unsigned flags)
{
    struct credstack_open_args args;

    memset(&args, 0, sizeof(args));
    args.size = sizeof(args);
    args.config_path = config_path;
    args.stack_path = stack_path;
    args.flags = flags;
    return credstack_open_with(h_out, &args);
}

static void values_free(cs_value *v)
{
    while (v != NULL) {
        cs_value *next = v->next;
        free(v->section);
        free(v->option);
        cs_free_secret(v->value);
        free(v);
        v = next;
    }
}

void credstack_close(credstack_handle *h)
{
    if (h == NULL)
        return;
    /* Requests still alive run their cleanups while modules are loaded. */
    cs_requests_orphan(h);
    if (h->mods != NULL) {
        for (size_t i = h->stack.nlines; i-- > 0;) {
            credstack_module *mod = &h->mods[i];
            if (mod->initialised && mod->dso->ops->free != NULL)
                mod->dso->ops->free(mod->data);
        }
        free(h->mods);
    }
    cs_dso_unload_all(h);
    if (h->loader_up)
        cs_loader_exit();
    cs_stack_clear(&h->stack);
    cs_config_free(h->cfg);
    free(h->app_options);
    free(h->module_dir);
    values_free(h->supplied);
    values_free(h->caller_values);
    values_free(h->probed);
    while (h->owned != NULL) {
        cs_owned *next = h->owned->next;
        free(h->owned->s);
        free(h->owned);
        h->owned = next;
    }
    cs_cache_free(h->cache);
    cs_inputs_free(h);
    if (h->problems != NULL) {
        credstack_wipe(h->problems, h->problems_len);
        free(h->problems);
    }
    pthread_mutex_destroy(&h->lock);
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

/* What a module that says nothing about its time may take. */
#define CS_MODULE_BUDGET_MS 30000L

long credstack_request_budget_ms(const credstack_handle *h)
{
    long total = 0;

    if (h == NULL || h->mods == NULL)
        return 0;
    for (size_t i = 0; i < h->stack.nlines; i++) {
        const credstack_module *mod = &h->mods[i];
        long b = mod->budget_ms > 0 ? mod->budget_ms : CS_MODULE_BUDGET_MS;

        if (mod->active)
            total = total > LONG_MAX - b ? LONG_MAX : total + b;
    }
    return total;
}

const char *credstack_stack_path(const credstack_handle *h)
{
    return h ? h->stack.path : NULL;
}

int credstack_print_stack(const credstack_handle *h, FILE *out)
{
    if (h == NULL || out == NULL)
        return CREDSTACK_ERR_INVALID;
    if (h->stack.path != NULL)
        fprintf(out, "# stack %s%s%s\n", h->stack.path,
                h->stack.chosen_by ? ", selected by " : "",
                h->stack.chosen_by ? h->stack.chosen_by : "");
    fprintf(out, "# module directory: %s\n", h->module_dir);
    for (size_t i = 0; i < h->stack.nlines; i++) {
        const cs_line *l = &h->stack.lines[i];
        int active = h->mods == NULL || h->mods[i].active;

        fprintf(out, "%s%-10s %-11s %s", active ? "" : "# inactive: ", l->stage,
                l->control, l->module);
        for (size_t a = 0; a < l->nargs; a++) {
            fprintf(out, " %s=", l->args[a].key);
            print_value(out, l->args[a].value);
        }
        for (size_t c = 0; c < l->nconds; c++)
            cs_cond_print(out, &l->conds[c]);
        fputc('\n', out);
    }
    return ferror(out) ? CREDSTACK_ERR_IO : CREDSTACK_OK;
}
