/* SPDX-License-Identifier: MIT */
/* tpam_module.c: glue between credstack modules and the shared TPAM client. */
#include "tpam_module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where a failed connection is remembered for the rest of the request. */
#define TPAM_FAILED_DATA_KEY "tpam.client.failed"

struct tpam_open_failure {
    int rc;
    char msg[512];
};

static void tpam_lease_cleanup(void *data)
{
    tpam_pool_release(data);
}

/*
 * Every request value that a TPAM command may carry is checked before the
 * first connection: a hostile name never even opens a session.  Commands
 * check their values again when built (maptoreal's values come from TPAM).
 */
static int tpam_check_request(credstack_request *req)
{
    static const struct {
        credstack_item item;
        const char *field;
        tpam_field_kind kind;
    } checks[] = {
        {CREDSTACK_ITEM_GATEWAY_USER, "gateway user", TPAM_FIELD_USER},
        {CREDSTACK_ITEM_ACCOUNT, "target user", TPAM_FIELD_ACCOUNT},
        {CREDSTACK_ITEM_TARGET_HOST, "target host", TPAM_FIELD_ADDRESS},
        {CREDSTACK_ITEM_SYSTEM, "system name", TPAM_FIELD_SYSTEM},
    };
    char err[512];

    for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        const char *v = credstack_request_get(req, checks[i].item);
        int rc;

        if (v == NULL)
            continue;
        rc = tpam_value_check(checks[i].field, v, strlen(v), checks[i].kind,
                              err, sizeof(err));
        if (rc != CREDSTACK_OK) {
            credstack_request_explain(
                req, rc, "%s; refused before connecting to TPAM", err);
            return rc;
        }
    }
    return CREDSTACK_OK;
}

/* Remember a failed connection for the rest of the request. */
static void remember_failure(credstack_request *req, int rc, const char *msg)
{
    struct tpam_open_failure *failure = calloc(1, sizeof(*failure));

    if (failure == NULL)
        return;
    failure->rc = rc;
    snprintf(failure->msg, sizeof(failure->msg), "%s", msg);
    if (credstack_request_set_data(req, TPAM_FAILED_DATA_KEY, failure, free) !=
        CREDSTACK_OK)
        free(failure);
}

/*
 * The first server of the list that has, or can open, a session.  Servers in
 * backoff (they did not answer a moment ago) come after the others, so that
 * a dead primary costs one connect timeout per failover_backoff, not one per
 * request, and is used again when its backoff ends; a single server, or a
 * list that is all in backoff, is still tried.  A wrong host key is logged as
 * an error every time (never passed over in silence) and never put in
 * backoff; the next server, with its own key, is then tried.
 */
/* The servers in the order they are tried: those not in backoff first,
 * each group in [tpam] server's order; logs the skipped ones when mod. */
static size_t server_order(credstack_module *mod, const tpam_conf *conf,
                           size_t *order)
{
    size_t n = 0;

    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < conf->nservers; i++) {
            long long left = 0;
            char why[512] = "";
            int in_backoff =
                tpam_pool_in_backoff(conf->pools[i], &left, why, sizeof(why));

            if (in_backoff != pass)
                continue;
            if (in_backoff && mod != NULL)
                credstack_module_log(mod, CREDSTACK_LOG_INFO,
                                     "TPAM at %s is skipped for %lld s more "
                                     "(tpam.failover_backoff): %s",
                                     tpam_pool_where(conf->pools[i]),
                                     (left + 999) / 1000, why);
            order[n++] = i;
        }
    }
    return n;
}

static int open_any(credstack_module *mod, const tpam_conf *conf,
                    tpam_pool **pool_out, char *err, size_t errlen)
{
    size_t order[TPAM_SERVERS_MAX], n = server_order(mod, conf, order);
    int ret = CREDSTACK_ERR_BACKEND;

    for (size_t k = 0; k < n; k++) {
        tpam_pool *p = conf->pools[order[k]];
        long long left = 0;

        if (tpam_pool_in_backoff(p, &left, NULL, 0))
            credstack_module_log(mod, CREDSTACK_LOG_INFO,
                                 "no other TPAM server answered: trying %s "
                                 "although it is in backoff",
                                 tpam_pool_where(p));
        credstack_module_log(mod, CREDSTACK_LOG_DEBUG,
                             "using TPAM at %s as user '%s'",
                             tpam_pool_where(p), conf->user);
        ret = tpam_pool_attach(p, err, errlen);
        if (ret == CREDSTACK_OK) {
            *pool_out = p;
            return ret;
        }
        if (k + 1 < n)
            credstack_module_log(mod,
                                 ret == CREDSTACK_ERR_HOSTKEY
                                     ? CREDSTACK_LOG_ERROR
                                     : CREDSTACK_LOG_WARNING,
                                 "%s; trying the next server", err);
    }
    return ret;
}

