/* SPDX-License-Identifier: MIT */
/* checkout-tpam.c: Retrieve the password with reason text "<gateway
 * user>,SPS,<authorization reason>". */
#include <stdlib.h>
#include <string.h>

#include "../tpam-common/tpam_module.h"

/* Split "approval,1590" into kind and detail; detail may be NULL. */
static int split_reason(const char *reason, char *kind, size_t kindlen,
                        const char **detail, tpam_field_kind *detail_kind)
{
    size_t n = strcspn(reason, ",");

    if (n == 0 || n >= kindlen)
        return -1;
    memcpy(kind, reason, n);
    kind[n] = '\0';
    *detail = reason[n] == ',' ? reason + n + 1 : NULL;
    if (strcmp(kind, "gateway") == 0)
        return *detail == NULL ? 0 : -1;
    if (*detail == NULL)
        return -1;
    if (strcmp(kind, "approval") == 0)
        *detail_kind = TPAM_FIELD_REQUEST_ID;
    else if (strcmp(kind, "policy") == 0)
        *detail_kind = TPAM_FIELD_POLICY;
    else
        return -1;
    return 0;
}

static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    const char *reason = credstack_request_get(req, CREDSTACK_ITEM_REASON);
    const char *user, *account, *system, *detail = NULL;
    tpam_field_kind detail_kind = TPAM_FIELD_POLICY;
    char kind[32], err[512] = "";
    char *password = NULL;
    tpam_cmd *cmd = NULL;
    credstack_result ret = CREDSTACK_RESULT_ERROR;
    int rc;

    (void)data;
    /* Fail closed: no authorization decision, no checkout. */
    if (reason == NULL) {
        credstack_module_note(mod, "no module authorized this request");
        return CREDSTACK_RESULT_DENIED;
    }
    if (tpam_module_subject(mod, req, &user, &account, &system) != 0)
        return CREDSTACK_RESULT_ERROR;
    if (split_reason(reason, kind, sizeof(kind), &detail, &detail_kind) != 0) {
        credstack_module_error(mod, "unknown authorization reason '%.40s'",
                               reason);
        return CREDSTACK_RESULT_ERROR;
    }
    rc = tpam_module_command("Retrieve",
                             (const tpam_arg[]){
                                 {"AccountName", account, TPAM_FIELD_ACCOUNT},
                                 {"SystemName", system, TPAM_FIELD_SYSTEM},
                             },
                             2, &cmd, err, sizeof(err));
    if (rc == CREDSTACK_OK)
        rc = tpam_cmd_add_reason(cmd, "ReasonText", user, kind, detail,
                                 detail_kind, err, sizeof(err));
    if (rc == CREDSTACK_OK) {
        credstack_module_log(mod, CREDSTACK_LOG_INFO,
                             "checking out %s on %s for %s (%s)", account,
                             system, user, reason);
        rc = tpam_module_retrieve(mod, req, cmd, &password, err, sizeof(err));
    }
    if (rc != CREDSTACK_OK) {
        ret = tpam_module_fail(mod, rc, err);
        goto done;
    }
    if (credstack_request_set(req, CREDSTACK_ITEM_PASSWORD, password) != 0) {
        credstack_module_error(mod, "out of memory");
        goto done;
    }
    ret = CREDSTACK_RESULT_SUCCESS;
done:
    tpam_free_secret(password);
    tpam_cmd_free(cmd);
    return ret;
}

static const struct credstack_module_ops ops = {
    .size = sizeof(struct credstack_module_ops),
    .abi_version = CREDSTACK_MODULE_ABI_VERSION,
    .name = "checkout-tpam",
    .description = "check the password out of TPAM with Retrieve",
    .run = run,
};

CREDSTACK_MODULE_DEFINE(ops)
