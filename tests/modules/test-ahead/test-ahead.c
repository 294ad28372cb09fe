/* SPDX-License-Identifier: MIT */
/* test-ahead.c: a test-only module that knows the look-ahead pass (module.h,
 * credstack_request_lookahead()), for the dispatcher's tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <credstack/module.h>

/*
 * Arguments: key= (a LOOKUP cache key) and value= (what TPAM would say);
 * put=no keeps the real pass from caching.
 * The real pass sets SYSTEM to value, caches key -> value and logs it; the
 * look-ahead takes SYSTEM from the cache (ERROR when absent, which ends the
 * pass) and tries to cache key -> "ahead" (which must not stick).  Every
 * run appends to the request data "test-ahead.seen" (a string): "A:<key>=
 * <cached>;" in a look-ahead, "R:<key>:<SYSTEM as found>;" in a real pass.
 */
static const struct credstack_option options[] = {
    {NULL, "key", CREDSTACK_OPTION_STRING, CREDSTACK_OPTION_REQUIRED, NULL, 0,
     0, NULL, NULL, "the cache key"},
    {NULL, "value", CREDSTACK_OPTION_STRING, CREDSTACK_OPTION_REQUIRED, NULL, 0,
     0, NULL, NULL, "the answer of the real pass"},
    {NULL, "put", CREDSTACK_OPTION_BOOL, 0, "yes", 0, 0, NULL, NULL,
     "whether the real pass caches its answer"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL},
};

typedef struct conf {
    const char *key, *value; /* the core's, valid until close */
    int put;
} conf_t;

static int init(credstack_module *mod, void **data_out)
{
    conf_t *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return CREDSTACK_ERR_NOMEM;
    credstack_module_option_string(mod, NULL, "key", &c->key);
    credstack_module_option_string(mod, NULL, "value", &c->value);
    credstack_module_option_bool(mod, NULL, "put", &c->put);
    *data_out = c;
    return CREDSTACK_OK;
}

static void seen(credstack_request *req, const char *a, const char *b,
                 const char *c)
{
    char *old = credstack_request_get_data(req, "test-ahead.seen");
    char *s = NULL;

    if (asprintf(&s, "%s%s%s%s", old ? old : "", a, b, c) < 0)
        return;
    credstack_request_set_data(req, "test-ahead.seen", s, free);
}

static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    const conf_t *c = data;
    const char *sys = credstack_request_get(req, CREDSTACK_ITEM_SYSTEM);
    char *cached = NULL, head[256];
    credstack_result ret = CREDSTACK_RESULT_SUCCESS;

    credstack_module_log(
        mod, CREDSTACK_LOG_INFO, "%s pass for %s",
        credstack_request_lookahead(req) ? "look-ahead" : "real", c->key);
    if (credstack_request_lookahead(req)) {
        if (credstack_cache_get(mod, CREDSTACK_CACHE_LOOKUP, c->key, &cached) !=
            CREDSTACK_OK) {
            snprintf(head, sizeof(head), "A:%s=", c->key);
            seen(req, head, "(none)", ";");
            return CREDSTACK_RESULT_ERROR;
        }
        snprintf(head, sizeof(head), "A:%s=", c->key);
        seen(req, head, cached, ";");
        credstack_cache_put(mod, CREDSTACK_CACHE_LOOKUP, c->key, "ahead");
        if (credstack_request_set(req, CREDSTACK_ITEM_SYSTEM, cached) !=
            CREDSTACK_OK)
            ret = CREDSTACK_RESULT_ERROR;
        free(cached);
        return ret;
    }
    snprintf(head, sizeof(head), "R:%s:", c->key);
    seen(req, head, sys ? sys : "-", ";");
    if (c->put)
        credstack_cache_put(mod, CREDSTACK_CACHE_LOOKUP, c->key, c->value);
    if (credstack_request_set(req, CREDSTACK_ITEM_SYSTEM, c->value) !=
        CREDSTACK_OK)
        return CREDSTACK_RESULT_ERROR;
    return CREDSTACK_RESULT_SUCCESS;
}

static void fini(void *data)
{
    free(data);
}

static const struct credstack_module_ops ops = {
    .size = sizeof(struct credstack_module_ops),
    .abi_version = CREDSTACK_MODULE_ABI_VERSION,
    .name = "test-ahead",
    .description = "test only: a module that knows the look-ahead pass",
    .flags = CREDSTACK_MODULE_LOOKAHEAD,
    .options = options,
    .option_size = sizeof(struct credstack_option),
    .init = init,
    .run = run,
    .free = fini,
};

CREDSTACK_MODULE_DEFINE(ops)
