/* SPDX-License-Identifier: MIT */
/* store.c: the credential store's entries API: locate, open, write,
 * find/put/delete (the writers init and update: store_write.c; rekey and
 * recovery: store_rekey.c). */
/* Long file: the entries API (open, find, put, delete, write) works on one
 * in-memory form of the store file, kept private to this file. */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <credstack/credstack.h>

#include "../core/env.h"
#include "store.h"

#ifndef CREDSTACK_STORE_DIR
#define CREDSTACK_STORE_DIR "/var/local/lib/credstack/stores"
#endif

const char *cs_store_default_dir(void)
{
    return CREDSTACK_STORE_DIR;
}

static int name_ok(const char *name)
{
    if (*name == '\0' || *name == '.')
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
            return 0;
    return 1;
}

int cs_store_locate(const char *name, const char *dir, char **path_out,
                    char **key_file_out, char *err, size_t errlen)
{
    char *path = NULL, *key = NULL;
    size_t n;

    *path_out = NULL;
    if (key_file_out)
        *key_file_out = NULL;
    if (name == NULL || *name == '\0') {
        snprintf(err, errlen, "no credential store named");
        return CREDSTACK_ERR_CONFIG;
    }
    if (strchr(name, '/') != NULL) {
        path = strdup(name);
    } else {
        if (!name_ok(name)) {
            snprintf(err, errlen,
                     "credential store name '%s' is not valid (letters, "
                     "digits, '.', '_', '-'; not starting with '.'), or give "
                     "a path with a '/'",
                     name);
            return CREDSTACK_ERR_CONFIG;
        }
        if (dir == NULL || *dir == '\0')
            dir = cs_env("CREDSTACK_STORE_DIR");
        if (dir == NULL || *dir == '\0')
            dir = cs_store_default_dir();
        if (asprintf(&path, "%s/%s.store", dir, name) < 0)
            path = NULL;
    }
    if (path == NULL)
        goto oom;
    if (key_file_out) {
        n = strlen(path);
        if (n > 6 && strcmp(path + n - 6, ".store") == 0) {
            if (asprintf(&key, "%.*s.key", (int)(n - 6), path) < 0)
                key = NULL;
        } else if (asprintf(&key, "%s.key", path) < 0) {
            key = NULL;
        }
        if (key == NULL)
            goto oom;
        *key_file_out = key;
    }
    *path_out = path;
    return CREDSTACK_OK;
oom:
    free(path);
    snprintf(err, errlen, "out of memory");
    return CREDSTACK_ERR_NOMEM;
}

const char *cs_store_type_name(cs_store_type type)
{
    return type == CS_STORE_PASSWORD      ? "password"
           : type == CS_STORE_PRIVATE_KEY ? "private-key"
                                          : "unknown";
}

static void cred_clear(cs_store_cred *c)
{
    free(c->host);
    free(c->user);
    free(c->key_type);
    if (c->secret)
        cs_store_wipe_free(c->secret, c->secret_len + 1);
    memset(c, 0, sizeof(*c));
}

void cs_store_free(cs_store *st)
{
    if (st == NULL)
        return;
    for (size_t i = 0; i < st->ncreds; i++)
        cred_clear(&st->creds[i]);
    free(st->creds);
    free(st->path);
    OPENSSL_cleanse(st, sizeof(*st));
    free(st);
}

/* The key of a store whose header says how it is protected. */
static int unlock_key(const cs_store_params *p, const cs_store_unlock *un,
                      const char *path, unsigned char key[CS_STORE_KEY_LEN],
                      char *err, size_t errlen)
{
    if (p->kdf == CS_STORE_KDF_KEYFILE) {
        if (un->key_file == NULL) {
            snprintf(err, errlen,
                     "store %s is protected by a master key file, not a "
                     "passphrase: name the key file",
                     path);
            return CREDSTACK_ERR_CONFIG;
        }
        return cs_store_key_file_read(un->key_file, key, err, errlen);
    }
    if (un->passphrase == NULL) {
        snprintf(err, errlen,
                 "store %s is protected by a passphrase: give it "
                 "(CREDSTACK_STORE_PASSPHRASE, or --passphrase-file)",
                 path);
        return CREDSTACK_ERR_CONFIG;
    }
    return cs_store_kdf_derive(p, un->passphrase, un->passphrase_len, key, err,
                               errlen);
}

