/* SPDX-License-Identifier: MIT */
/* stack_default.c: builds the stack from the seed's [tpam] options when no
 * stack file is given. */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "internal.h"

static int get_opt(credstack_handle *h, const char *section, const char *option,
                   const char **v)
{
    int ret = cs_config_lookup(h, NULL, section, option, v);

    if (ret == CREDSTACK_ERR_NOTFOUND)
        *v = NULL;
    return ret == CREDSTACK_ERR_NOTFOUND ? CREDSTACK_OK : ret;
}

static int get_bool(credstack_handle *h, const char *option, int *out)
{
    const char *v = NULL;
    int ret = get_opt(h, "tpam", option, &v);

    *out = 0;
    if (ret != CREDSTACK_OK || v == NULL)
        return ret;
    return cs_config_parse_bool(h->cfg, "tpam", option, v, out, h->err,
                                sizeof(h->err));
}

static int get_enum(credstack_handle *h, const char *option,
                    const char *const *choices, int *out)
{
    const char *v = NULL;
    int ret = get_opt(h, "tpam", option, &v);

    *out = 0;
    if (ret != CREDSTACK_OK || v == NULL)
        return ret;
    return cs_config_parse_enum(h->cfg, "tpam", option, v, choices, out, h->err,
                                sizeof(h->err));
}

typedef struct plan {
    struct {
        const char *stage, *control, *module;
    } line[8];
    size_t n;
} plan_t;

static void plan_add(plan_t *p, const char *stage, const char *control,
                     const char *module)
{
    p->line[p->n].stage = stage;
    p->line[p->n].control = control;
    p->line[p->n].module = module;
    p->n++;
}

static void count_ref(const char *section, const char *option, void *user)
{
    (void)section;
    (void)option;
    (*(size_t *)user)++;
}

/*
 * The secret source runs when a store is named, and also when an option is
 * "$" without one, so that the missing [credential_store] name is reported
 * rather than "$" being used as a key.  A key given inline works, with a
 * warning: the store is the safer place.
 */
static int want_secret_source(credstack_handle *h, const char *store)
{
    const char *key = NULL;
    size_t refs = 0;

    if (store != NULL && *store != '\0')
        return 1;
    cs_config_store_refs(h, count_ref, &refs);
    if (refs > 0)
        return 1;
    if (get_opt(h, "tpam", "server_user_key", &key) == CREDSTACK_OK &&
        key != NULL && *key != '\0')
        cs_log(h, CREDSTACK_LOG_WARNING, NULL,
               "%s:%u: tpam.server_user_key is given in the configuration; "
               "the credential store is the safer place for it (credstack "
               "store set tpam server_user_key --type private-key, then "
               "server_user_key = $ and [credential_store] name)",
               cs_config_path(h->cfg),
               cs_config_line(h->cfg, "tpam", "server_user_key"));
    return 0;
}

/* The order is the seed's: secret, reuse, resolve, prefix, map, authorize,
 * checkout. */
int cs_stack_derive(credstack_handle *h, cs_stack *stack)
{
    static const char *const resolvers[] = {"tpam", "dns", NULL};
    static const char *const auths[] = {"gateway", "approval", "policy", NULL};
    static const char *const auth_modules[] = {"auth-gateway", "auth-approval",
                                               "auth-policy"};
    const char *file = cs_config_path(h->cfg);
    const char *store = NULL, *prefix = NULL;
    int reuse = 0, maptoreal = 0, resolver = 0, auth = 0;
    plan_t plan = {0};
    int ret;

    if (!cs_config_has_section(h->cfg, "tpam")) {
        cs_set_error(h,
                     "%s: no [tpam] section and no stack file: nothing "
                     "to run",
                     file);
        return CREDSTACK_ERR_CONFIG;
    }
    if ((ret = get_opt(h, "credential_store", "name", &store)) ||
        ((store == NULL || *store == '\0') &&
         (ret = get_opt(h, "plugin", "cred_store", &store))) ||
        (ret = get_opt(h, "tpam", "system_prefix", &prefix)) ||
        (ret = get_bool(h, "reuse_gateway_password", &reuse)) ||
        (ret = get_bool(h, "system_maptoreal", &maptoreal)) ||
        (ret = get_enum(h, "system_name_resolver", resolvers, &resolver)) ||
        (ret = get_enum(h, "authorization", auths, &auth)))
        return ret;

    /* Line numbers count the derived lines, so traces can name them. */
    if (want_secret_source(h, store))
        plan_add(&plan, "secret", "required", "secret-source-localstore");
    if (reuse)
        plan_add(&plan, "checkout", "sufficient", "reuse-gateway");
    plan_add(&plan, "resolve", "requisite",
             resolver == 1 ? "resolver-dns" : "resolver-tpam");
    if (prefix != NULL && *prefix != '\0')
        plan_add(&plan, "map", "required", "prefix");
    if (maptoreal)
        plan_add(&plan, "map", "required", "maptoreal");
    plan_add(&plan, "authorize", "required", auth_modules[auth]);
    plan_add(&plan, "checkout", "required", "checkout-tpam");
    for (size_t i = 0; i < plan.n; i++) {
        ret = cs_stack_append(stack, plan.line[i].stage, plan.line[i].control,
                              plan.line[i].module, NULL, file,
                              (unsigned)(i + 1), h->err, sizeof(h->err));
        if (ret != CREDSTACK_OK)
            return ret;
    }
    stack->derived = 1;
    return CREDSTACK_OK;
}
