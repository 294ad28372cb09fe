/* SPDX-License-Identifier: MIT */
/* options_check.c: a whole configuration judged against the options its
 * stack's modules declare: the declarations themselves, every value, the
 * required ones, and the options nobody declares ("did you mean"). */
#include "autoconf.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_int.h"
#include "internal.h"

/* ---- Checking the declarations themselves (a module's bugs) ---- */

static int decl_ok(credstack_handle *h, const cs_line *l,
                   const struct credstack_option *o)
{
    char err[CS_ERRLEN];
    long n;
    const char *who = l->module;

    if (o->type < 0 || o->type >= CREDSTACK_OPTION_TYPE_COUNT ||
        (o->type == CREDSTACK_OPTION_ENUM && o->choices == NULL) ||
        (o->type == CREDSTACK_OPTION_INT && o->min > o->max)) {
        cs_problem(h, "%s:%u: module %s declares option %s.%s badly (type %d)",
                   l->file, l->lineno, who, o->section ? o->section : "(arg)",
                   o->name, (int)o->type);
        return 0;
    }
    if (o->def != NULL && cs_option_parse(h, o, o->section, o->def, 0, &n, err,
                                          sizeof(err)) != CREDSTACK_OK) {
        cs_problem(h, "%s:%u: module %s: the default of %s.%s is not valid: %s",
                   l->file, l->lineno, who, o->section ? o->section : "(arg)",
                   o->name, err);
        return 0;
    }
    return 1;
}

int cs_options_check_decls(credstack_handle *h)
{
    int ok = 1;

    for (size_t i = 0; i < h->stack.nlines; i++) {
        const credstack_module *mod = &h->mods[i];
        const struct credstack_module_ops *ops = mod->dso->ops;

        /* Each file once: lines sharing a module share its declarations. */
        if (mod->dso->ops->options == NULL)
            continue;
        for (size_t j = 0; j < i; j++)
            if (h->mods[j].dso == mod->dso)
                goto next;
        if (ops->option_size < CS_OPTION_SIZE_MIN) {
            cs_problem(h,
                       "%s:%u: module %s: option_size %zu is smaller than a "
                       "declaration (%zu)",
                       mod->line->file, mod->line->lineno, mod->line->module,
                       ops->option_size, (size_t)CS_OPTION_SIZE_MIN);
            ok = 0;
            continue;
        }
        for (size_t k = 0; cs_option_decl_at(ops, k)->name != NULL; k++)
            ok &= decl_ok(h, mod->line, cs_option_decl_at(ops, k));
    next:;
    }
    for (const struct credstack_option *o = cs_option_core(0); o->name; o++) {
        long n;
        char err[CS_ERRLEN];
        if (o->def && cs_option_parse(h, o, o->section, o->def, 0, &n, err,
                                      sizeof(err)) != CREDSTACK_OK)
            ok = 0;
    }
    /* The application's: in a section, with a default of their type. */
    for (const struct credstack_option *o = h->app_options; o && o->name; o++) {
        long n;
        char err[CS_ERRLEN] = "";
        if (o->section == NULL ||
            (o->def && cs_option_parse(h, o, o->section, o->def, 0, &n, err,
                                       sizeof(err)) != CREDSTACK_OK)) {
            cs_problem(h, "the application's option %s.%s: %s",
                       o->section ? o->section : "(no section)", o->name,
                       o->section ? err : "an application has no arguments");
            ok = 0;
        }
    }
    return ok ? CREDSTACK_OK : CREDSTACK_ERR_MODULE;
}

/* ---- Iterating every declaration of the handle ---- */

typedef void (*decl_fn)(credstack_handle *h, const credstack_module *mod,
                        const struct credstack_option *o, void *user);

/* fn for every declaration: the core's and the application's (mod NULL),
 * then each line's. */
