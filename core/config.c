/* SPDX-License-Identifier: MIT */
/* config.c: the table of sections and options behind cs_config, with lookups,
 * overrides and the lookup cache. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credstack/credstack.h"
#include "config.h"
#include "config_int.h"

/*
 * One option as read from the file (or set later).  The raw value is kept
 * uninterpolated: interpolation happens on lookup, as in ConfigParser, so a
 * later cs_config_set() of a referenced option is seen by every lookup.
 */
struct cs_opt {
    char *name;    /* folded to lower case */
    char *value;   /* raw value; may be a private key, so wiped before free */
    unsigned line; /* 0 when set by cs_config_set() */
};

/*
 * An interpolated value handed out by cs_config_get().  Entries computed
 * before the last cs_config_set() are stale but are kept (not freed) until
 * cs_config_free(): a caller may still hold the pointer, and a dangling
 * pointer to a key is worse than a few bytes of memory.
 */
struct cs_cached {
    char *option;      /* folded to lower case */
    char *value;       /* interpolated; wiped before free */
    unsigned long gen; /* cfg->gen when it was computed */
};

struct cs_sect {
    char *name;
    unsigned
        line; /* line of the (first) header; 0 when made by cs_config_set() */
    struct cs_opt *opts;
    size_t nopts, capopts;
    struct cs_index opt_index; /* option names (lower case) -> opts */
    struct cs_cached *cache;
    size_t ncache, capcache;
    struct cs_index cache_index; /* option -> its newest cache entry */
};

struct cs_config {
    char *path;
    struct cs_sect defaults; /* [DEFAULT], inherited by every section */
    struct cs_sect *sects;   /* in file order */
    size_t nsects, capsects;
    struct cs_index sect_index; /* section names (case-sensitive) -> sects */
    unsigned long gen; /* bumped by cs_config_set() to invalidate the cache */
};

/*
 * Make room for one more element in an array of plain structs: the array
 * (maybe moved), or NULL when out of memory with the old array untouched.
 */
static void *cs_grow(void *arr, size_t *cap, size_t n, size_t elsize)
{
    size_t ncap;
    void *p = NULL;

    if (n < *cap)
        return arr;
    ncap = *cap ? *cap * 2 : 8;
    if (ncap > (size_t)-1 / elsize)
        return NULL;
    p = realloc(arr, ncap * elsize);
    if (p)
        *cap = ncap;
    return p;
}

static int cs_sects_room(cs_config *cfg)
{
    struct cs_sect *p =
        cs_grow(cfg->sects, &cfg->capsects, cfg->nsects, sizeof(*p));

    if (!p)
        return CREDSTACK_ERR_NOMEM;
    cfg->sects = p;
    return CREDSTACK_OK;
}

static int cs_opts_room(struct cs_sect *s)
{
    struct cs_opt *p = cs_grow(s->opts, &s->capopts, s->nopts, sizeof(*p));

    if (!p)
        return CREDSTACK_ERR_NOMEM;
    s->opts = p;
    return CREDSTACK_OK;
}

static int cs_cache_room(struct cs_sect *s)
{
    struct cs_cached *p =
        cs_grow(s->cache, &s->capcache, s->ncache, sizeof(*p));

    if (!p)
        return CREDSTACK_ERR_NOMEM;
    s->cache = p;
    return CREDSTACK_OK;
}

/* Append an option to s and index it; s takes name (folded) and value. */
static int cs_opt_append(struct cs_sect *s, char *name, char *value,
                         unsigned line)
{
    if (cs_opts_room(s) != CREDSTACK_OK ||
        cs_index_put(&s->opt_index, name, s->nopts, 1) != CREDSTACK_OK)
        return CREDSTACK_ERR_NOMEM;
    s->opts[s->nopts].name = name;
    s->opts[s->nopts].value = value;
    s->opts[s->nopts].line = line;
    s->nopts++;
    return CREDSTACK_OK;
}

