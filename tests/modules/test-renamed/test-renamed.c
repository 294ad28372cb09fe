/* SPDX-License-Identifier: MIT */
/* test-renamed.c: a module whose ops name differs from its file name (loader
 * tests only, never installed). */
#include <credstack/module.h>

static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    (void)mod;
    (void)req;
    (void)data;
    return CREDSTACK_RESULT_SUCCESS;
}

/* Claims to be test-result: a renamed copy must not pass for another module. */
static const struct credstack_module_ops ops = {
    .size = sizeof(struct credstack_module_ops),
    .abi_version = CREDSTACK_MODULE_ABI_VERSION,
    .name = "test-result",
    .run = run,
};

CREDSTACK_MODULE_DEFINE(ops)
