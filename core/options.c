/* SPDX-License-Identifier: MIT */
/* options.c: the options modules declare (and the core's own): finding a
 * declaration, an option's effective value, parsing a value by its type, and
 * the core's own options once checked.  options_check.c judges a whole
 * configuration against the declarations; stack_args.c expands ${...}.
 */
#include "autoconf.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_int.h"
#include "internal.h"

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
 * The core's own options; modules declare theirs, and so does the
 * application (credstack_open_args.app_options: the credstack command's
 * agent options are its own, cli/).  The seed's [plugin]
 * section and the later [logging] one both carry log_level.
 */
static const struct credstack_option core_options[] = {
    {"credstack", "module_dir", CREDSTACK_OPTION_PATH, 0, NULL, 0, 0, NULL,
     NULL, "the directory modules are loaded from"},
    {"credstack", "stack", CREDSTACK_OPTION_PATH, 0, NULL, 0, 0, NULL, NULL,
     "the stack file to run"},
    {"credstack", "stack_dir", CREDSTACK_OPTION_PATH, 0, NULL, 0, 0, NULL, NULL,
     "where stacks that a configuration section selects are found"},
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

const struct credstack_option *cs_option_core(size_t i)
{
    return &core_options[i];
}

const struct credstack_option *
cs_option_decl_at(const struct credstack_module_ops *ops, size_t i)
{
    return (
        const struct credstack_option *)(const void *)((const char *)
                                                           ops->options +
                                                       i * ops->option_size);
}

int cs_option_same_section(const char *a, const char *b)
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
        const struct credstack_option *o = cs_option_decl_at(ops, i);
        if (o->name == NULL)
            return NULL;
        if (cs_option_same_section(o->section, section) &&
            strcasecmp(o->name, name) == 0)
            return o;
    }
}

static const struct credstack_option *
find_core(const credstack_handle *h, const char *section, const char *name)
{
    for (const struct credstack_option *o = core_options; o->name; o++)
        if (cs_option_same_section(o->section, section) &&
            strcasecmp(o->name, name) == 0)
            return o;
    for (const struct credstack_option *o = h ? h->app_options : NULL;
         o != NULL && o->name; o++)
        if (cs_option_same_section(o->section, section) &&
            strcasecmp(o->name, name) == 0)
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
    const struct credstack_option *o = find_core(h, section, name);

    for (size_t i = 0; o == NULL && h->mods && i < h->stack.nlines; i++)
        if (h->mods[i].dso != NULL)
            o = cs_option_decl(&h->mods[i], section, name);
    return o;
}

/* Supplied by a secret source (newest wins), or NULL. */
const cs_value *cs_option_supplied(const credstack_handle *h,
                                   const char *section, const char *name)
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
    const cs_value *v = cs_option_supplied(h, section, name);
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

/* ---- The core's own options, once checked ---- */

static long core_int(credstack_handle *h, const char *section, const char *name)
{
    const struct credstack_option *o = find_core(NULL, section, name);
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
