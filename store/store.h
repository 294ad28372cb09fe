/* SPDX-License-Identifier: MIT */
/* store.h: the local credential store (private to credstack: the CLI and
 * secret-source-localstore). */
#ifndef CREDSTACK_STORE_H
#define CREDSTACK_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * A store is one encrypted file (format: doc/store-format.md) holding
 * credentials addressed by (host, user); the seed's convention is host = the
 * configuration section, user = the option.  Every function that can fail
 * returns a credstack_rc and writes a one-line message into err (errlen
 * bytes, always NUL-terminated) that names the file; never a secret.
 */

#define CS_STORE_KEY_LEN 32
#define CS_STORE_SALT_LEN 16
#define CS_STORE_NONCE_LEN 12
#define CS_STORE_TAG_LEN 16
#define CS_STORE_VERSION 1
/* The largest store file accepted (a bound against a hostile size field). */
#define CS_STORE_MAX_FILE (16u * 1024u * 1024u)

typedef enum cs_store_cipher {
    CS_STORE_AES_256_GCM = 1,
    CS_STORE_CHACHA20_POLY1305 = 2
} cs_store_cipher;

typedef enum cs_store_kdf {
    CS_STORE_KDF_KEYFILE = 0, /* the key is a master key file's 32 bytes */
    CS_STORE_KDF_SCRYPT = 1,  /* scrypt(passphrase, salt, N=2^p1, r=p2, p=p3) */
    CS_STORE_KDF_PBKDF2 =
        2 /* PBKDF2-HMAC-SHA256(passphrase, salt, p1 rounds) */
} cs_store_kdf;

typedef enum cs_store_type {
    CS_STORE_PASSWORD = 1,
    CS_STORE_PRIVATE_KEY = 2
} cs_store_type;

/* How the store's key is protected, as recorded in the header. */
typedef struct cs_store_params {
    cs_store_cipher cipher;
    cs_store_kdf kdf;
    uint32_t kdf_p1, kdf_p2, kdf_p3; /* 0 for a key file */
    unsigned char salt[CS_STORE_SALT_LEN];
} cs_store_params;

/* Defaults: scrypt N=2^15 r=8 p=1 (32 MiB), PBKDF2 600000 rounds. */
void cs_store_params_default(cs_store_params *p, cs_store_cipher cipher,
                             cs_store_kdf kdf);

/* Where the key comes from: a key file, or a passphrase (not both). */
typedef struct cs_store_unlock {
    const char *key_file;
    const char *passphrase;
    size_t passphrase_len;
} cs_store_unlock;

/* One credential (an entry may hold several, in order). */
typedef struct cs_store_cred {
    char *host;
    char *user;
    cs_store_type type;
    char *key_type; /* "ssh-rsa", "ssh-ed25519", ...; "" for a password */
    char *secret;   /* NUL-terminated; secret_len bytes */
    size_t secret_len;
} cs_store_cred;

/* A decrypted store in memory; its key stays with it for writing back. */
typedef struct cs_store {
    char *path;
    cs_store_params params;
    unsigned char key[CS_STORE_KEY_LEN];
    cs_store_cred *creds;
    size_t ncreds;
} cs_store;

/* ---- locating a store (store.c) ---- */

/* The compiled-in store directory (-DCREDSTACK_STORE_DIR). */
const char *cs_store_default_dir(void);

/*
 * The file of store `name`: a name with a '/' is the file's path itself;
 * otherwise <dir>/<name>.store, where name may use [A-Za-z0-9._-] and must not
 * begin with '.'.  dir NULL: $CREDSTACK_STORE_DIR, else the default.  The
 * default key file is the store path with ".store" replaced by ".key" (or
 * ".key" appended).  Free both with free().
 */
int cs_store_locate(const char *name, const char *dir, char **path_out,
                    char **key_file_out, char *err, size_t errlen);

/* ---- whole-store operations (store.c) ---- */

/* Read and decrypt (no lock: writes are atomic renames).  Free with
 * cs_store_free(). */
int cs_store_open(const char *path, const cs_store_unlock *un,
                  cs_store **st_out, char *err, size_t errlen);

