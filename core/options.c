/* SPDX-License-Identifier: MIT */
/* options.c: the options modules declare (and the core's own): finding a
 * declaration, an option's effective value, and parsing a value by its type.
 */
#include "autoconf.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_int.h"
#include "internal.h"

static const char *const agent_modes[] = {"off", "auto", NULL};
static const char *const log_destinations[] = {"stderr", "messages", "syslog",
                                               NULL};

static int check_log_level(const char *value, char *err, size_t errlen)
{
    int level;

    if (credstack_log_level_parse(value, &level) == CREDSTACK_OK)
        return 0;
    snprintf(err, errlen,
             "'%.40s' is not a log level (use debug, info, warning, error, "
             "critical or 10..50)",
             value);
    return 1;
}

/*
 * The core's own options; modules declare theirs.  The seed's [plugin]
 * section and the later [logging] one both carry log_level.
 */
static const struct credstack_option core_options[] = {
    {"credstack", "module_dir", CREDSTACK_OPTION_PATH, 0, NULL, 0, 0, NULL,
     NULL, "the directory modules are loaded from"},
    {"credstack", "stack", CREDSTACK_OPTION_PATH, 0, NULL, 0, 0, NULL, NULL,
     "the stack file to run"},
    {"credstack", "stack_dir", CREDSTACK_OPTION_PATH, 0, NULL, 0, 0, NULL, NULL,
     "where stacks that a configuration section selects are found"},
    {"credstack", "agent", CREDSTACK_OPTION_ENUM, 0, "off", 0, 0, agent_modes,
     NULL, "whether requests go through a credstack agent"},
    {"credstack", "agent_idle", CREDSTACK_OPTION_INT, 0, "600", 1, 86400, NULL,
     NULL, "seconds an idle agent waits before it exits"},
    {"credstack", "agent_socket", CREDSTACK_OPTION_PATH, 0, NULL, 0, 0, NULL,
     NULL, "the socket of an agent that systemd starts (socket activation)"},
    {"credstack", "cache_ttl", CREDSTACK_OPTION_INT, 0, "300", 0, 86400, NULL,
     NULL, "seconds non-secret lookups are cached (0: off)"},
    {"credstack", "auth_cache_ttl", CREDSTACK_OPTION_INT, 0, "0", 0, 86400,
     NULL, NULL, "seconds authorization results are cached (0: off)"},
    {"logging", "log_level", CREDSTACK_OPTION_STRING, 0, NULL, 0, 0, NULL,
     check_log_level, "the log level"},
    {"logging", "destination", CREDSTACK_OPTION_ENUM, 0, "stderr", 0, 0,
     log_destinations, NULL, "where log lines go"},
    {"plugin", "log_level", CREDSTACK_OPTION_STRING, 0, NULL, 0, 0, NULL,
     check_log_level, "the log level (the seed's place for it)"},
    {"plugin", "config_version", CREDSTACK_OPTION_INT, 0, NULL, 0, 999999, NULL,
     NULL, "the version of the plugin's configuration format"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL},
};

/* The minimum option_size: every field of version 2's struct. */
#define CS_OPTION_SIZE_MIN                                                     \
    (offsetof(struct credstack_option, help) + sizeof(const char *))

static const struct credstack_option *
decl_at(const struct credstack_module_ops *ops, size_t i)
{
    return (
        const struct credstack_option *)(const void *)((const char *)
                                                           ops->options +
                                                       i * ops->option_size);
}

