/* SPDX-License-Identifier: MIT */
/* tpam_hostkey.c: the TPAM host key, from one known_hosts line, and its strict
 * check. */
/* Long file: parsing a known_hosts line (markers, hashed and patterned
 * names, every key type libssh knows) and the strict comparison share the
 * parsed form, which no other file needs. */
#include "tpam_hostkey.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <credstack/credstack.h>

#include "tpam_text.h"

#define TPAM_SHA1_LEN 20
#define TPAM_OPT "tpam.server_public_key"

struct tpam_hostkey {
    char *type;       /* key type as written on the line */
    char *algorithms; /* for SSH_OPTIONS_HOSTKEYS */
    ssh_key key;
    int hashed;
    unsigned char salt[TPAM_SHA1_LEN];
    unsigned char hmac[TPAM_SHA1_LEN];
    char *hosts_buf; /* plain entries, cut in place */
    char **hosts;
    size_t nhosts;
};

static int tpam_b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

/*
 * Strict base64 (padded, standard alphabet).  Returns the decoded length,
 * or -1 when s is not base64 or out (cap bytes) is too small.
 */
static long tpam_b64_decode(const char *s, size_t len, unsigned char *out,
                            size_t cap)
{
    size_t i;
    size_t o = 0;

    if (len == 0 || len % 4 != 0) {
        return -1;
    }
    for (i = 0; i < len; i += 4) {
        int v[4];
        int k;
        int pad = 0;

        for (k = 0; k < 4; k++) {
            unsigned char c = (unsigned char)s[i + k];

            if (c == '=' && i + 4 == len && k >= 2) {
                v[k] = 0;
                pad++;
            } else if (pad > 0 || (v[k] = tpam_b64_value(c)) < 0) {
                return -1;
            }
        }
        if (o + 3 - (size_t)pad > cap) {
            return -1;
        }
        out[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
        if (pad < 2) {
            out[o++] = (unsigned char)((v[1] & 0xf) << 4 | v[2] >> 2);
        }
        if (pad < 1) {
            out[o++] = (unsigned char)((v[2] & 0x3) << 6 | v[3]);
        }
    }
    return (long)o;
}

/* Does the key blob (base64) start with the type string the line names? */
static int tpam_blob_type_is(const char *b64, const char *type)
{
    size_t len = strlen(b64);
    size_t cap = len / 4 * 3;
    unsigned char *blob = malloc(cap > 0 ? cap : 1);
    long n;
    uint32_t tlen;
    int ok = 0;

    if (blob == NULL) {
        return 0;
    }
    n = tpam_b64_decode(b64, len, blob, cap);
    if (n >= 4) {
        tlen = (uint32_t)blob[0] << 24 | (uint32_t)blob[1] << 16 |
               (uint32_t)blob[2] << 8 | blob[3];
        ok = tlen == strlen(type) && (size_t)n >= 4 + (size_t)tlen &&
             memcmp(blob + 4, type, tlen) == 0;
    }
    free(blob);
    return ok;
}

/* Plain entries: `host` or `[host]:port`; no patterns, no negation. */
static int tpam_parse_plain(tpam_hostkey *hk, const char *field, char *err,
                            size_t errlen)
{
    char shown[128];
    size_t i;
    size_t n = 1;
    char *p = NULL;

    hk->hosts_buf = strdup(field);
    for (i = 0; field[i] != '\0'; i++) {
        n += field[i] == ',';
    }
    hk->hosts = calloc(n, sizeof(*hk->hosts));
    if (hk->hosts_buf == NULL || hk->hosts == NULL) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_NOMEM,
                         "out of memory reading " TPAM_OPT);
    }
    p = hk->hosts_buf;
    for (i = 0; i < n; i++) {
        char *comma = strchr(p, ',');
        char *e = p;

        if (comma != NULL) {
            *comma = '\0';
        }
        tpam_escape(shown, sizeof(shown), e, strlen(e), 60);
        if (*e == '\0') {
            return tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                             TPAM_OPT " has an empty host name in its host "
                                      "list");
        }
        if (strpbrk(e, "*?") != NULL || *e == '!') {
            return tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                             TPAM_OPT " uses the host pattern \"%s\": "
                                      "patterns (* ? !) are not supported, "
                                      "name the TPAM server itself",
                             shown);
        }
        if (*e == '[') {
            char *close = strchr(e, ']');
            char *end = NULL;
            unsigned long port = 0;

            if (close != NULL && close[1] == ':' && close[2] != '\0') {
                port = strtoul(close + 2, &end, 10);
            }
            if (close == NULL || close == e + 1 || close[1] != ':' ||
                end == NULL || *end != '\0' || port == 0 || port > 65535 ||
                close[2] < '0' || close[2] > '9') {
                return tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                                 TPAM_OPT " has the host entry \"%s\"; a "
                                          "bracketed entry must be "
                                          "[host]:port",
                                 shown);
            }
        }
        hk->hosts[hk->nhosts++] = e;
        p = comma != NULL ? comma + 1 : p + strlen(p);
    }
    return CREDSTACK_OK;
}

