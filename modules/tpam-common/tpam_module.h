/* SPDX-License-Identifier: MIT */
/* tpam_module.h: glue between credstack modules and the shared TPAM client;
 * TPAM modules include only this. */
#ifndef TPAM_MODULE_H
#define TPAM_MODULE_H

#include <stddef.h>

#include <credstack/module.h>

#include "tpam_connect.h"
#include "tpam_command.h"
#include "tpam_conf.h"
#include "tpam_output.h"
#include "tpam_text.h"
#include "tpam_time.h"
#include "tpam_verify.h"

/* The request data key of the request's server (a tpam_pool). */
#define TPAM_CLIENT_DATA_KEY "tpam.client"

/* Request data: the cache key of an authorization taken from the cache
 * ([credstack] auth_cache_ttl > 0), for tpam_module_contradicted(). */
#define TPAM_CACHED_AUTH_KEY "tpam.cached-auth"

/*
 * An authorization cached under key (AUTH kind: only with auth_cache_ttl >
 * 0): 1 with *detail_out (free() it) when there is one, and the key noted on
 * the request; 0 otherwise.
 */
int tpam_auth_cached(credstack_module *mod, credstack_request *req,
                     const char *key, char **detail_out);

/*
 * The request's TPAM server: the first of [tpam] server (in order; those in
 * backoff last) that has, or can open, an authenticated session in the
 * process's session pool (tpam_pool.h).  All modules of one request, and
 * concurrent requests, share its sessions.  The choice is kept on the
 * request (which holds a reference until it is freed) and named in the
 * BACKEND item.  A failed connection is remembered for the rest of the
 * request (a second module does not wait for a dead TPAM again).  On
 * failure the error is already explained on the request and the
 * credstack_rc is returned.
 */
int tpam_client_for_request(credstack_module *mod, credstack_request *req,
                            const tpam_conf *conf, tpam_pool **pool_out);

/*
 * The result a module returns for rc: SUCCESS for CREDSTACK_OK, DENIED for
 * CREDSTACK_ERR_DENIED and CREDSTACK_ERR_NOTFOUND (err, when not empty, is
 * noted as the reason), ERROR for anything else (err, when not empty, is
 * recorded as the error).  An empty or NULL err records nothing.
 */
credstack_result tpam_module_fail(credstack_request *req, int rc,
                                  const char *err);

/*
 * Run a list command on the request's client and parse its table.  Returns
 * as tpam_table_parse() or tpam_pool_run(); on failure err holds the
 * reason (empty when already recorded by tpam_client_for_request()), for
 * tpam_module_fail().
 */
int tpam_module_list(credstack_module *mod, credstack_request *req,
                     const tpam_conf *conf, const tpam_cmd *cmd,
                     tpam_table **t_out, char *err, size_t errlen);

/*
 * Run a Retrieve command and parse the password (a secret: free it with
 * tpam_free_secret()).  Returns as tpam_retrieve_parse() or
 * tpam_pool_run(); err as for tpam_module_list().  A command that reports
 * failure (an exit status other than 0, or a signal) is
 * CREDSTACK_ERR_BACKEND whatever it printed; its output is not parsed.
 */
int tpam_module_retrieve(credstack_module *mod, credstack_request *req,
                         const tpam_conf *conf, const tpam_cmd *cmd,
                         char **password_out, char *err, size_t errlen);

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
int tpam_module_subject(credstack_request *req, const char **user_out,
                        const char **account_out, const char **system_out);

/*
 * A new command `command --option value ...` (free with tpam_cmd_free()).
 * Returns as tpam_cmd_add(), with *cmd_out NULL on failure and err saying
 * which value was refused and why.
 */
int tpam_module_command(const char *command, const tpam_arg *args, size_t nargs,
                        tpam_cmd **cmd_out, char *err, size_t errlen);

/* The command of a list query: tpam_module_command() with `--MaxRows N`
 * added last (N from [tpam] max_rows; free it with tpam_cmd_free()). */
int tpam_module_query_command(const tpam_conf *conf, const char *command,
                              const tpam_arg *args, size_t nargs,
                              tpam_cmd **cmd_out, char *err, size_t errlen);

/*
 * One list query: tpam_module_command() with `--MaxRows N` added last (N
 * from [tpam] max_rows), then tpam_module_list().  An answer with N rows or
 * more may have been cut off: CREDSTACK_ERR_BACKEND, with err naming
 * tpam.max_rows, and no table.
 */
int tpam_module_query(credstack_module *mod, credstack_request *req,
                      const tpam_conf *conf, const char *command,
                      const tpam_arg *args, size_t nargs, tpam_table **t_out,
                      char *err, size_t errlen);

/*
 * The rows of t about this request (tpam_table_verify()); the debug log
 * says how many TPAM listed, how many were kept and how many dropped, with
 * `command` and `about` (e.g. "ListSystems", "address 10.0.0.5").  On
 * failure the error is recorded (CREDSTACK_ERR_BACKEND for a missing
 * column) and the rc returned.  Free *rows_out with free().
 */
