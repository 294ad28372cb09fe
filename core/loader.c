/* SPDX-License-Identifier: MIT */
/* loader.c: finds, checks and loads module files with libltdl. */
#include "autoconf.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ltdl.h>

#include "internal.h"

/* libltdl keeps global state and is not thread-safe: serialise every call. */
static pthread_mutex_t lt_lock = PTHREAD_MUTEX_INITIALIZER;

int cs_loader_init(void)
{
    int rc;

    pthread_mutex_lock(&lt_lock);
    rc = lt_dlinit();
    pthread_mutex_unlock(&lt_lock);
    return rc == 0 ? CREDSTACK_OK : CREDSTACK_ERR_MODULE;
}

void cs_loader_exit(void)
{
    pthread_mutex_lock(&lt_lock);
    lt_dlexit();
    pthread_mutex_unlock(&lt_lock);
}

/*
 * The candidates for module `name` in `dir`: an installed `name.so`, or a
 * libtool `name.la` (its object under .libs/), flat or in the build tree's
 * one-folder-per-module layout.
 */
static int find_module(const char *dir, const char *name, char **path_out,
                       char **object_out)
{
    char buf[4096];

    for (int i = 0; i < 3; i++) {
        if (i == 0)
            snprintf(buf, sizeof(buf), "%s/%s.so", dir, name);
        else if (i == 1)
            snprintf(buf, sizeof(buf), "%s/%s.la", dir, name);
        else
            snprintf(buf, sizeof(buf), "%s/%s/%s.la", dir, name, name);
        if (access(buf, F_OK) != 0)
            continue;
        *path_out = strdup(buf);
        if (i == 0) {
            *object_out = strdup(buf);
        } else {
            /* An uninstalled .la points at .libs/NAME.so beside it. */
            char *slash = strrchr(buf, '/');
            size_t keep = (size_t)(slash - buf);
            char obj[4096];
            snprintf(obj, sizeof(obj), "%.*s/.libs/%s.so", (int)keep, buf,
                     name);
            *object_out = strdup(obj);
        }
        if (*path_out == NULL || *object_out == NULL) {
            free(*path_out);
            free(*object_out);
            *path_out = *object_out = NULL;
            return CREDSTACK_ERR_NOMEM;
        }
        return CREDSTACK_OK;
    }
    return CREDSTACK_ERR_NOTFOUND;
}

/*
 * Check the module directory, the file, the object it loads and their
 * directories.  The module directory itself matters for the build tree's
 * <dir>/<name>/<name>.la layout: whoever may write to it may swap <name>/.
 */
static int check_safe(const char *module_dir, const char *path,
                      const char *object, char *err, size_t errlen)
{
    const char *paths[2] = {path, object};
    int ret;

    ret = cs_is_safe_path(module_dir, 1, err, errlen);
    if (ret != CREDSTACK_OK)
        return ret == CREDSTACK_ERR_NOTFOUND ? CREDSTACK_ERR_MODULE : ret;

    for (int i = 0; i < 2; i++) {
        char dir[4096];
        const char *slash;

        if (i == 1 && strcmp(path, object) == 0)
            break;
        ret = cs_is_safe_path(paths[i], 0, err, errlen);
        if (ret != CREDSTACK_OK)
            return ret == CREDSTACK_ERR_NOTFOUND ? CREDSTACK_ERR_MODULE : ret;
        slash = strrchr(paths[i], '/');
        if (slash == NULL)
            continue;
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - paths[i]), paths[i]);
        ret = cs_is_safe_path(dir[0] ? dir : "/", 1, err, errlen);
        if (ret != CREDSTACK_OK)
            return ret;
    }
    return CREDSTACK_OK;
}

