/* SPDX-License-Identifier: MIT */
/* cache.c: the handle-wide cache of non-secret lookups (module.h), bounded,
 * with a time to live per kind; safe for concurrent requests. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Plenty for one appliance's systems; the oldest entry goes first. */
#define CS_CACHE_MAX 4096

typedef struct cs_entry {
    int kind;
    char *key;
    char *value;
    long long expires_ms;
    struct cs_entry *next;
} cs_entry;

struct cs_cache {
    pthread_mutex_t lock;
    cs_entry *head; /* newest first */
    size_t n;
};

static void entry_free(cs_entry *e)
{
    free(e->key);
    free(e->value);
    free(e);
}

void cs_cache_free(cs_cache *c)
{
    if (c == NULL)
        return;
    while (c->head) {
        cs_entry *next = c->head->next;
        entry_free(c->head);
        c->head = next;
    }
    pthread_mutex_destroy(&c->lock);
    free(c);
}

size_t cs_cache_count(cs_cache *c)
{
    size_t n;

    if (c == NULL)
        return 0;
    pthread_mutex_lock(&c->lock);
    n = c->n;
    pthread_mutex_unlock(&c->lock);
    return n;
}

/* The handle's cache, made on first use (under the handle's lock). */
static cs_cache *cache_of(credstack_handle *h)
{
    cs_cache *c;

    pthread_mutex_lock(&h->lock);
    c = h->cache;
    if (c == NULL && (c = calloc(1, sizeof(*c))) != NULL) {
        pthread_mutex_init(&c->lock, NULL);
        h->cache = c;
    }
    pthread_mutex_unlock(&h->lock);
    return c;
}

/* Keys are the modules' own: modules that share a backend share entries,
 * and one can drop what another cached when the backend contradicts it. */
static char *full_key(const credstack_module *mod, const char *key)
{
    (void)mod;
    return strdup(key);
}

/* The entry for (kind, key) and the link pointing at it; NULL when absent. */
static cs_entry *find(cs_cache *c, int kind, const char *key,
                      cs_entry ***link_out)
{
    for (cs_entry **pp = &c->head; *pp; pp = &(*pp)->next) {
        if ((*pp)->kind == kind && strcmp((*pp)->key, key) == 0) {
            *link_out = pp;
            return *pp;
        }
    }
    return NULL;
}

static int usable(const credstack_module *mod, credstack_cache_kind kind,
                  const char *key)
{
    return mod != NULL && key != NULL && (int)kind >= 0 &&
           kind < CREDSTACK_CACHE_KIND_COUNT && mod->h->cache_ttl[kind] > 0;
}

int credstack_cache_get(credstack_module *mod, credstack_cache_kind kind,
                        const char *key, char **value_out)
{
    cs_cache *c;
    cs_entry *e, **link = NULL;
    char *k;
    int ret = CREDSTACK_ERR_NOTFOUND;

    if (value_out == NULL)
        return CREDSTACK_ERR_INVALID;
    *value_out = NULL;
    if (!usable(mod, kind, key) || (c = cache_of(mod->h)) == NULL ||
        (k = full_key(mod, key)) == NULL)
        return CREDSTACK_ERR_NOTFOUND;
    pthread_mutex_lock(&c->lock);
    e = find(c, (int)kind, k, &link);
    if (e != NULL && e->expires_ms <= credstack_now_ms()) {
        *link = e->next;
        entry_free(e);
        c->n--;
        e = NULL;
    }
    if (e != NULL) {
        *value_out = strdup(e->value);
        ret = *value_out ? CREDSTACK_OK : CREDSTACK_ERR_NOMEM;
    }
    pthread_mutex_unlock(&c->lock);
    free(k);
    return ret;
}

/* Store (or replace) an entry that lives ttl_ms. */
static int put(credstack_module *mod, credstack_cache_kind kind,
               const char *key, const char *value, long long ttl_ms)
{
    cs_cache *c;
    cs_entry *e, **link = NULL;
    char *k, *v;

    if ((c = cache_of(mod->h)) == NULL || (k = full_key(mod, key)) == NULL)
        return CREDSTACK_ERR_NOMEM;
    if ((v = strdup(value)) == NULL) {
        free(k);
        return CREDSTACK_ERR_NOMEM;
    }
    pthread_mutex_lock(&c->lock);
    e = find(c, (int)kind, k, &link);
    if (e != NULL) {
        *link = e->next;
        entry_free(e);
        c->n--;
    }
    if (c->n >= CS_CACHE_MAX) {
        /* Drop the oldest (the list's tail). */
        cs_entry **pp = &c->head;
        while ((*pp)->next)
            pp = &(*pp)->next;
        entry_free(*pp);
        *pp = NULL;
        c->n--;
    }
    e = calloc(1, sizeof(*e));
    if (e == NULL) {
        pthread_mutex_unlock(&c->lock);
        free(k);
        free(v);
        return CREDSTACK_ERR_NOMEM;
    }
    e->kind = (int)kind;
    e->key = k;
    e->value = v;
    e->expires_ms = credstack_now_ms() + ttl_ms;
    e->next = c->head;
    c->head = e;
    c->n++;
    pthread_mutex_unlock(&c->lock);
    return CREDSTACK_OK;
}

int credstack_cache_put(credstack_module *mod, credstack_cache_kind kind,
                        const char *key, const char *value)
{
    if (value == NULL)
        return CREDSTACK_ERR_INVALID;
    /* A look-ahead pass learns nothing for later: only real passes write. */
    if (!usable(mod, kind, key) || cs_lookahead_active())
        return CREDSTACK_OK;
    return put(mod, kind, key, value, mod->h->cache_ttl[kind] * 1000LL);
}

int credstack_cache_put_for(credstack_module *mod, credstack_cache_kind kind,
                            const char *key, const char *value, long max_s)
{
    long long ttl_ms;

    if (value == NULL)
        return CREDSTACK_ERR_INVALID;
    if (!usable(mod, kind, key) || cs_lookahead_active())
        return CREDSTACK_OK;
    if (max_s <= 0) {
        credstack_cache_drop(mod, kind, key);
        return CREDSTACK_OK;
    }
    ttl_ms = mod->h->cache_ttl[kind] * 1000LL;
    if ((long long)max_s * 1000 < ttl_ms)
        ttl_ms = (long long)max_s * 1000;
    return put(mod, kind, key, value, ttl_ms);
}

long credstack_cache_ttl(const credstack_module *mod, credstack_cache_kind kind)
{
    if (mod == NULL || (int)kind < 0 || kind >= CREDSTACK_CACHE_KIND_COUNT)
        return 0;
    return mod->h->cache_ttl[kind];
}

void credstack_cache_drop(credstack_module *mod, credstack_cache_kind kind,
                          const char *key)
{
    cs_cache *c;
    cs_entry *e, **link = NULL;
    char *k;

    if (!usable(mod, kind, key) || cs_lookahead_active() ||
        (c = mod->h->cache) == NULL || (k = full_key(mod, key)) == NULL)
        return;
    pthread_mutex_lock(&c->lock);
    e = find(c, (int)kind, k, &link);
    if (e != NULL) {
        *link = e->next;
        entry_free(e);
        c->n--;
    }
    pthread_mutex_unlock(&c->lock);
    free(k);
}
