/* SPDX-License-Identifier: MIT */
/* check.c: `credstack check`: validates the configuration and stack and prints
 * the effective stack. */
#include "autoconf.h"

#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static void usage(FILE *out)
{
    fputs("Usage: credstack check --config FILE [--stack FILE] [--no-load]\n"
          "                       [--connect]\n"
          "\n"
          "Read the configuration and the stack, load every module, check\n"
          "every option the modules declare (all problems at once, each with\n"
          "its file and line), initialise the modules, and print the\n"
          "effective stack.  Exit 0 only when a request could run, 2 when the\n"
          "configuration or stack is wrong.\n"
          "\n"
          "  -c, --config FILE  the plugin configuration (ini)\n"
          "  -s, --stack FILE   a stack file (default: [credstack] stack, or\n"
          "                     the stack a section of the configuration\n"
          "                     selects)\n"
          "  -C, --connect      then log in to each backend and report\n"
          "                     every step, with a fix for each failure;\n"
          "                     exit 3 when a step fails\n"
          "  -n, --no-load      do not load the modules, only parse\n"
          "  -h, --help         show this help\n"
          "  -V, --version      show the version\n",
          out);
}

static void print_step(const credstack_probe_step *s, void *user)
{
    static const char *const words[] = {"ok", "FAIL", "info"};
    int *failed = user;

    if (s->status == CREDSTACK_PROBE_FAIL)
        *failed = 1;
    printf("  %-4s %-8s %s  [%s, %s]\n",
           words[(unsigned)s->status < 3 ? s->status : 2], s->step, s->message,
           s->module, s->where);
    if (s->hint != NULL && s->status == CREDSTACK_PROBE_FAIL)
        printf("       fix: %s\n", s->hint);
    fflush(stdout);
}

int cli_check(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"stack", required_argument, NULL, 's'},
        {"no-load", no_argument, NULL, 'n'},
        {"connect", no_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *stack = NULL;
    unsigned flags = CREDSTACK_OPEN_LOG_STDERR;
    credstack_handle *h = NULL;
    int c, rc, connect = 0, failed = 0;

    optind = 1;
    while ((c = getopt_long(argc, argv, "c:s:nChV", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 's':
            stack = optarg;
            break;
        case 'n':
            flags |= CREDSTACK_OPEN_NO_LOAD;
            break;
        case 'C':
            connect = 1;
            break;
        default:
            return cli_usual_option(c, usage);
        }
    }
    if (config == NULL || optind != argc ||
        (connect && (flags & CREDSTACK_OPEN_NO_LOAD))) {
        fprintf(stderr, "credstack check: %s\n",
                config == NULL ? "--config FILE is required"
                : optind != argc
                    ? "unexpected argument"
                    : "--connect needs the modules: drop --no-load");
        usage(stderr);
        return CLI_EXIT_CONFIG;
    }
    rc = cli_open("check", &h, config, stack, flags, NULL, 0, NULL);
    if (rc != CREDSTACK_OK)
        return CLI_EXIT_CONFIG;
    rc = credstack_print_stack(h, stdout);
    if (rc == CREDSTACK_OK && connect) {
        printf("# connecting to each backend\n");
        fflush(stdout);
        rc = credstack_probe(h, print_step, &failed);
        if (rc == CREDSTACK_OK && failed)
            rc = CREDSTACK_ERR_BACKEND;
        printf("# %s\n", rc == CREDSTACK_OK ? "every step worked"
                                            : "a step failed (see fix:)");
    }
    credstack_close(h);
    if (rc == CREDSTACK_ERR_BACKEND)
        return CLI_EXIT_BACKEND;
    return rc == CREDSTACK_OK ? CLI_EXIT_OK : CLI_EXIT_CONFIG;
}
