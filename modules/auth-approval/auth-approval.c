/* SPDX-License-Identifier: MIT */
/* auth-approval.c: authorizes when the gateway user has an Active password
 * request for the account (AUTH_KIND approval, AUTH_DETAIL its id). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tpam-common/tpam_module.h"

/*
 * ListRequestDetails' header names are not public; its field order is (from
 * TPAM's Perl API): id 0, user name 1, system 5, account 6, expires 12,
 * status 18.  Fields are read by position, and a row is accepted only when
 * it names this user, account and system (TPAM's filters are hints: "ali"
 * may list alice's requests) and is Active, and has an id.  The expiry date
 * bounds only how long the approval may be cached.
 */
enum {
    F_ID = 0,
    F_USER = 1,
    F_SYSTEM = 5,
    F_ACCOUNT = 6,
    F_EXPIRES = 12,
    F_STATUS = 18
};

/* The authorization found: AUTH_KIND approval, AUTH_DETAIL the request id. */
static credstack_result authorized(credstack_request *req, const char *id)
{
    if (credstack_request_set(req, CREDSTACK_ITEM_AUTH_KIND, "approval") !=
            CREDSTACK_OK ||
        credstack_request_set(req, CREDSTACK_ITEM_AUTH_DETAIL, id) !=
            CREDSTACK_OK) {
        credstack_request_explain(req, CREDSTACK_ERR_NOMEM, "out of memory");
        return CREDSTACK_RESULT_ERROR;
    }
    return CREDSTACK_RESULT_SUCCESS;
}

/*
 * auth_cache_ttl > 0: keep the approval for the next requests, but never
 * past its ExpiresDt (tpam_time.h: read as this host's local time): TPAM
 * ends it then, whatever our TTL says.  A date that does not parse, or is
 * past already, keeps nothing (this request still counts on TPAM's Active
 * status, which TPAM's own clock decided).
 */
static void cache_approval(credstack_module *mod, const tpam_table *t,
                           size_t row, const char *key, const char *id)
{
    const char *expires = tpam_table_cell_trimmed(t, row, F_EXPIRES);
    time_t until, now = time(NULL);

    if (credstack_cache_ttl(mod, CREDSTACK_CACHE_AUTH) <= 0)
        return;
    if (tpam_time_parse(expires, &until) != 0) {
        credstack_module_log(mod, CREDSTACK_LOG_WARNING,
                             "request %s: its expiry date '%.40s' is not "
                             "%%Y-%%m-%%d %%H:%%M:%%S[.%%f]: not cached "
                             "(auth_cache_ttl)",
                             id, expires);
        credstack_cache_drop(mod, CREDSTACK_CACHE_AUTH, key);
        return;
    }
    credstack_cache_put_for(mod, CREDSTACK_CACHE_AUTH, key, id,
                            until > now ? (long)(until - now) : 0);
}

static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    const tpam_conf *conf = data;
    const char *user, *account, *system;
    char err[512] = "", about[400], key[600], *cached = NULL;
    tpam_table *t = NULL;
    size_t *rows = NULL, n = 0;
    credstack_result ret = CREDSTACK_RESULT_ERROR;
    int rc;

    if (tpam_module_subject(req, &user, &account, &system) != 0)
        return CREDSTACK_RESULT_ERROR;
    /* With auth_cache_ttl > 0 only: an approval seen before. */
    snprintf(key, sizeof(key), "tpam.auth:approval:%s/%s/%s", user, account,
             system);
    if (tpam_auth_cached(mod, req, key, &cached)) {
        ret = authorized(req, cached);
        if (ret == CREDSTACK_RESULT_SUCCESS)
            credstack_module_log(mod, CREDSTACK_LOG_INFO,
                                 "%s has Active request %s for %s on %s", user,
                                 cached, account, system);
        free(cached);
        return ret;
    }
    rc = tpam_module_query(mod, req, conf, "ListRequestDetails",
                           (const tpam_arg[]){
                               {"RequestorName", user, TPAM_FIELD_USER},
                               {"AccountName", account, TPAM_FIELD_ACCOUNT},
                               {"SystemName", system, TPAM_FIELD_SYSTEM},
                               {"Status", "Active", TPAM_FIELD_KEYWORD},
                           },
                           4, &t, err, sizeof(err));
    if (rc == CREDSTACK_ERR_NOTFOUND) {
        tpam_module_contradicted(mod, req);
        credstack_request_explain(req, CREDSTACK_ERR_DENIED,
                                  "%s has no Active request for %s on %s", user,
                                  account, system);
        ret = CREDSTACK_RESULT_DENIED;
        goto done;
    }
    if (rc != CREDSTACK_OK) {
        ret = tpam_module_fail(req, rc, err);
        goto done;
    }
    if (tpam_table_cols(t) <= F_STATUS) {
        credstack_request_explain(req, CREDSTACK_ERR_BACKEND,
                                  "ListRequestDetails printed %zu columns, "
                                  "expected at least %d",
                                  tpam_table_cols(t), F_STATUS + 1);
        goto done;
    }
    snprintf(about, sizeof(about), "requestor %s, account %s on %s, Active",
             user, account, system);
    if (tpam_module_verify(mod, req, t, "ListRequestDetails", about,
                           (const tpam_match[]){
                               {NULL, F_USER, TPAM_MATCH_NAME, user, 0},
                               {NULL, F_SYSTEM, TPAM_MATCH_NAME, system, 0},
                               {NULL, F_ACCOUNT, TPAM_MATCH_NAME, account, 0},
                               {NULL, F_STATUS, TPAM_MATCH_NAME, "Active", 0},
                           },
                           4, &rows, &n) != CREDSTACK_OK)
        goto done;
    ret = CREDSTACK_RESULT_DENIED;
    for (size_t i = 0; i < n; i++) {
        const char *id = tpam_table_cell_trimmed(t, rows[i], F_ID);

        if (*id == '\0')
            continue;
        ret = authorized(req, id);
        if (ret != CREDSTACK_RESULT_SUCCESS)
            goto done;
        credstack_module_log(mod, CREDSTACK_LOG_INFO,
                             "%s has Active request %s for %s on %s", user, id,
                             account, system);
        cache_approval(mod, t, rows[i], key, id);
        ret = CREDSTACK_RESULT_SUCCESS;
        goto done;
    }
    credstack_request_explain(req, CREDSTACK_ERR_DENIED,
                              "no Active request of %s for %s on %s", user,
                              account, system);
done:
    free(rows);
    tpam_table_free(t);
    return ret;
}

static tpam_module_def def = {
    .name = "auth-approval",
    .description = "authorize on an Active TPAM password request",
    .flags = CREDSTACK_MODULE_LOOKAHEAD,
    .run = run,
};

TPAM_MODULE_DEFINE(def)