static void each_decl(credstack_handle *h, decl_fn fn, void *user)
{
    for (const struct credstack_option *o = cs_option_core(0); o->name; o++)
        fn(h, NULL, o, user);
    for (const struct credstack_option *o = h->app_options; o && o->name; o++)
        fn(h, NULL, o, user);
    for (size_t i = 0; h->mods && i < h->stack.nlines; i++) {
        const struct credstack_module_ops *ops =
            h->mods[i].dso ? h->mods[i].dso->ops : NULL;
        if (ops == NULL || ops->options == NULL ||
            ops->option_size < CS_OPTION_SIZE_MIN)
            continue;
        for (size_t k = 0; cs_option_decl_at(ops, k)->name != NULL; k++)
            fn(h, &h->mods[i], cs_option_decl_at(ops, k), user);
    }
}

/* Whether an earlier declaration of the walk named the same option. */
typedef struct seen_walk {
    const struct credstack_option *target;
    const credstack_module *target_mod;
    int stop, earlier;
    int any_active_requires; /* some active declarer marks it REQUIRED */
    int any_active;          /* some active line declares it */
    char users[256];         /* active modules that declare it */
} seen_walk;

static void seen_visit(credstack_handle *h, const credstack_module *mod,
                       const struct credstack_option *o, void *user)
{
    seen_walk *w = user;
    int active = mod == NULL || mod->active;

    (void)h;
    if (!cs_option_same_section(o->section, w->target->section) ||
        strcasecmp(o->name, w->target->name) != 0)
        return;
    if (o->section == NULL && mod != w->target_mod)
        return; /* arguments belong to their own line */
    if (o == w->target && mod == w->target_mod)
        w->stop = 1;
    else if (!w->stop)
        w->earlier = 1;
    if (!active)
        return;
    w->any_active = 1;
    if (o->flags & CREDSTACK_OPTION_REQUIRED)
        w->any_active_requires = 1;
    if (mod != NULL && strstr(w->users, mod->line->module) == NULL &&
        strlen(w->users) + strlen(mod->line->module) + 3 < sizeof(w->users)) {
        if (w->users[0])
            strcat(w->users, ", ");
        strcat(w->users, mod->line->module);
    }
}

typedef struct values_walk {
    int check_required;
    int secret_sources_failed;
} values_walk;

static void check_arg(credstack_handle *h, const credstack_module *mod,
                      const struct credstack_option *o)
{
    const char *v = cs_line_arg(mod->line, o->name);
    char err[CS_ERRLEN];
    long n;

    if (v == NULL) {
        if ((o->flags & CREDSTACK_OPTION_REQUIRED) && mod->active)
            cs_problem(h, "%s:%u: module %s needs the argument %s=...: %s",
                       mod->line->file, mod->line->lineno, mod->line->module,
                       o->name, o->help ? o->help : "");
        return;
    }
    if (cs_option_parse(h, o, mod->line->module, v, 0, &n, err, sizeof(err)) !=
        CREDSTACK_OK)
        cs_problem(h, "%s:%u: %s", mod->line->file, mod->line->lineno, err);
}

