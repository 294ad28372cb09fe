/* SPDX-License-Identifier: MIT */
/* maptoreal.c: maps account/system to the real ones in
 * AccountCustom1/AccountCustom2 (system_maptoreal). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tpam-common/tpam_module.h"

/* "<real account>\t<real system>" for account@system (look-ahead only). */
#define CACHE_PREFIX "tpam.maptoreal:"

/*
 * The look-ahead pass (module.h): ask ListAccounts on a channel of its own
 * and, when the cache has the mapping, go on with it at once; the real
 * pass takes ListAccounts' answer and maps on it alone (see
 * resolver-tpam's look_ahead()).  Nothing cached: ERROR ends the pass.
 */
static credstack_result look_ahead(credstack_module *mod,
                                   credstack_request *req,
                                   const tpam_conf *conf, const char *account,
                                   const char *system, const char *key)
{
    char *v = NULL, *tab;
    credstack_result ret = CREDSTACK_RESULT_ERROR;

    if (tpam_module_query_start(
            mod, req, conf, "ListAccounts",
            (const tpam_arg[]){
                {"AccountName", account, TPAM_FIELD_ACCOUNT},
                {"SystemName", system, TPAM_FIELD_SYSTEM},
            },
            2) != CREDSTACK_OK ||
        credstack_cache_get(mod, CREDSTACK_CACHE_LOOKUP, key, &v) !=
            CREDSTACK_OK)
        return CREDSTACK_RESULT_ERROR;
    tab = strchr(v, '\t');
    if (tab != NULL) {
        *tab = '\0';
        if (credstack_request_set(req, CREDSTACK_ITEM_ACCOUNT, v) ==
                CREDSTACK_OK &&
            credstack_request_set(req, CREDSTACK_ITEM_SYSTEM, tab + 1) ==
                CREDSTACK_OK)
            ret = CREDSTACK_RESULT_SUCCESS;
    }
    free(v);
    return ret;
}

static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    const tpam_conf *conf = data;
    const char *user, *account, *system, *real_account, *real_system;
    char err[512] = "", about[300], key[300], *mapped = NULL;
    tpam_table *t = NULL;
    size_t *rows = NULL, n = 0, row;
    credstack_result ret = CREDSTACK_RESULT_ERROR;
    int rc, c1, c2;

    if (tpam_module_subject(req, &user, &account, &system) != 0)
        return CREDSTACK_RESULT_ERROR;
    snprintf(key, sizeof(key), CACHE_PREFIX "%s@%s", account, system);
    if (credstack_request_lookahead(req))
        return look_ahead(mod, req, conf, account, system, key);
    rc = tpam_module_query(mod, req, conf, "ListAccounts",
                           (const tpam_arg[]){
                               {"AccountName", account, TPAM_FIELD_ACCOUNT},
                               {"SystemName", system, TPAM_FIELD_SYSTEM},
                           },
                           2, &t, err, sizeof(err));
    if (rc == CREDSTACK_ERR_NOTFOUND) {
        tpam_module_contradicted(mod, req);
        credstack_request_explain(req, CREDSTACK_ERR_DENIED,
                                  "TPAM has no account %s on %s", account,
                                  system);
        ret = CREDSTACK_RESULT_DENIED;
        goto done;
    }
    if (rc != CREDSTACK_OK) {
        ret = tpam_module_fail(req, rc, err);
        goto done;
    }
    c1 = tpam_table_col(t, "AccountCustom1");
    c2 = tpam_table_col(t, "AccountCustom2");
    if (c1 < 0 || c2 < 0) {
        credstack_request_explain(req, CREDSTACK_ERR_BACKEND,
                                  "ListAccounts printed no AccountCustom1 or "
                                  "AccountCustom2 column");
        goto done;
    }
    /* The row for exactly this account on this system; TPAM's filters may
     * list more (rootx for root, DB02 for DB0). */
    snprintf(about, sizeof(about), "account %s on %s", account, system);
    if (tpam_module_verify(mod, req, t, "ListAccounts", about,
                           (const tpam_match[]){
                               {"AccountName", 0, TPAM_MATCH_NAME, account, 0},
                               {"SystemName", 0, TPAM_MATCH_NAME, system, 0},
                           },
                           2, &rows, &n) != CREDSTACK_OK)
        goto done;
    if (n == 0) {
        tpam_module_contradicted(mod, req);
        credstack_request_explain(req, CREDSTACK_ERR_DENIED,
                                  "TPAM lists no account %s on %s", account,
                                  system);
        ret = CREDSTACK_RESULT_DENIED;
        goto done;
    }
    row = rows[0];
    real_account = tpam_table_cell_trimmed(t, row, c1);
    real_system = tpam_table_cell_trimmed(t, row, c2);
    /* No mapping means no password (the seed's rule). */
    if (*real_account == '\0' || *real_system == '\0') {
        credstack_request_explain(req, CREDSTACK_ERR_DENIED,
                                  "%s on %s has no real account/system in "
                                  "AccountCustom1/AccountCustom2",
                                  account, system);
        ret = CREDSTACK_RESULT_DENIED;
        goto done;
    }
    credstack_module_log(mod, CREDSTACK_LOG_INFO, "%s@%s maps to %s@%s",
                         account, system, real_account, real_system);
    if (asprintf(&mapped, "%s\t%s", real_account, real_system) > 0)
        credstack_cache_put(mod, CREDSTACK_CACHE_LOOKUP, key, mapped);
    free(mapped);
    if (credstack_request_set(req, CREDSTACK_ITEM_ACCOUNT, real_account) ||
        credstack_request_set(req, CREDSTACK_ITEM_SYSTEM, real_system)) {
        credstack_request_explain(req, CREDSTACK_ERR_MODULE, "out of memory");
        goto done;
    }
    ret = CREDSTACK_RESULT_SUCCESS;
done:
    /* TPAM maps it no more: the next look-ahead must not guess it. */
    if (ret == CREDSTACK_RESULT_DENIED)
        credstack_cache_drop(mod, CREDSTACK_CACHE_LOOKUP, key);
    free(rows);
    tpam_table_free(t);
    return ret;
}

static tpam_module_def def = {
    .name = "maptoreal",
    .description = "real account and system from AccountCustom1/2",
    .flags = CREDSTACK_MODULE_LOOKAHEAD,
    .run = run,
};

TPAM_MODULE_DEFINE(def)
