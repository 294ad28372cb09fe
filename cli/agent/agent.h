/* SPDX-License-Identifier: MIT */
/* agent.h: the credstack agent's private directory, wire format, server and
 * client, shared by the agent and the commands that use it. */
#ifndef CREDSTACK_CLI_AGENT_H
#define CREDSTACK_CLI_AGENT_H

#include <stddef.h>

#include <credstack/credstack.h>

#include "agent_codec.h"
#include "cli.h"

struct json_t;

/* Largest message either side accepts. */
#define CLI_AGENT_MSG_MAX (1024u * 1024u)

/*
 * Time.  A caller gives up on an agent that shows no sign of life for
 * CLI_AGENT_ALIVE_MS (while connecting, until it accepts the request, and
 * between the beats it sends every CLI_AGENT_BEAT_MS while it works), or
 * that has not answered within the request's budget
 * (credstack_request_budget_ms(), which the agent announces when it
 * accepts); then it runs the request itself.
 */
#define CLI_AGENT_ALIVE_MS 5000
#define CLI_AGENT_BEAT_MS 1000

/* What names one agent: the same inputs, the same agent (agent_path.c). */
typedef struct cli_agent_key {
    const char *config;       /* the configuration file (cli_absolute_path()) */
    credstack_config *parsed; /* config as read, once (its bytes count) */
    const char *stack;        /* --stack (cli_absolute_path()), or NULL */
    const credstack_value *values;
    size_t nvalues;
} cli_agent_key;

/* The agent's files for one key, in its private directory. */
typedef struct cli_agent_paths {
    char dir[512];
    char digest[65]; /* hex of HMAC-SHA-256 over the key, keyed per user */
    char socket[600];
    char lock[600];
    char log[600];
} cli_agent_paths;

/*
 * The private directory (created 0700 and checked: ours, not a symlink, no
 * access for others) and the paths for key.  CREDSTACK_AGENT_DIR overrides
 * the directory ($XDG_RUNTIME_DIR/credstack, /run/credstack for root,
 * else /tmp/credstack-<uid>).  CREDSTACK_OK, or an error with err set.
 */
int cli_agent_paths_for(const cli_agent_key *key, cli_agent_paths *p, char *err,
                        size_t errlen);

/* Send one message (4-byte big-endian length + compact JSON) within
 * timeout_ms (<= 0: no limit), wiped after. */
int cli_agent_send(int fd, struct json_t *msg, int timeout_ms);

/* Send a beat (a frame of length 0) if it fits at once. */
int cli_agent_send_beat(int fd);

/*
 * Receive one message within timeout_ms (<= 0: no limit).  CREDSTACK_OK with
 * *msg_out set; CREDSTACK_ERR_IO on EOF, error or a broken frame;
 * CREDSTACK_ERR_TIMEOUT.  The read buffer is wiped.
 */
int cli_agent_recv(int fd, struct json_t **msg_out, int timeout_ms);

/* The same, taking a beat too: CREDSTACK_OK with *msg_out NULL. */
int cli_agent_recv_or_beat(int fd, struct json_t **msg_out, int timeout_ms);

/*
 * Connect to the agent at path (agent_connect.c), only if it can be trusted:
 * the socket's directory is a real directory of ours or root's that nobody
 * else may write to, the socket file is ours or root's, and the process
 * listening runs as us or root (SO_PEERCRED); connecting waits at most
 * timeout_ms.  A non-blocking descriptor; or -1 with why empty when no agent
 * listens there (one may be started), or -1 with why set when the socket
 * cannot be used (say so, and run the request here).
 */
int cli_agent_connect(const char *path, int timeout_ms, char *why,
                      size_t whylen);

/* A UNIX socket address for path; -1 when the path does not fit. */
struct sockaddr_un;
int cli_agent_sockaddr(struct sockaddr_un *sa, const char *path);

/*
 * [credstack] agent_socket: the fixed socket of an agent that systemd starts
 * (credstack-agent.socket), or NULL when agents are started on demand.
 * Owned by config.
 */
const char *cli_agent_fixed_socket(credstack_config *config);

/* `credstack agent` (agent_server.c). */
int cli_agent(int argc, char **argv);

/*
 * One request for the stack, however it is run (run.c): the items the
 * command sets, whether to trace, the --log-level override (0: none).
 */
typedef struct cli_request {
    const char *config;
    const char *stack;
    const credstack_value *values;
    size_t nvalues;
    const char *items[CREDSTACK_ITEM_COUNT];
    int trace;
    int log_level;
} cli_request;

/* Its outcome: rc as credstack_run(); password (a secret) when rc is OK. */
typedef struct cli_result {
    int rc;
    char *password;
    char *error;
    int opened; /* the handle opened (a failure was reported already) */
} cli_result;

/*
 * Run r: through the agent when [credstack] agent = auto and one can be
 * reached or started, else in this process.  Log lines, traces and open
 * problems go to stderr either way, prefixed by cmd.  Free res with
 * cli_result_free().
 */
void cli_run(const char *cmd, const cli_request *r, cli_result *res);
void cli_result_free(cli_result *res);

/*
 * Run r through the agent (agent_client.c); config is r->config as read
 * (borrowed).  CREDSTACK_OK when an agent
 * answered (res filled, its log and trace already on stderr); anything else
 * means: run it here.
 */
int cli_agent_run(const cli_request *r, credstack_config *config,
                  cli_result *res);

#endif /* CREDSTACK_CLI_AGENT_H */