/* Hashed entry: |1|base64(salt)|base64(HMAC-SHA1(salt, name)). */
static int tpam_parse_hashed(tpam_hostkey *hk, const char *field, char *err,
                             size_t errlen)
{
    const char *salt = NULL;
    const char *bar = NULL;

    if (strncmp(field, "|1|", 3) != 0) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                         TPAM_OPT " has a hashed host of an unknown kind "
                                  "(only |1|salt|hash is known)");
    }
    salt = field + 3;
    bar = strchr(salt, '|');
    if (bar == NULL || strchr(bar + 1, '|') != NULL ||
        tpam_b64_decode(salt, (size_t)(bar - salt), hk->salt,
                        sizeof(hk->salt)) != TPAM_SHA1_LEN ||
        tpam_b64_decode(bar + 1, strlen(bar + 1), hk->hmac, sizeof(hk->hmac)) !=
            TPAM_SHA1_LEN) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                         TPAM_OPT " has a malformed hashed host: expected "
                                  "|1|<base64 of 20 bytes>|<base64 of 20 "
                                  "bytes>");
    }
    hk->hashed = 1;
    return CREDSTACK_OK;
}

static int tpam_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int tpam_hostkey_parse(const char *line, tpam_hostkey **hk_out, char *err,
                       size_t errlen)
{
    char shown[128];
    tpam_hostkey *hk = NULL;
    char *copy = NULL;
    char *tok[3] = {NULL, NULL, NULL};
    char *p = NULL;
    size_t ntok = 0;
    size_t len;
    enum ssh_keytypes_e type;
    int ret = CREDSTACK_OK;

    if (hk_out == NULL) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_INVALID,
                         "no place for the host key");
    }
    *hk_out = NULL;
    if (line == NULL) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                         TPAM_OPT " is not set");
    }
    while (tpam_is_space(*line)) {
        line++;
    }
    len = strlen(line);
    while (len > 0 && tpam_is_space(line[len - 1])) {
        len--;
    }
    if (len == 0) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                         TPAM_OPT " is empty: it must be one known_hosts line "
                                  "(host keytype key)");
    }
    if (memchr(line, '\n', len) != NULL) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                         TPAM_OPT " has several lines: it must be exactly "
                                  "one known_hosts line");
    }
    if (line[0] == '@') {
        return tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                         TPAM_OPT " has a known_hosts marker (@cert-authority "
                                  "or @revoked), which is not supported");
    }
    hk = calloc(1, sizeof(*hk));
    copy = strndup(line, len);
    if (hk == NULL || copy == NULL) {
        ret = tpam_errf(err, errlen, CREDSTACK_ERR_NOMEM,
                        "out of memory reading " TPAM_OPT);
        goto done;
    }
    /* hosts, keytype, key; the rest (a comment) is ignored. */
    p = copy;
    while (ntok < 3 && *p != '\0') {
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        tok[ntok++] = p;
        while (*p != '\0' && *p != ' ' && *p != '\t') {
            p++;
        }
        if (*p != '\0') {
            *p++ = '\0';
        }
    }
    if (ntok >= 1 && ssh_key_type_from_name(tok[0]) != SSH_KEYTYPE_UNKNOWN &&
        (ntok < 2 || ssh_key_type_from_name(tok[1]) == SSH_KEYTYPE_UNKNOWN)) {
        ret = tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                        TPAM_OPT " looks like a bare public key: write it as "
                                 "a known_hosts line, the TPAM host first "
                                 "(host keytype key, or [host]:port for a "
                                 "port other than 22)");
        goto done;
    }
    if (ntok < 3) {
        ret = tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                        TPAM_OPT " is not a known_hosts line: expected "
                                 "\"host keytype key\"");
        goto done;
    }

    ret = tok[0][0] == '|' ? tpam_parse_hashed(hk, tok[0], err, errlen)
                           : tpam_parse_plain(hk, tok[0], err, errlen);
    if (ret != CREDSTACK_OK) {
        goto done;
    }

    tpam_escape(shown, sizeof(shown), tok[1], strlen(tok[1]), 60);
    type = ssh_key_type_from_name(tok[1]);
    if (strstr(tok[1], "-cert-v01@openssh.com") != NULL) {
        ret = tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                        TPAM_OPT " has a certificate type (%s); give the "
                                 "server's plain host key",
                        shown);
        goto done;
    }
    if (type == SSH_KEYTYPE_UNKNOWN) {
        ret = tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                        TPAM_OPT " has the key type \"%s\", which libssh "
                                 "does not know",
                        shown);
        goto done;
    }
    /* libssh skips the type inside the blob; a mislabelled key is refused here.
     */
    if (!tpam_blob_type_is(tok[2], tok[1])) {
        ret = tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                        TPAM_OPT " has key data that is not base64 of a %s "
                                 "key",
                        shown);
        goto done;
    }
    if (ssh_pki_import_pubkey_base64(tok[2], type, &hk->key) != SSH_OK) {
        ret = tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                        TPAM_OPT " has a %s key that libssh cannot import",
                        shown);
        goto done;
    }
    hk->type = strdup(tok[1]);
    hk->algorithms = strdup(
        type == SSH_KEYTYPE_RSA ? "rsa-sha2-512,rsa-sha2-256,ssh-rsa" : tok[1]);
    if (hk->type == NULL || hk->algorithms == NULL) {
        ret = tpam_errf(err, errlen, CREDSTACK_ERR_NOMEM,
                        "out of memory reading " TPAM_OPT);
        goto done;
    }

