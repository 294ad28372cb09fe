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
static const struct credstack_option options[] = {
    {NULL, "items", CREDSTACK_OPTION_STRING, CREDSTACK_OPTION_REQUIRED, NULL, 0,
     0, NULL, NULL, "the items to echo, comma-separated"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL},
};

static int init(credstack_module *mod, void **data_out)
{
    const char *items = NULL;

    if (credstack_module_option_string(mod, NULL, "items", &items) !=
        CREDSTACK_OK)
        return CREDSTACK_ERR_CONFIG;
    *data_out = (void *)items; /* the core's, valid until close */
    return CREDSTACK_OK;
}

static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    const char *items = data;
    char out[4096] = "";
    size_t used = 0;
    int first = 1;

    (void)mod;
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
            credstack_request_explain(req, CREDSTACK_ERR_MODULE,
                                      "unknown item in items=");
            return CREDSTACK_RESULT_ERROR;
        }
        if (v == NULL)
            v = "-";
        if (used + strlen(v) + 2 > sizeof(out)) {
            credstack_request_explain(req, CREDSTACK_ERR_MODULE,
                                      "items too long");
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
        credstack_request_explain(req, CREDSTACK_ERR_MODULE, "out of memory");
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
    .options = options,
    .option_size = sizeof(struct credstack_option),
    .init = init,
    .run = run,
};

CREDSTACK_MODULE_DEFINE(ops)