/* Wipe every secret and the key, and free.  NULL is a no-op. */
void cs_store_free(cs_store *st);

/*
 * Create an empty store protected by `un` (for a key file: created 0400 when
 * absent, used when present).  Refuses an existing store.  params: cipher
 * and kdf parameters (the salt is drawn here); NULL: AES-256-GCM and the kdf
 * that `un` implies, with default parameters.
 */
int cs_store_init(const char *path, const cs_store_unlock *un,
                  const cs_store_params *params, char *err, size_t errlen);

/*
 * Change a store under the writers' lock: read it, call edit(st, user),
 * and when edit returns CREDSTACK_OK write it back atomically.  edit's err
 * is the caller's.
 */
typedef int (*cs_store_edit_fn)(cs_store *st, void *user, char *err,
                                size_t errlen);
int cs_store_update(const char *path, const cs_store_unlock *un,
                    cs_store_edit_fn edit, void *user, char *err,
                    size_t errlen);

/* ---- rekey and recovery (store_rekey.c; doc/store-format.md, "Crash
 * safety") ---- */

/*
 * Re-encrypt under a new key (new salt, new nonce): `to` may name a key
 * file, created when absent; `to` naming the key file of `from` (a new key
 * in the same file) goes through <key>.new so that a kill at any step leaves
 * a key file on disk that opens the store.  params as for cs_store_init().
 * First puts right what an interrupted writer left (cs_store_recover()).  A
 * store that `from` does not open but `to` does (an earlier rekey killed
 * after re-encrypting it) is re-encrypted under `to` again.  note (may be
 * NULL): what was recovered, "" when nothing; never a secret.
 */
int cs_store_rekey(const char *path, const cs_store_unlock *from,
                   const cs_store_unlock *to, const cs_store_params *params,
                   char *note, size_t notelen, char *err, size_t errlen);

/*
 * Under the writers' lock, put right what a killed writer left: remove its
 * temporaries (<store>.tmp.XXXXXX, <key>.tmp.XXXXXX, <key>.new.tmp.XXXXXX,
 * matched exactly), and settle an interrupted rekey in place: when the key
 * file opens the store, <key>.new is an unused new key and is removed; when
 * only <key>.new opens it, it is renamed over the key file.  A <key>.new that
 * neither decision can be proved for is left alone.  No store file: nothing
 * to do.  note (may be NULL) says what was done, "" when nothing.
 */
int cs_store_recover(const char *path, const cs_store_unlock *un, char *note,
                     size_t notelen, char *err, size_t errlen);

/* ---- entries (store.c) ---- */

/* The index of the n-th credential of (host, user), or -1. */
long cs_store_find(const cs_store *st, const char *host, const char *user,
                   size_t n);

/*
 * Add a credential (append: after the entry's others; else it replaces all
 * of the entry's).  The secret is copied.  key_type NULL or "" for a password;
 * required for a private key.
 */
int cs_store_put(cs_store *st, const char *host, const char *user,
                 cs_store_type type, const char *key_type, const char *secret,
                 size_t secret_len, int append, char *err, size_t errlen);

/* Remove every credential of (host, user); CREDSTACK_ERR_NOTFOUND when none. */
int cs_store_delete(cs_store *st, const char *host, const char *user);

/* "password" / "private-key". */
const char *cs_store_type_name(cs_store_type type);

/* The key type named in an OpenSSH private or public key's text, or NULL. */
const char *cs_store_guess_key_type(const char *text, size_t len);

/* ---- the format (store_format.c) ---- */

/* Encode the credentials as the plaintext payload; wipe with
 * cs_store_wipe_free(). */
int cs_store_encode(const cs_store *st, unsigned char **out, size_t *len_out);
/* Decode a payload into st->creds (replacing nothing: st must be empty). */
int cs_store_decode(cs_store *st, const unsigned char *buf, size_t len,
                    char *err, size_t errlen);

/* Read the header's parameters (no key needed); checks magic, version, sizes.
 */
int cs_store_peek(const unsigned char *file, size_t len, const char *path,
                  cs_store_params *params_out, char *err, size_t errlen);

