/* SPDX-License-Identifier: MIT */
/* maptoreal.c: maps account/system to the real ones in
 * AccountCustom1/AccountCustom2 (system_maptoreal). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tpam-common/tpam_module.h"

static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    const char *user, *account, *system, *real_account, *real_system;
    char err[512] = "", about[300];
    tpam_table *t = NULL;
    size_t *rows = NULL, n = 0, row;
    credstack_result ret = CREDSTACK_RESULT_ERROR;
    int rc, c1, c2;

    (void)data;
    if (tpam_module_subject(mod, req, &user, &account, &system) != 0)
        return CREDSTACK_RESULT_ERROR;
    rc = tpam_module_query(mod, req, "ListAccounts",
                           (const tpam_arg[]){
                               {"AccountName", account, TPAM_FIELD_ACCOUNT},
                               {"SystemName", system, TPAM_FIELD_SYSTEM},
                           },
                           2, &t, err, sizeof(err));
    if (rc == CREDSTACK_ERR_NOTFOUND) {
        credstack_module_note(mod, "TPAM has no account %s on %s", account,
                              system);
        ret = CREDSTACK_RESULT_DENIED;
        goto done;
    }
    if (rc != CREDSTACK_OK) {
        ret = tpam_module_fail(mod, rc, err);
        goto done;
    }
    c1 = tpam_table_col(t, "AccountCustom1");
    c2 = tpam_table_col(t, "AccountCustom2");
    if (c1 < 0 || c2 < 0) {
        credstack_module_error_rc(mod, CREDSTACK_ERR_BACKEND,
                                  "ListAccounts printed no AccountCustom1 or "
                                  "AccountCustom2 column");
        goto done;
    }
    /* The row for exactly this account on this system; TPAM's filters may
     * list more (rootx for root, DB02 for DB0). */
    snprintf(about, sizeof(about), "account %s on %s", account, system);
    if (tpam_module_verify(mod, t, "ListAccounts", about,
                           (const tpam_match[]){
                               {"AccountName", 0, TPAM_MATCH_NAME, account, 0},
                               {"SystemName", 0, TPAM_MATCH_NAME, system, 0},
                           },
                           2, &rows, &n) != CREDSTACK_OK)
        goto done;
    if (n == 0) {
        credstack_module_note(mod, "TPAM lists no account %s on %s", account,
                              system);
        ret = CREDSTACK_RESULT_DENIED;
        goto done;
    }
    row = rows[0];
    real_account = tpam_table_cell_trimmed(t, row, c1);
    real_system = tpam_table_cell_trimmed(t, row, c2);
    /* No mapping means no password (the seed's rule). */
    if (*real_account == '\0' || *real_system == '\0') {
        credstack_module_note(mod,
                              "%s on %s has no real account/system in "
                              "AccountCustom1/AccountCustom2",
                              account, system);
        ret = CREDSTACK_RESULT_DENIED;
        goto done;
    }
    credstack_module_log(mod, CREDSTACK_LOG_INFO, "%s@%s maps to %s@%s",
                         account, system, real_account, real_system);
    if (credstack_request_set(req, CREDSTACK_ITEM_ACCOUNT, real_account) ||
        credstack_request_set(req, CREDSTACK_ITEM_SYSTEM, real_system)) {
        credstack_module_error(mod, "out of memory");
        goto done;
    }
    ret = CREDSTACK_RESULT_SUCCESS;
done:
    free(rows);
    tpam_table_free(t);
    return ret;
}

static const struct credstack_module_ops ops = {
    .size = sizeof(struct credstack_module_ops),
    .abi_version = CREDSTACK_MODULE_ABI_VERSION,
    .name = "maptoreal",
    .description = "real account and system from AccountCustom1/2",
    .run = run,
};

CREDSTACK_MODULE_DEFINE(ops)
