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
 * Unload a module and release its descriptor.
 *
 * The descriptor stays open as long as the module is loaded: libltdl and
 * glibc both recognise an already loaded object by the name it was opened
 * with, and that name is /proc/self/fd/<fd>.  Were the number free while the
 * module is still loaded, the next module opened on it would be taken for
 * this one.  Kept loaded (CREDSTACK_NO_DLCLOSE, for valgrind and ASan
 * reports), the module keeps its descriptor until the process ends.
 */
static void dso_free(cs_dso *d)
{
    int keep_fd = 0;

    if (d->lt_handle) {
        pthread_mutex_lock(&lt_lock);
        if (credstack_getenv("CREDSTACK_NO_DLCLOSE") == NULL)
            lt_dlclose((lt_dlhandle)d->lt_handle);
        else
            keep_fd = 1;
        pthread_mutex_unlock(&lt_lock);
    }
    if (d->fd >= 0 && !keep_fd)
        close(d->fd);
    free(d->name);
    free(d->path);
    free(d);
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
    if (ops->run == NULL && !(ops->flags & CREDSTACK_MODULE_SECRET_SOURCE)) {
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
    char file[512], load_path[64];
    lt_dladvise advise = NULL;
    credstack_module_entry_fn entry = NULL;
    int ret;

    for (cs_dso *d = h->dsos; d; d = d->next) {
        if (strcmp(d->name, name) == 0) {
            *dso_out = d;
            return CREDSTACK_OK;
        }
    }
    dso = calloc(1, sizeof(*dso));
    if (dso == NULL) {
        ret = CREDSTACK_ERR_NOMEM;
        goto done;
    }
    dso->fd = -1;
    snprintf(file, sizeof(file), "%s.so", name);
    if ((dso->name = strdup(name)) == NULL ||
        asprintf(&dso->path, "%s/%s", h->module_dir, file) < 0) {
        dso->path = NULL;
        ret = CREDSTACK_ERR_NOMEM;
        goto done;
    }
    ret = cs_input_add(h, dso->path, "module");
    if (ret != CREDSTACK_OK)
        goto done;
    /* Open and check; what is loaded below is this descriptor's file. */
    ret = cs_open_module_file(h->module_dir, file, &dso->fd, err, errlen);
    if (ret != CREDSTACK_OK) {
        char why[CS_ERRLEN];
        snprintf(why, sizeof(why), "%s", err);
        snprintf(err, errlen, "module %s: %s", name, why);
        ret = ret == CREDSTACK_ERR_NOMEM ? ret : CREDSTACK_ERR_MODULE;
        goto done;
    }
    snprintf(load_path, sizeof(load_path), "/proc/self/fd/%d", dso->fd);
    pthread_mutex_lock(&lt_lock);
    /* Its private libraries first, checked as it is (loader_deps.c). */
    ret = cs_deps_preload(h, dso->fd, h->module_dir, err, errlen);
    if (ret != CREDSTACK_OK) {
        char why[CS_ERRLEN];

        pthread_mutex_unlock(&lt_lock);
        snprintf(why, sizeof(why), "%s", err);
        snprintf(err, errlen, "module %s: %s", name, why);
        ret = ret == CREDSTACK_ERR_NOMEM ? ret : CREDSTACK_ERR_MODULE;
        goto done;
    }
    /* Local symbols: every module exports the same entry point name. */
    if (lt_dladvise_init(&advise) == 0 && lt_dladvise_local(&advise) == 0)
        dso->lt_handle = lt_dlopenadvise(load_path, advise);
    if (dso->lt_handle == NULL) {
        const char *why = lt_dlerror();
        snprintf(err, errlen, "module %s: cannot load %s: %s%s", name,
                 dso->path, why ? why : "unknown libltdl error",
                 access("/proc/self/fd", F_OK) != 0
                     ? " (modules are loaded through /proc/self/fd: is "
                       "/proc mounted?)"
                     : "");
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
    if (dso != NULL)
        dso_free(dso);
    return ret;
}

void cs_dso_unload_all(credstack_handle *h)
{
    cs_dso *d = h->dsos;

    while (d) {
        cs_dso *next = d->next;
        dso_free(d);
        d = next;
    }
    h->dsos = NULL;
}
