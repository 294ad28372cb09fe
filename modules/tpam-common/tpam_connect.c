/* SPDX-License-Identifier: MIT */
/* tpam_connect.c: open one authenticated SSH session to TPAM (connect with
 * a deadline, host key, user key) for the session pool, which runs the
 * commands on it (tpam_pool_chan.c). */
#include "tpam_connect.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libssh/libssh.h>

#include <credstack/credstack.h>

#include "tpam_hostkey.h"
#include "tpam_text.h"

struct tpam_conn {
    ssh_session session;
    char where[300]; /* "server:port" for messages */
};

static atomic_ulong tpam_handshake_count;
static atomic_ulong tpam_command_count;

unsigned long tpam_handshakes(void)
{
    return atomic_load(&tpam_handshake_count);
}

unsigned long tpam_commands(void)
{
    return atomic_load(&tpam_command_count);
}

void tpam_count_command(void)
{
    atomic_fetch_add(&tpam_command_count, 1);
}

struct ssh_session_struct *tpam_conn_ssh(tpam_conn *client)
{
    return client != NULL ? client->session : NULL;
}

/*
 * Bound the next blocking libssh calls.  In blocking mode libssh waits at
 * most opts.timeout for connect, authentication, channel open, exec and
 * flush (SSH_TIMEOUT_USER and SSH_TIMEOUT_DEFAULT both use it), so setting
 * it to the time left keeps every step inside our own deadline.  Zero would
 * mean "no timeout": never set less than 1 ms.
 */
static void tpam_session_timeout(ssh_session session, long long ms)
{
    long sec;
    long usec;

    if (ms < 1) {
        ms = 1;
    }
    sec = (long)(ms / 1000);
    usec = (long)(ms % 1000) * 1000;
    ssh_options_set(session, SSH_OPTIONS_TIMEOUT, &sec);
    ssh_options_set(session, SSH_OPTIONS_TIMEOUT_USEC, &usec);
}

/* Printable ASCII without spaces: what an SSH user name may be here. */
static int tpam_plain_text(const char *s)
{
    if (s == NULL || *s == '\0') {
        return 0;
    }
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f) {
            return 0;
        }
    }
    return 1;
}

/*
 * Import the private key.  The text is copied with CRs dropped and a final
 * newline added (a key pasted from Windows or without its last line end is
 * still a key); the copy is wiped.  No passphrase and no callback: an
 * encrypted key fails here instead of prompting.
 */
static int tpam_import_user_key(const char *text, ssh_key *key_out, char *err,
                                size_t errlen)
{
    size_t len = strlen(text);
    size_t size = len + 2;
    char *copy = malloc(size);
    size_t o = 0;
    size_t i;
    int rc;

    if (copy == NULL) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_NOMEM,
                         "out of memory reading tpam.server_user_key");
    }
    for (i = 0; i < len; i++) {
        if (text[i] != '\r') {
            copy[o++] = text[i];
        }
    }
    if (o == 0 || copy[o - 1] != '\n') {
        copy[o++] = '\n';
    }
    copy[o] = '\0';
    rc = ssh_pki_import_privkey_base64(copy, NULL, NULL, NULL, key_out);
    tpam_free_wiped(copy, size);
    if (rc != SSH_OK) {
        *key_out = NULL;
        return tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                         "tpam.server_user_key is not a usable private key: "
                         "expected an unencrypted RSA, ECDSA or Ed25519 key "
                         "in PEM or OpenSSH format");
    }
    return CREDSTACK_OK;
}

static int tpam_check_options(const struct tpam_conn_options *opts, char *err,
                              size_t errlen)
{
    char check[512];

    if (opts->server == NULL || opts->server[0] == '\0') {
        return tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                         "tpam.server is not set");
    }
    /* libssh would read "user@host" as a user name: allow-list it. */
    if (tpam_value_check("server", opts->server, strlen(opts->server),
                         TPAM_FIELD_ADDRESS, check,
                         sizeof(check)) != CREDSTACK_OK) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                         "tpam.server is not a host name or address: %s",
                         check);
    }
    if (opts->port > 65535) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                         "tpam.server_port %u is not a TCP port", opts->port);
    }
    if (!tpam_plain_text(opts->user)) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                         "tpam.server_user is %s",
                         opts->user == NULL || opts->user[0] == '\0'
                             ? "not set"
                             : "not a plain user name (spaces or control "
                               "characters)");
    }
    if (opts->user_key == NULL || opts->user_key[0] == '\0') {
        return tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                         "tpam.server_user_key is not set");
    }
    if (opts->server_public_key == NULL) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                         "tpam.server_public_key is not set");
    }
    return CREDSTACK_OK;
}

