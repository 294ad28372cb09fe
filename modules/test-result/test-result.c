/* SPDX-License-Identifier: MIT */
/* test-result.c: a test-only module that returns the result its arguments say
 * (never installed). */
#include <stdlib.h>
#include <string.h>

#include <credstack/module.h>

/*
 * Arguments: result=success|denied|ignore|error|<number> (a number tests the
 * dispatcher's range check), and items to set on success: password=,
 * system=, account=, reason=.  init=fail makes initialisation fail; count=1
 * counts runs in the request data "test-result.count".
 * TEST ONLY: echo-option=SECTION.OPTION copies that option's value (as the
 * module sees it, after a secret source's overrides) into PASSWORD, so tests
 * can show an override took effect; "<absent>" when the option is not set.
 */
static int init(credstack_module *mod, void **data_out)
{
    const char *f = credstack_module_arg(mod, "init");

    (void)data_out;
    if (f != NULL && strcmp(f, "fail") == 0) {
        credstack_module_error(mod, "initialisation failed as asked");
        return CREDSTACK_ERR_MODULE;
    }
    return CREDSTACK_OK;
}

static credstack_result parse_result(const char *r)
{
    static const char *const names[] = {"success", "denied", "ignore", "error"};
    char *end = NULL;
    long n;

    if (r == NULL)
        return CREDSTACK_RESULT_SUCCESS;
    for (int i = 0; i < 4; i++)
        if (strcmp(r, names[i]) == 0)
            return (credstack_result)i;
    n = strtol(r, &end, 10);
    return (credstack_result)(end != r ? n : CREDSTACK_RESULT_ERROR);
}

static void count_run(credstack_request *req)
{
    long *n = credstack_request_get_data(req, "test-result.count");

    if (n == NULL) {
        n = calloc(1, sizeof(*n));
        if (n == NULL ||
            credstack_request_set_data(req, "test-result.count", n, free)) {
            free(n);
            return;
        }
    }
    (*n)++;
}

/* TEST ONLY (see above): never do this with a real secret. */
static int echo_option(credstack_module *mod, credstack_request *req)
{
    const char *arg = credstack_module_arg(mod, "echo-option");
    const char *dot = strchr(arg, '.');
    const char *value = NULL;
    char *section = NULL;
    int rc;

    if (dot == NULL)
        return CREDSTACK_ERR_INVALID;
    section = strndup(arg, (size_t)(dot - arg));
    if (section == NULL)
        return CREDSTACK_ERR_NOMEM;
    rc = credstack_module_config_string(mod, section, dot + 1, &value);
    free(section);
    if (rc == CREDSTACK_ERR_NOTFOUND) {
        value = "<absent>";
        rc = CREDSTACK_OK;
    }
    if (rc == CREDSTACK_OK)
        rc = credstack_request_set(req, CREDSTACK_ITEM_PASSWORD, value);
    return rc;
}

static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    static const struct {
        const char *arg;
        credstack_item item;
    } sets[] = {
        {"system", CREDSTACK_ITEM_SYSTEM},
        {"account", CREDSTACK_ITEM_ACCOUNT},
        {"reason", CREDSTACK_ITEM_REASON},
        {"password", CREDSTACK_ITEM_PASSWORD},
    };
    credstack_result r = parse_result(credstack_module_arg(mod, "result"));

    (void)data;
    count_run(req);
    if (r == CREDSTACK_RESULT_ERROR) {
        credstack_module_error(mod, "error as asked");
        return r;
    }
    /* Items are set whatever the result, so the dispatcher's wiping of a
     * non-success credential is tested too. */
    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
        const char *v = credstack_module_arg(mod, sets[i].arg);
        if (v != NULL)
            credstack_request_set(req, sets[i].item, v);
    }
    if (credstack_module_arg(mod, "echo-option") != NULL &&
        echo_option(mod, req) != CREDSTACK_OK)
        return CREDSTACK_RESULT_ERROR;
    if (r != CREDSTACK_RESULT_SUCCESS)
        credstack_module_note(mod, "result %d as asked", (int)r);
    return r;
}

static const struct credstack_module_ops ops = {
    .size = sizeof(struct credstack_module_ops),
    .abi_version = CREDSTACK_MODULE_ABI_VERSION,
    .name = "test-result",
    .description = "returns the result its arguments say (tests only)",
    .init = init,
    .run = run,
};

CREDSTACK_MODULE_DEFINE(ops)
