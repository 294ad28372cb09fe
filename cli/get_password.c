/* SPDX-License-Identifier: MIT */
/* get_password.c: `credstack get-password`: prints the password for one
 * request. */
#include "autoconf.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <credstack/module.h>

#include "agent.h"

static void usage(FILE *out)
{
    fputs("Usage: credstack get-password --config FILE [--stack FILE]\n"
          "         --gateway-user U --target-user T --target-host H\n"
          "         [--gateway-password-stdin] [--trace] [--log-level L]\n"
          "\n"
          "Run the stack and print the password and a newline on stdout.\n"
          "\n"
          "  -c, --config FILE            the plugin configuration (ini)\n"
          "  -s, --stack FILE             a stack file (default: derived)\n"
          "  -g, --gateway-user U         the user logged in to the gateway\n"
          "  -u, --target-user T          the user to log in as\n"
          "  -H, --target-host H          the target host (IP address or "
          "name)\n"
          "  -p, --gateway-password-stdin read the gateway password from the\n"
          "                               first line of standard input\n"
          "  -t, --trace                  explain each stack line on stderr\n"
          "                               (never a secret)\n"
          "  -l, --log-level L            debug, info, warning, error, "
          "critical\n"
          "  -h, --help                   show this help\n"
          "  -V, --version                show the version\n"
          "\n"
          "Exit status: 0 password printed, 1 no password, 2 usage or\n"
          "configuration error, 3 backend failure.\n",
          out);
}

/* The first line of stdin, without its line ending. */
static int read_password(char **pw_out, size_t *len_out)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = cli_read_all(stdin, 64 * 1024, &buf, &len);

    if (rc != CREDSTACK_OK)
        return rc;
    buf[strcspn(buf, "\r\n")] = '\0';
    *pw_out = buf;
    *len_out = len;
    return CREDSTACK_OK;
}

int cli_get_password(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"stack", required_argument, NULL, 's'},
        {"gateway-user", required_argument, NULL, 'g'},
        {"target-user", required_argument, NULL, 'u'},
        {"target-host", required_argument, NULL, 'H'},
        {"gateway-password-stdin", no_argument, NULL, 'p'},
        {"trace", no_argument, NULL, 't'},
        {"log-level", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *stack = NULL, *gw = NULL, *tu = NULL,
               *th = NULL, *level = NULL;
    int want_pw = 0, trace = 0, c, ret = CLI_EXIT_CONFIG;
    char *gwpw = NULL;
    size_t gwpw_len = 0;
    int lv = 0;
    cli_request r;
    cli_result res = {0, NULL, NULL, 0};

    optind = 1;
    while ((c = getopt_long(argc, argv, "c:s:g:u:H:ptl:hV", opts, NULL)) !=
           -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 's':
            stack = optarg;
            break;
        case 'g':
            gw = optarg;
            break;
        case 'u':
            tu = optarg;
            break;
        case 'H':
            th = optarg;
            break;
        case 'p':
            want_pw = 1;
            break;
        case 't':
            trace = 1;
            break;
        case 'l':
            level = optarg;
            break;
        default:
            return cli_usual_option(c, usage);
        }
    }
    if (config == NULL || gw == NULL || tu == NULL || th == NULL ||
        optind != argc) {
        fprintf(stderr, "credstack get-password: %s\n",
                optind != argc ? "unexpected argument"
                               : "--config, --gateway-user, --target-user "
                                 "and --target-host are required");
        usage(stderr);
        return CLI_EXIT_CONFIG;
    }
    if (want_pw && read_password(&gwpw, &gwpw_len) != CREDSTACK_OK) {
        fprintf(stderr, "credstack get-password: cannot read the gateway "
                        "password from stdin\n");
        return CLI_EXIT_CONFIG;
    }
    if (level != NULL &&
        credstack_log_level_parse(level, &lv) != CREDSTACK_OK) {
        fprintf(stderr,
                "credstack get-password: --log-level: '%s' is not debug, "
                "info, warning, error, critical or 10..50\n",
                level);
        goto done;
    }
    memset(&r, 0, sizeof(r));
    r.config = config;
    r.stack = stack;
    r.trace = trace;
    r.log_level = lv;
    r.items[CREDSTACK_ITEM_GATEWAY_USER] = gw;
    r.items[CREDSTACK_ITEM_TARGET_USER] = tu;
    r.items[CREDSTACK_ITEM_TARGET_HOST] = th;
    r.items[CREDSTACK_ITEM_GATEWAY_PASSWORD] = gwpw;
    cli_run("get-password", &r, &res);
    if (res.rc == CREDSTACK_OK) {
        if (cli_write_secret_line(STDOUT_FILENO, res.password) !=
            CREDSTACK_OK) {
            fprintf(stderr, "credstack get-password: cannot write the "
                            "password to stdout\n");
            ret = CLI_EXIT_CONFIG;
            goto done;
        }
        ret = CLI_EXIT_OK;
    } else {
        if (res.opened)
            fprintf(stderr, "credstack get-password: %s: %s\n",
                    credstack_strerror(res.rc), res.error ? res.error : "");
        ret = cli_exit_code(res.rc);
    }
done:
    cli_result_free(&res);
    cli_free_secret(gwpw, gwpw_len);
    return ret;
}