/* Set the session's options: nothing from ~/.ssh or /etc/ssh, ever. */
static int tpam_configure_session(tpam_conn *c,
                                  const struct tpam_conn_options *opts,
                                  unsigned port, const tpam_hostkey *hk,
                                  char *err, size_t errlen)
{
    bool process_config = false;
    int verbosity = SSH_LOG_NOLOG;
    /* Small request packets: Nagle against delayed ACKs costs 40 ms a command.
     */
    int nodelay = 1;
    unsigned int uport = port;

    if (ssh_options_set(c->session, SSH_OPTIONS_PROCESS_CONFIG,
                        &process_config) != SSH_OK ||
        ssh_options_set(c->session, SSH_OPTIONS_LOG_VERBOSITY, &verbosity) !=
            SSH_OK ||
        ssh_options_set(c->session, SSH_OPTIONS_HOST, opts->server) != SSH_OK ||
        ssh_options_set(c->session, SSH_OPTIONS_PORT, &uport) != SSH_OK ||
        ssh_options_set(c->session, SSH_OPTIONS_USER, opts->user) != SSH_OK ||
        ssh_options_set(c->session, SSH_OPTIONS_NODELAY, &nodelay) != SSH_OK ||
        /* The known_hosts files only steer algorithm choice; point them at
           nothing. */
        ssh_options_set(c->session, SSH_OPTIONS_KNOWNHOSTS, "/dev/null") !=
            SSH_OK ||
        ssh_options_set(c->session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS,
                        "/dev/null") != SSH_OK) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                         "cannot set the SSH options for TPAM at %s: %s",
                         c->where, ssh_get_error(c->session));
    }
    /* Make the server present the key type the configured line holds. */
    if (ssh_options_set(c->session, SSH_OPTIONS_HOSTKEYS,
                        tpam_hostkey_algorithms(hk)) != SSH_OK) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                         "tpam.server_public_key has the key type %s, which "
                         "this libssh cannot use as a host key algorithm",
                         tpam_hostkey_type(hk));
    }
    return CREDSTACK_OK;
}

static int tpam_authenticate(tpam_conn *c, const char *user, ssh_key key,
                             char *err, size_t errlen)
{
    int rc = ssh_userauth_publickey(c->session, NULL, key);

    switch (rc) {
    case SSH_AUTH_SUCCESS:
        return CREDSTACK_OK;
    case SSH_AUTH_PARTIAL:
        /* The key alone is not enough for this server: that is a failure. */
        return tpam_errf(err, errlen, CREDSTACK_ERR_BACKEND,
                         "TPAM at %s wants more than the key of user '%s' "
                         "(partial authentication); refused",
                         c->where, user);
    case SSH_AUTH_DENIED:
        return tpam_errf(err, errlen, CREDSTACK_ERR_BACKEND,
                         "TPAM at %s refused the key of user '%s' "
                         "(tpam.server_user, tpam.server_user_key)",
                         c->where, user);
    default:
        return tpam_errf(err, errlen, CREDSTACK_ERR_BACKEND,
                         "authentication of user '%s' at TPAM %s failed: %s",
                         user, c->where, ssh_get_error(c->session));
    }
}

/* "TYPE SHA256:base64" of the session's server key, as ssh-keygen -l shows. */
static const char *tpam_session_fingerprint(ssh_session session, char *buf,
                                            size_t len)
{
    ssh_key key = NULL;
    unsigned char *hash = NULL;
    size_t hlen = 0;
    char *fp = NULL;

    snprintf(buf, len, "(unknown key)");
    if (ssh_get_server_publickey(session, &key) != SSH_OK)
        return buf;
    if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) ==
            SSH_OK &&
        (fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash,
                                       hlen)) != NULL)
        snprintf(buf, len, "%s %s", ssh_key_type_to_char(ssh_key_type(key)),
                 fp);
    ssh_string_free_char(fp);
    ssh_clean_pubkey_hash(&hash);
    ssh_key_free(key);
    return buf;
}

