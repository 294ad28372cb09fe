/* store_stub.c: placeholder until the local credential store lands (issue 4). */
#include "autoconf.h"

#include <stdio.h>

#include "cli.h"

int cli_store(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("credstack store: the local credential store is not built yet\n",
          stderr);
    return CLI_EXIT_CONFIG;
}
