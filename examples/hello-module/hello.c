/* SPDX-License-Identifier: MIT */
/* hello.c: an out-of-tree credstack module that refuses a configured list of
 * target users. */

/*
 * Stack line:   authorize  requisite  hello  [refuse=root,admin]
 * Config:       [hello]
 *               refuse_users = root, admin
 *               max_users = 100
 *
 * The list comes from the refuse= argument, else from [hello] refuse_users;
 * names are separated by commas and/or spaces and compared exactly; more
 * than max_users names (1..1000, default 100) is a configuration error.  A
 * refused target user gives DENIED (with a reason); any other user SUCCESS.
 * hello sets no item: put an authorization module (auth-gateway,
 * auth-policy, ...) after it to say why a request is allowed.
 *
 * The options are declared below: credstack checks them when the handle
 * opens (credstack check reports a bad max_users with its file and line),
 * before init() turns them into the module's data.
 *
 * Built against the installed headers only; see Makefile.
 */
#include <stdlib.h>
#include <string.h>

#include <credstack/module.h>

/* The list, parsed once per stack line by init(). */
struct hello_conf {
    char **names;
    size_t count;
};

static void hello_conf_free(struct hello_conf *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->count; i++)
        free(c->names[i]);
    free(c->names);
    free(c);
}

/* Split "root, admin" into names; CREDSTACK_OK or CREDSTACK_ERR_NOMEM. */
static int hello_parse(const char *list, struct hello_conf *c)
{
    const char *p = list;

    while (*p != '\0') {
        size_t n;
        char **grown = NULL;

        p += strspn(p, ", \t");
        n = strcspn(p, ", \t");
        if (n == 0)
            break;
        grown = realloc(c->names, (c->count + 1) * sizeof(*grown));
        if (grown == NULL)
            return CREDSTACK_ERR_NOMEM;
        c->names = grown;
        c->names[c->count] = strndup(p, n);
        if (c->names[c->count] == NULL)
            return CREDSTACK_ERR_NOMEM;
        c->count++;
        p += n;
    }
    return CREDSTACK_OK;
}

static const struct credstack_option hello_options[] = {
    /* section NULL: an argument of the stack line */
    {NULL, "refuse", CREDSTACK_OPTION_STRING, 0, NULL, 0, 0, NULL, NULL,
     "target users to refuse, comma-separated"},
    {"hello", "refuse_users", CREDSTACK_OPTION_STRING, 0, "", 0, 0, NULL, NULL,
     "target users to refuse when the line gives no refuse="},
    {"hello", "max_users", CREDSTACK_OPTION_INT, 0, "100", 1, 1000, NULL, NULL,
     "the most names the list may hold"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL},
};

static int hello_init(credstack_module *mod, void **data_out)
{
    const char *list = NULL;
    struct hello_conf *c = NULL;
    long max = 0;

    /* Checked by the core already: these cannot fail on a bad value. */
    if (credstack_module_option_string(mod, NULL, "refuse", &list) !=
        CREDSTACK_OK)
        credstack_module_option_string(mod, "hello", "refuse_users", &list);
    credstack_module_option_int(mod, "hello", "max_users", &max);
    c = calloc(1, sizeof(*c));
    if (c == NULL || hello_parse(list, c) != CREDSTACK_OK) {
        hello_conf_free(c);
        credstack_module_error(mod, "out of memory");
        return CREDSTACK_ERR_NOMEM;
    }
    if (c->count > (size_t)max) {
        credstack_module_option_error(mod, "hello", "max_users",
                                      "%ld, but %zu users are listed", max,
                                      c->count);
        hello_conf_free(c);
        return CREDSTACK_ERR_CONFIG;
    }
    credstack_module_log(mod, CREDSTACK_LOG_DEBUG, "%zu refused user(s)",
                         c->count);
    *data_out = c;
    return CREDSTACK_OK;
}

static credstack_result hello_run(credstack_module *mod, credstack_request *req,
                                  void *data)
{
    const struct hello_conf *c = data;
    const char *user = credstack_request_get(req, CREDSTACK_ITEM_TARGET_USER);

    (void)mod;
    if (user == NULL) {
        credstack_request_explain(req, CREDSTACK_ERR_INVALID,
                                  "the request has no target user");
        return CREDSTACK_RESULT_ERROR;
    }
    for (size_t i = 0; i < c->count; i++) {
        if (strcmp(c->names[i], user) == 0) {
            credstack_request_explain(req, CREDSTACK_ERR_DENIED,
                                      "target user %s is refused by hello",
                                      user);
            return CREDSTACK_RESULT_DENIED;
        }
    }
    return CREDSTACK_RESULT_SUCCESS;
}

static void hello_fini(void *data)
{
    hello_conf_free(data);
}

static const struct credstack_module_ops hello_ops = {
    .size = sizeof(struct credstack_module_ops),
    .abi_version = CREDSTACK_MODULE_ABI_VERSION,
    .name = "hello", /* must match the file name, hello.so */
    .description = "refuse a configured list of target users",
    .options = hello_options,
    .option_size = sizeof(struct credstack_option),
    .init = hello_init,
    .run = hello_run,
    .free = hello_fini,
};

CREDSTACK_MODULE_DEFINE(hello_ops)
