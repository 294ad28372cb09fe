/* SPDX-License-Identifier: MIT */
/* store_api.c: credstack/store.h, the read side of the local credential store
 * that secret sources use, over the store's own code (store.h). */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <credstack/store.h>

#include "../core/env.h"
#include "store.h"

struct credstack_store {
    cs_store *st;
    size_t *first; /* index of each entry's first credential */
    size_t n;
};

int credstack_store_open(const char *name, const char *dir,
                         const char *key_file, credstack_store **st_out,
                         char *err, size_t errlen)
{
    const char *pass = cs_env("CREDSTACK_STORE_PASSPHRASE");
    char *path = NULL, *default_key = NULL;
    cs_store_unlock un = {0};
    credstack_store *s = NULL;
    int ret;

    if (name == NULL || st_out == NULL)
        return CREDSTACK_ERR_INVALID;
    *st_out = NULL;
    /* The environment wins over the configuration (tests, packaging). */
    if (cs_env("CREDSTACK_STORE_DIR") != NULL &&
        *cs_env("CREDSTACK_STORE_DIR") != '\0')
        dir = cs_env("CREDSTACK_STORE_DIR");
    if (dir != NULL && *dir == '\0')
        dir = NULL;
    ret = cs_store_locate(name, dir, &path, &default_key, err, errlen);
    if (ret != CREDSTACK_OK)
        goto done;
    un.key_file = key_file ? key_file : default_key;
    if (pass != NULL && *pass != '\0') {
        un.passphrase = pass;
        un.passphrase_len = strlen(pass);
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        ret = CREDSTACK_ERR_NOMEM;
        goto done;
    }
    /* No lock: writers replace the file by an atomic rename. */
    ret = cs_store_open(path, &un, &s->st, err, errlen);
    if (ret == CREDSTACK_ERR_NOTFOUND)
        snprintf(err, errlen,
                 "credential store '%s' (%s) does not exist (create it with: "
                 "credstack store init --store %s)",
                 name, path, name);
    if (ret != CREDSTACK_OK)
        goto done;
    s->first = calloc(s->st->ncreds ? s->st->ncreds : 1, sizeof(*s->first));
    if (s->first == NULL) {
        ret = CREDSTACK_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < s->st->ncreds; i++) {
        const cs_store_cred *c = &s->st->creds[i];
        if (cs_store_find(s->st, c->host, c->user, 0) == (long)i)
            s->first[s->n++] = i;
    }
    *st_out = s;
    s = NULL;
done:
    credstack_store_free(s);
    free(path);
    free(default_key);
    return ret;
}

int credstack_store_locate(const char *name, const char *dir,
                           const char *key_file, char **path_out,
                           char **key_out, char *err, size_t errlen)
{
    char *default_key = NULL;
    int ret;

    if (name == NULL || path_out == NULL || key_out == NULL)
        return CREDSTACK_ERR_INVALID;
    *path_out = *key_out = NULL;
    /* As credstack_store_open() chooses them. */
    if (cs_env("CREDSTACK_STORE_DIR") != NULL &&
        *cs_env("CREDSTACK_STORE_DIR") != '\0')
        dir = cs_env("CREDSTACK_STORE_DIR");
    if (dir != NULL && *dir == '\0')
        dir = NULL;
    ret = cs_store_locate(name, dir, path_out, &default_key, err, errlen);
    if (ret != CREDSTACK_OK)
        return ret;
    /* The store's header says whether the key file or a passphrase opens
     * it: the key file is named either way. */
    *key_out = strdup(key_file ? key_file : default_key);
    if (*key_out == NULL) {
        free(*path_out);
        *path_out = NULL;
        ret = CREDSTACK_ERR_NOMEM;
    }
    free(default_key);
    return ret;
}

const char *credstack_store_path(const credstack_store *st)
{
    return st ? st->st->path : NULL;
}

size_t credstack_store_count(const credstack_store *st)
{
    return st ? st->n : 0;
}

int credstack_store_entry(const credstack_store *st, size_t i,
                          const char **host_out, const char **user_out,
                          const char **secret_out, const char **kind_out)
{
    const cs_store_cred *c;

    if (st == NULL || i >= st->n)
        return CREDSTACK_ERR_INVALID;
    c = &st->st->creds[st->first[i]];
    if (host_out)
        *host_out = c->host;
    if (user_out)
        *user_out = c->user;
    if (secret_out)
        *secret_out = c->secret;
    if (kind_out)
        *kind_out = cs_store_type_name(c->type);
    return CREDSTACK_OK;
}

void credstack_store_free(credstack_store *st)
{
    if (st == NULL)
        return;
    cs_store_free(st->st);
    free(st->first);
    free(st);
}
