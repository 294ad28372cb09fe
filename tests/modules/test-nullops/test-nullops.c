/* SPDX-License-Identifier: MIT */
/* test-nullops.c: a module whose entry point returns NULL (loader tests only,
 * never installed). */
#include <credstack/module.h>

const struct credstack_module_ops *credstack_module_entry(void);
const struct credstack_module_ops *credstack_module_entry(void)
{
    return NULL;
}
