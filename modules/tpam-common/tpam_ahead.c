/* SPDX-License-Identifier: MIT */
/* tpam_ahead.c: the TPAM commands a look-ahead pass starts (module.h,
 * credstack_request_lookahead()), kept on the request for the real pass.
 *
 * The real pass runs every module as a one-shot run does and sends each
 * command it needs; when the look-ahead started that very command line on
 * that very server, the real pass takes its answer (once) instead of sending
 * it again.  So a cached lookup decides only which commands go out early:
 * when it is stale, the real pass's lines differ from the look-ahead's and
 * are sent anew, and what the look-ahead started for the stale value is
 * never used.  Only list commands (reads) are ever started ahead. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tpam_module.h"

/* The request data key of what the look-ahead started. */
#define TPAM_AHEAD_DATA_KEY "tpam.ahead"

typedef struct ahead_cmd {
    struct ahead_cmd *next;
    tpam_pool_job *job;
    char *line;
    int taken; /* the real pass has its answer */
} ahead_cmd;

typedef struct tpam_ahead {
    tpam_pool *pool; /* the server the look-ahead sent to (a reference) */
    ahead_cmd *cmds;
} tpam_ahead;

/* At the request's end: commands nobody took are waited for (each is one
 * list command, under way since the look-ahead) and dropped. */
static void ahead_free(void *data)
{
    tpam_ahead *a = data;

    while (a->cmds != NULL) {
        ahead_cmd *c = a->cmds;
        a->cmds = c->next;
        tpam_pool_job_free(c->job);
        free(c->line);
        free(c);
    }
    tpam_pool_release(a->pool);
    free(a);
}

tpam_pool *tpam_ahead_pool(credstack_request *req)
{
    tpam_ahead *a = credstack_request_get_data(req, TPAM_AHEAD_DATA_KEY);

    return a != NULL ? a->pool : NULL;
}

int tpam_ahead_set_pool(credstack_request *req, tpam_pool *pool)
{
    tpam_ahead *a = credstack_request_get_data(req, TPAM_AHEAD_DATA_KEY);

    if (a != NULL)
        return a->pool == pool ? CREDSTACK_OK : CREDSTACK_ERR_INVALID;
    if ((a = calloc(1, sizeof(*a))) == NULL)
        return CREDSTACK_ERR_NOMEM;
    tpam_pool_ref(pool);
    a->pool = pool;
    if (credstack_request_set_data(req, TPAM_AHEAD_DATA_KEY, a, ahead_free) !=
        CREDSTACK_OK) {
        ahead_free(a);
        return CREDSTACK_ERR_NOMEM;
    }
    return CREDSTACK_OK;
}

/* The command started for line on pool and not taken yet, or NULL. */
static ahead_cmd *find(credstack_request *req, const tpam_pool *pool,
                       const char *line)
{
    tpam_ahead *a = credstack_request_get_data(req, TPAM_AHEAD_DATA_KEY);

    if (a == NULL || a->pool != pool || line == NULL)
        return NULL;
    for (ahead_cmd *c = a->cmds; c != NULL; c = c->next)
        if (!c->taken && strcmp(c->line, line) == 0)
            return c;
    return NULL;
}

/* Start cmd (not started yet) on the look-ahead's server. */
static int start(credstack_request *req, tpam_pool *pool, const tpam_cmd *cmd,
                 long timeout_ms, ahead_cmd **c_out)
{
    tpam_ahead *a = credstack_request_get_data(req, TPAM_AHEAD_DATA_KEY);
    const char *line = tpam_cmd_str(cmd);
    ahead_cmd *c;
    int ret;

    *c_out = NULL;
    /* Reads only: nothing that changes TPAM runs on a guess. */
    if (a == NULL || a->pool != pool || line == NULL ||
        strncasecmp(tpam_cmd_name(cmd), "List", 4) != 0)
        return CREDSTACK_ERR_INVALID;
    if ((c = find(req, pool, line)) != NULL) {
        *c_out = c;
        return CREDSTACK_OK;
    }
    if ((c = calloc(1, sizeof(*c))) == NULL ||
        (c->line = strdup(line)) == NULL) {
        free(c);
        return CREDSTACK_ERR_NOMEM;
    }
    ret = tpam_pool_submit(pool, cmd, timeout_ms, &c->job, NULL, 0);
    if (ret != CREDSTACK_OK) {
        free(c->line);
        free(c);
        return ret;
    }
    c->next = a->cmds;
    a->cmds = c;
    *c_out = c;
    return CREDSTACK_OK;
}

int tpam_ahead_start(credstack_request *req, tpam_pool *pool,
                     const tpam_cmd *cmd, long timeout_ms)
{
    ahead_cmd *c = NULL;

    return start(req, pool, cmd, timeout_ms, &c);
}

int tpam_ahead_run(credstack_request *req, tpam_pool *pool, const tpam_cmd *cmd,
                   long timeout_ms, char **out, size_t *len_out,
                   int *status_out, char *err, size_t errlen)
{
    ahead_cmd *c = NULL;
    const char *text = NULL;
    size_t len = 0;
    int ret;

    *out = NULL;
    *len_out = 0;
    *status_out = TPAM_STATUS_NONE;
    ret = start(req, pool, cmd, timeout_ms, &c);
    if (ret != CREDSTACK_OK)
        return tpam_errf(err, errlen, ret, "%s: not started ahead",
                         tpam_cmd_name(cmd));
    ret = tpam_pool_job_wait(c->job, &text, &len, status_out, err, errlen);
    if (ret != CREDSTACK_OK)
        return ret;
    /* A copy: the answer stays for the real pass. */
    if ((*out = malloc(len + 1)) == NULL)
        return tpam_errf(err, errlen, CREDSTACK_ERR_NOMEM, "out of memory");
    memcpy(*out, text, len);
    (*out)[len] = '\0';
    *len_out = len;
    return CREDSTACK_OK;
}

int tpam_ahead_take(credstack_request *req, tpam_pool *pool,
                    const tpam_cmd *cmd, int *rc_out, char **out,
                    size_t *len_out, int *status_out, char *err, size_t errlen)
{
    ahead_cmd *c = find(req, pool, tpam_cmd_str(cmd));
    const char *text = NULL;
    size_t len = 0;

    if (c == NULL)
        return 0;
    c->taken = 1;
    *out = NULL;
    *len_out = 0;
    *rc_out = tpam_pool_job_wait(c->job, &text, &len, status_out, err, errlen);
    if (*rc_out != CREDSTACK_OK)
        return 1;
    if ((*out = malloc(len + 1)) == NULL) {
        *rc_out = tpam_errf(err, errlen, CREDSTACK_ERR_NOMEM, "out of memory");
        return 1;
    }
    memcpy(*out, text, len);
    (*out)[len] = '\0';
    *len_out = len;
    return 1;
}