done:
    free(copy);
    if (ret != CREDSTACK_OK) {
        tpam_hostkey_free(hk);
        return ret;
    }
    *hk_out = hk;
    return CREDSTACK_OK;
}

void tpam_hostkey_free(tpam_hostkey *hk)
{
    if (hk == NULL) {
        return;
    }
    ssh_key_free(hk->key);
    free(hk->type);
    free(hk->algorithms);
    free(hk->hosts_buf);
    free(hk->hosts);
    free(hk);
}

static int tpam_hashed_matches(const tpam_hostkey *hk, const char *name)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (HMAC(EVP_sha1(), hk->salt, sizeof(hk->salt),
             (const unsigned char *)name, strlen(name), md, &mdlen) == NULL) {
        return 0;
    }
    return mdlen == TPAM_SHA1_LEN &&
           CRYPTO_memcmp(md, hk->hmac, TPAM_SHA1_LEN) == 0;
}

/* One name as ssh looks it up, against the line's host list or hash. */
static int tpam_name_matches(const tpam_hostkey *hk, const char *name)
{
    size_t i;

    if (hk->hashed) {
        return tpam_hashed_matches(hk, name);
    }
    for (i = 0; i < hk->nhosts; i++) {
        if (strcasecmp(hk->hosts[i], name) == 0) {
            return 1;
        }
    }
    return 0;
}