/*
 * The server a look-ahead pass sends to: the one the real pass will take
 * first (open_any()'s order), and only when it has a session up: a
 * look-ahead never connects, remembers no failure and leaves the request's
 * own server unset (the real pass logs its choice as one-shot does).
 */
static int server_for_lookahead(credstack_request *req, const tpam_conf *conf,
                                tpam_pool **pool_out)
{
    size_t order[TPAM_SERVERS_MAX];
    int ret;

    *pool_out = tpam_ahead_pool(req);
    if (*pool_out != NULL)
        return CREDSTACK_OK;
    ret = tpam_check_request(req);
    if (ret != CREDSTACK_OK)
        return ret;
    if (server_order(NULL, conf, order) == 0 ||
        !tpam_pool_is_up(conf->pools[order[0]]))
        return CREDSTACK_ERR_BACKEND;
    ret = tpam_ahead_set_pool(req, conf->pools[order[0]]);
    if (ret == CREDSTACK_OK)
        *pool_out = conf->pools[order[0]];
    return ret;
}

int tpam_client_for_request(credstack_module *mod, credstack_request *req,
                            const tpam_conf *conf, tpam_pool **pool_out)
{
    struct tpam_open_failure *failure = NULL;
    tpam_pool *pool = NULL;
    char err[512] = "";
    int ret;

    if (credstack_request_lookahead(req))
        return server_for_lookahead(req, conf, pool_out);
    *pool_out = credstack_request_get_data(req, TPAM_CLIENT_DATA_KEY);
    if (*pool_out != NULL) {
        return CREDSTACK_OK;
    }
    failure = credstack_request_get_data(req, TPAM_FAILED_DATA_KEY);
    if (failure != NULL) {
        credstack_request_explain(req, failure->rc,
                                  "%s (earlier in this request)", failure->msg);
        return failure->rc;
    }
    ret = tpam_check_request(req);
    if (ret != CREDSTACK_OK) {
        return ret;
    }
    ret = open_any(mod, conf, &pool, err, sizeof(err));
    if (ret != CREDSTACK_OK) {
        /*
         * Keep the client's code (HOSTKEY, TIMEOUT, BACKEND...): it decides
         * the exit status; a plain module error would turn it into exit 2.
         */
        credstack_request_explain(req, ret, "%s", err);
        remember_failure(req, ret, err);
        return ret;
    }
    /* The request holds a reference: the server stays until it is freed. */
    tpam_pool_ref(pool);
    ret = credstack_request_set_data(req, TPAM_CLIENT_DATA_KEY, pool,
                                     tpam_lease_cleanup);
    if (ret != CREDSTACK_OK) {
        tpam_pool_release(pool);
        credstack_request_explain(req, ret,
                                  "cannot keep the TPAM session on the "
                                  "request (out of memory?)");
        return ret;
    }
    credstack_request_set(req, CREDSTACK_ITEM_BACKEND, tpam_pool_where(pool));
    credstack_module_log(mod, CREDSTACK_LOG_DEBUG, "connected to TPAM at %s",
                         tpam_pool_where(pool));
    *pool_out = pool;
    return CREDSTACK_OK;
}

credstack_result tpam_module_fail(credstack_request *req, int rc,
                                  const char *err)
{
    int has_msg = err != NULL && err[0] != '\0';

    switch (rc) {
    case CREDSTACK_OK:
        return CREDSTACK_RESULT_SUCCESS;
    case CREDSTACK_ERR_DENIED:
    case CREDSTACK_ERR_NOTFOUND:
        if (has_msg) {
            credstack_request_explain(req, CREDSTACK_ERR_DENIED, "%s", err);
        }
        return CREDSTACK_RESULT_DENIED;
    default:
        /* The code, not just the text: TIMEOUT/REFUSED/BACKEND are exit 3. */
        if (has_msg) {
            credstack_request_explain(req, rc, "%s", err);
        }
        return CREDSTACK_RESULT_ERROR;
    }
}

