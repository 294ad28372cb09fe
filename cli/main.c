/* SPDX-License-Identifier: MIT */
/* main.c: the credstack command: dispatches to its subcommands. */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

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

/*
 * Before anything else, and so before any secret (a private key, a store key,
 * a password) is in memory: no core file and no ptrace attach by other
 * processes of our user.  PR_SET_DUMPABLE 0 also stops a core dump whatever
 * RLIMIT_CORE says (and makes /proc/<pid>/ files root's); RLIMIT_CORE 0, hard
 * limit included, covers a later setuid transition that would turn dumping
 * back on.  Either failing means we cannot keep that promise: stop.
 */
static int harden_process(void)
{
    const struct rlimit none = {0, 0};

    if (setrlimit(RLIMIT_CORE, &none) != 0) {
        fprintf(stderr,
                "credstack: cannot turn core dumps off (setrlimit "
                "RLIMIT_CORE): %s\n",
                strerror(errno));
        return -1;
    }
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        fprintf(stderr,
                "credstack: cannot make the process non-dumpable (prctl "
                "PR_SET_DUMPABLE): %s\n",
                strerror(errno));
        return -1;
    }
    return 0;
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

    if (harden_process() != 0)
        return CLI_EXIT_CONFIG;
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
