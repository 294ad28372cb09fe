/* SPDX-License-Identifier: MIT */
/* auth-policy.c: authorizes when the gateway user holds required_policy for the
 * account (AUTH_KIND policy, AUTH_DETAIL the policy's name). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tpam-common/tpam_module.h"

/* The module's own argument. */
static const struct credstack_option args[] = {
    {NULL, "policy", CREDSTACK_OPTION_STRING, 0, NULL, 0, 0, NULL,
     tpam_check_policy,
     "the access policy to require (default: tpam.required_policy)"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL},
};

/* The authorization found: AUTH_KIND policy, AUTH_DETAIL its name. */
static credstack_result authorized(credstack_request *req, const char *policy)
{
    if (credstack_request_set(req, CREDSTACK_ITEM_AUTH_KIND, "policy") !=
            CREDSTACK_OK ||
        credstack_request_set(req, CREDSTACK_ITEM_AUTH_DETAIL, policy) !=
            CREDSTACK_OK) {
        credstack_request_explain(req, CREDSTACK_ERR_NOMEM, "out of memory");
        return CREDSTACK_RESULT_ERROR;
    }
    return CREDSTACK_RESULT_SUCCESS;
}

static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    const tpam_conf *conf = data;
    const char *user, *account, *system;
    const char *policy =
        conf->arg_policy ? conf->arg_policy : conf->required_policy;
    char err[512] = "", about[400], key[600], *cached = NULL;
    tpam_table *t = NULL;
    size_t *rows = NULL, n = 0;
    credstack_result ret = CREDSTACK_RESULT_ERROR;
    int rc, col;

    if (tpam_module_subject(req, &user, &account, &system) != 0)
        return CREDSTACK_RESULT_ERROR;
    /* With auth_cache_ttl > 0 only: a grant seen before. */
    snprintf(key, sizeof(key), "tpam.auth:policy:%s/%s/%s/%s", user, account,
             system, policy);
    if (tpam_auth_cached(mod, req, key, &cached)) {
        free(cached);
        credstack_module_log(mod, CREDSTACK_LOG_DEBUG,
                             "%s holds policy '%s' for %s on %s (cached)", user,
                             policy, account, system);
        return authorized(req, policy);
    }
    /*
     * The policy is only compared (verbatim, as the vendor's plugin did),
     * never sent as a filter; checkout-tpam's reason text carries its safe
     * form.  Its characters were checked when the handle opened.
     */
    rc = tpam_module_query(mod, req, conf, "ListAssignedPolicies",
                           (const tpam_arg[]){
                               {"UserName", user, TPAM_FIELD_USER},
                               {"AccountName", account, TPAM_FIELD_ACCOUNT},
                               {"SystemName", system, TPAM_FIELD_SYSTEM},
                               {"AllOrEffectiveFlag", "E", TPAM_FIELD_FLAG},
                               {"PermissionType", "Pwd", TPAM_FIELD_KEYWORD},
                           },
                           5, &t, err, sizeof(err));
    if (rc == CREDSTACK_ERR_NOTFOUND) {
        tpam_module_contradicted(mod, req);
        credstack_request_explain(req, CREDSTACK_ERR_DENIED,
                                  "%s has no password permissions on %s for "
                                  "%s",
                                  user, system, account);
        ret = CREDSTACK_RESULT_DENIED;
        goto done;
    }
    if (rc != CREDSTACK_OK) {
        ret = tpam_module_fail(req, rc, err);
        goto done;
    }
    col = tpam_table_col(t, "AccessPolicyName");
    if (col < 0) {
        credstack_request_explain(req, CREDSTACK_ERR_BACKEND,
                                  "ListAssignedPolicies printed no "
                                  "AccessPolicyName column");
        goto done;
    }
    /*
     * Only rows about this user, account and system count (a substring
     * filter lists bob's grants for "bo", rootx's for "root"), of the
     * password permission type, and marked effective: EffectiveFl is a
     * flag (Y, Yes, True); No, 0, empty, garbage or no column at all is
     * not effective (tpam_flag_value()).
     */
    snprintf(about, sizeof(about), "user %s, account %s on %s", user, account,
             system);
    if (tpam_module_verify(mod, req, t, "ListAssignedPolicies", about,
                           (const tpam_match[]){
                               {"UserName", 0, TPAM_MATCH_NAME, user, 0},
                               {"AccountName", 0, TPAM_MATCH_NAME, account, 0},
                               {"SystemName", 0, TPAM_MATCH_NAME, system, 0},
                               {"PermissionType", 0, TPAM_MATCH_NAME, "Pwd", 1},
                               {"EffectiveFl", 0, TPAM_MATCH_FLAG, "Y", 0},
                           },
                           5, &rows, &n) != CREDSTACK_OK)
        goto done;
    ret = CREDSTACK_RESULT_DENIED;
    for (size_t i = 0; i < n; i++) {
        /* Exact comparison, as the vendor's plugin. */
        if (strcmp(tpam_table_cell_trimmed(t, rows[i], col), policy) != 0)
            continue;
        ret = authorized(req, policy);
        if (ret == CREDSTACK_RESULT_SUCCESS)
            credstack_cache_put(mod, CREDSTACK_CACHE_AUTH, key, "1");
        goto done;
    }
    credstack_request_explain(req, CREDSTACK_ERR_DENIED,
                              "%s does not hold policy '%s' for %s on %s%s",
                              user, policy, account, system,
                              tpam_table_col(t, "EffectiveFl") < 0
                                  ? " (ListAssignedPolicies printed no "
                                    "EffectiveFl column: no row shows an "
                                    "effective policy)"
                                  : "");
done:
    free(rows);
    tpam_table_free(t);
    return ret;
}

static tpam_module_def def = {
    .name = "auth-policy",
    .description = "authorize when the user holds the required access policy",
    .flags = CREDSTACK_MODULE_LOOKAHEAD,
    .run = run,
    .args = args,
};

TPAM_MODULE_DEFINE(def)
