/* SPDX-License-Identifier: MIT */
/* test-norun.c: a module without a run function (loader tests only, never
 * installed). */
#include <credstack/module.h>

static const struct credstack_module_ops ops = {
    .size = sizeof(struct credstack_module_ops),
    .abi_version = CREDSTACK_MODULE_ABI_VERSION,
    .name = "test-norun",
    .run = NULL,
};

CREDSTACK_MODULE_DEFINE(ops)
