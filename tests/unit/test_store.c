/* SPDX-License-Identifier: MIT */
/* test_store.c: the credential store library: round trips, tampering,
 * truncation, keys, permissions, KDFs, and crash safety with a fault at every
 * step of a rekey. */
/* Long file: one short test per case of the file under test, over one
 * fixture; the sections are marked by their "----" headings. */
#include "autoconf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <credstack/credstack.h>

#include "store/store.h"
#include "store/store_sys.h"

static char *tmp;      /* a fresh directory per test */
static char path[512]; /* tmp/s.store */
static char keyf[512]; /* tmp/s.key */
static char err[1024];

static int rm_one(const char *p, const struct stat *sb, int flag,
                  struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void setup(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[256];

    snprintf(tmpl, sizeof(tmpl), "%s/credstack-store.XXXXXX",
             base && *base ? base : "/tmp");
    cr_assert(mkdtemp(tmpl) != NULL);
    tmp = strdup(tmpl);
    snprintf(path, sizeof(path), "%s/s.store", tmp);
    snprintf(keyf, sizeof(keyf), "%s/s.key", tmp);
}

static void teardown(void)
{
    nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(tmp);
}

static unsigned char *slurp(const char *p, size_t *len)
{
    unsigned char *buf = NULL;
    cr_assert_eq(cs_store_file_read(p, &buf, len, err, sizeof(err)),
                 CREDSTACK_OK, "%s", err);
    return buf;
}

static void spit(const char *p, const void *buf, size_t len, mode_t mode)
{
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
    cr_assert(fd >= 0, "%s: %s", p, strerror(errno));
    cr_assert_eq(write(fd, buf, len), (ssize_t)len);
    close(fd);
    chmod(p, mode);
}

static cs_store_unlock key_un(void)
{
    cs_store_unlock un = {keyf, NULL, 0};
    return un;
}

typedef struct put_args {
    const char *host, *user, *key_type, *secret;
    cs_store_type type;
    int append;
} put_args;

static int edit_put(cs_store *st, void *user, char *e, size_t elen)
{
    const put_args *a = user;
    return cs_store_put(st, a->host, a->user, a->type, a->key_type, a->secret,
                        strlen(a->secret), a->append, e, elen);
}

static void put(const cs_store_unlock *un, put_args a)
{
    cr_assert_eq(cs_store_update(path, un, edit_put, &a, err, sizeof(err)),
                 CREDSTACK_OK, "%s", err);
}

/* A store with a few entries, protected by the key file. */
static void make_store(cs_store_cipher cipher)
{
    cs_store_unlock un = key_un();
    cs_store_params p;

    cs_store_params_default(&p, cipher, CS_STORE_KDF_KEYFILE);
    cr_assert_eq(cs_store_init(path, &un, &p, err, sizeof(err)), CREDSTACK_OK,
                 "%s", err);
    put(&un, (put_args){"tpam", "server_user_key", "ssh-ed25519",
                        "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n"
                        "-----END OPENSSH PRIVATE KEY-----\n",
                        CS_STORE_PRIVATE_KEY, 0});
    put(&un, (put_args){"tpam", "server_password", NULL, "s3cr3t",
                        CS_STORE_PASSWORD, 0});
}

TestSuite(store, .init = setup, .fini = teardown);

Test(store, round_trip_every_type_and_cipher)
{
    static const char *const key_types[] = {"ssh-rsa",
                                            "ssh-dss",
                                            "ecdsa-sha2-nistp256",
                                            "ecdsa-sha2-nistp384",
                                            "ecdsa-sha2-nistp521",
                                            "ssh-ed25519"};
    static const cs_store_cipher ciphers[] = {CS_STORE_AES_256_GCM,
                                              CS_STORE_CHACHA20_POLY1305};

    for (size_t c = 0; c < 2; c++) {
        cs_store_unlock un = key_un();
        cs_store *st = NULL;
        cs_store_params p;
        char secret[64];

        unlink(path);
        cs_store_params_default(&p, ciphers[c], CS_STORE_KDF_KEYFILE);
        cr_assert_eq(cs_store_init(path, &un, &p, err, sizeof(err)),
                     CREDSTACK_OK, "%s", err);
        put(&un, (put_args){"h", "pw", NULL, "pässword with spaces; # %",
                            CS_STORE_PASSWORD, 0});
        for (size_t i = 0; i < 6; i++) {
            snprintf(secret, sizeof(secret), "key text %zu\nline 2\n", i);
            put(&un, (put_args){"keys", key_types[i], key_types[i], secret,
                                CS_STORE_PRIVATE_KEY, 0});
        }
        /* An entry with several credentials keeps their order. */
        put(&un, (put_args){"multi", "u", NULL, "first", CS_STORE_PASSWORD, 0});
        put(&un, (put_args){"multi", "u", "ssh-rsa", "second",
                            CS_STORE_PRIVATE_KEY, 1});
        cr_assert_eq(cs_store_open(path, &un, &st, err, sizeof(err)),
                     CREDSTACK_OK, "%s", err);
        cr_assert_eq(st->params.cipher, ciphers[c]);
        cr_assert_eq(st->ncreds, 9);
        long i = cs_store_find(st, "h", "pw", 0);
        cr_assert(i >= 0);
        cr_assert_str_eq(st->creds[i].secret, "pässword with spaces; # %");
        cr_assert_eq(st->creds[i].type, CS_STORE_PASSWORD);
        for (size_t k = 0; k < 6; k++) {
            i = cs_store_find(st, "keys", key_types[k], 0);
            cr_assert(i >= 0);
            snprintf(secret, sizeof(secret), "key text %zu\nline 2\n", k);
            cr_assert_str_eq(st->creds[i].secret, secret);
            cr_assert_str_eq(st->creds[i].key_type, key_types[k]);
            cr_assert_eq(st->creds[i].type, CS_STORE_PRIVATE_KEY);
        }
        cr_assert_str_eq(st->creds[cs_store_find(st, "multi", "u", 0)].secret,
                         "first");
        cr_assert_str_eq(st->creds[cs_store_find(st, "multi", "u", 1)].secret,
                         "second");
        cr_assert_eq(cs_store_find(st, "multi", "u", 2), -1);
        cs_store_free(st);
        /* Replacing drops the entry's other credentials. */
        put(&un, (put_args){"multi", "u", NULL, "only", CS_STORE_PASSWORD, 0});
        cr_assert_eq(cs_store_open(path, &un, &st, err, sizeof(err)),
                     CREDSTACK_OK);
        cr_assert_eq(cs_store_find(st, "multi", "u", 1), -1);
        cr_assert_eq(cs_store_delete(st, "multi", "u"), CREDSTACK_OK);
        cr_assert_eq(cs_store_delete(st, "multi", "u"), CREDSTACK_ERR_NOTFOUND);
        cs_store_free(st);
    }
}

Test(store, fresh_nonce_per_write)
{
    cs_store_unlock un = key_un();
    unsigned char *a, *b;
    size_t alen, blen;

    make_store(CS_STORE_AES_256_GCM);
    a = slurp(path, &alen);
    put(&un, (put_args){"tpam", "server_password", NULL, "s3cr3t",
                        CS_STORE_PASSWORD, 0});
    b = slurp(path, &blen);
    cr_assert_eq(alen, blen);
    cr_assert(memcmp(a + 44, b + 44, 12) != 0, "the nonce was reused");
    cr_assert(memmem(b, blen, "s3cr3t", 6) == NULL, "plaintext in the file");
    free(a);
    free(b);
}

Test(store, entry_values_are_checked)
{
    cs_store st = {0};

    cr_assert_eq(cs_store_put(&st, "", "u", CS_STORE_PASSWORD, NULL, "x", 1, 0,
                              err, sizeof(err)),
                 CREDSTACK_ERR_INVALID);
    cr_assert_eq(cs_store_put(&st, "h", "u\n", CS_STORE_PASSWORD, NULL, "x", 1,
                              0, err, sizeof(err)),
                 CREDSTACK_ERR_INVALID);
    cr_assert_eq(cs_store_put(&st, "h", "u", CS_STORE_PRIVATE_KEY, NULL, "x", 1,
                              0, err, sizeof(err)),
                 CREDSTACK_ERR_INVALID);
    cr_assert(strstr(err, "key type") != NULL);
    cr_assert_eq(cs_store_put(&st, "h", "u", CS_STORE_PASSWORD, NULL, "", 0, 0,
                              err, sizeof(err)),
                 CREDSTACK_ERR_INVALID);
    cr_assert_eq(cs_store_put(&st, "h", "u", CS_STORE_PASSWORD, NULL, "a\0b", 3,
                              0, err, sizeof(err)),
                 CREDSTACK_ERR_INVALID);
    cr_assert_eq(st.ncreds, 0);
    free(st.creds);
}

/* Every byte flipped in turn: each is caught, and the file is never touched. */
Test(store, tamper_every_byte)
{
    static const cs_store_cipher ciphers[] = {CS_STORE_AES_256_GCM,
                                              CS_STORE_CHACHA20_POLY1305};

    for (size_t c = 0; c < 2; c++) {
        cs_store_unlock un = key_un();
        unsigned char *good, *bad, *after;
        size_t len, alen;
        char bad_path[600];

        unlink(path);
        make_store(ciphers[c]);
        good = slurp(path, &len);
        bad = malloc(len);
        snprintf(bad_path, sizeof(bad_path), "%s/bad.store", tmp);
        for (size_t i = 0; i < len; i++) {
            cs_store *st = NULL;
            int rc;

            memcpy(bad, good, len);
            bad[i] ^= (unsigned char)(1u << (i % 8));
            spit(bad_path, bad, len, 0600);
            rc = cs_store_open(bad_path, &un, &st, err, sizeof(err));
            cr_assert_neq(rc, CREDSTACK_OK, "byte %zu flipped: not noticed", i);
            cr_assert_null(st);
            cr_assert(strstr(err, bad_path) != NULL, "byte %zu: %s", i, err);
            after = slurp(bad_path, &alen);
            cr_assert(alen == len && memcmp(after, bad, len) == 0,
                      "byte %zu: the file was changed", i);
            free(after);
        }
        free(bad);
        free(good);
    }
}

Test(store, truncation_at_every_length)
{
    cs_store_unlock un = key_un();
    unsigned char *good, *after;
    size_t len, alen;
    char bad_path[600];

    make_store(CS_STORE_AES_256_GCM);
    good = slurp(path, &len);
    snprintf(bad_path, sizeof(bad_path), "%s/short.store", tmp);
    for (size_t n = 0; n < len; n++) {
        cs_store *st = NULL;

        spit(bad_path, good, n, 0600);
        cr_assert_neq(cs_store_open(bad_path, &un, &st, err, sizeof(err)),
                      CREDSTACK_OK, "truncated to %zu: not noticed", n);
        if (n >= 12)
            cr_assert(strstr(err, "truncated") != NULL, "%zu: %s", n, err);
        after = slurp(bad_path, &alen);
        cr_assert_eq(alen, n);
        free(after);
    }
    /* Trailing bytes are refused too. */
    {
        unsigned char *longer = calloc(1, len + 1);
        cs_store *st = NULL;
        memcpy(longer, good, len);
        spit(bad_path, longer, len + 1, 0600);
        cr_assert_neq(cs_store_open(bad_path, &un, &st, err, sizeof(err)),
                      CREDSTACK_OK);
        free(longer);
    }
    free(good);
}

Test(store, wrong_key)
{
    unsigned char other[CS_STORE_KEY_LEN];
    char other_path[600];
    cs_store_unlock un = {other_path, NULL, 0};
    cs_store *st = NULL;
    unsigned char *before, *after;
    size_t blen, alen;

    make_store(CS_STORE_AES_256_GCM);
    before = slurp(path, &blen);
    snprintf(other_path, sizeof(other_path), "%s/other.key", tmp);
    cr_assert_eq(cs_store_key_file_create(other_path, other, err, sizeof(err)),
                 CREDSTACK_OK, "%s", err);
    cr_assert_eq(cs_store_open(path, &un, &st, err, sizeof(err)),
                 CREDSTACK_ERR_REFUSED);
    cr_assert(strstr(err, "wrong key") != NULL, "%s", err);
    /* An update with the wrong key writes nothing. */
    cr_assert_neq(
        cs_store_update(path, &un, edit_put,
                        &(put_args){"a", "b", NULL, "c", CS_STORE_PASSWORD, 0},
                        err, sizeof(err)),
        CREDSTACK_OK);
    after = slurp(path, &alen);
    cr_assert(alen == blen && memcmp(before, after, blen) == 0);
    free(before);
    free(after);
}

Test(store, newer_version_named)
{
    cs_store_unlock un = key_un();
    cs_store *st = NULL;
    unsigned char *img;
    size_t len;

    make_store(CS_STORE_AES_256_GCM);
    img = slurp(path, &len);
    img[9] = 2; /* version 2, big endian */
    spit(path, img, len, 0600);
    cr_assert_eq(cs_store_open(path, &un, &st, err, sizeof(err)),
                 CREDSTACK_ERR_IO);
    cr_assert(strstr(err, "version 2 is newer") != NULL, "%s", err);
    memcpy(img, "NOTSTORE", 8);
    spit(path, img, len, 0600);
    cr_assert_eq(cs_store_open(path, &un, &st, err, sizeof(err)),
                 CREDSTACK_ERR_IO);
    cr_assert(strstr(err, "not a credstack store") != NULL, "%s", err);
    free(img);
}

Test(store, missing_store_and_existing_store)
{
    cs_store_unlock un = key_un();
    cs_store *st = NULL;
    struct stat sb;

    cr_assert_eq(cs_store_open(path, &un, &st, err, sizeof(err)),
                 CREDSTACK_ERR_NOTFOUND);
    make_store(CS_STORE_AES_256_GCM);
    cr_assert_eq(lstat(keyf, &sb), 0);
    cr_assert_eq(sb.st_mode & 07777, 0400, "key mode %o", sb.st_mode & 07777);
    cr_assert_eq(lstat(path, &sb), 0);
    cr_assert_eq(sb.st_mode & 07777, 0600, "store mode %o", sb.st_mode & 07777);
    cr_assert_eq(cs_store_init(path, &un, NULL, err, sizeof(err)),
                 CREDSTACK_ERR_REFUSED);
    cr_assert(strstr(err, "already exists") != NULL);
}

Test(store, key_file_permissions_refused)
{
    cs_store_unlock un = key_un();
    cs_store *st = NULL;
    static const mode_t bad_modes[] = {0440, 0404, 0410, 0401,
                                       0420, 0402, 0644, 0604};
    char link_path[600], dir_path[600], fifo_path[600];

    make_store(CS_STORE_AES_256_GCM);
    for (size_t i = 0; i < sizeof(bad_modes) / sizeof(bad_modes[0]); i++) {
        cr_assert_eq(chmod(keyf, bad_modes[i]), 0);
        cr_assert_eq(cs_store_open(path, &un, &st, err, sizeof(err)),
                     CREDSTACK_ERR_REFUSED, "mode %o accepted", bad_modes[i]);
        cr_assert(strstr(err, "group or others") != NULL, "%s", err);
    }
    cr_assert_eq(chmod(keyf, 0600), 0);
    cr_assert_eq(cs_store_open(path, &un, &st, err, sizeof(err)), CREDSTACK_OK,
                 "%s", err);
    cs_store_free(st);
    chmod(keyf, 0400);

    /* A symlink to a good key file is refused. */
    snprintf(link_path, sizeof(link_path), "%s/link.key", tmp);
    cr_assert_eq(symlink(keyf, link_path), 0);
    un.key_file = link_path;
    cr_assert_eq(cs_store_open(path, &un, &st, err, sizeof(err)),
                 CREDSTACK_ERR_REFUSED);
    cr_assert(strstr(err, "symbolic link") != NULL, "%s", err);

    /* Not a regular file. */
    snprintf(dir_path, sizeof(dir_path), "%s/dir.key", tmp);
    cr_assert_eq(mkdir(dir_path, 0700), 0);
    un.key_file = dir_path;
    cr_assert_eq(cs_store_open(path, &un, &st, err, sizeof(err)),
                 CREDSTACK_ERR_REFUSED);
    cr_assert(strstr(err, "not a regular file") != NULL, "%s", err);
    snprintf(fifo_path, sizeof(fifo_path), "%s/fifo.key", tmp);
    cr_assert_eq(mkfifo(fifo_path, 0600), 0);
    un.key_file = fifo_path;
    cr_assert_eq(cs_store_open(path, &un, &st, err, sizeof(err)),
                 CREDSTACK_ERR_REFUSED);

    /* A key file of the wrong size. */
    unlink(fifo_path);
    spit(fifo_path, "short", 5, 0400);
    cr_assert_eq(cs_store_open(path, &un, &st, err, sizeof(err)),
                 CREDSTACK_ERR_IO);
    cr_assert(strstr(err, "not a credstack key") != NULL, "%s", err);

    /* A missing key file. */
    un.key_file = "/nonexistent/credstack.key";
    cr_assert_neq(cs_store_open(path, &un, &st, err, sizeof(err)),
                  CREDSTACK_OK);
    cr_assert(strstr(err, "/nonexistent/credstack.key") != NULL);
}

Test(store, passphrase_kdfs)
{
    static const cs_store_kdf kdfs[] = {CS_STORE_KDF_SCRYPT,
                                        CS_STORE_KDF_PBKDF2};

    for (size_t k = 0; k < 2; k++) {
        cs_store_unlock un = {NULL, "correct horse", 13};
        cs_store_unlock wrong = {NULL, "correct horsf", 13};
        cs_store_unlock none = {keyf, NULL, 0};
        cs_store_params p;
        cs_store *st = NULL;

        unlink(path);
        cs_store_params_default(&p, CS_STORE_AES_256_GCM, kdfs[k]);
        /* Cheap parameters: the tests run under valgrind too. */
        p.kdf_p1 = kdfs[k] == CS_STORE_KDF_SCRYPT ? 10 : 1000;
        cr_assert_eq(cs_store_init(path, &un, &p, err, sizeof(err)),
                     CREDSTACK_OK, "%s", err);
        cr_assert_eq(access(keyf, F_OK), -1, "a key file was created");
        put(&un, (put_args){"tpam", "server_user_key", "ssh-rsa", "KEY",
                            CS_STORE_PRIVATE_KEY, 0});
        cr_assert_eq(cs_store_open(path, &un, &st, err, sizeof(err)),
                     CREDSTACK_OK, "%s", err);
        cr_assert_eq(st->params.kdf, kdfs[k]);
        cr_assert_eq(st->params.kdf_p1, p.kdf_p1);
        cr_assert_str_eq(st->creds[0].secret, "KEY");
        cs_store_free(st);
        cr_assert_eq(cs_store_open(path, &wrong, &st, err, sizeof(err)),
                     CREDSTACK_ERR_REFUSED);
        cr_assert_eq(cs_store_open(path, &none, &st, err, sizeof(err)),
                     CREDSTACK_ERR_CONFIG);
        cr_assert(strstr(err, "passphrase") != NULL, "%s", err);
    }
}

/* A header asking for absurd KDF work is refused before any is done. */
Test(store, kdf_parameters_bounded)
{
    cs_store_unlock un = {NULL, "pw", 2};
    cs_store_params p;
    cs_store *st = NULL;
    unsigned char *img;
    size_t len;

    cs_store_params_default(&p, CS_STORE_AES_256_GCM, CS_STORE_KDF_SCRYPT);
    p.kdf_p1 = 10;
    cr_assert_eq(cs_store_init(path, &un, &p, err, sizeof(err)), CREDSTACK_OK);
    img = slurp(path, &len);
    img[19] = 40; /* scrypt N = 2^40 */
    spit(path, img, len, 0600);
    cr_assert_eq(cs_store_open(path, &un, &st, err, sizeof(err)),
                 CREDSTACK_ERR_IO);
    cr_assert(strstr(err, "corrupt store header") != NULL, "%s", err);
    free(img);
}

Test(store, rekey_between_key_files_and_passphrases)
{
    cs_store_unlock un = key_un();
    cs_store_unlock pass = {NULL, "pass phrase", 11};
    char key2[600];
    cs_store_unlock un2 = {key2, NULL, 0};
    cs_store_params p;
    cs_store *st = NULL;
    unsigned char old_key[CS_STORE_KEY_LEN], new_key[CS_STORE_KEY_LEN];

    snprintf(key2, sizeof(key2), "%s/second.key", tmp);
    make_store(CS_STORE_AES_256_GCM);
    /* Key file -> passphrase (cheap scrypt). */
    cs_store_params_default(&p, CS_STORE_CHACHA20_POLY1305,
                            CS_STORE_KDF_SCRYPT);
    p.kdf_p1 = 10;
    cr_assert_eq(
        cs_store_rekey(path, &un, &pass, &p, NULL, 0, err, sizeof(err)),
        CREDSTACK_OK, "%s", err);
    cr_assert_neq(cs_store_open(path, &un, &st, err, sizeof(err)),
                  CREDSTACK_OK);
    cr_assert_eq(cs_store_open(path, &pass, &st, err, sizeof(err)),
                 CREDSTACK_OK, "%s", err);
    cr_assert_eq(st->ncreds, 2);
    cs_store_free(st);
    /* Passphrase -> a new key file. */
    cr_assert_eq(
        cs_store_rekey(path, &pass, &un2, NULL, NULL, 0, err, sizeof(err)),
        CREDSTACK_OK, "%s", err);
    cr_assert_eq(cs_store_open(path, &un2, &st, err, sizeof(err)), CREDSTACK_OK,
                 "%s", err);
    cs_store_free(st);
    /* A new key in the same key file. */
    cr_assert_eq(cs_store_key_file_read(key2, old_key, err, sizeof(err)),
                 CREDSTACK_OK);
    cr_assert_eq(
        cs_store_rekey(path, &un2, &un2, NULL, NULL, 0, err, sizeof(err)),
        CREDSTACK_OK, "%s", err);
    cr_assert_eq(cs_store_key_file_read(key2, new_key, err, sizeof(err)),
                 CREDSTACK_OK);
    cr_assert(memcmp(old_key, new_key, sizeof(old_key)) != 0);
    cr_assert_eq(cs_store_open(path, &un2, &st, err, sizeof(err)), CREDSTACK_OK,
                 "%s", err);
    cr_assert_eq(st->ncreds, 2);
    cs_store_free(st);
}

/* A rekey in place cut short after the store was written: <key>.new still opens
 * it. */
Test(store, rekey_in_place_interrupted)
{
    cs_store_unlock un = key_un();
    char knew[600];
    cs_store *st = NULL;

    make_store(CS_STORE_AES_256_GCM);
    cr_assert_eq(cs_store_open(path, &un, &st, err, sizeof(err)), CREDSTACK_OK);
    snprintf(knew, sizeof(knew), "%s.new", keyf);
    cr_assert_eq(cs_store_key_file_create(knew, st->key, err, sizeof(err)),
                 CREDSTACK_OK);
    /* The state between "store sealed with the new key" and "rename". */
    {
        unsigned char *plain, *img;
        size_t plain_len, len;
        cr_assert_eq(cs_store_encode(st, &plain, &plain_len), CREDSTACK_OK);
        cr_assert_eq(cs_store_seal(&st->params, st->key, plain, plain_len, &img,
                                   &len, err, sizeof(err)),
                     CREDSTACK_OK);
        spit(path, img, len, 0600);
        cs_store_wipe_free(plain, plain_len);
        free(img);
    }
    cs_store_free(st);
    cr_assert_eq(cs_store_open(path, &un, &st, err, sizeof(err)), CREDSTACK_OK,
                 "%s", err);
    cs_store_free(st);
}

/* Temporaries are <store>.tmp. and exactly six of mkstemp's characters: a
 * killed writer's are removed, files that merely begin alike are not. */
/* A <key>.new that neither it nor the key file opens the store with is
 * not recovery's to decide: left alone, and a rekey in place says so. */
Test(store, unprovable_new_key_left_alone)
{
    cs_store_unlock un = key_un(), to = {NULL, NULL, 0};
    unsigned char other[CS_STORE_KEY_LEN], *before, *after;
    char knew[600], note[512];
    size_t blen, alen;

    make_store(CS_STORE_AES_256_GCM);
    snprintf(knew, sizeof(knew), "%s.new", keyf);
    cr_assert_eq(cs_store_key_file_create(knew, other, err, sizeof(err)),
                 CREDSTACK_OK);
    /* The key file opens the store: <key>.new was never used. */
    cr_assert_eq(
        cs_store_recover(path, &un, note, sizeof(note), err, sizeof(err)),
        CREDSTACK_OK, "%s", err);
    cr_assert(strstr(note, "removed") && strstr(note, knew), "%s", note);
    cr_assert_neq(access(knew, F_OK), 0);
    /* Neither opens it (the key file replaced by another): left alone. */
    cr_assert_eq(cs_store_key_file_create(knew, other, err, sizeof(err)),
                 CREDSTACK_OK);
    cr_assert_eq(chmod(keyf, 0600), 0);
    cr_assert_eq(unlink(keyf), 0);
    cr_assert_eq(cs_store_key_file_create(keyf, other, err, sizeof(err)),
                 CREDSTACK_OK);
    before = slurp(knew, &blen);
    cr_assert_eq(
        cs_store_recover(path, &un, note, sizeof(note), err, sizeof(err)),
        CREDSTACK_OK, "%s", err);
    cr_assert_str_eq(note, "");
    cr_assert_neq(cs_store_rekey(path, &un, &un, NULL, note, sizeof(note), err,
                                 sizeof(err)),
                  CREDSTACK_OK);
    after = slurp(knew, &alen);
    cr_assert(alen == blen && memcmp(before, after, blen) == 0);
    free(before);
    free(after);
    /* A new key file may not take the name of <key>.new. */
    cr_assert_eq(unlink(knew), 0);
    cr_assert_eq(chmod(keyf, 0600), 0);
    cr_assert_eq(unlink(keyf), 0);
    cr_assert_eq(unlink(path), 0);
    make_store(CS_STORE_AES_256_GCM);
    to.key_file = knew;
    cr_assert_eq(
        cs_store_rekey(path, &un, &to, NULL, NULL, 0, err, sizeof(err)),
        CREDSTACK_ERR_INVALID);
    cr_assert(strstr(err, "rekey in place uses") != NULL, "%s", err);
    cr_assert_neq(access(knew, F_OK), 0);
}

Test(store, stale_temporaries_removed_exactly)
{
    static const char *const stale[] = {".tmp.a1B2c3", ".tmp.XXXXXX"};
    static const char *const kept[] = {".tmp.a1B2c",   ".tmp.a1B2c3d",
                                       ".tmp.a1B.c3",  ".tmp.backups",
                                       ".tmp.abcdef~", ".tmpxabcdef"};
    cs_store_unlock un = key_un();
    char f[600];

    make_store(CS_STORE_AES_256_GCM);
    for (size_t i = 0; i < sizeof(stale) / sizeof(stale[0]); i++) {
        snprintf(f, sizeof(f), "%s%s", path, stale[i]);
        spit(f, "half", 4, 0600);
    }
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
        snprintf(f, sizeof(f), "%s%s", path, kept[i]);
        spit(f, "keep", 4, 0600);
    }
    /* A key file's temporary holds key bytes: removed too. */
    snprintf(f, sizeof(f), "%s.tmp.Zz09Aa", keyf);
    spit(f, "0123456789abcdef0123456789abcdef", 32, 0400);
    put(&un, (put_args){"a", "b", NULL, "c", CS_STORE_PASSWORD, 0});
    for (size_t i = 0; i < sizeof(stale) / sizeof(stale[0]); i++) {
        snprintf(f, sizeof(f), "%s%s", path, stale[i]);
        cr_assert_eq(access(f, F_OK), -1, "%s was left", f);
    }
    snprintf(f, sizeof(f), "%s.tmp.Zz09Aa", keyf);
    cr_assert_eq(access(f, F_OK), -1, "%s was left", f);
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
        snprintf(f, sizeof(f), "%s%s", path, kept[i]);
        cr_assert_eq(access(f, F_OK), 0, "%s was removed", f);
    }
}

