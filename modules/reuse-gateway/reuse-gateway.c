/* SPDX-License-Identifier: MIT */
/* reuse-gateway.c: when the gateway user is the target user, the gateway
 * password is the answer (reuse_gateway_password). */
#include <string.h>

#include <credstack/module.h>

static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    const char *gw = credstack_request_get(req, CREDSTACK_ITEM_GATEWAY_USER);
    const char *target = credstack_request_get(req, CREDSTACK_ITEM_TARGET_USER);
    const char *pw =
        credstack_request_get(req, CREDSTACK_ITEM_GATEWAY_PASSWORD);

    (void)data;
    /* Exact comparison, as the vendor's plugin: "Root" is not "root". */
    if (gw == NULL || target == NULL || strcmp(gw, target) != 0) {
        credstack_request_explain(req, CREDSTACK_ERR_DENIED,
                                  "gateway user is not the target user");
        return CREDSTACK_RESULT_IGNORE;
    }
    if (pw == NULL || *pw == '\0') {
        credstack_request_explain(req, CREDSTACK_ERR_DENIED,
                                  "same user, but no gateway password was "
                                  "given");
        return CREDSTACK_RESULT_IGNORE;
    }
    if (credstack_request_set(req, CREDSTACK_ITEM_PASSWORD, pw) != 0) {
        credstack_request_explain(req, CREDSTACK_ERR_NOMEM, "out of memory");
        return CREDSTACK_RESULT_ERROR;
    }
    credstack_module_log(mod, CREDSTACK_LOG_INFO,
                         "gateway user %s is the target user: reusing the "
                         "gateway password; the backend is not asked",
                         gw);
    return CREDSTACK_RESULT_SUCCESS;
}

static const struct credstack_module_ops ops = {
    .size = sizeof(struct credstack_module_ops),
    .abi_version = CREDSTACK_MODULE_ABI_VERSION,
    .name = "reuse-gateway",
    .description = "reuse the gateway password for the same user",
    .flags = CREDSTACK_MODULE_LOOKAHEAD,
    .run = run,
};

CREDSTACK_MODULE_DEFINE(ops)
