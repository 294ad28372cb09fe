/* SPDX-License-Identifier: MIT */
/* tpam_query.c: the commands TPAM modules send (with their --MaxRows bound)
 * and the check of every row they get back against the request. */
#include "tpam_module.h"

#include <stdio.h>

int tpam_module_command(const char *command, const tpam_arg *args, size_t nargs,
                        tpam_cmd **cmd_out, char *err, size_t errlen)
{
    tpam_cmd *cmd = tpam_cmd_new(command);
    int ret = cmd == NULL ? CREDSTACK_ERR_NOMEM : CREDSTACK_OK;

    for (size_t i = 0; ret == CREDSTACK_OK && i < nargs; i++) {
        ret = tpam_cmd_add(cmd, args[i].option, args[i].value, args[i].kind,
                           err, errlen);
    }
    if (ret == CREDSTACK_ERR_NOMEM) {
        snprintf(err, errlen, "out of memory");
    }
    if (ret != CREDSTACK_OK) {
        tpam_cmd_free(cmd);
        cmd = NULL;
    }
    *cmd_out = cmd;
    return ret;
}

/* A list command with `--MaxRows N` last ([tpam] max_rows: every list
 * command has the same bound). */
int tpam_module_query_command(const tpam_conf *conf, const char *command,
                              const tpam_arg *args, size_t nargs,
                              tpam_cmd **cmd_out, char *err, size_t errlen)
{
    char bound[24];
    int ret;

    snprintf(bound, sizeof(bound), "%ld", conf->max_rows);
    ret = tpam_module_command(command, args, nargs, cmd_out, err, errlen);
    if (ret == CREDSTACK_OK) {
        /* A list stops at 25 rows unless told otherwise (tpam-cli.md). */
        ret = tpam_cmd_add(*cmd_out, "MaxRows", bound, TPAM_FIELD_KEYWORD, err,
                           errlen);
    }
    return ret;
}

int tpam_module_verify(credstack_module *mod, credstack_request *req,
                       const tpam_table *t, const char *command,
                       const char *about, const tpam_match *m, size_t nm,
                       size_t **rows_out, size_t *n_out)
{
    char err[512] = "";
    size_t listed = tpam_table_rows(t);
    int ret;

    ret = tpam_table_verify(t, m, nm, rows_out, n_out, err, sizeof(err));
    if (ret != CREDSTACK_OK) {
        credstack_request_explain(req, ret, "%s: %s", command, err);
        return ret;
    }
    credstack_module_log(mod, CREDSTACK_LOG_DEBUG,
                         "%s listed %zu rows, %zu about %s; %zu dropped "
                         "(TPAM's filters are hints)",
                         command, listed, *n_out, about, listed - *n_out);
    return CREDSTACK_OK;
}
