/* SPDX-License-Identifier: MIT */
/* resolver-tpam.c: target host -> TPAM system name with ListSystems
 * --NetworkAddress (the rows at exactly that address); a host name alone
 * keeps its first label. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/host.h"
#include "../tpam-common/tpam_module.h"

/* The module's own argument. */
static const struct credstack_option args[] = {
    {NULL, "prefix", CREDSTACK_OPTION_STRING, 0, NULL, 0, 0, NULL,
     tpam_check_prefix,
     "prefer the system with this prefix (default: tpam.system_prefix)"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL},
};

/* Where a resolved system is cached (for look-ahead passes only). */
#define CACHE_PREFIX "tpam.system:"

/*
 * Several systems may share an address: among the rows that are really at
 * the address (rows[0..n), checked by the caller), prefer the prefixed one,
 * else the first.  -1 when every verified row has an empty name.
 */
static int pick_system(credstack_module *mod, const tpam_conf *conf,
                       const tpam_table *t, int col, const size_t *rows,
                       size_t n, const char *addr)
{
    const char *prefix =
        conf->arg_prefix ? conf->arg_prefix : conf->system_prefix;
    int pick = -1;

    for (size_t i = 0; i < n; i++) {
        const char *name = tpam_table_cell_trimmed(t, rows[i], col);

        if (name == NULL || *name == '\0')
            continue;
        if (n > 1)
            credstack_module_log(mod, CREDSTACK_LOG_INFO,
                                 "%s: candidate system %s", addr, name);
        if (pick < 0)
            pick = (int)rows[i];
        /* The seed's prefix rule (modules/common): PREFIX_ begins it. */
        if (mc_prefix_has(prefix, name)) {
            pick = (int)rows[i];
            break;
        }
    }
    return pick;
}

/*
 * The look-ahead pass (module.h): ask ListSystems for the address on a
 * channel of its own and, when the cache names the address's system, go on
 * with it at once, so that the next lines' commands for that system start
 * beside it.  The real pass then takes ListSystems' answer and decides on
 * it alone: a system that moved makes its lines differ from the
 * look-ahead's, and they are sent anew.  No system cached: nothing to go
 * on with (ERROR ends the pass).
 */
static credstack_result look_ahead(credstack_module *mod,
                                   credstack_request *req,
                                   const tpam_conf *conf, const char *host)
{
    char key[160], *system = NULL;
    credstack_result ret = CREDSTACK_RESULT_ERROR;

    if (tpam_module_query_start(
            mod, req, conf, "ListSystems",
            (const tpam_arg[]){
                {"NetworkAddress", host, TPAM_FIELD_ADDRESS},
            },
            1) != CREDSTACK_OK)
        return CREDSTACK_RESULT_ERROR;
    snprintf(key, sizeof(key), CACHE_PREFIX "%s", host);
    if (credstack_cache_get(mod, CREDSTACK_CACHE_LOOKUP, key, &system) ==
            CREDSTACK_OK &&
        credstack_request_set(req, CREDSTACK_ITEM_SYSTEM, system) ==
            CREDSTACK_OK)
        ret = CREDSTACK_RESULT_SUCCESS;
    free(system);
    return ret;
}

/* What TPAM said of the address, for the next look-ahead: its system, or
 * (system NULL) nothing there any more. */
static void remember(credstack_module *mod, const char *host,
                     const char *system)
{
    char key[160];

    snprintf(key, sizeof(key), CACHE_PREFIX "%s", host);
    if (system != NULL)
        credstack_cache_put(mod, CREDSTACK_CACHE_LOOKUP, key, system);
    else
        credstack_cache_drop(mod, CREDSTACK_CACHE_LOOKUP, key);
}

