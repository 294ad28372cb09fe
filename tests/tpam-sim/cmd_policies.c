/* SPDX-License-Identifier: MIT */
/* cmd_policies.c: ListAssignedPolicies. */
#include "sim.h"

static const char *cell(const struct fixture *fx, const struct record *r,
                        size_t pos, const char *col, char *buf, size_t len)
{
    (void)fx;
    (void)pos;
    (void)buf;
    (void)len;
    return plain_cell(policy_columns, n_policy_columns, r, col);
}

/* --AllOrEffectiveFlag E: only rows with EffectiveFl Y; A (default): all.
 * With filter=ignore, E is ignored too: every row is listed, whatever its
 * EffectiveFl, and the client must check the flag itself. */
static int effective(struct ctx *c, const struct record *r)
{
    const char *f = optv(c, "AllOrEffectiveFlag");

    if (c->filter_mode == FILTER_IGNORE) /* the faults' or STATE/defaults' */
        return 1;
    if (f && (f[0] == 'E' || f[0] == 'e'))
        return ieq(
            plain_cell(policy_columns, n_policy_columns, r, "EffectiveFl"),
            "Y");
    return 1;
}

int cmd_list_assigned_policies(struct ctx *c)
{
    const char *f = optv(c, "AllOrEffectiveFlag");
    struct listdef d = {
        REC_POLICY, policy_columns, n_policy_columns, "No Permissions to list",
        cell,       effective};

    if (f && !ieq(f, "A") && !ieq(f, "E")) {
        usage(c->o, c->cmd, "AllOrEffectiveFlag must be A or E");
        return SIM_EXIT_USAGE;
    }
    return list_run(c, &d);
}