/* Writing store `a` leaves the store named `a.store.tmp.backup` alone. */
Test(store, writing_a_store_keeps_a_store_named_like_its_temporaries)
{
    static const char *const names[] = {"a.store.tmp.backup", "a.store.tmp.x",
                                        "a.store.tmp.abcdef"};
    cs_store_unlock un = key_un();
    char *a = NULL, *akey = NULL;

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char *p = NULL, *k = NULL;
        cs_store_unlock ku = {NULL, NULL, 0};
        cr_assert_eq(cs_store_locate(names[i], tmp, &p, &k, err, sizeof(err)),
                     CREDSTACK_OK, "%s", err);
        ku.key_file = k;
        cr_assert_eq(cs_store_init(p, &ku, NULL, err, sizeof(err)),
                     CREDSTACK_OK, "%s", err);
        free(p);
        free(k);
    }
    cr_assert_eq(cs_store_locate("a", tmp, &a, &akey, err, sizeof(err)),
                 CREDSTACK_OK);
    un.key_file = akey;
    cr_assert_eq(cs_store_init(a, &un, NULL, err, sizeof(err)), CREDSTACK_OK,
                 "%s", err);
    cr_assert_eq(
        cs_store_update(a, &un, edit_put,
                        &(put_args){"h", "u", NULL, "v", CS_STORE_PASSWORD, 0},
                        err, sizeof(err)),
        CREDSTACK_OK, "%s", err);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char *p = NULL, *k = NULL;
        cs_store_unlock ku = {NULL, NULL, 0};
        cs_store *st = NULL;
        cr_assert_eq(cs_store_locate(names[i], tmp, &p, &k, err, sizeof(err)),
                     CREDSTACK_OK);
        ku.key_file = k;
        cr_assert_eq(cs_store_open(p, &ku, &st, err, sizeof(err)), CREDSTACK_OK,
                     "store %s was harmed: %s", names[i], err);
        cs_store_free(st);
        free(p);
        free(k);
    }
    free(a);
    free(akey);
}

