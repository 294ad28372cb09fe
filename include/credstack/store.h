/* SPDX-License-Identifier: MIT */
/* store.h: reading credstack's own encrypted credential store, for secret
 * source modules (the credstack store command manages it). */
#ifndef CREDSTACK_STORE_H_PUBLIC
#define CREDSTACK_STORE_H_PUBLIC

#include <stddef.h>

#include <credstack/credstack.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An opened, decrypted store; every secret in it is wiped when freed. */
typedef struct credstack_store credstack_store;

/*
 * Open store `name` (a plain name, or a path with a '/').  dir: the store
 * directory from the configuration (NULL: the compiled-in one);
 * $CREDSTACK_STORE_DIR, when set, wins over both; key_file:
 * the key file (NULL: the store's own <name>.key, or the passphrase in
 * $CREDSTACK_STORE_PASSPHRASE when that is set).  Returns CREDSTACK_OK,
 * CREDSTACK_ERR_NOTFOUND (no such store; err names the file and how to
 * create it), or another credstack_rc with a message in err that never holds
 * a secret.  Free with credstack_store_free().
 */
int credstack_store_open(const char *name, const char *dir,
                         const char *key_file, credstack_store **st_out,
                         char *err, size_t errlen);

/*
 * The files credstack_store_open() reads for the same arguments: the store
 * file and the key file (read when the store is protected by one rather
 * than by a passphrase).  Both are new strings (free() them).  CREDSTACK_OK, or
 * a credstack_rc with a message in err.  A secret source records them
 * (credstack_module_add_input()) before it opens the store.
 */
int credstack_store_locate(const char *name, const char *dir,
                           const char *key_file, char **path_out,
                           char **key_out, char *err, size_t errlen);

/* The store file's path. */
const char *credstack_store_path(const credstack_store *st);

/* Number of entries (host, user); an entry's first credential counts. */
size_t credstack_store_count(const credstack_store *st);

/*
 * Entry i: its host (the configuration section), user (the option), secret
 * and kind ("password" or "private-key").  Owned by the store.
 */
int credstack_store_entry(const credstack_store *st, size_t i,
                          const char **host_out, const char **user_out,
                          const char **secret_out, const char **kind_out);

/* Wipe and free.  NULL is a no-op. */
void credstack_store_free(credstack_store *st);

#ifdef __cplusplus
}
#endif

#endif /* CREDSTACK_STORE_H_PUBLIC */
