/* test-result.c: a test-only module that returns the result its arguments say (never installed). */
#include <stdlib.h>
#include <string.h>

#include <credstack/module.h>

/*
 * Arguments: result=success|denied|ignore|error|<number> (a number tests the
 * dispatcher's range check), and items to set on success: password=,
 * system=, account=, reason=.  init=fail makes initialisation fail; count=1
 * counts runs in the request data "test-result.count".
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
    static const char *const names[] = {"success", "denied", "ignore",
                                        "error"};
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
