/* SPDX-License-Identifier: MIT */
/* main.c: the credstack command: dispatches to its subcommands. */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "agent.h"

static void usage(FILE *out)
{
    fputs("Usage: credstack COMMAND [OPTIONS]\n"
          "\n"
          "Fetch the password a gateway user may log in with, through a stack "
          "of modules.\n"
          "\n"
          "Commands:\n"
          "  get-password   print the password for one request\n"
          "  hook HOOK      answer one SPS plugin hook (JSON on stdin and "
          "stdout)\n"
          "  check          validate the configuration and print the "
          "effective stack\n"
          "  store          manage the local credential store\n"
          "  agent          keep a configuration's stack and backend sessions\n"
          "                 warm for the other commands\n"
          "\n"
          "Options:\n"
          "  -h, --help     show this help (also: credstack COMMAND --help)\n"
          "  -V, --version  show the version\n"
          "\n"
          "Exit status: 0 password printed, 1 no password (denied or not "
          "found),\n"
          "2 bad usage, configuration, stack or module, 3 backend failure.\n"
          "See credstack(1).\n",
          out);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } commands[] = {
        {"get-password", cli_get_password},
        {"hook", cli_hook},
        {"check", cli_check},
        {"store", cli_store},
        {"agent", cli_agent},
    };

    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_CONFIG;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        cli_version(stdout);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "credstack: unknown command '%s' (try credstack --help)\n",
            argv[1]);
    return CLI_EXIT_CONFIG;
}