static void cs_sect_clear(struct cs_sect *s)
{
    size_t i;

    for (i = 0; i < s->nopts; i++) {
        free(s->opts[i].name);
        cs_config_free_secret(s->opts[i].value);
    }
    for (i = 0; i < s->ncache; i++) {
        free(s->cache[i].option);
        cs_config_free_secret(s->cache[i].value);
    }
    free(s->opts);
    free(s->cache);
    free(s->name);
    cs_index_free(&s->opt_index);
    cs_index_free(&s->cache_index);
    memset(s, 0, sizeof(*s));
}

cs_config *cs_config_new(const char *path)
{
    cs_config *cfg = calloc(1, sizeof(*cfg));

    if (!cfg)
        return NULL;
    cfg->path = strdup(path ? path : "<string>");
    cfg->defaults.name = strdup(CS_CONFIG_DEFAULT);
    if (!cfg->path || !cfg->defaults.name) {
        cs_config_free(cfg);
        return NULL;
    }
    return cfg;
}

void cs_config_free(cs_config *cfg)
{
    size_t i;

    if (!cfg)
        return;
    cs_sect_clear(&cfg->defaults);
    for (i = 0; i < cfg->nsects; i++)
        cs_sect_clear(&cfg->sects[i]);
    free(cfg->sects);
    cs_index_free(&cfg->sect_index);
    free(cfg->path);
    free(cfg);
}

const char *cs_config_path(const cs_config *cfg)
{
    return cfg ? cfg->path : NULL;
}

#define CS_POS_DEFAULT ((size_t)-2)

/*
 * Where the section called `name` is: an index into cfg->sects,
 * CS_POS_DEFAULT or CS_POS_NONE.  Section names are case-sensitive, as in
 * ConfigParser.  Positions let the const and the mutating lookups below
 * share this one search without casting const away.
 */
static size_t cs_sect_pos(const cs_config *cfg, const char *name)
{
    if (strcmp(name, CS_CONFIG_DEFAULT) == 0)
        return CS_POS_DEFAULT;
    return cs_index_find(&cfg->sect_index, name, 0);
}

static struct cs_sect *cs_sect_find(cs_config *cfg, const char *name)
{
    size_t pos = cs_sect_pos(cfg, name);

    if (pos == CS_POS_NONE)
        return NULL;
    return pos == CS_POS_DEFAULT ? &cfg->defaults : &cfg->sects[pos];
}

static const struct cs_sect *cs_sect_find_const(const cs_config *cfg,
                                                const char *name)
{
    size_t pos = cs_sect_pos(cfg, name);

    if (pos == CS_POS_NONE)
        return NULL;
    return pos == CS_POS_DEFAULT ? &cfg->defaults : &cfg->sects[pos];
}

/* The index of option in s (matched ignoring case), or s->nopts. */
static size_t cs_opt_pos(const struct cs_sect *s, const char *option)
{
    size_t i = cs_index_find(&s->opt_index, option, 1);

    return i == CS_POS_NONE ? s->nopts : i;
}

static struct cs_opt *cs_opt_find(struct cs_sect *s, const char *option)
{
    size_t i = cs_opt_pos(s, option);

    return i < s->nopts ? &s->opts[i] : NULL;
}

static const struct cs_opt *cs_opt_find_const(const struct cs_sect *s,
                                              const char *option)
{
    size_t i = cs_opt_pos(s, option);

    return i < s->nopts ? &s->opts[i] : NULL;
}

/* The option in section, else in [DEFAULT]; NULL if the section does not exist.
 */
static const struct cs_opt *
cs_opt_lookup(const cs_config *cfg, const char *section, const char *option)
{
    const struct cs_sect *s = NULL;
    const struct cs_opt *o = NULL;

    if (!cfg || !section || !option)
        return NULL;
    s = cs_sect_find_const(cfg, section);
    if (!s)
        return NULL;
    o = cs_opt_find_const(s, option);
    if (!o && s != &cfg->defaults)
        o = cs_opt_find_const(&cfg->defaults, option);
    return o;
}

