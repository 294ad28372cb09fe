/* SPDX-License-Identifier: MIT */
/* errors.c: return-code texts, item names and the handle's error message. */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Indexed by credstack_rc; the sentinel keeps the table and the enum in step.
 */
static const char *const rc_texts[CREDSTACK_ERR_COUNT] = {
    [CREDSTACK_OK] = "success",
    [CREDSTACK_ERR_DENIED] = "no password (denied or not found)",
    [CREDSTACK_ERR_INVALID] = "invalid argument",
    [CREDSTACK_ERR_NOMEM] = "out of memory",
    [CREDSTACK_ERR_IO] = "input/output error",
    [CREDSTACK_ERR_CONFIG] = "configuration error",
    [CREDSTACK_ERR_STACK] = "stack file error",
    [CREDSTACK_ERR_MODULE] = "module error",
    [CREDSTACK_ERR_BACKEND] = "backend error",
    [CREDSTACK_ERR_TIMEOUT] = "backend timed out",
    [CREDSTACK_ERR_HOSTKEY] = "backend host key mismatch",
    [CREDSTACK_ERR_REFUSED] = "unsafe input refused",
    [CREDSTACK_ERR_NOTFOUND] = "not found",
};

const char *credstack_strerror(int rc)
{
    if (rc < 0 || rc >= CREDSTACK_ERR_COUNT || rc_texts[rc] == NULL)
        return "unknown error code";
    return rc_texts[rc];
}

static const char *const item_names[CREDSTACK_ITEM_COUNT] = {
    [CREDSTACK_ITEM_GATEWAY_USER] = "gateway_user",
    [CREDSTACK_ITEM_GATEWAY_PASSWORD] = "gateway_password",
    [CREDSTACK_ITEM_TARGET_USER] = "target_user",
    [CREDSTACK_ITEM_TARGET_HOST] = "target_host",
    [CREDSTACK_ITEM_TARGET_PORT] = "target_port",
    [CREDSTACK_ITEM_PROTOCOL] = "protocol",
    [CREDSTACK_ITEM_CLIENT_IP] = "client_ip",
    [CREDSTACK_ITEM_SESSION_ID] = "session_id",
    [CREDSTACK_ITEM_SYSTEM] = "system",
    [CREDSTACK_ITEM_ACCOUNT] = "account",
    [CREDSTACK_ITEM_REASON] = "reason",
    [CREDSTACK_ITEM_PASSWORD] = "password",
};

const char *credstack_item_name(credstack_item item)
{
    if ((int)item < 0 || item >= CREDSTACK_ITEM_COUNT)
        return NULL;
    return item_names[item];
}

int cs_item_is_secret(credstack_item item)
{
    return item == CREDSTACK_ITEM_GATEWAY_PASSWORD ||
           item == CREDSTACK_ITEM_PASSWORD;
}

void cs_vset_error(credstack_handle *h, const char *fmt, va_list ap)
{
    if (h == NULL)
        return;
    vsnprintf(h->err, sizeof(h->err), fmt, ap);
}

void cs_set_error(credstack_handle *h, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cs_vset_error(h, fmt, ap);
    va_end(ap);
}

const char *credstack_error(const credstack_handle *h)
{
    if (h == NULL)
        return "no handle (out of memory)";
    return h->err;
}
