/* SPDX-License-Identifier: MIT */
/* store_key.c: the store's key: a master key file, or a passphrase through
 * scrypt or PBKDF2. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <credstack/credstack.h>

#include "store.h"

/* Bounds a reader accepts, so a modified header cannot ask for 2^40 bytes of
 * scrypt. */
#define SCRYPT_MAX_LOG2N 22
#define SCRYPT_MAX_R 32
#define SCRYPT_MAX_P 16
#define PBKDF2_MIN_ROUNDS 1000
#define PBKDF2_MAX_ROUNDS 50000000u

void cs_store_params_default(cs_store_params *p, cs_store_cipher cipher,
                             cs_store_kdf kdf)
{
    memset(p, 0, sizeof(*p));
    p->cipher = cipher;
    p->kdf = kdf;
    if (kdf == CS_STORE_KDF_SCRYPT) {
        p->kdf_p1 = 15; /* N = 2^15: 32 MiB with r = 8 */
        p->kdf_p2 = 8;
        p->kdf_p3 = 1;
    } else if (kdf == CS_STORE_KDF_PBKDF2) {
        p->kdf_p1 = 600000; /* OWASP's figure for PBKDF2-HMAC-SHA256 */
    }
}

int cs_store_kdf_params_ok(const cs_store_params *p)
{
    switch (p->kdf) {
    case CS_STORE_KDF_KEYFILE:
        return p->kdf_p1 == 0 && p->kdf_p2 == 0 && p->kdf_p3 == 0;
    case CS_STORE_KDF_SCRYPT:
        return p->kdf_p1 >= 1 && p->kdf_p1 <= SCRYPT_MAX_LOG2N &&
               p->kdf_p2 >= 1 && p->kdf_p2 <= SCRYPT_MAX_R && p->kdf_p3 >= 1 &&
               p->kdf_p3 <= SCRYPT_MAX_P;
    case CS_STORE_KDF_PBKDF2:
        return p->kdf_p1 >= PBKDF2_MIN_ROUNDS &&
               p->kdf_p1 <= PBKDF2_MAX_ROUNDS && p->kdf_p2 == 0 &&
               p->kdf_p3 == 0;
    }
    return 0;
}

int cs_store_kdf_derive(const cs_store_params *p, const char *pass,
                        size_t pass_len, unsigned char key[CS_STORE_KEY_LEN],
                        char *err, size_t errlen)
{
    int ok = 0;

    if (!cs_store_kdf_params_ok(p) || p->kdf == CS_STORE_KDF_KEYFILE) {
        snprintf(err, errlen, "bad key derivation parameters");
        return CREDSTACK_ERR_INVALID;
    }
    if (pass_len == 0) {
        snprintf(err, errlen, "the passphrase is empty");
        return CREDSTACK_ERR_INVALID;
    }
    if (p->kdf == CS_STORE_KDF_SCRYPT) {
        uint64_t n = (uint64_t)1 << p->kdf_p1;
        /* 128 * N * r bytes, plus a margin for OpenSSL's own accounting. */
        uint64_t maxmem =
            128u * n * p->kdf_p2 + 128u * p->kdf_p2 * p->kdf_p3 + (1u << 20);
        ok = EVP_PBE_scrypt(pass, pass_len, p->salt, CS_STORE_SALT_LEN, n,
                            p->kdf_p2, p->kdf_p3, maxmem, key,
                            CS_STORE_KEY_LEN) == 1;
    } else {
        ok = pass_len <= 0x7fffffff &&
             PKCS5_PBKDF2_HMAC(pass, (int)pass_len, p->salt, CS_STORE_SALT_LEN,
                               (int)p->kdf_p1, EVP_sha256(), CS_STORE_KEY_LEN,
                               key) == 1;
    }
    if (!ok) {
        OPENSSL_cleanse(key, CS_STORE_KEY_LEN);
        snprintf(err, errlen, "key derivation failed");
        return CREDSTACK_ERR_NOMEM;
    }
    return CREDSTACK_OK;
}

/*
 * The master key file is 32 raw bytes.  Opened with O_NOFOLLOW and checked
 * on the open descriptor (fstat), so it cannot be swapped between the
 * check and the read.
 */
int cs_store_key_file_read(const char *path,
                           unsigned char key[CS_STORE_KEY_LEN], char *err,
                           size_t errlen)
{
    struct stat st;
    unsigned char buf[CS_STORE_KEY_LEN + 1];
    ssize_t got;
    size_t len = 0;
    int fd = -1, ret = CREDSTACK_ERR_REFUSED;

    if (lstat(path, &st) != 0) {
        snprintf(err, errlen, "master key file %s: %s", path, strerror(errno));
        /* Not NOTFOUND: that one means "no such store". */
        return errno == ENOENT ? CREDSTACK_ERR_CONFIG : CREDSTACK_ERR_IO;
    }
    if (S_ISLNK(st.st_mode)) {
        snprintf(err, errlen, "master key file %s: refused: a symbolic link",
                 path);
        return CREDSTACK_ERR_REFUSED;
    }
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, errlen, "master key file %s: %s", path,
                 errno == ELOOP ? "refused: a symbolic link" : strerror(errno));
        return errno == ELOOP ? CREDSTACK_ERR_REFUSED : CREDSTACK_ERR_IO;
    }
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "master key file %s: %s", path, strerror(errno));
        ret = CREDSTACK_ERR_IO;
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen,
                 "master key file %s: refused: not a regular "
                 "file",
                 path);
        goto done;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        snprintf(err, errlen,
                 "master key file %s: refused: group or others may access it "
                 "(mode %04o; chmod 0400 it)",
                 path, (unsigned)(st.st_mode & 07777));
        goto done;
    }
    if (st.st_uid != geteuid()) {
        snprintf(err, errlen,
                 "master key file %s: refused: owned by uid %u, not by us "
                 "(uid %u)",
                 path, (unsigned)st.st_uid, (unsigned)geteuid());
        goto done;
    }
    while (len < sizeof(buf)) {
        got = read(fd, buf + len, sizeof(buf) - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf(err, errlen, "master key file %s: %s", path,
                     strerror(errno));
            ret = CREDSTACK_ERR_IO;
            goto done;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    if (len != CS_STORE_KEY_LEN) {
        snprintf(err, errlen,
                 "master key file %s: not a credstack key (%s than %d bytes)",
                 path, len < CS_STORE_KEY_LEN ? "shorter" : "longer",
                 CS_STORE_KEY_LEN);
        ret = CREDSTACK_ERR_IO;
        goto done;
    }
    memcpy(key, buf, CS_STORE_KEY_LEN);
    ret = CREDSTACK_OK;
done:
    OPENSSL_cleanse(buf, sizeof(buf));
    close(fd);
    return ret;
}

int cs_store_key_file_create(const char *path,
                             unsigned char key[CS_STORE_KEY_LEN], char *err,
                             size_t errlen)
{
    int ret;

    if (RAND_bytes(key, CS_STORE_KEY_LEN) != 1) {
        snprintf(err, errlen, "no randomness for the master key");
        return CREDSTACK_ERR_IO;
    }
    /* Written beside it and linked into place: a key file is whole or
     * absent, never a part, and an existing one is never replaced. */
    ret = cs_store_file_publish(path, key, CS_STORE_KEY_LEN, 0400, 1,
                                "master key file", err, errlen);
    if (ret != CREDSTACK_OK)
        OPENSSL_cleanse(key, CS_STORE_KEY_LEN);
    return ret;
}
