/* SPDX-License-Identifier: MIT */
/* auth-policy.c: authorizes when the gateway user holds required_policy for the
 * account (reason "policy,<name>"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tpam-common/tpam_module.h"

#define DEFAULT_POLICY "Privileged Access"

/* policy= argument, else [tpam] required_policy, else the seed's default. */
static int required_policy(credstack_module *mod, const char **policy)
{
    int rc;

    *policy = credstack_module_arg(mod, "policy");
    if (*policy != NULL)
        return CREDSTACK_OK;
    rc = credstack_module_config_string(mod, "tpam", "required_policy", policy);
    if (rc == CREDSTACK_ERR_NOTFOUND || (rc == CREDSTACK_OK && **policy == 0))
        *policy = DEFAULT_POLICY;
    return rc == CREDSTACK_ERR_NOTFOUND ? CREDSTACK_OK : rc;
}

static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    const char *user, *account, *system, *policy = NULL;
    char err[512] = "", about[400], safe[TPAM_VALUE_MAX + 1];
    char reason[TPAM_VALUE_MAX + 16];
    tpam_table *t = NULL;
    size_t *rows = NULL, n = 0;
    credstack_result ret = CREDSTACK_RESULT_ERROR;
    int rc, col;

    (void)data;
    if (required_policy(mod, &policy) != CREDSTACK_OK ||
        tpam_module_subject(mod, req, &user, &account, &system) != 0)
        return CREDSTACK_RESULT_ERROR;
    /*
     * The policy is only compared (verbatim, as the vendor's plugin did),
     * never sent as a filter; the reason text carries its safe form.  Still
     * checked before connecting: a quote or a control character is a typo.
     */
    rc = tpam_policy_name_check("required_policy", policy, err, sizeof(err));
    if (rc == CREDSTACK_OK)
        rc =
            tpam_module_query(mod, req, "ListAssignedPolicies",
                              (const tpam_arg[]){
                                  {"UserName", user, TPAM_FIELD_USER},
                                  {"AccountName", account, TPAM_FIELD_ACCOUNT},
                                  {"SystemName", system, TPAM_FIELD_SYSTEM},
                                  {"AllOrEffectiveFlag", "E", TPAM_FIELD_FLAG},
                                  {"PermissionType", "Pwd", TPAM_FIELD_KEYWORD},
                              },
                              5, &t, err, sizeof(err));
    if (rc == CREDSTACK_ERR_NOTFOUND) {
        credstack_module_note(mod,
                              "%s has no password permissions on %s "
                              "for %s",
                              user, system, account);
        ret = CREDSTACK_RESULT_DENIED;
        goto done;
    }
    if (rc != CREDSTACK_OK) {
        ret = tpam_module_fail(mod, rc, err);
        goto done;
    }
    col = tpam_table_col(t, "AccessPolicyName");
    if (col < 0) {
        credstack_module_error_rc(mod, CREDSTACK_ERR_BACKEND,
                                  "ListAssignedPolicies printed no "
                                  "AccessPolicyName column");
        goto done;
    }
    /*
     * Only rows about this user, account and system count (a substring
     * filter lists bob's grants for "bo", rootx's for "root"), of the
     * password permission type, and not marked as not effective.
     */
    snprintf(about, sizeof(about), "user %s, account %s on %s", user, account,
             system);
    if (tpam_module_verify(mod, t, "ListAssignedPolicies", about,
                           (const tpam_match[]){
                               {"UserName", 0, TPAM_MATCH_NAME, user, 0},
                               {"AccountName", 0, TPAM_MATCH_NAME, account, 0},
                               {"SystemName", 0, TPAM_MATCH_NAME, system, 0},
                               {"PermissionType", 0, TPAM_MATCH_NAME, "Pwd", 1},
                               {"EffectiveFl", 0, TPAM_MATCH_NOT_NAME, "N", 1},
                           },
                           5, &rows, &n) != CREDSTACK_OK)
        goto done;
    ret = CREDSTACK_RESULT_DENIED;
    for (size_t i = 0; i < n; i++) {
        /* Exact comparison, as the vendor's plugin. */
        if (strcmp(tpam_table_cell_trimmed(t, rows[i], col), policy) != 0)
            continue;
        tpam_policy_reason_form(policy, safe, sizeof(safe));
        snprintf(reason, sizeof(reason), "policy,%s", safe);
        if (credstack_request_set(req, CREDSTACK_ITEM_REASON, reason) != 0) {
            credstack_module_error(mod, "out of memory");
            ret = CREDSTACK_RESULT_ERROR;
            goto done;
        }
        if (strcmp(safe, policy) != 0)
            credstack_module_log(mod, CREDSTACK_LOG_INFO,
                                 "%s holds policy '%s'; the reason text "
                                 "names it '%s'",
                                 user, policy, safe);
        ret = CREDSTACK_RESULT_SUCCESS;
        goto done;
    }
    credstack_module_note(mod, "%s does not hold policy '%s' for %s on %s",
                          user, policy, account, system);
done:
    free(rows);
    tpam_table_free(t);
    return ret;
}

static const struct credstack_module_ops ops = {
    .size = sizeof(struct credstack_module_ops),
    .abi_version = CREDSTACK_MODULE_ABI_VERSION,
    .name = "auth-policy",
    .description = "authorize when the user holds the required access policy",
    .run = run,
};

CREDSTACK_MODULE_DEFINE(ops)