int tpam_module_verify(credstack_module *mod, credstack_request *req,
                       const tpam_table *t, const char *command,
                       const char *about, const tpam_match *m, size_t nm,
                       size_t **rows_out, size_t *n_out);

/*
 * TPAM knows nothing of the request's system or account, or refuses the
 * checkout: an authorization this request took from the cache
 * (auth_cache_ttl) is dropped, so that the next request asks TPAM again
 * instead of trusting a stale answer.  (Lookups are never taken from the
 * cache in a real pass: see tpam_ahead.c.)
 */
void tpam_module_contradicted(credstack_module *mod, credstack_request *req);

/* ---- the look-ahead pass (module.h, credstack_request_lookahead()) ---- */

/*
 * In a look-ahead pass: start the list command tpam_module_query() would
 * run (the same line, --MaxRows included) without waiting, for the real
 * pass to take.  Only on a server whose session is up: a look-ahead never
 * connects.  CREDSTACK_OK when it is under way.
 */
int tpam_module_query_start(credstack_module *mod, credstack_request *req,
                            const tpam_conf *conf, const char *command,
                            const tpam_arg *args, size_t nargs);

/* tpam_ahead.c: the commands a look-ahead started, kept on the request.
 * The server they went to (NULL: none yet), set once. */
tpam_pool *tpam_ahead_pool(credstack_request *req);
int tpam_ahead_set_pool(credstack_request *req, tpam_pool *pool);
/* Start cmd (a list command) unless it is under way already. */
int tpam_ahead_start(credstack_request *req, tpam_pool *pool,
                     const tpam_cmd *cmd, long timeout_ms);
/* Start cmd unless under way, wait for it, and give a copy of its answer
 * (free with tpam_pool_output_free()) and exit status; the answer stays
 * for the real pass.  Returns as tpam_pool_run_status(). */
int tpam_ahead_run(credstack_request *req, tpam_pool *pool, const tpam_cmd *cmd,
                   long timeout_ms, char **out, size_t *len_out,
                   int *status_out, char *err, size_t errlen);
/* In the real pass: when the look-ahead started this very line on pool, 1
 * with the outcome tpam_pool_run_status() would give in *rc_out, *out,
 * *status_out, err (taken once); else 0 and nothing set. */
int tpam_ahead_take(credstack_request *req, tpam_pool *pool,
                    const tpam_cmd *cmd, int *rc_out, char **out,
                    size_t *len_out, int *status_out, char *err, size_t errlen);

/*
 * check --connect for a TPAM module (its probe()): TCP, the host key with
 * the fingerprint seen, the key accepted, one harmless command and its
 * round trip, for each server, each step reported with a fix for a failure.
 */
int tpam_module_probe(credstack_module *mod, void *conf);

/* agent --status for a TPAM module (its status()). */
void tpam_module_status(credstack_module *mod, void *conf);

/* ---- a TPAM module's entry point (tpam_ops.c) ---- */

/* At most this many arguments of its own a TPAM module declares. */
#define TPAM_MODULE_ARGS_MAX 4

/*
 * What makes a TPAM module itself; the rest is the same for the five and
 * tpam_module_ops() adds it: [tpam]'s options before the module's own
 * arguments, init (tpam_conf_init(), then each argument into the conf:
 * "policy" -> arg_policy, "prefix" -> arg_prefix), free, probe, status.
 */
typedef struct tpam_module_def {
    const char *name;
    const char *description;
    unsigned flags;
    credstack_result (*run)(credstack_module *mod, credstack_request *req,
                            void *data);
    /* The module's own stack-line arguments (section NULL), ended by name
     * == NULL; NULL for none. */
    const struct credstack_option *args;
    /* Built by tpam_module_ops() on the first call (the module's). */
    struct credstack_module_ops ops;
    struct credstack_option
        options[TPAM_OPTIONS_COUNT + TPAM_MODULE_ARGS_MAX + 1];
    int built;
} tpam_module_def;

/* The ops of def, built once; init is the module's call of
 * tpam_module_init() (TPAM_MODULE_DEFINE writes it).  NULL when def has
 * more than TPAM_MODULE_ARGS_MAX arguments. */
const struct credstack_module_ops *
tpam_module_ops(tpam_module_def *def,
                int (*init)(credstack_module *mod, void **data_out));

/* A TPAM module's init(): its conf, with its own arguments in it. */
int tpam_module_init(credstack_module *mod, const tpam_module_def *def,
                     void **data_out);

/* The entry point of the TPAM module def (instead of
 * CREDSTACK_MODULE_DEFINE). */
#define TPAM_MODULE_DEFINE(def)                                                \
    static int tpam_init_##def(credstack_module *mod, void **data_out)         \
    {                                                                          \
        return tpam_module_init(mod, &(def), data_out);                        \
    }                                                                          \
    __attribute__((visibility("default"))) const struct credstack_module_ops * \
    credstack_module_entry(void);                                              \
    const struct credstack_module_ops *credstack_module_entry(void)            \
    {                                                                          \
        return tpam_module_ops(&(def), tpam_init_##def);                       \
    }

#endif /* TPAM_MODULE_H */
