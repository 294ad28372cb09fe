/* SPDX-License-Identifier: MIT */
/* store_rekey.c: rekey, and the recovery of what a killed writer left, so
 * that some key file on disk always opens the store on disk. */
#include "autoconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include <credstack/credstack.h>

#include "store.h"
#include "store_sys.h"

/*
 * The protocol (doc/store-format.md, "Crash safety", has the table of
 * states).  A rekey in place, from key file K to a new key in K:
 *
 *   recover   (below: K opens the store and there is no K.new afterwards)
 *   K.new     created whole: K.new.tmp.XXXXXX, fsync, link, fsync dir
 *   store     sealed with K.new's key: store.tmp.XXXXXX, fsync, rename,
 *             fsync dir
 *   K.new  -> K (rename), fsync dir
 *
 * Until the store's rename K opens the store; from then until K.new's
 * rename K.new does (readers try it when K fails: cs_store_open()); after
 * it K does.  Each rename is atomic, so no kill, at any step, twice or more,
 * leaves no key that opens the store; the next writer settles the state.
 */

/* Append a sentence to note ("; " between two). */
static void note_add(char *note, size_t notelen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void note_add(char *note, size_t notelen, const char *fmt, ...)
{
    size_t used;
    va_list ap;

    if (note == NULL || notelen == 0)
        return;
    used = strlen(note);
    if (used > 0 && used + 2 < notelen) {
        memcpy(note + used, "; ", 3);
        used += 2;
    }
    va_start(ap, fmt);
    vsnprintf(note + used, notelen - used, fmt, ap);
    va_end(ap);
}

/* Whether the key in key_file decrypts the store image (tag verified). */
static int key_opens(const char *key_file, const char *path,
                     const unsigned char *img, size_t len)
{
    unsigned char key[CS_STORE_KEY_LEN];
    unsigned char *plain = NULL;
    size_t plain_len = 0;
    char err[512];
    int ok;

    ok = cs_store_key_file_read(key_file, key, err, sizeof(err)) ==
             CREDSTACK_OK &&
         cs_store_unseal(img, len, path, key, &plain, &plain_len, err,
                         sizeof(err)) == CREDSTACK_OK;
    if (plain != NULL)
        cs_store_wipe_free(plain, plain_len + 1);
    OPENSSL_cleanse(key, sizeof(key));
    return ok;
}

/* a and b name the same file: the same name, or the same inode. */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;

    if (a == NULL || b == NULL)
        return 0;
    if (strcmp(a, b) == 0)
        return 1;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* Settle <key>.new, left by a rekey in place that was killed. */
static int settle_new_key(const char *path, const char *key_file,
                          const char *knew, char *note, size_t notelen,
                          char *err, size_t errlen)
{
    unsigned char *img = NULL;
    size_t len = 0;
    cs_store_params p;
    char err2[512];
    int ret = CREDSTACK_OK;

    /* No store, or not one a key file opens: nothing can be proved about
     * <key>.new, so it is left alone (the command says what fails). */
    if (cs_store_file_read(path, &img, &len, err2, sizeof(err2)) !=
            CREDSTACK_OK ||
        cs_store_peek(img, len, path, &p, err2, sizeof(err2)) != CREDSTACK_OK ||
        p.kdf != CS_STORE_KDF_KEYFILE)
        goto done;
    if (key_opens(key_file, path, img, len)) {
        /* Killed before the store was re-encrypted: the new key was never
         * used. */
        if (cs_sys_unlink(knew) != 0) {
            snprintf(err, errlen, "cannot remove %s: %s", knew,
                     strerror(errno));
            ret = CREDSTACK_ERR_IO;
            goto done;
        }
        note_add(note, notelen,
                 "removed %s, the unused new key of a rekey that was "
                 "interrupted before it re-encrypted the store (%s still "
                 "opens it)",
                 knew, key_file);
        ret = cs_store_sync_dir(knew, err, errlen);
    } else if (key_opens(knew, path, img, len)) {
        /* Killed after the store was re-encrypted: finish the rekey. */
        if (cs_sys_rename(knew, key_file) != 0) {
            snprintf(err, errlen, "cannot rename %s to %s: %s", knew, key_file,
                     strerror(errno));
            ret = CREDSTACK_ERR_IO;
            goto done;
        }
        note_add(note, notelen,
                 "finished a rekey that was interrupted after it "
                 "re-encrypted the store: renamed %s to %s",
                 knew, key_file);
        ret = cs_store_sync_dir(key_file, err, errlen);
    }
done:
    free(img); /* ciphertext */
    return ret;
}

int cs_store_recover_locked(const char *path, const char *key_file, char *note,
                            size_t notelen, char *err, size_t errlen)
{
    char *knew = NULL;
    struct stat sb;
    int temps, ret = CREDSTACK_OK;

    if (note != NULL && notelen > 0)
        note[0] = '\0';
    temps = cs_store_remove_temps(path);
    if (key_file != NULL) {
        if (asprintf(&knew, "%s.new", key_file) < 0) {
            snprintf(err, errlen, "out of memory");
            return CREDSTACK_ERR_NOMEM;
        }
        temps += cs_store_remove_temps(key_file);
        temps += cs_store_remove_temps(knew);
    }
    if (temps > 0)
        note_add(note, notelen,
                 "removed %d temporary file%s left by an interrupted writer",
                 temps, temps == 1 ? "" : "s");
    if (knew != NULL && lstat(knew, &sb) == 0)
        ret = settle_new_key(path, key_file, knew, note, notelen, err, errlen);
    free(knew);
    return ret;
}

int cs_store_recover(const char *path, const cs_store_unlock *un, char *note,
                     size_t notelen, char *err, size_t errlen)
{
    struct stat sb;
    int lock_fd = -1, ret;

    if (note != NULL && notelen > 0)
        note[0] = '\0';
    /* No store: nothing to settle (init removes its own temporaries). */
    if (lstat(path, &sb) != 0 && errno == ENOENT)
        return CREDSTACK_OK;
    ret = cs_store_file_lock(path, &lock_fd, err, errlen);
    if (ret != CREDSTACK_OK)
        return ret;
    ret =
        cs_store_recover_locked(path, un->key_file, note, notelen, err, errlen);
    cs_store_file_unlock(lock_fd);
    return ret;
}

int cs_store_rekey(const char *path, const cs_store_unlock *from,
                   const cs_store_unlock *to, const cs_store_params *params,
                   char *note, size_t notelen, char *err, size_t errlen)
{
    cs_store *st = NULL;
    char *knew = NULL;
    int lock_fd = -1, ret, in_place, temps = 0;
    struct stat sb;

    if (note != NULL && notelen > 0)
        note[0] = '\0';
    ret = cs_store_file_lock(path, &lock_fd, err, errlen);
    if (ret != CREDSTACK_OK)
        return ret;
    ret = cs_store_recover_locked(path, from->key_file, note, notelen, err,
                                  errlen);
    if (ret != CREDSTACK_OK)
        goto done;
    in_place =
        to->passphrase == NULL && same_file(to->key_file, from->key_file);
    if (to->key_file != NULL && !in_place)
        temps = cs_store_remove_temps(to->key_file);
    if (temps > 0)
        note_add(note, notelen,
                 "removed %d temporary file%s of %s left by an interrupted "
                 "rekey",
                 temps, temps == 1 ? "" : "s", to->key_file);
    ret = cs_store_open(path, from, &st, err, errlen);
    /* Killed after it re-encrypted the store under another key file or a
     * passphrase: the command run again finds the store under `to`. */
    if (ret != CREDSTACK_OK && !in_place &&
        (to->passphrase != NULL ||
         (to->key_file != NULL && lstat(to->key_file, &sb) == 0))) {
        char err2[512];
        if (cs_store_open(path, to, &st, err2, sizeof(err2)) == CREDSTACK_OK) {
            note_add(note, notelen,
                     "the store already used the new key (a rekey was "
                     "interrupted after it re-encrypted the store); "
                     "re-encrypted it again");
            err[0] = '\0';
            ret = CREDSTACK_OK;
        }
    }
    if (ret != CREDSTACK_OK)
        goto done;
    in_place = in_place && st->params.kdf == CS_STORE_KDF_KEYFILE;
    if (in_place) {
        if (asprintf(&knew, "%s.new", to->key_file) < 0) {
            knew = NULL;
            snprintf(err, errlen, "out of memory");
            ret = CREDSTACK_ERR_NOMEM;
            goto done;
        }
        /* Recovery removed it or renamed it, unless it could prove
         * neither: then it is not ours to replace. */
        if (lstat(knew, &sb) == 0) {
            snprintf(err, errlen,
                     "%s exists and neither it nor %s opens store %s: "
                     "left alone; move it away to rekey",
                     knew, to->key_file, path);
            ret = CREDSTACK_ERR_REFUSED;
            goto done;
        }
    } else if (to->key_file != NULL && from->key_file != NULL) {
        size_t n = strlen(from->key_file);
        if (strncmp(to->key_file, from->key_file, n) == 0 &&
            strcmp(to->key_file + n, ".new") == 0) {
            snprintf(err, errlen,
                     "%s is the name a rekey in place uses for its new key: "
                     "choose another new key file",
                     to->key_file);
            ret = CREDSTACK_ERR_INVALID;
            goto done;
        }
    }
    ret = cs_store_new_key(to, params, knew, &st->params, st->key, err, errlen);
    if (ret == CREDSTACK_OK)
        ret = cs_store_write(st, 0, err, errlen);
    if (ret == CREDSTACK_OK && in_place) {
        if (cs_sys_rename(knew, to->key_file) != 0) {
            snprintf(err, errlen, "%s: cannot rename into place: %s", knew,
                     strerror(errno));
            ret = CREDSTACK_ERR_IO;
            goto done;
        }
        ret = cs_store_sync_dir(to->key_file, err, errlen);
    }
done:
    free(knew);
    cs_store_free(st);
    cs_store_file_unlock(lock_fd);
    return ret;
}
