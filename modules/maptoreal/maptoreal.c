/* SPDX-License-Identifier: MIT */
/* maptoreal.c: maps account/system to the real ones in
 * AccountCustom1/AccountCustom2 (system_maptoreal). */
#include <string.h>
#include <strings.h>

#include "../tpam-common/tpam_module.h"

/* The row for exactly this account on this system; TPAM filters may match more.
 */
static int find_row(const tpam_table *t, const char *account,
                    const char *system)
{
    int acol = tpam_table_col(t, "AccountName");
    int scol = tpam_table_col(t, "SystemName");

    if (acol < 0 || scol < 0)
        return -2;
    for (size_t r = 0; r < tpam_table_rows(t); r++) {
        if (strcasecmp(tpam_table_cell_trimmed(t, r, acol), account) == 0 &&
            strcasecmp(tpam_table_cell_trimmed(t, r, scol), system) == 0)
            return (int)r;
    }
    return -1;
}

static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    const char *user, *account, *system, *real_account, *real_system;
    char err[512] = "";
    tpam_table *t = NULL;
    credstack_result ret = CREDSTACK_RESULT_ERROR;
    int rc, row, c1, c2;

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
    row = find_row(t, account, system);
    c1 = tpam_table_col(t, "AccountCustom1");
    c2 = tpam_table_col(t, "AccountCustom2");
    if (row == -2 || c1 < 0 || c2 < 0) {
        credstack_module_error_rc(mod, CREDSTACK_ERR_BACKEND,
                                  "ListAccounts printed no AccountName, "
                                  "SystemName, AccountCustom1 or "
                                  "AccountCustom2 column");
        goto done;
    }
    if (row < 0) {
        credstack_module_note(mod, "TPAM lists no account %s on %s", account,
                              system);
        ret = CREDSTACK_RESULT_DENIED;
        goto done;
    }
    real_account = tpam_table_cell_trimmed(t, (size_t)row, c1);
    real_system = tpam_table_cell_trimmed(t, (size_t)row, c2);
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