/* Get the client and run cmd; err is empty when the failure is recorded. */
static int tpam_module_run(credstack_module *mod, credstack_request *req,
                           const tpam_conf *conf, const tpam_cmd *cmd,
                           char **out, size_t *len, int *status, char *err,
                           size_t errlen)
{
    tpam_pool *pool = NULL;
    const char *line = tpam_cmd_str(cmd);
    int ret;

    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    ret = tpam_client_for_request(mod, req, conf, &pool);
    if (ret != CREDSTACK_OK) {
        return ret;
    }
    /* Command lines hold names and reasons only, never a secret. */
    credstack_module_log(mod, CREDSTACK_LOG_DEBUG, "TPAM command: %s",
                         line != NULL ? line : "(refused, not sent)");
    /* A look-ahead's commands are kept for the real pass, which takes the
     * answer to this very line when the look-ahead started it. */
    if (credstack_request_lookahead(req))
        return tpam_ahead_run(req, pool, cmd, conf->command_timeout_ms, out,
                              len, status, err, errlen);
    if (tpam_ahead_take(req, pool, cmd, &ret, out, len, status, err, errlen))
        return ret;
    return tpam_pool_run_status(pool, cmd, conf->command_timeout_ms, out, len,
                                status, err, errlen);
}

/* Put the command's name in front of a parser's message. */
static void tpam_prefix_command(const tpam_cmd *cmd, char *err, size_t errlen)
{
    char tmp[512];

    if (err == NULL || errlen == 0 || err[0] == '\0') {
        return;
    }
    snprintf(tmp, sizeof(tmp), "%s", err);
    snprintf(err, errlen, "%s: %s", tpam_cmd_name(cmd), tmp);
}

/*
 * Run cmd and hand its output to parse; the output is wiped either way.
 * With status_counts, a command that reports a failure (an exit status
 * other than 0, or a signal) failed, whatever it printed: its output is
 * not even parsed.  A status the server never sent proves nothing either
 * way (the RFC says SHOULD), so the output decides, as before.
 */
static int
tpam_module_parse(credstack_module *mod, credstack_request *req,
                  const tpam_conf *conf, const tpam_cmd *cmd,
                  int (*parse)(const char *, size_t, void *, char *, size_t),
                  void *parsed_out, int status_counts, char *err, size_t errlen)
{
    char *out = NULL;
    size_t len = 0;
    int status = TPAM_STATUS_NONE;
    int ret;

    ret =
        tpam_module_run(mod, req, conf, cmd, &out, &len, &status, err, errlen);
    if (ret != CREDSTACK_OK) {
        return ret;
    }
    if (status != 0 && status != TPAM_STATUS_NONE) {
        if (status_counts) {
            tpam_pool_output_free(out, len);
            if (status == TPAM_STATUS_SIGNAL) {
                return tpam_errf(err, errlen, CREDSTACK_ERR_BACKEND,
                                 "TPAM %s was ended by a signal; nothing "
                                 "taken from its output",
                                 tpam_cmd_name(cmd));
            }
            return tpam_errf(err, errlen, CREDSTACK_ERR_BACKEND,
                             "TPAM %s failed (exit status %d); nothing taken "
                             "from its output",
                             tpam_cmd_name(cmd), status);
        }
        credstack_module_log(mod, CREDSTACK_LOG_DEBUG,
                             "TPAM %s: exit status %d (its output decides)",
                             tpam_cmd_name(cmd), status);
    }
    ret = parse(out, len, parsed_out, err, errlen);
    tpam_pool_output_free(out, len);
    if (ret != CREDSTACK_OK) {
        tpam_prefix_command(cmd, err, errlen);
    }
    return ret;
}

static int tpam_parse_table(const char *out, size_t len, void *t_out, char *err,
                            size_t errlen)
{
    return tpam_table_parse(out, len, t_out, err, errlen);
}

static int tpam_parse_password(const char *out, size_t len, void *pw_out,
                               char *err, size_t errlen)
{
    return tpam_retrieve_parse(out, len, pw_out, err, errlen);
}

int tpam_module_list(credstack_module *mod, credstack_request *req,
                     const tpam_conf *conf, const tpam_cmd *cmd,
                     tpam_table **t_out, char *err, size_t errlen)
{
    *t_out = NULL;
    /* Whether TPAM's lists exit non-zero for "No ... to list" is not
     * known: their shape is checked instead (tpam_table_parse()). */
    return tpam_module_parse(mod, req, conf, cmd, tpam_parse_table, t_out, 0,
                             err, errlen);
}

