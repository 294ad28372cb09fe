/* SPDX-License-Identifier: MIT */
/* fuzz_config.c: libFuzzer harness of the configuration reader (ConfigParser
 * rules on inih, interpolation, typed values). */
#include "autoconf.h"

#include <stdio.h>

#include <credstack/credstack.h>

#include "config.h"
#include "fuzz.h"

#define MAX_NAMES 256

typedef struct names {
    char *section[MAX_NAMES];
    char *option[MAX_NAMES];
    size_t n;
} names;

/* Collect the names first: lookups cache interpolated values in the config,
 * which must not change under a running foreach. */
static void collect(const char *section, const char *option, unsigned line,
                    void *user)
{
    names *nm = user;

    (void)line;
    if (nm->n < MAX_NAMES) {
        nm->section[nm->n] = strdup(section);
        nm->option[nm->n] = strdup(option);
        if (nm->section[nm->n] == NULL || nm->option[nm->n] == NULL)
            abort();
        nm->n++;
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const levels[] = {"debug", "info", "warning", "error",
                                         NULL};
    char *text = fuzz_cstr(data, size);
    char err[512];
    cs_config *cfg = NULL;
    names nm;

    memset(&nm, 0, sizeof(nm));
    if (cs_config_load_string(text, "fuzz.conf", &cfg, err, sizeof(err)) ==
        CREDSTACK_OK) {
        cs_config_foreach(cfg, collect, &nm);
        for (size_t i = 0; i < nm.n; i++) {
            const char *v = NULL;
            int b, idx;
            long l;

            (void)cs_config_has_section(cfg, nm.section[i]);
            (void)cs_config_line(cfg, nm.section[i], nm.option[i]);
            if (cs_config_get(cfg, nm.section[i], nm.option[i], &v, err,
                              sizeof(err)) != CREDSTACK_OK)
                continue;
            /* Every typed parse the modules do, on every value. */
            (void)cs_config_parse_bool(cfg, nm.section[i], nm.option[i], v, &b,
                                       err, sizeof(err));
            (void)cs_config_parse_int(cfg, nm.section[i], nm.option[i], v, 0,
                                      65535, &l, err, sizeof(err));
            (void)cs_config_parse_enum(cfg, nm.section[i], nm.option[i], v,
                                       levels, &idx, err, sizeof(err));
        }
        /* The options the core and the TPAM modules always ask for. */
        {
            const char *v = NULL;
            (void)cs_config_get(cfg, "tpam", "server_public_key", &v, err,
                                sizeof(err));
            (void)cs_config_get(cfg, "logging", "log_level", &v, err,
                                sizeof(err));
        }
        /* Overwriting a value drops its cached interpolation. */
        if (nm.n > 0 && cs_config_set(cfg, nm.section[0], nm.option[0],
                                      "%(x)s") == CREDSTACK_OK) {
            const char *v = NULL;
            (void)cs_config_get(cfg, nm.section[0], nm.option[0], &v, err,
                                sizeof(err));
        }
    }
    for (size_t i = 0; i < nm.n; i++) {
        free(nm.section[i]);
        free(nm.option[i]);
    }
    cs_config_free(cfg);
    free(text);
    return 0;
}
