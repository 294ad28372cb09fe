/* SPDX-License-Identifier: MIT */
/* config_index.c: the hash index behind the configuration's sections,
 * options and lookup cache (O(1) lookups, so reading a file is O(n)). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "credstack/credstack.h"
#include "config.h"
#include "config_int.h"

/*
 * FNV-1a over the name; with fold, over its ASCII lower case, so that option
 * names hash alike whatever their case (they are stored folded).
 */
size_t cs_hash(const char *name, int fold)
{
    uint64_t h = 14695981039346656037u;

    for (; *name; name++) {
        h ^= (unsigned char)(fold ? cs_config_lower((unsigned char)*name)
                                  : *name);
        h *= 1099511628211u;
    }
    return (size_t)(h ^ (h >> 32));
}

int cs_index_same(const char *a, const char *b, int fold)
{
    if (fold)
        return cs_config_name_eq(a, b); /* counts itself */
    CS_PROBE();
    return strcmp(a, b) == 0;
}

#ifdef CS_CONFIG_COUNT_PROBES
/* config_int.h: slots visited and names compared, for the unit test's
 * scaling check and bench/config-read. */
unsigned long cs_config_probes;
#endif

/* The position stored for name, or CS_POS_NONE. */
size_t cs_index_find(const struct cs_index *ix, const char *name, int fold)
{
    size_t h, i;

    if (ix->cap == 0)
        return CS_POS_NONE;
    h = cs_hash(name, fold);
    for (i = h & (ix->cap - 1); ix->slots[i].name;
         i = (i + 1) & (ix->cap - 1)) {
        CS_PROBE();
        if (ix->slots[i].hash == h &&
            cs_index_same(ix->slots[i].name, name, fold))
            return ix->slots[i].pos;
    }
    return CS_POS_NONE;
}

/* Place a slot in a table known to have room and not to hold its name. */
void cs_index_place(struct cs_slot *slots, size_t cap,
                    const struct cs_slot *slot)
{
    size_t i;

    for (i = slot->hash & (cap - 1); slots[i].name; i = (i + 1) & (cap - 1))
        CS_PROBE();
    slots[i] = *slot;
}

/*
 * Map name (owned by the element at pos, and living as long as it) to pos;
 * a name already in the index is pointed at the new position.
 */
int cs_index_put(struct cs_index *ix, const char *name, size_t pos, int fold)
{
    struct cs_slot slot = {cs_hash(name, fold), name, pos};
    size_t i;

    if (ix->cap > 0) {
        for (i = slot.hash & (ix->cap - 1); ix->slots[i].name;
             i = (i + 1) & (ix->cap - 1)) {
            CS_PROBE();
            if (ix->slots[i].hash == slot.hash &&
                cs_index_same(ix->slots[i].name, name, fold)) {
                ix->slots[i] = slot;
                return CREDSTACK_OK;
            }
        }
    }
    if ((ix->n + 1) * 2 > ix->cap) {
        size_t ncap = ix->cap ? ix->cap * 2 : 16;
        struct cs_slot *ns = NULL;

        if (ncap > (size_t)-1 / 2 / sizeof(*ns))
            return CREDSTACK_ERR_NOMEM;
        ns = calloc(ncap, sizeof(*ns));
        if (!ns)
            return CREDSTACK_ERR_NOMEM;
        for (i = 0; i < ix->cap; i++)
            if (ix->slots[i].name)
                cs_index_place(ns, ncap, &ix->slots[i]);
        free(ix->slots);
        ix->slots = ns;
        ix->cap = ncap;
    }
    cs_index_place(ix->slots, ix->cap, &slot);
    ix->n++;
    return CREDSTACK_OK;
}

void cs_index_free(struct cs_index *ix)
{
    free(ix->slots);
    memset(ix, 0, sizeof(*ix));
}
