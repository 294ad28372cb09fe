/* SPDX-License-Identifier: MIT */
/* request.c: a request's items, per-request module data and option overrides.
 */
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

void credstack_request_free(credstack_request *req)
{
    if (req == NULL)
        return;
    /* Data first: a cleanup may still read items (a session's log line). */
    while (req->data) {
        cs_data *next = req->data->next;
        data_free(req->data);
        req->data = next;
    }
    for (int i = 0; i < CREDSTACK_ITEM_COUNT; i++)
        cs_free_secret(req->items[i]);
    while (req->overrides) {
        cs_override *next = req->overrides->next;
        free(req->overrides->section);
        free(req->overrides->option);
        cs_free_secret(req->overrides->value);
        free(req->overrides);
        req->overrides = next;
    }
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

    if (req == NULL || key == NULL)
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

int credstack_request_set_option(credstack_request *req, const char *section,
                                 const char *option, const char *value,
                                 int secret)
{
    cs_override *o;
    char *copy;

    if (req == NULL || section == NULL || option == NULL || value == NULL)
        return CREDSTACK_ERR_INVALID;
    if ((copy = strdup(value)) == NULL)
        return CREDSTACK_ERR_NOMEM;
    for (o = req->overrides; o; o = o->next) {
        if (strcmp(o->section, section) == 0 &&
            strcasecmp(o->option, option) == 0) {
            cs_free_secret(o->value);
            o->value = copy;
            o->secret |= secret;
            return CREDSTACK_OK;
        }
    }
    o = calloc(1, sizeof(*o));
    if (o == NULL || (o->section = strdup(section)) == NULL ||
        (o->option = strdup(option)) == NULL) {
        if (o)
            free(o->section);
        free(o);
        cs_free_secret(copy);
        return CREDSTACK_ERR_NOMEM;
    }
    o->value = copy;
    o->secret = secret;
    o->next = req->overrides;
    req->overrides = o;
    return CREDSTACK_OK;
}

int credstack_run(credstack_handle *h, credstack_request *req)
{
    if (h == NULL || req == NULL || req->h != h)
        return CREDSTACK_ERR_INVALID;
    if (h->mods == NULL) {
        cs_set_error(h, "the handle was opened without loading modules");
        return CREDSTACK_ERR_INVALID;
    }
    /* The account starts as the target user; map modules may change it. */
    if (req->items[CREDSTACK_ITEM_ACCOUNT] == NULL &&
        req->items[CREDSTACK_ITEM_TARGET_USER] != NULL) {
        int ret = credstack_request_set(req, CREDSTACK_ITEM_ACCOUNT,
                                        req->items[CREDSTACK_ITEM_TARGET_USER]);
        if (ret != CREDSTACK_OK)
            return ret;
    }
    return cs_dispatch(h, req);
}