static int same_section(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

static const struct credstack_option *
find_in(const struct credstack_module_ops *ops, const char *section,
        const char *name)
{
    if (ops == NULL || ops->options == NULL)
        return NULL;
    for (size_t i = 0;; i++) {
        const struct credstack_option *o = decl_at(ops, i);
        if (o->name == NULL)
            return NULL;
        if (same_section(o->section, section) && strcasecmp(o->name, name) == 0)
            return o;
    }
}

static const struct credstack_option *find_core(const char *section,
                                                const char *name)
{
    for (const struct credstack_option *o = core_options; o->name; o++)
        if (same_section(o->section, section) && strcasecmp(o->name, name) == 0)
            return o;
    return NULL;
}

const struct credstack_option *cs_option_decl(const credstack_module *mod,
                                              const char *section,
                                              const char *name)
{
    return find_in(mod->dso->ops, section, name);
}

const struct credstack_option *cs_option_any_decl(const credstack_handle *h,
                                                  const char *section,
                                                  const char *name)
{
    const struct credstack_option *o = find_core(section, name);

    for (size_t i = 0; o == NULL && h->mods && i < h->stack.nlines; i++)
        if (h->mods[i].dso != NULL)
            o = cs_option_decl(&h->mods[i], section, name);
    return o;
}

/* Supplied by a secret source (newest wins), or NULL. */
static const cs_value *supplied(const credstack_handle *h, const char *section,
                                const char *name)
{
    for (const cs_value *v = h->supplied; v; v = v->next)
        if (strcmp(v->section, section) == 0 &&
            strcasecmp(v->option, name) == 0)
            return v;
    return NULL;
}

int cs_option_value(credstack_handle *h, const char *section, const char *name,
                    const char **value_out, unsigned *line_out)
{
    const cs_value *v = supplied(h, section, name);
    char err[CS_ERRLEN] = "";
    int ret;

    if (line_out != NULL)
        *line_out = cs_config_line(h->cfg, section, name);
    if (v != NULL) {
        *value_out = v->value;
        return CREDSTACK_OK;
    }
    ret = cs_config_get(h->cfg, section, name, value_out, err, sizeof(err));
    if (ret != CREDSTACK_OK && ret != CREDSTACK_ERR_NOTFOUND)
        cs_problem(h, "%s", err);
    return ret;
}

/* "file:line: section.option: " for messages. */
static void where(const credstack_handle *h, const char *section,
                  const char *name, unsigned line, char *buf, size_t n)
{
    if (line > 0)
        snprintf(buf, n, "%s:%u: %s.%s: ", cs_config_path(h->cfg), line,
                 section, name);
    else
        snprintf(buf, n, "%s.%s: ", section, name);
}

static int looks_like_private_key(const char *v, char *err, size_t errlen)
{
    const char *begin = strstr(v, "-----BEGIN ");
    const char *end = begin ? strstr(begin, "-----END ") : NULL;

    if (begin == NULL || end == NULL ||
        strstr(begin, "PRIVATE KEY-----") == NULL) {
        snprintf(err, errlen,
                 "is not a private key (expected a PEM or OpenSSH key, "
                 "-----BEGIN ... PRIVATE KEY----- to -----END ...-----)");
        return 1;
    }
    if (strstr(v, "ENCRYPTED") != NULL) {
        snprintf(err, errlen,
                 "is an encrypted private key; credstack needs "
                 "it without a passphrase (keep it in the "
                 "credential store instead)");
        return 1;
    }
    return 0;
}

static int base64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
}

