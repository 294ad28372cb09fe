/* SPDX-License-Identifier: MIT */
/* test-small.c: a module whose ops structure is shorter than the core needs
 * (loader tests only, never installed). */
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
    .size = sizeof(size_t),
    .abi_version = CREDSTACK_MODULE_ABI_VERSION,
    .name = "test-small",
    .run = run,
};

CREDSTACK_MODULE_DEFINE(ops)
