/* SPDX-License-Identifier: MIT */
/* probe.c: credstack check --connect (each module that can exercises its
 * backend and reports every step) and credstack agent --status. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void credstack_module_probe_report(credstack_module *mod,
                                   credstack_probe_status status,
                                   const char *step, const char *hint,
                                   const char *fmt, ...)
{
    credstack_handle *h;
    credstack_probe_step s;
    char msg[CS_ERRLEN], where[300];
    va_list ap;

    if (mod == NULL || (h = mod->h)->probing != mod || h->probe_fn == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(where, sizeof(where), "%s:%u", mod->line->file, mod->line->lineno);
    s.module = mod->line->module;
    s.where = where;
    s.status = status;
    s.step = step ? step : "";
    s.message = msg;
    s.hint = hint;
    if (status == CREDSTACK_PROBE_FAIL)
        h->probe_failed = 1;
    h->probe_fn(&s, h->probe_user);
}

int credstack_module_probe_first(credstack_module *mod, const char *key)
{
    credstack_handle *h;
    cs_value *v;

    if (mod == NULL || key == NULL)
        return 0;
    h = mod->h;
    for (v = h->probed; v; v = v->next)
        if (strcmp(v->option, key) == 0)
            return 0;
    v = calloc(1, sizeof(*v));
    if (v == NULL || (v->option = strdup(key)) == NULL) {
        free(v);
        return 1; /* probing twice is better than not at all */
    }
    v->next = h->probed;
    h->probed = v;
    return 1;
}

int credstack_probe(credstack_handle *h, credstack_probe_fn fn, void *user)
{
    int probed = 0;

    if (h == NULL || fn == NULL || h->mods == NULL)
        return CREDSTACK_ERR_INVALID;
    h->probe_fn = fn;
    h->probe_user = user;
    h->probe_failed = 0;
    for (size_t i = 0; i < h->stack.nlines; i++) {
        credstack_module *mod = &h->mods[i];
        const struct credstack_module_ops *ops = mod->dso->ops;
        int ret;

        if (!mod->active || !mod->initialised || !CS_OPS_HAS(ops, probe) ||
            ops->probe == NULL)
            continue;
        h->probing = mod;
        ret = ops->probe(mod, mod->data);
        h->probing = NULL;
        probed++;
        if (ret != CREDSTACK_OK && !h->probe_failed) {
            /* A failure the module did not report step by step. */
            h->probing = mod;
            credstack_module_probe_report(mod, CREDSTACK_PROBE_FAIL, "probe",
                                          NULL, "failed: %s",
                                          credstack_strerror(ret));
            h->probing = NULL;
        }
    }
    h->probe_fn = NULL;
    h->probe_user = NULL;
    if (probed == 0) {
        credstack_probe_step s = {"credstack",
                                  "",
                                  CREDSTACK_PROBE_INFO,
                                  "probe",
                                  "no module of this stack has a backend to "
                                  "connect to",
                                  NULL};
        fn(&s, user);
    }
    return h->probe_failed ? CREDSTACK_ERR_BACKEND : CREDSTACK_OK;
}

/* ---- credstack agent --status ---- */

typedef struct status_ctx {
    credstack_status_fn fn;
    void *user;
} status_ctx;

static _Thread_local status_ctx *cs_status_ctx;

void credstack_module_status_line(credstack_module *mod, const char *fmt, ...)
{
    char line[CS_ERRLEN];
    va_list ap;

    if (mod == NULL || cs_status_ctx == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    cs_status_ctx->fn(mod->line->module, line, cs_status_ctx->user);
}

int credstack_status(credstack_handle *h, credstack_status_fn fn, void *user)
{
    status_ctx ctx = {fn, user};
    char line[256];

    if (h == NULL || fn == NULL)
        return CREDSTACK_ERR_INVALID;
    snprintf(line, sizeof(line),
             "%zu entries (cache_ttl %ld s, auth_cache_ttl %ld s)",
             cs_cache_count(h->cache), h->cache_ttl[CREDSTACK_CACHE_LOOKUP],
             h->cache_ttl[CREDSTACK_CACHE_AUTH]);
    fn("cache", line, user);
    if (h->mods == NULL)
        return CREDSTACK_OK;
    cs_status_ctx = &ctx;
    for (size_t i = 0; i < h->stack.nlines; i++) {
        credstack_module *mod = &h->mods[i];
        const struct credstack_module_ops *ops = mod->dso->ops;
        int first = 1;

        if (!mod->active || !mod->initialised || !CS_OPS_HAS(ops, status) ||
            ops->status == NULL)
            continue;
        /* Lines sharing a module file report once. */
        for (size_t j = 0; j < i && first; j++)
            first = h->mods[j].dso != mod->dso || !h->mods[j].initialised;
        if (first)
            ops->status(mod, mod->data);
    }
    cs_status_ctx = NULL;
    return CREDSTACK_OK;
}
