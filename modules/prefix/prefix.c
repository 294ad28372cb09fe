/* SPDX-License-Identifier: MIT */
/* prefix.c: puts system_prefix in front of the system name (PREFIX_name), never
 * twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <credstack/module.h>

#include "../common/host.h"

/*
 * The rule of the seed's documentation: the prefix is followed by '_', a
 * prefix that already ends in '_' gets no second one, and a name that already
 * begins with the prefix (and its '_') is kept, so a TPAM that lists both
 * DB02 and PSM_DB02 for one address gives PSM_DB02 either way.  The rule is
 * mc_prefix_apply() (modules/common), shared with resolver-tpam's preference.
 */

static const struct credstack_option options[] = {
    {NULL, "prefix", CREDSTACK_OPTION_STRING, CREDSTACK_OPTION_REQUIRED, NULL,
     0, 0, NULL, NULL,
     "the system name prefix, e.g. prefix=PSM or prefix=${tpam.system_prefix}"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL},
};

static int init(credstack_module *mod, void **data_out)
{
    const char *prefix = NULL;
    int rc = credstack_module_option_string(mod, NULL, "prefix", &prefix);

    if (rc != CREDSTACK_OK)
        return rc;
    if ((*data_out = strdup(prefix)) == NULL)
        return CREDSTACK_ERR_NOMEM;
    return CREDSTACK_OK;
}

static void fini(void *data)
{
    free(data);
}

static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    const char *prefix = data;
    const char *system = credstack_request_get(req, CREDSTACK_ITEM_SYSTEM);
    char *name = NULL;

    if (system == NULL) {
        credstack_request_explain(req, CREDSTACK_ERR_MODULE,
                                  "no system name to prefix: put a resolver "
                                  "before this line");
        return CREDSTACK_RESULT_ERROR;
    }
    if (*prefix == '\0') {
        credstack_request_explain(req, CREDSTACK_ERR_DENIED,
                                  "no prefix configured; '%s' kept", system);
        return CREDSTACK_RESULT_SUCCESS;
    }
    if (mc_prefix_apply(prefix, system, &name) != 0) {
        credstack_request_explain(req, CREDSTACK_ERR_NOMEM, "out of memory");
        return CREDSTACK_RESULT_ERROR;
    }
    if (strcmp(name, system) == 0) {
        credstack_request_explain(req, CREDSTACK_ERR_DENIED,
                                  "'%s' already carries the prefix", system);
        free(name);
        return CREDSTACK_RESULT_SUCCESS;
    }
    /* Log first: setting the item frees the old value `system` points to. */
    credstack_module_log(mod, CREDSTACK_LOG_DEBUG, "system '%s' -> '%s'",
                         system, name);
    if (credstack_request_set(req, CREDSTACK_ITEM_SYSTEM, name) !=
        CREDSTACK_OK) {
        free(name);
        credstack_request_explain(req, CREDSTACK_ERR_NOMEM, "out of memory");
        return CREDSTACK_RESULT_ERROR;
    }
    free(name);
    return CREDSTACK_RESULT_SUCCESS;
}

static const struct credstack_module_ops ops = {
    .size = sizeof(struct credstack_module_ops),
    .abi_version = CREDSTACK_MODULE_ABI_VERSION,
    .name = "prefix",
    .description = "prefix the system name (PREFIX_name), never twice",
    .flags = CREDSTACK_MODULE_LOOKAHEAD,
    .options = options,
    .option_size = sizeof(struct credstack_option),
    .init = init,
    .run = run,
    .free = fini,
};

CREDSTACK_MODULE_DEFINE(ops)
