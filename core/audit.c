/* SPDX-License-Identifier: MIT */
/* audit.c: one line per answered request (who, what, how authorized, the
 * result, the latency, the backend), the same in one-shot and agent mode;
 * never a secret. */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static const char *item_or_dash(const credstack_request *req,
                                credstack_item item)
{
    const char *v = credstack_request_get(req, item);

    return v != NULL && *v != '\0' ? v : "-";
}

static const char *result_word(int rc)
{
    switch (rc) {
    case CREDSTACK_OK:
        return "password";
    case CREDSTACK_ERR_DENIED:
        return "denied";
    default:
        return "error";
    }
}

void cs_audit(credstack_handle *h, const credstack_request *req, int rc,
              long long started_ms)
{
    const char *detail = credstack_request_get(req, CREDSTACK_ITEM_AUTH_DETAIL);
    const char *name = credstack_request_get(req, CREDSTACK_ITEM_TARGET_NAME);

    /* Items are printed with %s only: the logger turns line ends into
     * spaces, so a hostile name cannot forge a second audit line. */
    cs_log(h, CREDSTACK_LOG_INFO, "audit",
           "gateway_user=%s target=%s@%s%s%s system=%s account=%s "
           "auth=%s%s%s result=%s%s%s latency_ms=%lld backend=%s",
           item_or_dash(req, CREDSTACK_ITEM_GATEWAY_USER),
           item_or_dash(req, CREDSTACK_ITEM_TARGET_USER),
           item_or_dash(req, CREDSTACK_ITEM_TARGET_HOST),
           /* The connect address decided; the name is only shown. */
           name ? " unused_name=" : "", name ? name : "",
           item_or_dash(req, CREDSTACK_ITEM_SYSTEM),
           item_or_dash(req, CREDSTACK_ITEM_ACCOUNT),
           item_or_dash(req, CREDSTACK_ITEM_AUTH_KIND), detail ? "," : "",
           detail ? detail : "", result_word(rc),
           rc != CREDSTACK_OK && rc != CREDSTACK_ERR_DENIED ? ":" : "",
           rc != CREDSTACK_OK && rc != CREDSTACK_ERR_DENIED
               ? credstack_strerror(rc)
               : "",
           credstack_now_ms() - started_ms,
           item_or_dash(req, CREDSTACK_ITEM_BACKEND));
}
