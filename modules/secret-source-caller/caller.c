/* SPDX-License-Identifier: MIT */
/* caller.c: secret-source-caller: options written "$" take the values the
 * caller resolved itself (the SPS plugin asks SPS's credential store through
 * its SDK and hands them to credstack hook on standard input). */
#include <stdio.h>
#include <string.h>

#include <credstack/module.h>

/*
 * Only options the configuration writes as "$" are taken: a caller cannot
 * change any other option this way.  A "$" the caller did not resolve is
 * left to the next secret source (or reported by the core as missing).
 */

typedef struct walk {
    credstack_module *mod;
    int rc;
    unsigned supplied;
} walk_t;

static void take(const char *section, const char *option, void *user)
{
    walk_t *w = user;
    const char *v = credstack_module_caller_value(w->mod, section, option);
    int rc;

    if (v == NULL || w->rc != CREDSTACK_OK)
        return;
    rc = credstack_module_supply(w->mod, section, option, v);
    if (rc != CREDSTACK_OK) {
        credstack_module_error(w->mod, "cannot keep %s.%s: %s", section, option,
                               credstack_strerror(rc));
        w->rc = rc;
        return;
    }
    w->supplied++;
    credstack_module_log(w->mod, CREDSTACK_LOG_DEBUG,
                         "%s.%s from the caller's credential store", section,
                         option);
}

static int init(credstack_module *mod, void **data_out)
{
    walk_t w = {mod, CREDSTACK_OK, 0};

    (void)data_out;
    credstack_module_config_store_refs(mod, take, &w);
    if (w.supplied > 0)
        credstack_module_log(mod, CREDSTACK_LOG_INFO,
                             "%u option(s) from the caller's credential store",
                             w.supplied);
    return w.rc;
}

static const struct credstack_module_ops ops = {
    .size = sizeof(struct credstack_module_ops),
    .abi_version = CREDSTACK_MODULE_ABI_VERSION,
    .name = "secret-source-caller",
    .description = "options written \"$\" take the values the caller "
                   "resolved (SPS's credential store)",
    .flags = CREDSTACK_MODULE_SECRET_SOURCE,
    .init = init,
    /* No run(): the work is done when the handle opens (see module.h). */
};

CREDSTACK_MODULE_DEFINE(ops)