int tpam_hostkey_matches(const tpam_hostkey *hk, const char *host,
                         unsigned port)
{
    char lower[256];
    char name[300];
    const char *variants[2] = {host, lower};
    size_t i;

    if (hk == NULL || host == NULL || host[0] == '\0' ||
        strlen(host) >= sizeof(lower)) {
        return 0;
    }
    /* ssh lowercases the name it looks up; a hash may be of either form. */
    for (i = 0; host[i] != '\0'; i++) {
        lower[i] = host[i] >= 'A' && host[i] <= 'Z'
                       ? (char)(host[i] - 'A' + 'a')
                       : host[i];
    }
    lower[i] = '\0';
    for (i = 0; i < 2; i++) {
        /* OpenSSH writes `host` for port 22 and `[host]:port` otherwise. */
        if (port == 22 && tpam_name_matches(hk, variants[i])) {
            return 1;
        }
        snprintf(name, sizeof(name), "[%.255s]:%u", variants[i], port);
        if (tpam_name_matches(hk, name)) {
            return 1;
        }
    }
    return 0;
}

const char *tpam_hostkey_type(const tpam_hostkey *hk)
{
    return hk != NULL ? hk->type : NULL;
}

const char *tpam_hostkey_algorithms(const tpam_hostkey *hk)
{
    return hk != NULL ? hk->algorithms : NULL;
}

ssh_key tpam_hostkey_key(const tpam_hostkey *hk)
{
    return hk != NULL ? hk->key : NULL;
}

/* "ssh-ed25519 SHA256:..." for a message. */
static const char *tpam_fingerprint(char *dst, size_t dstlen, const ssh_key key)
{
    unsigned char *hash = NULL;
    size_t hlen = 0;
    char *fp = NULL;
    const char *type = ssh_key_type_to_char(ssh_key_type(key));

    if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) ==
        0) {
        fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
    }
    snprintf(dst, dstlen, "%s %s", type != NULL ? type : "(unknown type)",
             fp != NULL ? fp : "(no fingerprint)");
    ssh_string_free_char(fp);
    ssh_clean_pubkey_hash(&hash);
    return dst;
}

int tpam_hostkey_check(const tpam_hostkey *hk, const ssh_key server_key,
                       const char *host, unsigned port, char *err,
                       size_t errlen)
{
    char where[300];
    char got[160];
    char want[160];

    tpam_host_port(where, sizeof(where), host, port);
    if (hk == NULL || server_key == NULL) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_HOSTKEY,
                         "no host key to check for TPAM at %s", where);
    }
    if (ssh_key_cmp(server_key, hk->key, SSH_KEY_CMP_PUBLIC) == 0) {
        return CREDSTACK_OK;
    }
    return tpam_errf(err, errlen, CREDSTACK_ERR_HOSTKEY,
                     "host key mismatch for TPAM at %s: the server presented "
                     "%s, " TPAM_OPT " has %s; not connecting",
                     where, tpam_fingerprint(got, sizeof(got), server_key),
                     tpam_fingerprint(want, sizeof(want), hk->key));
}

int tpam_hostkey_verify_session(const tpam_hostkey *hk, ssh_session session,
                                const char *host, unsigned port, char *err,
                                size_t errlen)
{
    char where[300];
    ssh_key server_key = NULL;
    int ret;

    if (ssh_get_server_publickey(session, &server_key) != SSH_OK) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_HOSTKEY,
                         "TPAM at %s presented no host key",
                         tpam_host_port(where, sizeof(where), host, port));
    }
    ret = tpam_hostkey_check(hk, server_key, host, port, err, errlen);
    ssh_key_free(server_key);
    return ret;
}