static void check_one(credstack_handle *h, const credstack_module *mod,
                      const struct credstack_option *o, void *user)
{
    values_walk *vw = user;
    seen_walk w;
    const char *v = NULL;
    unsigned line = 0;
    char err[CS_ERRLEN];
    long n;
    int ret;

    if (o->section == NULL) {
        check_arg(h, mod, o);
        return;
    }
    memset(&w, 0, sizeof(w));
    w.target = o;
    w.target_mod = mod;
    each_decl(h, seen_visit, &w);
    if (w.earlier)
        return; /* checked at its first declaration */
    ret = cs_option_value(h, o->section, o->name, &v, &line);
    if (ret == CREDSTACK_ERR_NOTFOUND || (ret == CREDSTACK_OK && *v == '\0')) {
        if (vw->check_required && w.any_active_requires) {
            unsigned sline = cs_config_section_line(h->cfg, o->section);
            char at[64] = "";
            if (sline > 0)
                snprintf(at, sizeof(at), ":%u", sline);
            cs_problem(h, "%s%s: [%s] %s is required%s%s (needed by %s)",
                       cs_config_path(h->cfg), at, o->section, o->name,
                       o->help ? ": " : "", o->help ? o->help : "",
                       w.users[0] ? w.users : "credstack");
        }
        return;
    }
    if (ret != CREDSTACK_OK)
        return;
    if (cs_value_is_store_ref(h, o->section, o->name)) {
        if (w.any_active && !vw->secret_sources_failed)
            cs_problem(h,
                       "%s:%u: %s.%s is \"$\" (take it from the credential "
                       "store), but no secret source supplied it: name a "
                       "store in [credential_store] name (or the seed's "
                       "[plugin] cred_store) and store it there for host "
                       "\"%s\", user \"%s\"",
                       cs_config_path(h->cfg), line, o->section, o->name,
                       o->section, o->name);
        return;
    }
    if (cs_option_parse(h, o, o->section, v, line, &n, err, sizeof(err)) !=
        CREDSTACK_OK) {
        cs_problem(h, "%s", err);
        return;
    }
    if ((o->flags & CREDSTACK_OPTION_SECRET) && w.any_active &&
        cs_option_supplied(h, o->section, o->name) == NULL)
        cs_log(h, CREDSTACK_LOG_WARNING, NULL,
               "%s:%u: %s.%s is written in the configuration itself; the "
               "credential store is the safer place for it (store it there "
               "for host \"%s\", user \"%s\", and write %s = $)",
               cs_config_path(h->cfg), line, o->section, o->name, o->section,
               o->name, o->name);
}

void cs_options_check_values(credstack_handle *h, int check_required,
                             int secret_sources_failed)
{
    values_walk vw = {check_required, secret_sources_failed};

    each_decl(h, check_one, &vw);
    /* Arguments no declaration knows: a typo in the stack is an error. */
    for (size_t i = 0; h->mods && i < h->stack.nlines; i++) {
        const credstack_module *mod = &h->mods[i];
        for (size_t a = 0; mod->dso && a < mod->line->nargs; a++) {
            const char *key = mod->line->args[a].key;
            const char *best = NULL;
            unsigned bestd = 3;
            const struct credstack_module_ops *ops = mod->dso->ops;

            if (cs_option_decl(mod, NULL, key) != NULL)
                continue;
            for (size_t k = 0;
                 ops->options && ops->option_size >= CS_OPTION_SIZE_MIN &&
                 cs_option_decl_at(ops, k)->name != NULL;
                 k++) {
                const struct credstack_option *o = cs_option_decl_at(ops, k);
                unsigned d;
                if (o->section != NULL)
                    continue;
                d = cs_edit_distance(key, o->name, 2);
                if (d < bestd) {
                    bestd = d;
                    best = o->name;
                }
            }
            cs_problem(h, "%s:%u: module %s takes no argument '%s'%s%s%s",
                       mod->line->file, mod->line->lineno, mod->line->module,
                       key, best ? " (did you mean '" : "", best ? best : "",
                       best ? "'?)" : "");
        }
    }
}

/* ---- Options nobody declares ---- */

typedef struct unknown_walk {
    credstack_handle *h;
    char **refs; /* option names some value references as %(name)s */
    size_t nrefs;
    char last_section[256]; /* reported unknown sections, once each */
} unknown_walk;

static void collect_refs(const char *section, const char *option, unsigned line,
                         void *user)
{
    unknown_walk *w = user;
    const char *raw = cs_config_raw(w->h->cfg, section, option);

    (void)line;
    for (const char *p = raw; p && (p = strstr(p, "%(")) != NULL;) {
        const char *end = strstr(p, ")s");
        char **grown;
        if (end == NULL)
            break;
        grown = realloc(w->refs, (w->nrefs + 1) * sizeof(*grown));
        if (grown == NULL)
            return;
        w->refs = grown;
        if ((w->refs[w->nrefs] = strndup(p + 2, (size_t)(end - p - 2))) != NULL)
            w->nrefs++;
        p = end + 2;
    }
}

