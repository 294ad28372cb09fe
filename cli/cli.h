/* SPDX-License-Identifier: MIT */
/* cli.h: shared declarations of the credstack command's subcommands. */
#ifndef CREDSTACK_CLI_H
#define CREDSTACK_CLI_H

#include <stdio.h>

#include <credstack/credstack.h>

/* Exit codes (contract): 0 password, 1 none, 2 and more errors. */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_DENIED = 1,
    CLI_EXIT_CONFIG = 2, /* usage, configuration, stack, module, request */
    CLI_EXIT_BACKEND = 3 /* the backend failed, timed out or was refused */
};

int cli_get_password(int argc, char **argv);
int cli_hook(int argc, char **argv);
int cli_check(int argc, char **argv);
int cli_store(int argc, char **argv);

/* Print "credstack VERSION (module ABI N)" (--version of every command). */
void cli_version(FILE *out);

/*
 * What every command does with getopt's answer c when it is none of its own
 * options: --help (usage on stdout, exit 0), --version, or a bad option
 * (usage on stderr, exit 2).  Returns the exit code.
 */
int cli_usual_option(int c, void (*usage)(FILE *out));

/* The exit code for a credstack_rc. */
int cli_exit_code(int rc);

/*
 * The options the command reads itself ([credstack] agent, agent_idle,
 * agent_socket), declared as modules declare theirs: every handle the
 * command opens checks them (credstack_open_args.app_options).
 */
struct credstack_option;
const struct credstack_option *cli_options(void);
size_t cli_option_size(void);

/*
 * Open a handle (with values the caller resolved, if any) and report a
 * failure on stderr, one problem per line, prefixed by the command.  parsed:
 * config read already (credstack_config_read()), taken over; or NULL.
 */
int cli_open(const char *cmd, credstack_handle **h_out, const char *config,
             const char *stack, unsigned flags,
             const credstack_value *caller_values, size_t ncaller_values,
             credstack_config *parsed);

/* Print credstack_error()'s problems as cli_open() does. */
void cli_print_problems(const char *cmd, int rc, const char *problems);

/* Read all of a stream (at most max bytes); NUL-terminated; free with
 * cli_free_secret. */
int cli_read_all(FILE *f, size_t max, char **buf_out, size_t *len_out);
void cli_free_secret(char *buf, size_t len);

/*
 * path made absolute from the working directory, without resolving symbolic
 * links or "..": it names the same file as path does here, and a relative
 * path in the configuration still follows the directory it was reached
 * through.  Requests name their configuration and stack so, whether they
 * run here or in an agent whose working directory is "/".  A new string;
 * NULL when the working directory is unknown (or out of memory).
 */
char *cli_absolute_path(const char *path);

/* Write secret + "\n" to fd without stdio buffering; CREDSTACK_OK or _IO. */
int cli_write_secret_line(int fd, const char *secret);

/*
 * The request items of a hook's JSON object (hook.c), apart from the CLI so
 * that the mapping can be tested and fuzzed on its own.  The strings are
 * borrowed from the JSON object (or, for a numeric port, from portbuf); an
 * item the object does not give is NULL.
 */
struct json_t;
typedef struct cli_hook_request {
    const char *items[CREDSTACK_ITEM_COUNT];
    char portbuf[32];
    /* Host names that came with the connect address and were not used
     * (server_hostname, target_host), for the trace; NULL-terminated. */
    const char *ignored[3];
    const char *ignored_key[3];
} cli_hook_request;

/*
 * Fill r from the object in.  CREDSTACK_OK, or CREDSTACK_ERR_INVALID when
 * a member has the wrong type or gateway_username, the target user or the
 * target host is missing.  The target host is the connect address
 * (server_ip, else a target_host that is an address) whenever there is one;
 * a name is used only when the request carries no address.
 */
int cli_hook_request_from_json(struct json_t *in, cli_hook_request *r);

/* The reply's cookie for key ("cookie" or "session_cookie"); NULL on OOM. */
struct json_t *cli_hook_next_cookie(struct json_t *in, const char *key);

#endif /* CREDSTACK_CLI_H */
