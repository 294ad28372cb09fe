/* SPDX-License-Identifier: MIT */
/* localstore.c: secret-source-localstore: when the handle opens, options from
 * credstack's local credential store override the configuration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <credstack/module.h>
#include <credstack/store.h>

/*
 * The seed's semantics: every credential in the store, host = section and
 * user = option, overrides that option of the configuration (its first
 * credential when it has several; a private key's value is the key's text).
 * The later generation's: an option written as "$" must come from the
 * store.  Argument require=SECTION.OPTION[,...] names more options that must
 * come from the store whatever the configuration says.
 *
 * The store is read once, when the handle opens, so that the options it
 * supplies are checked with the rest of the configuration; its values live
 * in the core (wiped at close), not here.
 */

static const struct credstack_option options[] = {
    {"credential_store", "name", CREDSTACK_OPTION_STRING, 0, NULL, 0, 0, NULL,
     NULL, "the credential store that holds the \"$\" options"},
    {"plugin", "cred_store", CREDSTACK_OPTION_STRING, 0, NULL, 0, 0, NULL, NULL,
     "the credential store (the seed's name for [credential_store] "
     "name)"},
    {"credstack", "store_dir", CREDSTACK_OPTION_PATH, 0, NULL, 0, 0, NULL, NULL,
     "the directory of credstack's stores"},
    {"credstack", "store_key_file", CREDSTACK_OPTION_PATH, 0, NULL, 0, 0, NULL,
     NULL, "the key file that opens the store"},
    {NULL, "require", CREDSTACK_OPTION_STRING, 0, NULL, 0, 0, NULL, NULL,
     "SECTION.OPTION[,...] that must come from the store"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL},
};

/* [credential_store] name (later generation), else [plugin] cred_store. */
static const char *store_name(credstack_module *mod, const char **which)
{
    const char *name = NULL;

    *which = "credential_store.name";
    if (credstack_module_option_string(mod, "credential_store", "name",
                                       &name) == CREDSTACK_OK &&
        *name != '\0')
        return name;
    *which = "plugin.cred_store";
    if (credstack_module_option_string(mod, "plugin", "cred_store", &name) ==
            CREDSTACK_OK &&
        *name != '\0')
        return name;
    return NULL;
}

/* What must come from the store, and what is still missing. */
typedef struct need {
    credstack_store *st;
    char missing[512]; /* "host 'tpam' user 'server_user_key'", ... */
    unsigned nmissing;
    unsigned nrefs;
} need_t;

static int in_store(const credstack_store *st, const char *section,
                    const char *option)
{
    for (size_t i = 0; i < credstack_store_count(st); i++) {
        const char *host = NULL, *user = NULL;
        credstack_store_entry(st, i, &host, &user, NULL, NULL);
        if (strcmp(host, section) == 0 && strcasecmp(user, option) == 0)
            return 1;
    }
    return 0;
}

static void need_one(need_t *n, const char *section, size_t slen,
                     const char *option, size_t olen)
{
    char s[256], o[256];
    size_t used = strlen(n->missing);

    if (slen >= sizeof(s) || olen >= sizeof(o))
        return;
    memcpy(s, section, slen);
    s[slen] = '\0';
    memcpy(o, option, olen);
    o[olen] = '\0';
    if (n->st != NULL && in_store(n->st, s, o))
        return;
    n->nmissing++;
    snprintf(n->missing + used, sizeof(n->missing) - used,
             "%shost '%s' user '%s'", used ? ", " : "", s, o);
}

static void count_ref(const char *section, const char *option, void *user)
{
    (void)section;
    (void)option;
    ((need_t *)user)->nrefs++;
}

static void need_ref(const char *section, const char *option, void *user)
{
    need_one(user, section, strlen(section), option, strlen(option));
}

/* require=a.b,c.d: each item must be SECTION.OPTION. */
static int require_each(credstack_module *mod, const char *req, need_t *n)
{
    for (const char *p = req; p && *p;) {
        size_t len = strcspn(p, ",");
        const char *dot = memchr(p, '.', len);
        if (dot == NULL || dot == p || dot == p + len - 1) {
            credstack_module_error(mod,
                                   "require=%s: each item must be "
                                   "SECTION.OPTION",
                                   req);
            return CREDSTACK_ERR_STACK;
        }
        if (n != NULL)
            need_one(n, p, (size_t)(dot - p), dot + 1,
                     len - (size_t)(dot - p) - 1);
        p += len + (p[len] == ',');
    }
    return CREDSTACK_OK;
}

static int supply_all(credstack_module *mod, credstack_store *st,
                      const char *name)
{
    for (size_t i = 0; i < credstack_store_count(st); i++) {
        const char *host = NULL, *user = NULL, *secret = NULL, *kind = NULL;
        int rc;

        credstack_store_entry(st, i, &host, &user, &secret, &kind);
        rc = credstack_module_supply(mod, host, user, secret);
        if (rc != CREDSTACK_OK) {
            credstack_module_error(mod, "cannot keep %s.%s: %s", host, user,
                                   credstack_strerror(rc));
            return rc;
        }
        credstack_module_log(mod, CREDSTACK_LOG_DEBUG,
                             "%s.%s (%s) from credential store '%s'", host,
                             user, kind, name);
    }
    return CREDSTACK_OK;
}

