/* SPDX-License-Identifier: MIT */
/* config.h: the configuration reader (ConfigParser semantics on top of inih),
 * private to the core. */
#ifndef CREDSTACK_CORE_CONFIG_H
#define CREDSTACK_CORE_CONFIG_H

#include <stddef.h>

/*
 * A parsed configuration file.  Section names are case-sensitive (as in
 * ConfigParser), option names are folded to lower case, [DEFAULT] values are
 * inherited by every section.  Values are interpolated on lookup
 * (%(name)s, %%), and the results are cached in the config.
 *
 * Every function that can fail writes a one-line message naming the file,
 * line, section.option and bad value into err (errlen bytes, always
 * NUL-terminated) and returns a credstack_rc.
 */
typedef struct cs_config cs_config;

/* Read and parse a file.  On failure *cfg_out is NULL. */
int cs_config_load_file(const char *path, cs_config **cfg_out, char *err,
                        size_t errlen);

/*
 * The same, handing back the bytes read (NUL-terminated, *len_out of them;
 * the caller wipes and frees them) when the file could be read, whether or
 * not it parsed.
 */
int cs_config_read_file(const char *path, cs_config **cfg_out, char **text_out,
                        size_t *len_out, char *err, size_t errlen);

/* Parse text; `name` stands for the file name in messages. */
int cs_config_load_string(const char *text, const char *name,
                          cs_config **cfg_out, char *err, size_t errlen);

/* Wipe every value (they may hold keys) and free.  NULL is a no-op. */
void cs_config_free(cs_config *cfg);

/* The file name given at load time. */
const char *cs_config_path(const cs_config *cfg);

/* Whether a section exists ([DEFAULT] does not count). */
int cs_config_has_section(const cs_config *cfg, const char *section);

/*
 * The interpolated value of section.option (option names are matched without
 * case).  CREDSTACK_OK with *value_out owned by cfg; CREDSTACK_ERR_NOTFOUND
 * when absent (err is then left empty); CREDSTACK_ERR_CONFIG on an
 * interpolation error: a missing reference, a loop or a depth over 10, a
 * lone '%'.
 */
int cs_config_get(cs_config *cfg, const char *section, const char *option,
                  const char **value_out, char *err, size_t errlen);

/* The line in the file where section.option was set (0 when unknown). */
unsigned cs_config_line(const cs_config *cfg, const char *section,
                        const char *option);

/* The line of section's (first) header in the file (0 when unknown). */
unsigned cs_config_section_line(const cs_config *cfg, const char *section);

/* Set (or replace) a value, as if it had been in the file at line 0. */
int cs_config_set(cs_config *cfg, const char *section, const char *option,
                  const char *value);

/*
 * Parse a value as a boolean: yes/no, true/false, on/off, 1/0, any case.
 * CREDSTACK_OK or CREDSTACK_ERR_CONFIG naming section.option and the value.
 */
int cs_config_parse_bool(const cs_config *cfg, const char *section,
                         const char *option, const char *value, int *out,
                         char *err, size_t errlen);

/* Parse a decimal integer within [min, max] (messages as above). */
int cs_config_parse_int(const cs_config *cfg, const char *section,
                        const char *option, const char *value, long min,
                        long max, long *out, char *err, size_t errlen);

/*
 * Parse a value that must be one of `choices` (NULL-terminated, matched
 * without case); the message lists the choices.
 */
int cs_config_parse_enum(const cs_config *cfg, const char *section,
                         const char *option, const char *value,
                         const char *const *choices, int *index_out, char *err,
                         size_t errlen);

/* Call fn for every section.option in file order (DEFAULT first). */
typedef void (*cs_config_visit_fn)(const char *section, const char *option,
                                   unsigned line, void *user);
void cs_config_foreach(const cs_config *cfg, cs_config_visit_fn fn, void *user);

/* Call fn for every section in file order ([DEFAULT] not included). */
typedef void (*cs_config_section_fn)(const char *section, unsigned line,
                                     void *user);
void cs_config_foreach_section(const cs_config *cfg, cs_config_section_fn fn,
                               void *user);

#endif /* CREDSTACK_CORE_CONFIG_H */