int tpam_module_retrieve(credstack_module *mod, credstack_request *req,
                         const tpam_conf *conf, const tpam_cmd *cmd,
                         char **password_out, char *err, size_t errlen)
{
    *password_out = NULL;
    return tpam_module_parse(mod, req, conf, cmd, tpam_parse_password,
                             password_out, 1, err, errlen);
}

int tpam_module_subject(credstack_request *req, const char **user_out,
                        const char **account_out, const char **system_out)
{
    *user_out = credstack_request_get(req, CREDSTACK_ITEM_GATEWAY_USER);
    *account_out = credstack_request_get(req, CREDSTACK_ITEM_ACCOUNT);
    *system_out = credstack_request_get(req, CREDSTACK_ITEM_SYSTEM);
    if (*user_out == NULL || *account_out == NULL || *system_out == NULL) {
        credstack_request_explain(req, CREDSTACK_ERR_MODULE,
                                  "no gateway user, account or system: put a "
                                  "resolver before this line");
        return CREDSTACK_ERR_MODULE;
    }
    return CREDSTACK_OK;
}

void tpam_module_contradicted(credstack_module *mod, credstack_request *req)
{
    const char *auth = credstack_request_get_data(req, TPAM_CACHED_AUTH_KEY);

    if (auth != NULL) {
        credstack_cache_drop(mod, CREDSTACK_CACHE_AUTH, auth);
        credstack_module_log(mod, CREDSTACK_LOG_INFO,
                             "TPAM contradicts the cached %s: dropped", auth);
    }
}

int tpam_auth_cached(credstack_module *mod, credstack_request *req,
                     const char *key, char **detail_out)
{
    char *copy = NULL;

    *detail_out = NULL;
    if (credstack_cache_get(mod, CREDSTACK_CACHE_AUTH, key, detail_out) !=
        CREDSTACK_OK)
        return 0;
    /* A look-ahead leaves nothing on the request for the real pass to
     * drop: that pass looks the cache up itself. */
    if (credstack_request_lookahead(req))
        return 1;
    if ((copy = strdup(key)) == NULL ||
        credstack_request_set_data(req, TPAM_CACHED_AUTH_KEY, copy, free) !=
            CREDSTACK_OK) {
        free(copy);
        free(*detail_out);
        *detail_out = NULL;
        return 0;
    }
    return 1;
}

int tpam_module_query(credstack_module *mod, credstack_request *req,
                      const tpam_conf *conf, const char *command,
                      const tpam_arg *args, size_t nargs, tpam_table **t_out,
                      char *err, size_t errlen)
{
    tpam_cmd *cmd = NULL;
    long max = conf->max_rows;
    int ret;

    *t_out = NULL;
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    ret = tpam_module_query_command(conf, command, args, nargs, &cmd, err,
                                    errlen);
    if (ret == CREDSTACK_OK) {
        ret = tpam_module_list(mod, req, conf, cmd, t_out, err, errlen);
    }
    if (ret == CREDSTACK_OK && tpam_table_rows(*t_out) >= (size_t)max) {
        /* As many rows as asked for: the list may go on; trust none of it. */
        ret =
            tpam_errf(err, errlen, CREDSTACK_ERR_BACKEND,
                      "%s listed %zu rows, as many as --MaxRows %ld allows: "
                      "the list may be cut off, so none of it is used; "
                      "raise tpam.max_rows (at most %d) or narrow the "
                      "request",
                      command, tpam_table_rows(*t_out), max, TPAM_MAX_ROWS_MAX);
        tpam_table_free(*t_out);
        *t_out = NULL;
    }
    tpam_cmd_free(cmd);
    return ret;
}

int tpam_module_query_start(credstack_module *mod, credstack_request *req,
                            const tpam_conf *conf, const char *command,
                            const tpam_arg *args, size_t nargs)
{
    tpam_cmd *cmd = NULL;
    tpam_pool *pool = NULL;
    char err[512] = "";
    int ret;

    if (!credstack_request_lookahead(req))
        return CREDSTACK_ERR_INVALID;
    ret = tpam_module_query_command(conf, command, args, nargs, &cmd, err,
                                    sizeof(err));
    if (ret == CREDSTACK_OK)
        ret = tpam_client_for_request(mod, req, conf, &pool);
    if (ret == CREDSTACK_OK)
        ret = tpam_ahead_start(req, pool, cmd, conf->command_timeout_ms);
    tpam_cmd_free(cmd);
    return ret;
}
