/* SPDX-License-Identifier: MIT */
/* options.c: the options the credstack command reads itself, in
 * [credstack], declared as modules declare theirs so that every handle it
 * opens (and `credstack check`) checks them with the rest; the core knows
 * none of them. */
#include "autoconf.h"

#include <credstack/module.h>

#include "cli.h"

static const char *const agent_modes[] = {"off", "auto", NULL};

static const struct credstack_option options[] = {
    {"credstack", "agent", CREDSTACK_OPTION_ENUM, 0, "off", 0, 0, agent_modes,
     NULL, "whether requests go through a credstack agent"},
    {"credstack", "agent_idle", CREDSTACK_OPTION_INT, 0, "600", 1, 86400, NULL,
     NULL, "seconds an idle agent waits before it exits"},
    {"credstack", "agent_socket", CREDSTACK_OPTION_PATH, 0, NULL, 0, 0, NULL,
     NULL, "the socket of an agent that systemd starts (socket activation)"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL},
};

const struct credstack_option *cli_options(void)
{
    return options;
}

size_t cli_option_size(void)
{
    return sizeof(options[0]);
}
