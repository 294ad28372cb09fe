/* SPDX-License-Identifier: MIT */
/* localstore.c: secret-source-localstore: options from the local credential
 * store override the configuration. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <credstack/module.h>

#include "../../core/store/store.h"

/*
 * The seed's semantics: every credential in the store, host = section and
 * user = option, overrides that option of the configuration for the request
 * (its first credential when it has several; a private key's value is the
 * key's text).  The later generation's: an option written as "$" must come
 * from the store.  Argument require=SECTION.OPTION[,...] names more options
 * that must come from the store whatever the configuration says.
 */

static const char *env(const char *name)
{
#ifdef HAVE_SECURE_GETENV
    return secure_getenv(name);
#else
    return getenv(name);
#endif
}

/* [credential_store] name (later generation), else [plugin] cred_store (the
 * seed's). */
static int store_name(credstack_module *mod, const char **name_out)
{
    int rc = credstack_module_config_string(mod, "credential_store", "name",
                                            name_out);

    if (rc == CREDSTACK_ERR_NOTFOUND || (rc == CREDSTACK_OK && !**name_out))
        rc = credstack_module_config_string(mod, "plugin", "cred_store",
                                            name_out);
    if (rc == CREDSTACK_OK && **name_out == '\0')
        rc = CREDSTACK_ERR_NOTFOUND;
    if (rc == CREDSTACK_ERR_NOTFOUND)
        credstack_module_error_rc(
            mod, CREDSTACK_ERR_CONFIG,
            "no credential store configured: set [credential_store] name "
            "(or the seed's [plugin] cred_store)");
    return rc;
}

