/* SPDX-License-Identifier: MIT */
/* config_check.c: warns about unknown sections and options, and reads the
 * core's own options. */
#include "autoconf.h"

#include <string.h>

#include "internal.h"

/* Every option of both plugin generations, plus credstack's own. */
static const struct {
    const char *section;
    const char *const *options; /* NULL: any option */
} known[] = {
    {"plugin",
     (const char *const[]){"config_version", "cred_store", "log_level", NULL}},
    {"credential_store", (const char *const[]){"name", NULL}},
    {"logging", (const char *const[]){"log_level", "destination", NULL}},
    {"tpam", (const char *const[]){"server", "server_port", "server_user",
                                   "server_user_key", "server_public_key",
                                   "system_name_resolver", "authorization",
                                   "required_policy", "system_maptoreal",
                                   "system_prefix", "reuse_gateway_password",
                                   "connect_timeout", "command_timeout",
                                   "max_rows", NULL}},
    {"credstack", (const char *const[]){"module_dir", "stack", "store_dir",
                                        "store_key_file", NULL}},
    {"DEFAULT", NULL},
};

static void visit(const char *section, const char *option, unsigned line,
                  void *user)
{
    credstack_handle *h = user;

    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (strcmp(known[i].section, section) != 0)
            continue;
        if (known[i].options == NULL)
            return;
        for (const char *const *o = known[i].options; *o; o++)
            if (strcmp(*o, option) == 0)
                return;
        cs_log(h, CREDSTACK_LOG_WARNING, NULL,
               "%s:%u: unknown option %s.%s (ignored)", cs_config_path(h->cfg),
               line, section, option);
        return;
    }
    /* Sections of third-party modules are theirs to check. */
    cs_log(h, CREDSTACK_LOG_DEBUG, NULL,
           "%s:%u: option %s.%s is not one of credstack's own",
           cs_config_path(h->cfg), line, section, option);
}

void cs_config_check(credstack_handle *h)
{
    cs_config_foreach(h->cfg, visit, h);
}
