/* SPDX-License-Identifier: MIT */
/* prefix.c: puts system_prefix in front of the system name (PREFIX_name), never
 * twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <credstack/module.h>

/*
 * The rule of the seed's documentation: the prefix is followed by '_', a
 * prefix that already ends in '_' gets no second one, and a name that already
 * begins with the prefix (and its '_') is kept, so a TPAM that lists both
 * DB02 and PSM_DB02 for one address gives PSM_DB02 either way.
 */
static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    const char *prefix = credstack_module_arg(mod, "prefix");
    const char *system = credstack_request_get(req, CREDSTACK_ITEM_SYSTEM);
    char *head = NULL, *name = NULL;
    size_t plen;
    credstack_result ret = CREDSTACK_RESULT_ERROR;

    (void)data;
    if (prefix == NULL) {
        int rc = credstack_module_config_string(mod, "tpam", "system_prefix",
                                                &prefix);
        if (rc == CREDSTACK_ERR_NOTFOUND)
            prefix = "";
        else if (rc != CREDSTACK_OK)
            return CREDSTACK_RESULT_ERROR;
    }
    if (system == NULL) {
        credstack_module_error(mod, "no system name to prefix: put a "
                                    "resolver before this line");
        return CREDSTACK_RESULT_ERROR;
    }
    if (*prefix == '\0') {
        credstack_module_note(mod, "no prefix configured; '%s' kept", system);
        return CREDSTACK_RESULT_SUCCESS;
    }
    plen = strlen(prefix);
    if (asprintf(&head, "%s%s", prefix, prefix[plen - 1] == '_' ? "" : "_") <
        0) {
        head = NULL;
        goto oom;
    }
    if (strncasecmp(system, head, strlen(head)) == 0) {
        credstack_module_note(mod, "'%s' already carries the prefix", system);
        ret = CREDSTACK_RESULT_SUCCESS;
        goto done;
    }
    if (asprintf(&name, "%s%s", head, system) < 0) {
        name = NULL;
        goto oom;
    }
    /* Log first: setting the item frees the old value `system` points to. */
    credstack_module_log(mod, CREDSTACK_LOG_DEBUG, "system '%s' -> '%s'",
                         system, name);
    if (credstack_request_set(req, CREDSTACK_ITEM_SYSTEM, name) != CREDSTACK_OK)
        goto oom;
    ret = CREDSTACK_RESULT_SUCCESS;
    goto done;
oom:
    credstack_module_error(mod, "out of memory");
done:
    free(head);
    free(name);
    return ret;
}

static const struct credstack_module_ops ops = {
    .size = sizeof(struct credstack_module_ops),
    .abi_version = CREDSTACK_MODULE_ABI_VERSION,
    .name = "prefix",
    .description = "prefix the system name with system_prefix",
    .run = run,
};

CREDSTACK_MODULE_DEFINE(ops)