/* Check require=: a comma-separated list of section.option. */
static int check_require_arg(credstack_module *mod)
{
    const char *req = credstack_module_arg(mod, "require");

    if (req == NULL)
        return CREDSTACK_OK;
    for (const char *p = req; *p;) {
        size_t n = strcspn(p, ",");
        const char *dot = memchr(p, '.', n);
        if (dot == NULL || dot == p || dot == p + n - 1) {
            credstack_module_error_rc(mod, CREDSTACK_ERR_STACK,
                                      "require=%s: each item must be "
                                      "SECTION.OPTION",
                                      req);
            return CREDSTACK_ERR_STACK;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return CREDSTACK_OK;
}

static int init(credstack_module *mod, void **data_out)
{
    const char *name = NULL;
    int rc;

    (void)data_out;
    rc = store_name(mod, &name);
    if (rc != CREDSTACK_OK)
        return rc == CREDSTACK_ERR_NOTFOUND ? CREDSTACK_ERR_CONFIG : rc;
    return check_require_arg(mod);
}

/* State of one run, for the "must come from the store" checks. */
typedef struct check {
    const cs_store *st;
    char missing_host[256];
    char missing_user[256];
    int missing;
} check_t;

static int supplied(const cs_store *st, const char *section, const char *option)
{
    for (size_t i = 0; i < st->ncreds; i++)
        if (strcmp(st->creds[i].host, section) == 0 &&
            strcasecmp(st->creds[i].user, option) == 0)
            return 1;
    return 0;
}

static void need(check_t *c, const char *section, size_t slen,
                 const char *option, size_t olen)
{
    char s[256], o[256];

    if (c->missing || slen >= sizeof(s) || olen >= sizeof(o))
        return;
    memcpy(s, section, slen);
    s[slen] = '\0';
    memcpy(o, option, olen);
    o[olen] = '\0';
    if (supplied(c->st, s, o))
        return;
    c->missing = 1;
    memcpy(c->missing_host, s, slen + 1);
    memcpy(c->missing_user, o, olen + 1);
}

static void need_ref(const char *section, const char *option, void *user)
{
    need(user, section, strlen(section), option, strlen(option));
}

static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    const char *name = NULL, *dir = NULL, *key_file = NULL, *pass = NULL;
    const char *require = credstack_module_arg(mod, "require");
    char *path = NULL, *default_key = NULL;
    char err[1024] = "";
    cs_store *st = NULL;
    cs_store_unlock un = {0};
    check_t chk;
    size_t set = 0;
    credstack_result ret = CREDSTACK_RESULT_ERROR;
    int rc;

    (void)data;
    memset(&chk, 0, sizeof(chk));
    if (store_name(mod, &name) != CREDSTACK_OK)
        return CREDSTACK_RESULT_ERROR;
    dir = env("CREDSTACK_STORE_DIR");
    if (dir == NULL || *dir == '\0') {
        rc =
            credstack_module_config_string(mod, "credstack", "store_dir", &dir);
        if (rc == CREDSTACK_ERR_NOTFOUND)
            dir = NULL;
        else if (rc != CREDSTACK_OK)
            return CREDSTACK_RESULT_ERROR;
    }
    rc = credstack_module_config_string(mod, "credstack", "store_key_file",
                                        &key_file);
    if (rc == CREDSTACK_ERR_NOTFOUND)
        key_file = NULL;
    else if (rc != CREDSTACK_OK)
        return CREDSTACK_RESULT_ERROR;
    rc = cs_store_locate(name, dir, &path, &default_key, err, sizeof(err));
    if (rc != CREDSTACK_OK) {
        credstack_module_error_rc(mod, rc, "%s", err);
        goto done;
    }
    pass = env("CREDSTACK_STORE_PASSPHRASE");
    un.key_file = key_file ? key_file : default_key;
    if (pass != NULL && *pass != '\0') {
        un.passphrase = pass;
        un.passphrase_len = strlen(pass);
    }
    /* No lock: writers replace the file by an atomic rename. */
    rc = cs_store_open(path, &un, &st, err, sizeof(err));
    if (rc == CREDSTACK_ERR_NOTFOUND) {
        credstack_module_error_rc(mod, CREDSTACK_ERR_CONFIG,
                                  "credential store '%s' (%s) does not exist "
                                  "(create it with: credstack store init "
                                  "--store %s)",
                                  name, path, name);
        goto done;
    }
    if (rc != CREDSTACK_OK) {
        credstack_module_error_rc(
            mod, rc == CREDSTACK_ERR_NOMEM ? rc : CREDSTACK_ERR_CONFIG,
            "credential store '%s': %s", name, err);
        goto done;
    }
    for (size_t i = 0; i < st->ncreds; i++) {
        const cs_store_cred *c = &st->creds[i];
        /* The entry's first credential is the option's value. */
        if (cs_store_find(st, c->host, c->user, 0) != (long)i)
            continue;
        rc = credstack_request_set_option(req, c->host, c->user, c->secret, 1);
        if (rc != CREDSTACK_OK) {
            credstack_module_error_rc(mod, rc, "cannot set option %s.%s",
                                      c->host, c->user);
            goto done;
        }
        credstack_module_log(mod, CREDSTACK_LOG_DEBUG,
                             "%s.%s (%s%s%s) from credential store '%s'",
                             c->host, c->user, cs_store_type_name(c->type),
                             *c->key_type ? " " : "", c->key_type, name);
        set++;
    }
    chk.st = st;
    credstack_module_config_store_refs(mod, need_ref, &chk);
    for (const char *p = require; p && *p && !chk.missing;) {
        size_t n = strcspn(p, ",");
        const char *dot = memchr(p, '.', n);
        if (dot != NULL)
            need(&chk, p, (size_t)(dot - p), dot + 1,
                 n - (size_t)(dot - p) - 1);
        p += n;
        if (*p == ',')
            p++;
    }
    if (chk.missing) {
        credstack_module_error_rc(mod, CREDSTACK_ERR_CONFIG,
                                  "credential store '%s' (%s) has no entry "
                                  "for host '%s' user '%s'",
                                  name, path, chk.missing_host,
                                  chk.missing_user);
        goto done;
    }
    credstack_module_note(mod, "%zu option(s) from credential store '%s'", set,
                          name);
    ret = CREDSTACK_RESULT_SUCCESS;
done:
    cs_store_free(st);
    free(path);
    free(default_key);
    return ret;
}

static const struct credstack_module_ops ops = {
    .size = sizeof(struct credstack_module_ops),
    .abi_version = CREDSTACK_MODULE_ABI_VERSION,
    .name = "secret-source-localstore",
    .description = "options from the local credential store override the "
                   "configuration",
    .init = init,
    .run = run,
};

CREDSTACK_MODULE_DEFINE(ops)
