/* SPDX-License-Identifier: MIT */
/* fuzz_store.c: libFuzzer harness of the credential store reader: header, AEAD
 * open, payload decoding. */
#include "autoconf.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <credstack/credstack.h>

#include "fuzz.h"
#include "store.h"

static char dir[] = "/tmp/credstack-fuzz-store.XXXXXX";
static char store_path[64], key_path[64];
static unsigned char key[CS_STORE_KEY_LEN];

static void cleanup(void)
{
    unlink(store_path);
    unlink(key_path);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char err[512];

    (void)argc;
    (void)argv;
    if (mkdtemp(dir) == NULL)
        abort();
    snprintf(store_path, sizeof(store_path), "%s/f.store", dir);
    snprintf(key_path, sizeof(key_path), "%s/f.key", dir);
    if (cs_store_key_file_create(key_path, key, err, sizeof(err)) !=
        CREDSTACK_OK) {
        fprintf(stderr, "fuzz_store: %s\n", err);
        abort();
    }
    atexit(cleanup);
    return 0;
}

static void put_file(const unsigned char *buf, size_t len)
{
    int fd = open(store_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    if (fd < 0 || (len > 0 && write(fd, buf, len) != (ssize_t)len) ||
        close(fd) != 0)
        abort();
}

/* Open the store file as `credstack` does; a success must hold sane entries. */
static cs_store *open_file(void)
{
    cs_store_unlock un = {key_path, NULL, 0};
    cs_store *st = NULL;
    char err[512];

    if (cs_store_open(store_path, &un, &st, err, sizeof(err)) != CREDSTACK_OK) {
        if (st != NULL || err[0] == '\0')
            abort();
        return NULL;
    }
    for (size_t i = 0; i < st->ncreds; i++)
        if (strlen(st->creds[i].secret) != st->creds[i].secret_len ||
            cs_store_find(st, st->creds[i].host, st->creds[i].user, 0) < 0)
            abort();
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cs_store_params params;
    cs_store plain_st;
    cs_store *st;
    unsigned char *img = NULL, *enc = NULL;
    size_t img_len = 0, enc_len = 0;
    char err[512];

    if (size > 1024 * 1024)
        return 0;
    /* 1. The input as a whole store file (header, sizes, tag). */
    put_file(data, size);
    cs_store_free(open_file());

    /* 2. The input as the decrypted payload, sealed with the right key, so
     * that the decoder sees structured input behind a valid tag. */
    cs_store_params_default(&params, CS_STORE_AES_256_GCM,
                            CS_STORE_KDF_KEYFILE);
    if (cs_store_seal(&params, key, data, size, &img, &img_len, err,
                      sizeof(err)) != CREDSTACK_OK)
        abort();
    put_file(img, img_len);
    free(img);
    st = open_file();
    if (st != NULL) {
        /* Decoding then encoding gives back the same bytes: nothing of a
         * payload is dropped or invented on the way. */
        if (cs_store_encode(st, &enc, &enc_len) != CREDSTACK_OK ||
            enc_len != size || memcmp(enc, data, size) != 0)
            abort();
        cs_store_wipe_free(enc, enc_len);
        cs_store_free(st);
    }

    /* 3. The decoder on its own, on the raw input. */
    memset(&plain_st, 0, sizeof(plain_st));
    (void)cs_store_decode(&plain_st, data, size, err, sizeof(err));
    for (size_t i = 0; i < plain_st.ncreds; i++) {
        free(plain_st.creds[i].host);
        free(plain_st.creds[i].user);
        free(plain_st.creds[i].key_type);
        free(plain_st.creds[i].secret);
    }
    free(plain_st.creds);
    return 0;
}
