/* SPDX-License-Identifier: MIT */
/* test-result.c: a test-only module that returns the result its arguments say
 * (never installed). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <credstack/module.h>

/*
 * Arguments: result=success|denied|ignore|error|<number> (a number tests the
 * dispatcher's range check), and items to set on success: password=,
 * system=, account=, auth_kind=, auth_detail=.  init=fail makes
 * initialisation fail; sleep_ms=N makes every run sleep first; budget_ms=N
 * declares what a run may take (default sleep_ms + 5 s).  Every run is
 * counted in the request data
 * "test-result.count".
 * TEST ONLY: echo=yes copies [test] echo (as the module sees it after the
 * secret sources supplied theirs) into PASSWORD when the handle opens, so
 * tests can show an override took effect; "<absent>" when it is not set.
 */

static const struct credstack_option options[] = {
    {NULL, "result", CREDSTACK_OPTION_STRING, 0, "success", 0, 0, NULL, NULL,
     "the result to return"},
    {NULL, "password", CREDSTACK_OPTION_STRING, 0, NULL, 0, 0, NULL, NULL,
     "PASSWORD to set"},
    {NULL, "system", CREDSTACK_OPTION_STRING, 0, NULL, 0, 0, NULL, NULL,
     "SYSTEM to set"},
    {NULL, "account", CREDSTACK_OPTION_STRING, 0, NULL, 0, 0, NULL, NULL,
     "ACCOUNT to set"},
    {NULL, "auth_kind", CREDSTACK_OPTION_STRING, 0, NULL, 0, 0, NULL, NULL,
     "AUTH_KIND to set"},
    {NULL, "auth_detail", CREDSTACK_OPTION_STRING, 0, NULL, 0, 0, NULL, NULL,
     "AUTH_DETAIL to set"},
    {NULL, "init", CREDSTACK_OPTION_STRING, 0, NULL, 0, 0, NULL, NULL,
     "init=fail makes init() fail"},
    {NULL, "sleep_ms", CREDSTACK_OPTION_INT, 0, "0", 0, 60000, NULL, NULL,
     "milliseconds each run sleeps first (a slow backend)"},
    {NULL, "echo", CREDSTACK_OPTION_BOOL, 0, "no", 0, 0, NULL, NULL,
     "copy [test] echo into PASSWORD"},
    {NULL, "budget_ms", CREDSTACK_OPTION_INT, 0, "0", 0, 600000, NULL, NULL,
     "the run's declared budget (0: sleep_ms + 5000)"},
    {"test", "echo", CREDSTACK_OPTION_STRING, 0, NULL, 0, 0, NULL, NULL,
     "the value echo=yes copies"},
    {"test", "secret", CREDSTACK_OPTION_STRING, CREDSTACK_OPTION_SECRET, NULL,
     0, 0, NULL, NULL, "a secret option (never read; declared for tests)"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL},
};

typedef struct conf {
    credstack_result result;
    long sleep_ms;
    char *echo; /* echo=yes: [test] echo at open, "<absent>" when unset */
} conf_t;

static credstack_result parse_result(const char *r)
{
    static const char *const names[] = {"success", "denied", "ignore", "error"};
    char *end = NULL;
    long n;

    for (int i = 0; i < 4; i++)
        if (strcmp(r, names[i]) == 0)
            return (credstack_result)i;
    n = strtol(r, &end, 10);
    return (credstack_result)(end != r ? n : CREDSTACK_RESULT_ERROR);
}

static void fini(void *data)
{
    conf_t *c = data;

    if (c == NULL)
        return;
    if (c->echo != NULL)
        credstack_wipe(c->echo, strlen(c->echo));
    free(c->echo);
    free(c);
}

static int init(credstack_module *mod, void **data_out)
{
    const char *f = NULL, *r = NULL, *v = NULL;
    int echo = 0;
    long budget = 0;
    conf_t *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return CREDSTACK_ERR_NOMEM;
    credstack_module_option_string(mod, NULL, "init", &f);
    credstack_module_option_string(mod, NULL, "result", &r);
    credstack_module_option_bool(mod, NULL, "echo", &echo);
    credstack_module_option_int(mod, NULL, "sleep_ms", &c->sleep_ms);
    credstack_module_option_int(mod, NULL, "budget_ms", &budget);
    credstack_module_set_budget(mod, budget > 0 ? budget : c->sleep_ms + 5000);
    c->result = parse_result(r);
    if (echo) {
        if (credstack_module_option_string(mod, "test", "echo", &v) !=
            CREDSTACK_OK)
            v = "<absent>";
        if ((c->echo = strdup(v)) == NULL) {
            fini(c);
            return CREDSTACK_ERR_NOMEM;
        }
    }
    if (f != NULL && strcmp(f, "fail") == 0) {
        credstack_module_error(mod, "initialisation failed as asked");
        fini(c);
        return CREDSTACK_ERR_MODULE;
    }
    *data_out = c;
    return CREDSTACK_OK;
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
        {"auth_kind", CREDSTACK_ITEM_AUTH_KIND},
        {"auth_detail", CREDSTACK_ITEM_AUTH_DETAIL},
        {"password", CREDSTACK_ITEM_PASSWORD},
    };
    const conf_t *c = data;
    credstack_result r = c->result;

    (void)mod;
    if (c->sleep_ms > 0) {
        struct timespec ts = {c->sleep_ms / 1000,
                              (c->sleep_ms % 1000) * 1000000};
        while (nanosleep(&ts, &ts) != 0)
            ;
    }
    count_run(req);
    if (r == CREDSTACK_RESULT_ERROR) {
        credstack_request_explain(req, CREDSTACK_ERR_MODULE, "error as asked");
        return r;
    }
    /* Items are set whatever the result, so the dispatcher's wiping of a
     * non-success credential is tested too.  Arguments are read from the
     * line here only because this is a test module: a real one keeps what
     * it needs in its data. */
    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
        const char *v = NULL;
        if (credstack_module_option_string(mod, NULL, sets[i].arg, &v) ==
            CREDSTACK_OK)
            credstack_request_set(req, sets[i].item, v);
    }
    if (c->echo != NULL)
        credstack_request_set(req, CREDSTACK_ITEM_PASSWORD, c->echo);
    if (r != CREDSTACK_RESULT_SUCCESS)
        credstack_request_explain(req, CREDSTACK_ERR_DENIED,
                                  "result %d as asked", (int)r);
    return r;
}

static const struct credstack_module_ops ops = {
    .size = sizeof(struct credstack_module_ops),
    .abi_version = CREDSTACK_MODULE_ABI_VERSION,
    .name = "test-result",
    .description = "returns the result its arguments say (tests only)",
    .options = options,
    .option_size = sizeof(struct credstack_option),
    .init = init,
    .run = run,
    .free = fini,
};

CREDSTACK_MODULE_DEFINE(ops)
