/* SPDX-License-Identifier: MIT */
/* commands.c: the command table, option parsing and Usage: text. */
#include "sim.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const systems_opts[] = {"SystemName",   "NetworkAddress",
                                           "PlatformName", "DomainName",
                                           "NetBiosName",  "MaxRows"};
static const char *const accounts_opts[] = {
    "SystemName", "AccountName", "NetworkAddress", "PlatformName", "MaxRows"};
static const char *const requests_opts[] = {"RequestID",  "RequestorName",
                                            "SystemName", "AccountName",
                                            "Status",     "MaxRows"};
static const char *const policies_opts[] = {
    "UserName",       "AccountName",        "SystemName",
    "PermissionType", "AllOrEffectiveFlag", "GroupName",
    "CollectionName", "AccessPolicyName",   "MaxRows"};
static const char *const retrieve_opts[] = {
    "AccountName", "SystemName",       "RequestID",   "ReasonCode",
    "ReasonText",  "TicketSystemName", "TicketNumber"};

/* Unimplemented commands are listed so that abbreviations resolve as in TPAM.
 */
const struct command commands[] = {
    {"ListSystems", systems_opts, N(systems_opts), cmd_list_systems},
    {"ListAccounts", accounts_opts, N(accounts_opts), cmd_list_accounts},
    {"ListRequestDetails", requests_opts, N(requests_opts),
     cmd_list_request_details},
    {"ListAssignedPolicies", policies_opts, N(policies_opts),
     cmd_list_assigned_policies},
    {"Retrieve", retrieve_opts, N(retrieve_opts), cmd_retrieve},
    {"ListRequest", NULL, 0, NULL},
    {"ListReasonCodes", NULL, 0, NULL},
    {"ListUsers", NULL, 0, NULL},
    {"ListGroups", NULL, 0, NULL},
    {"ListCollections", NULL, 0, NULL},
    {"AddPwdRequest", NULL, 0, NULL},
    {"GetPwdRequest", NULL, 0, NULL},
    {"Cancel", NULL, 0, NULL},
};
const size_t n_commands = N(commands);

int command_find(const char *name)
{
    const char *names[N(commands)];

    for (size_t i = 0; i < n_commands; i++)
        names[i] = commands[i].name;
    return resolve_name(name, names, n_commands);
}

const char *optv(const struct ctx *c, const char *name)
{
    for (size_t i = 0; i < c->cmd->nopts; i++)
        if (ieq(c->cmd->opts[i], name))
            return c->opt[i];
    return NULL;
}

/* --MaxRows: absent = 25, 0 = all; -1 when not a number. */
long max_rows(const char *v)
{
    long n = 0;

    if (!v)
        return 25;
    if (!*v)
        return -1;
    for (const char *p = v; *p; p++) {
        if (!isdigit((unsigned char)*p) || n > 100000000L)
            return -1;
        n = n * 10 + (*p - '0');
    }
    return n;
}

/* Prints "why" (if any) and a Usage: text for cmd, or for all commands. */
void usage(struct out *o, const struct command *cmd, const char *why)
{
    if (why)
        out_line(o, why);
    if (!cmd) {
        out_line(o, "Usage: <Command> [--Option value ...]");
        out_str(o, "Commands:");
        for (size_t i = 0; i < n_commands; i++) {
            out_str(o, " ");
            out_str(o, commands[i].name);
        }
        out_eol(o);
        return;
    }
    out_str(o, "Usage: ");
    out_str(o, cmd->name);
    for (size_t i = 0; i < cmd->nopts; i++) {
        out_str(o, " [--");
        out_str(o, cmd->opts[i]);
        out_str(o, ieq(cmd->opts[i], "MaxRows") ? " n]" : " value]");
    }
    out_eol(o);
}

static void usage2(struct out *o, const struct command *cmd, const char *fmt,
                   const char *arg)
{
    struct out msg = {0};
    const char *pct = strstr(fmt, "%s");

    out_bytes(&msg, fmt, (size_t)(pct - fmt));
    out_str(&msg, arg);
    out_str(&msg, pct + 2);
    usage(o, cmd, msg.buf);
    out_free(&msg);
}

/*
 * tk->t[0] is the command. Options: "--Name value", "-Name value" or
 * "--Name=value"; names case-insensitive and abbreviable to uniqueness.
 * A later repeat of an option wins. Returns 0, or -1 after printing Usage.
 */
int parse_options(const struct tokens *tk, struct ctx *c)
{
    const struct command *cmd = c->cmd;

    for (size_t i = 0; i < MAX_OPTS; i++)
        c->opt[i] = NULL;
    for (size_t i = 1; i < tk->n; i++) {
        const struct token *t = &tk->t[i];
        const char *name = t->text;
        const char *eq;
        char *nm;
        int idx;

        if (!is_option_token(t)) {
            usage2(c->o, cmd, "Unexpected argument: %s", t->text);
            return -1;
        }
        name += name[1] == '-' ? 2 : 1;
        eq = strchr(name, '=');
        nm = eq ? xstrndup(name, (size_t)(eq - name)) : xstrdup(name);
        idx = resolve_name(nm, cmd->opts, cmd->nopts);
        if (idx < 0) {
            usage2(c->o, cmd,
                   idx == -2 ? "Ambiguous option: --%s"
                             : "Unknown option: --%s",
                   nm);
            free(nm);
            return -1;
        }
        if (eq) {
            c->opt[idx] = eq + 1;
        } else if (i + 1 < tk->n && !is_option_token(&tk->t[i + 1])) {
            c->opt[idx] = tk->t[++i].text;
        } else {
            usage2(c->o, cmd, "Option --%s requires a value", cmd->opts[idx]);
            free(nm);
            return -1;
        }
        free(nm);
    }
    return 0;
}