/* Each non-empty line: "hosts keytype base64 [comment]". */
static int looks_like_known_hosts(const char *v, char *err, size_t errlen)
{
    unsigned n = 0, lineno = 0;

    for (const char *p = v; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        const char *f[3] = {NULL, NULL, NULL};
        size_t flen[3] = {0, 0, 0};
        size_t i = 0, k = 0;

        lineno++;
        while (i < len && k < 3) {
            while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
                i++;
            if (i == len)
                break;
            f[k] = p + i;
            while (i < len && p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
                i++;
            flen[k] = (size_t)(p + i - f[k]);
            k++;
        }
        if (k > 0 && f[0][0] != '#') {
            int ok = k == 3 && flen[2] >= 16;
            for (size_t j = 0; ok && j < flen[2]; j++)
                ok = base64_char(f[2][j]);
            if (!ok) {
                snprintf(err, errlen,
                         "line %u is not a known_hosts line (expected "
                         "'host keytype base64-key', as ssh-keyscan prints)",
                         lineno);
                return 1;
            }
            n++;
        }
        p += len + (nl != NULL);
    }
    if (n == 0) {
        snprintf(err, errlen, "holds no known_hosts line");
        return 1;
    }
    return 0;
}

int cs_option_parse(credstack_handle *h, const struct credstack_option *o,
                    const char *section, const char *value, unsigned line,
                    long *num_out, char *err, size_t errlen)
{
    /* An argument is named after its module in messages (section NULL). */
    const char *sec = section ? section : "argument";
    char head[512], why[CS_ERRLEN] = "";
    int index = 0, b = 0, bad = 0;
    long n = 0;
    int ret = CREDSTACK_OK;

    *num_out = 0;
    where(h, sec, o->name, line, head, sizeof(head));
    switch (o->type) {
    case CREDSTACK_OPTION_BOOL:
        ret = cs_config_parse_bool(line ? h->cfg : NULL, sec, o->name, value,
                                   &b, err, errlen);
        *num_out = b;
        break;
    case CREDSTACK_OPTION_INT:
    case CREDSTACK_OPTION_PORT:
        ret = cs_config_parse_int(
            line ? h->cfg : NULL, sec, o->name, value,
            o->type == CREDSTACK_OPTION_PORT ? 1 : o->min,
            o->type == CREDSTACK_OPTION_PORT ? 65535 : o->max, &n, err, errlen);
        *num_out = n;
        break;
    case CREDSTACK_OPTION_ENUM:
        ret = cs_config_parse_enum(line ? h->cfg : NULL, sec, o->name, value,
                                   o->choices, &index, err, errlen);
        *num_out = index;
        break;
    case CREDSTACK_OPTION_PRIVATE_KEY:
        bad = looks_like_private_key(value, why, sizeof(why));
        break;
    case CREDSTACK_OPTION_KNOWN_HOSTS:
        bad = looks_like_known_hosts(value, why, sizeof(why));
        break;
    case CREDSTACK_OPTION_PATH:
        if (*value == '\0') {
            snprintf(why, sizeof(why), "is empty; expected a path");
            bad = 1;
        }
        break;
    default:
        break;
    }
    if (ret == CREDSTACK_OK && !bad && o->check != NULL)
        bad = o->check(value, why, sizeof(why)) != 0;
    if (bad) {
        /* Never quote the value: it may be a key. */
        snprintf(err, errlen, "%s%s", head, why);
        ret = CREDSTACK_ERR_CONFIG;
    }
    return ret;
}

/* ---- "$" references ---- */

typedef struct store_ref_visit {
    credstack_handle *h;
    credstack_store_ref_fn fn;
    void *user;
} store_ref_visit;

int cs_value_is_store_ref(credstack_handle *h, const char *section,
                          const char *option)
{
    const char *raw = cs_config_raw(h->cfg, section, option);
    char *value = NULL;
    char err[CS_ERRLEN];
    int is = 0;

    if (raw == NULL)
        return 0;
    for (const cs_value *v = h->supplied; v; v = v->next)
        if (strcmp(v->section, section) == 0 &&
            strcasecmp(v->option, option) == 0)
            return 0;
    /* Before the "$$" rule (which the reader applies): raw "$", or
     * "%(x)s" with x = "$". */
    if (strcmp(raw, "$") == 0)
        return 1;
    if (strchr(raw, '%') == NULL ||
        cs_config_interpolate(h->cfg, section, option, raw, &value, err,
                              sizeof(err)) != CREDSTACK_OK)
        return 0;
    is = strcmp(value, "$") == 0;
    cs_config_free_secret(value);
    return is;
}

static void store_ref_visit_one(const char *section, const char *option,
                                unsigned line, void *user)
{
    store_ref_visit *v = user;

    (void)line;
    if (strcmp(section, "DEFAULT") == 0)
        return;
    if (cs_value_is_store_ref(v->h, section, option))
        v->fn(section, option, v->user);
}

void cs_config_store_refs(credstack_handle *h, credstack_store_ref_fn fn,
                          void *user)
{
    store_ref_visit v = {h, fn, user};

    cs_config_foreach(h->cfg, store_ref_visit_one, &v);
}

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
        for (size_t k = 0; decl_at(ops, k)->name != NULL; k++)
            ok &= decl_ok(h, mod->line, decl_at(ops, k));
    next:;
    }
    for (const struct credstack_option *o = core_options; o->name; o++) {
        long n;
        char err[CS_ERRLEN];
        if (o->def && cs_option_parse(h, o, o->section, o->def, 0, &n, err,
                                      sizeof(err)) != CREDSTACK_OK)
            ok = 0;
    }
    return ok ? CREDSTACK_OK : CREDSTACK_ERR_MODULE;
}

