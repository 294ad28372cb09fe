/* SPDX-License-Identifier: MIT */
/* tpam_module.h: glue between credstack modules and the shared TPAM client;
 * TPAM modules include only this. */
#ifndef TPAM_MODULE_H
#define TPAM_MODULE_H

#include <stddef.h>

#include <credstack/module.h>

#include "tpam_client.h"
#include "tpam_command.h"
#include "tpam_output.h"
#include "tpam_text.h"
#include "tpam_verify.h"

/* The request data key of the shared client. */
#define TPAM_CLIENT_DATA_KEY "tpam.client"

/* [tpam] max_rows: the --MaxRows bound of every list command. */
#define TPAM_MAX_ROWS_DEFAULT 500
#define TPAM_MAX_ROWS_MIN 2
#define TPAM_MAX_ROWS_MAX 100000

/*
 * The request's TPAM client: created on first use from the [tpam] options
 * (server, server_port, server_user, server_user_key, server_public_key,
 * connect_timeout, command_timeout; timeouts in seconds) and attached to
 * the request, which closes it when freed, so all modules of one request
 * share one SSH session.  A failed connection is remembered for the rest of
 * the request (a second module does not wait for a dead TPAM again).  On
 * failure the error is already recorded with credstack_module_error() and
 * the credstack_rc is returned (CREDSTACK_ERR_CONFIG for a missing or bad
 * option).
 */
int tpam_client_for_request(credstack_module *mod, credstack_request *req,
                            tpam_client **client_out);

/*
 * The result a module returns for rc: SUCCESS for CREDSTACK_OK, DENIED for
 * CREDSTACK_ERR_DENIED and CREDSTACK_ERR_NOTFOUND (err, when not empty, is
 * noted as the reason), ERROR for anything else (err, when not empty, is
 * recorded as the error).  An empty or NULL err records nothing.
 */
credstack_result tpam_module_fail(credstack_module *mod, int rc,
                                  const char *err);

/*
 * Run a list command on the request's client and parse its table.  Returns
 * as tpam_table_parse() or tpam_client_run(); on failure err holds the
 * reason (empty when already recorded by tpam_client_for_request()), for
 * tpam_module_fail().
 */
int tpam_module_list(credstack_module *mod, credstack_request *req,
                     const tpam_cmd *cmd, tpam_table **t_out, char *err,
                     size_t errlen);

/*
 * Run a Retrieve command and parse the password (a secret: free it with
 * tpam_free_secret()).  Returns as tpam_retrieve_parse() or
 * tpam_client_run(); err as for tpam_module_list().
 */
int tpam_module_retrieve(credstack_module *mod, credstack_request *req,
                         const tpam_cmd *cmd, char **password_out, char *err,
                         size_t errlen);

/* One `--option value` of a command, checked against kind's allow-list. */
typedef struct tpam_arg {
    const char *option;
    const char *value;
    tpam_field_kind kind;
} tpam_arg;

/*
 * The request's gateway user, account and system, which every module after
 * the resolvers needs.  When one is unset, records an error saying a
 * resolver must come first and returns CREDSTACK_ERR_MODULE.
 */
int tpam_module_subject(credstack_module *mod, const credstack_request *req,
                        const char **user_out, const char **account_out,
                        const char **system_out);

/*
 * A new command `command --option value ...` (free with tpam_cmd_free()).
 * Returns as tpam_cmd_add(), with *cmd_out NULL on failure and err saying
 * which value was refused and why.
 */
int tpam_module_command(const char *command, const tpam_arg *args, size_t nargs,
                        tpam_cmd **cmd_out, char *err, size_t errlen);

/*
 * One list query: tpam_module_command() with `--MaxRows N` added last (N
 * from [tpam] max_rows), then tpam_module_list().  An answer with N rows or
 * more may have been cut off: CREDSTACK_ERR_BACKEND, with err naming
 * tpam.max_rows, and no table.  A bad max_rows is CREDSTACK_ERR_CONFIG,
 * already recorded (err empty), before anything is sent.
 */
int tpam_module_query(credstack_module *mod, credstack_request *req,
                      const char *command, const tpam_arg *args, size_t nargs,
                      tpam_table **t_out, char *err, size_t errlen);

/*
 * The rows of t about this request (tpam_table_verify()); the debug log
 * says how many TPAM listed, how many were kept and how many dropped, with
 * `command` and `about` (e.g. "ListSystems", "address 10.0.0.5").  On
 * failure the error is recorded (CREDSTACK_ERR_BACKEND for a missing
 * column) and the rc returned.  Free *rows_out with free().
 */
int tpam_module_verify(credstack_module *mod, const tpam_table *t,
                       const char *command, const char *about,
                       const tpam_match *m, size_t nm, size_t **rows_out,
                       size_t *n_out);

#endif /* TPAM_MODULE_H */
