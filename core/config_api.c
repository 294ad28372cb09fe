/* SPDX-License-Identifier: MIT */
/* config_api.c: credstack_config_value(), one option of a configuration file
 * without opening a handle (the commands read [credstack] agent with it). */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

int credstack_config_value(const char *config_path, const char *section,
                           const char *option, char **value_out)
{
    cs_config *cfg = NULL;
    const char *v = NULL;
    char err[CS_ERRLEN];
    int ret;

    if (config_path == NULL || section == NULL || option == NULL ||
        value_out == NULL)
        return CREDSTACK_ERR_INVALID;
    *value_out = NULL;
    ret = cs_config_load_file(config_path, &cfg, err, sizeof(err));
    if (ret == CREDSTACK_OK)
        ret = cs_config_get(cfg, section, option, &v, err, sizeof(err));
    if (ret == CREDSTACK_OK && (*value_out = strdup(v)) == NULL)
        ret = CREDSTACK_ERR_NOMEM;
    cs_config_free(cfg);
    return ret;
}
