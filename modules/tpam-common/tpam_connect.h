/* SPDX-License-Identifier: MIT */
/* tpam_connect.h: open one authenticated SSH session to TPAM; the session
 * pool (tpam_pool.h) runs every command on such sessions. */
#ifndef TPAM_CONNECT_H
#define TPAM_CONNECT_H

#include <stddef.h>

#include "tpam_command.h"

/* [tpam] connect_timeout and command_timeout, seconds, and the same in ms
 * for a timeout <= 0; a real TPAM takes about 3 s a command. */
#define TPAM_CONNECT_TIMEOUT_DEFAULT 10
#define TPAM_COMMAND_TIMEOUT_DEFAULT 60
#define TPAM_CONNECT_TIMEOUT_MS (TPAM_CONNECT_TIMEOUT_DEFAULT * 1000L)
#define TPAM_COMMAND_TIMEOUT_MS (TPAM_COMMAND_TIMEOUT_DEFAULT * 1000L)
/* Largest command output accepted. */
#define TPAM_OUTPUT_MAX (4u * 1024u * 1024u)

/* A command's exit status as the server reported it (0..255), or: */
#define TPAM_STATUS_NONE (-1)   /* the channel closed without a status */
#define TPAM_STATUS_SIGNAL (-2) /* the command was ended by a signal */

/* The steps of the path to TPAM, as an observer sees them (check
 * --connect): each is told once it succeeded. */
typedef enum tpam_step {
    TPAM_STEP_CONNECTED = 0, /* key exchange done; detail: the server's key */
    TPAM_STEP_HOSTKEY_OK,    /* the key matches the configured line */
    TPAM_STEP_AUTH_OK,       /* the user's key was accepted */
    TPAM_STEP_CHANNEL_OPEN,  /* a command's channel opened; detail: its name */
    TPAM_STEP_EXEC_SENT,     /* its exec request was accepted */
    TPAM_STEP_ANSWERED       /* its output and exit status came back */
} tpam_step;

/* An observer: detail is "TYPE SHA256:..." for TPAM_STEP_CONNECTED, the
 * command's name for the command steps. */
typedef void (*tpam_observe_fn)(void *user, tpam_step step, const char *detail);

struct tpam_conn_options {
    const char *server;            /* host name or address (tpam.server) */
    unsigned port;                 /* 0: 22 */
    const char *user;              /* the CLI user (tpam.server_user) */
    const char *user_key;          /* PEM or OpenSSH private key text; secret */
    const char *server_public_key; /* one known_hosts line */
    long connect_timeout_ms;       /* <= 0: TPAM_CONNECT_TIMEOUT_MS */
    tpam_observe_fn observe;       /* optional: told each connection step */
    void *observe_user;
};

typedef struct tpam_conn tpam_conn;

/*
 * Connect and authenticate (blocking: the pool calls it in a connector
 * thread).  No ssh configuration file, agent or known_hosts file is read or
 * written; the host key is checked against server_public_key before
 * authenticating; only SSH_AUTH_SUCCESS counts.  The whole of connect +
 * authentication is bounded by connect_timeout_ms.  Returns CREDSTACK_OK
 * with *conn_out set (close with tpam_conn_close()), or CREDSTACK_ERR_CONFIG
 * (bad option: the message names it), CREDSTACK_ERR_HOSTKEY,
 * CREDSTACK_ERR_TIMEOUT, CREDSTACK_ERR_BACKEND (unreachable, authentication
 * refused), CREDSTACK_ERR_NOMEM; err names server:port and never holds a
 * secret.
 */
int tpam_conn_open(const struct tpam_conn_options *opts, tpam_conn **conn_out,
                   char *err, size_t errlen);

/* Disconnect and free.  NULL is a no-op. */
void tpam_conn_close(tpam_conn *conn);

/* The libssh session of an open connection (it goes with tpam_conn_close()). */
struct ssh_session_struct;
struct ssh_session_struct *tpam_conn_ssh(tpam_conn *conn);

/* Process-wide counts of SSH handshakes and of commands sent (benchmarks,
 * agent --status); the pool counts each command it sends. */
unsigned long tpam_handshakes(void);
unsigned long tpam_commands(void);
void tpam_count_command(void);

#endif /* TPAM_CONNECT_H */
