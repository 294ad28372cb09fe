/* SPDX-License-Identifier: MIT */
/* tpam_client.h: one authenticated SSH session to TPAM, one exec channel per
 * command. */
#ifndef TPAM_CLIENT_H
#define TPAM_CLIENT_H

#include <stddef.h>

#include "tpam_command.h"

/* Defaults when a timeout is <= 0; a real TPAM takes about 3 s a command. */
#define TPAM_CONNECT_TIMEOUT_MS 10000L
#define TPAM_COMMAND_TIMEOUT_MS 60000L
/* Largest command output accepted. */
#define TPAM_OUTPUT_MAX (4u * 1024u * 1024u)

/* The steps of opening a client, as an observer sees them (check --connect).
 */
typedef enum tpam_client_step {
    TPAM_STEP_CONNECTED = 0, /* key exchange done; detail: the server's key */
    TPAM_STEP_HOSTKEY_OK,    /* the key matches the configured line */
    TPAM_STEP_AUTH_OK        /* the user's key was accepted */
} tpam_client_step;

struct tpam_client_options {
    const char *server;            /* host name or address (tpam.server) */
    unsigned port;                 /* 0: 22 */
    const char *user;              /* the CLI user (tpam.server_user) */
    const char *user_key;          /* PEM or OpenSSH private key text; secret */
    const char *server_public_key; /* one known_hosts line */
    long connect_timeout_ms;       /* <= 0: TPAM_CONNECT_TIMEOUT_MS */
    long command_timeout_ms; /* <= 0: TPAM_COMMAND_TIMEOUT_MS, per command */
    /* Optional: told each step that succeeded (detail: "TYPE SHA256:..."
     * for CONNECTED, else NULL). */
    void (*observe)(void *user, tpam_client_step step, const char *detail);
    void *observe_user;
};

typedef struct tpam_client tpam_client;

/*
 * Connect and authenticate.  No ssh configuration file, agent or
 * known_hosts file is read or written; the host key is checked against
 * server_public_key before authenticating; only SSH_AUTH_SUCCESS counts.
 * The whole of connect + authentication is bounded by connect_timeout_ms.
 * Returns CREDSTACK_OK with *client_out set (close with tpam_client_close()),
 * or CREDSTACK_ERR_CONFIG (bad option: the message names it),
 * CREDSTACK_ERR_HOSTKEY, CREDSTACK_ERR_TIMEOUT, CREDSTACK_ERR_BACKEND
 * (unreachable, authentication refused), CREDSTACK_ERR_NOMEM; err names
 * server:port and never holds a secret.
 */
int tpam_client_open(const struct tpam_client_options *opts,
                     tpam_client **client_out, char *err, size_t errlen);

/*
 * Run one command on its own exec channel and collect its standard output
 * (NUL-terminated; *len_out excludes the NUL).  command_timeout_ms bounds the
 * whole command.  The output may hold a password: free it with
 * tpam_client_output_free().  Returns CREDSTACK_OK, CREDSTACK_ERR_REFUSED
 * (the command had a refused value and was not sent), CREDSTACK_ERR_TIMEOUT,
 * CREDSTACK_ERR_BACKEND (connection lost, output over TPAM_OUTPUT_MAX),
 * CREDSTACK_ERR_NOMEM.  After a timeout or a lost connection the client is
 * unusable and every later run fails at once with CREDSTACK_ERR_BACKEND.
 */
int tpam_client_run(tpam_client *client, const tpam_cmd *cmd, char **out,
                    size_t *len_out, char *err, size_t errlen);

/* A command's exit status as the server reported it (0..255), or: */
#define TPAM_STATUS_NONE (-1)   /* the channel closed without a status */
#define TPAM_STATUS_SIGNAL (-2) /* the command was ended by a signal */

/*
 * tpam_client_run(), and the command's exit status in *status_out (or a
 * TPAM_STATUS_* value): SSH sends it after the output, so this waits for it
 * (or for the channel to close) within the same command_timeout_ms.
 */
int tpam_client_run_status(tpam_client *client, const tpam_cmd *cmd, char **out,
                           size_t *len_out, int *status_out, char *err,
                           size_t errlen);

/* Wipe and free an output of tpam_client_run().  NULL is a no-op. */
void tpam_client_output_free(char *out, size_t len);

/* Disconnect and free.  NULL is a no-op. */
void tpam_client_close(tpam_client *client);

/* "server:port" of the client, for messages. */
const char *tpam_client_where(const tpam_client *client);

/* Process-wide counts of SSH handshakes and of commands sent (benchmarks). */
unsigned long tpam_client_handshakes(void);
unsigned long tpam_client_commands(void);

/* For the session pool (tpam_pool.c), which runs its own channels on an
 * opened client's session: the libssh session (still the client's: it goes
 * with tpam_client_close()), and one more command sent. */
struct ssh_session_struct;
struct ssh_session_struct *tpam_client_ssh(tpam_client *client);
void tpam_client_count_command(void);

#endif /* TPAM_CLIENT_H */