Test(store, locate_names_and_paths)
{
    char *p = NULL, *k = NULL;

    cr_assert_eq(cs_store_locate("tpam", "/d", &p, &k, err, sizeof(err)),
                 CREDSTACK_OK);
    cr_assert_str_eq(p, "/d/tpam.store");
    cr_assert_str_eq(k, "/d/tpam.key");
    free(p);
    free(k);
    cr_assert_eq(cs_store_locate("/x/y.db", "/d", &p, &k, err, sizeof(err)),
                 CREDSTACK_OK);
    cr_assert_str_eq(p, "/x/y.db");
    cr_assert_str_eq(k, "/x/y.db.key");
    free(p);
    free(k);
    cr_assert_eq(cs_store_locate("../etc", "/d", &p, &k, err, sizeof(err)),
                 CREDSTACK_OK); /* has a '/': a path, said so */
    free(p);
    free(k);
    cr_assert_eq(cs_store_locate(".hidden", "/d", &p, &k, err, sizeof(err)),
                 CREDSTACK_ERR_CONFIG);
    cr_assert_eq(cs_store_locate("a b", "/d", &p, &k, err, sizeof(err)),
                 CREDSTACK_ERR_CONFIG);
    cr_assert_eq(cs_store_locate("", "/d", &p, &k, err, sizeof(err)),
                 CREDSTACK_ERR_CONFIG);
}