/* Decrypt and decode a file image with key into a new store. */
static int open_image(const char *path, const unsigned char *img, size_t len,
                      const cs_store_params *p,
                      const unsigned char key[CS_STORE_KEY_LEN],
                      cs_store **st_out, char *err, size_t errlen)
{
    unsigned char *plain = NULL;
    size_t plain_len = 0;
    cs_store *st = NULL;
    int ret;

    ret = cs_store_unseal(img, len, path, key, &plain, &plain_len, err, errlen);
    if (ret != CREDSTACK_OK)
        return ret;
    st = calloc(1, sizeof(*st));
    if (st == NULL || (st->path = strdup(path)) == NULL) {
        free(st);
        cs_store_wipe_free(plain, plain_len + 1);
        snprintf(err, errlen, "out of memory");
        return CREDSTACK_ERR_NOMEM;
    }
    st->params = *p;
    memcpy(st->key, key, CS_STORE_KEY_LEN);
    ret = cs_store_decode(st, plain, plain_len, err, errlen);
    cs_store_wipe_free(plain, plain_len + 1);
    if (ret != CREDSTACK_OK) {
        cs_store_free(st);
        return ret;
    }
    *st_out = st;
    return CREDSTACK_OK;
}

int cs_store_open(const char *path, const cs_store_unlock *un,
                  cs_store **st_out, char *err, size_t errlen)
{
    unsigned char *img = NULL;
    unsigned char key[CS_STORE_KEY_LEN];
    size_t len = 0;
    cs_store_params p;
    int ret, sealed = 0;

    *st_out = NULL;
    ret = cs_store_file_read(path, &img, &len, err, errlen);
    if (ret != CREDSTACK_OK)
        return ret;
    ret = cs_store_peek(img, len, path, &p, err, errlen);
    if (ret == CREDSTACK_OK)
        ret = unlock_key(&p, un, path, key, err, errlen);
    if (ret == CREDSTACK_OK) {
        ret = open_image(path, img, len, &p, key, st_out, err, errlen);
        sealed = ret == CREDSTACK_ERR_REFUSED;
    }
    /* A rekey of the key file in place that was cut short between writing
     * the store and renaming <key>.new into place: the new key is there. */
    if (sealed && p.kdf == CS_STORE_KDF_KEYFILE && un->key_file != NULL) {
        char *knew = NULL;
        char err2[256];
        if (asprintf(&knew, "%s.new", un->key_file) >= 0 &&
            cs_store_key_file_read(knew, key, err2, sizeof(err2)) ==
                CREDSTACK_OK &&
            open_image(path, img, len, &p, key, st_out, err2, sizeof(err2)) ==
                CREDSTACK_OK) {
            err[0] = '\0';
            ret = CREDSTACK_OK;
        }
        free(knew);
    }
    OPENSSL_cleanse(key, sizeof(key));
    free(img);
    return ret;
}

int cs_store_write(const cs_store *st, int excl, char *err, size_t errlen)
{
    unsigned char *plain = NULL, *img = NULL;
    size_t plain_len = 0, len = 0;
    int ret;

    ret = cs_store_encode(st, &plain, &plain_len);
    if (ret != CREDSTACK_OK) {
        snprintf(err, errlen, "out of memory");
        return ret;
    }
    ret = cs_store_seal(&st->params, st->key, plain, plain_len, &img, &len, err,
                        errlen);
    cs_store_wipe_free(plain, plain_len);
    if (ret != CREDSTACK_OK)
        return ret;
    ret = cs_store_file_replace(st->path, img, len, excl, err, errlen);
    free(img);
    return ret;
}

int cs_store_new_key(const cs_store_unlock *un, const cs_store_params *params,
                     const char *key_path, cs_store_params *p_out,
                     unsigned char key[CS_STORE_KEY_LEN], char *err,
                     size_t errlen)
{
    cs_store_kdf kdf =
        un->passphrase ? CS_STORE_KDF_SCRYPT : CS_STORE_KDF_KEYFILE;
    struct stat sb;

    if (params != NULL) {
        *p_out = *params;
        if ((p_out->kdf == CS_STORE_KDF_KEYFILE) != (un->passphrase == NULL)) {
            snprintf(err, errlen,
                     "a key file store needs a key file, a "
                     "passphrase store a passphrase");
            return CREDSTACK_ERR_INVALID;
        }
    } else {
        cs_store_params_default(p_out, CS_STORE_AES_256_GCM, kdf);
    }
    if (!cs_store_kdf_params_ok(p_out)) {
        snprintf(err, errlen, "bad key derivation parameters");
        return CREDSTACK_ERR_INVALID;
    }
    if (RAND_bytes(p_out->salt, CS_STORE_SALT_LEN) != 1) {
        snprintf(err, errlen, "no randomness for the salt");
        return CREDSTACK_ERR_IO;
    }
    if (p_out->kdf != CS_STORE_KDF_KEYFILE)
        return cs_store_kdf_derive(p_out, un->passphrase, un->passphrase_len,
                                   key, err, errlen);
    if (key_path == NULL)
        key_path = un->key_file;
    if (key_path == NULL) {
        snprintf(err, errlen, "no master key file named");
        return CREDSTACK_ERR_INVALID;
    }
    if (lstat(key_path, &sb) == 0)
        return cs_store_key_file_read(key_path, key, err, errlen);
    return cs_store_key_file_create(key_path, key, err, errlen);
}

