/* SPDX-License-Identifier: MIT */
/* config_interp.c: cs_config_get(): values with %(name)s and %% interpolated,
 * as Python's configparser.BasicInterpolation does it, and cached. */
#include <stdlib.h>
#include <string.h>

#include "credstack/credstack.h"
#include "config.h"
#include "config_int.h"

/* Python's configparser.MAX_INTERPOLATION_DEPTH. */
#define CS_INTERP_MAX_DEPTH 10

struct cs_interp {
    const cs_config *cfg;
    const char *section;
    const char *option; /* the option asked for, as given */
    struct cs_config_buf out;
    /* Names being expanded, outermost first, for loop detection and messages.
     */
    char *chain[CS_INTERP_MAX_DEPTH + 2];
    size_t nchain;
    char *err;
    size_t errlen;
};

/* "file:line: section.option: interpolation: " before every message. */
static int cs_interp_fail(struct cs_interp *ip, const char *what,
                          const char *detail)
{
    unsigned line = cs_config_line(ip->cfg, ip->section, ip->option);

    if (line > 0)
        cs_config_errf(ip->err, ip->errlen, "%s:%u: %s.%s: interpolation: %s%s",
                       cs_config_path(ip->cfg), line, ip->section, ip->option,
                       what, detail);
    else
        cs_config_errf(ip->err, ip->errlen, "%s: %s.%s: interpolation: %s%s",
                       cs_config_path(ip->cfg), ip->section, ip->option, what,
                       detail);
    return CREDSTACK_ERR_CONFIG;
}

/*
 * A loop, or a chain deeper than Python allows: both show the chain of
 * names (names are not secret, values are).  `last` is the name that closed
 * the loop, or NULL.
 */
static int cs_interp_depth(struct cs_interp *ip, const char *last)
{
    char chain[1024];
    size_t used = 0, i, n;
    const char *name = NULL;

    chain[0] = '\0';
    for (i = 0; i <= ip->nchain; i++) {
        name = i < ip->nchain ? ip->chain[i] : last;
        if (!name)
            break;
        n = strlen(name) + (i ? 4 : 0);
        if (used + n + 4 >= sizeof(chain)) {
            memcpy(chain + used, "...", 4);
            break;
        }
        if (i)
            memcpy(chain + used, " -> ", 4);
        memcpy(chain + used + (i ? 4 : 0), name, strlen(name) + 1);
        used += n;
    }
    return cs_interp_fail(ip, "loop or more than 10 levels deep: ", chain);
}

static char *cs_interp_name(const char *p, size_t n)
{
    char *d = malloc(n + 1);
    size_t i;

    if (!d)
        return NULL;
    for (i = 0; i < n; i++)
        d[i] = (p[i] >= 'A' && p[i] <= 'Z') ? (char)(p[i] - 'A' + 'a') : p[i];
    d[n] = '\0';
    return d;
}

/*
 * Expand `rest` at `depth` (1 for the option's own value).  As in Python,
 * a referenced value is expanded further only when it holds a '%', and the
 * depth check applies to every value that is expanded.
 */
static int cs_expand(struct cs_interp *ip, const char *rest, int depth)
{
    int ret = CREDSTACK_OK;
    const char *p = NULL, *q = NULL, *v = NULL;
    char *var = NULL;
    size_t i;

    if (depth > CS_INTERP_MAX_DEPTH) {
        ret = cs_interp_depth(ip, NULL);
        goto done;
    }
    while (*rest) {
        p = strchr(rest, '%');
        if (!p) {
            ret = cs_config_buf_add(&ip->out, rest, strlen(rest));
            goto done;
        }
        if ((ret = cs_config_buf_add(&ip->out, rest, (size_t)(p - rest))) !=
            CREDSTACK_OK)
            goto done;
        if (p[1] == '%') {
            if ((ret = cs_config_buf_add(&ip->out, "%", 1)) != CREDSTACK_OK)
                goto done;
            rest = p + 2;
            continue;
        }
        if (p[1] != '(') {
            ret = cs_interp_fail(ip,
                                 "'%' must be followed by '%' or "
                                 "'(name)s'; write a literal '%' as '%%'",
                                 "");
            goto done;
        }
        q = strchr(p + 2, ')');
        if (!q || q == p + 2 || q[1] != 's') {
            ret = cs_interp_fail(ip,
                                 "a reference must be written "
                                 "'%(name)s'",
                                 "");
            goto done;
        }
        var = cs_interp_name(p + 2, (size_t)(q - (p + 2)));
        if (!var) {
            ret = CREDSTACK_ERR_NOMEM;
            goto done;
        }
        rest = q + 2;
        v = cs_config_raw(ip->cfg, ip->section, var);
        if (!v) {
            char what[CS_CONFIG_NAME_MAX * 2 + 64];

            if (strcmp(ip->section, CS_CONFIG_DEFAULT) == 0)
                snprintf(what, sizeof(what),
                         "no option '%.*s' in section "
                         "[DEFAULT]",
                         CS_CONFIG_NAME_MAX, var);
            else
                snprintf(what, sizeof(what),
                         "no option '%.*s' in section "
                         "[%.*s] or [DEFAULT]",
                         CS_CONFIG_NAME_MAX, var, CS_CONFIG_NAME_MAX,
                         ip->section);
            ret = cs_interp_fail(ip, what, "");
            goto done;
        }
        if (!strchr(v, '%')) {
            if ((ret = cs_config_buf_add(&ip->out, v, strlen(v))) !=
                CREDSTACK_OK)
                goto done;
        } else {
            /*
             * Python would only stop at depth 11; a name already being
             * expanded can only ever lead there, so say "loop" at once.
             */
            for (i = 0; i < ip->nchain; i++)
                if (strcmp(ip->chain[i], var) == 0) {
                    ret = cs_interp_depth(ip, var);
                    goto done;
                }
            ip->chain[ip->nchain++] = var;
            var = NULL;
            ret = cs_expand(ip, v, depth + 1);
            free(ip->chain[--ip->nchain]);
            if (ret != CREDSTACK_OK)
                goto done;
        }
        free(var);
        var = NULL;
    }
done:
    free(var);
    return ret;
}

