/* SPDX-License-Identifier: MIT */
/* store_format.c: the store file's header, its AEAD seal/open, and the entries'
 * payload encoding. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <credstack/credstack.h>

#include "store.h"

/*
 * The header (doc/store-format.md), all of it bound in as associated data:
 *   0  8  magic "CSSTORE\0"
 *   8  2  format version (big endian)
 *  10  2  header length (64)
 *  12  1  cipher          13  1  kdf          14  2  reserved (0)
 *  16  4  kdf p1          20  4  kdf p2       24  4  kdf p3
 *  28 16  salt            44 12  nonce
 *  56  8  payload length
 *  64  .  ciphertext (payload length bytes), then the 16-byte tag
 */
#define HDR_LEN 64
static const unsigned char magic[8] = {'C', 'S', 'S', 'T', 'O', 'R', 'E', 0};

static void put16(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static void put32(unsigned char *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xffff);
}

static uint32_t get16(const unsigned char *p)
{
    return ((uint32_t)p[0] << 8) | p[1];
}

static uint32_t get32(const unsigned char *p)
{
    return (get16(p) << 16) | get16(p + 2);
}

static uint64_t get64(const unsigned char *p)
{
    return ((uint64_t)get32(p) << 32) | get32(p + 4);
}

static const EVP_CIPHER *evp_cipher(cs_store_cipher c)
{
    switch (c) {
    case CS_STORE_AES_256_GCM:
        return EVP_aes_256_gcm();
    case CS_STORE_CHACHA20_POLY1305:
        return EVP_chacha20_poly1305();
    }
    return NULL;
}

void cs_store_wipe_free(void *p, size_t len)
{
    if (p == NULL)
        return;
    OPENSSL_cleanse(p, len);
    free(p);
}

int cs_store_peek(const unsigned char *file, size_t len, const char *path,
                  cs_store_params *params_out, char *err, size_t errlen)
{
    cs_store_params p;
    uint32_t version;
    uint64_t plen;

    if (memcmp(file, magic, len < 8 ? len : 8) != 0) {
        snprintf(err, errlen, "%s: not a credstack store (bad magic)", path);
        return CREDSTACK_ERR_IO;
    }
    if (len < 12) {
        snprintf(err, errlen, "%s: store file is truncated (%zu bytes)", path,
                 len);
        return CREDSTACK_ERR_IO;
    }
    version = get16(file + 8);
    if (version > CS_STORE_VERSION) {
        snprintf(err, errlen,
                 "%s: store format version %u is newer than this credstack "
                 "reads (%u); upgrade credstack",
                 path, (unsigned)version, (unsigned)CS_STORE_VERSION);
        return CREDSTACK_ERR_IO;
    }
    if (version == 0 || get16(file + 10) != HDR_LEN) {
        snprintf(err, errlen, "%s: corrupt store header", path);
        return CREDSTACK_ERR_IO;
    }
    if (len < HDR_LEN + CS_STORE_TAG_LEN) {
        snprintf(err, errlen, "%s: store file is truncated (%zu bytes)", path,
                 len);
        return CREDSTACK_ERR_IO;
    }
    memset(&p, 0, sizeof(p));
    p.cipher = (cs_store_cipher)file[12];
    p.kdf = (cs_store_kdf)file[13];
    p.kdf_p1 = get32(file + 16);
    p.kdf_p2 = get32(file + 20);
    p.kdf_p3 = get32(file + 24);
    memcpy(p.salt, file + 28, CS_STORE_SALT_LEN);
    plen = get64(file + 56);
    if (evp_cipher(p.cipher) == NULL || get16(file + 14) != 0 ||
        !cs_store_kdf_params_ok(&p)) {
        snprintf(err, errlen, "%s: corrupt store header", path);
        return CREDSTACK_ERR_IO;
    }
    if (plen != len - HDR_LEN - CS_STORE_TAG_LEN) {
        snprintf(err, errlen, "%s: store file is %s (%zu bytes)", path,
                 plen > len - HDR_LEN - CS_STORE_TAG_LEN ? "truncated"
                                                         : "too long",
                 len);
        return CREDSTACK_ERR_IO;
    }
    if (params_out)
        *params_out = p;
    return CREDSTACK_OK;
}