/* Key types read from real keys, OpenSSH and PEM formats. */
Test(store, key_type_guessed)
{
    static const struct {
        const char *args, *type;
    } keys[] = {
        {"-t rsa -b 2048", "ssh-rsa"},
        {"-t ecdsa -b 256", "ecdsa-sha2-nistp256"},
        {"-t ecdsa -b 384", "ecdsa-sha2-nistp384"},
        {"-t ed25519", "ssh-ed25519"},
        {"-t rsa -b 2048 -m PEM", "ssh-rsa"},
        {"-t ecdsa -b 521 -m PEM", "ecdsa-sha2-nistp521"},
    };
    char kp[600], cmd[1024];

    snprintf(kp, sizeof(kp), "%s/id", tmp);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        unsigned char *text;
        size_t len;

        unlink(kp);
        snprintf(cmd, sizeof(cmd), "ssh-keygen -q %s -N '' -f %s >/dev/null",
                 keys[i].args, kp);
        cr_assert_eq(system(cmd), 0, "%s", cmd);
        text = slurp(kp, &len);
        cr_assert_str_eq(cs_store_guess_key_type((char *)text, len),
                         keys[i].type, "%s", keys[i].args);
        free(text);
        snprintf(cmd, sizeof(cmd), "%s.pub", kp);
        unlink(cmd);
    }
    cr_assert_null(cs_store_guess_key_type("not a key", 9));
}

