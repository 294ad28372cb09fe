/* SPDX-License-Identifier: MIT */
/* request.c: a request's items, per-request module data, its error value,
 * and the handle's list of live requests. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

int credstack_request_new(credstack_handle *h, credstack_request **req_out)
{
    credstack_request *req;

    if (h == NULL || req_out == NULL)
        return CREDSTACK_ERR_INVALID;
    req = calloc(1, sizeof(*req));
    if (req == NULL)
        return CREDSTACK_ERR_NOMEM;
    req->h = h;
    pthread_mutex_lock(&h->lock);
    req->next = h->requests;
    if (h->requests != NULL)
        h->requests->prev = req;
    h->requests = req;
    pthread_mutex_unlock(&h->lock);
    *req_out = req;
    return CREDSTACK_OK;
}

static void data_free(cs_data *d)
{
    if (d->cleanup)
        d->cleanup(d->data);
    free(d->key);
    free(d);
}

/* Run every data cleanup (modules must still be loaded). */
static void data_free_all(credstack_request *req)
{
    while (req->data) {
        cs_data *next = req->data->next;
        data_free(req->data);
        req->data = next;
    }
}

void cs_requests_orphan(credstack_handle *h)
{
    pthread_mutex_lock(&h->lock);
    while (h->requests != NULL) {
        credstack_request *req = h->requests;
        h->requests = req->next;
        data_free_all(req);
        req->h = NULL;
        req->prev = req->next = NULL;
    }
    pthread_mutex_unlock(&h->lock);
}

void credstack_request_free(credstack_request *req)
{
    credstack_handle *h;

    if (req == NULL)
        return;
    h = req->h;
    if (h != NULL) {
        pthread_mutex_lock(&h->lock);
        if (req->prev != NULL)
            req->prev->next = req->next;
        else
            h->requests = req->next;
        if (req->next != NULL)
            req->next->prev = req->prev;
        pthread_mutex_unlock(&h->lock);
        /* Data first: a cleanup may still read items (a session's log). */
        data_free_all(req);
    }
    for (int i = 0; i < CREDSTACK_ITEM_COUNT; i++)
        cs_free_secret(req->items[i]);
    credstack_wipe(&req->why, sizeof(req->why));
    credstack_wipe(&req->err, sizeof(req->err));
    free(req);
}

int credstack_request_set(credstack_request *req, credstack_item item,
                          const char *value)
{
    char *copy = NULL;

    if (req == NULL || (int)item < 0 || item >= CREDSTACK_ITEM_COUNT)
        return CREDSTACK_ERR_INVALID;
    if (value != NULL && (copy = strdup(value)) == NULL)
        return CREDSTACK_ERR_NOMEM;
    /* Every value is wiped: a secret may have been copied into any item. */
    cs_free_secret(req->items[item]);
    req->items[item] = copy;
    return CREDSTACK_OK;
}

const char *credstack_request_get(const credstack_request *req,
                                  credstack_item item)
{
    if (req == NULL || (int)item < 0 || item >= CREDSTACK_ITEM_COUNT)
        return NULL;
    return req->items[item];
}

int credstack_request_set_data(credstack_request *req, const char *key,
                               void *data, void (*cleanup)(void *data))
{
    cs_data *d;

    if (req == NULL || key == NULL || req->h == NULL)
        return CREDSTACK_ERR_INVALID;
    for (cs_data **pp = &req->data; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->key, key) == 0) {
            d = *pp;
            *pp = d->next;
            data_free(d);
            break;
        }
    }
    if (data == NULL)
        return CREDSTACK_OK;
    d = calloc(1, sizeof(*d));
    if (d == NULL || (d->key = strdup(key)) == NULL) {
        free(d);
        return CREDSTACK_ERR_NOMEM;
    }
    d->data = data;
    d->cleanup = cleanup;
    d->next = req->data;
    req->data = d;
    return CREDSTACK_OK;
}

void *credstack_request_get_data(const credstack_request *req, const char *key)
{
    if (req == NULL || key == NULL)
        return NULL;
    for (const cs_data *d = req->data; d; d = d->next)
        if (strcmp(d->key, key) == 0)
            return d->data;
    return NULL;
}

void credstack_request_set_trace(credstack_request *req, FILE *trace)
{
    if (req == NULL)
        return;
    req->trace = trace;
    req->own_trace = 1;
}

void credstack_request_set_log(credstack_request *req, FILE *log, int level)
{
    if (req == NULL)
        return;
    req->log = log;
    req->log_level = level;
}

int credstack_request_lookahead(const credstack_request *req)
{
    return req != NULL && req->lookahead;
}

const char *credstack_request_error(const credstack_request *req)
{
    if (req == NULL)
        return "no request";
    return req->err.msg;
}

void credstack_request_explain(credstack_request *req, int rc, const char *fmt,
                               ...)
{
    const credstack_module *mod;
    va_list ap;

    if (req == NULL || (mod = req->running) == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(req->why.msg, sizeof(req->why.msg), fmt, ap);
    va_end(ap);
    /* A file name longer than the field is cut; the message is whole. */
    snprintf(req->why.where, sizeof(req->why.where), "%.200s:%u",
             mod->line->file, mod->line->lineno);
    req->why.code = rc > CREDSTACK_OK && rc < CREDSTACK_ERR_COUNT
                        ? rc
                        : CREDSTACK_ERR_MODULE;
    cs_log(req->h,
           req->why.code == CREDSTACK_ERR_DENIED ? CREDSTACK_LOG_INFO
                                                 : CREDSTACK_LOG_ERROR,
           mod->line->module, "%s", req->why.msg);
}