typedef struct near_walk {
    const char *section; /* NULL: compare sections */
    const char *name;
    const char *best;
    unsigned bestd;
    int section_known;
    int section_owned; /* a module of the stack declares options in it */
} near_walk;

static void near_visit(credstack_handle *h, const credstack_module *mod,
                       const struct credstack_option *o, void *user)
{
    near_walk *w = user;
    unsigned d;

    (void)h;
    if (o->section == NULL)
        return;
    if (w->section == NULL) {
        d = cs_edit_distance(w->name, o->section, 2);
        if (strcmp(w->name, o->section) == 0)
            w->section_known = 1;
        if (d < w->bestd) {
            w->bestd = d;
            w->best = o->section;
        }
        return;
    }
    if (strcmp(o->section, w->section) != 0)
        return;
    w->section_known = 1;
    if (mod != NULL)
        w->section_owned = 1;
    d = cs_edit_distance(w->name, o->name, 2);
    if (d < w->bestd) {
        w->bestd = d;
        w->best = o->name;
    }
}

static void unknown_visit(const char *section, const char *option,
                          unsigned line, void *user)
{
    unknown_walk *w = user;
    credstack_handle *h = w->h;
    near_walk nw = {section, option, NULL, 3, 0, 0};
    near_walk sw = {NULL, section, NULL, 3, 0, 0};

    if (strcmp(section, "DEFAULT") == 0 ||
        cs_option_any_decl(h, section, option) != NULL)
        return;
    for (size_t i = 0; i < w->nrefs; i++)
        if (strcasecmp(w->refs[i], option) == 0)
            return; /* used through %(option)s: a variable, not a typo */
    each_decl(h, near_visit, &nw);
    /*
     * In a section a module of the stack reads, an option nobody declares is
     * most likely a misspelt one, and a misspelt option falls back to its
     * default: "authorisation = policy" would mean authorization = gateway.
     * An error, then; elsewhere (the SDK's sections, a module outside this
     * stack) only a warning.
     */
    if (nw.section_owned) {
        cs_problem(h,
                   "%s:%u: unknown option %s.%s%s%s%s (the stack's modules "
                   "read [%s]; a misspelt option would silently take its "
                   "default)",
                   cs_config_path(h->cfg), line, section, option,
                   nw.best ? "; did you mean " : "", nw.best ? nw.best : "",
                   nw.best ? "?" : "", section);
        return;
    }
    if (nw.section_known) {
        cs_log(h, CREDSTACK_LOG_WARNING, NULL,
               "%s:%u: unknown option %s.%s (ignored)%s%s%s",
               cs_config_path(h->cfg), line, section, option,
               nw.best ? "; did you mean " : "", nw.best ? nw.best : "",
               nw.best ? "?" : "");
        return;
    }
    each_decl(h, near_visit, &sw);
    if (strcmp(w->last_section, section) == 0)
        return;
    snprintf(w->last_section, sizeof(w->last_section), "%s", section);
    /* The section's own line, not that of its first option. */
    if (cs_config_section_line(h->cfg, section) > 0)
        line = cs_config_section_line(h->cfg, section);
    if (sw.best != NULL)
        cs_log(h, CREDSTACK_LOG_WARNING, NULL,
               "%s:%u: unknown section [%s] (ignored); did you mean [%s]?",
               cs_config_path(h->cfg), line, section, sw.best);
    else
        /* A section of a module outside this stack: not ours to judge. */
        cs_log(h, CREDSTACK_LOG_DEBUG, NULL,
               "%s:%u: section [%s] is not read by this stack",
               cs_config_path(h->cfg), line, section);
}

void cs_options_check_unknown(credstack_handle *h)
{
    unknown_walk w;

    memset(&w, 0, sizeof(w));
    w.h = h;
    cs_config_foreach(h->cfg, collect_refs, &w);
    cs_config_foreach(h->cfg, unknown_visit, &w);
    for (size_t i = 0; i < w.nrefs; i++)
        free(w.refs[i]);
    free(w.refs);
}
