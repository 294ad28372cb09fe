/* SPDX-License-Identifier: MIT */
/* tpam_hostkey.h: the TPAM host key, from one known_hosts line, and its strict
 * check. */
#ifndef TPAM_HOSTKEY_H
#define TPAM_HOSTKEY_H

#include <stddef.h>

#include <libssh/libssh.h>

typedef struct tpam_hostkey tpam_hostkey;

/*
 * Parse one known_hosts line "hosts keytype base64 [comment]"; hosts is a
 * comma-separated list of `host` and `[host]:port` entries or one hashed
 * `|1|salt|hmac` entry.  The key is imported with libssh (any type it
 * supports).  CREDSTACK_OK with *hk_out set (free with tpam_hostkey_free()),
 * CREDSTACK_ERR_CONFIG with a message naming tpam.server_public_key, or
 * CREDSTACK_ERR_NOMEM.
 */
int tpam_hostkey_parse(const char *line, tpam_hostkey **hk_out, char *err,
                       size_t errlen);

/* Free.  NULL is a no-op. */
void tpam_hostkey_free(tpam_hostkey *hk);

/*
 * 1 when the line names host at port: `host` (port 22 only), `[host]:port`,
 * or their HMAC-SHA1 for a hashed entry; names compare without case.
 */
int tpam_hostkey_matches(const tpam_hostkey *hk, const char *host,
                         unsigned port);

/* The key type as written on the line ("ssh-ed25519"). */
const char *tpam_hostkey_type(const tpam_hostkey *hk);

/*
 * The host key algorithms to offer (SSH_OPTIONS_HOSTKEYS) so that the
 * server presents this type: "rsa-sha2-512,rsa-sha2-256,ssh-rsa" for
 * ssh-rsa, the type itself otherwise.
 */
const char *tpam_hostkey_algorithms(const tpam_hostkey *hk);

/* The key of the line, owned by hk. */
ssh_key tpam_hostkey_key(const tpam_hostkey *hk);

/*
 * Compare the server's key with the line's.  CREDSTACK_OK, or
 * CREDSTACK_ERR_HOSTKEY with a message naming host:port and both SHA256
 * fingerprints.
 */
int tpam_hostkey_check(const tpam_hostkey *hk, const ssh_key server_key,
                       const char *host, unsigned port, char *err,
                       size_t errlen);

/* tpam_hostkey_check() on the key of a connected session. */
int tpam_hostkey_verify_session(const tpam_hostkey *hk, ssh_session session,
                                const char *host, unsigned port, char *err,
                                size_t errlen);

#endif /* TPAM_HOSTKEY_H */