static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    const tpam_conf *conf = data;
    const char *host = credstack_request_get(req, CREDSTACK_ITEM_TARGET_HOST);
    mc_host_kind kind = mc_host_classify(host);
    char label[64], shown[96], about[128], err[512] = "";
    tpam_table *t = NULL;
    size_t *rows = NULL, n = 0;
    credstack_result ret = CREDSTACK_RESULT_ERROR;
    int rc, col, row;

    mc_printable(host, shown, sizeof(shown));
    if (kind == MC_HOST_INVALID) {
        credstack_request_explain(req, CREDSTACK_ERR_REFUSED,
                                  "target host '%s' is neither an IP address "
                                  "nor a host name; refused before any "
                                  "connection",
                                  shown);
        return CREDSTACK_RESULT_ERROR;
    }
    /*
     * The address the gateway connects to is authoritative (design.md, step
     * 3): an address is resolved through TPAM, whatever name came with it.
     * Only a request that carries nothing but a name uses its first label.
     */
    if (kind == MC_HOST_NAME) {
        /* A name needs no lookup: its first label is the system name. */
        if (mc_host_first_label(host, label, sizeof(label)) != 0 ||
            credstack_request_set(req, CREDSTACK_ITEM_SYSTEM, label) != 0) {
            credstack_request_explain(req, CREDSTACK_ERR_MODULE,
                                      "cannot take the first label of '%s'",
                                      shown);
            return CREDSTACK_RESULT_ERROR;
        }
        return CREDSTACK_RESULT_SUCCESS;
    }
    if (credstack_request_lookahead(req))
        return look_ahead(mod, req, conf, host);
    rc = tpam_module_query(mod, req, conf, "ListSystems",
                           (const tpam_arg[]){
                               {"NetworkAddress", host, TPAM_FIELD_ADDRESS},
                           },
                           1, &t, err, sizeof(err));
    if (rc == CREDSTACK_ERR_NOTFOUND) {
        credstack_request_explain(req, CREDSTACK_ERR_DENIED,
                                  "TPAM lists no system at %s", shown);
        ret = CREDSTACK_RESULT_DENIED;
        goto done;
    }
    if (rc != CREDSTACK_OK) {
        ret = tpam_module_fail(req, rc, err);
        goto done;
    }
    col = tpam_table_col(t, "SystemName");
    if (col < 0) {
        credstack_request_explain(req, CREDSTACK_ERR_BACKEND,
                                  "ListSystems printed no SystemName column");
        goto done;
    }
    /* TPAM's filter is a hint (substring, prefix...): keep the rows whose
     * NetworkAddress is this very address. */
    snprintf(about, sizeof(about), "address %s", shown);
    if (tpam_module_verify(
            mod, req, t, "ListSystems", about,
            (const tpam_match[]){
                {"NetworkAddress", 0, TPAM_MATCH_ADDRESS, host, 0},
            },
            1, &rows, &n) != CREDSTACK_OK)
        goto done;
    if (n == 0) {
        credstack_request_explain(
            req, CREDSTACK_ERR_DENIED,
            "TPAM lists no system at %s (%zu rows at other "
            "addresses ignored)",
            shown, tpam_table_rows(t));
        ret = CREDSTACK_RESULT_DENIED;
        goto done;
    }
    row = pick_system(mod, conf, t, col, rows, n, shown);
    if (row < 0) {
        credstack_request_explain(req, CREDSTACK_ERR_DENIED,
                                  "TPAM lists no named system at %s", shown);
        ret = CREDSTACK_RESULT_DENIED;
        goto done;
    }
    if (credstack_request_set(req, CREDSTACK_ITEM_SYSTEM,
                              tpam_table_cell_trimmed(t, (size_t)row, col)) !=
        CREDSTACK_OK) {
        credstack_request_explain(req, CREDSTACK_ERR_MODULE, "out of memory");
        goto done;
    }
    credstack_module_log(mod, CREDSTACK_LOG_DEBUG, "%s -> system %s", shown,
                         tpam_table_cell_trimmed(t, (size_t)row, col));
    remember(mod, host, tpam_table_cell_trimmed(t, (size_t)row, col));
    ret = CREDSTACK_RESULT_SUCCESS;
done:
    if (ret == CREDSTACK_RESULT_DENIED)
        remember(mod, host, NULL);
    free(rows);
    tpam_table_free(t);
    return ret;
}

static tpam_module_def def = {
    .name = "resolver-tpam",
    .description = "system name from TPAM's ListSystems --NetworkAddress",
    .flags = CREDSTACK_MODULE_LOOKAHEAD,
    .run = run,
    .args = args,
};

TPAM_MODULE_DEFINE(def)
