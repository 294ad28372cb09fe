/* SPDX-License-Identifier: MIT */
/* test-withlib.c: a module that needs a private library of its own
 * (libcstest-private.so, as the TPAM modules need libcredstack-tpam.so):
 * its password is the library's answer (loader tests only). */
#include <credstack/module.h>

const char *cstest_private_answer(void);

static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    (void)mod;
    (void)data;
    if (credstack_request_set(req, CREDSTACK_ITEM_PASSWORD,
                              cstest_private_answer()) != CREDSTACK_OK)
        return CREDSTACK_RESULT_ERROR;
    return CREDSTACK_RESULT_SUCCESS;
}

static const struct credstack_module_ops ops = {
    .size = sizeof(struct credstack_module_ops),
    .abi_version = CREDSTACK_MODULE_ABI_VERSION,
    .name = "test-withlib",
    .description = "a module with a private library (tests only)",
    .run = run,
};

CREDSTACK_MODULE_DEFINE(ops)
