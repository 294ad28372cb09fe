/* SPDX-License-Identifier: MIT */
/* test-badabi.c: a module built for another module ABI (loader tests only,
 * never installed). */
#include <credstack/module.h>

static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    (void)mod;
    (void)req;
    (void)data;
    return CREDSTACK_RESULT_SUCCESS;
}

static const struct credstack_module_ops ops = {
    .size = sizeof(struct credstack_module_ops),
    .abi_version = CREDSTACK_MODULE_ABI_VERSION + 41,
    .name = "test-badabi",
    .run = run,
};

CREDSTACK_MODULE_DEFINE(ops)