/* ---- Iterating every declaration of the handle ---- */

typedef void (*decl_fn)(credstack_handle *h, const credstack_module *mod,
                        const struct credstack_option *o, void *user);

/* fn for every declaration: the core's (mod NULL), then each line's. */
static void each_decl(credstack_handle *h, decl_fn fn, void *user)
{
    for (const struct credstack_option *o = core_options; o->name; o++)
        fn(h, NULL, o, user);
    for (size_t i = 0; h->mods && i < h->stack.nlines; i++) {
        const struct credstack_module_ops *ops =
            h->mods[i].dso ? h->mods[i].dso->ops : NULL;
        if (ops == NULL || ops->options == NULL ||
            ops->option_size < CS_OPTION_SIZE_MIN)
            continue;
        for (size_t k = 0; decl_at(ops, k)->name != NULL; k++)
            fn(h, &h->mods[i], decl_at(ops, k), user);
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
    if (!same_section(o->section, w->target->section) ||
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
        supplied(h, o->section, o->name) == NULL)
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
                 decl_at(ops, k)->name != NULL;
                 k++) {
                const struct credstack_option *o = decl_at(ops, k);
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
} near_walk;

static void near_visit(credstack_handle *h, const credstack_module *mod,
                       const struct credstack_option *o, void *user)
{
    near_walk *w = user;
    unsigned d;

    (void)h;
    (void)mod;
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
    near_walk nw = {section, option, NULL, 3, 0};
    near_walk sw = {NULL, section, NULL, 3, 0};

    if (strcmp(section, "DEFAULT") == 0 ||
        cs_option_any_decl(h, section, option) != NULL)
        return;
    for (size_t i = 0; i < w->nrefs; i++)
        if (strcasecmp(w->refs[i], option) == 0)
            return; /* used through %(option)s: a variable, not a typo */
    each_decl(h, near_visit, &nw);
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

/* ---- The core's own options, once checked ---- */

static long core_int(credstack_handle *h, const char *section, const char *name)
{
    const struct credstack_option *o = find_core(section, name);
    const char *v = NULL;
    char err[CS_ERRLEN];
    long n = 0;

    if (cs_option_value(h, section, name, &v, NULL) != CREDSTACK_OK)
        v = o->def;
    if (v == NULL || cs_option_parse(h, o, section, v, 0, &n, err,
                                     sizeof(err)) != CREDSTACK_OK)
        cs_option_parse(h, o, section, o->def, 0, &n, err, sizeof(err));
    return n;
}

int cs_core_options_read(credstack_handle *h)
{
    static const char *const level_sections[] = {"logging", "plugin"};
    const char *v = NULL;

    /* log_level of the later generation ([logging]) wins over the seed's. */
    for (size_t i = 0; i < 2; i++) {
        if (cs_option_value(h, level_sections[i], "log_level", &v, NULL) ==
                CREDSTACK_OK &&
            credstack_log_level_parse(v, &h->log_level) == CREDSTACK_OK)
            break;
    }
    if (cs_option_value(h, "logging", "destination", &v, NULL) == CREDSTACK_OK)
        h->log_stderr = strcasecmp(v, "stderr") == 0;
    h->cache_ttl[CREDSTACK_CACHE_LOOKUP] =
        core_int(h, "credstack", "cache_ttl");
    h->cache_ttl[CREDSTACK_CACHE_AUTH] =
        core_int(h, "credstack", "auth_cache_ttl");
    return CREDSTACK_OK;
}

/* ---- ${section.option} in stack arguments ---- */

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
