/* SPDX-License-Identifier: MIT */
/* config_api.c: a configuration read and parsed once before a handle opens
 * (credstack_config_read(), which the handle then takes over), and
 * credstack_config_value(), one option of a file without a handle. */
#include "autoconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int credstack_config_read(const char *path, credstack_config **cfg_out)
{
    credstack_config *c;

    if (cfg_out == NULL)
        return CREDSTACK_ERR_INVALID;
    *cfg_out = NULL;
    if (path == NULL)
        return CREDSTACK_ERR_INVALID;
    if ((c = calloc(1, sizeof(*c))) == NULL)
        return CREDSTACK_ERR_NOMEM;
    *cfg_out = c;
    if ((c->path = strdup(path)) == NULL) {
        snprintf(c->err, sizeof(c->err), "%s: out of memory", path);
        return c->rc = CREDSTACK_ERR_NOMEM;
    }
    /* Recorded before it is read, as every input of a handle (inputs.c). */
    if (stat(path, &c->seen) != 0)
        c->seen_err = errno ? errno : EIO;
    c->rc = cs_config_read_file(path, &c->cfg, &c->text, &c->len, c->err,
                                sizeof(c->err));
    return c->rc;
}

const char *credstack_config_error(const credstack_config *cfg)
{
    return cfg != NULL ? cfg->err : NULL;
}

int credstack_config_get(credstack_config *cfg, const char *section,
                         const char *option, const char **value_out)
{
    char err[CS_ERRLEN];

    if (value_out != NULL)
        *value_out = NULL;
    if (cfg == NULL || section == NULL || option == NULL || value_out == NULL)
        return CREDSTACK_ERR_INVALID;
    if (cfg->cfg == NULL)
        return CREDSTACK_ERR_CONFIG;
    return cs_config_get(cfg->cfg, section, option, value_out, err,
                         sizeof(err));
}

const char *credstack_config_bytes(const credstack_config *cfg, size_t *len_out)
{
    if (len_out != NULL)
        *len_out = cfg != NULL && cfg->text != NULL ? cfg->len : 0;
    return cfg != NULL ? cfg->text : NULL;
}

void credstack_config_free(credstack_config *cfg)
{
    if (cfg == NULL)
        return;
    cs_config_free(cfg->cfg);
    if (cfg->text != NULL) {
        credstack_wipe(cfg->text, cfg->len);
        free(cfg->text);
    }
    free(cfg->path);
    free(cfg);
}

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