int cs_config_has_section(const cs_config *cfg, const char *section)
{
    if (!cfg || !section || strcmp(section, CS_CONFIG_DEFAULT) == 0)
        return 0;
    return cs_sect_pos(cfg, section) != CS_POS_NONE;
}

static int cs_sect_append(cs_config *cfg, const char *section, unsigned line,
                          struct cs_sect **out)
{
    int ret = CREDSTACK_OK;
    struct cs_sect *s = NULL;

    ret = cs_sects_room(cfg);
    if (ret != CREDSTACK_OK)
        goto done;
    s = &cfg->sects[cfg->nsects];
    memset(s, 0, sizeof(*s));
    s->name = strdup(section);
    if (!s->name || cs_index_put(&cfg->sect_index, s->name, cfg->nsects, 0) !=
                        CREDSTACK_OK) {
        free(s->name);
        s->name = NULL;
        ret = CREDSTACK_ERR_NOMEM;
        goto done;
    }
    s->line = line;
    cfg->nsects++;
    *out = s;
done:
    return ret;
}

int cs_config_add_section(cs_config *cfg, const char *section, unsigned line,
                          char *err, size_t errlen)
{
    int ret = CREDSTACK_OK;
    struct cs_sect *s = NULL;

    s = cs_sect_find(cfg, section);
    if (s == &cfg->defaults) {
        /* ConfigParser lets [DEFAULT] be opened again; its options still may
         * not repeat. */
        if (s->line == 0)
            s->line = line;
        goto done;
    }
    if (s) {
        cs_config_errf(err, errlen,
                       "%s:%u: section [%s] is already defined at line %u",
                       cfg->path, line, section, s->line);
        ret = CREDSTACK_ERR_CONFIG;
        goto done;
    }
    ret = cs_sect_append(cfg, section, line, &s);
    if (ret == CREDSTACK_ERR_NOMEM)
        cs_config_errf(err, errlen, "%s: out of memory", cfg->path);
done:
    return ret;
}

int cs_config_add_option(cs_config *cfg, const char *section,
                         const char *option, char **value, unsigned line,
                         char *err, size_t errlen)
{
    int ret = CREDSTACK_OK;
    struct cs_sect *s = NULL;
    struct cs_opt *o = NULL;
    char *name = NULL;

    s = cs_sect_find(cfg, section);
    if (!s) {
        cs_config_errf(err, errlen, "%s:%u: internal error: no section [%s]",
                       cfg->path, line, section);
        ret = CREDSTACK_ERR_CONFIG;
        goto done;
    }
    o = cs_opt_find(s, option);
    if (o) {
        cs_config_errf(err, errlen,
                       "%s:%u: option %s.%s is already set at line %u",
                       cfg->path, line, section, option, o->line);
        ret = CREDSTACK_ERR_CONFIG;
        goto done;
    }
    name = cs_config_lower_dup(option);
    if (!name || cs_opt_append(s, name, *value, line) != CREDSTACK_OK) {
        cs_config_errf(err, errlen, "%s: out of memory", cfg->path);
        ret = CREDSTACK_ERR_NOMEM;
        goto done;
    }
    name = NULL;
    *value = NULL;
done:
    free(name);
    return ret;
}

const char *cs_config_raw(const cs_config *cfg, const char *section,
                          const char *option)
{
    const struct cs_opt *o = cs_opt_lookup(cfg, section, option);

    return o ? o->value : NULL;
}

unsigned cs_config_line(const cs_config *cfg, const char *section,
                        const char *option)
{
    const struct cs_opt *o = cs_opt_lookup(cfg, section, option);

    return o ? o->line : 0;
}

unsigned cs_config_section_line(const cs_config *cfg, const char *section)
{
    const struct cs_sect *s = cs_sect_find_const(cfg, section);

    return s ? s->line : 0;
}

