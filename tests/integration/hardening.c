/* SPDX-License-Identifier: MIT */
/* hardening.c: helpers of the hardening tests: the harness's environment,
 * configs, spawning credstack. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "hardening.h"

char *hz_write_config(const char *dir, const char *authorization, int connect_s,
                      int command_s, int key_in_store, const char *extra)
{
    char *key = tu_slurp(tu_env("TPAM_CLIENT_KEY_ED25519"));
    char *path = tu_path(dir, "credstack.conf");
    FILE *f = fopen(path, "w");

    cr_assert(key != NULL && f != NULL);
    fprintf(f,
            "[tpam]\nserver = %s\nserver_port = %s\nserver_user = %s\n"
            "server_public_key = %s\nsystem_name_resolver = tpam\n"
            "authorization = %s\nrequired_policy = Privileged Access\n"
            "connect_timeout = %d\ncommand_timeout = %d\n",
            tu_env("TPAM_HOST"), tu_env("TPAM_PORT"), tu_env("TPAM_USER"),
            tu_env("TPAM_HOSTKEY_ED25519"), authorization, connect_s,
            command_s);
    if (key_in_store) {
        fputs("server_user_key = $\n", f);
    } else {
        /* The key as a continued value: every line after the first indented. */
        fputs("server_user_key = ", f);
        for (char *p = key, *nl; *p; p = nl + 1) {
            nl = strchr(p, '\n');
            if (nl == NULL)
                nl = p + strlen(p) - 1;
            fprintf(f, "%s%.*s\n", p == key ? "" : "  ", (int)(nl - p), p);
            if (nl[1] == '\0')
                break;
        }
    }
    if (extra)
        fputs(extra, f);
    /* Warnings about the inline key only add noise to the tests' stderr. */
    fputs("[logging]\nlog_level = error\n", f);
    cr_assert_eq(fclose(f), 0);
    free(key);
    return path;
}

void hz_log_clear(void)
{
    FILE *f = fopen(tu_env("TPAM_COMMANDS_LOG"), "w");
    cr_assert_not_null(f);
    fclose(f);
}

void hz_faults(const char *text)
{
    const char *path = tu_env("TPAM_FAULTS");
    FILE *f;

    if (text == NULL) {
        remove(path);
        return;
    }
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

char *hz_log(void)
{
    char *s = tu_slurp(tu_env("TPAM_COMMANDS_LOG"));
    char *w = s;

    cr_assert_not_null(s);
    /* Keep the commands only: a numeric ppid must not look like a host. */
    for (const char *r = s; *r;) {
        const char *tab = strchr(r, '\t'), *nl = strchr(r, '\n');
        if (nl == NULL)
            nl = r + strlen(r);
        if (tab != NULL && tab < nl)
            r = tab + 1;
        memmove(w, r, (size_t)(nl - r));
        w += nl - r;
        if (*nl == '\n')
            *w++ = '\n';
        r = *nl ? nl + 1 : nl;
    }
    *w = '\0';
    return s;
}

int hz_valgrind(void)
{
    const char *v = getenv("CREDSTACK_VALGRIND");
    return v != NULL && strcmp(v, "1") == 0;
}

long long hz_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

tu_run hz_get_password(const char *conf, const char *gw, const char *user,
                       const char *host)
{
    const char *argv[] = {"get-password",
                          "--config",
                          conf,
                          "--gateway-user",
                          gw,
                          "--target-user",
                          user,
                          "--target-host",
                          host,
                          NULL};
    return tu_credstack(argv, NULL, NULL);
}

tu_run hz_hook(const char *conf, const char *json)
{
    const char *argv[] = {"hook", "get-password-list", "--config", conf, NULL};
    return tu_credstack(argv, json, NULL);
}

int hz_log_mentions(const char *log, const char *text, size_t len)
{
    char esc[2048];
    size_t o = 0;

    if (len == 0)
        return 0;
    /* The log writes control bytes as \t, \n, \r, \xNN (tpam-sim cmdlog.c). */
    for (size_t i = 0; i < len && o + 5 < sizeof(esc); i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\t')
            o += (size_t)snprintf(esc + o, sizeof(esc) - o, "\\t");
        else if (c == '\n')
            o += (size_t)snprintf(esc + o, sizeof(esc) - o, "\\n");
        else if (c == '\r')
            o += (size_t)snprintf(esc + o, sizeof(esc) - o, "\\r");
        else if (c < 0x20 || c == 0x7f)
            o += (size_t)snprintf(esc + o, sizeof(esc) - o, "\\x%02x", c);
        else
            esc[o++] = (char)c;
    }
    esc[o] = '\0';
    return strstr(log, esc) != NULL || memmem(log, strlen(log), text, len);
}
