/* SPDX-License-Identifier: MIT */
/* tpam_ops.c: what the five TPAM modules' entry points share: [tpam]'s
 * options before each module's own arguments, and one init(), free(),
 * probe() and status() for all. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tpam_module.h"

/* The loader calls entry points one at a time, but a process may load
 * several handles from several threads (the agent): build under a lock. */
static pthread_mutex_t build_lock = PTHREAD_MUTEX_INITIALIZER;

const struct credstack_module_ops *
tpam_module_ops(tpam_module_def *def,
                int (*init)(credstack_module *mod, void **data_out))
{
    const struct credstack_module_ops *ret = NULL;
    size_t nargs = 0;

    pthread_mutex_lock(&build_lock);
    if (def->built) {
        ret = &def->ops;
        goto done;
    }
    while (def->args != NULL && def->args[nargs].name != NULL)
        nargs++;
    if (nargs > TPAM_MODULE_ARGS_MAX)
        goto done;
    memcpy(def->options, tpam_options,
           TPAM_OPTIONS_COUNT * sizeof(tpam_options[0]));
    if (nargs > 0)
        memcpy(def->options + TPAM_OPTIONS_COUNT, def->args,
               nargs * sizeof(def->args[0]));
    memset(&def->options[TPAM_OPTIONS_COUNT + nargs], 0,
           sizeof(def->options[0]));
    def->ops = (struct credstack_module_ops){
        .size = sizeof(struct credstack_module_ops),
        .abi_version = CREDSTACK_MODULE_ABI_VERSION,
        .name = def->name,
        .description = def->description,
        .flags = def->flags,
        .options = def->options,
        .option_size = sizeof(struct credstack_option),
        .init = init,
        .run = def->run,
        .free = tpam_conf_free,
        .probe = tpam_module_probe,
        .status = tpam_module_status,
    };
    def->built = 1;
    ret = &def->ops;
done:
    pthread_mutex_unlock(&build_lock);
    return ret;
}

int tpam_module_init(credstack_module *mod, const tpam_module_def *def,
                     void **data_out)
{
    tpam_conf *conf = NULL;
    int rc = tpam_conf_init(mod, &conf);

    if (rc != CREDSTACK_OK)
        return rc;
    for (size_t i = 0; def->args != NULL && def->args[i].name != NULL; i++) {
        const char *name = def->args[i].name, *v = NULL;
        char **to = strcmp(name, "policy") == 0   ? &conf->arg_policy
                    : strcmp(name, "prefix") == 0 ? &conf->arg_prefix
                                                  : NULL;

        if (to == NULL ||
            credstack_module_option_string(mod, NULL, name, &v) != CREDSTACK_OK)
            continue;
        if ((*to = strdup(v)) == NULL) {
            tpam_conf_free(conf);
            return CREDSTACK_ERR_NOMEM;
        }
    }
    *data_out = conf;
    return CREDSTACK_OK;
}
