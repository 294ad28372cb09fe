/* SPDX-License-Identifier: MIT */
/* test-echo.c: a test-only module whose "password" is request items joined by
 * '|' (CLI tests only). */
#include <stdlib.h>
#include <string.h>

#include <credstack/module.h>

/*
 * items=a,b,c names request items (target_user, gateway_password, ...); the
 * module sets PASSWORD to their values joined by '|' ('-' for an unset one),
 * so a test can see what the command put into the request.  A secret is
 * echoed on purpose here: the tests then check that only stdout carries it.
 */
static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    const char *items = credstack_module_arg(mod, "items");
    char out[4096] = "";
    size_t used = 0;
    int first = 1;

    (void)data;
    if (items == NULL) {
        credstack_module_error(mod, "items= is required");
        return CREDSTACK_RESULT_ERROR;
    }
    while (*items) {
        size_t n = strcspn(items, ",");
        const char *v = NULL;
        int found = 0;

        for (int i = 0; i < CREDSTACK_ITEM_COUNT; i++) {
            const char *name = credstack_item_name((credstack_item)i);
            if (strlen(name) == n && strncmp(name, items, n) == 0) {
                v = credstack_request_get(req, (credstack_item)i);
                found = 1;
            }
        }
        if (!found) {
            credstack_module_error(mod, "unknown item in items=");
            return CREDSTACK_RESULT_ERROR;
        }
        if (v == NULL)
            v = "-";
        if (used + strlen(v) + 2 > sizeof(out)) {
            credstack_module_error(mod, "items too long");
            return CREDSTACK_RESULT_ERROR;
        }
        if (!first)
            out[used++] = '|';
        first = 0;
        memcpy(out + used, v, strlen(v) + 1);
        used += strlen(v);
        items += n;
        if (*items == ',')
            items++;
    }
    if (credstack_request_set(req, CREDSTACK_ITEM_PASSWORD, out) !=
        CREDSTACK_OK) {
        credstack_module_error(mod, "out of memory");
        return CREDSTACK_RESULT_ERROR;
    }
    credstack_wipe(out, sizeof(out));
    return CREDSTACK_RESULT_SUCCESS;
}

static const struct credstack_module_ops ops = {
    .size = sizeof(struct credstack_module_ops),
    .abi_version = CREDSTACK_MODULE_ABI_VERSION,
    .name = "test-echo",
    .description = "echoes request items as the password (tests only)",
    .run = run,
};

CREDSTACK_MODULE_DEFINE(ops)
