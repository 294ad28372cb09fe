/* SPDX-License-Identifier: MIT */
/* hello.c: an out-of-tree credstack module that refuses a configured list of
 * target users. */

/*
 * Stack line:   authorize  requisite  hello  [refuse=root,admin]
 * Config:       [hello]
 *               refuse_users = root, admin
 *
 * The list comes from the refuse= argument, else from [hello] refuse_users;
 * names are separated by commas and/or spaces and compared exactly.  A
 * refused target user gives DENIED (with a note saying why); any other user
 * SUCCESS.  hello sets no item: put an authorization module (auth-gateway,
 * auth-policy, ...) after it to say why a request is allowed.
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

static int hello_init(credstack_module *mod, void **data_out)
{
    const char *list = credstack_module_arg(mod, "refuse");
    struct hello_conf *c = NULL;
    int ret;

    if (list == NULL) {
        ret =
            credstack_module_config_string(mod, "hello", "refuse_users", &list);
        if (ret == CREDSTACK_ERR_NOTFOUND)
            list = "";
        else if (ret != CREDSTACK_OK)
            return ret; /* the core has recorded why */
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL || hello_parse(list, c) != CREDSTACK_OK) {
        hello_conf_free(c);
        credstack_module_error(mod, "out of memory");
        return CREDSTACK_ERR_NOMEM;
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

    if (user == NULL) {
        credstack_module_error(mod, "the request has no target user");
        return CREDSTACK_RESULT_ERROR;
    }
    for (size_t i = 0; i < c->count; i++) {
        if (strcmp(c->names[i], user) == 0) {
            credstack_module_note(mod, "target user %s is refused by hello",
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
    .init = hello_init,
    .run = hello_run,
    .fini = hello_fini,
};

CREDSTACK_MODULE_DEFINE(hello_ops)