int tpam_conn_open(const struct tpam_conn_options *opts, tpam_conn **conn_out,
                   char *err, size_t errlen)
{
    tpam_conn *c = NULL;
    tpam_hostkey *hk = NULL;
    ssh_key key = NULL;
    unsigned port;
    long connect_ms;
    long long deadline;
    int ret;

    if (opts == NULL || conn_out == NULL) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_INVALID,
                         "no TPAM client options");
    }
    *conn_out = NULL;
    ret = tpam_check_options(opts, err, errlen);
    if (ret != CREDSTACK_OK) {
        goto done;
    }
    port = opts->port != 0 ? opts->port : 22;
    connect_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms
                                              : TPAM_CONNECT_TIMEOUT_MS;
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        ret = tpam_errf(err, errlen, CREDSTACK_ERR_NOMEM,
                        "out of memory opening the TPAM session");
        goto done;
    }
    tpam_host_port(c->where, sizeof(c->where), opts->server, port);

    /* Everything that can be checked offline is, before any connection. */
    ret = tpam_hostkey_parse(opts->server_public_key, &hk, err, errlen);
    if (ret != CREDSTACK_OK) {
        goto done;
    }
    if (!tpam_hostkey_matches(hk, opts->server, port)) {
        ret = tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                        "tpam.server_public_key does not name the TPAM "
                        "server %s (write it as in known_hosts: the host as "
                        "in tpam.server, or [host]:port for a port other "
                        "than 22)",
                        c->where);
        goto done;
    }
    ret = tpam_import_user_key(opts->user_key, &key, err, errlen);
    if (ret != CREDSTACK_OK) {
        goto done;
    }

    c->session = ssh_new();
    if (c->session == NULL) {
        ret = tpam_errf(err, errlen, CREDSTACK_ERR_NOMEM,
                        "out of memory opening the TPAM session");
        goto done;
    }
    ret = tpam_configure_session(c, opts, port, hk, err, errlen);
    if (ret != CREDSTACK_OK) {
        goto done;
    }

    deadline = credstack_now_ms() + connect_ms;
    tpam_session_timeout(c->session, connect_ms);
    if (ssh_connect(c->session) != SSH_OK) {
        if (credstack_now_ms() >= deadline ||
            strstr(ssh_get_error(c->session), "imeout") != NULL) {
            ret = tpam_errf(err, errlen, CREDSTACK_ERR_TIMEOUT,
                            "TPAM at %s did not answer within %ld ms "
                            "(connect)",
                            c->where, connect_ms);
        } else {
            ret = tpam_errf(err, errlen, CREDSTACK_ERR_BACKEND,
                            "cannot connect to TPAM at %s: %s", c->where,
                            ssh_get_error(c->session));
        }
        goto done;
    }
    if (opts->observe != NULL) {
        char fp[160];
        opts->observe(opts->observe_user, TPAM_STEP_CONNECTED,
                      tpam_session_fingerprint(c->session, fp, sizeof(fp)));
    }
    /* Strict, before a single authentication byte is sent. */
    ret = tpam_hostkey_verify_session(hk, c->session, opts->server, port, err,
                                      errlen);
    if (ret != CREDSTACK_OK) {
        goto done;
    }
    if (opts->observe != NULL)
        opts->observe(opts->observe_user, TPAM_STEP_HOSTKEY_OK, NULL);
    tpam_session_timeout(c->session, deadline - credstack_now_ms());
    ret = tpam_authenticate(c, opts->user, key, err, errlen);
    if (ret != CREDSTACK_OK && credstack_now_ms() >= deadline) {
        ret = tpam_errf(err, errlen, CREDSTACK_ERR_TIMEOUT,
                        "TPAM at %s did not answer within %ld ms "
                        "(authentication)",
                        c->where, connect_ms);
    }
    if (ret == CREDSTACK_OK) {
        atomic_fetch_add(&tpam_handshake_count, 1);
        if (opts->observe != NULL)
            opts->observe(opts->observe_user, TPAM_STEP_AUTH_OK, NULL);
    }

done:
    ssh_key_free(key);
    tpam_hostkey_free(hk);
    if (ret != CREDSTACK_OK) {
        tpam_conn_close(c);
        return ret;
    }
    *conn_out = c;
    return CREDSTACK_OK;
}

void tpam_conn_close(tpam_conn *client)
{
    if (client == NULL) {
        return;
    }
    if (client->session != NULL) {
        /* A short bound: a dead peer must not hold up the close. */
        tpam_session_timeout(client->session, 500);
        ssh_disconnect(client->session);
        ssh_free(client->session);
    }
    free(client);
}
