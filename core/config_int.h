/* SPDX-License-Identifier: MIT */
/* config_int.h: declarations shared by the config*.c files only, not by the
 * rest of the core. */
#ifndef CREDSTACK_CORE_CONFIG_INT_H
#define CREDSTACK_CORE_CONFIG_INT_H

#include <stdarg.h>
#include <stddef.h>

#include "config.h"

/*
 * Names longer than this are refused when a file is read: every synthetic
 * line handed to inih (`name=\x01` and an index of at most 10 digits, or
 * `[name]`) then stays below 190 bytes, well inside Debian's INI_MAX_LINE of
 * 200, so inih can never truncate one.
 */
#define CS_CONFIG_NAME_MAX 176

/* The name ConfigParser gives the section whose values every section inherits.
 */
#define CS_CONFIG_DEFAULT "DEFAULT"

/* Wipe a NUL-terminated string and free it.  NULL is a no-op. */
void cs_config_free_secret(char *s);

/*
 * A growing string for values being assembled.  Growing copies into a new
 * block and wipes the old one, since realloc() would leave the old bytes (part
 * of a key, maybe) behind in freed memory.
 */
struct cs_config_buf {
    char *p; /* NUL-terminated once anything was added */
    size_t len, cap;
};

/* Append n bytes; CREDSTACK_OK or CREDSTACK_ERR_NOMEM. */
int cs_config_buf_add(struct cs_config_buf *b, const char *s, size_t n);

/* Wipe and free the buffer and reset it to empty. */
void cs_config_buf_wipe(struct cs_config_buf *b);

/* snprintf into err (when err and errlen allow it); always NUL-terminated. */
void cs_config_errf(char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Whether two names are equal ignoring ASCII case. */
int cs_config_name_eq(const char *a, const char *b);

/* An empty configuration named `path` (for messages); NULL when out of memory.
 */
cs_config *cs_config_new(const char *path);

/*
 * Start a section read from the file at `line` ([DEFAULT] may start several
 * times; any other name only once, as ConfigParser's strict mode wants).
 */
int cs_config_add_section(cs_config *cfg, const char *section, unsigned line,
                          char *err, size_t errlen);

/*
 * Add an option read from the file.  The section must have been added;
 * `option` is already folded to lower case.  On success cfg owns *value and
 * *value is set to NULL; on failure the caller still owns it.  A duplicate
 * within the section is an error naming both lines.
 */
int cs_config_add_option(cs_config *cfg, const char *section,
                         const char *option, char **value, unsigned line,
                         char *err, size_t errlen);

/*
 * The raw (uninterpolated) value of option in section, falling back to
 * [DEFAULT]; NULL when absent.  `option` is matched ignoring ASCII case.
 */
const char *cs_config_raw(const cs_config *cfg, const char *section,
                          const char *option);

/*
 * Expand %(name)s and %% in `raw`, the value of section.option, the way
 * Python's BasicInterpolation does; *out is a new string (free it with
 * cs_config_free_secret).  Errors are CREDSTACK_ERR_CONFIG and name the
 * option, never its value.
 */
int cs_config_interpolate(const cs_config *cfg, const char *section,
                          const char *option, const char *raw, char **out,
                          char *err, size_t errlen);

/*
 * Parse `len` bytes of configuration text into a new cfg named `name`.
 * The text may hold NUL bytes (they are reported as errors).
 */
int cs_config_parse(const char *text, size_t len, const char *name,
                    cs_config **cfg_out, char *err, size_t errlen);

/*
 * A hash index over the names of one array (sections, a section's options,
 * a section's cache), so that reading n sections or n options, and each
 * lookup, costs O(1) on average instead of a scan: a file with 40,000
 * sections read in O(n), not O(n^2).  The arrays keep file order (for
 * cs_config_foreach and messages); the index only finds an element.  Open
 * addressing with linear probing, at most half full.  A slot keeps the
 * name's hash and pointer (the element's own heap string, which does not
 * move when the array is reallocated) and the element's position.
 */
struct cs_slot {
    size_t hash;
    const char *name; /* NULL: empty */
    size_t pos;       /* index into the indexed array */
};

struct cs_index {
    struct cs_slot *slots;
    size_t cap; /* 0, or a power of two */
    size_t n;
};

/* The position an index stores for a name it does not hold. */
#define CS_POS_NONE ((size_t)-1)

/*
 * Probes: slots visited and names compared in these tables, counted only
 * in a build with CS_CONFIG_COUNT_PROBES (the unit test and
 * bench/config-read).  Unlike time, the count does not depend on the
 * machine: per entry it stays flat while the reader is linear.
 */
#ifdef CS_CONFIG_COUNT_PROBES
extern unsigned long cs_config_probes;
#define CS_PROBE() (cs_config_probes++)
#else
#define CS_PROBE() ((void)0)
#endif

/* config_index.c: FNV-1a over name (over its ASCII lower case with fold). */
size_t cs_hash(const char *name, int fold);
int cs_index_same(const char *a, const char *b, int fold);
size_t cs_index_find(const struct cs_index *ix, const char *name, int fold);
void cs_index_place(struct cs_slot *slots, size_t cap,
                    const struct cs_slot *slot);
int cs_index_put(struct cs_index *ix, const char *name, size_t pos, int fold);
void cs_index_free(struct cs_index *ix);

/* config_util.c */
void cs_config_err_clear(char *err, size_t errlen);
int cs_config_lower(int c);
char *cs_config_lower_dup(const char *s);

/*
 * config.c: the lookup cache.  The fresh cached value of section.option
 * (interpolated), or NULL; keep value (taken over, wiped at free) as it,
 * returning it (NULL when out of memory: value is freed).
 */
const char *cs_config_cache_get(cs_config *cfg, const char *section,
                                const char *option);
const char *cs_config_cache_put(cs_config *cfg, const char *section,
                                const char *option, char *value);

#endif /* CREDSTACK_CORE_CONFIG_INT_H */