/* Encrypt plain with a fresh nonce into a whole file image. */
int cs_store_seal(const cs_store_params *params,
                  const unsigned char key[CS_STORE_KEY_LEN],
                  const unsigned char *plain, size_t plain_len,
                  unsigned char **file_out, size_t *file_len_out, char *err,
                  size_t errlen);

/* Check and decrypt a file image (cs_store_peek() first). */
int cs_store_unseal(const unsigned char *file, size_t len, const char *path,
                    const unsigned char key[CS_STORE_KEY_LEN],
                    unsigned char **plain_out, size_t *plain_len_out, char *err,
                    size_t errlen);

/* ---- keys (store_key.c) ---- */

/* Read a master key file; refused when not a regular file, a symlink, or
 * readable or writable by group or others, or not owned by us. */
int cs_store_key_file_read(const char *path,
                           unsigned char key[CS_STORE_KEY_LEN], char *err,
                           size_t errlen);

/* Create a new master key file (mode 0400, O_EXCL) with fresh random bytes. */
int cs_store_key_file_create(const char *path,
                             unsigned char key[CS_STORE_KEY_LEN], char *err,
                             size_t errlen);

/* Derive the key from a passphrase with params' kdf and salt. */
int cs_store_kdf_derive(const cs_store_params *params, const char *pass,
                        size_t pass_len, unsigned char key[CS_STORE_KEY_LEN],
                        char *err, size_t errlen);

/* Whether the kdf parameters are within the bounds a reader accepts. */
int cs_store_kdf_params_ok(const cs_store_params *params);

/* ---- files (store_file.c) ---- */

/* Read a whole file (at most CS_STORE_MAX_FILE); must be a regular file. */
int cs_store_file_read(const char *path, unsigned char **buf_out,
                       size_t *len_out, char *err, size_t errlen);

/* Take the writers' lock (<path>.lock, flock); *fd_out for
 * cs_store_file_unlock. */
int cs_store_file_lock(const char *path, int *fd_out, char *err, size_t errlen);
void cs_store_file_unlock(int fd);

/* cs_store_file_publish() of a store file (mode 0600): readers see the old
 * file or the new one.  excl: fail with CREDSTACK_ERR_REFUSED if path exists
 * (init). */
int cs_store_file_replace(const char *path, const unsigned char *buf,
                          size_t len, int excl, char *err, size_t errlen);

/*
 * Write buf to <path>.tmp.XXXXXX (mkstemp; then mode `mode`), fsync it, and
 * put it in place: rename() over path, or, with excl, link() (fails with
 * CREDSTACK_ERR_REFUSED when path exists; never replaces a file); then fsync
 * the directory.  what names the file in messages ("store", "master key
 * file").
 */
int cs_store_file_publish(const char *path, const unsigned char *buf,
                          size_t len, mode_t mode, int excl, const char *what,
                          char *err, size_t errlen);

/* Remove the temporaries <file>.tmp.XXXXXX (exactly six of mkstemp's
 * characters; regular files only) left beside file by a killed writer; the
 * caller holds the store's lock.  Returns how many were removed. */
int cs_store_remove_temps(const char *file);

/* fsync the directory that holds file. */
int cs_store_sync_dir(const char *file, char *err, size_t errlen);

/* Create dir (and missing parents) with mode 0700. */
int cs_store_mkdirs(const char *dir, char *err, size_t errlen);

/* Wipe and free a buffer. */
void cs_store_wipe_free(void *p, size_t len);

/* ---- shared by store.c and store_rekey.c only ---- */

/* Seal st with its params and key, and put it in place (excl: init). */
int cs_store_write(const cs_store *st, int excl, char *err, size_t errlen);

/* Parameters and key for a new store or a rekey: a passphrase, or the key
 * file key_path (default: un's), read when it exists, else created. */
int cs_store_new_key(const cs_store_unlock *un, const cs_store_params *params,
                     const char *key_path, cs_store_params *p_out,
                     unsigned char key[CS_STORE_KEY_LEN], char *err,
                     size_t errlen);

/* cs_store_recover() with the lock held; key_file may be NULL. */
int cs_store_recover_locked(const char *path, const char *key_file, char *note,
                            size_t notelen, char *err, size_t errlen);

#endif /* CREDSTACK_STORE_H */