/* ---- crash safety: a fault at every step (store/store_sys.h) ---- */

/*
 * The test binaries build the store library with CS_STORE_FAULTS: every
 * step that changes a file (create, fchmod, write, fsync, link, rename,
 * unlink) calls the hook first.  A command is run with a fault before step
 * N, for every N: "kill" runs it in a child that gets SIGKILL there; "error"
 * makes the step fail with EIO, so the command's own clean-up runs.  Then a
 * second command, faulted the same way at every step M; then the checks.
 */
enum { FAULT_KILL, FAULT_ERROR };
enum { RUN_DONE, RUN_FAILED, RUN_STOPPED };

static long fault_at;    /* the step (from 1) to stop before; 0: none */
static long fault_steps; /* steps seen */
static int fault_mode;

static int fault_hook(const char *op, const char *file)
{
    (void)op;
    (void)file;
    if (++fault_steps != fault_at)
        return 0;
    if (fault_mode == FAULT_KILL)
        raise(SIGKILL); /* as a kill would: nothing after it runs, and no
                           exit handler (valgrind's leak check) either */
    errno = EIO;
    return -1;
}

/* What a scenario's commands unlock with, and the keys they are given. */
static char key2[600]; /* tmp/second.key */
static cs_store_unlock u_key, u_key2, u_pass;
static cs_store_params p_pass;