/* One AEAD pass; enc: encrypt plain and write the tag, else decrypt and check
 * it. */
static int aead(int enc, cs_store_cipher cipher,
                const unsigned char key[CS_STORE_KEY_LEN],
                const unsigned char *nonce, const unsigned char *aad,
                size_t aad_len, const unsigned char *in, size_t len,
                unsigned char *out, unsigned char *tag)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int ok = 0, n = 0;

    if (ctx == NULL || len > (size_t)0x7fffffff)
        goto done;
    if (EVP_CipherInit_ex(ctx, evp_cipher(cipher), NULL, NULL, NULL, enc) !=
            1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, CS_STORE_NONCE_LEN,
                            NULL) != 1 ||
        EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) != 1 ||
        EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1)
        goto done;
    if (len > 0 && EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1)
        goto done;
    if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
                                    CS_STORE_TAG_LEN, tag) != 1)
        goto done;
    if (EVP_CipherFinal_ex(ctx, out + n, &n) != 1)
        goto done;
    if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, CS_STORE_TAG_LEN,
                                   tag) != 1)
        goto done;
    ok = 1;
done:
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

int cs_store_seal(const cs_store_params *params,
                  const unsigned char key[CS_STORE_KEY_LEN],
                  const unsigned char *plain, size_t plain_len,
                  unsigned char **file_out, size_t *file_len_out, char *err,
                  size_t errlen)
{
    size_t total = HDR_LEN + plain_len + CS_STORE_TAG_LEN;
    unsigned char *f = NULL;

    if (evp_cipher(params->cipher) == NULL || total > CS_STORE_MAX_FILE) {
        snprintf(err, errlen,
                 "the store would be too large or its cipher "
                 "is unknown");
        return CREDSTACK_ERR_INVALID;
    }
    f = calloc(1, total);
    if (f == NULL) {
        snprintf(err, errlen, "out of memory");
        return CREDSTACK_ERR_NOMEM;
    }
    memcpy(f, magic, 8);
    put16(f + 8, CS_STORE_VERSION);
    put16(f + 10, HDR_LEN);
    f[12] = (unsigned char)params->cipher;
    f[13] = (unsigned char)params->kdf;
    put32(f + 16, params->kdf_p1);
    put32(f + 20, params->kdf_p2);
    put32(f + 24, params->kdf_p3);
    memcpy(f + 28, params->salt, CS_STORE_SALT_LEN);
    /* A fresh random nonce for every write: a key seals at most a few
     * thousand files in its life, far below the 2^32 bound of random nonces. */
    if (RAND_bytes(f + 44, CS_STORE_NONCE_LEN) != 1) {
        free(f);
        snprintf(err, errlen, "no randomness for the nonce");
        return CREDSTACK_ERR_IO;
    }
    put32(f + 56, (uint32_t)((uint64_t)plain_len >> 32));
    put32(f + 60, (uint32_t)plain_len);
    if (!aead(1, params->cipher, key, f + 44, f, HDR_LEN, plain, plain_len,
              f + HDR_LEN, f + HDR_LEN + plain_len)) {
        cs_store_wipe_free(f, total);
        snprintf(err, errlen, "encryption failed");
        return CREDSTACK_ERR_IO;
    }
    *file_out = f;
    *file_len_out = total;
    return CREDSTACK_OK;
}

int cs_store_unseal(const unsigned char *file, size_t len, const char *path,
                    const unsigned char key[CS_STORE_KEY_LEN],
                    unsigned char **plain_out, size_t *plain_len_out, char *err,
                    size_t errlen)
{
    cs_store_params p;
    size_t plen;
    unsigned char *plain = NULL;
    unsigned char tag[CS_STORE_TAG_LEN];
    int ret = cs_store_peek(file, len, path, &p, err, errlen);

    if (ret != CREDSTACK_OK)
        return ret;
    plen = len - HDR_LEN - CS_STORE_TAG_LEN;
    plain = malloc(plen + 1);
    if (plain == NULL) {
        snprintf(err, errlen, "out of memory");
        return CREDSTACK_ERR_NOMEM;
    }
    memcpy(tag, file + HDR_LEN + plen, CS_STORE_TAG_LEN);
    if (!aead(0, p.cipher, key, file + 44, file, HDR_LEN, file + HDR_LEN, plen,
              plain, tag)) {
        cs_store_wipe_free(plain, plen + 1);
        snprintf(err, errlen,
                 "%s: cannot decrypt the store: wrong key or passphrase, or "
                 "the file was modified",
                 path);
        return CREDSTACK_ERR_REFUSED;
    }
    plain[plen] = 0;
    *plain_out = plain;
    *plain_len_out = plen;
    return CREDSTACK_OK;
}