static int check_ops(const struct credstack_module_ops *ops, const char *name,
                     const char *path, char *err, size_t errlen)
{
    if (ops == NULL) {
        snprintf(err, errlen, "module %s (%s): entry point returned NULL", name,
                 path);
        return CREDSTACK_ERR_MODULE;
    }
    if (ops->abi_version != CREDSTACK_MODULE_ABI_VERSION) {
        snprintf(err, errlen,
                 "module %s (%s): built for module ABI %u%s, this credstack "
                 "speaks ABI %u; rebuild the module against this credstack's "
                 "<credstack/module.h> (credstack_module(3))",
                 name, path, ops->abi_version,
                 ops->abi_version == 1 ? " (credstack 0.1, options read at "
                                         "request time)"
                                       : "",
                 CREDSTACK_MODULE_ABI_VERSION);
        return CREDSTACK_ERR_MODULE;
    }
    /* Version 2's fields up to free() must be there; probe() is optional. */
    if (ops->size <
        offsetof(struct credstack_module_ops, free) + sizeof(ops->free)) {
        snprintf(err, errlen,
                 "module %s (%s): ops structure too small (%zu bytes)", name,
                 path, ops->size);
        return CREDSTACK_ERR_MODULE;
    }
    if (ops->run == NULL) {
        snprintf(err, errlen, "module %s (%s): no run function", name, path);
        return CREDSTACK_ERR_MODULE;
    }
    if (ops->name == NULL || strcmp(ops->name, name) != 0) {
        snprintf(err, errlen,
                 "module %s (%s): the file calls itself '%s'; refusing a "
                 "renamed module",
                 name, path, ops->name ? ops->name : "(null)");
        return CREDSTACK_ERR_MODULE;
    }
    return CREDSTACK_OK;
}

int cs_dso_load(credstack_handle *h, const char *name, cs_dso **dso_out,
                char *err, size_t errlen)
{
    cs_dso *dso = NULL;
    char *path = NULL, *object = NULL;
    lt_dladvise advise = NULL;
    credstack_module_entry_fn entry = NULL;
    int ret;

    for (cs_dso *d = h->dsos; d; d = d->next) {
        if (strcmp(d->name, name) == 0) {
            *dso_out = d;
            return CREDSTACK_OK;
        }
    }
    ret = find_module(h->module_dir, name, &path, &object);
    if (ret == CREDSTACK_ERR_NOTFOUND) {
        snprintf(err, errlen, "module %s: no %s.so or %s.la in %s", name, name,
                 name, h->module_dir);
        ret = CREDSTACK_ERR_MODULE;
        goto done;
    }
    if (ret != CREDSTACK_OK)
        goto done;
    ret = check_safe(h->module_dir, path, object, err, errlen);
    if (ret != CREDSTACK_OK)
        goto done;
    dso = calloc(1, sizeof(*dso));
    if (dso == NULL || (dso->name = strdup(name)) == NULL) {
        ret = CREDSTACK_ERR_NOMEM;
        goto done;
    }
    dso->path = path;
    path = NULL;
    pthread_mutex_lock(&lt_lock);
    /* Local symbols: every module exports the same entry point name. */
    if (lt_dladvise_init(&advise) == 0 && lt_dladvise_local(&advise) == 0)
        dso->lt_handle = lt_dlopenadvise(dso->path, advise);
    if (dso->lt_handle == NULL) {
        const char *why = lt_dlerror();
        snprintf(err, errlen, "module %s: cannot load %s: %s", name, dso->path,
                 why ? why : "unknown libltdl error");
    } else {
        entry = (credstack_module_entry_fn)(uintptr_t)lt_dlsym(
            (lt_dlhandle)dso->lt_handle, CREDSTACK_MODULE_ENTRY_SYMBOL);
        if (entry == NULL)
            snprintf(err, errlen,
                     "module %s (%s): no symbol %s; not a credstack "
                     "module",
                     name, dso->path, CREDSTACK_MODULE_ENTRY_SYMBOL);
    }
    lt_dladvise_destroy(&advise);
    pthread_mutex_unlock(&lt_lock);
    if (entry == NULL) {
        ret = CREDSTACK_ERR_MODULE;
        goto done;
    }
    dso->ops = entry();
    ret = check_ops(dso->ops, name, dso->path, err, errlen);
    if (ret != CREDSTACK_OK)
        goto done;
    dso->next = h->dsos;
    h->dsos = dso;
    *dso_out = dso;
    dso = NULL;
done:
    if (dso != NULL) {
        if (dso->lt_handle) {
            pthread_mutex_lock(&lt_lock);
            lt_dlclose((lt_dlhandle)dso->lt_handle);
            pthread_mutex_unlock(&lt_lock);
        }
        free(dso->name);
        free(dso->path);
        free(dso);
    }
    free(path);
    free(object);
    return ret;
}

void cs_dso_unload_all(credstack_handle *h)
{
    cs_dso *d = h->dsos;

    while (d) {
        cs_dso *next = d->next;
        pthread_mutex_lock(&lt_lock);
        /* Valgrind and ASan want symbols to stay for their reports. */
        if (getenv("CREDSTACK_NO_DLCLOSE") == NULL)
            lt_dlclose((lt_dlhandle)d->lt_handle);
        pthread_mutex_unlock(&lt_lock);
        free(d->name);
        free(d->path);
        free(d);
        d = next;
    }
    h->dsos = NULL;
}
