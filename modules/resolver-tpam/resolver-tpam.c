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

/* The prefix a preferred system name carries ("PSM_" for PSM or PSM_), or "".
 */
static void prefix_head(credstack_module *mod, char *head, size_t len)
{
    const char *p = credstack_module_arg(mod, "prefix");
    size_t n;

    head[0] = '\0';
    if (p == NULL && credstack_module_config_string(
                         mod, "tpam", "system_prefix", &p) != CREDSTACK_OK)
        return;
    n = strlen(p);
    if (n > 0)
        snprintf(head, len, "%s%s", p, p[n - 1] == '_' ? "" : "_");
}

/*
 * Several systems may share an address: among the rows that are really at
 * the address (rows[0..n), checked by the caller), prefer the prefixed one,
 * else the first.  -1 when every verified row has an empty name.
 */
static int pick_system(credstack_module *mod, const tpam_table *t, int col,
                       const size_t *rows, size_t n, const char *addr)
{
    char head[128];
    int pick = -1;

    prefix_head(mod, head, sizeof(head));
    for (size_t i = 0; i < n; i++) {
        const char *name = tpam_table_cell_trimmed(t, rows[i], col);

        if (name == NULL || *name == '\0')
            continue;
        if (n > 1)
            credstack_module_log(mod, CREDSTACK_LOG_INFO,
                                 "%s: candidate system %s", addr, name);
        if (pick < 0)
            pick = (int)rows[i];
        if (head[0] != '\0' && strncasecmp(name, head, strlen(head)) == 0) {
            pick = (int)rows[i];
            break;
        }
    }
    return pick;
}

static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    const char *host = credstack_request_get(req, CREDSTACK_ITEM_TARGET_HOST);
    mc_host_kind kind = mc_host_classify(host);
    char label[64], shown[96], about[128], err[512] = "";
    tpam_table *t = NULL;
    size_t *rows = NULL, n = 0;
    credstack_result ret = CREDSTACK_RESULT_ERROR;
    int rc, col, row;

    (void)data;
    mc_printable(host, shown, sizeof(shown));
    if (kind == MC_HOST_INVALID) {
        credstack_module_error_rc(mod, CREDSTACK_ERR_REFUSED,
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
            credstack_module_error(mod, "cannot take the first label of '%s'",
                                   shown);
            return CREDSTACK_RESULT_ERROR;
        }
        return CREDSTACK_RESULT_SUCCESS;
    }
    rc = tpam_module_query(mod, req, "ListSystems",
                           (const tpam_arg[]){
                               {"NetworkAddress", host, TPAM_FIELD_ADDRESS},
                           },
                           1, &t, err, sizeof(err));
    if (rc == CREDSTACK_ERR_NOTFOUND) {
        credstack_module_note(mod, "TPAM lists no system at %s", shown);
        ret = CREDSTACK_RESULT_DENIED;
        goto done;
    }
    if (rc != CREDSTACK_OK) {
        ret = tpam_module_fail(mod, rc, err);
        goto done;
    }
    col = tpam_table_col(t, "SystemName");
    if (col < 0) {
        credstack_module_error_rc(mod, CREDSTACK_ERR_BACKEND,
                                  "ListSystems printed no SystemName column");
        goto done;
    }
    /* TPAM's filter is a hint (substring, prefix...): keep the rows whose
     * NetworkAddress is this very address. */
    snprintf(about, sizeof(about), "address %s", shown);
    if (tpam_module_verify(
            mod, t, "ListSystems", about,
            (const tpam_match[]){
                {"NetworkAddress", 0, TPAM_MATCH_ADDRESS, host, 0},
            },
            1, &rows, &n) != CREDSTACK_OK)
        goto done;
    if (n == 0) {
        credstack_module_note(mod,
                              "TPAM lists no system at %s (%zu rows at other "
                              "addresses ignored)",
                              shown, tpam_table_rows(t));
        ret = CREDSTACK_RESULT_DENIED;
        goto done;
    }
    row = pick_system(mod, t, col, rows, n, shown);
    if (row < 0) {
        credstack_module_note(mod, "TPAM lists no named system at %s", shown);
        ret = CREDSTACK_RESULT_DENIED;
        goto done;
    }
    if (credstack_request_set(req, CREDSTACK_ITEM_SYSTEM,
                              tpam_table_cell_trimmed(t, (size_t)row, col)) !=
        CREDSTACK_OK) {
        credstack_module_error(mod, "out of memory");
        goto done;
    }
    credstack_module_log(mod, CREDSTACK_LOG_DEBUG, "%s -> system %s", shown,
                         tpam_table_cell_trimmed(t, (size_t)row, col));
    ret = CREDSTACK_RESULT_SUCCESS;
done:
    free(rows);
    tpam_table_free(t);
    return ret;
}

static const struct credstack_module_ops ops = {
    .size = sizeof(struct credstack_module_ops),
    .abi_version = CREDSTACK_MODULE_ABI_VERSION,
    .name = "resolver-tpam",
    .description = "system name from TPAM's ListSystems --NetworkAddress",
    .run = run,
};

CREDSTACK_MODULE_DEFINE(ops)
