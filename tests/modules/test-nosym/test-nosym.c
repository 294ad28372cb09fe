/* SPDX-License-Identifier: MIT */
/* test-nosym.c: a shared object that lacks the credstack_module_entry symbol
 * (loader tests only, never installed). */
#include <credstack/module.h>

/* A near miss: the entry point under another name. */
const struct credstack_module_ops *credstack_module_entry_v2(void);
const struct credstack_module_ops *credstack_module_entry_v2(void)
{
    return NULL;
}
