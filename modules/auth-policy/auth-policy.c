/* SPDX-License-Identifier: MIT */
/* auth-policy.c: authorizes when the gateway user holds required_policy for the
 * account (reason "policy,<name>"). */
#include <stdio.h>
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
    char err[512] = "", reason[256];
    tpam_table *t = NULL;
    credstack_result ret = CREDSTACK_RESULT_ERROR;
    int rc, col;

    (void)data;
    if (required_policy(mod, &policy) != CREDSTACK_OK ||
        tpam_module_subject(mod, req, &user, &account, &system) != 0)
        return CREDSTACK_RESULT_ERROR;
    /* The policy goes into the reason text: check it before connecting. */
    rc = tpam_value_check("required_policy", policy, strlen(policy),
                          TPAM_FIELD_POLICY, err, sizeof(err));
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
    ret = CREDSTACK_RESULT_DENIED;
    for (size_t r = 0; r < tpam_table_rows(t); r++) {
        /* Exact comparison, as the vendor's plugin. */
        if (strcmp(tpam_table_cell_trimmed(t, r, col), policy) != 0)
            continue;
        snprintf(reason, sizeof(reason), "policy,%s", policy);
        if (credstack_request_set(req, CREDSTACK_ITEM_REASON, reason) != 0) {
            credstack_module_error(mod, "out of memory");
            ret = CREDSTACK_RESULT_ERROR;
            goto done;
        }
        ret = CREDSTACK_RESULT_SUCCESS;
        goto done;
    }
    credstack_module_note(mod, "%s does not hold policy '%s' for %s on %s",
                          user, policy, account, system);
done:
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
