/* SPDX-License-Identifier: MIT */
/* checkout-tpam.c: Retrieve the password with reason text "<gateway
 * user>,SPS,<authorization kind>[,<detail>]". */
#include <stdlib.h>
#include <string.h>

#include "../tpam-common/tpam_module.h"

/*
 * The reason text's parts for the request's authorization: kind
 * (gateway, approval, policy) and detail (none, the request id, the safe
 * form of the policy name: the reason text allows fewer characters than a
 * policy name).  -1 for an authorization this module cannot name to TPAM.
 */
static int reason_parts(credstack_module *mod, credstack_request *req,
                        const char **kind, const char **detail,
                        tpam_field_kind *detail_kind, char *safe,
                        size_t safelen)
{
    *kind = credstack_request_get(req, CREDSTACK_ITEM_AUTH_KIND);
    *detail = credstack_request_get(req, CREDSTACK_ITEM_AUTH_DETAIL);
    if (strcmp(*kind, "gateway") == 0) {
        *detail = NULL;
        return 0;
    }
    if (*detail == NULL)
        return -1;
    if (strcmp(*kind, "approval") == 0) {
        *detail_kind = TPAM_FIELD_REQUEST_ID;
        return 0;
    }
    if (strcmp(*kind, "policy") == 0) {
        *detail_kind = TPAM_FIELD_POLICY;
        tpam_policy_reason_form(*detail, safe, safelen);
        if (strcmp(safe, *detail) != 0)
            credstack_module_log(mod, CREDSTACK_LOG_INFO,
                                 "policy '%s': the reason text names it '%s'",
                                 *detail, safe);
        *detail = safe;
        return 0;
    }
    return -1;
}

static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    const tpam_conf *conf = data;
    const char *kind = credstack_request_get(req, CREDSTACK_ITEM_AUTH_KIND);
    const char *user, *account, *system, *detail = NULL;
    tpam_field_kind detail_kind = TPAM_FIELD_POLICY;
    char safe[TPAM_VALUE_MAX + 1], err[512] = "";
    char *password = NULL;
    tpam_cmd *cmd = NULL;
    credstack_result ret = CREDSTACK_RESULT_ERROR;
    int rc;

    /* Fail closed: no authorization decision, no checkout. */
    if (kind == NULL) {
        credstack_request_explain(req, CREDSTACK_ERR_DENIED,
                                  "no module authorized this request");
        return CREDSTACK_RESULT_DENIED;
    }
    if (tpam_module_subject(req, &user, &account, &system) != 0)
        return CREDSTACK_RESULT_ERROR;
    if (reason_parts(mod, req, &kind, &detail, &detail_kind, safe,
                     sizeof(safe)) != 0) {
        credstack_request_explain(req, CREDSTACK_ERR_MODULE,
                                  "authorization '%.40s' cannot be named in "
                                  "a TPAM reason text",
                                  kind);
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
                             "checking out %s on %s for %s (%s%s%s)", account,
                             system, user, kind, detail ? "," : "",
                             detail ? detail : "");
        rc = tpam_module_retrieve(mod, req, conf, cmd, &password, err,
                                  sizeof(err));
    }
    if (rc != CREDSTACK_OK) {
        /* Refused or unknown: what came from the cache is not trusted. */
        if (rc == CREDSTACK_ERR_DENIED || rc == CREDSTACK_ERR_NOTFOUND)
            tpam_module_contradicted(mod, req);
        ret = tpam_module_fail(req, rc, err);
        goto done;
    }
    if (credstack_request_set(req, CREDSTACK_ITEM_PASSWORD, password) != 0) {
        credstack_request_explain(req, CREDSTACK_ERR_MODULE, "out of memory");
        goto done;
    }
    ret = CREDSTACK_RESULT_SUCCESS;
done:
    tpam_free_secret(password);
    tpam_cmd_free(cmd);
    return ret;
}

static tpam_module_def def = {
    .name = "checkout-tpam",
    .description = "check the password out of TPAM with Retrieve",
    .run = run,
};

TPAM_MODULE_DEFINE(def)