/*
 * The payload: u32 count, then per credential u8 type, u16+bytes host,
 * u16+bytes user, u16+bytes key type, u32+bytes secret (big endian).
 */
int cs_store_encode(const cs_store *st, unsigned char **out, size_t *len_out)
{
    size_t len = 4, off = 0;
    unsigned char *b;

    for (size_t i = 0; i < st->ncreds; i++)
        len += 1 + 2 + strlen(st->creds[i].host) + 2 +
               strlen(st->creds[i].user) + 2 + strlen(st->creds[i].key_type) +
               4 + st->creds[i].secret_len;
    b = malloc(len ? len : 1);
    if (b == NULL)
        return CREDSTACK_ERR_NOMEM;
    put32(b, (uint32_t)st->ncreds);
    off = 4;
    for (size_t i = 0; i < st->ncreds; i++) {
        const cs_store_cred *c = &st->creds[i];
        const char *strs[3] = {c->host, c->user, c->key_type};

        b[off++] = (unsigned char)c->type;
        for (int k = 0; k < 3; k++) {
            size_t n = strlen(strs[k]);
            put16(b + off, (uint32_t)n);
            memcpy(b + off + 2, strs[k], n);
            off += 2 + n;
        }
        put32(b + off, (uint32_t)c->secret_len);
        memcpy(b + off + 4, c->secret, c->secret_len);
        off += 4 + c->secret_len;
    }
    *out = b;
    *len_out = len;
    return CREDSTACK_OK;
}

/* A string field: no NUL bytes inside, since the API hands out C strings. */
static int take(const unsigned char *buf, size_t len, size_t *off, size_t width,
                char **out)
{
    size_t n;

    if (len - *off < width)
        return 0;
    n = width == 2 ? get16(buf + *off) : get32(buf + *off);
    *off += width;
    if (len - *off < n || memchr(buf + *off, 0, n) != NULL)
        return 0;
    *out = malloc(n + 1);
    if (*out == NULL)
        return 0;
    memcpy(*out, buf + *off, n);
    (*out)[n] = 0;
    *off += n;
    return 1;
}

int cs_store_decode(cs_store *st, const unsigned char *buf, size_t len,
                    char *err, size_t errlen)
{
    size_t off = 4, count;

    if (len < 4)
        goto bad;
    count = get32(buf);
    /* Each credential takes at least 11 bytes: a bound before calloc. */
    if (count > (len - 4) / 11)
        goto bad;
    st->creds = calloc(count ? count : 1, sizeof(*st->creds));
    if (st->creds == NULL) {
        snprintf(err, errlen, "out of memory");
        return CREDSTACK_ERR_NOMEM;
    }
    for (size_t i = 0; i < count; i++) {
        cs_store_cred *c = &st->creds[i];

        st->ncreds = i + 1;
        if (off >= len)
            goto bad;
        c->type = (cs_store_type)buf[off++];
        if (!take(buf, len, &off, 2, &c->host) ||
            !take(buf, len, &off, 2, &c->user) ||
            !take(buf, len, &off, 2, &c->key_type) ||
            !take(buf, len, &off, 4, &c->secret))
            goto bad;
        c->secret_len = strlen(c->secret);
        if ((c->type != CS_STORE_PASSWORD && c->type != CS_STORE_PRIVATE_KEY) ||
            *c->host == 0 || *c->user == 0)
            goto bad;
    }
    if (off != len)
        goto bad;
    return CREDSTACK_OK;
bad:
    snprintf(err, errlen, "%s: the store's contents are malformed",
             st->path ? st->path : "store");
    return CREDSTACK_ERR_IO;
}