/* path (relative) from the configuration file's directory; free() it. */
static char *relative_to_config(credstack_module *mod, const char *path)
{
    const char *cfg = credstack_module_config_path(mod);
    const char *slash = cfg ? strrchr(cfg, '/') : NULL;
    char *out = NULL;

    if (slash == NULL)
        return strdup(path);
    if (asprintf(&out, "%.*s/%s", (int)(slash - cfg), cfg, path) < 0)
        return NULL;
    return out;
}

/*
 * The store's files are inputs of the handle: recorded before they are
 * read, so that an agent that keeps the handle sees a rotated key or a
 * changed entry (credstack_inputs_changed()).  A store that cannot be
 * located is left to credstack_store_open() to explain.
 */
static int watch_store(credstack_module *mod, const char *name, const char *dir,
                       const char *key_file)
{
    char *path = NULL, *key = NULL, err[512];
    int rc = credstack_store_locate(name, dir, key_file, &path, &key, err,
                                    sizeof(err));

    if (rc == CREDSTACK_OK)
        rc = credstack_module_add_input(mod, path, "credential store");
    if (rc == CREDSTACK_OK)
        rc = credstack_module_add_input(mod, key, "credential store key");
    free(path);
    free(key);
    return rc == CREDSTACK_ERR_NOMEM ? rc : CREDSTACK_OK;
}

static int init(credstack_module *mod, void **data_out)
{
    const char *which = NULL, *dir = NULL, *key_file = NULL, *require = NULL;
    const char *name = store_name(mod, &which);
    char err[1024] = "", *rel = NULL;
    credstack_store *st = NULL;
    need_t n;
    int rc;

    (void)data_out;
    memset(&n, 0, sizeof(n));
    credstack_module_option_string(mod, NULL, "require", &require);
    if ((rc = require_each(mod, require, NULL)) != CREDSTACK_OK)
        return rc;
    credstack_module_config_store_refs(mod, count_ref, &n);
    if (name == NULL) {
        if (n.nrefs == 0 && require == NULL)
            return CREDSTACK_OK; /* nothing asks for a store */
        credstack_module_error(mod,
                               "%s: options are \"$\" (take them from the "
                               "credential store) but no credential store is "
                               "configured: set [credential_store] name (or "
                               "the seed's [plugin] cred_store)",
                               credstack_module_config_path(mod));
        return CREDSTACK_ERR_CONFIG;
    }
    /*
     * On SPS the caller resolved every "$" from SPS's own store (named
     * here too): credstack's store of that name is not there, and not
     * needed.
     */
    if (n.nrefs == 0 && require == NULL &&
        credstack_module_supplied_count(mod) > 0) {
        credstack_module_log(mod, CREDSTACK_LOG_DEBUG,
                             "every \"$\" option was supplied already; "
                             "credential store '%s' not opened",
                             name);
        return CREDSTACK_OK;
    }
    credstack_module_option_string(mod, "credstack", "store_dir", &dir);
    credstack_module_option_string(mod, "credstack", "store_key_file",
                                   &key_file);
    /* A store named by a relative path: from the configuration's
     * directory, as every path in the file, never the working directory
     * of whoever runs the request. */
    if (strchr(name, '/') != NULL && name[0] != '/' &&
        (rel = relative_to_config(mod, name)) == NULL)
        return CREDSTACK_ERR_NOMEM;
    if (rel != NULL)
        name = rel;
    if (watch_store(mod, name, dir, key_file) != CREDSTACK_OK) {
        credstack_module_error(mod, "out of memory");
        free(rel);
        return CREDSTACK_ERR_NOMEM;
    }
    rc = credstack_store_open(name, dir, key_file, &st, err, sizeof(err));
    if (rc != CREDSTACK_OK) {
        int seed = strcmp(which, "plugin.cred_store") == 0;
        free(rel);
        credstack_module_option_error(mod, seed ? "plugin" : "credential_store",
                                      seed ? "cred_store" : "name", "%s", err);
        return rc == CREDSTACK_ERR_NOMEM ? rc : CREDSTACK_ERR_CONFIG;
    }
    n.st = st;
    credstack_module_config_store_refs(mod, need_ref, &n);
    require_each(mod, require, &n);
    if (n.nmissing > 0) {
        credstack_module_error(mod,
                               "credential store '%s' (%s) has no entry "
                               "for %s",
                               name, credstack_store_path(st), n.missing);
        rc = CREDSTACK_ERR_CONFIG;
    } else {
        rc = supply_all(mod, st, name);
    }
    credstack_store_free(st);
    free(rel);
    return rc;
}

static const struct credstack_module_ops ops = {
    .size = sizeof(struct credstack_module_ops),
    .abi_version = CREDSTACK_MODULE_ABI_VERSION,
    .name = "secret-source-localstore",
    .description = "options from the local credential store override the "
                   "configuration",
    .flags = CREDSTACK_MODULE_SECRET_SOURCE,
    .options = options,
    .option_size = sizeof(struct credstack_option),
    .init = init,
    /* No run(): the work is done when the handle opens (see module.h). */
};

CREDSTACK_MODULE_DEFINE(ops)
