/* SPDX-License-Identifier: MIT */
/* test_store.c: the credential store library: round trips, tampering,
 * truncation, keys, permissions, KDFs. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <credstack/credstack.h>

#include "store/store.h"

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
    cr_assert_eq(cs_store_rekey(path, &un, &pass, &p, err, sizeof(err)),
                 CREDSTACK_OK, "%s", err);
    cr_assert_neq(cs_store_open(path, &un, &st, err, sizeof(err)),
                  CREDSTACK_OK);
    cr_assert_eq(cs_store_open(path, &pass, &st, err, sizeof(err)),
                 CREDSTACK_OK, "%s", err);
    cr_assert_eq(st->ncreds, 2);
    cs_store_free(st);
    /* Passphrase -> a new key file. */
    cr_assert_eq(cs_store_rekey(path, &pass, &un2, NULL, err, sizeof(err)),
                 CREDSTACK_OK, "%s", err);
    cr_assert_eq(cs_store_open(path, &un2, &st, err, sizeof(err)), CREDSTACK_OK,
                 "%s", err);
    cs_store_free(st);
    /* A new key in the same key file. */
    cr_assert_eq(cs_store_key_file_read(key2, old_key, err, sizeof(err)),
                 CREDSTACK_OK);
    cr_assert_eq(cs_store_rekey(path, &un2, &un2, NULL, err, sizeof(err)),
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

Test(store, stale_temporaries_removed)
{
    cs_store_unlock un = key_un();
    char stale[600];

    make_store(CS_STORE_AES_256_GCM);
    snprintf(stale, sizeof(stale), "%s.tmp.12345.deadbeef", path);
    spit(stale, "half", 4, 0600);
    put(&un, (put_args){"a", "b", NULL, "c", CS_STORE_PASSWORD, 0});
    cr_assert_eq(access(stale, F_OK), -1, "a stale temporary was left");
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
