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
          "\n"
          "Read the configuration and the stack (or derive the stack from the\n"
          "[tpam] options), load and initialise every module, and print the\n"
          "effective stack.  Exit 0 when all is well, 2 otherwise.\n"
          "\n"
          "  -c, --config FILE  the plugin configuration (ini)\n"
          "  -s, --stack FILE   a stack file (default: [credstack] stack, or\n"
          "                     derived from [tpam])\n"
          "  -n, --no-load      do not load the modules, only parse\n"
          "  -h, --help         show this help\n"
          "  -V, --version      show the version\n",
          out);
}

int cli_check(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"stack", required_argument, NULL, 's'},
        {"no-load", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *stack = NULL;
    unsigned flags = CREDSTACK_OPEN_LOG_STDERR;
    credstack_handle *h = NULL;
    int c, rc;

    optind = 1;
    while ((c = getopt_long(argc, argv, "c:s:nhV", opts, NULL)) != -1) {
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
    if (config == NULL || optind != argc) {
        fprintf(stderr, "credstack check: %s\n",
                config == NULL ? "--config FILE is required"
                               : "unexpected argument");
        usage(stderr);
        return CLI_EXIT_CONFIG;
    }
    rc = cli_open("check", &h, config, stack, flags);
    if (rc != CREDSTACK_OK)
        return CLI_EXIT_CONFIG;
    rc = credstack_print_stack(h, stdout);
    credstack_close(h);
    return rc == CREDSTACK_OK ? CLI_EXIT_OK : CLI_EXIT_CONFIG;
}