const char *cs_config_cache_get(cs_config *cfg, const char *section,
                                const char *option)
{
    struct cs_sect *s = cs_sect_find(cfg, section);
    size_t i;

    if (!s)
        return NULL;
    i = cs_index_find(&s->cache_index, option, 1);
    if (i != CS_POS_NONE && s->cache[i].gen == cfg->gen)
        return s->cache[i].value;
    return NULL;
}

/*
 * The cache lives in the section asked for, not where the option was
 * found: a [DEFAULT] value interpolates differently in each section.  The
 * index points at the newest entry; older (stale) ones stay in the array
 * until cs_config_free() (a caller may still hold them).
 */
const char *cs_config_cache_put(cs_config *cfg, const char *section,
                                const char *option, char *value)
{
    struct cs_sect *s = cs_sect_find(cfg, section);
    char *name = cs_config_lower_dup(option);

    if (!s || !name || cs_cache_room(s) != CREDSTACK_OK ||
        cs_index_put(&s->cache_index, name, s->ncache, 1) != CREDSTACK_OK) {
        free(name);
        cs_config_free_secret(value);
        return NULL;
    }
    s->cache[s->ncache].option = name;
    s->cache[s->ncache].value = value;
    s->cache[s->ncache].gen = cfg->gen;
    s->ncache++;
    return value;
}

/* A name given to cs_config_set() must be one that a file could hold. */
static int cs_name_ok(const char *name)
{
    return name[0] != '\0' && !strpbrk(name, "\r\n");
}

int cs_config_set(cs_config *cfg, const char *section, const char *option,
                  const char *value)
{
    int ret = CREDSTACK_OK;
    struct cs_sect *s = NULL;
    struct cs_opt *o = NULL;
    char *copy = NULL;
    char *name = NULL;

    if (!cfg || !section || !option || !value || !cs_name_ok(section) ||
        !cs_name_ok(option) || strpbrk(option, "=:")) {
        ret = CREDSTACK_ERR_INVALID;
        goto done;
    }
    copy = strdup(value);
    if (!copy) {
        ret = CREDSTACK_ERR_NOMEM;
        goto done;
    }
    s = cs_sect_find(cfg, section);
    if (!s) {
        ret = cs_sect_append(cfg, section, 0, &s);
        if (ret != CREDSTACK_OK)
            goto done;
    }
    o = cs_opt_find(s, option);
    if (o) {
        cs_config_free_secret(o->value);
        o->value = copy;
        o->line = 0;
        copy = NULL;
    } else {
        name = cs_config_lower_dup(option);
        if (!name || cs_opt_append(s, name, copy, 0) != CREDSTACK_OK) {
            ret = CREDSTACK_ERR_NOMEM;
            goto done;
        }
        name = NULL;
        copy = NULL;
    }
    /* Any value may be referenced from anywhere (via [DEFAULT]): drop the whole
     * cache. */
    cfg->gen++;
done:
    free(name);
    cs_config_free_secret(copy);
    return ret;
}

void cs_config_foreach(const cs_config *cfg, cs_config_visit_fn fn, void *user)
{
    size_t i, j;

    if (!cfg || !fn)
        return;
    for (j = 0; j < cfg->defaults.nopts; j++)
        fn(CS_CONFIG_DEFAULT, cfg->defaults.opts[j].name,
           cfg->defaults.opts[j].line, user);
    for (i = 0; i < cfg->nsects; i++)
        for (j = 0; j < cfg->sects[i].nopts; j++)
            fn(cfg->sects[i].name, cfg->sects[i].opts[j].name,
               cfg->sects[i].opts[j].line, user);
}

void cs_config_foreach_section(const cs_config *cfg, cs_config_section_fn fn,
                               void *user)
{
    if (!cfg || !fn)
        return;
    for (size_t i = 0; i < cfg->nsects; i++)
        fn(cfg->sects[i].name, cfg->sects[i].line, user);
}
