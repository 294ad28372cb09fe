/* SPDX-License-Identifier: MIT */
/* common.c: helpers shared by the credstack subcommands. */
#include "autoconf.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <strings.h>

#include <credstack/module.h>

#include "cli.h"

void cli_version(FILE *out)
{
    fprintf(out, "credstack %s (module ABI %u)\n", PACKAGE_VERSION,
            CREDSTACK_MODULE_ABI_VERSION);
}

int cli_usual_option(int c, void (*usage)(FILE *out))
{
    switch (c) {
    case 'h':
        usage(stdout);
        return CLI_EXIT_OK;
    case 'V':
        cli_version(stdout);
        return CLI_EXIT_OK;
    default:
        usage(stderr);
        return CLI_EXIT_CONFIG;
    }
}

int cli_exit_code(int rc)
{
    switch (rc) {
    case CREDSTACK_OK:
        return CLI_EXIT_OK;
    case CREDSTACK_ERR_DENIED:
        return CLI_EXIT_DENIED;
    case CREDSTACK_ERR_BACKEND:
    case CREDSTACK_ERR_TIMEOUT:
    case CREDSTACK_ERR_HOSTKEY:
    case CREDSTACK_ERR_REFUSED:
    case CREDSTACK_ERR_IO:
        return CLI_EXIT_BACKEND;
    default:
        return CLI_EXIT_CONFIG;
    }
}

/*
 * One line per problem, each naming its file and line, then a summary; a
 * single problem is one line, as before.
 */
void cli_print_problems(const char *cmd, int rc, const char *problems)
{
    unsigned n = 0;

    if (problems == NULL || *problems == '\0') {
        fprintf(stderr, "credstack %s: %s\n", cmd, credstack_strerror(rc));
        return;
    }
    for (const char *p = problems; p; p = strchr(p, '\n'), p = p ? p + 1 : p)
        n++;
    if (n == 1) {
        fprintf(stderr, "credstack %s: %s: %s\n", cmd, credstack_strerror(rc),
                problems);
        return;
    }
    for (const char *p = problems; *p;) {
        size_t len = strcspn(p, "\n");
        fprintf(stderr, "credstack %s: %.*s\n", cmd, (int)len, p);
        p += len + (p[len] == '\n');
    }
    fprintf(stderr, "credstack %s: %s (%u problems)\n", cmd,
            credstack_strerror(rc), n);
}

int cli_open(const char *cmd, credstack_handle **h_out, const char *config,
             const char *stack, unsigned flags,
             const credstack_value *caller_values, size_t ncaller_values,
             credstack_config *parsed)
{
    struct credstack_open_args args;
    int rc;

    memset(&args, 0, sizeof(args));
    args.size = sizeof(args);
    args.config = parsed;
    args.app_options = cli_options();
    args.app_option_size = cli_option_size();
    args.config_path = config;
    args.stack_path = stack;
    args.flags = flags;
    args.caller_values = caller_values;
    args.ncaller_values = ncaller_values;
    rc = credstack_open_with(h_out, &args);
    if (rc != CREDSTACK_OK) {
        cli_print_problems(cmd, rc, credstack_error(*h_out));
        credstack_close(*h_out);
        *h_out = NULL;
        /*
         * A configuration or stack file that cannot be read is a
         * configuration problem (exit 2), not a backend failure (exit 3).
         */
        if (rc == CREDSTACK_ERR_IO)
            rc = CREDSTACK_ERR_CONFIG;
    }
    return rc;
}

char *cli_absolute_path(const char *path)
{
    char *cwd, *out = NULL;

    if (path == NULL)
        return NULL;
    if (path[0] == '/')
        return strdup(path);
    cwd = getcwd(NULL, 0);
    if (cwd == NULL)
        return NULL;
    if (asprintf(&out, "%s%s%s", cwd, strcmp(cwd, "/") == 0 ? "" : "/", path) <
        0)
        out = NULL;
    free(cwd);
    return out;
}

int cli_read_all(FILE *f, size_t max, char **buf_out, size_t *len_out)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);

    if (buf == NULL)
        return CREDSTACK_ERR_NOMEM;
    for (;;) {
        size_t got;
        if (cap - len < 2) {
            char *grown;
            if (cap >= max) {
                cli_free_secret(buf, len);
                return CREDSTACK_ERR_INVALID;
            }
            /* Grow by copying so no secret is left behind by realloc. */
            grown = malloc(cap * 2);
            if (grown == NULL) {
                cli_free_secret(buf, len);
                return CREDSTACK_ERR_NOMEM;
            }
            memcpy(grown, buf, len);
            cli_free_secret(buf, len);
            buf = grown;
            cap *= 2;
        }
        got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        cli_free_secret(buf, len);
        return CREDSTACK_ERR_IO;
    }
    buf[len] = '\0';
    *buf_out = buf;
    *len_out = len;
    return CREDSTACK_OK;
}

void cli_free_secret(char *buf, size_t len)
{
    if (buf == NULL)
        return;
    credstack_wipe(buf, len);
    free(buf);
}

/*
 * Write a secret and a newline with write(2): stdio would keep a copy in its
 * buffer that nothing wipes.  The line is built in a buffer wiped after use.
 */
int cli_write_secret_line(int fd, const char *secret)
{
    size_t len = strlen(secret), off = 0;
    char *line = malloc(len + 1);
    int ret = CREDSTACK_OK;

    if (line == NULL)
        return CREDSTACK_ERR_NOMEM;
    memcpy(line, secret, len);
    line[len] = '\n';
    while (off < len + 1) {
        ssize_t n = write(fd, line + off, len + 1 - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            ret = CREDSTACK_ERR_IO;
            break;
        }
        off += (size_t)n;
    }
    cli_free_secret(line, len + 1);
    return ret;
}