static void unlocks_init(void)
{
    snprintf(key2, sizeof(key2), "%s/second.key", tmp);
    u_key = (cs_store_unlock){keyf, NULL, 0};
    u_key2 = (cs_store_unlock){key2, NULL, 0};
    u_pass = (cs_store_unlock){NULL, "pass phrase", 11};
    cs_store_params_default(&p_pass, CS_STORE_AES_256_GCM, CS_STORE_KDF_PBKDF2);
    p_pass.kdf_p1 = 1000; /* cheap: this runs thousands of times */
}

static char last_note[1024];

static int rekey(const cs_store_unlock *from, const cs_store_unlock *to)
{
    return cs_store_rekey(path, from, to, to->passphrase ? &p_pass : NULL,
                          last_note, sizeof(last_note), err, sizeof(err));
}

/* The commands. */
static int cmd_in_place(void)
{
    return rekey(&u_key, &u_key);
}
static int cmd_to_key2(void)
{
    return rekey(&u_key, &u_key2);
}
static int cmd_to_pass(void)
{
    return rekey(&u_key, &u_pass);
}
static int cmd_pass_to_key(void)
{
    return rekey(&u_pass, &u_key);
}
static int cmd_set(void)
{
    /* As `credstack store set` does: recover (saying what it did), then
     * replace server_password with the value it has: the entries stay. */
    int rc = cs_store_recover(path, &u_key, last_note, sizeof(last_note), err,
                              sizeof(err));
    if (rc != CREDSTACK_OK)
        return rc;
    return cs_store_update(path, &u_key, edit_put,
                           &(put_args){"tpam", "server_password", NULL,
                                       "s3cr3t", CS_STORE_PASSWORD, 0},
                           err, sizeof(err));
}

typedef int (*cmd_fn)(void);

