/* SPDX-License-Identifier: MIT */
/* auth-gateway.c: authorizes every request that passed gateway authentication
 * (reason "gateway"). */
#include <credstack/module.h>

static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    (void)mod;
    (void)data;
    if (credstack_request_get(req, CREDSTACK_ITEM_GATEWAY_USER) == NULL) {
        credstack_request_explain(req, CREDSTACK_ERR_DENIED,
                                  "no gateway user in the request");
        return CREDSTACK_RESULT_DENIED;
    }
    if (credstack_request_set(req, CREDSTACK_ITEM_AUTH_KIND, "gateway") !=
            CREDSTACK_OK ||
        credstack_request_set(req, CREDSTACK_ITEM_AUTH_DETAIL, NULL) !=
            CREDSTACK_OK) {
        credstack_request_explain(req, CREDSTACK_ERR_NOMEM, "out of memory");
        return CREDSTACK_RESULT_ERROR;
    }
    return CREDSTACK_RESULT_SUCCESS;
}

static const struct credstack_module_ops ops = {
    .size = sizeof(struct credstack_module_ops),
    .abi_version = CREDSTACK_MODULE_ABI_VERSION,
    .name = "auth-gateway",
    .description = "authorize on gateway authentication alone",
    .flags = CREDSTACK_MODULE_LOOKAHEAD,
    .run = run,
};

CREDSTACK_MODULE_DEFINE(ops)
