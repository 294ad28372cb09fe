/* SPDX-License-Identifier: MIT */
/* store_write.c: the writers that edit a store under its lock, init and
 * update; each first settles what a killed writer left (store_rekey.c), so
 * this file sits above both store.c and store_rekey.c. */
#include "autoconf.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <credstack/credstack.h>

#include "store.h"

static int lock_dir_of(const char *path, int *lock_fd, char *err, size_t errlen)
{
    char *copy = strdup(path);
    int ret;

    if (copy == NULL) {
        snprintf(err, errlen, "out of memory");
        return CREDSTACK_ERR_NOMEM;
    }
    ret = cs_store_mkdirs(dirname(copy), err, errlen);
    free(copy);
    if (ret == CREDSTACK_OK)
        ret = cs_store_file_lock(path, lock_fd, err, errlen);
    return ret;
}

int cs_store_init(const char *path, const cs_store_unlock *un,
                  const cs_store_params *params, char *err, size_t errlen)
{
    cs_store *st = NULL;
    int lock_fd = -1, ret;
    struct stat sb;

    ret = lock_dir_of(path, &lock_fd, err, errlen);
    if (ret != CREDSTACK_OK)
        return ret;
    /* What a killed writer left first (a killed init: its temporaries). */
    ret = cs_store_recover_locked(path, un->key_file, NULL, 0, err, errlen);
    if (ret != CREDSTACK_OK)
        goto done;
    if (lstat(path, &sb) == 0) {
        snprintf(err, errlen, "store %s already exists", path);
        ret = CREDSTACK_ERR_REFUSED;
        goto done;
    }
    st = calloc(1, sizeof(*st));
    if (st == NULL || (st->path = strdup(path)) == NULL) {
        snprintf(err, errlen, "out of memory");
        ret = CREDSTACK_ERR_NOMEM;
        goto done;
    }
    ret = cs_store_new_key(un, params, NULL, &st->params, st->key, err, errlen);
    if (ret == CREDSTACK_OK)
        ret = cs_store_write(st, 1, err, errlen);
done:
    cs_store_free(st);
    cs_store_file_unlock(lock_fd);
    return ret;
}

int cs_store_update(const char *path, const cs_store_unlock *un,
                    cs_store_edit_fn edit, void *user, char *err, size_t errlen)
{
    cs_store *st = NULL;
    int lock_fd = -1, ret;

    ret = cs_store_file_lock(path, &lock_fd, err, errlen);
    if (ret != CREDSTACK_OK)
        return ret;
    /* What a killed writer left is put right first (store_rekey.c); then
     * read under the lock: the read-modify-write of two writers never
     * interleaves. */
    ret = cs_store_recover_locked(path, un->key_file, NULL, 0, err, errlen);
    if (ret == CREDSTACK_OK)
        ret = cs_store_open(path, un, &st, err, errlen);
    if (ret == CREDSTACK_OK)
        ret = edit(st, user, err, errlen);
    if (ret == CREDSTACK_OK)
        ret = cs_store_write(st, 0, err, errlen);
    cs_store_free(st);
    cs_store_file_unlock(lock_fd);
    return ret;
}