/* Run cmd with a fault before step `at` (0: none). */
static int run_faulted(cmd_fn cmd, int mode, long at)
{
    pid_t pid;
    int st, rc;

    fault_steps = 0;
    fault_at = at;
    fault_mode = mode;
    cs_store_fault_hook = fault_hook;
    if (mode == FAULT_ERROR) {
        rc = cmd();
        cs_store_fault_hook = NULL;
        if (at > 0 && fault_steps >= at)
            return RUN_STOPPED;
        return rc == CREDSTACK_OK ? RUN_DONE : RUN_FAILED;
    }
    fflush(NULL);
    pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        if (cmd() == CREDSTACK_OK)
            _exit(0);
        fprintf(stderr, "the command failed: %s\n", err);
        _exit(1);
    }
    cs_store_fault_hook = NULL;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
        return RUN_STOPPED;
    cr_assert(WIFEXITED(st), "the command crashed");
    return WEXITSTATUS(st) == 0 ? RUN_DONE : RUN_FAILED;
}

/* The store's directory, saved and put back between runs. */
typedef struct saved_file {
    char name[256];
    mode_t mode;
    unsigned char *data;
    size_t len;
} saved_file;
typedef struct snapshot {
    saved_file f[16];
    size_t n;
} snapshot;

static void snap_take(snapshot *s)
{
    DIR *d = opendir(tmp);
    struct dirent *e;

    cr_assert(d != NULL);
    memset(s, 0, sizeof(*s));
    while ((e = readdir(d)) != NULL) {
        char p[600];
        struct stat sb;
        if (e->d_name[0] == '.' &&
            (e->d_name[1] == '\0' || strcmp(e->d_name, "..") == 0))
            continue;
        snprintf(p, sizeof(p), "%s/%s", tmp, e->d_name);
        cr_assert_eq(lstat(p, &sb), 0);
        cr_assert(S_ISREG(sb.st_mode) && s->n < 16, "%s", p);
        snprintf(s->f[s->n].name, sizeof(s->f[s->n].name), "%s", e->d_name);
        s->f[s->n].mode = sb.st_mode & 07777;
        s->f[s->n].data = sb.st_size ? slurp(p, &s->f[s->n].len) : NULL;
        s->n++;
    }
    closedir(d);
}

static void snap_wipe_dir(void)
{
    DIR *d = opendir(tmp);
    struct dirent *e;

    cr_assert(d != NULL);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            cr_assert_eq(unlinkat(dirfd(d), e->d_name, 0), 0);
    closedir(d);
}

static void snap_restore(const snapshot *s)
{
    snap_wipe_dir();
    for (size_t i = 0; i < s->n; i++) {
        char p[600];
        snprintf(p, sizeof(p), "%s/%s", tmp, s->f[i].name);
        spit(p, s->f[i].data ? (const void *)s->f[i].data : "", s->f[i].len,
             s->f[i].mode);
    }
}

static void snap_free(snapshot *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->f[i].data);
    s->n = 0;
}

static int snap_has(const snapshot *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->f[i].name, name) == 0)
            return 1;
    return 0;
}

/* The entries make_store() wrote, and nothing else. */
static int entries_intact(const cs_store *st)
{
    long k = cs_store_find(st, "tpam", "server_user_key", 0);
    long p = cs_store_find(st, "tpam", "server_password", 0);

    return st->ncreds == 2 && k >= 0 && p >= 0 &&
           strstr(st->creds[k].secret, "OPENSSH PRIVATE KEY") != NULL &&
           strcmp(st->creds[p].secret, "s3cr3t") == 0;
}

/* Opens the store as a reader would (a key file: also its .new). */
static int opens_with(const cs_store_unlock *un, int *intact)
{
    cs_store *st = NULL;
    char e[1024];

    if (cs_store_open(path, un, &st, e, sizeof(e)) != CREDSTACK_OK)
        return 0;
    *intact = entries_intact(st);
    cs_store_free(st);
    return 1;
}

/* A key file on disk, read directly (no .new), opens the store. */
static int key_file_opens(const char *key_file)
{
    cs_store_unlock un = {key_file, NULL, 0};
    char knew[620];

    snprintf(knew, sizeof(knew), "%s.new", key_file);
    if (access(knew, F_OK) == 0)
        return 0;
    return opens_with(&un, &(int){0});
}

static void read_key(const char *key_file, unsigned char key[CS_STORE_KEY_LEN])
{
    cr_assert_eq(cs_store_key_file_read(key_file, key, err, sizeof(err)),
                 CREDSTACK_OK, "%s", err);
}

typedef struct scenario {
    const char *name;
    int from_pass; /* the store starts under the passphrase, no key file */
    cmd_fn first;  /* interrupted at every step, */
    const cs_store_unlock *first_to; /* (what opens it after `first`) */
    cmd_fn second;                   /* then interrupted again at every step */
    const cs_store_unlock *second_to;
    const char *const *files; /* what the directory holds at the end */
} scenario;

static const char *const files_key[] = {"s.store", "s.store.lock", "s.key",
                                        NULL};
static const char *const files_key2[] = {"s.store", "s.store.lock", "s.key",
                                         "second.key", NULL};

/* Some key or passphrase that the scenario knows opens the store, with its
 * entries intact. */
static void assert_readable(const char *ctx)
{
    const cs_store_unlock *cands[] = {&u_key, &u_key2, &u_pass};
    int opened = 0, intact = 0;

    for (size_t i = 0; i < 3 && !opened; i++)
        opened = opens_with(cands[i], &intact);
    cr_assert(opened, "%s: no key on disk opens the store", ctx);
    cr_assert(intact, "%s: the store's entries changed", ctx);
}

/* The key file's bytes as a snapshot holds them (zeros: none). */
static void snap_key(const snapshot *s, const char *name,
                     unsigned char key[CS_STORE_KEY_LEN])
{
    memset(key, 0, CS_STORE_KEY_LEN);
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->f[i].name, name) == 0 && s->f[i].len == CS_STORE_KEY_LEN)
            memcpy(key, s->f[i].data, CS_STORE_KEY_LEN);
}

/* After cmd completed: the store is under `to`, directly; a rekey in place
 * changed the key (old_key: the key file before cmd ran). */
