/* SPDX-License-Identifier: MIT */
/* tpam_client.c: one authenticated SSH session to TPAM, one exec channel per
 * command. */
/* Long file: one SSH session's life (connect with a deadline, host key, user
 * key, exec channels, reading with a deadline, teardown) is one state
 * machine over libssh. */
#include "tpam_client.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libssh/libssh.h>

#include <credstack/credstack.h>

#include "tpam_hostkey.h"
#include "tpam_text.h"

struct tpam_client {
    ssh_session session;
    char where[300]; /* "server:port" for messages */
    long command_timeout_ms;
    int broken; /* timed out or lost: never reused */
};

static atomic_ulong tpam_handshake_count;
static atomic_ulong tpam_command_count;

unsigned long tpam_client_handshakes(void)
{
    return atomic_load(&tpam_handshake_count);
}

unsigned long tpam_client_commands(void)
{
    return atomic_load(&tpam_command_count);
}

void tpam_client_count_command(void)
{
    atomic_fetch_add(&tpam_command_count, 1);
}

struct ssh_session_struct *tpam_client_ssh(tpam_client *client)
{
    return client != NULL ? client->session : NULL;
}

const char *tpam_client_where(const tpam_client *client)
{
    return client != NULL ? client->where : "(no TPAM client)";
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

static int tpam_check_options(const struct tpam_client_options *opts, char *err,
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
static int tpam_configure_session(tpam_client *c,
                                  const struct tpam_client_options *opts,
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

static int tpam_authenticate(tpam_client *c, const char *user, ssh_key key,
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

int tpam_client_open(const struct tpam_client_options *opts,
                     tpam_client **client_out, char *err, size_t errlen)
{
    tpam_client *c = NULL;
    tpam_hostkey *hk = NULL;
    ssh_key key = NULL;
    unsigned port;
    long connect_ms;
    long long deadline;
    int ret;

    if (opts == NULL || client_out == NULL) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_INVALID,
                         "no TPAM client options");
    }
    *client_out = NULL;
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
    c->command_timeout_ms = opts->command_timeout_ms > 0
                                ? opts->command_timeout_ms
                                : TPAM_COMMAND_TIMEOUT_MS;

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

    deadline = tpam_now_ms() + connect_ms;
    tpam_session_timeout(c->session, connect_ms);
    if (ssh_connect(c->session) != SSH_OK) {
        if (tpam_now_ms() >= deadline ||
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
    tpam_session_timeout(c->session, deadline - tpam_now_ms());
    ret = tpam_authenticate(c, opts->user, key, err, errlen);
    if (ret != CREDSTACK_OK && tpam_now_ms() >= deadline) {
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
        tpam_client_close(c);
        return ret;
    }
    *client_out = c;
    return CREDSTACK_OK;
}

void tpam_client_close(tpam_client *client)
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

void tpam_client_output_free(char *out, size_t len)
{
    if (out != NULL) {
        tpam_free_wiped(out, len + 1);
    }
}

/* Grow the output buffer; the old one is wiped (it may hold a password). */
static int tpam_reserve(char **buf, size_t *cap, size_t len, size_t more)
{
    char *nb = NULL;
    size_t ncap;

    if (len + more + 1 <= *cap) {
        return CREDSTACK_OK;
    }
    ncap = *cap > 0 ? *cap * 2 : 4096;
    while (ncap < len + more + 1) {
        ncap *= 2;
    }
    nb = malloc(ncap);
    if (nb == NULL) {
        return CREDSTACK_ERR_NOMEM;
    }
    if (*buf != NULL) {
        memcpy(nb, *buf, len);
        tpam_free_wiped(*buf, *cap);
    }
    *buf = nb;
    *cap = ncap;
    return CREDSTACK_OK;
}

/* Read and drop standard error, so that it cannot fill the channel window. */
static void tpam_drain_stderr(ssh_channel ch)
{
    char tmp[2048];

    while (ssh_channel_poll(ch, 1) > 0 &&
           ssh_channel_read_nonblocking(ch, tmp, sizeof(tmp), 1) > 0) {
    }
    tpam_wipe(tmp, sizeof(tmp));
}

/* Why a channel step failed: the deadline, a lost session, or TPAM itself. */
static int tpam_channel_failure(tpam_client *c, const tpam_cmd *cmd,
                                const char *step, long long deadline, char *err,
                                size_t errlen)
{
    if (tpam_now_ms() >= deadline) {
        c->broken = 1;
        return tpam_errf(err, errlen, CREDSTACK_ERR_TIMEOUT,
                         "TPAM at %s did not answer %s within %ld ms (%s)",
                         c->where, tpam_cmd_name(cmd), c->command_timeout_ms,
                         step);
    }
    if (!ssh_is_connected(c->session)) {
        c->broken = 1;
        return tpam_errf(err, errlen, CREDSTACK_ERR_BACKEND,
                         "connection to TPAM at %s lost during %s (%s): %s",
                         c->where, tpam_cmd_name(cmd), step,
                         ssh_get_error(c->session));
    }
    return tpam_errf(err, errlen, CREDSTACK_ERR_BACKEND,
                     "TPAM at %s failed %s (%s): %s", c->where,
                     tpam_cmd_name(cmd), step, ssh_get_error(c->session));
}

int tpam_client_run(tpam_client *client, const tpam_cmd *cmd, char **out,
                    size_t *len_out, char *err, size_t errlen)
{
    int status;

    return tpam_client_run_status(client, cmd, out, len_out, &status, err,
                                  errlen);
}

int tpam_client_run_status(tpam_client *client, const tpam_cmd *cmd, char **out,
                           size_t *len_out, int *status_out, char *err,
                           size_t errlen)
{
    const char *line = tpam_cmd_str(cmd);
    ssh_channel ch = NULL;
    char *buf = NULL;
    size_t len = 0;
    size_t cap = 0;
    long long deadline;
    int ret = CREDSTACK_OK;

    if (status_out != NULL) {
        *status_out = TPAM_STATUS_NONE;
    }
    if (client == NULL || out == NULL || len_out == NULL || cmd == NULL ||
        status_out == NULL) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_INVALID,
                         "no TPAM client, command or output");
    }
    *out = NULL;
    *len_out = 0;
    if (line == NULL) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_REFUSED,
                         "TPAM command %s holds a refused value; not sent",
                         tpam_cmd_name(cmd));
    }
    if (client->broken) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_BACKEND,
                         "the session to TPAM at %s is unusable after an "
                         "earlier timeout or connection loss",
                         client->where);
    }
    deadline = tpam_now_ms() + client->command_timeout_ms;
    tpam_session_timeout(client->session, client->command_timeout_ms);

    ch = ssh_channel_new(client->session);
    if (ch == NULL) {
        ret = tpam_channel_failure(client, cmd, "new channel", deadline, err,
                                   errlen);
        goto done;
    }
    if (ssh_channel_open_session(ch) != SSH_OK) {
        ret = tpam_channel_failure(client, cmd, "channel open", deadline, err,
                                   errlen);
        goto done;
    }
    tpam_session_timeout(client->session, deadline - tpam_now_ms());
    if (ssh_channel_request_exec(ch, line) != SSH_OK) {
        ret = tpam_channel_failure(client, cmd, "exec", deadline, err, errlen);
        goto done;
    }
    atomic_fetch_add(&tpam_command_count, 1);

    for (;;) {
        long long left = deadline - tpam_now_ms();
        int n;

        if (left <= 0) {
            ret = tpam_channel_failure(client, cmd, "reading the answer",
                                       deadline, err, errlen);
            goto done;
        }
        /* Short slices, so standard error is drained while we wait. */
        n = ssh_channel_poll_timeout(ch, left < 200 ? (int)left : 200, 0);
        if (n == SSH_ERROR) {
            ret = tpam_channel_failure(client, cmd, "reading the answer",
                                       deadline, err, errlen);
            goto done;
        }
        tpam_drain_stderr(ch);
        if (n == SSH_EOF || (n == 0 && ssh_channel_is_eof(ch))) {
            break;
        }
        if (n <= 0) {
            continue;
        }
        if (len + (size_t)n > TPAM_OUTPUT_MAX) {
            ret = tpam_errf(err, errlen, CREDSTACK_ERR_BACKEND,
                            "TPAM at %s printed more than %u bytes for %s",
                            client->where, TPAM_OUTPUT_MAX, tpam_cmd_name(cmd));
            goto done;
        }
        if (tpam_reserve(&buf, &cap, len, (size_t)n) != CREDSTACK_OK) {
            ret = tpam_errf(err, errlen, CREDSTACK_ERR_NOMEM,
                            "out of memory reading the TPAM answer");
            goto done;
        }
        n = ssh_channel_read_nonblocking(ch, buf + len, (uint32_t)n, 0);
        if (n == SSH_ERROR) {
            ret = tpam_channel_failure(client, cmd, "reading the answer",
                                       deadline, err, errlen);
            goto done;
        }
        if (n > 0) {
            len += (size_t)n;
        }
    }
    if (tpam_reserve(&buf, &cap, len, 0) != CREDSTACK_OK) {
        ret = tpam_errf(err, errlen, CREDSTACK_ERR_NOMEM,
                        "out of memory reading the TPAM answer");
        goto done;
    }
    buf[len] = '\0';
    /*
     * The exit status follows the output (RFC 4254 6.10); libssh waits for
     * it, or for the close, within what is left of the command's time.  A
     * signal leaves it unset: it reads as "none" here (the pool, which
     * runs requests, tells the two apart).
     */
    if (deadline - tpam_now_ms() <= 0) {
        ret = tpam_channel_failure(client, cmd, "waiting for its exit status",
                                   deadline, err, errlen);
        goto done;
    }
    tpam_session_timeout(client->session, deadline - tpam_now_ms());
    {
        int st = ssh_channel_get_exit_status(ch);

        if (tpam_now_ms() >= deadline && st < 0 && ssh_channel_is_open(ch)) {
            ret =
                tpam_channel_failure(client, cmd, "waiting for its exit status",
                                     deadline, err, errlen);
            goto done;
        }
        *status_out = st >= 0 && st <= 255 ? st : TPAM_STATUS_NONE;
    }

done:
    if (ch != NULL) {
        /* Closing waits for a flush only, and only this long. */
        tpam_session_timeout(client->session, client->broken ? 100 : 1000);
        if (ssh_channel_is_open(ch) && !client->broken) {
            ssh_channel_close(ch);
        }
        ssh_channel_free(ch);
    }
    if (ret != CREDSTACK_OK) {
        tpam_free_wiped(buf, cap);
        return ret;
    }
    *out = buf;
    *len_out = len;
    return CREDSTACK_OK;
}