long cs_store_find(const cs_store *st, const char *host, const char *user,
                   size_t n)
{
    for (size_t i = 0; i < st->ncreds; i++)
        if (strcmp(st->creds[i].host, host) == 0 &&
            strcmp(st->creds[i].user, user) == 0 && n-- == 0)
            return (long)i;
    return -1;
}

int cs_store_delete(cs_store *st, const char *host, const char *user)
{
    size_t out = 0;
    int found = 0;

    for (size_t i = 0; i < st->ncreds; i++) {
        if (strcmp(st->creds[i].host, host) == 0 &&
            strcmp(st->creds[i].user, user) == 0) {
            cred_clear(&st->creds[i]);
            found = 1;
            continue;
        }
        st->creds[out++] = st->creds[i];
    }
    st->ncreds = out;
    return found ? CREDSTACK_OK : CREDSTACK_ERR_NOTFOUND;
}

static int field_ok(const char *s, size_t max)
{
    size_t n = strlen(s);

    if (n == 0 || n > max)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

int cs_store_put(cs_store *st, const char *host, const char *user,
                 cs_store_type type, const char *key_type, const char *secret,
                 size_t secret_len, int append, char *err, size_t errlen)
{
    cs_store_cred c = {0};
    cs_store_cred *grown;

    if (key_type == NULL)
        key_type = "";
    if (!field_ok(host, 255) || !field_ok(user, 255)) {
        snprintf(err, errlen,
                 "host and user must be 1 to 255 printable "
                 "characters");
        return CREDSTACK_ERR_INVALID;
    }
    if (type != CS_STORE_PASSWORD && type != CS_STORE_PRIVATE_KEY) {
        snprintf(err, errlen, "unknown credential type");
        return CREDSTACK_ERR_INVALID;
    }
    if (type == CS_STORE_PRIVATE_KEY ? !field_ok(key_type, 64)
                                     : *key_type != '\0') {
        snprintf(err, errlen, "%s",
                 type == CS_STORE_PRIVATE_KEY
                     ? "a private key needs its key type (ssh-rsa, "
                       "ssh-ed25519, ecdsa-sha2-nistp256, ...)"
                     : "a password has no key type");
        return CREDSTACK_ERR_INVALID;
    }
    if (secret_len == 0 || memchr(secret, 0, secret_len) != NULL ||
        secret_len > CS_STORE_MAX_FILE / 2) {
        snprintf(err, errlen,
                 "the secret is empty, too long or holds a NUL "
                 "byte");
        return CREDSTACK_ERR_INVALID;
    }
    c.type = type;
    c.host = strdup(host);
    c.user = strdup(user);
    c.key_type = strdup(key_type);
    c.secret = malloc(secret_len + 1);
    grown = realloc(st->creds, (st->ncreds + 1) * sizeof(*st->creds));
    if (grown != NULL)
        st->creds = grown;
    if (!c.host || !c.user || !c.key_type || !c.secret || !grown) {
        if (c.secret)
            memset(c.secret, 0, 1);
        c.secret_len = 0;
        cred_clear(&c);
        snprintf(err, errlen, "out of memory");
        return CREDSTACK_ERR_NOMEM;
    }
    memcpy(c.secret, secret, secret_len);
    c.secret[secret_len] = '\0';
    c.secret_len = secret_len;
    if (!append)
        cs_store_delete(st, host, user);
    st->creds[st->ncreds++] = c;
    return CREDSTACK_OK;
}

/* The key type inside an "openssh-key-v1" blob: its first public key's name. */
static const char *openssh_key_type(const unsigned char *b, size_t n)
{
    static const char *const known[] = {"ssh-rsa",
                                        "ssh-dss",
                                        "ssh-ed25519",
                                        "ecdsa-sha2-nistp256",
                                        "ecdsa-sha2-nistp384",
                                        "ecdsa-sha2-nistp521",
                                        "sk-ssh-ed25519@openssh.com",
                                        "sk-ecdsa-sha2-nistp256@openssh.com",
                                        NULL};
    size_t off = 15; /* "openssh-key-v1\0" */

    if (n < off || memcmp(b, "openssh-key-v1", 15) != 0)
        return NULL;
    /* ciphername, kdfname, kdfoptions; then u32 nkeys; then the public key. */
    for (int i = 0; i < 3; i++) {
        uint32_t l;
        if (n - off < 4)
            return NULL;
        l = ((uint32_t)b[off] << 24) | ((uint32_t)b[off + 1] << 16) |
            ((uint32_t)b[off + 2] << 8) | b[off + 3];
        if (n - off - 4 < l)
            return NULL;
        off += 4 + l;
    }
    if (n - off < 4 + 4 + 4)
        return NULL;
    off += 4 + 4; /* nkeys, the public key blob's length */
    {
        uint32_t l = ((uint32_t)b[off] << 24) | ((uint32_t)b[off + 1] << 16) |
                     ((uint32_t)b[off + 2] << 8) | b[off + 3];
        off += 4;
        if (n - off < l)
            return NULL;
        for (const char *const *k = known; *k; k++)
            if (strlen(*k) == l && memcmp(b + off, *k, l) == 0)
                return *k;
    }
    return NULL;
}

const char *cs_store_guess_key_type(const char *text, size_t len)
{
    static const char begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
    const char *type = NULL;
    const char *p = memmem(text, len, begin, sizeof(begin) - 1);

    if (p != NULL) {
        const char *end = memmem(p, len - (size_t)(p - text), "-----END", 8);
        size_t cap, n = 0;
        unsigned char *b64 = NULL, *bin = NULL;
        int got;

        p += sizeof(begin) - 1;
        if (end == NULL)
            return NULL;
        cap = (size_t)(end - p);
        b64 = malloc(cap + 1);
        bin = malloc(cap + 1);
        if (b64 && bin) {
            for (const char *q = p; q < end; q++)
                if (*q != '\n' && *q != '\r' && *q != ' ' && *q != '\t')
                    b64[n++] = (unsigned char)*q;
            got = n % 4 == 0 ? EVP_DecodeBlock(bin, b64, (int)n) : -1;
            if (got > 0)
                type = openssh_key_type(bin, (size_t)got);
        }
        if (b64)
            cs_store_wipe_free(b64, cap + 1);
        if (bin)
            cs_store_wipe_free(bin, cap + 1);
        return type;
    }
    /* PEM (PKCS#1, SEC1, PKCS#8) unencrypted keys: ask OpenSSL. */
    {
        BIO *bio = BIO_new_mem_buf(text, (int)len);
        EVP_PKEY *pk = NULL;
        char group[64] = "";

        if (bio == NULL)
            return NULL;
        pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
        BIO_free(bio);
        if (pk == NULL)
            return NULL;
        switch (EVP_PKEY_base_id(pk)) {
        case EVP_PKEY_RSA:
            type = "ssh-rsa";
            break;
        case EVP_PKEY_DSA:
            type = "ssh-dss";
            break;
        case EVP_PKEY_ED25519:
            type = "ssh-ed25519";
            break;
        case EVP_PKEY_EC:
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
            if (EVP_PKEY_get_utf8_string_param(pk, "group", group,
                                               sizeof(group), NULL) != 1)
                group[0] = '\0';
#else
            snprintf(group, sizeof(group), "%s",
                     OBJ_nid2sn(EC_GROUP_get_curve_name(
                         EC_KEY_get0_group(EVP_PKEY_get0_EC_KEY(pk)))));
#endif
            {
                if (strcmp(group, "prime256v1") == 0)
                    type = "ecdsa-sha2-nistp256";
                else if (strcmp(group, "secp384r1") == 0)
                    type = "ecdsa-sha2-nistp384";
                else if (strcmp(group, "secp521r1") == 0)
                    type = "ecdsa-sha2-nistp521";
            }
            break;
        default:
            break;
        }
        EVP_PKEY_free(pk);
    }
    return type;
}