static void assert_rekeyed(cmd_fn cmd, const cs_store_unlock *to,
                           const char *ctx, const unsigned char *old_key)
{
    int intact = 0;

    cr_assert(opens_with(to, &intact) && intact,
              "%s: the completed command's key does not open the store", ctx);
    if (to->key_file != NULL) {
        unsigned char now[CS_STORE_KEY_LEN];
        cr_assert(key_file_opens(to->key_file),
                  "%s: %s alone does not open the store", ctx, to->key_file);
        read_key(to->key_file, now);
        if (cmd == cmd_in_place)
            cr_assert(memcmp(now, old_key, sizeof(now)) != 0,
                      "%s: the key did not change", ctx);
    }
}

/* Run the scenario's final command with no fault: it must complete, say
 * what it recovered, and leave exactly the expected files. */
static void assert_finishes(const scenario *sc, cmd_fn cmd, const char *ctx)
{
    snapshot before, after;
    unsigned char k_before[CS_STORE_KEY_LEN];
    int dirty = 0;

    snap_take(&before);
    for (size_t i = 0; i < before.n; i++) {
        int expected = 0;
        for (const char *const *f = sc->files; *f; f++)
            expected |= strcmp(before.f[i].name, *f) == 0;
        dirty |= !expected;
    }
    cr_assert_eq(run_faulted(cmd, FAULT_ERROR, 0), RUN_DONE,
                 "%s: the next command fails: %s", ctx, err);
    snap_key(&before, "s.key", k_before);
    assert_rekeyed(cmd, cmd == sc->first ? sc->first_to : sc->second_to, ctx,
                   k_before);
    if (dirty)
        cr_assert(last_note[0] != '\0', "%s: recovered without saying so", ctx);
    snap_take(&after);
    for (const char *const *f = sc->files; *f; f++)
        cr_assert(snap_has(&after, *f), "%s: %s is missing", ctx, *f);
    cr_assert_eq(after.n, (size_t)(sc->files[3] ? 4 : 3),
                 "%s: files left behind", ctx);
    assert_readable(ctx);
    snap_free(&before);
    snap_free(&after);
}

static void make_scenario_store(const scenario *sc)
{
    make_store(CS_STORE_AES_256_GCM);
    if (sc->from_pass)
        cr_assert_eq(cs_store_rekey(path, &u_key, &u_pass, &p_pass, NULL, 0,
                                    err, sizeof(err)),
                     CREDSTACK_OK, "%s", err);
    if (sc->from_pass)
        cr_assert_eq(unlink(keyf), 0);
}

/*
 * Every step of `first` faulted, then every step of `second` from there;
 * after each, the store opens with the values it had; after a command that
 * completed, with its new key; and the next command, without faults,
 * completes and leaves nothing behind.
 */
static void run_scenario(const scenario *sc, int mode)
{
    snapshot start, mid;
    unsigned char k_before[CS_STORE_KEY_LEN];
    long pairs = 0;

    unlocks_init();
    make_scenario_store(sc);
    snap_take(&start);
    for (long n = 1;; n++) {
        char ctx[256];
        int r1;

        snap_restore(&start);
        r1 = run_faulted(sc->first, mode, n);
        snprintf(ctx, sizeof(ctx), "%s, %s at step %ld of the first run",
                 sc->name, mode == FAULT_KILL ? "killed" : "failed", n);
        cr_assert_neq(r1, RUN_FAILED, "%s: %s", ctx, err);
        assert_readable(ctx);
        if (r1 == RUN_DONE) {
            snap_key(&start, "s.key", k_before);
            assert_rekeyed(sc->first, sc->first_to, ctx, k_before);
            cr_assert(n > 1, "%s: the seam saw no step", sc->name);
            break;
        }
        snap_take(&mid);
        for (long m = 1;; m++) {
            int r2;

            snap_restore(&mid);
            r2 = run_faulted(sc->second, mode, m);
            snprintf(ctx, sizeof(ctx),
                     "%s, %s at step %ld of the first run and %ld of the "
                     "second",
                     sc->name, mode == FAULT_KILL ? "killed" : "failed", n, m);
            cr_assert_neq(r2, RUN_FAILED, "%s: %s", ctx, err);
            assert_readable(ctx);
            pairs++;
            if (r2 == RUN_DONE) {
                snap_key(&mid, "s.key", k_before);
                assert_rekeyed(sc->second, sc->second_to, ctx, k_before);
                assert_finishes(sc, sc->second, ctx);
                break;
            }
            assert_finishes(sc, sc->second, ctx);
        }
        /* And the first command run again to its end. */
        snap_restore(&mid);
        snprintf(ctx, sizeof(ctx), "%s, %s at step %ld of the first run",
                 sc->name, mode == FAULT_KILL ? "killed" : "failed", n);
        assert_finishes(sc, sc->first, ctx);
        snap_free(&mid);
    }
    cr_log_info("%s (%s): %ld pairs of faults", sc->name,
                mode == FAULT_KILL ? "kill" : "error", pairs);
    snap_free(&start);
}

static const scenario scenarios[] = {
    {"rekey in place twice", 0, cmd_in_place, &u_key, cmd_in_place, &u_key,
     files_key},
    {"rekey in place, then set", 0, cmd_in_place, &u_key, cmd_set, &u_key,
     files_key},
    {"rekey in place, then to a passphrase", 0, cmd_in_place, &u_key,
     cmd_to_pass, &u_pass, files_key},
    {"rekey to a new key file twice", 0, cmd_to_key2, &u_key2, cmd_to_key2,
     &u_key2, files_key2},
    {"rekey to a passphrase twice", 0, cmd_to_pass, &u_pass, cmd_to_pass,
     &u_pass, files_key},
    {"rekey from a passphrase to a new key file twice", 1, cmd_pass_to_key,
     &u_key, cmd_pass_to_key, &u_key, files_key},
};

Test(store, rekey_killed_at_every_pair_of_steps, .timeout = 900)
{
    for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
        snap_wipe_dir();
        run_scenario(&scenarios[i], FAULT_KILL);
    }
}

Test(store, rekey_failing_at_every_pair_of_steps, .timeout = 900)
{
    for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
        snap_wipe_dir();
        run_scenario(&scenarios[i], FAULT_ERROR);
    }
}