int cs_config_interpolate(const cs_config *cfg, const char *section,
                          const char *option, const char *raw, char **out,
                          char *err, size_t errlen)
{
    int ret = CREDSTACK_OK;
    struct cs_interp ip;

    memset(&ip, 0, sizeof(ip));
    *out = NULL;
    ip.cfg = cfg;
    ip.section = section;
    ip.option = option;
    ip.err = err;
    ip.errlen = errlen;
    ip.chain[0] = cs_interp_name(option, strlen(option));
    if (!ip.chain[0]) {
        ret = CREDSTACK_ERR_NOMEM;
        goto done;
    }
    ip.nchain = 1;
    ret = cs_expand(&ip, raw, 1);
    if (ret != CREDSTACK_OK)
        goto done;
    /* An empty expansion still is a value. */
    if ((ret = cs_config_buf_add(&ip.out, "", 0)) != CREDSTACK_OK)
        goto done;
    *out = ip.out.p;
    ip.out.p = NULL;
done:
    if (ret == CREDSTACK_ERR_NOMEM)
        cs_config_errf(err, errlen, "%s: out of memory", cs_config_path(cfg));
    while (ip.nchain > 0)
        free(ip.chain[--ip.nchain]);
    cs_config_buf_wipe(&ip.out);
    return ret;
}

/*
 * Generation-2 conventions of the vendor's plugin SDK, applied after
 * interpolation: a value of exactly "$$" reads back as "$".  A value of
 * exactly "$" is returned as the one-character string "$" unchanged: it
 * means "take this option from the credential store", and that is for the
 * caller (a secret-source module) to decide, not for the reader.  Only
 * whole values count: "$foo" and "a$$b" are returned as they are.
 */
static void cs_apply_dollar(char *value)
{
    if (strcmp(value, "$$") == 0)
        value[1] = '\0';
}

int cs_config_get(cs_config *cfg, const char *section, const char *option,
                  const char **value_out, char *err, size_t errlen)
{
    int ret = CREDSTACK_ERR_NOTFOUND;
    const char *raw = NULL;
    char *value = NULL;

    cs_config_err_clear(err, errlen);
    if (value_out)
        *value_out = NULL;
    if (!cfg || !section || !option || !value_out) {
        ret = CREDSTACK_ERR_INVALID;
        goto done;
    }
    if (!cs_config_has_section(cfg, section) &&
        strcmp(section, CS_CONFIG_DEFAULT) != 0)
        goto done;
    if ((*value_out = cs_config_cache_get(cfg, section, option)) != NULL) {
        ret = CREDSTACK_OK;
        goto done;
    }
    raw = cs_config_raw(cfg, section, option);
    if (!raw)
        goto done;
    if (strchr(raw, '%')) {
        ret = cs_config_interpolate(cfg, section, option, raw, &value, err,
                                    errlen);
        if (ret != CREDSTACK_OK)
            goto done;
    } else {
        value = strdup(raw);
        if (!value) {
            ret = CREDSTACK_ERR_NOMEM;
            goto done;
        }
    }
    cs_apply_dollar(value);
    *value_out = cs_config_cache_put(cfg, section, option, value);
    value = NULL; /* the cache's now, or freed */
    ret = *value_out ? CREDSTACK_OK : CREDSTACK_ERR_NOMEM;
done:
    if (ret == CREDSTACK_ERR_NOMEM && cfg)
        cs_config_errf(err, errlen, "%s: out of memory", cs_config_path(cfg));
    cs_config_free_secret(value);
    return ret;
}
